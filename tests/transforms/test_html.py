"""extract_html: small pages that specify what an HTML page becomes.

Each page is written to show one rule; the devset quality gate (test_html_quality_gate.py)
checks that the rules hold on real pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json

import pytest

from transforms.html import extract_html, word_count
from transforms.html_metadata import page_host
from transforms.records import Article, DecodedDocument, PublicationDate, Rejection

TODAY = dt.date(2025, 1, 15)

BODY = (
    "The harbour authority said on Tuesday that the storm had damaged two of the old piers and "
    "that repairs would take most of the spring. Fishermen were asked to moor further up the "
    "river until the engineers had finished their survey of the quay walls.",
    "Local shop owners told reporters that the water reached the first step of the promenade "
    "for the first time in a decade. Several of them spent the night moving stock to upper "
    "floors, and most expect to open again by the weekend.",
    "The council will meet next week to decide how the repairs are paid for. A spokesperson "
    "said an emergency fund would cover the first estimates, while the rest depends on the "
    "insurers and on a grant that the region is expected to approve.",
)


def page(
    *,
    head: str = "",
    title: str = "Storm damages harbour piers",
    h1: str | None = "Storm damages harbour piers",
    byline: str = "",
    body: tuple[str, ...] = BODY,
    jsonld: dict | None = None,
) -> str:
    """A news page: head, a header with the headline and byline, the story, a footer."""
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else ""
    heading = f"<h1>{h1}</h1>" if h1 else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}{script}"
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<main><article><header>{heading}{byline}</header>{paragraphs}</article></main>"
        "<footer><p>Contact us</p></footer></body></html>"
    )


def doc(text: str, url: str | None = "https://www.coastnews.example/news/storm-piers") -> DecodedDocument:
    return DecodedDocument(
        source="page.html",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        media_type="text/html",
        text=text,
        encoding="utf-8",
        url=url,
    )


def article(text: str, url: str | None = "https://www.coastnews.example/news/storm-piers") -> Article:
    result = extract_html(doc(text, url), today=TODAY)
    assert isinstance(result, Article), result
    return result


# --- text and record fields ------------------------------------------------------------------


def test_article_carries_the_text_and_the_documents_identity():
    d = doc(page())
    result = extract_html(d, today=TODAY)
    assert isinstance(result, Article)
    assert result.source == d.source and result.sha256 == d.sha256
    assert result.media_type == "text/html"
    assert result.language is None  # language is another step's job
    assert set(BODY) <= set(result.text.split("\n\n"))  # paragraphs separated by blank lines
    assert "Contact us" not in result.text and "Home" not in result.text
    assert result.word_count == word_count(result.text) > 100


def test_word_count_counts_cjk_characters_as_words():
    assert word_count("武汉的声音") == 5
    assert word_count("Ein Satz mit 5 Wörtern") == 5


def test_related_story_pointers_and_credits_are_not_article_text():
    body = (*BODY, "Read more: Council approves harbour budget", "Photo: Jane Roe / Coast News")
    text = article(page(body=body)).text
    assert "Read more" not in text and "Photo: Jane Roe" not in text
    assert BODY[-1] in text


def test_pointers_to_related_stories_in_other_languages_are_not_article_text():
    pointers = (
        "Le puede interesar: Los regantes piden garantías de agua para la próxima campaña de riego en la vega",
        "NOTAS RELACIONADAS",
        "Contenido Relacionado",
        "Schon gelesen?",
        "Lesen Sie auch die folgenden Beiträge:",
        "Mehr Themen:",
        "Mehr zum Thema:",
    )
    text = article(page(body=(BODY[0], *pointers[:3], BODY[1], *pointers[3:], BODY[2]))).text
    assert text.split("\n\n") == list(BODY)
    # the same words opening a sentence of the story's own
    own = "Mehr Themen als je zuvor standen am Dienstag auf der Tagesordnung des Gemeinderats."
    assert own in article(page(body=(*BODY, own))).text


def test_the_headlines_listed_under_a_heading_of_other_stories_go_with_it():
    listed = (
        "NOTAS RELACIONADAS",
        "Hackers ofrecen descuento al gobierno y prometen no tocar al sector privado",
        "Grupo asegura haber entrado en los servidores del ministerio",
    )
    text = article(page(body=(BODY[0], BODY[1], *listed, BODY[2]))).text
    assert text.split("\n\n") == list(BODY)  # the list ends at the story's next sentence
    # a short heading after a bare "See also" is the article's next section
    text = article(page(body=(BODY[0], "See also", "Behind the scenes", BODY[1], BODY[2]))).text
    assert text.split("\n\n") == [BODY[0], "Behind the scenes", BODY[1], BODY[2]]
    # one story pointed at: what follows stays
    text = article(page(body=(BODY[0], "Read more: Council approves harbour budget", "Harbour fees and the ferry timetable", *BODY[1:]))).text
    assert "Harbour fees and the ferry timetable" in text


def test_what_widgets_leave_in_the_text_is_not_article_text():
    widgets = (
        "Thanks for signing up! Check your inbox to confirm your subscription.",
        "Like this story? Share it with a friend.",
        "Comments are moderated and may take a while to appear.",
        "Contact the reporter at jane.roe@coastnews.example",
    )
    text = article(page(body=(*BODY[:2], *widgets, BODY[2]))).text
    assert not [line for line in widgets if line in text]
    assert all(paragraph in text for paragraph in BODY)


def test_paywall_prompts_ad_disclosures_and_a_long_copyright_notice_are_not_article_text():
    furniture = (
        (
            "This post contains references to products from one or more of our advertisers. We may receive"
            " compensation when you click on links to those products. Terms apply to the offers listed on this"
            " page. For an explanation of our Advertising Policy, visit this page."
        ),
        "If you’re seeing this message but you’re already a subscriber, you can log in for immediate access to this story.",
        "Folgen Sie uns auf Twitter",
        "3 Kommentare",
        "Wird geladen...",
        (
            "© 2024, CoastNews.example. This article is the copyrighted property of Coast News. Written permission"
            " must be obtained before reprint in online or print media. REPRINTING CONTENT WITHOUT PERMISSION AND/OR"
            " PAYMENT IS THEFT AND PUNISHABLE BY LAW."
        ),
    )
    text = article(page(body=(BODY[0], furniture[0], BODY[1], *furniture[1:], BODY[2]))).text
    assert text.split("\n\n") == list(BODY)


def test_text_the_browser_does_not_show_is_not_article_text():
    hidden = '<span hidden>Storm damages harbour piers 12:04</span>'
    lightbox = '<div hidden><h3>About commenting</h3><p>Comments are open to members of our scheme for a year.</p></div>'
    body = (BODY[0], hidden + BODY[1], lightbox, BODY[2])
    text = article(page(body=body)).text
    assert text.split("\n\n") == list(BODY)
    # a collapsed section the browser opens on a search is the article's
    section = '<div hidden="until-found">' + BODY[2] + "</div>"
    assert BODY[2] in article(page(body=(BODY[0], BODY[1], section))).text


# --- title -----------------------------------------------------------------------------------


def test_site_name_suffix_is_stripped_from_the_title():
    head = '<meta property="og:site_name" content="The Times">'
    assert article(page(head=head, title="Storm damages harbour piers | The Times", h1=None)).title == (
        "Storm damages harbour piers"
    )


@pytest.mark.parametrize("suffix", [" : Blog-Archiv", " : Blog Archive", " » Blog-Archiv » Anna's Garden", "-新华网"])
def test_a_segment_every_title_of_the_site_carries_is_stripped(suffix):
    headline = "习近平会见外国领导人" if suffix == "-新华网" else "Sommerfest im Garten"
    assert article(page(title=headline + suffix, h1=None)).title == headline
    # a colon inside the headline stays
    assert article(page(title="Lesson one: Home", h1=None)).title == "Lesson one: Home"


def test_a_site_name_with_a_separator_in_it_is_stripped_from_the_title_whole():
    site = "Coast News - Harbour Daily"
    head = (f'<meta property="og:site_name" content="{site}">'
            f'<meta property="og:title" content="Storm damages harbour piers | {site}">')
    result = article(page(head=head, title=f"Storm damages harbour piers | {site}", h1=None))
    assert result.title == "Storm damages harbour piers"


def test_the_site_name_a_share_plugin_declares_is_the_sites_name_in_the_title_and_h1():
    head = ('<meta name="shareaholic:site_name" content="Harbour Directory">'
            '<meta property="og:title" content="Storm damages harbour piers | Harbour Directory">')
    h1 = "Harbour Directory</h1><h1>Storm damages harbour piers"  # the logo's h1, then the headline's
    assert article(page(head=head, h1=h1)).title == "Storm damages harbour piers"


def test_a_meta_title_takes_the_dashes_and_quotes_the_title_tag_typesets():
    head = '<meta property="og:title" content="Harbour works from March - May: &quot;Piers first&quot;">'
    title = "Harbour works from March – May: „Piers first“ | Coast News"
    assert article(page(head=head, title=title, h1=None)).title == "Harbour works from March – May: „Piers first“"
    # a title tag that words the headline otherwise leaves the meta title as it is
    title = "Harbour works from March to May | Coast News"
    assert article(page(head=head, title=title, h1=None)).title == 'Harbour works from March - May: "Piers first"'


def test_site_name_prefix_is_stripped_and_the_host_names_the_site():
    # No declared site name: the host (coastnews.example) recognises "Coast News".
    result = article(page(title="Coast News - Storm damages harbour piers", h1=None))
    assert result.title == "Storm damages harbour piers"
    assert result.site_name == "coastnews.example"


def test_h1_agreeing_with_og_title_wins_over_the_title_tag():
    head = (
        '<meta property="og:title" content="Storm damages harbour piers — Coast News">'
        '<meta property="og:site_name" content="Coast News">'
    )
    result = article(page(head=head, title="Harbour storm :: Coast News blog", h1="Storm damages harbour piers"))
    assert result.title == "Storm damages harbour piers"
    assert result.site_name == "Coast News"


def test_kicker_in_the_h1_is_dropped_when_the_declared_title_is_the_headline():
    head = '<meta property="og:title" content="Storm damages harbour piers">'
    assert article(page(head=head, h1="Weather | Storm damages harbour piers")).title == "Storm damages harbour piers"


def test_a_day_opening_the_title_as_its_own_segment_is_not_part_of_the_headline():
    dated = "05.03.2024 - Storm damages harbour piers"
    head = f'<meta property="og:title" content="{dated} - Coast News">'
    assert article(page(head=head, title=f"{dated} - Coast News", h1=dated)).title == "Storm damages harbour piers"
    assert article(page(title="2024-03-05 | Storm damages harbour piers", h1=None)).title == "Storm damages harbour piers"
    # a number that opens the headline itself stays
    assert article(page(title="5 piers damaged by the storm", h1="5 piers damaged by the storm")).title == (
        "5 piers damaged by the storm"
    )


def test_an_h1_giving_the_sites_name_and_motto_is_the_logo_not_the_headline():
    head = ('<meta property="og:site_name" content="Coast News">'
            '<meta property="og:title" content="Storm damages harbour piers">')
    logo = "Coast News, the first daily of the coast."
    assert article(page(head=head, h1=logo)).title == "Storm damages harbour piers"
    # a headline that only mentions the site after a comma is still the headline
    h1 = "Storms, floods and Coast News: a week on the harbour"
    assert article(page(head=head, h1=h1, title=h1)).title == h1


def test_a_kicker_element_opening_the_h1_is_not_part_of_the_headline():
    h1 = ('<span class="headline-kicker">Harbour</span><span class="visually-hidden">: </span>'
          "<span>Storm damages harbour piers</span>")
    head = '<meta property="og:title" content="Harbour: Storm damages harbour piers">'
    assert article(page(head=head, h1=h1)).title == "Storm damages harbour piers"
    small = "<small>Week in review</small><br>Storm damages harbour piers"
    assert article(page(h1=small, title="Coast News")).title == "Storm damages harbour piers"
    # a styled word inside the headline is not a kicker
    assert article(page(h1="<b>Storm</b> damages harbour piers")).title == "Storm damages harbour piers"


def test_a_kicker_set_off_by_punctuation_only_screen_readers_get_is_not_part_of_the_headline():
    head = '<meta property="og:title" content="Harbour – Storm damages harbour piers">'
    dash = ('<span class="head-top">Harbour</span><span aria-hidden="true"> – </span>'
            "<span>Storm damages harbour piers</span>")
    assert article(page(head=head, h1=dash)).title == "Storm damages harbour piers"
    colon = '<span>Harbour</span><span class="invisible">: </span><span>Storm damages harbour piers</span>'
    assert article(page(head=head, h1=colon)).title == "Storm damages harbour piers"
    # hidden words are not a separator: the h1 stays whole
    words = '<span>Harbour</span> <span class="sr-only">news from</span> <span>Storm damages harbour piers</span>'
    assert article(page(head=head, h1=words, title="Coast News")).title == "Harbour news from Storm damages harbour piers"


def test_an_h1_that_runs_on_around_the_declared_title_is_the_headline():
    head = '<meta property="og:title" content="Storm damages harbour piers">'
    question = "Why the storm damages harbour piers every winter"
    assert article(page(head=head, h1=question)).title == question
    # a colon belongs to the headline ("Brexit: ..."), as everywhere in titles
    quoted = '"Worst in years": Storm damages harbour piers'
    assert article(page(head=head, h1=quoted)).title == quoted
    # words set off by a separator or by an element of their own are a kicker
    assert article(page(head=head, h1="Weather / Storm damages harbour piers")).title == "Storm damages harbour piers"
    element = "<span>Weather report</span> Storm damages harbour piers"
    assert article(page(head=head, h1=element)).title == "Storm damages harbour piers"
    # an element opening an h1 whose own text runs on is a kicker all the same
    running = "<span>Weather report</span> Again the storm damages harbour piers"
    assert article(page(head=head, h1=running)).title == "Again the storm damages harbour piers"


def test_several_h1s_agreeing_with_nothing_give_way_to_the_title_tag():
    # page furniture in h1s ("Sections", "Subscribe") and no meta title
    h1 = "Sections</h1><h1>Subscribe"
    assert article(page(title="Storm damages harbour piers", h1=h1)).title == "Storm damages harbour piers"


def test_a_label_set_off_by_a_spaced_colon_in_the_h1_is_not_part_of_the_headline():
    h1 = "Press release of the harbour office : Storm damages harbour piers"
    assert article(page(title="Storm damages harbour piers", h1=h1)).title == "Storm damages harbour piers"
    # a colon written against the word runs on into the headline
    h1 = "Harbour office: Storm damages harbour piers"
    assert article(page(title="Storm damages harbour piers", h1=h1)).title == h1


def test_an_h1_naming_the_section_and_site_the_title_tag_ends_with_is_not_the_headline():
    title = "Storm damages harbour piers - Harbour news - Coast Gazette"
    assert article(page(title=title, h1="Harbour news - Coast Gazette")).title == "Storm damages harbour piers"
    # one segment ending the <title> is the headline of a "Site - Section - Headline" title
    title = "Coast Gazette - Harbour news - Storm damages harbour piers"
    assert article(page(title=title, h1="Storm damages harbour piers")).title == "Storm damages harbour piers"


def test_on_a_page_without_an_h1_an_h2_agreeing_with_the_declared_title_is_the_headline():
    head = '<meta property="og:title" content="Storm damages harbour piers - A week on the coast">'
    h2s = "<h2>Related stories</h2><h2>Storm damages harbour piers</h2>"
    assert article(page(head=head, h1=None, byline=h2s)).title == "Storm damages harbour piers"
    # h2s agreeing with nothing are teasers and boxes: the declared title stays
    teasers = "<h2>Related stories</h2><h2>Harbour fees rise again</h2>"
    assert article(page(head=head, h1=None, byline=teasers)).title == "Storm damages harbour piers - A week on the coast"


def test_a_title_segment_spelling_a_folder_of_the_url_is_the_section_not_the_headline():
    url = "https://www.coastnews.example/harbournews/detail/718"
    title = "coastnews.example - Harbournews - Storm damages harbour piers"
    assert article(page(title=title, h1=None), url).title == "Storm damages harbour piers"
    # the page's own slug is no folder, with or without a trailing slash
    url = "https://www.coastnews.example/harbour-works/"
    assert article(page(title="Harbour works | Spring report", h1=None), url).title == "Harbour works"


# --- authors ---------------------------------------------------------------------------------


def test_by_staff_is_not_an_author():
    byline = '<p class="byline">By Staff</p>'
    head = '<meta name="author" content="Staff Reporter">'
    result = article(page(head=head, byline=byline))
    assert result.authors == () and result.byline is None


def test_publisher_name_is_not_an_author():
    head = '<meta property="og:site_name" content="The Times"><meta name="author" content="The Times">'
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Storm damages harbour piers",
        "author": {"@type": "Organization", "name": "The Times"},
        "publisher": {"@type": "Organization", "name": "The Times"},
    }
    assert article(page(head=head, jsonld=ld)).authors == ()


def test_jsonld_people_become_authors_and_a_byline_joined_like_trafilatura():
    ld = {
        "@type": "NewsArticle",
        "author": [{"@type": "Person", "name": "Anna Muster"}, {"@type": "Person", "name": "J.R. Stone"}],
    }
    result = article(page(jsonld=ld))
    assert result.authors == ("Anna Muster", "J.R. Stone")  # initials keep their dots
    assert result.byline == "Anna Muster; J.R. Stone"


def test_byline_noise_around_names_is_removed():
    byline = '<div class="byline">By <a rel="author" href="/a/anna">Anna Muster</a> and Ben Beispiel | 5 March 2024</div>'
    assert article(page(byline=byline)).authors == ("Anna Muster", "Ben Beispiel")


def test_emails_urls_and_follow_buttons_are_not_authors():
    head = (
        '<meta name="author" content="newsdesk@coastnews.example">'
        '<meta property="article:author" content="https://www.facebook.com/coastnews">'
    )
    byline = '<span class="author">Follow</span>'
    assert article(page(head=head, byline=byline)).authors == ()


# --- canonical URL ---------------------------------------------------------------------------


def test_canonical_url_comes_from_link_rel_canonical():
    head = '<link rel="canonical" href="/news/storm-piers?utm_source=feed">'
    result = article(page(head=head), url="https://www.coastnews.example/amp/news/storm-piers")
    assert result.url == "https://www.coastnews.example/news/storm-piers"


def test_document_url_is_the_fallback_canonical_url():
    assert article(page()).url == "https://www.coastnews.example/news/storm-piers"


# --- publication date ------------------------------------------------------------------------


def test_jsonld_date_wins_with_its_source():
    head = '<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">'
    ld = {"@type": "NewsArticle", "datePublished": "2024-03-05T09:30:00+01:00"}
    # a URL naming a later day (a story moved or re-filed) does not outweigh it
    result = article(page(head=head, jsonld=ld), url="https://www.coastnews.example/2024/03/09/storm")
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "jsonld", "day")


def test_meta_date_wins_when_jsonld_disagrees():
    # JSON-LD is often generated from another record (a first version, a feed item)
    head = '<meta property="article:published_time" content="2024-03-04T10:00:00+01:00">'
    ld = {"@type": "NewsArticle", "datePublished": "2024-02-20T09:30:00+01:00"}
    assert article(page(head=head, jsonld=ld)).published == PublicationDate(dt.date(2024, 3, 4), "meta", "day")


def test_a_local_midnight_written_in_utc_is_the_next_day():
    # a date-only field saved at midnight in Central Europe, serialised in UTC
    head = '<meta property="article:published_time" content="2024-03-04T23:00:00.000Z">'
    assert article(page(head=head)).published == PublicationDate(dt.date(2024, 3, 5), "meta", "day")


def test_meta_date_is_used_without_jsonld():
    head = '<meta property="article:published_time" content="2024-03-04T10:00:00+01:00">'
    assert article(page(head=head)).published == PublicationDate(dt.date(2024, 3, 4), "meta", "day")


def test_url_date_gives_source_url():
    result = article(page(), url="https://www.coastnews.example/2024/03/05/storm-piers")
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "url", "day")


def test_url_with_year_and_month_only_gives_month_precision():
    result = article(page(), url="https://www.coastnews.example/2024/03/storm-piers")
    assert result.published == PublicationDate(dt.date(2024, 3, 1), "url", "month")


def test_a_date_printed_under_the_headline_is_found_as_the_dateline_with_low_confidence():
    byline = "<p class='date'>Published 5 March 2024</p>"
    assert article(page(byline=byline)).published == PublicationDate(
        dt.date(2024, 3, 5), "dateline", "day", confidence="low"
    )


def test_a_day_printed_far_from_the_headline_is_not_the_publication_date():
    # a reader comment below a long story: htmldate finds its day, but it is not the article's
    body = (*BODY, "<span class='comment-meta'>Anna on 5 March 2024</span>: so sad to see the old piers go.")
    assert article(page(body=body)).published is None
    # nor is a day the text mentions pages below the headline, outside any date element
    far = BODY * 7 + ("Fazit am 05.03.2024: the piers will be rebuilt.",)
    assert article(page(body=far)).published is None


def test_a_year_mentioned_in_the_text_is_not_a_date():
    body = (*BODY, "The last storm of this size hit the coast in 2022, when the old lighthouse lost its lamp.")
    result = article(page(body=body))
    assert result.published is None


def test_a_utc_timestamp_gives_way_to_the_local_day_in_the_url():
    ld = {"@type": "NewsArticle", "datePublished": "2024-03-06T02:30:00Z"}
    result = article(page(jsonld=ld), url="https://www.coastnews.example/2024/03/05/storm-piers")
    assert result.published is not None and result.published.value == dt.date(2024, 3, 5)


def test_modified_and_future_dates_are_not_publication_dates():
    head = (
        '<meta property="article:modified_time" content="2024-06-01T10:00:00Z">'
        '<meta property="article:published_time" content="2031-01-01T10:00:00Z">'
    )
    assert article(page(head=head)).published is None


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_seed_text_wrapped_in_html_gets_no_invented_date(number, shared_seeds):
    (seed,) = shared_seeds.glob(f"{number}_*.txt")
    # trafilatura alone dates these 2022-01-01: a year that only appears in the body text.
    text = seed.read_text(encoding="utf-8")
    result = article(f"<html><body><p>{html.escape(text)}</p></body></html>", url=None)
    if result.published is not None:
        # only a day the text itself prints ("date 2023-11-08") may be used
        assert result.published.value != dt.date(2022, 1, 1)
        assert result.published.value.isoformat() in text


# --- rejections ------------------------------------------------------------------------------


TEASERS = [
    ("Council approves new budget for city parks", "The council voted on Tuesday to expand funding for parks and playgrounds in every district."),
    ("Flooding closes river road for a second week", "Residents were told to expect further closures as the water stays high after the rain."),
    ("Local school wins national robotics prize", "Students from the north side school took first place with a robot that sorts recycling."),
    ("New bus line connects harbour and station", "Buses will run every ten minutes during the day and every half hour in the evening."),
    ("Library extends its winter opening hours", "Visitors can borrow books until nine in the evening from November until February."),
    ("Hospital opens a new children's ward", "The ward has twenty beds and a playroom and was paid for partly by local donations."),
    ("Farmers market returns to the old square", "Stalls with vegetables, cheese and bread are back every Saturday morning from May."),
    ("Police appeal for witnesses after collision", "Two cars collided on the bridge late on Friday night; nobody was seriously hurt."),
]


def listing_page() -> str:
    teasers = "".join(
        f'<article class="teaser"><h2><a href="/news/{i}">{title}</a></h2><p>{summary}</p>'
        f'<a href="/news/{i}">Read more</a></article>'
        for i, (title, summary) in enumerate(TEASERS)
    )
    return (
        "<html><head><title>Local news | Coast News</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<main><h1>Local news</h1>{teasers}<div class='pager'><a href='?page=2'>Next page</a></div></main>"
        "<footer>Coast News</footer></body></html>"
    )


def test_listing_page_is_rejected_as_not_article():
    result = extract_html(doc(listing_page(), url="https://www.coastnews.example/news/local"), today=TODAY)
    assert isinstance(result, Rejection)
    assert (result.stage, result.reason) == ("extract", "not_article")
    assert "link" in result.detail  # the detail says what gave the page away


def test_index_of_linked_headlines_is_rejected_as_not_article():
    items = "".join(f'<li><a href="/news/{i}">{title}</a></li>' for i, (title, _) in enumerate(TEASERS))
    text = f"<html><head><title>Archive</title></head><body><main><h1>Archive</h1><ul>{items}</ul></main></body></html>"
    result = extract_html(doc(text), today=TODAY)
    assert isinstance(result, Rejection) and result.reason in ("not_article", "too_short"), result


def test_article_with_a_few_links_is_not_a_listing():
    body = (*BODY[:2], '<a href="/news/1">Council approves harbour budget</a>', BODY[2])
    assert isinstance(extract_html(doc(page(body=body)), today=TODAY), Article)


def test_short_page_is_rejected_as_too_short():
    result = extract_html(doc(page(body=("The harbour is closed today because of the storm.",))), today=TODAY)
    assert isinstance(result, Rejection) and result.reason == "too_short"
    assert result.detail.endswith("< 25")


def test_page_without_main_text_is_rejected():
    empty = "<html><head><title>Coast News</title></head><body><div><script>var x = 1;</script></div></body></html>"
    result = extract_html(doc(empty), today=TODAY)
    assert isinstance(result, Rejection) and (result.stage, result.reason) == ("extract", "no_main_text")


def test_a_site_name_after_a_colon_in_the_title_is_dropped_when_the_h1_is_the_logo():
    result = article(page(title="Storm damages harbour piers : Coast News Archiv", h1="Coast News Archiv"))
    assert result.title == "Storm damages harbour piers"


def test_a_colon_that_belongs_to_the_headline_is_kept():
    assert article(page(title="Harbour : the storm damages two piers", h1=None)).title == (
        "Harbour : the storm damages two piers"
    )


def test_a_chinese_site_name_joined_without_spaces_is_dropped():
    assert article(page(title="港口码头遭风暴损坏-海岸网", h1=None)).title == "港口码头遭风暴损坏"


def test_an_h1_carrying_the_site_name_loses_it():
    head = '<meta property="og:site_name" content="Coast News">'
    result = article(page(head=head, title="Storm damages harbour piers", h1="Storm damages harbour piers | Coast News"))
    assert result.title == "Storm damages harbour piers"


def test_a_live_blog_of_short_linked_updates_is_an_article():
    jsonld = {"@type": "LiveBlogPosting", "headline": "Storm live: harbour piers damaged"}
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>'
    live = listing_page().replace("<title>Local news | Coast News</title>", f"<title>Storm live</title>{script}")
    assert isinstance(extract_html(doc(live, url="https://www.coastnews.example/news/storm-live"), today=TODAY), Article)


def test_a_page_declaring_its_publication_time_and_a_dated_path_is_not_a_listing():
    head = (
        '<meta property="article:published_time" content="2024-03-05T09:00:00+01:00">'
        '<link rel="canonical" href="https://www.coastnews.example/region/2024/03/05/harbour-roundup">'
    )
    roundup = listing_page().replace("<title>Local news | Coast News</title>", f"<title>Harbour roundup</title>{head}")
    result = extract_html(doc(roundup, url="https://www.coastnews.example/region/harbour-roundup"), today=TODAY)
    assert isinstance(result, Article) and result.published.value == dt.date(2024, 3, 5)
    # the same page without its dated path is still an index
    undated = roundup.replace("/2024/03/05/", "/")
    assert isinstance(extract_html(doc(undated, url="https://www.coastnews.example/region/roundup"), today=TODAY), Rejection)


# --- a site that declares no name, and a date/byline line opening the body -----------------------


def test_the_title_suffix_after_the_headline_names_a_site_that_declares_none() -> None:
    from transforms.html_metadata import title_suffix

    assert title_suffix("Mill pond works begin - Old Mill Gazette", "Mill pond works begin") == "Old Mill Gazette"
    assert title_suffix("Mill pond works begin | Old Mill Gazette", "Mill pond works begin") == "Old Mill Gazette"
    assert title_suffix("Mill pond works begin", "Mill pond works begin") is None
    assert title_suffix("Mill pond works begin - and volunteers say it took a decade.", "Mill pond works begin") is None
    assert title_suffix("Another page - Old Mill Gazette", "Mill pond works begin") is None


def test_a_first_paragraph_of_date_and_byline_is_not_article_text() -> None:
    from transforms.html import _without_byline_line

    body = "Posted: Tuesday, February 27, 2024 | By Ann Lee\n\nThe kiosk library opened on Monday."
    assert _without_byline_line(body, ["Ann Lee"]) == "The kiosk library opened on Monday."
    # a lead that names the author in a sentence of its own is text
    lead = "Ann Lee, who ran the kiosk for a decade, was honoured by the town on Monday night.\n\nMore text."
    assert _without_byline_line(lead, ["Ann Lee"]) == lead
    # a byline line naming someone else is left for the other rules
    other = "By Tom Reed\n\nThe kiosk library opened on Monday."
    assert _without_byline_line(other, ["Ann Lee"]) == other


def test_an_h1_adding_a_subtitle_or_a_byline_in_its_own_element_gives_the_declared_headline():
    head = '<meta property="og:title" content="Storm damages harbour piers">'
    subtitle = "Storm damages harbour piers <small>Repairs will take most of the spring</small>"
    assert article(page(head=head, h1=subtitle)).title == "Storm damages harbour piers"
    byline = "Storm damages harbour piers <h4 class='author'>Posted by Coast News on 5 March</h4>"
    assert article(page(head=head, h1=byline)).title == "Storm damages harbour piers"
    hidden = "Storm damages harbour piers<span class='element-invisible'> | Coast Blog</span>"
    assert article(page(head=head, h1=hidden)).title == "Storm damages harbour piers"
    # the same words run on in the h1's own text: the h1 is the fuller headline
    longer = "Storm damages harbour piers and floods the promenade"
    assert article(page(head=head, h1=longer)).title == longer


def test_a_meta_title_cut_at_an_unescaped_quote_gives_way_to_the_full_title():
    head = '<meta property="og:title" content="Mayor calls the repairs "urgent"">'
    result = article(page(head=head, title='Mayor calls the repairs "urgent"', h1=None))
    assert result.title == 'Mayor calls the repairs "urgent"'


# --- trafilatura's metadata, the last resort ---------------------------------------------------

FALLBACK_PAGES = {
    "found in the page's text only": page(
        title="Storm damages harbour piers | Coast News",
        h1=None,
        byline="<h2>Storm  damages   harbour piers</h2><p class='author'>By Mira Okafor</p><p class='date'>Published 5 March 2024</p>",
    ),
    "declared in meta tags": page(
        # trafilatura trims and unescapes what it found: "&amp;amp;" in the markup is a title's "&"
        head="<meta property='og:title' content='Storm damages  harbour piers &amp;amp; quays '>"
        "<meta name='author' content='Jonas Lindberg'><meta name='date' content='2024-03-06'>"
        "<link rel='canonical' href='https://www.coastnews.example/2024/03/06/storm-piers'>",
    ),
    "declared in JSON-LD": page(
        jsonld={
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Storm damages harbour piers",
            "author": {"@type": "Person", "name": "Ana Ribeiro"},
            "datePublished": "2024-03-07T09:00:00Z",
        },
    ),
}


@pytest.mark.parametrize("name", FALLBACK_PAGES)
def test_the_fallback_finds_title_author_and_date_as_trafilaturas_extract_metadata(name):
    from trafilatura.metadata import extract_metadata

    from trafilatura import load_html

    from transforms.html import fallback_metadata

    text = FALLBACK_PAGES[name]
    theirs = extract_metadata(text, default_url=doc(text).url)
    ours = fallback_metadata(load_html(text), doc(text).url, title=True, author=True, date=True)
    assert theirs.title and theirs.author and theirs.date  # each page exercises all three
    # an author only printed in the page is theirs alone: ours is the declared one (next test)
    declared_author = None if name == "found in the page's text only" else theirs.author
    assert (ours.title, ours.author, ours.date) == (theirs.title, declared_author, theirs.date)


def test_the_fallback_does_not_take_a_commenters_name_for_the_author():
    from trafilatura import load_html
    from trafilatura.metadata import extract_author

    from transforms.html import fallback_metadata

    comment = (
        "<div class='comment'><p class='comment-author'>Hanna Berg</p>"
        "<p>The north pier has needed work for years.</p></div>"
    )
    text = page().replace("</main>", comment + "</main>")
    assert extract_author(load_html(text)) == "Hanna Berg"  # what trafilatura's page search finds
    assert fallback_metadata(load_html(text), None, title=False, author=True, date=False).author is None
    assert article(text).authors == ()


def test_the_fallback_looks_only_for_the_fields_asked_for():
    from trafilatura import load_html

    from transforms.html import fallback_metadata

    tree = load_html(FALLBACK_PAGES["found in the page's text only"])
    only_date = fallback_metadata(tree, None, title=False, author=False, date=True)
    assert (only_date.title, only_date.author, only_date.date) == (None, None, "2024-03-05")
    only_title = fallback_metadata(tree, None, title=True, author=False, date=False)
    assert (only_title.title, only_title.author, only_title.date) == ("Storm damages harbour piers", None, None)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.coastnews.example/news/storm-piers", "coastnews.example"),
        ("https://m.coastnews.example/news/storm-piers", "coastnews.example"),
        ("coastnews.example/news", "coastnews.example"),
        ("https://web.archive.org/web/20160526181643/https://www.coastnews.example/news", "coastnews.example"),
        # the archived URL one slash short, as a canonical link or URL normalization leaves it
        ("https://web.archive.org/web/20160526181643/http:/www.coastnews.example/news", "coastnews.example"),
        (None, None),
    ],
)
def test_the_host_a_page_belongs_to_looks_through_the_web_archive(url, host):
    assert page_host(url) == host
