"""The ingest flow on web sources, against a real HTTP site on 127.0.0.1 and a real Prefect server."""

from __future__ import annotations

import duckdb
import pytest

from flows.ingest import ingest
from tests.web_site import Site
from transforms.records import decompress_raw
from warehouse.reports import to_markdown

FAULTS = [
    "/missing.html", "/gone.html", "/flaky.html", "/busy.html", "/always-500.html", "/slow.html",
    "/slow-body.html", "/redirect/1", "/loop/a", "/redirect-far", "/redirect-private", "/huge.html",
    "/bomb.html", "/image.png", "/watch/budget-vote.html", "/latin1.html",
]
# What each input of the first run must come to (source path -> outcome or rejection reason).
EXPECTED_REJECTS = {
    "/tag/defence": "listing_url",
    "/media/photo.jpg": "media_url",
    "/private/secret.html": "robots_denied",
    "/missing.html": "http_404",
    "/gone.html": "http_410",
    "/always-500.html": "http_503",
    "/slow.html": "timeout",
    "/slow-body.html": "timeout",
    "/loop/a": "redirect_loop",
    "/redirect-far": "too_many_redirects",
    "/redirect-private": "private_address",
    "/huge.html": "too_large",
    "/bomb.html": "too_large",
    "/image.png": "media_url",  # refused from its URL, before any request
    "/watch/budget-vote.html": "not_html",  # refused from its Content-Type
}
EXPECTED_LOADED = {f"/articles/{n}.html" for n in range(1, 7)} | {"/flaky.html", "/busy.html", "/latin1.html"}
EXPECTED_DUPLICATES = {"/amp/1.html": "url", "/redirect/1": "url"}


@pytest.fixture
def site():
    with Site(crawl_delay=0.05, slow_seconds=3.0) as running:
        yield running


def write_sources(tmp_path, site: Site) -> str:
    faults = tmp_path / "faults.txt"
    faults.write_text("# fault routes\n" + "\n".join(site.url(p) for p in FAULTS) + "\n")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f"""
[fetch]
allowed_networks = ["127.0.0.1/32"]   # loopback only: the redirect to 169.254.169.254 stays refused
read_timeout = 1.0
total_timeout = 2.0
retries = 1
backoff = 0.05
max_bytes = 5242880

[[source]]
name = "courier-rss"
kind = "feed"
location = "{site.url('/feed.xml')}"

[[source]]
name = "courier-atom"
kind = "feed"
location = "{site.url('/atom.xml')}"

[[source]]
name = "courier-sitemaps"
kind = "sitemap"
location = "{site.url('/sitemap_index.xml')}"
since = "2020-01-01"

[[source]]
name = "faults"
kind = "urls"
location = "faults.txt"
"""
    )
    return str(sources)


def path_of(site: Site, url: str) -> str:
    return url.removeprefix(site.base)


