"""Full-text search over the warehouse: BM25 over titles and texts, one row per distinct article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article."""

    article_id: str
    score: float
    title: str | None
    site_name: str | None
    published_at: dt.date | None
    url: str | None
    copies: int


def search(
    con: duckdb.DuckDBPyConnection,
    phrase: str,
    *,
    since: dt.date | None = None,
    entity: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Articles matching `phrase`, best first; copies of one article count once (its best score)."""
    rows = con.execute(
        """
        WITH scored AS (
            SELECT m.canonical_id, fts_main_articles.match_bm25(m.article_id, $phrase) AS score
            FROM stg_article_members m
        ),
        best AS (
            SELECT canonical_id AS article_id, max(score) AS score
            FROM scored WHERE score IS NOT NULL GROUP BY canonical_id
        )
        SELECT c.article_id, b.score, c.title, c.site_name, c.published_at, c.url, c.copies
        FROM best b
        JOIN articles_canonical c USING (article_id)
        WHERE ($since IS NULL OR c.published_at >= $since)
          AND ($entity IS NULL OR c.article_id IN (
                SELECT s.canonical_id FROM stg_article_members s
                JOIN mentions mn ON mn.article_id = s.article_id
                JOIN entities e USING (entity_id)
                WHERE lower(e.name) = lower($entity) OR lower(mn.surface) = lower($entity)))
        ORDER BY b.score DESC, c.article_id
        LIMIT $limit
        """,
        {"phrase": phrase, "since": since, "entity": entity, "limit": limit},
    ).fetchall()
    return [Hit(*row) for row in rows]
