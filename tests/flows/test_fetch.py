"""The fetcher against a real HTTP server on 127.0.0.1 (tests/web_site.py): politeness, caps, faults."""

from __future__ import annotations

import dataclasses
import signal
import threading
import time

import pytest

from flows.fetch import FetchPolicy, Fetcher, Validators, _retry_after, _safe_headers, stop_all
from tests.web_site import Site

# Loopback only: the redirect to 169.254.169.254 stays refused.
POLICY = FetchPolicy(
    allowed_networks=("127.0.0.1/32",),
    read_timeout=1.0,
    total_timeout=2.0,
    retries=2,
    backoff=0.05,
    max_bytes=5 * 1024 * 1024,
)


@pytest.fixture
def site():
    with Site(crawl_delay=0.05, slow_seconds=3.0) as running:
        yield running


def fetch(site: Site, path: str, policy: FetchPolicy = POLICY, validators: Validators | None = None, accept: str = "page"):
    (result,) = Fetcher(policy).fetch_all([(site.url(path), validators)], accept=accept)
    return result


def test_an_article_arrives_with_its_validators_and_a_second_conditional_get_is_a_304(site):
    first = fetch(site, "/articles/1.html")
    assert first.ok and first.meta.status == 200
    assert b"<html" in first.body
    headers = first.meta.headers_dict()
    assert headers["etag"].startswith('"') and headers["last-modified"]

    again = fetch(site, "/articles/1.html", validators=Validators(headers["etag"], headers["last-modified"]))
    assert again.reason == "not_modified" and again.meta.status == 304 and again.body is None
    conditional = [r for r in site.requests if r.path == "/articles/1.html"][-1]
    assert conditional.headers["if-none-match"] == headers["etag"]


def test_permanent_http_errors_are_final_after_one_request(site):
    missing, gone = Fetcher(POLICY).fetch_all([(site.url("/missing.html"), None), (site.url("/gone.html"), None)])
    assert (missing.reason, gone.reason) == ("http_404", "http_410")
    assert not missing.transient and not gone.transient
    assert site.hits("/missing.html") == 1 and site.hits("/gone.html") == 1


def test_a_500_is_retried_and_succeeds(site):
    result = fetch(site, "/flaky.html")
    assert result.ok and result.meta.attempts == 2
    assert site.hits("/flaky.html") == 2


def test_a_429_waits_for_retry_after_before_the_next_attempt(site):
    result = fetch(site, "/busy.html")
    assert result.ok and result.meta.attempts == 2
    first, second = [r for r in site.requests if r.path == "/busy.html"]
    assert second.started - first.finished >= 0.95  # Retry-After: 1


def test_a_server_that_keeps_failing_is_given_up_after_the_retries(site):
    result = fetch(site, "/always-500.html")
    assert result.reason == "http_503" and result.transient
    assert site.hits("/always-500.html") == POLICY.retries + 1


def test_a_retry_after_longer_than_the_limit_is_not_waited_for(site):
    policy = dataclasses.replace(POLICY, max_retry_after=0.5)
    result = fetch(site, "/busy.html", policy)
    assert result.reason == "http_429" and "exceeds" in result.detail
    assert site.hits("/busy.html") == 1


def test_slow_headers_and_a_trickling_body_both_time_out(site):
    no_retries = dataclasses.replace(POLICY, retries=0)
    slow = fetch(site, "/slow.html", no_retries)
    assert slow.reason == "timeout"
    # Every chunk arrives within the read timeout; only the whole-request deadline stops it.
    trickle = fetch(site, "/slow-body.html", dataclasses.replace(no_retries, read_timeout=1.0, total_timeout=1.5))
    assert trickle.reason == "timeout" and "1.5 s" in trickle.detail


def test_redirects_are_followed_and_the_final_url_recorded(site):
    result = fetch(site, "/redirect/1")
    assert result.ok
    assert result.meta.final_url == site.url("/articles/2.html")
    assert result.meta.redirects == 3 and result.meta.requests == 4


