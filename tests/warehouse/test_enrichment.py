"""The enrich stage's warehouse side: canonical articles only, a version per article, stories from
stored features, name counts kept per batch, and a warehouse of the previous schema caught up."""

import dataclasses
import datetime as dt
import re

import pyarrow as pa

from tests.warehouse.old_schema import warehouse_as_of
from tests.warehouse.test_writer import OTHER, STORY, enrich, processed, rows
from transforms.enrich import enrichment_version
from transforms.records import PublicationDate
from transforms.stories import key_id, text_features
from warehouse import enrichment
from warehouse.db import Writer, connect
from warehouse.loads import article_columns

DAY = PublicationDate(dt.date(2024, 3, 5), "jsonld")
PEOPLE = (
    "Mayor Lena Hartmann met harbour master Tomas Reyes on Tuesday. Hartmann said the ferry timetable "
    "would change, and Reyes said the harbour board agreed. "
)


def test_loading_annotates_nothing_and_the_enrich_stage_annotates_canonical_articles_only(tmp_path):
    db = tmp_path / "w.duckdb"
    original = processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)
    copy = processed("/b.txt", PEOPLE + STORY + " Share this.", language="en")
    other = processed("/c.txt", OTHER, language="en", published=DAY)
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [original, copy, other])
        assert w.con.execute("SELECT count(*) FROM enrichment").fetchall() == [(0,)]  # ingest alone: clean articles, no NLP
        assert enrich(w, "L1") == (2, 1)
        assert enrich(w, "L1") == (0, 0)  # the queue is empty now
        assert enrich(w, "L1", scope="stale") == (0, 0)  # and nothing lacks enrichment at the running version
    assert rows(db, "SELECT enriched, enrich_skipped FROM loads WHERE load_id = 'L1'") == [(2, 1)]
    assert rows(db, "SELECT status, reason, version FROM enrichment WHERE article_id = ?", [copy.doc_id]) == [
        ("skipped", "duplicate", enrichment_version())
    ]
    assert rows(db, "SELECT count(*) FROM mentions WHERE article_id = ?", [copy.doc_id]) == [(0,)]
    assert rows(db, "SELECT count(*) > 0 FROM mentions WHERE article_id = ?", [original.doc_id]) == [(True,)]
    # The copy joins its original's story and wire group; its agencies and date stay its own.
    placed = dict(rows(db, "SELECT article_id, [story_id, evidence, wire_group_id] FROM story_members"))
    assert placed[copy.doc_id] == [placed[original.doc_id][0], "duplicate", original.doc_id]
    assert rows(db, "SELECT count(*) FROM article_features") == [(3,)]


