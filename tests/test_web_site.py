"""Checks that the real HTTP test site (tests/web_site.py) behaves as fetch/crawl tests expect."""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from itertools import combinations

import feedparser
import httpx
import pytest

from tests.web_site import ARTICLES, BOMB_SIZE, HUGE_SIZE, Site

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


def test_robots(web_site: Site, client: httpx.Client) -> None:
    r = client.get(web_site.url("/robots.txt"))
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /private/" in lines
    assert "Crawl-delay: 0.2" in lines
    assert f"Sitemap: {web_site.base}/sitemap_index.xml" in lines


def test_articles_are_distinct_realistic_pages(web_site: Site, client: httpx.Client) -> None:
    bodies = {}
    for n in range(1, 7):
        r = client.get(web_site.url(f"/articles/{n}.html"))
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        html = r.text
        assert "<title>" in html and 'property="og:title"' in html and "<nav" in html and "<footer" in html
        ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1))
        assert ld["@type"] == "NewsArticle" and ld["datePublished"].startswith("2023-11") and ld["author"]["name"]
        bodies[n] = html
    assert len(set(bodies.values())) == 6
    # Query strings don't change content.
    r = client.get(web_site.url("/articles/1.html?utm_source=feed&utm_medium=rss"))
    assert r.text == bodies[1]
    # AMP copy: same text, canonical pointing at article 1.
    amp = client.get(web_site.url("/amp/1.html")).text
    assert f'<link rel="canonical" href="{web_site.base}/articles/1.html">' in amp
    assert ARTICLES["1"].paragraphs[2][:60] in amp and ARTICLES["1"].paragraphs[2][:60] in bodies[1]


def test_article_texts_long_enough_and_not_near_duplicates() -> None:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    for key, art in ARTICLES.items():
        assert 4 <= len(art.paragraphs) <= 6, key
        assert len(art.text.split()) >= 150, key
    sets = {k: shingles(a.text) for k, a in ARTICLES.items()}
    for a, b in combinations(sets, 2):
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        assert jaccard < 0.05, (a, b, jaccard)


def test_conditional_requests(web_site: Site, client: httpx.Client) -> None:
    for path in ("/articles/3.html", "/feed.xml", "/sitemap_index.xml"):
        r = client.get(web_site.url(path))
        etag, last_modified = r.headers["etag"], r.headers["last-modified"]
        assert etag.startswith('"') and etag.endswith('"')
        r304 = client.get(web_site.url(path), headers={"If-None-Match": etag})
        assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
        assert client.get(web_site.url(path), headers={"If-None-Match": '"nope"'}).status_code == 200
        assert client.get(web_site.url(path), headers={"If-Modified-Since": last_modified}).status_code == 304
        old = "Mon, 01 Jan 2018 00:00:00 GMT"
        assert client.get(web_site.url(path), headers={"If-Modified-Since": old}).status_code == 200


def test_flaky_busy_and_always_failing(web_site: Site, client: httpx.Client) -> None:
    assert client.get(web_site.url("/flaky.html")).status_code == 500
    ok = client.get(web_site.url("/flaky.html"))
    assert ok.status_code == 200 and "Night market" in ok.text
    busy = client.get(web_site.url("/busy.html"))
    assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
    assert client.get(web_site.url("/busy.html")).status_code == 200
    r = client.get(web_site.url("/always-500.html"))
    assert r.status_code == 503 and r.headers["retry-after"] == "0"
    assert web_site.hits("/flaky.html") == 2
    web_site.reset_counters()
    assert web_site.requests == [] and web_site.hits("/flaky.html") == 0
    assert client.get(web_site.url("/flaky.html")).status_code == 500
    with Site() as other:  # state is per Site instance
        assert client.get(other.url("/flaky.html")).status_code == 500


def test_statuses_and_content_types(web_site: Site, client: httpx.Client) -> None:
    assert client.get(web_site.url("/missing.html")).status_code == 404
    assert client.get(web_site.url("/gone.html")).status_code == 410
    assert client.get(web_site.url("/tag/defence")).status_code == 404
    png = client.get(web_site.url("/image.png"))
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(web_site.url("/data.json")).json()["articles"][0]["id"] == 1
    urls = client.get(web_site.url("/urls.txt"))
    assert urls.headers["content-type"].startswith("text/plain")
    lines = urls.text.splitlines()
    assert lines[0].startswith("#") and "" in lines and f"{web_site.base}/articles/1.html" in lines
    latin = client.get(web_site.url("/latin1.html"))
    assert latin.headers["content-type"] == "text/html; charset=windows-1252"
    assert b"\xe9" in latin.content and b"\x93" in latin.content  # é and “ in cp1252
    assert "Café Renée" in latin.text and "\u201cPeople" in latin.text
    assert client.get(web_site.url("/private/secret.html")).status_code == 200


