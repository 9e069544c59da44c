"""Loads and documents: the run log (`loads`, site health per load), raw blobs, documents, articles
and rejects, and what reprocessing reads of them. Functions take the Writer, whose methods they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from transforms import records
from transforms.records import Article, Processed, Rejection
from transforms.site_health import SiteAlert

if TYPE_CHECKING:
    from warehouse.db import BatchCounts, Writer


# `articles` columns that say which run wrote a row rather than what was extracted.
_ARTICLE_STAMPS = frozenset({"article_id", "doc_id", "extractor_version", "load_id"})


@dataclass(frozen=True, slots=True)
class Selection:
    """Which stored documents a reprocess run takes: by default, those the running extractor
    has not processed (enrichment is the enrich stage's: see select_to_enrich); the other fields
    narrow the choice."""

    everything: bool = False  # every document, whatever version processed it
    load_id: str | None = None  # documents first stored by this load
    source_prefix: str | None = None  # documents whose path or URL starts with this
    since: dt.datetime | None = None  # documents first stored by a load started at or after this


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A stored document to re-extract, with what its HTTP response said (for fetched pages)."""

    doc_id: str
    source_uri: str
    content_sha256: str
    final_url: str | None = None  # after redirects
    content_type: str | None = None  # the Content-Type header, which may name the charset


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the warehouse holds for a document before it is reprocessed."""

    article: bool
    copy: bool  # the article is judged a copy of another
    rejection: tuple[str, str, str | None] | None  # (stage, reason, detail) of its latest reject
    in_story: bool

    @property
    def judging_order(self) -> int:
        """Originals are judged before copies, copies before new articles: clusters keep their roots."""
        return 0 if self.article and not self.copy else 1 if self.article else 2


def article_columns(load_id: str, items: Sequence[Processed]) -> dict[str, pa.Array]:
    """The `articles` columns of extracted articles, in table order."""
    arts: list[Article] = [p.outcome for p in items]  # type: ignore[misc]
    dates = [a.published for a in arts]
    datelines = [a.dateline for a in arts]
    return {
        "article_id": pa.array([p.doc_id for p in items], pa.string()),
        "doc_id": pa.array([p.doc_id for p in items], pa.string()),
        "source_uri": pa.array([a.source for a in arts], pa.string()),
        "url": pa.array([a.url for a in arts], pa.string()),
        "title": pa.array([a.title for a in arts], pa.string()),
        "byline": pa.array([a.byline for a in arts], pa.string()),
        "authors": pa.array([list(a.authors) for a in arts], pa.list_(pa.string())),
        "agencies": pa.array([list(a.agencies) for a in arts], pa.list_(pa.string())),
        "site_name": pa.array([a.site_name for a in arts], pa.string()),
        "published_at": pa.array([d.value if d else None for d in dates], pa.date32()),
        "date_source": pa.array([d.source if d else None for d in dates], pa.string()),
        "date_precision": pa.array([d.precision if d else None for d in dates], pa.string()),
        "dateline_place": pa.array([d.place if d else None for d in datelines], pa.string()),
        "dateline_text": pa.array([d.date_text if d else None for d in datelines], pa.string()),
        "dateline_month": pa.array([d.month if d else None for d in datelines], pa.int8()),
        "dateline_day": pa.array([d.day if d else None for d in datelines], pa.int8()),
        "language": pa.array([a.language for a in arts], pa.string()),
        "media_type": pa.array([a.media_type for a in arts], pa.string()),
        "text": pa.array([a.text for a in arts], pa.string()),
        "word_count": pa.array([a.word_count for a in arts], pa.int32()),
        "extractor_version": pa.array([records.EXTRACTOR_VERSION] * len(arts), pa.string()),
        "load_id": pa.array([load_id] * len(arts), pa.string()),
        # added by migration 012, so last: rows are inserted by position
        "date_confidence": pa.array([d.confidence if d else None for d in dates], pa.string()),
    }


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def start_load(w: Writer, load_id: str, flow_run_id: str | None = None, kind: str = "ingest") -> None:
    """Record a load (`ingest` or `reprocess`) as running."""
    w.con.execute(
        "INSERT INTO loads (load_id, started_at, status, flow_run_id, kind) VALUES (?, ?, 'running', ?, ?)",
        [load_id, now(), flow_run_id, kind],
    )


def add_discovered(w: Writer, load_id: str, discovered: int, unchanged: int) -> None:
    """Count inputs found, and those skipped as unchanged before any reading."""
    w.con.execute(
        "UPDATE loads SET discovered = discovered + ?, unchanged = unchanged + ? WHERE load_id = ?",
        [discovered, unchanged, load_id],
    )


def note_web_discovery(
    w: Writer, load_id: str, listings: int, older: int, deferred: int, outside_range: int, undated: int
) -> None:
    """Count feeds and sitemaps read, and listed entries left out (too old, over the per-run cap,
    outside a backfill's range or undated in a backfill)."""
    w.con.execute(
        "UPDATE loads SET listings = listings + ?, skipped_older = skipped_older + ?, deferred = deferred + ?,"
        " skipped_outside_range = skipped_outside_range + ?, skipped_undated = skipped_undated + ?"
        " WHERE load_id = ?",
        [listings, older, deferred, outside_range, undated, load_id],
    )


def reject_ratio(w: Writer, load_id: str) -> float:
    """Share of a load's inputs that were read (not unchanged) and rejected."""
    (ratio,) = w.con.execute(
        "SELECT rejected / greatest(discovered - unchanged, 1) FROM loads WHERE load_id = ?", [load_id]
    ).fetchone()
    return float(ratio)


def finish_load(w: Writer, load_id: str, status: str, message: str | None = None) -> dict[str, int]:
    """Mark a load finished and return its counts."""
    w.con.execute(
        "UPDATE loads SET finished_at = ?, status = ?, message = ? WHERE load_id = ?",
        [now(), status, message, load_id],
    )
    row = w.con.execute(
        "SELECT discovered, loaded, duplicates, unchanged, rejected FROM loads WHERE load_id = ?",
        [load_id],
    ).fetchone()
    return dict(zip(("discovered", "loaded", "duplicates", "unchanged", "rejected"), row))


def record_site_health(w: Writer, load_id: str) -> None:
    """Record each site's extraction health in a load beside its previous 7 days (site_health_checks)."""
    w.con.execute(
        """
        INSERT INTO site_health_checks
        WITH this_load AS (SELECT started_at FROM loads WHERE load_id = $load),
        sites AS (
            SELECT site_name, articles, with_title, with_day_date, with_author, median_words
            FROM site_health_by_load WHERE load_id = $load
        ),
        baseline AS (
            SELECT
                p.site_name,
                count(DISTINCT p.load_id)    AS loads,
                count(*)                     AS articles,
                avg(p.has_title::INTEGER)    AS with_title,
                avg(p.has_day_date::INTEGER) AS with_day_date,
                avg(p.has_author::INTEGER)   AS with_author,
                median(p.word_count)         AS median_words
            FROM stg_article_health p, this_load t
            WHERE p.started_at < t.started_at
              AND p.started_at >= t.started_at - INTERVAL 7 DAY
              AND p.site_name IN (SELECT site_name FROM sites)
            GROUP BY p.site_name
        )
        SELECT
            $load, s.site_name, s.articles, s.with_title, s.with_day_date, s.with_author, s.median_words,
            coalesce(b.loads, 0), coalesce(b.articles, 0),
            b.with_title, b.with_day_date, b.with_author, b.median_words, $now
        FROM sites s
        LEFT JOIN baseline b USING (site_name)
        """,
        {"load": load_id, "now": now()},
    )


def record_site_alerts(w: Writer, load_id: str, alerts: Sequence[SiteAlert]) -> None:
    """Keep a load's template-change alerts, so SQL users see what the run warned about."""
    if not alerts:
        return
    w._append(
        "INSERT INTO site_alerts SELECT * FROM rows",
        {
            "load_id": pa.array([load_id] * len(alerts), pa.string()),
            "site_name": pa.array([a.site for a in alerts], pa.string()),
            "field": pa.array([a.field for a in alerts], pa.string()),
            "baseline": pa.array([a.baseline for a in alerts], pa.float64()),
            "observed": pa.array([a.observed for a in alerts], pa.float64()),
            "articles": pa.array([a.articles for a in alerts], pa.int32()),
            "baseline_articles": pa.array([a.baseline_articles for a in alerts], pa.int32()),
            "raised_at": pa.array([now()] * len(alerts), pa.timestamp("us", tz="UTC")),
        },
    )


def add_counts(w: Writer, load_id: str, counts: BatchCounts) -> None:
    w.con.execute(
        "UPDATE loads SET loaded = loaded + ?, duplicates = duplicates + ?,"
        " unchanged = unchanged + ?, rejected = rejected + ? WHERE load_id = ?",
        [counts.loaded, counts.duplicates, counts.unchanged, counts.rejected, load_id],
    )


def stored_body(w: Writer, content_sha256: str) -> bytes | None:
    """Raw bytes kept for a content hash, decompressed."""
    return w.stored_bodies([content_sha256]).get(content_sha256)


def stored_bodies(w: Writer, hashes: Sequence[str]) -> dict[str, bytes]:
    """Raw bytes kept for those of `hashes` stored, decompressed."""
    if not hashes:
        return {}
    rows = w._select(
        "SELECT b.content_sha256, b.compression, b.data FROM raw_blobs b JOIN rows USING (content_sha256)",
        {"content_sha256": pa.array(list(hashes), pa.string())},
    )
    bodies = {}
    for sha, compression, data in rows:
        try:
            bodies[sha] = records.decompress_raw(data, compression)
        except ValueError:
            continue  # a damaged blob reads as missing: the caller records that, the run goes on
    return bodies


def documents_to_reprocess(w: Writer, selection: Selection) -> list[StoredDocument]:
    """Stored documents a reprocess run takes, in path/URL order (an outlet's documents together)."""
    rows = w.con.execute(
        """
        SELECT d.doc_id, d.source_uri, d.content_sha256, h.final_url,
               list_filter(h.headers, lambda x: x.name = 'content-type')[1].value
        FROM documents d
        LEFT JOIN loads l ON l.load_id = d.load_id
        LEFT JOIN http_responses h ON h.url = d.source_uri AND h.content_sha256 = d.content_sha256
        WHERE ($everything OR d.extractor_version IS DISTINCT FROM $extractor)
          AND ($load_id IS NULL OR d.load_id = $load_id)
          AND ($prefix IS NULL OR starts_with(d.source_uri, $prefix))
          AND ($since IS NULL OR l.started_at >= $since)
        ORDER BY d.source_uri, d.doc_id
        """,
        {
            "everything": selection.everything,
            "extractor": records.EXTRACTOR_VERSION,
            "load_id": selection.load_id,
            "prefix": selection.source_prefix,
            "since": selection.since,
        },
    ).fetchall()
    return [StoredDocument(*row) for row in rows]


def known_documents(w: Writer, doc_ids: Sequence[str]) -> set[str]:
    """Those of `doc_ids` already stored."""
    if not doc_ids:
        return set()
    rows = w._select(
        "SELECT d.doc_id FROM documents d JOIN rows USING (doc_id)",
        {"doc_id": pa.array(list(doc_ids), pa.string())},
    )
    return {doc for (doc,) in rows}


def stored_outcomes(w: Writer, items: Sequence[Processed]) -> dict[str, _Stored]:
    """What each document came to before: article or rejection, copy, enrichment, story."""
    if not items:
        return {}
    rows = w._select(
        """
        WITH last_reject AS (
            SELECT x.source_uri, x.content_sha256, arg_max([x.stage, x.reason, x.detail], l.started_at) AS why
            FROM rejects x JOIN loads l USING (load_id)
            JOIN rows r ON x.source_uri = r.source_uri AND x.content_sha256 = r.content_sha256
            GROUP BY ALL
        )
        SELECT r.doc_id, a.article_id IS NOT NULL, d.article_id IS NOT NULL, lr.why,
               sm.article_id IS NOT NULL
        FROM rows r
        LEFT JOIN articles a ON a.article_id = r.doc_id
        LEFT JOIN duplicates d ON d.article_id = r.doc_id
        LEFT JOIN story_members sm ON sm.article_id = r.doc_id
        LEFT JOIN last_reject lr ON lr.source_uri = r.source_uri AND lr.content_sha256 = r.content_sha256
        """,
        {
            "doc_id": pa.array([p.doc_id for p in items], pa.string()),
            "source_uri": pa.array([p.source for p in items], pa.string()),
            "content_sha256": pa.array([p.sha256 for p in items], pa.string()),
        },
    )
    return {
        doc: _Stored(article, copy, tuple(why) if why else None, in_story)
        for doc, article, copy, why, in_story in rows
    }


def same_articles(w: Writer, items: Sequence[Processed]) -> set[str]:
    """Ids of the re-extracted articles identical to their stored rows (stamps aside)."""
    articles = [p for p in items if isinstance(p.outcome, Article)]
    if not articles:
        return set()
    columns = article_columns("", articles)
    # Column names are the table's own, not input.
    same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM a.{c}" for c in columns if c not in _ARTICLE_STAMPS)
    found = w._select(f"SELECT r.article_id FROM rows r JOIN articles a USING (article_id) WHERE {same}", columns)
    return {aid for (aid,) in found}


def delete_article_rows(w: Writer, tables: Sequence[str], article_ids: Sequence[str]) -> None:
    if not article_ids:
        return
    for table in tables:  # our own table names, not input
        w._append(
            f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM rows)",
            {"article_id": pa.array(list(article_ids), pa.string())},
        )


def stamp_versions(w: Writer, items: Sequence[Processed], kept: Sequence[Processed]) -> None:
    """Record the running extractor on every reprocessed document, and on the articles kept as they were."""
    if items:
        w._append(
            "UPDATE documents d SET extractor_version = r.extractor_version, media_type = r.media_type,"
            " encoding = r.encoding FROM rows r WHERE d.doc_id = r.doc_id",
            {
                "doc_id": pa.array([p.doc_id for p in items], pa.string()),
                "extractor_version": pa.array([records.EXTRACTOR_VERSION] * len(items), pa.string()),
                "media_type": pa.array([p.media_type for p in items], pa.string()),
                "encoding": pa.array([p.encoding for p in items], pa.string()),
            },
        )
    if kept:
        w._append(
            "UPDATE articles a SET extractor_version = r.extractor_version FROM rows r"
            " WHERE a.article_id = r.article_id AND a.extractor_version IS DISTINCT FROM r.extractor_version",
            {
                "article_id": pa.array([p.doc_id for p in kept], pa.string()),
                "extractor_version": pa.array([records.EXTRACTOR_VERSION] * len(kept), pa.string()),
            },
        )


def insert_blobs(w: Writer, items: Sequence[Processed]) -> None:
    unique: dict[str, Processed] = {}
    for p in items:
        if p.sha256 is not None and p.raw_compressed is not None:
            unique.setdefault(p.sha256, p)
    if not unique:
        return
    w._append(
        # Conflicts are found in the primary-key index, not by a pass over every stored hash.
        "INSERT INTO raw_blobs SELECT * FROM rows ON CONFLICT (content_sha256) DO NOTHING",
        {
            "content_sha256": pa.array(list(unique), pa.string()),
            "compression": pa.array([records.BLOB_COMPRESSION] * len(unique), pa.string()),
            "bytes": pa.array([p.size for p in unique.values()], pa.int64()),
            "data": pa.array([p.raw_compressed for p in unique.values()], pa.binary()),
        },
    )


def insert_documents(w: Writer, load_id: str, items: Sequence[Processed]) -> None:
    readable = {p.doc_id: p for p in items if p.doc_id is not None}
    if not readable:
        return
    w._append(
        "INSERT INTO documents SELECT * FROM rows ON CONFLICT (doc_id) DO NOTHING",
        {
            "doc_id": pa.array(list(readable), pa.string()),
            "source_uri": pa.array([p.source for p in readable.values()], pa.string()),
            "content_sha256": pa.array([p.sha256 for p in readable.values()], pa.string()),
            "media_type": pa.array([p.media_type for p in readable.values()], pa.string()),
            "encoding": pa.array([p.encoding for p in readable.values()], pa.string()),
            "bytes": pa.array([p.size or 0 for p in readable.values()], pa.int64()),
            "load_id": pa.array([load_id] * len(readable), pa.string()),
            "extractor_version": pa.array([records.EXTRACTOR_VERSION] * len(readable), pa.string()),
        },
    )


def insert_articles(w: Writer, load_id: str, items: Sequence[Processed]) -> None:
    if not items:
        return
    w._append(
        # A conflict is checked in the primary-key index: no pass over the stored ids.
        "INSERT INTO articles SELECT * FROM rows ON CONFLICT (article_id) DO NOTHING",
        article_columns(load_id, items),
    )


def insert_rejects(w: Writer, load_id: str, items: Sequence[Processed]) -> None:
    if not items:
        return
    rejections: list[Rejection] = [p.outcome for p in items]  # type: ignore[misc]
    w._append(
        "INSERT INTO rejects SELECT * FROM rows",
        {
            "load_id": pa.array([load_id] * len(items), pa.string()),
            "source_uri": pa.array([r.source for r in rejections], pa.string()),
            "stage": pa.array([r.stage for r in rejections], pa.string()),
            "reason": pa.array([r.reason for r in rejections], pa.string()),
            "detail": pa.array([r.detail for r in rejections], pa.string()),
            "content_sha256": pa.array([p.sha256 for p in items], pa.string()),
        },
    )
