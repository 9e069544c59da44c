"""Full-text search over the warehouse: BM25 over titles and texts, one row per distinct article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
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
        filters.append(tantivy.Query.term_set_query(index.schema, *_mentioning(con, entity)))
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
    """(article_id, score, title, site_name, published_at, url, copies, best-scoring member) of the best articles."""
    if not scored:
        return []
    # Lists of ids as IN (?, ?, ...): DuckDB prunes the scan with constants, not with a joined table.
    canonical = dict(con.execute(
        "SELECT a.article_id, coalesce(d.duplicate_of, a.article_id) FROM articles a"
        f" LEFT JOIN duplicates d USING (article_id) WHERE a.article_id IN ({_marks(scored)})",
        [aid for aid, _ in scored],
    ).fetchall())  # rows of articles gone from the warehouse since they were indexed drop out here
    best: dict[str, tuple[float, str]] = {}
    for aid, score in scored:
        if aid in canonical and (canonical[aid] not in best or score > best[canonical[aid]][0]):
            best[canonical[aid]] = (score, aid)
    if not best:
        return []
    copies = [aid for (aid,) in con.execute(
        f"SELECT article_id FROM duplicates WHERE duplicate_of IN ({_marks(best)})", list(best)
    ).fetchall()]
    members = [*best, *copies]
    # articles_canonical's metadata for these articles only: the view itself groups every stored
    # article before a filter on its ids applies. The rules are the view's.
    clusters = con.execute(
        f"""
        SELECT
            canonical_id,
            first(title ORDER BY is_copy, article_id) FILTER (WHERE title IS NOT NULL)           AS title,
            first(site_name ORDER BY is_copy, article_id) FILTER (WHERE site_name IS NOT NULL)   AS site_name,
            first(published_at ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                                 AS published_at,
            first(url ORDER BY is_copy, article_id) FILTER (WHERE url IS NOT NULL)               AS url,
            count(*)                                                                             AS copies
        FROM stg_article_members
        WHERE article_id IN ({_marks(members)})
        GROUP BY canonical_id
        """,
        members,
    ).fetchall()
    rows = [
        (cid, best[cid][0], title, site, published, url, n, best[cid][1])
        for cid, title, site, published, url, n in clusters
        if since is None or (published is not None and published >= since)
    ]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[:limit]


def _marks(values: object) -> str:
    return ", ".join("?" * len(values))  # type: ignore[arg-type]


def _mentioning(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[str, list[str]]:
    """The index field and terms that keep articles naming `entity`, with their copies: its ids
    when an entity has that name, else the articles (and copies) that mention it so written."""
    ids = [eid for (eid,) in con.execute("SELECT entity_id FROM entities WHERE lower(name) = lower(?)", [entity]).fetchall()]
    if ids:
        return "entity", ids  # each article is indexed with its (or its original's) entity ids
    # A name no entity has ("Putin" for Vladimir Putin): a pass over every mention as written.
    named = con.execute("SELECT DISTINCT article_id FROM mentions WHERE lower(surface) = lower(?)", [entity]).to_arrow_table()
    con.register("named_articles", named)
    try:
        rows = con.execute(
            """
            WITH named AS (
                SELECT DISTINCT coalesce(d.duplicate_of, n.article_id) AS canonical_id
                FROM named_articles n LEFT JOIN duplicates d USING (article_id)
            )
            SELECT canonical_id FROM named
            UNION
            SELECT d.article_id FROM duplicates d JOIN named n ON d.duplicate_of = n.canonical_id
            """
        ).fetchall()
    finally:
        con.unregister("named_articles")
    return "article_id", [aid for (aid,) in rows]


def _texts(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    if not article_ids:
        return {}
    rows = con.execute(
        f"SELECT article_id, title, text FROM articles WHERE article_id IN ({_marks(article_ids)})", article_ids
    ).fetchall()
    return {aid: (title, text) for aid, title, text in rows}
