"""Which lines of a plain-text article are not article text, and why.

Scraped article files keep web furniture (share buttons, photo captions, copyright notices,
"You might also like" lists) and wire furniture (agency sign-offs, "Reporting by ..." trailers).
Each rule here is a named, precompiled regex, so a test or a reader can see why a line went.
`find_template_lines` finds the rest: lines an outlet repeats in most of its files.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --- text normalisation ------------------------------------------------------------------------

# Characters scrapers leave in text that mean nothing to a reader (zero-width, BOM, soft hyphen).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# Hard-wrapped text (archives wrapped at 60-80 columns) has lines in this width range.
_WRAP_MIN_WIDTH, _WRAP_MAX_WIDTH = 55, 100


def clean_whitespace(line: str) -> str:
    """Drop invisible characters; any run of whitespace (NBSP included) becomes one space."""
    return " ".join(_INVISIBLE.sub("", line).split())


def _is_hard_wrapped(lines: list[str]) -> bool:
    """True if the lines look like one paragraph wrapped at a fixed width."""
    if len(lines) < 2:
        return False
    width = max(len(line) for line in lines)
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return False
    # A greedy wrapper breaks a line only when the next word would not have fitted.
    return all(
        len(line) + 1 + len(nxt.split(" ", 1)[0]) > width for line, nxt in zip(lines, lines[1:])
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text file, whitespace cleaned; hard-wrapped blocks are re-joined."""
    text = _INVISIBLE.sub("", text)
    paragraphs: list[str] = []
    block: list[str] = []
    for raw_line in [*text.splitlines(), ""]:  # the sentinel blank line ends the last block
        line = " ".join(raw_line.split())  # str.split() also splits on NBSP and other spaces
        if line:
            block.append(line)
        elif block:
            # Scraped files put one paragraph per line; only fixed-width archives wrap lines.
            paragraphs.extend([" ".join(block)] if _is_hard_wrapped(block) else block)
            block = []
    return paragraphs


def normalize_line(line: str) -> str:
    """Comparable form of a line: casefolded, whitespace collapsed, punctuation stripped at ends."""
    line = clean_whitespace(line).casefold()
    start, end = 0, len(line)
    while start < end and _is_edge_junk(line[start]):
        start += 1
    while end > start and _is_edge_junk(line[end - 1]):
        end -= 1
    return line[start:end]


def _is_edge_junk(char: str) -> bool:
    """Punctuation, symbols and spaces: what differs between copies of the same template line."""
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())


# --- news agencies -----------------------------------------------------------------------------

# Canonical name (as the agency prints itself) -> other printed forms.
_AGENCY_FORMS: dict[str, tuple[str, ...]] = {
    "AFP": ("Agence France-Presse", "Agence France Presse"),
    "AP": ("Associated Press", "The Associated Press"),
    "Reuters": ("Thomson Reuters",),
    "dpa": ("Deutsche Presse-Agentur",),
    "GNA": ("Ghana News Agency",),
    "Xinhua": ("Xinhua News Agency",),
    "ANSA": (),
    "EFE": (),
    "Kyodo": ("Kyodo News",),
    "Jiji": ("Jiji Press",),
    "PTI": ("Press Trust of India",),
    "IANS": (),
    "ANI": (),
    "UNI": ("United News of India",),
    "Bernama": (),
    "Antara": (),
    "UPI": ("United Press International",),
    "PA": ("PA Media", "Press Association"),
    "AAP": ("Australian Associated Press",),
    "CP": ("The Canadian Press", "Canadian Press"),
    "Yonhap": (),
    "TASS": (),
    "Interfax": (),
    "RIA Novosti": (),
    "Sputnik": (),
    "Anadolu": ("Anadolu Agency", "AA"),
    "NAN": ("News Agency of Nigeria",),
    "KUNA": (),
    "WAM": (),
    "SPA": (),
    "MENA": (),
    "IRNA": (),
    "Lusa": (),
    "Belga": (),
    "ANP": (),
    "APA": (),
    "PAP": (),
    "CTK": ("ČTK",),
    "MTI": (),
    "BTA": (),
    "HINA": (),
    "Agerpres": (),
    "TT": (),
    "NTB": (),
    "Ritzau": (),
    "Europa Press": (),
    "Prensa Latina": (),
    "APP": ("Associated Press of Pakistan",),
    "BSS": (),
    "UNB": (),
    "Bloomberg": (),
}
_AGENCY_BY_KEY = {
    form.casefold(): canonical
    for canonical, forms in _AGENCY_FORMS.items()
    for form in (canonical, *forms)
}
# Every printed form, longest first so "Associated Press" is tried before "AP".
AGENCY_FORMS: tuple[str, ...] = tuple(
    sorted({f for c, forms in _AGENCY_FORMS.items() for f in (c, *forms)}, key=len, reverse=True)
)


