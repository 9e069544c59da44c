"""What one scheduled run costs as the archive grows: 10k, 100k and 1M stored articles.

    uv run python benchmarks/bench_growth.py [--sizes 10000,100000,1000000] [--base 1000] [--run 200]
                                             [--work benchmarks/out/growth] [--resume]
    uv run python benchmarks/bench_growth.py --repeat K --work DIR   # K runs in a row on DIR's grown warehouse

How the warehouses are made. `generate_corpus.py` writes BASE + RUN distinct articles (about 10%
near-duplicates, dates spread over 2022-2024). The first BASE are ingested for real in this
process (extraction, dedup, load, spaCy enrichment, stories, search index): the base warehouse.
It is then grown by replication: replica r (1..K-1) copies every article-side row with new ids
(an id's first five characters become `z` + r in four digits, outside the hex alphabet), its own
source paths, content hashes, MinHash band hashes (xor r) and story ids, dates shifted by
r mod 365 days, and one load of its own; entities recur across replicas (the same people and
places are in the news every day), except one in eight, which is new in each replica (its own
entity id and name), so the vocabulary grows too. The derived tables (per-entity counts, the
entity -> stories notes, entities' mention counts) are recomputed from the replicated rows, and
the search index gets every replica through `newsflow index`'s own code. Raw bodies
(`raw_blobs`) are not replicated: only reprocessing reads them.

What is timed, at each size, on a copy of that warehouse (a subprocess each, so peak RSS is
the run's own): the RUN new articles as one scheduled run handles them, step by step with the
Writer calls the flow's tasks make, in as many transactions as the flow makes (skip unchanged,
dedup + load, select and read for enrichment, the enrich write with names, quotes and stories,
the search index update, finishing the load with its site-health check and summary, the closing
checkpoint). Extraction and spaCy
are done once up front and their cost printed beside: they are the same at every size. Twice:
  - `recent`: the articles dated in the archive's last two days (a scheduled run);
  - `backfill`: the same articles with their generated dates, spread over three years.
Then the reads analysts make (a search, `--since` and `--entity` searches, entity_mentions_daily
for one entity and for a week, one entity's partners in cooccurring_entities and
entity_cooccurrence, the top pairs through top_entity_pairs and through an ORDER BY on the view,
stats). Prints CPU and wall seconds,
peak RSS, file sizes. Asserts nothing.

`--repeat K`: K scheduled runs one after another on one copy of the warehouse `--sizes` grew
last, each with the run's files as new articles of their own (own paths, hashes and ids, MinHash
signatures xor-ed with the run's number), printing after each run the file's size and DuckDB's
used and free blocks: whether the file grows with its data, and whether freed blocks are reused.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from flows.files import discover, outlet_of, read  # noqa: E402
from transforms.records import Processed, Rejection  # noqa: E402

BATCH = 500  # files per batch while building the base warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="stored-article sizes, ascending")
    parser.add_argument("--base", type=int, default=1000, help="files ingested for real and then replicated")
    parser.add_argument("--run", type=int, default=200, help="new files in the timed run")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "growth", help="where corpora and warehouses go")
    parser.add_argument("--resume", action="store_true", help="grow the warehouse the last run left, instead of a new copy of the base")
    parser.add_argument("--repeat", type=int, default=0, metavar="K",
                        help="instead of the sizes: K scheduled runs one after another on one copy of the grown warehouse"
                             " (each with its own new articles), printing the file's size and DuckDB's used and free blocks")
    parser.add_argument("--one", nargs=3, metavar=("DB", "VARIANT", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="with --one: print the run's top functions by cumulative CPU")
    parser.add_argument("--sql", action="store_true", help="with --one: print the run's costliest SQL statements")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.one:
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(timed_run, Path(args.one[0]), args.one[1], Path(args.one[2]), args.round)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        elif args.sql:
            with statement_costs():
                timed_run(Path(args.one[0]), args.one[1], Path(args.one[2]), args.round)
        else:
            timed_run(Path(args.one[0]), args.one[1], Path(args.one[2]), args.round)
        return
    if args.repeat:
        repeat(args.work, args.repeat)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    base_db = build_base(args.work, args.base, args.run)
    prepared = pickle.loads(next(args.work.glob("prepared-*.pickle")).read_bytes())
    print(f"the run's {len(prepared['batch'])} files, done once (the same at every size): extraction"
          f" {prepared['extraction_cpu']:.1f} s CPU, spaCy {prepared['nlp_cpu']:.1f} s CPU")
    sizes = [int(s) for s in args.sizes.split(",")]
    grown = args.work / "grown.duckdb"
    if not (args.resume and grown.exists()):
        _copy(base_db, grown)
    print(f"\n{'stored':>9} {'variant':<9} {'total CPU s':>11} {'wall s':>7} {'peak RSS MB':>11} {'file GB':>8}  per step (CPU s)")
    results = []
    for size in sizes:
        started = time.perf_counter()
        stored = grow(grown, size)
        print(f"(grown to {stored:,} articles in {time.perf_counter() - started:.0f} s;"
              f" file {_size(grown) / 1e9:.2f} GB, index {_size(_index(grown)) / 1e9:.2f} GB)")
        for variant in ("recent", "backfill"):
            run_db = args.work / f"run-{variant}.duckdb"
            _copy(grown, run_db)
            out = args.work / f"run-{variant}.json"
            subprocess.run([sys.executable, __file__, "--one", str(run_db), variant, str(out)], check=True)
            r = json.loads(out.read_text())
            results.append((stored, variant, r))
            steps = ", ".join(f"{k} {v:.2f}" for k, v in r["cpu"].items())
            print(f"{stored:>9,} {variant:<9} {sum(r['cpu'].values()):>11.2f} {sum(r['wall'].values()):>7.1f}"
                  f" {r['rss_mb']:>11.0f} {r['file_gb']:>8.2f}  {steps}")
            print(f"{'':>9} reads (peak RSS after them {r['rss_after_reads_mb']:.0f} MB): "
                  + ", ".join(f"{k} {v:.3f} s" for k, v in r["reads"].items()))
            _remove(run_db)
    summary(results, prepared["extraction_cpu"] + prepared["nlp_cpu"])


def summary(results: list[tuple[int, str, dict]], constant: float) -> None:
    """The ratios the issue sets targets for: the warehouse side alone, and the whole run with extraction and spaCy."""
    for variant in ("recent", "backfill"):
        rows = [(n, r) for n, v, r in results if v == variant]
        if len(rows) < 2:
            continue
        (n0, first), (n1, last) = rows[0], rows[-1]
        a, b = sum(first["cpu"].values()), sum(last["cpu"].values())
        print(f"{variant}: the run at {n1:,} costs {b / a:.2f}x its cost at {n0:,} on the warehouse side,"
              f" {(b + constant) / (a + constant):.2f}x with extraction and spaCy (CPU);"
              f" peak RSS {max(r['rss_mb'] for _, r in rows):.0f} MB")


# ----------------------------------------------------------------------------- the base warehouse


def build_base(work: Path, base: int, run: int) -> Path:
    """Generate the corpus, ingest and enrich its first `base` files for real; extract and annotate the run's files."""
    corpus = work / f"corpus-{base + run}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(corpus), "--n", str(base + run)], check=True)
    db = work / f"base-{base}.duckdb"
    prepared = work / f"prepared-{base}-{run}.pickle"
    if db.exists() and prepared.exists():
        return db
    from transforms.enrich import annotate_stored
    from warehouse.db import Writer

    _remove(db)
    files, _ = discover([corpus])
    files.sort(key=lambda f: f.uri)
    cpu = time.process_time()
    with Writer(db) as w:
        w.start_load(BASE.strip("'"))
        for start in range(0, base, BATCH):
            w.write_batch(BASE.strip("'"), extract(files[start : min(start + BATCH, base)]))
        while todo := w.select_to_enrich(scope="queued", after=None, limit=BATCH):
            w.write_enrichment(BASE.strip("'"), annotate_stored(w.stored_articles([a for *_, a in todo])))
        w.update_search_index(BASE.strip("'"))
        w.finish_load(BASE.strip("'"), "completed")
        (last_day,) = w.con.execute("SELECT max(published_at) FROM articles").fetchone()
    print(f"base: {base} files ingested and enriched in {time.process_time() - cpu:.0f} s CPU")
    # The run's files: extracted and annotated once, as a worker would; the timed runs load them.
    run_files = files[base : base + run]
    cpu = time.process_time()
    batch = extract(run_files)
    extraction = time.process_time() - cpu
    scratch = work / "annotate.duckdb"
    _remove(scratch)
    with Writer(scratch) as w:
        w.start_load("annotate")
        w.write_batch("annotate", batch)
        stored = w.stored_articles([a for *_, a in w.select_to_enrich(scope="queued", after=None, limit=10**6)])
    cpu = time.process_time()
    annotated = {a.stored.article_id: a for a in annotate_stored(stored)}
    nlp = time.process_time() - cpu
    _remove(scratch)
    prepared.write_bytes(pickle.dumps({
        "batch": batch, "annotated": annotated, "last_day": last_day,
        "extraction_cpu": extraction, "nlp_cpu": nlp,
    }))
    return db


