"""Run monitoring: artifacts on every run, and a template-change alert when a site's pages lose their markup.

Real HTML pages (tests/web_site.py's invented Kestrel Bay Courier) are written to folders and
ingested under the real Prefect test server: a first folder in the site's usual template, then
either more pages in the same template, or pages after a redesign that dropped the byline,
the author and date meta tags and the JSON-LD block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from uuid import UUID

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest import TEMPLATE_CHANGE_TAG, ingest
from tests.web_site import ARTICLES, SITE_NAME, render_article

BASE = "https://www.kestrelbaycourier.example"
FIRST = ("1", "2", "3", "4", "5")
SECOND = ("6", "flaky", "busy", "slow", "hop")


def write_pages(folder: Path, keys: tuple[str, ...], *, redesigned: bool = False) -> str:
    """Write the site's pages for `keys` into `folder`; redesigned pages carry no author or date markup."""
    folder.mkdir(parents=True)
    for key in keys:
        html = render_article(ARTICLES[key], base=BASE, url_path=f"/articles/{key}.html")
        if redesigned:
            stripped = re.sub(r'\s*<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
            stripped = re.sub(r'\s*<meta (?:property="article:published_time"|name="author")[^>]*>', "", stripped)
            stripped = re.sub(r'\s*<p class="byline">.*?</p>', "", stripped, flags=re.S)
            assert ARTICLES[key].author not in stripped and "datePublished" not in stripped
            html = stripped
        (folder / f"{key}.html").write_text(html, encoding="utf-8")
    return str(folder)


@pytest.fixture(scope="module")
def runs(prefect_server, tmp_path_factory):
    """Two warehouses, each loaded twice: the second load in the same template, or after a redesign."""
    root = tmp_path_factory.mktemp("monitoring")
    first = write_pages(root / "first", FIRST)
    same, changed = root / "same.duckdb", root / "changed.duckdb"
    ingest(paths=[first], db=str(same))
    steady = ingest(paths=[write_pages(root / "same-template", SECOND)], db=str(same), return_state=True)
    ingest(paths=[first], db=str(changed))
    redesigned = write_pages(root / "redesign", SECOND, redesigned=True)
    redesign = ingest(paths=[redesigned], db=str(changed), return_state=True)
    return {"same": (same, steady), "changed": (changed, redesign)}


def flow_run(db: Path, load_id: str):
    from prefect.client.orchestration import get_client

    con = duckdb.connect(str(db), read_only=True)
    try:
        (run_id,) = con.execute("SELECT flow_run_id FROM loads WHERE load_id = ?", [load_id]).fetchone()
    finally:
        con.close()
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id))


def artifacts(run_id: UUID) -> dict[str, object]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return {a.key: a for a in found}


def test_a_redesign_that_drops_author_and_date_raises_an_alert_naming_site_and_fields(runs):
    db, state = runs["changed"]
    summary = state.result()
    assert state.is_completed() and summary.status == "completed"
    assert {(a.site, a.field) for a in summary.alerts} == {(SITE_NAME, "author"), (SITE_NAME, "date")}
    author = next(a for a in summary.alerts if a.field == "author")
    assert (author.baseline, author.observed, author.articles, author.baseline_articles) == (1.0, 0.0, 5, 5)
    assert state.message.startswith("Completed with warnings: ")
    assert f"{SITE_NAME}: author 100% → 0%" in state.message and f"{SITE_NAME}: day-precise date 100% → 0%" in state.message

    run = flow_run(db, summary.load_id)
    assert run.state.is_completed() and run.state.message == state.message
    assert TEMPLATE_CHANGE_TAG in run.tags

    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute(
            "SELECT site_name, field, baseline, observed FROM site_alerts WHERE load_id = ? ORDER BY field", [summary.load_id]
        ).fetchall()
    finally:
        con.close()
    assert stored == [(SITE_NAME, "author", 1.0, 0.0), (SITE_NAME, "date", 1.0, 0.0)]


def test_the_artifacts_say_which_site_and_field_fell(runs):
    db, state = runs["changed"]
    summary = state.result()
    found = artifacts(flow_run(db, summary.load_id).id)
    assert set(found) == {"ingest-summary", "ingest-rejects", "ingest-site-health"}
    markdown = found["ingest-summary"].data
    alerts = markdown.split("## Alerts", 1)[1].split("##", 1)[0]
    assert f"{SITE_NAME}: author 100% → 0%" in alerts and f"{SITE_NAME}: day-precise date 100% → 0%" in alerts
    (row,) = json.loads(found["ingest-site-health"].data)
    assert row["site"] == SITE_NAME and row["articles"] == 5
    assert row["author"] == "0% (-100 pp)" and row["day-precise date"] == "0% (-100 pp)"
    assert row["title"] == "100% (+0 pp)" and row["previous 7 days"] == "5 articles"


def test_a_run_in_the_same_template_raises_no_alert_and_publishes_its_artifacts(runs):
    db, state = runs["same"]
    summary = state.result()
    assert state.is_completed() and "warnings" not in (state.message or "")
    assert summary.alerts == [] and summary.counts["loaded"] == 5
    run = flow_run(db, summary.load_id)
    assert TEMPLATE_CHANGE_TAG not in run.tags
    found = artifacts(run.id)
    assert set(found) == {"ingest-summary", "ingest-rejects", "ingest-site-health"}
    assert found["ingest-rejects"].type == "table" and json.loads(found["ingest-rejects"].data) == []
    (row,) = json.loads(found["ingest-site-health"].data)
    assert (row["site"], row["author"], row["day-precise date"]) == (SITE_NAME, "100% (+0 pp)", "100% (+0 pp)")
    assert "## Alerts" not in found["ingest-summary"].data
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM site_alerts").fetchone() == (0,)
    finally:
        con.close()


def test_a_first_run_shows_every_site_as_new(runs):
    db, _ = runs["same"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        (first_load,) = con.execute("SELECT load_id FROM loads ORDER BY started_at LIMIT 1").fetchone()
    finally:
        con.close()
    (row,) = json.loads(artifacts(flow_run(db, first_load).id)["ingest-site-health"].data)
    assert row["previous 7 days"] == "new site" and row["author"] == "100%"


def test_the_rejects_table_lists_each_reason(prefect_server, tmp_path):
    folder = Path(write_pages(tmp_path / "mixed", ("1",)))
    (folder / "empty.html").write_bytes(b"")
    (folder / "blank.html").write_bytes(b"")
    (folder / "logo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    db = tmp_path / "r.duckdb"
    summary = ingest(paths=[str(folder)], db=str(db))
    rows = json.loads(artifacts(flow_run(db, summary.load_id).id)["ingest-rejects"].data)
    assert rows == [
        {"stage": "sniff", "reason": "empty_file", "inputs": 2},
        {"stage": "sniff", "reason": "binary_content", "inputs": 1},
    ]


def test_cli_shows_the_alerts_of_the_last_load(runs):
    db, _ = runs["changed"]
    result = CliRunner().invoke(app, ["stats", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"template change? {SITE_NAME}: author 100% → 0%" in result.stdout
    assert "previous 7 days" in result.stdout
