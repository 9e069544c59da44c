"""The ingest flow on the five shared seeds (issue §8), under a real Prefect test server."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from flows.ingest import ingest

pytestmark = pytest.mark.shared_data

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


# -- enrichment (issue: entities, quotes, keywords, stories, search) --------------------------

PERSONS = {"Vladimir Putin", "Zhang Youxia", "Sergei Shoigu", "Xi Jinping", "Wang Yi", "Li Shangfu", "Joe Biden"}


def test_the_people_are_present_by_their_canonical_names(warehouse):
    _, con = warehouse
    people = {n for (n,) in con.execute("SELECT name FROM entities WHERE type = 'PERSON'").fetchall()}
    assert PERSONS <= people


def test_every_putin_mention_belongs_to_vladimir_putin(warehouse):
    _, con = warehouse
    names = con.execute(
        "SELECT DISTINCT e.name FROM mentions m JOIN entities e USING (entity_id) WHERE m.surface LIKE '%Putin%'"
    ).fetchall()
    assert names == [("Vladimir Putin",)]


def test_no_place_or_organisation_is_named_after_a_person(warehouse):
    _, con = warehouse
    wrong = con.execute(
        "SELECT name, type FROM entities WHERE type IN ('GPE', 'ORG') AND name IN ('Shoigu', 'Wang', 'Zhang')"
    ).fetchall()
    assert wrong == []


def test_countries_carry_iso_codes(warehouse):
    _, con = warehouse
    codes = dict(con.execute("SELECT name, country_code FROM entities WHERE type = 'GPE' AND country_code IS NOT NULL").fetchall())
    assert codes["Russia"] == "RU" and codes["China"] == "CN"


def quote_speakers(con, fragment: str) -> dict[str, str | None]:
    rows = con.execute(
        "SELECT a.source_uri, e.name FROM quotes q JOIN articles a USING (article_id)"
        " LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id WHERE q.text LIKE ?",
        [f"%{fragment}%"],
    ).fetchall()
    return {uri.rsplit("/", 1)[-1][:3]: name for uri, name in rows}


def test_quotes_are_attributed_to_their_speakers(warehouse):
    _, con = warehouse
    putin = quote_speakers(con, "Russia and China are not building a Cold War-style military alliance")
    assert putin and set(putin.values()) == {"Vladimir Putin"}
    assert quote_speakers(con, "Unlike some aggressive states in the West, we are not forging a military bloc")["003"] == "Sergei Shoigu"
    assert quote_speakers(con, "The more complex the international situation")["004"] == "Wang Yi"


def test_scare_quotes_are_not_quotes(warehouse):
    _, con = warehouse
    assert con.execute("SELECT count(*) FROM quotes WHERE text ILIKE '%AUKUS%' AND length(text) < 12").fetchone() == (0,)


def test_quotes_by_speaker_answers_who_said_what(warehouse):
    _, con = warehouse
    rows = con.execute("SELECT speaker, quote, site_name FROM quotes_by_speaker WHERE speaker = 'Wang Yi'").fetchall()
    assert rows and all(quote for _, quote, _ in rows)


def test_keywords_come_from_the_clean_text(warehouse):
    _, con = warehouse
    phrases = [p for (p,) in con.execute("SELECT phrase FROM keywords").fetchall()]
    assert phrases
    assert not any("Euronews" in p or "Share this" in p or "Copyright" in p for p in phrases)
    per_article = con.execute("SELECT count(DISTINCT article_id) FROM keywords").fetchone()[0]
    # Every distinct article has key phrases; the Euronews copy is not annotated again.
    assert per_article == 4
    assert con.execute("SELECT count(*) FROM keywords JOIN duplicates USING (article_id)").fetchone()[0] == 0


def test_the_first_four_seeds_are_one_story_and_the_fifth_another(warehouse):
    _, con = warehouse
    stories = by_seed(con, "SELECT a.source_uri, m.story_id FROM story_members m JOIN articles a USING (article_id)")
    assert stories["000"] == stories["001"] == stories["002"] == stories["003"]
    assert stories["004"] != stories["000"]
    first = con.execute("SELECT first_published_at FROM stories WHERE story_id = ?", [stories["000"][0]]).fetchone()
    assert first == (dt.date(2023, 11, 8),)


def test_the_two_euronews_copies_share_wire_copy(warehouse):
    _, con = warehouse
    groups = by_seed(con, "SELECT a.source_uri, m.wire_group_id FROM story_members m JOIN articles a USING (article_id)")
    assert groups["000"] == groups["001"]
    assert len({groups[s] for s in ("000", "002", "003")}) == 3
    agencies = by_seed(con, "SELECT a.source_uri, list_sort(list(g.agency)) FROM article_agencies g JOIN articles a USING (article_id) GROUP BY 1")
    assert agencies["003"] == (["GNA", "dpa"],) and agencies["000"] == (["AFP"],)


def test_story_timeline_shows_outlets_and_lags(warehouse):
    _, con = warehouse
    rows = con.execute(
        "SELECT published_on, lag_days FROM story_timeline WHERE first_published_at = DATE '2023-11-08' ORDER BY position"
    ).fetchall()
    assert rows[0] == (dt.date(2023, 11, 8), 0)
    assert (dt.date(2023, 11, 10), 2) in rows  # 003's dateline, Nov. 10, in the story's year


def test_search_ranks_articles_by_a_phrase_and_filters_by_entity(warehouse):
    from warehouse.search import search

    _, con = warehouse
    hits = search(con, "dual containment")
    assert hits and "Shoigu" in (hits[0].title or "") + con.execute(
        "SELECT text FROM articles WHERE article_id = ?", [hits[0].article_id]
    ).fetchone()[0]
    assert len({h.article_id for h in hits}) == len(hits)  # copies count once
    with_wang = search(con, "military", entity="Wang Yi")
    assert with_wang and all(h.published_at is None or h.published_at.year == 2024 for h in with_wang)
    assert search(con, "military", since=dt.date(2024, 1, 1)) and all(
        h.published_at >= dt.date(2024, 1, 1) for h in search(con, "military", since=dt.date(2024, 1, 1))
    )


def test_rerunning_the_load_keeps_every_story(warehouse, tmp_path):
    import shutil

    from tests.conftest import SEEDS

    summary, con = warehouse
    db = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0]
    copy = tmp_path / "again.duckdb"
    shutil.copy(db, copy)
    before = duckdb.connect(str(copy), read_only=True).execute("SELECT article_id, story_id FROM story_members ORDER BY 1").fetchall()
    again = ingest(paths=[str(SEEDS)], db=str(copy))
    assert again.counts["unchanged"] == 5
    after = duckdb.connect(str(copy), read_only=True).execute("SELECT article_id, story_id FROM story_members ORDER BY 1").fetchall()
    assert after == before
