"""Named entities from NER spans: noise dropped, titles stripped, aliases resolved, countries coded.

spaCy runs in a worker (transforms.nlp); this module sees only `EntitySpan`s and the text they
came from, except `spans_from_doc`, which converts a Doc and imports nothing from spaCy itself.
An entity's identity (`Mention.key`) depends only on its canonical name, so it is stable across
runs; an alias that could name two people stays unresolved rather than being guessed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from transforms.boilerplate import canonical_agency, clean_whitespace, drop_reason
from transforms.records import EntitySpan, EntityType, Mention

if TYPE_CHECKING:
    from spacy.tokens import Doc

ENTITY_LABELS: frozenset[str] = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"})

# Ties in a type vote go to the earlier type: the model's misfires on unfamiliar names are
# ORG and GPE ("Shoigu" as a GPE), rarely PERSON.
_LABEL_ORDER: tuple[EntityType, ...] = ("PERSON", "GPE", "ORG", "LOC", "NORP", "FAC", "EVENT")
_COUNTRY_LABELS = frozenset({"GPE", "LOC", "ORG"})  # not NORP: "Russian" is a people, not Russia
# A final "'s" is a possessive on these (and on PERSON); "McDonald's" and "St Paul's" keep theirs.
_POSSESSIVE_LABELS = frozenset({"GPE", "LOC", "NORP"})

# --- titles ------------------------------------------------------------------------------------

# Honorifics and office words that precede a name; compared casefolded, without a final dot.
_TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady rev fr sheikh "
    "president vice prime minister premier chancellor secretary minister ministers foreign "
    "defence defense finance interior home state attorney justice chief supreme crown "
    "general gen adm admiral marshal field col colonel lt lieutenant maj major capt captain "
    "sgt sergeant cmdr commander brig brigadier sen senator rep representative gov governor "
    "mayor king queen prince princess emperor pope chairman chairwoman chair deputy speaker "
    "spokesman spokeswoman spokesperson ambassador envoy judge leader ceo executive "
    "professor congressman congresswoman councillor councilman councilwoman commissioner "
    "director detective inspector officer bishop cardinal rabbi imam harbourmaster harbormaster".split()
)
# Words that may come before a title ("Russian President", "former Prime Minister") but are not
# stripped on their own: "Chinese" alone before a name is not a title.
_NATIONALITIES = frozenset(
    "american british chinese russian ukrainian french german italian spanish japanese indian "
    "israeli iranian turkish canadian australian polish dutch belgian swedish norwegian danish "
    "finnish greek brazilian mexican argentine korean north south pakistani afghan iraqi syrian "
    "saudi egyptian palestinian lebanese hungarian czech romanian serbian belarusian georgian "
    "taiwanese vietnamese indonesian filipino thai nigerian kenyan venezuelan cuban european "
    "us u.s uk u.k un eu".split()
)
_MODIFIERS = frozenset("former late then acting outgoing incoming interim ex the of".split())
_NOT_NAME_WORDS = _TITLES | _NATIONALITIES | _MODIFIERS
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")


def _word_key(word: str) -> str:
    """A word as the title and abbreviation tables hold it: "Gen." -> "gen"."""
    return word.casefold().rstrip(".")


def _strip_titles(name: str) -> str:
    """The name without leading honorifics, offices and trades ("Russian President Vladimir Putin")."""
    words = name.split()
    cut = 0
    for i, word in enumerate(words[:-1]):  # the last word is always kept: it is the name
        key = _word_key(word)
        # "China's Xi": the owner is not the name; "Historian Mira Solberg": nor is the trade
        if key in _TITLES or key in _PERSON_ROLES or _POSSESSIVE.search(word):
            cut = i + 1
        elif not (key in _NATIONALITIES or key in _MODIFIERS):
            break
    return " ".join(words[cut:])


def _is_title_only(text: str) -> bool:
    """True for an office with no name: "Defence" out of "Defence Minister", "Russian President"."""
    keys = [_word_key(w) for w in text.split()]
    return any(k in _TITLES for k in keys) and all(
        k in _TITLES or k in _NATIONALITIES or k in _MODIFIERS for k in keys
    )


# --- noise -------------------------------------------------------------------------------------

# Web and photo furniture the model reads as names ("Share this articleClose Button": GPE "Button").
_BOILERPLATE_WORDS = frozenset(
    "share advertisement advertising button close comments comment newsletter subscribe "
    "getty shutterstock alamy photo image video".split()
) | {"getty images", "file photo", "close button", "read more"}
# Capitalised only because they open a line: "Watch: ...", "Read more".
_LINE_START_WORDS = frozenset(
    "watch read listen live breaking exclusive opinion analysis explainer update updated "
    "related more see also latest follow".split()
)
_EDGE_OPEN = "'\"‘’“”«»([{ \t\n\r"
_EDGE_CLOSE = "'\"‘’“”«»)]}.,;:!? \t\n\r"
_EDGE = "'\"‘’“”«»()[]{},;:!? \t"  # around a name; dots are handled apart (abbreviations)
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029\x0b\x0c]")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]*\b")
_TITLE_CASE_SHARE = 0.8  # of a line's words of 4+ letters, capitalised: a headline in title case


def spans_from_doc(doc: Doc) -> list[EntitySpan]:
    """Every entity span of a spaCy Doc, all labels (clean_spans decides what to keep), but a
    one-word "person" opening a sentence before a common noun ("Cod exports rose") or read by the
    tagger as an adjective ("Public works director ...", where "works" reads as a verb): a word
    capitalised by its position, modifying what follows; and a "person" the text writes as a
    thing (`_named_as_a_thing`) or, anywhere in the article, as a place (`_written_as_places`). A
    "person" after a noun for a firm is the firm's name (`_after_a_firm_noun`)."""
    spans = []
    places = _written_as_places(doc)
    for e in doc.ents:
        if e.label_ == "PERSON" and len(e) == 1 and _opens_sentence(e) and (_noun_follows(e) or e[0].tag_ == "JJ"):
            continue
        if e.label_ == "PERSON" and (_named_as_a_thing(e) or e.text in places):
            continue
        label = "PERSON" if e.label_ == "ORG" and _is_titled_name(e) else e.label_
        if label == "PERSON" and _after_a_firm_noun(e):
            label = "ORG"
        found = _whole_name(e) if label == "PERSON" else e
        spans.append(EntitySpan(found.text, label, found.start_char, found.end_char))
    return spans


