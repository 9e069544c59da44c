"""Fetch throughput of flows.fetch.Fetcher over loopback, its per-host limits, and what re-runs cost.

    uv run python benchmarks/bench_fetch.py [--hosts 20] [--pages 1000] [--latency-ms 5] [--page-kb 40]
        [--per-host 2] [--concurrency 32] [--batch 500] [--quick] [--profile FILE]

A farm of `--hosts` sites (benchmarks/loopback_farm.py, one port each on 127.0.0.1, each answering
after `--latency-ms`) runs in its own process, so its CPU and GIL are not the client's. The client is
the real Fetcher with FetchPolicy(allow_private_networks=True, per_host, concurrency), fetching pages
only (no extraction) in batches of `--batch` URLs per fetch_all call, one Fetcher per run, as
flows/ingest.py does. Three runs:
  1. first run: robots.txt and /sitemap.xml of every host (one fetch_all each, accept="listing", as
     the flow's fetch_listing task does), parse_listing, then every listed page;
  2. conditional GET of every page: a new run sends every sitemap and page with the validators run 1
     got (all 304s): the pure request-rate cost of revalidation;
  3. incremental run as the flow does it: conditional GET of the sitemaps (304), and no request for
     pages already fetched (flows/web.py settles listed pages already loaded).
For each: pages, seconds, pages/s, MB received, the most requests in flight per host as the farm's
request log shows them, the farm's p50/p95 response time, client CPU, the client's peak RSS.
Exits 1 when a host saw more requests in flight than FetchPolicy.per_host (or the run more than
`concurrency`), or when a fetch failed; targets that are missed are printed, not asserted.
`--quick` (2 hosts x 50 pages) is a smoke test of a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from flows.fetch import Fetched, Fetcher, FetchPolicy, Validators  # noqa: E402
from flows.web import PageRef, interleave_hosts  # noqa: E402
from transforms.listings import Listing, ListingEntry, parse_listing  # noqa: E402

TARGET_RATE = 300.0  # pages/s, first run
TARGET_SPEEDUP = 10.0  # second run against the first


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    pages: int = 0  # page requests made
    settled: int = 0  # listed pages that cost no request
    body_bytes: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    cpu: float = 0.0
    rss: int = 0
    log: list[tuple[int, int, float, float, str]] = field(default_factory=list)
    farm_cpu: float = 0.0
    connections: int = 0


class Farm:
    """The loopback farm in a child process; `dump()` collects its request log since the last dump."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.work = work
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "loopback_farm.py"), "--hosts", str(args.hosts), "--pages", str(args.pages),
             "--latency-ms", str(args.latency_ms), "--page-kb", str(args.page_kb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("ready "):
            raise SystemExit(f"the loopback farm did not start: {line!r}")
        self.ports = [int(p) for p in line.split()[1].split(",")]
        self.dumps = 0
        self.cpu_before = 0.0

    def dump(self, run: Run) -> None:
        self.dumps += 1
        path = self.work / f"requests-{self.dumps}.log"
        self.process.stdin.write(f"dump {path}\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        _, count, connections, cpu = self.process.stdout.readline().split()  # type: ignore[union-attr]
        for line in path.read_text().splitlines():
            port, status, start, end, target = line.split(" ", 4)
            run.log.append((int(port), int(status), float(start), float(end), target))
        assert len(run.log) == int(count)
        run.connections = int(connections)
        run.farm_cpu = float(cpu) - self.cpu_before
        self.cpu_before = float(cpu)

    def close(self) -> None:
        try:
            self.process.stdin.write("quit\n")  # type: ignore[union-attr]
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


PROFILE: cProfile.Profile | None = None


class ProfiledFetcher(Fetcher):
    """Fetcher.fetch_all with the profiler on inside the worker thread that runs the event loop.

    `python -m cProfile` only sees the main thread, which just waits on the future; this is the
    same three lines as Fetcher.fetch_all with the profiler enabled in that thread.
    """

    def fetch_all(self, requests, *, accept="page"):  # type: ignore[no-untyped-def]
        if not requests:
            return []

        def run() -> list[Fetched]:
            assert PROFILE is not None
            PROFILE.enable()
            try:
                return asyncio.run(self._fetch_all(requests, accept))
            finally:
                PROFILE.disable()

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-fetch") as pool:
            return pool.submit(run).result()


def main() -> None:
    global PROFILE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=20, help="sites, one port each")
    parser.add_argument("--pages", type=int, default=1000, help="pages per site")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="the farm's delay before every response")
    parser.add_argument("--page-kb", type=int, default=40, help="size of a page")
    parser.add_argument("--per-host", type=int, default=2, help="FetchPolicy.per_host")
    parser.add_argument("--concurrency", type=int, default=32, help="FetchPolicy.concurrency")
    parser.add_argument("--batch", type=int, default=500, help="URLs per fetch_all call (settings.batch_size)")
    parser.add_argument("--quick", action="store_true", help="2 hosts x 50 pages: a smoke test")
    parser.add_argument("--profile", type=Path, help="profile the fetch threads to this file and print the top lines")
    args = parser.parse_args()
    if args.quick:
        args.hosts, args.pages = 2, 50
    policy = FetchPolicy(allow_private_networks=True, per_host=args.per_host, concurrency=args.concurrency)
    if args.profile:
        PROFILE = cProfile.Profile()
    make_fetcher = ProfiledFetcher if args.profile else Fetcher
    print(
        f"{args.hosts} hosts x {args.pages} pages of ~{args.page_kb} KB, {args.latency_ms:g} ms latency;"
        f" per_host={policy.per_host} concurrency={policy.concurrency} batch={args.batch}"
    )
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-fetch-") as tmp:
        farm = Farm(args, Path(tmp))
        try:
            sitemaps = [f"http://127.0.0.1:{port}/sitemap.xml" for port in farm.ports]
            first, known, stored = first_run(make_fetcher(policy), sitemaps, args, farm)
            revalidate = conditional_run(make_fetcher(policy), sitemaps, known, stored, args, farm)
            incremental = incremental_run(make_fetcher(policy), sitemaps, known, stored, args, farm)
        finally:
            farm.close()

    broken = False
    for run in (first, revalidate, incremental):
        broken |= report(run, policy, len(farm.ports))
    print()
    rate = first.pages / first.seconds
    print(f"target: first run >= {TARGET_RATE:.0f} pages/s: {rate:.0f} pages/s, {'met' if rate >= TARGET_RATE else 'MISSED'}")
    for run in (revalidate, incremental):
        speedup = first.seconds / run.seconds
        verdict = "met" if speedup >= TARGET_SPEEDUP else "MISSED"
        print(f"target: {run.label} >= {TARGET_SPEEDUP:.0f}x faster than the first run: {speedup:.1f}x, {verdict}")
    if args.profile:
        assert PROFILE is not None
        PROFILE.dump_stats(str(args.profile))
        print(f"\nprofile of the fetch threads (all runs) saved to {args.profile}; top 15 in flows/fetch.py, httpx, httpcore:")
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(r"flows/fetch\.py|httpx|httpcore", 15)
    if broken:
        raise SystemExit(1)


