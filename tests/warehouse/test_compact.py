"""Compaction: the warehouse's free blocks given back, everything it holds kept."""

from __future__ import annotations

import duckdb

from tests.flows.warehouse_snapshot import snapshot
from tests.warehouse.test_writer import OTHER, STORY, enrich, processed
from warehouse.compact import compact
from warehouse.db import Writer


def test_a_compacted_warehouse_is_smaller_holds_the_same_and_takes_the_next_load(tmp_path):
    db = tmp_path / "w.duckdb"
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [processed("/a.txt", STORY, language="en"), processed("/b.txt", OTHER, language="en")])
        enrich(w, "L1")
        w.update_search_index("L1")
        w.finish_load("L1", "completed")
        # What a migration that rewrote a large table leaves: blocks the file keeps, free.
        w.con.execute("CREATE TABLE scratch AS SELECT range AS n, md5(range::VARCHAR) AS s FROM range(1000000)")
        w.con.execute("DROP TABLE scratch")
        w.con.execute("CHECKPOINT")
    held = snapshot(db)

    before, after = compact(db)

    assert after < before / 2, (before, after)
    assert after == db.stat().st_size
    assert snapshot(db) == held  # every table's rows and what search finds
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM top_entity_pairs(3)").fetchone() is not None  # macros and views came too
        (comment,) = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'article_features'").fetchone()
        assert comment
    finally:
        con.close()
    with Writer(db) as w:
        w.start_load("L2")
        w.write_batch("L2", [processed("/c.txt", OTHER + " A later line.", language="en")])
        w.finish_load("L2", "completed")
    assert not (tmp_path / "w.duckdb.compact").exists()