def test_entity_mention_counts_follow_every_batch_and_re_enrichment_changes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)])
        enrich(w, "L1")
        w.start_load("L2")
        w.write_batch("L2", [processed("/c.txt", PEOPLE + OTHER, language="en", published=DAY)])
        enrich(w, "L2")
        tables = ("mentions", "story_members", "article_features", "entity_story_notes")
        before = {t: w.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        w.start_load("E1", kind="enrich")
        assert enrich(w, "E1", scope="all") == (2, 0)
    counted = (
        "SELECT e.entity_id, e.mentions, count(m.entity_id) FROM entities e LEFT JOIN mentions m USING (entity_id)"
        " GROUP BY ALL HAVING e.mentions <> count(m.entity_id)"
    )
    assert rows(db, counted) == [] and rows(db, "SELECT sum(mentions) > 0 FROM entities") == [(True,)]
    after = {t: rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    # Ids and contents are the same; only the load that wrote the rows changed.
    assert {t: [tuple(x for x in r if x not in ("L1", "L2", "E1")) for r in v] for t, v in after.items()} == {
        t: [tuple(x for x in r if x not in ("L1", "L2", "E1")) for r in v] for t, v in before.items()
    }


def test_an_article_is_compared_with_a_bounded_number_of_stories(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    monkeypatch.setattr(enrichment, "STORIES_PER_ARTICLE", 2)
    seen: list[int] = []
    real = enrichment._candidate_stories

    def spy(w, docs, filed):
        found = real(w, docs, filed)
        seen.append(len(found))
        return found

    monkeypatch.setattr(enrichment, "_candidate_stories", spy)
    with Writer(db) as w:
        w.start_load("L1")
        # Five stories naming the same people a week apart in one month: each a story of its own.
        for i, words in enumerate(["grain", "tram", "school", "storm", "budget"]):
            text = PEOPLE + " ".join(f"The {words} item {j} was discussed {words} in {words} session {i}." for j in range(40))
            day = PublicationDate(dt.date(2024, 3, 1 + 7 * i), "jsonld")
            w.write_batch("L1", [processed(f"/{i}.txt", text, language="en", published=day)])
            enrich(w, "L1")
    assert rows(db, "SELECT count(*) FROM stories") == [(5,)]
    assert max(seen) == 2  # not every story naming them: the two sharing most, the latest first


def test_a_warehouse_of_the_previous_schema_migrates_and_enrich_catches_it_up(tmp_path):
    db = tmp_path / "old.duckdb"
    original = processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)
    copy = processed("/b.txt", PEOPLE + STORY + " Share this.", language="en")
    # The schema as of migration 008, with rows as the code before the enrich stage wrote them:
    # both the original and its copy annotated, stories without stored features.
    con = warehouse_as_of(db, 8)
    con.execute("INSERT INTO loads (load_id, started_at, status) VALUES ('L0', now(), 'completed')")
    columns = article_columns("L0", [original, copy])
    del columns["date_confidence"]  # added by migration 012
    con.register("rows", pa.table(columns))
    con.execute("INSERT INTO articles SELECT * FROM rows")
    con.unregister("rows")
    con.execute("INSERT INTO duplicates VALUES (?, ?, 'near', 0.9, 'L0')", [copy.doc_id, original.doc_id])
    lena = "0123456789abcdef"  # an entity id as enrichment spells them: 16 hex digits
    con.execute("INSERT INTO entities VALUES (?, 'Lena Hartmann', 'PERSON', NULL, 'L0')", [lena])
    for aid in (original.doc_id, copy.doc_id):
        con.execute("INSERT INTO enrichment VALUES (?, 'enriched', NULL, 'en_core_web_sm-3.8.0', 'L0')", [aid])
        con.execute("INSERT INTO mentions VALUES (?, ?, 'Lena Hartmann', 5, 18, 'L0')", [aid, lena])
    story = f"s-{original.doc_id[:16]}"
    con.execute("INSERT INTO stories VALUES (?, 'Ferry', '2024-03-05', '2024-03-05', 2, 'L0', 'L0')", [story])
    con.execute("INSERT INTO story_members VALUES (?, ?, 'new_story', NULL, '2024-03-05', ?, NULL, 'L0')", [original.doc_id, story, original.doc_id])
    con.execute("INSERT INTO story_members VALUES (?, ?, 'duplicate', 1.0, '2024-03-05', ?, 1.0, 'L0')", [copy.doc_id, story, original.doc_id])
    con.close()

    connect(db).close()  # migrates forward
    assert rows(db, "SELECT mentions FROM entities WHERE entity_id = ?", [lena]) == [(2,)]
    assert rows(db, "SELECT sample_members FROM stories") == [(sorted([original.doc_id, copy.doc_id]),)]
    # Lena Hartmann's lists (011), as notes (024): March 2024, and undated.
    assert rows(db, "SELECT entity, month, story_id FROM entity_story_notes ORDER BY month") == [
        (int(lena, 16), 202403, story), (int(lena, 16), None, story),
    ]

    with Writer(db) as w:
        w.start_load("E1", kind="enrich")
        # Enriched by older rules: not a scheduled run's work (that would be the whole archive)...
        assert w.select_to_enrich(scope="queued", after=None, limit=10) == []
        # ...but `newsflow enrich`'s: no reload, the stored articles enriched at the running version.
        assert enrich(w, "E1", scope="stale") == (1, 1)
    assert rows(db, "SELECT DISTINCT version FROM enrichment") == [(enrichment_version(),)]
    assert rows(db, "SELECT count(*) FROM mentions WHERE article_id = ?", [copy.doc_id]) == [(0,)]
    assert rows(db, "SELECT article_id, story_id FROM story_members ORDER BY ALL") == sorted(
        [(original.doc_id, story), (copy.doc_id, story)]
    )
    assert rows(db, "SELECT count(*) FROM article_features") == [(2,)]
    assert rows(
        db, "SELECT count(*) FROM entities e WHERE e.mentions <> (SELECT count(*) FROM mentions m WHERE m.entity_id = e.entity_id)"
    ) == [(0,)]


def test_articles_a_killed_run_left_unenriched_are_the_next_runs_work_and_nothing_else_is(tmp_path):
    db = tmp_path / "w.duckdb"
    first = processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)
    second = processed("/c.txt", OTHER, language="en", published=DAY)
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [first])  # the run stops here, before its enrich stage
        w.start_load("L2")
        w.write_batch("L2", [second])
        assert w.select_to_enrich(scope="queued", after=None, limit=10) == [(False, DAY.value, a) for a in sorted([first.doc_id, second.doc_id])]
        assert enrich(w, "L2") == (2, 0)
        assert w.select_to_enrich(scope="queued", after=None, limit=10) == []
        # A reprocess that changes an article's text puts it back on the list.
        changed = processed("/a.txt", PEOPLE + OTHER, language="en", published=DAY)
        w.start_load("R1", kind="reprocess")
        w.reprocess_batch("R1", [dataclasses.replace(changed, sha256=first.sha256)])
        assert w.select_to_enrich(scope="queued", after=None, limit=10) == [(False, DAY.value, first.doc_id)]
    assert rows(db, "SELECT count(*) FROM enrich_queue") == [(1,)]


