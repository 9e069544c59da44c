"""Hostile inputs (issues 10 and 11): each becomes a reject with a clear reason, or an article where it
really is one; no input fails the run, and the outcome counts add up.

The files come from tests/hostile.py's corpus and go through the real ingest flow, twice: the
second run must find every file it read unchanged, whatever bytes its name holds.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from flows.fetch import DEFAULT_MAX_LISTED_PAGES
from flows.files import argument, local_path
from flows.ingest import ingest
from tests.hostile import Loaded, Rejected, write_file_corpus
from tests.web_site import MANY_PAGES, Site, gzip_bomb


def _name(uri: str) -> bytes:
    return os.fsencode(local_path(uri)).rsplit(b"/", 1)[-1]


@pytest.fixture(scope="module")
def runs(prefect_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-files")
    expected = write_file_corpus(folder)
    db = folder.parent / "hostile-files.duckdb"
    first = ingest(paths=[str(folder)], db=str(db))
    # Named again directly, as the CLI passes a path argument whose bytes are not UTF-8 (escaped:
    # flow parameters travel as JSON).
    odd = argument(os.fsdecode(os.fsencode(folder) + b"/caf\xe9-\xff-latin1-name.html"))
    second = ingest(paths=[str(folder), odd], db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    rejects = {
        _name(uri): (stage, reason, detail)
        for uri, stage, reason, detail in con.execute(
            "SELECT source_uri, stage, reason, detail FROM rejects WHERE load_id = ?", [first.load_id]
        ).fetchall()
    }
    articles = {_name(uri): text for uri, text in con.execute("SELECT source_uri, text FROM articles").fetchall()}
    uris = [uri for (uri,) in con.execute("SELECT source_uri FROM documents").fetchall()]
    con.close()
    return expected, first, second, rejects, articles, uris


def test_every_hostile_file_ends_as_expected(runs):
    expected, _, _, rejects, articles, _ = runs
    wrong = {}
    for name, outcome in expected.items():
        if isinstance(outcome, Loaded):
            if name not in articles or outcome.contains not in articles[name]:
                wrong[name] = ("expected an article", rejects.get(name))
        elif name in articles:
            if not outcome.or_loaded:
                wrong[name] = (f"expected a reject {outcome.reasons}", "became an article")
        elif name not in rejects or rejects[name][:2] not in {(outcome.stage, r) for r in outcome.reasons}:
            wrong[name] = (f"expected {outcome.stage} {outcome.reasons}", rejects.get(name))
    assert wrong == {}


def test_the_run_completes_and_every_input_is_accounted_for(runs):
    expected, first, _, rejects, articles, _ = runs
    assert first.status == "completed"
    c = first.counts
    assert c["discovered"] == len(expected)
    assert c["discovered"] == c["loaded"] + c["duplicates"] + c["unchanged"] + c["rejected"]
    assert c["rejected"] == len(rejects) and c["loaded"] + c["duplicates"] == len(articles)


def test_a_file_name_that_is_not_utf8_is_stored_escaped_and_losslessly(runs):
    *_, uris = runs
    (escaped,) = [uri for uri in uris if uri.startswith("file://")]
    assert escaped.endswith("/caf%E9-%FF-latin1-name.html")
    assert os.path.exists(local_path(escaped))


def test_the_second_run_finds_every_file_it_read_unchanged(runs):
    expected, _, second, _, _, _ = runs
    never_read = sum(1 for o in expected.values() if isinstance(o, Rejected) and o.stage in ("discover", "read"))
    c = second.counts
    assert second.status == "completed"
    assert (c["discovered"], c["loaded"], c["duplicates"]) == (len(expected), 0, 0)
    # What was refused unread (links, pipes, a file over the size cap) is tried and refused again;
    # every file that was read, whatever its name, is unchanged.
    assert (c["unchanged"], c["rejected"]) == (len(expected) - never_read, never_read)


def test_recovered_text_keeps_its_characters(runs):
    articles = runs[4]
    assert "Grüße aus Köln" in articles[b"broken-utf8.html"]
    assert "\x00" not in articles[b"nul.html"]
    assert all("\x00" not in text for text in articles.values())


# -- the web: fault routes of tests/web_site.py, a slow second host, hostile listings ----------

WEB_EXPECTED = {  # path on the main site -> rejection reason, or None for an article
    "/big-header.html": "header_too_large",
    "/short-body.html": "truncated_body",
    "/redirect-file": "bad_redirect",
    "/redirect-private": "private_address",  # to 169.254.169.254, the cloud metadata address
    "/bomb.html": "too_large",
    "/utf16.html": None,
    "/nul.html": None,
    "/busy.html": None,  # a 429 with Retry-After, then the page
}
PRIVATE_URL = "http://10.0.0.1/internal.html"
SLOW_PAGES = 4  # pages of the slow host


@pytest.fixture(scope="module")
def web_run(prefect_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-web")
    gzip_bomb()  # built once per process (~1 s, more on a busy machine): not inside a request's timeout
    with Site(crawl_delay=0.0) as site, Site(crawl_delay=0.0) as slow:
        urls = [site.url(p) for p in WEB_EXPECTED] + [PRIVATE_URL]
        urls += [slow.url(f"/drip.html?n={n}") for n in range(SLOW_PAGES)]
        (folder / "urls.txt").write_text("\n".join(urls) + "\n")
        sources = folder / "sources.toml"
        sources.write_text(
            f"""
