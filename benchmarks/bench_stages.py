"""Throughput of each ingest stage, enrichment included, and of the whole flow, against 12 articles/s.

    uv run python benchmarks/bench_stages.py [--n 2000] [--batch-size 500] [--corpus DIR] [--skip-flow]
    uv run python benchmarks/bench_stages.py --quick        # n=200: a smoke test of a minute or two

Generates a corpus with benchmarks/generate_corpus.py into a temporary folder (or uses `--corpus`),
then measures, in one run:
  1. each stage on its own, in this one process, batch by batch (`--batch-size` files, as the flow
     cuts them), with docs/s and ms/doc per stage:
       - ingest: flows.files.read + process_batch (extract, fingerprint), then Writer.write_batch
         (dedup and load, no NLP) on a fresh DuckDB file;
       - enrich: the articles the batch loaded read back (Writer.select_to_enrich/stored_articles),
         annotate_stored (spaCy on canonical articles, text features on all; the model's load time
         is reported apart), Writer.write_enrichment (known names, enrich_batch, candidate stories,
         place: timing hooks split it), its cost per article printed batch by batch as the
         warehouse fills;
       - index: the FTS rebuild, once;
     then the serial sum (one process doing everything) and the same over 2 cores if spread perfectly;
  2. `newsflow ingest CORPUS` end to end under a real temporary Prefect server (as bench_ingest.py
     runs it, with NEWSFLOW_BATCH_SIZE=--batch-size): docs/s and articles/s from the warehouse's
     `loads` row (started_at -> finished_at), wall time, and the peak RSS of its whole process tree;
  3. a verdict line against the target (the full pipeline sustains >= 12 articles/s).
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import warehouse.db as db_module  # noqa: E402
from flows.files import SourceFile, discover, outlet_of, read  # noqa: E402
from transforms.enrich import annotate_stored  # noqa: E402
from transforms.pipeline import process_batch  # noqa: E402
from transforms.records import Processed, Rejection  # noqa: E402
from transforms.sniff import DEFAULT_MAX_BYTES  # noqa: E402
from warehouse import enrichment  # noqa: E402

TARGET = 12.0  # articles/s, the whole pipeline, enrichment included, on a 2-core machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="documents to generate (default 2000)")
    parser.add_argument("--batch-size", type=int, default=500, help="files per batch, as the flow's (default 500)")
    parser.add_argument("--corpus", type=Path, help="use this corpus instead of generating one")
    parser.add_argument("--skip-flow", action="store_true", help="skip the whole-flow run under Prefect")
    parser.add_argument("--quick", action="store_true", help="n=200: a smoke test")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures survive a run that is stopped part-way
    if args.quick:
        args.n = 200

    work = Path(tempfile.mkdtemp(prefix="newsflow-stages-"))
    try:
        corpus = args.corpus
        if corpus is None:
            corpus = work / "corpus"
            subprocess.run(
                [sys.executable, str(HERE / "generate_corpus.py"), str(corpus), "--n", str(args.n)], check=True
            )
        files, missing = discover([corpus])
        if missing:
            print(f"{len(missing)} inputs refused at discovery (not measured)")
        print(
            f"corpus: {corpus} ({len(files)} files, {sum(f.size for f in files) / 1e6:.1f} MB),"
            f" batch size {args.batch_size}"
        )
        stage_seconds = stages(files, args.batch_size, work / "stages.duckdb")
        flow = None if args.skip_flow else whole_flow(corpus, len(files), args.batch_size, work)
        verdict(len(files), stage_seconds, flow)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------- 1. stages


class _Clock:
    """Seconds and item counts accumulated per stage name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.items: dict[str, int] = defaultdict(int)

    @contextmanager
    def time(self, name: str, items: int = 0) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started
            self.items[name] += items

    def wrap(self, name: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def timed(*a, **kw):  # type: ignore[no-untyped-def]
            with self.time(name):
                return fn(*a, **kw)

        return timed


@contextmanager
def _enrich_hooks(clock: _Clock) -> Iterator[None]:
    """Time the steps inside Writer.write_enrichment (patched in warehouse.enrichment, restored after)."""
    patched = [
        (enrichment, "known_names", "enrich write: known names"),
        (enrichment, "enrich_batch", "enrich write: enrich_batch"),
        (enrichment, "_candidate_stories", "enrich write: candidate stories"),
        (enrichment, "place", "enrich write: place"),
    ]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patched]
    for owner, attr, name in patched:
        setattr(owner, attr, clock.wrap(name, getattr(owner, attr)))
    try:
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


