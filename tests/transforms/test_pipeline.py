"""process_batch: what a batch of raw documents becomes, where documents of one site inform each other."""

from __future__ import annotations

import hashlib

from transforms.pipeline import process_batch
from transforms.records import Article, RawDocument, Rejection

PLACES = ("harbour", "ferry terminal", "old mill", "fish market", "lighthouse", "river quay")
DEEDS = ("reopened after repairs", "was closed by the council", "gets a new roof", "hosts a festival")

# What the Harbour Courier prints under every story, inside the article, where trafilatura keeps it.
STANDING_LINE = "The Harbour Courier is owned by its readers and answers to nobody else in this town."


def story(n: int) -> tuple[str, ...]:
    """Three paragraphs about one event, different for every n."""
    place, deed = PLACES[n % len(PLACES)], DEEDS[n % len(DEEDS)]
    return (
        f"The {place} {deed} on day {n} of the month, officials said, and residents gathered to watch "
        f"as workers finished the last of the jobs that had kept it quiet since story number {n} began.",
        f"Shop owners near the {place} told reporters that business had been slow for {n + 2} weeks and "
        "that they hoped the news would bring visitors back before the summer season starts in earnest.",
        f"A council spokesperson said the cost, about {n * 1000 + 500} euros, would come from the "
        f"maintenance budget, and that a full report on the {place} is due before the next meeting.",
    )


def page(n: int, host: str, extra: tuple[str, ...] = (), *, archived: bool = False) -> bytes:
    """A news page of `host` with story n, and `extra` paragraphs at the end of the article;
    `archived`: as web.archive.org serves it, its canonical URL the archive's."""
    body = "".join(f"<p>{p}</p>" for p in (*story(n), *extra))
    url = f"https://{host}/news/story-{n}"
    if archived:
        url = f"https://web.archive.org/web/2016052618164{n}/{url.replace('://', ':/')}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Story {n}</title>"
        f"<link rel='canonical' href='{url}'></head><body><nav><a href='/'>Home</a></nav>"
        f"<main><article><h1>Story {n}</h1>{body}</article></main><footer><p>Contact</p></footer></body></html>"
    ).encode()


def raw(data: bytes, source: str) -> RawDocument:
    return RawDocument(source=source, data=data, sha256=hashlib.sha256(data).hexdigest())


def texts(raws: list[RawDocument]) -> list[str]:
    results = [p.outcome for p in process_batch(raws, lambda source: source.rsplit("/", 1)[0])]
    assert all(isinstance(r, Article) for r in results), results
    return [r.text for r in results]


def test_a_paragraph_most_of_a_sites_pages_print_is_dropped_from_each_of_them():
    raws = [raw(page(n, "www.harbourcourier.example", (STANDING_LINE,)), f"in/courier-{n}.html") for n in range(4)]
    raws.append(raw(page(4, "www.harbourcourier.example"), "in/courier-4.html"))
    for n, text in enumerate(texts(raws)):
        assert STANDING_LINE not in text
        assert text.split("\n\n") == list(story(n))


def test_two_pages_of_a_site_do_not_make_a_template():
    raws = [raw(page(n, "www.harbourcourier.example", (STANDING_LINE,)), f"in/courier-{n}.html") for n in range(2)]
    raws += [raw(page(n, f"site{n}.example"), f"in/other-{n}.html") for n in range(2, 6)]
    assert all(STANDING_LINE in text for text in texts(raws)[:2])


def test_pages_of_different_sites_in_one_folder_do_not_share_a_template():
    # One folder of saved pages from five sites: each page's site is its canonical host.
    raws = [raw(page(n, f"site{n}.example", (STANDING_LINE,)), f"in/page-{n}.html") for n in range(5)]
    assert all(STANDING_LINE in text for text in texts(raws))


def test_archived_pages_belong_to_the_sites_they_archive():
    # web.archive.org's canonical URLs keep the original after the timestamp, one slash short
    raws = [raw(page(n, f"site{n}.example", (STANDING_LINE,), archived=True), f"in/page-{n}.html") for n in range(5)]
    assert all(STANDING_LINE in text for text in texts(raws))
    raws = [raw(page(n, "harbourcourier.example", (STANDING_LINE,), archived=True), f"in/page-{n}.html") for n in range(4)]
    assert not any(STANDING_LINE in text for text in texts(raws))


def test_a_page_that_is_mostly_its_sites_template_is_rejected_as_too_short_with_the_reason():
    raws = [raw(page(n, "harbourcourier.example", (STANDING_LINE,)), f"in/courier-{n}.html") for n in range(4)]
    stub = (
        "<html><head><link rel='canonical' href='https://harbourcourier.example/news/notice'></head><body>"
        f"<article><h1>Notice</h1><p>The quay is closed on Sunday.</p><p>{STANDING_LINE}</p>"
        f"<p>{STANDING_LINE.replace('town', 'harbour town')}</p></article></body></html>"
    ).encode()
    raws.append(raw(stub, "in/notice.html"))
    (*_, notice) = process_batch(raws, lambda source: "in")
    assert isinstance(notice.outcome, Rejection)
    assert (notice.outcome.stage, notice.outcome.reason) == ("extract", "too_short")
    assert "without the lines the site repeats in most of its pages" in notice.outcome.detail


def test_an_error_in_the_site_template_step_rejects_that_page_not_the_batch(monkeypatch):
    from transforms import pipeline

    original = pipeline.without_site_template

    def broken_on_one_page(article, lines):  # type: ignore[no-untyped-def]
        if article.source.endswith("courier-2.html"):
            raise RecursionError("maximum recursion depth exceeded")
        return original(article, lines)

    monkeypatch.setattr(pipeline, "without_site_template", broken_on_one_page)
    raws = [raw(page(n, "www.harbourcourier.example", (STANDING_LINE,)), f"in/courier-{n}.html") for n in range(4)]
    results = [p.outcome for p in process_batch(raws, lambda source: source.rsplit("/", 1)[0])]
    rejected = results.pop(2)
    assert isinstance(rejected, Rejection) and (rejected.reason, rejected.detail) == (
        "extract_error", "RecursionError: maximum recursion depth exceeded"
    )
    assert all(isinstance(r, Article) and STANDING_LINE not in r.text for r in results)


def test_pages_are_extracted_as_they_are_read_and_plain_text_waits_for_its_batchs_template_lines():
    plain = "\n\n".join(story(1)).encode()
    raws = [raw(page(0, "site0.example"), "in/a.html"), raw(plain, "in/b.txt"), raw(page(2, "site2.example"), "in/c.html")]
    done: list[str] = []
    extracted_before_reading: list[int] = []

    def reading():  # what a task reading files one by one hands over
        for item in raws:
            extracted_before_reading.append(len(done))
            yield item

    results = process_batch(reading(), lambda source: "in", on_document=lambda: done.append("x"))
    # Only one page's bytes are held at a time: the first page is extracted before the second
    # file is read; the plain text is extracted at the end, with its batch's template lines.
    assert extracted_before_reading == [0, 1, 1]
    assert len(done) == 3
    assert [p.source for p in results] == ["in/a.html", "in/b.txt", "in/c.html"]
    assert all(isinstance(p.outcome, Article) for p in results)
    assert [p.size for p in results] == [len(r.data) for r in raws]
    assert [p.media_type for p in results] == ["text/html", "text/plain", "text/html"]