def test_a_redirect_loop_and_an_overlong_chain_are_refused(site):
    loop, far = Fetcher(POLICY).fetch_all([(site.url("/loop/a"), None), (site.url("/redirect-far"), None)])
    assert loop.reason == "redirect_loop"
    assert far.reason == "too_many_redirects" and far.meta.redirects == POLICY.max_redirects + 1


def test_a_redirect_to_a_link_local_address_is_refused_at_connect_time(site):
    result = fetch(site, "/redirect-private")
    assert result.reason == "private_address"
    assert "169.254.169.254" in result.detail


def test_loopback_is_refused_unless_allowed_and_nothing_reaches_the_server(site):
    result = fetch(site, "/articles/1.html", FetchPolicy())
    assert result.reason == "private_address"
    assert "--allow-private-networks" in result.detail  # the message says how to allow it
    assert site.requests == []


def test_a_redirect_to_a_file_url_is_refused_without_reading_anything(site):
    result = fetch(site, "/redirect-file")
    assert result.reason == "bad_redirect" and "file:" in result.detail and result.body is None


def test_an_oversize_response_header_is_permanent_with_its_own_reason(site):
    result = fetch(site, "/big-header.html")
    assert result.reason == "header_too_large" and not result.transient
    assert site.hits("/big-header.html") == 1


def test_a_body_shorter_than_its_content_length_is_permanent_with_its_own_reason(site):
    result = fetch(site, "/short-body.html")
    assert result.reason == "truncated_body" and not result.transient
    assert site.hits("/short-body.html") == 1


# A page that sends one byte every DRIP_STEP seconds for ever: only a deadline ends it.
DEADLINES = dataclasses.replace(POLICY, total_timeout=1.0, page_deadline=2.5, listing_deadline=2.5, retries=10)


def test_the_page_deadline_includes_retries(site):
    result = fetch(site, "/drip.html", DEADLINES)
    assert result.reason == "timeout"
    # Ten retries were allowed; the deadline (2.5 attempts of 1 s) ended them after three.
    assert result.meta.attempts == 3 and site.hits("/drip.html") == 3


def test_a_listing_deadline_spans_repeated_calls_as_prefect_retries_make_them(site):
    fetcher = Fetcher(DEADLINES)
    (first,) = fetcher.fetch_all([(site.url("/drip.html"), None)], accept="listing")
    hits = site.hits("/drip.html")
    (again,) = fetcher.fetch_all([(site.url("/drip.html"), None)], accept="listing")
    assert first.reason == again.reason == "timeout"
    assert site.hits("/drip.html") == hits  # the deadline had passed: no new request
    # A listing that settles clears its clock: the same fetcher reads a good listing twice.
    for _ in range(2):
        (ok,) = fetcher.fetch_all([(site.url("/feed.xml"), None)], accept="listing")
        assert ok.ok


def test_a_slow_host_does_not_hold_up_a_fast_one_and_is_given_up_for_the_run():
    policy = dataclasses.replace(DEADLINES, retries=0, per_host=2, max_host_timeouts=2)
    with Site(crawl_delay=0.0) as slow, Site(crawl_delay=0.0) as site:
        drips = [(slow.url(f"/drip.html?n={n}"), None) for n in range(6)]
        fast = [(site.url(f"/articles/{n}.html?copy={i}"), None) for i in range(3) for n in range(1, 7)]
        results = Fetcher(policy).fetch_all(drips + fast)
        drip_requests = [r for r in slow.requests if r.path == "/drip.html"]
        fast_pages = [r for r in site.requests if r.path.startswith("/articles/")]
    slow_results, fast_results = results[: len(drips)], results[len(drips) :]
    assert all(r.ok for r in fast_results)
    timed_out = sum(r.reason == "timeout" for r in slow_results)
    # Given up after max_host_timeouts pages (a page already past the check when the second one
    # timed out still goes out); the pages after that cost no request.
    assert 2 <= timed_out <= 3
    assert [r.reason for r in slow_results].count("slow_host") == 6 - timed_out
    assert len(drip_requests) == timed_out
    # Every fast page was requested while the slow host's first pages were still in flight.
    assert max(r.started for r in fast_pages) < min(r.started for r in drip_requests) + policy.total_timeout


