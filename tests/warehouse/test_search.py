"""Search: a tantivy index beside the warehouse, updated with each load's new and changed articles."""

import datetime as dt
import json
import shutil

import duckdb
import pytest

from tests.warehouse.test_enrichment import PEOPLE
from tests.warehouse.test_writer import count, enrich, processed
from warehouse.db import Writer
from warehouse.search import search
from warehouse.search_index import MARKER, NoSearchIndex, index_dir, open_index

FERRY = " ".join(
    f"Part {i}: the harbour board voted on the ferry timetable for ward {i} while residents "
    f"asked for a later sailing and the mayor promised a review before month {i} ends."
    for i in range(10)
)
GRAIN = " ".join(f"Grain futures item {i} rose by {i} cents in thin trading across distant markets." for i in range(30))
BRIDGE = " ".join(
    f"Note {i}: engineers closed the old river bridge after inspectors found cracked girders in span {i},"
    f" and commuters were sent to the northern crossing for week {i}." for i in range(10)
)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "wh.duckdb"


def load(db, load_id, items) -> int:
    """Write one batch as a load and update the index; return how many articles were indexed."""
    with Writer(db) as w:
        w.start_load(load_id)
        w.write_batch(load_id, items)
        indexed = w.update_search_index(load_id)
        w.finish_load(load_id, "completed")
    return indexed


def find(db, phrase, **filters):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return search(con, phrase, **filters)
    finally:
        con.close()


def indexed_counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT load_id, indexed FROM loads").fetchall())
    finally:
        con.close()


def test_a_load_indexes_only_its_own_articles_and_records_how_many(db):
    assert load(db, "L1", [processed("/ferry.txt", FERRY, title="Ferry timetable vote"), processed("/grain.txt", GRAIN)]) == 2
    assert load(db, "L2", [processed("/bridge.txt", BRIDGE, title="River bridge closed")]) == 1
    assert indexed_counts(db) == {"L1": 2, "L2": 1}
    assert [h.title for h in find(db, "bridge girders")] == ["River bridge closed"]
    assert [h.title for h in find(db, "ferry sailing")] == ["Ferry timetable vote"]


def test_ranking_uses_stems_and_titles_and_ignores_case_and_accents(db):
    load(db, "L1", [processed("/ferry.txt", FERRY, title="Café owners back the ferry"), processed("/grain.txt", GRAIN)])
    hits = find(db, "CAFE voting ferries")
    assert [h.title for h in hits] == ["Café owners back the ferry"]
    assert hits[0].score > 0


def test_copies_of_one_article_count_once(db):
    copy = FERRY.replace("Part 9", "Section 9")
    load(db, "L1", [processed("/a/ferry.txt", FERRY, title="Ferry vote"), processed("/b/ferry.txt", copy, title="Ferry vote")])
    (hit,) = find(db, "ferry timetable")
    assert hit.copies == 2
    con = duckdb.connect(str(db), read_only=True)
    try:  # what a hit says of its article is what articles_canonical says
        row = con.execute(
            "SELECT article_id, title, site_name, published_at, url, copies FROM articles_canonical WHERE article_id = ?",
            [hit.article_id],
        ).fetchone()
    finally:
        con.close()
    assert row == (hit.article_id, hit.title, hit.site_name, hit.published_at, hit.url, hit.copies)


def test_a_hit_carries_a_snippet_with_the_matched_words_marked(db):
    load(db, "L1", [processed("/bridge.txt", BRIDGE, title="River bridge closed")])
    (hit,) = find(db, "cracked girders")
    marked = {hit.snippet[start:end].lower() for start, end in hit.highlights}
    assert marked == {"cracked", "girders"}


def test_since_filters_on_the_publication_day(db):
    from transforms.records import PublicationDate

    old = PublicationDate(dt.date(2020, 5, 1), "meta", "day")
    new = PublicationDate(dt.date(2026, 5, 1), "meta", "day")
    load(db, "L1", [processed("/old.txt", FERRY, title="Old ferry", published=old),
                    processed("/new.txt", BRIDGE + " The ferry ran too.", title="New bridge", published=new)])
    assert {h.title for h in find(db, "ferry")} == {"Old ferry", "New bridge"}
    assert [h.title for h in find(db, "ferry", since=dt.date(2026, 1, 1))] == ["New bridge"]


def test_an_article_a_later_load_rewrites_is_replaced_in_the_index(db):
    load(db, "L1", [processed("/ferry.txt", FERRY, title="Ferry vote")])
    with Writer(db) as w:  # as a reprocess does: the article keeps its id, the rewriting load stamps it
        w.start_load("L2", kind="reprocess")
        w.con.execute("UPDATE articles SET text = ?, load_id = 'L2'", [BRIDGE])
        assert w.update_search_index("L2") == 1
    assert find(db, "sailing residents") == []
    assert [h.title for h in find(db, "girders")] == ["Ferry vote"]


