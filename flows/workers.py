"""Where local extraction workers come from: forked from one server process that has warmed up once.

Prefect's process pool spawns every worker as a fresh interpreter, and each one imported Prefect
and our transforms and filled their first-use caches on its own: 5.7 s of CPU per worker on this
machine (Prefect 1.9 s; datasketch 1.3 s, which imports scipy; dateparser 1.8 s compiling its
200 locales the first time htmldate hands it a date; the rest of trafilatura and ours 0.7 s).
With the forkserver start method a single server process pays that once (flows/worker_preload.py)
and every worker is a fork of it, ready at once.

The server starts with a run's first worker, not with the run, so a run with nothing to extract
(the unchanged files of a scheduled run) starts none. Started by the CLI instead, it warmed up while
the flow run was being created, but the unchanged re-run of benchmarks/bench_throughput.py then
paid its 6 s of CPU and took 5.2 s of wall time instead of 3.2 s.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

PRELOAD = ["flows.worker_preload"]


def forkserver_available() -> bool:
    """True where the forkserver start method exists (Linux, macOS; not Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


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
    # The server starts with the first worker (Prefect also enters a copy of the flow's task
    # runner in every worker, which must not start servers of its own).
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