def test_stop_ends_the_batch_in_flight_and_sends_no_further_request(site):
    fetcher = Fetcher(dataclasses.replace(DEADLINES, per_host=1, page_deadline=60.0, total_timeout=60.0))
    outcome: list = []
    worker = threading.Thread(
        target=lambda: outcome.extend(fetcher.fetch_all([(site.url(f"/drip.html?n={n}"), None) for n in range(5)]))
    )
    worker.start()
    while site.hits("/drip.html") == 0:
        time.sleep(0.02)
    stop_all()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert [r.reason for r in outcome] == ["stopped"] * 5
    assert site.hits("/drip.html") == 1
    # And later batches send nothing at all.
    (later,) = fetcher.fetch_all([(site.url("/articles/1.html"), None)])
    assert later.reason == "stopped" and site.hits("/articles/1.html") == 0


def test_bodies_over_the_cap_are_aborted_whether_declared_streamed_or_compressed(site):
    huge, declared, bomb = Fetcher(POLICY).fetch_all(
        [(site.url("/huge.html"), None), (site.url("/huge-declared.html"), None), (site.url("/bomb.html"), None)]
    )
    assert huge.reason == "too_large" and huge.body is None
    assert declared.reason == "too_large" and "Content-Length" in declared.detail
    assert bomb.reason == "too_large" and "decompressed" in bomb.detail


def test_content_types_that_are_not_pages_are_refused(site):
    image, data = Fetcher(POLICY).fetch_all([(site.url("/image.png"), None), (site.url("/data.json"), None)])
    assert image.reason == "not_html" and "image/png" in image.detail
    assert data.reason == "not_html" and "application/json" in data.detail


def test_feeds_are_accepted_when_a_listing_is_asked_for(site):
    assert fetch(site, "/feed.xml", accept="listing").ok
    assert fetch(site, "/feed.xml", accept="page").reason == "not_html"


def test_robots_txt_disallow_is_honoured_without_requesting_the_page(site):
    result = fetch(site, "/private/secret.html")
    assert result.reason == "robots_denied" and result.meta.requests == 0
    assert site.hits("/private/secret.html") == 0
    assert site.hits("/robots.txt") == 1


def test_robots_txt_is_ignored_when_told_to(site):
    result = fetch(site, "/private/secret.html", dataclasses.replace(POLICY, respect_robots=False))
    assert result.ok
    assert site.hits("/robots.txt") == 0


def test_crawl_delay_spaces_requests_to_one_host():
    with Site(crawl_delay=0.3) as slow_site:
        fetcher = Fetcher(dataclasses.replace(POLICY, per_host=4))
        results = fetcher.fetch_all([(slow_site.url(f"/articles/{n}.html"), None) for n in range(1, 5)])
        assert all(r.ok for r in results)
        starts = sorted(r.started for r in slow_site.requests if r.path.startswith("/articles/"))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.28, gaps


def test_per_host_concurrency_is_bounded(site):
    fetcher = Fetcher(dataclasses.replace(POLICY, per_host=2, concurrency=16))
    paths = [f"/articles/{n}.html?copy={i}" for i in range(4) for n in range(1, 7)]
    results = fetcher.fetch_all([(site.url(p), None) for p in paths])
    assert all(r.ok for r in results)
    pages = [r for r in site.requests if r.path.startswith("/articles/")]
    overlap = max(sum(1 for o in pages if o.started <= r.started < o.finished) for r in pages)
    assert overlap <= 2


