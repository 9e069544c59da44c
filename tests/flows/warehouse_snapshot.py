"""What a warehouse holds, without what says which run wrote it: two warehouses loaded from the
same inputs must have equal snapshots however many runs (and kills) it took."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.search import search

# Every table a load fills, compared whole; columns that name the load or the time of writing are left out.
TABLES = (
    "documents", "raw_blobs", "articles", "duplicates", "fingerprints", "minhash_bands", "rejects", "source_files",
    "enrichment", "entities", "mentions", "quotes", "keywords", "article_agencies", "stories", "story_members",
    "article_features", "entity_story_notes", "article_entity_days", "entity_day_counts", "entity_pairs",
)
RUN_COLUMNS = {"load_id", "first_load_id", "created_load_id", "updated_load_id", "fetched_at", "checked_at", "raised_at"}
SEARCHES = ("bridge", "strike docks", "flooding river shelters", "tram airport contract", "quota cod")


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every loaded table (sorted), and the ids `search` returns for a few phrases."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {}
        for table in TABLES:
            columns = [
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if name not in RUN_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)  # names from the catalog, not input
            tables[table] = sorted(con.execute(f"SELECT {listed} FROM {table}").fetchall(), key=repr)
        for phrase in SEARCHES:
            tables[f"search {phrase!r}"] = [(hit.article_id, round(hit.score, 6)) for hit in search(con, phrase, limit=10)]
        return tables
    finally:
        con.close()


def differences(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> list[str]:
    """One line per table that differs: how many rows each side has that the other lacks, and an example."""
    found = []
    for table in a:
        left, right = a[table], b[table]
        if left == right:
            continue
        only_a = [row for row in left if row not in right]
        only_b = [row for row in right if row not in left]
        example = (only_a or only_b or [None])[0]
        found.append(f"{table}: {len(left)} vs {len(right)} rows, {len(only_a)} only in the first, {len(only_b)} only in the second, e.g. {str(example)[:300]}")
    return found
