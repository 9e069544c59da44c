"""Plain-text article files -> Article.

trafilatura finds nothing in plain text, so this module reads such files itself: a header line
(" date 2023-11-08 By Euronews with AFP"), an optional title line, bylines and agency credits,
an explicit date line, the wire dateline ("Moscow, Nov. 10, (dpa/GNA) –"), and the body, minus
the lines `transforms.boilerplate` says are not article text. Dates are taken only where the
text prints a full date; nothing is completed from context.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from transforms.boilerplate import (
    AGENCY_FORMS,
    agency_pattern,
    canonical_agency,
    drop_reason,
    is_list_heading,
    looks_like_headline,
    normalize_line,
    split_paragraphs,
    word_count,
)
from transforms.records import (
    Article,
    DateSource,
    Dateline,
    DecodedDocument,
    PublicationDate,
    Rejection,
)
from transforms.textdates import (
    MONTH,
    MONTH_DAY,
    is_month_day,
    match_leading_date,
    month_number,
    parse_date_only,
    safe_date,
)

MIN_WORDS = 25  # fewer words of body than this is a stub, a teaser or an error page

_EARLY = 3  # body paragraphs that may still hold a byline or date line (after a standfirst)
_DATELINE_REACH = 2  # the dateline opens the first paragraph, or the one after a standfirst

# Which evidence wins when a file prints more than one date: the archive's own metadata first.
_DATE_PRIORITY: tuple[DateSource, ...] = ("header_line", "dateline", "text")


@dataclass(frozen=True, slots=True)
class Credit:
    """Who a byline or credit line names."""

    authors: tuple[str, ...] = ()  # people only
    agencies: tuple[str, ...] = ()
    site_name: str | None = None


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    """A dateline found at the start of a paragraph."""

    dateline: Dateline
    rest: str  # the paragraph without its dateline
    date: dt.date | None = None  # only when the dateline prints a year


# --- names and places --------------------------------------------------------------------------

# Lower-case words that belong inside names and place names ("Rio de Janeiro", "Ursula von der").
_PARTICLES = frozenset(
    "de du des da das do dos del della di la le les au aux el al bin ibn van von der den ter "
    "es sur upon am im on of".split()
)
# Words that make a capitalised phrase a publication, not a person.
_ORG_WORDS = frozenset(
    "news times post press media group agency agencies service network online daily herald "
    "tribune journal guardian telegraph radio tv television wire bureau magazine gazette "
    "chronicle review today weekly monitor observer insider digital broadcasting corporation "
    "the".split()
)
# A byline segment ending in one of these is a job title ("Political Correspondent", "Staff").
_ROLE_WORDS = frozenset(
    "reporter reporters correspondent correspondents writer writers editor editors staff desk "
    "team contributor contributors columnist columnists journalist journalists analyst analysts "
    "producer producers photographer photographers intern interns bureau newsroom".split()
)
# Capitalised words that start a sentence or a date, never a publication.
_NOT_A_SITE = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today yesterday then now contrast "
    "comparison".split()
)


def _is_name_word(word: str) -> bool:
    """A capitalised word of letters, apostrophes, hyphens or dots ("O'Brien", "J.", "Jean-Luc")."""
    return word[0].isupper() and all(c.isalpha() or c in "'’-." for c in word)


def _is_person(words: list[str]) -> bool:
    """True for 2-5 capitalised words with optional particles and no publication words."""
    if not 2 <= len(words) <= 5 or words[0].casefold() in _PARTICLES:
        return False
    if any(w.casefold() in _ORG_WORDS for w in words):
        return False
    return all(_is_name_word(w) or w in _PARTICLES for w in words)


def _is_role(words: list[str]) -> bool:
    """True for a job title rather than a name: "Staff", "Our Correspondent", "Health Reporter"."""
    return words[-1].casefold() in _ROLE_WORDS or words[0].casefold() in {"our", "special"}


def title_case(text: str) -> str:
    """Title-case the ALL-CAPS words of a name or place ("RIO DE JANEIRO" -> "Rio de Janeiro")."""
    words = text.split(" ")
    return " ".join(_title_word(w, first=i == 0) for i, w in enumerate(words))


def _title_word(word: str, *, first: bool) -> str:
    if not word.isupper():
        return word  # already mixed case as printed
    parts = word.split("-")  # "PORT-AU-PRINCE" -> "Port-au-Prince"
    return "-".join(
        part.casefold() if part.casefold() in _PARTICLES and (i or not first) else _capitalize(part)
        for i, part in enumerate(parts)
    )


# Letters that stay capital: the first, after a dot ("D.C."), after O'/D'/N' ("O'Brien");
# not after other apostrophes ("King's Lynn"; str.title would give "King'S").
_CAPITAL_POSITION = re.compile(r"^\w|(?<=\.)\w|(?<=\b\w['’])\w")


def _capitalize(part: str) -> str:
    return _CAPITAL_POSITION.sub(lambda m: m.group().upper(), part.lower())


def _as_name(segment: str) -> str:
    """A person's name as we store it: ALL-CAPS names (AP style) title-cased."""
    return title_case(segment) if segment.isupper() else segment


