"""Warehouses as older code left them, for the tests that migrate them forward."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import migrations


def warehouse_as_of(db: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A new warehouse file with migrations up to `version` applied and recorded, nothing after; open for writing."""
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    for number, name, sql in migrations():
        if number <= version:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
    return con
