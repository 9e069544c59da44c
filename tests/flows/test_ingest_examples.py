"""The default run: the bundled sample corpus (examples/README.md lists what each file should become)."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest import ingest
from tests.conftest import EXAMPLES
from tests.flows.warehouse_snapshot import differences, snapshot
from warehouse.db import Writer

runner = CliRunner()


def rel(uri: str) -> str:
    return uri.split("/examples/", 1)[1]


@pytest.fixture(scope="module")
def first_run(prefect_server, tmp_path_factory):
    db = tmp_path_factory.mktemp("examples") / "examples.duckdb"
    summary = ingest(db=str(db))
    return db, summary


def test_default_run_ingests_the_sample_corpus_and_the_counts_add_up(first_run):
    _, summary = first_run
    assert summary.status == "completed" and summary.balanced
    assert summary.counts == {"discovered": 31, "loaded": 22, "duplicates": 4, "unchanged": 0, "rejected": 5}


def test_extracted_files_are_written_in_writes_of_the_write_size_and_any_size_loads_alike(
    prefect_server, first_run, tmp_path, monkeypatch
):
    written: list[int] = []  # documents per write of extracted files (the 31 examples, none missing)
    write_batch = Writer.write_batch

    def counted(self, load_id, batch):
        written.append(len(batch))
        return write_batch(self, load_id, batch)

    monkeypatch.setattr(Writer, "write_batch", counted)
    loaded = {}
    for write_size in (4, 8):  # tasks of 4 files: one task to a write, then two
        monkeypatch.setenv("NEWSFLOW_WRITE_SIZE", str(write_size))
        loaded[write_size] = tmp_path / f"writes-of-{write_size}.duckdb"
        summary = ingest(db=str(loaded[write_size]), batch_size=4)
        assert summary.counts == {"discovered": 31, "loaded": 22, "duplicates": 4, "unchanged": 0, "rejected": 5}
    assert written == [4] * 7 + [3] + [8, 8, 8, 7]
    assert differences(snapshot(loaded[8]), snapshot(loaded[4])) == []
    # Enriched in writes of 4 as of 100 (the default run), in one order (oldest first), the
    # examples found the same stories and name the same entities.
    assert differences(snapshot(first_run[0]), snapshot(loaded[4])) == []


def test_each_kind_of_duplicate_is_found_with_its_evidence(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        """SELECT a.source_uri, o.source_uri, d.method, d.similarity FROM duplicates d
           JOIN articles a USING (article_id) JOIN articles o ON o.article_id = d.duplicate_of"""
    ).fetchall()
    con.close()
    found = {(rel(copy), rel(original), method) for copy, original, method, _ in rows}
    wire = "html/harbour-courier/2024/03/05/lisbon-dock-workers-strike-remote-cranes.html"
    assert found == {
        ("html/harbour-courier/amp/saltmarsh-foods-to-close-porthaven-packing-plant.html",
         "html/harbour-courier/2024/03/06/saltmarsh-foods-to-close-porthaven-packing-plant.html", "url"),
        ("html/northgate-post/world/portugal-container-port-halted-dockers-walk-out.html", wire, "near"),
        ("text/bayside-chronicle/lisbon-port-strike.txt", wire, "near"),
        ("text/riverside-digest/world/undersea-tunnel-skarvoy.txt",
         "text/eastbrook-herald/2024-03-08-skarvoy-tunnel-opens.txt", "exact"),
    }
    assert all(0.5 <= sim <= 1.0 for *_, sim in rows)


def test_rejects_carry_their_reasons(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    rejects = {rel(uri): reason for uri, reason in con.execute("SELECT source_uri, reason FROM rejects").fetchall()}
    con.close()
    assert rejects == {
        "rejects/empty.html": "empty_file",
        "rejects/logo.html": "binary_content",
        "rejects/annual-report.html": "binary_content",
        "html/harbour-courier/world-index.html": "not_article",
        "text/continent-now/video-flamingos-return-las-arenillas.txt": "too_short",
    }


def test_metadata_of_a_few_known_pages(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    rows = {
        rel(uri): rest
        for uri, *rest in con.execute(
            "SELECT source_uri, title, published_at::VARCHAR, date_source, authors, language FROM articles"
        ).fetchall()
    }
    con.close()
    assert rows["html/harbour-courier/2024/03/04/council-backs-kestrel-quay-dredging-plan.html"] == [
        "Council backs £14m plan to dredge Kestrel Quay", "2024-03-04", "jsonld", ["Morwenna Tallis", "Idris Penhaligon"], "en"]
    assert rows["html/lakeside-ledger/news/ice-fishing-derby-called-off.html"][1:3] == ["2024-02-19", "url"]
    assert rows["html/valley-tribune/local-news/water-main-break-closes-part-of-elm-street.html"][3] == []
    assert rows["html/northgate-post/world/portugal-container-port-halted-dockers-walk-out.html"][1] is None
    assert rows["html/elbtal-rundschau/region/stadtrat-beschliesst-neue-deichlinie-kleinwerder.html"][4] == "de"
    assert rows["text/diario-del-litoral/cooperativa-benialfaz-planta-zumo.txt"][4] == "es"
    legacy = rows["html/old-mill-gazette/stories/2024/cafe-kiosk-library-prize.html"]
    assert legacy[0] == "Café owner’s “little library” wins heritage prize"


def test_second_run_adds_nothing_and_counts_everything_unchanged(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "articles", "duplicates", "rejects", "raw_blobs")}
    con.close()
    summary = ingest(db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    loads = con.execute("SELECT count(*) FROM loads").fetchone()[0]
    con.close()
    assert after == before and loads >= 2
    assert summary.counts == {"discovered": 31, "loaded": 0, "duplicates": 0, "unchanged": 31, "rejected": 0}


def test_a_touched_file_with_the_same_bytes_is_unchanged(prefect_server, tmp_path):
    folder = tmp_path / "corpus"
    (folder / "text").mkdir(parents=True)
    source = EXAMPLES / "text" / "meridian-wire" / "2024-03-06-norway-seafood-exports.txt"
    target = folder / "text" / source.name
    target.write_bytes(source.read_bytes())
    db = tmp_path / "t.duckdb"
    ingest(paths=[str(folder)], db=str(db))
    target.write_bytes(source.read_bytes())  # new mtime, same bytes
    summary = ingest(paths=[str(folder)], db=str(db))
    assert summary.counts["unchanged"] == 1 and summary.counts["loaded"] == 0


def test_cli_extract_prints_one_json_object_per_input_without_a_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_DB", str(tmp_path / "never-created.duckdb"))
    result = runner.invoke(app, ["extract", str(EXAMPLES / "text" / "meridian-wire"), str(EXAMPLES / "rejects" / "empty.html")])
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 3
    article = next(o for o in objects if o["source"].endswith("2024-03-06-norway-seafood-exports.txt"))
    assert article["published_at"] == "2024-03-06" and article["date_source"] == "header_line"
    assert article["dateline"]["place"] == "Oslo" and article["agencies"] == ["Meridian"]
    assert set(article) >= {"source", "title", "authors", "site_name", "url", "published_at", "date_source", "language", "dateline", "agencies", "text"}
    empty = next(o for o in objects if o["source"].endswith("empty.html"))
    assert empty["rejected"]["reason"] == "empty_file"
    assert not (tmp_path / "never-created.duckdb").exists()


GAZETTE_STORIES = [
    ("Ferry timetable changes", "The island ferry will leave an hour earlier from Monday, the operator said, because of the tides this spring."),
    ("Library reopens", "The town library reopened on Saturday after a year of repairs to its roof and its flooded reading room."),
    ("Fish market moves", "Traders at the fish market will move to the new hall by the quay in May, the harbour board announced."),
    ("Lighthouse for sale", "The old lighthouse on the point is for sale, and the council hopes a buyer will open it to visitors again."),
]


def test_cli_extract_learns_an_outlets_template_lines_across_the_files_as_ingest_does(prefect_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_DB", str(tmp_path / "never-created.duckdb"))
    folder = tmp_path / "harbour-gazette"
    folder.mkdir()
    for n, (title, lead) in enumerate(GAZETTE_STORIES):
        more = f"Residents will be asked for their views at a meeting in the town hall on the {n + 3}th of the month."
        (folder / f"story-{n}.txt").write_text(f"{title}\n\n{lead}\n\n{more}\n\nRead the Harbour Gazette every morning.\n")
    result = runner.invoke(app, ["extract", str(folder)])
    assert result.exit_code == 0, result.output
    printed = {o["source"]: o["text"] for o in map(json.loads, result.stdout.splitlines())}
    assert len(printed) == 4 and not any("Harbour Gazette" in text for text in printed.values())

    ingest(paths=[str(folder)], db=str(tmp_path / "warehouse.duckdb"))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        loaded = dict(con.execute("SELECT source_uri, text FROM articles").fetchall())
    finally:
        con.close()
    assert loaded == printed


def test_cli_query_reads_the_warehouse_in_each_format(first_run):
    db, _ = first_run
    sql = "SELECT count(*) AS n FROM articles_canonical"
    as_json = runner.invoke(app, ["query", sql, "--db", str(db), "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == {"n": 22}
    as_csv = runner.invoke(app, ["query", sql, "--db", str(db), "--format", "csv"])
    assert as_csv.stdout.split() == ["n", "22"]
    as_table = runner.invoke(app, ["query", sql, "--db", str(db)])
    assert "22" in as_table.stdout


def test_cli_query_refuses_writes_and_reports_bad_sql_as_a_message(first_run):
    db, _ = first_run
    result = runner.invoke(app, ["query", "DELETE FROM articles", "--db", str(db)])
    assert result.exit_code == 1 and "read-only" in result.output.lower()
    result = runner.invoke(app, ["query", "SELECT nope FROM nowhere", "--db", str(db)])
    assert result.exit_code == 1 and "query failed" in result.output


def test_cli_stats_shows_tables_and_the_last_load(first_run):
    db, _ = first_run
    result = runner.invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "articles_canonical" in result.stdout and "outcome" in result.stdout


def test_cli_ingest_prints_the_summary_tables(prefect_server, tmp_path):
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "text" / "eastbrook-herald"), "--db", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.stdout and "Extraction health by site" in result.stdout


def test_articles_in_other_languages_and_copies_are_marked_not_enriched_with_the_reason(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT a.language, e.status, e.reason FROM enrichment e JOIN articles a USING (article_id)"
            " ANTI JOIN duplicates d USING (article_id)"
        ).fetchall()
        copies = con.execute(
            "SELECT DISTINCT e.status, e.reason, (SELECT count(*) FROM mentions m WHERE m.article_id = e.article_id)"
            " FROM enrichment e JOIN duplicates d USING (article_id)"
        ).fetchall()
        copy_count = con.execute("SELECT count(*) FROM duplicates").fetchone()[0]
        total = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()
    assert len(rows) + copy_count == total  # every article has its enrichment status: none is skipped silently
    # A copy is not annotated again: it points at its canonical article, which is.
    assert copy_count > 0 and copies == [("skipped", "duplicate", 0)]
    assert {(lang, status, reason) for lang, status, reason in rows if lang != "en"} == {
        ("de", "skipped", "language_de"),
        ("es", "skipped", "language_es"),
    }
    assert {status for lang, status, _ in rows if lang == "en"} == {"enriched"}


def test_the_people_named_are_people_not_words_capitalised_by_their_place(first_run):
    db, _ = first_run
    con = duckdb.connect(str(db), read_only=True)
    try:
        people = {name for (name,) in con.execute("SELECT name FROM entities WHERE type = 'PERSON'").fetchall()}
    finally:
        con.close()
    # words the model once took for people here: a sentence's first word ("Public works director
    # Dale Ostrowski said"), capitalised nouns, a place; places written as places ("the Alcântara
    # terminal", "the people of Skarvøy")
    assert not people & {"Public", "Bait", "café", "Cod", "Mill Pond", "Alcântara", "Skarvøy"}
    assert {"Dale Ostrowski", "Dai Trelawny", "Fiona Esterhuizen", "Mark Strand"} <= people


def test_cli_search_prints_ranked_articles(first_run):
    db, _ = first_run
    result = runner.invoke(app, ["search", "dock workers strike", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Lisbon dock workers" in result.stdout


def test_the_flow_run_is_named_for_what_it_does_and_the_load_points_to_it(first_run):
    from uuid import UUID

    from prefect.client.orchestration import get_client

    db, summary = first_run
    con = duckdb.connect(str(db), read_only=True)
    try:
        (run_id,) = con.execute("SELECT flow_run_id FROM loads WHERE load_id = ?", [summary.load_id]).fetchone()
    finally:
        con.close()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
    assert run.name.startswith("ingest examples 20")
    assert run.state is not None and run.state.is_completed()


def test_a_run_rejecting_more_than_the_limit_fails_with_a_message_and_keeps_its_data(prefect_server, tmp_path):
    db = tmp_path / "strict.duckdb"
    state = ingest(db=str(db), max_reject_ratio=0.1, return_state=True)  # the corpus rejects 5 of 31
    assert state.is_failed()
    assert "over the limit of 10%" in state.message
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, message, loaded, rejected = con.execute("SELECT status, message, loaded, rejected FROM loads").fetchone()
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()
    assert status == "failed" and "16%" in message
    assert (loaded, rejected, articles) == (22, 5, 26)  # every batch committed: consistent, nothing half-written


def test_cli_extract_reports_the_date_a_rejected_page_declares(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_DB", str(tmp_path / "never-created.duckdb"))
    short = tmp_path / "notice.html"
    short.write_text(
        "<html><head><title>Closed today</title>"
        "<meta property='article:published_time' content='2024-03-05T09:00:00+01:00'></head>"
        "<body><article><h1>Closed today</h1><p>The pier office is closed.</p></article></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["extract", str(short)])
    assert result.exit_code == 0, result.output
    (rejected,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert rejected["rejected"]["reason"] in ("too_short", "no_main_text")
    assert rejected["published_at"] == "2024-03-05" and rejected["date_source"] == "meta"


def test_cli_extract_credits_the_examples_wire_copies_to_the_agency_not_to_authors(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_DB", str(tmp_path / "never-created.duckdb"))
    copies = [
        EXAMPLES / "html" / "harbour-courier" / "2024" / "03" / "05" / "lisbon-dock-workers-strike-remote-cranes.html",
        EXAMPLES / "html" / "northgate-post" / "world" / "portugal-container-port-halted-dockers-walk-out.html",
    ]
    result = runner.invoke(app, ["extract", *map(str, copies)])
    assert result.exit_code == 0, result.output
    for copy in map(json.loads, result.stdout.splitlines()):
        assert copy["authors"] == [] and copy["byline"] == "Meridian Wire" and copy["agencies"] == ["Meridian"]