# --- bylines -----------------------------------------------------------------------------------

# "By", its es/pt/fr/de/nl forms, and labelled variants.
_BYLINE = re.compile(
    r"^(?:by|por|par|von|door|written by|words by|reported by|authors?|byline)\s*:?\s+"
    r"(?P<credit>.+?)[\s.,]*$",
    re.IGNORECASE,
)
_BYLINE_MAX_WORDS = 15
# Separators inside a credit; captured, because the word before a segment says what it is.
_CREDIT_SEPARATOR = re.compile(
    r"\s*(,|;|\||&|/|\band\b|\s(?-i:y|e|et|und)\s|\b(?:with|con|avec|mit)\b|\bfor\b|\bin\b|"
    r"\s[-\u2013\u2014]\s)\s*",  # "y", "e" only in lower case: "Jane E. Doe" is one name
    re.IGNORECASE,
)
_WITH = frozenset({"with", "con", "avec", "mit"})  # "Euronews with AFP": what follows is credited
_SLUG_JUNK = re.compile(r"[\W_]+")
_AGENCY_THEN_ROLE = re.compile(rf"^(?P<agency>{agency_pattern()})\s+(?P<role>.+)$", re.IGNORECASE)


# AP prints "By JANE DOE Associated Press" with no separator before the agency. Case-sensitive
# (forms as printed, or in capitals) so a surname such as "Lusa" is not read as an agency.
_PRINTED_AGENCY = agency_pattern([*AGENCY_FORMS, *(f.upper() for f in AGENCY_FORMS)])
_TRAILING_AGENCY = re.compile(rf"^(?P<head>.+?)\s+(?P<agency>{_PRINTED_AGENCY})$")


def slug(text: str) -> str:
    """Letters and digits only, casefolded: "Continent Now" and "continent-now" agree."""
    return _SLUG_JUNK.sub("", text.casefold())


def parse_byline(line: str, outlets: frozenset[str] = frozenset()) -> tuple[str, Credit] | None:
    """Split a "By ..." line into the credit as printed and the people/agencies/site it names.

    `outlets`: slugs of names the document's own path or URL gives its publisher (see `slug`).
    """
    m = _BYLINE.match(line)
    if not m or word_count(line) > _BYLINE_MAX_WORDS:
        return None
    credit = m["credit"]
    parsed = parse_credit(credit, outlets)
    return (credit, parsed) if parsed else None


def parse_credit(credit: str, outlets: frozenset[str] = frozenset()) -> Credit | None:
    """People, agencies and publication named by a credit, or None if it is not a credit."""
    authors: list[str] = []
    agencies: list[str] = []
    sites: list[str] = []
    for after, segment in _segments(credit):
        kind, value = _classify_segment(segment, after, outlets)
        if kind == "invalid":
            return None
        target = {"person": authors, "agency": agencies, "site": sites}.get(kind)
        if target is not None:
            target.extend(value)
    if not (authors or agencies or sites) and not _is_role(credit.split()):
        return None
    return Credit(tuple(authors), tuple(agencies), sites[0] if sites else None)


def _segments(credit: str) -> list[tuple[str, str]]:
    """(separator before it, segment) pairs; "JANE DOE Associated Press" becomes two segments."""
    pieces = _CREDIT_SEPARATOR.split(credit)
    # re.split with a group alternates segment, separator, segment, ...
    segments: list[tuple[str, str]] = []
    for index in range(0, len(pieces), 2):
        after = pieces[index - 1].casefold() if index else ""
        segment = pieces[index].strip()
        trailing = _TRAILING_AGENCY.match(segment)
        if trailing and _is_person(trailing["head"].split()):
            segments += [(after, trailing["head"]), (",", trailing["agency"])]
        else:
            segments.append((after, segment))
    return segments