def agency_pattern(forms: Iterable[str] = AGENCY_FORMS) -> str:
    """Regex alternation matching the given printed agency names, any spacing between words."""
    return "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in forms)


_AGENCY_ALTERNATION = agency_pattern()


def canonical_agency(name: str) -> str | None:
    """The agency's canonical name ("Associated Press" -> "AP"), or None if not an agency."""
    return _AGENCY_BY_KEY.get(" ".join(name.split()).casefold())


# --- line rules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One reason a line is not article text."""

    name: str
    pattern: re.Pattern[str]
    max_words: int | None = None  # longer lines are body text that happens to match
    hint: str | None = None  # lower-case text the line must contain; a cheap test before the regex

    def matches(self, line: str, words: int | None = None, lowered: str | None = None) -> bool:
        """True if the rule removes this line (`words`, `lowered`: precomputed, for speed)."""
        if self.max_words is not None:
            if (word_count(line) if words is None else words) > self.max_words:
                return False
        if self.hint is not None:
            if self.hint not in (line.lower() if lowered is None else lowered):
                return False
        return self.pattern.search(line) is not None


def _rule(
    name: str,
    pattern: str,
    max_words: int | None = None,
    flags: int = re.IGNORECASE,
    hint: str | None = None,
) -> Rule:
    return Rule(name, re.compile(pattern, flags), max_words, hint)


_DASH_CHARS = r"\-\u2010-\u2015\u2212"  # hyphen, dashes, minus
_DASH = f"[{_DASH_CHARS}]"
_AGENCY = rf"(?:{_AGENCY_ALTERNATION})"
# "GNA", "(Reuters)", "-- AFP", "dpa/GNA", "Source: AFP", DW style "ab/xy (AFP, dpa)".
_SIGNOFF = (
    rf"^(?:[a-z]{{2,4}}/[a-z]{{2,4}}\s+)?[\s(\[/{_DASH_CHARS}]*(?:source\s*:\s*)?"
    rf"{_AGENCY}(?:\s*(?:[/,&;+]|\band\b)\s*{_AGENCY})*[\s)\]/.]*$"
)

# An e-mail address or a social-media handle ("jane@example.org", "@janedoe")
_ADDRESS = r"(?:[\w.+-]+@[\w-]+\.\w|(?:^|\s)@\w{2,})"

