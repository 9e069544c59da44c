"""Pre-aggregated entity counts behind `entity_mentions_daily` and `entity_cooccurrence`.

The counts are kept by difference: for the articles a batch adds or changes, their previous
share (kept per article in `article_entity_days`) is taken off and their present share added.
An update matched on keys alone is a hash join over the whole count table in DuckDB, and an
index on the keys would not fit the writer's memory cap at a million articles, so:

- the day counts are updated one month at a time with the month as a filter on the table: a
  month's rows were written together, DuckDB's zone maps skip the rest, and the work follows
  the months the batch's articles fall in, never the archive;
- the pair counts (not keyed by time) take each batch's changes as appended rows, folded into
  the counts in one pass once they reach FOLD_SHARE of them, so the folding costs a bounded
  share per article added (an LSM tree's amortisation, with one level). Until then the view
  misses them; a small warehouse (under FOLD_SMALL pairs, where a pass is cheap) folds every
  batch and is always exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pyarrow as pa

FOLD_SHARE = 0.05  # pending pair rows, as a share of the folded ones, that trigger a fold
FOLD_SMALL = 1_000_000  # folded pairs under which every batch folds (a pass costs ~0.1 s)


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
        con.execute(
            "INSERT INTO article_entity_days"
            " SELECT m.article_id, m.entity_id, a.published_at, count(*)"
            " FROM mentions m JOIN articles a USING (article_id)"
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
    """Append the batch's pair changes; fold the pending changes into the counts once they are many."""
    con.execute(
        "INSERT INTO entity_pair_deltas"
        " SELECT x.entity_id, y.entity_id, sum(x.sign)"
        " FROM (SELECT DISTINCT article_id, entity_id, sign FROM entity_delta) x"
        " JOIN (SELECT DISTINCT article_id, entity_id, sign FROM entity_delta) y"
        " ON x.article_id = y.article_id AND x.sign = y.sign AND x.entity_id < y.entity_id"
        " GROUP BY ALL HAVING sum(x.sign) <> 0"
    )
    # count(*) of a whole table is read from its metadata: no scan.
    (pending,) = con.execute("SELECT count(*) FROM entity_pair_deltas").fetchone()
    (folded,) = con.execute("SELECT count(*) FROM entity_pair_counts").fetchone()
    if folded < FOLD_SMALL or pending > FOLD_SHARE * folded:
        fold_pairs(con)


def fold_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the pending pair changes into entity_pair_counts: one pass over the counts."""
    con.execute(
        """
        MERGE INTO entity_pair_counts t
        USING (SELECT entity_a, entity_b, sum(articles) AS articles FROM entity_pair_deltas GROUP BY ALL) d
        ON t.entity_a = d.entity_a AND t.entity_b = d.entity_b
        WHEN MATCHED AND t.articles + d.articles <= 0 THEN DELETE
        WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles
        WHEN NOT MATCHED AND d.articles > 0 THEN INSERT VALUES (d.entity_a, d.entity_b, d.articles)
        """
    )
    con.execute("DELETE FROM entity_pair_deltas")
