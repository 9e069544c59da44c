"""Quotations in an article and who said them: rules over the text and its PERSON/ORG mentions.

A quotation is the text between double quotation marks, straight or curly (curly single ‘...’
too; an apostrophe never opens one). By the news convention a paragraph that ends inside a
quote, followed by a paragraph that opens with a new mark, continues the same quote.

The speaker comes from a reporting cue in the quote's own sentence, tried in this order: the
attribution right after the quote ('"...," Putin said', '"...," said Putin'), right before it
('Putin said: "..."', 'Putin said that "..."'), the nearest other reporting verb in the sentence
that has a subject ('Putin claimed NATO was seeking to "..."'), then "according to X" (also
opening the sentence: 'According to Putin, "..."'). Lowercase words may describe the speaker
between quote and name ('," said former governor Anna Holm', '," lawyer Anna Holm wrote'), but
a name after "of", "for" or a participle belongs to someone else's description ('," the mother
of Anna Holm said', '," the lawyer representing Anna Holm said' have no named speaker), and so
does an owner's: in '," said Holm's lawyer, Tom Reilly' the speaker is the name in apposition.
A participle that goes on from the sentence's verb ('," Mehta said, adding that "..."', '," Klein
writes, before conceding that "..."') has that verb's subject. A verb with a subject wins over
"according to": in '"...," Wang told Shoigu, according to China's foreign ministry' the words are
Wang's and the ministry only reports them.

A pronoun (he, she; "it" for organizations) resolves to the most recent entity named as a
*subject* before it, of a reporting verb, of a sentence or of the clause a sentence opens with
('When Meghan joined, she said'), or as the person a sentence is "according to"; in "Duchene and
his wife were at home" both are subjects, the named one a man and the companion (unnamed) a woman;
not to the most recent name in the text, which in news copy is
often an object: in '... said Vladimir Putin, receiving General Zhang Youxia. But, he added:
"..."' the speaker is Putin. "she" passes over a man and "he" over a woman when the article
itself says so: an honorific (Ms Odhiambo), a gendered role word beside the name ("spokeswoman
Amina Odhiambo", "Kallas, a father of three,"), or the person's own possessive where no one else
could own it ("Odhiambo left her office"); evidence that disagrees counts as none, and a person
of unknown gender is taken as before. "They" is kept as written with no speaker. A role noun
("the minister") is the one person the article introduced before it with that role ("Minister
Gary Lindqvist", "Lindqvist, the transport minister,"), "the 70-year-old" the one given that age
("Tom Rees, 70,"); with none or several it is kept as
written with no speaker, and ends the chain, so a later "he" stays unresolved rather than
skipping back to someone else. No speaker is guessed.
A capitalized name the mentions missed ('," General Zhang said') takes the canonical name of a
mention written the same way elsewhere in the article, else stays as written only; and a bare
quote right after an attributed one in the same paragraph ('"...," he said. "..."') keeps its
speaker.

Quotes of fewer than MIN_WORDS words are scare quotes ('the "AUKUS" pact', 'so-called "special
military operation"') unless a cue and a resolved speaker come with them. This module needs no
NLP library: mentions come from `transforms.entities`.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from transforms.records import Mention, Quote

MIN_WORDS = 4
Gender = Literal["female", "male"]
_REACH = 300  # characters a subject may lie before its verb (asides included)

# Each reporting verb with the inflections we match. Base forms are left out ("to add", "to
# state" are rarely reports), and so are -s forms that are mostly nouns ("claims", "notes",
# "remarks", "states").
_VERB_FORMS = """
    says said saying | tells told telling | adds added adding | insists insisted insisting
    praises praised praising | stresses stressed stressing | noted noting | warns warned warning
    stated stating | explains explained explaining | declares declared declaring
    argues argued arguing | claimed claiming | urged urging | asked asking | replied replying
    writes wrote writing | announces announced announcing
    emphasises emphasised emphasising emphasizes emphasized emphasizing
    underlines underlined underlining | acknowledges acknowledged acknowledging
    admits admitted admitting | continued | concluded | remarked | vowed vowing | pledged pledging
    affirms affirmed affirming | asserts asserted asserting | confirms confirmed confirming
    recalled | observed | reiterates reiterated reiterating | responded | commented | tweeted
    speaks spoke | accuses accused accusing | cautioned cautioning | shouted shouting
    complains complained complaining | concedes conceded conceding | predicts predicted predicting
    joked joking | quipped | lamented lamenting | boasted boasting | yelled yelling
    snapped | retorted | countered | posted
