"""The `ingest` flow.

Three stages, each bounded by its new work:
ingest: files: discover_files -> skip_unchanged -> extract_files (process pool or Dask) -> load_batch
        web:   discover_links (feeds, sitemaps, URL lists) -> pages fetched on a thread of the flow (Fetcher.stream)
               -> extract_pages (pool or Dask) -> load_batch
        (extract, deduplicate, load: no NLP)
enrich: select_articles -> read_articles -> annotate_articles (pool or Dask) -> load_enrichment
        (flows/enrich.py; skipped with enrich=False, `newsflow enrich` catches up later)
index:  index_articles
then:   check_site_health -> report_load

Only extract_files, extract_pages and annotate_articles are submitted to the task runner; they
get paths and plain records and hand batches back through files in the spool folder. Every
other task runs in the flow's process, which alone holds the warehouse's Writer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import pickle
import socket
import tempfile
import threading
import uuid
from pathlib import Path
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from functools import partial

from prefect import flow, get_client, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.states import Completed, State
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.fetch import Fetched, Fetcher, Validators
from flows.runs import fault_point, watch_parent, writing
from flows.files import EXAMPLES, SourceFile, discover, outlet_of, read
from flows.settings import Settings
from flows.sources import Plan, Source
from flows.web import Discovery, discover_web, to_processed
from transforms.urls import redact_url
from transforms.pipeline import process_batch
from transforms.records import Processed, RawDocument, Rejection
from transforms.site_health import SiteAlert, template_alerts
from warehouse.db import Writer, connect
from warehouse.reports import LoadSummary, load_summary, rejects_table, site_health, site_health_table, to_markdown

# The tag a run gets when a site's extraction fell sharply: the Prefect UI shows it on the run
# and in the runs list, and filters on it.
TEMPLATE_CHANGE_TAG = "template-change"

# The CLI sets this to drive its progress bar; it is called with the number of inputs settled.
progress_listener: Callable[[int, int], None] | None = None

# How a stage cuts its work into tasks (see task_size).
TASKS_PER_SLOT = 4
MIN_TASK = 25



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
def extract_files(files: Sequence[SourceFile], max_bytes: int, spool: str, progress: str | None = None) -> str:
    """Read and extract a batch of files (runs in a worker process); returns the spooled batch's path."""
    _require_visible([spool])
    raws: list[RawDocument] = []
    failed: dict[str, Rejection] = {}
    with document_counter(progress) as done:
        for file in files:
            outcome = read(file, max_bytes=max_bytes)
            if isinstance(outcome, Rejection):
                failed[file.uri] = outcome
                done()
            else:
                raws.append(outcome)
        extracted = {p.source: p for p in process_batch(raws, outlet_of, max_bytes=max_bytes, on_document=done)}
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

    return discover_web(sources, writer, load_id, fetch, max_bytes, fetcher.policy.max_listed_pages)


@task(name="extract_pages", cache_policy=NO_CACHE)
def extract_pages(fetched_file: str, max_bytes: int, spool: str, progress: str | None = None) -> str:
    """Extract a batch of fetched pages (runs in a worker process); returns the spooled batch's path."""
    _require_visible([spool])
    fetched: list[Fetched] = read_spool(fetched_file)
    items = [to_processed(result) for result in fetched]
    raws = [item for item in items if isinstance(item, RawDocument)]
    with document_counter(progress) as done:
        for _ in range(len(items) - len(raws)):  # refused or failed before extraction: settled already
            done()
        extracted = {p.source: p for p in process_batch(raws, outlet_of, max_bytes=max_bytes, on_document=done)}
    results = [
        dataclasses.replace(extracted[item.source], http=result.meta) if isinstance(item, RawDocument) else item
        for result, item in zip(fetched, items)
    ]
    return spool_batch(results, spool)


@task(name="check_worker", cache_policy=NO_CACHE)
def check_worker(spool: str, folders: Sequence[str]) -> None:
    """On a Dask worker, before any batch: the run's spool folder and the input folders must be visible here."""
    _require_visible([spool, *folders])
    os.unlink(spool_batch([], spool))  # and writable