def test_feeds_sitemaps_and_faults_end_in_the_warehouse_with_reasons_and_the_rerun_costs_little(
    prefect_server, tmp_path, site
):
    db = tmp_path / "web.duckdb"
    sources = write_sources(tmp_path, site)

    first = ingest(sources=sources, db=str(db))

    assert first.status == "completed" and first.balanced
    inputs = len(EXPECTED_REJECTS) + len(EXPECTED_LOADED) + len(EXPECTED_DUPLICATES)
    assert first.counts == {
        "discovered": inputs,
        "loaded": len(EXPECTED_LOADED),
        "duplicates": len(EXPECTED_DUPLICATES),
        "unchanged": 0,
        "rejected": len(EXPECTED_REJECTS),
    }
    assert first.web == {  # /articles/old.html: 2019
        "listings": 5, "skipped_older": 1, "deferred": 0, "skipped_outside_range": 0, "skipped_undated": 0,
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        rejects = dict(con.execute("SELECT source_uri, reason FROM rejects").fetchall())
        assert {path_of(site, u): r for u, r in rejects.items()} == EXPECTED_REJECTS

        loaded = {path_of(site, u) for (u,) in con.execute(
            "SELECT source_uri FROM articles WHERE article_id NOT IN (SELECT article_id FROM duplicates)"
        ).fetchall()}
        assert loaded == EXPECTED_LOADED
        duplicates = dict(con.execute(
            "SELECT a.source_uri, d.method FROM duplicates d JOIN articles a USING (article_id)"
        ).fetchall())
        assert {path_of(site, u): m for u, m in duplicates.items()} == EXPECTED_DUPLICATES

        # Tracking parameters are gone: the feed's ?utm_source=rss link became the plain URL.
        assert con.execute(
            "SELECT count(*) FROM articles WHERE source_uri LIKE '%utm_%'"
        ).fetchone() == (0,)
        # The redirect chain's final URL is recorded; the windows-1252 page decoded right.
        assert con.execute(
            "SELECT final_url FROM web_resources WHERE url = ?", [site.url("/redirect/1")]
        ).fetchone() == (site.url("/articles/2.html"),)
        (latin1,) = con.execute("SELECT text FROM articles WHERE source_uri = ?", [site.url("/latin1.html")]).fetchone()
        assert "é" in latin1 and "\u201c" in latin1 and "Ã" not in latin1

        # The raw response is kept: status, headers, and the body, so re-extraction needs no network.
        status, headers, sha = con.execute(
            "SELECT status, headers, content_sha256 FROM http_responses WHERE url = ?", [site.url("/articles/3.html")]
        ).fetchone()
        assert status == 200
        assert {h["name"]: h["value"] for h in headers}["content-type"].startswith("text/html")
        compression, blob = con.execute("SELECT compression, data FROM raw_blobs WHERE content_sha256 = ?", [sha]).fetchone()
        assert b"<html" in decompress_raw(blob, compression)
        etag, last_modified = con.execute(
            "SELECT etag, last_modified FROM web_resources WHERE url = ?", [site.url("/articles/3.html")]
        ).fetchone()
        assert etag and last_modified

        # Fetch figures: every URL asked about, with statuses and the robots denial.
        figures = dict(con.execute(
            "SELECT outcome, count(*) FROM fetches WHERE load_id = ? GROUP BY outcome", [first.load_id]
        ).fetchall())
        assert figures["robots_denied"] == 1 and figures["ok"] >= len(EXPECTED_LOADED) + 2
    finally:
        con.close()
    markdown = to_markdown(first)
    assert "## Fetching" in markdown and f"127.0.0.1:{site.base.rsplit(':', 1)[1]}" in markdown
    assert site.hits("/private/secret.html") == 0

    article_hits = {p: site.hits(p) for p in EXPECTED_LOADED}
    second = ingest(sources=sources, db=str(db))

    # Listed pages already settled cost no request; the listings answer 304 and are re-read
    # from the warehouse; only failures worth retrying are fetched again.
    retried = {"/missing.html", "/always-500.html", "/slow.html", "/slow-body.html"}
    assert second.status == "completed" and second.balanced
    assert second.counts == {
        "discovered": inputs,
        "loaded": 0,
        "duplicates": 0,
        "unchanged": inputs - len(retried),
        "rejected": len(retried),
    }
    assert {p: site.hits(p) for p in EXPECTED_LOADED} == article_hits
    con = duckdb.connect(str(db), read_only=True)
    try:
        listing_outcomes = dict(con.execute(
            "SELECT url, outcome FROM fetches WHERE load_id = ? AND kind <> 'page'", [second.load_id]
        ).fetchall())
        assert set(listing_outcomes.values()) == {"not_modified"} and len(listing_outcomes) == 5
        refetched = {path_of(site, u) for (u,) in con.execute(
            "SELECT url FROM fetches WHERE load_id = ? AND kind = 'page' AND requests > 0", [second.load_id]
        ).fetchall()}
        assert refetched == retried
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (len(EXPECTED_LOADED) + len(EXPECTED_DUPLICATES),)
    finally:
        con.close()


def test_a_url_given_directly_is_fetched_conditionally_on_the_next_run(prefect_server, tmp_path, site, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "true")
    db = str(tmp_path / "direct.duckdb")
    page, feed = site.url("/articles/3.html"), site.url("/atom.xml")

    first = ingest(paths=[page, feed], db=db)
    assert first.counts["loaded"] == 3  # article 3, and the Atom feed's articles 4 and 5
    assert first.web["listings"] == 1

    second = ingest(paths=[page, feed], db=db)
    assert second.counts == {"discovered": 3, "loaded": 0, "duplicates": 0, "unchanged": 3, "rejected": 0}
    conditional = [r for r in site.requests if r.path == "/articles/3.html"][-1]
    assert conditional.status == 304 and "if-none-match" in conditional.headers


def test_a_failing_feed_is_a_reject_and_the_run_goes_on(prefect_server, tmp_path, site, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "true")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[fetch]\nretries = 0\nbackoff = 0.01\n\n'
        f'[[source]]\nname = "down"\nkind = "feed"\nlocation = "{site.url("/always-500.html")}"\n\n'
        f'[[source]]\nname = "atom"\nkind = "feed"\nlocation = "{site.url("/atom.xml")}"\n'
    )
    summary = ingest(sources=str(sources), db=str(tmp_path / "w.duckdb"))
    assert summary.status == "completed" and summary.balanced
    assert summary.counts["loaded"] == 2
    assert summary.rejects_by_reason == [("discover", "http_503", 1)]
    # Prefect retried the transient failure: one request per task attempt (retries=2).
    assert site.hits("/always-500.html") == 3