def test_pacing_and_robots_carry_over_between_batches(site):
    fetcher = Fetcher(POLICY)
    fetcher.fetch_all([(site.url("/articles/1.html"), None)])
    fetcher.fetch_all([(site.url("/articles/2.html"), None)])
    assert site.hits("/robots.txt") == 1


def test_an_unresolvable_host_is_a_dns_error():
    (result,) = Fetcher(dataclasses.replace(POLICY, retries=0)).fetch_all([("http://no-such-host.invalid/a.html", None)])
    assert result.reason == "dns_error" and "no-such-host.invalid" in result.detail


def test_cookies_and_credentials_are_not_kept_from_response_headers():
    kept = _safe_headers([("Set-Cookie", "session=secret"), ("Content-Type", "text/html"), ("Authorization", "x")])
    assert kept == (("content-type", "text/html"),)


def test_retry_after_reads_seconds_and_http_dates():
    assert _retry_after((("retry-after", "7"),)) == 7.0
    assert _retry_after((("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),)) == 0.0  # in the past
    assert _retry_after((("retry-after", "soon"),)) is None
    assert _retry_after(()) is None


def test_a_signal_handler_can_stop_a_batch_the_main_thread_is_waiting_for(site):
    # What a SIGTERM handler does: stop_all() from the main thread while it waits in fetch_all.
    fetcher = Fetcher(dataclasses.replace(DEADLINES, per_host=1, page_deadline=60.0, total_timeout=60.0))
    previous = signal.signal(signal.SIGALRM, lambda *_: stop_all())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        results = fetcher.fetch_all([(site.url(f"/drip.html?n={n}"), None) for n in range(3)])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert [r.reason for r in results] == ["stopped"] * 3
    assert site.hits("/drip.html") == 1


def test_a_stream_hands_over_other_hosts_pages_while_one_host_holds_its_own(site):
    """Pages come in batches as they arrive: a host that does not answer holds only its own pages, none is lost."""
    with Site(crawl_delay=0) as slow:
        held = [slow.url(f"/held/{n}.html") for n in (4, 5, 6)]
        fast = [site.url(f"/articles/{n}.html") for n in (1, 2, 3)] + [site.url("/latin1.html"), site.url("/missing.html")]
        policy = dataclasses.replace(POLICY, read_timeout=60.0, total_timeout=60.0, page_deadline=90.0, flush_after=0.2)
        requests = [(url, None) for pair in zip(held, fast) for url in pair] + [(url, None) for url in fast[3:]]
        batches = Fetcher(policy).stream(requests, batch_size=2)
        before = []
        while len(before) < len(fast):  # every fast page arrives while the slow host holds all of its own
            before += next(batches)
        assert sorted(r.url for r in before) == sorted(fast)
        assert [r.reason for r in before if r.url.endswith("missing.html")] == ["http_404"]
        assert slow.hits("/held/4.html") == 1 and not slow.released.is_set()
        slow.released.set()
        after = [result for batch in batches for result in batch]
    assert sorted(r.url for r in after) == sorted(held) and all(r.ok for r in after)


def test_a_stopped_stream_returns_every_page_it_had_not_fetched_as_stopped(site):
    with Site(crawl_delay=0) as slow:
        held = [slow.url(f"/held/{n}.html") for n in (4, 5, 6)]
        fetcher = Fetcher(dataclasses.replace(POLICY, read_timeout=60.0, total_timeout=60.0, page_deadline=90.0))
        batches = fetcher.stream([(url, None) for url in [*held, site.url("/articles/1.html")]], batch_size=10)
        threading.Timer(1.0, fetcher.stop).start()
        results = [result for batch in batches for result in batch]
        requested = len([r for r in slow.requests if r.path.startswith("/held/")])
    assert sorted(r.url for r in results) == sorted([*held, site.url("/articles/1.html")])
    assert {r.url: r.reason for r in results if r.url in held} == dict.fromkeys(held, "stopped")
    assert requested == 2  # the host's two slots; its third page was never requested
