"""The enrich stage's tables: enrichment, entities, mentions, quotes, keywords, agencies, article
features, stories, their members and the entity -> stories lookup.

Every cost here follows the batch, not the warehouse: known names are read for the batch's own
names, candidate stories come from notes of recent placements by entity and month (a scan of
those months only), and their members from stored compact features (never from their texts).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from transforms import nlp
from transforms.enrich import Annotated, Enriched, StoredArticle, enrich_batch, enrichment_version, entity_id, names_to_look_up, quote_id
from transforms.entities import KnownNames
from transforms.records import Article, Dateline, Processed, PublicationDate
from transforms.stories import (
    WINDOW, Placement, Story, StoryDoc, TextFeatures, anchors, entity_weights, key_id, label_of, place, stored_doc,
)
from warehouse.aggregates import update_entity_aggregates

if TYPE_CHECKING:
    from warehouse.db import Writer

# Tables whose rows describe one article's enrichment; they are replaced with it.
ENRICHMENT_TABLES = ("enrichment", "mentions", "quotes", "keywords", "article_agencies", "article_features")
MEMBERS_COMPARED = 20  # articles per candidate story an article is compared with
STORIES_PER_ARTICLE = 8  # candidate stories per article: those sharing the most of its entities
STORIES_PER_BUCKET = 50  # latest stories per entity and month that are candidates
# An article is filed under, and looks for its story by, the entities it names most: each filing
# is a note (entity_story_notes), and an article that lists dozens of names once each is not about
# them. Placement still compares all its entities.
STORY_ENTITIES = 20
# An undated article's candidates are the stories filed in the last 100,000 placements (a few days
# of a large newsroom's feeds): without a month there is nothing else to bound its lookup by.
UNDATED_WINDOW = 100_000
PLACE_BATCH = 50  # articles placed together: what bounds the candidates held in memory at once
# Ids inlined into an IN list: DuckDB uses a primary-key index for a literal IN list but not for
# parameters or a join (measured on 1M rows: 1,000 lookups 0.07 s inlined, 1.2-1.8 s otherwise).
# Only our own ids (hex hashes and story ids) are inlined, and each is checked first.
_OWN_ID = re.compile(r"^[0-9a-z-]+$")
_IN_CHUNK = 1000


# What the enrich stage takes: the queue of articles loaded since (a run's own work, bounded by
# it), those lacking enrichment at the running version (after an upgrade: a pass over every
# article, as `newsflow enrich` runs it), or every article (`newsflow enrich --all`).
EnrichScope = Literal["queued", "stale", "all"]


# An article's place in the enrich stage's order: (is a copy, its publication day or
# date.max when it has none, article id). It is the order story placement wants (dated articles
# oldest first, then undated ones, copies last: transforms.stories.place), and each write is a
# run of it: placement meets a run's articles in one order however the run is cut into writes.
# The day is read from articles for the chosen ids: at 1M stored articles a selection of 400
# takes ~40 ms, against ~10 ms for the id order alone (a synthetic 1M-row table, 2 cores).
EnrichKey = tuple[bool, dt.date, str]


def select_to_enrich(w: Writer, *, scope: EnrichScope, after: EnrichKey | None, limit: int) -> list[EnrichKey]:
    """The keys of the next articles to enrich in `scope`, in the enrich order, after `after`."""
    copy_after, day_after, id_after = after if after is not None else (False, dt.date.min, "")  # before every key
    chosen = {
        "queued": "SELECT article_id FROM enrich_queue",
        "stale": "SELECT article_id FROM enrich_queue UNION SELECT a.article_id FROM articles a"
                 " LEFT JOIN enrichment e USING (article_id) WHERE e.version IS DISTINCT FROM $version",
        "all": "SELECT article_id FROM articles",
    }[scope]  # our own SQL, chosen by name
    rows = w.con.execute(
        f"""
        WITH chosen AS ({chosen}),
        keyed AS (
            SELECT d.article_id IS NOT NULL AS is_copy,
                   coalesce(CASE WHEN a.date_precision = 'day' THEN a.published_at END, DATE '9999-12-31') AS day,
                   c.article_id
            FROM chosen c
            JOIN articles a USING (article_id)
            LEFT JOIN duplicates d USING (article_id)
        )
        SELECT is_copy, day, article_id FROM keyed
        WHERE (is_copy, day, article_id) > ($copy_after, $day_after, $id_after)
        ORDER BY is_copy, day, article_id
        LIMIT $limit
        """,
        {"copy_after": copy_after, "day_after": day_after, "id_after": id_after, "limit": limit}
        | ({"version": enrichment_version()} if scope == "stale" else {}),
    ).fetchall()
    return [(bool(copy), day, aid) for copy, day, aid in rows]


def queue_for_enrichment(w: Writer, load_id: str, article_ids: Sequence[str]) -> None:
    """Put articles on the enrich stage's work list (again, if they were on it)."""
    if article_ids:
        w._append(
            "INSERT OR REPLACE INTO enrich_queue SELECT * FROM rows",
            {"article_id": pa.array(list(article_ids), pa.string()), "load_id": pa.array([load_id] * len(article_ids), pa.string())},
        )


