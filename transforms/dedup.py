"""Decide which articles are copies of others: same canonical URL, same text, or nearly the same text.

Near-duplicates use MinHash over word 5-gram shingles with banded LSH (DESIGN.md §6). The band
hashes are plain integers so the warehouse can persist them and find candidates with a join,
against every article ever loaded, without holding an index in memory.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from courlan import normalize_url
from datasketch import MinHash

from transforms.records import Article

NUM_PERM = 128
SHINGLE_WORDS = 5
# Candidates come from LSH tuned for Jaccard 0.4 so that pairs near the verdict threshold are
# rarely missed; the verdict itself needs an estimated Jaccard of at least NEAR_THRESHOLD.
BANDS, ROWS = 32, 4
NEAR_THRESHOLD = 0.5

Method = Literal["url", "exact", "near"]

_WORD = re.compile(r"\w+")
# Generating the random permutations costs more than hashing a whole article; do it once.
_TEMPLATE = MinHash(num_perm=NUM_PERM)
_PERMUTATIONS, _SCHEME = _TEMPLATE.permutations, _TEMPLATE.scheme


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What dedup needs to know about one article."""

    article_id: str
    exact_key: str
    minhash: np.ndarray  # uint32[NUM_PERM]
    url_key: str | None = None
    duplicate_of: str | None = None  # set for stored articles already judged copies

    @property
    def root(self) -> str:
        """The distinct article this one stands for."""
        return self.duplicate_of or self.article_id


@dataclass(frozen=True, slots=True)
class Verdict:
    """One article judged a copy of another, with the evidence."""

    article_id: str
    duplicate_of: str
    method: Method
    similarity: float


def words(text: str) -> list[str]:
    """Casefolded word tokens: the text with case, accents' forms, punctuation and spacing ignored."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def exact_key(text: str) -> str:
    """A hash equal for texts that differ only in case, punctuation or whitespace."""
    return hashlib.sha256(" ".join(words(text)).encode()).hexdigest()


def url_key(url: str | None) -> str | None:
    """A canonical form of a URL (tracking parameters removed, scheme and www ignored)."""
    if not url:
        return None
    try:
        normalized = normalize_url(url, strict=True)
    except (ValueError, TypeError):
        return None
    normalized = re.sub(r"^https?://(www\.)?", "", normalized.lower())
    return normalized.rstrip("/") or None


def minhash(text: str) -> np.ndarray:
    """MinHash signature of the text's word 5-gram shingles."""
    tokens = words(text)
    if len(tokens) < SHINGLE_WORDS:
        shingles = {" ".join(tokens).encode()}
    else:
        shingles = {
            " ".join(tokens[i : i + SHINGLE_WORDS]).encode()
            for i in range(len(tokens) - SHINGLE_WORDS + 1)
        }
    signature = MinHash(num_perm=NUM_PERM, permutations=_PERMUTATIONS, scheme=_SCHEME)
    signature.update_batch(list(shingles))
    return signature.hashvalues.astype(np.uint32)


def band_hashes(signature: np.ndarray) -> list[int]:
    """One signed 64-bit hash per LSH band; articles sharing any band are candidates."""
    return [
        int.from_bytes(
            hashlib.blake2b(signature[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest(),
            "little",
            signed=True,
        )
        for b in range(BANDS)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def fingerprint(article_id: str, article: Article) -> Fingerprint:
    """Fingerprint a freshly extracted article."""
    return Fingerprint(
        article_id=article_id,
        exact_key=exact_key(article.text),
        minhash=minhash(article.text),
        url_key=url_key(article.url),
    )


def find_duplicates(batch: Sequence[Fingerprint], known: Sequence[Fingerprint]) -> list[Verdict]:
    """Judge each batch article, in order, against known articles and the batch articles before it.

    `known` needs only the stored articles that could match (same URL key, exact key, or an LSH
    band); a copy always points at the root of its cluster, so clusters stay one level deep.
    """
    by_url: dict[str, Fingerprint] = {}
    by_exact: dict[str, Fingerprint] = {}
    by_band: dict[tuple[int, int], list[Fingerprint]] = {}

    def remember(fp: Fingerprint, bands: list[int]) -> None:
        if fp.url_key:
            by_url.setdefault(fp.url_key, fp)
        by_exact.setdefault(fp.exact_key, fp)
        for i, h in enumerate(bands):
            by_band.setdefault((i, h), []).append(fp)

    # Roots first, so a key shared by a root and its copy resolves to the root.
    for fp in sorted(known, key=lambda k: k.duplicate_of is not None):
        remember(fp, band_hashes(fp.minhash))

    verdicts: list[Verdict] = []
    for fp in batch:
        bands = band_hashes(fp.minhash)
        verdict = _judge(fp, bands, by_url, by_exact, by_band)
        if verdict is not None:
            verdicts.append(verdict)
            fp = Fingerprint(fp.article_id, fp.exact_key, fp.minhash, fp.url_key, verdict.duplicate_of)
        remember(fp, bands)
    return verdicts


def _judge(
    fp: Fingerprint,
    bands: list[int],
    by_url: dict[str, Fingerprint],
    by_exact: dict[str, Fingerprint],
    by_band: dict[tuple[int, int], list[Fingerprint]],
) -> Verdict | None:
    """The strongest evidence that fp copies an article already seen, or None."""
    if fp.url_key and (same := by_url.get(fp.url_key)):
        return Verdict(fp.article_id, same.root, "url", similarity(fp.minhash, same.minhash))
    if same := by_exact.get(fp.exact_key):
        return Verdict(fp.article_id, same.root, "exact", 1.0)
    best: tuple[float, Fingerprint] | None = None
    seen: set[str] = set()
    for i, h in enumerate(bands):
        for other in by_band.get((i, h), ()):
            if other.article_id in seen:
                continue
            seen.add(other.article_id)
            score = similarity(fp.minhash, other.minhash)
            if score >= NEAR_THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
    if best is None:
        return None
    return Verdict(fp.article_id, best[1].root, "near", round(best[0], 4))
