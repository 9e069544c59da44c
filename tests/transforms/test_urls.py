"""urls: one canonical form per page, a precise reason for every skipped link, safe logs."""

import pytest

from transforms.urls import host_of, in_domains, normalize_url, redact_url, skip_reason

# ---------------------------------------------------------------------------------------------
# normalize_url
# ---------------------------------------------------------------------------------------------


def test_relative_links_resolve_against_the_page_they_were_found_on():
    base = "https://example.com/news/2023/index.html"
    assert normalize_url("story.html", base) == "https://example.com/news/2023/story.html"
    assert normalize_url("/world/a-1", base) == "https://example.com/world/a-1"
    assert normalize_url("../b", base) == "https://example.com/news/b"
    assert normalize_url("//cdn.example.org/x", base) == "https://cdn.example.org/x"
    assert normalize_url("?id=7", base) == "https://example.com/news/2023/index.html?id=7"


def test_a_relative_link_without_a_base_cannot_be_fetched():
    assert normalize_url("/world/a-1") is None
    assert normalize_url("story.html") is None


@pytest.mark.parametrize(
    "link",
    [
        "mailto:desk@example.com",
        "javascript:void(0)",
        "ftp://example.com/file.txt",
        "data:text/html,<p>x</p>",
        "file:///etc/passwd",
        "tel:+15551234",
        "",
        "   ",
    ],
)
def test_links_that_are_not_http_are_none(link):
    assert normalize_url(link, "https://example.com/") is None


def test_scheme_and_host_are_lowercased_but_the_path_keeps_its_case():
    assert normalize_url("HTTPS://News.Example.COM/World/Story-A") == (
        "https://news.example.com/World/Story-A"
    )


def test_default_ports_are_dropped_and_other_ports_kept():
    assert normalize_url("http://example.com:80/a") == "http://example.com/a"
    assert normalize_url("https://example.com:443/a") == "https://example.com/a"
    assert normalize_url("http://example.com:443/a") == "http://example.com:443/a"
    assert normalize_url("http://127.0.0.1:8001/feed.xml") == "http://127.0.0.1:8001/feed.xml"


def test_the_fragment_is_dropped():
    assert normalize_url("https://example.com/a.html#comments") == "https://example.com/a.html"
    assert normalize_url("#top", "https://example.com/a.html") == "https://example.com/a.html"


def test_an_empty_path_is_the_root():
    assert normalize_url("https://example.com") == "https://example.com/"


def test_credentials_are_removed():
    assert normalize_url("https://user:secret@example.com/a") == "https://example.com/a"
    assert normalize_url("http://user@127.0.0.1:8001/a") == "http://127.0.0.1:8001/a"


def test_tracking_parameters_go_and_meaningful_ones_stay():
    url = (
        "https://example.com/story?utm_source=tw&utm_medium=social&utm_campaign=x&fbclid=abc"
        "&gclid=1&mc_cid=2&mc_eid=3&igshid=4&_ga=5&ref=home&ref_src=twsrc&id=123"
    )
    assert normalize_url(url) == "https://example.com/story?id=123"
    assert normalize_url("https://example.com/?p=42&utm_source=rss") == "https://example.com/?p=42"


def test_tracking_parameters_courlan_misses_go_too():
    url = "https://example.com/a?smid=tw-share&CMP=share_btn&ocid=msn&guccounter=1&_hsenc=x&id=9"
    assert normalize_url(url) == "https://example.com/a?id=9"


def test_parameters_that_name_the_page_are_kept_and_sorted():
    # courlan's strict mode would drop story/option/view and merge distinct articles.
    assert normalize_url("https://example.com/article.php?story=2023110812") == (
        "https://example.com/article.php?story=2023110812"
    )
    assert normalize_url("https://example.com/index.php?view=article&option=com_content&id=5") == (
        "https://example.com/index.php?id=5&option=com_content&view=article"
    )


def test_query_text_that_looks_like_an_html_entity_is_left_alone():
    # courlan.normalize_url on a string would html-unescape "&region" into "®ion".
    assert normalize_url("https://example.com/a?region=eu&copy=1&x=2") == (
        "https://example.com/a?copy=1&region=eu&x=2"
    )


