"""The DuckDB warehouse: migrations on open, the single writer, read-only access for queries.

The Writer's per-table work lives with each family of tables' SQL: loads and documents
(warehouse/loads.py), dedup state (dedup_state.py), web and file state (web_state.py), enrichment
and stories (enrichment.py), the search index (search.py).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.dedup import Verdict, find_duplicates
from transforms.enrich import Annotated
from transforms.records import Article, NotModified, Processed, Rejection
from warehouse import dedup_state, enrichment, loads, search_index, web_state
from warehouse.aggregates import recount_pairs, update_entity_aggregates
# Names other code imports from here: each lives with its tables' SQL now.
from warehouse.loads import Selection, StoredDocument, article_columns, now
from warehouse.web_state import FileState, WebRow, WebState

__all__ = ["BatchCounts", "FileState", "Selection", "StoredDocument", "WarehouseBusy", "WebState", "Writer", "connect",
           "db_path", "migrate", "migrations", "read_rows"]

DEFAULT_DB = Path("data/newsflow.duckdb")
# DuckDB's default buffer pool is 80% of RAM and keeps growing with what a long load inserts;
# a fixed cap keeps the writer's memory flat however many documents a run holds.
DEFAULT_MEMORY_LIMIT = "512MB"
# How long an open waits for the file lock. A load holds it only while it writes a batch, so a
# reader waits seconds at most; the writer waits longer for readers, whose queries may be long.
READ_WAIT = float(os.environ.get("NEWSFLOW_READ_WAIT", "5"))
WRITE_WAIT = float(os.environ.get("NEWSFLOW_WRITE_WAIT", "120"))


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
    """Open the warehouse; a writable open applies pending migrations first.

    DuckDB locks the file: a read-only open waits up to READ_WAIT seconds for a writing load
    (which holds it only while it writes a batch), a writable open up to WRITE_WAIT for readers;
    then WarehouseBusy.
    """
    target = db_path(path)
    config = {"memory_limit": os.environ.get("NEWSFLOW_DB_MEMORY", DEFAULT_MEMORY_LIMIT)}
    if read_only:
        if not target.exists():
            raise FileNotFoundError(f"no warehouse at {target}: run `newsflow ingest` first")
        return _open_waiting(target, config, read_only=True, wait=READ_WAIT)
    target.parent.mkdir(parents=True, exist_ok=True)
    con = _open_waiting(target, config, read_only=False, wait=WRITE_WAIT)
    # The Writer closes the file after every batch (see Writer.release). A checkpoint on each
    # close would rewrite the tables' indexes every batch (0.85 s CPU at 100k articles, growing);
    # the log stays instead until DuckDB's own threshold or the Writer's last close checkpoints.
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    if migrate(con):
        # Schema changes go into the file at once: DuckDB 1.5 cannot replay some DDL (COMMENT ON)
        # from the log when the next open is read-only.
        con.execute("CHECKPOINT")
    return con


class WarehouseBusy(Exception):
    """Another process holds the warehouse file (a load writing it, or a reader when we write)."""


def _open_waiting(target: Path, config: dict[str, str], *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    pause = 0.01
    while True:
        try:
            return duckdb.connect(str(target), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(_busy_message(target, str(exc), read_only=read_only, wait=wait)) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _busy_message(target: Path, error: str, *, read_only: bool, wait: float) -> str:
    """One line for a file lock we gave up on, naming the holding process when DuckDB says it."""
    if read_only:
        return f"warehouse busy: a load is writing {target}; try again"
    holder = re.search(r"held in (\S+) \(PID (\d+)\)", error)
    who = f"process {holder.group(2)} ({Path(holder.group(1)).name})" if holder else "another process"
    return (
        f"warehouse busy: {who} has {target} open and did not close it within {wait:g} s"
        " (NEWSFLOW_WRITE_WAIT); try again when it is done"
    )


# Work a migration needs that its SQL cannot do within the memory cap, run after it in its transaction.
AFTER_MIGRATION: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {22: recount_pairs}


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
            if version in AFTER_MIGRATION:
                AFTER_MIGRATION[version](con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now()]
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


class Writer:
    """The one process allowed to write the warehouse; one transaction per batch."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = db_path(path)
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open warehouse, opened again on demand after release()."""
        if self._con is None:
            self._con = connect(self.path)
        return self._con

    def release(self) -> None:
        """Close the file between batches, so readers can open it while workers extract."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def close(self, checkpoint: bool = True) -> None:
        """Close the warehouse; by default first move DuckDB's log into the file, so the file alone is whole (a copy of it too)."""
        if checkpoint:
            self.con.execute("CHECKPOINT")
        self.release()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # After a failure the log stays (DuckDB replays it on the next open): a checkpoint that
        # failed too would hide the first error.
        self.close(checkpoint=exc_type is None)

    # What the Writer does per table family lives with those tables' SQL; these are its methods.
    start_load = loads.start_load
    add_discovered = loads.add_discovered
    note_web_discovery = loads.note_web_discovery
    reject_ratio = loads.reject_ratio
    finish_load = loads.finish_load
    record_site_health = loads.record_site_health
    record_site_alerts = loads.record_site_alerts
    stored_body = loads.stored_body
    stored_bodies = loads.stored_bodies
    documents_to_reprocess = loads.documents_to_reprocess
    known_documents = loads.known_documents
    _add_counts = loads.add_counts
    _stored_outcomes = loads.stored_outcomes
    _same_articles = loads.same_articles
    _delete_article_rows = loads.delete_article_rows
    _stamp_versions = loads.stamp_versions
    _insert_blobs = loads.insert_blobs
    _insert_documents = loads.insert_documents
    _insert_articles = loads.insert_articles
    _insert_rejects = loads.insert_rejects

    _candidates = dedup_state.candidates
    _insert_fingerprints = dedup_state.insert_fingerprints
    _insert_duplicates = dedup_state.insert_duplicates
    _stored_fingerprints = dedup_state.stored_fingerprints
    _reroot_copies_of = dedup_state.reroot_copies_of
    _judge_again = dedup_state.judge_again

    file_states = web_state.file_states
    web_states = web_state.web_states
    write_listing = web_state.write_listing
    _upsert_source_files = web_state.upsert_source_files
    _update_source_outcomes = web_state.update_source_outcomes
    _insert_http_responses = web_state.insert_http_responses
    _upsert_web_resources = web_state.upsert_web_resources
    _insert_fetches = web_state.insert_fetches

    select_to_enrich = enrichment.select_to_enrich
    _queue_for_enrichment = enrichment.queue_for_enrichment
    _dequeue = enrichment.dequeue
    stored_articles = enrichment.stored_articles
    in_stories = enrichment.in_stories
    refresh_stories = enrichment.refresh_stories
    _stories_of = enrichment.stories_of
    _redate_story_members = enrichment.redate_story_members

    # -- the batch writes: one transaction each ------------------------------------------------

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
            self._queue_for_enrichment(load_id, [p.doc_id for p in articles])
            self._insert_fingerprints(fingerprints)
            self._insert_duplicates(load_id, verdicts)
            self._insert_rejects(load_id, [p for p in fresh if isinstance(p.outcome, Rejection)])
            self._upsert_source_files(
                load_id, [p for p in fresh if p.http is None], [p for p in touched if p.http is None], copies
            )
            fresh_rows = [WebRow.of(p, copies) for p in fresh if p.http is not None]
            settled_rows = [WebRow.of(p, copies) for p in [*touched, *not_modified] if p.http is not None]
            self._insert_http_responses(load_id, fresh_rows)
            self._upsert_web_resources(load_id, fresh_rows, keep_outcome=False)
            self._upsert_web_resources(load_id, settled_rows, keep_outcome=True)
            self._insert_fetches(load_id, fresh_rows + settled_rows)
            self._add_counts(load_id, counts)
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
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
            self._dequeue(dropped)
            self._queue_for_enrichment(load_id, rewritten)
            self._delete_article_rows(("story_members", "articles"), dropped)
            self._reroot_copies_of(load_id, dropped)
            if rewrite:
                self._append("INSERT OR REPLACE INTO articles SELECT * FROM rows", article_columns(load_id, rewrite))
            verdicts = self._judge_again(load_id, rewrite)
            counts.verdicts = verdicts
            self._redate_story_members([p for p in rewrite if before[p.doc_id].in_story])
            self.refresh_stories(load_id, stories)
            self._insert_rejects(load_id, rejected + unreadable)
            self._stamp_versions(items, [p for p in unchanged if isinstance(p.outcome, Article)])

            copies = {v.article_id for v in verdicts}
            self._update_source_outcomes(rewrite, rejected, copies)
            # Their mentions were dropped with their enrichment (the enrich stage writes them anew).
            update_entity_aggregates(self.con, dropped + rewritten, dropped + rewritten)
            counts.unchanged = len(unchanged)
            counts.rejected = len(rejected) + len(unreadable)
            counts.duplicates = sum(p.doc_id in copies for p in rewrite)
            counts.loaded = len(rewrite) - counts.duplicates
            self._add_counts(load_id, counts)
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return counts

    def write_enrichment(self, load_id: str, batch: Sequence[Annotated]) -> tuple[int, int]:
        """Load a batch's enrichment and place its articles in stories, in one transaction; (enriched, skipped)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            counts = enrichment.write_enrichment(self, load_id, batch)
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return counts

    def _rollback(self) -> None:
        """Roll back the open transaction; one whose COMMIT failed (e.g. a full disk) is gone already,
        and that failure, not "no transaction is active", is what the caller must see."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.TransactionException:
            pass

    def update_search_index(self, load_id: str | None) -> int:
        """Index the articles that loads since the index's last one added or changed; return how many, and record it in `load_id`'s row."""
        indexed = search_index.update(lambda: self.con, search_index.index_dir(self.path), self.release)
        if load_id is not None:
            self.con.execute("UPDATE loads SET indexed = indexed + ? WHERE load_id = ?", [indexed, load_id])
        return indexed

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


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Iterable[object] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a query and return (column names, rows)."""
    cursor = con.execute(sql, list(params) if params is not None else None)
    return [d[0] for d in cursor.description or []], cursor.fetchall()
