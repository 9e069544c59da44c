"""Feeds and sitemaps: the lists of article URLs a site publishes, with the dates it gives.

What a body is comes from its content (the root element), not from its Content-Type or URL:
servers send feeds as text/html and sitemaps as text/plain. Gzipped sitemaps are unwrapped
by the caller (transforms.sniff.gunzip) before they reach this module.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import feedparser
from lxml import etree

from transforms.records import Rejection
from transforms.urls import normalize_url

ListingKind = Literal["feed", "sitemap", "sitemap_index"]

# The sitemap protocol's limit per file (XML and plain text alike); we read no further.
MAX_SITEMAP_ENTRIES = 50_000

_ROOT_KINDS: dict[str, ListingKind] = {
    "rss": "feed",  # RSS 0.9x and 2.0
    "RDF": "feed",  # RSS 1.0 and 0.90: <rdf:RDF>
    "feed": "feed",  # Atom
    "urlset": "sitemap",
    "sitemapindex": "sitemap_index",
}
# What may precede the root element: whitespace, the XML declaration and other processing
# instructions, comments, and a DOCTYPE (possibly with an internal subset in brackets).
_PROLOG_ITEM = re.compile(
    rb"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE
)
_ROOT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# WordPress and other PHP sites often print warnings before the XML declaration.
_JUNK_TOLERANT_TYPES = re.compile(r"xml|rss|atom", re.IGNORECASE)
_LATE_START = re.compile(rb"<\?xml\s|<(?:rss|rdf:RDF|feed|urlset|sitemapindex)[\s>]")
_JUNK_WINDOW = 2048
_URL_LINE = re.compile(r"https?://\S+", re.IGNORECASE)
# An "&" that starts no entity or character reference: sitemaps often put raw query strings in
# <loc>, and libxml2's recovery would drop "&y" from "?x=1&y=2" and still hand back the text.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)")

# W3C datetime (https://www.w3.org/TR/NOTE-datetime) as sitemaps use it. A time needs a zone:
# without one the instant is unknown, and guessing UTC can move it to another day.
_W3C_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([Zz]|[+-]\d{2}:?\d{2}))?"
)
_W3C_SHAPED = re.compile(r"\d{4}(?:-|$)")  # "2023", "2023-11", "2023-11-08T..."


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One link a feed or sitemap offers, with the date it gives for it."""

    url: str  # normalized with urls.normalize_url against the listing's URL
    # Timezone-aware UTC; from news:publication_date, else lastmod (sitemaps); published, else
    # updated (feeds). None when absent or not a full date: never a guess.
    published: dt.datetime | None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """A parsed feed or sitemap."""

    kind: ListingKind
    entries: tuple[ListingEntry, ...]  # for a sitemap_index: the child sitemaps


@dataclass(frozen=True, slots=True)
class _Head:
    """Where a listing's document starts and what its root element is."""

    start: int  # offset of the document, past any junk printed before it
    root: str | None  # local name of the root element; None when no element starts the body
    doctype: tuple[int, int] | None  # span of a DOCTYPE with an internal subset


def listing_kind(data: bytes, content_type: str | None = None) -> ListingKind | None:
    """Whether bytes are a feed, a sitemap or a sitemap index (from the content, not only the type)."""
    head = _read_head(data, content_type)
    if head.root is not None:
        return _ROOT_KINDS.get(head.root)
    return "sitemap" if _is_url_list(data) else None


def parse_listing(data: bytes, base_url: str, content_type: str | None = None) -> Listing | Rejection:
    """Parse a feed or sitemap into its entries, or say why it cannot be read."""
    head = _read_head(data, content_type)
    kind = _ROOT_KINDS.get(head.root) if head.root else None
    if kind == "feed":
        return _parse_feed(_defused(data, head), base_url, content_type)
    if kind is not None:
        return _parse_sitemap(_defused(data, head), base_url, kind)
    if head.root is None and _is_url_list(data):
        entries = (ListingEntry(url, None) for url in _text_lines(data))
        return Listing("sitemap", _unique(entries, base_url, limit=MAX_SITEMAP_ENTRIES))
    return _not_a_listing(data, head, base_url)


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------


