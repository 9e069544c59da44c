"""URLs for web discovery: one canonical form per page, why a link is skipped, safe logging.

Canonical URLs are what discovery deduplicates on and what politeness (robots.txt, delays) is
keyed by, so every link found in a page, feed or sitemap goes through `normalize_url` first.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import courlan
from courlan.clean import decode_punycode

# Tracking parameters courlan's TRACKERS_RE lets through (checked against courlan 1.4), seen on
# news sites' shared links: NYT smid, Guardian CMP, MSN ocid, Yahoo guccounter/soc_*, HubSpot
# _hs*, Webtrends WT.mc_id. Matched on the exact lower-cased name.
_EXTRA_TRACKERS = frozenset(
    {
        "smid", "cmp", "cmpid", "ncid", "ocid", "guccounter", "soc_src", "soc_trk",
        "_hsenc", "_hsmi", "wt.mc_id", "sr_share",
    }
)  # fmt: skip

# Files that are not web pages: media, documents, archives, static assets.
_MEDIA_EXTENSIONS = frozenset(
    {
        # images
        "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "bmp", "tif", "tiff", "ico", "heic",
        # video and audio
        "mp4", "m4v", "mov", "avi", "wmv", "flv", "webm", "mkv", "mpg", "mpeg", "3gp", "m3u8",
        "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "flac", "wma",
        # documents
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "epub",
        "csv", "json",
        # archives and programs
        "zip", "gz", "tgz", "tar", "rar", "7z", "bz2", "xz", "exe", "dmg", "apk", "msi", "iso",
        # static assets
        "css", "js", "woff", "woff2", "ttf", "otf", "eot",
    }
)  # fmt: skip
_FEED_EXTENSIONS = frozenset({"rss", "atom", "rdf", "xml", "opml"})
# Path segments naming a feed: /feed, /rss, /feeds/posts/default (Blogger), /feed/atom/.
_FEED_SEGMENTS = frozenset({"feed", "feeds", "rss", "rss2", "atom"})
# WordPress ?feed=rss2, and format/output switches some CMSs use for the same thing.
_FEED_QUERY = re.compile(
    r"(?:^|&)(?:feed=|(?:format|output|type)=(?:rss2?|atom|feed)(?:&|$))", re.IGNORECASE
)

# Segments that open a listing when at most one segment follows (/tag/x, /category/x,
# /author/x, /archive), as courlan's SITE_STRUCTURE has it. Deeper paths are articles filed
# under such a segment: The Atlantic's /politics/archive/2023/11/slug/675123/.
_LISTING_SEGMENTS = frozenset(
    {
        "tag", "tags", "category", "categories", "topic", "topics", "author", "authors",
        "archive", "archives", "label", "labels", "section", "sections",
        "schlagwort", "kategorie", "autor",
    }
)  # fmt: skip
_PAGINATION_SEGMENTS = frozenset({"page", "paged", "seite"})
# WordPress query archives: ?s= search, ?paged=2, ?cat=5, ?tag=x, ?author=3 (not ?p=42: a post).
_LISTING_QUERY = re.compile(r"(?:^|&)(?:s|search|paged|cat|tag|author)=", re.I)
_YEAR = re.compile(r"(?:19|20)\d\d$")
_MONTH = re.compile(r"(?:0?[1-9]|1[0-2]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)$", re.I)
_DAY = re.compile(r"(?:0?[1-9]|[12]\d|3[01])$")
_ROOT_INDEX = re.compile(r"/(?:index|default|home)(?:\.[a-z]{2,5})?$", re.I)

# Query parameter names whose values are secrets, matched on the words of the name
# (access_token, apiKey, X-Amz-Signature), not on substrings: "author" is not "auth".
_SECRET_WORDS = frozenset(
    {
        "token", "key", "apikey", "password", "passwd", "pwd", "secret", "sig", "signature",
        "auth", "session", "sid", "credential", "credentials", "accesstoken", "sessionid",
        "phpsessid", "jsessionid",
    }
)  # fmt: skip
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ABSOLUTE_HTTP = re.compile(r"https?://", re.IGNORECASE)


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute, canonical form of a link, or None when it cannot be fetched over http(s)."""
    url = url.strip()
    if not url:
        return None  # an empty href points back at its own page: nothing new to fetch
    try:
        # urljoin leaves absolute URLs as they are; skipping it halves the cost of a sitemap.
        parts = urlsplit(urljoin(base, url) if base and not _ABSOLUTE_HTTP.match(url) else url)
        port = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError:
        return None
    host = parts.hostname  # lower-cased, without user:pass@ and IPv6 brackets
    if parts.scheme not in ("http", "https") or not host or not _is_hostname(host):
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    cleaned = parts._replace(
        netloc=netloc,
        # "https://example.com" and "https://example.com/" are the same resource.
        path=parts.path or "/",
        query=_drop_extra_trackers(parts.query),
        # The fragment never reaches the server; non-strict courlan would keep it.
        fragment="",
    )
    try:
        # A SplitResult, not a string: courlan html-unescapes strings, which turns the query
        # "&region=eu" into "®ion=eu". Non-strict, because strict keeps only ~14 allow-listed
        # parameters and so collapses distinct pages (?story=1 and ?story=2, Joomla's ?option=).
        return courlan.normalize_url(cleaned, strict=False)
    except (ValueError, UnicodeError):
        return None


