"""The plain-text path on our look-alikes of the five shared seeds (tests/fixtures/lookalike_seeds).

Each file is our own writing in the shape of one seed (see the fixture's README.md), so every
behaviour test_plaintext_seeds.py checks on ../shared is also checked on a bare clone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from pathlib import Path

import pytest

from tests.conftest import LOOKALIKES
from transforms.html import extract_html
from transforms.plaintext import extract_plaintext
from transforms.records import Article, DecodedDocument, PublicationDate

NUMBERS = ("000", "001", "002", "003", "004")


def _path(number: str) -> Path:
    (path,) = LOOKALIKES.glob(f"{number}_*.txt")
    return path


def _doc(path: Path, media_type: str = "text/plain", text: str | None = None) -> DecodedDocument:
    data = path.read_bytes()
    text = data.decode("utf-8") if text is None else text
    return DecodedDocument(str(path), hashlib.sha256(data).hexdigest(), media_type, text, "utf-8")


@pytest.fixture(scope="module")
def files() -> dict[str, Article]:
    articles = {n: extract_plaintext(_doc(_path(n))) for n in NUMBERS}
    assert all(isinstance(a, Article) for a in articles.values()), articles
    return articles


# --- publication dates -------------------------------------------------------------------------


def test_header_line_dates_are_the_publication_date(files: dict[str, Article]) -> None:
    assert files["000"].published == PublicationDate(dt.date(2024, 3, 12), "header_line", "day")
    assert files["004"].published == PublicationDate(dt.date(2025, 3, 18), "header_line", "day")


@pytest.mark.parametrize("number", ["001", "002", "003"])
def test_files_without_a_full_printed_date_have_no_publication_date(
    files: dict[str, Article], number: str
) -> None:
    # 001's caption prints "April 2, 2019" (a photo's date); 002 has "February 2022" and a stray
    # "March 13."; 003's dateline "Mar. 14" has no year and its body only "February 2019".
    assert files[number].published is None


# --- titles ------------------------------------------------------------------------------------


def test_headline_first_lines_are_titles(files: dict[str, Article]) -> None:
    assert files["001"].title == "Chile and Norway not forming a 'fishing bloc', says Alvear"
    assert files["002"].title == (
        "Hails Satellite Cooperation, President Alvear: Chile And Norway Are Not Forming A Fishing Bloc"
    )


@pytest.mark.parametrize("number", ["000", "003", "004"])
def test_files_opening_with_a_header_or_dateline_have_no_title(
    files: dict[str, Article], number: str
) -> None:
    assert files[number].title is None


# --- credits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["000", "001"])
def test_outlet_with_agency_byline(files: dict[str, Article], number: str) -> None:
    article = files[number]
    assert article.byline == "Northwind Daily with AFP"
    assert article.agencies == ("AFP",)
    assert article.site_name == "Northwind Daily"
    assert article.authors == ()  # no person is named


def test_dateline_with_two_agencies(files: dict[str, Article]) -> None:
    article = files["003"]
    assert article.dateline is not None
    assert article.dateline.place == "Puerto Elena"
    assert article.dateline.agencies == ("dpa", "ANSA")
    assert article.dateline.date_text == "Mar. 14"
    assert (article.dateline.month, article.dateline.day) == (3, 14)
    # "Haugland told the EFE agency" names an agency in the body: that is not a credit.
    assert article.agencies == ("dpa", "ANSA")


def test_dateline_is_removed_from_the_body(files: dict[str, Article]) -> None:
    assert files["003"].text.startswith("Chilean President Rodrigo Alvear said on Tuesday")
    assert files["002"].text.startswith("President Rodrigo Alvear on Tuesday welcomed")


def test_all_caps_dateline_place_is_title_cased(files: dict[str, Article]) -> None:
    assert files["002"].dateline is not None
    assert files["002"].dateline.place == "Buenos Aires"
    assert files["002"].dateline.agencies == ()


def test_agency_signoff_is_removed(files: dict[str, Article]) -> None:
    text = files["003"].text
    assert text.endswith("said Haugland, referring to the factory ships.")
    assert "\n\nANSA" not in text


# --- boilerplate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leftover",
    [
        "ADVERTISEMENT",
        "Share this article",
        "You might also like",
        "How a small island state took on the world's biggest trawler fleets",
        "Fishing boats collide in disputed waters off the Falkland Islands",
        "Five injured as storm tears roof off fish market in Valparaiso",
        "FILE - A trawler unloads",
        "Copyright",
        "All rights reserved",
        "Close Button",
    ],
)
def test_web_furniture_is_gone(files: dict[str, Article], leftover: str) -> None:
    assert leftover in _path("001").read_text("utf-8")  # the scraped copy does carry it
    for number, article in files.items():
        assert leftover not in article.text, number


def test_header_line_does_not_leak_into_the_text(files: dict[str, Article]) -> None:
    for number in ("000", "004"):
        assert "date 20" not in files[number].text
    assert "Northwind Daily with AFP" not in files["000"].text
    assert files["004"].text.startswith("Former Norwegian minister Tove Haugland on Tuesday told")


def test_same_wire_story_cleans_to_the_same_body(files: dict[str, Article]) -> None:
    assert files["001"].text.split("\n\n") == files["000"].text.split("\n\n")
    assert files["000"].text.startswith("Norway's fisheries minister said earlier")


# --- the record --------------------------------------------------------------------------------


def test_text_is_normalized_paragraphs(files: dict[str, Article]) -> None:
    assert "\u00a0" in _path("001").read_text("utf-8")  # the scraper left no-break spaces
    for number, article in files.items():
        paragraphs = article.text.split("\n\n")
        assert all(p and p == " ".join(p.split()) for p in paragraphs), number
        assert "\u00a0" not in article.text, number
        assert article.word_count == len(article.text.split())
        assert article.media_type == "text/plain"
        assert article.language is None


def test_source_and_hash_are_copied_from_the_document(files: dict[str, Article]) -> None:
    path = _path("003")
    assert files["003"].source == str(path)
    assert files["003"].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- the same text wrapped in HTML -------------------------------------------------------------


@pytest.mark.parametrize("number", NUMBERS)
def test_text_wrapped_in_html_gets_no_invented_date(number: str) -> None:
    path = _path(number)
    text = path.read_text("utf-8")
    page = f"<html><body><p>{html.escape(text)}</p></body></html>"
    result = extract_html(_doc(path, "text/html", page), today=dt.date(2026, 1, 15))
    assert isinstance(result, Article), result
    if result.published is not None:
        # Only a day the text itself prints in full ("date 2024-03-12") may be used: not a year
        # from the body ("February 2022") turned into January 1st.
        assert result.published.value.isoformat() in text, result.published
