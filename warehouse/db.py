"""The DuckDB warehouse: migrations on open, the single writer, read-only access for queries."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from transforms.dedup import BANDS, NUM_PERM, Fingerprint, Verdict, band_hashes, find_duplicates
from transforms.enrich import Annotated, StoredArticle
# Versions are looked up when rows are written (records.EXTRACTOR_VERSION, the enrichment
# version), not bound at import, so a test can stand in for an upgrade by changing them.
from transforms import records
from transforms.urls import host_of
from transforms.site_health import SiteAlert
from transforms.records import Article, HttpMeta, NotModified, Processed, Rejection
from warehouse import enrichment

DEFAULT_DB = Path("data/newsflow.duckdb")
# DuckDB's default buffer pool is 80% of RAM and keeps growing with what a long load inserts;
# a fixed cap keeps the writer's memory flat however many documents a run holds.
DEFAULT_MEMORY_LIMIT = "512MB"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: --db, else NEWSFLOW_DB, else data/newsflow.duckdb."""
    return Path(explicit or os.environ.get("NEWSFLOW_DB") or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every numbered migration, in order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name[:3].isdigit():
            found.append((int(entry.name[:3]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable open applies pending migrations first."""
    target = db_path(path)
    config = {"memory_limit": os.environ.get("NEWSFLOW_DB_MEMORY", DEFAULT_MEMORY_LIMIT)}
    if read_only:
        if not target.exists():
            raise FileNotFoundError(f"no warehouse at {target}: run `newsflow ingest` first")
        con = duckdb.connect(str(target), read_only=True, config=config)
        load_fts(con)
        return con
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), config=config)
    load_fts(con)
    migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply migrations not yet recorded in schema_migrations; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, _now()]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


@dataclass
class BatchCounts:
    """Outcomes of one written batch."""

    loaded: int = 0
    duplicates: int = 0
    unchanged: int = 0
    rejected: int = 0
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _WebRow:
    """One fetched URL as the web tables record it."""

    url: str
    meta: HttpMeta
    sha256: str | None
    size: int
    outcome: str  # loaded | duplicate | rejected | listing
    reason: str | None
    fetch_outcome: str  # ok | not_modified | the fetch's rejection reason

    @classmethod
    def of(cls, p: Processed, copies: set[str]) -> _WebRow:
        """The web row of a processed page."""
        assert p.http is not None
        if isinstance(p.outcome, NotModified):
            return cls(p.source, p.http, None, 0, "loaded", None, "not_modified")
        if isinstance(p.outcome, Rejection):
            # Refused before or while fetching; a page that arrived but failed extraction fetched fine.
            fetch_outcome = p.outcome.reason if p.outcome.stage in ("discover", "fetch") else "ok"
            return cls(p.source, p.http, p.sha256, p.size or 0, "rejected", p.outcome.reason, fetch_outcome)
        outcome = "duplicate" if p.doc_id in copies else "loaded"
        return cls(p.source, p.http, p.sha256, p.size or 0, outcome, None, "ok")


@dataclass(frozen=True, slots=True)
class WebState:
    """A URL as last fetched."""

    kind: str
    etag: str | None
    last_modified: str | None
    outcome: str  # loaded | duplicate | rejected | listing
    reason: str | None
    content_sha256: str | None
    fetched_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FileState:
    """A source file as last recorded."""

    size: int | None
    mtime_ns: int | None
    sha256: str | None


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


# `articles` columns that say which run wrote a row rather than what was extracted.
_ARTICLE_STAMPS = frozenset({"article_id", "doc_id", "extractor_version", "load_id"})


class Writer:
    """The one process allowed to write the warehouse; one transaction per batch."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.con = connect(path)

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loads -------------------------------------------------------------------------------

    def start_load(self, load_id: str, flow_run_id: str | None = None, kind: str = "ingest") -> None:
        """Record a load (`ingest` or `reprocess`) as running."""
        self.con.execute(
            "INSERT INTO loads (load_id, started_at, status, flow_run_id, kind) VALUES (?, ?, 'running', ?, ?)",
            [load_id, _now(), flow_run_id, kind],
        )

    def add_discovered(self, load_id: str, discovered: int, unchanged: int) -> None:
        """Count inputs found, and those skipped as unchanged before any reading."""
        self.con.execute(
            "UPDATE loads SET discovered = discovered + ?, unchanged = unchanged + ? WHERE load_id = ?",
            [discovered, unchanged, load_id],
        )

    def note_web_discovery(
        self, load_id: str, listings: int, older: int, deferred: int, outside_range: int, undated: int
    ) -> None:
        """Count feeds and sitemaps read, and listed entries left out (too old, over the per-run cap,
        outside a backfill's range or undated in a backfill)."""
        self.con.execute(
            "UPDATE loads SET listings = listings + ?, skipped_older = skipped_older + ?, deferred = deferred + ?,"
            " skipped_outside_range = skipped_outside_range + ?, skipped_undated = skipped_undated + ?"
            " WHERE load_id = ?",
            [listings, older, deferred, outside_range, undated, load_id],
        )

    def reject_ratio(self, load_id: str) -> float:
        """Share of a load's inputs that were read (not unchanged) and rejected."""
        (ratio,) = self.con.execute(
            "SELECT rejected / greatest(discovered - unchanged, 1) FROM loads WHERE load_id = ?", [load_id]
        ).fetchone()
        return float(ratio)

    def finish_load(self, load_id: str, status: str, message: str | None = None) -> dict[str, int]:
        """Mark a load finished and return its counts."""
        self.con.execute(
            "UPDATE loads SET finished_at = ?, status = ?, message = ? WHERE load_id = ?",
            [_now(), status, message, load_id],
        )
        row = self.con.execute(
            "SELECT discovered, loaded, duplicates, unchanged, rejected FROM loads WHERE load_id = ?",
            [load_id],
        ).fetchone()
        return dict(zip(("discovered", "loaded", "duplicates", "unchanged", "rejected"), row))

    def record_site_health(self, load_id: str) -> None:
        """Record each site's extraction health in a load beside its previous 7 days (site_health_checks)."""
        self.con.execute(
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
            {"load": load_id, "now": _now()},
        )

    def record_site_alerts(self, load_id: str, alerts: Sequence[SiteAlert]) -> None:
        """Keep a load's template-change alerts, so SQL users see what the run warned about."""
        if not alerts:
            return
        self._append(
            "INSERT INTO site_alerts SELECT * FROM rows",
            {
                "load_id": pa.array([load_id] * len(alerts), pa.string()),
                "site_name": pa.array([a.site for a in alerts], pa.string()),
                "field": pa.array([a.field for a in alerts], pa.string()),
                "baseline": pa.array([a.baseline for a in alerts], pa.float64()),
                "observed": pa.array([a.observed for a in alerts], pa.float64()),
                "articles": pa.array([a.articles for a in alerts], pa.int32()),
                "baseline_articles": pa.array([a.baseline_articles for a in alerts], pa.int32()),
                "raised_at": pa.array([_now()] * len(alerts), pa.timestamp("us", tz="UTC")),
            },
        )

    # -- unchanged detection -----------------------------------------------------------------

    def file_states(self, uris: Sequence[str]) -> dict[str, FileState]:
        """Recorded size, mtime and hash for those of `uris` seen before."""
        if not uris:
            return {}
        rows = self._select(
            "SELECT s.source_uri, s.size, s.mtime_ns, s.content_sha256"
            " FROM source_files s JOIN rows USING (source_uri)",
            {"source_uri": pa.array(list(uris), pa.string())},
        )
        return {uri: FileState(size, mtime, sha) for uri, size, mtime, sha in rows}

    def web_states(self, urls: Sequence[str]) -> dict[str, WebState]:
        """What the last fetch of each of `urls` returned, for those fetched before."""
        if not urls:
            return {}
        rows = self._select(
            "SELECT w.url, w.kind, w.etag, w.last_modified, w.outcome, w.reason, w.content_sha256, w.fetched_at"
            " FROM web_resources w JOIN rows USING (url)",
            {"url": pa.array(list(urls), pa.string())},
        )
        return {url: WebState(*rest) for url, *rest in rows}

    def stored_body(self, content_sha256: str) -> bytes | None:
        """Raw bytes kept for a content hash, decompressed."""
        return self.stored_bodies([content_sha256]).get(content_sha256)

    def stored_bodies(self, hashes: Sequence[str]) -> dict[str, bytes]:
        """Raw bytes kept for those of `hashes` stored, decompressed."""
        if not hashes:
            return {}
        rows = self._select(
            "SELECT b.content_sha256, b.compression, b.data FROM raw_blobs b JOIN rows USING (content_sha256)",
            {"content_sha256": pa.array(list(hashes), pa.string())},
        )
        bodies = {}
        for sha, compression, data in rows:
            try:
                bodies[sha] = zlib.decompress(data) if compression == "zlib" else bytes(data)
            except zlib.error:
                continue  # a damaged blob reads as missing: the caller records that, the run goes on
        return bodies

    def documents_to_reprocess(self, selection: Selection) -> list[StoredDocument]:
        """Stored documents a reprocess run takes, in path/URL order (an outlet's documents together)."""
        rows = self.con.execute(
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

    def write_listing(self, load_id: str, url: str, meta: HttpMeta, body: bytes | None) -> None:
        """Record a feed or sitemap fetch (a body, or a 304) in one transaction."""
        sha256 = hashlib.sha256(body).hexdigest() if body is not None else None
        row = _WebRow(url, meta, sha256, len(body) if body is not None else 0, "listing", None,
                      "ok" if body is not None else "not_modified")
        self.con.execute("BEGIN TRANSACTION")
        try:
            if body is not None:
                self._insert_blobs([Processed(url, NotModified(url), sha256=sha256, size=len(body),
                                              raw_zlib=zlib.compress(body, 6))])
                self._insert_http_responses(load_id, [row])
            self._upsert_web_resources(load_id, [row], keep_outcome=body is None)
            self._insert_fetches(load_id, [row])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def known_documents(self, doc_ids: Sequence[str]) -> set[str]:
        """Those of `doc_ids` already stored."""
        if not doc_ids:
            return set()
        rows = self._select(
            "SELECT d.doc_id FROM documents d JOIN rows USING (doc_id)",
            {"doc_id": pa.array(list(doc_ids), pa.string())},
        )
        return {doc for (doc,) in rows}

    # -- the batch write ---------------------------------------------------------------------

    def write_batch(self, load_id: str, batch: Sequence[Processed]) -> BatchCounts:
        """Deduplicate a batch against the warehouse and load it in one transaction (no NLP: the
        enrich stage enriches and places the articles loaded)."""
        counts = BatchCounts()
        self.con.execute("BEGIN TRANSACTION")
        try:
            # The same bytes at the same place were loaded before (perhaps with another mtime):
            # nothing to load, only the file's state to refresh.
            seen = self.known_documents([p.doc_id for p in batch if p.doc_id is not None])
            not_modified = [p for p in batch if isinstance(p.outcome, NotModified)]
            fresh = [p for p in batch if p.doc_id not in seen and not isinstance(p.outcome, NotModified)]
            touched = [p for p in batch if p.doc_id in seen]
            counts.unchanged = len(touched) + len(not_modified)

            articles = [p for p in fresh if isinstance(p.outcome, Article)]
            fingerprints = [p.fingerprint for p in articles if p.fingerprint is not None]
            verdicts = find_duplicates(fingerprints, self._candidates(fingerprints))
            counts.verdicts = verdicts
            copies = {v.article_id for v in verdicts}
            counts.duplicates = len(copies)
            counts.loaded = len(articles) - len(copies)
            counts.rejected = len(fresh) - len(articles)

            self._insert_blobs(fresh)
            self._insert_documents(load_id, fresh)
            self._insert_articles(load_id, articles)
            self._insert_fingerprints(fingerprints)
            self._insert_duplicates(load_id, verdicts)
            self._insert_rejects(load_id, [p for p in fresh if isinstance(p.outcome, Rejection)])
            self._upsert_source_files(
                load_id, [p for p in fresh if p.http is None], [p for p in touched if p.http is None], copies
            )
            fresh_rows = [_WebRow.of(p, copies) for p in fresh if p.http is not None]
            settled_rows = [_WebRow.of(p, copies) for p in [*touched, *not_modified] if p.http is not None]
            self._insert_http_responses(load_id, fresh_rows)
            self._upsert_web_resources(load_id, fresh_rows, keep_outcome=False)
            self._upsert_web_resources(load_id, settled_rows, keep_outcome=True)
            self._insert_fetches(load_id, fresh_rows + settled_rows)
            self._add_counts(load_id, counts)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return counts

    def reprocess_batch(self, load_id: str, batch: Sequence[Processed]) -> BatchCounts:
        """Replace stored documents' outcomes with their re-extraction, in one transaction.

        An article keeps its id (its document's), so references to it survive, and keeps its
        story (stories are never split or merged). What derives from its text is rebuilt:
        fingerprint and duplicate verdict here; its enrichment is dropped, for the enrich stage to
        redo. A document that comes out as stored is unchanged: only its version stamp moves.
        """
        counts = BatchCounts()
        self.con.execute("BEGIN TRANSACTION")
        try:
            unreadable = [p for p in batch if p.doc_id is None]  # raw bytes missing: the document stays as it is
            items = [p for p in batch if p.doc_id is not None]
            before = self._stored_outcomes(items)
            same = self._same_articles(items)
            unchanged: list[Processed] = []
            rewrite: list[Processed] = []  # a changed article, or one that was a rejection
            rejected: list[Processed] = []  # a rejection that was an article, or another rejection
            for p in items:
                was = before[p.doc_id]
                if isinstance(p.outcome, Article):
                    (unchanged if p.doc_id in same else rewrite).append(p)
                elif was.article or was.rejection != (p.outcome.stage, p.outcome.reason, p.outcome.detail):
                    rejected.append(p)
                else:
                    unchanged.append(p)
            rewrite.sort(key=lambda p: before[p.doc_id].judging_order)
            dropped = [p.doc_id for p in rejected if before[p.doc_id].article]
            rewritten = [p.doc_id for p in rewrite]
            stories = self._stories_of(dropped + rewritten)

            self._delete_article_rows(("fingerprints", "minhash_bands", "duplicates"), dropped + rewritten)
            enrichment.delete_enrichment(self, dropped + rewritten)
            self._delete_article_rows(("story_members", "articles"), dropped)
            self._reroot_copies_of(load_id, dropped)
            if rewrite:
                self._append("INSERT OR REPLACE INTO articles SELECT * FROM rows", _article_columns(load_id, rewrite))
            verdicts = self._judge_again(load_id, rewrite)
            counts.verdicts = verdicts
            self._redate_story_members([p for p in rewrite if before[p.doc_id].in_story])
            self.refresh_stories(load_id, stories)
            self._insert_rejects(load_id, rejected + unreadable)
            self._stamp_versions(items, [p for p in unchanged if isinstance(p.outcome, Article)])

            copies = {v.article_id for v in verdicts}
            self._update_source_outcomes(rewrite, rejected, copies)
            counts.unchanged = len(unchanged)
            counts.rejected = len(rejected) + len(unreadable)
            counts.duplicates = sum(p.doc_id in copies for p in rewrite)
            counts.loaded = len(rewrite) - counts.duplicates
            self._add_counts(load_id, counts)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return counts

    # -- the enrich stage (its SQL lives in warehouse/enrichment.py) ---------------------------

    def select_to_enrich(self, *, everything: bool, after: tuple[bool, str] | None, limit: int) -> list[tuple[bool, str]]:
        """(is_copy, article_id) of the next articles to enrich, canonical ones first."""
        return enrichment.select_to_enrich(self, everything=everything, after=after, limit=limit)

    def stored_articles(self, article_ids: Sequence[str]) -> list[StoredArticle]:
        """Loaded articles read back for the enrich stage's workers."""
        return enrichment.stored_articles(self, article_ids)

    def write_enrichment(self, load_id: str, batch: Sequence[Annotated]) -> tuple[int, int]:
        """Load a batch's enrichment and place its articles in stories, in one transaction; (enriched, skipped)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            counts = enrichment.write_enrichment(self, load_id, batch)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return counts

    def in_stories(self, article_ids: Sequence[str]) -> set[str]:
        """Those of the articles already placed in a story."""
        if not article_ids:
            return set()
        return {a for (a,) in self._select(
            "SELECT sm.article_id FROM story_members sm JOIN rows USING (article_id)",
            {"article_id": pa.array(list(article_ids), pa.string())},
        )}

    def _add_counts(self, load_id: str, counts: BatchCounts) -> None:
        self.con.execute(
            "UPDATE loads SET loaded = loaded + ?, duplicates = duplicates + ?,"
            " unchanged = unchanged + ?, rejected = rejected + ? WHERE load_id = ?",
            [counts.loaded, counts.duplicates, counts.unchanged, counts.rejected, load_id],
        )

    def _stored_outcomes(self, items: Sequence[Processed]) -> dict[str, _Stored]:
        """What each document came to before: article or rejection, copy, enrichment, story."""
        if not items:
            return {}
        rows = self._select(
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

    def _same_articles(self, items: Sequence[Processed]) -> set[str]:
        """Ids of the re-extracted articles identical to their stored rows (stamps aside)."""
        articles = [p for p in items if isinstance(p.outcome, Article)]
        if not articles:
            return set()
        columns = _article_columns("", articles)
        # Column names are the table's own, not input.
        same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM a.{c}" for c in columns if c not in _ARTICLE_STAMPS)
        found = self._select(f"SELECT r.article_id FROM rows r JOIN articles a USING (article_id) WHERE {same}", columns)
        return {aid for (aid,) in found}

    def _delete_article_rows(self, tables: Sequence[str], article_ids: Sequence[str]) -> None:
        if not article_ids:
            return
        for table in tables:  # our own table names, not input
            self._append(
                f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM rows)",
                {"article_id": pa.array(list(article_ids), pa.string())},
            )

    def _reroot_copies_of(self, load_id: str, gone: Sequence[str]) -> None:
        """Judge again, from their stored fingerprints, the copies of articles that are no longer articles."""
        if not gone:
            return
        orphans = [aid for (aid,) in self._select(
            "SELECT d.article_id FROM duplicates d JOIN rows r ON d.duplicate_of = r.article_id",
            {"article_id": pa.array(list(gone), pa.string())},
        )]
        if not orphans:
            return
        self._delete_article_rows(("duplicates",), orphans)
        fps = self._stored_fingerprints(orphans)
        known = [c for c in self._candidates(fps) if c.article_id not in set(orphans)]
        self._insert_duplicates(load_id, find_duplicates(fps, known))

    def _judge_again(self, load_id: str, items: Sequence[Processed]) -> list[Verdict]:
        """Fingerprint and judge re-extracted articles against the warehouse; keep clusters one level deep."""
        fps = [p.fingerprint for p in items if p.fingerprint is not None]
        ids = {fp.article_id for fp in fps}
        # An original is never judged a copy of its own copies.
        known = [c for c in self._candidates(fps) if c.duplicate_of not in ids]
        verdicts = find_duplicates(fps, known)
        self._insert_fingerprints(fps)
        self._insert_duplicates(load_id, verdicts)
        if verdicts:  # the copies of an article now judged a copy follow it to its original
            self._append(
                "UPDATE duplicates d SET duplicate_of = r.duplicate_of FROM rows r WHERE d.duplicate_of = r.article_id",
                {
                    "article_id": pa.array([v.article_id for v in verdicts], pa.string()),
                    "duplicate_of": pa.array([v.duplicate_of for v in verdicts], pa.string()),
                },
            )
        return verdicts

    def _stories_of(self, article_ids: Sequence[str]) -> set[str]:
        if not article_ids:
            return set()
        return {sid for (sid,) in self._select(
            "SELECT DISTINCT sm.story_id FROM story_members sm JOIN rows USING (article_id)",
            {"article_id": pa.array(list(article_ids), pa.string())},
        )}

    def _redate_story_members(self, items: Sequence[Processed]) -> None:
        """A re-extracted article's own publication day (when it has one) becomes its date in its story."""
        days = {
            p.doc_id: art.published.value
            for p in items
            if (art := p.outcome).published is not None and art.published.precision == "day"
        }
        if not days:
            return
        self._append(
            "UPDATE story_members sm SET published_on = r.published_on FROM rows r"
            " WHERE sm.article_id = r.article_id AND sm.published_on IS DISTINCT FROM r.published_on",
            {
                "article_id": pa.array(list(days), pa.string()),
                "published_on": pa.array(list(days.values()), pa.date32()),
            },
        )

    def refresh_stories(self, load_id: str, story_ids: set[str]) -> None:
        """Recount stories whose members changed and widen or narrow their dates; drop stories left empty."""
        if not story_ids:
            return
        columns = {
            "story_id": pa.array(sorted(story_ids), pa.string()),
            "load_id": pa.array([load_id] * len(story_ids), pa.string()),
        }
        self._append(
            "UPDATE stories s SET first_published_at = m.first, last_published_at = m.last,"
            " article_count = m.n, updated_load_id = m.load_id"
            " FROM (SELECT r.story_id, any_value(r.load_id) AS load_id, min(sm.published_on) AS first,"
            "       max(sm.published_on) AS last, count(*)::INTEGER AS n"
            "       FROM rows r JOIN story_members sm USING (story_id) GROUP BY r.story_id) m"
            " WHERE s.story_id = m.story_id"
            " AND (s.first_published_at, s.last_published_at, s.article_count) IS DISTINCT FROM (m.first, m.last, m.n)",
            columns,
        )
        self._append(
            "DELETE FROM stories WHERE story_id IN (SELECT story_id FROM rows)"
            " AND story_id NOT IN (SELECT story_id FROM story_members)",
            columns,
        )

    def _stamp_versions(self, items: Sequence[Processed], kept: Sequence[Processed]) -> None:
        """Record the running extractor on every reprocessed document, and on the articles kept as they were."""
        if items:
            self._append(
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
            self._append(
                "UPDATE articles a SET extractor_version = r.extractor_version FROM rows r"
                " WHERE a.article_id = r.article_id AND a.extractor_version IS DISTINCT FROM r.extractor_version",
                {
                    "article_id": pa.array([p.doc_id for p in kept], pa.string()),
                    "extractor_version": pa.array([records.EXTRACTOR_VERSION] * len(kept), pa.string()),
                },
            )

    def _update_source_outcomes(self, rewritten: Sequence[Processed], rejected: Sequence[Processed], copies: set[str]) -> None:
        """What a file or URL came to, where its current content is a document whose outcome changed."""
        items = [*rewritten, *rejected]
        if not items:
            return
        columns = {
            "source_uri": pa.array([p.source for p in items], pa.string()),
            "content_sha256": pa.array([p.sha256 for p in items], pa.string()),
            "outcome": pa.array(
                ["rejected" if isinstance(p.outcome, Rejection) else "duplicate" if p.doc_id in copies else "loaded" for p in items],
                pa.string(),
            ),
            "reason": pa.array([p.outcome.reason if isinstance(p.outcome, Rejection) else None for p in items], pa.string()),
        }
        self._append(
            "UPDATE web_resources w SET outcome = r.outcome, reason = r.reason FROM rows r"
            " WHERE w.url = r.source_uri AND w.content_sha256 = r.content_sha256",
            columns,
        )
        self._append(
            "UPDATE source_files s SET outcome = r.outcome FROM rows r"
            " WHERE s.source_uri = r.source_uri AND s.content_sha256 = r.content_sha256",
            columns,
        )

    def _stored_fingerprints(self, article_ids: Sequence[str]) -> list[Fingerprint]:
        """Stored fingerprints of articles, in the order their documents were first loaded."""
        return _as_fingerprints(self._select(
            "SELECT f.article_id, f.exact_key, f.url_key, f.minhash, dup.duplicate_of"
            " FROM rows r JOIN fingerprints f USING (article_id) LEFT JOIN duplicates dup USING (article_id)"
            " JOIN documents doc ON doc.doc_id = f.article_id LEFT JOIN loads l ON l.load_id = doc.load_id"
            " ORDER BY l.started_at, f.article_id",
            {"article_id": pa.array(list(article_ids), pa.string())},
        ))

    def _candidates(self, batch: Sequence[Fingerprint]) -> list[Fingerprint]:
        """Stored articles that share a URL key, exact key or LSH band with the batch."""
        if not batch:
            return []
        bands = np.stack([fp.band_values() for fp in batch])
        probe_bands = pa.table(
            {
                "band": pa.array(np.tile(np.arange(BANDS, dtype=np.int16), len(batch))),
                "band_hash": pa.array(bands.ravel()),
            }
        )
        probe_keys = pa.table(
            {
                "exact_key": pa.array([fp.exact_key for fp in batch], pa.string()),
                "url_key": pa.array([fp.url_key for fp in batch], pa.string()),
            }
        )
        self.con.register("probe_bands", probe_bands)
        self.con.register("probe_keys", probe_keys)
        try:
            rows = self.con.execute(
                """
                WITH hits AS (
                    SELECT DISTINCT m.article_id FROM minhash_bands m
                    JOIN probe_bands p ON m.band = p.band AND m.band_hash = p.band_hash
                    UNION
                    SELECT f.article_id FROM fingerprints f JOIN probe_keys k ON f.exact_key = k.exact_key
                    UNION
                    SELECT f.article_id FROM fingerprints f JOIN probe_keys k ON f.url_key = k.url_key
                )
                SELECT f.article_id, f.exact_key, f.url_key, f.minhash, d.duplicate_of
                FROM hits h
                JOIN fingerprints f USING (article_id)
                LEFT JOIN duplicates d USING (article_id)
                """
            ).fetchall()
        finally:
            self.con.unregister("probe_bands")
            self.con.unregister("probe_keys")
        return _as_fingerprints(rows)

    def _insert_blobs(self, items: Sequence[Processed]) -> None:
        unique: dict[str, Processed] = {}
        for p in items:
            if p.sha256 is not None and p.raw_zlib is not None:
                unique.setdefault(p.sha256, p)
        if not unique:
            return
        self._append(
            "INSERT INTO raw_blobs SELECT * FROM rows WHERE content_sha256 NOT IN (SELECT content_sha256 FROM raw_blobs)",
            {
                "content_sha256": pa.array(list(unique), pa.string()),
                "compression": pa.array(["zlib"] * len(unique), pa.string()),
                "bytes": pa.array([p.size for p in unique.values()], pa.int64()),
                "data": pa.array([p.raw_zlib for p in unique.values()], pa.binary()),
            },
        )

    def _insert_documents(self, load_id: str, items: Sequence[Processed]) -> None:
        readable = {p.doc_id: p for p in items if p.doc_id is not None}
        if not readable:
            return
        self._append(
            "INSERT INTO documents SELECT * FROM rows WHERE doc_id NOT IN (SELECT doc_id FROM documents)",
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

    def _insert_articles(self, load_id: str, items: Sequence[Processed]) -> None:
        if not items:
            return
        self._append(
            "INSERT INTO articles SELECT * FROM rows WHERE article_id NOT IN (SELECT article_id FROM articles)",
            _article_columns(load_id, items),
        )

    def refresh_search_index(self) -> None:
        """Rebuild the BM25 full-text index over articles' titles and texts.

        DuckDB's fts index is a snapshot that cannot be updated in place, so it is rebuilt
        after each load.
        """
        self.con.execute(
            "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer = 'english',"
            " stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
        )

    def _insert_fingerprints(self, fps: Sequence[Fingerprint]) -> None:
        if not fps:
            return
        signatures = np.stack([fp.minhash for fp in fps]).astype(np.uint32)
        self._append(
            "INSERT INTO fingerprints SELECT * FROM rows",
            {
                "article_id": pa.array([fp.article_id for fp in fps], pa.string()),
                "exact_key": pa.array([fp.exact_key for fp in fps], pa.string()),
                "url_key": pa.array([fp.url_key for fp in fps], pa.string()),
                "minhash": pa.FixedSizeListArray.from_arrays(pa.array(signatures.ravel()), NUM_PERM),
            },
        )
        bands = np.stack([fp.band_values() for fp in fps])
        self._append(
            "INSERT INTO minhash_bands SELECT * FROM rows",
            {
                "band": pa.array(np.tile(np.arange(BANDS, dtype=np.int16), len(fps))),
                "band_hash": pa.array(bands.ravel()),
                "article_id": pa.array(np.repeat([fp.article_id for fp in fps], BANDS).tolist(), pa.string()),
            },
        )

    def _insert_duplicates(self, load_id: str, verdicts: Sequence[Verdict]) -> None:
        if not verdicts:
            return
        self._append(
            "INSERT INTO duplicates SELECT * FROM rows",
            {
                "article_id": pa.array([v.article_id for v in verdicts], pa.string()),
                "duplicate_of": pa.array([v.duplicate_of for v in verdicts], pa.string()),
                "method": pa.array([v.method for v in verdicts], pa.string()),
                "similarity": pa.array([v.similarity for v in verdicts], pa.float64()),
                "load_id": pa.array([load_id] * len(verdicts), pa.string()),
            },
        )

    def _insert_rejects(self, load_id: str, items: Sequence[Processed]) -> None:
        if not items:
            return
        rejections: list[Rejection] = [p.outcome for p in items]  # type: ignore[misc]
        self._append(
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

    def _upsert_source_files(
        self, load_id: str, fresh: Sequence[Processed], touched: Sequence[Processed], copies: set[str]
    ) -> None:
        def outcome(p: Processed) -> str:
            if isinstance(p.outcome, Rejection):
                return "rejected"
            return "duplicate" if p.doc_id in copies else "loaded"

        # Unreadable inputs are not remembered, so the next run tries them again.
        readable = [p for p in fresh if p.sha256 is not None]
        if readable:
            self._append(
                "INSERT OR REPLACE INTO source_files SELECT * FROM rows",
                {
                    "source_uri": pa.array([p.source for p in readable], pa.string()),
                    "size": pa.array([p.size for p in readable], pa.int64()),
                    "mtime_ns": pa.array([p.mtime_ns for p in readable], pa.int64()),
                    "content_sha256": pa.array([p.sha256 for p in readable], pa.string()),
                    "outcome": pa.array([outcome(p) for p in readable], pa.string()),
                    "load_id": pa.array([load_id] * len(readable), pa.string()),
                },
            )
        if touched:
            self._append(
                "UPDATE source_files s SET size = r.size, mtime_ns = r.mtime_ns, content_sha256 = r.content_sha256"
                " FROM rows r WHERE s.source_uri = r.source_uri",
                {
                    "source_uri": pa.array([p.source for p in touched], pa.string()),
                    "size": pa.array([p.size for p in touched], pa.int64()),
                    "mtime_ns": pa.array([p.mtime_ns for p in touched], pa.int64()),
                    "content_sha256": pa.array([p.sha256 for p in touched], pa.string()),
                },
            )

    def _insert_http_responses(self, load_id: str, rows: Sequence[_WebRow]) -> None:
        rows = [r for r in rows if r.sha256 is not None and r.meta.status is not None]
        if not rows:
            return
        self._append(
            "INSERT INTO http_responses SELECT r.* FROM (SELECT DISTINCT ON (url, content_sha256) * FROM rows) r"
            " ANTI JOIN http_responses h ON h.url = r.url AND h.content_sha256 = r.content_sha256",
            {
                "url": pa.array([r.url for r in rows], pa.string()),
                "content_sha256": pa.array([r.sha256 for r in rows], pa.string()),
                "final_url": pa.array([r.meta.final_url or r.url for r in rows], pa.string()),
                "status": pa.array([r.meta.status for r in rows], pa.int16()),
                "headers": pa.array(
                    [[{"name": k, "value": v} for k, v in r.meta.headers] for r in rows],
                    pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())])),
                ),
                "fetched_at": pa.array([r.meta.fetched_at or _now() for r in rows], pa.timestamp("us", tz="UTC")),
                "load_id": pa.array([load_id] * len(rows), pa.string()),
            },
        )

    def _upsert_web_resources(self, load_id: str, rows: Sequence[_WebRow], *, keep_outcome: bool) -> None:
        """Remember each URL's validators and outcome.

        With `keep_outcome` (a 304, or the same bytes again) the URL keeps the outcome its
        content came to, and only when we asked, what it answered and its validators change.
        """
        if not rows:
            return
        headers = [r.meta.headers_dict() for r in rows]
        columns = {
            "url": pa.array([r.url for r in rows], pa.string()),
            "kind": pa.array([r.meta.kind for r in rows], pa.string()),
            "final_url": pa.array([r.meta.final_url for r in rows], pa.string()),
            "status": pa.array([r.meta.status for r in rows], pa.int16()),
            "etag": pa.array([h.get("etag") for h in headers], pa.string()),
            "last_modified": pa.array([h.get("last-modified") for h in headers], pa.string()),
            "content_sha256": pa.array([r.sha256 for r in rows], pa.string()),
            "outcome": pa.array([r.outcome for r in rows], pa.string()),
            "reason": pa.array([r.reason for r in rows], pa.string()),
            "fetched_at": pa.array([r.meta.fetched_at or _now() for r in rows], pa.timestamp("us", tz="UTC")),
            "load_id": pa.array([load_id] * len(rows), pa.string()),
        }
        if keep_outcome:
            sql = (
                "INSERT INTO web_resources SELECT * FROM rows ON CONFLICT (url) DO UPDATE SET"
                " status = excluded.status, fetched_at = excluded.fetched_at, load_id = excluded.load_id,"
                " etag = coalesce(excluded.etag, web_resources.etag),"
                " last_modified = coalesce(excluded.last_modified, web_resources.last_modified),"
                " final_url = coalesce(excluded.final_url, web_resources.final_url)"
            )
        else:
            sql = "INSERT OR REPLACE INTO web_resources SELECT * FROM rows"
        self._append(sql, columns)

    def _insert_fetches(self, load_id: str, rows: Sequence[_WebRow]) -> None:
        if not rows:
            return
        self._append(
            "INSERT INTO fetches SELECT * FROM rows",
            {
                "load_id": pa.array([load_id] * len(rows), pa.string()),
                "url": pa.array([r.url for r in rows], pa.string()),
                "host": pa.array([host_of(r.url) for r in rows], pa.string()),
                "kind": pa.array([r.meta.kind for r in rows], pa.string()),
                "status": pa.array([r.meta.status for r in rows], pa.int16()),
                "outcome": pa.array([r.fetch_outcome for r in rows], pa.string()),
                "requests": pa.array([r.meta.requests for r in rows], pa.int16()),
                "redirects": pa.array([r.meta.redirects for r in rows], pa.int16()),
                "bytes": pa.array([r.size for r in rows], pa.int64()),
                "elapsed_ms": pa.array([r.meta.elapsed * 1000 for r in rows], pa.float64()),
                "fetched_at": pa.array([r.meta.fetched_at for r in rows], pa.timestamp("us", tz="UTC")),
            },
        )

    def _append(self, sql: str, columns: dict[str, pa.Array], params: dict[str, object] | None = None) -> None:
        """Run an INSERT ... FROM rows with `rows` bound to an Arrow table: one bulk statement."""
        self.con.register("rows", pa.table(columns))
        try:
            self.con.execute(sql, params)
        finally:
            self.con.unregister("rows")

    def _select(self, sql: str, columns: dict[str, pa.Array], params: dict[str, object] | None = None) -> list[tuple]:
        """Run a query joining `rows`, an Arrow table of the given columns."""
        self.con.register("rows", pa.table(columns))
        try:
            return self.con.execute(sql, params).fetchall()
        finally:
            self.con.unregister("rows")


def _article_columns(load_id: str, items: Sequence[Processed]) -> dict[str, pa.Array]:
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
    }


def _as_fingerprints(rows: Sequence[tuple]) -> list[Fingerprint]:
    """Fingerprints from (article_id, exact_key, url_key, minhash, duplicate_of) rows."""
    if not rows:
        return []
    signatures = np.array([sig for *_, sig, _ in rows], dtype=np.uint32)
    stored_bands = band_hashes(signatures)
    return [
        Fingerprint(aid, exact, signatures[i], url, dup, stored_bands[i])
        for i, (aid, exact, url, _, dup) in enumerate(rows)
    ]


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's full-text-search extension from its PyPI package (no network: INSTALL would fetch)."""
    path = resources.files("duckdb_extension_fts").joinpath(f"extensions/v{duckdb.__version__}/fts.duckdb_extension")
    # LOAD takes no parameters; the path is the installed package's own file, not input.
    con.execute(f"LOAD '{path}'")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Iterable[object] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a query and return (column names, rows)."""
    cursor = con.execute(sql, list(params) if params is not None else None)
    return [d[0] for d in cursor.description or []], cursor.fetchall()
