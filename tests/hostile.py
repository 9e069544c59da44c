"""A hostile-input corpus: files and listings that try to break an ingest run (issue 11).

`write_file_corpus(folder)` fills a folder with every kind of bad local input we know of and
returns what each must come to; tests/web_site.py serves the web ones (fault routes and the
listings built here). All text is our own invented writing, generated from a seed per case so
that no two recovered articles are duplicates of each other.

    expected = write_file_corpus(tmp_path)
    # expected[name] == Loaded() or Rejected(stage, reasons)
"""

from __future__ import annotations

import gzip
import os
import random
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

_WORDS = (
    "harbour council ferry winter island school library budget storm roof bridge market farmers river "
    "station workers hospital nurses teachers parents museum festival volunteers repairs residents vote "
    "mayor street bakery tram football club coast path lighthouse fishing fleet tourism night shift petition"
).split()
_VERBS = "said agreed warned asked promised decided expected reported voted planned".split()


@dataclass(frozen=True, slots=True)
class Loaded:
    """The input must become an article (loaded, or judged a duplicate of one)."""

    contains: str = ""  # a phrase its extracted text must hold


@dataclass(frozen=True, slots=True)
class Rejected:
    """The input must be rejected at `stage` with one of `reasons`."""

    stage: str
    reasons: tuple[str, ...]
    or_loaded: bool = False  # an extractor that does better may make an article of it: also fine


def story(seed: int, paragraphs: int = 5) -> list[str]:
    """Invented news paragraphs, different for every seed (so recovered copies are not duplicates)."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(4):
            words = rng.sample(_WORDS, 9)
            sentences.append(
                f"The {words[0]} {rng.choice(_VERBS)} on Tuesday that the {words[1]} and the {words[2]} "
                f"would {rng.choice(('reopen', 'close', 'grow', 'wait'))} before the {words[3]} {words[4]} "
                f"of the {words[5]}, according to {words[6]} near the {words[7]} {words[8]}."
            )
        out.append(" ".join(sentences))
    return out


def article_html(seed: int, title: str, charset: str = "utf-8", extra: str = "") -> str:
    """A small article page around story(seed)."""
    body = "".join(f"<p>{escape(p)} {extra}</p>" for p in story(seed))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{escape(title)}</title></head>'
        f"<body><article><h1>{escape(title)}</h1>{body}</article></body></html>"
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


def gzip_bomb(size: int) -> bytes:
    """A gzip stream of `size` zero bytes: about a thousandth of that on disk."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


