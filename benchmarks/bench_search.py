"""Search index, search and analyst views at growing warehouse sizes (prints figures; not a test).

    uv run python benchmarks/bench_search.py [--sizes 10000 100000] [--seed-docs 400] [--work DIR]

1. A seed warehouse: `generate_corpus.py` writes --seed-docs article files (distinct articles:
   random names, places and wording), and the real pipeline reads, extracts, enriches (spaCy)
   and writes them with the Writer.
2. Each size: the seed file copied, then its `articles` and `mentions` rows replicated in SQL
   until the warehouse holds SIZE articles: each replica gets a new article id (md5 of the id
   and the replica number), its own source_uri, a publication date shifted back by
   (replica mod 1095) days (three years of dates), and one synthetic load per 2,000 rows.
   Replicas are exact textual copies of their seed article (not rows of `duplicates`), so a
   word's document frequency is realistic per seed article but a query matches SIZE/seed-docs
   copies of each matching article: a harder case for ranking than real, varied news.
   Documents, raw bytes, fingerprints and stories are not replicated (the seed rows stay, as
   tables seed_articles and seed_mentions): the file size printed
   is of articles + enrichment, smaller than a real warehouse of that many articles.
3. The entity aggregates built by difference for all replicas, and the search index built
   whole (what a warehouse made before the index pays once, on its next run or `newsflow index`).
4. The measured step: 200 new articles in a new load, then the index update (the
   `index_articles` task's work) and the aggregates' update for those 200 articles.
5. Reads: search latency (median of 5 per query, the worst query printed), the README's
   analyst queries over `entity_mentions_daily` and `entity_cooccurrence`, and sizes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.files import discover, outlet_of, read  # noqa: E402
from transforms.pipeline import process_batch  # noqa: E402
from transforms.records import Rejection  # noqa: E402
from transforms.sniff import DEFAULT_MAX_BYTES  # noqa: E402
from warehouse.aggregates import update_entity_aggregates  # noqa: E402
from warehouse.db import Writer, connect  # noqa: E402
from warehouse.search import search  # noqa: E402
from warehouse.search_index import index_dir  # noqa: E402

NEW = 200
PER_LOAD = 2000
VIEWS = {
    "entity_mentions_daily (README query: PERSON by day)":
        "SELECT day, name, mentions, articles FROM entity_mentions_daily WHERE type = 'PERSON' ORDER BY day, mentions DESC",
    "entity_mentions_daily (one entity's days)":
        "SELECT day, mentions FROM entity_mentions_daily WHERE name = $name ORDER BY day",
    "entity_cooccurrence (README query: top 20 pairs)":
        "SELECT name_a, name_b, articles FROM entity_cooccurrence ORDER BY articles DESC LIMIT 20",
    "entity_cooccurrence (one entity's partners)":
        "SELECT name_b, articles FROM entity_cooccurrence WHERE name_a = $name ORDER BY articles DESC LIMIT 20",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed-docs", type=int, default=400)
    ap.add_argument("--work", type=Path, help="keep the warehouses here (default: a temporary folder)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    seed_db = work / "seed.duckdb"
    if not seed_db.exists():
        seed(work, args.seed_docs, seed_db)
    for size in args.sizes:
        measure(seed_db, work / f"wh-{size}.duckdb", size)
    if not args.work:
        shutil.rmtree(work)


def seed(work: Path, n_docs: int, db: Path) -> None:
    """Ingest a generated corpus with the real pipeline (extraction, NLP, enrichment) into `db`."""
    corpus = work / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/generate_corpus.py"), str(corpus), "--n", str(n_docs), "--near-dup-share", "0"],
        check=True, stdout=subprocess.DEVNULL,
    )
    files, _ = discover([corpus])
    started = time.perf_counter()
    with Writer(db) as writer:
        writer.start_load("seed")
        for start in range(0, len(files), 100):
            chunk = files[start : start + 100]
            raws = [r for r in (read(f, max_bytes=DEFAULT_MAX_BYTES) for f in chunk) if not isinstance(r, Rejection)]
            batch = [dataclasses.replace(p, mtime_ns=0) for p in process_batch(raws, outlet_of)]
            writer.write_batch("seed", batch)
        writer.finish_load("seed", "completed")
        (articles, mentions) = writer.con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions)").fetchone()
    print(f"seed: {articles} articles, {mentions} mentions from {len(files)} generated files in {time.perf_counter() - started:.0f} s")


def replicate(con: duckdb.DuckDBPyConnection, first: int, last: int, load_of: str) -> list[str]:
    """Add replicas `first`..`last` (inclusive) of every seed article; returns the new ids.

    `load_of` is an SQL expression of the replica number `r` naming its load.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE replica_ids AS
        SELECT s.article_id AS seed_id, r, md5(s.article_id || '-' || r) AS article_id, {load_of} AS load_id
        FROM seed_articles s, range({first}, {last} + 1) t(r)
        """
    )
    con.execute(
        """
        INSERT INTO articles
        SELECT a.* REPLACE (
            i.article_id AS article_id, i.article_id AS doc_id, a.source_uri || '#' || i.r AS source_uri,
            a.published_at - CAST(i.r % 1095 AS INTEGER) AS published_at, i.load_id AS load_id)
        FROM replica_ids i JOIN seed_articles a ON a.article_id = i.seed_id
        """
    )
    con.execute(
        """
        INSERT INTO mentions
        SELECT m.* REPLACE (i.article_id AS article_id, i.load_id AS load_id)
        FROM replica_ids i JOIN seed_mentions m ON m.article_id = i.seed_id
        """
    )
    return [aid for (aid,) in con.execute("SELECT article_id FROM replica_ids").fetchall()]


def measure(seed_db: Path, db: Path, size: int) -> None:
    """Grow a copy of the seed to `size` articles, then print the figures."""
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(index_dir(db), ignore_errors=True)
    shutil.copy(seed_db, db)
    started = time.perf_counter()
    con = connect(db)
    con.execute("CREATE TABLE seed_articles AS SELECT * FROM articles")
    con.execute("CREATE TABLE seed_mentions AS SELECT * FROM mentions")
    (n_seed,) = con.execute("SELECT count(*) FROM seed_articles").fetchone()
    rounds = max(1, -(-(size - n_seed) // n_seed))
    loads = -(-rounds * n_seed // PER_LOAD)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    con.execute(
        "INSERT INTO loads (load_id, started_at, finished_at, status) SELECT 'synthetic-' || lpad(i::VARCHAR, 6, '0'),"
        " $base + to_seconds(i), $base + to_seconds(i), 'completed' FROM range($n) t(i)",
        {"base": base, "n": loads},
    )
    per_round = max(1, PER_LOAD // n_seed)
    load_of = f"'synthetic-' || lpad((r // {per_round})::VARCHAR, 6, '0')"
    ids: list[str] = []
    for first in range(1, rounds + 1, 50):
        con.execute("BEGIN TRANSACTION")
        ids += replicate(con, first, min(first + 49, rounds), load_of)
        con.execute("COMMIT")
    (articles,) = con.execute("SELECT count(*) FROM articles").fetchone()
    grown = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(ids), PER_LOAD):  # as loads would have: batch by batch
        con.execute("BEGIN TRANSACTION")
        update_entity_aggregates(con, ids[start : start + PER_LOAD], counted_before=[])
        con.execute("COMMIT")
    aggregates_whole = time.perf_counter() - started
    con.close()
    print(f"\n== {articles:,} stored articles (grown in {grown:.0f} s; entity aggregates built in {aggregates_whole:.1f} s)")

    with Writer(db) as writer:
        started = time.perf_counter()
        whole = writer.update_search_index(None)
        print(f"search index built whole (a pre-index warehouse's catch-up): {whole:,} articles in {time.perf_counter() - started:.1f} s")
        writer.start_load("bench-new")
        writer.con.execute("BEGIN TRANSACTION")
        new_ids = replicate(writer.con, rounds + 1, rounds + 1, "'bench-new'")[:NEW]
        writer.con.execute(
            "DELETE FROM mentions WHERE load_id = 'bench-new' AND NOT list_contains($ids, article_id)", {"ids": new_ids}
        )
        writer.con.execute(
            "DELETE FROM articles WHERE load_id = 'bench-new' AND NOT list_contains($ids, article_id)", {"ids": new_ids}
        )
        writer.con.execute("COMMIT")
        cpu, wall = time.process_time(), time.perf_counter()
        writer.con.execute("BEGIN TRANSACTION")
        update_entity_aggregates(writer.con, new_ids, counted_before=[])
        writer.con.execute("COMMIT")
        print(f"entity aggregates, {len(new_ids)} new articles: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
        cpu, wall = time.process_time(), time.perf_counter()
        indexed = writer.update_search_index("bench-new")
        print(f"index_articles, {indexed} new articles: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
        writer.finish_load("bench-new", "completed")

    con = connect(db, read_only=True)
    (name,) = con.execute("SELECT name FROM entity_mentions_daily GROUP BY name ORDER BY sum(mentions) DESC LIMIT 1").fetchone()
    # Queries made of seed titles' words: two-, three- and four-word phrases, and one word.
    seeds = con.execute(
        "SELECT article_id, title FROM seed_articles WHERE title IS NOT NULL ORDER BY article_id LIMIT 4"
    ).fetchall()
    titles = [t.split() for _, t in seeds]
    queries = [" ".join(titles[0][:2]), " ".join(titles[1][:3]), " ".join(titles[2][-4:]), titles[3][0]]
    # --since: the median day (half the matches pass); --entity: a name the second query's article has.
    (since,) = con.execute("SELECT CAST(median(published_at) AS DATE) FROM articles").fetchone()
    (named,) = con.execute(
        "SELECT e.name FROM mentions m JOIN entities e USING (entity_id) WHERE m.article_id = ?"
        " GROUP BY e.name ORDER BY count(*) DESC LIMIT 1", [seeds[1][0]]
    ).fetchone()
    worst = ("", 0.0)
    for label, kwargs in [(q, {}) for q in queries] + [
        (f"{queries[0]} --since {since}", {"since": since}),
        (f"{queries[1]} --entity {named!r}", {"entity": named}),
    ]:
        phrase = label.split(" --")[0]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            hits = search(con, phrase, **kwargs)
            runs.append(time.perf_counter() - started)
        median = statistics.median(runs)
        print(f"search {label!r}: {len(hits)} hits, median {median * 1000:.0f} ms (first {runs[0] * 1000:.0f} ms)")
        worst = max(worst, (label, median), key=lambda w: w[1])
    print(f"search, worst median: {worst[1] * 1000:.0f} ms ({worst[0]!r})")
    for label, sql in VIEWS.items():
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            rows = con.execute(sql, {"name": name} if "$name" in sql else None).fetchall()
            runs.append(time.perf_counter() - started)
        print(f"{label}: {len(rows):,} rows, median {statistics.median(runs) * 1000:.0f} ms")
    con.close()
    index_bytes = sum(f.stat().st_size for f in index_dir(db).rglob("*") if f.is_file())
    print(f"DB file {db.stat().st_size / 2**20:,.0f} MiB; index folder {index_bytes / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