def extract(files: list) -> list[Processed]:  # type: ignore[type-arg]
    """Read and extract files as the extract_files task does."""
    from transforms.pipeline import process_batch

    raws, failed = [], {}
    for f in files:
        outcome = read(f, max_bytes=10**7)
        if isinstance(outcome, Rejection):
            failed[f.uri] = outcome
        else:
            raws.append(outcome)
    done = {p.source: p for p in process_batch(raws, outlet_of)}
    return [
        Processed(f.uri, failed[f.uri], size=f.size, mtime_ns=f.mtime_ns)
        if f.uri in failed else dataclasses.replace(done[f.uri], mtime_ns=f.mtime_ns)
        for f in files
    ]


# ----------------------------------------------------------------------------- growing by replication

NEW_ENTITY_SHARE = 8  # one entity in eight is new in each replica
REPLICAS_AT_ONCE = 20


def grow(db: Path, size: int) -> int:
    """Add replicas of the base load's rows until the warehouse holds about `size` articles."""
    from warehouse.db import Writer

    # Building is not what is measured: migrating a grown warehouse and recomputing the derived
    # tables need more than the run's cap (the timed runs, in their own processes, keep the default).
    previous = os.environ.get("NEWSFLOW_DB_MEMORY")
    os.environ["NEWSFLOW_DB_MEMORY"] = "8GB"
    with Writer(db) as w:
        con = w.con
        con.execute("SET preserve_insertion_order = false")
        (base,) = con.execute(f"SELECT count(*) FROM articles WHERE load_id = {BASE}").fetchone()
        (have,) = con.execute("SELECT count(DISTINCT load_id) FROM articles").fetchone()
        want = max(have, round(size / base))
        # The base load's rows, once: each replica copies from these small tables, not the grown ones.
        con.execute(f"CREATE TEMP TABLE base_ids AS SELECT article_id FROM articles WHERE load_id = {BASE}")
        for table, where in BASE_ROWS.items():
            con.execute(f"CREATE TEMP TABLE base_{table} AS SELECT * FROM {table} WHERE {where}")
        for first in range(have, want, REPLICAS_AT_ONCE):
            replicate(con, first, min(first + REPLICAS_AT_ONCE, want))
        if want > have or _underived(con):
            derive(con)
        elif _unnoted(con):
            con.execute("BEGIN")
            note_placements(con)
            con.execute("COMMIT")
        w.update_search_index(None)
        (stored,) = w.con.execute("SELECT count(*) FROM articles").fetchone()
    if previous is None:
        del os.environ["NEWSFLOW_DB_MEMORY"]
    else:
        os.environ["NEWSFLOW_DB_MEMORY"] = previous
    return stored


