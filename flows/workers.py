"""Where local extraction workers come from: forked from one server process that has warmed up once.

Prefect's process pool spawns every worker as a fresh interpreter, and each one imported Prefect
and our transforms and filled their first-use caches on its own: 5.7 s of CPU per worker on this
machine (Prefect 1.9 s; datasketch 1.3 s, which imports scipy; dateparser 1.8 s compiling its
200 locales the first time htmldate hands it a date; the rest of trafilatura and ours 0.7 s).
With the forkserver start method a single server process pays that once (flows/worker_preload.py)
and every worker is a fork of it, ready at once; the CLI starts that server before it imports
Prefect, so it warms up on the other core while the flow run is being created.

This module imports nothing heavy, so that the CLI can start the server first.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

PRELOAD = ["flows.worker_preload"]


def forkserver_available() -> bool:
    """True where the forkserver start method exists (Linux, macOS; not Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start_worker_server() -> None:
    """Start (once per process) the server that workers are forked from; it warms up in the background."""
    if forkserver_available():
        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        multiprocessing.forkserver.ensure_running()


@contextmanager
def forked_workers(runner_module: ModuleType) -> Iterator[None]:
    """While a process pool is being set up in `runner_module`, make its start method the forkserver.

    Prefect's ProcessPoolTaskRunner asks `multiprocessing.get_context("spawn")` in its __enter__
    and offers no option: this shows that module, for the duration, a multiprocessing whose every
    context is the forkserver (other modules keep the real one). If a later Prefect stops asking
    that way, the pool simply spawns its workers as before.
    """
    if not forkserver_available():
        yield
        return
    # Not started here: Prefect enters a copy of the flow's task runner in every worker too, and
    # the server starts with the first worker, if it is not running yet (start_worker_server).
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    real = runner_module.multiprocessing
    runner_module.multiprocessing = _Forkserver()
    try:
        yield
    finally:
        runner_module.multiprocessing = real


class _Forkserver:
    """The multiprocessing module, except that get_context() gives the forkserver context."""

    def get_context(self, method: str | None = None) -> multiprocessing.context.BaseContext:
        return multiprocessing.get_context("forkserver")

    def __getattr__(self, name: str) -> object:
        return getattr(multiprocessing, name)
