"""Decide which articles are copies of others: same canonical URL, same text, or nearly the same text.

Near-duplicates use MinHash over word 5-gram shingles with banded LSH. The band
hashes are plain integers so the warehouse can persist them and find candidates with a join,
against every article ever loaded, without holding an index in memory.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from transforms.records import Article
from transforms.urls import normalize_url

NUM_PERM = 128
SHINGLE_WORDS = 5
# Candidates come from LSH tuned for Jaccard 0.4 so that pairs near the verdict threshold are
# rarely missed; the verdict itself needs an estimated Jaccard of at least NEAR_THRESHOLD.
BANDS, ROWS = 32, 4
NEAR_THRESHOLD = 0.5

Method = Literal["url", "exact", "near"]

_WORD = re.compile(r"\w+")
_ROLL = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What dedup needs to know about one article."""

    article_id: str
    exact_key: str
    minhash: np.ndarray  # uint32[NUM_PERM]
    url_key: str | None = None
    duplicate_of: str | None = None  # set for stored articles already judged copies
    bands: np.ndarray | None = None  # int64[BANDS], see band_hashes

    def band_values(self) -> np.ndarray:
        """This signature's LSH band hashes."""
        return self.bands if self.bands is not None else band_hashes(self.minhash)

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
    return _exact_key(words(text))


def _exact_key(tokens: Sequence[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


def url_key(url: str | None) -> str | None:
    """A canonical form of a URL (tracking parameters removed, scheme and www ignored)."""
    if not url:
        return None
    normalized = normalize_url(url)
    if normalized is None:
        return None
    normalized = re.sub(r"^https?://(www\.)?", "", normalized)
    return normalized.rstrip("/") or None


def minhash(text: str) -> np.ndarray:
    """MinHash signature of the text's word 5-gram shingles."""
    return _minhash(words(text))


@functools.cache
def _template() -> tuple[type, object, str]:
    """datasketch's MinHash class and its permutations, made once per process.

    Imported here, not at module level: datasketch's package import pulls in scipy (~1.5 s),
    which the writer process and `newsflow` commands that never compute a signature should not pay.
    Generating the permutations also costs more than hashing a whole article.
    """
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM)
    return MinHash, template.permutations, template.scheme


def _minhash(tokens: Sequence[str]) -> np.ndarray:
    minhash_class, permutations, scheme = _template()
    signature = minhash_class(num_perm=NUM_PERM, permutations=permutations, scheme=scheme, hashfunc=int)
    signature.update_batch(shingle_hashes(tokens).tolist())
    return signature.hashvalues.astype(np.uint32)


def shingle_hashes(tokens: Sequence[str]) -> np.ndarray:
    """Distinct 32-bit hashes of the word 5-grams (of the whole text when shorter than five words).

    Hand-rolled rather than datasketch's default of SHA-1 per shingle string: building and
    hashing each shingle in Python cost five times the rest of fingerprinting. Here each word is
    hashed once (crc32) and the five-word windows are combined in numpy.
    """
    if not tokens:
        return np.zeros(1, dtype=np.uint64)
    word_hashes = np.fromiter((zlib.crc32(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens))
    width = min(SHINGLE_WORDS, len(tokens))
    windows = len(tokens) - width + 1
    combined = np.zeros(windows, dtype=np.uint64)
    for offset in range(width):
        combined = (combined * _ROLL + word_hashes[offset : offset + windows]) & _MASK32
    return np.unique(combined)


def band_hashes(signatures: np.ndarray) -> np.ndarray:
    """Signed 64-bit hash of each LSH band: shape (n, BANDS) for n signatures, (BANDS,) for one.

    Articles sharing any band value are near-duplicate candidates.
    """
    single = signatures.ndim == 1
    rows = np.atleast_2d(signatures).astype(np.uint64)[:, : BANDS * ROWS].reshape(-1, BANDS, ROWS)
    combined = np.zeros(rows.shape[:2], dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around multiplication is the point
        for r in range(ROWS):
            combined = combined * _MIX + rows[:, :, r] + np.uint64(1)
        # splitmix64's finaliser spreads the bits, so bands of similar values do not collide
        combined ^= combined >> np.uint64(30)
        combined *= np.uint64(0xBF58476D1CE4E5B9)
        combined ^= combined >> np.uint64(27)
    hashes = combined.view(np.int64)
    return hashes[0] if single else hashes


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def fingerprint(article_id: str, article: Article) -> Fingerprint:
    """Fingerprint a freshly extracted article."""
    tokens = words(article.text)
    signature = _minhash(tokens)
    return Fingerprint(
        article_id=article_id,
        exact_key=_exact_key(tokens),
        minhash=signature,
        url_key=url_key(article.url),
        bands=band_hashes(signature),
    )


def find_duplicates(batch: Sequence[Fingerprint], known: Sequence[Fingerprint]) -> list[Verdict]:
    """Judge each batch article, in order, against known articles and the batch articles before it.

    `known` needs only the stored articles that could match (same URL key, exact key, or an LSH
    band); a copy always points at the root of its cluster, so clusters stay one level deep.
    """
    by_url: dict[str, Fingerprint] = {}
    by_exact: dict[str, Fingerprint] = {}
    by_band: dict[tuple[int, int], list[Fingerprint]] = {}

    def remember(fp: Fingerprint, bands: np.ndarray) -> None:
        if fp.url_key:
            by_url.setdefault(fp.url_key, fp)
        by_exact.setdefault(fp.exact_key, fp)
        for i, h in enumerate(bands.tolist()):
            by_band.setdefault((i, h), []).append(fp)

    # Roots first, so a key shared by a root and its copy resolves to the root.
    for fp in sorted(known, key=lambda k: k.duplicate_of is not None):
        remember(fp, fp.band_values())

    verdicts: list[Verdict] = []
    for fp in batch:
        bands = fp.band_values()
        verdict = _judge(fp, bands, by_url, by_exact, by_band)
        if verdict is not None:
            verdicts.append(verdict)
            fp = Fingerprint(fp.article_id, fp.exact_key, fp.minhash, fp.url_key, verdict.duplicate_of, bands)
        remember(fp, bands)
    return verdicts


def _judge(
    fp: Fingerprint,
    bands: np.ndarray,
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
    for i, h in enumerate(bands.tolist()):
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
