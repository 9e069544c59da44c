"""Stories: articles about the same event, clustered incrementally; wire copy grouped within them.

A new article joins the existing story it fits best, or starts one. Stories are never split or
merged afterwards, so their ids stay stable and re-running a load changes nothing.

Evidence: text similarity (cosine of log word counts), overlap of normalized entities
(weighted: people count more than countries), and a time window around the story's dates.
An article without a date of its own borrows one from a copy or completes its dateline's day
and month with the story's year; with no date at all, it joins only when its text and its
entities each agree with the story (the same people at another event share names, not words).
Such a join is recorded like any other, its evidence and score, with no date (`published_on`
None).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

WINDOW = dt.timedelta(days=3)  # an event's coverage: the day before, the day, the days after
# Combined evidence (mean of text similarity and entity overlap) needed to join a story: within
# its time window, and without any date at all. On the seeds, articles on one event score
# 0.48-0.60 against each other and 0.46-0.51 against the same people a year later.
JOIN_SCORE = 0.35
STRONG_SCORE = 0.55
# Without a date to check, a strong mean is not enough: text and entities must each agree. The
# same people at another event share every entity but little text (0.23 in the tests' example),
# while the seeds' articles on one event share 0.44-0.48 of their text and 0.46-0.75 of their
# entities with each other.
STRONG_EACH = 0.35
WIRE_CONTAINMENT = 0.6  # share of the shorter text found in the other: the same wire copy
# Stored with each article's features (article_features.entity_weights): a change here is a change
# of RULES_VERSION (transforms/enrich.py), so that `newsflow enrich` rewrites them.
ENTITY_WEIGHTS = {"PERSON": 3.0, "ORG": 2.0, "EVENT": 2.0, "FAC": 1.5, "LOC": 1.0, "GPE": 0.5, "NORP": 0.5}
SHINGLE = 5
# Stored per article at enrichment, so placement never rebuilds members' texts: the heaviest
# MAX_TERMS terms, and the word 5-grams whose hash is a multiple of a sampling rate chosen so at
# most MAX_SHINGLES remain. Both are consistent samples: two texts keep the same shared words
# and shingles, so an article compared in its own batch or a year later scores the same.
MAX_TERMS = 100
MAX_SHINGLES = 128

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# A compact English stop list: function words carry no topic.
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own said says same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your told according new one two""".split()
)


@dataclass(frozen=True, slots=True)
class StoryDoc:
    """An article as story clustering sees it."""

    article_id: str
    title: str | None  # or, for an untitled article, its first words: a story's label
    published: dt.date | None  # its own date, or one borrowed from a copy
    dateline: tuple[int, int] | None  # (month, day) printed in its dateline, without a year
    entities: Mapping[int, float]  # entity key id -> weight (by type)
    terms: Mapping[int, float]  # content word's id -> 1 + log(count)
    shingles: frozenset[int]  # hashed word 5-grams (those sampled at `rate`), for wire containment
    duplicate_of: str | None = None
    norm: float = 0.0  # of `terms`, kept so that comparing two articles costs one pass
    rate: int = 1  # the shingle sampling rate: hashes kept are multiples of it


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """What placement needs from an article's text, compact enough to store beside it."""

    terms: Mapping[int, float]  # content word's id -> 1 + log(count), the MAX_TERMS heaviest
    shingles: frozenset[int]  # hashed word 5-grams whose hash is a multiple of `rate`
    rate: int