def dequeue(w: Writer, article_ids: Sequence[str]) -> None:
    """Take articles off the enrich stage's work list (enriched, or no longer articles)."""
    _by_ids(w, "DELETE FROM enrich_queue WHERE article_id IN ({ids})", list(article_ids))


def stored_articles(w: Writer, article_ids: Sequence[str]) -> list[StoredArticle]:
    """The articles to enrich, as extraction stored them, with the article each copy duplicates."""
    rows = _by_ids(
        w,
        "SELECT a.article_id, a.source_uri, a.media_type, a.text, a.title, a.agencies, a.url, a.published_at,"
        " a.date_source, a.date_precision, a.dateline_place, a.dateline_text, a.dateline_month, a.dateline_day,"
        " a.language, a.word_count, d.duplicate_of FROM articles a LEFT JOIN duplicates d USING (article_id)"
        " WHERE a.article_id IN ({ids})",
        article_ids,
    )
    out = {}
    for aid, source, media, text, title, agencies, url, day, dsource, precision, place_, dtext, month, mday, lang, words, dup in rows:
        article = Article(
            source=source, sha256="", media_type=media, text=text, title=title, agencies=tuple(agencies), url=url,
            published=PublicationDate(day, dsource, precision) if day is not None else None,
            dateline=Dateline(place_, dtext, month, mday) if place_ is not None else None,
            language=lang, word_count=words,
        )
        out[aid] = StoredArticle(aid, article, dup)
    return [out[aid] for aid in article_ids if aid in out]


def write_enrichment(w: Writer, load_id: str, batch: Sequence[Annotated]) -> tuple[int, int]:
    """Replace the batch's enrichment, place the articles not yet in a story; (enriched, skipped)."""
    ids = [a.stored.article_id for a in batch]
    # Re-enrichment replaces rows; a new article has none, and deleting by a non-key column scans.
    enriched_before = [aid for (aid,) in _by_ids(w, "SELECT article_id FROM enrichment WHERE article_id IN ({ids})", ids)]
    delete_enrichment(w, enriched_before)
    canonical = [a for a in batch if a.annotation is not None]
    known = known_names(w, *names_to_look_up([a.annotation for a in canonical]))
    enriched = enrich_batch([(a.stored.article_id, a.stored.article, a.annotation) for a in canonical], known)
    enriched += [
        Enriched(a.stored.article_id, agencies=tuple(dict.fromkeys(a.stored.article.agencies)), skipped="duplicate")
        for a in batch if a.annotation is None
    ]
    _insert_enrichment(w, load_id, enriched)
    dequeue(w, ids)
    by_id = {e.article_id: e for e in enriched}
    items = [(a, by_id[a.stored.article_id], _doc(a, by_id[a.stored.article_id])) for a in batch]
    _insert_features(w, load_id, items)
    placed = w.in_stories(ids)
    todo = [item for item in items if item[0].stored.article_id not in placed]
    for start in range(0, len(todo), PLACE_BATCH):
        _place(w, load_id, todo[start : start + PLACE_BATCH])
    update_entity_aggregates(w.con, ids, enriched_before)
    done = sum(e.skipped is None for e in enriched)
    w.con.execute(
        "UPDATE loads SET enriched = enriched + ?, enrich_skipped = enrich_skipped + ? WHERE load_id = ?",
        [done, len(enriched) - done, load_id],
    )
    return done, len(enriched) - done