"""
REPORTING_VERBS: frozenset[str] = frozenset(_VERB_FORMS.replace("|", " ").split())
# Verbs that report speech only when they sit right next to the quote: elsewhere in a sentence
# "continued" or "asked" usually narrate something else.
_WEAK_VERBS = frozenset(
    "continued concluded recalled observed responded commented tweeted asked asking writes wrote "
    "writing snapped countered posted".split()
)
_ACCORDING_TO = "according to"
_SPEAKER_TYPES = frozenset({"PERSON", "ORG"})

_VERB = "(?:" + "|".join(sorted(REPORTING_VERBS, key=len, reverse=True)) + ")"
_CUE = re.compile(r"\b(?:" + _VERB + r"|[Aa]ccording to)\b")
# A quote closed by a full stop and followed by a sentence that is nothing but its attribution
# ('"...." Odhiambo added.'): a slip for the comma, so the attribution stays in its sentence. Not
# 'She added, "..."', which hands over to the next quote.
_ATTRIBUTION_ALONE = re.compile(r"\s+(?:[A-Z][\w.'’-]*\s+){1,3}" + _VERB + r"\s*\.")
_MASK = "\x00"  # stands in for quoted words, so no rule ever reads inside a quote

# Words that may stand between a subject and its verb: "Shoigu also insisted", "Putin on
# Wednesday praised", "Zhang has said".
_FILLER = re.compile(
    r"(?:^|\s)(?:also|further|again|later|earlier|then|previously|once|recently|repeatedly|"
    r"has|have|had|was|were|is|are|would|will|himself|herself|itself|themselves|today|yesterday|"
    r"[a-z]+ly|on\s+(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|"
    r"(?:last|this|that)\s+(?:week|month|year|morning|afternoon|evening|night)|"
    r"in\s+(?:a|an|the|his|her|its|their)\s+(?:statement|interview|speech|message|post|letter))\s*$"
)
# An appositive or aside between commas: "Shoigu, the secretary of ..., stressed".
_ASIDE = re.compile(r",\s*(?:[a-z0-9]|[A-Z][\w.-]*['’]s\b)[^,\x00]*,\s*$")
_RELATIVE = re.compile(r",?\s+who\s*$")
_PRONOUN_END = re.compile(r"(?<![\w'’])(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t)$")
_PRONOUN_START = re.compile(r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t)\b")
# Roles that name one person, whom an article introduces with the role and then calls by it
# ("Mayor Helen Carter ... the mayor said": _role_holder) ...
_PERSONAL_ROLES = (
    r"(?i:minister|president|spokes(?:man|woman|person)|official|general|commander|ambassador|diplomat|"
    r"secretary|chancellor|premier|leader|chief|head|director|chair(?:man|woman|person)?|envoy|senator|"
    r"governor|mayor|judge|adviser|advisor|\d{1,3}-year-old)"
)
# ... and every subject a role noun may be, groups and bodies too
_ROLES = (
    r"(?i:" + _PERSONAL_ROLES + r"|spokesmen|officials|ministry|statement|agency|office|government|"
    r"department|embassy|sources?|analysts?|experts?|police|army|military|report|readout|"
    r"transcript(?:ion)?|translation|lawmakers?|prosecutors?|court|company|firm|kremlin|white house|aides?)"
)
_DETERMINER = r"(?:(?<![\w'’])(?i:the|a|an|his|her|its|their)|\b[A-Z][\w.-]*['’]s)"
_ROLE_END = re.compile(_DETERMINER + r"\s+(?:[\w'’-]+\s+){0,3}?" + _ROLES + r"$")
_ROLE_START = re.compile(_DETERMINER + r"\s+(?:[\w'’-]+\s+){0,3}?" + _ROLES + r"\b")
_NOUN_PHRASE = re.compile(r"[^,.;:!?\n\x00\"“”]{1,80}")
_TITLE_WORD = re.compile(
    r"(?:[A-Z][\w.'’-]*|former|senior|top|deputy|vice|chief|foreign|defen[cs]e|prime|minister|"
    r"president|official|general|secretary|leader)\s+"
)
# A run of capitalized words: a name the mentions may have missed.
_NAME_END = re.compile(r"(?<![\w'’.-])(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*$")
_NAME_START = re.compile(r"[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3}\b")
# What may stand before a subject in an attribution: '," General Zhang said', '," the lawyer
# Marco Bellini wrote'. Lowercase words describe the speaker only when the name follows them
# directly; a function word ('," the mother of Anna Holm said') breaks the run.
_DESCRIPTION_BREAKERS = (
    "the a an of to for with from by in on at and or but who whose which that about as".split()
)
_DESCRIPTOR = re.compile(r"(?!(?:" + "|".join(_DESCRIPTION_BREAKERS) + r")\s)[a-z][\w'’-]*(?:\s+|(?=,))")
_POSSESSIVE_AFTER = re.compile(r"['’]s\s+")
_COMMA = re.compile(r",\s*")
_ARTICLE = re.compile(r"(?:the|a|an)\s+(?=[a-z])")
_TITLES = re.compile(
    r"[\s,;–—-]*(?:(?:the|a|an)\s+)?(?:" + _TITLE_WORD.pattern + "|" + _DESCRIPTOR.pattern + r"){0,4}"
)
# Capitalized words that open a clause but are not part of a name or title.
_FUNCTION_WORDS = frozenset(
    "after while when as since although though before if in on at during for with from by "
    "of to the a an this that these those but and yet so however meanwhile still now then "
    "speaking asked earlier later it he she they we i "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)
_SUBORDINATOR = re.compile(
    r"(?i:(?:soon\s+|shortly\s+|just\s+)?(?:after|before)|when|whenever|while|as|since|once|until|"
    r"although|though|because|if)\s+"
)
_CONNECTIVE = re.compile(r"(?:But|And|Yet|So|However|Meanwhile|Still|Now|Then)\b,?\s*")
_READS_AS_SUBJECT = re.compile(r",|\s+(?!(?:and|or|of|in|to|for|with|at|on|from)\b)[a-z]")
# between a verb and its quote: 'said: "', 'added that "', 'asked whether "', 'told reporters: "',
# 'accused the council of "', and a place or addressee before "that": 'wrote in the Gazette that
# "', 'wrote to the mayor that "'. Only a phrase opened by a preposition may stand before "that":
# in 'asked why the council ignored a report that "..."' the words are the report's.
_LEAD_IN = re.compile(
    r"\s*(?:(?:that|whether)\s*|[:,]\s*)?|\s+[^\x00\"“”‘:;.!?\n]{1,60}?:\s*"
    r"|\s+[^\x00\"“”‘:;.!?\n]{1,60}?\s+of\s+"
    r"|\s+(?:in|on|to|at|for)\s+[^\x00\"“”‘:;.!?\n]{1,60}?\s+(?:that|whether)\s*"
)
_TERM_BEFORE = re.compile(
    r"(?<![\w'’])(?i:a|an|the|so-called|dubbed|called|termed|branded|its|their|his|her|our|this)\s*$"
)
# A name that is the object of a preposition or a participle is not the subject before the verb
# ('the lawyer representing Anna Holm said'). The participles are listed: "-ing" alone would take
# in "This morning Putin said" and "Saudi king Salman said".
_OBJECT_OF = re.compile(
    r"(?<![\w'’])(?:of|for|to|with|from|by|against|about|representing|defending|advising|"
    r"accompanying|interviewing|supporting|opposing|critici[sz]ing|quoting|citing|including|"
    r"replacing|succeeding|accusing|suing|visiting|meeting|joining)\s+(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?$"
)
# A participle that goes on from the sentence's verb: 'writes, before conceding', 'said, then adding'.
_THEN_ING = re.compile(r",?\s+(?:before|after|while|then|and|also)\s+$")
_SENTENCE_END = re.compile(r"\n|[.!?]")
# A new sentence opens with a capital, a digit, or a quote (whose first word is masked).
_NEXT_SENTENCE = re.compile(r"\s+(?=[\"“‘(\[]?[A-Z0-9\x00])")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen lt col maj capt sgt sen rep gov prof st jr sr rev hon no vs etc "
    "jan feb mar apr jun jul aug sep sept oct nov dec inc corp ltd co".split()
)
_WORDS = re.compile(r"\w[\w'’-]*")


@dataclass(frozen=True, slots=True)
class _Marked:
    """A quotation as found: offsets of its marks and of each paragraph's quoted words."""

    start: int
    end: int
    parts: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class _Subject:
    """Who a reporting cue names, as written."""

    text: str
    start: int
    kind: Literal["mention", "pronoun", "role", "name"]
    mention: Mention | None = None


