"""Read-side SQL for looking into the warehouse: one article, recent loads, the schema, exports, the HTML report."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

EXPORT_FORMATS = ("parquet", "csv", "jsonl")


# -- one article ------------------------------------------------------------------------------


@dataclass
class ArticleView:
    """One article with its metadata, provenance, entities and quotes."""

    fields: dict[str, object]  # the articles row, plus the document's media type and size
    canonical_id: str  # the article it is a copy of, or itself
    copy_of: tuple[str, str, float] | None  # (method, article_id, similarity) when it is a copy
    copies: list[tuple[str, str | None, str, str, float]]  # article_id, site, source, method, similarity
    story: tuple[str, str, int, int | None] | None  # story_id, label, articles, lag_days
    story_outlets: list[tuple[str | None, dt.date | None, int | None, str]]  # site, published_on, lag, article_id
    wire_group: list[tuple[str, dt.date | None, int | None, list[str]]]  # site, published_on, lag, agencies
    enrichment: tuple[str, str | None, str | None] | None  # status, reason, model
    entities: list[tuple[str, str, int]]  # name, type, mentions
    quotes: list[tuple[str | None, str | None, str]]  # speaker, cue, text
    keywords: list[str] = field(default_factory=list)


def find_article(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Article ids matching an id (or an id prefix), a URL, or a source path (relative paths resolved)."""
    candidates = [key]
    if "://" not in key:
        candidates.append(os.path.abspath(key))
    rows = con.execute(
        "SELECT article_id FROM articles"
        " WHERE article_id = ? OR url = ? OR source_uri IN (SELECT unnest(?::VARCHAR[]))"
        " ORDER BY article_id",
        [key, key, candidates],
    ).fetchall()
    if not rows and len(key) >= 6:
        rows = con.execute(
            "SELECT article_id FROM articles WHERE starts_with(article_id, ?) ORDER BY article_id LIMIT 10", [key]
        ).fetchall()
    return [article_id for (article_id,) in rows]


