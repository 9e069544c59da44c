"""`newsflow query` reads the warehouse and nothing else: every attack the issue tried is refused with one line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from warehouse.db import Writer


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "wh.duckdb"
    with Writer(db) as writer:
        writer.start_load("L1")
        writer.finish_load("L1", "completed")
    return db


def query(db, sql: str):
    return CliRunner().invoke(app, ["query", sql, "--db", str(db), "--format", "csv"])


def test_reading_the_warehouse_still_works(warehouse):
    result = query(warehouse, "SELECT load_id, status FROM loads")
    assert result.exit_code == 0, result.output
    assert "L1,completed" in result.output


@pytest.mark.parametrize(
    "attack",
    [
        "COPY (SELECT 1) TO '{db}'",  # overwrote the warehouse before
        "COPY (SELECT 1) TO '{tmp}/out.csv'",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '{tmp}/other.duckdb'",
        "EXPORT DATABASE '{tmp}/export'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM 'https://example.com/data.csv'",
        "SET enable_external_access = true",
    ],
)
def test_files_network_extensions_and_settings_are_out_of_reach(warehouse, tmp_path, attack):
    before = warehouse.read_bytes()
    result = query(warehouse, attack.format(db=warehouse, tmp=tmp_path))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("query refused:"), result.output
    assert warehouse.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wh.duckdb"]


def test_an_sql_error_is_a_message_and_debug_shows_the_traceback(warehouse):
    result = query(warehouse, "SELEC 1")
    assert result.exit_code == 1 and result.output.startswith("query failed:")
    debug = CliRunner().invoke(app, ["--debug", "query", "SELEC 1", "--db", str(warehouse)])
    assert debug.exit_code != 0 and debug.exception is not None and "syntax error" in str(debug.exception)
