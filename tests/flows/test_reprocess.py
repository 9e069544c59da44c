"""The reprocess flow: stored documents extracted again from their raw bytes, without the network.

Flow runs go through a real Prefect test server. Runs that stand in for a new extractor change
module attributes (EXTRACTOR_VERSION, a word floor) in this process, so they use a thread task
runner: the flow code is the same, and the changed code is what the tasks run.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from prefect.task_runners import ThreadPoolTaskRunner
from typer.testing import CliRunner

from flows.cli import app
from flows.enrich import enrich
from flows.ingest import ingest
from flows.reprocess import raw_document, reprocess
from tests.conftest import EXAMPLES
from tests.web_site import Site
from transforms import html, nlp, plaintext, records
from warehouse.db import StoredDocument

in_process = reprocess.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))
enrich_in_process = enrich.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))

# Columns that say which run wrote a row, not what it holds.
RUN_COLUMNS = {"load_id", "first_load_id", "created_load_id", "updated_load_id"}

# What must hold after any run: nothing points at an article that is gone, clusters are one
# level deep, every article has its fingerprint, enrichment and story, stories count their members.
INVARIANTS = {
    "copies of articles that are gone": "SELECT count(*) FROM duplicates WHERE duplicate_of NOT IN (SELECT article_id FROM articles)"
    " OR article_id NOT IN (SELECT article_id FROM articles)",
    "copies of copies": "SELECT count(*) FROM duplicates WHERE duplicate_of IN (SELECT article_id FROM duplicates)",
    **{
        f"{table} rows of articles that are gone": f"SELECT count(*) FROM {table} WHERE article_id NOT IN (SELECT article_id FROM articles)"
        for table in ("fingerprints", "minhash_bands", "enrichment", "mentions", "quotes", "keywords", "article_agencies", "story_members")
    },
    "articles without fingerprint, enrichment or story": "SELECT count(*) FROM articles WHERE article_id NOT IN (SELECT article_id FROM fingerprints)"
    " OR article_id NOT IN (SELECT article_id FROM enrichment) OR article_id NOT IN (SELECT article_id FROM story_members)",
    "stories whose counts or dates are off": "SELECT count(*) FROM stories s LEFT JOIN (SELECT story_id, count(*) AS n,"
    " min(published_on) AS first, max(published_on) AS last FROM story_members GROUP BY story_id) m USING (story_id)"
    " WHERE (s.article_count, s.first_published_at, s.last_published_at) IS DISTINCT FROM (m.n, m.first, m.last)",
    "members of no story": "SELECT count(*) FROM story_members WHERE story_id NOT IN (SELECT story_id FROM stories)",
    "documents neither article nor rejected": "SELECT count(*) FROM documents d WHERE d.doc_id NOT IN (SELECT article_id FROM articles)"
    " AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.source_uri = d.source_uri AND r.content_sha256 = d.content_sha256)",
}


def query(db, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def contents(db, ignoring: set[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every warehouse table's rows (bar the run log), without the columns naming the run that wrote them."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
            " AND table_name NOT IN ('loads', 'schema_migrations') ORDER BY table_name"
        ).fetchall()]
        out = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?"
                " ORDER BY ordinal_position", [table]
            ).fetchall() if c not in RUN_COLUMNS | set(ignoring)]
            out[table] = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def broken_invariants(db) -> dict[str, int]:
    found = {name: query(db, sql)[0][0] for name, sql in INVARIANTS.items()}
    return {name: n for name, n in found.items() if n}


@pytest.fixture(scope="module")
def examples_db(prefect_server, tmp_path_factory):
    db = tmp_path_factory.mktemp("reprocess") / "examples.duckdb"
    summary = ingest(db=str(db))
    assert summary.status == "completed" and summary.counts["rejected"] == 5
    return db


@pytest.fixture
def db(examples_db, tmp_path):
    """A copy of the ingested sample corpus, for one test to change."""
    copy = tmp_path / "w.duckdb"
    shutil.copy(examples_db, copy)
    return copy


def test_an_extractor_upgrade_reprocesses_everything_records_the_version_and_a_rerun_changes_nothing(db, monkeypatch):
    before = contents(db, ignoring={"extractor_version"})
    (documents,) = query(db, "SELECT count(*) FROM documents")[0]
    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")

    first = reprocess(db=str(db))  # on the process pool, as a user runs it

    # The same code under a new version number: every document comes out as stored.
    assert first.kind == "reprocess" and first.status == "completed" and first.balanced
    assert first.counts == {"discovered": documents, "loaded": 0, "duplicates": 0, "unchanged": documents, "rejected": 0}
    assert query(db, "SELECT DISTINCT extractor_version FROM documents") == [("upgrade",)]
    assert query(db, "SELECT DISTINCT extractor_version FROM articles") == [("upgrade",)]
    assert contents(db, ignoring={"extractor_version"}) == before
    assert query(db, "SELECT kind, flow_run_id IS NOT NULL FROM loads WHERE load_id = ?", [first.load_id]) == [("reprocess", True)]

    after_first = contents(db)
    second = in_process(db=str(db))
    assert second.counts == {"discovered": 0, "loaded": 0, "duplicates": 0, "unchanged": 0, "rejected": 0}
    everything = in_process(db=str(db), all_documents=True)
    assert everything.counts == {"discovered": documents, "loaded": 0, "duplicates": 0, "unchanged": documents, "rejected": 0}
    assert contents(db) == after_first
    assert broken_invariants(db) == {}


def test_a_document_the_old_extractor_rejected_is_accepted_by_a_new_one(db, monkeypatch):
    short = str(EXAMPLES / "text/continent-now/video-flamingos-return-las-arenillas.txt")
    ((reason, old_load),) = query(db, "SELECT reason, load_id FROM rejects WHERE source_uri = ?", [short])
    assert reason == "too_short"
    # The new extractor keeps plain-text stubs down to five words.
    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")
    monkeypatch.setattr(plaintext, "MIN_WORDS", 5)

    summary = in_process(db=str(db))

    assert summary.balanced
    assert summary.counts == {"discovered": 31, "loaded": 1, "duplicates": 0, "unchanged": 30, "rejected": 0}
    ((article_id, version, load_id),) = query(
        db, "SELECT article_id, extractor_version, load_id FROM articles WHERE source_uri = ?", [short]
    )
    assert (version, load_id) == ("upgrade", summary.load_id)
    assert query(db, "SELECT doc_id FROM documents WHERE source_uri = ?", [short]) == [(article_id,)]
    assert query(db, "SELECT count(*) FROM story_members WHERE article_id = ?", [article_id]) == [(1,)]
    assert query(db, "SELECT count(*) FROM fingerprints WHERE article_id = ?", [article_id]) == [(1,)]
    # What the first load did stays on record; the reprocess load rejected nothing.
    assert query(db, "SELECT load_id FROM rejects WHERE source_uri = ?", [short]) == [(old_load,)]
    assert query(db, "SELECT count(*) FROM rejects WHERE load_id = ?", [summary.load_id]) == [(0,)]
    assert broken_invariants(db) == {}


def test_articles_a_new_extractor_rejects_leave_and_come_back_under_the_same_ids(db, monkeypatch):
    html_ids = {a for (a,) in query(db, "SELECT article_id FROM articles WHERE media_type = 'text/html'")}
    all_ids = {a for (a,) in query(db, "SELECT article_id FROM articles")}
    plain_before = query(db, "SELECT article_id, text FROM articles WHERE media_type = 'text/plain' ORDER BY ALL")
    wire_copy = str(EXAMPLES / "text/bayside-chronicle/lisbon-port-strike.txt")
    ((copy_id, original_id),) = query(
        db, "SELECT d.article_id, d.duplicate_of FROM duplicates d JOIN articles a USING (article_id) WHERE a.source_uri = ?", [wire_copy]
    )
    assert original_id in html_ids  # the plain-text copy of an HTML original
    # An extractor that finds no HTML page long enough.
    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")
    monkeypatch.setattr(html, "MIN_WORDS", 1_000_000)

    gone = in_process(db=str(db))

    assert gone.balanced and gone.counts["loaded"] == gone.counts["duplicates"] == 0
    rejected_now = dict(query(
        db, "SELECT d.doc_id, r.reason FROM rejects r JOIN documents d USING (source_uri, content_sha256) WHERE r.load_id = ?",
        [gone.load_id],
    ))
    assert html_ids <= rejected_now.keys() and {rejected_now[a] for a in html_ids} == {"too_short"}
    assert gone.counts["rejected"] == len(rejected_now)
    assert query(db, "SELECT article_id, text FROM articles ORDER BY ALL") == plain_before
    # The copy lost its original: judged again, it stands alone (no other copy of the story is
    # left) and keeps its story.
    assert query(db, "SELECT count(*) FROM duplicates WHERE article_id = ?", [copy_id]) == [(0,)]
    assert broken_invariants(db) == {}

    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade-2")
    monkeypatch.setattr(html, "MIN_WORDS", 25)
    back = in_process(db=str(db))

    assert back.balanced and back.counts["loaded"] + back.counts["duplicates"] == len(html_ids)
    assert {a for (a,) in query(db, "SELECT article_id FROM articles")} == all_ids
    assert broken_invariants(db) == {}


def test_a_newer_nlp_model_is_caught_up_by_enrich_without_reextracting(db, monkeypatch):
    (articles,) = query(db, "SELECT count(*) FROM articles")[0]
    before = contents(db, ignoring={"model", "version"})
    monkeypatch.setattr(nlp, "MODEL_VERSION", "en_core_web_sm-3.8.1")

    assert in_process(db=str(db), enrich=False).counts["discovered"] == 0  # extraction is not what changed
    summary = enrich_in_process(db=str(db))

    assert summary.kind == "enrich" and summary.status == "completed"
    assert summary.enrichment["enriched"] + summary.enrichment["skipped"] == articles
    assert query(db, "SELECT DISTINCT model FROM enrichment WHERE status = 'enriched'") == [("en_core_web_sm-3.8.1",)]
    assert contents(db, ignoring={"model", "version"}) == before  # the same model in fact: the same entities, quotes, stories
    assert enrich_in_process(db=str(db)).enrichment == {"enriched": 0, "skipped": 0}
    # --all re-enriches every article again, idempotently.
    again = enrich_in_process(db=str(db), everything=True)
    assert again.enrichment["enriched"] + again.enrichment["skipped"] == articles
    assert contents(db, ignoring={"model", "version"}) == before
    assert broken_invariants(db) == {}


def test_a_document_whose_raw_bytes_are_gone_stays_and_the_run_says_so(db):
    path = str(EXAMPLES / "text/bayside-chronicle/lisbon-port-strike.txt")
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM raw_blobs WHERE content_sha256 = (SELECT content_sha256 FROM documents WHERE source_uri = ?)", [path])
    con.close()
    before = query(db, "SELECT article_id, text FROM articles WHERE source_uri = ?", [path])

    summary = in_process(db=str(db), all_documents=True, source=path)

    assert summary.counts == {"discovered": 1, "loaded": 0, "duplicates": 0, "unchanged": 0, "rejected": 1}
    assert summary.rejects_by_reason == [("reprocess", "raw_missing", 1)]
    assert query(db, "SELECT article_id, text FROM articles WHERE source_uri = ?", [path]) == before


def test_reprocessing_needs_no_network(prefect_server, tmp_path, monkeypatch):
    db = tmp_path / "web.duckdb"
    with Site(crawl_delay=0.0) as site:
        pages = tmp_path / "pages.txt"
        # A page whose HTTP charset (ISO-8859-15) contradicts its meta tag (UTF-8): read without
        # its stored headers, its "€" would come out as "¤". And an AMP copy, a redirect, a
        # windows-1252 page, beside plain articles.
        paths = ("/articles/1.html", "/articles/3.html", "/amp/1.html", "/redirect/1", "/latin1.html", "/euro.html")
        pages.write_text("\n".join(site.url(p) for p in paths))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            '[fetch]\nallowed_networks = ["127.0.0.1/32"]\nretries = 0\n\n'
            f'[[source]]\nname = "pages"\nkind = "urls"\nlocation = "{pages}"\n\n'
            f'[[source]]\nname = "atom"\nkind = "feed"\nlocation = "{site.url("/atom.xml")}"\n'
        )
        loaded = ingest(sources=str(sources), db=str(db))
    assert loaded.counts["loaded"] + loaded.counts["duplicates"] == 8
    before = contents(db, ignoring={"extractor_version"})
    (documents,) = query(db, "SELECT count(*) FROM documents")[0]
    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")

    summary = reprocess(db=str(db))  # the site is gone

    assert summary.counts == {"discovered": documents, "loaded": 0, "duplicates": 0, "unchanged": documents, "rejected": 0}
    assert contents(db, ignoring={"extractor_version"}) == before
    assert query(db, "SELECT count(*) FROM fetches WHERE load_id = ?", [summary.load_id]) == [(0,)]
    assert query(db, "SELECT count(*) FROM articles WHERE contains(text, '€18')") == [(1,)]


def test_a_stored_page_is_extracted_with_its_final_url_and_http_charset():
    page = StoredDocument("d", "http://example.org/r", "sha", "http://example.org/a.html", "text/html; charset=windows-1252")
    raw = raw_document(page, b"<html>caf\xe9</html>")
    assert (raw.source, raw.url, raw.charset) == ("http://example.org/r", "http://example.org/a.html", "windows-1252")
    file = raw_document(StoredDocument("d", "/data/a.txt", "sha"), b"text")
    assert (file.url, file.charset, file.sha256) == (None, None, "sha")


def test_cli_reprocesses_a_folder_and_prints_the_summary(db):
    rejects = str(EXAMPLES / "rejects")
    result = CliRunner().invoke(app, ["reprocess", "--all", "--source", rejects, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Reprocess" in result.stdout and "unchanged" in result.stdout
    ((kind, discovered, unchanged),) = query(
        db, "SELECT kind, discovered, unchanged FROM loads ORDER BY started_at DESC LIMIT 1"
    )
    assert (kind, discovered, unchanged) == ("reprocess", 3, 3)


def test_cli_refuses_a_bad_since_and_a_missing_warehouse(tmp_path):
    bad = CliRunner().invoke(app, ["reprocess", "--since", "soon", "--db", str(tmp_path / "w.duckdb")])
    assert bad.exit_code == 2 and "neither an ISO date nor a duration" in bad.output
    missing = CliRunner().invoke(app, ["reprocess", "--db", str(tmp_path / "w.duckdb")])
    assert missing.exit_code == 1 and "no warehouse" in missing.output
    assert not (tmp_path / "w.duckdb").exists()