def article_view(con: duckdb.DuckDBPyConnection, article_id: str) -> ArticleView:
    """Everything the warehouse knows about one article."""
    cursor = con.execute(
        "SELECT a.*, d.media_type AS document_media_type, d.bytes AS document_bytes, l.started_at AS loaded_at"
        " FROM articles a JOIN documents d USING (doc_id) LEFT JOIN loads l ON l.load_id = a.load_id"
        " WHERE a.article_id = ?",
        [article_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise KeyError(f"no article {article_id}")
    fields = dict(zip([d[0] for d in cursor.description], row))
    copy_of = con.execute(
        "SELECT method, duplicate_of, similarity FROM duplicates WHERE article_id = ?", [article_id]
    ).fetchone()
    canonical = copy_of[1] if copy_of else article_id
    copies = con.execute(
        "SELECT d.article_id, a.site_name, coalesce(a.url, a.source_uri), d.method, d.similarity"
        " FROM duplicates d JOIN articles a USING (article_id) WHERE d.duplicate_of = ? ORDER BY d.article_id",
        [canonical],
    ).fetchall()
    story = con.execute(
        "SELECT t.story_id, t.label, s.article_count, t.lag_days FROM story_timeline t JOIN stories s USING (story_id)"
        " WHERE t.article_id = ?",
        [article_id],
    ).fetchone()
    outlets = (
        con.execute(
            "SELECT site_name, published_on, lag_days, article_id FROM story_timeline WHERE story_id = ?"
            " ORDER BY position, article_id",
            [story[0]],
        ).fetchall()
        if story
        else []
    )
    wire = con.execute(
        "SELECT site_name, published_on, lag_days, agencies FROM wire_lineage"
        " WHERE wire_group_id = (SELECT wire_group_id FROM story_members WHERE article_id = ?)"
        " ORDER BY published_on NULLS LAST, article_id",
        [article_id],
    ).fetchall()
    enrichment = con.execute("SELECT status, reason, model FROM enrichment WHERE article_id = ?", [article_id]).fetchone()
    # A copy is not annotated (NLP runs once per distinct article): it shows its original's findings.
    entities = con.execute(
        "SELECT e.name, e.type, count(*) AS n FROM mentions m JOIN entities e USING (entity_id)"
        " WHERE m.article_id = ? GROUP BY ALL ORDER BY n DESC, e.name",
        [canonical],
    ).fetchall()
    quotes = con.execute(
        "SELECT coalesce(e.name, q.speaker_text), q.cue, q.text FROM quotes q"
        " LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id WHERE q.article_id = ? ORDER BY q.start_char",
        [canonical],
    ).fetchall()
    keywords = [p for (p,) in con.execute(
        "SELECT phrase FROM keywords WHERE article_id = ? ORDER BY score DESC, phrase LIMIT 10", [canonical]
    ).fetchall()]
    return ArticleView(
        fields=fields,
        canonical_id=canonical,
        copy_of=copy_of,
        copies=copies,
        story=story,
        story_outlets=outlets,
        wire_group=wire,
        enrichment=enrichment,
        entities=entities,
        quotes=quotes,
        keywords=keywords,
    )


# -- loads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRow:
    """One load as `newsflow loads` lists it."""

    load_id: str
    kind: str
    status: str
    started_at: dt.datetime
    seconds: float | None  # NULL while running
    discovered: int
    loaded: int
    duplicates: int
    unchanged: int
    rejected: int
    flow_run_id: str | None
    message: str | None


def recent_loads(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[LoadRow]:
    """The most recent loads, newest first."""
    rows = con.execute(
        "SELECT load_id, kind, status, started_at, epoch(finished_at - started_at),"
        " discovered, loaded, duplicates, unchanged, rejected, flow_run_id, message"
        " FROM loads ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [LoadRow(*row) for row in rows]


def warehouse_file(con: duckdb.DuckDBPyConnection) -> str:
    """The file this connection has open."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return path


def table_sizes(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> list[tuple[str, int]]:
    """Row counts of the named tables and views (names from our own list, never from input)."""
    known = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()").fetchall()}
    return [(name, con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names if name in known]


# -- schema -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A table, view or table macro of the warehouse with its columns: (name, type, comment)."""

    name: str
    kind: str  # table | view | table macro (its columns are its parameters)
    comment: str | None
    columns: tuple[tuple[str, str, str | None], ...]


def schema(con: duckdb.DuckDBPyConnection) -> list[Relation]:
    """Every table, view and table macro of the warehouse's main schema, with the comments the migrations gave them."""
    relations = con.execute(
        "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal"
        " UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
        " ORDER BY 2, 1"
    ).fetchall()
    macros = con.execute(
        "SELECT function_name, comment, parameters FROM duckdb_functions()"
        " WHERE function_type = 'table_macro' AND schema_name = 'main' AND NOT internal ORDER BY 1"
    ).fetchall()
    columns: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, type_, comment in con.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns()"
        " WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
    ).fetchall():
        columns.setdefault(table, []).append((column, type_, comment))
    return [Relation(name, kind, comment, tuple(columns.get(name, ()))) for name, kind, comment in relations] + [
        Relation(name, "table macro", comment, tuple((parameter, "parameter", None) for parameter in parameters))
        for name, comment, parameters in macros
    ]


def schema_markdown(relations: list[Relation]) -> str:
    """The schema as Markdown: one section per table or view, one line per column."""
    lines = [
        "# The warehouse schema",
        "",
        "Generated from the migrations in `warehouse/migrations/` by `uv run newsflow schema --format markdown`",
        "(tests/warehouse/test_inspect.py checks that it matches a new warehouse). Do not edit by hand.",
    ]
    for relation in relations:
        lines += ["", f"## `{relation.name}` ({relation.kind})", ""]
        if relation.comment:
            lines += [relation.comment, ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        for name, type_, comment in relation.columns:
            lines.append(f"| `{name}` | {type_} | {(comment or '').replace('|', '/')} |")
    return "\n".join(lines) + "\n"


# -- export -----------------------------------------------------------------------------------


def export_sql(con: duckdb.DuckDBPyConnection, query_or_table: str) -> str:
    """A query for an export: a table or view name becomes SELECT * FROM it; anything else is SQL."""
    names = {n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()}
    name = query_or_table.strip()
    return f'SELECT * FROM "{name}"' if name in names else query_or_table


def export(con: duckdb.DuckDBPyConnection, query_or_table: str, fmt: str, out: Path, batch_rows: int = 50_000) -> int:
    """Write a query's (or a table's) rows to a Parquet, CSV or JSON-lines file, batch by batch; return the row count.

    The rows come through the caller's connection (read-only for the CLI) as Arrow batches and
    pyarrow writes the file, so an export never needs write access to the warehouse and never
    holds the whole result in memory.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    reader = con.execute(export_sql(con, query_or_table)).to_arrow_reader(batch_rows)
    rows = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        with pq.ParquetWriter(out, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    elif fmt == "csv":
        with pa_csv.CSVWriter(out, _csv_schema(reader.schema)) as writer:
            for batch in reader:
                writer.write_batch(_csv_batch(batch))
                rows += batch.num_rows
    else:
        with open(out, "w", encoding="utf-8") as handle:
            for batch in reader:
                for record in batch.to_pylist():
                    handle.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
                rows += batch.num_rows
    return rows


def _csv_schema(schema: pa.Schema) -> pa.Schema:
    # CSV has no lists or structs: nested columns are written as their JSON text.
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_nested(f.type) else f for f in schema])


def _csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns = [
        pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=_json_default) for v in col.to_pylist()], pa.string())
        if pa.types.is_nested(col.type)
        else col
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, schema=_csv_schema(batch.schema))


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


# -- the HTML report --------------------------------------------------------------------------


@dataclass
class ReportData:
    """What `newsflow report` charts, for the loads started since a moment."""

    since: dt.datetime
    loads: int
    articles_by_site_day: list[tuple[str, dt.date, int]]  # site, publication day, articles
    undated_by_site: list[tuple[str, int]]
    stories: list[tuple[str, str, str, dt.date | None, str]]  # story_id, label, site, published_on, title
    wire: list[tuple[str, str, str, str, dt.date | None, int | None, list[str]]]  # group, story, first site, site, day, lag, agencies
    entity_days: list[tuple[str, dt.date, int]]  # entity, publication day, mentions
    site_health: list[tuple[str, int, float, float, float, float, int, float | None, float | None, float | None, float | None]]
    rejects: list[tuple[str, str, int]]  # stage, reason, inputs


def report_data(
    con: duckdb.DuckDBPyConnection, since: dt.datetime, *, top_stories: int = 8, top_entities: int = 8
) -> ReportData:
    """Gather the report's figures over the articles and rejects of loads started since `since`."""
    # One temp table of the window's articles keeps every chart on the same rows.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE report_articles AS"
        " SELECT a.article_id, coalesce(a.site_name, '(unknown)') AS site_name, a.published_at, a.title"
        " FROM articles a JOIN loads l USING (load_id) WHERE l.started_at >= ?",
        [since],
    )
    (loads,) = con.execute("SELECT count(*) FROM loads WHERE started_at >= ?", [since]).fetchone()
    by_day = con.execute(
        "SELECT site_name, published_at, count(*) FROM report_articles WHERE published_at IS NOT NULL"
        " GROUP BY ALL ORDER BY published_at, site_name"
    ).fetchall()
    undated = con.execute(
        "SELECT site_name, count(*) FROM report_articles WHERE published_at IS NULL GROUP BY ALL ORDER BY 2 DESC, 1"
    ).fetchall()
    stories = con.execute(
        "WITH top AS ("
        "  SELECT story_id FROM story_timeline WHERE article_id IN (SELECT article_id FROM report_articles)"
        "  GROUP BY story_id HAVING count(DISTINCT site_name) > 1 ORDER BY count(*) DESC, story_id LIMIT ?)"
        " SELECT t.story_id, t.label, t.site_name, t.published_on, coalesce(t.title, t.label)"
        " FROM story_timeline t JOIN top USING (story_id) ORDER BY t.story_id, t.position, t.site_name",
        [top_stories],
    ).fetchall()
    wire = con.execute(
        "SELECT w.wire_group_id, s.label, w.first_site, w.site_name, w.published_on, w.lag_days, w.agencies"
        " FROM wire_lineage w JOIN stories s USING (story_id)"
        " WHERE w.wire_group_id IN (SELECT wire_group_id FROM wire_lineage"
        "   WHERE article_id IN (SELECT article_id FROM report_articles))"
        " ORDER BY w.wire_group_id, w.published_on NULLS LAST, w.site_name, w.article_id"
    ).fetchall()
    entity_days = con.execute(
        "WITH m AS ("
        "  SELECT e.name, r.published_at AS day FROM mentions m JOIN entities e USING (entity_id)"
        "  JOIN report_articles r USING (article_id) WHERE e.type IN ('PERSON', 'ORG', 'GPE', 'LOC', 'FAC', 'EVENT')),"
        " top AS (SELECT name FROM m GROUP BY name ORDER BY count(*) DESC, name LIMIT ?)"
        " SELECT name, day, count(*) FROM m JOIN top USING (name) WHERE day IS NOT NULL GROUP BY ALL ORDER BY day, name",
        [top_entities],
    ).fetchall()
    # The latest check of each site in the window, beside the 7 days before that load.
    health = con.execute(
        "SELECT site_name, articles, with_title, with_day_date, with_author, median_words,"
        " baseline_articles, baseline_with_title, baseline_with_day_date, baseline_with_author, baseline_median_words"
        " FROM site_health_checks h JOIN loads l USING (load_id) WHERE l.started_at >= ?"
        " QUALIFY row_number() OVER (PARTITION BY site_name ORDER BY l.started_at DESC) = 1"
        " ORDER BY articles DESC, site_name",
        [since],
    ).fetchall()
    rejects = con.execute(
        "SELECT stage, reason, count(*) FROM rejects r JOIN loads l USING (load_id) WHERE l.started_at >= ?"
        " GROUP BY ALL ORDER BY 3 DESC, reason",
        [since],
    ).fetchall()
    con.execute("DROP TABLE report_articles")
    return ReportData(since, loads, by_day, undated, stories, wire, entity_days, health, rejects)

