"""Typed records passed between pipeline stages.

Every stage returns its output record or a `Rejection`; never a bare None and never a dict bag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import zstandard

if TYPE_CHECKING:  # dedup imports numpy; records stay importable without it
    from transforms.dedup import Fingerprint

MediaType = Literal["text/html", "text/plain"]
DatePrecision = Literal["day", "month", "year"]
# Where a publication date came from (the README lists each source).
DateSource = Literal[
    "jsonld", "meta", "markup", "url", "header_line", "dateline", "text", "htmldate", "duplicate_of"
]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Bytes of one input exactly as read from disk or the network."""

    source: str  # the path or URL the user gave us
    data: bytes
    sha256: str  # of `data`, hex
    url: str | None = None  # the document's own URL when known (fetched pages)
    charset: str | None = None  # as the HTTP Content-Type declared it, for fetched pages


@dataclass(frozen=True, slots=True)
class DecodedDocument:
    """An input whose format and character encoding are settled."""

    source: str
    sha256: str
    media_type: MediaType
    text: str
    encoding: str  # codec actually used, e.g. "utf-8", "cp1252"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that did not become an article, and why."""

    source: str
    stage: str  # "discover", "read", "sniff", "extract", ...
    reason: str  # snake_case, e.g. "empty_file", "not_html", "too_short"
    detail: str = ""
    published: PublicationDate | None = None  # the date a rejected page declares, when it does


@dataclass(frozen=True, slots=True)
class PublicationDate:
    """A publication date with the evidence that supports it."""

    value: dt.date  # for month/year precision, the first day of that period
    source: DateSource
    precision: DatePrecision = "day"
    # "low" for a date only htmldate's page-wide search found: right less often than declared ones
    confidence: Literal["high", "low"] = "high"


@dataclass(frozen=True, slots=True)
class Dateline:
    """The 'PLACE, Date (AGENCY) -' opener of a wire story."""

    place: str
    date_text: str | None = None  # as printed, e.g. "Nov. 10"
    month: int | None = None
    day: int | None = None
    agencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """The clean article extracted from one document."""

    source: str
    sha256: str  # of the raw document it came from
    media_type: MediaType
    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()  # people only: never "Staff" or the publisher
    byline: str | None = None  # the credit as printed, e.g. "Euronews with AFP"
    agencies: tuple[str, ...] = ()  # news agencies credited, e.g. ("AFP",)
    site_name: str | None = None
    url: str | None = None  # canonical URL when known
    published: PublicationDate | None = None
    dateline: Dateline | None = None
    language: str | None = None
    word_count: int = 0


@dataclass(frozen=True, slots=True)
class NotModified:
    """A fetched URL the server says has not changed since our copy (HTTP 304)."""

    source: str


@dataclass(frozen=True, slots=True)
class HttpMeta:
    """How a document arrived over HTTP: kept beside its bytes so re-extraction needs no network."""

    kind: str = "page"  # what was asked for: page | feed | sitemap | sitemap_index | listing
    status: int | None = None  # the final response's status; None when none arrived
    final_url: str | None = None  # after redirects
    headers: tuple[tuple[str, str], ...] = ()  # lower-case names; cookies and credentials removed
    elapsed: float = 0.0  # seconds, all attempts and redirects included
    attempts: int = 1
    requests: int = 0  # HTTP requests actually sent: attempts times hops; 0 when refused before sending
    redirects: int = 0
    fetched_at: dt.datetime | None = None

    def headers_dict(self) -> dict[str, str]:
        """Headers by lower-case name (the last value wins)."""
        return dict(self.headers)


Outcome = Article | Rejection | NotModified


# Raw bytes go into the blob store compressed with zstd (a blob's `compression` column says how;
# older blobs are zlib). On 1,000 of the throughput benchmark's pages (143.2 MB), zstd at level 3
# compresses in 0.44-0.58 ms of CPU per page into 28.5 MB, where zlib at level 6 took 2.33-2.56 ms
# for 28.4 MB; it decompresses in half the time. That is every page's cost on the extraction
# workers, and the archive keeps every page for reprocessing, so neither time nor size is traded.
BLOB_COMPRESSION = "zstd"
ZSTD_LEVEL = 3


def compress_raw(data: bytes) -> bytes:
    """Raw bytes as the blob store keeps them (BLOB_COMPRESSION)."""
    return zstandard.compress(data, ZSTD_LEVEL)


def decompress_raw(data: bytes, compression: str) -> bytes:
    """A stored blob's raw bytes; raises ValueError when the blob is damaged."""
    try:
        if compression == "zstd":
            return zstandard.decompress(data)
        if compression == "zlib":
            return zlib.decompress(data)
    except (zstandard.ZstdError, zlib.error) as exc:
        raise ValueError(f"damaged {compression} blob: {exc}") from exc
    return bytes(data)


