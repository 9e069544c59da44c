"""The warehouse writer: migrations, one transaction per batch, idempotent loads, dedup across runs."""

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap

import duckdb
import pytest

from transforms import nlp, records
from transforms.dedup import fingerprint
from transforms.enrich import annotate_stored
from transforms.records import Processed, compress_raw, doc_id
from transforms.records import Article, PublicationDate, Rejection
from warehouse.db import Selection, Writer, connect, migrations

STORY = " ".join(
    f"Paragraph {i}: the harbour board voted on the ferry timetable for ward {i} while residents "
    f"asked for a later sailing and the mayor promised a review before month {i} ends."
    for i in range(10)
)
OTHER = " ".join(f"Grain futures item {i} rose by {i} cents in thin trading across distant markets." for i in range(30))


def processed(source: str, text: str, raw: str | None = None, **fields) -> Processed:
    """An article extracted from `raw` (default: the text itself) at `source`."""
    data = (raw if raw is not None else text).encode()
    sha = hashlib.sha256(data).hexdigest()
    article = Article(source=source, sha256=sha, media_type="text/plain", text=text, word_count=len(text.split()), **fields)
    return Processed(
        source, article, sha256=sha, size=len(data), mtime_ns=1, media_type="text/plain", encoding="utf-8",
        fingerprint=fingerprint(doc_id(source, sha), article), raw_compressed=compress_raw(data),
    )


def rejected(source: str, reason: str = "empty_file") -> Processed:
    return Processed(source, Rejection(source, "sniff", reason, "detail"), sha256=hashlib.sha256(b"").hexdigest(), size=0, mtime_ns=1, raw_compressed=compress_raw(b""))


def enrich(w: Writer, load_id: str, scope: str = "queued", batch: int = 500) -> tuple[int, int]:
    """The enrich stage in this process, as the flow runs it on its workers: (enriched, skipped)."""
    totals, after = (0, 0), None
    while chosen := w.select_to_enrich(scope=scope, after=after, limit=batch):
        after = chosen[-1]
        done = w.write_enrichment(load_id, annotate_stored(w.stored_articles([aid for *_, aid in chosen])))
        totals = (totals[0] + done[0], totals[1] + done[1])
    return totals


def count(db, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "wh.duckdb"


def test_migrations_are_numbered_applied_once_and_recorded(db):
    assert [name for _, name, _ in migrations()][:3] == ["001_core.sql", "002_views.sql", "003_site_health_by_load.sql"]
    connect(db).close()
    con = connect(db)
    applied = con.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
    con.close()
    assert [n for (n,) in applied] == [name for _, name, _ in migrations()]


def test_a_batch_lands_with_counts_that_add_up(db):
    with Writer(db) as w:
        w.start_load("L1")
        w.add_discovered("L1", 3, 0)
        counts = w.write_batch("L1", [processed("/a.txt", STORY), processed("/b.txt", OTHER), rejected("/c.html")])
        totals = w.finish_load("L1", "completed")
    assert (counts.loaded, counts.duplicates, counts.rejected) == (2, 0, 1)
    assert totals == {"discovered": 3, "loaded": 2, "duplicates": 0, "unchanged": 0, "rejected": 1}
    assert count(db, "articles") == 2 and count(db, "documents") == 3 and count(db, "rejects") == 1
    assert count(db, "raw_blobs") == 3


def test_writing_the_same_inputs_again_adds_nothing_and_counts_them_unchanged(db):
    batch = [processed("/a.txt", STORY), rejected("/c.html")]
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", batch)
        w.start_load("L2")
        counts = w.write_batch("L2", batch)
    assert (counts.loaded, counts.unchanged, counts.rejected) == (0, 2, 0)
    assert count(db, "articles") == 1 and count(db, "rejects") == 1 and count(db, "documents") == 2


def test_near_duplicates_are_found_against_earlier_loads(db):
    edited = "Updated at noon. " + STORY.replace("later sailing", "later ferry", 3)
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [processed("/a.txt", STORY)])
        w.start_load("L2")
        counts = w.write_batch("L2", [processed("/b.txt", edited)])
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT method, similarity, duplicate_of FROM duplicates").fetchone()
    con.close()
    assert counts.duplicates == 1
    assert row[0] == "near" and 0.5 <= row[1] < 1 and row[2] == doc_id("/a.txt", hashlib.sha256(STORY.encode()).hexdigest())