RULES: tuple[Rule, ...] = (
    _rule("advertisement",
          r"^(?:advertisement|advertising|advert|ad|sponsored(?: content)?|"
          r"story continues below(?: advertisement)?|continue reading(?: below| the main story)?|"
          r"scroll to continue(?: with content)?)$"),
    # No \b after "article": scrapers glue button labels together ("Share this articleComments").
    _rule("share_tools",
          r"^(?:share (?:this|the) (?:article|story|page|post|video)|"
          r"share (?:on|via) (?:facebook|twitter|x|whatsapp|linkedin|email)|click to share|"
          r"share\s*:?$|"
          # es, fr, de, it, pt, nl: "Compartir en Facebook", "Partager sur X", "Teilen auf ..."
          r"(?:compartir|partager|teilen|condividi|compartilhar|compartilhe|delen)\b)",
          max_words=8),
    _rule("comments",
          r"^(?:\d+\s+|keine\s+)?(?:comments?|view comments|show comments|leave a comment|add a comment|"
          r"join the conversation|kommentare?|kommentieren|kommentar schreiben|comentarios?|commentaires?)$"),
    _rule("page_chrome",
          r"^(?:print|email|e-mail|copy link|link copied|save|listen(?: to this article)?|"
          r"\d+\s+min(?:ute)?s?\s+read|close(?: button)?|menu|skip to (?:main )?content|"
          r"back to top|wird geladen\W*|loading\W*|cargando\W*)$"),
    _rule("separator", r"^[\s_*=~#•·" + _DASH_CHARS + r"]{3,}$"),
    _rule("url_only", r"^(?:https?://|www\.)\S+$"),
    # AFP ends wire copy with the editors' initials: "sb/jd".
    _rule("editor_initials", r"^[a-z]{2,4}(?:/[a-z]{2,4})+$", flags=0),
    # AP and Reuters captions: "FILE - A boy holds ...", "FILE PHOTO: ...".
    _rule("photo_caption", r"^FILE(?: PHOTO)?\s*(?:" + _DASH + r"|:)\s", flags=0),
    _rule("caption_label",
          r"^(?:photo|image|picture|video|caption|credit|pictured|main image|top image|file photo)"
          r"\s*[:|]\s*\S"),
    # BBC style "Image source, Getty Images" / "Image caption, ...".
    _rule("caption_label", r"^(?:photo|image|picture|video)\s+(?:caption|credit|source)\s*[:,|]"),
    _rule("caption_bracketed",
          r"^[\[(]\s*(?:photo|image|picture|video|file photo)\b[^\])]*[\])]\.?$"),
    # A line ending in a photo credit is a caption: "... (Photo by Jane Doe/Getty Images)".
    _rule("photo_credit",
          r"\([^()]*\b(?:photos?|photograph|pictures?|images?|getty images|shutterstock)\b"
          r"[^()]*\)\s*\.?$",
          max_words=80),
    _rule("credit_line",
          r"/\s*(?:getty images|afp|reuters|ap|epa(?:-efe)?|shutterstock|alamy|anadolu(?: agency)?|"
          r"dpa|xinhua|sipa|pa images|pa wire)\s*\)?\.?$",
          max_words=12),
    # "Copyright 2024 ...", "Copyright © ...", "Copyright: ...", photo style "Copyright Jane
    # Doe/AP"; not a sentence that merely starts with the word ("Copyright lawyers said ...").
    _rule("copyright",
          r"^(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|:|(?:19|20)\d\d\b)|"
          r"copyright\s+[^\s/]+(?:\s+[^\s/]+){0,3}/)"),
    _rule("copyright", r"\ball rights reserved\b", max_words=40, hint="rights reserved"),
    _rule("copyright", r"^this (?:material|article|content) may not be (?:published|reproduced)"),
    _rule("agency_signoff", _SIGNOFF, max_words=8),
    _rule("agency_signoff",
          r"^[\s(" + _DASH_CHARS + r"]*(?:with (?:inputs?|reporting) from [^)]{1,60}|agencies|"
          r"with agency inputs)[\s).]*$",
          max_words=15),
    # Reuters/AFP trailers: "Reporting by Jane Doe; Editing by John Roe", often in parentheses.
    _rule("reporting_credit",
          r"^\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|produced|"
          r"research|translated|translation|graphics)\s+by\b",
          max_words=60),
    _rule("reporting_credit",
          r"\bcontributed (?:to )?(?:this |the )?(?:report|story|article|reporting)\.?\)?$",
          max_words=40, hint="contributed"),
    _rule("reporting_credit", r"^our standards\s*:"),
    _rule("read_more",
          r"^(?:read more|read also|also read|see also|read next|related|more|recommended|"
          r"further reading|more on this(?: story)?|watch|listen|"
          r"lee también|lea también|leer más|ver también|vea también|puedes ver|(?:te|le) puede interesar|"
          r"lire aussi|à lire aussi|voir aussi|lesen sie auch|auch lesen|mehr zum thema|"
          r"leggi anche|leia também|leia mais|veja também)"
          r"(?:\s*[:|»›>]+|\s+[" + _DASH_CHARS + r"]+)\s*\S",  # "More-than-expected" is text
          max_words=30),
    _rule("newsletter",
          r"^(?:sign up|subscribe|register|get)\b.{0,120}"
          r"\b(?:newsletters?|updates|alerts|briefing|inbox)\b",
          max_words=25),
    # what a sign-up box says once filled in
    _rule("newsletter",
          r"^(?:thanks?(?: you)? for (?:signing up|subscribing|your subscription)|"
          r"you(?:'re|’re| are| have)? (?:now )?(?:successfully )?(?:subscribed|signed up)\b|"
          r"(?:please )?check your (?:inbox|e-?mail)\b)",
          max_words=30),
    # "Like this story? Share it with a friend."
    _rule("share_tools",
          r"^(?:did you )?(?:like|enjoy|enjoyed|love|loved) (?:this|the|our) (?:story|article|post|piece|content)"
          r"\b.{0,80}\bshare\b|^if you (?:liked|enjoyed) this (?:story|article|post)\b.{0,80}\bshare\b",
          max_words=25),
    # comment-policy notices under the article
    _rule("comments",
          r"^(?:we welcome (?:your )?(?:comments|discussion)|comments (?:are|will be) (?:moderated|reviewed|closed|"
          r"disabled)|(?:please )?(?:read|see|review|follow) our (?:community (?:guidelines|standards)|"
          r"comment(?:ing|s)? (?:policy|guidelines))|comment(?:ing|s)? (?:policy|guidelines)\s*:)",
          max_words=40),
    # ... and the invitation to it; longer, "Have your say on the plans at ..." is the story's own
    _rule("comments", r"^(?:join the (?:conversation|discussion)|have your say)\b", max_words=12),
    # the reporter's address, or the newsroom's for tips
    _rule("author_contact",
          rf"^(?:contact|email|e-mail|write to|reach|follow)\b.{{0,80}}{_ADDRESS}|"
          rf"\b(?:can|may) be (?:reached|contacted|emailed)\b.{{0,80}}(?:{_ADDRESS}|\d{{3}}[-. ]\d{{3,4}})|"
          r"^(?:got|have) a (?:news )?tip\b",
          max_words=30),
    _rule("call_to_action", r"^(?:click here|tap here)\b", max_words=20),  # "Download the app": app_download
    _rule("follow_us",
          r"^follow (?:us|[\w.'’-]+(?: [\w.'’-]+){0,3}) on "
          r"(?:twitter|x|facebook|instagram|telegram|whatsapp|linkedin|google news)\b",
          max_words=20),
    _rule("follow_us", r"^follow\b.{0,150}(?:https?://|www\.)", max_words=30),
    _rule("metadata_field",
          r"^(?:url|link|source url|permalink|tags?|keywords|category|section|topics?)\s*:\s*\S",
          max_words=30),
    # "Síguenos en Telegram", "Folgen Sie uns auf Facebook", "Suivez-nous sur X"
    _rule("follow_us", r"^(?:s[ií]guenos|folg(?:e|en sie) uns|suivez[- ]nous|seguici|siga-nos)\b", max_words=20),
    # "For the latest stories download the Gazette apps for iOS and Android" (an imperative: "Users
    # can download the new app for iOS" is news)
    _rule("app_download",
          r"^(?:(?:for|get) (?:the |all the )?latest\b.{0,80}\b)?download (?:the|our) [\w.’' -]{0,30}\bapps?\b",
          max_words=30),
    # a paywall's or a membership drive's prompt
    _rule("paywall",
          r"^(?:pour (?:lire la suite|accéder en illimité)|hazte (?:miembro|socio)|"
          r"if you(?:'re|’re| are) (?:seeing this message|already a subscriber)|already a subscriber\?|"
          r"first-time subscribers|to continue reading|subscribe (?:now )?to (?:continue|read)|"
          r"(?:support|unterstütze|unterstützen sie) (?:our|unseren?|den|die)? ?(?:journalism|journalismus)|"
          r"if you (?:enjoyed|liked|value[d]?) (?:reading )?(?:this|our) (?:post|article|story|work)\b.{0,60}\bsupport)",
          max_words=40),
    # "This post contains affiliate links", "*Werbung", "Anzeige –"
    _rule("ad_disclosure",
          r"^\*?(?:werbung|anzeige|sponsored|advertorial)\b\s*[.:*|" + _DASH_CHARS + r"]|"
          r"^this (?:post|article|page|story) (?:contains|may contain|includes) (?:affiliate|sponsored|references to products)|"
          r"\b(?:enthält|beinhaltet) (?:werbung|affiliate)|\bbei den (?:verlinkungen|links) handelt es sich um|"
          r"\bamazon product advertising api\b|"
          r"^we (?:may )?(?:receive|earn) (?:a )?(?:small )?(?:commission|compensation)\b|"
          r"\b(?:advertiser|affiliate) disclosure\b",
          max_words=60),
    _rule("comments", r"^(?:keine kommentare|kommentare (?:erscheinen|werden) )", max_words=20),
    # the invitation to write in about the article
    _rule("comments", r"^(?:we want to hear what you think\b|submit (?:a|your) letter to the editor\b)", max_words=40),
)  # fmt: skip