def _classify_segment(segment: str, after: str, outlets: frozenset[str]) -> tuple[str, list[str]]:
    """What one piece of a credit is: person, agency, site, role, skip, or invalid."""
    if not segment or after == "in" or any(c.isdigit() for c in segment):
        return "skip", []  # "in London", a date or time after the name
    agency = canonical_agency(segment) or _agency_with_role(segment)
    if agency:
        return "agency", [agency]
    words = segment.split()
    if _is_role(words):
        return "role", []  # "Staff", "staff writer", "Political Correspondent"
    if any(not w[0].isupper() and w not in _PARTICLES for w in words):
        return "invalid", []  # lower-case words: a sentence that starts with "By"
    if slug(segment) in outlets:
        return "site", [segment]  # the outlet the file is filed under, even if it reads like a name
    if _is_person(words):
        return "person", [_as_name(segment)]
    if len(words) <= 5 and after in _WITH:
        return "agency", [segment]  # "Continent Now with Meridian": a wire we do not know
    if len(words) <= 5 and words[0].casefold() not in _NOT_A_SITE:
        return "site", [segment]
    return "invalid", []


def _agency_with_role(segment: str) -> str | None:
    """The agency in "AP Business Writer" or "Reuters correspondent"."""
    m = _AGENCY_THEN_ROLE.match(segment)
    return canonical_agency(m["agency"]) if m and _is_role(m["role"].split()) else None


# --- sign-offs ---------------------------------------------------------------------------------

_AGENCY_MENTION = re.compile(rf"(?<!\w)(?:{agency_pattern()})(?!\w)", re.IGNORECASE)
_EDITOR_INITIALS = re.compile(r"^[a-z]{2,4}/[a-z]{2,4}\s+")  # DW style "ab/xy (AFP, dpa)"
_CREDIT_TOKENS = re.compile(r"[^\W_][\w.\-]*")
_SIGNOFF_MAX_CHARS = 60


def agencies_in(line: str) -> tuple[str, ...]:
    """Agencies named in a sign-off or credit line, canonical names, in order."""
    line = _EDITOR_INITIALS.sub("", line)
    found = (canonical_agency(m.group()) for m in _AGENCY_MENTION.finditer(line))
    return tuple(dict.fromkeys(a for a in found if a))


def repeats_credit(line: str, agencies: list[str]) -> bool:
    """True for a sign-off that only repeats agencies already credited ("APN", "(Meridian)")."""
    if not agencies or len(line) > _SIGNOFF_MAX_CHARS:
        return False
    tokens = _CREDIT_TOKENS.findall(line)
    credited = {a.casefold() for a in agencies}
    return bool(tokens) and len(tokens) <= 3 and all(t.casefold() in credited for t in tokens)


# --- header, title and date lines --------------------------------------------------------------

# The archive's own metadata line: " date 2023-11-08 By Euronews with AFP" (rest may be body).
_HEADER = re.compile(r"^date\s*:?\s+(?P<value>.+)$", re.IGNORECASE)
_TITLE_FIELD = re.compile(r"^(?:title|headline)\s*:\s*(?P<title>.+)$", re.IGNORECASE)
_DATE_LABEL = re.compile(
    r"^(?P<label>(?:first\s+)?published|posted|(?:last\s+)?updated|(?:last\s+)?modified)"
    r"(?:\s+(?:on|at))?\s*[:|\-\u2013\u2014]?\s*(?P<value>.+)$",
    re.IGNORECASE,
)
_DATE_LINE_MAX_TAIL_WORDS = 8  # "Published: 4 June 2024 | Updated: 5 June 2024 10:02"
_VAGUE_DATE_LINE = re.compile(
    rf"^(?:{MONTH}\.?,?\s+\d{{4}}|\d+\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago|"
    r"yesterday|today|just now)\.?$",
    re.IGNORECASE,
)


def parse_header_line(line: str) -> tuple[dt.date, str] | None:
    """The date of a " date YYYY-MM-DD ..." header line and the text that follows it."""
    m = _HEADER.match(line)
    found = match_leading_date(m["value"]) if m else None
    if not found:
        return None
    date, end = found
    return date, m["value"][end:].strip()


@dataclass(frozen=True, slots=True)
class DateLine:
    """A line that is only a date; `published` is None when it does not support one."""

    published: dt.date | None


