"""Pre-aggregated entity counts behind `entity_mentions_daily` and `entity_cooccurrence`.

The counts are kept by difference: for the articles a batch adds or changes, their previous
share (kept per article in `article_entity_days`) is taken off and their present share added.
An update matched on keys alone is a hash join over the whole count table in DuckDB, and an
index on the keys would not fit the writer's memory cap at a million articles, so:

- the day counts are updated one month at a time with the month as a filter on the table: a
  month's rows were written together, DuckDB's zone maps skip the rest, and the work follows
  the months the batch's articles fall in, never the archive;
- the pair counts (`entity_pairs`, not keyed by time, each pair stored from both sides so a
  lookup by entity reads only that entity's rows) are kept in ranges of entity ids, each range's
  rows together and sorted (like a Bigtable tablet). A batch appends its changes to
  `entity_pair_deltas` and then rewrites the ranges with the most changes waiting, for their
  size, until it has rewritten FOLD_WORK rows per change it added: the work per batch follows
  the batch, and a change waits for about 1/FOLD_WORK of its range's size in later changes.
  A range that outgrows RANGE_ROWS is cut in two. Until folded, a change is missing from the
  views; a warehouse under FOLD_MIN pair rows folds everything every batch and is always exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pyarrow as pa

# Pairs are counted among the entities an article names most: an article's pairs grow with the
# square of its entities (a results table or a list of names can have a hundred), and the
# entities it names once in a long list are not who it is about. Migration 022 applies the same cap.
PAIR_ENTITIES = 20
RANGE_ROWS = 1_000_000  # a range of entity_pairs is cut in two when a fold leaves it larger
FOLD_WORK = 20  # rows a batch rewrites per pair change it adds: changes wait for about 1/20 of their range
FOLD_MIN = 1_000_000  # rows any batch may rewrite: a warehouse under this many pair rows is always exact
RECOUNT_SLICE = 16 * RANGE_ROWS  # pair occurrences per slice when all pairs are counted afresh


def update_entity_aggregates(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], counted_before: Sequence[str]) -> None:
    """Bring the entity counts up to date for articles whose mentions (or date) changed; call inside the batch's transaction.

    `counted_before`: those of them that were enriched before (re-enriched, reprocessed), whose
    previous share is looked up and taken off; the others are new to the counts.
    """
    if not article_ids:
        return
    con.register("changed_articles", pa.table({"article_id": pa.array(sorted(set(article_ids)), pa.string())}))
    # Looking up a previous share is a pass over the per-article table (it has no index on
    # article_id): done only when some article had one.
    changed = bool(counted_before)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE entity_delta (article_id VARCHAR, entity_id VARCHAR, day DATE, mentions BIGINT, sign INTEGER)")
        con.execute(
            "INSERT INTO entity_delta SELECT *, -1 FROM article_entity_days"
            " WHERE $changed AND article_id IN (SELECT article_id FROM changed_articles)",
            {"changed": changed},
        )
        con.execute(
            "DELETE FROM article_entity_days WHERE $changed AND article_id IN (SELECT article_id FROM changed_articles)",
            {"changed": changed},
        )
        # The articles' dates are looked up for the batch's articles alone: joined to the whole
        # table, DuckDB builds a hash table of every article (a million of them overflowed the
        # writer's 512 MB cap inside an enrichment write).
        con.execute(
            "INSERT INTO article_entity_days"
            " SELECT m.article_id, m.entity_id, a.published_at, count(*)"
            " FROM mentions m"
            " JOIN (SELECT article_id, published_at FROM articles WHERE article_id IN (SELECT article_id FROM changed_articles)) a"
            " USING (article_id)"
            " WHERE m.article_id IN (SELECT article_id FROM changed_articles)"
            " GROUP BY ALL"
        )
        con.execute(
            "INSERT INTO entity_delta"
            " SELECT *, 1 FROM article_entity_days WHERE article_id IN (SELECT article_id FROM changed_articles)"
        )
        months = [m for (m,) in con.execute("SELECT DISTINCT date_trunc('month', day)::DATE FROM entity_delta").fetchall()]
        for month in months:
            _update_month(con, month)
        _add_pairs(con)
        con.execute("DROP TABLE entity_delta")
    finally:
        con.unregister("changed_articles")


def _update_month(con: duckdb.DuckDBPyConnection, month: dt.date | None) -> None:
    """Apply the delta of one month (None: undated articles) to the day counts, reading only that month's rows."""
    if month is None:
        in_days, params = "day IS NULL", {}
    else:
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        in_days, params = "day BETWEEN $first AND $last", {"first": month, "last": end}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE day_delta AS"
        " SELECT entity_id, day, sum(sign * mentions) AS mentions, sum(sign) AS articles"
        f" FROM entity_delta WHERE {in_days} GROUP BY ALL",
        params,
    )
    # Keyed on (entity, day); the filter on t.day is what lets the scan skip other months.
    con.execute(
        "UPDATE entity_day_counts t SET mentions = t.mentions + d.mentions, articles = t.articles + d.articles"
        f" FROM day_delta d WHERE t.{in_days} AND t.entity_id = d.entity_id AND t.day IS NOT DISTINCT FROM d.day",
        params,
    )
    con.execute(
        "INSERT INTO entity_day_counts SELECT d.entity_id, d.day, d.mentions, d.articles FROM day_delta d"
        f" WHERE d.articles <> 0 AND NOT EXISTS (SELECT 1 FROM entity_day_counts t WHERE t.{in_days}"
        " AND t.entity_id = d.entity_id AND t.day IS NOT DISTINCT FROM d.day)",
        params,
    )
    con.execute(f"DELETE FROM entity_day_counts WHERE {in_days} AND articles <= 0", params)
    con.execute("DROP TABLE day_delta")