def test_a_warehouse_without_an_index_is_caught_up_whole_on_its_next_run(db):
    load(db, "L1", [processed("/ferry.txt", FERRY, title="Ferry vote"), processed("/grain.txt", GRAIN)])
    shutil.rmtree(index_dir(db))  # as a warehouse made before the index, or an index folder lost
    with pytest.raises(NoSearchIndex):
        find(db, "ferry")
    assert load(db, "L2", [processed("/bridge.txt", BRIDGE, title="River bridge closed")]) == 3
    assert {h.title for h in find(db, "ferry OR bridge")} == {"Ferry vote", "River bridge closed"}


def test_after_a_crash_before_the_index_recorded_its_load_the_next_run_indexes_those_articles_once(db):
    load(db, "L1", [processed("/ferry.txt", FERRY, title="Ferry vote")])
    before = (index_dir(db) / MARKER).read_text()
    load(db, "L2", [processed("/bridge.txt", BRIDGE, title="River bridge closed")])
    (index_dir(db) / MARKER).write_text(before)  # tantivy committed L2, the marker still names L1
    assert load(db, "L3", [processed("/grain.txt", GRAIN, title="Grain")]) == 2
    assert json.loads((index_dir(db) / MARKER).read_text()) != json.loads(before)
    (hit,) = find(db, "bridge girders")  # once, not twice
    assert hit.title == "River bridge closed"
    assert open_index(index_dir(db)).searcher().num_docs == 3  # each article once


def test_entity_keeps_the_articles_that_name_it_with_their_copies(db):
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [
            processed("/ferry.txt", PEOPLE + FERRY, title="Ferry vote", language="en"),
            processed("/copy.txt", PEOPLE + FERRY + " Share this.", title="Ferry vote", language="en"),
            processed("/bridge.txt", BRIDGE + " The ferry too.", title="Bridge", language="en"),
        ])
        enrich(w, "L1")
        w.update_search_index("L1")
        w.finish_load("L1", "completed")
    assert count(db, "duplicates") == 1
    assert {h.title for h in find(db, "ferry")} == {"Ferry vote", "Bridge"}
    (hit,) = find(db, "ferry", entity="lena hartmann")  # by the entity's name: the article, its copy folded in
    assert hit.title == "Ferry vote" and hit.score == find(db, "ferry")[0].score
    assert [h.title for h in find(db, "ferry", entity="Hartmann")] == ["Ferry vote"]  # as written
    assert find(db, "ferry", entity="Nobody Named") == []


def test_articles_enriched_by_a_later_load_are_found_by_their_entities_after_it(db):
    with Writer(db) as w:
        w.start_load("L1")  # ingest --no-enrich
        w.write_batch("L1", [processed("/ferry.txt", PEOPLE + FERRY, title="Ferry vote", language="en"),
                             processed("/copy.txt", PEOPLE + FERRY + " Share this.", title="Ferry vote", language="en")])
        w.update_search_index("L1")
        w.finish_load("L1", "completed")
    assert find(db, "ferry", entity="Lena Hartmann") == []
    with Writer(db) as w:
        w.start_load("E1", kind="enrich")  # newsflow enrich
        assert enrich(w, "E1") == (1, 1)
        assert w.update_search_index("E1") == 2  # the article it enriched, and its copy
        w.finish_load("E1", "completed")
    (hit,) = find(db, "ferry", entity="Lena Hartmann")
    assert hit.title == "Ferry vote"
    assert open_index(index_dir(db)).searcher().num_docs == 2  # replaced, not added again


def test_newsflow_index_catches_up_and_newsflow_search_shows_snippets(db):
    from typer.testing import CliRunner

    from flows.cli import app

    load(db, "L1", [processed("/bridge.txt", BRIDGE, title="River bridge closed")])
    shutil.rmtree(index_dir(db))
    runner = CliRunner()
    missing = runner.invoke(app, ["search", "girders", "--db", str(db)], env={"COLUMNS": "250"})
    assert missing.exit_code == 1 and "no search index" in missing.output
    caught_up = runner.invoke(app, ["index", "--db", str(db)])
    assert caught_up.exit_code == 0 and "1 articles indexed" in caught_up.output
    found = runner.invoke(app, ["search", "cracked girders", "--db", str(db)], env={"COLUMNS": "250"})
    assert found.exit_code == 0, found.output
    assert "River bridge closed" in found.output and "inspectors found cracked girders" in found.output