@dataclass(frozen=True, slots=True)
class _Event:
    """A subject named in the text: where pronouns after it look for their antecedent."""

    start: int
    type: str  # "PERSON", "ORG", or "reset" for a subject we cannot name
    name: str | None
    gender: Gender | None = None  # when the article tells: "he" and "she" skip the other one


@dataclass(frozen=True, slots=True)
class _Context:
    """The text with quoted words masked out, its sentences, and its mentions by offset."""

    text: str
    masked: str
    sentence_starts: tuple[int, ...]
    by_start: dict[int, Mention]
    by_end: dict[int, Mention]
    by_surface: dict[str, Mention | None]  # None when one surface names two entities
    by_surname: dict[str, Mention | None]  # last word of each person's name; None when two share it

    def sentence(self, pos: int) -> tuple[int, int]:
        """Offsets of the sentence holding `pos`."""
        i = bisect.bisect_right(self.sentence_starts, pos) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else len(self.text)
        return self.sentence_starts[i], end


def find_quotes(text: str, mentions: Sequence[Mention]) -> list[Quote]:
    """Quotations in the text with their speaker, cue and offsets; the speaker is None when the text does not say."""
    marked = _scan(text)
    if not marked:
        return []
    ctx = _context(text, marked, mentions)
    events = _subject_events(ctx)
    quotes = []
    for q in marked:
        cue, subject = _attribute(ctx, q)
        speaker, speaker_text = _speaker(ctx, subject, events)
        quotes.append(Quote(_quote_text(text, q), q.start, q.end, speaker, speaker_text, cue))
    quotes = _carry_over(ctx, quotes)
    return [q for q in quotes if _is_quotation(text, q)]


# -- finding the marks ----------------------------------------------------------------------------


def _scan(text: str) -> list[_Marked]:
    """Every balanced quotation in reading order; quotes inside quotes stay part of the outer one."""
    found = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in '“"':
            quote, i = _scan_double(text, i)
        elif ch == "‘" and _opens_single(text, i):
            quote, i = _scan_single(text, i)
        else:
            i += 1
            continue
        if quote is not None:
            found.append(quote)
    return found


def _scan_double(text: str, start: int) -> tuple[_Marked | None, int]:
    """The quote opened at `start`, followed across paragraphs; None when it never closes."""
    opener = text[start]
    closer = "”" if opener == "“" else '"'
    parts = []
    part_start = start + 1
    while True:
        close = text.find(closer, part_start)
        newline = text.find("\n", part_start)
        if close != -1 and (newline == -1 or close < newline):
            parts.append((part_start, close))
            return _Marked(start, close + 1, tuple(parts)), close + 1
        if newline == -1:
            return None, len(text)
        after = newline
        while after < len(text) and text[after].isspace():
            after += 1
        # The news convention: no closing mark at the paragraph end, a new opening mark next.
        if after < len(text) and text[after] == opener:
            parts.append((part_start, newline))
            part_start = after + 1
            continue
        return None, newline


def _opens_single(text: str, i: int) -> bool:
    """True if the ‘ at `i` opens a quotation rather than eliding digits (‘90s)."""
    before_ok = i == 0 or text[i - 1].isspace() or text[i - 1] in '([“"—–-'
    return before_ok and i + 1 < len(text) and text[i + 1].isalpha()


def _scan_single(text: str, start: int) -> tuple[_Marked | None, int]:
    """A ‘...’ quote on one line; a ’ followed by a letter is an apostrophe (Putin’s), not the end."""
    k = start + 1
    newline = text.find("\n", start)
    while True:
        k = text.find("’", k)
        if k == -1 or (newline != -1 and k > newline):
            return None, start + 1
        if not text[k - 1].isspace() and (k + 1 == len(text) or not text[k + 1].isalnum()):
            return _Marked(start, k + 1, ((start + 1, k),)), k + 1
        k += 1


# -- the text around the quotes -------------------------------------------------------------------


def _context(text: str, marked: Sequence[_Marked], mentions: Sequence[Mention]) -> _Context:
    """Mask quoted words, split sentences, and index the speaker-capable mentions."""
    masked = _mask(text, marked)
    by_start: dict[int, Mention] = {}
    by_end: dict[int, Mention] = {}
    by_surface: dict[str, Mention | None] = {}
    # Longest first, so that when two mentions share an edge the fuller one is kept.
    for m in sorted(mentions, key=lambda m: m.start - m.end):
        if m.type in _SPEAKER_TYPES:
            by_start.setdefault(m.start, m)
            by_end.setdefault(m.end, m)
            known = by_surface.setdefault(text[m.start : m.end], m)
            if known is not None and known.name != m.name:
                by_surface[text[m.start : m.end]] = None
    by_surname: dict[str, Mention | None] = {}
    for m in mentions:
        if m.type == "PERSON" and " " in m.name:
            known = by_surname.setdefault(m.name.split()[-1], m)
            if known is not None and known.name != m.name:
                by_surname[m.name.split()[-1]] = None
    return _Context(text, masked, _sentence_starts(masked), by_start, by_end, by_surface, by_surname)