def delete_enrichment(w: Writer, article_ids: Sequence[str]) -> None:
    """Drop articles' enrichment rows, taking their mentions off their entities' counts."""
    if not article_ids:
        return
    columns = {"article_id": pa.array(list(article_ids), pa.string())}
    w._append(
        "UPDATE entities SET mentions = entities.mentions - m.n"
        " FROM (SELECT entity_id, count(*) AS n FROM mentions JOIN rows USING (article_id) GROUP BY entity_id) m"
        " WHERE entities.entity_id = m.entity_id",
        columns,
    )
    for table in ENRICHMENT_TABLES:  # our own table names, not input
        w._append(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM rows)", columns)


def known_names(w: Writer, names: set[str], words: set[str]) -> KnownNames:
    """What the warehouse knows of the names a batch uses: full people's names and majority types.

    Reads the entities table (kept per batch, with mention counts) for these names only, never
    every stored mention. For a one-word name, at most the two most mentioned full person names
    with that first or last word: a name used alone resolves only when exactly one full name can
    be meant (transforms/entities.py), so a second one says all there is to say, and a common
    first name ("John") would otherwise bring thousands of people from a large archive into
    every batch (at a million articles, a 200-article run's enrichment writes took 38.8 s of CPU
    with them, 17.2 s without: benchmarks/bench_growth.py).
    """
    if not names and not words:
        return KnownNames()
    rows = w._select(
        "SELECT e.name, e.type, e.mentions, true AS named FROM entities e"
        " WHERE e.name IN (SELECT name FROM rows WHERE name IS NOT NULL)"
        " UNION ALL"
        " SELECT name, 'PERSON', mentions, false FROM (SELECT DISTINCT word, name, mentions FROM ("
        "  SELECT r.word, e.name, e.mentions FROM entities e JOIN rows r ON e.first_word = r.word"
        "  WHERE e.type = 'PERSON' AND contains(e.name, ' ')"
        "  UNION ALL"
        "  SELECT r.word, e.name, e.mentions FROM entities e JOIN rows r ON e.last_word = r.word"
        "  WHERE e.type = 'PERSON' AND contains(e.name, ' ')"
        " )) QUALIFY row_number() OVER (PARTITION BY word ORDER BY mentions DESC, name) <= 2",
        _padded({"name": sorted(names), "word": sorted(words)}),
    )
    people = frozenset(n for n, kind, _, _ in rows if kind == "PERSON" and " " in n)
    # Votes from the rows found by name only: a person found by name and by word is one row twice,
    # and counting it twice would make a name's type depend on whether the batch also used a word of it.
    votes: dict[str, Counter[str]] = {}
    for name, kind, n, named in rows:
        if named and n and n > 0:
            votes.setdefault(name, Counter())[kind] += n
    types = {name: max(c, key=lambda k: (c[k], k)) for name, c in votes.items()}
    return KnownNames(people=people, types=types)


def _padded(lists: dict[str, list[str]]) -> dict[str, pa.Array]:
    """Columns of unequal lengths as one table, the shorter padded with NULLs."""
    n = max(len(v) for v in lists.values())
    return {k: pa.array(v + [None] * (n - len(v)), pa.string()) for k, v in lists.items()}