def first_run(
    fetcher: Fetcher, sitemaps: list[str], args: argparse.Namespace, farm: Farm
) -> tuple[Run, dict[str, tuple[Validators, dt.datetime | None]], dict[str, tuple[Validators, bytes, str | None]]]:
    """Every sitemap, then every page; returns the run and what a warehouse would keep."""
    run = Run("run 1: first run (sitemaps + every page)")
    stored: dict[str, tuple[Validators, bytes, str | None]] = {}  # sitemap -> validators, body, content type
    lists: list[list[ListingEntry]] = []
    with Measure(run):
        for url in sitemaps:
            result = fetch_listing(fetcher, url, None, run)
            if not result.ok:
                raise SystemExit(f"sitemap {url}: {result.reason} {result.detail}")
            content_type = result.meta.headers_dict().get("content-type")
            stored[url] = (validators_of(result), result.body or b"", content_type)
            lists.append(sitemap_entries(result.body or b"", url, content_type))
        urls = page_order(lists)
        known: dict[str, tuple[Validators, dt.datetime | None]] = {}  # page url -> validators, fetched_at: what the warehouse keeps
        for start in range(0, len(urls), args.batch):
            for result in fetcher.fetch_all([(url, None) for url in urls[start : start + args.batch]], accept="page"):
                tally(run, result)
                if result.ok:
                    known[result.url] = (validators_of(result), result.meta.fetched_at)  # not the body
    farm.dump(run)
    return run, known, stored