# What a person is, written before their name: "union organiser Dai Trelawny said", "Chancellor
# Olaf Scholz". Only nouns: "state", "chief" or "general" also stand before an organisation's name,
# and "manager" before a department's ("Group manager Electrical Integration").
_PERSON_ROLES = frozenset(
    "organiser organizer spokesman spokeswoman spokesperson lawyer attorney director chairman "
    "chairwoman economist analyst professor councillor councilman councilwoman mayor "
    "minister chancellor secretary senator governor president founder owner farmer fisherman "
    "teacher doctor nurse coach activist campaigner researcher scientist author writer editor "
    "reporter journalist detective inspector commissioner ambassador judge mr mrs ms dr "
    "historian architect engineer artist novelist poet photographer chef pilot surgeon physician "
    "pastor priest entrepreneur investor consultant adviser advisor lecturer biologist physicist "
    "chemist sociologist psychologist philosopher composer designer filmmaker".split()
)
# Words of organisations' names, never of a person's.
_ORG_WORDS = frozenset(
    "union council party group bank office department ministry agency authority board committee "
    "commission police services service foods company corporation ltd inc plc association "
    "foundation institute university college school hospital trust fund club society church "
    "news times post press hotel airlines airways motors energy partners holdings house".split()
)
_NOT_PERSON_NAME_WORDS = _NOT_NAME_WORDS | _ORG_WORDS


def _is_titled_name(ent) -> bool:  # type: ignore[no-untyped-def]
    """A span the model typed ORG that is a person's two- or three-word name after a role noun,
    either just before it ("organiser [Dai Trelawny]") or as its first word ("[Chancellor Olaf
    Scholz]"). A role alone proves nothing ("General Motors"): the rest must read as a name."""
    doc = ent.doc
    words = list(ent)
    before = doc[ent.start - 1] if ent.start > 0 else None
    if words and words[0].text[:1].isupper() and _word_key(words[0].text) in _PERSON_ROLES:
        words = words[1:]
    elif before is None or not before.text.islower() or _word_key(before.text) not in _PERSON_ROLES:
        return False
    return 2 <= len(words) <= 3 and all(_name_token(t) for t in words)