def test_feeds_and_sitemaps(web_site: Site, client: httpx.Client) -> None:
    b = web_site.base
    rss = client.get(web_site.url("/feed.xml"))
    assert rss.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(rss.content)
    links = [e.link for e in feed.entries]
    assert links == [
        f"{b}/articles/1.html?utm_source=rss&utm_medium=feed",
        f"{b}/articles/2.html",
        f"{b}/articles/3.html",
        f"{b}/tag/defence",
        f"{b}/media/photo.jpg",
    ]
    assert all(e.published_parsed[:2] == (2023, 11) for e in feed.entries)
    atom = feedparser.parse(client.get(web_site.url("/atom.xml")).content)
    assert atom.version == "atom10"
    assert [e.link for e in atom.entries] == [f"{b}/articles/4.html", f"{b}/articles/5.html"]
    assert all(e.updated_parsed and e.published_parsed for e in atom.entries)

    index = ET.fromstring(client.get(web_site.url("/sitemap_index.xml")).content)
    assert [s.findtext(f"{SM}loc") for s in index] == [f"{b}/sitemap-articles.xml", f"{b}/sitemap-news.xml"]
    urlset = ET.fromstring(client.get(web_site.url("/sitemap-articles.xml")).content)
    entries = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in urlset}
    assert len(entries) == 10
    assert f"{b}/articles/2.html?utm_campaign=x" in entries and f"{b}/private/secret.html" in entries
    assert entries[f"{b}/articles/old.html"] == "2019-01-01"
    assert client.get(web_site.url("/articles/old.html")).status_code == 200
    news = client.get(web_site.url("/sitemap-news.xml")).text
    assert news.count("<news:publication_date>") == 2 and news.count("<news:title>") == 2


def test_redirects(web_site: Site, client: httpx.Client) -> None:
    r = client.get(web_site.url("/redirect/1"), follow_redirects=True)
    assert [h.status_code for h in r.history] == [301, 302, 307]
    assert r.url == web_site.url("/articles/2.html") and r.status_code == 200
    with httpx.Client(timeout=5, max_redirects=10) as limited:
        with pytest.raises(httpx.TooManyRedirects):
            limited.get(web_site.url("/loop/a"), follow_redirects=True)
        with pytest.raises(httpx.TooManyRedirects):
            limited.get(web_site.url("/redirect-far"), follow_redirects=True)
    with httpx.Client(timeout=5, max_redirects=20) as lenient:
        far = lenient.get(web_site.url("/redirect-far"), follow_redirects=True)
    assert len(far.history) == 12 and far.status_code == 200 and "seal pups" in far.text
    private = client.get(web_site.url("/redirect-private"))
    assert private.status_code == 302
    assert private.headers["location"] == "http://169.254.169.254/latest/meta-data/"


def test_bomb(web_site: Site, client: httpx.Client) -> None:
    with client.stream("GET", web_site.url("/bomb.html")) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and r.headers["content-type"].startswith("text/html")
    assert len(raw) == int(r.headers["content-length"]) < 1_000_000
    d = zlib.decompressobj(31)
    assert d.decompress(raw, 4096) == b" " * 4096
    assert BOMB_SIZE == 200 * 1024 * 1024


def test_huge_bodies(web_site: Site, client: httpx.Client) -> None:
    with client.stream("GET", web_site.url("/huge.html")) as r:
        assert r.status_code == 200 and "content-length" not in r.headers
        got = 0
        for chunk in r.iter_bytes():
            got += len(chunk)
            if got > 1024 * 1024:
                break
    assert got > 1024 * 1024
    with client.stream("GET", web_site.url("/huge-declared.html")) as r:
        assert int(r.headers["content-length"]) == HUGE_SIZE
    # The site is still healthy after the aborted downloads.
    assert client.get(web_site.url("/articles/1.html")).status_code == 200


def test_slow_headers_time_out_and_stop_is_prompt() -> None:
    site = Site(slow_seconds=3.0).start()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(site.url("/slow.html"), timeout=0.3)
    done = threading.Event()

    def waiter() -> None:
        try:
            httpx.get(site.url("/slow.html"), timeout=10)
        except httpx.HTTPError:
            pass
        done.set()

    threading.Thread(target=waiter, daemon=True).start()
    time.sleep(0.2)
    t0 = time.monotonic()
    site.stop()
    assert time.monotonic() - t0 < 1.0
    assert done.wait(2.0)


def test_slow_body_trickles_past_deadline() -> None:
    with Site(slow_seconds=1.0) as site:
        t0 = time.monotonic()
        with httpx.stream("GET", site.url("/slow-body.html"), timeout=0.5) as r:  # read timeout never fires
            t_headers = time.monotonic() - t0
            body = r.read()
        total = time.monotonic() - t0
    assert t_headers < 0.5 and total > 1.0
    assert len(body) == int(r.headers["content-length"]) and b"Old Mill Bridge" in body


def test_request_log(web_site: Site, client: httpx.Client) -> None:
    client.get(web_site.url("/articles/4.html?x=1"), headers={"X-Probe": "yes"})
    client.get(web_site.url("/missing.html"))
    reqs = web_site.requests
    assert [(q.path, q.query, q.method, q.status) for q in reqs] == [
        ("/articles/4.html", "x=1", "GET", 200),
        ("/missing.html", "", "GET", 404),
    ]
    assert reqs[0].headers["x-probe"] == "yes"
    assert reqs[0].started <= reqs[0].finished <= reqs[1].started <= reqs[1].finished
    assert web_site.hits("/articles/4.html") == 1