# The heading of a trailing list of other stories; the headlines under it go with it.
_LIST_HEADING = re.compile(
    r"^(?:you (?:might|may) also (?:like|be interested in)|read more|read next|"
    r"related(?: articles| stories| coverage| content| news| topics| links)?|"
    r"more (?:from|on|in|about) [\w’'.&\- ]{1,40}|more stories|most (?:read|popular|viewed)|"
    r"recommended(?: for you| stories| articles)?|trending(?: now)?|top stories|also read|see also|"
    r"further reading|what to read next|latest (?:news|stories)|"
    r"(?:también )?te puede interesar|noticias relacionadas|à lire aussi|sur le même sujet|"
    r"das könnte sie auch interessieren|mehr zum thema|articoli correlati|leggi anche|"
    r"veja também|leia também)\s*:?$",
    re.IGNORECASE,
)
_HEADLINE_MAX_WORDS = 25
_SENTENCE_END = re.compile(r"[.,;:]['\"”’)\]]*$")


def _scoped(rule: Rule) -> str:
    """The rule's pattern with its case flag inlined, so patterns can be combined."""
    return f"(?{'i' if rule.pattern.flags & re.IGNORECASE else '-i'}:{rule.pattern.pattern})"


def _is_simple(rule: Rule) -> bool:
    return rule.max_words is None and rule.hint is None and rule.pattern.pattern.startswith("^")