# What a firm is, written before its name: "solar company Jua Mtaani Power", "electronics retailer
# Proshop" (read as people by the model). Only nouns that name no person's job: a person's name
# follows "developer", "publisher", "operator" or "broadcaster" ("freelance developer Jill Binder"),
# and "firm" read as an adjective is no noun ("the soft-spoken but firm Tegnell").
_FIRM_NOUNS = frozenset(
    "company firm startup start-up airline insurer lender bank retailer manufacturer conglomerate "
    "subsidiary utility charity brand label".split()
)


def _after_a_firm_noun(ent) -> bool:  # type: ignore[no-untyped-def]
    """A "person" right after a common noun for a firm: "company [Jua Mtaani Power]"."""
    before = ent.doc[ent.start - 1] if ent.start > 0 else None
    return before is not None and before.tag_ == "NN" and before.text in _FIRM_NOUNS


def _name_token(token) -> bool:  # type: ignore[no-untyped-def]
    """A proper noun written as a name is: "Trelawny", "Dubois-Harker"; not "IBM" or "Union"."""
    text = token.text
    return (
        _proper(token)
        and text[:1].isupper()
        and text[1:].replace("-", "").isalpha()
        and not text[1:].replace("-", "").isupper()
        and _word_key(text) not in _NOT_PERSON_NAME_WORDS
    )


def _whole_name(ent):  # type: ignore[no-untyped-def]
    """A one-word person grown by the one proper noun the model left beside it: "councillor Gwen
    [Parry]", "[Hannah] Obi told". Only a lone word beside a lone word: in a run of names
    ("Magazine Mark Oppenheimer", a list of contributors) the edges are anyone's guess. Titles stay
    outside, and so do another entity's words and a possessive ("Malawi's")."""
    if len(ent) != 1:
        return ent
    doc = ent.doc
    i = ent.start
    if i > 0 and _name_word(doc[i - 1]) and not (i > 1 and _proper(doc[i - 2])):
        return doc[i - 1 : i + 1]
    if i + 1 < len(doc) and _name_word(doc[i + 1]) and not (i + 2 < len(doc) and _proper(doc[i + 2])):
        return doc[i : i + 2]
    return ent


def _proper(token) -> bool:  # type: ignore[no-untyped-def]
    return token.tag_ in ("NNP", "NNPS")


def _name_word(token) -> bool:  # type: ignore[no-untyped-def]
    """A capitalised proper noun outside any entity that could be part of a name."""
    return (
        token.tag_ == "NNP"
        and token.ent_iob_ == "O"
        and token.text.isalpha()
        and token.text[:1].isupper()
        and token.text[1:].islower()
        and _word_key(token.text) not in _NOT_NAME_WORDS
        and not (token.i + 1 < len(token.doc) and token.doc[token.i + 1].tag_ == "POS")
    )


def _opens_sentence(ent) -> bool:
    # The three characters before the span, from the tokens before it (no token is empty): spaCy
    # rebuilds doc.text from every token on each access (with the two reads nlp.annotate made,
    # ~6 ms of ~87 ms per article, measured on benchmark pages).
    before = ent.doc[max(0, ent.start - 3) : ent.start].text_with_ws[-3:]
    return ent.start_char == 0 or re.search(r"(?:[.!?:]\s+|\n\s*|[\"“‘(]\s*)$", before) is not None


# A person's name does lend itself to these, after "the": "the Reagan administration".
_PERSONS_THINGS = frozenset(
    "administration campaign presidency era family government years camp podcast show interview".split()
)


def _named_as_a_thing(ent) -> bool:  # type: ignore[no-untyped-def]
    """A "person" the text writes as a thing, after "the" ("the Louvre has", "the Python version",
    "the Alcântara terminal"): a person's name takes no article, except as the name of their
    administration, family or show, or before another name ("the Trump White House")."""
    doc = ent.doc
    if ent.start == 0 or doc[ent.start - 1].lower_ != "the":
        return False
    after = doc[ent.end] if ent.end < len(doc) else None
    return after is None or not (after.lower_ in _PERSONS_THINGS or after.text[:1].isupper())


