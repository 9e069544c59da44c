"""Web discovery: from feeds, sitemaps, URL lists and URLs to the pages a run must fetch.

A listed page already loaded costs no request; a page whose sitemap date is newer than our
copy gets a conditional GET; links that are not articles are refused with a reason.

A backfill (a source with `backfill` set) fetches the entries dated in its range of days,
however old, and leaves out the others: dated outside the range, or undated (an undated entry
cannot be placed in the range; an ordinary run fetches it). It ignores `max_articles`: the
range is its bound, so a long range is best split into several runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flows.fetch import DEFAULT_MAX_LISTED_PAGES, Fetched, Validators, is_transient
from flows.files import path_uri
from flows.sources import Source
from transforms.listings import Listing, ListingEntry, listing_kind, parse_listing
from transforms.records import HttpMeta, NotModified, Processed, RawDocument, Rejection
from transforms.sniff import gunzip
from transforms.urls import host_of, in_domains, normalize_url, skip_reason
from warehouse.db import WebState, Writer

# A page that failed transiently or for one of these reasons is tried again on the next run; any other outcome
# (loaded, duplicate, a permanent refusal such as 410 or robots) is settled and costs no request.
RETRY_NEXT_RUN = frozenset(
    {"http_404", "robots_unavailable", "dns_error", "tls_error", "http_error", "stopped", "slow_host"}
)
MAX_SITEMAP_DEPTH = 3  # index -> index -> sitemap is the deepest real sites go
MAX_LISTINGS_PER_SOURCE = 500  # child sitemaps read for one source in one run

FetchListing = Callable[[str, "Validators | None"], Fetched]  # fetch a listing, retrying transient failures


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page to fetch, the source that listed it, and what to send for a conditional GET."""

    url: str
    source: str
    validators: Validators | None = None


@dataclass
class Discovery:
    """What reading a run's web sources found."""

    pages: list[PageRef] = field(default_factory=list)  # to fetch
    fetched: list[Fetched] = field(default_factory=list)  # pages that came with discovery (URLs given directly)
    rejected: list[Processed] = field(default_factory=list)  # unusable listings, links refused before fetching
    settled: int = 0  # listed pages already loaded: unchanged, no request
    listings: int = 0  # feeds and sitemaps read
    older: int = 0  # listed entries dated before a source's `since`
    deferred: int = 0  # over a source's max_articles (or the policy's max_listed_pages): left for the next run
    outside_range: int = 0  # listed entries dated outside a backfill's range
    undated: int = 0  # listed entries a backfill left out for want of a date

    @property
    def inputs(self) -> int:
        """Inputs this load must account for."""
        return len(self.pages) + len(self.fetched) + len(self.rejected) + self.settled


def discover_web(
    sources: Sequence[Source], writer: Writer, load_id: str, fetch_listing: FetchListing, max_bytes: int,
    max_listed_pages: int = DEFAULT_MAX_LISTED_PAGES,
) -> Discovery:
    """Read every web source's listings and decide, for each page, fetch, skip or refuse.

    A source without its own max_articles (any URL given on the command line) queues at most
    `max_listed_pages` pages per run, so one listing of 100,000 links cannot flood a run.
    """
    found = Discovery()
    seen: set[str] = set()
    for source in sources:
        entries = _entries(source, writer, load_id, fetch_listing, max_bytes, found)
        _plan_pages(source, entries, writer, seen, found, max_listed_pages)
    found.pages = interleave_hosts(found.pages)
    return found


def interleave_hosts(pages: Sequence[PageRef]) -> list[PageRef]:
    """Pages in round-robin order of their hosts, each host's own order kept.

    A fetch batch is done when its slowest host is; a batch that mixes hosts keeps every
    host's slots busy instead of queueing hundreds of one sitemap's pages behind its delay.
    """
    by_host: dict[str, list[PageRef]] = {}
    for page in pages:
        by_host.setdefault(host_of(page.url), []).append(page)
    queues = [iter(group) for group in by_host.values()]
    ordered: list[PageRef] = []
    while queues:
        still = []
        for queue in queues:
            page = next(queue, None)
            if page is not None:
                ordered.append(page)
                still.append(queue)
        queues = still
    return ordered


