"""The document pipeline: a plain list of steps from raw bytes to an article or a rejection."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from transforms.dedup import fingerprint
from transforms.html import extract_html
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


def run_steps(doc: DecodedDocument, template_lines: frozenset[str]) -> Article | Rejection:
    """Extract one decoded document and pass it through the article steps."""
    try:
        outcome = extract(doc, template_lines)
        for step in ARTICLE_STEPS:
            if isinstance(outcome, Rejection):
                break
            outcome = step(outcome)
    # One pathological document (say, nesting that exhausts the parser) must not end the run;
    # it becomes a rejection that names the error.
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        return Rejection(doc.source, "extract", "extract_error", f"{type(exc).__name__}: {exc}"[:500])
    return outcome


def process_batch(
    raws: Sequence[RawDocument],
    outlet_of: Callable[[str], str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[], object] | None = None,
) -> list[Processed]:
    """Run a batch through sniff -> extract -> article steps -> fingerprint (no NLP: the enrich
    stage annotates after dedup, canonical articles only).

    Batch-level because template lines (a line repeated across one outlet's files) are only
    visible across documents. `on_document` is called
    once per document as soon as its outcome is final (a progress count; it must not raise).
    """
    decoded = [sniff(raw, max_bytes=max_bytes) for raw in raws]
    plain = [
        (outlet_of(d.source), d.text)
        for d in decoded
        if isinstance(d, DecodedDocument) and d.media_type == "text/plain"
    ]
    templates = find_template_lines(plain)
    processed: list[Processed] = []
    for raw, item in zip(raws, decoded):
        if isinstance(item, Rejection):
            outcome: Article | Rejection = item
        else:
            outcome = run_steps(item, templates.get(outlet_of(item.source), frozenset()))
        is_article = isinstance(outcome, Article)
        if on_document is not None:
            on_document()
        processed.append(
            Processed(
                raw.source,
                outcome,
                sha256=raw.sha256,
                size=len(raw.data),
                media_type=item.media_type if isinstance(item, DecodedDocument) else None,
                encoding=item.encoding if isinstance(item, DecodedDocument) else None,
                fingerprint=fingerprint(doc_id(raw.source, raw.sha256), outcome) if is_article else None,
                raw_compressed=compress_raw(raw.data),
            )
        )
    return processed