def _add_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Append the batch's pair changes (from both sides of each pair); fold the ranges waiting most, within a budget."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pair_delta AS"
        " WITH ranked AS (SELECT article_id, entity_id, sign FROM entity_delta"
        "  QUALIFY row_number() OVER (PARTITION BY article_id, sign ORDER BY mentions DESC, entity_id) <= $cap)"
        " SELECT x.entity_id, y.entity_id AS other_id, sum(x.sign) AS articles"
        " FROM ranked x JOIN ranked y ON x.article_id = y.article_id AND x.sign = y.sign AND x.entity_id <> y.entity_id"
        " GROUP BY ALL HAVING sum(x.sign) <> 0",
        {"cap": PAIR_ENTITIES},
    )
    con.execute("INSERT INTO entity_pair_deltas SELECT * FROM pair_delta")
    # Every id falls in the range with the greatest lo at or below it (the first range starts at '').
    con.execute(
        "UPDATE entity_pair_ranges r SET pending = r.pending + d.n"
        " FROM (SELECT r.lo, count(*) AS n FROM pair_delta d ASOF JOIN entity_pair_ranges r ON d.entity_id >= r.lo GROUP BY ALL) d"
        " WHERE r.lo = d.lo"
    )
    (added,) = con.execute("SELECT count(*) FROM pair_delta").fetchone()
    con.execute("DROP TABLE pair_delta")
    fold_pairs(con, budget=max(FOLD_MIN, FOLD_WORK * added))


def fold_pairs(con: duckdb.DuckDBPyConnection, budget: int | None = None) -> None:
    """Fold waiting pair changes into their ranges, most waiting (for their size) first, until `budget` rows are rewritten (None: all)."""
    ranges = con.execute(
        "SELECT lo, hi, pairs, pending FROM (SELECT *, lead(lo) OVER (ORDER BY lo) AS hi FROM entity_pair_ranges)"
        " WHERE pending > 0 ORDER BY pending / (pairs + 1) DESC, lo"
    ).fetchall()
    rewritten = 0
    for lo, hi, pairs, pending in ranges:
        if budget is not None and rewritten >= budget:
            break
        _fold_range(con, lo, hi)
        rewritten += pairs + pending


def _fold_range(con: duckdb.DuckDBPyConnection, lo: str, hi: str | None) -> None:
    """Rewrite one range's rows with its waiting changes added, sorted by entity; split it if it grew past RANGE_ROWS."""
    # Written as a range on entity_id so DuckDB's zone maps skip the row groups of other ranges.
    in_range = "entity_id >= $lo" if hi is None else "entity_id >= $lo AND entity_id < $hi"
    bounds = {"lo": lo} if hi is None else {"lo": lo, "hi": hi}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE folded AS"
        " SELECT entity_id, other_id, sum(articles) AS articles FROM ("
        f"  SELECT * FROM entity_pairs WHERE {in_range}"
        f"  UNION ALL SELECT * FROM entity_pair_deltas WHERE {in_range}"
        " ) GROUP BY ALL HAVING sum(articles) > 0",
        bounds,
    )
    con.execute(f"DELETE FROM entity_pairs WHERE {in_range}", bounds)
    con.execute(f"DELETE FROM entity_pair_deltas WHERE {in_range}", bounds)
    pieces = _write_folded(con, lo)
    con.execute("DELETE FROM entity_pair_ranges WHERE lo = $lo", {"lo": lo})
    con.executemany("INSERT INTO entity_pair_ranges VALUES (?, ?, 0)", [list(p) for p in pieces])
    con.execute("DROP TABLE folded")