def _insert_enrichment(w: Writer, load_id: str, enriched: Sequence[Enriched]) -> None:
    if not enriched:
        return
    version = enrichment_version()
    w._append(
        "INSERT INTO enrichment (article_id, status, reason, model, load_id, version) SELECT * FROM rows",
        {
            "article_id": pa.array([e.article_id for e in enriched], pa.string()),
            "status": pa.array(["skipped" if e.skipped else "enriched" for e in enriched], pa.string()),
            "reason": pa.array([e.skipped for e in enriched], pa.string()),
            "model": pa.array([None if e.skipped else nlp.MODEL_VERSION for e in enriched], pa.string()),
            "load_id": pa.array([load_id] * len(enriched), pa.string()),
            "version": pa.array([version] * len(enriched), pa.string()),
        },
    )
    mentions = [(e.article_id, m) for e in enriched for m in e.mentions]
    if mentions:
        entities = {entity_id(m): m for _, m in mentions}
        counts = Counter(entity_id(m) for _, m in mentions)
        w._append(
            "INSERT INTO entities (entity_id, name, type, country_code, first_load_id, mentions, first_word, last_word)"
            " SELECT *, string_split(lower(name), ' ')[1], string_split(lower(name), ' ')[-1] FROM rows"
            " ON CONFLICT (entity_id) DO UPDATE SET mentions = coalesce(entities.mentions, 0) + excluded.mentions",
            {
                "entity_id": pa.array(list(entities), pa.string()),
                "name": pa.array([m.name for m in entities.values()], pa.string()),
                "type": pa.array([m.type for m in entities.values()], pa.string()),
                "country_code": pa.array([m.country_code for m in entities.values()], pa.string()),
                "first_load_id": pa.array([load_id] * len(entities), pa.string()),
                "mentions": pa.array([counts[e] for e in entities], pa.int64()),
            },
        )
        w._append(
            "INSERT INTO mentions SELECT * FROM rows",
            {
                "article_id": pa.array([a for a, _ in mentions], pa.string()),
                "entity_id": pa.array([entity_id(m) for _, m in mentions], pa.string()),
                "surface": pa.array([m.surface for _, m in mentions], pa.string()),
                "start_char": pa.array([m.start for _, m in mentions], pa.int32()),
                "end_char": pa.array([m.end for _, m in mentions], pa.int32()),
                "load_id": pa.array([load_id] * len(mentions), pa.string()),
            },
        )
    quotes = [(e, q) for e in enriched for q in e.quotes]
    if quotes:
        w._append(
            "INSERT INTO quotes SELECT * FROM rows ON CONFLICT (quote_id) DO NOTHING",
            {
                "quote_id": pa.array([quote_id(e.article_id, q) for e, q in quotes], pa.string()),
                "article_id": pa.array([e.article_id for e, _ in quotes], pa.string()),
                "text": pa.array([q.text for _, q in quotes], pa.string()),
                "speaker_entity_id": pa.array([_speaker_id(e, q) for e, q in quotes], pa.string()),
                "speaker_text": pa.array([q.speaker_text for _, q in quotes], pa.string()),
                "cue": pa.array([q.cue for _, q in quotes], pa.string()),
                "start_char": pa.array([q.start for _, q in quotes], pa.int32()),
                "end_char": pa.array([q.end for _, q in quotes], pa.int32()),
                "load_id": pa.array([load_id] * len(quotes), pa.string()),
            },
        )
    keywords = [(e.article_id, phrase, score) for e in enriched for phrase, score in e.keywords]
    if keywords:
        w._append(
            "INSERT INTO keywords SELECT * FROM rows",
            {
                "article_id": pa.array([k[0] for k in keywords], pa.string()),
                "phrase": pa.array([k[1] for k in keywords], pa.string()),
                "score": pa.array([k[2] for k in keywords], pa.float64()),
                "load_id": pa.array([load_id] * len(keywords), pa.string()),
            },
        )
    agencies = [(e.article_id, a) for e in enriched for a in e.agencies]
    if agencies:
        w._append(
            "INSERT INTO article_agencies SELECT * FROM rows",
            {
                "article_id": pa.array([a for a, _ in agencies], pa.string()),
                "agency": pa.array([g for _, g in agencies], pa.string()),
                "load_id": pa.array([load_id] * len(agencies), pa.string()),
            },
        )