def parse_date_line(line: str) -> DateLine | None:
    """Recognise "Published: 12 March 2024", "Updated ..." or a bare "March 3, 2024" line."""
    m = _DATE_LABEL.match(line)
    if m:
        found = match_leading_date(m["value"])
        if not found or word_count(m["value"][found[1]:]) > _DATE_LINE_MAX_TAIL_WORDS:
            return None
        # An update time is a real date but not the publication date.
        is_update = m["label"].casefold().endswith(("updated", "modified"))
        return DateLine(None if is_update else found[0])
    date = parse_date_only(line)
    if date:
        return DateLine(date)
    # "March 2024", "3 hours ago": date lines (so never a title), but no day to publish on.
    return DateLine(None) if _VAGUE_DATE_LINE.match(line) else None


# --- datelines ---------------------------------------------------------------------------------

_UP = r"[A-Z\u00C0-\u00D6\u00D8-\u00DE\u0100-\u024F]"  # an upper-case first letter
_WORD = rf"{_UP}[\w'’.\-]*"
_CAPS_WORD = rf"{_UP}[A-Z\u00C0-\u00DE\u0100-\u024F'’.\-]+"
_PARTICLE = r"(?:de|da|do|dos|del|la|le|es|el|al|sur|am|on|of|upon)"
_PLACE = rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,3}}"
_CAPS_PLACE = rf"{_CAPS_WORD}(?:\s+{_CAPS_WORD}){{0,3}}"
# "PORTLAND, Maine" (AP): a region after the comma, as long as it is not the month of a date.
_REGION = rf"(?P<region>,\s+(?!{MONTH}\b){_WORD}(?:\s+{_WORD}){{0,2}})"
_DASH = r"(?:--|[\-\u2010-\u2015\u2212])"
_DATE = rf"(?P<date>{MONTH_DAY})"

# "WASHINGTON, March 3 (Reuters) -", "NEW YORK (AP) —", "Moscow, Nov. 10, (dpa/GNA) –".
_CREDITED = re.compile(
    rf"^(?P<place>{_PLACE}){_REGION}?(?:,\s*{_DATE})?,?\s*\(\s*(?P<credit>[^()]{{1,60}}?)\s*\)"
    rf"\s*(?P<dash>{_DASH}\s*)?"
)
# "JAKARTA -", "BEIJING, Nov. 10 -", "ISLAMABAD: ..." (capitals only: "Meanwhile -" is a sentence).
_CAPS = re.compile(
    rf"^(?P<place>{_CAPS_PLACE}){_REGION}?(?:,\s*{_DATE})?"
    rf"(?:\s+{_DASH}{{1,2}}\s*|{_DASH}{{1,2}}\s+|:\s+)"  # a dash needs a space on one side
)
# "Moscow, Nov. 10 –": a title-case place needs a date to count.
_DATED = re.compile(rf"^(?P<place>{_PLACE}){_REGION}?,\s*{_DATE},?\s*(?:{_DASH}{{1,2}}|:)\s+")

# All-caps words that open a paragraph like a place but are labels.
_NOT_A_PLACE = frozenset(
    "breaking update updated exclusive watch analysis opinion editorial live correction note "
    "warning photos video file advertisement comment review interview explainer factbox".split()
) | {"editor's note", "editor’s note"}
# "(CNN)", "(Meridian)": a wire or outlet we do not list; only counted when a dash follows.
_UNKNOWN_CREDIT = re.compile(rf"^{_UP}[\w.\-]*(?: {_UP}[\w.\-]*){{0,2}}$")


def split_dateline(paragraph: str) -> DatelineMatch | None:
    """Find a wire dateline at the start of `paragraph` and split it off."""
    for pattern in (_CREDITED, _CAPS, _DATED):
        m = pattern.match(paragraph)
        if m:
            found = _dateline_from(m, paragraph)
            if found:
                return found
    return None


def _dateline_from(m: re.Match[str], paragraph: str) -> DatelineMatch | None:
    """Validate a dateline match and build the record, or None if it was a false start."""
    if m["place"].casefold() in _NOT_A_PLACE:
        return None
    agencies: tuple[str, ...] = ()
    if "credit" in m.groupdict():
        agencies = _credit_agencies(m["credit"], has_dash=bool(m["dash"]))
        if agencies is None:
            return None
    month = day = year = None
    if m["date"]:
        month_text = m["md_month"] or m["dm_month"]
        month = month_number(month_text)
        day = int(m["md_day"] or m["dm_day"])
        year_text = m["md_year"] or m["dm_year"]
        year = int(year_text) if year_text else None
        if month is None or not is_month_day(month, day):
            return None
    dateline = Dateline(
        place=_place_name(m["place"] + (m["region"] or "")),
        date_text=m["date"].strip(" ,") if m["date"] else None,
        month=month,
        day=day,
        agencies=agencies,
    )
    date = safe_date(year, month, day) if year and month and day else None
    return DatelineMatch(dateline, paragraph[m.end():].strip(), date)