def recount_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Count every pair afresh from each article's entities (article_entity_days), a slice of entity ids at a time.

    Replaces entity_pairs, its ranges and waiting changes. One statement over the whole archive
    would hold every pair of every article at once (up to 20 x 19 per article: 380M at a million
    articles, more than the writer's memory cap); a slice holds at most RECOUNT_SLICE, and is
    written sorted, as ranges keep their rows.
    """
    con.execute("DELETE FROM entity_pairs")
    con.execute("DELETE FROM entity_pair_deltas")
    con.execute("DELETE FROM entity_pair_ranges")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ranked AS SELECT article_id, entity_id FROM article_entity_days"
        " QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY mentions DESC, entity_id) <= $cap",
        {"cap": PAIR_ENTITIES},
    )
    # Slices cut between entities by the pairs they can have at most (each of an entity's articles
    # gives it up to PAIR_ENTITIES - 1 partners). Every slice reads all of `ranked` once, so they
    # are large: the same pairs recur across articles (in the growth benchmark's million-article
    # warehouse, a slice of a million occurrences held 3,104 distinct pairs).
    starts = [lo for (lo,) in con.execute(
        "WITH per_entity AS (SELECT entity_id, count(*) * ($cap - 1) AS n FROM ranked GROUP BY ALL),"
        " numbered AS (SELECT entity_id, (sum(n) OVER (ORDER BY entity_id) - n) // $slice AS slice FROM per_entity)"
        " SELECT min(entity_id) FROM numbered GROUP BY slice ORDER BY 1",
        {"cap": PAIR_ENTITIES, "slice": RECOUNT_SLICE},
    ).fetchall()]
    ranges: list[tuple[str, int]] = []
    for i, lo in enumerate(starts):
        hi = starts[i + 1] if i + 1 < len(starts) else None
        in_slice = "x.entity_id >= $lo" if hi is None else "x.entity_id >= $lo AND x.entity_id < $hi"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE folded AS SELECT x.entity_id, y.entity_id AS other_id, count(*) AS articles"
            " FROM ranked x JOIN ranked y ON x.article_id = y.article_id AND x.entity_id <> y.entity_id"
            f" WHERE {in_slice} GROUP BY ALL",
            {"lo": lo} if hi is None else {"lo": lo, "hi": hi},
        )
        ranges += _write_folded(con, lo)
    con.execute("DROP TABLE IF EXISTS folded")
    con.execute("DROP TABLE ranked")
    ranges[:1] = [("", ranges[0][1])] if ranges else [("", 0)]
    con.executemany("INSERT INTO entity_pair_ranges VALUES (?, ?, 0)", [list(r) for r in ranges])


def _write_folded(con: duckdb.DuckDBPyConnection, lo: str) -> list[tuple[str, int]]:
    """Append the temporary table `folded` (the pairs of ids from `lo` on) to entity_pairs, sorted; return its ranges.

    One range (lo, rows), or, past RANGE_ROWS, pieces of about half a range each cut between
    entities, so each has room to grow; the first keeps `lo`.
    """
    con.execute("INSERT INTO entity_pairs SELECT * FROM folded ORDER BY entity_id, other_id")
    (rows,) = con.execute("SELECT count(*) FROM folded").fetchone()
    if rows <= RANGE_ROWS:
        return [(lo, rows)]
    pieces = con.execute(
        "WITH per_entity AS (SELECT entity_id, count(*) AS n FROM folded GROUP BY ALL),"
        " numbered AS (SELECT entity_id, n, (sum(n) OVER (ORDER BY entity_id) - n) // $piece AS piece FROM per_entity)"
        " SELECT min(entity_id), sum(n)::BIGINT FROM numbered GROUP BY piece ORDER BY 1",
        {"piece": RANGE_ROWS // 2},
    ).fetchall()
    return [(lo, pieces[0][1]), *pieces[1:]]
