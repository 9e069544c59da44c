"""The `ingest` flow.

files:  discover_files -> skip_unchanged -> extract_files (process pool) -> load_batch
web:    discover_links (feeds, sitemaps, URL lists) -> fetch_pages -> extract_pages (pool) -> load_batch
then:   report_load
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
import tempfile
import uuid
from pathlib import Path
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

from prefect import flow, get_client, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists
from prefect.futures import PrefectFuture
from prefect.states import State
from prefect.task_runners import ProcessPoolTaskRunner

from flows.fetch import Fetched, Fetcher, Validators
from flows.files import EXAMPLES, SourceFile, discover, outlet_of, read
from flows.settings import Settings
from flows.sources import Plan, Source
from flows.web import Discovery, PageRef, discover_web, to_processed
from transforms.urls import redact_url
from transforms.pipeline import process_batch
from transforms.records import Processed, RawDocument, Rejection
from warehouse.db import Writer, connect
from warehouse.reports import LoadSummary, load_summary, to_markdown

# The CLI sets this to drive its progress bar; it is called with the number of inputs settled.
progress_listener: Callable[[int, int], None] | None = None

# DuckDB allows one writer process per file. A deployment's `concurrency_limit: 1` only keeps the
# runs of that one deployment apart, so runs of two deployments (or of `newsflow serve`, or a
# `newsflow ingest` pointed at the same server) would still collide on the file. Every run
# therefore holds this server-wide limit of one slot while it has the warehouse open for writing.
WAREHOUSE_WRITER_LIMIT = "newsflow-warehouse-writer"


@task(name="discover_files", cache_policy=NO_CACHE)
def discover_files(paths: Sequence[str]) -> tuple[list[SourceFile], list[Rejection]]:
    """Find the input files under the given paths."""
    return discover(paths)


@task(name="skip_unchanged", cache_policy=NO_CACHE)
def skip_unchanged(writer: Writer, files: Sequence[SourceFile]) -> tuple[list[SourceFile], int]:
    """Drop files whose size and mtime match the last load: unchanged without reading them."""
    states = writer.file_states([f.uri for f in files])
    todo = [
        f
        for f in files
        if (state := states.get(f.uri)) is None or (state.size, state.mtime_ns) != (f.size, f.mtime_ns)
    ]
    return todo, len(files) - len(todo)


@task(name="extract_files", cache_policy=NO_CACHE)
def extract_files(files: Sequence[SourceFile], max_bytes: int, spool: str) -> str:
    """Read and extract a batch of files (runs in a worker process); returns the spooled batch's path."""
    raws: list[RawDocument] = []
    failed: dict[str, Rejection] = {}
    for file in files:
        outcome = read(file, max_bytes=max_bytes)
        if isinstance(outcome, Rejection):
            failed[file.uri] = outcome
        else:
            raws.append(outcome)
    extracted = {p.source: p for p in process_batch(raws, outlet_of, max_bytes=max_bytes)}
    results = []
    for file in files:
        if file.uri in failed:
            results.append(Processed(file.uri, failed[file.uri], size=file.size, mtime_ns=file.mtime_ns))
        else:
            results.append(dataclasses.replace(extracted[file.uri], mtime_ns=file.mtime_ns))
    return spool_batch(results, spool)


def _only_transient(task: object, run: object, state: State) -> bool:
    """Prefect retries a listing only when it failed in a way worth retrying."""
    return isinstance(state.data, TransientFetchError)


@task(name="fetch_listing", cache_policy=NO_CACHE, retries=2, retry_condition_fn=_only_transient)
def fetch_listing(fetcher: Fetcher, url: str, validators: Validators | None) -> Fetched:
    """Fetch one feed, sitemap or given URL; a transient failure raises, so Prefect retries it."""
    (result,) = fetcher.fetch_all([(url, validators)], accept="listing")
    if result.transient:
        raise TransientFetchError(result)
    return result


class TransientFetchError(Exception):
    """A listing that failed in a way worth retrying (429, 5xx, timeout, connection)."""

    def __init__(self, result: Fetched) -> None:
        super().__init__(f"{redact_url(result.url)}: {result.reason} {result.detail}".strip())
        self.result = result


@task(name="discover_links", cache_policy=NO_CACHE)
def discover_links(sources: Sequence[Source], writer: Writer, load_id: str, fetcher: Fetcher, max_bytes: int) -> Discovery:
    """Read feeds, sitemaps and URL lists; decide which pages to fetch, skip or refuse."""
    backoff = fetcher.policy.backoff
    retrying = fetch_listing.with_options(retry_delay_seconds=[backoff * 4, backoff * 20])

    def fetch(url: str, validators: Validators | None) -> Fetched:
        try:
            return retrying(fetcher, url, validators)
        except TransientFetchError as exc:  # still failing after Prefect's retries: recorded, not fatal
            return exc.result

    return discover_web(sources, writer, load_id, fetch, max_bytes)


