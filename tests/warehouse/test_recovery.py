"""Settling loads an interrupted run left `running`."""

from __future__ import annotations

import socket

from warehouse.db import Writer
from warehouse.lock import Holder
from warehouse.recovery import record_process, settle_interrupted


def test_every_other_running_load_is_aborted_with_who_ran_it_and_when_it_was_found(tmp_path):
    with Writer(tmp_path / "wh.duckdb") as writer:
        writer.start_load("L1")
        record_process(writer.con, "L1", 4242, socket.gethostname())
        writer.start_load("L2")
        writer.finish_load("L2", "completed")
        writer.start_load("L3")  # this run
        settled = settle_interrupted(writer.con, "L3", None)
        assert [s.load_id for s in settled] == ["L1"]
        rows = writer.con.execute("SELECT load_id, status, finished_at IS NOT NULL, message FROM loads ORDER BY load_id").fetchall()
    assert [r[:3] for r in rows] == [("L1", "aborted", True), ("L2", "completed", True), ("L3", "running", False)]
    assert f"process 4242 on {socket.gethostname()} no longer running" in rows[0][3]
    assert "found by load L3" in rows[0][3]


def test_the_reason_a_run_left_in_the_lock_file_is_the_reason_given(tmp_path):
    with Writer(tmp_path / "wh.duckdb") as writer:
        writer.start_load("L1")
        writer.start_load("L2")
        last = Holder(4242, socket.gethostname(), "L1", "2026-01-01T00:00:00+00:00", error="OSError: No space left on device")
        (settled,) = settle_interrupted(writer.con, "L2", last)
    assert settled.message.startswith("interrupted: OSError: No space left on device")

