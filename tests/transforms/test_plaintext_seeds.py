"""The plain-text path on the five shared seed files (real scraped article text, ../shared/seeds)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from transforms.plaintext import extract_plaintext
from transforms.records import Article, DecodedDocument, PublicationDate

pytestmark = pytest.mark.shared_data


def _seed_path(number: str) -> Path:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path


def _extract(number: str) -> Article:
    path = _seed_path(number)
    data = path.read_bytes()
    doc = DecodedDocument(
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="text/plain",
        text=data.decode("utf-8"),
        encoding="utf-8",
    )
    article = extract_plaintext(doc)
    assert isinstance(article, Article), article
    return article


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    return {n: _extract(n) for n in ("000", "001", "002", "003", "004")}


# --- publication dates -------------------------------------------------------------------------


def test_header_line_dates_are_the_publication_date(seeds: dict[str, Article]) -> None:
    assert seeds["000"].published == PublicationDate(dt.date(2023, 11, 8), "header_line", "day")
    assert seeds["004"].published == PublicationDate(dt.date(2024, 11, 13), "header_line", "day")


@pytest.mark.parametrize("number", ["001", "002", "003"])
def test_files_without_a_full_printed_date_have_no_publication_date(
    seeds: dict[str, Article], number: str
) -> None:
    # 002 and 003 mention "February 2022" and "November 9." in the body; 003's dateline has no year.
    assert seeds[number].published is None


# --- titles ------------------------------------------------------------------------------------


def test_headline_first_lines_are_titles(seeds: dict[str, Article]) -> None:
    assert seeds["001"].title == "Russia and China not building 'Cold War-style' alliance, claims Putin"
    assert seeds["002"].title == (
        "Praises High-Technological Cooperation, President Putin: "
        "Russia And China Don't Build Military Alliance"
    )


@pytest.mark.parametrize("number", ["000", "003", "004"])
def test_files_opening_with_a_header_or_dateline_have_no_title(
    seeds: dict[str, Article], number: str
) -> None:
    assert seeds[number].title is None


# --- credits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["000", "001"])
def test_euronews_with_afp_byline(seeds: dict[str, Article], number: str) -> None:
    article = seeds[number]
    assert article.byline == "Euronews with AFP"
    assert "AFP" in article.agencies
    assert article.site_name == "Euronews"
    assert article.authors == ()  # no person is named


def test_dpa_gna_dateline(seeds: dict[str, Article]) -> None:
    article = seeds["003"]
    assert article.dateline is not None
    assert article.dateline.place == "Moscow"
    assert article.dateline.agencies == ("dpa", "GNA")
    assert article.dateline.date_text == "Nov. 10"
    assert (article.dateline.month, article.dateline.day) == (11, 10)
    assert article.agencies == ("dpa", "GNA")


def test_dateline_is_removed_from_the_body(seeds: dict[str, Article]) -> None:
    assert seeds["003"].text.startswith("Russian President Vladimir Putin said")
    assert seeds["002"].text.startswith("President Vladimir Putin on Wednesday praised")


def test_all_caps_dateline_place_is_title_cased(seeds: dict[str, Article]) -> None:
    assert seeds["002"].dateline is not None
    assert seeds["002"].dateline.place == "Jakarta"


def test_agency_signoff_is_removed(seeds: dict[str, Article]) -> None:
    text = seeds["003"].text
    assert text.endswith("said Shoigu, referring to NATO.")
    assert "\n\nGNA" not in text


# --- boilerplate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leftover",
    [
        "ADVERTISEMENT",
        "Share this article",
        "You might also like",
        "The story of how little Lithuania took on global superpower China",
        "China and Philippines boats clash in disputed South China Sea area",
        "Seven killed, including two police officers, after militants attack checkpoint in Russia",
        "FILE - A boy holds",
        "Copyright",
        "Close Button",
    ],
)
def test_web_furniture_is_gone(seeds: dict[str, Article], leftover: str) -> None:
    for number, article in seeds.items():
        assert leftover not in article.text, number


def test_header_line_does_not_leak_into_the_text(seeds: dict[str, Article]) -> None:
    for number in ("000", "004"):
        assert "date 20" not in seeds[number].text
    assert "Euronews with AFP" not in seeds["000"].text
    assert seeds["004"].text.startswith("Senior Russian official Sergei Shoigu on Tuesday")


def test_same_wire_story_cleans_to_the_same_body(seeds: dict[str, Article]) -> None:
    assert seeds["001"].text.split("\n\n") == seeds["000"].text.split("\n\n")
    assert seeds["000"].text.startswith("Russia's defence minister said earlier")


# --- the record --------------------------------------------------------------------------------


def test_text_is_normalized_paragraphs(seeds: dict[str, Article]) -> None:
    for number, article in seeds.items():
        paragraphs = article.text.split("\n\n")
        assert all(p and p == " ".join(p.split()) for p in paragraphs), number
        assert "\u00a0" not in article.text
        assert article.word_count == len(article.text.split())
        assert article.media_type == "text/plain"
        assert article.language is None


def test_source_and_hash_are_copied_from_the_document(seeds: dict[str, Article]) -> None:
    path = _seed_path("003")
    article = seeds["003"]
    assert article.source == str(path)
    assert article.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