# Bumped whenever extraction output can change, so stored articles say which code made them.
# 2: dates from markup, agencies apart from authors, date/byline lines and site names from <title>;
# 3: author and title rules, metadata fallback from our own tree, dates shown at the headline;
# 4: title rules (kickers, set-off h1 parts, URL sections, logo h1s, h2 headlines), no author from
#    trafilatura's page search, teaser dates, the dateline day when htmldate finds none;
# 5: authors from a Yoast WebPage node and the post author's comment; no author from a breadcrumb,
#    a date label, an image credit, a sentence, a teaser or related story, or trafilatura's
#    reading of a credit turned down.
# 6: authors from posting lines ("Posted by", one-word accounts), more label shapes, links to a
#    writer's page, Chinese credit lines, a closing signature and the person a site is named after.
# 7: no date from a card or teaser under a sub-heading of its own (a <time>, or a printed day away
#    from the headline), nor from an event's day (hours from-to after it, or in a timetable).
# 8: co-authors a meta tag or byline element adds to the one JSON-LD names.
# 9: HTML pages drop the paragraphs most of their site's pages in a batch print (template lines).
# 10: a date printed in pieces (month, day and year each in an inline element of its own) is read.
# 11: what widgets leave (sign-up confirmations, share prompts, comment policies, contact lines) dropped.
# 12: elements with the `hidden` attribute dropped before extraction.
# 13: " : Blog-Archiv" and the like (a segment CMSs add to every title) cut from the title.
# 14: pointers to related stories in more languages ("Le puede interesar: …", "Schon gelesen?") dropped,
# and the headlines listed under such a pointer standing alone as a heading; paywall and app prompts,
# ad disclosures, follow prompts in more languages, a long copyright notice opened by "©"; no author
# from a credit trafilatura cut at an HTML entity ("Redacci; Oacute; N") or a web address it title-cased.
# 15: a declared day the page never shows gives way to the one day it shows at its headline; "posted on"
# with a weekday ("posted on Wednesday, May 19th, 2010") and German's verb after the day ("wurde am
# 19. Mai 2010 … veröffentlicht") read as publication sentences.
EXTRACTOR_VERSION = "15"


@dataclass(frozen=True, slots=True, eq=False)
class Processed:
    """Everything the warehouse needs to record about one input."""

    source: str
    outcome: Outcome
    sha256: str | None = None  # None when the input could not be read at all
    size: int | None = None
    mtime_ns: int | None = None
    media_type: str | None = None
    encoding: str | None = None
    fingerprint: Fingerprint | None = None
    raw_compressed: bytes | None = None  # the raw bytes as `compress_raw` stores them in the blob store
    http: HttpMeta | None = None  # for fetched URLs

    @property
    def doc_id(self) -> str | None:
        """Identity of the distinct raw input: the same bytes at the same place."""
        return None if self.sha256 is None else doc_id(self.source, self.sha256)


def doc_id(source: str, sha256: str) -> str:
    """Stable id of (source, content)."""
    return hashlib.sha256(f"{source}\n{sha256}".encode()).hexdigest()[:24]


# -- enrichment -------------------------------------------------------------------------------

EntityType = Literal["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"]


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """A named-entity span as the NER model found it in an article's text."""

    text: str
    label: str  # the model's label, e.g. "PERSON", "GPE"
    start: int  # character offsets into Article.text
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention of a normalized entity: where it is, and who or what it names."""

    surface: str  # as written, e.g. "President Putin"
    start: int
    end: int
    name: str  # canonical, e.g. "Vladimir Putin"; a country's common name
    type: EntityType
    country_code: str | None = None  # ISO 3166-1 alpha-2 for countries, e.g. "RU"

    @property
    def key(self) -> str:
        """Identity of the entity across articles and runs."""
        return f"{self.type}:{self.country_code or self.name}"


@dataclass(frozen=True, slots=True)
class Quote:
    """Reported speech with its speaker when the text says who spoke; None is never a guess."""

    text: str  # the words inside the quotation marks (joined when the quote spans paragraphs)
    start: int  # character offsets of the quoted text (marks included) in Article.text
    end: int
    speaker: str | None  # the canonical name of the speaker's entity, when resolved
    speaker_text: str | None  # the speaker as written near the quote, e.g. "he", "Putin", "the ministry"
    cue: str | None  # the reporting verb or phrase, e.g. "said", "according to"


@dataclass(frozen=True, slots=True)
class Annotation:
    """What the NLP pass found in one article, or why it did not run."""

    spans: tuple[EntitySpan, ...] = ()
    keywords: tuple[tuple[str, float], ...] = ()  # (phrase, score in (0, 1]), best first
    skipped: str | None = None  # snake_case reason when the article was not enriched, e.g. "language_de"