BASE = "'00000000T000000-base0000'"
_MINE = "article_id IN (SELECT article_id FROM base_ids)"
BASE_ROWS = {
    "loads": f"load_id = {BASE}", "documents": f"load_id = {BASE}", "source_files": f"load_id = {BASE}",
    "rejects": f"load_id = {BASE}", "articles": f"load_id = {BASE}", "fingerprints": _MINE, "minhash_bands": _MINE,
    "duplicates": _MINE, "enrichment": _MINE, "keywords": _MINE, "article_agencies": _MINE,
    "entities": "NOT starts_with(entity_id, 'z')", "mentions": _MINE, "quotes": _MINE, "article_features": _MINE,
    "stories": f"created_load_id = {BASE}", "story_members": _MINE,
}


def replicate(con, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    """Replicas first..last-1 of the base load: every article-side row with new ids, paths, hashes and shifted dates."""
    load = "'00000000T' || lpad(r::VARCHAR, 6, '0') || '-replica'"
    p = "('z' || lpad(r::VARCHAR, 4, '0'))"
    nid = p + " || {c}[6:]"  # an id of replica r
    shift = "to_days((r % 365)::INTEGER)"
    # An entity is new in a replica when its id's hash says so; its id and name get the replica's mark.
    new_entity = f"hash({{c}}) % {NEW_ENTITY_SHARE} = r % {NEW_ENTITY_SHARE}"
    ent = f"(CASE WHEN {new_entity} THEN {p} || {{c}}[6:] ELSE {{c}} END)"
    src = "'r' || r || '/' || source_uri"
    statements = [
        f"INSERT INTO loads SELECT * EXCLUDE (r) REPLACE ({load} AS load_id, started_at + to_seconds(r) AS started_at,"
        f" finished_at + to_seconds(r) AS finished_at) FROM base_loads, R",
        f"INSERT INTO documents SELECT * EXCLUDE (r) REPLACE ({nid.format(c='doc_id')} AS doc_id, {src} AS source_uri,"
        f" {nid.format(c='content_sha256')} AS content_sha256, {load} AS load_id) FROM base_documents, R ORDER BY r",
        f"INSERT INTO source_files SELECT * EXCLUDE (r) REPLACE ({src} AS source_uri,"
        f" {nid.format(c='content_sha256')} AS content_sha256, {load} AS load_id) FROM base_source_files, R ORDER BY r",
        f"INSERT INTO rejects SELECT * EXCLUDE (r) REPLACE ({load} AS load_id, {src} AS source_uri) FROM base_rejects, R ORDER BY r",
        f"INSERT INTO articles SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id, {nid.format(c='doc_id')} AS doc_id,"
        f" {src} AS source_uri, url || '?r=' || r AS url, published_at + {shift} AS published_at,"
        f" {load} AS load_id) FROM base_articles, R ORDER BY r",
        f"INSERT INTO fingerprints SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id,"
        f" {nid.format(c='exact_key')} AS exact_key, url_key || '?r=' || r AS url_key) FROM base_fingerprints, R ORDER BY r",
        f"INSERT INTO minhash_bands SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id,"
        f" xor(band_hash, r * 2654435761) AS band_hash) FROM base_minhash_bands, R ORDER BY r",
        f"INSERT INTO duplicates SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id,"
        f" {nid.format(c='duplicate_of')} AS duplicate_of, {load} AS load_id) FROM base_duplicates, R ORDER BY r",
        *(f"INSERT INTO {t} SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id, {load} AS load_id)"
          f" FROM base_{t}, R ORDER BY r" for t in ("enrichment", "keywords", "article_agencies", "article_features")),
        f"INSERT INTO entities SELECT * EXCLUDE (r) REPLACE ({p} || entity_id[6:] AS entity_id, name || ' ' || r AS name, r::VARCHAR AS last_word, 0 AS mentions)"
        f" FROM base_entities, R WHERE {new_entity.format(c='entity_id')}",
        f"INSERT INTO mentions SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id,"
        f" {ent.format(c='entity_id')} AS entity_id, {load} AS load_id) FROM base_mentions, R ORDER BY r",
        f"INSERT INTO quotes SELECT * EXCLUDE (r) REPLACE ({nid.format(c='quote_id')} AS quote_id, {nid.format(c='article_id')} AS article_id,"
        f" {ent.format(c='speaker_entity_id')} AS speaker_entity_id, {load} AS load_id) FROM base_quotes, R ORDER BY r",
        f"INSERT INTO stories SELECT * EXCLUDE (r) REPLACE ({nid.format(c='story_id')} AS story_id,"
        f" first_published_at + {shift} AS first_published_at, last_published_at + {shift} AS last_published_at,"
        f" {load} AS created_load_id, {load} AS updated_load_id,"
        f" list_transform(sample_members, m -> {p} || m[6:]) AS sample_members) FROM base_stories, R ORDER BY r",
        f"INSERT INTO story_members SELECT * EXCLUDE (r) REPLACE ({nid.format(c='article_id')} AS article_id,"
        f" {nid.format(c='story_id')} AS story_id, published_on + {shift} AS published_on,"
        f" {p} || wire_group_id[6:] AS wire_group_id, {load} AS load_id) FROM base_story_members, R ORDER BY r",
    ]
    con.execute("BEGIN")
    con.execute(f"CREATE OR REPLACE TEMP TABLE R AS SELECT range AS r FROM range({first}, {last})")
    for sql in statements:
        con.execute(sql)
    con.execute("COMMIT")


def _underived(con) -> bool:  # type: ignore[no-untyped-def]
    """Whether the derived tables miss replicated articles (a build stopped before or during derive)."""
    (counted,) = con.execute("SELECT count(DISTINCT article_id) FROM article_entity_days").fetchone()
    (named,) = con.execute("SELECT count(DISTINCT article_id) FROM mentions").fetchone()
    return counted < named


def derive(con) -> None:  # type: ignore[no-untyped-def]
    """Recompute what the writer keeps up to date per batch, from the replicated rows (once per size)."""
    from warehouse.aggregates import recount_pairs

    con.execute("BEGIN")
    con.execute("UPDATE entities SET mentions = m.n FROM (SELECT entity_id, count(*) AS n FROM mentions GROUP BY ALL) m"
                " WHERE entities.entity_id = m.entity_id")
    con.execute("DELETE FROM article_entity_days")
    con.execute("INSERT INTO article_entity_days SELECT m.article_id, m.entity_id, a.published_at, count(*)"
                " FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL ORDER BY m.article_id")
    con.execute("DELETE FROM entity_day_counts")
    con.execute("INSERT INTO entity_day_counts SELECT entity_id, day, sum(mentions), count(*) FROM article_entity_days GROUP BY ALL ORDER BY day NULLS FIRST")
    con.execute("SET preserve_insertion_order = true")  # the pairs go in sorted by entity, as ranges keep them
    recount_pairs(con)
    con.execute("SET preserve_insertion_order = false")
    note_placements(con)
    con.execute("COMMIT")


def note_placements(con) -> None:  # type: ignore[no-untyped-def]
    """entity_story_notes as placement appends them: a note per article and entity it is filed under
    (its STORY_ENTITIES most-named), numbered as if the archive had been placed day by day."""
    from warehouse.enrichment import STORY_ENTITIES

    parts = 16  # a slice of the articles at a time, in placement order, to stay inside memory
    con.execute("DELETE FROM entity_story_notes")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE placed AS SELECT article_id, story_id, published_on,"
        " row_number() OVER (ORDER BY published_on NULLS FIRST, article_id) AS noted FROM story_members"
    )
    (count,) = con.execute("SELECT count(*) FROM placed").fetchone()
    con.execute("SET preserve_insertion_order = true")  # notes go in in placement order, as runs append them
    for part in range(parts):
        lo, hi = part * count // parts, (part + 1) * count // parts
        con.execute(
            f"""
            INSERT INTO entity_story_notes
            WITH named AS (
                SELECT p.noted, p.story_id, p.published_on,
                       CASE WHEN starts_with(m.entity_id, 'z') THEN hash(m.entity_id)
                            ELSE ('0x' || m.entity_id)::UBIGINT END AS entity,
                       count(*) AS n
                FROM placed p JOIN mentions m USING (article_id)
                WHERE p.noted > {lo} AND p.noted <= {hi}
                GROUP BY ALL
            )
            SELECT entity, year(published_on) * 100 + month(published_on), story_id, noted FROM named
            QUALIFY row_number() OVER (PARTITION BY noted ORDER BY n DESC, entity) <= {STORY_ENTITIES}
            ORDER BY noted, entity
            """
        )
    con.execute("SET preserve_insertion_order = false")
    con.execute("DROP TABLE placed")