def test_a_one_word_name_brings_at_most_two_people_of_that_name_from_the_warehouse(tmp_path):
    with Writer(tmp_path / "w.duckdb") as w:
        for i, (name, mentions) in enumerate([("Amara Okafor", 9), ("Amara Lindqvist", 5), ("Amara Castell", 1),
                                              ("Tomas Okafor", 3), ("Amara Bank", 40)]):
            kind = "ORG" if name == "Amara Bank" else "PERSON"
            w.con.execute(
                "INSERT INTO entities (entity_id, name, type, country_code, first_load_id, mentions, first_word, last_word)"
                " VALUES (?, ?, ?, NULL, 'L0', ?, ?, ?)",
                [f"e{i}", name, kind, mentions, name.split()[0].lower(), name.split()[-1].lower()],
            )
        known = enrichment.known_names(w, {"Amara", "Ines Duarte"}, {"amara", "okafor"})
        # "Amara": the two people most named (not the bank); "Okafor": both. Enough to know that
        # neither word alone can be resolved, whatever else the archive holds.
        assert known.people == {"Amara Okafor", "Amara Lindqvist", "Tomas Okafor"}
        assert known.types == {}  # of the batch's own names, the warehouse knows none


def test_a_names_warehouse_type_is_the_same_whether_or_not_the_batch_also_uses_a_word_of_it(tmp_path):
    with Writer(tmp_path / "w.duckdb") as w:
        for i, (kind, mentions) in enumerate([("PERSON", 3), ("ORG", 4)]):  # the model read it both ways
            w.con.execute(
                "INSERT INTO entities (entity_id, name, type, country_code, first_load_id, mentions, first_word, last_word)"
                " VALUES (?, 'Ines Duarte', ?, NULL, 'L0', ?, 'ines', 'duarte')",
                [f"e{i}", kind, mentions],
            )
        alone = enrichment.known_names(w, {"Ines Duarte"}, set())
        with_surname = enrichment.known_names(w, {"Ines Duarte", "Duarte"}, {"duarte"})
    # Found by name and again by "Duarte", the PERSON row is still 3 mentions, not 6.
    assert alone.types == with_surname.types == {"Ines Duarte": "ORG"}
    assert with_surname.people == {"Ines Duarte"}


