"""Batch enrichment after NLP: normalized mentions, quotes with speakers, key phrases, agencies.

Runs where the warehouse's known names are at hand (the writer), because "Zhang" in today's
article may only resolve against "Zhang Youxia" loaded last week.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from transforms.entities import KnownNames, resolve_mentions
from transforms.quotes import find_quotes
from transforms.records import Annotation, Article, Mention, Quote


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
    return hashlib.sha256(mention.key.encode()).hexdigest()[:16]


def quote_id(article_id: str, quote: Quote) -> str:
    """Stable id of a quote: its article and offsets."""
    return hashlib.sha256(f"{article_id}:{quote.start}:{quote.end}".encode()).hexdigest()[:20]
