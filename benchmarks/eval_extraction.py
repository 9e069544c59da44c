"""Score trafilatura alone and our extract_html on the shared development pages.

    uv run python benchmarks/eval_extraction.py              # quality table, 2 processes
    uv run python benchmarks/eval_extraction.py --timing     # also per-document time, 1 process
    uv run python benchmarks/eval_extraction.py --split dev  # only the pages rules are tuned on

A quarter of the pages is held out from error analysis (`--split holdout`: those whose URL's MD5
starts with 0-3): tune rules on `dev`, and read `holdout` to see whether they carry over.

The scoring is the quality gate's (tests/transforms/devset_scoring.py); see that module for the
rules. Dates are scored against the labels as corrected in tests/transforms/devset_label_fixes.json;
htmldate alone is called as its own evaluation calls it (no URL, extensive search, original date). Author gold that lists several people matches when our authors are the same people in
any order; gold written as one string matches our authors joined by "; ", ", ", " and ",
" und " or " & ", whichever the page used.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trafilatura import bare_extraction  # noqa: E402

from tests.transforms.devset_scoring import (  # noqa: E402
    Page,
    Scores,
    load_pages,
    predict_all,
    predict_htmldate,
    predict_ours,
    predict_trafilatura,
    read_document,
    score,
)
from transforms.html import extract_html  # noqa: E402

TARGETS = {"body F1": ">= trafilatura", "title": ">= 0.90", "author": ">= 0.75", "date (day)": ">= trafilatura",
           "undated pages given a date": "0"}
# htmldate finds dates only: its other cells stay empty
DATE_ROWS = ("date (day)", "undated pages given a date")


def table(results: dict[str, Scores]) -> str:
    """The comparison as a fixed-width text table."""
    rows = [
        ("body precision", lambda s: f"{s.precision:.3f}"),
        ("body recall", lambda s: f"{s.recall:.3f}"),
        ("body F1", lambda s: f"{s.f1:.3f}"),
        ("title", lambda s: f"{s.title.rate:.3f} ({s.title.hits}/{s.title.total})"),
        ("author", lambda s: f"{s.author.rate:.3f} ({s.author.hits}/{s.author.total})"),
        ("date (day)", lambda s: f"{s.date.rate:.3f} ({s.date.hits}/{s.date.total})"),
        ("undated pages given a date", lambda s: f"{s.dated_when_undated.hits}/{s.dated_when_undated.total}"),
        ("pages rejected", lambda s: str(s.rejected)),
    ]
    names = list(results)
    lines = [f"{'metric':<28}" + "".join(f"{n:>22}" for n in names) + f"{'target':>16}"]
    for label, cell in rows:
        values = "".join(
            f"{cell(results[n]) if n != 'htmldate alone' or label in DATE_ROWS else '-':>22}" for n in names
        )
        lines.append(f"{label:<28}{values}{TARGETS.get(label, ''):>16}")
    return "\n".join(lines)


def timing(pages: list[Page]) -> str:
    """Per-document time of extract_html against a bare trafilatura call, interleaved."""
    docs = [read_document(page) for page in pages]
    spent = {"bare_extraction": 0.0, "extract_html": 0.0}
    calls = {
        "bare_extraction": lambda d: bare_extraction(
            d.text, url=d.url, with_metadata=True, include_comments=False, deduplicate=False
        ),
        "extract_html": extract_html,
    }
    for i, doc in enumerate(docs):
        # alternate the order so neither call always runs on a warm cache
        for name in (list(calls) if i % 2 else list(calls)[::-1]):
            start = time.perf_counter()
            calls[name](doc)
            spent[name] += time.perf_counter() - start
    bare, ours = (spent[n] / len(docs) * 1000 for n in ("bare_extraction", "extract_html"))
    return (
        f"per document, 1 process, {len(docs)} pages: bare_extraction(with_metadata=True) {bare:.1f} ms, "
        f"extract_html {ours:.1f} ms ({1000 / ours:.1f} docs/s), overhead {100 * (ours / bare - 1):+.1f}%"
    )


def held_out(page: Page) -> bool:
    """True for the quarter of pages kept out of error analysis."""
    return hashlib.md5(page.url.encode()).hexdigest()[0] in "0123"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument("--timing", action="store_true", help="also time both extractors per page")
    parser.add_argument("--split", choices=("all", "dev", "holdout"), default="all",
                        help="score the pages tuned on (dev), the held-out quarter, or all")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura logs every page it discards

    pages = [p for p in load_pages() if args.split == "all" or held_out(p) == (args.split == "holdout")]
    pages = pages[: args.limit]
    results = {}
    predictors = (
        ("trafilatura alone", predict_trafilatura),
        ("htmldate alone", predict_htmldate),
        ("extract_html", predict_ours),
    )
    for name, predictor in predictors:
        start = time.perf_counter()
        results[name] = score(pages, predict_all(predictor, pages, processes=args.processes))
        print(f"{name}: {len(pages)} pages in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(table(results))
    if args.timing:
        print(timing(pages))


if __name__ == "__main__":
    main()