def stages(files: list[SourceFile], batch_size: int, db: Path) -> dict[str, float]:
    """Run every stage batch by batch in this process, as the flow cuts them; print and return seconds per stage."""
    from transforms.nlp import load_model

    clock = _Clock()
    n_docs = len(files)
    started = time.perf_counter()
    nlp = load_model()
    model_load = time.perf_counter() - started
    rss_model = _peak_rss()
    per_batch: list[tuple[int, int, float, float]] = []  # stored articles before, batch articles, write s, candidates s
    with db_module.Writer(db) as writer, _enrich_hooks(clock):
        writer.start_load("bench-stages")
        for start in range(0, len(files), batch_size):
            chunk = files[start : start + batch_size]
            with clock.time("extract", len(chunk)):
                raws, failed = [], {}
                for file in chunk:
                    outcome = read(file, max_bytes=DEFAULT_MAX_BYTES)
                    if isinstance(outcome, Rejection):
                        failed[file.uri] = outcome
                    else:
                        raws.append(outcome)
                extracted = {p.source: p for p in process_batch(raws, outlet_of)}
            batch = [
                Processed(f.uri, failed[f.uri], size=f.size, mtime_ns=f.mtime_ns)
                if f.uri in failed
                else dataclasses.replace(extracted[f.uri], mtime_ns=f.mtime_ns)
                for f in chunk
            ]
            with clock.time("load", len(batch)):
                writer.write_batch("bench-stages", batch)
            # The enrich stage over what this batch loaded (and nothing else lacks enrichment).
            with clock.time("enrich select+read"):
                chosen = writer.select_to_enrich(scope="queued", after=None, limit=10**9)
                stored = writer.stored_articles([aid for *_, aid in chosen])
            with clock.time("nlp", len(stored)):
                annotated = annotate_stored(stored)
            (stored_before,) = writer.con.execute("SELECT count(*) FROM story_members").fetchone()
            candidates_before = clock.seconds["enrich write: candidate stories"]
            with clock.time("enrich write", len(annotated)):
                writer.write_enrichment("bench-stages", annotated)
            per_batch.append((
                stored_before, len(annotated), clock.seconds["enrich write"] - sum(b[2] for b in per_batch),
                clock.seconds["enrich write: candidate stories"] - candidates_before,
            ))
        with clock.time("search index (once per load)"):
            writer.update_search_index("bench-stages")
        counts = writer.finish_load("bench-stages", "completed")
        (enriched,) = writer.con.execute("SELECT count(*) FROM enrichment WHERE status = 'enriched'").fetchone()

    s = clock.seconds
    n = clock.items
    print(
        f"\n1. stages, one process, {n_docs} files in batches of {batch_size}"
        f" (warehouse: {counts['loaded']} loaded, {counts['duplicates']} duplicates, {counts['rejected']} rejected;"
        f" {enriched} articles annotated, copies and other languages not)"
    )
    print(f"   spaCy model load (once per process): {model_load:.2f} s, pipes {nlp.pipe_names}")
    print(f"   {'stage':<44}{'items':>7}{'s':>9}{'items/s':>10}{'ms/item':>9}{'corpus docs/s':>15}")
    rows = [
        ("ingest: read + sniff + extract", "extract", "extract"),
        ("ingest: Writer.write_batch (dedup + load)", "load", "load"),
        ("enrich: select + read back", "enrich select+read", "nlp"),
        ("enrich: annotate_stored (spaCy + features)", "nlp", "nlp"),
        ("enrich: Writer.write_enrichment", "enrich write", "enrich write"),
        ("  of it: known names", "enrich write: known names", "enrich write"),
        ("  of it: enrich_batch", "enrich write: enrich_batch", "enrich write"),
        ("  of it: candidate stories", "enrich write: candidate stories", "enrich write"),
        ("  of it: place", "enrich write: place", "enrich write"),
    ]
    for label, key, count_key in rows:
        _row(label, n[count_key], s[key], n_docs)
    _row("index: search index update (once per load)", 1, s["search index (once per load)"], n_docs)
    # The enrich write works against what is already stored: its cost per article as the warehouse fills.
    print(
        "   enrich write ms/article batch by batch [articles in stories before the batch] (of it candidate stories): "
        + ", ".join(f"[{before}] {1000 * w / k:.1f} ({1000 * c / k:.1f})" for before, k, w, c in per_batch if k)
    )
    serial = s["extract"] + s["load"] + s["enrich select+read"] + s["nlp"] + s["enrich write"] + s["search index (once per load)"]
    print(
        f"   serial sum (all stages, one process, model load excluded):"
        f" {serial:.1f} s = {n_docs / serial:.1f} docs/s;"
        f" spread perfectly over 2 cores: {2 * n_docs / serial:.1f} docs/s"
    )
    print(f"   peak RSS of this process: {rss_model / 1e6:.0f} MB after loading the model, {_peak_rss() / 1e6:.0f} MB at the end")
    return {**s, "serial": serial}