def conditional_run(
    fetcher: Fetcher, sitemaps: list[str], known: dict[str, tuple[Validators, dt.datetime | None]],
    stored: dict[str, tuple[Validators, bytes, str | None]], args: argparse.Namespace, farm: Farm,
) -> Run:
    """The sitemaps and every page again, each with its validators: all 304s."""
    run = Run("run 2: conditional GET of every page")
    with Measure(run):
        for url in sitemaps:
            fetch_listing(fetcher, url, stored[url][0], run)
        lists = [sitemap_entries(stored[url][1], url, stored[url][2]) for url in sitemaps]
        urls = page_order(lists)
        for start in range(0, len(urls), args.batch):
            batch = [(url, known[url][0] if url in known else None) for url in urls[start : start + args.batch]]
            for result in fetcher.fetch_all(batch, accept="page"):
                tally(run, result)
    farm.dump(run)
    return run


def incremental_run(
    fetcher: Fetcher, sitemaps: list[str], known: dict[str, tuple[Validators, dt.datetime | None]],
    stored: dict[str, tuple[Validators, bytes, str | None]], args: argparse.Namespace, farm: Farm,
) -> Run:
    """What the flow's next run does when nothing changed: conditional sitemaps, no page requests."""
    run = Run("run 3: incremental run as the flow does it")
    with Measure(run):
        lists = []
        for url in sitemaps:
            validators, body, content_type = stored[url]
            result = fetch_listing(fetcher, url, validators, run)
            if result.reason == "not_modified":  # flows/web.py re-reads the stored copy of a 304 listing
                lists.append(sitemap_entries(body, url, content_type))
            elif result.ok:
                lists.append(sitemap_entries(result.body or b"", url, result.meta.headers_dict().get("content-type")))
        # flows/web.py's _plan_pages rule, with `known` standing in for the warehouse's web state: a listed page
        # already loaded costs no request unless its listing dates it after our fetch (then a conditional GET).
        published = {e.url: e.published for entries in lists for e in entries}
        to_fetch: list[tuple[str, Validators | None]] = []
        for url in page_order(lists):
            entry = known.get(url)
            if entry is not None and not updated_since(published[url], entry[1]):
                run.settled += 1
            else:
                to_fetch.append((url, entry[0] if entry else None))
        for start in range(0, len(to_fetch), args.batch):
            for result in fetcher.fetch_all(to_fetch[start : start + args.batch], accept="page"):
                tally(run, result)
    farm.dump(run)
    return run


def updated_since(published: dt.datetime | None, fetched_at: dt.datetime | None) -> bool:
    """flows/web.py's _updated_since: the sitemap dates the page after we fetched it."""
    return bool(published and fetched_at and published > fetched_at)


def fetch_listing(fetcher: Fetcher, url: str, validators: Validators | None, run: Run) -> Fetched:
    """One listing per fetch_all call, as flows/ingest.py's fetch_listing task does."""
    (result,) = fetcher.fetch_all([(url, validators)], accept="listing")
    if result.body:
        run.body_bytes += len(result.body)
    run.statuses[result.meta.status] += 1
    return result