def billion_laughs(root: str) -> bytes:
    """The classic entity-expansion bomb, inside a sitemap (`urlset`) or a feed (`rss`): ~3 GB if expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    subset = "\n  ".join(entities)
    if root == "rss":
        inner = "<channel><title>&lol9;</title><item><link>http://bomb.invalid/&lol9;</link></item></channel>"
        attrs = ' version="2.0"'
    else:
        inner = "<url><loc>http://bomb.invalid/&lol9;</loc></url>"
        attrs = ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n  {subset}\n]>\n<{root}{attrs}>{inner}</{root}>\n'.encode()


def sitemap_of(urls: Sequence[str]) -> bytes:
    """A sitemap listing `urls`."""
    items = "".join(f"<url><loc>{escape(u)}</loc></url>\n" for u in urls)
    return f'<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</urlset>\n'.encode()


def sitemap_index(urls: Sequence[str]) -> bytes:
    """A sitemap index listing `urls` as child sitemaps (point one at itself for a loop)."""
    items = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in urls)
    return f'<?xml version="1.0"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</sitemapindex>\n'.encode()


# -- the local-file corpus -------------------------------------------------------------------

HUGE_FILE = 50 * 1024 * 1024  # sparse: costs no disk, refused from its size without being read
BOMB_UNPACKED = 30 * 1024 * 1024  # over the default 20 MB cap once decompressed
DEEP_FOLDERS = 40  # folders nested inside one another above one ordinary article


def write_file_corpus(folder: Path) -> dict[bytes, Loaded | Rejected]:
    """Write the hostile files into folder; returns, by file name (bytes), what each must come to."""
    expected: dict[bytes, Loaded | Rejected] = {}

    def put(name: str | bytes, data: bytes, outcome: Loaded | Rejected) -> None:
        raw = name if isinstance(name, bytes) else name.encode()
        with open(os.fsencode(folder) + b"/" + raw, "wb") as handle:
            handle.write(data)
        expected[raw] = outcome

    def special(name: str, make: Callable[[Path], None], outcome: Rejected) -> None:
        make(folder / name)
        expected[name.encode()] = outcome

    put("good.html", article_html(1, "Night ferry saved").encode(), Loaded("ferry"))
    put("empty.html", b"", Rejected("sniff", ("empty_file",)))
    put("whitespace.txt", b"  \n\t \r\n", Rejected("sniff", ("empty_file",)))
    put("image.html", tiny_png(), Rejected("sniff", ("binary_content",)))
    put("document.html", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n", Rejected("sniff", ("binary_content",)))
    put("noise.html", random.Random(7).randbytes(8192), Rejected("sniff", ("binary_content",)))
    put(
        "broken-utf8.html",
        article_html(2, "Broken bytes", extra="Grüße aus Köln.").encode().replace(b"The", b"Th\xffe", 1),
        Loaded("Grüße aus Köln"),
    )
    put("legacy.html", article_html(3, "Café réouvert", charset="windows-1252", extra="“Café”").encode("cp1252"), Loaded("“Café”"))
    put("lying-charset.html", article_html(4, "Naïve claims", extra="naïve ½").encode("cp1252"), Loaded("naïve ½"))
    put("utf16le.html", article_html(5, "Wide letters").encode("utf-16-le"), Loaded("according to"))
    put("utf16be.txt", "\n\n".join(["Wide letters, big end first", *story(6)]).encode("utf-16-be"), Loaded("according to"))
    put("utf32.html", article_html(8, "Four bytes each").encode("utf-32-le"), Loaded("according to"))
    nul = article_html(9, "Stray zeros").encode().replace(b"<p>", b"<p>\x00", 2).replace(b"</h1>", b"\x00</h1>")
    put("nul.html", nul, Loaded("according to"))
    put(b"caf\xe9-\xff-latin1-name.html", article_html(10, "A name in Latin-1 bytes").encode(), Loaded("according to"))
    malformed = article_html(11, "Unclosed tags").replace("</p>", "").replace("</article>", "<div class=\"x'>")
    put("malformed.html", ("<html><body><p>" * 50 + malformed + "<<<>>>&&&#xZZ;").encode(), Loaded("according to"))
    put(
        "nested.html",
        ("<html><body>" + "<div>" * 100_000 + "<p>" + " ".join(story(12)) + "</p>" + "</div>" * 100_000 + "</body></html>").encode(),
        Rejected("extract", ("no_main_text", "extract_error", "too_short"), or_loaded=True),
    )
    put("truncated.html.gz", gzip.compress(article_html(13, "Cut short").encode() * 20)[:300], Rejected("sniff", ("truncated_gzip",)))
    put("corrupt.html.gz", b"\x1f\x8b\x08\x00" + bytes(20) + b"not deflate at all", Rejected("sniff", ("corrupt_gzip",)))
    put("bomb.html.gz", gzip_bomb(BOMB_UNPACKED), Rejected("sniff", ("too_large",)))
    put("billion-laughs.xml", billion_laughs("rss"), Rejected("extract", ("unparsable_html", "too_short", "no_main_text")))
    put(
        "index.html",
        (
            "<html><head><title>World news | Port Alder Post</title></head><body><h1>World</h1><ul>"
            + "".join(
                f'<li><h2><a href="/world/story-{i}">Headline number {i} about events abroad</a></h2>'
                f'<p>Teaser {i} on what happened.</p><a href="/world/story-{i}">Read more</a></li>'
                for i in range(40)
            )
            + "</ul></body></html>"
        ).encode(),
        Rejected("extract", ("not_article",)),
    )
    with open(folder / "huge.html", "wb") as handle:
        handle.write(b"<html><body><p>")
        handle.truncate(HUGE_FILE)
    expected[b"huge.html"] = Rejected("read", ("too_large",))
    special("dangling.html", lambda p: os.symlink(p.parent / "gone.html", p), Rejected("discover", ("broken_link",)))
    special("loop.html", lambda p: os.symlink(p, p), Rejected("discover", ("symlink_loop",)))
    special("folder-link", lambda p: os.symlink(p.parent, p), Rejected("discover", ("not_a_regular_file",)))
    special("pipe.html", lambda p: os.mkfifo(p), Rejected("discover", ("not_a_regular_file",)))
    deep = folder.joinpath(*(f"d{n}" for n in range(DEEP_FOLDERS)))
    deep.mkdir(parents=True)
    (deep / "deep.html").write_bytes(article_html(14, "Far down").encode())
    expected[b"deep.html"] = Loaded("according to")
    return expected