def _read_head(data: bytes, content_type: str | None) -> _Head:
    """Skip the BOM and prolog (and, for XML-typed bodies, leading junk) to the root element."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    head = _scan_prolog(data, start)
    if head.root not in _ROOT_KINDS and content_type and _JUNK_TOLERANT_TYPES.search(content_type):
        late = _LATE_START.search(data, start, start + _JUNK_WINDOW)
        if late and late.start() > start:
            head = _scan_prolog(data, late.start())
    return head


def _scan_prolog(data: bytes, pos: int) -> _Head:
    """Read prolog items from pos and name the root element that follows them."""
    start, doctype = pos, None
    while match := _PROLOG_ITEM.match(data, pos):
        if match.group()[:9].upper() == b"<!DOCTYPE" and b"[" in match.group():
            doctype = match.span()
        pos = match.end()
    root = _ROOT_TAG.match(data, pos)
    name = root.group(1).decode("ascii") if root else None
    return _Head(start=start, root=name, doctype=doctype)


def _is_url_list(data: bytes) -> bool:
    """Whether a body is a plain-text sitemap: non-empty lines that are all http(s) URLs."""
    lines = _text_lines(data)
    return bool(lines) and all(_URL_LINE.fullmatch(line) for line in lines)


def _text_lines(data: bytes) -> list[str]:
    """The non-empty, stripped lines of a text body."""
    text = data.decode("utf-8-sig", errors="replace")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _not_a_listing(data: bytes, head: _Head, source: str) -> Rejection:
    """The rejection for a body that holds no feed or sitemap."""
    if head.root is not None:
        return Rejection(source, "discover", "not_a_listing", f"root element <{head.root}>")
    body = data[head.start :].lstrip()
    if body.startswith(b"<"):  # markup, but no element can be read from it
        return Rejection(source, "discover", "malformed_xml", "no root element can be read")
    if not body:
        return Rejection(source, "discover", "not_a_listing", "empty body")
    return Rejection(source, "discover", "not_a_listing", "neither XML nor a list of URLs")


def _defused(data: bytes, head: _Head) -> bytes:
    """The document from its start, without a DOCTYPE that declares its own entities.

    No feed or sitemap needs its own entities, and they are how XML attacks arrive. feedparser
    hands the DTD to expat, which expands nested entities up to its amplification limit (a
    billion-laughs feed costs about a second); libxml2 stops at its limit and returns the text
    cut at the bomb as if whole. Undeclared, a reference stays an unexpanded node we can see.
    """
    if head.doctype is None:
        return data[head.start :]
    begin, end = head.doctype
    return data[head.start : begin] + data[end:]


# ---------------------------------------------------------------------------------------------
# Feeds
# ---------------------------------------------------------------------------------------------


def _parse_feed(data: bytes, base_url: str, content_type: str | None) -> Listing | Rejection:
    """Read an RSS or Atom feed with feedparser."""
    headers = {"content-location": base_url}  # the base for relative links (and xml:base)
    if content_type:
        headers["content-type"] = content_type  # its charset, when the XML declaration lacks one
    # A BytesIO, never bytes: feedparser.parse first tries to open a bytes argument as a path.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    # feedparser sets bozo for harmless things too (no Content-Type given, charset overridden).
    broken = parsed.bozo and not isinstance(
        parsed.get("bozo_exception"), feedparser.ThingsNobodyCaresAboutButMe
    )
    if not parsed.entries and (broken or not parsed.version):
        detail = str(parsed.get("bozo_exception") or "no feed version recognised")
        return Rejection(base_url, "discover", "malformed_feed", detail[:200])
    return Listing("feed", _unique(_feed_entries(parsed.entries), base_url))


def _feed_entries(entries: Iterable[feedparser.FeedParserDict]) -> Iterator[ListingEntry]:
    """Each feed entry's link, date and title."""
    for entry in entries:
        link = (entry.get("link") or "").strip()
        if link:
            yield ListingEntry(link, _feed_date(entry), _clean_title(entry.get("title")))


