"""The ingest flow on our look-alikes of the five shared seeds (tests/fixtures/lookalike_seeds).

The same facts test_ingest_seeds.py checks on ../shared, on files a bare clone has: one event
covered by four files (a wire story twice from one outlet, once as the archive's header line and
once as a scraper left it; another outlet with an ALL-CAPS dateline; a third with a dateline
crediting two agencies), and the same people a year later.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from flows.ingest import ingest
from tests.conftest import LOOKALIKES

BOILERPLATE = (
    "ADVERTISEMENT",
    "Share this article",
    "You might also like",
    "How a small island state took on",
    "Fishing boats collide in disputed waters",
    "Five injured as storm tears roof off",
    "FILE - A trawler unloads",
    "Copyright",
    "All rights reserved",
)
TITLE_001 = "Chile and Norway not forming a 'fishing bloc', says Alvear"
PERSONS = {"Rodrigo Alvear", "Tove Haugland", "Eirik Dahl", "Mateo Ibarra", "Ignacio Fuentes", "Paula Etxeberria"}


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory):
    db = tmp_path_factory.mktemp("lookalikes") / "lookalikes.duckdb"
    summary = ingest(paths=[str(LOOKALIKES)], db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    yield summary, con
    con.close()


def by_file(con, sql: str) -> dict[str, tuple]:
    """Rows keyed by file number ('000'..'004'), from a query whose first column is source_uri."""
    return {uri.rsplit("/", 1)[-1][:3]: tuple(rest) for uri, *rest in con.execute(sql).fetchall()}


def test_all_five_files_become_documents_and_the_counts_add_up(warehouse):
    summary, con = warehouse
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    assert summary.counts["discovered"] == 5 and summary.balanced
    assert summary.counts["loaded"] == 4 and summary.counts["duplicates"] == 1


def test_the_two_copies_of_one_outlet_are_linked_leaving_four_canonical_articles(warehouse):
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
    dates = by_file(con, "SELECT source_uri, published_at, date_source FROM articles")
    assert dates["000"] == (dt.date(2024, 3, 12), "header_line")
    assert dates["004"] == (dt.date(2025, 3, 18), "header_line")
    for number in ("001", "002", "003"):
        assert dates[number] == (None, None), number


def test_canonical_article_has_the_scraped_copys_title_and_the_headers_date(warehouse):
    _, con = warehouse
    header_copy = next(s for (s,) in con.execute("SELECT source_uri FROM articles").fetchall() if "/000_" in s)
    row = con.execute(
        "SELECT title, published_at FROM articles_canonical WHERE list_contains(sources, ?)", [header_copy]
    ).fetchone()
    assert row == (TITLE_001, dt.date(2024, 3, 12))


def test_titles(warehouse):
    _, con = warehouse
    titles = by_file(con, "SELECT source_uri, title FROM articles")
    assert titles["001"] == (TITLE_001,)
    assert titles["002"] == ("Hails Satellite Cooperation, President Alvear: Chile And Norway Are Not Forming A Fishing Bloc",)
    assert titles["000"] == titles["003"] == titles["004"] == (None,)


def test_credits_and_datelines(warehouse):
    _, con = warehouse
    rows = by_file(con, "SELECT source_uri, byline, agencies, dateline_place FROM articles")
    for number in ("000", "001"):
        byline, agencies, _ = rows[number]
        assert byline == "Northwind Daily with AFP" and list(agencies) == ["AFP"]
    assert rows["003"][2] == "Puerto Elena" and set(rows["003"][1]) == {"dpa", "ANSA"}
    assert rows["002"][2] == "Buenos Aires"


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


# -- enrichment: entities, quotes, keywords, stories, search ------------------------------------


def test_the_people_are_present_by_their_full_names(warehouse):
    _, con = warehouse
    people = {n for (n,) in con.execute("SELECT name FROM entities WHERE type = 'PERSON'").fetchall()}
    assert PERSONS <= people
    # the model also reads "Alvear" and "Haugland" alone; none is left as a person of its own
    assert not {"Alvear", "Haugland", "Ibarra", "Dahl"} & people


def test_every_alvear_mention_belongs_to_rodrigo_alvear(warehouse):
    _, con = warehouse
    names = con.execute(
        "SELECT DISTINCT e.name FROM mentions m JOIN entities e USING (entity_id) WHERE m.surface LIKE '%Alvear%'"
    ).fetchall()
    assert names == [("Rodrigo Alvear",)]  # "President Alvear", "Alvear", "Rodrigo Alvear's"


def test_no_place_or_organisation_is_named_after_a_person(warehouse):
    _, con = warehouse
    wrong = con.execute(
        "SELECT name, type FROM entities WHERE type IN ('GPE', 'ORG') AND name IN ('Alvear', 'Haugland', 'Ibarra', 'Rodrigo Alvear')"
    ).fetchall()
    assert wrong == []


def test_countries_carry_iso_codes(warehouse):
    _, con = warehouse
    codes = dict(con.execute("SELECT name, country_code FROM entities WHERE type = 'GPE' AND country_code IS NOT NULL").fetchall())
    assert codes["Chile"] == "CL" and codes["Norway"] == "NO" and codes["Peru"] == "PE"


def quote_speakers(con, fragment: str) -> dict[str, str | None]:
    rows = con.execute(
        "SELECT a.source_uri, e.name FROM quotes q JOIN articles a USING (article_id)"
        " LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id WHERE q.text LIKE ?",
        [f"%{fragment}%"],
    ).fetchall()
    return {uri.rsplit("/", 1)[-1][:3]: name for uri, name in rows}


def test_quotes_are_attributed_to_their_speakers(warehouse):
    _, con = warehouse
    # "he added", in 000 and its copy 001; the copy is not annotated again (NLP runs once per distinct article)
    alvear = quote_speakers(con, "Chile and Norway are not building a club")
    assert set(alvear) == {"000"} and set(alvear.values()) == {"Rodrigo Alvear"}
    assert quote_speakers(con, "Unlike some industrial fleets far from home")["003"] == "Tove Haugland"
    assert quote_speakers(con, "The more crowded the ocean becomes")["004"] == "Mateo Ibarra"  # not the ministry
    assert quote_speakers(con, "I mean radar satellites")["002"] == "Rodrigo Alvear"  # "he explained"


def test_scare_quotes_are_not_quotes(warehouse):
    _, con = warehouse
    assert con.execute("SELECT count(*) FROM quotes WHERE text ILIKE '%ORCA%' AND length(text) < 12").fetchone() == (0,)


def test_quotes_by_speaker_answers_who_said_what(warehouse):
    _, con = warehouse
    rows = con.execute("SELECT speaker, quote, site_name FROM quotes_by_speaker WHERE speaker = 'Mateo Ibarra'").fetchall()
    assert rows and all(quote for _, quote, _ in rows)


def test_keywords_come_from_the_clean_text(warehouse):
    _, con = warehouse
    phrases = [p for (p,) in con.execute("SELECT phrase FROM keywords").fetchall()]
    assert phrases
    assert not any("Northwind" in p or "Share this" in p or "Copyright" in p or "Lena Marsh" in p for p in phrases)
    # Every distinct article has key phrases; the copy (001) is not annotated again.
    assert con.execute("SELECT count(DISTINCT article_id) FROM keywords").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM keywords JOIN duplicates USING (article_id)").fetchone()[0] == 0


def test_the_first_four_files_are_one_story_and_the_fifth_another(warehouse):
    _, con = warehouse
    stories = by_file(con, "SELECT a.source_uri, m.story_id FROM story_members m JOIN articles a USING (article_id)")
    assert stories["000"] == stories["001"] == stories["002"] == stories["003"]
    assert stories["004"] != stories["000"]
    first = con.execute("SELECT first_published_at FROM stories WHERE story_id = ?", [stories["000"][0]]).fetchone()
    assert first == (dt.date(2024, 3, 12),)


def test_the_two_copies_share_wire_copy(warehouse):
    _, con = warehouse
    groups = by_file(con, "SELECT a.source_uri, m.wire_group_id FROM story_members m JOIN articles a USING (article_id)")
    assert groups["000"] == groups["001"]
    assert len({groups[n] for n in ("000", "002", "003")}) == 3
    agencies = by_file(con, "SELECT a.source_uri, list_sort(list(g.agency)) FROM article_agencies g JOIN articles a USING (article_id) GROUP BY 1")
    assert agencies["003"] == (["ANSA", "dpa"],) and agencies["000"] == (["AFP"],)
    assert "002" not in agencies  # no credit at all


def test_story_timeline_shows_outlets_and_lags(warehouse):
    _, con = warehouse
    rows = con.execute(
        "SELECT published_on, lag_days FROM story_timeline WHERE first_published_at = DATE '2024-03-12' ORDER BY position"
    ).fetchall()
    assert rows[0] == (dt.date(2024, 3, 12), 0)
    assert (dt.date(2024, 3, 14), 2) in rows  # 003's dateline, Mar. 14, in the story's year


def test_search_ranks_articles_by_a_phrase_and_filters_by_entity(warehouse):
    from warehouse.search import search

    _, con = warehouse
    hits = search(con, "double plunder")
    assert hits and hits[0].published_at == dt.date(2025, 3, 18)
    assert len({h.article_id for h in hits}) == len(hits)  # copies count once
    fleets = search(con, "fleets")
    assert fleets and len({h.article_id for h in fleets}) == len(fleets)
    with_ibarra = search(con, "fleets", entity="Mateo Ibarra")
    assert with_ibarra and all(h.published_at is None or h.published_at.year == 2025 for h in with_ibarra)
    since = search(con, "fleets", since=dt.date(2025, 1, 1))
    assert since and all(h.published_at >= dt.date(2025, 1, 1) for h in since)
    assert len(since) < len(fleets)  # the 2024 coverage is left out


def test_rerunning_the_load_keeps_every_story(warehouse, tmp_path):
    import shutil

    _, con = warehouse
    db = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0]
    copy = tmp_path / "again.duckdb"
    shutil.copy(db, copy)
    before = duckdb.connect(str(copy), read_only=True).execute("SELECT article_id, story_id FROM story_members ORDER BY 1").fetchall()
    again = ingest(paths=[str(LOOKALIKES)], db=str(copy))
    assert again.counts["unchanged"] == 5
    after = duckdb.connect(str(copy), read_only=True).execute("SELECT article_id, story_id FROM story_members ORDER BY 1").fetchall()
    assert after == before
