"""Bad input (issue §10): each becomes a reject with a clear reason, or an article where it really is
one; the run goes on and the outcome counts add up."""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest

GOOD_PARAGRAPHS = [
    "The harbour board of Port Alder voted on Tuesday to keep the night ferry running through the winter, "
    "reversing a plan that had angered commuters on the outer islands.",
    "Board chair Maren Holt said the decision followed three public meetings and a petition signed by more "
    "than two thousand residents who depend on the late crossing to reach hospital shifts.",
    "The extra sailings will cost about 1.2 million crowns a year, to be covered by a small rise in freight "
    "tariffs, according to figures released by the board after the vote.",
]


def article_html(title: str, charset: str = "utf-8", extra: str = "") -> str:
    body = "".join(f"<p>{p} {extra}</p>" for p in GOOD_PARAGRAPHS)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def outcome(prefect_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-inputs")
    files = {
        "good.html": article_html("Night ferry saved").encode(),
        "empty.html": b"",
        "image.html": tiny_png(),
        "document.html": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        # Valid UTF-8 with a few broken bytes: the good text survives.
        "broken-utf8.html": article_html("Broken bytes", extra="Grüße aus Köln.").encode().replace(b"Holt", b"Ho\xfflt", 1),
        # Legacy encoding, declared correctly.
        "legacy.html": article_html("Caf\u00e9 r\u00e9ouvert", charset="windows-1252", extra="\u201cCaf\u00e9\u201d").encode("cp1252"),
        # Legacy bytes under a page that claims UTF-8.
        "lying-charset.html": article_html("Na\u00efve claims", charset="utf-8", extra="na\u00efve \u00bd").encode("cp1252"),
        "nested.html": (
            "<html><body>" + "<div>" * 100_000 + "<p>" + " ".join(GOOD_PARAGRAPHS) + "</p>" + "</div>" * 100_000 + "</body></html>"
        ).encode(),
        "truncated.html.gz": gzip.compress(article_html("Cut short").encode() * 20)[:300],
        "index.html": (
            "<html><head><title>World news | Port Alder Post</title></head><body><h1>World</h1><ul>"
            + "".join(
                f'<li><h2><a href="/world/story-{i}">Headline number {i} about events abroad</a></h2>'
                f'<p>Teaser {i} on what happened.</p><a href="/world/story-{i}">Read more</a></li>'
                for i in range(40)
            )
            + "</ul></body></html>"
        ).encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    huge = folder / "huge.html"
    with huge.open("wb") as handle:  # 50 MB: refused from its size, never read whole
        handle.write(b"<html><body>")
        block = (b"<p>" + b"filler words " * 80 + b"</p>\n") * 1000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(block)
        handle.write(b"</body></html>")
    os.symlink(folder / "gone.html", folder / "dangling.html")

    db = folder.parent / "bad.duckdb"
    summary = ingest(paths=[str(folder)], db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    rejects = {Path(uri).name: (stage, reason) for uri, stage, reason in con.execute(
        "SELECT source_uri, stage, reason FROM rejects").fetchall()}
    articles = {Path(uri).name: text for uri, text in con.execute("SELECT source_uri, text FROM articles").fetchall()}
    con.close()
    return summary, rejects, articles


def test_the_run_completes_and_every_input_is_accounted_for(outcome):
    summary, rejects, articles = outcome
    assert summary.status == "completed"
    assert summary.counts["discovered"] == 12
    assert summary.balanced
    assert len(rejects) + len(articles) == 12


def test_empty_file(outcome):
    assert outcome[1]["empty.html"] == ("sniff", "empty_file")


def test_binary_content_under_html_names(outcome):
    assert outcome[1]["image.html"] == ("sniff", "binary_content")
    assert outcome[1]["document.html"] == ("sniff", "binary_content")


def test_encodings_invalid_utf8_legacy_and_lying_declarations_still_give_articles(outcome):
    articles = outcome[2]
    assert "Grüße aus Köln" in articles["broken-utf8.html"]
    assert "\u201cCaf\u00e9\u201d" in articles["legacy.html"]
    assert "na\u00efve \u00bd" in articles["lying-charset.html"]


def test_a_50_mb_file_is_too_large(outcome):
    assert outcome[1]["huge.html"] == ("read", "too_large")


def test_pathologically_nested_html_ends_as_article_or_clear_reject(outcome):
    _, rejects, articles = outcome
    assert ("nested.html" in articles) != ("nested.html" in rejects)
    if "nested.html" in rejects:
        assert rejects["nested.html"][1] in ("extract_error", "no_main_text", "too_short")


def test_truncated_gzip(outcome):
    assert outcome[1]["truncated.html.gz"] == ("sniff", "truncated_gzip")


def test_listing_page_is_not_an_article(outcome):
    assert outcome[1]["index.html"][1] == "not_article"


def test_dangling_link_is_rejected_not_skipped(outcome):
    assert outcome[1]["dangling.html"] == ("discover", "broken_link")


def test_good_article_is_loaded(outcome):
    assert "night ferry" in outcome[2]["good.html"]