# Words after which a name is a place, or a firm: "the slope above Val Cresta", "fished out of
# Porthaven", "the village of Val Cresta", "the people of Skarvøy"; "in" and "at" only after a noun
# ("a project in Ashcombe", "sea level at Porthaven", "researchers at OpenAI"): after a verb or an
# adjective they take people too ("yells at Penny", "interested in Sam"), as they do after these
# nouns ("her interest in Sam").
_SPATIAL = frozenset("above below beneath near outside".split())
_PLACE_OF = frozenset(
    "out village town city island islands state states county region province district municipality "
    "port harbour harbor people residents citizens mayor".split()
)
_AFTER_A_NOUN = frozenset({"in", "at"})
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
_PERSON_AFTER_IN = frozenset("interest faith trust confidence belief".split())


def _written_as_places(doc: Doc) -> set[str]:
    """The "persons" an article also writes as a place, after "in", "at", "above", "village of" …
    ("a project in Ashcombe" makes "Ashcombe's water mills" no person's). A word of a longer
    person's name in the article stays a person ("remained near Bennett" beside "Lynda Bennett"),
    and a possessive is no place ("in Hitler's rise")."""
    persons = [e for e in doc.ents if e.label_ == "PERSON"]
    if not persons:
        return set()
    in_full_names = {word for e in persons if " " in e.text for word in e.text.split()}
    # the names by their first token: most cue words are followed by no name at all
    by_first_token: dict[str, set[tuple[str, int]]] = {}
    for e in persons:
        by_first_token.setdefault(e[0].text, set()).add((e.text, len(e)))
    places = set()
    for token in doc[1:-1]:
        word, before = token.lower_, doc[token.i - 1]
        cue = (
            word in _SPATIAL
            or (word == "of" and before.lower_ in _PLACE_OF)
            or (word in _AFTER_A_NOUN and before.tag_ in _NOUN_TAGS and before.lower_ not in _PERSON_AFTER_IN)
        )
        if not cue:
            continue
        for name, length in by_first_token.get(doc[token.i + 1].text, ()):
            end = token.i + 1 + length
            written_here = doc[token.i + 1 : end].text == name
            possessive = end < len(doc) and doc[end].lower_ in ("'s", "’s")
            if written_here and not possessive and (" " in name or name not in in_full_names):
                places.add(name)
    return places


def _noun_follows(ent) -> bool:
    return ent.end < len(ent.doc) and ent.doc[ent.end].tag_ in ("NN", "NNS") and ent.doc[ent.end].text.islower()


def clean_spans(text: str, spans: Sequence[EntitySpan]) -> list[EntitySpan]:
    """Drop NER noise: spans across a line break, boilerplate fragments, sentence-case headline words, ...

    Also trims quotes and brackets from span edges, relabels a titled name of a person the text
    names as PERSON ("General Zhang", read as a WORK_OF_ART), and keeps only ENTITY_LABELS.
    """
    context = _Text(text, _person_words(spans), _full_name_words(spans))
    kept: dict[tuple[int, int], EntitySpan] = {}
    for raw in sorted(spans, key=lambda s: (s.start, s.end)):
        span = _trim(raw)
        if span is None:
            continue
        span = _relabel_titled_person(span, context.people)
        if span.label in ENTITY_LABELS and _noise_reason(span, context) is None:
            kept.setdefault((span.start, span.end), span)
    return _firms_said_short(list(kept.values()))


def _firms_said_short(spans: list[EntitySpan]) -> list[EntitySpan]:
    """A "person" whose name opens the name of a firm in the same article is that firm, said short.

    The small model reads a short firm name before "'s" or a verb as a person: "Jua Mtaani's
    mini-grids" beside "Jua Mtaani Power", "As Hyatt grows" beside "Hyatt Hotels Corporation". Not
    when the firm is named after the person ("Anders Tegnell & co", "Smith and Partners").
    """
    firms = [_strip_possessive(s.text).split() for s in spans if s.label == "ORG"]
    if not firms:
        return spans
    relabelled = []
    for span in spans:
        words = _strip_possessive(span.text).split()
        if span.label == "PERSON" and words and any(
            len(firm) > len(words) and firm[: len(words)] == words and firm[len(words)].casefold() not in ("&", "and")
            for firm in firms
        ):
            text = _POSSESSIVE.sub("", span.text)  # an organisation's name keeps a final 's ("McDonald's")
            span = EntitySpan(text, "ORG", span.start, span.start + len(text))
        relabelled.append(span)
    return relabelled