def sitemap_entries(body: bytes, url: str, content_type: str | None) -> list[ListingEntry]:
    parsed = parse_listing(body, url, content_type)
    if not isinstance(parsed, Listing):
        raise SystemExit(f"sitemap {url} did not parse: {parsed}")
    # flows/web.py sorts a sitemap source's pages newest first.
    return sorted(parsed.entries, key=lambda e: e.published.timestamp() if e.published else 0.0, reverse=True)


def page_order(lists: list[list[ListingEntry]]) -> list[str]:
    """All pages to fetch, in the order the flow fetches them (flows.web.interleave_hosts)."""
    return [ref.url for ref in interleave_hosts([PageRef(e.url, "bench") for entries in lists for e in entries])]


def validators_of(result: Fetched) -> Validators:
    headers = result.meta.headers_dict()
    return Validators(headers.get("etag"), headers.get("last-modified"))


def tally(run: Run, result: Fetched) -> None:
    run.pages += 1
    run.statuses[result.meta.status] += 1
    if result.body:
        run.body_bytes += len(result.body)
    if result.reason not in (None, "not_modified"):
        run.failures[f"{result.reason}: {result.detail}"[:120]] += 1


class Measure:
    """Wall time and client CPU of a run; peak RSS of the client process so far."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def __enter__(self) -> None:
        self.cpu = _cpu()
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.run.seconds = time.perf_counter() - self.started
        self.run.cpu = _cpu() - self.cpu
        self.run.rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def max_in_flight(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant (an end at the same instant as a start closes first)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(run: Run, policy: FetchPolicy, hosts: int) -> bool:
    """Print a run's figures; True when a limit was exceeded or a fetch failed."""
    by_port: dict[int, list[tuple[float, float]]] = {}
    for port, _, start, end, _ in run.log:
        by_port.setdefault(port, []).append((start, end))
    per_host = {port: max_in_flight(spans) for port, spans in sorted(by_port.items())}
    overall = max_in_flight([(start, end) for _, _, start, end, _ in run.log])
    durations = [end - start for _, _, start, end, _ in run.log]
    print(f"\n{run.label}")
    rate = f"{run.pages / run.seconds:.0f} pages/s" if run.pages else "no page requests"
    print(
        f"  pages: {run.pages} requested, {run.settled} settled without a request; {run.seconds:.2f} s; {rate};"
        f" {run.body_bytes / 1e6:.1f} MB received"
    )
    print(
        f"  farm saw {len(run.log)} requests on {run.connections} new connections, statuses"
        f" {dict(sorted(Counter(s for _, s, *_ in run.log).items()))}; response time p50 {percentile(durations, 0.5) * 1000:.1f} ms,"
        f" p95 {percentile(durations, 0.95) * 1000:.1f} ms"
    )
    print(
        f"  max in flight per host (limit {policy.per_host}):"
        f" {' '.join(f'{port}={n}' for port, n in per_host.items()) or 'none'}; whole run {overall} (limit {policy.concurrency})"
    )
    print(
        f"  client CPU {run.cpu:.2f} s ({run.cpu / run.seconds:.0%} of wall); farm CPU {run.farm_cpu:.2f} s;"
        f" client peak RSS so far {run.rss / 1e6:.0f} MB"
    )
    broken = False
    over = {port: n for port, n in per_host.items() if n > policy.per_host}
    if over:
        print(f"  FAIL: per-host limit {policy.per_host} exceeded on {len(over)} of {hosts} hosts: {over}")
        broken = True
    if overall > policy.concurrency:
        print(f"  FAIL: {overall} requests in flight at once, over concurrency={policy.concurrency}")
        broken = True
    if run.failures:
        print(f"  FAIL: {sum(run.failures.values())} fetches failed: {dict(run.failures.most_common(5))}")
        broken = True
    return broken


if __name__ == "__main__":
    main()
