"""The command line a user meets: fail-fast messages, and the commands that show what the warehouse holds."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app, command_prefix
from tests.conftest import EXAMPLES, REPO

runner = CliRunner()
WIRE_ORIGINAL = EXAMPLES / "html/harbour-courier/2024/03/05/lisbon-dock-workers-strike-remote-cranes.html"
WIRE_COPY = EXAMPLES / "text/bayside-chronicle/lisbon-port-strike.txt"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# -- failing fast -----------------------------------------------------------------------------


def test_ingest_of_a_missing_path_exits_at_once_with_the_path_and_writes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    result = invoke("ingest", str(tmp_path / "no-such-folder"), str(EXAMPLES / "rejects/empty.html"), "--db", str(db))
    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'no-such-folder'}" in result.output
    assert "empty.html" not in result.output  # the one that exists is not reported
    assert not db.exists()  # no run started: no warehouse, no load


def test_a_sources_file_naming_a_missing_folder_fails_fast(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "archive"\nkind = "folder"\nlocation = "gone"\n', encoding="utf-8")
    result = invoke("ingest", "--sources", str(sources), "--db", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'gone'}" in result.output


def test_the_hint_names_uv_run_unless_newsflow_is_on_the_users_own_path(tmp_path, monkeypatch):
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    script = venv_bin / "newsflow"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    # As `uv run` starts us: the project's .venv/bin first on PATH, VIRTUAL_ENV and UV set.
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}/usr/bin")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / ".venv"))
    monkeypatch.setenv("UV", "/usr/local/bin/uv")
    assert command_prefix() == "uv run newsflow"
    # An activated environment (no uv in between): its newsflow is on the user's PATH.
    monkeypatch.delenv("UV")
    assert command_prefix() == "newsflow"


# -- what the warehouse holds -----------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory) -> Path:
    """The bundled corpus ingested once, as `uv run newsflow ingest` would."""
    from flows.ingest import ingest

    db = tmp_path_factory.mktemp("cli") / "examples.duckdb"
    ingest(db=str(db))
    return db


def article_id_of(db: Path, path: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        (article_id,) = con.execute("SELECT article_id FROM articles WHERE source_uri = ?", [str(path)]).fetchone()
    finally:
        con.close()
    return article_id


def test_show_by_path_tells_a_copy_its_original_story_wire_group_entities_and_quotes(warehouse, monkeypatch):
    monkeypatch.chdir(REPO)
    original = article_id_of(warehouse, WIRE_ORIGINAL)
    result = invoke("show", str(WIRE_COPY.relative_to(REPO)), "--db", str(warehouse))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "A copy (near, similarity" in out and f"of article {original}" in out
    assert "Story s-" in out and "(3 articles)" in out
    assert "Wire copy group" in out and "Northgate Post" in out and "The Harbour Courier" in out
    assert "Entities" in out and "Lisbon" in out
    assert "Quotes" in out


def test_show_by_url_and_by_id_prefix_find_the_same_article(warehouse):
    article_id = article_id_of(warehouse, WIRE_ORIGINAL)
    by_url = invoke(
        "show", "https://www.harbourcourier.example/news/world/2024/03/05/lisbon-dock-workers-strike-remote-cranes",
        "--db", str(warehouse),
    )
    by_prefix = invoke("show", article_id[:8], "--db", str(warehouse))
    for result in (by_url, by_prefix):
        assert result.exit_code == 0, result.output
        assert f"Article {article_id}" in result.output
        assert "Lisbon dock workers strike over plan for remote-controlled cranes" in result.output
        assert "from jsonld, precision day" in result.output


def test_show_of_nothing_known_says_so(warehouse):
    result = invoke("show", "https://nowhere.example/none", "--db", str(warehouse))
    assert result.exit_code == 1
    assert "no article matches" in result.output


def test_loads_lists_the_load_with_status_duration_counts_and_its_prefect_run(warehouse):
    # The test session's Prefect server is kept for the whole session, as `prefect server start` would be.
    result = runner.invoke(app, ["loads", "--db", str(warehouse)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(warehouse), read_only=True)
    (load_id, seconds, flow_run_id) = con.execute(
        "SELECT load_id, epoch(finished_at - started_at), flow_run_id FROM loads"
    ).fetchone()
    con.close()
    row = next(line for line in result.output.splitlines() if load_id in line and "completed" in line)
    assert f"{seconds:.1f} s" in row
    assert re.search(r"31\D+22\D+4\D+0\D+5", row)  # found, loaded, duplicates, unchanged, rejected
    assert re.search(rf"^{load_id}  http://127\.0\.0\.1:\d+/runs/flow-run/{flow_run_id}$", result.output, re.M)


def test_stats_names_the_warehouse_and_the_last_loads_time_and_duration(warehouse):
    result = runner.invoke(app, ["stats", "--db", str(warehouse)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"Warehouse: {warehouse}" in result.output
    assert re.search(r"Last load: \S+ \(ingest\), started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, took \d+\.\d s", result.output)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_row_of_a_view(warehouse, tmp_path, fmt):
    out = tmp_path / f"canonical.{fmt}"
    result = invoke("export", "articles_canonical", "--out", str(out), "--db", str(warehouse))
    assert result.exit_code == 0, result.output
    assert f"22 rows written to {out} ({fmt})" in result.output
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 22 and "sources" in table.column_names
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert len(rows) == 22 and all(json.loads(row["sources"]) for row in rows)  # lists as JSON text
    else:
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(records) == 22 and all(isinstance(r["sources"], list) for r in records)


def test_export_of_a_query_and_of_bad_sql(warehouse, tmp_path):
    out = tmp_path / "rejects.csv"
    result = invoke("export", "SELECT reason, count(*) AS n FROM rejects GROUP BY reason", "--out", str(out), "--db", str(warehouse))
    assert result.exit_code == 0, result.output
    assert {row["reason"]: int(row["n"]) for row in csv.DictReader(out.open())} == {
        "binary_content": 2, "empty_file": 1, "not_article": 1, "too_short": 1,
    }
    bad = invoke("export", "SELECT nope FROM rejects", "--out", str(tmp_path / "x.csv"), "--db", str(warehouse))
    assert bad.exit_code == 1 and "export failed" in bad.output


def test_export_cannot_change_the_warehouse(warehouse, tmp_path):
    result = invoke("export", "DELETE FROM loads RETURNING *", "--out", str(tmp_path / "x.csv"), "--db", str(warehouse))
    assert result.exit_code == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (1,)
    con.close()


def test_compact_rewrites_a_copy_of_the_warehouse_that_still_answers(warehouse, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, db)
    shutil.copytree(f"{warehouse}.search", f"{db}.search")
    result = invoke("compact", "--db", str(db))
    assert result.exit_code == 0 and result.output.startswith(f"compacted {db}: "), result.output
    found = runner.invoke(app, ["search", "strike", "--entity", "Portugal", "--db", str(db)], env={"COLUMNS": "250"})
    assert found.exit_code == 0 and "Lisbon" in found.output, found.output
    assert invoke("compact", "--db", str(tmp_path / "none.duckdb")).exit_code == 1


def test_a_compaction_out_of_memory_says_so_in_one_line_and_leaves_the_warehouse_as_it_was(tmp_path, monkeypatch):
    from warehouse.db import Writer

    db = tmp_path / "w.duckdb"
    with Writer(db) as w:
        w.start_load("L1")
        w.con.execute("CREATE TABLE big AS SELECT range AS n, md5(range::VARCHAR) AS s FROM range(200000)")
    before = db.read_bytes()
    monkeypatch.setenv("NEWSFLOW_DB_MEMORY", "2MB")
    result = invoke("compact", "--db", str(db))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "compact failed: DuckDB ran out of memory at 2MB; set NEWSFLOW_DB_MEMORY higher (the warehouse is unchanged)"
    ]
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.duckdb.lock"]


def test_schema_lists_every_table_and_view_one_line_per_column(warehouse):
    result = runner.invoke(app, ["schema", "--db", str(warehouse)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "articles_canonical (view): One row per distinct article" in result.output
    assert re.search(r"^  date_source +VARCHAR +where the date came from", result.output, re.M)


def test_report_writes_one_html_file_with_every_chart(warehouse, tmp_path):
    out = tmp_path / "report.html"
    result = invoke("report", "--since", "1d", "--out", str(out), "--db", str(warehouse))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Report on 1 loads" in result.output
    assert page.count('class="plotly-graph-div"') == 6  # every section has data on the bundled corpus
    assert "<script src=" not in page  # nothing fetched when it opens


def test_the_readmes_entity_search_finds_the_lisbon_strike(warehouse):
    result = runner.invoke(app, ["search", "strike", "--entity", "Portugal", "--db", str(warehouse)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Lisbon dock workers strike" in result.output


# -- the README's example queries answer on the bundled corpus ----------------------------------


def readme_queries() -> list[str]:
    """Every statement of the README's ```sql blocks."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    statements = []
    for block in blocks:
        body = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("--"))
        statements += [s.strip() for s in body.split(";") if s.strip()]
    return statements