def _unnoted(con) -> bool:  # type: ignore[no-untyped-def]
    """Whether entity_story_notes holds only what migration 024 made of the old lists (no placement numbered)."""
    (last,) = con.execute("SELECT coalesce(max(noted), 0) FROM entity_story_notes").fetchone()
    return last <= 0


# ----------------------------------------------------------------------------- one timed run


def timed_run(db: Path, variant: str, out: Path, round_: int = 0) -> None:
    """The run's new articles through every warehouse-side step, each timed; the reads after. Writes JSON to `out`.

    round_ > 0: the articles as new ones of a later run (see `_as_round`).
    """
    from transforms.site_health import template_alerts
    from warehouse.db import Writer, connect
    from warehouse.reports import load_summary, site_health

    prepared = pickle.loads((db.parent / next(p.name for p in db.parent.glob("prepared-*.pickle"))).read_bytes())
    batch: list[Processed] = prepared["batch"]
    if variant == "recent":
        # A scheduled run's articles: published in the archive's last two days.
        (last,) = _one(db, "SELECT max(published_at) FROM articles")
        batch = [_redated(p, last - dt.timedelta(days=i % 2)) for i, p in enumerate(batch)]
    annotated = prepared["annotated"]
    if round_:
        batch, annotated = _as_round(batch, annotated, round_)
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}

    checkpoint_each = os.environ.get("BENCH_CHECKPOINT_EACH") == "1"  # diagnosis: what each step leaves the checkpoint

    @contextmanager
    def step(name: str) -> Iterator[None]:
        c, t = time.process_time(), time.perf_counter()
        yield
        cpu[name] = cpu.get(name, 0.0) + time.process_time() - c
        wall[name] = wall.get(name, 0.0) + time.perf_counter() - t
        if checkpoint_each and name not in ("close", "summary"):
            c, t = time.process_time(), time.perf_counter()
            w.con.execute("CHECKPOINT")
            cpu[f"checkpoint after {name}"] = cpu.get(f"checkpoint after {name}", 0.0) + time.process_time() - c

    # Written as the flow writes them: tasks cut as flows.batching.task_size cuts a run for a
    # 2-worker pool, grouped into writes of the batch size (flows.stages.in_writes).
    from flows.batching import task_size
    from flows.settings import DEFAULT_BATCH_SIZE

    per_task = task_size(len(batch), DEFAULT_BATCH_SIZE, 2)
    per_write = per_task * max(1, DEFAULT_BATCH_SIZE // per_task)
    load_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-benchrun"
    w = Writer(db)
    with step("open"):
        w.start_load(load_id)
    with step("skip unchanged"):
        w.file_states([p.source for p in batch])
    with step("load"):
        for start in range(0, len(batch), per_write):
            w.write_batch(load_id, batch[start : start + per_write])
            w.release()
    after = None
    while True:
        with step("enrich select+read"):
            todo = w.select_to_enrich(scope="queued", after=after, limit=per_write)
            if not todo:
                break
            after = todo[-1]
            stored = w.stored_articles([a for *_, a in todo])
        # spaCy ran once up front (its cost does not depend on the warehouse); copies get no annotation.
        ready = [dataclasses.replace(annotated[s.article_id], stored=s) if s.article_id in annotated else None for s in stored]
        missing = [s for s, a in zip(stored, ready) if a is None]
        if missing:
            raise SystemExit(f"{len(missing)} articles were not annotated up front")
        ready = [a if a.stored.duplicate_of is None else dataclasses.replace(a, annotation=None) for a in ready]
        with step("enrich write"):
            w.write_enrichment(load_id, ready)
            w.release()
    with step("index"):
        w.update_search_index(load_id)
    with step("finish"):
        w.reject_ratio(load_id)
        w.finish_load(load_id, "completed")
        w.record_site_health(load_id)
        w.record_site_alerts(load_id, template_alerts(site_health(w.con, load_id)))
    with step("close"):
        w.close()
    rss_writing = _peak_rss_mb()
    con = connect(db, read_only=True)
    try:
        with step("summary"):
            summary = load_summary(con, load_id)
        reads = measure_reads(con)
    finally:
        con.close()
    out.write_text(json.dumps({
        "cpu": cpu, "wall": wall, "reads": reads,
        "counts": summary.counts,
        "rss_mb": rss_writing,
        "rss_after_reads_mb": _peak_rss_mb(),
        "file_gb": _size(db) / 1e9,
    }))


def measure_reads(con) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Wall seconds of the reads an analyst makes, on the warehouse as the run left it."""
    from warehouse.search import search

    (entity, name) = con.execute(
        "SELECT entity_id, name FROM entities WHERE type = 'PERSON' ORDER BY mentions DESC LIMIT 1").fetchone()
    (last,) = con.execute("SELECT max(day) FROM entity_day_counts").fetchone()
    reads = {
        "search": lambda: search(con, "minister budget vote"),
        "search --since 30d": lambda: search(con, "minister budget vote", since=last - dt.timedelta(days=30)),
        "search --entity": lambda: search(con, "said", entity=name),
        "entity_mentions_daily, one entity": lambda: con.execute(
            "SELECT day, mentions, articles FROM entity_mentions_daily WHERE entity_id = ? ORDER BY day", [entity]).fetchall(),
        "entity_mentions_daily, top 20 last 7 days": lambda: con.execute(
            "SELECT name, sum(mentions) AS n FROM entity_mentions_daily WHERE day > ? - 7 GROUP BY ALL ORDER BY n DESC LIMIT 20",
            [last]).fetchall(),
        "cooccurring_entities, one entity by name": lambda: con.execute(
            "SELECT other_name, articles FROM cooccurring_entities WHERE name = ? ORDER BY articles DESC LIMIT 20", [name]).fetchall(),
        "entity_cooccurrence, one entity as entity_a": lambda: con.execute(
            "SELECT name_b, articles FROM entity_cooccurrence WHERE entity_a = ? ORDER BY articles DESC LIMIT 20", [entity]).fetchall(),
        "top_entity_pairs(20)": lambda: con.execute("SELECT name_a, name_b, articles FROM top_entity_pairs(20)").fetchall(),
        "entity_cooccurrence, top 20 by ORDER BY": lambda: con.execute(
            "SELECT name_a, name_b, articles FROM entity_cooccurrence ORDER BY articles DESC LIMIT 20").fetchall(),
        "stats (counts)": lambda: con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM duplicates), (SELECT count(*) FROM stories)").fetchall(),
    }
    out = {}
    for name_, read_ in reads.items():
        t = time.perf_counter()
        read_()
        out[name_] = time.perf_counter() - t
    return out


# ----------------------------------------------------------------------------- helpers


@contextmanager
def statement_costs() -> Iterator[None]:
    """Time every statement the Writer runs (through a proxy of its connection); print the costliest."""
    from collections import defaultdict

    from warehouse.db import Writer

    costs: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    class Timed:
        def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
            self._con = con

        def execute(self, sql, *args):  # type: ignore[no-untyped-def]
            cost = costs[" ".join(sql.split())[:150]]
            cost[0] += 1
            with charged(cost):
                return Fetched(self._con.execute(sql, *args), cost)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._con, name)

    class Fetched:
        """A statement's result: DuckDB runs much of a query as its rows are fetched, so fetching is charged to it too."""

        def __init__(self, con, cost) -> None:  # type: ignore[no-untyped-def]
            self._con, self._cost = con, cost

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            attr = getattr(self._con, name)
            if not name.startswith(("fetch", "to_arrow")):
                return attr

            def fetch(*args, **kwargs):  # type: ignore[no-untyped-def]
                with charged(self._cost):
                    return attr(*args, **kwargs)
            return fetch

    @contextmanager
    def charged(cost):  # type: ignore[no-untyped-def]
        c, t = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            cost[1] += time.process_time() - c
            cost[2] += time.perf_counter() - t

    real = Writer.con
    Writer.con = property(lambda self: Timed(real.fget(self)))  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Writer.con = real  # type: ignore[method-assign]
        for sql, (n, cpu, wall) in sorted(costs.items(), key=lambda kv: -kv[1][1])[:25]:
            print(f"{cpu:7.3f} s CPU {wall:7.3f} s wall {n:4d}x  {sql}")


def repeat(work: Path, runs: int) -> None:
    """Scheduled runs one after another on one copy of the grown warehouse: does the file grow with its data?"""
    grown, run_db = work / "grown.duckdb", work / "run-repeat.duckdb"
    _copy(grown, run_db)
    print(f"{'run':>4} {'CPU s':>6} {'loaded':>6} {'file GB':>8} {'used GB':>8} {'free GB':>8}")
    print(f"{'-':>4} {'':>6} {'':>6} {_size(run_db) / 1e9:>8.2f} " + " ".join(f"{x:>8.2f}" for x in _blocks(run_db)))
    for k in range(1, runs + 1):
        out = work / "run-repeat.json"
        subprocess.run([sys.executable, __file__, "--one", str(run_db), "recent", str(out), "--round", str(k)], check=True)
        r = json.loads(out.read_text())
        print(f"{k:>4} {sum(r['cpu'].values()):>6.1f} {r['counts']['loaded']:>6} {_size(run_db) / 1e9:>8.2f} "
              + " ".join(f"{x:>8.2f}" for x in _blocks(run_db)))
    _remove(run_db)


def _blocks(db: Path) -> tuple[float, float]:
    """DuckDB's used and free blocks of the file, in GB: free blocks are reused before the file grows."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        size, used, free = con.execute("SELECT block_size, used_blocks, free_blocks FROM pragma_database_size()").fetchone()
    finally:
        con.close()
    return used * size / 1e9, free * size / 1e9


def _as_round(batch: list[Processed], annotated: dict, k: int) -> tuple[list[Processed], dict]:  # type: ignore[type-arg]
    """The run's files as the new articles of the k-th run after it: their own paths, hashes and
    ids, and MinHash signatures xor-ed with k (as replicas' band hashes are), so no run's articles
    are copies of another's; the texts, and so the stories they join, stay the same."""
    from transforms.records import doc_id

    mark = np.uint32(k * 2654435761 % 2**32)
    renamed, ids = [], {}
    for p in batch:
        source, sha = f"round{k}/{p.source}", hashlib.sha256(f"{p.sha256}:{k}".encode()).hexdigest()
        new_id = doc_id(source, sha)
        ids[p.doc_id] = new_id
        fp = p.fingerprint
        if fp is not None:
            fp = dataclasses.replace(
                fp, article_id=new_id, exact_key=hashlib.sha256(f"{fp.exact_key}:{k}".encode()).hexdigest(),
                minhash=fp.minhash ^ mark, url_key=None if fp.url_key is None else f"{fp.url_key}?round={k}", bands=None,
            )
        renamed.append(dataclasses.replace(p, source=source, sha256=sha, fingerprint=fp))
    return renamed, {ids[aid]: a for aid, a in annotated.items() if aid in ids}


def _redated(p: Processed, day: dt.date) -> Processed:
    art = p.outcome
    if isinstance(art, Rejection) or art.published is None:
        return p
    return dataclasses.replace(p, outcome=dataclasses.replace(art, published=dataclasses.replace(art.published, value=day, precision="day")))


def _one(db: Path, sql: str) -> tuple:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def _index(db: Path) -> Path:
    return Path(f"{db}.search")


def _peak_rss_mb() -> float:
    """This process's peak RSS since it started: its own memory's high-water mark.

    Not getrusage's ru_maxrss: Linux carries the parent's peak into a child across fork and exec,
    so a run started after growing a warehouse (8 GB cap) reported the builder's 2.4 GB as its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _copy(src: Path, dst: Path) -> None:
    _remove(dst)
    subprocess.run(["cp", "--reflink=auto", str(src), str(dst)], check=True)
    if _index(src).exists():
        shutil.copytree(_index(src), _index(dst))


def _remove(db: Path) -> None:
    for p in (db, Path(f"{db}.wal"), Path(f"{db}.lock")):
        p.unlink(missing_ok=True)
    shutil.rmtree(_index(db), ignore_errors=True)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


if __name__ == "__main__":
    main()
