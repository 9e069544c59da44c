"""How a run tells a stop from outside (a signal) from a failure of its own."""

from __future__ import annotations

import signal

import pytest
from prefect.exceptions import TerminationSignal
from pydantic import BaseModel, model_serializer

from flows.runs import stop_reason, termination_signal


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
