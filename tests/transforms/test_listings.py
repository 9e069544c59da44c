"""listings: feeds and sitemaps become ordered, normalized, dated lists of links — safely."""

import datetime as dt
import time

import pytest

from transforms.listings import (
    MAX_SITEMAP_ENTRIES,
    Listing,
    ListingEntry,
    listing_kind,
    parse_listing,
)
from transforms.records import Rejection

BASE = "https://example.com/feed/"
UTC = dt.UTC


def when(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def parsed(data: bytes, base: str = BASE, content_type: str | None = None) -> Listing:
    result = parse_listing(data, base, content_type)
    assert isinstance(result, Listing), result
    return result


def rejected(data: bytes, base: str = BASE, content_type: str | None = None) -> Rejection:
    result = parse_listing(data, base, content_type)
    assert isinstance(result, Rejection), result
    assert (result.source, result.stage) == (base, "discover")
    return result


# ---------------------------------------------------------------------------------------------
# Feeds
# ---------------------------------------------------------------------------------------------

RSS_091 = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old News</title><link>https://example.com/</link>
  <item><title>First story</title><link>https://example.com/first.html</link></item>
  <item><title>Second story</title><link>https://example.com/second.html</link></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.com/"><title>RDF News</title>
    <link>https://example.com/</link></channel>
  <item rdf:about="https://example.com/b"><title>B story</title><link>https://example.com/b</link>
    <dc:date>2023-11-08T10:15:00+01:00</dc:date></item>
</rdf:RDF>"""

RSS_20 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>https://example.com/</link>
  <item><title>  Putin says
     no alliance </title><link>https://example.com/2023/11/08/putin.html?utm_source=rss</link>
    <pubDate>Wed, 08 Nov 2023 10:15:00 +0100</pubDate></item>
  <item><title>Relative</title><link>/world/relative-1</link></item>
  <item><title>Permalink guid</title><guid isPermaLink="true">https://example.com/guid-story</guid>
    <pubDate>Thu, 09 Nov 2023 08:00:00 GMT</pubDate></item>
  <item><title>No link</title><guid isPermaLink="false">tag:example.com,2023:42</guid></item>
  <item><title>Duplicate</title>
    <link>https://example.com/2023/11/08/putin.html#comments</link></item>
  <item><title>Mail</title><link>mailto:desk@example.com</link></item>
</channel></rss>"""

ATOM_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.com/news/">
  <title>Atom News</title><id>urn:example:feed</id><updated>2023-11-09T00:00:00Z</updated>
  <entry><title>G story</title><id>urn:g</id>
    <link rel="related" href="https://other.org/x"/>
    <link rel="alternate" type="text/html" href="g-story"/>
    <updated>2023-11-09T00:00:00Z</updated><published>2023-11-08T10:15:00+01:00</published></entry>
  <entry><title>Updated only</title><id>urn:h</id><link href="https://example.com/h"/>
    <updated>2023-11-09T06:30:00Z</updated></entry>
  <entry><title>Enclosure only</title><id>urn:i</id>
    <link rel="enclosure" href="https://example.com/i.mp3"/></entry>
</feed>"""


def test_rss_091_items_in_order_without_dates():
    listing = parsed(RSS_091)
    assert listing.kind == "feed"
    assert listing.entries == (
        ListingEntry("https://example.com/first.html", None, "First story"),
        ListingEntry("https://example.com/second.html", None, "Second story"),
    )


def test_rss_10_rdf_items_take_their_dc_date():
    assert parsed(RSS_10).entries == (
        ListingEntry("https://example.com/b", when(2023, 11, 8, 9, 15), "B story"),
    )


def test_rss_20_links_are_normalized_deduplicated_and_dated_in_utc():
    listing = parsed(RSS_20)
    assert listing.kind == "feed"
    assert listing.entries == (
        ListingEntry("https://example.com/2023/11/08/putin.html", when(2023, 11, 8, 9, 15),
                     "Putin says no alliance"),
        ListingEntry("https://example.com/world/relative-1", None, "Relative"),
        ListingEntry("https://example.com/guid-story", when(2023, 11, 9, 8, 0), "Permalink guid"),
    )  # fmt: skip


def test_atom_uses_the_alternate_link_and_published_before_updated():
    assert parsed(ATOM_10).entries == (
        ListingEntry("https://example.com/news/g-story", when(2023, 11, 8, 9, 15), "G story"),
        ListingEntry("https://example.com/h", when(2023, 11, 9, 6, 30), "Updated only"),
    )


def test_feed_dates_that_are_not_a_day_are_none_not_january_first():
    # feedparser alone would turn "2023" into 2023-01-01 and treat a zone-less time as UTC.
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <entry><title>Y</title><link href="https://example.com/y"/><published>2023</published></entry>
      <entry><title>M</title><link href="https://example.com/m"/>
        <published>2023-11</published></entry>
      <entry><title>N</title><link href="https://example.com/n"/>
        <published>2023-11-08T10:15:00</published></entry>
      <entry><title>D</title><link href="https://example.com/d"/>
        <published>2023-11-08</published></entry>
      <entry><title>U</title><link href="https://example.com/u"/>
        <published>2023</published><updated>2023-11-09T06:30:00Z</updated></entry>
    </feed>"""
    assert [(e.url, e.published) for e in parsed(feed).entries] == [
        ("https://example.com/y", None),
        ("https://example.com/m", None),
        ("https://example.com/n", None),
        ("https://example.com/d", when(2023, 11, 8)),
        ("https://example.com/u", when(2023, 11, 9, 6, 30)),  # falls back to updated
    ]


def test_a_feed_with_no_items_is_an_empty_listing():
    listing = parsed(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert listing == Listing("feed", ())


def test_a_feed_feedparser_cannot_read_is_malformed_feed():
    assert rejected(b"<rss><<<>>>&&& not a feed").reason == "malformed_feed"
    assert rejected(b"<feed").reason == "malformed_feed"


def test_a_truncated_feed_keeps_the_items_it_has():
    data = b'<rss version="2.0"><channel><item><link>https://example.com/a</link></item><item><ti'
    assert [e.url for e in parsed(data).entries] == ["https://example.com/a"]


def test_php_warnings_before_a_feed_are_skipped_when_the_type_says_xml():
    data = b"<br />\n<b>Warning</b>: Cannot modify header information<br />\n" + RSS_091
    assert listing_kind(data) is None  # the content alone starts with <br>
    assert listing_kind(data, "application/rss+xml; charset=UTF-8") == "feed"
    listing = parsed(data, content_type="application/rss+xml; charset=UTF-8")
    assert [e.url for e in listing.entries] == [
        "https://example.com/first.html",
        "https://example.com/second.html",
    ]


def test_feed_bytes_are_never_taken_for_a_file_path(tmp_path, monkeypatch):
    # feedparser.parse(bytes) first tries open(bytes): a body that names a file reads the file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "<rss>").write_bytes(RSS_091)
    assert rejected(b"<rss>").reason == "malformed_feed"


# ---------------------------------------------------------------------------------------------
# Sitemaps
# ---------------------------------------------------------------------------------------------

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by a CMS -->
<?xml-stylesheet type="text/xsl" href="/sitemap.xsl"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.com/2023/11/08/a.html</loc><lastmod>2023-11-08</lastmod></url>
  <url><loc> https://example.com/b?utm_source=sitemap </loc>
       <lastmod>2023-11-08T10:15:00+01:00</lastmod></url>
  <url><loc>https://example.com/c</loc><lastmod>2023-11-08T10:15:00Z</lastmod></url>
  <url><loc>https://example.com/d</loc><lastmod>2023-11-08T10:15Z</lastmod></url>
  <url><loc>https://example.com/e</loc><lastmod>yesterday</lastmod></url>
  <url><loc>https://example.com/f</loc><lastmod>2023-11-08T10:15:00</lastmod></url>
  <url><loc>https://example.com/g</loc><lastmod>2023-02-30</lastmod></url>
  <url><loc>/relative/h</loc></url>
  <url><loc>https://example.com/2023/11/08/a.html</loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>ftp://example.com/i</loc></url>
  <url><lastmod>2023-11-08</lastmod></url>
</urlset>"""


def test_sitemap_entries_keep_order_and_read_w3c_dates_in_utc():
    listing = parsed(SITEMAP, "https://example.com/sitemap.xml")
    assert listing.kind == "sitemap"
    assert listing.entries == (
        ListingEntry("https://example.com/2023/11/08/a.html", when(2023, 11, 8)),
        ListingEntry("https://example.com/b", when(2023, 11, 8, 9, 15)),
        ListingEntry("https://example.com/c", when(2023, 11, 8, 10, 15)),
        ListingEntry("https://example.com/d", when(2023, 11, 8, 10, 15)),
        ListingEntry("https://example.com/e", None),  # unparseable
        ListingEntry("https://example.com/f", None),  # a time with no zone is no instant
        ListingEntry("https://example.com/g", None),  # no such day
        ListingEntry("https://example.com/relative/h", None),
    )


def test_sitemap_index_lists_child_sitemaps_with_their_lastmod():
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://example.com/sitemap-news.xml</loc>
        <lastmod>2023-11-08T10:15:00+00:00</lastmod></sitemap>
      <sitemap><loc>https://example.com/sitemap-2023-10.xml.gz</loc></sitemap>
    </sitemapindex>"""
    assert listing_kind(data) == "sitemap_index"
    assert parsed(data, "https://example.com/sitemap.xml") == Listing(
        "sitemap_index",
        (
            ListingEntry("https://example.com/sitemap-news.xml", when(2023, 11, 8, 10, 15)),
            ListingEntry("https://example.com/sitemap-2023-10.xml.gz", None),
        ),
    )


def test_google_news_sitemap_prefers_publication_date_and_reads_the_title():
    data = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
                       xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://example.com/world/putin-1</loc><lastmod>2023-11-09T12:00:00Z</lastmod>
        <news:news><news:publication><news:name>Example</news:name>
          <news:language>en</news:language></news:publication>
          <news:publication_date>2023-11-08T10:15:00+01:00</news:publication_date>
          <news:title>Putin says &amp; denies</news:title></news:news></url>
      <url><loc>https://example.com/world/putin-2</loc><lastmod>2023-11-09T12:00:00Z</lastmod>
        <news:news><news:publication_date>soon</news:publication_date></news:news></url>
    </urlset>"""
    assert parsed(data).entries == (
        ListingEntry("https://example.com/world/putin-1", when(2023, 11, 8, 9, 15),
                     "Putin says & denies"),
        ListingEntry("https://example.com/world/putin-2", when(2023, 11, 9, 12, 0)),
    )  # fmt: skip


def test_a_sitemap_without_namespace_is_read_the_same():
    data = b"<urlset><url><loc>https://example.com/a</loc><lastmod>2023-11-08</lastmod></url>"
    data += b"</urlset>"
    assert parsed(data).entries == (ListingEntry("https://example.com/a", when(2023, 11, 8)),)


def test_a_plain_text_sitemap_is_a_sitemap():
    data = b"https://example.com/a\r\n\r\n  https://example.com/b?utm_source=x\n"
    data += b"https://example.com/a\n"
    assert listing_kind(data) == "sitemap"
    assert parsed(data) == Listing(
        "sitemap",
        (ListingEntry("https://example.com/a", None), ListingEntry("https://example.com/b", None)),
    )


def test_text_with_a_line_that_is_not_a_url_is_not_a_sitemap():
    data = b"https://example.com/a\nread more at our site\n"
    assert listing_kind(data) is None
    assert rejected(data).reason == "not_a_listing"


def test_a_slightly_broken_sitemap_is_recovered():
    data = b"""<urlset><url><loc>https://example.com/a?x=1&y=2</loc></url>
      <url><loc>https://example.com/b</loc></url></urlset>"""
    assert [e.url for e in parsed(data).entries] == [
        "https://example.com/a?x=1&y=2",
        "https://example.com/b",
    ]


def test_a_truncated_sitemap_drops_its_cut_off_last_entry():
    data = b"<urlset><url><loc>https://example.com/a</loc></url><url><loc>https://exa"
    assert [e.url for e in parsed(data).entries] == ["https://example.com/a"]


@pytest.mark.parametrize(
    "tail",
    [b"</loc>", b"</loc></url>", b"</loc></url></urlset", b"</loc><lastmod>2023-11-0"],
)
def test_a_sitemap_cut_after_its_last_loc_keeps_that_entry(tail):
    data = b"<urlset><url><loc>https://example.com/a</loc></url><url><loc>https://example.com/b"
    assert [e.url for e in parsed(data + tail).entries] == [
        "https://example.com/a",
        "https://example.com/b",
    ]


def test_a_sitemap_is_read_up_to_the_protocol_limit():
    urls = b"".join(
        b"<url><loc>https://example.com/a%d</loc></url>" % i for i in range(MAX_SITEMAP_ENTRIES + 5)
    )
    entries = parsed(b"<urlset>" + urls + b"</urlset>").entries
    assert len(entries) == MAX_SITEMAP_ENTRIES
    assert entries[-1].url == f"https://example.com/a{MAX_SITEMAP_ENTRIES - 1}"


def test_an_empty_urlset_is_an_empty_sitemap():
    assert parsed(b"<urlset></urlset>") == Listing("sitemap", ())


def test_garbage_xml_is_malformed_xml():
    assert rejected(b"<urlset <<<>>> &&& garbage").reason == "malformed_xml"
    assert rejected(b'<?xml version="1.0"?><<<garbage').reason == "malformed_xml"


# ---------------------------------------------------------------------------------------------
# Hostile XML
# ---------------------------------------------------------------------------------------------


def test_an_external_entity_is_never_expanded():
    data = b"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://example.com/&x;</loc></url>
      <url><loc>https://example.com/ok</loc></url>
    </urlset>"""
    assert listing_kind(data) == "sitemap"
    # The <loc> holding the reference is not a whole URL; the other one is read.
    assert parsed(data).entries == (ListingEntry("https://example.com/ok", None),)


def test_an_external_entity_in_a_feed_is_never_expanded():
    data = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <rss version="2.0"><channel><item><title>T &x;</title>
      <link>https://example.com/x</link></item></channel></rss>"""
    entries = parsed(data).entries
    assert [e.url for e in entries] == ["https://example.com/x"]
    assert "root:" not in (entries[0].title or "")


def billion_laughs(root: bytes, body: bytes) -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    return b'<?xml version="1.0"?><!DOCTYPE ' + root + b" [" + entities + b"]>" + body


def test_a_billion_laughs_sitemap_returns_quickly_without_expanding():
    data = billion_laughs(
        b"urlset",
        b"<urlset><url><loc>https://example.com/&lol9;</loc></url>"
        b"<url><loc>https://example.com/ok</loc></url></urlset>",
    )
    started = time.perf_counter()
    result = parse_listing(data, BASE)
    assert time.perf_counter() - started < 0.5  # expanded, it would be 3 GB of "lol"
    assert result == Listing("sitemap", (ListingEntry("https://example.com/ok", None),))


def test_a_billion_laughs_feed_returns_quickly_without_expanding():
    data = billion_laughs(
        b"rss",
        b'<rss version="2.0"><channel><item><title>&lol9;</title>'
        b"<link>https://example.com/x</link></item></channel></rss>",
    )
    started = time.perf_counter()
    result = parse_listing(data, BASE)
    assert time.perf_counter() - started < 0.5
    assert isinstance(result, Listing)
    assert [e.url for e in result.entries] == ["https://example.com/x"]
    assert "lollol" not in (result.entries[0].title or "")


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (RSS_091, "feed"),
        (RSS_10, "feed"),
        (RSS_20, "feed"),
        (ATOM_10, "feed"),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><?pi x?>\n  <rss version='2.0'/>", "feed"),
        (SITEMAP, "sitemap"),
        (b"<urlset/>", "sitemap"),
        (b"<sm:sitemapindex xmlns:sm='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
         "sitemap_index"),
        (b"<!DOCTYPE html><html><head><title>x</title></head></html>", None),
        (b"<?xml version='1.0'?><note>hello</note>", None),
        (b"", None),
        (b"just some words", None),
    ],
)
def test_listing_kind_comes_from_the_root_element(data, kind):
    assert listing_kind(data) == kind


def test_the_content_type_does_not_override_the_content():
    assert listing_kind(RSS_20, "text/html; charset=utf-8") == "feed"
    html = b"<!DOCTYPE html><html><body><p>x</p></body></html>"
    assert listing_kind(html, "application/rss+xml") is None


def test_html_given_as_a_listing_is_not_a_listing():
    result = rejected(b"<!DOCTYPE html><html><body><a href='/a'>a</a></body></html>")
    assert (result.reason, result.detail) == ("not_a_listing", "root element <html>")


def test_other_xml_and_empty_bodies_are_not_listings():
    assert rejected(b"<?xml version='1.0'?><note>hello</note>").detail == "root element <note>"
    assert rejected(b"").reason == "not_a_listing"
