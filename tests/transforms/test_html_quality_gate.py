"""Quality gate: extract_html on the 990 shared development pages must not get worse.

Floors are pinned a little below the scores measured when they were set (see the table printed
by `uv run python benchmarks/eval_extraction.py`); the issue's targets are asserted where they
are met and recorded as strict xfails where they are not, so meeting one later turns the
gate red until the target becomes a plain assertion.
"""

from __future__ import annotations

import pytest

from tests.transforms.devset_scoring import Scores, load_pages, normalize, predict_all, predict_ours, score

# trafilatura 2.3.1 alone on the same pages, same scoring; re-measure with the benchmark.
TRAFILATURA_BODY_F1 = 0.923  # 0.922 before the scoring dropped soft hyphens
TRAFILATURA_DATE = 0.908  # 685/754 on the corrected labels, while dating 85 of 87 undated pages

# Measured when pinned (extract_html, `uv run python benchmarks/eval_extraction.py`): body F1
# 0.927, title 0.882 (745/845), author 0.697 (375/538), date 0.924 (694/751 on the labels as
# corrected in devset_label_fixes.json), 8 of 90 pages labelled undated given a date, 4 pages
# rejected (3 of them articles). Title re-pinned at 0.889 (751/845), body F1 then 0.927; again at
# 0.893 (755/845) after the section, logo-h1 and spaced-colon title rules, and at 0.898 (759/845)
# after the h2 rule; body F1 still 0.927. Once the scoring dropped soft hyphens and zero-width
# characters (two gold titles and nine snippets carry them): title 0.901 (761/845), body F1 0.929.
# Author 0.695 (374/538) once trafilatura's search of the page's elements no longer supplies an
# author (see transforms/html.py fallback_metadata: it gained 1 page, and put 9 wrong names on others).
# Date 0.932 (703/754), 3 of 87 labelled-undated pages given a date, after three more label
# corrections, the teaser-list rule and the dateline fallback (html_metadata.choose_date).
# Author 0.706 (380/538) with the post author's comment, the Yoast WebPage node's author, and
# credits that name no one turned down (EXTRACTOR_VERSION 5); 0.708 (381/538) once the bylines of
# teasers, related stories and asides are left out; 0.751 (404/538) with posting lines, more label
# shapes, writers' page links, a closing signature, Chinese credit lines and a site's owner
# (EXTRACTOR_VERSION 6), title, date and body F1 unchanged. Date 0.934 (704/754) and 1 of 87
# labelled-undated pages given a date once neither a card's or teaser's date under a sub-heading
# of its own nor an event's day (hours from-to after it, or in a timetable) dates the page
# (EXTRACTOR_VERSION 7). Author 0.755 (406/538) once co-authors a meta tag or byline element adds
# to the one JSON-LD author are credited (EXTRACTOR_VERSION 8). Date 0.935 (705/754) once a date
# printed in pieces (<span>Apr</span> <span>04</span><span>2013</span>) is read (EXTRACTOR_VERSION 10).
# Body F1 0.92854 -> 0.92869 once what widgets leave is dropped (EXTRACTOR_VERSION 11); unchanged
# once elements marked `hidden` are (EXTRACTOR_VERSION 12: 2 pages' text changed). Body F1
# 0.92869 -> 0.93055 once pointers to related stories in more languages and of up to 25 words are
# dropped ("Le puede interesar: <headline>", "NOTAS RELACIONADAS", "Schon gelesen?"; EXTRACTOR_VERSION
# 14: 14 pages, only such lines lost, recall unchanged); floor raised to 0.928. 0.93117 once the
# headlines listed under such a pointer standing alone as a heading go with it (11 pages, recall
# unchanged). 0.93382 once paywall and app prompts, ad disclosures, follow prompts in more
# languages and a long copyright notice opened by "©" are dropped (18 pages, recall unchanged; dev
# split 0.935, holdout 0.931); floor raised to 0.931. 0.93429 once comment counters and labels in
# more languages, loading placeholders, an Amazon affiliate line and an appeal for support are too.
# Date 0.940 (709/754) once a declared day the page shows nowhere gives way to the one day it shows
# at its headline, and "posted on Wednesday, …" and "wurde am … veröffentlicht" read as publication
# sentences (EXTRACTOR_VERSION 15; held-out quarter 0.901 -> 0.906); floor raised to 0.936.
# 0.943 (711/754) once three more labels are corrected (a month typo, a header clock, a day and month swapped).
FLOOR_BODY_F1 = 0.931
FLOOR_TITLE = 0.898
FLOOR_AUTHOR = 0.752
FLOOR_DATE = 0.938
CEILING_DATED_WHEN_UNDATED = 0.10
MAX_REJECTED = 6


@pytest.fixture(scope="module")
def scores(shared_devset) -> Scores:
    pages = load_pages(shared_devset)
    return score(pages, predict_all(predict_ours, pages, processes=2))


def test_scoring_drops_characters_no_reader_sees_and_keeps_the_ones_they_do():
    assert normalize("Welt\u00adern\u00e4hrung\u200b  Heute") == normalize("welternährung heute")
    assert normalize("Welt-ernährung") != normalize("Welternährung")


def test_body_snippets_f1(scores):
    assert scores.f1 >= FLOOR_BODY_F1, scores
    assert scores.f1 >= TRAFILATURA_BODY_F1, "issue target: body F1 at least trafilatura's"


def test_title_exact_match(scores):
    assert scores.title.rate >= FLOOR_TITLE, scores.title
    assert scores.title.rate >= 0.90, "issue target"


def test_author_exact_match(scores):
    assert scores.author.rate >= FLOOR_AUTHOR, scores.author
    assert scores.author.rate >= 0.75, "issue target"


def test_date_exact_day(scores):
    assert scores.date.rate >= FLOOR_DATE, scores.date
    assert scores.date.rate >= TRAFILATURA_DATE, "issue target: exact day at least trafilatura's"


def test_few_dates_on_pages_labelled_undated(scores):
    assert scores.dated_when_undated.rate <= CEILING_DATED_WHEN_UNDATED, scores.dated_when_undated


def test_devset_pages_are_mostly_not_rejected(scores):
    assert scores.rejected <= MAX_REJECTED


# 1 of the 87 pages labelled undated gets a day: a live match report, dated by htmldate with the
# match day that heads a list of that day's results beside it.
@pytest.mark.xfail(strict=True, reason="issue target not met: 1/87 labelled-undated pages get a date")
def test_issue_target_no_date_on_undated_pages(scores):
    assert scores.dated_when_undated.hits == 0