@task(name="fetch_pages", cache_policy=NO_CACHE)
def fetch_pages(fetcher: Fetcher, pages: Sequence[PageRef], spool: str) -> str:
    """Fetch a batch of pages concurrently (politely per host); returns the spooled responses' path."""
    results = fetcher.fetch_all([(p.url, p.validators) for p in pages], accept="page")
    return spool_batch(results, spool)


@task(name="extract_pages", cache_policy=NO_CACHE)
def extract_pages(fetched_file: str, max_bytes: int, spool: str) -> str:
    """Extract a batch of fetched pages (runs in a worker process); returns the spooled batch's path."""
    with open(fetched_file, "rb") as handle:
        fetched: list[Fetched] = pickle.load(handle)  # our own file, written by spool_batch
    os.unlink(fetched_file)
    items = [to_processed(result) for result in fetched]
    raws = [item for item in items if isinstance(item, RawDocument)]
    extracted = {p.source: p for p in process_batch(raws, outlet_of, max_bytes=max_bytes)}
    results = [
        dataclasses.replace(extracted[item.source], http=result.meta) if isinstance(item, RawDocument) else item
        for result, item in zip(fetched, items)
    ]
    return spool_batch(results, spool)


def spool_batch(batch: Sequence[object], spool: str) -> str:
    """Write a processed batch to a file in the spool folder and return its path.

    Batches travel through files rather than as task results: Prefect keeps every task result
    of a flow run in memory until the run ends, which would grow with the corpus.
    """
    fd, path = tempfile.mkstemp(dir=spool, suffix=".pickle")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(list(batch), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


@task(name="load_batch", cache_policy=NO_CACHE)
def load_batch(writer: Writer, load_id: str, batch_file: str) -> int:
    """Deduplicate a spooled batch against the warehouse and write it in one transaction."""
    with open(batch_file, "rb") as handle:
        batch: list[Processed] = pickle.load(handle)  # our own file, written by spool_batch
    writer.write_batch(load_id, batch)
    os.unlink(batch_file)
    return len(batch)


@task(name="index_articles", cache_policy=NO_CACHE)
def index_articles(writer: Writer) -> None:
    """Rebuild the full-text search index so `newsflow search` sees this load's articles."""
    writer.refresh_search_index()


@task(name="report_load", cache_policy=NO_CACHE)
def report_load(db: str | None, load_id: str) -> LoadSummary:
    """Publish the load's summary as a Prefect artifact."""
    con = connect(db, read_only=True)
    try:
        summary = load_summary(con, load_id)
    finally:
        con.close()
    create_markdown_artifact(
        key="ingest-summary", markdown=to_markdown(summary), description=f"newsflow load {load_id}"
    )
    return summary


def run_name() -> str:
    """Flow runs are named for what they do: `ingest <source or sources file> <start time>`."""
    params = runtime.flow_run.parameters
    if params.get("sources"):
        what = Path(params["sources"]).stem + (f" {params['group']}" if params.get("group") else "")
    elif params.get("paths"):
        first = str(params["paths"][0])
        what = redact_url(first) if "://" in first else Path(first).name
        if len(params["paths"]) > 1:
            what += f" +{len(params['paths']) - 1}"
    else:
        what = "examples"
    started = runtime.flow_run.scheduled_start_time or dt.datetime.now(dt.timezone.utc)
    return f"ingest {what} {started:%Y-%m-%dT%H:%M}"


@flow(
    name="ingest",
    flow_run_name=run_name,
    task_runner=ProcessPoolTaskRunner(max_workers=Settings.from_env().workers),
)
def ingest(
    paths: list[str] | None = None,
    sources: str | None = None,
    group: str | None = None,
    db: str | None = None,
    batch_size: int | None = None,
    max_bytes: int | None = None,
    allow_private_networks: bool | None = None,
    max_reject_ratio: float | None = None,
) -> LoadSummary:
    """Ingest files, folders, URLs, URL lists and a sources file (or one group of it); with none, the bundled sample corpus."""
    settings = Settings.from_env(db=db, batch_size=batch_size, max_bytes=max_bytes, max_reject_ratio=max_reject_ratio)
    plan = settings.plan(paths or ([] if sources else [str(EXAMPLES)]), sources, allow_private_networks, group)
    logger = get_run_logger()
    load_id = _new_load_id()
    logger.info("load %s: %s", load_id, ", ".join(f"{s.kind} {redact_url(s.name)}" for s in plan.sources))

    with warehouse_writer_slot(), Writer(settings.db) as writer, tempfile.TemporaryDirectory(prefix="newsflow-spool-") as spool:
        writer.start_load(load_id, flow_run_id=str(runtime.flow_run.id or "") or None)
        try:
            progress = _Progress()
            if plan.local_paths:
                _ingest_files(writer, load_id, plan.local_paths, settings, spool, progress)
            if plan.web:
                _ingest_web(writer, load_id, plan, settings, spool, progress)
            index_articles(writer)
        except BaseException as exc:
            writer.finish_load(load_id, "failed", f"{type(exc).__name__}: {exc}"[:1000])
            raise
        ratio = writer.reject_ratio(load_id)
        too_many = settings.max_reject_ratio is not None and ratio > settings.max_reject_ratio
        message = (
            f"{ratio:.0%} of the inputs read were rejected, over the limit of {settings.max_reject_ratio:.0%}"
            " (NEWSFLOW_MAX_REJECT_RATIO): see the rejects by reason"
            if too_many
            else None
        )
        counts = writer.finish_load(load_id, "failed" if too_many else "completed", message)
    logger.info("load %s done: %s", load_id, counts)
    summary = report_load(str(settings.db), load_id)
    if too_many:
        # Every batch is committed, so the warehouse is consistent; the run says something is wrong.
        raise TooManyRejects(message)
    return summary


class TooManyRejects(Exception):
    """A load whose share of rejected inputs passed the configured limit."""


@contextmanager
def warehouse_writer_slot() -> Iterator[None]:
    """Hold the server-wide writer slot (created on first use) while the warehouse is open for writing."""
    with get_client(sync_client=True) as client:
        try:
            # Also puts the limit back to 1 if someone changed it: DuckDB allows no more.
            client.upsert_global_concurrency_limit_by_name(WAREHOUSE_WRITER_LIMIT, 1)
        except ObjectAlreadyExists:  # a run starting at the same moment created it
            pass
    get_run_logger().info("waiting for the warehouse writer slot (%s)", WAREHOUSE_WRITER_LIMIT)
    # A failed lease renewal must not kill a long load: DuckDB's file lock still refuses a second writer.
    with concurrency(WAREHOUSE_WRITER_LIMIT, occupy=1, strict=True, raise_on_lease_renewal_failure=False):
        yield


def _ingest_files(writer: Writer, load_id: str, paths: list[str], settings: Settings, spool: str, progress: _Progress) -> None:
    """Local files: discover, skip the unchanged, extract on the pool, load batch by batch."""
    files, missing = discover_files(paths)
    get_run_logger().info("%d input files under %s", len(files), ", ".join(paths))
    todo, unchanged = skip_unchanged(writer, files)
    writer.add_discovered(load_id, len(files) + len(missing), unchanged)
    progress.add(len(files) + len(missing), unchanged + len(missing))
    if missing:
        load_batch(writer, load_id, spool_batch([Processed(r.source, r) for r in missing], spool))
    size = settings.batch_size
    jobs = (
        partial(extract_files.submit, list(todo[start : start + size]), settings.max_bytes, spool)
        for start in range(0, len(todo), size)
    )
    for batch_file in _pipelined(jobs, settings.workers):
        progress.add(0, load_batch(writer, load_id, batch_file))


def _ingest_web(writer: Writer, load_id: str, plan: Plan, settings: Settings, spool: str, progress: _Progress) -> None:
    """Web sources: read listings, fetch new pages politely, extract on the pool, load batch by batch."""
    logger = get_run_logger()
    fetcher = Fetcher(plan.policy)
    found = discover_links(plan.web, writer, load_id, fetcher, settings.max_bytes)
    logger.info(
        "%d listings read: %d pages to fetch, %d already loaded, %d refused, %d older than since, %d deferred",
        found.listings, len(found.pages), found.settled, len(found.rejected), found.older, found.deferred,
    )
    writer.add_discovered(load_id, found.inputs, found.settled)
    writer.note_web_discovery(load_id, found.listings, found.older, found.deferred)
    progress.add(found.inputs, found.settled + len(found.rejected))
    if found.rejected:
        load_batch(writer, load_id, spool_batch(found.rejected, spool))

    def jobs() -> Iterator[Callable[[], PrefectFuture[str]]]:
        if found.fetched:
            yield partial(extract_pages.submit, spool_batch(found.fetched, spool), settings.max_bytes, spool)
        size = settings.batch_size
        for start in range(0, len(found.pages), size):
            pages = found.pages[start : start + size]
            # Fetching runs here, in the flow's process, while the pool extracts earlier batches:
            # one Fetcher keeps every host's robots.txt and pacing across batches.
            yield lambda pages=pages: extract_pages.submit(fetch_pages(fetcher, pages, spool), settings.max_bytes, spool)

    for batch_file in _pipelined(jobs(), settings.workers):
        progress.add(0, load_batch(writer, load_id, batch_file))


def _pipelined(jobs: Iterator[Callable[[], PrefectFuture[str]]], workers: int) -> Iterator[str]:
    """Start jobs in order and yield their spooled batches in order, a few in flight at a time."""
    pending: deque[PrefectFuture[str]] = deque()
    for job in jobs:
        pending.append(job())
        if len(pending) > workers * 2:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class _Progress:
    """Feeds the CLI's progress bar (when it listens): inputs known, inputs settled."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, discovered: int, settled: int) -> None:
        self.total += discovered
        if progress_listener is not None and (discovered or settled):
            progress_listener(settled, self.total)


def _new_load_id() -> str:
    # Sortable by time, unique without coordination.
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