@dataclass
class Story:
    """A story and the articles in it."""

    story_id: str
    label: str
    first: dt.date | None
    last: dt.date | None
    members: list[StoryDoc] = field(default_factory=list)
    wire_groups: dict[str, str] = field(default_factory=dict)  # article_id -> wire group id
    entity_keys: set[int] = field(init=False)  # every entity its articles name (key ids)

    def __post_init__(self) -> None:
        self.entity_keys = set().union(*(m.entities for m in self.members))

    def add(self, doc: StoryDoc, day: dt.date | None) -> None:
        """Take an article in and widen the story's dates to cover it."""
        self.members.append(doc)
        self.entity_keys.update(doc.entities)
        if day is not None:
            self.first = day if self.first is None else min(self.first, day)
            self.last = day if self.last is None else max(self.last, day)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an article went, and why."""

    article_id: str
    story_id: str
    evidence: str  # new_story | duplicate | entities | text
    score: float | None
    published_on: dt.date | None  # the date used for the story's window
    wire_group_id: str
    containment: float | None  # of its text in the wire group's first article


def key_id(key: str) -> int:
    """The 64-bit id features hold for a word or an entity key (an entity key's is its entity id)."""
    # Numbers, not strings: the warehouse reads stored features by scanning, and DuckDB skips
    # numeric lists it does not need far faster than lists of strings (1,200 articles' features
    # out of 1M: 0.3 s CPU as numbers, 3.6 s as strings; 2.6 and 5.1 s in a fresh process).
    return int(hashlib.sha256(key.encode()).hexdigest()[:16], 16)


def entity_weights(entity_types: Mapping[str, str]) -> dict[int, float]:
    """Entity key -> type, as placement weighs it: key id -> weight."""
    return {key_id(key): ENTITY_WEIGHTS.get(kind, 1.0) for key, kind in entity_types.items()}


def text_features(text: str) -> TextFeatures:
    """The compact term vector and shingle sample of a text (what enrichment stores per article)."""
    words = [w.lower() for w in _WORD.findall(text)]
    counts = Counter(w for w in words if w not in _STOP and len(w) > 2)
    # Heaviest first; among equal weights a hash decides, so two texts keep the same shared words.
    kept = sorted(counts, key=lambda w: (-counts[w], zlib.crc32(w.encode())))[:MAX_TERMS]
    terms = {key_id(w): 1 + math.log(counts[w]) for w in kept}
    hashes = {zlib.crc32(" ".join(words[i : i + SHINGLE]).encode()) for i in range(max(len(words) - SHINGLE + 1, 0))}
    rate = 1
    while len(hashes) > MAX_SHINGLES:
        rate *= 2
        hashes = {h for h in hashes if h % rate == 0}
    return TextFeatures(terms, frozenset(hashes), rate)


def story_doc(
    article_id: str,
    title: str | None,
    text: str,
    published: dt.date | None,
    dateline: tuple[int, int] | None,
    entity_types: Mapping[str, str],
    duplicate_of: str | None = None,
) -> StoryDoc:
    """The features clustering needs from one article (entity_types: entity key -> type)."""
    features = text_features(text)
    return stored_doc(article_id, label_of(title, text), published, dateline, entity_weights(entity_types), features, duplicate_of)


def stored_doc(
    article_id: str,
    label: str,
    published: dt.date | None,
    dateline: tuple[int, int] | None,
    entities: Mapping[int, float],
    features: TextFeatures,
    duplicate_of: str | None = None,
) -> StoryDoc:
    """An article as clustering sees it, from its stored features (no text needed; entities: key id -> weight)."""
    norm = math.sqrt(sum(v * v for v in features.terms.values()))
    return StoryDoc(
        article_id, label, published, dateline, entities, features.terms, features.shingles, duplicate_of, norm,
        features.rate,
    )


def label_of(title: str | None, text: str) -> str:
    """A story label for an article: its title, or for an untitled one its first words."""
    return title or " ".join(text.split()[:12]) + "…"


def place(new: Sequence[StoryDoc], stories: Sequence[Story]) -> tuple[list[Placement], list[Story]]:
    """Put each new article into a story (existing or new); return placements and all stories touched."""
    index = _StoryIndex(stories)
    home: dict[str, Story] = {m.article_id: s for s in stories for m in s.members}
    placements: list[Placement] = []
    touched: dict[str, Story] = {}
    for doc in sorted(new, key=_placing_order):
        story, evidence, score, day = _best_story(doc, index.sharing_event(doc), home)
        if story is None:
            story = Story(_story_id(doc), (doc.title or doc.article_id)[:200], None, None)
            evidence, score = "new_story", None
        group, containment = _wire_group(doc, story)
        story.add(doc, day)
        index.note(story, doc)
        story.wire_groups[doc.article_id] = group
        home[doc.article_id] = story
        touched[story.story_id] = story
        placements.append(Placement(doc.article_id, story.story_id, evidence, score, day, group, containment))
    return placements, list(touched.values())


class _StoryIndex:
    """Stories by the entities their articles name, so an article is scored only against the
    stories it may share an event with (a shared anchor entity), not against every story.
    """

    def __init__(self, stories: Sequence[Story]) -> None:
        self.order: dict[str, int] = {}  # story_id -> position: ties go to the earlier story
        self.stories: list[Story] = []
        self.by_entity: dict[int, dict[str, Story]] = {}
        for story in stories:
            self.note(story)

    def note(self, story: Story, doc: StoryDoc | None = None) -> None:
        """Record a story and the entities of its articles (all, or just the one added)."""
        if story.story_id not in self.order:
            self.order[story.story_id] = len(self.stories)
            self.stories.append(story)
        for key in doc.entities if doc else story.entity_keys:
            self.by_entity.setdefault(key, {})[story.story_id] = story

    def sharing_event(self, doc: StoryDoc) -> list[Story]:
        """The stories naming one of the article's anchors (or, without anchors, any of its
        entities); every story when it names none: then only the text can tell.
        """
        mine = anchors(doc.entities) or set(doc.entities)
        if not mine:
            return self.stories
        found = {sid: story for key in mine for sid, story in self.by_entity.get(key, {}).items()}
        return sorted(found.values(), key=lambda story: self.order[story.story_id])


def _placing_order(doc: StoryDoc) -> tuple[int, dt.date, str]:
    # Dated articles first, oldest first, so undated ones and copies find their stories formed.
    rank = 2 if doc.duplicate_of else 0 if doc.published else 1
    return rank, doc.published or dt.date.max, doc.article_id


def _best_story(
    doc: StoryDoc, stories: Sequence[Story], home: Mapping[str, Story]
) -> tuple[Story | None, str, float | None, dt.date | None]:
    if doc.duplicate_of and doc.duplicate_of in home:
        story = home[doc.duplicate_of]
        original = next(m for m in story.members if m.article_id == doc.duplicate_of)
        return story, "duplicate", 1.0, doc.published or original.published
    best: tuple[float, Story, str, dt.date | None] | None = None
    for story in stories:
        day = _day_in_window(doc, story)
        if day is None and _dated(doc) and story.first is not None:
            continue  # dated, but outside the story's window
        text = max((cosine(doc, m) for m in story.members), default=0.0)
        entities = entity_overlap(doc.entities, story.entity_keys)
        score = 0.5 * text + 0.5 * entities
        if not (score >= JOIN_SCORE if day is not None else _agree_strongly(text, entities)):
            continue
        evidence = "entities" if entities >= text else "text"
        if best is None or score > best[0]:
            best = (score, story, evidence, day)
    if best is None:
        return None, "new_story", None, doc.published
    score, story, evidence, day = best
    return story, evidence, round(score, 4), day


def _agree_strongly(text: float, entities: float) -> bool:
    """Whether an article and a story that no date ties together agree enough to join: both ways, not on average."""
    return 0.5 * text + 0.5 * entities >= STRONG_SCORE and min(text, entities) >= STRONG_EACH


def anchors(entities: Mapping[int, float]) -> set[int]:
    """The entities that can tie an article to a story: people, organisations, places, events.

    Countries and nationalities are left out: nearly every article names one.
    """
    return {key for key, weight in entities.items() if weight >= 1.0}


def _dated(doc: StoryDoc) -> bool:
    return doc.published is not None or doc.dateline is not None


def _day_in_window(doc: StoryDoc, story: Story) -> dt.date | None:
    """The article's date if it falls within the story's window (a dateline takes the story's year)."""
    if story.first is None or story.last is None:
        return None
    candidates: Iterable[dt.date]
    if doc.published is not None:
        candidates = [doc.published]
    elif doc.dateline is not None:
        month, day = doc.dateline
        candidates = [d for year in {story.first.year, story.last.year} if (d := _date(year, month, day))]
    else:
        return None
    for day in candidates:
        if story.first - WINDOW <= day <= story.last + WINDOW:
            return day
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def cosine(x: StoryDoc, y: StoryDoc) -> float:
    """Cosine similarity of two articles' term vectors."""
    if not x.norm or not y.norm:
        return 0.0
    a, b = x.terms, y.terms
    # Summed over the shared words only (the key intersection runs in C): most words are not
    # shared. min: rounding can put identical texts a hair above 1.
    return min(1.0, sum(a[k] * b[k] for k in a.keys() & b.keys()) / (x.norm * y.norm))


def entity_overlap(entities: Mapping[int, float], named: set[int]) -> float:
    """Weighted share of an article's entities that the story's articles also name."""
    total = sum(entities.values())
    if not total:
        return 0.0
    return sum(w for key, w in entities.items() if key in named) / total


def containment(a: frozenset[int], b: frozenset[int], rate_a: int = 1, rate_b: int = 1) -> float:
    """Share of the smaller shingle set found in the other (both thinned to the coarser sample)."""
    rate = max(rate_a, rate_b)
    if rate_a != rate:
        a = frozenset(h for h in a if h % rate == 0)
    if rate_b != rate:
        b = frozenset(h for h in b if h % rate == 0)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _wire_group(doc: StoryDoc, story: Story) -> tuple[str, float | None]:
    """The wire group of the story member whose text best contains this one's, or a new group."""
    best_member, best = None, 0.0
    for member in story.members:
        share = containment(doc.shingles, member.shingles, doc.rate, member.rate)
        if share > best:
            best_member, best = member, share
    if best_member is not None and best >= WIRE_CONTAINMENT:
        return story.wire_groups.get(best_member.article_id, best_member.article_id), round(best, 4)
    return doc.article_id, None


def _story_id(doc: StoryDoc) -> str:
    # Stable: the id of the article that started the story.
    return f"s-{doc.article_id[:16]}"