# "Benialfaz, 5 de marzo de 2024": a place and a full date on a line of their own.
_PLACE_THEN_REST = re.compile(rf"^(?P<place>{_PLACE}){_REGION}?,\s+(?P<rest>.+)$")


def parse_place_date_line(line: str) -> DatelineMatch | None:
    """A "Place, <full date>" line as a dateline with its date, else None."""
    m = _PLACE_THEN_REST.match(line)
    date = parse_date_only(m["rest"]) if m else None
    if date is None:
        return None
    place = _place_name(m["place"] + (m["region"] or ""))
    date_text = m["rest"].strip(" .")
    return DatelineMatch(Dateline(place, date_text, date.month, date.day), "", date)


def _credit_agencies(credit: str, *, has_dash: bool) -> tuple[str, ...] | None:
    """Agencies in "(dpa/GNA)"; None if the parentheses hold something else."""
    agencies: list[str] = []
    for token in re.split(r"\s*(?:[/,&;]|\band\b)\s*", credit):
        name = canonical_agency(token)
        if name is None and not (has_dash and _UNKNOWN_CREDIT.match(token)):
            return None  # "Apple (AAPL) shares ..." is a sentence, not a dateline
        agencies.append(name or token)
    return tuple(agencies)


def _place_name(text: str) -> str:
    """Place as stored: ALL-CAPS names title-cased ("JAKARTA" -> "Jakarta")."""
    return title_case(" ".join(text.split()))


# --- the extraction ----------------------------------------------------------------------------


@dataclass
class _State:
    """What the parse is given for one document and what it has learned so far."""

    template_lines: frozenset[str] = frozenset()
    outlets: frozenset[str] = frozenset()  # slugs of the publisher names in the path or URL
    title: str | None = None
    byline: str | None = None
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    site_name: str | None = None
    dates: dict[DateSource, dt.date] = field(default_factory=dict)
    dateline: Dateline | None = None

    def add_credit(self, credit: Credit) -> None:
        self.authors.extend(a for a in credit.authors if a not in self.authors)
        self.add_agencies(credit.agencies)
        self.site_name = self.site_name or credit.site_name

    def add_agencies(self, agencies: tuple[str, ...]) -> None:
        self.agencies.extend(a for a in agencies if a not in self.agencies)

    def add_date(self, source: DateSource, date: dt.date) -> None:
        self.dates.setdefault(source, date)

    def published(self) -> PublicationDate | None:
        for source in _DATE_PRIORITY:
            if source in self.dates:
                return PublicationDate(self.dates[source], source, "day")
        return None


def extract_plaintext(
    doc: DecodedDocument, template_lines: frozenset[str] = frozenset()
) -> Article | Rejection:
    """Extract the article (text, title, credits, dateline, date) from a plain-text document."""
    if not doc.text.strip():
        return Rejection(doc.source, "extract", "empty_text", "the document has no text")
    state = _State(template_lines, outlet_slugs(doc.source, doc.url))
    paragraphs = _without_repeated_captions(split_paragraphs(doc.text))
    body = _read_head(paragraphs, state)
    body = _take_credits_below_standfirst(body, state)
    body = _split_off_dateline(body, state)
    text = "\n\n".join(_clean_body(body, state))
    words = word_count(text)
    if words < MIN_WORDS:
        detail = f"{words} words of body after cleaning (minimum {MIN_WORDS})"
        return Rejection(doc.source, "extract", "too_short", detail)
    return Article(
        source=doc.source,
        sha256=doc.sha256,
        media_type="text/plain",
        text=text,
        title=state.title,
        authors=tuple(state.authors),
        byline=state.byline,
        agencies=tuple(state.agencies),
        site_name=state.site_name,
        url=doc.url,
        published=state.published(),
        dateline=state.dateline,
        word_count=words,
    )


def outlet_slugs(source: str, url: str | None = None) -> frozenset[str]:
    """Slugs of the folder names and host labels in a document's path or URL.

    Archives are filed by outlet ("continent-now/..."), so a credit that matches one of these
    names the publisher, not a person.
    """
    parts = _PATH_PARTS.split(f"{source} {url or ''}")
    return frozenset(s for s in map(slug, parts) if len(s) >= 3)