def _speaker_id(enriched: Enriched, quote) -> str | None:  # type: ignore[no-untyped-def]
    """The entity id of a quote's speaker, when the speaker resolved to one of the article's mentions."""
    if quote.speaker is None:
        return None
    for mention in enriched.mentions:
        if mention.name == quote.speaker:
            return entity_id(mention)
    return None


def _entity_types(e: Enriched) -> dict[str, str]:
    return {m.key: m.type for m in e.mentions}


def _insert_features(w: Writer, load_id: str, items: Sequence[tuple[Annotated, Enriched, StoryDoc]]) -> None:
    if not items:
        return
    entities = [doc.entities for _, _, doc in items]
    w._append(
        "INSERT INTO article_features SELECT * FROM rows",
        {
            "article_id": pa.array([a.stored.article_id for a, _, _ in items], pa.string()),
            "terms": pa.array([list(a.features.terms) for a, _, _ in items], pa.list_(pa.uint64())),
            "weights": pa.array([list(a.features.terms.values()) for a, _, _ in items], pa.list_(pa.float64())),
            "shingle_rate": pa.array([a.features.rate for a, _, _ in items], pa.int32()),
            "shingles": pa.array([sorted(a.features.shingles) for a, _, _ in items], pa.list_(pa.uint32())),
            "entity_ids": pa.array([list(x) for x in entities], pa.list_(pa.uint64())),
            "entity_weights": pa.array([list(x.values()) for x in entities], pa.list_(pa.float64())),
            "load_id": pa.array([load_id] * len(items), pa.string()),
        },
    )


def _doc(a: Annotated, e: Enriched) -> StoryDoc:
    """The article as placement sees it."""
    art = a.stored.article
    day = art.published.value if art.published and art.published.precision == "day" else None
    dateline = art.dateline
    return stored_doc(
        a.stored.article_id,
        label_of(art.title, art.text),
        day,
        (dateline.month, dateline.day) if dateline and dateline.month and dateline.day else None,
        entity_weights(_entity_types(e)),
        a.features,
        a.stored.duplicate_of,
    )


def _place(w: Writer, load_id: str, items: Sequence[tuple[Annotated, Enriched, StoryDoc]]) -> None:
    """Put articles into stories: candidates found by entity and month, compared by stored features."""
    docs = [doc for _, _, doc in items]
    filed = {a.stored.article_id: _filed_under(e) for a, e, _ in items}
    placements, touched = place(docs, _candidate_stories(w, docs, filed))
    w._append(
        "INSERT INTO story_members SELECT * FROM rows",
        {
            "article_id": pa.array([x.article_id for x in placements], pa.string()),
            "story_id": pa.array([x.story_id for x in placements], pa.string()),
            "evidence": pa.array([x.evidence for x in placements], pa.string()),
            "score": pa.array([x.score for x in placements], pa.float64()),
            "published_on": pa.array([x.published_on for x in placements], pa.date32()),
            "wire_group_id": pa.array([x.wire_group_id for x in placements], pa.string()),
            "containment": pa.array([x.containment for x in placements], pa.float64()),
            "load_id": pa.array([load_id] * len(placements), pa.string()),
        },
    )
    # One upsert per story, by primary key: a new story is inserted, a story joined counts its
    # new articles, widens its dates and keeps a few of them for later comparisons (recounting
    # from story_members would scan it; placement only ever adds members).
    new: dict[str, list[Placement]] = {}
    for x in placements:
        new.setdefault(x.story_id, []).append(x)
    labels = {s.story_id: s.label for s in touched}
    days = {sid: [x.published_on for x in xs if x.published_on is not None] for sid, xs in new.items()}
    w._append(
        "INSERT INTO stories (story_id, label, first_published_at, last_published_at, article_count,"
        " created_load_id, updated_load_id, sample_members) SELECT * FROM rows"
        " ON CONFLICT (story_id) DO UPDATE SET article_count = stories.article_count + excluded.article_count,"
        " first_published_at = least(stories.first_published_at, excluded.first_published_at),"
        " last_published_at = greatest(stories.last_published_at, excluded.last_published_at),"
        " updated_load_id = excluded.updated_load_id,"
        " sample_members = list_slice(stories.sample_members || excluded.sample_members, 1, $cap)",
        {
            "story_id": pa.array(list(new), pa.string()),
            "label": pa.array([labels[sid] for sid in new], pa.string()),
            "first_published_at": pa.array([min(days[sid], default=None) for sid in new], pa.date32()),
            "last_published_at": pa.array([max(days[sid], default=None) for sid in new], pa.date32()),
            "article_count": pa.array([len(xs) for xs in new.values()], pa.int32()),
            "created_load_id": pa.array([load_id] * len(new), pa.string()),
            "updated_load_id": pa.array([load_id] * len(new), pa.string()),
            "sample_members": pa.array([[x.article_id for x in xs][:MEMBERS_COMPARED] for xs in new.values()], pa.list_(pa.string())),
        },
        {"cap": MEMBERS_COMPARED},
    )
    _note_entity_stories(w, [(filed[x.article_id], x.story_id, x.published_on) for x in placements])


