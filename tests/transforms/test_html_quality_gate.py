"""Quality gate: extract_html on the 990 shared development pages must not get worse.

Floors are pinned a little below the scores measured when they were set (see the table printed
by `uv run python benchmarks/eval_extraction.py`); the issue's targets are asserted where they
are met and recorded as strict xfails where they are not, so meeting one later turns the
gate red until the target becomes a plain assertion.
"""

from __future__ import annotations

import pytest

from tests.transforms.devset_scoring import Scores, load_pages, predict_all, predict_ours, score

# trafilatura 2.3.1 alone on the same pages, same scoring (body F1); re-measure with the benchmark.
TRAFILATURA_BODY_F1 = 0.922

# Measured when pinned (extract_html): body F1 0.928, title 0.856, author 0.651, 3 pages rejected
# (too_short). Date re-pinned after the date rules were revised: date 0.832 (606/728), 41 of 123
# pages labelled undated given a date (was 0.835 and 50/123).
FLOOR_BODY_F1 = 0.918
FLOOR_TITLE = 0.846
FLOOR_AUTHOR = 0.640
FLOOR_DATE = 0.822
CEILING_DATED_WHEN_UNDATED = 0.343
MAX_REJECTED = 10


@pytest.fixture(scope="module")
def scores(shared_devset) -> Scores:
    pages = load_pages(shared_devset)
    return score(pages, predict_all(predict_ours, pages, processes=2))


def test_body_snippets_f1(scores):
    assert scores.f1 >= FLOOR_BODY_F1, scores
    assert scores.f1 >= TRAFILATURA_BODY_F1, "issue target: body F1 at least trafilatura's"


def test_title_exact_match(scores):
    assert scores.title.rate >= FLOOR_TITLE, scores.title
    assert scores.title.rate >= 0.80, "issue target"


def test_author_exact_match(scores):
    assert scores.author.rate >= FLOOR_AUTHOR, scores.author
    assert scores.author.rate >= 0.65, "issue target"


def test_date_exact_day(scores):
    assert scores.date.rate >= FLOOR_DATE, scores.date


def test_few_dates_on_pages_labelled_undated(scores):
    assert scores.dated_when_undated.rate <= CEILING_DATED_WHEN_UNDATED, scores.dated_when_undated


def test_devset_pages_are_mostly_not_rejected(scores):
    assert scores.rejected <= MAX_REJECTED


# Oracle over jsonld/meta/url and printed htmldate days: 0.871 (634/728); 0.906 only if
# unprinted and modified dates also count.
@pytest.mark.xfail(strict=True, reason="issue target not met: 0.832 measured; trusted-source oracle 0.871")
def test_issue_target_date_exact_day(scores):
    assert scores.date.rate >= 0.90


# 33 of the 123 pages labelled undated declare a date in their own JSON-LD, meta tags or URL.
@pytest.mark.xfail(strict=True, reason="issue target not met: 41/123 labelled-undated pages get a date")
def test_issue_target_no_date_on_undated_pages(scores):
    assert scores.dated_when_undated.hits == 0
