"""The ingest flow on the five shared seeds (issue §8), under a real Prefect test server."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from flows.ingest import ingest

BOILERPLATE = (
    "ADVERTISEMENT",
    "Share this article",
    "You might also like",
    "The story of how little Lithuania",
    "China and Philippines boats clash",
    "Seven killed, including two police officers",
    "FILE - A boy holds",
    "Copyright",
    "All rights reserved",
)


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory):
    from tests.conftest import SEEDS

    db = tmp_path_factory.mktemp("seeds") / "seeds.duckdb"
    summary = ingest(paths=[str(SEEDS)], db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    yield summary, con
    con.close()


def by_seed(con, sql: str) -> dict[str, tuple]:
    """Rows keyed by seed number ('000'..'004'), from a query whose first column is source_uri."""
    return {uri.rsplit("/", 1)[-1][:3]: tuple(rest) for uri, *rest in con.execute(sql).fetchall()}


def test_all_five_files_become_documents_and_the_counts_add_up(warehouse):
    summary, con = warehouse
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    assert summary.counts["discovered"] == 5 and summary.balanced
    assert summary.counts["loaded"] == 4 and summary.counts["duplicates"] == 1


def test_the_two_euronews_copies_are_linked_leaving_four_canonical_articles(warehouse):
    _, con = warehouse
    assert con.execute("SELECT count(*) FROM articles_canonical").fetchone()[0] == 4
    pair = con.execute(
        """SELECT a.source_uri, o.source_uri, d.method, d.similarity FROM duplicates d
           JOIN articles a USING (article_id) JOIN articles o ON o.article_id = d.duplicate_of"""
    ).fetchall()
    assert len(pair) == 1
    copy, original, method, similarity = pair[0]
    assert {copy.rsplit("/", 1)[-1][:3], original.rsplit("/", 1)[-1][:3]} == {"000", "001"}
    assert method in ("exact", "near") and similarity >= 0.9


def test_no_boilerplate_survives_in_any_text(warehouse):
    _, con = warehouse
    for source, text in con.execute("SELECT source_uri, text FROM articles").fetchall():
        for phrase in BOILERPLATE:
            assert phrase.casefold() not in text.casefold(), (source, phrase)


def test_dates_come_only_from_the_header_lines(warehouse):
    _, con = warehouse
    dates = by_seed(con, "SELECT source_uri, published_at, date_source FROM articles")
    assert dates["000"] == (dt.date(2023, 11, 8), "header_line")
    assert dates["004"] == (dt.date(2024, 11, 13), "header_line")
    for seed in ("001", "002", "003"):
        assert dates[seed] == (None, None), seed


def test_canonical_euronews_article_has_001s_title_and_000s_date(warehouse):
    _, con = warehouse
    row = con.execute(
        "SELECT title, published_at FROM articles_canonical WHERE list_contains(sources, ?) ",
        [next(s for (s,) in con.execute("SELECT source_uri FROM articles").fetchall() if "/000_" in s)],
    ).fetchone()
    assert row == ("Russia and China not building 'Cold War-style' alliance, claims Putin", dt.date(2023, 11, 8))


def test_titles(warehouse):
    _, con = warehouse
    titles = by_seed(con, "SELECT source_uri, title FROM articles")
    assert titles["001"] == ("Russia and China not building 'Cold War-style' alliance, claims Putin",)
    assert titles["002"] == (
        "Praises High-Technological Cooperation, President Putin: Russia And China Don't Build Military Alliance",
    )


def test_credits_and_datelines(warehouse):
    _, con = warehouse
    rows = by_seed(con, "SELECT source_uri, byline, agencies, dateline_place FROM articles")
    for seed in ("000", "001"):
        byline, agencies, _ = rows[seed]
        assert byline == "Euronews with AFP" and "AFP" in agencies
    assert rows["003"][2] == "Moscow" and {"dpa", "GNA"} <= set(rows["003"][1])
    assert rows["002"][2] == "Jakarta"


def test_every_article_is_english(warehouse):
    _, con = warehouse
    assert {lang for (lang,) in con.execute("SELECT language FROM articles").fetchall()} == {"en"}


def test_the_run_summary_is_a_prefect_artifact(warehouse):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"])))
    summary, _ = warehouse
    assert any(summary.load_id in (a.data or "") for a in artifacts)
