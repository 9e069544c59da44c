"""entity_mentions_daily and entity_cooccurrence read pre-aggregated counts that the writer keeps
by difference; they must always equal the counts taken over every stored mention."""

import datetime as dt

import pytest

from tests.warehouse.old_schema import warehouse_as_of
from warehouse import aggregates
from warehouse.aggregates import update_entity_aggregates
from warehouse.db import connect

# What the views computed over every mention before they were pre-aggregated (migration 006).
DAILY = """
    SELECT e.entity_id, e.name, e.type, a.published_at AS day, count(*) AS mentions, count(DISTINCT m.article_id) AS articles
    FROM mentions m JOIN entities e USING (entity_id) JOIN articles a USING (article_id) GROUP BY ALL
"""
# Pairs among the (at most 20) entities each article names most: PAIR_ENTITIES.
PAIRS = """
    WITH per_article AS (
        SELECT article_id, entity_id FROM mentions GROUP BY article_id, entity_id
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY count(*) DESC, entity_id) <= 20
    )
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


def test_pair_changes_wait_for_their_range_to_be_folded_in_a_large_warehouse(con, monkeypatch):
    monkeypatch.setattr(aggregates, "FOLD_MIN", 0)  # as a warehouse far larger than these pairs:
    monkeypatch.setattr(aggregates, "FOLD_WORK", 0)  # a batch rewrites no range
    article(con, "a1", dt.date(2026, 3, 1))
    article(con, "a2", dt.date(2026, 3, 1))
    for aid in ("a1", "a2"):
        mention(con, aid, "e1")
        mention(con, aid, "e2")
    update_entity_aggregates(con, ["a1", "a2"], counted_before=[])
    assert con.execute("SELECT count(*) FROM entity_cooccurrence").fetchone() == (0,)  # waiting
    assert con.execute("SELECT sum(pending) FROM entity_pair_ranges").fetchone() == (2,)  # e1-e2 from both sides
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
    assert con.execute("SELECT count(*) FROM entity_pairs").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM entity_pair_deltas").fetchone() == (0,)
    assert con.execute("SELECT sum(pending) FROM entity_pair_ranges").fetchone() == (0,)


def test_a_batch_folds_the_ranges_waiting_most_until_its_budget_is_spent(con, monkeypatch):
    monkeypatch.setattr(aggregates, "RANGE_ROWS", 4)  # ranges of two to four pair rows
    monkeypatch.setattr(aggregates, "FOLD_MIN", 0)
    names = [f"x{i}" for i in range(8)]
    for eid in names:
        con.execute("INSERT INTO entities (entity_id, name, type, country_code, first_load_id) VALUES (?, ?, 'ORG', NULL, 'L1')", [eid, eid.upper()])
    for i, (x, y) in enumerate(zip(names, names[1:])):  # a chain of pairs: x0-x1, x1-x2, ...
        article(con, f"c{i}", dt.date(2026, 3, 1))
        mention(con, f"c{i}", x)
        mention(con, f"c{i}", y)
    update_entity_aggregates(con, [f"c{i}" for i in range(7)], counted_before=[])  # FOLD_MIN 0, FOLD_WORK 20: all folded
    assert_views_match(con)
    ranges = con.execute("SELECT lo, pairs FROM entity_pair_ranges ORDER BY lo").fetchall()
    assert len(ranges) > 1 and ranges[0][0] == "" and all(n <= 4 for _, n in ranges)
    # Each range's rows were written together, sorted by entity (in storage order, rowid).
    bounds = [lo for lo, _ in ranges] + [None]
    for lo, hi in zip(bounds, bounds[1:]):
        stored = [e for (e,) in con.execute(
            "SELECT entity_id FROM entity_pairs WHERE entity_id >= $lo AND ($hi IS NULL OR entity_id < $hi) ORDER BY rowid",
            {"lo": lo, "hi": hi}).fetchall()]
        assert stored == sorted(stored)

    # A batch adding one pair rewrites only what its budget allows: the range holding x7 waits.
    monkeypatch.setattr(aggregates, "FOLD_WORK", 0)
    article(con, "c7", dt.date(2026, 3, 2))
    mention(con, "c7", "x0")
    mention(con, "c7", "x7")
    update_entity_aggregates(con, ["c7"], counted_before=[])
    waiting = con.execute("SELECT count(*) FROM entity_pair_ranges WHERE pending > 0").fetchone()[0]
    assert waiting == 2  # x0's range and x7's: one pair, seen from both sides
    # With a budget of one range, the batch after folds one of them; the next, the other.
    monkeypatch.setattr(aggregates, "FOLD_MIN", 1)
    aggregates.fold_pairs(con, budget=1)
    assert con.execute("SELECT count(*) FROM entity_pair_ranges WHERE pending > 0").fetchone() == (1,)
    aggregates.fold_pairs(con, budget=1)
    assert_views_match(con)


def test_cooccurring_entities_lists_every_partner_from_either_side_and_top_pairs_ranks_them(con):
    for aid, entities in {"a1": ["e1", "e2", "e3"], "a2": ["e1", "e3"], "a3": ["e2", "e3"]}.items():
        article(con, aid, dt.date(2026, 3, 1))
        for eid in entities:
            mention(con, aid, eid)
    update_entity_aggregates(con, ["a1", "a2", "a3"], counted_before=[])
    partners = con.execute(
        "SELECT other_name, articles FROM cooccurring_entities WHERE name = 'Lisbon' ORDER BY articles DESC, other_name"
    ).fetchall()
    assert partners == [("Ada Byrne", 2), ("Harbour Board", 2)]
    top = con.execute("SELECT name_a, name_b, articles FROM top_entity_pairs(2)").fetchall()
    assert top == [("Ada Byrne", "Lisbon", 2), ("Harbour Board", "Lisbon", 2)]


def test_pairs_of_the_previous_schema_are_recounted_from_each_articles_entities_on_migration(tmp_path):
    db = tmp_path / "old.duckdb"
    old = warehouse_as_of(db, 21)
    for eid, name in [("e1", "Ada Byrne"), ("e2", "Harbour Board"), ("e3", "Lisbon")]:
        old.execute("INSERT INTO entities (entity_id, name, type, country_code, first_load_id) VALUES (?, ?, 'PERSON', NULL, 'L1')", [eid, name])
    old.execute("INSERT INTO article_entity_days VALUES ('a1', 'e1', NULL, 2), ('a1', 'e2', NULL, 1), ('a2', 'e1', NULL, 1),"
                " ('a2', 'e2', NULL, 1), ('a2', 'e3', NULL, 1)")
    old.execute("INSERT INTO entity_pair_counts VALUES ('e1', 'e2', 2), ('e1', 'e3', 1), ('e2', 'e3', 1)")
    old.execute("INSERT INTO entity_pair_deltas VALUES ('e1', 'e3', 5)")  # waiting, and wrong: the articles say otherwise
    old.close()

    con = connect(db)  # migrates forward
    try:
        assert con.execute("SELECT name_a, name_b, articles FROM entity_cooccurrence ORDER BY ALL").fetchall() == [
            ("Ada Byrne", "Harbour Board", 2), ("Ada Byrne", "Lisbon", 1), ("Harbour Board", "Lisbon", 1)
        ]
        assert con.execute("SELECT count(*) FROM entity_pairs").fetchone() == (6,)  # each pair from both sides
        assert con.execute("SELECT lo, pairs, pending FROM entity_pair_ranges").fetchall() == [("", 6, 0)]
        assert con.execute("SELECT count(*) FROM entity_pair_deltas").fetchone() == (0,)
    finally:
        con.close()


def test_pairs_are_counted_among_the_entities_an_article_names_most(con, monkeypatch):
    monkeypatch.setattr(aggregates, "PAIR_ENTITIES", 2)
    article(con, "a1", dt.date(2026, 3, 1))
    mention(con, "a1", "e1", 3)
    mention(con, "a1", "e2", 2)
    mention(con, "a1", "e3")  # named once, in third place: in no pair
    update_entity_aggregates(con, ["a1"], counted_before=[])
    assert con.execute("SELECT name_a, name_b, articles FROM entity_cooccurrence").fetchall() == [("Ada Byrne", "Harbour Board", 1)]
    # Lisbon becomes the most named: the pairs follow, and the old one is taken off.
    mention(con, "a1", "e3", 3)
    update_entity_aggregates(con, ["a1"], counted_before=["a1"])
    assert con.execute("SELECT name_a, name_b, articles FROM entity_cooccurrence").fetchall() == [("Ada Byrne", "Lisbon", 1)]


def test_pairs_recounted_slice_by_slice_equal_the_counts_kept_batch_by_batch(con, monkeypatch):
    monkeypatch.setattr(aggregates, "RANGE_ROWS", 4)  # slices of a few pairs: many slices, some cut in pieces
    monkeypatch.setattr(aggregates, "RECOUNT_SLICE", 8)
    names = [f"x{i}" for i in range(9)]
    for eid in names:
        con.execute("INSERT INTO entities (entity_id, name, type, country_code, first_load_id) VALUES (?, ?, 'ORG', NULL, 'L1')", [eid, eid.upper()])
    for i in range(6):
        article(con, f"c{i}", dt.date(2026, 3, 1 + i))
        for eid in names[i : i + 4]:
            mention(con, f"c{i}", eid)
    update_entity_aggregates(con, [f"c{i}" for i in range(6)], counted_before=[])
    kept = con.execute("SELECT * FROM entity_pairs ORDER BY ALL").fetchall()
    aggregates.recount_pairs(con)
    assert con.execute("SELECT * FROM entity_pairs ORDER BY ALL").fetchall() == kept
    assert_views_match(con)
    ranges = con.execute("SELECT lo, pairs, pending FROM entity_pair_ranges ORDER BY lo").fetchall()
    assert ranges[0][0] == "" and len(ranges) > 2
    assert sum(n for _, n, _ in ranges) == len(kept) and all(pending == 0 for *_, pending in ranges)
