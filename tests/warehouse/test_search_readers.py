"""Readers during loads: the writer holds the warehouse file only while it writes; a reader waits
a few seconds for it, then gets a one-line "warehouse busy" message, never a traceback."""

import subprocess
import sys
import textwrap

import duckdb
import pytest
from typer.testing import CliRunner

import warehouse.db
from flows.cli import app
from warehouse.db import WarehouseBusy, Writer, connect


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "wh.duckdb"
    Writer(path).close()
    return path


def hold(db, seconds: float) -> subprocess.Popen:
    """Another process opens the warehouse as a load's writer does, says so, and holds it for `seconds`."""
    code = textwrap.dedent(f"""
        import sys, time
        from warehouse.db import Writer
        writer = Writer({str(db)!r})
        writer.con.execute("SELECT 1")
        print("holding", flush=True)
        time.sleep({seconds})
        writer.release()
        print("released", flush=True)
        time.sleep(30)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


def test_a_reader_waits_for_a_batch_being_written_and_then_reads(db):
    writer = hold(db, 1.0)
    try:
        con = connect(db, read_only=True)  # waits up to READ_WAIT (5 s) for the write to end
        assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)
        con.close()
        assert writer.stdout.readline().strip() == "released"
    finally:
        stop(writer)


def test_a_reader_that_waited_too_long_is_told_the_warehouse_is_busy(db, monkeypatch):
    monkeypatch.setattr(warehouse.db, "READ_WAIT", 0.5)
    writer = hold(db, 60)
    try:
        with pytest.raises(WarehouseBusy, match=r"^warehouse busy: a load is writing .*wh\.duckdb; try again$"):
            connect(db, read_only=True)
    finally:
        stop(writer)


@pytest.mark.parametrize("command", [["query", "SELECT 1"], ["search", "ferry"], ["stats"]])
def test_the_cli_says_busy_in_one_line_and_fails(db, monkeypatch, command):
    monkeypatch.setattr(warehouse.db, "READ_WAIT", 0.5)
    writer = hold(db, 60)
    try:
        result = CliRunner().invoke(app, [*command, "--db", str(db)], env={"COLUMNS": "250"})
    finally:
        stop(writer)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warehouse busy: a load is writing"), result.output


def test_a_released_writer_lets_other_processes_read_and_reopens_when_it_writes_again(db):
    with Writer(db) as w:
        w.start_load("L1")
        w.release()
        reader = subprocess.run(
            [sys.executable, "-c", f"import duckdb; print(duckdb.connect({str(db)!r}, read_only=True)"
             ".execute(\"SELECT load_id FROM loads\").fetchone()[0])"],
            capture_output=True, text=True, timeout=60,
        )
        assert reader.stdout.strip() == "L1", reader.stderr
        w.finish_load("L1", "completed")  # opens the file again
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status FROM loads").fetchone() == ("completed",)
    con.close()


def test_the_writer_waits_for_a_reader_to_let_go(db):
    code = textwrap.dedent(f"""
        import time, duckdb
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("reading", flush=True)
        time.sleep(1.0)
        con.close()
        time.sleep(30)
    """)
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "reading"
        with Writer(db) as w:  # waits up to WRITE_WAIT for the reader
            w.start_load("L1")
    finally:
        stop(reader)
    assert connect(db, read_only=True).execute("SELECT count(*) FROM loads").fetchone() == (1,)
