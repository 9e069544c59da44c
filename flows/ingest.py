"""The `ingest` flow: discover -> skip unchanged -> extract (process pool) -> dedup + load -> report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner

from flows.files import EXAMPLES, SourceFile, discover, outlet_of, read
from flows.settings import Settings
from transforms.pipeline import process_batch
from transforms.records import Processed, RawDocument, Rejection
from warehouse.db import Writer, connect
from warehouse.reports import LoadSummary, load_summary, to_markdown

# The CLI sets this to drive its progress bar; it is called with the number of inputs settled.
progress_listener: Callable[[int, int], None] | None = None


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


@task(name="extract_batch", cache_policy=NO_CACHE)
def extract_batch(files: Sequence[SourceFile], max_bytes: int, spool: str) -> str:
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


def spool_batch(batch: Sequence[Processed], spool: str) -> str:
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


@flow(name="ingest", task_runner=ProcessPoolTaskRunner(max_workers=Settings.from_env().workers))
def ingest(
    paths: list[str] | None = None,
    db: str | None = None,
    batch_size: int | None = None,
    max_bytes: int | None = None,
) -> LoadSummary:
    """Ingest article files into the warehouse; with no paths, the bundled sample corpus."""
    settings = Settings.from_env(db=db, batch_size=batch_size, max_bytes=max_bytes)
    logger = get_run_logger()
    load_id = _new_load_id()
    sources = [str(p) for p in (paths or [EXAMPLES])]
    files, missing = discover_files(sources)
    logger.info("load %s: %d input files under %s", load_id, len(files), ", ".join(sources))

    with Writer(settings.db) as writer, tempfile.TemporaryDirectory(prefix="newsflow-spool-") as spool:
        writer.start_load(load_id, flow_run_id=str(runtime.flow_run.id or "") or None)
        try:
            todo, unchanged = skip_unchanged(writer, files)
            writer.add_discovered(load_id, len(files) + len(missing), unchanged)
            _notify(unchanged + len(missing), len(files) + len(missing))
            if missing:
                load_batch(writer, load_id, spool_batch([Processed(r.source, r) for r in missing], spool))
            for batch_file in _pipelined(todo, settings, spool):
                _notify(load_batch(writer, load_id, batch_file), len(files) + len(missing))
        except BaseException as exc:
            writer.finish_load(load_id, "failed", f"{type(exc).__name__}: {exc}"[:1000])
            raise
        counts = writer.finish_load(load_id, "completed")
    logger.info("load %s done: %s", load_id, counts)
    return report_load(str(settings.db), load_id)


def _pipelined(files: Sequence[SourceFile], settings: Settings, spool: str) -> Iterator[str]:
    """Yield spooled batches in input order, keeping only a few in flight (bounded memory and disk)."""
    pending: deque[PrefectFuture[str]] = deque()
    size = settings.batch_size
    for start in range(0, len(files), size):
        pending.append(extract_batch.submit(list(files[start : start + size]), settings.max_bytes, spool))
        if len(pending) > settings.workers * 2:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _notify(settled: int, total: int) -> None:
    if progress_listener is not None and settled:
        progress_listener(settled, total)


def _new_load_id() -> str:
    # Sortable by time, unique without coordination.
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"

