"""Dedup state kept between runs: fingerprints, LSH bands and duplicate verdicts. Functions take
the Writer, whose methods they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from transforms.dedup import BANDS, NUM_PERM, Fingerprint, Verdict, band_hashes, find_duplicates
from transforms.records import Processed

if TYPE_CHECKING:
    from warehouse.db import Writer


def _as_fingerprints(rows: Sequence[tuple]) -> list[Fingerprint]:
    """Fingerprints from (article_id, exact_key, url_key, minhash, duplicate_of) rows."""
    if not rows:
        return []
    signatures = np.array([sig for *_, sig, _ in rows], dtype=np.uint32)
    stored_bands = band_hashes(signatures)
    return [
        Fingerprint(aid, exact, signatures[i], url, dup, stored_bands[i])
        for i, (aid, exact, url, _, dup) in enumerate(rows)
    ]


def reroot_copies_of(w: Writer, load_id: str, gone: Sequence[str]) -> None:
    """Judge again, from their stored fingerprints, the copies of articles that are no longer articles."""
    if not gone:
        return
    orphans = [aid for (aid,) in w._select(
        "SELECT d.article_id FROM duplicates d JOIN rows r ON d.duplicate_of = r.article_id",
        {"article_id": pa.array(list(gone), pa.string())},
    )]
    if not orphans:
        return
    w._delete_article_rows(("duplicates",), orphans)
    fps = w._stored_fingerprints(orphans)
    known = [c for c in w._candidates(fps) if c.article_id not in set(orphans)]
    w._insert_duplicates(load_id, find_duplicates(fps, known))


def judge_again(w: Writer, load_id: str, items: Sequence[Processed]) -> list[Verdict]:
    """Fingerprint and judge re-extracted articles against the warehouse; keep clusters one level deep."""
    fps = [p.fingerprint for p in items if p.fingerprint is not None]
    ids = {fp.article_id for fp in fps}
    # An original is never judged a copy of its own copies.
    known = [c for c in w._candidates(fps) if c.duplicate_of not in ids]
    verdicts = find_duplicates(fps, known)
    w._insert_fingerprints(fps)
    w._insert_duplicates(load_id, verdicts)
    if verdicts:  # the copies of an article now judged a copy follow it to its original
        w._append(
            "UPDATE duplicates d SET duplicate_of = r.duplicate_of FROM rows r WHERE d.duplicate_of = r.article_id",
            {
                "article_id": pa.array([v.article_id for v in verdicts], pa.string()),
                "duplicate_of": pa.array([v.duplicate_of for v in verdicts], pa.string()),
            },
        )
    return verdicts


def stored_fingerprints(w: Writer, article_ids: Sequence[str]) -> list[Fingerprint]:
    """Stored fingerprints of articles, in the order their documents were first loaded."""
    return _as_fingerprints(w._select(
        "SELECT f.article_id, f.exact_key, f.url_key, f.minhash, dup.duplicate_of"
        " FROM rows r JOIN fingerprints f USING (article_id) LEFT JOIN duplicates dup USING (article_id)"
        " JOIN documents doc ON doc.doc_id = f.article_id LEFT JOIN loads l ON l.load_id = doc.load_id"
        " ORDER BY l.started_at, f.article_id",
        {"article_id": pa.array(list(article_ids), pa.string())},
    ))


def candidates(w: Writer, batch: Sequence[Fingerprint]) -> list[Fingerprint]:
    """Stored articles that share a URL key, exact key or LSH band with the batch."""
    if not batch:
        return []
    bands = np.stack([fp.band_values() for fp in batch])
    probe_bands = pa.table(
        {
            "band": pa.array(np.tile(np.arange(BANDS, dtype=np.int16), len(batch))),
            "band_hash": pa.array(bands.ravel()),
        }
    )
    probe_keys = pa.table(
        {
            "exact_key": pa.array([fp.exact_key for fp in batch], pa.string()),
            "url_key": pa.array([fp.url_key for fp in batch], pa.string()),
        }
    )
    w.con.register("probe_bands", probe_bands)
    w.con.register("probe_keys", probe_keys)
    try:
        rows = w.con.execute(
            """
            WITH hits AS (
                SELECT DISTINCT m.article_id FROM minhash_bands m
                JOIN probe_bands p ON m.band = p.band AND m.band_hash = p.band_hash
                UNION
                SELECT f.article_id FROM fingerprints f JOIN probe_keys k ON f.exact_key = k.exact_key
                UNION
                SELECT f.article_id FROM fingerprints f JOIN probe_keys k ON f.url_key = k.url_key
            )
            SELECT f.article_id, f.exact_key, f.url_key, f.minhash, d.duplicate_of
            FROM hits h
            JOIN fingerprints f USING (article_id)
            LEFT JOIN duplicates d USING (article_id)
            """
        ).fetchall()
    finally:
        w.con.unregister("probe_bands")
        w.con.unregister("probe_keys")
    return _as_fingerprints(rows)


def insert_fingerprints(w: Writer, fps: Sequence[Fingerprint]) -> None:
    if not fps:
        return
    signatures = np.stack([fp.minhash for fp in fps]).astype(np.uint32)
    w._append(
        "INSERT INTO fingerprints SELECT * FROM rows",
        {
            "article_id": pa.array([fp.article_id for fp in fps], pa.string()),
            "exact_key": pa.array([fp.exact_key for fp in fps], pa.string()),
            "url_key": pa.array([fp.url_key for fp in fps], pa.string()),
            "minhash": pa.FixedSizeListArray.from_arrays(pa.array(signatures.ravel()), NUM_PERM),
        },
    )
    bands = np.stack([fp.band_values() for fp in fps])
    w._append(
        "INSERT INTO minhash_bands SELECT * FROM rows",
        {
            "band": pa.array(np.tile(np.arange(BANDS, dtype=np.int16), len(fps))),
            "band_hash": pa.array(bands.ravel()),
            "article_id": pa.array(np.repeat([fp.article_id for fp in fps], BANDS).tolist(), pa.string()),
        },
    )


def insert_duplicates(w: Writer, load_id: str, verdicts: Sequence[Verdict]) -> None:
    if not verdicts:
        return
    w._append(
        "INSERT INTO duplicates SELECT * FROM rows",
        {
            "article_id": pa.array([v.article_id for v in verdicts], pa.string()),
            "duplicate_of": pa.array([v.duplicate_of for v in verdicts], pa.string()),
            "method": pa.array([v.method for v in verdicts], pa.string()),
            "similarity": pa.array([v.similarity for v in verdicts], pa.float64()),
            "load_id": pa.array([load_id] * len(verdicts), pa.string()),
        },
    )