def _noise_reason(span: EntitySpan, context: _Text) -> str | None:
    """Why a span is not an entity (snake_case), or None if it may be one."""
    stripped = span.text.strip()
    if _LINE_BREAK.search(span.text):
        return "line_break"
    if not any(c.isalpha() for c in stripped):
        return "no_letters"
    if len(stripped) < 2:
        return "single_char"
    if _all_lowercase(stripped):
        return "lowercase"
    if " ".join(stripped.split()).casefold() in _BOILERPLATE_WORDS:
        return "boilerplate_word"
    if _is_title_only(stripped):
        return "title_only"
    line, offset = context.line_at(span.start)
    if context.drop_reason(offset, line) is not None:
        return "boilerplate_line"
    if _is_headline_phrase(span, line, offset, context):
        return "headline_words"
    if span.label == "PERSON" and _is_common_words_person(stripped, context):
        return "common_words"
    return None


def _all_lowercase(text: str) -> bool:
    """True if the text's letters that have a case are all lowercase ("/www", "n't", "init__.py",
    "café", "eastern", "marina"): the name of a person, a place or a body is capitalised. The
    model's lowercase spans in 143 English texts (215, in 48 texts) were paths, handles, code,
    words of other languages and common nouns; four were bodies the text wrote in lowercase ("the
    white house", "supreme court"). Letters without case (Chinese, Arabic) say nothing."""
    cased = [c for c in text if c.lower() != c.upper()]
    return bool(cased) and not any(c.isupper() for c in cased)


def _is_common_words_person(name: str, context: _Text) -> bool:
    """True for a "person" the model made of common words: "café", "Bait", "Public", "Mill Pond".

    A name starts with a capital; and a name every word of which the article also writes in
    lower case is a capitalised noun, unless a fuller name in the same article has those words
    ("May" after "Theresa May", "Rose" after "Rose Hill").
    """
    words = _WORD.findall(name)
    if not words or not words[0][0].isupper():
        return True
    if len(words) > 1 and words[-1].casefold() in _PLACE_NOUNS:
        return True  # "Mill Pond", "Harbour Road": a place
    if any(w.casefold() in context.full_names for w in words):
        return False
    return all(context.used_lowercase(w) for w in words)


# Last words that make a capitalised phrase a place, never a person's surname. ("Hill", "Park",
# "Lane" and "Bridge" are surnames too and are not here.)
_PLACE_NOUNS = frozenset(
    "pond lake river street road avenue bay harbour harbor quay square creek beach island "
    "estuary marsh wharf pier canal reservoir valley".split()
)