def _person_behind(ctx: _Context, m: Mention) -> Mention:
    """The person a short form names when NER typed it otherwise ("Odhiambo" read as an ORG)."""
    if m.type != "PERSON" and " " not in m.name:
        return ctx.by_surname.get(ctx.text[m.start : m.end]) or m
    return m


def _mask(text: str, marked: Sequence[_Marked]) -> str:
    """The text with everything between each quote's marks masked, but its final punctuation kept.

    The final '.', '?' or ',' still tells where the sentence ends; the words inside must never
    be read as a cue or a subject.
    """
    pieces = []
    pos = 0
    for q in marked:
        inner_end = q.end - 1
        keep = text[inner_end - 1] if inner_end - 1 > q.start and text[inner_end - 1] in ".!?," else ""
        pieces += [text[pos : q.start + 1], _MASK * (inner_end - q.start - 1 - len(keep)), keep]
        pos = inner_end
    pieces.append(text[pos:])
    return "".join(pieces)


def _sentence_starts(masked: str) -> tuple[int, ...]:
    """Where each sentence (or paragraph) starts, quotes counted as single words."""
    starts = [0]
    for m in _SENTENCE_END.finditer(masked):
        k = m.start()
        if masked[k] == "\n":
            # A line ending in a colon introduces the paragraph after it ('Putin said:').
            if _last_visible(masked, k) != ":":
                starts.append(k + 1)
            continue
        j = k + 1
        while j < len(masked) and masked[j] in '”"’)':
            j += 1
        if masked[k] in "?!" and j > k + 1:
            continue  # '"Why?" he asked.' goes on after the mark
        if j > k + 1 and _ATTRIBUTION_ALONE.match(masked, j):
            continue
        nxt = _NEXT_SENTENCE.match(masked, j)
        if nxt and not (masked[k] == "." and _is_abbreviation(masked, k)):
            starts.append(nxt.end())
    return tuple(sorted(set(starts)))


def _last_visible(text: str, end: int, lo: int = 0) -> str:
    """The last non-space character in text[lo:end], or '' when there is none."""
    k = end - 1
    while k >= lo and text[k].isspace():
        k -= 1
    return text[k] if k >= lo else ""


def _is_abbreviation(masked: str, dot: int) -> bool:
    """True if the '.' at `dot` closes an abbreviation or an initial (Gen., U.S.)."""
    word = re.search(r"(\w+)$", masked[max(0, dot - 12) : dot])
    return word is not None and (
        word.group().lower() in _ABBREVIATIONS or (len(word.group()) == 1 and word.group().isupper())
    )


# -- cues and subjects ------------------------------------------------------------------------------


def _cues(ctx: _Context, lo: int, hi: int) -> list[re.Match[str]]:
    """Reporting verbs and 'according to' in [lo, hi), passives ('was told by') left out."""
    return [m for m in _CUE.finditer(ctx.masked, lo, hi) if not ctx.masked.startswith(" by ", m.end())]


def _is_according(cue: re.Match[str]) -> bool:
    """'according to', also opening a sentence."""
    return cue.group().lower() == _ACCORDING_TO


def _cue_subject(
    ctx: _Context, cue: re.Match[str], verbs: Sequence[re.Match[str]], lo: int, hi: int
) -> _Subject | None:
    """Who the cue at `cue` names within the sentence [lo, hi), whose reporting verbs are `verbs`."""
    if _is_according(cue):
        return _according_to(ctx, cue.end(), hi)
    before = _last_visible(ctx.masked, cue.start(), lo)
    if cue.group().endswith("ing"):
        # ", saying ..." and ", before conceding ..." go on from the sentence's verb ('," Mehta
        # said, adding that "..."'), else from its subject; elsewhere it is a progressive.
        if before != "," and not _THEN_ING.search(ctx.masked, lo, cue.start()):
            return _subject_before(ctx, lo, cue.start())
        earlier = [c for c in verbs if c.end() <= cue.start()]
        subject = _cue_subject(ctx, earlier[-1], verbs, lo, hi) if earlier else None
        return subject or _clause_subject(ctx, lo, cue.start())
    subject = _subject_before(ctx, lo, cue.start())
    if subject is None and before in ("", ",", '"', "”", "’"):
        subject = _subject_after(ctx, cue.end(), hi)  # '"...," said Putin'
    return subject


def _subject_before(ctx: _Context, lo: int, end: int) -> _Subject | None:
    """The subject ending right before a verb at `end`, past adverbs, times and asides."""
    lo = max(lo, end - _REACH)  # a run-on "sentence" must not make this quadratic
    end = _strip_fillers(ctx.masked, lo, end)
    m = ctx.by_end.get(end)
    if m is not None and m.start >= lo:
        if _OBJECT_OF.search(ctx.masked, lo, m.start):  # 'the mother of Anna Holm said': not Anna Holm
            head = max(lo, *(ctx.masked.rfind(mark, lo, m.start) + 1 for mark in ',"“”' + _MASK))
            head += len(ctx.masked[head:end]) - len(ctx.masked[head:end].lstrip())
            return _Subject(ctx.text[head:end], head, "role")
        return _Subject(ctx.text[m.start : m.end], m.start, "mention", _person_behind(ctx, m))
    seg = ctx.masked[lo:end]
    for pattern, kind in ((_PRONOUN_END, "pronoun"), (_ROLE_END, "role")):
        found = pattern.search(seg)
        if found:
            return _Subject(ctx.text[lo + found.start() : end], lo + found.start(), kind)
    found = _NAME_END.search(seg)
    subject = _name_subject(ctx, lo + found.start(), end) if found else None
    # One unknown capitalized word opening the sentence is as often "Critics" as a name.
    if subject and subject.kind == "name" and " " not in subject.text and not seg[: found.start()].strip():
        return None
    return subject


