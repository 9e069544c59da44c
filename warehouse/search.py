"""Full-text search over the warehouse: BM25 over titles and texts, one row per distinct article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import tantivy

from warehouse.search_index import day_number, document, index_dir, open_index

FIELDS = ["title", "text"]
SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article, with a passage of its text around the matched words."""

    article_id: str
    score: float
    title: str | None
    site_name: str | None
    published_at: dt.date | None
    url: str | None
    copies: int
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # the matched words' [start, end) in `snippet`


def search(
    con: duckdb.DuckDBPyConnection,
    phrase: str,
    *,
    since: dt.date | None = None,
    entity: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Articles matching `phrase`, best first; copies of one article count once (its best score)."""
    index = open_index(index_dir(warehouse_file(con)))
    searcher = index.searcher()
    # Lenient: a stray quote or operator in what a person typed is read as words, not an error.
    query, _ = index.parse_query_lenient(phrase, FIELDS)
    # The filters narrow the index's own search, so the best rows it returns are ones that pass.
    # --since compares each row's own day; the warehouse then applies it to the article's day,
    # which a copy may have supplied (a copy matches the same words, so it is found itself).
    filters = []
    if since is not None:
        filters.append(tantivy.Query.range_query(index.schema, "day", tantivy.FieldType.Integer, lower_bound=day_number(since)))
    if entity is not None:
        filters.append(tantivy.Query.term_set_query(index.schema, "article_id", _mentioning(con, entity)))
    # A filter adds nothing to the score: the ranking stays BM25 over title and text.
    narrowed = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, query)] + [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    )
    # The index ranks article rows; copies collapse in the warehouse, so ask for more rows than
    # wanted, and for more again while too few distinct articles come back.
    wanted = max(limit * 5, 100)
    while True:
        found = searcher.search(narrowed, wanted).hits
        scored = [(searcher.doc(address)["article_id"][0], score) for score, address in found]
        rows = _ranked(con, scored, since, limit)
        if len(rows) >= limit or len(found) < wanted:
            break
        wanted *= 4
    texts = _texts(con, [row[-1] for row in rows])
    snippets = tantivy.SnippetGenerator.create(searcher, query, index.schema, "text")
    snippets.set_max_num_chars(SNIPPET_CHARS)
    hits = []
    for *fields, member in rows:
        snippet = snippets.snippet_from_doc(document(member, *texts.get(member, (None, None))))
        marks = tuple((r.start, r.end) for r in snippet.highlighted())
        hits.append(Hit(*fields, snippet=snippet.fragment(), highlights=marks))
    return hits


def warehouse_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The file a connection has open."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(path)


def _ranked(con: duckdb.DuckDBPyConnection, scored: list[tuple[str, float]], since: dt.date | None, limit: int) -> list[tuple]:
    con.register(
        "scored_rows",
        pa.table({
            "article_id": pa.array([aid for aid, _ in scored], pa.string()),
            "score": pa.array([score for _, score in scored], pa.float64()),
        }),
    )
    try:
        return con.execute(
            """
            WITH scored AS (
                -- Rows of articles gone from the warehouse since they were indexed drop out here.
                SELECT s.article_id, s.score, coalesce(d.duplicate_of, s.article_id) AS canonical_id
                FROM scored_rows s
                JOIN articles a USING (article_id)
                LEFT JOIN duplicates d USING (article_id)
            ),
            best AS (
                SELECT canonical_id, max(score) AS score, arg_max(article_id, score) AS member
                FROM scored GROUP BY canonical_id
            ),
            members AS (
                SELECT canonical_id AS article_id FROM best
                UNION ALL
                SELECT d.article_id FROM duplicates d JOIN best b ON d.duplicate_of = b.canonical_id
            ),
            -- articles_canonical's metadata for these articles only: the view itself groups every
            -- stored article before a filter on its ids applies. The rules are the view's.
            clusters AS (
                SELECT
                    canonical_id,
                    first(title ORDER BY is_copy, article_id) FILTER (WHERE title IS NOT NULL)           AS title,
                    first(site_name ORDER BY is_copy, article_id) FILTER (WHERE site_name IS NOT NULL)   AS site_name,
                    first(published_at ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                                         AS published_at,
                    first(url ORDER BY is_copy, article_id) FILTER (WHERE url IS NOT NULL)               AS url,
                    count(*)                                                                             AS copies
                FROM stg_article_members
                WHERE article_id IN (SELECT article_id FROM members)
                GROUP BY canonical_id
            )
            SELECT c.canonical_id, b.score, c.title, c.site_name, c.published_at, c.url, c.copies, b.member
            FROM best b
            JOIN clusters c USING (canonical_id)
            WHERE ($since IS NULL OR c.published_at >= $since)
            ORDER BY b.score DESC, c.canonical_id
            LIMIT $limit
            """,
            {"since": since, "limit": limit},
        ).fetchall()
    finally:
        con.unregister("scored_rows")


def _mentioning(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    """Every copy of every article that names `entity` (by its name or as written)."""
    rows = con.execute(
        """
        WITH named AS (
            SELECT DISTINCT coalesce(d.duplicate_of, mn.article_id) AS canonical_id
            FROM mentions mn
            JOIN entities e USING (entity_id)
            LEFT JOIN duplicates d ON d.article_id = mn.article_id
            WHERE lower(e.name) = lower($entity) OR lower(mn.surface) = lower($entity)
        )
        SELECT canonical_id FROM named
        UNION
        SELECT d.article_id FROM duplicates d JOIN named n ON d.duplicate_of = n.canonical_id
        """,
        {"entity": entity},
    ).fetchall()
    return [aid for (aid,) in rows]


def _texts(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    if not article_ids:
        return {}
    rows = con.execute(
        "SELECT article_id, title, text FROM articles WHERE list_contains($ids, article_id)", {"ids": article_ids}
    ).fetchall()
    return {aid: (title, text) for aid, title, text in rows}
