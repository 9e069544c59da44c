"""Web discovery on its own (no Prefect): which listed pages a run fetches, skips or refuses."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.fetch import DEFAULT_MAX_LISTED_PAGES, FetchPolicy, Fetcher
from flows.sources import Source, parse_backfill
from flows.web import PageRef, discover_web, interleave_hosts
from tests.web_site import MANY_PAGES, Site
from warehouse.db import Writer

POLICY = FetchPolicy(allowed_networks=("127.0.0.1/32",), retries=0, backoff=0.01)


@pytest.fixture
def site():
    with Site(crawl_delay=0.0) as running:
        yield running


def discover(site: Site, tmp_path, *sources: Source, max_listed_pages: int = DEFAULT_MAX_LISTED_PAGES):
    fetcher = Fetcher(POLICY)

    def fetch_listing(url, validators):
        (result,) = fetcher.fetch_all([(url, validators)], accept="listing")
        return result

    with Writer(tmp_path / "w.duckdb") as writer:
        writer.start_load("L1")
        return discover_web(list(sources), writer, "L1", fetch_listing, POLICY.max_bytes, max_listed_pages)


def paths(site: Site, urls) -> list[str]:
    return [u.removeprefix(site.base) for u in urls]


def test_a_feed_gives_its_article_links_without_tracking_parameters(site, tmp_path):
    found = discover(site, tmp_path, Source("rss", "feed", site.url("/feed.xml")))
    assert paths(site, [p.url for p in found.pages]) == ["/articles/1.html", "/articles/2.html", "/articles/3.html"]
    refused = {p.source.removeprefix(site.base): p.outcome.reason for p in found.rejected}
    assert refused == {"/tag/defence": "listing_url", "/media/photo.jpg": "media_url"}
    assert found.listings == 1 and found.inputs == 5


def test_a_sitemap_index_is_read_down_to_its_sitemaps_newest_first_and_capped(site, tmp_path):
    since = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    found = discover(site, tmp_path, Source("maps", "sitemap", site.url("/sitemap_index.xml"), max_articles=3, since=since))
    assert found.listings == 3  # the index and its two sitemaps
    assert found.older == 1  # /articles/old.html, last modified in 2019
    assert len(found.pages) == 3
    assert found.deferred == 5  # 8 pages: articles 1-6, the AMP copy, the private page (robots is checked at fetch)
    # The pages kept are the most recently dated ones.
    assert "/articles/6.html" in paths(site, [p.url for p in found.pages])


def test_allowed_domains_refuse_links_to_other_hosts(site, tmp_path):
    found = discover(site, tmp_path, Source("rss", "feed", site.url("/feed.xml"), allowed_domains=("example.com",)))
    assert found.pages == []
    assert {p.outcome.reason for p in found.rejected} == {"off_domain", "listing_url", "media_url"}


def test_a_page_listed_by_two_sources_is_one_input(site, tmp_path):
    found = discover(
        site, tmp_path, Source("rss", "feed", site.url("/feed.xml")), Source("maps", "sitemap", site.url("/sitemap-articles.xml"))
    )
    urls = [p.url for p in found.pages]
    assert len(urls) == len(set(urls))
    assert paths(site, urls).count("/articles/1.html") == 1


def test_a_missing_feed_is_a_reject_with_the_http_status(site, tmp_path):
    found = discover(site, tmp_path, Source("gone", "feed", site.url("/gone.html")))
    assert [(p.outcome.stage, p.outcome.reason) for p in found.rejected] == [("discover", "http_410")]
    assert found.inputs == 1


def test_a_page_that_is_not_a_listing_is_refused_as_a_feed(site, tmp_path):
    found = discover(site, tmp_path, Source("oops", "feed", site.url("/articles/1.html")))
    assert [p.outcome.reason for p in found.rejected] == ["not_a_listing"]


def test_a_url_given_directly_that_is_a_page_comes_back_fetched(site, tmp_path):
    found = discover(site, tmp_path, Source("x", "url", site.url("/articles/2.html")))
    assert found.pages == [] and len(found.fetched) == 1
    assert found.fetched[0].ok and found.fetched[0].meta.kind == "page"


def test_pages_are_interleaved_by_host_keeping_each_hosts_order():
    pages = [PageRef(u, "s") for u in ["http://a.org/1", "http://a.org/2", "http://a.org/3", "http://b.org/1", "http://c.org/1", "http://b.org/2"]]
    assert [p.url for p in interleave_hosts(pages)] == [
        "http://a.org/1", "http://b.org/1", "http://c.org/1", "http://a.org/2", "http://b.org/2", "http://a.org/3",
    ]


def test_a_backfill_fetches_the_entries_dated_in_its_range_however_old(site, tmp_path):
    since = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    days = parse_backfill("2018-12-01..2019-01-31")
    found = discover(site, tmp_path, Source("maps", "sitemap", site.url("/sitemap_index.xml"), since=since, backfill=days))
    # /articles/old.html (2019-01-01) is older than `since`, but in the range.
    assert paths(site, [p.url for p in found.pages]) == ["/articles/old.html"]
    # The index and both sitemaps were read: they changed after the range began. Their other ten
    # distinct entries are dated after the range; `since` plays no part, so none counts as older.
    assert found.listings == 3
    assert (found.outside_range, found.older, found.undated, found.deferred) == (10, 0, 0, 0)
    assert found.inputs == 1


def test_a_backfill_skips_child_sitemaps_last_changed_before_its_range(site, tmp_path):
    days = parse_backfill("2023-11-25..2023-11-30")
    found = discover(site, tmp_path, Source("maps", "sitemap", site.url("/sitemap_index.xml"), backfill=days))
    # sitemap-news.xml last changed on 2023-11-22: nothing in it can be dated in the range.
    assert found.listings == 2 and site.hits("/sitemap-news.xml") == 0
    assert paths(site, [p.url for p in found.pages]) == ["/private/secret.html"]  # robots is checked at fetch


def test_a_backfill_ignores_max_articles_and_leaves_undated_entries_out(site, tmp_path):
    days = parse_backfill("2023-11-01..2023-11-30")
    found = discover(
        site, tmp_path,
        Source("maps", "sitemap", site.url("/sitemap-articles.xml"), max_articles=1, backfill=days),
        Source("undated", "sitemap", site.url("/sitemap-undated.xml"), max_articles=1, backfill=days),
    )
    assert found.deferred == 0
    # Articles 1-6, the AMP copy and the private page, all eight over max_articles; old.html is
    # outside; /latin1.html has no date in the second sitemap (/articles/3.html is in both).
    assert len(found.pages) == 8
    assert (found.outside_range, found.undated) == (1, 1)
    assert "/latin1.html" not in paths(site, [p.url for p in found.pages])


def test_a_source_without_max_articles_queues_at_most_max_listed_pages(site, tmp_path):
    found = discover(site, tmp_path, Source("given", "url", site.url("/sitemap-many.xml")), max_listed_pages=25)
    assert len(found.pages) == 25 and found.deferred == MANY_PAGES - 25
    assert found.inputs == 25  # deferred pages are not this run's inputs: a later run takes them
    # A source's own max_articles wins over the policy's cap.
    (tmp_path / "again").mkdir()
    own = discover(site, tmp_path / "again", Source("mine", "sitemap", site.url("/sitemap-many.xml"), max_articles=40), max_listed_pages=25)
    assert len(own.pages) == 40


def test_a_sitemap_index_that_lists_itself_is_read_once_and_the_loop_rejected(site, tmp_path):
    found = discover(site, tmp_path, Source("loop", "sitemap", site.url("/sitemap-loop.xml")))
    assert found.listings == 2 and found.pages == []
    assert [(p.source, p.outcome.reason) for p in found.rejected] == [(site.url("/sitemap-loop.xml"), "sitemap_loop")] * 2
    assert site.hits("/sitemap-loop.xml") == 1


def test_entity_bombs_in_a_sitemap_or_feed_are_not_expanded(site, tmp_path):
    found = discover(
        site, tmp_path, Source("b1", "sitemap", site.url("/sitemap-bomb.xml")), Source("b2", "feed", site.url("/feed-bomb.xml"))
    )
    assert found.listings == 2
    assert [p.url for p in found.pages] == ["http://bomb.invalid/%26lol9"]