def _strip_fillers(masked: str, lo: int, end: int) -> int:
    """`end` moved left past whatever may stand between a subject and its verb."""
    while True:
        seg = masked[lo:end].rstrip()
        for pattern in (_FILLER, _ASIDE, _RELATIVE):
            found = pattern.search(seg)
            if found and found.start() > 0:
                seg = seg[: found.start()].rstrip()
                break
        else:
            return lo + len(seg)
        end = lo + len(seg)


def _subject_after(ctx: _Context, start: int, hi: int) -> _Subject | None:
    """The subject right after an inverted verb: 'said (President) Putin', 'said the ministry'."""
    p = start
    while p < hi and ctx.masked[p].isspace():
        p += 1
    for pattern, kind in ((_PRONOUN_START, "pronoun"), (_ROLE_START, "role")):
        found = pattern.match(ctx.masked, p, hi)
        if found:
            return _Subject(found.group(), p, kind)
    described = False
    if article := _ARTICLE.match(ctx.masked, p, hi):  # 'tweeted the engineer Anna Holm'
        p = article.end()
        described = True
    for _ in range(5):  # past titles the mention may leave out: "said Defence Minister ..."
        m = ctx.by_start.get(p)
        if m is not None and (owner := _POSSESSIVE_AFTER.match(ctx.masked, m.end, hi)):
            p, described = owner.end(), True  # 'said Moreau's lawyer, Claire Dupont': not Moreau
            continue
        # after a lowercase word only a person: in 'said one GOP operative' the party is not the speaker
        if m is not None and m.end <= hi and (m.type == "PERSON" or not described):
            return _Subject(ctx.text[m.start : m.end], m.start, "mention", m)
        if described and (comma := _COMMA.match(ctx.masked, p, hi)):
            m = ctx.by_start.get(comma.end())  # the description's own name, in apposition
            if m is None or m.type != "PERSON":
                return None
            return _Subject(ctx.text[m.start : m.end], m.start, "mention", m)
        word = _TITLE_WORD.match(ctx.masked, p, hi)
        if word is None and (word := _DESCRIPTOR.match(ctx.masked, p, hi)) is not None:
            described = True  # 'said former governor Bill Tanner', 'said lawyer Marco Bellini'
        if word is None or word.group().strip().lower() in _FUNCTION_WORDS:
            break
        p = word.end()
    found = _NAME_START.match(ctx.masked, p, hi)
    return _name_subject(ctx, found.start(), found.end()) if found else None


def _name_subject(ctx: _Context, start: int, end: int) -> _Subject | None:
    """A capitalized name the mentions missed ('," General Zhang said').

    It is canonical when the article has a mention written the same way (here "Zhang"); clause
    openers, days and months are not names.
    """
    for word in re.finditer(r"\S+", ctx.text[start:end]):
        if word.group().lower().rstrip(",") not in _FUNCTION_WORDS:
            start += word.start()
            break
    else:
        return None
    words = ctx.text[start:end].split()
    for i in range(len(words)):
        m = ctx.by_surface.get(" ".join(words[i:]))
        if m is not None:
            return _Subject(ctx.text[start:end], start, "mention", _person_behind(ctx, m))
    # a surname the NER did not mark here: the person of that surname named in the article
    if words and (m := ctx.by_surname.get(words[-1].strip(".,"))) is not None:
        return _Subject(ctx.text[start:end], start, "mention", m)
    return _Subject(ctx.text[start:end], start, "name")


def _according_to(ctx: _Context, start: int, hi: int) -> _Subject | None:
    """The source named after 'according to': a mention at its head, else the phrase as written."""
    phrase = _NOUN_PHRASE.match(ctx.masked, start, hi)
    if phrase is None or not phrase.group().strip():
        return None
    p = start + len(phrase.group()) - len(phrase.group().lstrip())
    for m in (ctx.by_start.get(p), ctx.by_start.get(p + 4)):  # "the Russian Defence Ministry"
        if m is not None and m.end <= phrase.end():
            return _Subject(ctx.text[m.start : m.end], m.start, "mention", m)
    return _Subject(phrase.group().strip(), p, "role")


def _clause_subject(ctx: _Context, lo: int, hi: int) -> _Subject | None:
    """The named subject opening the sentence, or its main clause after a short introduction."""
    head = ctx.masked[lo : min(hi, lo + 150)]
    starts = [lo] + [lo + m.end() for m in re.finditer(r",|\s[–—-]\s", head)][:2]
    for p in starts:
        subject = _subject_at(ctx, p, hi)
        if subject is not None:
            return subject
    return None


def _opening_clause_subject(ctx: _Context, lo: int, hi: int) -> _Subject | None:
    """The subject of a clause the sentence opens with: Meghan in 'When Meghan joined, she said'.

    The pronoun of the main clause after it is most often that person.
    """
    p = lo
    while p < hi and ctx.masked[p].isspace():
        p += 1
    if connective := _CONNECTIVE.match(ctx.masked, p, hi):
        p = connective.end()
    opener = _SUBORDINATOR.match(ctx.masked, p, hi)
    return _subject_at(ctx, opener.end(), hi) if opener else None


def _subject_at(ctx: _Context, p: int, hi: int) -> _Subject | None:
    """A mention or pronoun at `p` that reads as a subject, past connectives and titles."""
    while p < hi and ctx.masked[p].isspace():
        p += 1
    if connective := _CONNECTIVE.match(ctx.masked, p, hi):
        p = connective.end()
    for _ in range(6):
        m = ctx.by_start.get(p)
        if m is not None and m.end < hi and _READS_AS_SUBJECT.match(ctx.masked, m.end, hi):
            return _Subject(ctx.text[m.start : m.end], m.start, "mention", m)
        if pronoun := _PRONOUN_START.match(ctx.masked, p, hi):
            return _Subject(pronoun.group(), p, "pronoun")
        word = _TITLE_WORD.match(ctx.masked, p, hi)
        if word is None or word.group().strip().lower() in _FUNCTION_WORDS:
            return None
        p = word.end()
    return None


