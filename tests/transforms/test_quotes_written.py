"""Who said it, on sentences written for this check, through the real NER model and the pipeline's
own annotate -> resolve_mentions -> find_quotes: the attribution shapes news copy uses beyond
'"...," X said', and the descriptions whose name is not the speaker's.
"""

from __future__ import annotations

import pytest

from transforms.entities import resolve_mentions
from transforms.nlp import annotate
from transforms.quotes import find_quotes
from transforms.records import Article, Quote

# (text, words of the quote, canonical speaker or None)
CASES = [
    # a name the model types ORG after a role noun, then "he said" for him, not for the woman before
    (
        "Managing director Fiona Esterhuizen said the decision had been hard. Staff would be offered jobs at"
        " Wrenmouth, she said.\n\nUnion organiser Dai Trelawny said few workers could make the trip."
        " “A bus for twelve months is not a plan, it is a press release,” he said.",
        "A bus for twelve months",
        "Dai Trelawny",
    ),
    # a speaker described in lowercase words, before or after the verb
    (
        '"We will appeal the ruling at the highest court," lawyer Marco Bellini wrote on social media.',
        "We will appeal",
        "Marco Bellini",
    ),
    ('"This is not over," tweeted former governor Bill Tanner, hours after the verdict.', "This is not over", "Bill Tanner"),
    (
        '"Well, that is quite different from the written answers," said a skeptical Robert Wolfe, the trust\'s chairman.',
        "Well, that is quite",
        "Robert Wolfe",
    ),
    # "According to X," opening the sentence
    (
        'Prime Minister Lars Eriksen met union leaders. According to Eriksen, "a deal is within reach if both sides move."',
        "a deal is within reach",
        "Lars Eriksen",
    ),
    # more speech verbs
    (
        'Economist Julia Hartmann cautioned against optimism: "Inflation will not fall below three percent soon."',
        "Inflation will not fall",
        "Julia Hartmann",
    ),
    (
        'The striking nurses marched to parliament. "We are exhausted and underpaid," Grace Mwangi shouted through a megaphone.',
        "We are exhausted",
        "Grace Mwangi",
    ),
    # a participle going on from the verb before it
    (
        '"Our members will not accept a pay cut," union chief Rahul Mehta said, adding that "a strike is now very likely."',
        "a strike is now",
        "Rahul Mehta",
    ),
    # an owner's description: the name in apposition speaks
    ('"We expect a verdict within weeks," said Moreau\'s lawyer, Claire Dupont.', "We expect a verdict", "Claire Dupont"),
    # a name inside someone else's description is not the speaker
    ('"He is innocent and we will prove it," the lawyer representing Daniel Moreau said.', "He is innocent", None),
    (
        '"The data were manipulated from the start," a former colleague of Dr. Ruth Adler told the inquiry.',
        "The data were manipulated",
        None,
    ),
    # a trade the model took into the name
    ('Historian Mira Solberg wrote in her report: "The archive was never catalogued."', "The archive was never", "Mira Solberg"),
    # a pronoun opening the next sentence, "added that" before the quote
    (
        'Mayor Helen Carter spoke to residents on Monday. She added that "the bridge will reopen by June."',
        "the bridge will reopen",
        "Helen Carter",
    ),
    # a first name the model left outside the span
    (
        '"This is the worst flooding we have seen since 1953," local councillor Gwen Parry said on Sunday.',
        "This is the worst flooding",
        "Gwen Parry",
    ),
]


@pytest.fixture(scope="module")
def quotes() -> list[list[Quote]]:
    articles = [
        Article(source=f"case-{i}", sha256="-", media_type="text/plain", text=text, language="en")
        for i, (text, _, _) in enumerate(CASES)
    ]
    notes = annotate(articles)
    mentions = resolve_mentions([(a.text, n.spans) for a, n in zip(articles, notes, strict=True)])
    return [find_quotes(a.text, m) for a, m in zip(articles, mentions, strict=True)]


@pytest.mark.parametrize("case", range(len(CASES)), ids=[words for _, words, _ in CASES])
def test_the_speaker_of_a_written_quote(quotes: list[list[Quote]], case: int) -> None:
    _, words, speaker = CASES[case]
    (quote,) = [q for q in quotes[case] if q.text.startswith(words)]
    assert quote.speaker == speaker