def test_canonical_view_completes_metadata_from_copies(db):
    first = processed("/000.txt", STORY, published=PublicationDate(dt.date(2023, 11, 8), "header_line"), byline="Wire")
    copy = processed("/001.txt", STORY + " Share this.", title="Ferry vote delayed")
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [first, copy])
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT title, published_at, date_source, copies FROM articles_canonical").fetchall()
    con.close()
    assert rows == [("Ferry vote delayed", dt.date(2023, 11, 8), "header_line", 2)]


def test_a_date_taken_from_a_copy_says_so(db):
    first = processed("/a.txt", STORY, title="Ferry vote delayed")
    copy = processed("/b.txt", STORY + " Share this.", published=PublicationDate(dt.date(2024, 3, 5), "jsonld"))
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [first, copy])
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT published_at, date_source FROM articles_canonical").fetchone()
    con.close()
    assert row == (dt.date(2024, 3, 5), "duplicate_of")


def test_a_dates_confidence_is_stored_and_shown_in_the_canonical_view(db):
    guessed = processed("/a.txt", STORY, published=PublicationDate(dt.date(2024, 3, 5), "htmldate", confidence="low"))
    declared = processed("/b.txt", OTHER, published=PublicationDate(dt.date(2024, 3, 6), "jsonld"))
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [guessed, declared, processed("/c.txt", OTHER.replace("Grain", "Rice"))])
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT source_uri, date_confidence FROM articles ORDER BY source_uri").fetchall()
    shown = con.execute("SELECT published_at, date_confidence FROM articles_canonical ORDER BY published_at").fetchall()
    con.close()
    assert stored == [("/a.txt", "low"), ("/b.txt", "high"), ("/c.txt", None)]
    assert (dt.date(2024, 3, 5), "low") in shown and (dt.date(2024, 3, 6), "high") in shown


def test_a_crash_in_the_middle_of_a_batch_leaves_the_previous_state(db, tmp_path):
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [processed("/a.txt", STORY)])
        w.finish_load("L1", "completed")
    # A real process dies (os._exit: no cleanup, no rollback call) after some rows of the
    # next batch were written inside its transaction.
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path[:0] = {sys.path!r}
        from tests.warehouse.test_writer import processed, OTHER
        from warehouse.db import Writer
        w = Writer({str(db)!r})
        w.start_load("L2")
        w._insert_duplicates = lambda *a, **k: os._exit(3)
        w.write_batch("L2", [processed("/b.txt", OTHER)])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path)
    assert result.returncode == 3
    assert count(db, "articles") == 1 and count(db, "documents") == 1 and count(db, "fingerprints") == 1
    con = duckdb.connect(str(db), read_only=True)
    statuses = dict(con.execute("SELECT load_id, status FROM loads").fetchall())
    con.close()
    assert statuses == {"L1": "completed", "L2": "running"}  # L2 died before finishing and wrote no rows


def test_readers_cannot_write(db):
    connect(db).close()
    con = connect(db, read_only=True)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM articles")
    con.close()


def rows(db, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_reprocessing_selects_what_the_running_extractor_has_not_seen(db, monkeypatch):
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [processed("/in/a.txt", STORY), processed("/in/b.txt", OTHER), rejected("/in/c.html")])
        w.start_load("L2")
        w.write_batch("L2", [processed("/other/d.txt", STORY.replace("harbour", "river"))])

        def chosen(**narrowed) -> list[str]:
            return [d.source_uri for d in w.documents_to_reprocess(Selection(**narrowed))]

        assert chosen() == []  # everything was extracted by the running version
        assert chosen(everything=True) == ["/in/a.txt", "/in/b.txt", "/in/c.html", "/other/d.txt"]
        # A rejection recorded before documents carried versions is out of date.
        w.con.execute("UPDATE documents SET extractor_version = NULL WHERE source_uri = '/in/c.html'")
        assert chosen() == ["/in/c.html"]
        # An article enriched by another NLP model is the enrich stage's to redo, not reprocessing's.
        monkeypatch.setattr(nlp, "MODEL_VERSION", "en_core_web_sm-9.9.9")
        assert chosen() == ["/in/c.html"]
        monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")  # an extractor upgrade
        assert chosen() == ["/in/a.txt", "/in/b.txt", "/in/c.html", "/other/d.txt"]
        assert chosen(load_id="L2") == ["/other/d.txt"]
        assert chosen(source_prefix="/in/") == ["/in/a.txt", "/in/b.txt", "/in/c.html"]
        assert chosen(since=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)) == []


