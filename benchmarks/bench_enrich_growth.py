"""The enrich write's cost per article at two warehouse sizes.

    uv run python benchmarks/bench_enrich_growth.py CORPUS [K] [DB]

Loads and enriches 400 of CORPUS's files (e.g. from generate_corpus.py), times
Writer.write_enrichment for the next 100; then replicates every article-side row (articles,
enrichment, mentions, keywords, agencies, features, story members, fingerprints, duplicates)
K-1 times with new ids (their first three characters replaced by `zNN`, outside the hex
alphabet) into the same stories, and times the write of another 100. Prints CPU and wall ms
per article, peak RSS and the file size. The entity -> stories lists are not replicated: they
are capped per entity and month, which is the point. Asserts nothing.
"""
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flows.files import discover, outlet_of, read
from transforms.enrich import annotate_stored
from transforms.pipeline import process_batch
from transforms.records import Rejection
from warehouse.db import Writer

corpus = sys.argv[1]
K = int(sys.argv[2]) if len(sys.argv) > 2 else 50
db = sys.argv[3] if len(sys.argv) > 3 else "bench-enrich-growth.duckdb"
files, _ = discover([corpus])
if os.path.exists(db):
    os.unlink(db)


def load(w, chunk, lid):  # type: ignore[no-untyped-def]
    """Load and enrich a chunk of files; (articles, wall s, CPU s) of its enrich write."""
    raws = [r for r in (read(f, max_bytes=10**7) for f in chunk) if not isinstance(r, Rejection)]
    w.write_batch(lid, process_batch(raws, outlet_of))
    ids = [a for _, a in w.select_to_enrich(everything=False, after=None, limit=10**6)]
    annotated = annotate_stored(w.stored_articles(ids))
    t = time.perf_counter(); c = time.process_time()
    w.write_enrichment(lid, annotated)
    return len(annotated), time.perf_counter() - t, time.process_time() - c

with Writer(db) as w:
    w.start_load("G")
    for start in range(0, 400, 100):
        load(w, files[start:start + 100], "G")
    n = w.con.execute("SELECT count(*) FROM story_members").fetchone()[0]
    k, wall, cpu = load(w, files[400:500], "G")
    print(f"stored {n} articles: enrich write of {k} new articles {1000*cpu/k:.1f} ms CPU/article ({1000*wall/k:.1f} ms wall)")
    # Replicate every enrichment-side row K times with new ids (the ids keep their length and alphabet).
    for i in range(1, K):
        p = f"z{i:02d}"
        w.con.execute("BEGIN")
        w.con.execute(f"INSERT INTO articles SELECT * REPLACE ('{p}' || article_id[4:] AS article_id, '{p}' || doc_id[4:] AS doc_id) FROM articles WHERE NOT starts_with(article_id, 'z')")
        for t in ("enrichment", "mentions", "keywords", "article_agencies", "article_features", "story_members"):
            w.con.execute(f"INSERT INTO {t} SELECT * REPLACE ('{p}' || article_id[4:] AS article_id) FROM {t} WHERE NOT starts_with(article_id, 'z')")
        w.con.execute(f"INSERT INTO fingerprints SELECT * REPLACE ('{p}' || article_id[4:] AS article_id) FROM fingerprints WHERE NOT starts_with(article_id, 'z')")
        w.con.execute(f"INSERT INTO duplicates SELECT * REPLACE ('{p}' || article_id[4:] AS article_id, '{p}' || duplicate_of[4:] AS duplicate_of) FROM duplicates WHERE NOT starts_with(article_id, 'z')")
        w.con.execute("COMMIT")
    n = w.con.execute("SELECT count(*) FROM story_members").fetchone()[0]
    k, wall, cpu = load(w, files[500:600], "G")
    print(f"stored {n} articles: enrich write of {k} new articles {1000*cpu/k:.1f} ms CPU/article ({1000*wall/k:.1f} ms wall)")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1e3:.0f} MB; file {os.path.getsize(db)/1e6:.0f} MB")
os.unlink(db)
