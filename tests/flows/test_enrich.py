"""The stages from the command line: `ingest --no-enrich` loads clean articles only, `enrich` catches up."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def query(db, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ingest_without_enrichment_then_enrich_catches_up(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    loaded = runner.invoke(app, ["ingest", str(EXAMPLES / "text"), "--db", str(db), "--no-enrich"])
    assert loaded.exit_code == 0, loaded.output
    (articles,) = query(db, "SELECT count(*) FROM articles")[0]
    assert articles > 0
    for table in ("enrichment", "mentions", "story_members"):
        assert query(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert query(db, "SELECT enriched, enrich_skipped FROM loads") == [(0, 0)]

    caught_up = runner.invoke(app, ["enrich", "--db", str(db)])
    assert caught_up.exit_code == 0, caught_up.output
    assert "articles enriched" in caught_up.stdout
    (enriched, skipped), = query(db, "SELECT enriched, enrich_skipped FROM loads WHERE kind = 'enrich'")
    assert enriched > 0 and enriched + skipped == articles
    # Every article now has its enrichment status and its story; copies point at their original's.
    assert query(db, "SELECT count(*) FROM articles ANTI JOIN enrichment USING (article_id)") == [(0,)]
    assert query(db, "SELECT count(*) FROM articles ANTI JOIN story_members USING (article_id)") == [(0,)]
    assert query(
        db, "SELECT count(*) FROM duplicates d JOIN story_members c USING (article_id)"
        " JOIN story_members o ON o.article_id = d.duplicate_of WHERE c.story_id <> o.story_id"
    ) == [(0,)]

    again = runner.invoke(app, ["enrich", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert query(db, "SELECT enriched, enrich_skipped FROM loads WHERE kind = 'enrich' ORDER BY started_at DESC LIMIT 1") == [(0, 0)]
