"""Publication dates of HTML pages: one small page per pattern the date rules must read.

All pages are our own writing. Each test names where the page keeps its date.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from trafilatura import load_html

from tests.transforms.test_html import TODAY, article, doc, page
from transforms import html_metadata as meta
from transforms.html import extract_html
from transforms.records import PublicationDate, Rejection


def graph(*nodes: dict) -> dict:
    return {"@context": "https://schema.org", "@graph": list(nodes)}


def test_a_rejected_page_still_reports_the_date_it_declares():
    head = '<meta property="article:published_time" content="2024-03-05T09:00:00+01:00">'
    result = extract_html(doc(page(head=head, body=("Short notice.",))), today=TODAY)
    assert isinstance(result, Rejection) and result.reason == "too_short"
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "meta", "day")


def test_time_datetime_is_read_when_the_printed_text_is_relative():
    byline = '<p>By Jane Roe, <time class="published" datetime="2024-03-05T10:30:00+01:00">28 minutes ago</time></p>'
    assert article(page(byline=byline)).published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")


def test_time_datetime_is_read_when_the_printed_text_is_split_across_spans():
    byline = '<time datetime="2024-03-05"><span>5</span> <span>Mar</span></time>'
    assert article(page(byline=byline)).published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")


def test_data_utime_attribute_is_read():
    stamp = int(dt.datetime(2024, 3, 5, 12, tzinfo=dt.timezone.utc).timestamp())
    byline = f'<abbr class="timestamp" data-utime="{stamp}">Tuesday</abbr>'
    assert article(page(byline=byline)).published.value == dt.date(2024, 3, 5)


def test_title_attribute_of_a_published_element_is_read():
    byline = '<span class="entry-published" title="2024-03-05T08:00:00+01:00">last spring</span>'
    assert article(page(byline=byline)).published.value == dt.date(2024, 3, 5)


def test_time_elements_naming_many_days_are_teasers_not_the_date():
    teasers = "".join(f'<li><time datetime="2024-03-0{d}">{d} March</time></li>' for d in (1, 2, 3))
    assert article(page(byline=f"<ul>{teasers}</ul>")).published is None


def test_modification_stamps_alone_are_not_the_publication_date():
    byline = '<time class="updated" datetime="2024-03-05">5 March</time>'
    assert article(page(byline=byline)).published is None


def test_webpage_node_of_a_yoast_graph_is_read_when_the_page_prints_its_day():
    node = {"@type": "WebPage", "@id": "https://www.coastnews.example/#page", "datePublished": "2024-03-05T09:00:00+01:00"}
    byline = "<p>5 March 2024</p>"
    result = article(page(jsonld=graph(node, {"@type": "WebSite", "name": "Coast News"}), byline=byline))
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "jsonld", "day")


def test_webpage_node_stamped_on_a_page_that_prints_no_date_is_not_a_publication_date():
    node = {"@type": "WebPage", "datePublished": "2024-03-05T09:00:00+01:00"}
    assert article(page(jsonld=graph(node))).published is None


def test_json_ld_with_a_stray_brace_is_parsed_leniently():
    block = json.dumps({"@type": "NewsArticle", "datePublished": "2024-03-05"}) + "}"
    head = f'<script type="application/ld+json">{block}</script>'
    assert article(page(head=head)).published == PublicationDate(dt.date(2024, 3, 5), "jsonld", "day")


@pytest.mark.parametrize(
    "printed",
    [
        "5 مارس 2024",  # Arabic (Egypt, Gulf)
        "5 آذار 2024",  # Arabic (Levant)
        "5 марта 2024",  # Russian genitive
        "5 березня 2024",  # Ukrainian
        "5 marca 2024",  # Polish
        "5 maart 2024",  # Dutch
        "5 Mart 2024",  # Turkish
        "5 de março de 2024",  # Portuguese
    ],
)
def test_month_names_of_the_large_languages_are_read(printed):
    assert meta.parse_date(printed, TODAY) == (dt.date(2024, 3, 5), "day")
    assert meta.printed_in(dt.date(2024, 3, 5), f"<p>{printed}</p>")


def test_two_word_levantine_month_names_are_read():
    assert meta.parse_date("12 كانون الثاني 2024", TODAY) == (dt.date(2024, 1, 12), "day")


def test_a_sentence_saying_when_the_article_was_published_is_a_dateline():
    footer = "<p>" + "Filler words for the reader. " * 200 + "</p><p>This article was published on 5 March 2024.</p>"
    html = "<html><body><h1>Storm damages harbour piers</h1>" + footer + "</body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)


@pytest.mark.parametrize(
    "sentence",
    [
        "This entry was posted on Wednesday, March 6th, 2024 at 11:03 pm and is filed under News.",
        "Publicado: miércoles, 6 de marzo de 2024 04:45",
        "Dieser Beitrag wurde am 6. März 2024 um 23:03 Uhr veröffentlicht.",
        "Dieser Eintrag wurde am Mittwoch, 6. März 2024 gepostet.",
    ],
)
def test_a_sentence_saying_when_the_entry_was_posted_is_a_dateline_with_a_weekday_or_the_verb_after(sentence):
    footer = "<p>" + "Filler words for the reader. " * 200 + f"</p><p>{sentence}</p>"  # far below the headline
    html = "<html><body><h1>Storm damages harbour piers</h1>" + footer + "</body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 6), html)


def test_a_day_something_else_happened_on_is_no_dateline_in_german_either():
    footer = "<p>" + "Filler words for the reader. " * 200 + "</p><p>Das Gesetz wurde am 6. März 2024 beschlossen.</p>"
    html = "<html><body><h1>Storm damages harbour piers</h1>" + footer + "</body></html>"
    assert not meta.printed_as_dateline(dt.date(2024, 3, 6), html)


def test_a_declared_day_the_page_never_shows_gives_way_to_the_one_day_shown_at_the_headline():
    head = '<meta name="date" content="2024-03-12">'  # the day the page was last saved, say
    byline = '<div class="news-timedata">05.03.2024 - Redaktion: Ann Lee</div>'
    assert article(page(head=head, byline=byline)).published == PublicationDate(
        dt.date(2024, 3, 5), "dateline", "day", confidence="low"
    )
    # shown nowhere else, the declared day stands
    assert article(page(head=head)).published == PublicationDate(dt.date(2024, 3, 12), "meta", "day")


def test_a_header_line_linking_to_the_comments_is_still_the_articles_own_line():
    line = '<div class="entry-meta comments-link"><span>5 March 2024</span> · <a href="#c">3 comments</a></div>'
    html = "<html><body><main>" + "<p>Filler.</p>" * 400 + line + "</main></body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    assert not meta.printed_as_dateline(dt.date(2024, 3, 5), html.replace("entry-meta comments-link", "comment-body"))


def test_a_utc_timestamp_gives_way_to_the_local_day_printed_at_the_dateline():
    # 23:30 UTC on 4 March is 5 March in the newsroom, which prints the local day
    head = '<meta property="article:published_time" content="2024-03-04T23:30:00Z">'
    byline = "<p class='date'>5 March 2024, 00:30</p>"
    assert article(page(head=head, byline=byline)).published.value == dt.date(2024, 3, 5)


def test_json_ld_and_meta_disagreeing_are_settled_by_the_day_the_page_prints():
    jsonld = {"@type": "NewsArticle", "datePublished": "2024-03-05T09:00:00+01:00"}
    head = '<meta property="article:published_time" content="2024-03-07T09:00:00+01:00">'
    byline = "<p class='date'>5 March 2024</p>"
    assert article(page(head=head, jsonld=jsonld, byline=byline)).published.value == dt.date(2024, 3, 5)
    # nothing printed: the meta tag, the day pages show more often
    assert article(page(head=head, jsonld=jsonld)).published.value == dt.date(2024, 3, 7)


def test_a_publication_date_in_a_scripts_state_is_a_last_resort():
    state = '<script>window.__STATE__ = {"product": {"published_at": "2024-03-05T06:00:00+01:00"}};</script>'
    assert article(page(head=state)).published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")


def test_a_page_whose_only_date_is_a_copyright_year_stays_undated():
    footer_page = page().replace("<p>Contact us</p>", "<p>© 2019 Coast News. All rights reserved.</p>")
    assert article(footer_page).published is None


def test_a_day_first_date_in_the_url_path_is_a_day():
    result = article(page(), url="https://www.coastnews.example/meldungen/05-03-2024")
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "url", "day")


def test_a_date_in_the_articles_header_line_is_a_dateline_far_from_any_h1():
    line = '<div class="news-header"><span>05.03.2024</span> Harbour</div>'
    html = "<html><body>" + "<p>Filler.</p>" * 900 + line + "</body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)


def test_metadata_restamped_long_after_the_urls_day_yields_to_the_url():
    head = '<meta property="article:published_time" content="2024-03-05T09:00:00+01:00">'
    result = article(page(head=head), url="https://www.coastnews.example/2021/06/14/storm-piers")
    assert result.published == PublicationDate(dt.date(2021, 6, 14), "url", "day")
    # the page prints the metadata's day where it shows its date: the metadata stands
    byline = "<p class='date'>5 March 2024</p>"
    result = article(page(head=head, byline=byline), url="https://www.coastnews.example/2021/06/14/storm-piers")
    assert result.published.value == dt.date(2024, 3, 5)


def test_a_compact_day_opening_the_file_name_is_a_day():
    result = article(page(), url="https://www.coastnews.example/texte/20240305-storm-piers.html")
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "url", "day")
    # a long number that only starts like a day is an id
    assert article(page(), url="https://www.coastnews.example/texte/2024030512345.html").published is None


def test_a_date_after_a_line_break_in_a_header_element_is_a_dateline():
    line = '<div class="news-header"><b>Swimming</b><br /><span class="blue">05.03.2024</span> Category</div>'
    html = "<html><body>" + "<p>Filler.</p>" * 900 + line + "</body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)


def test_a_press_release_dateline_names_place_and_day():
    html = "<html><body>" + "<p>Filler.</p>" * 900 + "<p>Text.<br>\nKiel, den 05. März 2024 <br>Contact</p></body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    # the same day inside a sentence far from any headline is not the page's date
    html = "<html><body>" + "<p>Filler.</p>" * 900 + "<p>The council meets in Kiel on 05. März 2024 again.</p></body></html>"
    assert not meta.printed_as_dateline(dt.date(2024, 3, 5), html)


def test_a_marked_day_printed_at_the_dateline_beats_metadata_the_page_does_not_show():
    head = '<meta property="article:published_time" content="2024-02-27T09:00:00+01:00">'
    byline = '<p class="meta"><time datetime="2024-03-05">05.03.2024</time></p>'
    result = article(page(head=head, byline=byline))
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")
    # the same marked day not printed does not outweigh the metadata
    byline = '<p class="meta"><time datetime="2024-03-05">Tuesday</time></p>'
    assert article(page(head=head, byline=byline)).published.value == dt.date(2024, 2, 27)


def test_a_revision_day_the_page_shows_as_its_date_is_taken_with_low_confidence():
    head = (
        '<meta property="article:published_time" content="2024-02-27T09:00:00Z">'
        '<meta property="article:modified_time" content="2024-03-05T11:00:00Z">'
    )
    byline = "<p class='date'>5 March 2024</p>"
    result = article(page(head=head, byline=byline))
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "meta", "day", confidence="low")
    # shown as an update under the headline, it is still the only day the page shows
    byline = "<p class='date'>Updated 5 March 2024</p>"
    result = article(page(head=head, byline=byline))
    assert result.published == PublicationDate(dt.date(2024, 3, 5), "meta", "day", confidence="low")
    # a "last updated" stamp far from the headline is the site's, not the page's date
    footer = "<p>Filler words for the reader.</p>" * 200 + "<p class='lastupdated'>Last updated: 5 March 2024</p>"
    html = page(head=head).replace("<footer>", f"<footer>{footer}")
    assert article(html).published.value == dt.date(2024, 2, 27)


def test_a_utc_day_the_page_prints_at_its_dateline_stays_despite_a_local_stamp_a_day_before():
    # 02:00 UTC on 5 March is the evening of 4 March in New York, where the JSON-LD is stamped;
    # the page shows 5 March, the day its readers see
    jsonld = {"@type": "NewsArticle", "datePublished": "2024-03-04T21:00:00-05:00"}
    head = '<meta property="article:published_time" content="2024-03-05T02:00:00Z">'
    byline = "<p class='date'>5 March 2024</p>"
    assert article(page(head=head, jsonld=jsonld, byline=byline)).published.value == dt.date(2024, 3, 5)
    # printed nowhere, or printed beside the local day, the UTC day gives way to the local stamp's
    assert article(page(head=head, jsonld=jsonld)).published.value == dt.date(2024, 3, 4)
    both = "<p class='date'>4 March 2024</p><p class='date'>5 March 2024</p>"
    assert article(page(head=head, jsonld=jsonld, byline=both)).published.value == dt.date(2024, 3, 4)


def test_a_page_without_an_h1_has_its_dateline_near_its_first_lower_heading():
    filler = "<p>Navigation and other links.</p>" * 200
    html = f"<html><body>{filler}<div style='float:right'>5 March 2024</div><h2>Storm damages harbour piers</h2></body></html>"
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    # with an <h1> elsewhere on the page, the h2 is a section heading, not the headline
    html = html.replace("<body>", "<body><h1>Coast News</h1>")
    assert not meta.printed_as_dateline(dt.date(2024, 3, 5), html)


def test_htmldate_finding_the_revision_day_a_page_shows_under_its_headline_is_a_last_resort():
    # the page's only date is the "Stand:" (as of) line under its headline
    html = page(byline="<p class='meta'>Stand: 5. März 2024</p>")
    ev = meta.read_evidence(load_html(html), html)
    found = meta.choose_date(ev, None, "2024-03-05", html, TODAY)
    assert found == PublicationDate(dt.date(2024, 3, 5), "htmldate", confidence="low")
    # a "last updated" stamp in a footer far from the headline is the site's, not the page's
    footer = "<p>Filler words for the reader.</p>" * 200 + "<p class='lastupdated'>Last updated: 5 March 2024</p>"
    html = page().replace("<footer>", f"<footer>{footer}")
    ev = meta.read_evidence(load_html(html), html)
    assert meta.choose_date(ev, None, "2024-03-05", html, TODAY) is None


def test_the_one_day_a_page_shows_in_a_date_element_at_its_headline_is_its_dateline_day():
    html = page(byline="<p class='info'>Posted by Ann Lee | 5. März 2024, 07:49</p>")
    assert meta.printed_dateline_day(html, TODAY) == PublicationDate(dt.date(2024, 3, 5), "dateline", confidence="low")
    # printed twice, it is still one day
    html = page(byline="<p class='info'>5 March 2024</p><p class='date'>05.03.2024</p>")
    assert meta.printed_dateline_day(html, TODAY).value == dt.date(2024, 3, 5)
    # two days under the headline are a list of events or teasers: neither is the page's
    html = page(byline="<p class='info'>5 March 2024</p>", body=("<b class='date'>9 March 2024</b>: the council meets.",))
    assert meta.printed_dateline_day(html, TODAY) is None
    # a day the story talks about is no dateline
    html = page(body=("The council met on 5 March 2024 to decide on the repairs.",))
    assert meta.printed_dateline_day(html, TODAY) is None


def test_a_date_printed_in_pieces_is_read_as_one_date():
    # month, day and year each in a span of its own, the year glued to the day
    pieces = ('<div class="date"><span class="month">Mar</span> <span class="day">05</span>'
              '<span class="year">2024</span></div>')
    html = page(byline=pieces)
    assert meta.printed_dateline_day(html, TODAY) == PublicationDate(dt.date(2024, 3, 5), "dateline", confidence="low")
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    assert article(html).published == PublicationDate(dt.date(2024, 3, 5), "dateline", confidence="low")
    # day first, with the month a link to the month's archive
    pieces = '<p class="meta"><b>5</b> <a href="/2024/03/">March</a> <b>2024</b></p>'
    assert meta.printed_dateline_day(page(byline=pieces), TODAY).value == dt.date(2024, 3, 5)


def test_numbers_in_separate_blocks_are_not_a_date():
    # a heading's number, then a paragraph opening with a month and year
    html = page(byline="<p class='meta'>Part 5</p><p class='meta'>March 2024 was the wettest month.</p>")
    assert meta.printed_dateline_day(html, TODAY) is None
    assert not meta.printed_in(dt.date(2024, 3, 5), html)


def test_htmldate_picking_another_day_the_page_shows_gives_way_to_the_one_at_its_headline():
    # htmldate's "original" (oldest) day is a teaser's, in a date element far down the page
    teaser = "<p>Filler words for the reader.</p>" * 200 + "<div class='teaser'><span class='date'>2 February 2024</span></div>"
    html = page(byline="<p class='meta'><time>5 March 2024</time></p>").replace("<footer>", f"<footer>{teaser}")
    ev = meta.read_evidence(load_html(html), html)
    found = meta.choose_date(ev, None, "2024-02-02", html, TODAY)
    assert found == PublicationDate(dt.date(2024, 3, 5), "dateline", confidence="low")
    # nothing shown at the headline: htmldate's day stands
    html = page().replace("<footer>", f"<footer>{teaser}")
    ev = meta.read_evidence(load_html(html), html)
    assert meta.choose_date(ev, None, "2024-02-02", html, TODAY) == PublicationDate(
        dt.date(2024, 2, 2), "htmldate", confidence="low"
    )


def test_a_day_printed_only_as_the_end_of_a_range_is_an_events_not_the_pages():
    html = page(byline="<p class='info'>Exhibition 2-9 March 2024 | Mon-Fri 9-16</p>")
    assert meta.printed_dateline_day(html, TODAY) is None
    html = page(byline="<p class='info'>Open from 28.2.-9.3.2024</p>")
    assert meta.printed_dateline_day(html, TODAY) is None


def test_a_teasers_date_far_from_the_headline_does_not_date_a_page_that_declares_none():
    teaser = "<div class='post-meta'><span class='post-date'>5 March 2024</span></div>"
    html = page().replace("<footer>", "<footer>" + "<p>Filler words for the reader.</p>" * 200 + teaser)
    assert meta.printed_dateline_day(html, TODAY) is None
    # a sentence saying when the page was published counts wherever it is
    html = html.replace(teaser, "<p class='imprint'>Published on: 5 March 2024</p>")
    assert meta.printed_dateline_day(html, TODAY).value == dt.date(2024, 3, 5)


def test_a_weekday_opening_a_line_is_not_a_place_dateline():
    filler = "<p>Filler.</p>" * 900
    html = f"<html><body>{filler}<p>Open day<br>\nSa., 05.03.2024, 9:00 Uhr</p></body></html>"
    assert not meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html.replace("Sa.,", "Kiel,"))


def test_a_release_date_is_a_products_not_the_pages():
    html = page(byline="<p class='info'>Release: 05.03.2024</p>")
    assert not meta.printed_as_dateline(dt.date(2024, 3, 5), html)
    # a press release's date is the page's
    assert meta.printed_as_dateline(dt.date(2024, 3, 5), html.replace("Release:", "Press release,"))


def test_a_day_printed_in_a_list_of_links_to_other_posts_is_theirs_not_the_pages():
    day = dt.date(2024, 3, 5)
    recent = (
        "<ul class='recent'><li><a href='/news/new-ferry-timetable'>New ferry timetable for the islands</a>"
        " <span class='post-date'>5 March 2024</span></li></ul>"
    )
    html = page(byline=recent)
    assert not meta.printed_as_dateline(day, html)
    ev = meta.read_evidence(load_html(html), html)
    assert meta.choose_date(ev, None, "2024-03-05", html, TODAY) is None
    # a headline that names a day is its own page's date, not this one's
    named = "<ul><li><a href='/news/ferry'>The ferry meeting of 05.03.2024 in short</a></li></ul>"
    assert not meta.printed_as_dateline(day, page(byline=named))
    # the page's own entry in the list carries its own date
    own = recent.replace("New ferry timetable for the islands", "Storm damages harbour piers")
    assert meta.printed_as_dateline(day, page(byline=own))
    # a byline linking its author, and a permalink whose text is the date, stay datelines
    byline = "<p class='meta'>By <a href='/authors/ann-lee'>Ann Lee</a> <span class='date'>5 March 2024</span></p>"
    assert meta.printed_as_dateline(day, page(byline=byline))
    permalink = "<li class='meta'><a href='/news/storm-piers'><time>Tuesday, 5 March 2024</time></a></li>"
    assert meta.printed_as_dateline(day, page(byline=permalink))


def test_the_one_day_shown_at_the_headline_dates_a_page_whose_metadata_and_htmldate_name_none():
    html = page(byline="<p class='byline'>By Ann Lee, <span class='created-date'>05 March, 2024</span></p>")
    ev = meta.read_evidence(load_html(html), html)
    expected = PublicationDate(dt.date(2024, 3, 5), "dateline", confidence="low")
    assert meta.choose_date(ev, None, None, html, TODAY) == expected
    # htmldate naming a day the page shows nowhere near its headline does not stand in its way
    assert meta.choose_date(ev, None, "2023-01-01", html, TODAY) == expected
    # two days shown there are a list's: the page stays undated
    two = html.replace("</p>", "</p><p class='date'>9 March 2024</p>", 1)
    assert meta.choose_date(meta.read_evidence(load_html(two), two), None, None, two, TODAY) is None


# --- dates of the items a page lists under headings of their own -------------------------------

FAR_DOWN = "<p>Filler words for the reader.</p>" * 100  # past the headline's reach


def test_a_time_under_a_cards_own_heading_is_that_items_date_not_the_pages():
    card = "<div class='card'><h3>Download: the harbour plan</h3><time datetime='2024-02-02'>2 Feb 2024</time></div>"
    assert article(page().replace("<footer>", f"<footer>{FAR_DOWN}{card}")).published is None


def test_a_time_under_a_subheading_that_is_the_pages_title_dates_the_page():
    byline = "<h2>Storm damages harbour piers</h2><time datetime='2024-03-05'>5 March</time>"
    assert article(page(h1=None, byline=byline)).published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")


def test_a_date_printed_in_a_teaser_under_its_own_heading_does_not_date_the_page():
    teaser = (
        "<div class='teaser'><h3>Cod quotas cut again</h3><ul class='teaser-meta'>"
        "<li><a href='#'>News</a></li><li class='meta-item'>2 February 2024</li></ul></div>"
    )
    assert article(page().replace("<footer>", f"<footer>{FAR_DOWN}{teaser}")).published is None


def test_the_pages_own_entry_under_a_latest_posts_heading_dates_it():
    widget = (
        "<section><h3>Latest posts</h3><ul><li><a href='/news/storm-piers'>Storm damages harbour piers</a> "
        "<span class='post-date'>5 March 2024</span></li></ul></section>"
    )
    assert article(page().replace("<footer>", f"<footer>{FAR_DOWN}{widget}")).published.value == dt.date(2024, 3, 5)



# --- an event's days are not the page's ---------------------------------------------------------


def test_a_day_with_hours_from_to_at_the_headline_is_an_events_not_the_pages():
    byline = "<div class='date'>5 April 2024, 13:15 - 19:00</div><div class='place'>Old Harbour Hall</div>"
    assert article(page(byline=byline)).published is None


def test_a_day_with_one_time_at_the_headline_still_dates_the_page():
    byline = "<div class='date'>5 April 2024, 13:15</div>"
    assert article(page(byline=byline)).published == PublicationDate(dt.date(2024, 4, 5), "dateline", "day", "low")


def test_a_day_in_a_timetable_does_not_date_the_page():
    timetable = "<section class='timetable'><div class='day'><div class='title'>Friday, 5 April 2024</div></div></section>"
    assert article(page().replace("<footer>", f"<footer>{FAR_DOWN}{timetable}")).published is None


def test_a_time_after_the_headline_and_its_standfirst_dates_the_page():
    byline = "<h2>Two piers closed until spring</h2><time datetime='2024-03-05'>5 March</time>"
    assert article(page(byline=byline)).published == PublicationDate(dt.date(2024, 3, 5), "markup", "day")