_PATH_PARTS = re.compile(r"[/\\\s:?#&=.]+")  # folders, host labels ("www.euronews.com")


def _without_repeated_captions(paragraphs: list[str]) -> list[str]:
    """Drop a caption the scraper printed twice: alone, then again with its photo credit."""
    following = [*paragraphs[1:], ""]
    return [
        p
        for p, nxt in zip(paragraphs, following)
        if not (len(nxt) > len(p) and nxt.startswith(p) and drop_reason(nxt))
    ]


def _read_head(paragraphs: list[str], state: _State) -> list[str]:
    """Consume the header, title, byline and date lines at the top; return the rest."""
    queue = list(paragraphs)
    title_allowed = True  # the title is the first real line, or the one after the header line
    while queue:
        line = queue[0]
        header = parse_header_line(line)
        if header:
            state.add_date("header_line", header[0])
            if header[1] and not _take_byline(header[1], state):
                queue[0] = header[1]  # the header shares its line with the first paragraph
                title_allowed = False  # ... which is body text, never a title
            else:
                queue.pop(0)
            continue
        if _take_title_field(line, state) or _take_credit_or_date(line, state):
            title_allowed = False
        elif _drop(line, state):
            pass
        elif title_allowed and _is_title(line, has_more=len(queue) > 1):
            state.title = line
            title_allowed = False
        else:
            break
        queue.pop(0)
    return queue


def _take_title_field(line: str, state: _State) -> bool:
    m = _TITLE_FIELD.match(line)
    if m and state.title is None:
        state.title = m["title"].strip()
    return m is not None


def _take_credit_or_date(line: str, state: _State) -> bool:
    """Record a byline, a date line or a place-and-date line; True if the line was one."""
    return (
        _take_byline(line, state) or _take_date_line(line, state) or _take_place_date(line, state)
    )


def _take_byline(line: str, state: _State) -> bool:
    parsed = parse_byline(line, state.outlets)
    if parsed is None:
        return False
    state.byline = state.byline or parsed[0]
    state.add_credit(parsed[1])
    return True


def _take_date_line(line: str, state: _State) -> bool:
    date_line = parse_date_line(line)
    if date_line is None:
        return False
    if date_line.published:
        state.add_date("text", date_line.published)
    return True


def _take_place_date(line: str, state: _State) -> bool:
    found = parse_place_date_line(line)
    if found is None:
        return False
    state.dateline = state.dateline or found.dateline
    if found.date:
        state.add_date("dateline", found.date)
    return True


def _is_title(line: str, *, has_more: bool) -> bool:
    """A headline-like first line: short, not a sentence, not a dateline paragraph."""
    return has_more and looks_like_headline(line) and split_dateline(line) is None


def _take_credits_below_standfirst(body: list[str], state: _State) -> list[str]:
    """Read bylines and date lines among the first body paragraphs.

    Web layouts often put a standfirst (a summary sentence) between the title and the byline,
    which ends the head early.
    """
    early = [p for p in body[:_EARLY] if not _take_credit_or_date(p, state)]
    return early + body[_EARLY:]


def _split_off_dateline(body: list[str], state: _State) -> list[str]:
    """Parse the dateline opening the story (after a standfirst, if any) and remove it."""
    for index, paragraph in enumerate(body[:_DATELINE_REACH]):
        match = split_dateline(paragraph)
        if match is None:
            continue
        state.dateline = match.dateline
        state.add_agencies(match.dateline.agencies)
        if match.date:
            state.add_date("dateline", match.date)
        return body[:index] + ([match.rest] if match.rest else []) + body[index + 1 :]
    return body


def _clean_body(body: list[str], state: _State) -> list[str]:
    """Drop boilerplate, template lines and trailing story lists from the body."""
    kept: list[str] = []
    i = 0
    while i < len(body):
        line = body[i]
        i += 1
        if is_list_heading(line):
            # The listed headlines go with their heading; the list ends at the first sentence.
            while i < len(body) and (looks_like_headline(body[i]) or drop_reason(body[i])):
                i += 1
        elif not _drop(line, state):
            kept.append(line)
    return kept


def _drop(line: str, state: _State) -> bool:
    """True if the line is not article text; agencies named in a dropped sign-off are kept."""
    reason = drop_reason(line)
    if reason == "agency_signoff":
        state.add_agencies(agencies_in(line))
    if reason is not None or repeats_credit(line, state.agencies):
        return True
    return bool(state.template_lines) and normalize_line(line) in state.template_lines
