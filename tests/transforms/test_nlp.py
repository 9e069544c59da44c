"""The NLP pass: English articles get entity spans and key phrases; others say why not."""

from __future__ import annotations

from transforms import nlp
from transforms.nlp import annotate, load_model, noun_phrases, split_text
from transforms.records import Article

TEXT = (
    "The city council of Eastfield approved the new tram line on Tuesday. Mayor Anna Lindqvist said the tram "
    "line would open in 2027. The tram line will link Eastfield station with the university hospital, and the "
    "council expects the tram line to carry twelve thousand passengers a day."
)


def article(text: str, language: str | None) -> Article:
    return Article(source="x", sha256="0", media_type="text/plain", text=text, language=language)


def test_english_articles_get_entities_and_key_phrases():
    (note,) = annotate([article(TEXT, "en")])
    assert note.skipped is None
    people = {s.text for s in note.spans if s.label == "PERSON"}
    assert "Anna Lindqvist" in people
    phrases = [p for p, _ in note.keywords]
    assert phrases[0].lower() == "tram line"  # used four times, in the lead
    assert note.keywords[0][1] == 1.0 and all(0 < score <= 1 for _, score in note.keywords)
    assert not any(p.lower().startswith(("the ", "a ")) for p in phrases)
    assert "Tuesday" not in phrases


def test_other_languages_are_skipped_with_the_reason():
    german, unknown = annotate([article("Der Stadtrat hat die Deichlinie beschlossen.", "de"), article(TEXT, None)])
    assert (german.skipped, german.spans, german.keywords) == ("language_de", (), ())
    assert unknown.skipped == "language_unknown"


def test_noun_phrases_are_runs_of_adjectives_and_nouns_ending_in_a_noun():
    doc = load_model()("Putin said other countries were not building a Cold War-style military alliance today.")
    phrases = [p.text for p in noun_phrases(doc)]
    assert "Cold War-style military alliance" in phrases  # hyphenated compounds stay whole
    assert "countries" in phrases  # the leading stop word "other" is dropped
    assert not any("said" in p or "building" in p for p in phrases)  # verbs end a phrase
    assert "today" not in phrases


def test_a_capitalised_word_opening_a_sentence_before_a_noun_is_not_a_person():
    from transforms.entities import spans_from_doc

    from spacy.tokens import Span

    doc = load_model()("Shipments fell.\nCod exports rose. Skaugrud said so.")
    cod = next(t.i for t in doc if t.text == "Cod")
    skaugrud = next(t.i for t in doc if t.text == "Skaugrud")
    # the model's mistake, set by hand so the test does not depend on the model making it
    doc.ents = [Span(doc, cod, cod + 1, label="PERSON"), Span(doc, skaugrud, skaugrud + 1, label="PERSON")]
    assert [s.text for s in spans_from_doc(doc) if s.label == "PERSON"] == ["Skaugrud"]


def test_the_model_tags_and_finds_entities_as_it_does_with_thincs_default_blis_products():
    import spacy
    from thinc.api import use_ops

    from transforms.nlp import MODEL

    text = TEXT + (
        " Lindqvist told reporters in Northport that the Baltic Transit Authority had paid 40 million euros."
        " Construction starts in March, according to Keller & Sons, the builder."
    )
    with use_ops("numpy"):  # thinc's default: NumpyOps multiplying with BLIS
        with_blis = spacy.load(MODEL, exclude=["parser", "attribute_ruler", "lemmatizer"])(text)
    ours = load_model()(text)
    assert load_model().get_pipe("tagger").model.ops.use_blis is False  # the comparison is not BLIS with itself
    assert [t.tag_ for t in ours] == [t.tag_ for t in with_blis]
    assert [(e.start_char, e.end_char, e.label_) for e in ours.ents] == [
        (e.start_char, e.end_char, e.label_) for e in with_blis.ents
    ]


def test_split_text_cuts_after_line_breaks_into_pieces_that_join_back():
    text = "First paragraph here.\nSecond one, a little longer.\nThird.\n" + "x" * 30
    pieces = split_text(text, 25)
    assert "".join(pieces) == text
    assert all(len(piece) <= 25 for piece in pieces)
    assert pieces[:3] == ["First paragraph here.\n", "Second one, a little ", "longer.\nThird.\n"]  # a space when no break fits
    assert pieces[3:] == ["x" * 25, "x" * 5]  # one word longer than the limit is cut where it must be
    assert split_text("short", 25) == ["short"]


def test_a_long_article_is_read_in_pieces_with_the_same_entities_at_their_places(monkeypatch):
    paragraphs = [f"Mayor Anna Lindqvist of Eastfield met Governor Tomas Berg in Harwich on day {n}." for n in range(40)]
    long_text = "\n".join(paragraphs)
    assert len(long_text) > 3 * 1000
    monkeypatch.setattr(nlp, "PIECE_CHARS", 1000)
    monkeypatch.setattr(nlp, "BATCH_CHARS", 2000)
    (in_pieces,) = annotate([article(long_text, "en")])
    monkeypatch.setattr(nlp, "PIECE_CHARS", 1_000_000)
    (whole,) = annotate([article(long_text, "en")])
    assert in_pieces == whole
    assert all(long_text[s.start : s.end] == s.text for s in in_pieces.spans)
    last = long_text.rindex("Tomas Berg")
    assert any(s.start == last and s.label == "PERSON" for s in in_pieces.spans)  # found in the last piece
