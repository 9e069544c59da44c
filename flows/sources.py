"""What a run ingests: command-line inputs and `sources.toml`, resolved into named sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from flows.files import ESCAPED_PATH_PREFIX
from flows.fetch import FetchPolicy
from transforms.urls import normalize_url

SourceKind = Literal["feed", "sitemap", "urls", "folder", "url"]
KINDS: tuple[str, ...] = ("feed", "sitemap", "urls", "folder", "url")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DAY_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# Sources whose listings date their entries (a URL given on the command line may be a feed or sitemap).
DATED_KINDS = ("feed", "sitemap", "url")


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days from `first` to `last`, both included, as UTC dates: what a backfill covers."""

    first: dt.date
    last: dt.date

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.first <= moment.astimezone(dt.timezone.utc).date() <= self.last

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


@dataclass(frozen=True, slots=True)
class Source:
    """One named thing to ingest: a feed, a sitemap, a list of URLs, a folder, or one URL."""

    name: str
    kind: SourceKind  # "url": a URL given on the command line; the response says what it is
    location: str  # a URL, or a local path
    allowed_domains: tuple[str, ...] = ()  # empty: links to any host are followed
    max_articles: int | None = None  # new articles fetched per run; the rest wait for the next
    since: dt.datetime | None = None  # listed entries dated before this are not fetched
    backfill: DateRange | None = None  # a backfill run: only listed entries dated in this range are fetched
    group: str | None = None  # a scheduled deployment ingests one group of a sources file

    @property
    def is_web(self) -> bool:
        """Fetched over HTTP (a URL list on disk still names web pages)."""
        return self.kind != "folder"


@dataclass(frozen=True, slots=True)
class Plan:
    """The sources of a run and how to fetch them."""

    sources: tuple[Source, ...]
    policy: FetchPolicy

    @property
    def local_paths(self) -> list[str]:
        """Files and folders to read from disk."""
        return [s.location for s in self.sources if s.kind == "folder"]

    @property
    def web(self) -> list[Source]:
        """Sources that need the network."""
        return [s for s in self.sources if s.is_web]


class SourcesError(ValueError):
    """A sources file or command-line input that cannot be used, with what is wrong."""