def _subject_events(ctx: _Context) -> list[_Event]:
    """Every subject the text names, in order: sentence subjects and subjects of reporting verbs."""
    events = []
    sentences = list(zip(ctx.sentence_starts, ctx.sentence_starts[1:] + (len(ctx.text),), strict=True))
    openers = [_clause_subject(ctx, lo, hi) for lo, hi in sentences]
    genders = _genders(ctx, sentences, openers)
    for (lo, hi), opener in zip(sentences, openers, strict=True):
        if opener is None and (pair := _with_companion(ctx, lo, hi)) is not None:
            events += pair
        subjects = [opener, _opening_clause_subject(ctx, lo, hi)]
        cues = _cues(ctx, lo, hi)
        verbs = [cue for cue in cues if not _is_according(cue)]
        subjects += [_cue_subject(ctx, cue, verbs, lo, hi) for cue in verbs]
        # and the person named after "according to" ('According to Arkwright, ... "...," he said'),
        # but no other source: "according to a translation" ends no one's chain
        sources = (_cue_subject(ctx, cue, verbs, lo, hi) for cue in cues if _is_according(cue))
        subjects += [s for s in sources if s is not None and s.mention is not None and s.mention.type == "PERSON"]
        for s in subjects:
            if s is not None and s.mention is not None:
                events.append(_Event(s.start, s.mention.type, s.mention.name, genders.get(s.mention.name)))
            elif s is not None and s.kind == "role" and (holder := _role_holder(ctx, s)) is not None:
                events.append(_Event(s.start, "PERSON", holder, genders.get(holder)))
            elif s is not None and s.kind in ("role", "name"):
                events.append(_Event(s.start, "reset", None))
    return sorted(events, key=lambda e: e.start)


def _with_companion(ctx: _Context, lo: int, hi: int) -> list[_Event] | None:
    """Events for a sentence opened by a person and their own companion ("Duchene and his wife").

    A later "he" or "she" is one of the two: the named person, and the companion (a person when
    named right after the role word, else an unnamed subject of the role word's gender, if it has one).
    """
    p = lo
    while p < hi and ctx.masked[p].isspace():
        p += 1
    for _ in range(6):  # past titles: "Ship owner Lars Hegge and his daughter"
        m = ctx.by_start.get(p)
        if m is not None and m.type == "PERSON" and (own := _AND_OWN.match(ctx.masked, m.end, hi)):
            first = _Event(m.start, m.type, m.name, _PRONOUN_GENDERS[own.group(1)])
            role_gender = _GENDERED_ROLES.get(own.group(2).lower()) if own.group(2) else None
            companion = ctx.by_start.get(own.end())
            if companion is not None and companion.type == "PERSON":
                return [first, _Event(companion.start, companion.type, companion.name, role_gender)]
            return [first, _Event(own.start(1), "reset", None, role_gender)]
        word = _TITLE_WORD.match(ctx.masked, p, hi) or _DESCRIPTOR.match(ctx.masked, p, hi)
        if word is None or word.group().strip().lower() in _FUNCTION_WORDS:
            return None
        p = word.end()
    return None


# -- gender: only what the article itself says ----------------------------------------------------

# Honorifics and royal titles, with the French, German, Spanish and Italian honorifics English copy
# keeps before foreign names. Left out: "M." and "Sr." (an initial, and "Senior"), and "King", a
# surname as often ("King JC Jr" in a reference list).
_HONORIFICS: dict[str, Gender] = {
    **dict.fromkeys(
        "Mrs Ms Miss Dame Lady Queen Princess Duchess Frau Madame Mme Mlle Señora Señorita Sra Srta "
        "Signora".split(),
        "female",
    ),
    **dict.fromkeys("Mr Sir Lord Prince Duke Herr Monsieur Señor Signor".split(), "male"),
}
_HONORIFIC = re.compile(r"(?<![\w.'’-])(" + "|".join(_HONORIFICS) + r")\.?\s+(?=[A-Z])")
# Words for a person that say whether they are a woman or a man.
_GENDERED_ROLES: dict[str, Gender] = {
    **dict.fromkeys(
        "spokeswoman chairwoman businesswoman congresswoman councilwoman policewoman sportswoman "
        "stateswoman anchorwoman woman girl mother stepmother grandmother wife widow daughter "
        "granddaughter sister aunt niece queen princess duchess baroness empress actress waitress "
        "headmistress girlfriend fiancée mum mom".split(),
        "female",
    ),
    **dict.fromkeys(
        "spokesman chairman businessman congressman councilman policeman sportsman statesman "
        "anchorman man boy father stepfather grandfather husband widower son grandson brother "
        "uncle nephew king prince duke baron emperor headmaster boyfriend fiancé dad".split(),
        "male",
    ),
}
_GENDERED_ROLE = r"(?i:" + "|".join(sorted(_GENDERED_ROLES, key=len, reverse=True)) + r")"
# "Ray Duchene and his (late) wife (Sunita) were at home": a subject of two, the named one and
# someone of theirs, whose role word may tell their gender
_AND_OWN = re.compile(r"\s+and\s+(his|her)\s+(?:(?:[a-z]+\s+)?(" + _GENDERED_ROLE + r")\b,?\s*)?")
# "spokeswoman Amina Odhiambo", "his father, Peter Kallas", "Chairman Peter Kallas". Only the
# -man/-woman titles may be capitalized: "King", "Son" or "Brother" before a name is as often a
# surname or a title of another kind.
_ROLE_BEFORE_NAME = re.compile(
    r"(?<![\w'’-])("
    + "|".join(
        f"[{w[0].upper()}{w[0]}]{w[1:]}" if w.endswith("man") and w not in ("man", "woman") else w
        for w in sorted(_GENDERED_ROLES, key=len, reverse=True)
    )
    + r"),?\s+(?=[A-Z])"
)
# "Amina Odhiambo, the harbour's spokeswoman, said", "Kallas, a father of three." Not a list: in
# "Kallas, Odhiambo and her mother" and "Grant, her husband, Ambersley and ..." the role word is
# a third person's.
_ROLE_AFTER_NAME = re.compile(
    r",\s*(?:" + _DETERMINER + r"\s+)?(?:(?!(?:and|or)\b)[\w'’-]+\s+){0,3}?(" + _GENDERED_ROLE + r")"
    r"(?:\s+of\b[^,.;\x00]{0,40})?\s*(?:[.;]|,(?!\s*(?:[A-Z]|and\b|or\b)))"
)
# The subject pronouns, and the possessives and reflexives that tell a person's own gender.
_PRONOUN_GENDERS: dict[str, Gender] = {
    **dict.fromkeys("she her herself".split(), "female"),
    **dict.fromkeys("he his himself".split(), "male"),
}
# Verbs whose "her" is usually someone else, the one addressed: "Kallas told her the plan".
_TO_SOMEONE = "gave give gives told tell tells asked ask asks sent send sends offered showed handed paid " \
    "promised taught thanked called named met saw helped"