WEB_ONLY = ("fetch_health_by_load", "site_alerts")  # the bundled corpus is files, and raises no alert


@pytest.mark.parametrize("sql", [q for q in readme_queries()], ids=lambda q: " ".join(q.split())[:60])
def test_each_readme_query_runs_and_answers_on_the_bundled_corpus(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    if not any(name in sql for name in WEB_ONLY):
        assert rows, sql


# -- what a user's terminal shows during a run --------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`newsflow ARGS` in its own process, as a user runs it: no PREFECT_API_URL, so a temporary server."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_UI_URL")}
    env["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def test_a_run_shows_prefect_info_only_when_verbose_and_never_a_link_to_the_temporary_server(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(EXAMPLES / "html/valley-tribune/local-news/water-main-break-closes-part-of-elm-street.html", corpus)
    db = tmp_path / "w.duckdb"
    verbose = run_cli("ingest", str(corpus), "--db", str(db), "--verbose", cwd=REPO)
    assert verbose.returncode == 0, verbose.stderr[-3000:]
    shown = verbose.stdout + verbose.stderr
    assert "Beginning flow run" in shown  # Prefect's INFO lines, asked for
    assert "View at" not in shown  # the server is gone once the run ends
    assert f"query --db {db}" in verbose.stdout
    quiet_by_default = run_cli("ingest", str(corpus), "--db", str(db), cwd=REPO)
    assert quiet_by_default.returncode == 0, quiet_by_default.stderr[-3000:]
    assert "| INFO" not in quiet_by_default.stdout + quiet_by_default.stderr
    assert "unchanged" in quiet_by_default.stdout


# -- examples/README.md says what each bundled file becomes -------------------------------------


def example_claims() -> list[tuple[str, dict[str, object]]]:
    """(path, {column: expected}) for every file examples/README.md says is loaded."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    found = []
    for line in text.splitlines():
        row = re.match(r"\| `([^`]+)` \|.*\| \*\*loaded\*\*(.*)\|\s*$", line)
        if not row:
            continue
        path, said = row.groups()
        claim: dict[str, object] = {}
        if title := re.search(r"title `([^`]+)`", said):
            claim["title"] = title.group(1)
        elif "title NULL" in said:
            claim["title"] = None
        if date := re.search(r"published (\d{4}-\d\d-\d\d) \(([^):]+)", said):
            claim["published_at"] = date.group(1)
            claim["date_source"] = set(re.findall(r"`(\w+)`", date.group(2)))  # any of them is fair
        elif re.search(r"published (\*\*)?NULL", said):
            claim["published_at"] = None
        if authors := re.search(r"authors \(((?:`[^`]+`(?:, )?)+)\)", said):
            claim["authors"] = re.findall(r"`([^`]+)`", authors.group(1))
        elif re.search(r"\*\*authors empty\*\*|authors \*\*empty\*\*|authors empty", said):
            claim["authors"] = []
        if site := re.search(r"site `([^`]+)`", said):
            claim["site_name"] = site.group(1)
        if language := re.search(r"language `(\w+)`", said):
            claim["language"] = language.group(1)
        found.append((path, claim))
    return found


@pytest.mark.parametrize("path, claim", example_claims(), ids=[path for path, _ in example_claims()])
def test_each_loaded_example_is_what_examples_readme_says(warehouse, path, claim):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "SELECT title, published_at::VARCHAR, date_source, authors, site_name, language FROM articles"
            " WHERE source_uri = ?",
            [str(EXAMPLES / path)],
        ).fetchone()
    finally:
        con.close()
    assert row is not None, f"{path} was not loaded"
    got = dict(zip(("title", "published_at", "date_source", "authors", "site_name", "language"), row))
    wrong = {
        key: (expected, got[key])
        for key, expected in claim.items()
        if (got[key] not in expected if isinstance(expected, set) else got[key] != expected)
    }
    assert not wrong, f"{path}: (README, warehouse) {wrong}"


def test_examples_readme_counts_are_the_loads_counts_and_it_describes_every_loaded_file(warehouse):
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    said = re.search(r"(\d+) input files .*?\*\*(\d+) loaded, (\d+) duplicates, (\d+) rejected\*\*", text)
    con = duckdb.connect(str(warehouse), read_only=True)
    counts = con.execute("SELECT discovered, loaded, duplicates, rejected FROM loads").fetchone()
    con.close()
    assert tuple(int(n) for n in said.groups()) == counts
    assert len(example_claims()) == counts[1]


def test_the_run_summary_shows_the_busiest_sites_and_says_how_many_more_there_are(monkeypatch):
    from rich.console import Console

    from flows import cli
    from transforms.site_health import Health, SiteHealth
    from warehouse.reports import LoadSummary

    sites = [SiteHealth(f"site{i:02d}.example", Health(30 - i, 1.0, 1.0, 0.0, 400), None) for i in range(25)]
    counts = {"discovered": 325, "loaded": 325, "duplicates": 0, "unchanged": 0, "rejected": 0}
    record = Console(record=True, width=200)
    monkeypatch.setattr(cli, "console", record)
    cli.print_summary(LoadSummary("L1", "completed", counts, site_health=sites))
    printed = record.export_text()
    assert [f"site{i:02d}.example" in printed for i in range(25)] == [True] * 20 + [False] * 5
    assert "... and 5 more sites with fewer articles: every site is in site_health_checks (load_id L1)" in printed