def _require_visible(paths: Sequence[str]) -> None:
    """Raise a SetupError naming this machine and what it cannot see."""
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise SetupError(
            f"{socket.gethostname()} cannot see {', '.join(missing)}: on a Dask cluster, NEWSFLOW_SPOOL and the"
            " input folders must be shared folders at the same paths on the flow's machine and every worker"
        )


class SetupError(Exception):
    """The run cannot go on as configured: a missing spool folder, or a cluster that cannot do the work."""


def spool_batch(batch: Sequence[object], spool: str) -> str:
    """Write a processed batch to a file in the spool folder and return its path.

    Batches travel through files rather than as task results: Prefect keeps every task result
    of a flow run in memory until the run ends, which would grow with the corpus.
    """
    fd, path = tempfile.mkstemp(dir=spool, suffix=".pickle")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(list(batch), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_spool(path: str) -> list:
    """Read back a batch written by spool_batch, and remove its file."""
    with open(path, "rb") as handle:
        batch = pickle.load(handle)  # our own file, written by spool_batch
    os.unlink(path)
    return batch


@contextmanager
def document_counter(path: str | None) -> Iterator[Callable[[], None]]:
    """A function that counts one finished document by appending a byte to `path` (nothing when None).

    The CLI's progress bar reads these files' sizes while the batch runs: extraction runs in other
    processes (or on other machines, where the spool is shared) that cannot call into the CLI.
    """
    if path is None:
        yield lambda: None
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def done() -> None:
        os.write(fd, b".")

    try:
        yield done
    finally:
        os.close(fd)


@task(name="load_batch", cache_policy=NO_CACHE)
def load_batch(writer: Writer, load_id: str, batch_files: Sequence[str]) -> list[int]:
    """Deduplicate spooled batches against the warehouse and write them in one transaction; returns each one's size."""
    batches: list[list[Processed]] = [read_spool(path) for path in batch_files]
    fault_point("load")  # inside a task run: a signal here meets Prefect's task engine first
    writer.write_batch(load_id, [p for batch in batches for p in batch])
    writer.release()  # readers can open the warehouse until the next batch is written
    return [len(batch) for batch in batches]


@task(name="index_articles", cache_policy=NO_CACHE)
def index_articles(writer: Writer, load_id: str) -> int:
    """Add the articles loads since the index's last one wrote to the search index; returns how many."""
    indexed = writer.update_search_index(load_id)
    writer.release()
    get_run_logger().info("search index: %d articles indexed", indexed)
    return indexed


@task(name="check_site_health", cache_policy=NO_CACHE)
def check_site_health(writer: Writer, load_id: str) -> list[SiteAlert]:
    """Compare each site's extraction with its previous 7 days; record and log sharp falls."""
    writer.record_site_health(load_id)
    sites = site_health(writer.con, load_id)
    alerts = template_alerts(sites)
    writer.record_site_alerts(load_id, alerts)
    logger = get_run_logger()
    new = sum(site.baseline is None for site in sites)
    logger.info(
        "site health against the previous 7 days: %d sites, %d of them new; %d alerts", len(sites), new, len(alerts)
    )
    for alert in alerts:
        logger.warning("template change? %s", alert.describe())
    return alerts


@task(name="report_load", cache_policy=NO_CACHE)
def report_load(db: str | None, load_id: str) -> LoadSummary:
    """Publish the load's summary, rejects by reason and per-site extraction health as Prefect artifacts."""
    con = connect(db, read_only=True)
    try:
        summary = load_summary(con, load_id)
    finally:
        con.close()
    # Stable keys: the UI's Artifacts page keeps each key's history, one version per run.
    create_markdown_artifact(
        key=f"{summary.kind}-summary", markdown=to_markdown(summary), description=f"newsflow load {load_id}"
    )
    create_table_artifact(
        key=f"{summary.kind}-rejects", table=rejects_table(summary), description=f"Rejects by reason, load {load_id}"
    )
    create_table_artifact(
        key=f"{summary.kind}-site-health",
        table=site_health_table(summary),
        description=f"Extraction health by site against the previous 7 days, load {load_id}",
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
    if params.get("backfill"):
        what += f" backfill {params['backfill']}"
    started = runtime.flow_run.scheduled_start_time or dt.datetime.now(dt.timezone.utc)
    return f"ingest {what} {started:%Y-%m-%dT%H:%M}"


def task_runner(settings: Settings) -> TaskRunner:
    """Where extraction batches run: on the Dask cluster at settings.dask_address, else a local process pool."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # imports distributed (~1.5 s): only runs on a cluster pay for it

        return DaskTaskRunner(address=settings.dask_address)
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=watch_parent, initargs=(os.getpid(),))


# Chosen when this module is imported, so deployments and served runs follow NEWSFLOW_DASK_ADDRESS
# in their own environment; the CLI's --dask goes through ingest.with_options(task_runner=...).
@flow(name="ingest", flow_run_name=run_name, task_runner=task_runner(Settings.from_env()))
def ingest(
    paths: list[str] | None = None,
    sources: str | None = None,
    group: str | None = None,
    db: str | None = None,
    batch_size: int | None = None,
    max_bytes: int | None = None,
    allow_private_networks: bool | None = None,
    max_reject_ratio: float | None = None,
    backfill: str | None = None,
    enrich: bool = True,
) -> LoadSummary:
    """Ingest files, folders, URLs, URL lists and a sources file (or one group of it); with none, the bundled sample corpus.

    `backfill` ("2026-01-01..2026-01-31"): feeds and sitemaps fetch the entries dated in that range.
    `enrich=False` loads clean, deduplicated articles only; `newsflow enrich` enriches them later.
    """
    from flows.enrich import enrich_stage  # flows.enrich builds on this module's tasks

    settings = Settings.from_env(db=db, batch_size=batch_size, max_bytes=max_bytes, max_reject_ratio=max_reject_ratio)
    plan = settings.plan(paths or ([] if sources else [str(EXAMPLES)]), sources, allow_private_networks, backfill, group)
    logger = get_run_logger()
    load_id = new_load_id()
    logger.info("load %s: %s", load_id, ", ".join(f"{s.kind} {redact_url(s.name)}" for s in plan.sources))
    if settings.spool is not None and not settings.spool.is_dir():
        raise SetupError(f"NEWSFLOW_SPOOL={settings.spool} is not a folder")

    with writing(settings, load_id, "ingest", str(runtime.flow_run.id or "") or None) as (writer, _, spool):
        slots = extraction_slots(settings, spool, plan.local_paths)
        progress = Progress()
        if plan.local_paths:
            _ingest_files(writer, load_id, plan.local_paths, settings, spool, slots, progress)
        if plan.web:
            _ingest_web(writer, load_id, plan, settings, spool, slots, progress)
        if enrich:
            enrich_stage(writer, load_id, settings, spool, slots)
        fault_point("index")
        index_articles(writer, load_id)
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
        alerts = check_site_health(writer, load_id)
    summary = report_load(str(settings.db), load_id)
    if alerts:
        _tag_run(TEMPLATE_CHANGE_TAG)
    if too_many:
        # Every batch is committed, so the warehouse is consistent; the run says something is wrong.
        raise TooManyRejects(message)
    if alerts:
        # The run still completes (its data is loaded), with a message that says what to look at.
        # Prefect makes a returned state the run's final state and gives the caller its data.
        return Completed(message=_warnings(alerts), data=summary)
    return summary


class TooManyRejects(Exception):
    """A load whose share of rejected inputs passed the configured limit."""


def extraction_slots(settings: Settings, spool: str, inputs: Sequence[str]) -> int:
    """How many extraction tasks can run at once; on a Dask cluster, first check that a worker sees our folders."""
    runner = FlowRunContext.get().task_runner
    if isinstance(runner, (ProcessPoolTaskRunner, ThreadPoolTaskRunner)):  # on this machine: they see what the flow sees
        return settings.workers
    try:
        threads = sum(runner.client.nthreads().values())  # connects to the scheduler
    except OSError as exc:
        raise SetupError(f"cannot reach the Dask scheduler at {runner.address}: {exc}") from exc
    if not threads:
        raise SetupError(f"the Dask cluster at {runner.address} has no workers: start `dask worker {runner.address}`")
    folders = [os.path.abspath(path) for path in inputs if os.path.exists(path)]
    check_worker.submit(spool, folders).result()
    return threads


def _tag_run(tag: str) -> None:
    """Add a tag to the running flow run (Prefect sets tags when a run is created; this is after)."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(runtime.flow_run.id)
        client.update_flow_run(run.id, tags=[*run.tags, tag])


def _warnings(alerts: Sequence[SiteAlert]) -> str:
    """The final state's message: the first three alerts; all of them are in the artifact."""
    text = "Completed with warnings: " + "; ".join(alert.describe() for alert in alerts[:3])
    more = len(alerts) - 3
    return text + (f"; and {more} more (see the ingest-summary artifact)" if more > 0 else "")


def _ingest_files(
    writer: Writer, load_id: str, paths: list[str], settings: Settings, spool: str, slots: int, progress: Progress
) -> None:
    """Local files: discover, skip the unchanged, extract on the workers, load batch by batch."""
    files, missing = discover_files(paths)
    get_run_logger().info("%d input files under %s", len(files), ", ".join(paths))
    todo, unchanged = skip_unchanged(writer, files)
    writer.add_discovered(load_id, len(files) + len(missing), unchanged)
    progress.add(len(files) + len(missing), unchanged + len(missing))
    if missing:
        load_batch(writer, load_id, [spool_batch([Processed(r.source, r) for r in missing], spool)])
    writer.release()  # readers can open the warehouse while the first batches are extracted
    size = task_size(len(todo), settings.batch_size, slots)
    counters: deque[str | None] = deque()  # in job order, as pipelined yields the batches

    def jobs() -> Iterator[Callable[[], PrefectFuture[str]]]:
        for start in range(0, len(todo), size):
            counters.append(progress.counter(spool))
            yield partial(extract_files.submit, list(todo[start : start + size]), settings.max_bytes, spool, counters[-1])

    with progress.watching():
        for batch_files in in_writes(pipelined(jobs(), slots), lambda: settings.batch_size // size):
            for documents in load_batch(writer, load_id, batch_files):
                progress.settle(counters.popleft(), documents)
            fault_point("batch")


def _ingest_web(
    writer: Writer, load_id: str, plan: Plan, settings: Settings, spool: str, slots: int, progress: Progress
) -> None:
    """Web sources: read listings, fetch new pages politely, extract on the workers, load batch by batch."""
    logger = get_run_logger()
    fetcher = Fetcher(plan.policy)
    found = discover_links(plan.web, writer, load_id, fetcher, settings.max_bytes)
    logger.info(
        "%d listings read: %d pages to fetch, %d already loaded, %d refused, %d older than since, %d deferred,"
        " %d outside the backfill range, %d undated in the backfill",
        found.listings, len(found.pages), found.settled, len(found.rejected), found.older, found.deferred,
        found.outside_range, found.undated,
    )
    writer.add_discovered(load_id, found.inputs, found.settled)
    writer.note_web_discovery(load_id, found.listings, found.older, found.deferred, found.outside_range, found.undated)
    writer.release()
    progress.add(found.inputs, found.settled + len(found.rejected))
    if found.rejected:
        load_batch(writer, load_id, [spool_batch(found.rejected, spool)])

    counters: deque[str | None] = deque()  # in job order, as pipelined yields the batches

    def jobs() -> Iterator[Callable[[], PrefectFuture[str]] | None]:
        if found.fetched:
            counters.append(progress.counter(spool))
            yield partial(extract_pages.submit, spool_batch(found.fetched, spool), settings.max_bytes, spool, counters[-1])
        # Fetching runs in the flow's process, on its own thread, while the workers extract earlier
        # batches: one Fetcher keeps every host's robots.txt and pacing, and a slow host's pages
        # never hold back a batch of the others' (Fetcher.stream).
        requests = [(p.url, p.validators) for p in found.pages]
        with closing(fetcher.stream(requests, batch_size=settings.batch_size, accept="page")) as fetched:
            for batch in fetched:
                if not batch:  # nothing came in for a while: batches extracted meanwhile are loaded
                    yield None
                    continue
                counters.append(progress.counter(spool))
                yield partial(extract_pages.submit, spool_batch(batch, spool), settings.max_bytes, spool, counters[-1])

    with progress.watching():
        # Each batch as it comes (not grouped: a batch waiting for the next would wait on the fetching).
        for batch_file in pipelined(jobs(), slots):
            (documents,) = load_batch(writer, load_id, [batch_file])
            progress.settle(counters.popleft(), documents)


def task_size(total: int, limit: int, slots: int) -> int:
    """Documents per task: at most `limit`, and few enough that every slot gets several tasks.

    A small run in one batch would leave all workers but one idle, and a run's last batch runs
    alone while the others wait: with four tasks per slot the tail is short. A task costs ~100 ms of
    overhead on the process pool, so tasks stay above a floor.
    """
    return max(min(limit, math.ceil(total / (slots * TASKS_PER_SLOT))), min(limit, MIN_TASK))


def in_writes(batch_files: Iterable[str], tasks_per_write: Callable[[], int]) -> Iterator[list[str]]:
    """Consecutive spooled batches in groups of `tasks_per_write()` (asked as the batches come,
    since a stage learns its task size as it selects), each group one write to the warehouse.

    Tasks are cut small so that every worker gets several (task_size), but a write has fixed costs
    that do not shrink with it (its lookups over the warehouse, its commit): measured with
    benchmarks/bench_growth.py at 10,000 stored articles, 200 new ones written as 8 tasks of 25
    cost 12.5 s of CPU, as one write 5.6 s.
    """
    group: list[str] = []
    for path in batch_files:
        group.append(path)
        if len(group) >= max(1, tasks_per_write()):
            yield group
            group = []
    if group:
        yield group


def pipelined(jobs: Iterator[Callable[[], PrefectFuture[str]] | None], slots: int) -> Iterator[str]:
    """Start jobs in order and yield their spooled batches in order, a few in flight at a time.

    A job of None says no new one is ready yet (pages still coming in): the batches already
    extracted are yielded meanwhile, so they are not held back by a slow host's pages.
    """
    pending: deque[PrefectFuture[str]] = deque()
    for job in jobs:
        if job is not None:
            pending.append(job())
            fault_point("extract")
        while pending and (len(pending) > slots * 2 or (job is None and _done(pending[0]))):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _done(future: PrefectFuture[str]) -> bool:
    """Whether a submitted task has finished, asked of the runner's own future (no call to the Prefect API)."""
    wrapped = getattr(future, "wrapped_future", None)
    return wrapped is not None and wrapped.done()


class Progress:
    """Feeds the CLI's progress bar (when it listens): inputs known, and inputs settled one by one.

    Extraction tasks count each finished document into a file of the spool (document_counter);
    while batches run, a thread here reads those files and advances the bar, and loading a batch
    settles whatever its counter had not counted yet.
    """

    def __init__(self) -> None:
        self.total = 0
        self.counted: dict[str, int] = {}  # counter file -> documents already reported
        self.lock = threading.Lock()

    def add(self, discovered: int, settled: int) -> None:
        """Count inputs found and inputs settled."""
        with self.lock:
            self.total += discovered
            if progress_listener is not None and (discovered or settled):
                progress_listener(settled, self.total)

    def counter(self, spool: str) -> str | None:
        """A new counter file for one extraction batch, or None when nobody listens."""
        if progress_listener is None:
            return None
        path = os.path.join(spool, f"{uuid.uuid4().hex}.progress")
        with self.lock:
            self.counted[path] = 0
        return path

    def poll(self) -> None:
        """Report the documents the running batches finished since the last poll."""
        for path in list(self.counted):
            try:
                size = os.path.getsize(path)
            except OSError:  # the task has not started yet
                continue
            with self.lock:
                new = size - self.counted.get(path, size)
                if new <= 0:
                    continue
                self.counted[path] = size
            self.add(0, new)

    def settle(self, path: str | None, documents: int) -> None:
        """A batch of `documents` is loaded: report those its counter did not."""
        with self.lock:
            reported = self.counted.pop(path, 0) if path else 0
        self.add(0, max(documents - reported, 0))

    @contextmanager
    def watching(self, every: float = 0.25) -> Iterator[None]:
        """Poll the counters in a background thread while the block runs (only when someone listens)."""
        if progress_listener is None:
            yield
            return
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(every):
                self.poll()

        thread = threading.Thread(target=run, name="newsflow-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def new_load_id() -> str:
    """A new load's id: sortable by time, unique without coordination."""
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