class _Text:
    """One article's text and the names of its people, with per-line verdicts computed once."""

    __slots__ = ("text", "people", "full_names", "_reasons", "_lower_words")

    def __init__(self, text: str, people: frozenset[str], full_names: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.people = people  # casefolded PERSON names and their first and last words
        self.full_names = full_names  # words of the PERSON spans of two words or more, casefolded
        self._reasons: dict[int, str | None] = {}
        self._lower_words: frozenset[str] | None = None

    def line_at(self, position: int) -> tuple[str, int]:
        """The line holding `position`, and where it starts."""
        start = self.text.rfind("\n", 0, position) + 1
        end = self.text.find("\n", position)
        return self.text[start : len(self.text) if end < 0 else end], start

    def drop_reason(self, offset: int, line: str) -> str | None:
        """The boilerplate rule that removes the line starting at `offset`, if any."""
        if offset not in self._reasons:
            self._reasons[offset] = drop_reason(clean_whitespace(line))
        return self._reasons[offset]

    def used_lowercase(self, word: str) -> bool:
        """True if the word also appears in lower case in the text: a common word, not a name."""
        if self._lower_words is None:
            self._lower_words = frozenset(_LOWER_WORD.findall(self.text))
        return word.lower() in self._lower_words


def _is_headline_phrase(span: EntitySpan, line: str, offset: int, context: _Text) -> bool:
    """True for common words capitalised by a headline, not by being a name.

    In a title-case line every word is capitalised, so a span of words the article also uses in
    lower case ("... Don't Build Military Alliance" -> ORG "Build Military Alliance") is no name;
    at the start of any line the same goes for one word ("Watch", "Read"). A person's name stays
    even when it is also a word ("May" of "Theresa May").
    """
    words = _WORD.findall(span.text)
    if not words or span.text.casefold() in context.people:
        return False
    at_line_start = not line[: span.start - offset].strip()
    if at_line_start and len(words) == 1 and words[0].casefold() in _LINE_START_WORDS:
        return True
    if not (at_line_start and len(words) == 1) and not _is_title_case(line):
        return False
    return all(context.used_lowercase(w) for w in words)


def _is_title_case(line: str) -> bool:
    """True for a line whose longer words are (nearly) all capitalised, like a headline."""
    long_words = [w for w in _WORD.findall(line) if len(w) >= 4]
    if len(long_words) < 3:
        return False
    capitalised = sum(w[0].isupper() for w in long_words)
    return capitalised >= _TITLE_CASE_SHARE * len(long_words)


def _trim(span: EntitySpan) -> EntitySpan | None:
    """The span without quotes, brackets and trailing punctuation at its edges; None if empty.

    A final dot is kept on abbreviations ("U.S.", "Gen.").
    """
    text = span.text
    head = len(text) - len(text.lstrip(_EDGE_OPEN))
    body = text[head:].rstrip(_EDGE_CLOSE)
    # "Mill Race Café on": the model let the span run into the next word; a lowercase function
    # word ends no name ("Pride and Prejudice" ends with a capital)
    if " " in body:
        body = _TRAILING_FUNCTION_WORD.sub("", body).rstrip(_EDGE_CLOSE)
    cut = text[head + len(body) : head + len(body) + 1]
    if body and cut == "." and _is_abbreviation(body + "."):
        body += "."
    if not body:
        return None
    if head == 0 and len(body) == len(text):
        return span
    start = span.start + head
    return EntitySpan(body, span.label, start, start + len(body))


_TRAILING_FUNCTION_WORD = re.compile(r"(?:\s+(?:on|in|at|of|and|or|the|a|an|for|to|with|by|from))+$")
_ABBREVIATIONS = frozenset("jr sr st co inc ltd corp bros".split())


def _is_abbreviation(text: str) -> bool:
    """True if the final dot belongs to the last word: "U.S.", "Gen.", "Jr."."""
    last = text.split()[-1]
    return last.count(".") >= 2 or _word_key(last) in _TITLES | _ABBREVIATIONS


def _person_words(spans: Iterable[EntitySpan]) -> frozenset[str]:
    """Names of PERSON spans, and their first and last words, casefolded."""
    words: set[str] = set()
    for span in spans:
        if span.label == "PERSON":
            name = _clean_person(span.text)
            if name:
                parts = name.casefold().split()
                words.update({name.casefold(), parts[0], parts[-1]})
    return frozenset(words)


def _full_name_words(spans: Iterable[EntitySpan]) -> frozenset[str]:
    """Words of PERSON spans that hold a first name and a surname, casefolded."""
    words: set[str] = set()
    for span in spans:
        if span.label == "PERSON" and len(parts := _clean_person(span.text).split()) >= 2:
            words.update(p.casefold() for p in parts)
    return frozenset(words)


def _relabel_titled_person(span: EntitySpan, people: frozenset[str]) -> EntitySpan:
    """A titled name of someone the text names as a PERSON is a PERSON, whatever the model said.

    "General" alone proves nothing ("General Motors"); the name behind it must be a person's.
    """
    if span.label == "PERSON":
        return span
    untitled = _strip_possessive(span.text)
    name = _strip_titles(untitled)
    if name == untitled or name.casefold() not in people:
        return span
    return EntitySpan(span.text, "PERSON", span.start, span.end)


# --- names -------------------------------------------------------------------------------------


def _strip_possessive(text: str) -> str:
    """The text without edge punctuation and a final possessive: "Putin’s" -> "Putin"."""
    return _POSSESSIVE.sub("", " ".join(text.split()).strip(_EDGE))


def _clean_person(text: str) -> str:
    """A person's name as written, without titles and possessive."""
    return _drop_final_dot(_strip_titles(_strip_possessive(text)))


_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def _clean_name(text: str, label: str) -> str:
    """The span as a name: no title for a person; no leading article for anything else.

    Organisations and buildings keep a final "'s": it is part of "McDonald's" and "St Paul's".
    """
    if label == "PERSON":
        return _clean_person(text)
    text = " ".join(text.split()).strip(_EDGE)
    if label in _POSSESSIVE_LABELS:
        text = _strip_possessive(text)
    return _drop_final_dot(_ARTICLE.sub("", text))


def _drop_final_dot(name: str) -> str:
    """A sentence's full stop is not part of a name; an abbreviation's dot is ("U.S.", "Jr.")."""
    if name.endswith(".") and not _is_abbreviation(name):
        return name.rstrip(".")
    return name


# --- countries ---------------------------------------------------------------------------------

# Short forms news text uses that pycountry does not know (it knows names and official names).
_COUNTRY_ALIASES = {
    "us": "US", "usa": "US", "united states": "US", "america": "US",
    "united states of america": "US",
    "uk": "GB", "britain": "GB", "great britain": "GB",
    "russia": "RU", "turkey": "TR", "ivory coast": "CI", "palestine": "PS", "burma": "MM",
    "vatican": "VA", "vatican city": "VA", "holland": "NL", "czech republic": "CZ",
    "east timor": "TL", "cape verde": "CV", "swaziland": "SZ", "macedonia": "MK",
}  # fmt: skip
# pycountry names a few countries as a reference list would ("Russian Federation"); news does not.
_COMMON_NAMES = {
    "RU": "Russia", "PS": "Palestine", "VA": "Vatican City", "FM": "Micronesia",
    "CD": "Democratic Republic of the Congo",
}  # fmt: skip


def _country_key(name: str) -> str:
    """A country name as the lookup table holds it: "the U.S." -> "us"."""
    return _ARTICLE.sub("", " ".join(name.replace(".", "").split()).casefold())


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[str, str]]:
    """Country key -> (alpha-2 code, common English name), from pycountry and the alias table."""
    import pycountry  # loads its JSON database: only when a country is first looked up

    names: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for entry in pycountry.countries:
        code = entry.alpha_2
        common = getattr(entry, "common_name", None)
        names[code] = _COMMON_NAMES.get(code) or common or entry.name
        for attr in ("name", "official_name", "common_name"):
            value = getattr(entry, attr, None)
            if value:
                by_key[_country_key(value)] = code
    by_key.update(_COUNTRY_ALIASES)
    return {key: (code, names[code]) for key, code in by_key.items()}


