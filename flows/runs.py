"""A run's life as a process: the warehouse's writer lock, settling runs that died, workers and
spool folders that end with the run, and named fault points for the fault-injection tests."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path

from prefect import get_client, get_run_logger
from prefect.client.schemas.objects import StateType
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectNotFound, TerminationSignal
from prefect.states import Crashed
from pydantic_core import PydanticSerializationError

from flows.settings import Settings
from warehouse.db import WarehouseBusy, Writer
from warehouse.lock import WriterLock, writer_lock
from warehouse.recovery import Settled, record_process, settle_interrupted

SPOOL_PREFIX = "newsflow-spool-"
PARENT_POLL_SECONDS = 1.0


@contextmanager
def writing(settings: Settings, load_id: str, kind: str, flow_run_id: str | None) -> Iterator[tuple[Writer, WriterLock, str]]:
    """Hold the warehouse's writer lock, open the Writer, settle dead runs' loads, start this load, give it a spool folder.

    When the body raises, the load ends `aborted` (SIGTERM, Ctrl-C) or `failed`, with the reason.
    """
    logger = get_run_logger()
    with writer_lock(settings.db, load_id, settings.lock_timeout, on_wait=logger.warning) as lock:
        with Writer(settings.db) as writer:
            for settled in settle_interrupted(writer.con, load_id, lock.previous):
                logger.warning("load %s was left running: %s", settled.load_id, settled.message)
                _mark_crashed(settled)
            writer.start_load(load_id, flow_run_id=flow_run_id, kind=kind)
            record_process(writer.con, load_id, lock.holder.pid, lock.holder.host)
            writer.release()  # readers can open the warehouse while the run finds its inputs
            try:
                with spool_folder(settings.spool) as spool:
                    try:
                        yield writer, lock, spool
                    except BaseException:
                        # Before the spool goes: batches in flight are dropped at once, rather than
                        # finishing (a SIGTERM must end the run in seconds) or failing on a missing spool.
                        stop_fetching()  # no new request once the run is failing or told to stop
                        stop_workers()
                        raise
            except BaseException as exc:
                _end_failed(writer, lock, load_id, exc)
                raise


def termination_signal(exc: BaseException) -> int | None:
    """The signal that stopped the run, when `exc` is Prefect's TerminationSignal or wraps it.

    Prefect's SIGTERM handler raises wherever the main thread is. When that is inside pydantic
    serializing one of Prefect's models, pydantic turns it into a PydanticSerializationError that
    keeps only the exception's name in its message (seen in tests/flows/test_faults.py).
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TerminationSignal):
            return seen.signal
        if isinstance(seen, PydanticSerializationError) and "TerminationSignal" in str(seen):
            return signal.SIGTERM  # the only signal Prefect's handler turns into the exception
        seen = seen.__cause__ or seen.__context__
    return None


def stop_reason(exc: BaseException) -> str | None:
    """Why a run was stopped from outside, or None when it failed on its own."""
    if signum := termination_signal(exc):
        return f"stopped by {signal.Signals(signum).name}"
    if isinstance(exc, KeyboardInterrupt):
        return "stopped by Ctrl-C (SIGINT)"
    return None


def describe(exc: BaseException) -> str:
    """One line for an exception: its type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _end_failed(writer: Writer, lock: WriterLock, load_id: str, exc: BaseException) -> None:
    """Record why the load ended; when the warehouse cannot take it (a full disk), leave it in the lock file."""
    stopped = stop_reason(exc)
    status, message = ("aborted", stopped) if stopped else ("failed", describe(exc)[:1000])
    if isinstance(exc, WarehouseBusy):  # opening the file again would wait for the same readers as long again
        lock.note_error(message)
        return
    try:
        writer.finish_load(load_id, status, message)
    except Exception:  # the warehouse refuses writes (disk full, invalidated): the next run reads the lock file
        lock.note_error(message)


def _mark_crashed(settled: Settled) -> None:
    """A dead run's flow run still RUNNING in Prefect is marked Crashed, with the same message."""
    if not settled.flow_run_id:
        return
    try:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(settled.flow_run_id)
            if run.state is not None and run.state.type in (StateType.RUNNING, StateType.PENDING):
                client.set_flow_run_state(run.id, Crashed(message=settled.message), force=True)
    except ObjectNotFound:  # recorded by another Prefect server: that server's own crash detection applies
        pass
    except Exception as exc:  # the load is settled either way; Prefect's record is a courtesy
        get_run_logger().warning("could not mark flow run %s crashed: %s", settled.flow_run_id, describe(exc))


