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
from pathlib import Path
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from functools import partial

from prefect import flow, get_client, get_run_logger, runtime, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Completed, State

from flows.batching import task_size
from flows.enrich import enrich_stage
from flows.fetch import Fetched, Fetcher, Validators
from flows.runs import fault_point, writing
from flows.files import EXAMPLES, SourceFile, discover, outlet_of, read
from flows.settings import Settings
from flows.sources import Plan, Source
from flows.stages import (
    Progress,
    SetupError,
    document_counter,
    extraction_slots,
    in_writes,
    index_articles,
    new_load_id,
    pipelined,
    read_spool,
    report_load,
    require_visible,
    spool_batch,
    task_runner,
)
from flows.web import Discovery, discover_web, to_processed
from transforms.urls import redact_url
from transforms.pipeline import process_batch
from transforms.records import Processed, RawDocument, Rejection
from transforms.site_health import SiteAlert, template_alerts
from warehouse.db import Writer
from warehouse.reports import LoadSummary, site_health

# The tag a run gets when a site's extraction fell sharply: the Prefect UI shows it on the run
# and in the runs list, and filters on it.
TEMPLATE_CHANGE_TAG = "template-change"


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
    require_visible([spool])
    failed: dict[str, Rejection] = {}
    with document_counter(progress) as done:

        def readable() -> Iterator[RawDocument]:  # read as process_batch gets to them: one file's bytes at a time
            for file in files:
                outcome = read(file, max_bytes=max_bytes)
                if isinstance(outcome, Rejection):
                    failed[file.uri] = outcome
                    done()
                else:
                    yield outcome

        extracted = {p.source: p for p in process_batch(readable(), outlet_of, max_bytes=max_bytes, on_document=done)}
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
    require_visible([spool])
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


@task(name="load_batch", cache_policy=NO_CACHE)
def load_batch(writer: Writer, load_id: str, batch_files: Sequence[str]) -> list[int]:
    """Deduplicate spooled batches against the warehouse and write them in one transaction; returns each one's size."""
    batches: list[list[Processed]] = [read_spool(path) for path in batch_files]
    fault_point("load")  # inside a task run: a signal here meets Prefect's task engine first
    writer.write_batch(load_id, [p for batch in batches for p in batch])
    writer.release()  # readers can open the warehouse until the next batch is written
    return [len(batch) for batch in batches]


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
        for batch_files in in_writes(pipelined(jobs(), slots), lambda: settings.write_size // size):
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