def test_a_changed_article_keeps_its_id_its_copies_and_its_story(db, monkeypatch):
    a, copy = processed("/a.txt", STORY), processed("/b.txt", STORY + " Share this.")
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [a, copy, processed("/c.txt", OTHER)])
        enrich(w, "L1")
        (story,) = w.con.execute("SELECT story_id FROM story_members WHERE article_id = ?", [a.doc_id]).fetchone()
        monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")
        # The new extractor drops the first sentence of the same raw bytes.
        edited = processed("/a.txt", STORY.split(": ", 1)[1], raw=STORY)
        w.start_load("R1", kind="reprocess")
        counts = w.reprocess_batch("R1", [edited])
        assert (counts.loaded, counts.duplicates, counts.unchanged, counts.rejected) == (1, 0, 0, 0)
        text, version, load = w.con.execute(
            "SELECT text, extractor_version, load_id FROM articles WHERE article_id = ?", [a.doc_id]).fetchone()
        assert text == edited.outcome.text and version == "upgrade" and load == "R1"
        assert w.con.execute("SELECT exact_key FROM fingerprints WHERE article_id = ?", [a.doc_id]).fetchone() == (
            edited.fingerprint.exact_key,)
        assert w.con.execute("SELECT count(*) FROM minhash_bands WHERE article_id = ?", [a.doc_id]).fetchone()[0] == 32
        # Still the original: its copy still points at it, it is not judged a copy of its copy.
        assert w.con.execute("SELECT article_id, duplicate_of FROM duplicates").fetchall() == [(copy.doc_id, a.doc_id)]
        assert w.con.execute("SELECT story_id FROM story_members WHERE article_id = ?", [a.doc_id]).fetchone() == (story,)


def test_an_original_the_new_extractor_rejects_leaves_and_its_copies_are_judged_again(db, monkeypatch):
    a, copy, other = processed("/a.txt", STORY), processed("/b.txt", STORY + " Share this."), processed("/c.txt", OTHER)
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [a, copy, other])
        enrich(w, "L1")
        monkeypatch.setattr(records, "EXTRACTOR_VERSION", "upgrade")
        w.start_load("R1", kind="reprocess")
        w.add_discovered("R1", 2, 0)
        too_short = Processed("/a.txt", Rejection("/a.txt", "extract", "too_short", "3 words"), sha256=a.sha256, size=a.size)
        counts = w.reprocess_batch("R1", [too_short, other])
        totals = w.finish_load("R1", "completed")
    assert (counts.loaded, counts.duplicates, counts.unchanged, counts.rejected) == (0, 0, 1, 1)
    assert totals == {"discovered": 2, "loaded": 0, "duplicates": 0, "unchanged": 1, "rejected": 1}
    assert rows(db, "SELECT reason, content_sha256 FROM rejects WHERE load_id = 'R1'") == [("too_short", a.sha256)]
    for table in ("articles", "fingerprints", "minhash_bands", "enrichment", "story_members"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE article_id = ?", [a.doc_id]) == [(0,)], table
    # The copy has no original left: judged again, it stands alone, still in its story.
    assert rows(db, "SELECT count(*) FROM duplicates") == [(0,)]
    assert rows(db, "SELECT count(*) FROM story_members WHERE article_id = ?", [copy.doc_id]) == [(1,)]
    assert rows(db, "SELECT count(*) FROM stories s WHERE article_count <>"
                    " (SELECT count(*) FROM story_members m WHERE m.story_id = s.story_id)") == [(0,)]
    assert rows(db, "SELECT extractor_version FROM documents WHERE doc_id = ?", [a.doc_id]) == [("upgrade",)]


def test_a_story_is_counted_in_full_though_only_a_few_of_its_articles_are_compared(db, monkeypatch, lookalike_files):
    from flows.files import discover, outlet_of, read
    from transforms.pipeline import process_batch
    from warehouse import enrichment

    monkeypatch.setattr(enrichment, "MEMBERS_COMPARED", 1)  # candidate stories arrive with one member each
    files, _ = discover([str(f) for f in lookalike_files[:4]])  # one event, one file per batch
    with Writer(db) as w:
        w.start_load("L1", flow_run_id=None)
        for file in files:
            w.write_batch("L1", process_batch([read(file, max_bytes=10**7)], outlet_of, max_bytes=10**7))
            enrich(w, "L1")
    counts = rows(db, "SELECT article_count, (SELECT count(*) FROM story_members m WHERE m.story_id = s.story_id) FROM stories s")
    assert max(members for _, members in counts) >= 3  # the story grew past what was compared
    assert all(stored == members for stored, members in counts)