def stop_fetching() -> None:
    """Stop every Fetcher of this process: in-flight and queued URLs come back `stopped`, none is requested."""
    from flows.fetch import stop_all  # httpx is imported by the fetcher only where it runs

    stop_all()


def stop_workers() -> None:
    """Drop the local process pool's queued batches and terminate its workers at once.

    Prefect hands each submission to the pool from a resolver thread, and the pool spawns its
    workers as submissions arrive: terminating the live workers alone let a batch submitted just
    before the stop start afterwards, on a worker spawned for it, and fail on the removed spool.
    So first the pool takes no more work, then its workers go. The runner has no public call that
    cancels without waiting for running batches to finish (`cancel_all` waits), hence its private
    executors.
    """
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    for executor in (getattr(runner, "_resolver_executor", None), getattr(runner, "_executor", None)):
        if isinstance(executor, Executor):
            executor.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.terminate()


def watch_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it (`parent`) is gone.

    A killed flow process cannot stop its pool; without this its workers run their batch to the
    end and wait for work forever. (PR_SET_PDEATHSIG would fire when the *thread* that spawned
    the worker ends, and the pool spawns workers from whichever thread submits.) The parent's pid
    comes as an argument: a worker still starting when its parent died must see that at once.
    """
    if os.getppid() != parent:
        os._exit(1)

    def poll() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=poll, name="newsflow-watch-parent", daemon=True).start()


def die_with_parent() -> None:
    """preexec_fn for a child started from the main thread: the kernel sends it SIGTERM when we die."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def spool_folder(parent: Path | None) -> Iterator[str]:
    """A fresh spool folder for this run, named for its host and process; dead runs' folders are removed first."""
    where = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    remove_stale_spools(where)
    host = _safe(socket.gethostname())
    with tempfile.TemporaryDirectory(prefix=f"{SPOOL_PREFIX}{host}-{os.getpid()}-", dir=where) as spool:
        yield spool


def remove_stale_spools(where: Path) -> list[Path]:
    """Remove the spool folders that runs on this host left when they died; return them."""
    host = _safe(socket.gethostname())
    pattern = re.compile(rf"{re.escape(SPOOL_PREFIX)}{re.escape(host)}-(\d+)-")
    removed = []
    for entry in where.glob(f"{SPOOL_PREFIX}{host}-*"):
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not _running(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", name)


def fault_point(name: str) -> None:
    """Fault injection for tests: NEWSFLOW_FAULT="NAME[:N]:ACTION" acts at the N-th (default first) pass here.

    ACTION is `kill` (SIGKILL this process), `pause` (create the file NEWSFLOW_FAULT_FILE and
    sleep, for the test to act: send a signal, start another run), or `diskfull` (raise ENOSPC as a
    write would, where a real full disk cannot be made).
    Unset in normal runs: then this is one dictionary lookup.
    """
    spec = os.environ.get("NEWSFLOW_FAULT")
    if not spec:
        return
    point, _, rest = spec.partition(":")
    count, _, action = rest.rpartition(":")
    if point != name:
        return
    _fault_passes[name] = _fault_passes.get(name, 0) + 1
    if _fault_passes[name] != int(count or 1):
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "pause":
        Path(os.environ["NEWSFLOW_FAULT_FILE"]).write_text(f"{os.getpid()} {dt.datetime.now().isoformat()}")
        time.sleep(600)
    elif action == "diskfull":
        raise OSError(28, "No space left on device (NEWSFLOW_FAULT)")


_fault_passes: dict[str, int] = {}