def _month(day: dt.date) -> int:
    return day.year * 100 + day.month


def _filed_under(e: Enriched) -> set[int]:
    """The STORY_ENTITIES entities an article names most (ties by id): what it is filed under and finds stories by."""
    counts = Counter(key_id(m.key) for m in e.mentions)
    return set(sorted(counts, key=lambda k: (-counts[k], k))[:STORY_ENTITIES])


def _note_entity_stories(w: Writer, placed: Sequence[tuple[set[int], str, dt.date | None]]) -> None:
    """Append a note per placed article and entity it is filed under: its story and month, numbered in placement order."""
    last = _last_noted(w)
    # Only articles filed under some entity take a number: one without (no entities) at the end of
    # a write would leave a number unused that the next write takes, so numbers would follow how
    # a run was cut into writes.
    notes = [
        (key, _month(day) if day is not None else None, story_id, last + 1 + i)
        for i, (keys, story_id, day) in enumerate(p for p in placed if p[0])
        for key in sorted(keys)
    ]
    if not notes:
        return
    entity, month, story, noted = zip(*notes)
    w._append(
        "INSERT INTO entity_story_notes SELECT * FROM rows",
        {
            "entity": pa.array(entity, pa.uint64()),
            "month": pa.array(month, pa.int32()),
            "story_id": pa.array(story, pa.string()),
            "noted": pa.array(noted, pa.int64()),
        },
    )


def _last_noted(w: Writer) -> int:
    """The number of the latest placement noted (0 before any)."""
    # max() of a column is answered from DuckDB's statistics, not a scan (2-50 ms at 21M notes);
    # migrated notes are numbered below zero (024), so the first placement after them is 1.
    (last,) = w.con.execute("SELECT greatest(max(noted), 0) FROM entity_story_notes").fetchone()
    return int(last)


Probe = tuple[int, int | None]  # (entity, month yyyymm), or (entity, None) for an undated article


def _probes(doc: StoryDoc, filed: set[int]) -> list[Probe]:
    """Where an article's candidates come from: the entities it is filed under (its anchors among
    them, if any) in the months around its date, or with no month when it is undated."""
    keys = anchors({k: w for k, w in doc.entities.items() if k in filed}) or filed
    if doc.published is None:
        return [(k, None) for k in sorted(keys)]
    months = sorted({_month(d) for d in (doc.published - WINDOW, doc.published, doc.published + WINDOW)})
    return [(k, m) for k in sorted(keys) for m in months]


