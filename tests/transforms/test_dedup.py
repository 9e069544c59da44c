"""dedup: copies by canonical URL, by identical text, and by nearly identical text."""

from transforms.dedup import Fingerprint, exact_key, find_duplicates, minhash, similarity, url_key
from transforms.records import Article

STORY = " ".join(
    f"Paragraph {i}: the harbour board voted {i} times on the ferry timetable while residents of ward {i} "
    f"asked for a later sailing and the mayor promised a review before the {i}th of the month."
    for i in range(12)
)


def fp(article_id: str, text: str, url: str | None = None, duplicate_of: str | None = None) -> Fingerprint:
    return Fingerprint(article_id, exact_key(text), minhash(text), url_key(url), duplicate_of)


def test_exact_key_ignores_case_punctuation_and_spacing():
    assert exact_key("The Mayor said: yes!") == exact_key("the mayor   said yes")
    assert exact_key("The mayor said yes") != exact_key("The mayor said no")


def test_url_key_drops_tracking_parameters_scheme_and_www():
    assert url_key("https://www.example.com/news/a-story?utm_source=x&utm_medium=y") == url_key(
        "http://example.com/news/a-story"
    )
    assert url_key(None) is None


def test_similarity_is_high_for_small_edits_and_low_for_other_stories():
    edited = STORY.replace("Paragraph 3", "Section three") + " A final added sentence about the weather."
    other = " ".join(f"Unrelated item {i} on grain futures in distant markets rose by {i} cents." for i in range(40))
    assert similarity(minhash(STORY), minhash(edited)) > 0.7
    assert similarity(minhash(STORY), minhash(other)) < 0.1


def test_same_canonical_url_is_a_url_duplicate():
    verdicts = find_duplicates([fp("b", STORY + " amp version", "https://example.com/x?utm_campaign=z")],
                               [fp("a", STORY, "https://example.com/x")])
    assert [(v.article_id, v.duplicate_of, v.method) for v in verdicts] == [("b", "a", "url")]


def test_same_text_with_other_punctuation_is_an_exact_duplicate():
    verdicts = find_duplicates([fp("a", STORY), fp("b", STORY.upper())], [])
    assert [(v.article_id, v.duplicate_of, v.method, v.similarity) for v in verdicts] == [("b", "a", "exact", 1.0)]


def test_lightly_edited_copy_is_a_near_duplicate_with_its_similarity():
    edited = "Updated at noon. " + STORY.replace("ferry timetable", "ferry schedule", 2)
    (verdict,) = find_duplicates([fp("b", edited)], [fp("a", STORY)])
    assert verdict.method == "near" and verdict.duplicate_of == "a" and 0.5 <= verdict.similarity < 1.0


def test_a_copy_of_a_copy_points_at_the_root():
    known = [fp("root", STORY), fp("copy", STORY + " Extra line one.", duplicate_of="root")]
    (verdict,) = find_duplicates([fp("new", STORY + " Extra line one. Extra line two.")], known)
    assert verdict.duplicate_of == "root"


def test_distinct_stories_are_not_duplicates():
    other = " ".join(f"Unrelated item {i} on grain futures in distant markets rose by {i} cents." for i in range(40))
    assert find_duplicates([fp("b", other)], [fp("a", STORY)]) == []


def test_fingerprints_are_stable_across_calls():
    # Signatures are persisted and compared across runs and processes.
    assert (minhash(STORY) == minhash(STORY)).all()


def test_url_key_keeps_the_parameters_that_name_the_article():
    assert url_key("https://example.com/article.php?story=2023110812") != url_key(
        "https://example.com/article.php?story=2023110813"
    )
    assert url_key("https://example.com/index.php?option=com_content&view=article&id=5") != url_key(
        "https://example.com/index.php?option=com_content&view=article&id=6"
    )


def test_article_without_url_has_no_url_key():
    article = Article(source="a.txt", sha256="0", media_type="text/plain", text=STORY)
    assert url_key(article.url) is None
