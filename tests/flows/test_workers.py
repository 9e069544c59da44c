"""Local extraction workers: forked from one warmed-up server process, and gone with the run."""

from __future__ import annotations

import os
import sys

from prefect import flow, task

from flows.runs import watch_parent
from flows.settings import Settings
from flows.stages import WarmProcessPoolTaskRunner, task_runner


@task
def describe_worker() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "parent": os.getppid(),
        # what the server loaded before forking: the worker never imported or warmed these itself
        "preloaded": "flows.worker_preload" in sys.modules,
        "minhash_ready": "datasketch" in sys.modules,
    }


@flow(task_runner=task_runner(Settings.from_env(dask_address=None)))
def two_workers() -> list[dict[str, object]]:
    return [future.result() for future in [describe_worker.submit() for _ in range(4)]]


def test_the_local_pool_forks_its_workers_from_a_warmed_up_server(prefect_server):
    assert isinstance(two_workers.task_runner, WarmProcessPoolTaskRunner)
    workers = two_workers()
    assert all(worker["preloaded"] and worker["minhash_ready"] for worker in workers), workers
    # their parent is the forkserver, not this process (a spawned worker's parent would be us)
    assert {worker["parent"] for worker in workers} != {os.getpid()}
    assert os.getpid() not in {worker["pid"] for worker in workers}


def test_a_worker_whose_flow_process_is_gone_ends_itself():
    child = os.fork()
    if child == 0:  # pragma: no cover - the child exits inside watch_parent, or says it did not
        watch_parent(parent=2**22 + 12345)  # beyond pid_max on Linux: a process that does not exist
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 1