def _entries(
    source: Source, writer: Writer, load_id: str, fetch_listing: FetchListing, max_bytes: int, found: Discovery
) -> list[ListingEntry]:
    """The page links a source offers, reading sitemap indexes down to their sitemaps."""
    if source.kind == "urls" and "://" not in source.location:
        return _url_file_entries(source, found)
    queue: list[tuple[str, int]] = [(source.location, 0)]
    queued = {source.location}
    entries: list[ListingEntry] = []
    read = 0
    while queue:
        url, depth = queue.pop(0)
        if read >= MAX_LISTINGS_PER_SOURCE:
            detail = f"{len(queue) + 1} child sitemaps left unread: {MAX_LISTINGS_PER_SOURCE} listings per source per run"
            found.rejected.append(Processed(url, Rejection(url, "discover", "too_many_listings", detail)))
            break
        read += 1
        listing = _read_listing(source, url, writer, load_id, fetch_listing, max_bytes, found)
        if listing is None:
            continue
        found.listings += 1
        if listing.kind == "sitemap_index":
            if depth >= MAX_SITEMAP_DEPTH:
                found.rejected.append(_refused(url, "sitemap_too_deep", f"nested deeper than {MAX_SITEMAP_DEPTH}"))
                continue
            for child in listing.entries:
                if not _may_list_wanted(source, child):
                    continue
                if child.url in queued:  # an index listing itself or an ancestor: read once
                    loop = Rejection(child.url, "discover", "sitemap_loop", f"listed again by {url}; read once")
                    found.rejected.append(Processed(child.url, loop))
                    continue
                queued.add(child.url)
                queue.append((child.url, depth + 1))
        else:
            entries.extend(listing.entries)
    return entries


def _read_listing(
    source: Source, url: str, writer: Writer, load_id: str, fetch_listing: FetchListing, max_bytes: int,
    found: Discovery,
) -> Listing | None:
    """Fetch and parse one listing; a URL given directly may turn out to be a page instead."""
    state = writer.web_states([url]).get(url)
    # A listing we stored, or a URL the user gave (page or listing): worth a conditional GET.
    revalidate = state is not None and (state.outcome == "listing" or source.kind == "url")
    validators = _validators(state) if revalidate else None
    writer.release()  # readers can open the warehouse while the listing is fetched (retries may take minutes)
    result = fetch_listing(url, validators)
    kind_asked = source.kind if source.kind in ("feed", "sitemap") else "listing"
    meta = dataclasses.replace(result.meta, kind=kind_asked)
    if result.reason == "not_modified":
        if state is not None and state.outcome == "listing" and state.content_sha256:
            writer.write_listing(load_id, url, meta, None)
            body = writer.stored_body(state.content_sha256)
            if body is not None:
                return _parse(url, body, None, found)
        found.fetched.append(dataclasses.replace(result, meta=dataclasses.replace(meta, kind="page")))
        return None
    if not result.ok:
        if source.kind == "url":  # a page or a listing, we cannot tell: it is recorded as a page
            found.fetched.append(dataclasses.replace(result, meta=dataclasses.replace(meta, kind="page")))
        else:
            found.rejected.append(
                Processed(url, Rejection(url, "discover", result.reason or "fetch_failed", result.detail), http=meta)
            )
        return None
    body = result.body or b""
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz
        unpacked = gunzip(body, max_bytes=max_bytes)
        if isinstance(unpacked, str):
            reason, detail = unpacked.split(":", 1)
            found.rejected.append(Processed(url, Rejection(url, "discover", reason, detail.strip()), http=meta))
            return None
        body = unpacked
    content_type = meta.headers_dict().get("content-type")
    if source.kind == "url" and listing_kind(body, content_type) is None:
        found.fetched.append(dataclasses.replace(result, meta=dataclasses.replace(meta, kind="page")))
        return None
    writer.write_listing(load_id, url, meta, result.body)
    return _parse(url, body, content_type, found)


def _parse(url: str, body: bytes, content_type: str | None, found: Discovery) -> Listing | None:
    parsed = parse_listing(body, url, content_type)
    if isinstance(parsed, Rejection):
        found.rejected.append(Processed(url, parsed))
        return None
    return parsed


def _url_file_entries(source: Source, found: Discovery) -> list[ListingEntry]:
    """The URLs in a local URL-list file; unusable lines are refused with their line number."""
    path = Path(source.location)
    shown = path_uri(path)  # the name as stored: escaped when its bytes are not UTF-8
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        found.rejected.append(Processed(shown, Rejection(shown, "discover", "unreadable", exc.strerror or str(exc))))
        return []
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = normalize_url(line)
        if url is None:
            where = f"{shown}:{number}"
            found.rejected.append(Processed(where, Rejection(where, "discover", "bad_url", line[:300])))
            continue
        entries.append(ListingEntry(url, None))
    return entries


