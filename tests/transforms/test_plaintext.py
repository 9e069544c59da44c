"""The plain-text path as a specification: each rule on a tiny example, then whole sample files
in other outlets' conventions (tests/fixtures/plaintext, our own writing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from transforms.plaintext import (
    Credit,
    extract_plaintext,
    outlet_slugs,
    parse_place_date_line,
    parse_byline,
    parse_date_line,
    parse_header_line,
    split_dateline,
)
from transforms.records import Article, Dateline, DecodedDocument, PublicationDate, Rejection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plaintext"

# Enough plain body text to pass the length floor; reused under the openers being tested.
BODY = (
    "The regional council voted on Tuesday to extend the ferry timetable into the winter months, "
    "after a petition signed by more than two thousand residents asked for later evening crossings.\n\n"
    "Operators said the change would need two more crews and would be reviewed after one season."
)


def doc(text: str, source: str = "inline.txt") -> DecodedDocument:
    return DecodedDocument(source, "0" * 64, "text/plain", text, "utf-8")


def article(text: str, template_lines: frozenset[str] = frozenset()) -> Article:
    result = extract_plaintext(doc(text), template_lines)
    assert isinstance(result, Article), result
    return result


def fixture(name: str) -> Article:
    path = FIXTURES / name
    return article(path.read_text("utf-8"))


# --- datelines ---------------------------------------------------------------------------------


def test_reuters_dateline_is_split_into_place_date_and_agency() -> None:
    found = split_dateline("LONDON, Jan 5 (Reuters) - Shares rose on Monday.")
    assert found is not None
    assert found.dateline == Dateline("London", "Jan 5", 1, 5, ("Reuters",))
    assert found.rest == "Shares rose on Monday."
    assert found.date is None  # no year printed


def test_ap_dateline_has_place_and_agency_but_no_date() -> None:
    found = split_dateline("NEW YORK (AP) — The city council voted on Thursday.")
    assert found is not None
    assert found.dateline == Dateline("New York", None, None, None, ("AP",))
    assert found.rest == "The city council voted on Thursday."


def test_ap_dateline_keeps_the_state_after_the_city() -> None:
    found = split_dateline("PORTLAND, Maine (AP) — Fishermen said ...")
    assert found is not None
    assert found.dateline.place == "Portland, Maine"


def test_dpa_dateline_with_comma_before_the_credit() -> None:
    found = split_dateline("Moscow, Nov. 10, (dpa/GNA) – Russian President said ...")
    assert found is not None
    assert found.dateline == Dateline("Moscow", "Nov. 10", 11, 10, ("dpa", "GNA"))


def test_xinhua_dateline_with_double_hyphen() -> None:
    found = split_dateline("BEIJING, Nov. 10 (Xinhua) -- China's exports grew ...")
    assert found is not None
    assert found.dateline == Dateline("Beijing", "Nov. 10", 11, 10, ("Xinhua",))
    assert found.rest == "China's exports grew ..."


def test_pti_dateline_without_a_dash() -> None:
    found = split_dateline("New Delhi, Nov 10 (PTI) The government on Friday said ...")
    assert found is not None
    assert found.dateline == Dateline("New Delhi", "Nov 10", 11, 10, ("PTI",))
    assert found.rest.startswith("The government")


def test_day_month_dateline() -> None:
    found = split_dateline("NAIROBI, 5 January (Reuters) - Kenya's central bank ...")
    assert found is not None
    assert (found.dateline.month, found.dateline.day, found.dateline.date_text) == (1, 5, "5 January")


def test_all_caps_place_with_a_bare_dash_is_a_dateline() -> None:
    found = split_dateline("JAKARTA - President Vladimir Putin on Wednesday praised ...")
    assert found is not None
    assert found.dateline == Dateline("Jakarta")
    assert found.rest.startswith("President Vladimir Putin")


def test_all_caps_place_names_are_title_cased_with_their_particles() -> None:
    found = split_dateline("RIO DE JANEIRO, March 3 (AFP) - Carnival ...")
    assert found is not None
    assert found.dateline.place == "Rio de Janeiro"


def test_title_case_place_needs_a_date_or_agency() -> None:
    assert split_dateline("Meanwhile - the talks went on.") is None
    assert split_dateline("Moscow - the talks went on.") is None
    found = split_dateline("Moscow, Nov. 10 – The talks went on.")
    assert found is not None and found.dateline.place == "Moscow"


def test_dateline_with_a_year_dates_the_article() -> None:
    found = split_dateline("PARIS, May 2, 2023 (AFP) - A museum opened.")
    assert found is not None
    assert found.date == dt.date(2023, 5, 2)
    assert found.dateline.date_text == "May 2, 2023"


@pytest.mark.parametrize(
    "paragraph",
    [
        "BREAKING: Markets fell sharply on Monday.",  # a label, not a place
        "US-China trade talks resumed on Monday.",  # hyphenated, no spaces around the dash
        "Apple (AAPL) shares rose after the results.",  # a ticker, not an agency
        "Russia's defence minister said the two were not creating a \"military bloc\" - unlike others.",
        "Moscow, Nov. 45 (dpa) - Not a date.",  # impossible day
    ],
)
def test_sentences_that_only_resemble_datelines_are_left_alone(paragraph: str) -> None:
    assert split_dateline(paragraph) is None


def test_unknown_all_caps_credit_counts_only_with_a_dash() -> None:
    found = split_dateline("WASHINGTON (CNN) — Lawmakers returned ...")
    assert found is not None and found.dateline.agencies == ("CNN",)


def test_dateline_is_removed_from_the_article_text() -> None:
    result = article("WASHINGTON, March 3 (Reuters) - " + BODY)
    assert result.text.startswith("The regional council voted")
    assert result.dateline == Dateline("Washington", "March 3", 3, 3, ("Reuters",))
    assert result.agencies == ("Reuters",)
    assert result.published is None  # "March 3" alone never becomes a date


# --- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Euronews with AFP", Credit((), ("AFP",), "Euronews")),
        ("By Jane Doe, Reuters", Credit(("Jane Doe",), ("Reuters",))),
        ("By JANE DOE Associated Press", Credit(("Jane Doe",), ("AP",))),
        ("By JANE DOE, AP Business Writer", Credit(("Jane Doe",), ("AP",))),
        ("By Maria Santos and Tom Whitfield", Credit(("Maria Santos", "Tom Whitfield"))),
        ("By Jane Doe, Political Correspondent", Credit(("Jane Doe",))),
        ("By Jane Doe in Nairobi", Credit(("Jane Doe",))),
        ("By Jane Doe for The Guardian", Credit(("Jane Doe",), (), "The Guardian")),
        ("By Staff Reporter", Credit()),
        ("By Ana de la Cruz and AFP", Credit(("Ana de la Cruz",), ("AFP",))),
        ("Author: Jane Doe", Credit(("Jane Doe",))),
    ],
)
def test_byline_names_people_agencies_and_publication(line: str, expected: Credit) -> None:
    credit_as_printed = line.split(" ", 1)[1]
    assert parse_byline(line) == (credit_as_printed, expected)


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the year, prices had doubled.",
        "By Monday",
        "Bystanders filmed the crash.",
    ],
)
def test_sentences_starting_with_by_are_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


def test_byline_line_is_removed_and_credits_recorded() -> None:
    result = article("A headline about ferries\n\nBy Jane Doe, Reuters\n\n" + BODY)
    assert result.byline == "Jane Doe, Reuters"
    assert result.authors == ("Jane Doe",)
    assert result.agencies == ("Reuters",)
    assert "Jane Doe" not in result.text


def test_credit_naming_the_outlet_folder_is_the_site_not_a_person() -> None:
    outlets = outlet_slugs("archive/continent-now/rockslide.txt")
    assert parse_byline("By Continent Now with Meridian", outlets) == (
        "Continent Now with Meridian",
        Credit((), ("Meridian",), "Continent Now"),
    )
    # Without the folder it reads like a name; what follows "with" is still a credited wire.
    assert parse_byline("By Continent Now with Meridian") == (
        "Continent Now with Meridian",
        Credit(("Continent Now",), ("Meridian",)),
    )


def test_outlet_slugs_come_from_folders_and_host_labels() -> None:
    assert {"continentnow", "euronews"} <= outlet_slugs(
        "archive/continent-now/a.txt", "https://www.euronews.com/2023/11/08/story"
    )


def test_byline_in_other_languages() -> None:
    assert parse_byline("Por Lucía Ferrandis") == ("Lucía Ferrandis", Credit(("Lucía Ferrandis",)))
    assert parse_byline("Par Jean Dupont et Marie Curie") == (
        "Jean Dupont et Marie Curie",
        Credit(("Jean Dupont", "Marie Curie")),
    )


def test_middle_initial_is_not_a_separator() -> None:
    assert parse_byline("By Jane E. Doe") == ("Jane E. Doe", Credit(("Jane E. Doe",)))


def test_unknown_wire_credit_with_a_dash_is_a_dateline() -> None:
    found = split_dateline("Valparaíso, Mar. 3, (Meridian/APN) – Chile's fisheries authority ...")
    assert found is not None
    assert found.dateline == Dateline("Valparaíso", "Mar. 3", 3, 3, ("Meridian", "APN"))


def test_signoff_repeating_a_credited_agency_is_dropped() -> None:
    result = article("LISBON, March 5 (Meridian) - " + BODY + "\n\nMeridian")
    assert result.text == BODY
    assert result.agencies == ("Meridian",)


def test_place_and_date_line_is_a_dateline_with_a_date() -> None:
    found = parse_place_date_line("Benialfaz, 5 de marzo de 2024")
    assert found is not None
    assert found.dateline == Dateline("Benialfaz", "5 de marzo de 2024", 3, 5)
    assert found.date == dt.date(2024, 3, 5)
    assert parse_place_date_line("Meanwhile, the council met on 5 March 2024.") is None


def test_byline_and_dateline_below_a_standfirst() -> None:
    text = (
        "Ferries to run later into the winter\n\n"
        "Islanders won their campaign for evening crossings.\n\n"
        "By Jane Doe\n\nPublished: 12 March 2024\n\n"
        "OBAN, March 12 (PA) - " + BODY
    )
    result = article(text)
    assert result.authors == ("Jane Doe",)
    assert result.published == PublicationDate(dt.date(2024, 3, 12), "text", "day")
    assert result.dateline == Dateline("Oban", "March 12", 3, 12, ("PA",))
    assert result.text.split("\n\n")[:2] == [
        "Islanders won their campaign for evening crossings.",
        "The regional council voted on Tuesday to extend the ferry timetable into the winter "
        "months, after a petition signed by more than two thousand residents asked for later "
        "evening crossings.",
    ]


# --- header and date lines ---------------------------------------------------------------------


def test_header_line_with_byline() -> None:
    assert parse_header_line(" date 2023-11-08 By Euronews with AFP".strip()) == (
        dt.date(2023, 11, 8),
        "By Euronews with AFP",
    )


def test_header_line_sharing_its_line_with_the_first_paragraph() -> None:
    result = article(" date 2024-11-13 " + BODY)
    assert result.published == PublicationDate(dt.date(2024, 11, 13), "header_line", "day")
    assert result.text.startswith("The regional council voted")
    assert result.title is None


def test_header_line_followed_by_a_dateline() -> None:
    result = article(" date 2024-03-03 LONDON, March 3 (Reuters) - " + BODY)
    assert result.text.startswith("The regional council voted")
    assert result.dateline is not None and result.dateline.place == "London"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published: 12 March 2024", dt.date(2024, 3, 12)),
        ("Published 4 June 2024, 10:32 BST", dt.date(2024, 6, 4)),
        ("Posted on March 3, 2024", dt.date(2024, 3, 3)),
        ("March 3, 2024", dt.date(2024, 3, 3)),
        ("Tuesday 4 June 2024 10:32 BST", dt.date(2024, 6, 4)),
        ("2024-06-04", dt.date(2024, 6, 4)),
        ("04.06.2024", dt.date(2024, 6, 4)),
        ("Published: 4 June 2024 | Updated: 5 June 2024", dt.date(2024, 6, 4)),
        ("Updated: 5 June 2024", None),  # an update is not the publication
        ("March 2024", None),  # no day: a date line, but no date
        ("3 hours ago", None),  # relative to an unknown moment
    ],
)
def test_date_lines(line: str, expected: dt.date | None) -> None:
    found = parse_date_line(line)
    assert found is not None
    assert found.published == expected


@pytest.mark.parametrize(
    "line",
    [
        "03/04/2024",  # day-first or month-first: ambiguous, so not read
        "Published: 31 February 2024",  # not on the calendar
        "The talks began on March 3, 2024, in Geneva.",  # a sentence, not a date line
    ],
)
def test_lines_that_are_not_date_lines(line: str) -> None:
    assert parse_date_line(line) is None


def test_published_line_dates_the_article_from_the_text() -> None:
    result = article("Ferries to run later\n\nPublished: 12 March 2024\n\n" + BODY)
    assert result.published == PublicationDate(dt.date(2024, 3, 12), "text", "day")
    assert "Published" not in result.text


def test_year_mentioned_in_the_body_is_not_a_publication_date() -> None:
    result = article(BODY + "\n\nThe last timetable change was made in February 2022, on 3 March 2021.")
    assert result.published is None


# --- titles ------------------------------------------------------------------------------------


def test_headline_first_line_is_the_title() -> None:
    assert article("Ferries to run later into the winter\n\n" + BODY).title == (
        "Ferries to run later into the winter"
    )


def test_sentence_first_line_is_not_promoted_to_title() -> None:
    result = article(BODY)
    assert result.title is None
    assert result.text.startswith("The regional council voted")


def test_title_field() -> None:
    assert article("Title: Ferries to run later\n\n" + BODY).title == "Ferries to run later"


def test_title_line_may_follow_the_header_line() -> None:
    result = article(" date 2024-03-07 By Meridian Wire\n\nFerries to run later\n\n" + BODY)
    assert result.title == "Ferries to run later"
    assert result.byline == "Meridian Wire"


def test_caption_printed_twice_goes_with_its_credit() -> None:
    caption = "Houses below the unstable slope, 3 March 2024."
    text = (
        f"A headline about a slope\n\n{caption}\n{caption} Copyright Jane Doe/Wire. "
        "All rights reserved.\nBy Jane Doe\n\n" + BODY
    )
    result = article(text)
    assert result.text == BODY
    assert result.authors == ("Jane Doe",)


def test_date_line_is_never_a_title() -> None:
    assert article("March 2024\n\n" + BODY).title is None


# --- boilerplate in context --------------------------------------------------------------------


def test_trailing_related_list_goes_with_its_headlines() -> None:
    text = BODY + "\n\nRelated articles\n\nFerry fares to rise in spring\n\nIsland school gets new roof"
    result = article(text)
    assert result.text == BODY


def test_story_list_ends_at_the_first_sentence() -> None:
    text = (
        "The ferry council met on Tuesday evening in the harbour hall.\n\nRead more\n\n"
        "Ferry fares to rise in spring\n\n" + BODY
    )
    result = article(text)
    assert "Ferry fares" not in result.text
    assert result.text.endswith("reviewed after one season.")
    assert result.text.startswith("The ferry council met")


def test_agency_signoff_is_dropped_and_credited() -> None:
    result = article(BODY + "\n\nab/xy (AFP, dpa)")
    assert result.text == BODY
    assert result.agencies == ("AFP", "dpa")


def test_template_lines_are_dropped_but_bylines_are_still_read() -> None:
    template = frozenset({"by jane doe, reuters", "subscribe to the harbour gazette"})
    text = "By Jane Doe, Reuters\n\n" + BODY + "\n\nSubscribe to the Harbour Gazette!"
    result = article(text, template)
    assert result.text == BODY
    assert result.authors == ("Jane Doe",)


def test_hard_wrapped_paragraphs_are_rejoined() -> None:
    result = fixture("hardwrapped_wire.txt")
    assert result.text.split("\n\n")[0] == (
        "A museum dedicated to the history of the bicycle opened on Tuesday in a former tram depot "
        "on the eastern edge of the city, with more than 300 machines ranging from wooden draisines "
        "to carbon racing frames."
    )


# --- rejections --------------------------------------------------------------------------------


def test_whitespace_only_document_is_empty_text() -> None:
    result = extract_plaintext(doc(" \n\n\u00a0\n"))
    assert result == Rejection("inline.txt", "extract", "empty_text", "the document has no text")


def test_too_few_words_is_too_short() -> None:
    result = extract_plaintext(doc("Short headline\n\nOnly a few words here.\n\nADVERTISEMENT"))
    assert isinstance(result, Rejection)
    assert (result.stage, result.reason) == ("extract", "too_short")
    assert "5 words" in result.detail


def test_only_boilerplate_is_too_short() -> None:
    result = extract_plaintext(doc("ADVERTISEMENT\n\nShare this article\n\nComments"))
    assert isinstance(result, Rejection) and result.reason == "too_short"


# --- whole files in other conventions ----------------------------------------------------------


def test_reuters_style_story() -> None:
    result = fixture("reuters_style.txt")
    assert result.title == "Harbour operators warn of cargo delays as dock pay talks stall"
    assert result.dateline == Dateline("London", "March 3", 3, 3, ("Reuters",))
    assert result.agencies == ("Reuters",)
    assert result.authors == ()  # the trailer is dropped; it is not read as a byline
    assert result.published is None
    assert result.text.startswith("Operators of three of Britain's busiest")
    assert result.text.endswith("expired in January.")
    assert "Editing by" not in result.text and "Trust Principles" not in result.text


def test_ap_style_story() -> None:
    result = fixture("ap_style.txt")
    assert result.title == "City council backs plan to turn old rail yard into housing"
    assert result.byline == "JANE DOE Associated Press"
    assert result.authors == ("Jane Doe",)
    assert result.agencies == ("AP",)
    assert result.dateline == Dateline("New York", agencies=("AP",))
    assert result.text.startswith("A long-empty rail yard")
    assert "FILE -" not in result.text and "AP Photo" not in result.text
    assert "contributed to this report" not in result.text


def test_story_with_read_more_lines_and_related_list() -> None:
    result = fixture("read_more_related.txt")
    assert "Read more" not in result.text
    assert "ADVERTISEMENT" not in result.text
    assert "Related articles" not in result.text
    for listed in ("Volunteers catalogue", "Five reading rooms", "How the river flood"):
        assert listed not in result.text
    assert result.text.endswith("arrives from the manufacturer.")
    assert len(result.text.split("\n\n")) == 4


def test_story_with_published_line_and_two_authors() -> None:
    result = fixture("published_two_authors.txt")
    assert result.title == "Night trains return to the northern coast line"
    assert result.authors == ("Maria Santos", "Tom Whitfield")
    assert result.byline == "Maria Santos and Tom Whitfield"
    assert result.published == PublicationDate(dt.date(2024, 6, 4), "text", "day")
    assert result.text.startswith("Overnight passenger trains")


def test_story_with_photo_captions_and_credits() -> None:
    result = fixture("photo_captions.txt")
    assert result.title == "Storm topples century-old oak in market square"
    for leftover in ("Image:", "Getty Images", "(Photo", "©", "All rights reserved"):
        assert leftover not in result.text
    assert result.text.startswith("A storm with gusts")
    assert result.text.endswith("the local primary school.")
    assert len(result.text.split("\n\n")) == 3


def test_wire_story_with_year_in_dateline_and_editor_initials() -> None:
    result = fixture("hardwrapped_wire.txt")
    assert result.published == PublicationDate(dt.date(2023, 5, 2), "dateline", "day")
    assert result.dateline == Dateline("Paris", "May 2, 2023", 5, 2, ("AFP",))
    assert result.text.endswith("on organised trips.")  # "sb/jd" is gone
