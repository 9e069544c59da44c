"""How a run tells a stop from outside (a signal) from a failure of its own, and how it stops its workers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import BaseModel, model_serializer

from flows.runs import stop_reason, stop_workers, termination_signal, watch_parent


class Serialized(BaseModel):
    """A model whose serialization is interrupted by Prefect's SIGTERM handler."""

    name: str = "state"

    @model_serializer
    def _ser_model(self) -> dict:
        raise TerminationSignal(signal.SIGTERM)


def test_a_sigterm_is_a_stop_from_outside():
    assert termination_signal(TerminationSignal(signal.SIGTERM)) == signal.SIGTERM
    assert stop_reason(TerminationSignal(signal.SIGTERM)) == "stopped by SIGTERM"
    assert stop_reason(KeyboardInterrupt()) == "stopped by Ctrl-C (SIGINT)"


def test_a_sigterm_that_pydantic_wrapped_while_serializing_is_still_a_stop():
    with pytest.raises(Exception) as raised:
        Serialized().model_dump_json()
    assert type(raised.value).__name__ == "PydanticSerializationError"  # what pydantic makes of it
    assert termination_signal(raised.value) == signal.SIGTERM
    assert stop_reason(raised.value) == "stopped by SIGTERM"


def test_a_sigterm_raised_while_handling_another_error_is_found_in_the_chain():
    try:
        try:
            raise TerminationSignal(signal.SIGTERM)
        except TerminationSignal as exc:
            raise RuntimeError("cleanup failed") from exc
    except RuntimeError as exc:
        assert termination_signal(exc) == signal.SIGTERM


def test_a_failure_of_the_runs_own_is_no_stop():
    assert termination_signal(ValueError("TerminationSignal named in a message")) is None
    assert stop_reason(OSError("disk full")) is None


@task(cache_policy=NO_CACHE)
def note_start(folder: str, n: int) -> None:
    """A batch that leaves a file when it starts (a module-level task: spawned workers import it)."""
    Path(folder, f"started-{n}").touch()
    time.sleep(2)


@flow(task_runner=ProcessPoolTaskRunner(max_workers=2, initializer=watch_parent, initargs=(os.getpid(),)))
def submit_then_stop(folder: str, wait: float) -> None:
    """Submit eight batches and stop the workers at once, as a run that is told to stop does."""
    for n in range(8):
        note_start.submit(folder, n)
    stop_workers()
    time.sleep(wait)  # long enough for a spawned worker to import Prefect and start a batch


def test_stopping_the_workers_drops_batches_submitted_just_before(prefect_server, tmp_path):
    # Before the pool was shut down first, the batches still on their way to the pool started
    # afterwards on workers spawned for them (three of eight here), after the run had removed its spool.
    submit_then_stop(str(tmp_path), wait=8.0)
    assert sorted(os.listdir(tmp_path)) == []
