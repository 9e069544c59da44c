"""Web and file state: what each URL and source file was when last seen (validators, outcomes),
HTTP responses and the fetch log. Functions take the Writer, whose methods they are."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from transforms.records import HttpMeta, NotModified, Processed, Rejection, compress_raw
from transforms.urls import host_of
from warehouse.loads import now

if TYPE_CHECKING:
    from warehouse.db import Writer


@dataclass(frozen=True, slots=True)
class WebRow:
    """One fetched URL as the web tables record it."""

    url: str
    meta: HttpMeta
    sha256: str | None
    size: int
    outcome: str  # loaded | duplicate | rejected | listing
    reason: str | None
    fetch_outcome: str  # ok | not_modified | the fetch's rejection reason

    @classmethod
    def of(cls, p: Processed, copies: set[str]) -> WebRow:
        """The web row of a processed page."""
        assert p.http is not None
        if isinstance(p.outcome, NotModified):
            return cls(p.source, p.http, None, 0, "loaded", None, "not_modified")
        if isinstance(p.outcome, Rejection):
            # Refused before or while fetching; a page that arrived but failed extraction fetched fine.
            fetch_outcome = p.outcome.reason if p.outcome.stage in ("discover", "fetch") else "ok"
            return cls(p.source, p.http, p.sha256, p.size or 0, "rejected", p.outcome.reason, fetch_outcome)
        outcome = "duplicate" if p.doc_id in copies else "loaded"
        return cls(p.source, p.http, p.sha256, p.size or 0, outcome, None, "ok")


@dataclass(frozen=True, slots=True)
class WebState:
    """A URL as last fetched."""

    kind: str
    etag: str | None
    last_modified: str | None
    outcome: str  # loaded | duplicate | rejected | listing
    reason: str | None
    content_sha256: str | None
    fetched_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FileState:
    """A source file as last recorded."""

    size: int | None
    mtime_ns: int | None
    sha256: str | None


def file_states(w: Writer, uris: Sequence[str]) -> dict[str, FileState]:
    """Recorded size, mtime and hash for those of `uris` seen before."""
    if not uris:
        return {}
    rows = w._select(
        "SELECT s.source_uri, s.size, s.mtime_ns, s.content_sha256"
        " FROM source_files s JOIN rows USING (source_uri)",
        {"source_uri": pa.array(list(uris), pa.string())},
    )
    return {uri: FileState(size, mtime, sha) for uri, size, mtime, sha in rows}


def web_states(w: Writer, urls: Sequence[str]) -> dict[str, WebState]:
    """What the last fetch of each of `urls` returned, for those fetched before."""
    if not urls:
        return {}
    rows = w._select(
        "SELECT w.url, w.kind, w.etag, w.last_modified, w.outcome, w.reason, w.content_sha256, w.fetched_at"
        " FROM web_resources w JOIN rows USING (url)",
        {"url": pa.array(list(urls), pa.string())},
    )
    return {url: WebState(*rest) for url, *rest in rows}


def write_listing(w: Writer, load_id: str, url: str, meta: HttpMeta, body: bytes | None) -> None:
    """Record a feed or sitemap fetch (a body, or a 304) in one transaction."""
    sha256 = hashlib.sha256(body).hexdigest() if body is not None else None
    row = WebRow(url, meta, sha256, len(body) if body is not None else 0, "listing", None,
                  "ok" if body is not None else "not_modified")
    w.con.execute("BEGIN TRANSACTION")
    try:
        if body is not None:
            w._insert_blobs([Processed(url, NotModified(url), sha256=sha256, size=len(body),
                                          raw_compressed=compress_raw(body))])
            w._insert_http_responses(load_id, [row])
        w._upsert_web_resources(load_id, [row], keep_outcome=body is None)
        w._insert_fetches(load_id, [row])
        w.con.execute("COMMIT")
    except BaseException:
        w._rollback()
        raise


def update_source_outcomes(w: Writer, rewritten: Sequence[Processed], rejected: Sequence[Processed], copies: set[str]) -> None:
    """What a file or URL came to, where its current content is a document whose outcome changed."""
    items = [*rewritten, *rejected]
    if not items:
        return
    columns = {
        "source_uri": pa.array([p.source for p in items], pa.string()),
        "content_sha256": pa.array([p.sha256 for p in items], pa.string()),
        "outcome": pa.array(
            ["rejected" if isinstance(p.outcome, Rejection) else "duplicate" if p.doc_id in copies else "loaded" for p in items],
            pa.string(),
        ),
        "reason": pa.array([p.outcome.reason if isinstance(p.outcome, Rejection) else None for p in items], pa.string()),
    }
    w._append(
        "UPDATE web_resources w SET outcome = r.outcome, reason = r.reason FROM rows r"
        " WHERE w.url = r.source_uri AND w.content_sha256 = r.content_sha256",
        columns,
    )
    w._append(
        "UPDATE source_files s SET outcome = r.outcome FROM rows r"
        " WHERE s.source_uri = r.source_uri AND s.content_sha256 = r.content_sha256",
        columns,
    )


def upsert_source_files(
    w: Writer, load_id: str, fresh: Sequence[Processed], touched: Sequence[Processed], copies: set[str]
) -> None:
    def outcome(p: Processed) -> str:
        if isinstance(p.outcome, Rejection):
            return "rejected"
        return "duplicate" if p.doc_id in copies else "loaded"

    # Unreadable inputs are not remembered, so the next run tries them again.
    readable = [p for p in fresh if p.sha256 is not None]
    if readable:
        w._append(
            "INSERT OR REPLACE INTO source_files SELECT * FROM rows",
            {
                "source_uri": pa.array([p.source for p in readable], pa.string()),
                "size": pa.array([p.size for p in readable], pa.int64()),
                "mtime_ns": pa.array([p.mtime_ns for p in readable], pa.int64()),
                "content_sha256": pa.array([p.sha256 for p in readable], pa.string()),
                "outcome": pa.array([outcome(p) for p in readable], pa.string()),
                "load_id": pa.array([load_id] * len(readable), pa.string()),
            },
        )
    if touched:
        w._append(
            "UPDATE source_files s SET size = r.size, mtime_ns = r.mtime_ns, content_sha256 = r.content_sha256"
            " FROM rows r WHERE s.source_uri = r.source_uri",
            {
                "source_uri": pa.array([p.source for p in touched], pa.string()),
                "size": pa.array([p.size for p in touched], pa.int64()),
                "mtime_ns": pa.array([p.mtime_ns for p in touched], pa.int64()),
                "content_sha256": pa.array([p.sha256 for p in touched], pa.string()),
            },
        )


def insert_http_responses(w: Writer, load_id: str, rows: Sequence[WebRow]) -> None:
    rows = [r for r in rows if r.sha256 is not None and r.meta.status is not None]
    if not rows:
        return
    w._append(
        "INSERT INTO http_responses SELECT r.* FROM (SELECT DISTINCT ON (url, content_sha256) * FROM rows) r"
        " ANTI JOIN http_responses h ON h.url = r.url AND h.content_sha256 = r.content_sha256",
        {
            "url": pa.array([r.url for r in rows], pa.string()),
            "content_sha256": pa.array([r.sha256 for r in rows], pa.string()),
            "final_url": pa.array([r.meta.final_url or r.url for r in rows], pa.string()),
            "status": pa.array([r.meta.status for r in rows], pa.int16()),
            "headers": pa.array(
                [[{"name": k, "value": v} for k, v in r.meta.headers] for r in rows],
                pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())])),
            ),
            "fetched_at": pa.array([r.meta.fetched_at or now() for r in rows], pa.timestamp("us", tz="UTC")),
            "load_id": pa.array([load_id] * len(rows), pa.string()),
        },
    )


def upsert_web_resources(w: Writer, load_id: str, rows: Sequence[WebRow], *, keep_outcome: bool) -> None:
    """Remember each URL's validators and outcome.

    With `keep_outcome` (a 304, or the same bytes again) the URL keeps the outcome its
    content came to, and only when we asked, what it answered and its validators change.
    """
    if not rows:
        return
    headers = [r.meta.headers_dict() for r in rows]
    columns = {
        "url": pa.array([r.url for r in rows], pa.string()),
        "kind": pa.array([r.meta.kind for r in rows], pa.string()),
        "final_url": pa.array([r.meta.final_url for r in rows], pa.string()),
        "status": pa.array([r.meta.status for r in rows], pa.int16()),
        "etag": pa.array([h.get("etag") for h in headers], pa.string()),
        "last_modified": pa.array([h.get("last-modified") for h in headers], pa.string()),
        "content_sha256": pa.array([r.sha256 for r in rows], pa.string()),
        "outcome": pa.array([r.outcome for r in rows], pa.string()),
        "reason": pa.array([r.reason for r in rows], pa.string()),
        "fetched_at": pa.array([r.meta.fetched_at or now() for r in rows], pa.timestamp("us", tz="UTC")),
        "load_id": pa.array([load_id] * len(rows), pa.string()),
    }
    if keep_outcome:
        sql = (
            "INSERT INTO web_resources SELECT * FROM rows ON CONFLICT (url) DO UPDATE SET"
            " status = excluded.status, fetched_at = excluded.fetched_at, load_id = excluded.load_id,"
            " etag = coalesce(excluded.etag, web_resources.etag),"
            " last_modified = coalesce(excluded.last_modified, web_resources.last_modified),"
            " final_url = coalesce(excluded.final_url, web_resources.final_url)"
        )
    else:
        sql = "INSERT OR REPLACE INTO web_resources SELECT * FROM rows"
    w._append(sql, columns)


def insert_fetches(w: Writer, load_id: str, rows: Sequence[WebRow]) -> None:
    if not rows:
        return
    w._append(
        "INSERT INTO fetches SELECT * FROM rows",
        {
            "load_id": pa.array([load_id] * len(rows), pa.string()),
            "url": pa.array([r.url for r in rows], pa.string()),
            "host": pa.array([host_of(r.url) for r in rows], pa.string()),
            "kind": pa.array([r.meta.kind for r in rows], pa.string()),
            "status": pa.array([r.meta.status for r in rows], pa.int16()),
            "outcome": pa.array([r.fetch_outcome for r in rows], pa.string()),
            "requests": pa.array([r.meta.requests for r in rows], pa.int16()),
            "redirects": pa.array([r.meta.redirects for r in rows], pa.int16()),
            "bytes": pa.array([r.size for r in rows], pa.int64()),
            "elapsed_ms": pa.array([r.meta.elapsed * 1000 for r in rows], pa.float64()),
            "fetched_at": pa.array([r.meta.fetched_at for r in rows], pa.timestamp("us", tz="UTC")),
        },
    )