# Words after which "her" is an object, not a possessive: "join her there", "took her to".
_NOT_OWNED = "there here to a an the in on at for with and or that as up out back off down into from " \
    "about after before when if again home"
# The subject's own possessive or reflexive, right after it and its verb: "Odhiambo left her
# office", "Kallas resigned his seat", "Odhiambo and her husband", "Odhiambo herself".
_OWN_PRONOUN = re.compile(
    r"\s+(?:(?:[a-z]+ly\s+)?(?!(?:" + "|".join(_TO_SOMEONE.split()) + r")\b)[a-z]+\s+)?"
    r"(?:(his|her)\s+(?!(?:" + "|".join(_NOT_OWNED.split()) + r")\b)(?=[a-z])|(himself|herself)\b)"
)
# Someone the text names without a name, whose "her" or "his" an own-pronoun might be.
_PERSON_WORD = re.compile(
    r"(?<![\w'’-])(?:" + _ROLES + "|" + _GENDERED_ROLE
    + r"|(?i:friends?|colleagues?|partners?|people|residents?|children|staff|neighbours?|neighbors?))(?![\w'’-])"
)


def _genders(
    ctx: _Context, sentences: Sequence[tuple[int, int]], openers: Sequence[_Subject | None]
) -> dict[str, Gender]:
    """Each person's gender as the article tells it (honorific, role word, own pronoun), when the evidence agrees.

    `openers` are the sentences' subjects (`_clause_subject`), one per sentence.
    """
    votes: dict[str, set[Gender]] = {}
    for name, gender in (*_titled(ctx), *_role_named(ctx), *_own_pronouns(ctx, sentences, openers)):
        votes.setdefault(name, set()).add(gender)
    return {name: next(iter(found)) for name, found in votes.items() if len(found) == 1}


def _titled(ctx: _Context) -> list[tuple[str, Gender]]:
    """People written with an honorific: "Ms Odhiambo", "Sir Peter Kallas"."""
    found = []
    for title in _HONORIFIC.finditer(ctx.masked):
        name = _person_at(ctx, title.end()) or _person_at(ctx, title.start())
        if name is not None:
            found.append((name, _HONORIFICS[title.group(1)]))
    return found


def _role_named(ctx: _Context) -> list[tuple[str, Gender]]:
    """People next to a gendered role word: "spokeswoman Amina Odhiambo", "Kallas, her father,"."""
    found = []
    for role in _ROLE_BEFORE_NAME.finditer(ctx.masked):
        if (name := _person_at(ctx, role.end())) is not None:
            found.append((name, _GENDERED_ROLES[role.group(1).lower()]))
    for m in ctx.by_start.values():
        role = _ROLE_AFTER_NAME.match(ctx.masked, m.end)
        if role is not None and (name := _person_name(ctx, m)) is not None:
            found.append((name, _GENDERED_ROLES[role.group(1).lower()]))
    return found


def _own_pronouns(
    ctx: _Context, sentences: Sequence[tuple[int, int]], openers: Sequence[_Subject | None]
) -> list[tuple[str, Gender]]:
    """People whose own "her"/"his" follows them, where no one else is named that it could be.

    "Odhiambo left her office" tells; "Kallas thanked the mayor for her help" does not, and nor
    does a sentence after one that names someone else.
    """
    found = []
    for i, ((lo, hi), subject) in enumerate(zip(sentences, openers, strict=True)):
        if subject is None or subject.mention is None or (name := _person_name(ctx, subject.mention)) is None:
            continue
        own = _OWN_PRONOUN.match(ctx.masked, subject.mention.end, hi)
        if own is None:
            continue
        pronoun = own.group(1) or own.group(2)
        window_start = sentences[i - 1][0] if i else lo
        others = {
            _person_name(ctx, m) for s, m in ctx.by_start.items() if window_start <= s < own.end()
        } - {name, None}
        unnamed = _PERSON_WORD.search(ctx.masked, window_start, own.end())
        if not others and unnamed is None:
            found.append((name, _PRONOUN_GENDERS[pronoun]))
    return found


def _person_at(ctx: _Context, p: int) -> str | None:
    """The person whose name starts at `p`: a mention there, or a name the article spells out elsewhere."""
    if (m := ctx.by_start.get(p)) is not None:
        return _person_name(ctx, m)
    found = _NAME_START.match(ctx.masked, p)
    subject = _name_subject(ctx, found.start(), found.end()) if found else None
    return _person_name(ctx, subject.mention) if subject and subject.mention else None


def _person_name(ctx: _Context, m: Mention) -> str | None:
    """The canonical name of the person a mention names, or None when it is not a person."""
    m = _person_behind(ctx, m)
    return m.name if m.type == "PERSON" else None


# -- attribution ------------------------------------------------------------------------------------


def _attribute(ctx: _Context, q: _Marked) -> tuple[str | None, _Subject | None]:
    """The cue and subject for one quote, by the order in the module docstring."""
    lo, hi = ctx.sentence(q.start)
    cues = _cues(ctx, lo, hi)
    verbs = [c for c in cues if not _is_according(c)]
    after = [c for c in verbs if c.start() >= q.end and c.start() - q.end <= 80]
    if after and (subject := _tight_after(ctx, q, after[0], hi)) is not None:
        return after[0].group(), subject
    before = [c for c in verbs if c.end() <= q.start]
    if before and _LEAD_IN.fullmatch(ctx.masked, before[-1].end(), q.start):
        return before[-1].group(), _cue_subject(ctx, before[-1], verbs, lo, hi)
    near = sorted(
        (c for c in verbs if c.group() not in _WEAK_VERBS and _distance(c, q) <= _REACH),
        key=lambda c: _distance(c, q),
    )
    for c in near:
        if (subject := _cue_subject(ctx, c, verbs, lo, hi)) is not None:
            return c.group(), subject
    for c in cues:
        if _is_according(c):
            return _ACCORDING_TO, _cue_subject(ctx, c, verbs, lo, hi)
    return (near[0].group(), None) if near else (None, None)