def test_non_ascii_paths_are_percent_encoded_and_idn_hosts_are_canonical():
    assert normalize_url("https://example.com/städte/köln") == (
        "https://example.com/st%C3%A4dte/k%C3%B6ln"
    )
    # Punycode and Unicode spellings of one host come out the same (courlan prefers Unicode).
    assert normalize_url("https://xn--mnchen-3ya.de/a") == normalize_url("https://MÜNCHEN.de/a")


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.com/",
        "http://a..b/",
        "http://example.com:99999/",
        "http://:80/",
        "http:///a",
    ],
)
def test_urls_with_an_unusable_host_or_port_are_none(url):
    assert normalize_url(url) is None


def test_ipv6_hosts_keep_their_brackets():
    assert normalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"


def test_normalizing_twice_changes_nothing():
    once = normalize_url("HTTPS://u:p@Example.com:443/A%20b/?utm_source=x&b=2&a=1#f")
    assert once == "https://example.com/A%20b/?a=1&b=2"
    assert normalize_url(once) == once


# ---------------------------------------------------------------------------------------------
# skip_reason
# ---------------------------------------------------------------------------------------------

ARTICLES = [
    "https://example.com/2023/11/08/putin-says-no-alliance.html",
    "https://example.com/news/world-123456",
    "https://www.bbc.com/news/world-europe-67345678",
    "https://www.theguardian.com/world/2023/nov/08/russia-ukraine-war-live",
    "https://www.nytimes.com/2023/11/08/world/europe/ukraine-russia.html",
    "https://edition.cnn.com/2023/11/08/politics/senate-vote/index.html",
    "https://www.theatlantic.com/politics/archive/2023/11/trump-trial-new-york/675912/",
    "https://timesofindia.indiatimes.com/world/europe/putin-says/articleshow/105060000.cms",
    "https://www.aftenposten.no/verden/i/abc123/putin-sier.ece",
    "https://g1.globo.com/mundo/noticia/2023/11/08/putin-diz.ghtml",
    "https://www.lemonde.fr/international/article/2023/11/08/poutine-dit_6199000_3210.html",
    "https://www.dw.com/en/putin-says-no-alliance/a-67345678",
    "https://www.rferl.org/a/russia-putin-alliance/32675678.html",
    "https://tass.com/politics/1703777",
    "https://www.lefigaro.fr/international/poutine-dit-20231108",
    "https://www.focus.de/politik/ausland/putin-sagt_id_245678.html",
    "https://apnews.com/article/russia-ukraine-putin-4f3e2d1c0b",
    "https://newsletter.substack.com/p/why-the-alliance-failed",
    "https://example.blogspot.com/2023/11/putin-says.html",
    "https://www.npr.org/sections/health-shots/2023/11/08/1211234567/flu-season",
    "https://www.aljazeera.com/news/2023/11/8/putin-says-no-alliance",
    "https://example.com/?p=42",  # WordPress plain permalink: a post, not a listing
    "https://example.com/index.php?option=com_content&view=article&id=5&catid=2",
    "https://example.com/news.php?id=123",
    # Listing and feed words inside a slug are not listing pages.
    "https://example.com/news/category-5-hurricane-hits-florida",
    "https://example.com/news/hurricane-upgraded-to-category/",
    "https://example.com/pets/my-cat/",
    "https://example.com/2023/11/08/the-feed-that-changed-everything/",
    "https://example.com/blog/how-to-convert-png-to-jpg",
]


@pytest.mark.parametrize("url", ARTICLES)
def test_article_urls_are_not_skipped(url):
    assert skip_reason(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/images/photo.JPG",
        "https://example.com/wp-content/uploads/2023/11/chart.webp",
        "https://example.com/files/report.pdf?download=1",
        "https://example.com/video/clip.mp4",
        "https://example.com/podcast/episode-1.mp3",
        "https://example.com/downloads/data.zip",
        "https://example.com/static/app.js",
    ],
)
def test_files_that_are_not_pages_are_media_urls(url):
    assert skip_reason(url) == "media_url"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/feed",
        "https://example.com/feed/",
        "https://example.com/rss",
        "https://example.com/news.rss",
        "https://example.com/atom.xml",
        "https://example.com/index.rdf",
        "https://example.com/tag/putin/feed/",
        "https://example.com/feed/atom/",
        "https://example.blogspot.com/feeds/posts/default",
        "https://example.com/?feed=rss2",
        "https://example.com/sitemap.xml",
    ],
)
def test_feed_and_sitemap_links_are_feed_urls(url):
    assert skip_reason(url) == "feed_url"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/tag/putin",
        "https://example.com/tag/putin/",
        "https://example.com/category/world",
        "https://example.com/topics/climate",
        "https://example.com/author/jane-doe/",
        "https://example.com/archive",
        "https://example.com/page/2",
        "https://example.com/category/world/page/3/",
        "https://example.com/?s=putin",
        "https://example.com/?paged=2",
        "https://example.com/search?q=putin",
        "https://example.blogspot.com/search/label/Politics",
        "https://example.com/2023/11/",
        "https://example.com/2023/",
        "https://www.theguardian.com/world/2023/nov/08",
        "https://example.com/",
    ],
)
def test_tag_category_author_search_archive_and_pagination_pages_are_listing_urls(url):
    assert skip_reason(url) == "listing_url"


