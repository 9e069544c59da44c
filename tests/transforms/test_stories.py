"""Stories: incremental placement by text, entities and dates; wire copy by containment."""

from __future__ import annotations

import datetime as dt
import hashlib

from transforms.enrich import entity_id
from transforms.records import Mention
from transforms.stories import STRONG_SCORE, Story, containment, cosine, key_id, place, story_doc

PUTIN = "PERSON:Vladimir Putin"
ZHANG = "PERSON:Zhang Youxia"
RUSSIA, CHINA = "GPE:RU", "GPE:CN"
WIRE = (
    "Russian President Vladimir Putin said on Wednesday that Moscow and Beijing were not building a military "
    "alliance like those of the Cold War, while praising high-tech military cooperation with China after talks "
    "with General Zhang Youxia in the Kremlin, where the two sides discussed joint exercises and arms sales."
)
OTHER_OUTLET = (
    "Putin told visiting Chinese general Zhang Youxia that military ties with Beijing were a priority for "
    "Moscow, though he insisted the partnership was no Cold War bloc aimed at other countries."
)
LATER_EVENT = (
    "A year later Sergei Shoigu met Wang Yi in Beijing for security talks, saying Moscow and China must resist "
    "containment by the United States and deepen their military cooperation."
)
UNRELATED = "The council approved a new tram line to Eastfield after a public consultation on fares and routes."


def doc(aid, text, day=None, entities=(), dateline=None, duplicate_of=None, title=None):
    types = {key: key.split(":")[0] for key in entities}
    return story_doc(aid, title, text, day, dateline, types, duplicate_of)


def test_articles_on_one_event_within_days_form_one_story():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    second = doc("a2", OTHER_OUTLET, dt.date(2023, 11, 9), [PUTIN, ZHANG, CHINA])
    placements, stories = place([second, first], [])
    assert len(stories) == 1
    by_id = {p.article_id: p for p in placements}
    assert by_id["a1"].evidence == "new_story"  # the older article starts the story, whatever the order given
    assert by_id["a2"].story_id == by_id["a1"].story_id and by_id["a2"].evidence in ("entities", "text")
    assert (stories[0].first, stories[0].last) == (dt.date(2023, 11, 8), dt.date(2023, 11, 9))


def test_the_same_people_a_year_later_are_another_story():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    later = doc("a3", LATER_EVENT, dt.date(2024, 11, 13), ["PERSON:Sergei Shoigu", "PERSON:Wang Yi", RUSSIA, CHINA])
    placements, stories = place([first, later], [])
    assert len({p.story_id for p in placements}) == 2


def test_a_dateline_without_a_year_takes_the_storys_year():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    datelined = doc("a2", OTHER_OUTLET, None, [PUTIN, ZHANG, CHINA], dateline=(11, 10))
    placements, _ = place([first, datelined], [])
    assert placements[1].story_id == placements[0].story_id
    assert placements[1].published_on == dt.date(2023, 11, 10)


def test_an_undated_article_joins_only_on_strong_evidence():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    same_text = doc("a2", WIRE + " Officials gave no further details.", None, [PUTIN, ZHANG, RUSSIA, CHINA])
    unrelated = doc("a3", UNRELATED, None, ["LOC:Eastfield"])
    placements, _ = place([first, same_text, unrelated], [])
    story = {p.article_id: p.story_id for p in placements}
    assert story["a2"] == story["a1"]
    assert story["a3"] != story["a1"]


SAME_PEOPLE_OTHER_EVENT = (
    "Vladimir Putin awarded General Zhang Youxia a state medal for services to friendship, at a ceremony "
    "honouring veterans of the air force and their families."
)


def test_an_undated_article_joins_when_text_and_entities_both_agree_and_its_evidence_is_kept():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    undated = doc("a2", OTHER_OUTLET, None, [PUTIN, ZHANG, CHINA])
    placements, (story,) = place([first, undated], [])
    joined = placements[1]
    assert joined.story_id == placements[0].story_id
    # what put it there: the stronger of the two agreements, their mean, and no date of its own
    assert joined.evidence == "entities" and joined.score is not None and joined.score >= STRONG_SCORE
    assert joined.published_on is None
    assert (story.first, story.last) == (dt.date(2023, 11, 8), dt.date(2023, 11, 8))


def test_an_undated_article_on_the_same_people_at_another_event_starts_its_own_story():
    # Every entity is shared, so the mean alone would be strong; the text is not.
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    other_event = doc("a2", SAME_PEOPLE_OTHER_EVENT, None, [PUTIN, ZHANG])
    assert 0.5 * cosine(other_event, first) + 0.5 * 1.0 >= STRONG_SCORE
    placements, _ = place([first, other_event], [])
    assert placements[1].story_id != placements[0].story_id and placements[1].evidence == "new_story"


def test_a_copy_joins_its_originals_story_and_wire_group():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN])
    copy = doc("a2", WIRE, None, [PUTIN], duplicate_of="a1")
    placements, _ = place([copy, first], [])
    by_id = {p.article_id: p for p in placements}
    assert by_id["a2"].evidence == "duplicate" and by_id["a2"].story_id == by_id["a1"].story_id
    assert by_id["a2"].wire_group_id == "a1" and by_id["a2"].containment == 1.0
    assert by_id["a2"].published_on == dt.date(2023, 11, 8)  # borrowed from its original


def test_wire_copy_is_grouped_by_containment_not_by_story():
    wire = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    rerun = doc("a2", "Moscow (AFP) - " + WIRE + " The talks will continue on Friday.", dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    rewrite = doc("a3", OTHER_OUTLET, dt.date(2023, 11, 8), [PUTIN, ZHANG, CHINA])
    placements, _ = place([wire, rerun, rewrite], [])
    groups = {p.article_id: p.wire_group_id for p in placements}
    assert len({p.story_id for p in placements}) == 1
    assert groups["a2"] == groups["a1"] == "a1"
    assert groups["a3"] == "a3"


def test_existing_stories_keep_their_ids_and_members():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, ZHANG, RUSSIA, CHINA])
    (placed,), (story,) = place([first], [])
    stored = Story(story.story_id, story.label, story.first, story.last, [first], {"a1": "a1"})
    placements, touched = place([doc("a2", OTHER_OUTLET, dt.date(2023, 11, 9), [PUTIN, ZHANG, CHINA])], [stored])
    assert placements[0].story_id == placed.story_id
    assert [m.article_id for m in touched[0].members] == ["a1", "a2"]


def test_containment_is_the_share_of_the_smaller_text():
    assert containment(frozenset({1, 2, 3}), frozenset({1, 2, 3, 4, 5, 6})) == 1.0
    assert containment(frozenset({1, 2}), frozenset({3})) == 0.0
    assert containment(frozenset(), frozenset({1})) == 0.0


def test_features_hold_numbers_an_entity_keys_being_its_entity_id():
    first = doc("a1", WIRE, dt.date(2023, 11, 8), [PUTIN, RUSSIA])
    assert first.entities == {key_id(PUTIN): 3.0, key_id(RUSSIA): 0.5}  # people weigh more than countries
    assert key_id("putin") in first.terms and all(isinstance(t, int) for t in first.terms)
    # Entity ids stay what every warehouse already holds: the first 16 hex digits of the key's SHA-256.
    putin = Mention("Putin", 0, 5, "Vladimir Putin", "PERSON")
    assert entity_id(putin) == hashlib.sha256(PUTIN.encode()).hexdigest()[:16] == f"{key_id(PUTIN):016x}"