# Speed: most lines are article text. Rules anchored at the line start with no length limit are
# tried as one combined match; the others mostly skip long lines on their word count alone.
_SIMPLE = re.compile("|".join(_scoped(r) for r in RULES if _is_simple(r)))
_OTHERS = tuple(r for r in RULES if not _is_simple(r))


def drop_reason(line: str) -> str | None:
    """Name of the first rule that removes `line`, or None if it may be article text."""
    words, lowered = word_count(line), line.lower()
    if _SIMPLE.match(line) is None and not any(r.matches(line, words, lowered) for r in _OTHERS):
        return None
    for rule in RULES:
        if rule.matches(line, words, lowered):
            return rule.name
    return None


def is_list_heading(line: str) -> bool:
    """True for "You might also like", "Related articles", "More from X", ... headings."""
    return _LIST_HEADING.match(line) is not None


def looks_like_headline(line: str) -> bool:
    """True for a short line that does not end like a sentence (a title or a listed headline)."""
    return 2 <= word_count(line) <= _HEADLINE_MAX_WORDS and not _SENTENCE_END.search(line)


# --- template lines ----------------------------------------------------------------------------

_TEMPLATE_MAX_WORDS = 12  # longer lines seen at other outlets too are likely shared wire copy
_MUCH_MORE = 3.0  # ... unless this outlet repeats them this many times more often than others
_STORY_SHARE = 0.5  # a document that would lose more than this share of words is a repeat


def find_template_lines(
    docs: Sequence[tuple[str, str]], *, min_docs: int = 3, min_share: float = 0.5
) -> dict[str, frozenset[str]]:
    """Per outlet key, the normalized lines repeated in most of that outlet's documents."""
    by_outlet: dict[str, list[set[str]]] = defaultdict(list)
    for outlet, text in docs:
        lines = {normalize_line(p) for p in split_paragraphs(text)}
        by_outlet[outlet].append(lines - {""})
    everywhere = Counter(
        line for outlet_docs in by_outlet.values() for lines in outlet_docs for line in lines
    )
    templates: dict[str, frozenset[str]] = {}
    for outlet, outlet_docs in by_outlet.items():
        inside = Counter(line for lines in outlet_docs for line in lines)
        other_docs = len(docs) - len(outlet_docs)
        candidates = {
            line
            for line, n in inside.items()
            if _is_frequent(n, len(outlet_docs), min_docs, min_share)
            and not _is_shared_copy(line, n / len(outlet_docs), everywhere[line] - n, other_docs)
        }
        templates[outlet] = _without_repeated_stories(candidates, outlet_docs, min_docs, min_share)
    return templates


def _is_frequent(count: int, total: int, min_docs: int, min_share: float) -> bool:
    return count >= min_docs and count / total >= min_share


def _is_shared_copy(line: str, inside_share: float, outside_count: int, other_docs: int) -> bool:
    """True for a long line other outlets print too, about as often: wire copy, not template."""
    if outside_count == 0 or word_count(line) <= _TEMPLATE_MAX_WORDS:
        return False
    return inside_share < _MUCH_MORE * (outside_count / other_docs)


def _without_repeated_stories(
    candidates: set[str], outlet_docs: list[set[str]], min_docs: int, min_share: float
) -> frozenset[str]:
    """Drop candidates that only look frequent because the outlet holds copies of one story.

    Why: an archive often has the same story several times; its paragraphs then repeat in
    "most" files, but stripping them would empty every copy. Template is never most of a file.
    """
    kept_docs = [d for d in outlet_docs if _template_share(d, candidates) <= _STORY_SHARE]
    if len(kept_docs) == len(outlet_docs):
        return frozenset(candidates)
    if not kept_docs:
        return frozenset()
    counts = Counter(line for lines in kept_docs for line in lines if line in candidates)
    return frozenset(
        line for line, n in counts.items() if _is_frequent(n, len(kept_docs), min_docs, min_share)
    )


def _template_share(lines: Iterable[str], candidates: set[str]) -> float:
    """Share of a document's words that sit in candidate template lines."""
    total = template = 0
    for line in lines:
        words = word_count(line)
        total += words
        template += words if line in candidates else 0
    return template / total if total else 0.0