def _plan_pages(
    source: Source, entries: list[ListingEntry], writer: Writer, seen: set[str], found: Discovery, max_listed_pages: int
) -> None:
    """Decide for each listed page: fetch it, count it as unchanged, or refuse it."""
    fresh: list[ListingEntry] = []
    for entry in entries:
        if not _wanted(source, entry, found):
            continue
        if entry.url in seen:
            continue  # listed twice, or by two sources: one input
        seen.add(entry.url)
        fresh.append(entry)
    if source.kind == "sitemap":  # newest first, so max_articles keeps the freshest
        fresh.sort(key=lambda e: e.published or dt.datetime.min.replace(tzinfo=dt.timezone.utc), reverse=True)
    states = writer.web_states([e.url for e in fresh])
    to_fetch: list[PageRef] = []
    for entry in fresh:
        state = states.get(entry.url)
        reason = skip_reason(entry.url)
        if reason is None and source.allowed_domains and not in_domains(entry.url, source.allowed_domains):
            reason = "off_domain"
        if reason is not None:
            if state is not None and state.outcome == "rejected" and state.reason == reason:
                found.settled += 1
            else:
                found.rejected.append(_refused(entry.url, reason, f"listed by {source.name}"))
            continue
        if state is not None and _settled(state) and not _updated_since(entry, state):
            found.settled += 1
            continue
        to_fetch.append(PageRef(entry.url, source.name, _validators(state) if state else None))
    limit = source.max_articles if source.max_articles is not None else max_listed_pages
    if source.backfill is None and len(to_fetch) > limit:
        found.deferred += len(to_fetch) - limit
        for ref in to_fetch[limit:]:
            seen.discard(ref.url)  # another source may still take it this run
        to_fetch = to_fetch[:limit]
    found.pages.extend(to_fetch)


def _wanted(source: Source, entry: ListingEntry, found: Discovery) -> bool:
    """Whether a listed entry's date lets it in; an entry left out is counted by why."""
    if source.backfill is not None:
        if entry.published is None:
            found.undated += 1
            return False
        if entry.published not in source.backfill:
            found.outside_range += 1
            return False
        return True
    if source.since and entry.published and entry.published < source.since:
        found.older += 1
        return False
    return True


def _may_list_wanted(source: Source, child: ListingEntry) -> bool:
    """A child sitemap last changed before the first date wanted lists nothing wanted."""
    if child.published is None:
        return True
    if source.backfill is not None:
        return child.published.astimezone(dt.timezone.utc).date() >= source.backfill.first
    return not (source.since and child.published < source.since)


def _settled(state: WebState) -> bool:
    if state.outcome in ("loaded", "duplicate"):
        return True
    return state.outcome == "rejected" and not (is_transient(state.reason) or state.reason in RETRY_NEXT_RUN)


def _updated_since(entry: ListingEntry, state: WebState) -> bool:
    """The listing dates the page after we last fetched it: worth a conditional GET."""
    return bool(entry.published and state.fetched_at and entry.published > state.fetched_at)


def _validators(state: WebState | None) -> Validators | None:
    if state is None or not (state.etag or state.last_modified):
        return None
    return Validators(state.etag, state.last_modified)


def _refused(url: str, reason: str, detail: str) -> Processed:
    """A link refused before any request; remembered so the next run does not refuse it again."""
    return Processed(url, Rejection(url, "discover", reason, detail), http=HttpMeta(kind="page", requests=0))


def to_processed(result: Fetched) -> Processed | RawDocument:
    """A fetched page as raw bytes to extract, or as the final record when nothing arrived."""
    if result.reason == "not_modified":
        return Processed(result.url, NotModified(result.url), http=result.meta)
    if not result.ok:
        return Processed(
            result.url, Rejection(result.url, "fetch", result.reason or "fetch_failed", result.detail), http=result.meta
        )
    return page_document(result.url, result.body or b"", result.meta.final_url, result.meta.headers_dict().get("content-type"))


def page_document(url: str, body: bytes, final_url: str | None, content_type: str | None) -> RawDocument:
    """A fetched page's bytes as a document to extract, with its final URL and the HTTP charset."""
    return RawDocument(
        source=url,
        data=body,
        sha256=hashlib.sha256(body).hexdigest(),
        url=final_url,
        charset=_charset(content_type),
    )


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None
