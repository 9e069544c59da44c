"""The enrich stage's records: the NLP pass over stored articles (in a worker), then batch
enrichment (normalized mentions, quotes with speakers, key phrases, agencies).

annotate_stored runs on the extraction pool or Dask cluster; enrich_batch runs where the
warehouse's known names are at hand (the writer), because "Zhang" in today's article may only
resolve against "Zhang Youxia" loaded last week.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from transforms import nlp
from transforms.entities import KnownNames, lookup_keys, resolve_mentions
from transforms.quotes import find_quotes
from transforms.records import Annotation, Article, EntitySpan, Mention, Quote
from transforms.stories import TextFeatures, key_id, text_features

# Bumped whenever our own enrichment rules (entity resolution, quotes, key phrases, story
# features) change what they produce: stored enrichment says which model and rules made it,
# and `newsflow enrich` redoes what an older version made.
# 2: more speech verbs, pronouns resolved by gender, stricter undated story joins, entity noise
# filtered, and stories filed under the 20 entities an article names most.
# 3: speakers described in lowercase words ('," said former governor Anna Holm'), "According to"
# opening a sentence, ", adding that" and "before conceding that" going on from the verb before
# them, fifteen more speech verbs (cautioned, shouted, joked, posted ...); a name after
# "of"/"for"/a participle, or an owner ("Holm's lawyer"), is no speaker; a one-word person grown
# by the proper noun the model left beside it ("councillor Gwen [Parry]"), and more titles
# stripped (professor, congresswoman, director ...).
# 4: a name the model typed ORG is a person's after a role noun ("union organiser [Dai Trelawny]")
# or behind a title inside the span ("[Chancellor Olaf Scholz]").
# 5: a one-word "person" opening a sentence that the tagger reads as an adjective ("Public works
# director ...") is no person.
# 6: a trade before a person's name is not part of it ("Historian Mira Solberg"), and more trades
# ("historian", "architect", "surgeon" ...) mark a name the model typed ORG as a person's.
# 7: a "person" written as a thing or a place ("the Louvre has", "the Alcântara terminal", "the
# people of Skarvøy") is none, and a lowercase function word a span ran into is trimmed ("Mill
# Race Café on").
# 8: a "person" the article also writes after "in", "at", "above", "out of" … is a place or a firm
# ("a project in Ashcombe", "researchers at OpenAI"); one right after a noun for a firm is the
# firm ("solar company Jua Mtaani Power").
# 9: a span without a capital letter is no entity ("/www", "init__.py", "café").
# 10: "the village of X", "the people of X" make X a place everywhere in the article, as "in X" does.
# 11: quotes: "he"/"she" may stand for the person a sentence is "according to", and for either of
# "Duchene and his wife" by gender; "the mayor" is the one person introduced as mayor, "the
# 70-year-old" the one introduced as 70 ("Tom Rees, 70,").
# 12: a "person" whose name opens a firm's name in the same article is that firm, said short
# ("Jua Mtaani's mini-grids" beside "Jua Mtaani Power").
RULES_VERSION = "12"


def enrichment_version() -> str:
    """The running enrichment version: the NLP model and our rules (looked up when called, so a
    test can stand in for an upgrade)."""
    return f"{nlp.MODEL_VERSION}+rules.{RULES_VERSION}"


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A loaded article as the enrich stage reads it back from the warehouse."""

    article_id: str
    article: Article
    duplicate_of: str | None = None  # a copy is not annotated: it follows its canonical article


@dataclass(frozen=True, slots=True)
class Annotated:
    """A stored article after the worker's pass: NLP findings (None for a copy) and text features."""

    stored: StoredArticle
    annotation: Annotation | None
    features: TextFeatures


def annotate_stored(items: Sequence[StoredArticle]) -> list[Annotated]:
    """The NLP pass over canonical articles and text features of every article (runs in a worker)."""
    canonical = [i for i, s in enumerate(items) if s.duplicate_of is None]
    notes: list[Annotation | None] = [None] * len(items)
    if canonical:
        for i, note in zip(canonical, nlp.annotate([items[i].article for i in canonical])):
            notes[i] = note
    return [Annotated(s, note, text_features(s.article.text)) for s, note in zip(items, notes)]


def names_to_look_up(notes: Sequence[Annotation | None]) -> tuple[set[str], set[str]]:
    """The warehouse names a batch's resolution can use: (exact names, casefolded first/last words)."""
    spans: list[EntitySpan] = [s for note in notes if note is not None for s in note.spans]
    return lookup_keys(spans)


@dataclass(frozen=True, slots=True)
class Enriched:
    """One article's enrichment, or the reason it has none."""

    article_id: str
    mentions: tuple[Mention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    keywords: tuple[tuple[str, float], ...] = ()
    agencies: tuple[str, ...] = ()
    skipped: str | None = None


def enrich_batch(items: Sequence[tuple[str, Article, Annotation | None]], known: KnownNames) -> list[Enriched]:
    """Resolve a batch's entity spans together (and against `known`), then find quotes."""
    annotated = [(aid, art, note) for aid, art, note in items if note is not None and note.skipped is None]
    resolved = resolve_mentions([(art.text, note.spans) for _, art, note in annotated], known)
    by_id = {aid: mentions for (aid, _, _), mentions in zip(annotated, resolved)}
    out = []
    for aid, art, note in items:
        agencies = tuple(dict.fromkeys(art.agencies))
        if aid not in by_id:
            reason = note.skipped if note is not None and note.skipped else "not_annotated"
            out.append(Enriched(aid, agencies=agencies, skipped=reason))
            continue
        mentions = tuple(by_id[aid])
        assert note is not None
        out.append(
            Enriched(
                aid,
                mentions=mentions,
                quotes=tuple(find_quotes(art.text, mentions)),
                keywords=note.keywords,
                agencies=agencies,
            )
        )
    return out


def entity_id(mention: Mention) -> str:
    """Stable id of a mention's entity: a hash of its type and canonical name (or country code)."""
    return f"{key_id(mention.key):016x}"  # the id stored features hold for it, in hex


def quote_id(article_id: str, quote: Quote) -> str:
    """Stable id of a quote: its article and offsets."""
    return hashlib.sha256(f"{article_id}:{quote.start}:{quote.end}".encode()).hexdigest()[:20]