def skip_reason(url: str) -> str | None:
    """Why a discovered link is not an article page worth fetching, or None."""
    # courlan's own filters are not precise enough to name a reason: is_navigation_page flags
    # WordPress posts (?p=42) and slugs such as /pets/my-cat/, extension_filter rejects article
    # extensions it does not know (.cms, .ece, .ghtml), type_filter mixes feeds, media and nav.
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    segments = [s for s in parts.path.lower().split("/") if s]
    last = segments[-1] if segments else ""
    extension = last.rpartition(".")[2] if "." in last else ""
    if extension in _MEDIA_EXTENSIONS:
        return "media_url"
    if _is_feed(segments, extension, parts.query):
        return "feed_url"
    if _is_listing(parts.path, segments, parts.query):
        return "listing_url"
    return None


def host_of(url: str) -> str:
    """The host and port a URL is served from: the unit of politeness (robots.txt, delays)."""
    normalized = normalize_url(url)
    if normalized is not None:
        return urlsplit(normalized).netloc
    # Never raises: callers group URLs by host for logs and outlets too, and one broken link
    # must not stop a batch. What cannot be fetched gets its literal host, or "".
    try:
        parts = urlsplit(url.strip())
        return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return ""


def in_domains(url: str, allowed: Sequence[str]) -> bool:
    """Whether the URL's host is one of `allowed` or a subdomain of one (empty `allowed`: any)."""
    if not allowed:
        return True
    if normalize_url(url) is None:
        return False
    netloc = host_of(url)
    hostname = urlsplit(f"//{netloc}").hostname or ""
    for entry in allowed:
        domain = _domain_entry(entry)
        if not domain:
            continue
        if _has_port(domain):  # "127.0.0.1:8001" allows that one server only
            if netloc == domain:
                return True
        elif hostname == domain or hostname.endswith("." + domain):
            return True
    return False


def redact_url(url: str) -> str:
    """The URL as safe to log: no credentials, and secret-looking query values masked."""
    # Plain string surgery rather than urlsplit, which raises on some malformed URLs: logging
    # a bad URL must not fail, and must not leak its secrets either.
    rest, hash_mark, fragment = url.partition("#")
    rest, question_mark, query = rest.partition("?")
    scheme, separator, after = rest.partition("://")
    if separator:
        authority, slash, path = after.partition("/")
        rest = scheme + separator + authority.rpartition("@")[2] + slash + path
    # Fragments carry secrets too: OAuth implicit grants return #access_token=...
    return rest + question_mark + _mask_secrets(query) + hash_mark + _mask_secrets(fragment)


@lru_cache(maxsize=4096)  # a sitemap repeats one host thousands of times
def _is_hostname(host: str) -> bool:
    """Whether a (lower-cased) host is an IP address or a name DNS can carry."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if any(c.isspace() or c in '<>"{}|\\^`%' for c in host):
        return False
    try:
        host.encode("idna")  # rejects empty and over-long labels ("a..b", 64+ characters)
    except UnicodeError:
        return False
    return True


def _drop_extra_trackers(query: str) -> str:
    """The query without the tracking parameters courlan does not know."""
    if not query:
        return query
    pairs = query.split("&")
    return "&".join(p for p in pairs if p.partition("=")[0].lower() not in _EXTRA_TRACKERS)


def _is_feed(segments: list[str], extension: str, query: str) -> bool:
    """Whether a path and query address a feed or other machine-readable listing (sitemaps)."""
    if extension in _FEED_EXTENSIONS:
        return True
    if any(segment in _FEED_SEGMENTS for segment in segments):
        return True
    return bool(_FEED_QUERY.search(query))


def _is_listing(path: str, segments: list[str], query: str) -> bool:
    """Whether a path and query address a page that lists articles rather than being one."""
    if _LISTING_QUERY.search(query):
        return True
    if not segments or _ROOT_INDEX.fullmatch(path):
        return not query  # the front page; "/?p=42" is a WordPress post
    if "search" in segments:  # /search?q=, Blogger's /search/label/x
        return True
    for i, segment in enumerate(segments):
        if segment in _LISTING_SEGMENTS and len(segments) - i <= 2:
            return True
        if segment in _PAGINATION_SEGMENTS and i + 1 < len(segments) and segments[i + 1].isdigit():
            return True
    return _is_date_archive(segments)


def _is_date_archive(segments: list[str]) -> bool:
    """Whether a path ends in a year, year/month or year/month/day with nothing after it."""
    for length in (1, 2, 3):
        tail = segments[-length:]
        if len(tail) < length or not _YEAR.fullmatch(tail[0]):
            continue
        if length >= 2 and not _MONTH.fullmatch(tail[1]):
            continue
        if length == 3 and not _DAY.fullmatch(tail[2]):
            continue
        return True
    return False


def _domain_entry(entry: str) -> str:
    """An allowed-domains entry as a bare lower-case host (or host:port)."""
    entry = entry.strip()
    if "://" in entry:
        return host_of(entry)
    entry = entry.lower().lstrip("*").strip(".")
    # normalize_url keeps IDN hosts in Unicode (courlan decodes punycode), so match them so.
    return decode_punycode(entry)


def _has_port(domain: str) -> bool:
    """Whether a host entry names a port, e.g. "127.0.0.1:8001" or "[::1]:8001"."""
    return bool(re.search(r"(?:^[^:]+|\]):\d+$", domain))


def _mask_secrets(query: str) -> str:
    """A query string with the values of secret-looking parameters replaced by ***."""
    if "=" not in query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and _is_secret_name(name):
            pair = f"{name}=***"
        pairs.append(pair)
    return "&".join(pairs)


def _is_secret_name(name: str) -> bool:
    """Whether a parameter name says its value is a secret."""
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    if squashed in _SECRET_WORDS:
        return True
    words = {w.lower() for w in _NAME_WORD.findall(name)}
    return not words.isdisjoint(_SECRET_WORDS)

