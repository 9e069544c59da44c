"""Score HTML extraction on the shared development pages (../shared/devset/web-pages).

One implementation shared by the quality gate (tests/transforms/test_html_quality_gate.py) and
the benchmark table (benchmarks/eval_extraction.py). Pure scoring plus two predictors: our
`extract_html` and trafilatura alone, so both are measured the same way.

Rules (see the devset README): body snippets are pooled over pages — a "with" snippet found in
the text is a true positive, missing a false negative; a "without" snippet found is a false
positive, absent a true negative. Title, author and date are exact matches after normalising
whitespace and case (and dropping soft hyphens and zero-width characters, which no reader
sees), as rates over pages whose gold value is non-empty. A page whose labels
carry `"date": ""` is labelled undated; a page with no `date` key is not labelled at all.

Date labels are read through `devset_label_fixes.json` beside this module: reviewed corrections
(each with where in the page its day is) for labels that asked for a day the page does not carry
or called a page undated that declares its date. labels.json itself stays as shipped.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

from htmldate import find_date
from trafilatura import bare_extraction

from tests.conftest import DEVSET
from transforms.html import extract_html
from transforms.records import Article, DecodedDocument
from transforms.sniff import decode

DEVSET_DIR = DEVSET  # where the shared_data marker looks for the pages
LABEL_FIXES = Path(__file__).with_name("devset_label_fixes.json")

# Gold author strings join several people in whatever way the page did ("A und B", "A, B",
# "A; B", "A and B", "A & B"); a prediction matches if any of these joins equals the gold.
AUTHOR_JOINERS = ("; ", ", ", " and ", " und ", " & ")


@dataclass(frozen=True, slots=True)
class Page:
    """One labelled development page."""

    url: str
    path: Path
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]
    title: str | None  # None: not labelled
    author: str | tuple[str, ...] | None
    date: str | None  # "" means labelled as having no date; None means not labelled


@dataclass(frozen=True, slots=True)
class Prediction:
    """What an extractor said about one page; a rejection is an empty prediction."""

    text: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None  # ISO day
    rejected: str | None = None  # rejection reason, if any


@dataclass(frozen=True, slots=True)
class Rate:
    """Hits over pages with a gold value."""

    hits: int
    total: int

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Scores:
    """The devset table for one extractor."""

    tp: int
    fn: int
    fp: int
    tn: int
    title: Rate
    author: Rate
    date: Rate
    dated_when_undated: Rate  # pages labelled "no date" that nevertheless got a date
    rejected: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# Soft hyphens and zero-width characters are invisible: "Welt\xadernährung" reads "Welternährung".
# Some labels copied them from the page's markup; a text without them is the same text. Listed
# here, not imported from transforms: the scorer must not change when the code it scores does.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def normalize(text: str | None) -> str:
    """Collapse whitespace and case, and drop invisible characters, for comparisons."""
    return " ".join((text or "").translate(_INVISIBLE).split()).casefold()


def date_fixes(path: Path = LABEL_FIXES) -> dict[str, dict]:
    """Reviewed date-label corrections by page URL: {"label": shipped, "date": corrected or None, "evidence"}."""
    return json.loads(path.read_text(encoding="utf-8"))["dates"]


def load_pages(root: Path = DEVSET_DIR, *, corrected: bool = True) -> list[Page]:
    """Read labels.json into pages, in file order, with the reviewed date corrections unless corrected=False."""
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    fixes = date_fixes() if corrected else {}
    pages = []
    for url, label in labels.items():
        author = label.get("author")
        date = label.get("date")
        if url in fixes:
            fix = fixes[url]
            if fix["label"] != date:  # upstream relabelled the page: the correction needs a new review
                raise ValueError(f"{url}: label {date!r} is not the {fix['label']!r} the correction was made for")
            date = fix["date"]  # None: the page carries no day to score
        pages.append(
            Page(
                url=url,
                path=root / label["file"],
                with_snippets=tuple(label.get("with", ())),
                without_snippets=tuple(label.get("without", ())),
                title=label.get("title"),
                author=tuple(author) if isinstance(author, list) else author,
                date=date,
            )
        )
    return pages


def read_document(page: Page) -> DecodedDocument:
    """Decode a page's bytes into the document the pipeline would hand to extraction."""
    data = gzip.decompress(page.path.read_bytes())
    text, encoding = _decode(data)
    return DecodedDocument(
        source=str(page.path),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="text/html",  # every devset page is HTML
        text=text,
        encoding=encoding,
        url=page.url,
    )


