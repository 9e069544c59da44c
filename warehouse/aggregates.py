"""Pre-aggregated entity counts behind `entity_mentions_daily` and `entity_cooccurrence`.

The counts are kept by difference: for the articles a batch adds or changes, their previous
share (kept per article in `article_entity_days`) is taken off and their present share added,
so the work is bounded by the batch, never by the archive.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa


def update_entity_aggregates(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Bring the entity counts up to date for articles whose mentions (or date) changed; call inside the batch's transaction."""
    if not article_ids:
        return
    con.register("changed_articles", pa.table({"article_id": pa.array(sorted(set(article_ids)), pa.string())}))
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE entity_delta AS"
            " SELECT *, -1 AS sign FROM article_entity_days WHERE article_id IN (SELECT article_id FROM changed_articles)"
        )
        con.execute("DELETE FROM article_entity_days WHERE article_id IN (SELECT article_id FROM changed_articles)")
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
        # DuckDB's MERGE matches on `=`, which never matches NULL: undated articles count under
        # a sentinel day here, NULL again in the table.
        con.execute(
            """
            MERGE INTO entity_day_counts t
            USING (
                SELECT entity_id, coalesce(day, DATE '0001-01-01') AS day_key,
                       sum(sign * mentions) AS mentions, sum(sign) AS articles
                FROM entity_delta GROUP BY ALL
            ) d
            ON t.entity_id = d.entity_id AND coalesce(t.day, DATE '0001-01-01') = d.day_key
            WHEN MATCHED THEN UPDATE SET mentions = t.mentions + d.mentions, articles = t.articles + d.articles
            WHEN NOT MATCHED AND d.articles <> 0 THEN INSERT VALUES (
                d.entity_id, nullif(d.day_key, DATE '0001-01-01'), d.mentions, d.articles)
            """
        )
        con.execute(
            """
            MERGE INTO entity_pair_counts t
            USING (
                SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, sum(x.sign) AS articles
                FROM (SELECT DISTINCT article_id, entity_id, sign FROM entity_delta) x
                JOIN (SELECT DISTINCT article_id, entity_id, sign FROM entity_delta) y
                  ON x.article_id = y.article_id AND x.sign = y.sign AND x.entity_id < y.entity_id
                GROUP BY ALL
            ) d
            ON t.entity_a = d.entity_a AND t.entity_b = d.entity_b
            WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles
            WHEN NOT MATCHED AND d.articles <> 0 THEN INSERT VALUES (d.entity_a, d.entity_b, d.articles)
            """
        )
        con.execute(
            "DELETE FROM entity_day_counts WHERE articles <= 0"
            " AND entity_id IN (SELECT DISTINCT entity_id FROM entity_delta)"
        )
        con.execute(
            "DELETE FROM entity_pair_counts WHERE articles <= 0"
            " AND entity_a IN (SELECT DISTINCT entity_id FROM entity_delta)"
        )
        con.execute("DROP TABLE entity_delta")
    finally:
        con.unregister("changed_articles")