def _tight_after(ctx: _Context, q: _Marked, cue: re.Match[str], hi: int) -> _Subject | None:
    """The subject when the attribution follows the quote directly: '," Putin said' or '," said Putin'."""
    gap = ctx.masked[q.end : cue.start()]
    if not gap.strip(" ,;–—-"):
        return _subject_after(ctx, cue.end(), hi)
    subject = _subject_before(ctx, q.end, cue.start())
    if subject is not None and _TITLES.fullmatch(ctx.masked, q.end, subject.start):
        return subject
    return None


def _distance(cue: re.Match[str], q: _Marked) -> int:
    """Characters between a cue and a quote."""
    return cue.start() - q.end if cue.start() >= q.end else q.start - cue.end()


def _speaker(ctx: _Context, subject: _Subject | None, events: Sequence[_Event]) -> tuple[str | None, str | None]:
    """(canonical speaker, speaker as written) for a cue's subject."""
    if subject is None:
        return None, None
    if subject.mention is not None:
        return subject.mention.name, subject.text
    if subject.kind == "pronoun":
        return _antecedent(subject, events), subject.text
    if subject.kind == "role":
        return _role_holder(ctx, subject), subject.text
    return None, subject.text


_THE_ROLE = re.compile(r"(?i:the)\s+(?:[\w'’-]+\s+){0,3}?(" + _PERSONAL_ROLES + r")")


def _role_holder(ctx: _Context, subject: _Subject) -> str | None:
    """The person a role-noun subject ("the mayor") stands for: the one person the article
    introduced before it with that role ("Mayor Helen Carter", "Carter, the town's mayor,",
    "The harbour's spokeswoman, Lois Pettibone,"); None when it introduced none, or several. A
    person named in apposition right after it is that person ('," admitted the group's chair, Bernard
    Ellingham')."""
    comma = _COMMA.match(ctx.masked, subject.start + len(subject.text))
    if comma is not None and (m := ctx.by_start.get(comma.end())) is not None:
        return _person_name(ctx, m)
    role = _THE_ROLE.fullmatch(subject.text)
    if role is None:
        return None
    noun = re.escape(role.group(1))
    before = re.compile(rf"(?i:\b{noun}),?\s+$")
    # "Carter, the town's mayor,"; for "the 67-year-old" also "Sorensen, 67,"
    age = re.match(r"\d+", role.group(1))
    described = rf"(?:{_DETERMINER}\s+)?(?:[\w'’-]+\s+){{0,3}}?(?i:{noun})" + (f"|{age.group()}" if age else "")
    after = re.compile(rf",\s+(?:{described})\b\s*[,.;]")
    holders = {
        name
        for m in ctx.by_start.values()
        if m.start < subject.start
        and (before.search(ctx.masked, max(0, m.start - 40), m.start) or after.match(ctx.masked, m.end))
        and (name := _person_name(ctx, m)) is not None
    }
    return holders.pop() if len(holders) == 1 else None


def _antecedent(pronoun: _Subject, events: Sequence[_Event]) -> str | None:
    """The most recent subject a pronoun can stand for; None for 'they' or after an unnamed subject.

    "she" passes over a person the article shows to be a man, and "he" over a woman; a person of
    unknown gender is taken, as the text gives no reason to pass them. An unnamed subject ("the
    spokeswoman") still ends the chain whatever its gender: the "he" after it may be someone it
    names as an object. Only the unnamed companion of a named subject ("Duchene and his wife")
    has a gender here, and "he" passes over her to Duchene.
    """
    wanted = {"he": "PERSON", "she": "PERSON", "it": "ORG"}.get(pronoun.text.lower())
    if wanted is None:
        return None  # "they" is usually a group, not the last person named
    gender = _PRONOUN_GENDERS.get(pronoun.text.lower())
    for event in reversed(events):
        if event.start >= pronoun.start or event.type not in (wanted, "reset"):
            continue
        if gender is not None and event.gender not in (None, gender):
            continue
        return event.name
    return None


def _carry_over(ctx: _Context, quotes: list[Quote]) -> list[Quote]:
    """Give a bare quote the speaker of the quote just before it in the same paragraph.

    '"...," he said. "..."' is one speaker by the news convention; a paragraph break or another
    person named in between ends it.
    """
    out: list[Quote] = []
    for q in quotes:
        prev = out[-1] if out else None
        if q.cue is None and prev is not None and prev.speaker_text is not None:
            between = range(prev.end, q.start)
            others = [
                m
                for s, m in ctx.by_start.items()
                if s in between and m.type == "PERSON" and m.name != prev.speaker
            ]
            if "\n" not in ctx.text[prev.end : q.start] and not others:
                q = dataclasses.replace(q, speaker=prev.speaker, speaker_text=prev.speaker_text, cue=prev.cue)
        out.append(q)
    return out


def _quote_text(text: str, q: _Marked) -> str:
    """The quoted words, paragraphs joined by a space, minus the comma that hands over to the attribution."""
    return " ".join(text[s:e].strip() for s, e in q.parts).strip().rstrip(",").strip()


def _is_quotation(text: str, q: Quote) -> bool:
    """False for scare quotes: a short term with no cue and named speaker, or used as a noun's modifier."""
    if len(_WORDS.findall(q.text)) >= MIN_WORDS:
        return True
    return (
        q.cue is not None
        and q.speaker is not None
        and not _TERM_BEFORE.search(text[max(0, q.start - 20) : q.start])
    )