def _latest_stories(w: Writer, probes: set[Probe]) -> dict[Probe, list[tuple[str, int]]]:
    """The latest STORIES_PER_BUCKET stories noted under each probe, with when; an undated probe's
    among the last UNDATED_WINDOW placements, whatever their month."""
    found: dict[Probe, list[tuple[str, int]]] = {}
    dated = sorted(p for p in probes if p[1] is not None)
    if dated:
        # The months inlined (numbers we computed) let DuckDB skip row groups by their min/max;
        # a join alone would only bound them by the batch's first and last month.
        months = ", ".join(str(m) for m in sorted({m for _, m in dated if m is not None}))
        rows = w._select(
            "SELECT n.entity, n.month, n.story_id, max(n.noted) AS noted FROM entity_story_notes n"
            " SEMI JOIN rows p ON n.entity = p.entity AND n.month = p.month"
            f" WHERE n.month IN ({months}) GROUP BY 1, 2, 3"
            " QUALIFY row_number() OVER (PARTITION BY n.entity, n.month ORDER BY max(n.noted) DESC, n.story_id DESC) <= $cap",
            {"entity": pa.array([k for k, _ in dated], pa.uint64()), "month": pa.array([m for _, m in dated], pa.int32())},
            {"cap": STORIES_PER_BUCKET},
        )
        for entity, month, story_id, noted in rows:
            found.setdefault((entity, month), []).append((story_id, noted))
    undated = sorted({k for k, m in probes if m is None})
    if undated:
        # Inlined for the same reason: `noted` grows with the file, so only its last row groups are read.
        since = _last_noted(w) - UNDATED_WINDOW
        rows = w._select(
            "SELECT n.entity, n.story_id, max(n.noted) AS noted FROM entity_story_notes n SEMI JOIN rows p USING (entity)"
            f" WHERE n.noted > {since} GROUP BY 1, 2"
            " QUALIFY row_number() OVER (PARTITION BY n.entity ORDER BY max(n.noted) DESC, n.story_id DESC) <= $cap",
            {"entity": pa.array(undated, pa.uint64())},
            {"cap": STORIES_PER_BUCKET},
        )
        for entity, story_id, noted in rows:
            found.setdefault((entity, None), []).append((story_id, noted))
    return found


def _candidate_stories(w: Writer, docs: Sequence[StoryDoc], filed: dict[str, set[int]]) -> list[Story]:
    """Stories the articles may join, STORIES_PER_ARTICLE each (those sharing most entities, then
    the latest), and the stories of the articles copies duplicate; with MEMBERS_COMPARED members."""
    probes = {d.article_id: _probes(d, filed[d.article_id]) for d in docs if not d.duplicate_of}
    found = _latest_stories(w, {p for ps in probes.values() for p in ps})
    wanted: set[str] = set()
    for doc_probes in probes.values():
        shared: Counter[str] = Counter()
        latest: dict[str, int] = {}
        for probe in doc_probes:
            for sid, noted in found.get(probe, []):
                shared[sid] += 1
                latest[sid] = max(latest.get(sid, noted), noted)
        ranked = sorted(shared, key=lambda s: (-shared[s], -latest[s], s))
        wanted.update(ranked[:STORIES_PER_ARTICLE])
    originals = sorted({d.duplicate_of for d in docs if d.duplicate_of})
    homes = {aid: sid for aid, sid in _by_ids(w, "SELECT article_id, story_id FROM story_members WHERE article_id IN ({ids})", originals)}
    wanted.update(homes.values())
    if not wanted:
        return []
    story_rows = _by_ids(
        w,
        "SELECT story_id, label, first_published_at, last_published_at, sample_members FROM stories WHERE story_id IN ({ids})",
        sorted(wanted),
    )
    members: dict[str, list[str]] = {}
    for sid, *_, sample in story_rows:
        members[sid] = list(sample[:MEMBERS_COMPARED])
    for aid, sid in homes.items():
        if sid in members and aid not in members[sid]:
            members[sid].append(aid)  # a copy's original is always among those compared
    member_ids = sorted({m for ids in members.values() for m in ids})
    feats = {
        aid: row
        for aid, *row in _by_ids(
            w,
            "SELECT f.article_id, f.terms, f.weights, f.shingle_rate, f.shingles, f.entity_ids, f.entity_weights"
            " FROM article_features f WHERE f.article_id IN ({ids})",
            member_ids,
        )
    }
    placed = dict(_by_ids(
        w, "SELECT article_id, [published_on::VARCHAR, wire_group_id] FROM story_members WHERE article_id IN ({ids})", member_ids
    ))
    stories = []
    for sid, label, first, last, _ in sorted(story_rows):
        story = Story(sid, label, first, last)
        for aid in members[sid]:
            if aid not in feats or aid not in placed:
                continue  # enriched before features were stored: `newsflow enrich` catches it up
            terms, weights, rate, shingles, entity_ids, their_weights = feats[aid]
            day_text, group = placed[aid]
            day = dt.date.fromisoformat(day_text) if day_text else None
            features = TextFeatures(dict(zip(terms, weights)), frozenset(shingles), rate)
            story.add(stored_doc(aid, "", day, None, dict(zip(entity_ids, their_weights)), features), None)
            story.wire_groups[aid] = group
        stories.append(story)
    return stories