def test_features_stored_as_words_and_entity_keys_migrate_to_the_ids_enrichment_now_writes(tmp_path):
    db = tmp_path / "w.duckdb"
    article = processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)
    with Writer(tmp_path / "fresh.duckdb") as w:  # what the running code stores for the article
        w.start_load("L1")
        w.write_batch("L1", [article])
        enrich(w, "L1")
        (now,) = w.con.execute(
            "SELECT map_from_entries(list_zip(terms, weights)), shingles, map_from_entries(list_zip(entity_ids, entity_weights))"
            " FROM article_features"
        ).fetchall()
        keys = dict(w.con.execute("SELECT e.type || ':' || e.name, e.type FROM mentions m JOIN entities e USING (entity_id)").fetchall())
    features = text_features(article.outcome.text)
    words = {key_id(w): w for w in re.findall(r"[^\W\d_][\w'’-]*", article.outcome.text.lower())}
    # The schema as of migration 022, with the row as that code wrote it: words and entity keys.
    con = warehouse_as_of(db, 22)
    con.execute(
        "INSERT INTO article_features VALUES (?, ?, ?, ?, ?, ?, ?, 'L0')",
        [article.doc_id, [words[t] for t in features.terms], list(features.terms.values()), features.rate,
         sorted(features.shingles), list(keys), list(keys.values())],
    )
    con.close()

    connect(db).close()  # migrates forward
    assert rows(
        db,
        "SELECT map_from_entries(list_zip(terms, weights)), shingles, map_from_entries(list_zip(entity_ids, entity_weights))"
        " FROM article_features",
    ) == [now]
    assert now[2] and set(now[2]) == {key_id(k) for k in keys}


def test_an_article_is_filed_under_the_entities_it_names_most(tmp_path, monkeypatch):
    monkeypatch.setattr(enrichment, "STORY_ENTITIES", 1)
    db = tmp_path / "w.duckdb"
    article = processed("/a.txt", PEOPLE + STORY, language="en", published=DAY)
    with Writer(db) as w:
        w.start_load("L1")
        w.write_batch("L1", [article])
        enrich(w, "L1")
    named = rows(db, "SELECT entity_id, count(*) FROM mentions GROUP BY ALL ORDER BY 2 DESC, 1")
    assert len(named) > 1
    most = named[0][0]
    assert rows(db, "SELECT entity, month FROM entity_story_notes") == [(int(most, 16), 202403)]


def test_candidates_are_the_latest_stories_per_entity_and_month_and_for_undated_articles_the_latest_placements(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(enrichment, "STORIES_PER_BUCKET", 2)
    monkeypatch.setattr(enrichment, "UNDATED_WINDOW", 1)
    db = tmp_path / "w.duckdb"
    with Writer(db) as w:
        w.start_load("L1")
        # Three stories naming the same people in March 2024; later, one in May naming others.
        for i, words in enumerate(["grain", "tram", "school"]):
            text = PEOPLE + " ".join(f"The {words} item {j} was discussed {words} in {words} session {i}." for j in range(40))
            day = PublicationDate(dt.date(2024, 3, 1 + 7 * i), "jsonld")
            w.write_batch("L1", [processed(f"/{i}.txt", text, language="en", published=day)])
            enrich(w, "L1")
        in_order = [sid for (sid,) in w.con.execute("SELECT story_id FROM stories ORDER BY first_published_at").fetchall()]
        (lena,) = w.con.execute("SELECT entity_id FROM entities WHERE name = 'Lena Hartmann'").fetchone()
        lena = int(lena, 16)
        march, undated = (lena, 202403), (lena, None)
        found = enrichment._latest_stories(w, {march, undated})
        assert [sid for sid, _ in found[march]] == in_order[:0:-1]  # the two latest, newest first
        assert [sid for sid, _ in found[undated]] == [in_order[-1]]  # placed last: inside a window of one
        later = "Minister Paul Okafor opened the Lagos bridge on Friday. " + OTHER
        w.write_batch("L1", [processed("/later.txt", later, language="en", published=PublicationDate(dt.date(2024, 5, 2), "jsonld"))])
        enrich(w, "L1")
        found = enrichment._latest_stories(w, {march, undated})
    assert [sid for sid, _ in found[march]] == in_order[:0:-1]  # a month's stories stay, however long ago
    assert undated not in found  # one placement later, out of an undated article's window