def test_media_wins_over_listing_words_in_the_path():
    assert skip_reason("https://example.com/tag/putin/photo.jpg") == "media_url"


# ---------------------------------------------------------------------------------------------
# host_of, in_domains
# ---------------------------------------------------------------------------------------------


def test_host_of_is_host_and_explicit_port():
    assert host_of("http://127.0.0.1:8001/a/b") == "127.0.0.1:8001"
    assert host_of("https://Example.com/a") == "example.com"
    assert host_of("https://user:pw@example.com:443/a") == "example.com"
    assert host_of("http://example.com:8080/") == "example.com:8080"


def test_host_of_never_raises_on_what_cannot_be_fetched():
    assert host_of("ftp://user:pw@Files.example.com:2121/a") == "files.example.com:2121"
    assert host_of("mailto:desk@example.com") == ""
    assert host_of("http://[::1/broken") == ""


def test_in_domains_accepts_the_domain_and_its_subdomains_only():
    allowed = ["example.com"]
    assert in_domains("https://example.com/a", allowed)
    assert in_domains("https://news.example.com/a", allowed)
    assert not in_domains("https://badexample.com/a", allowed)
    assert not in_domains("https://example.com.evil.org/a", allowed)
    assert not in_domains("https://other.org/a", allowed)


def test_in_domains_with_nothing_allowed_accepts_anything():
    assert in_domains("https://anything.org/a", [])


def test_in_domains_entries_are_forgiving_about_case_dots_and_schemes():
    assert in_domains("https://news.example.com/a", [" Example.COM. "])
    assert in_domains("https://news.example.com/a", ["*.example.com"])
    assert in_domains("https://example.com/a", ["https://example.com/"])


def test_in_domains_with_a_port_allows_that_server_only():
    assert in_domains("http://127.0.0.1:8001/a", ["127.0.0.1:8001"])
    assert not in_domains("http://127.0.0.1:8002/a", ["127.0.0.1:8001"])
    assert in_domains("http://127.0.0.1:8002/a", ["127.0.0.1"])


def test_in_domains_matches_idn_hosts_however_spelled():
    assert in_domains("https://www.münchen.de/a", ["xn--mnchen-3ya.de"])


def test_in_domains_rejects_non_http_urls():
    assert not in_domains("mailto:desk@example.com", ["example.com"])


# ---------------------------------------------------------------------------------------------
# redact_url
# ---------------------------------------------------------------------------------------------


def test_redact_removes_credentials():
    assert redact_url("https://user:hunter2@example.com/a") == "https://example.com/a"
    assert redact_url("https://user:p@ss@example.com:8443/a") == "https://example.com:8443/a"


def test_redact_masks_secret_query_values_and_keeps_the_rest():
    url = (
        "https://api.example.com/v1?q=putin&token=abc&api_key=k1&apiKey=k2&password=p"
        "&access_token=t&X-Amz-Signature=s&sid=9&session=x&author=jane&keyword=war"
    )
    assert redact_url(url) == (
        "https://api.example.com/v1?q=putin&token=***&api_key=***&apiKey=***&password=***"
        "&access_token=***&X-Amz-Signature=***&sid=***&session=***&author=jane&keyword=war"
    )


def test_redact_masks_secrets_in_the_fragment():
    assert redact_url("https://example.com/cb#access_token=abc&state=1") == (
        "https://example.com/cb#access_token=***&state=1"
    )


def test_redact_leaves_an_ordinary_url_unchanged():
    url = "https://example.com/2023/11/08/story.html?id=5&page=2"
    assert redact_url(url) == url


def test_redact_never_raises_on_a_malformed_url():
    assert redact_url("http://u:p@[::1/a?token=x") == "http://[::1/a?token=***"