def country(name: str) -> tuple[str, str] | None:
    """(ISO 3166-1 alpha-2 code, common name) of a country as news names it, or None."""
    return _countries().get(_country_key(name))


# --- mentions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownNames:
    """People (and other entities) already in the warehouse: full names, and their types by vote."""

    people: frozenset[str] = frozenset()  # canonical full person names seen before, e.g. "Zhang Youxia"
    types: Mapping[str, str] = field(default_factory=dict)  # canonical name -> majority type so far


@dataclass(frozen=True, slots=True)
class _Item:
    """One span on its way to a mention: its cleaned name, and country when it is one."""

    span: EntitySpan
    label: str
    name: str
    code: str | None = None


def resolve_mentions(
    articles: Sequence[tuple[str, Sequence[EntitySpan]]], known: KnownNames = KnownNames()
) -> list[list[Mention]]:
    """Normalize each article's spans (text, spans) into mentions of canonical entities, across the batch and the warehouse.

    A name used alone resolves to the one full person name it can be: in its own article first,
    then in the batch and the warehouse together; two candidates leave it unresolved.
    """
    batch = [[item for s in spans if (item := _prepare(s)) is not None] for _, spans in articles]
    votes = _TypeVotes(batch, known)
    names = {*votes.names(), *known.people}
    wide = _AliasIndex(n for n in names if _is_full_person(n, votes, known))
    return [_mentions(items, votes, wide, known) for items in batch]


def lookup_keys(spans: Iterable[EntitySpan]) -> tuple[set[str], set[str]]:
    """What of the warehouse's names can matter to these spans: the same cleaned names, and
    full names whose first or last word (casefolded) is a one-word name here."""
    names: set[str] = set()
    words: set[str] = set()
    for span in spans:
        item = _prepare(span)
        if item is None or item.code is not None:
            continue
        names.add(item.name)
        if len(item.name.split()) == 1:
            words.add(item.name.casefold())
    return names, words


