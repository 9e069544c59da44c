"""The `reprocess` flow: extract stored documents again from their raw bytes, without the network.

select_documents -> read_stored (in the flow: the warehouse's raw_blobs) -> extract_stored (pool or Dask)
                 -> rewrite_batch
then:            the enrich stage (flows/enrich.py: what was rewritten, and anything else lacking
                 enrichment at the running version) -> index_articles -> report_load

By default it takes the documents the running extractor (EXTRACTOR_VERSION) has not processed;
`all_documents` takes every document. A run is a load of kind `reprocess`; its counts add up
like an ingest's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture

from flows.files import outlet_of
from flows.enrich import enrich_stage
from flows.stages import (
    Progress,
    extraction_slots,
    index_articles,
    new_load_id,
    pipelined,
    read_spool,
    report_load,
    spool_batch,
    task_runner,
)
from flows.runs import writing
from flows.settings import Settings
from flows.sources import parse_since
from flows.web import page_document
from transforms.pipeline import process_batch
from transforms.records import Processed, RawDocument, Rejection
from warehouse.db import Selection, StoredDocument, Writer
from warehouse.reports import LoadSummary


@task(name="select_documents", cache_policy=NO_CACHE)
def select_documents(writer: Writer, selection: Selection) -> list[StoredDocument]:
    """The stored documents to extract again."""
    return writer.documents_to_reprocess(selection)


@task(name="read_stored", cache_policy=NO_CACHE)
def read_stored(writer: Writer, docs: Sequence[StoredDocument], spool: str) -> str:
    """Read a batch's raw bytes from the warehouse; returns the spooled batch's path."""
    bodies = writer.stored_bodies([d.content_sha256 for d in docs])
    return spool_batch([(doc, bodies.get(doc.content_sha256)) for doc in docs], spool)


@task(name="extract_stored", cache_policy=NO_CACHE)
def extract_stored(stored_file: str, max_bytes: int, spool: str) -> str:
    """Extract a batch of stored documents again (runs in a worker process); returns the spooled batch's path."""
    stored: list[tuple[StoredDocument, bytes | None]] = read_spool(stored_file)
    raws = [raw_document(doc, body) for doc, body in stored if body is not None]
    # In order, not by source: a file edited between loads is two documents with one path.
    extracted = iter(process_batch(raws, outlet_of, max_bytes=max_bytes))
    results = [next(extracted) if body is not None else _unreadable(doc) for doc, body in stored]
    return spool_batch(results, spool)


def _unreadable(doc: StoredDocument) -> Processed:
    """A document whose bytes cannot be read back: it keeps what it has, and the run says so."""
    detail = f"no readable stored bytes for content {doc.content_sha256}"
    return Processed(doc.source_uri, Rejection(doc.source_uri, "reprocess", "raw_missing", detail))


def raw_document(doc: StoredDocument, body: bytes) -> RawDocument:
    """A stored document's bytes as they arrived: a fetched page keeps its final URL and HTTP charset."""
    if doc.final_url is not None:  # a page: its HTTP response is stored beside it
        return page_document(doc.source_uri, body, doc.final_url, doc.content_type)
    return RawDocument(source=doc.source_uri, data=body, sha256=doc.content_sha256)


@task(name="rewrite_batch", cache_policy=NO_CACHE)
def rewrite_batch(writer: Writer, load_id: str, batch_file: str) -> int:
    """Replace what a spooled batch's documents came to, in one transaction."""
    batch: list[Processed] = read_spool(batch_file)
    writer.reprocess_batch(load_id, batch)
    writer.release()  # readers can open the warehouse until the next batch is written
    return len(batch)


def run_name() -> str:
    """Flow runs are named for what they do: `reprocess <all|outdated> [filters] <start time>`."""
    params = runtime.flow_run.parameters
    what = "all" if params.get("all_documents") else "outdated"
    for key in ("source", "load", "since"):
        if params.get(key):
            what += f" {key} {params[key]}"
    started = runtime.flow_run.scheduled_start_time or dt.datetime.now(dt.timezone.utc)
    return f"reprocess {what} {started:%Y-%m-%dT%H:%M}"


@flow(name="reprocess", flow_run_name=run_name, task_runner=task_runner(Settings.from_env()))
def reprocess(
    db: str | None = None,
    all_documents: bool = False,
    load: str | None = None,
    source: str | None = None,
    since: str | None = None,
    batch_size: int | None = None,
    max_bytes: int | None = None,
    enrich: bool = True,
) -> LoadSummary:
    """Extract stored documents again (no network) and replace what they came to; ids are kept.

    `load`: only documents first stored by that load; `source`: only those whose path or URL
    starts with it; `since` (ISO date or 36h, 7d, 2w): only those stored since.
    """

    settings = Settings.from_env(db=db, batch_size=batch_size, max_bytes=max_bytes)
    selection = Selection(all_documents, load, source_prefix(source), parse_since(since))
    logger = get_run_logger()
    load_id = new_load_id()

    with writing(settings, load_id, "reprocess", str(runtime.flow_run.id or "") or None) as (writer, _, spool):
        slots = extraction_slots(settings, spool, [])
        docs = select_documents(writer, selection)
        logger.info("load %s: %d stored documents to extract again", load_id, len(docs))
        writer.add_discovered(load_id, len(docs), 0)
        writer.release()
        progress = Progress()
        progress.add(len(docs), 0)

        def jobs() -> Iterator[Callable[[], PrefectFuture[str]]]:
            for start in range(0, len(docs), settings.batch_size):
                batch = docs[start : start + settings.batch_size]
                # Reading runs here, in the one process that may open the warehouse.
                yield lambda batch=batch: extract_stored.submit(read_stored(writer, batch, spool), settings.max_bytes, spool)

        for batch_file in pipelined(jobs(), slots):
            progress.add(0, rewrite_batch(writer, load_id, batch_file))
        if enrich:
            enrich_stage(writer, load_id, settings, spool, slots)
        index_articles(writer, load_id)
        counts = writer.finish_load(load_id, "completed")
    logger.info("load %s done: %s", load_id, counts)
    return report_load(str(settings.db), load_id)


def source_prefix(source: str | None) -> str | None:
    """A `source` filter as stored documents name their sources: URLs as given, paths made absolute."""
    if not source or "://" in source:
        return source or None
    return str(Path(source).expanduser().absolute())
