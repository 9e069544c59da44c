"""What the ingest, enrich and reprocess flows share: how tasks run on the pool or cluster (their
sizes: flows/batching.py), how batches travel through the spool, progress for the CLI, the index
and report tasks, and load ids.

flows/ingest.py, flows/enrich.py and flows/reprocess.py each build their stages from these;
ingest and reprocess also run flows/enrich.py's enrich stage, and no other flow imports flows/ingest.py.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import socket
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.runs import fault_point, watch_parent
from flows.settings import Settings
from warehouse.db import Writer, connect
from warehouse.reports import LoadSummary, load_summary, rejects_table, site_health_table, to_markdown

# The CLI sets this to drive its progress bar; it is called with the number of inputs settled.
progress_listener: Callable[[int, int], None] | None = None


@task(name="check_worker", cache_policy=NO_CACHE)
def check_worker(spool: str, folders: Sequence[str]) -> None:
    """On a Dask worker, before any batch: the run's spool folder and the input folders must be visible here."""
    require_visible([spool, *folders])
    os.unlink(spool_batch([], spool))  # and writable


def require_visible(paths: Sequence[str]) -> None:
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


@task(name="index_articles", cache_policy=NO_CACHE)
def index_articles(writer: Writer, load_id: str) -> int:
    """Add the articles loads since the index's last one wrote to the search index; returns how many."""
    indexed = writer.update_search_index(load_id)
    writer.release()
    get_run_logger().info("search index: %d articles indexed", indexed)
    return indexed


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


def task_runner(settings: Settings) -> TaskRunner:
    """Where extraction batches run: on the Dask cluster at settings.dask_address, else a local process pool."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # imports distributed (~1.5 s): only runs on a cluster pay for it

        return DaskTaskRunner(address=settings.dask_address)
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=watch_parent, initargs=(os.getpid(),))


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