def _feed_date(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    """An entry's published date, else its updated date, in UTC."""
    for field in ("published", "updated"):
        # dict.get: FeedParserDict.get("updated") quietly answers with "published" (and warns).
        raw = dict.get(entry, field)
        if not raw:
            continue
        # feedparser reads "2023" as 2023-01-01 and a zone-less W3C time as UTC; read
        # W3C-shaped values with the sitemap rules instead, so neither kind of listing guesses.
        if _W3C_SHAPED.match(raw.strip()):
            value = _w3c_datetime(raw)
        else:
            parsed: time.struct_time | None = dict.get(entry, f"{field}_parsed")
            value = _from_struct_time(parsed) if parsed is not None else None
        if value is not None:
            return value
    return None


def _from_struct_time(value: time.struct_time) -> dt.datetime | None:
    """A UTC struct_time (what feedparser gives) as an aware datetime."""
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
# Sitemaps
# ---------------------------------------------------------------------------------------------


def _parse_sitemap(data: bytes, base_url: str, kind: ListingKind) -> Listing | Rejection:
    """Read an XML sitemap or sitemap index, tolerating the usual breakage."""
    # resolve_entities/no_network: no XXE and no entity expansion (references stay unexpanded
    # nodes, never file or network reads); huge_tree=False keeps libxml2's size limits.
    # recover: real sitemaps are often slightly broken (a stray "&", a truncated tail).
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
    )
    try:
        root = etree.fromstring(_BARE_AMPERSAND.sub(b"&amp;", data), parser)
    except etree.XMLSyntaxError as exc:
        return Rejection(base_url, "discover", "malformed_xml", str(exc)[:200])
    expected, item = ("urlset", "url") if kind == "sitemap" else ("sitemapindex", "sitemap")
    if root is None or _local(root) != expected:
        return Rejection(base_url, "discover", "malformed_xml", _first_error(parser))
    items = [child for child in root if _local(child) == item]
    if items and _ends_inside_loc(items[-1], data, parser):
        items.pop()  # a truncated download: the last <loc> holds part of a URL
    if not items and parser.error_log.filter_from_errors():
        return Rejection(base_url, "discover", "malformed_xml", _first_error(parser))
    entries = (e for e in map(_sitemap_entry, items[:MAX_SITEMAP_ENTRIES]) if e is not None)
    return Listing(kind, _unique(entries, base_url))


def _sitemap_entry(item: etree._Element) -> ListingEntry | None:
    """The <loc>, date and news title of one <url> or <sitemap> element."""
    loc = _child_text(item, "loc")
    if not loc:
        return None
    news = _child(item, "news")
    published = None
    if news is not None:
        published = _w3c_datetime(_child_text(news, "publication_date"))
    if published is None:
        published = _w3c_datetime(_child_text(item, "lastmod"))
    title = _clean_title(_child_text(news, "title")) if news is not None else None
    return ListingEntry(loc, published, title)


def _child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child with this local name, whatever its namespace (or none)."""
    return next((child for child in element if _local(child) == name), None)


def _child_text(element: etree._Element, name: str) -> str | None:
    """The text of the first child with this local name, None when it holds markup.

    An entity reference (left unexpanded by the parser) or an element inside the value means
    the text is not the whole value: a <loc> cut at "&x;" would name another page.
    """
    child = _child(element, name)
    if child is None or len(child):
        return None
    return (child.text or "").strip() or None


def _local(element: etree._Element) -> str | None:
    """An element's local name; None for entity references and processing instructions."""
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def _ends_inside_loc(item: etree._Element, data: bytes, parser: etree.XMLParser) -> bool:
    """Whether the data stops in the middle of this (last) entry's <loc> text."""
    cut = any(e.type == etree.ErrorTypes.ERR_TAG_NOT_FINISHED for e in parser.error_log)
    ends_in_text = bool(data[data.rfind(b">") + 1 :].strip())
    return cut and ends_in_text and len(item) > 0 and _local(item[-1]) == "loc"


def _first_error(parser: etree.XMLParser) -> str:
    """The parser's first error message, for a rejection's detail."""
    errors = parser.error_log
    return errors[0].message[:200] if errors else "no sitemap root element"


# ---------------------------------------------------------------------------------------------
# Shared
# ---------------------------------------------------------------------------------------------


def _w3c_datetime(value: str | None) -> dt.datetime | None:
    """A W3C datetime (2023-11-08, 2023-11-08T10:15:00+01:00, ...) in UTC, or None."""
    if not value:
        return None
    match = _W3C_DATETIME.fullmatch(value.strip())
    if not match:
        return None  # includes year-only and year-month values: not a day
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        if hour is None:
            return dt.datetime(int(year), int(month), int(day), tzinfo=dt.UTC)
        local = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            tzinfo=_zone(zone),
        )  # fmt: skip
    except ValueError:
        return None  # 2023-13-45, 25:00
    return local.astimezone(dt.UTC)


def _zone(text: str) -> dt.timezone:
    """A fixed offset from "Z", "+01:00" or "-0500"."""
    if text in ("Z", "z"):
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _clean_title(title: str | None) -> str | None:
    """A title with its whitespace collapsed, or None when empty."""
    if not title:
        return None
    return " ".join(title.split()) or None


def _unique(
    entries: Iterable[ListingEntry], base_url: str, limit: int | None = None
) -> tuple[ListingEntry, ...]:
    """Entries with normalized URLs, unfetchable ones dropped, first of each URL kept."""
    seen: dict[str, ListingEntry] = {}
    for count, entry in enumerate(entries):
        if limit is not None and count >= limit:
            break
        url = normalize_url(entry.url, base_url)
        if url is not None and url not in seen:
            seen[url] = ListingEntry(url, entry.published, entry.title)
    return tuple(seen.values())