def _row(label: str, items: int, seconds: float, n_docs: int) -> None:
    rate = items / seconds if seconds else float("inf")
    per = 1000 * seconds / items if items else 0.0
    docs = n_docs / seconds if seconds else float("inf")
    print(f"   {label:<44}{items:>7}{seconds:>9.2f}{rate:>10.1f}{per:>9.2f}{docs:>15.1f}")


def _peak_rss() -> int:
    """Peak RSS of this process in bytes (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ----------------------------------------------------------------------------- 2. the flow


@dataclasses.dataclass
class FlowRun:
    wall: float
    flow_seconds: float
    cpu_seconds: float
    peak_rss: int
    discovered: int
    loaded: int
    duplicates: int
    rejected: int

    @property
    def articles(self) -> int:
        return self.loaded + self.duplicates


def whole_flow(corpus: Path, n_files: int, batch_size: int, work: Path) -> FlowRun:
    """`newsflow ingest` end to end under a real Prefect server (bench_ingest.py's harness)."""
    import duckdb
    from bench_ingest import prefect_server, timed_ingest

    print(f"\n2. whole flow: newsflow ingest under a temporary Prefect server (NEWSFLOW_BATCH_SIZE={batch_size})")
    with prefect_server(work) as env:
        env["NEWSFLOW_BATCH_SIZE"] = str(batch_size)
        db = work / "flow.duckdb"
        output = io.StringIO()  # the CLI's summary tables: the loads row below says what matters here
        try:
            with contextlib.redirect_stdout(output):
                wall, rss, _, cpu, _ = timed_ingest(corpus, db, env)
        except SystemExit:
            print(output.getvalue())
            raise
    con = duckdb.connect(str(db), read_only=True)
    try:
        seconds, discovered, loaded, duplicates, rejected = con.execute(
            "SELECT epoch(finished_at) - epoch(started_at), discovered, loaded, duplicates, rejected"
            " FROM loads ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    run = FlowRun(wall, float(seconds), cpu, rss, discovered, loaded, duplicates, rejected)
    print(
        f"   loads row: {discovered} discovered, {loaded} loaded, {duplicates} duplicates, {rejected} rejected,"
        f" {run.flow_seconds:.1f} s started_at -> finished_at"
    )
    print(
        f"   newsflow ingest: {n_files / run.flow_seconds:.1f} docs/s and {run.articles / run.flow_seconds:.1f}"
        f" articles/s inside the flow; {wall:.1f} s wall = {n_files / wall:.1f} docs/s;"
        f" peak RSS of the process tree {rss / 1e6:.0f} MB"
    )
    print(
        f"   CPU: {cpu:.0f} s for the process tree = {cpu / max(run.articles, 1) * 1000:.0f} ms per article;"
        f" 2 fully used cores would give {2 * run.articles / cpu:.1f} articles/s (a ceiling that other"
        " work on the machine does not lower)"
    )
    return run


# ----------------------------------------------------------------------------- 3. verdict


def verdict(n_files: int, stage_seconds: dict[str, float], flow: FlowRun | None) -> None:
    if flow is not None:
        rate = flow.articles / flow.flow_seconds
        basis = f"whole flow, {flow.articles} articles in {flow.flow_seconds:.1f} s (loads row)"
    else:
        rate = 2 * n_files / stage_seconds["serial"]
        basis = "no flow run: the stage sum spread perfectly over 2 cores, an upper bound"
    status = "MEETS" if rate >= TARGET else "MISSES"
    print(f"\n3. verdict: {rate:.1f} articles/s vs target >= {TARGET:.0f} articles/s: {status} ({basis})")


if __name__ == "__main__":
    main()