def _prepare(span: EntitySpan) -> _Item | None:
    """The span's cleaned name; a country's code and common name; None for labels not kept."""
    if span.label not in ENTITY_LABELS:
        return None
    name = _clean_name(span.text, span.label)
    if not name:
        return None
    if span.label in _COUNTRY_LABELS and (found := country(name)) is not None:
        return _Item(span, "GPE", found[1], found[0])
    return _Item(span, span.label, name)


class _TypeVotes:
    """Each name's type by majority over the batch; the warehouse's type is a vote and wins ties."""

    def __init__(self, batch: Iterable[Iterable[_Item]], known: KnownNames) -> None:
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for items in batch:
            for item in items:
                if item.code is None:
                    self._counts[item.name][item.label] += 1
        self._known = {n: t for n, t in known.types.items() if t in ENTITY_LABELS}
        for name, label in self._known.items():
            self._counts[name][label] += 1

    def names(self) -> Iterable[str]:
        """Every name voted on."""
        return self._counts.keys()

    def winner(self, name: str) -> EntityType | None:
        """The name's majority type; None for a name never seen."""
        counts = self._counts.get(name)
        if not counts:
            return None
        top = max(counts.values())
        tied = [label for label in _LABEL_ORDER if counts[label] == top]
        known = self._known.get(name)
        return cast(EntityType, known) if known in tied else tied[0]


class _AliasIndex:
    """Full person names by their first and last word, for resolving a name used alone."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = set(names)
        self._by_word: defaultdict[str, set[str]] = defaultdict(set)
        for name in self._names:
            parts = name.casefold().split()
            self._by_word[parts[0]].add(name)
            self._by_word[parts[-1]].add(name)

    def __contains__(self, name: object) -> bool:
        """True for one of the full names indexed."""
        return name in self._names

    def candidates(self, word: str) -> set[str]:
        """Full names whose first or last word is `word`."""
        return self._by_word.get(word.casefold(), set())


def _mentions(
    items: Sequence[_Item], votes: _TypeVotes, wide: _AliasIndex, known: KnownNames
) -> list[Mention]:
    """The mentions of one article: aliases resolved against its own full names first."""
    local = _AliasIndex(i.name for i in items if _is_full_person(i.name, votes, known))
    mentions = []
    for item in items:
        s = item.span
        if item.code is not None:
            mentions.append(Mention(s.text, s.start, s.end, item.name, "GPE", item.code))
            continue
        name, kind = _resolve(item, votes, local, wide)
        if kind is None and (agency := _agency(item)) is not None:
            name, kind = agency, "ORG"  # "Reuters" read as a GPE or PERSON is the news agency
        if kind is None:
            kind = votes.winner(name) or cast(EntityType, item.label)
        mentions.append(Mention(s.text, s.start, s.end, name, kind))
    return mentions


def _is_full_person(name: str, votes: _TypeVotes, known: KnownNames) -> bool:
    """True for a name of two or more words that the batch, or the warehouse, calls a person."""
    return len(name.split()) >= 2 and (votes.winner(name) == "PERSON" or name in known.people)


def _resolve(
    item: _Item, votes: _TypeVotes, local: _AliasIndex, wide: _AliasIndex
) -> tuple[str, EntityType | None]:
    """A one-word name's full person name and PERSON; (name, None) when it names no person.

    Only a PERSON (by its label or the batch's vote) is looked up beyond its own article: the city
    "Washington" must not become a Denzel Washington the warehouse knows.
    """
    if len(item.name.split()) != 1:
        return item.name, ("PERSON" if item.name in wide else None)
    candidates = local.candidates(item.name)
    if not candidates and "PERSON" in (item.label, votes.winner(item.name)):
        candidates = wide.candidates(item.name)
    if len(candidates) == 1:
        return next(iter(candidates)), "PERSON"
    if candidates:  # the surname of several people in scope: a person, but not a guess who
        return item.name, "PERSON"
    return item.name, None


def _agency(item: _Item) -> str | None:
    """The news agency's canonical name; a short form only when read as an ORG ("PA": a state)."""
    agency = canonical_agency(item.name)
    return agency if agency is not None and (item.label == "ORG" or len(item.name) > 3) else None
