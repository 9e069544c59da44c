"""Read-side helpers: the schema with its meanings, and exports that never write the warehouse."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO
from warehouse.db import Writer, connect
from warehouse.inspect import export, export_sql, schema, schema_markdown

CONTRACT = ("loads", "documents", "articles", "duplicates", "rejects")


@pytest.fixture
def new_warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with Writer(path) as writer:
        writer.start_load("L1")
        writer.finish_load("L1", "completed")
        writer.start_load("L2", kind="reprocess")
    return path


def test_docs_schema_md_is_what_a_new_warehouse_says(new_warehouse):
    con = connect(new_warehouse, read_only=True)
    try:
        expected = schema_markdown(schema(con))
    finally:
        con.close()
    assert (REPO / "docs" / "schema.md").read_text(encoding="utf-8") == expected, (
        "docs/schema.md is out of date: uv run newsflow schema --format markdown --db NEW.duckdb > docs/schema.md"
    )


def test_every_contract_table_and_its_key_columns_say_what_they_mean(new_warehouse):
    con = connect(new_warehouse, read_only=True)
    try:
        relations = {r.name: r for r in schema(con)}
    finally:
        con.close()
    for name in CONTRACT:
        assert relations[name].comment, name
    columns = {name: comment for name, _, comment in relations["articles"].columns}
    assert "jsonld" in columns["date_source"] and columns["published_at"]
    assert relations["articles_canonical"].kind == "view" and relations["articles_canonical"].comment


def test_a_name_exports_the_table_and_anything_else_is_sql(new_warehouse):
    con = connect(new_warehouse, read_only=True)
    try:
        assert export_sql(con, "loads") == 'SELECT * FROM "loads"'
        assert export_sql(con, "SELECT 1") == "SELECT 1"
        assert export_sql(con, "no_such_table") == "no_such_table"  # then DuckDB says what is wrong
    finally:
        con.close()


def test_exports_in_each_format_hold_every_row(new_warehouse, tmp_path):
    con = connect(new_warehouse, read_only=True)
    try:
        assert export(con, "loads", "parquet", tmp_path / "l.parquet", batch_rows=1) == 2
        assert export(con, "SELECT load_id, [kind, status] AS pair FROM loads ORDER BY load_id", "jsonl", tmp_path / "l.jsonl") == 2
        assert export(con, "SELECT load_id, [kind, status] AS pair FROM loads ORDER BY load_id", "csv", tmp_path / "l.csv") == 2
        with pytest.raises(ValueError):
            export(con, "loads", "xlsx", tmp_path / "l.xlsx")
    finally:
        con.close()
    assert sorted(pq.read_table(tmp_path / "l.parquet").column("status").to_pylist()) == ["completed", "running"]
    lines = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert lines == [{"load_id": "L1", "pair": ["ingest", "completed"]}, {"load_id": "L2", "pair": ["reprocess", "running"]}]
    assert (tmp_path / "l.csv").read_text().splitlines()[1] == '"L1","[""ingest"", ""completed""]"'


def test_an_export_through_a_read_only_connection_cannot_write(new_warehouse, tmp_path):
    con = connect(new_warehouse, read_only=True)
    try:
        with pytest.raises(duckdb.Error):
            export(con, "DELETE FROM loads RETURNING *", "csv", tmp_path / "x.csv")
    finally:
        con.close()
