"""The writer lock: one writer per warehouse file, named in messages, released by the kernel when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from warehouse.lock import WriterLockBusy, read_holder, writer_lock


def hold_in_child(db) -> subprocess.Popen[str]:
    """A separate process that takes the lock, says so, and sleeps."""
    code = textwrap.dedent(
        f"""
        import time
        from warehouse.lock import writer_lock
        with writer_lock({str(db)!r}, "L-child", timeout=0):
            print("held", flush=True)
            time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_writer_waits_then_fails_naming_the_holder(tmp_path):
    db = tmp_path / "wh.duckdb"
    child = hold_in_child(db)
    try:
        waits = []
        with pytest.raises(WriterLockBusy) as busy:
            with writer_lock(db, "L-second", timeout=1, on_wait=waits.append):
                pass
        assert f"load L-child (process {child.pid} on" in str(busy.value)
        assert len(waits) == 1 and "waiting for load L-child" in waits[0]
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_keeps_nothing(tmp_path):
    db = tmp_path / "wh.duckdb"
    child = hold_in_child(db)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    waits = []
    with writer_lock(db, "L-next", timeout=0, on_wait=waits.append) as lock:
        assert lock.previous is not None and lock.previous.load_id == "L-child" and lock.previous.pid == child.pid
        assert lock.previous.alive() is False
    assert waits == []  # no wait, no message


def test_writers_of_different_warehouses_never_wait_for_each_other(tmp_path):
    child = hold_in_child(tmp_path / "one.duckdb")
    try:
        with writer_lock(tmp_path / "two.duckdb", "L-two", timeout=0):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_clean_release_leaves_no_holder_and_a_noted_error_stays_for_the_next_run(tmp_path):
    db = tmp_path / "wh.duckdb"
    with writer_lock(db, "L1", timeout=0):
        assert read_holder(db).load_id == "L1"
    assert read_holder(db) is None
    with pytest.raises(OSError):
        with writer_lock(db, "L2", timeout=0) as lock:
            lock.note_error("disk full")
            raise OSError(28, "No space left on device")
    assert (read_holder(db).load_id, read_holder(db).error) == ("L2", "disk full")


def test_processes_the_holder_starts_do_not_inherit_the_lock(tmp_path):
    db = tmp_path / "wh.duckdb"
    with writer_lock(db, "L1", timeout=0):
        # A child (like the temporary Prefect server or a pool worker) outliving its parent must not hold the lock.
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        with writer_lock(db, "L2", timeout=0):
            pass
    finally:
        child.kill()
        child.wait()