def test_cli_ingests_a_url_list_and_prints_the_fetch_table(prefect_server, tmp_path, site):
    from typer.testing import CliRunner

    from flows.cli import app

    urls = tmp_path / "watch.txt"
    urls.write_text(f"{site.url('/articles/1.html')}\n{site.url('/missing.html')}\n")
    result = CliRunner().invoke(
        app, ["ingest", str(urls), "--allow-private-networks", "--db", str(tmp_path / "cli.duckdb")]
    )
    assert result.exit_code == 0, result.output
    assert "Fetching" in result.stdout and "http_404" in result.stdout


def test_a_backfill_fetches_a_date_range_of_a_sitemap_once(prefect_server, tmp_path, site):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nallowed_networks = ["127.0.0.1/32"]\nretries = 0\n\n'
        f'[[source]]\nname = "maps"\nkind = "sitemap"\nlocation = "{site.url("/sitemap_index.xml")}"\n'
        'since = "2023-11-01"\nmax_articles = 1\n'
    )
    db = str(tmp_path / "backfill.duckdb")

    first = ingest(sources=str(sources), db=db, backfill="2018-12-01..2019-01-31")

    # Only /articles/old.html (2019-01-01) is in the range, though older than `since`.
    assert first.status == "completed" and first.balanced
    assert first.counts == {"discovered": 1, "loaded": 1, "duplicates": 0, "unchanged": 0, "rejected": 0}
    assert first.web == {
        "listings": 3, "skipped_older": 0, "deferred": 0, "skipped_outside_range": 10, "skipped_undated": 0,
    }
    assert site.hits("/articles/old.html") == 1 and site.hits("/articles/6.html") == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT source_uri FROM articles").fetchall() == [(site.url("/articles/old.html"),)]
        assert con.execute(
            "SELECT skipped_outside_range FROM loads WHERE load_id = ?", [first.load_id]
        ).fetchone() == (10,)
    finally:
        con.close()

    # The same backfill again: the page is settled and costs no request.
    again = ingest(sources=str(sources), db=db, backfill="2018-12-01..2019-01-31")
    assert again.counts == {"discovered": 1, "loaded": 0, "duplicates": 0, "unchanged": 1, "rejected": 0}
    assert site.hits("/articles/old.html") == 1

    # An ordinary run honours `since` and `max_articles` again: old.html is older, one page is
    # fetched and the seven others are deferred.
    ordinary = ingest(sources=str(sources), db=db)
    assert (ordinary.counts["discovered"], ordinary.web["skipped_older"], ordinary.web["deferred"]) == (1, 1, 7)


def test_cli_refuses_a_bad_backfill_before_starting_anything(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(
        app, ["ingest", "https://example.org/sitemap.xml", "--backfill", "2026-01-31..2026-01-01", "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    assert "ends before it starts" in result.output
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_refuses_a_bad_sources_file_before_starting_anything(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "x"\nkind = "podcast"\nlocation = "https://example.org/"\n')
    result = CliRunner().invoke(app, ["ingest", "--sources", str(bad), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert "kind must be one of" in result.output
    assert not (tmp_path / "x.duckdb").exists()
