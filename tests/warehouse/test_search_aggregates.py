"""entity_mentions_daily and entity_cooccurrence read pre-aggregated counts that the writer keeps
by difference; they must always equal the counts taken over every stored mention."""

import datetime as dt

import pytest

from warehouse import aggregates
from warehouse.aggregates import update_entity_aggregates
from warehouse.db import connect

# What the views computed over every mention before they were pre-aggregated (migration 006).
DAILY = """
    SELECT e.entity_id, e.name, e.type, a.published_at AS day, count(*) AS mentions, count(DISTINCT m.article_id) AS articles
    FROM mentions m JOIN entities e USING (entity_id) JOIN articles a USING (article_id) GROUP BY ALL
"""
PAIRS = """
    WITH per_article AS (SELECT DISTINCT article_id, entity_id FROM mentions)
    SELECT x.entity_id, ea.name, y.entity_id, eb.name, count(*)
    FROM per_article x JOIN per_article y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
    JOIN entities ea ON ea.entity_id = x.entity_id JOIN entities eb ON eb.entity_id = y.entity_id GROUP BY ALL
"""


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "wh.duckdb")
    for eid, name in [("e1", "Ada Byrne"), ("e2", "Harbour Board"), ("e3", "Lisbon")]:
        con.execute("INSERT INTO entities (entity_id, name, type, country_code, first_load_id) VALUES (?, ?, 'PERSON', NULL, 'L1')", [eid, name])
    yield con
    con.close()


def article(con, aid, day):
    con.execute(
        "INSERT OR REPLACE INTO articles (article_id, doc_id, source_uri, authors, agencies, media_type, text,"
        " word_count, extractor_version, load_id, published_at) VALUES (?, ?, ?, [], [], 'text/plain', 'text', 1, 'x', 'L1', ?)",
        [aid, aid, f"/{aid}.txt", day],
    )


def mention(con, aid, eid, times=1):
    for i in range(times):
        con.execute("INSERT INTO mentions VALUES (?, ?, ?, ?, ?, 'L1')", [aid, eid, eid, i, i + 1])


def assert_views_match(con):
    assert sorted(con.execute("SELECT * FROM entity_mentions_daily").fetchall(), key=str) == sorted(
        con.execute(DAILY).fetchall(), key=str
    )
    assert sorted(con.execute("SELECT * FROM entity_cooccurrence").fetchall()) == sorted(con.execute(PAIRS).fetchall())


def test_counts_follow_added_changed_redated_and_removed_articles(con):
    day = dt.date(2026, 3, 1)
    article(con, "a1", day)
    article(con, "a2", day)
    article(con, "a3", None)  # undated articles count under a NULL day
    mention(con, "a1", "e1", 3)
    mention(con, "a1", "e2")
    mention(con, "a2", "e1")
    mention(con, "a2", "e2")
    mention(con, "a2", "e3")
    mention(con, "a3", "e1", 2)
    mention(con, "a3", "e3")
    update_entity_aggregates(con, ["a1", "a2", "a3"], counted_before=[])
    assert_views_match(con)
    assert con.execute("SELECT articles FROM entity_cooccurrence WHERE name_a = 'Ada Byrne' AND name_b = 'Harbour Board'").fetchone() == (2,)

    # a1 is re-enriched with other entities, a2 is redated, a3 is no longer an article
    con.execute("DELETE FROM mentions WHERE article_id IN ('a1', 'a3')")
    mention(con, "a1", "e3", 2)
    article(con, "a2", dt.date(2026, 3, 2))
    con.execute("DELETE FROM articles WHERE article_id = 'a3'")
    update_entity_aggregates(con, ["a1", "a2", "a3"], counted_before=["a1", "a2", "a3"])
    assert_views_match(con)
    assert con.execute("SELECT count(*) FROM entity_day_counts WHERE day IS NULL").fetchone() == (0,)


def test_an_article_passed_again_unchanged_changes_nothing(con):
    article(con, "a1", dt.date(2026, 3, 1))
    mention(con, "a1", "e1")
    mention(con, "a1", "e2")
    update_entity_aggregates(con, ["a1"], counted_before=[])
    update_entity_aggregates(con, ["a1"], counted_before=["a1"])
    assert_views_match(con)


def test_articles_across_months_and_undated_count_by_day_and_the_pairs_by_article(con):
    article(con, "a1", dt.date(2026, 3, 31))
    article(con, "a2", dt.date(2026, 4, 1))
    article(con, "a3", None)
    for aid in ("a1", "a2", "a3"):
        mention(con, aid, "e1")
        mention(con, aid, "e2")
    update_entity_aggregates(con, ["a1", "a2", "a3"], counted_before=[])
    assert_views_match(con)
    # Moved from April to March: April's row goes, March counts two.
    article(con, "a2", dt.date(2026, 3, 2))
    update_entity_aggregates(con, ["a2"], counted_before=["a2"])
    assert_views_match(con)
    assert con.execute("SELECT count(*) FROM entity_day_counts WHERE day >= '2026-04-01'").fetchone() == (0,)


def test_pair_changes_wait_to_be_folded_in_a_large_warehouse_and_read_the_same_once_folded(con, monkeypatch):
    monkeypatch.setattr(aggregates, "FOLD_SMALL", 0)  # as a warehouse far larger than these pairs:
    monkeypatch.setattr(aggregates, "FOLD_SHARE", 10.0)  # one folded pair lets ten wait
    con.execute("INSERT INTO entity_pair_counts VALUES ('x1', 'x2', 1)")
    article(con, "a1", dt.date(2026, 3, 1))
    article(con, "a2", dt.date(2026, 3, 1))
    for aid in ("a1", "a2"):
        mention(con, aid, "e1")
        mention(con, aid, "e2")
    update_entity_aggregates(con, ["a1", "a2"], counted_before=[])
    assert con.execute("SELECT count(*) FROM entity_cooccurrence").fetchone() == (0,)  # pending
    aggregates.fold_pairs(con)
    assert_views_match(con)
    # a1 drops e2 (the pair loses an article), then a2 drops it too (the pair is gone).
    con.execute("DELETE FROM mentions WHERE article_id = 'a1' AND entity_id = 'e2'")
    update_entity_aggregates(con, ["a1"], counted_before=["a1"])
    con.execute("DELETE FROM mentions WHERE article_id = 'a2' AND entity_id = 'e2'")
    update_entity_aggregates(con, ["a2"], counted_before=["a2"])
    assert con.execute("SELECT articles FROM entity_cooccurrence").fetchall() == [(2,)]  # not folded yet
    aggregates.fold_pairs(con)
    assert_views_match(con)
    assert con.execute("SELECT entity_a FROM entity_pair_counts").fetchall() == [("x1",)]
    assert con.execute("SELECT count(*) FROM entity_pair_deltas").fetchone() == (0,)
    # Once pending rows pass their share of the folded ones, the batch folds them itself.
    monkeypatch.setattr(aggregates, "FOLD_SHARE", 0.0)
    mention(con, "a1", "e2")
    update_entity_aggregates(con, ["a1"], counted_before=["a1"])
    assert_views_match(con)