def _decode(data: bytes) -> tuple[str, str]:
    decoded = decode(data)  # the pipeline's own decoder, so the gate measures what runs
    if decoded is None:
        raise ValueError("no character encoding fits the page")
    return decoded


def predict_ours(page: Page) -> Prediction:
    """Run `extract_html` on a page."""
    result = extract_html(read_document(page))
    published = result.published
    if not isinstance(result, Article):  # a rejected page still reports its declared date
        return Prediction(rejected=result.reason, date=published.value.isoformat() if published else None)
    return Prediction(
        text=result.text,
        title=result.title,
        authors=result.authors,
        date=published.value.isoformat() if published else None,
    )


def predict_trafilatura(page: Page) -> Prediction:
    """Run trafilatura alone (bare_extraction with metadata) on a page."""
    doc = read_document(page)
    result = bare_extraction(
        doc.text, url=doc.url, with_metadata=True, include_comments=False, deduplicate=False
    )
    if result is None:
        return Prediction(rejected="no_main_text")
    authors = tuple(a.strip() for a in (result.author or "").split(";") if a.strip())
    return Prediction(text=result.text or "", title=result.title, authors=authors, date=result.date)


def predict_htmldate(page: Page) -> Prediction:
    """htmldate alone, as its own evaluation calls it: no URL, extensive search, original date."""
    try:
        found = find_date(read_document(page).text, extensive_search=True, original_date=True)
    except ValueError:
        found = None
    return Prediction(date=found)


PREDICTORS: dict[str, Callable[[Page], Prediction]] = {
    "trafilatura": predict_trafilatura,
    "htmldate": predict_htmldate,
    "ours": predict_ours,
}


def predict_all(
    predictor: Callable[[Page], Prediction], pages: Sequence[Page], processes: int = 2
) -> list[Prediction]:
    """Run a predictor over pages, in a small process pool when processes > 1."""
    if processes <= 1:
        return [predictor(page) for page in pages]
    with Pool(processes) as pool:
        return pool.map(predictor, pages, chunksize=8)


def author_matches(gold: str | tuple[str, ...], authors: tuple[str, ...]) -> bool:
    """True if our authors equal the gold, joined the way that matches it best."""
    if not authors:
        return False
    if isinstance(gold, tuple):  # a gold list: the same people, in any order
        return sorted(map(normalize, gold)) == sorted(map(normalize, authors))
    target = normalize(gold)
    return any(normalize(joiner.join(authors)) == target for joiner in AUTHOR_JOINERS)


def snippet_counts(page: Page, text: str) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn) for one page's with/without snippets against the extracted text."""
    haystack = normalize(text)
    found_with = sum(normalize(s) in haystack for s in page.with_snippets)
    found_without = sum(normalize(s) in haystack for s in page.without_snippets)
    return (
        found_with,
        len(page.with_snippets) - found_with,
        found_without,
        len(page.without_snippets) - found_without,
    )


def score(pages: Iterable[Page], predictions: Iterable[Prediction]) -> Scores:
    """Pool the per-page comparisons into one Scores."""
    tp = fn = fp = tn = 0
    title = [0, 0]
    author = [0, 0]
    date = [0, 0]
    undated = [0, 0]
    rejected = 0
    for page, pred in zip(pages, predictions, strict=True):
        a, b, c, d = snippet_counts(page, pred.text)
        tp, fn, fp, tn = tp + a, fn + b, fp + c, tn + d
        rejected += pred.rejected is not None
        if page.title:
            title[1] += 1
            title[0] += normalize(page.title) == normalize(pred.title)
        if page.author:
            author[1] += 1
            author[0] += author_matches(page.author, pred.authors)
        if page.date:
            date[1] += 1
            date[0] += normalize(page.date) == normalize(pred.date)
        elif page.date == "":
            undated[1] += 1
            undated[0] += pred.date is not None
    return Scores(
        tp=tp,
        fn=fn,
        fp=fp,
        tn=tn,
        title=Rate(*title),
        author=Rate(*author),
        date=Rate(*date),
        dated_when_undated=Rate(*undated),
        rejected=rejected,
    )