def parse_since(value: str | dt.date | dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """A `since` value: an ISO date or datetime, or a duration back from now ("36h", "7d", "2w")."""
    if value is None or value == "":
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if match := _DURATION.match(value):
        return now - dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise SourcesError(f"since: {value!r} is neither an ISO date nor a duration like 7d or 36h") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def parse_backfill(value: str) -> DateRange:
    """A backfill range of days, `2026-01-01..2026-01-31` (both days included)."""
    match = _DAY_RANGE.match(value.strip())
    if not match:
        raise SourcesError(f"backfill: {value!r} is not a range of days like 2026-01-01..2026-01-31")
    try:
        first, last = (dt.date.fromisoformat(day) for day in match.groups())
    except ValueError as exc:
        raise SourcesError(f"backfill: {value!r}: {exc}") from None
    if first > last:
        raise SourcesError(f"backfill: {value!r} ends before it starts")
    return DateRange(first, last)


def from_arguments(inputs: list[str]) -> list[Source]:
    """Sources for command-line inputs: URLs, URL-list files, and files or folders to read."""
    sources = []
    for given in inputs:
        if given.startswith(ESCAPED_PATH_PREFIX):  # a local path whose bytes are not UTF-8 (flows.files.path_uri)
            sources.append(Source(name=given, kind="folder", location=given))
        elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", given):
            url = normalize_url(given)
            if url is None:
                raise SourcesError(f"{given}: only http and https URLs can be fetched")
            sources.append(Source(name=url, kind="url", location=url))
        elif Path(given).is_file() and is_url_list(Path(given)):
            sources.append(Source(name=Path(given).name, kind="urls", location=str(Path(given).absolute())))
        else:
            sources.append(Source(name=given, kind="folder", location=given))
    return sources


def is_url_list(path: Path) -> bool:
    """Whether a file is a list of URLs: every line a URL, a comment (#) or blank."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False  # reading it again later gives the real reason
    try:
        lines = [line.strip() for line in head.decode("utf-8").splitlines()]
    except UnicodeDecodeError:
        return False
    urls = [line for line in lines if line and not line.startswith("#")]
    return bool(urls) and all(re.match(r"^https?://\S+$", line) for line in urls)


def load_sources(path: str | Path, base: FetchPolicy | None = None, group: str | None = None) -> Plan:
    """Read a sources.toml: its [fetch] settings, [defaults] and [[source]] tables; only `group`'s sources when given."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"fetch", "defaults", "source"}
    if unknown:
        raise SourcesError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    policy = fetch_policy(data.get("fetch", {}), base or FetchPolicy(), where=f"{path} [fetch]")
    defaults = data.get("defaults", {})
    sources = []
    names: set[str] = set()
    for i, table in enumerate(data.get("source", [])):
        where = f"{path} source #{i + 1}"
        source = _source({**defaults, **table}, where, relative_to=path.parent)
        if source.name in names:
            raise SourcesError(f"{where}: the name {source.name!r} is used twice")
        names.add(source.name)
        sources.append(source)
    if not sources:
        raise SourcesError(f"{path}: no [[source]] entries")
    if group is not None:
        groups = sorted({s.group for s in sources if s.group})
        sources = [s for s in sources if s.group == group]
        if not sources:
            known = ", ".join(groups) if groups else "none"
            raise SourcesError(f"{path}: no source is in group {group!r} (groups: {known})")
    return Plan(tuple(sources), policy)


def fetch_policy(table: dict[str, Any], base: FetchPolicy, *, where: str) -> FetchPolicy:
    """A FetchPolicy with a TOML table's values over `base`; unknown keys are an error."""
    fields = {f.name: f for f in dataclasses.fields(FetchPolicy)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise SourcesError(f"{where}: unknown setting {key!r} (known: {', '.join(fields)})")
        expected = type(getattr(base, key))
        if expected is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SourcesError(f"{where}: {key} must be a list of strings")
            try:
                for network in value:
                    ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise SourcesError(f"{where}: {key}: {exc}") from None
            changes[key] = tuple(value)
            continue
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise SourcesError(f"{where}: {key} must be {expected.__name__}, not {value!r}")
        changes[key] = value
    return dataclasses.replace(base, **changes)


def _source(table: dict[str, Any], where: str, relative_to: Path) -> Source:
    allowed = {"name", "kind", "location", "allowed_domains", "max_articles", "since", "group"}
    unknown = set(table) - allowed
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "kind", "location"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise SourcesError(f"{where}: {key} is required")
    kind = table["kind"]
    if kind not in KINDS:
        raise SourcesError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    location = table["location"].strip()
    if kind in ("feed", "sitemap", "url") or (kind == "urls" and "://" in location):
        url = normalize_url(location)
        if url is None:
            raise SourcesError(f"{where}: {location!r} is not an http(s) URL")
        location = url
    else:
        local = Path(location).expanduser()
        location = str(local if local.is_absolute() else (relative_to / local))
    domains = table.get("allowed_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise SourcesError(f"{where}: allowed_domains must be a list of host names")
    limit = table.get("max_articles")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise SourcesError(f"{where}: max_articles must be a positive integer")
    group = table.get("group")
    if group is not None and (not isinstance(group, str) or not group.strip()):
        raise SourcesError(f"{where}: group must be a non-empty string")
    try:
        since = parse_since(table.get("since"))
    except SourcesError as exc:
        raise SourcesError(f"{where}: {exc}") from None
    return Source(
        name=table["name"].strip(),
        kind=kind,
        location=location,
        allowed_domains=tuple(d.strip().lower() for d in domains),
        max_articles=limit,
        since=since,
        group=group.strip() if group else None,
    )
