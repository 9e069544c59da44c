"""Per-site extraction health and the template-change rule: when a site's figures fall sharply.

A site that changes its page template usually loses one kind of metadata for every page at
once: the byline moves, the JSON-LD block goes, the date is rendered by a script. Compared
with the site's previous 7 days, that shows as a share falling from most pages to few, or the
text shrinking to a fraction. The rule:

- a share (title, day-precise date, author) falls by `SHARE_DROP` (30 percentage points) or
  more, or the median words fall to `WORDS_RATIO` (half) of the baseline or less;
- only when the site has at least `MIN_ARTICLES` (5) articles in this load and in its baseline.
  Then one odd page moves a share by at most 20 points, under the threshold: it takes at least
  two pages to raise an alert. With fewer articles, one page is enough, and that is noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_ARTICLES = 5
SHARE_DROP = 0.30
WORDS_RATIO = 0.5

# What a site's health is made of: shares of its articles with a title, a day-precise date and
# an author, and its median words.
FIELDS = ("title", "date", "author", "median_words")
LABELS = {"title": "title", "date": "day-precise date", "author": "author", "median_words": "median words"}


@dataclass(frozen=True, slots=True)
class Health:
    """Extraction figures of a set of one site's articles."""

    articles: int
    with_title: float
    with_day_date: float
    with_author: float
    median_words: float

    def value(self, field: str) -> float:
        """The share of articles with `field`, or the median words (see FIELDS)."""
        columns = {"title": self.with_title, "date": self.with_day_date, "author": self.with_author}
        return columns[field] if field in columns else self.median_words


@dataclass(frozen=True, slots=True)
class SiteHealth:
    """One site in one load, beside its baseline: its articles from loads of the 7 days before."""

    site: str
    now: Health
    baseline: Health | None  # None: no articles from this site in the 7 days before (a new site)

    def figure(self, field: str) -> tuple[float, float | None]:
        """This load's value of `field`, and the baseline's (None for a new site)."""
        return self.now.value(field), self.baseline.value(field) if self.baseline else None


@dataclass(frozen=True, slots=True)
class SiteAlert:
    """A sharp fall in one field of one site's extraction."""

    site: str
    field: str  # one of FIELDS
    baseline: float  # share (0-1) or median words over the previous 7 days
    observed: float  # the same figure in this load
    articles: int
    baseline_articles: int

    def describe(self) -> str:
        """One line a person reads: site, field, before → now."""
        before, now = format_value(self.field, self.baseline), format_value(self.field, self.observed)
        return (
            f"{self.site}: {LABELS[self.field]} {before} → {now}"
            f" ({self.articles} articles; {self.baseline_articles} in the previous 7 days)"
        )


def template_alerts(sites: Sequence[SiteHealth]) -> list[SiteAlert]:
    """The fields whose figures fell sharply against the site's baseline (the rule above)."""
    alerts = []
    for site in sites:
        current, baseline = site.now, site.baseline
        if baseline is None or current.articles < MIN_ARTICLES or baseline.articles < MIN_ARTICLES:
            continue
        for field in FIELDS:
            before, now = baseline.value(field), current.value(field)
            if _fell(field, before, now):
                alerts.append(SiteAlert(site.site, field, before, now, current.articles, baseline.articles))
    return alerts


def _fell(field: str, before: float, now: float) -> bool:
    if field == "median_words":
        return now <= before * WORDS_RATIO
    # rounded: 0.7 - 0.4 is 0.2999... in floating point, and that is a 30-point drop
    return round(before - now, 9) >= SHARE_DROP


def format_value(field: str, value: float) -> str:
    """A share as a percentage, median words as a whole number."""
    return f"{value:.0f}" if field == "median_words" else f"{value:.0%}"


def format_change(field: str, now: float, before: float) -> str:
    """The change against the baseline: percentage points for shares, a percentage for words."""
    if field == "median_words":
        return f"{now / before - 1:+.0%}"
    return f"{(now - before) * 100:+.0f} pp"
