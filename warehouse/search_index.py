"""The full-text search index: a tantivy index kept beside the warehouse file, updated per load.

DuckDB's fts index cannot be updated in place (it was rebuilt over every stored article after
each load); tantivy adds and replaces documents incrementally and ranks with BM25. The index
folder records the last load it holds (`indexed.json`, written after tantivy's own atomic
commit): each update indexes the articles of every newer load, so a crash between the two only
means the next run indexes those articles again, and a warehouse whose index is missing (made
before this index, or the folder deleted) is indexed whole on its next run or `newsflow index`.

Each article is indexed with the ids of the entities it names (a copy with its original's), so
`search --entity` is a term filter inside the index rather than a scan of every stored mention;
an article enriched again, and its copies, are indexed again by the load that enriched them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import tantivy

MARKER = "indexed.json"
# Bumped when the schema or the analyzer changes: an index of another version is rebuilt.
INDEX_VERSION = 2
CHUNK = 500  # articles fetched from the warehouse at a time
WRITER_HEAP = 64_000_000  # tantivy's indexing buffer, bytes
EPOCH = dt.date(1970, 1, 1)


class NoSearchIndex(Exception):
    """The warehouse has no search index yet."""


def index_dir(db_file: str | os.PathLike[str]) -> Path:
    """The index folder of a warehouse file: `<db>.search/` beside it."""
    return Path(f"{os.fspath(db_file)}.search")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("article_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False, tokenizer_name="newsflow")
    builder.add_text_field("text", stored=False, tokenizer_name="newsflow")
    # The row's own publication day (days since 1970-01-01), for --since inside the index.
    builder.add_integer_field("day", indexed=True, fast=True)
    # The entities it names (entities.entity_id), for --entity.
    builder.add_text_field("entity", stored=False, tokenizer_name="raw")
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    # What the DuckDB fts index did: lower case, accents stripped, English stop words and stemmer.
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def open_index(folder: Path) -> tantivy.Index:
    """Open an existing index for searching."""
    if not _marker(folder):
        raise NoSearchIndex(f"no search index at {folder}: run `newsflow ingest` or `newsflow index`")
    return _open(folder)


def document(
    article_id: str, title: str | None, text: str | None, published: dt.date | None = None, entities: list[str] | None = None
) -> tantivy.Document:
    """An article as the index sees it (also what snippets are cut from)."""
    doc = tantivy.Document(article_id=article_id, title=title or "", text=text or "")
    if published is not None:
        doc.add_integer("day", day_number(published))
    for entity in entities or ():
        doc.add_text("entity", entity)
    return doc


def day_number(day: dt.date) -> int:
    """A day as the index stores it."""
    return (day - EPOCH).days


def _open(folder: Path) -> tantivy.Index:
    index = tantivy.Index(_schema(), path=str(folder), reuse=True)
    index.register_tokenizer("newsflow", _analyzer())
    return index


def _marker(folder: Path) -> dict | None:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if marker.get("version") == INDEX_VERSION else None


# An article with the entity ids its enrichment stored (a copy: its original's), in hex as
# entities.entity_id spells them.
_WITH_ENTITIES = """
    SELECT a.article_id, a.title, a.text, a.published_at, list_transform(f.entity_ids, x -> printf('%016x', x))
    FROM {articles} t
    JOIN articles a USING (article_id)
    LEFT JOIN duplicates d USING (article_id)
    LEFT JOIN article_features f ON f.article_id = coalesce(d.duplicate_of, a.article_id)
"""
# A first build: each load's articles, every article once.
FIRST_BUILD = _WITH_ENTITIES.format(articles="(SELECT article_id FROM articles WHERE load_id = $load)")
# After it: what a load changed, its articles, those it enriched (their entities may have
# changed) and their copies.
CHANGED_BY_LOAD = _WITH_ENTITIES.format(articles="""(
    SELECT article_id FROM articles WHERE load_id = $load
    UNION SELECT article_id FROM enrichment WHERE load_id = $load
    UNION SELECT d.article_id FROM duplicates d JOIN enrichment e ON d.duplicate_of = e.article_id WHERE e.load_id = $load
)""")


def update(connection: Callable[[], duckdb.DuckDBPyConnection], folder: Path, release: Callable[[], None]) -> int:
    """Index the articles of every load newer than the index's last one; returns how many were indexed.

    `connection()` gives the open warehouse; `release()` lets go of it while tantivy works, so
    readers can open the file between loads.
    """
    con = connection()
    marker = _marker(folder)
    if marker is None and folder.exists():
        shutil.rmtree(folder)  # a partial first build or an index of another version: start again
    folder.mkdir(parents=True, exist_ok=True)
    since = dt.datetime.fromisoformat(marker["started_at"]) if marker else None
    (latest,) = con.execute("SELECT max(started_at) FROM loads").fetchone()
    loads = [load_id for (load_id,) in con.execute(
        "SELECT load_id FROM loads WHERE $since IS NULL OR started_at > $since ORDER BY started_at", {"since": since}
    ).fetchall()]
    # Articles a reprocess turned into rejections are gone from `articles`; their documents say which.
    gone = [aid for (aid,) in con.execute(
        "SELECT DISTINCT d.doc_id FROM rejects r JOIN loads l USING (load_id) JOIN documents d USING (source_uri)"
        " WHERE $since IS NOT NULL AND l.started_at > $since AND l.kind = 'reprocess'"
        " AND d.doc_id NOT IN (SELECT article_id FROM articles)",
        {"since": since},
    ).fetchall()]
    index = _open(folder)
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    indexed = 0
    try:
        for aid in gone:
            writer.delete_documents_by_term("article_id", aid)
        for load_id in loads:
            # One load's rows were written together, so DuckDB's zone maps on load_id skip the
            # rest of each table: the read costs what the load wrote.
            cursor = connection().execute(FIRST_BUILD if since is None else CHANGED_BY_LOAD, {"load": load_id})
            while rows := cursor.fetchmany(CHUNK):
                for aid, title, text, published, entities in rows:
                    if since is not None:  # a first build has nothing to replace
                        writer.delete_documents_by_term("article_id", aid)
                    writer.add_document(document(aid, title, text, published, entities))
                indexed += len(rows)
            release()  # between loads, readers may open the warehouse
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    if latest is not None:
        tmp = folder / f"{MARKER}.tmp"
        tmp.write_text(json.dumps({"version": INDEX_VERSION, "started_at": latest.isoformat()}), encoding="utf-8")
        os.replace(tmp, folder / MARKER)
    return indexed
