"""The warehouse writer: migrations, one transaction per batch, idempotent loads, dedup across runs."""

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
import zlib

import duckdb
import pytest

from transforms.dedup import fingerprint
from transforms.records import Processed, doc_id
from transforms.records import Article, PublicationDate, Rejection
from warehouse.db import Writer, connect, migrations

STORY = " ".join(
    f"Paragraph {i}: the harbour board voted on the ferry timetable for ward {i} while residents "
    f"asked for a later sailing and the mayor promised a review before month {i} ends."
    for i in range(10)
)
OTHER = " ".join(f"Grain futures item {i} rose by {i} cents in thin trading across distant markets." for i in range(30))


def processed(source: str, text: str, **fields) -> Processed:
    data = text.encode()
    sha = hashlib.sha256(data).hexdigest()
    article = Article(source=source, sha256=sha, media_type="text/plain", text=text, word_count=len(text.split()), **fields)
    return Processed(
        source, article, sha256=sha, size=len(data), mtime_ns=1, media_type="text/plain", encoding="utf-8",
        fingerprint=fingerprint(doc_id(source, sha), article), raw_zlib=zlib.compress(data),
    )


def rejected(source: str, reason: str = "empty_file") -> Processed:
    return Processed(source, Rejection(source, "sniff", reason, "detail"), sha256=hashlib.sha256(b"").hexdigest(), size=0, mtime_ns=1, raw_zlib=zlib.compress(b""))


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