[fetch]
allowed_networks = ["127.0.0.1/32"]   # loopback only: 10.0.0.1 and 169.254.169.254 stay refused
read_timeout = 1.0
total_timeout = 3.0
page_deadline = 5.0
listing_deadline = 5.0
max_host_timeouts = 2
retries = 1
backoff = 0.05
max_bytes = 5242880

[[source]]
name = "faults"
kind = "urls"
location = "urls.txt"

[[source]]
name = "loop"
kind = "sitemap"
location = "{site.url('/sitemap-loop.xml')}"

[[source]]
name = "sitemap-bomb"
kind = "sitemap"
location = "{site.url('/sitemap-bomb.xml')}"

[[source]]
name = "feed-bomb"
kind = "feed"
location = "{site.url('/feed-bomb.xml')}"
"""
        )
        db = folder / "web.duckdb"
        summary = ingest(sources=str(sources), db=str(db))
        hits = {path: site.hits(path) for path in ["/sitemap-loop.xml", "/sitemap-loop-child.xml", *WEB_EXPECTED]}
        base, slow_base = site.base, slow.base
    con = duckdb.connect(str(db), read_only=True)
    rejects = con.execute("SELECT source_uri, reason, detail FROM rejects").fetchall()
    articles = {url: text for url, text in con.execute("SELECT source_uri, text FROM articles").fetchall()}
    con.close()
    return summary, rejects, articles, hits, base, slow_base


def test_every_hostile_url_ends_as_expected(web_run):
    summary, rejects, articles, _, base, _ = web_run
    by_url = {url: reason for url, reason, _ in rejects}
    for path, reason in WEB_EXPECTED.items():
        if reason is None:
            assert base + path in articles, (path, by_url.get(base + path))
        else:
            assert by_url.get(base + path) == reason, path
    assert by_url[PRIVATE_URL] == "private_address"
    assert "\x00" not in articles[base + "/nul.html"]


def test_private_address_rejects_say_how_to_allow_local_networks(web_run):
    detail = next(d for url, reason, d in web_run[1] if url == PRIVATE_URL)
    assert "--allow-private-networks" in detail


def test_a_slow_host_times_out_within_its_deadline_and_is_then_given_up(web_run):
    _, rejects, _, _, _, slow_base = web_run
    reasons = sorted(reason for url, reason, _ in rejects if url.startswith(slow_base))
    assert len(reasons) == SLOW_PAGES
    assert set(reasons) == {"slow_host", "timeout"} and 2 <= reasons.count("timeout") <= 3


def test_a_sitemap_index_that_lists_itself_is_read_once(web_run):
    _, rejects, _, hits, base, _ = web_run
    assert hits["/sitemap-loop.xml"] == 1 and hits["/sitemap-loop-child.xml"] == 1
    loops = [url for url, reason, _ in rejects if reason == "sitemap_loop"]
    assert loops == [base + "/sitemap-loop.xml"] * 2  # listed by itself and by its child


def test_entity_bombs_in_listings_are_not_expanded(web_run):
    _, rejects, articles, _, _, _ = web_run
    # The feed's one link keeps its entity reference unexpanded (and its host does not resolve).
    assert [(url, reason) for url, reason, _ in rejects if "bomb.invalid" in url] == [
        ("http://bomb.invalid/%26lol9", "dns_error")
    ]
    assert all("lollol" not in text for text in articles.values())


def test_the_web_run_completes_and_its_counts_add_up(web_run):
    summary = web_run[0]
    c = summary.counts
    assert summary.status == "completed"
    assert c["discovered"] == c["loaded"] + c["duplicates"] + c["unchanged"] + c["rejected"]
    assert c["discovered"] == len(WEB_EXPECTED) + 1 + SLOW_PAGES + 2 + 1  # + the two loop rejects + the bomb's link


def test_one_listing_on_the_command_line_queues_at_most_max_listed_pages(prefect_server, tmp_path):
    db = tmp_path / "many.duckdb"
    with Site(crawl_delay=0.0) as site:
        summary = ingest(paths=[site.url("/sitemap-many.xml")], db=str(db), allow_private_networks=True)
        fetched = sum(1 for r in site.requests if r.path.startswith("/many/"))
    c = summary.counts
    assert fetched == DEFAULT_MAX_LISTED_PAGES == c["discovered"] == c["rejected"]  # every listed page is a 404
    con = duckdb.connect(str(db), read_only=True)
    (deferred,) = con.execute("SELECT deferred FROM loads WHERE load_id = ?", [summary.load_id]).fetchone()
    con.close()
    assert deferred == MANY_PAGES - DEFAULT_MAX_LISTED_PAGES
