"""The document pipeline: a plain list of steps from raw bytes to an article or a rejection."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import NamedTuple

from transforms.dedup import fingerprint
from transforms.html import extract_html, without_site_template
from transforms.html_metadata import page_host
from transforms.language import detect_language
from transforms.plaintext import extract_plaintext
from transforms.boilerplate import find_template_lines
from transforms.records import Article, DecodedDocument, Processed, RawDocument, Rejection, compress_raw, doc_id
from transforms.sniff import DEFAULT_MAX_BYTES, sniff


def extract(doc: DecodedDocument, template_lines: frozenset[str]) -> Article | Rejection:
    """Extract the article with the path that fits the document's type."""
    if doc.media_type == "text/html":
        return extract_html(doc)
    return extract_plaintext(doc, template_lines)


# Steps after extraction, in order; each takes an Article and returns an Article or a Rejection.
# (Each extractor already refuses texts under its word floor, where it knows what it dropped.)
ARTICLE_STEPS: list[Callable[[Article], Article | Rejection]] = [detect_language]


def guarded(source: str, step: Callable[[], Article | Rejection]) -> Article | Rejection:
    """Run one document's step; an error in it becomes the document's rejection, naming the error.

    One pathological document (say, nesting that exhausts the parser) must not end the run.
    """
    try:
        return step()
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        return Rejection(source, "extract", "extract_error", f"{type(exc).__name__}: {exc}"[:500])


def run_steps(outcome: Article | Rejection) -> Article | Rejection:
    """Pass an extracted article through the article steps."""
    for step in ARTICLE_STEPS:
        if isinstance(outcome, Rejection):
            break
        outcome = step(outcome)
    return outcome


class _Kept(NamedTuple):
    """What a batch keeps of a document while its siblings are read: not its bytes, nor its text."""

    source: str
    sha256: str
    size: int
    media_type: str | None
    encoding: str | None
    raw_compressed: bytes


def process_batch(
    raws: Iterable[RawDocument],
    outlet_of: Callable[[str], str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[], object] | None = None,
) -> list[Processed]:
    """Run a batch through sniff -> extract -> site template lines -> article steps -> fingerprint
    (no NLP: the enrich stage annotates after dedup, canonical articles only), in input order.

    Batch-level because template lines (a line one outlet repeats in most of its documents) are
    only visible across documents: for plain text the outlet is the file's host or folder, and
    they are dropped during extraction; for HTML the site is the page's canonical host, and they
    are dropped from what trafilatura kept. `on_document` is called once per document when its
    extraction is done (what follows is quick): a progress count; it must not raise.

    Documents stream through (`raws` may be a generator that reads them): a page is extracted
    as soon as it is sniffed, and only its compressed bytes and its extraction stay for the
    batch; a plain-text document keeps its decoded text until the batch's template lines are
    known. Holding every page's bytes and decoded text instead cost ~300 KB per page, which
    bounded how large a task could be.
    """
    kept: list[_Kept] = []  # in input order
    extracted: list[Article | Rejection | None] = []  # None: plain text, extracted below
    plain: dict[int, DecodedDocument] = {}
    for raw in raws:
        item = sniff(raw, max_bytes=max_bytes)
        decoded = item if isinstance(item, DecodedDocument) else None
        if decoded is not None and decoded.media_type == "text/plain":
            plain[len(extracted)] = decoded
            extracted.append(None)
        else:
            extracted.append(item if decoded is None else guarded(raw.source, partial(extract, decoded, frozenset())))
            if on_document is not None:
                on_document()
        kept.append(
            _Kept(
                raw.source,
                raw.sha256,
                len(raw.data),
                decoded.media_type if decoded else None,
                decoded.encoding if decoded else None,
                compress_raw(raw.data),
            )
        )
    templates = find_template_lines([(outlet_of(doc.source), doc.text) for doc in plain.values()])
    for i, doc in plain.items():
        extracted[i] = guarded(doc.source, partial(extract, doc, templates.get(outlet_of(doc.source), frozenset())))
        if on_document is not None:
            on_document()
    sites = [_site_of(a, outlet_of) if _is_page(a) else None for a in extracted]
    site_templates = find_template_lines([(site, a.text) for site, a in zip(sites, extracted) if site])
    processed: list[Processed] = []
    for doc, outcome, site in zip(kept, extracted, sites, strict=True):
        if site and (lines := site_templates.get(site)):
            outcome = guarded(doc.source, partial(without_site_template, outcome, lines))
        outcome = guarded(doc.source, partial(run_steps, outcome))
        is_article = isinstance(outcome, Article)
        processed.append(
            Processed(
                doc.source,
                outcome,
                sha256=doc.sha256,
                size=doc.size,
                media_type=doc.media_type,
                encoding=doc.encoding,
                fingerprint=fingerprint(doc_id(doc.source, doc.sha256), outcome) if is_article else None,
                raw_compressed=doc.raw_compressed,
            )
        )
    return processed


def _site_of(article: Article, outlet_of: Callable[[str], str]) -> str:
    """The site an HTML article belongs to: its canonical URL's host (an archived page's original
    host), else the outlet of its source.

    A folder of saved pages often mixes sites; the canonical URL says whose template a page has.
    """
    return page_host(article.url) or outlet_of(article.source)


def _is_page(outcome: Article | Rejection) -> bool:
    return isinstance(outcome, Article) and outcome.media_type == "text/html"