def _by_ids(w: Writer, sql: str, ids: Sequence[str]) -> list[tuple]:
    """Run `sql` with its `{ids}` replaced by a literal list of our own ids, a chunk at a time."""
    out: list[tuple] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        for i in chunk:
            if not _OWN_ID.match(i):
                raise ValueError(f"not an id of ours: {i!r}")
        table = w.con.execute(sql.format(ids=", ".join(f"'{i}'" for i in chunk))).to_arrow_table()
        # Through Arrow: fetchall builds nested lists value by value (1,200 articles' features:
        # 1.0 s against 0.04 s).
        out += zip(*(column.to_pylist() for column in table.columns))
    return out


def stories_of(w: Writer, article_ids: Sequence[str]) -> set[str]:
    if not article_ids:
        return set()
    return {sid for (sid,) in w._select(
        "SELECT DISTINCT sm.story_id FROM story_members sm JOIN rows USING (article_id)",
        {"article_id": pa.array(list(article_ids), pa.string())},
    )}


def redate_story_members(w: Writer, items: Sequence[Processed]) -> None:
    """A re-extracted article's own publication day (when it has one) becomes its date in its story."""
    days = {
        p.doc_id: art.published.value
        for p in items
        if (art := p.outcome).published is not None and art.published.precision == "day"
    }
    if not days:
        return
    w._append(
        "UPDATE story_members sm SET published_on = r.published_on FROM rows r"
        " WHERE sm.article_id = r.article_id AND sm.published_on IS DISTINCT FROM r.published_on",
        {
            "article_id": pa.array(list(days), pa.string()),
            "published_on": pa.array(list(days.values()), pa.date32()),
        },
    )


def refresh_stories(w: Writer, load_id: str, story_ids: set[str]) -> None:
    """Recount stories whose members changed and widen or narrow their dates; drop stories left empty."""
    if not story_ids:
        return
    columns = {
        "story_id": pa.array(sorted(story_ids), pa.string()),
        "load_id": pa.array([load_id] * len(story_ids), pa.string()),
    }
    w._append(
        "UPDATE stories s SET first_published_at = m.first, last_published_at = m.last,"
        " article_count = m.n, updated_load_id = m.load_id"
        " FROM (SELECT r.story_id, any_value(r.load_id) AS load_id, min(sm.published_on) AS first,"
        "       max(sm.published_on) AS last, count(*)::INTEGER AS n"
        "       FROM rows r JOIN story_members sm USING (story_id) GROUP BY r.story_id) m"
        " WHERE s.story_id = m.story_id"
        " AND (s.first_published_at, s.last_published_at, s.article_count) IS DISTINCT FROM (m.first, m.last, m.n)",
        columns,
    )
    w._append(
        "DELETE FROM stories WHERE story_id IN (SELECT story_id FROM rows)"
        " AND story_id NOT IN (SELECT story_id FROM story_members)",
        columns,
    )


def in_stories(w: Writer, article_ids: Sequence[str]) -> set[str]:
    """Those of the articles already placed in a story."""
    return {aid for (aid,) in _by_ids(w, "SELECT article_id FROM story_members WHERE article_id IN ({ids})", list(article_ids))}
