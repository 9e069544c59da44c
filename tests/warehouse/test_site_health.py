"""Per-site extraction health against the previous 7 days, on hand-built loads in a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pytest

from transforms.dedup import fingerprint
from transforms.records import Article, Processed, PublicationDate, compress_raw, doc_id
from transforms.site_health import template_alerts
from warehouse.db import Writer
from warehouse.reports import load_summary, site_health, site_health_table, to_markdown

NOW = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
HARBOUR = "The Harbour Courier"


def page(load: str, n: int, *, site: str | None = HARBOUR, author: bool = True, precision: str | None = "day",
         words: int = 200) -> Processed:
    """One article of `site`; its words are unique to it, so no two articles are copies."""
    source = f"/corpus/{load}/{n}.html"
    text = " ".join(f"{load}w{n}w{j}" for j in range(words))
    sha = hashlib.sha256(text.encode()).hexdigest()
    article = Article(
        source=source, sha256=sha, media_type="text/html", text=text, word_count=words, title=f"Story {n}",
        site_name=site, authors=("Morwenna Tallis",) if author else (),
        published=PublicationDate(dt.date(2026, 3, 1), "jsonld", precision) if precision else None,
    )
    return Processed(source, article, sha256=sha, size=len(text), mtime_ns=1, media_type="text/html",
                     encoding="utf-8", fingerprint=fingerprint(doc_id(source, sha), article),
                     raw_compressed=compress_raw(text.encode()))


def load(writer: Writer, load_id: str, started_at: dt.datetime, batch: list[Processed]) -> None:
    writer.start_load(load_id)
    writer.write_batch(load_id, batch)
    writer.finish_load(load_id, "completed")
    # History is made by hand: each load is dated where the test needs it.
    writer.con.execute("UPDATE loads SET started_at = ? WHERE load_id = ?", [started_at, load_id])


@pytest.fixture
def db(tmp_path):
    """Five loads of The Harbour Courier around `now`, which lost its bylines; Northgate Post is new in `now`."""
    path = tmp_path / "health.duckdb"
    with Writer(path) as w:
        load(w, "old", NOW - 8 * DAY, [page("old", i, author=False, words=50) for i in range(5)])
        load(w, "week", NOW - 6 * DAY, [page("week", i, words=100) for i in range(3)])
        load(w, "yesterday", NOW - DAY, [page("yesterday", i, precision="month", words=300) for i in range(3)])
        load(w, "now", NOW, [
            *(page("now", i, author=False, words=200) for i in range(5)),
            *(page("now", 10 + i, site="Northgate Post") for i in range(2)),
            page("now", 20, site=None),
        ])
        load(w, "later", NOW + DAY, [page("later", i, author=False, precision=None) for i in range(5)])
        # Checked once every load is in: a load after `now` must stay out of its baseline.
        for load_id in ("old", "week", "yesterday", "now", "later"):
            w.record_site_health(load_id)
    return path


def test_the_baseline_is_the_sites_articles_from_loads_of_the_7_days_before(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT articles, with_author, baseline_articles, baseline_loads, baseline_with_title,"
            " baseline_with_day_date, baseline_with_author, baseline_median_words"
            " FROM site_health_checks WHERE load_id = 'now' AND site_name = ?",
            [HARBOUR],
        ).fetchone()
    finally:
        con.close()
    # `week` and `yesterday` only: `old` is 8 days before, `later` after. The median pools their
    # articles (100 x3, 300 x3), and a month-precise date is not a day-precise one.
    assert row == (5, 0.0, 6, 2, 1.0, 0.5, 1.0, 200.0)


def test_a_site_with_no_history_is_new_and_an_article_without_a_site_is_unknown(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        sites = {s.site: s for s in site_health(con, "now")}
        summary = load_summary(con, "now")
    finally:
        con.close()
    assert set(sites) == {HARBOUR, "Northgate Post", "(unknown)"}
    assert sites["Northgate Post"].baseline is None and sites["Northgate Post"].now.articles == 2
    assert sites[HARBOUR].baseline is not None and sites[HARBOUR].baseline.articles == 6
    rows = {row["site"]: row for row in site_health_table(summary)}
    assert rows["Northgate Post"]["previous 7 days"] == "new site"
    assert rows[HARBOUR]["author"] == "0% (-100 pp)" and rows[HARBOUR]["day-precise date"] == "100% (+50 pp)"
    assert rows[HARBOUR]["median words"] == "200 (+0%)" and rows[HARBOUR]["previous 7 days"] == "6 articles"


def test_site_health_by_load_keeps_any_date_and_adds_the_day_precise_share(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT articles, with_date, with_day_date FROM site_health_by_load WHERE load_id = 'yesterday'"
        ).fetchone()
    finally:
        con.close()
    assert row == (3, 1.0, 0.0)


def test_alerts_are_recorded_and_the_summary_names_site_field_and_figures(db):
    with Writer(db) as w:
        alerts = template_alerts(site_health(w.con, "now"))
        w.record_site_alerts("now", alerts)
    assert [(a.site, a.field) for a in alerts] == [(HARBOUR, "author")]
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute(
            "SELECT site_name, field, baseline, observed, articles, baseline_articles FROM site_alerts"
        ).fetchall()
        summary = load_summary(con, "now")
        quiet = load_summary(con, "yesterday")
    finally:
        con.close()
    assert stored == [(HARBOUR, "author", 1.0, 0.0, 5, 6)]
    assert summary.alerts == alerts and quiet.alerts == []
    markdown = to_markdown(summary)
    assert "## Alerts" in markdown
    assert f"- {HARBOUR}: author 100% → 0% (5 articles; 6 in the previous 7 days)" in markdown
    assert "## Alerts" not in to_markdown(quiet)


def test_a_load_like_its_week_raises_no_alert(tmp_path):
    with Writer(tmp_path / "steady.duckdb") as w:
        load(w, "monday", NOW - 3 * DAY, [page("monday", i, words=200) for i in range(6)])
        # one page without a byline and slightly longer texts: ordinary variation, not a new template
        load(w, "tuesday", NOW - 2 * DAY, [page("tuesday", i, author=i > 0, words=210) for i in range(6)])
        w.record_site_health("tuesday")
        sites = site_health(w.con, "tuesday")
    (harbour,) = sites
    assert harbour.baseline is not None and harbour.baseline.articles == 6
    assert harbour.now.with_author == pytest.approx(5 / 6)
    assert template_alerts(sites) == []
