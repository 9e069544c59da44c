"""sniff: what an input is decides how it is read — content, not file names."""

import gzip
import hashlib
import struct
import zlib

from transforms.records import DecodedDocument, RawDocument, Rejection
from transforms.sniff import decode, sniff


def raw(data: bytes, source: str = "page.html") -> RawDocument:
    return RawDocument(source=source, data=data, sha256=hashlib.sha256(data).hexdigest())


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")


def test_empty_and_whitespace_files_are_rejected_as_empty():
    for data in (b"", b"  \n\t\n"):
        result = sniff(raw(data))
        assert isinstance(result, Rejection) and result.reason == "empty_file"


def test_png_under_an_html_name_is_binary_content():
    result = sniff(raw(tiny_png(), "photo.html"))
    assert isinstance(result, Rejection)
    assert (result.reason, result.stage) == ("binary_content", "sniff")
    assert "PNG" in result.detail


def test_pdf_under_an_html_name_is_binary_content():
    result = sniff(raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"))
    assert isinstance(result, Rejection) and "PDF" in result.detail


def test_html_is_recognised_from_content_even_under_a_txt_name():
    result = sniff(raw(b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "story.txt"))
    assert isinstance(result, DecodedDocument) and result.media_type == "text/html"


def test_plain_text_is_plain_text():
    result = sniff(raw("LISBON - The council voted on Tuesday.".encode(), "story.html"))
    assert isinstance(result, DecodedDocument) and result.media_type == "text/plain"


def test_gzip_is_unwrapped():
    result = sniff(raw(gzip.compress(b"<html><body><p>Inside a gzip</p></body></html>"), "page.html.gz"))
    assert isinstance(result, DecodedDocument) and "Inside a gzip" in result.text


def test_truncated_gzip_is_rejected_with_its_reason():
    packed = gzip.compress(b"<html><body>" + b"<p>paragraph</p>" * 2000 + b"</body></html>")
    result = sniff(raw(packed[: len(packed) // 2], "page.html.gz"))
    assert isinstance(result, Rejection) and result.reason == "truncated_gzip"


def test_gzip_bomb_stops_at_the_cap_without_inflating_it_all():
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    result = sniff(raw(bomb, "bomb.html.gz"), max_bytes=1024 * 1024)
    assert isinstance(result, Rejection) and result.reason == "too_large"


def test_oversized_input_is_too_large():
    result = sniff(raw(b"<p>" + b"x" * 5000 + b"</p>"), max_bytes=1000)
    assert isinstance(result, Rejection) and result.reason == "too_large"


def test_windows_1252_page_declaring_utf8_is_decoded_as_cp1252():
    page = '<html><head><meta charset="utf-8"></head><body><p>\u201cCaf\u00e9 prices rose,\u201d she said.</p></body></html>'
    result = sniff(raw(page.encode("cp1252")))
    assert isinstance(result, DecodedDocument)
    assert "\u201cCaf\u00e9 prices rose,\u201d" in result.text


def test_declared_legacy_charset_is_used():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2"></head><body><p>Łódź i Gdańsk</p></body></html>'
    result = sniff(raw(page.encode("iso-8859-2")))
    assert isinstance(result, DecodedDocument) and "Łódź i Gdańsk" in result.text


def test_utf8_page_declaring_latin1_is_read_as_utf8():
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Zürich — naïve café</p></body></html>'
    result = sniff(raw(page.encode("utf-8")))
    assert isinstance(result, DecodedDocument) and "Zürich — naïve café" in result.text


def test_damaged_utf8_keeps_the_good_text_and_replaces_the_bad_bytes():
    data = "Grüße aus Köln, schöne Straße. ".encode() * 20 + b"\xff\xfe broken" + " Übrigens.".encode()
    text, encoding = decode(data)
    assert "Grüße aus Köln" in text and "\ufffd" in text and encoding.startswith("utf-8")


def test_utf16_with_bom_is_text_not_binary():
    result = sniff(raw("\ufeffA story in UTF-16 about the harbour.".encode("utf-16")))
    assert isinstance(result, DecodedDocument) and "harbour" in result.text


def test_short_western_text_in_an_unknown_legacy_encoding_prefers_windows_1252():
    text, encoding = decode("Le café était naïve, ½ prix, disait-il.".encode("cp1252"))
    assert encoding == "cp1252" and "naïve, ½ prix" in text


def test_central_european_legacy_text_is_not_forced_into_windows_1252():
    text, _ = decode("Zażółć gęślą jaźń, powiedział burmistrz Łodzi w środę.".encode("cp1250"))
    assert "Zażółć gęślą jaźń" in text


STORY = "<html><body><p>The harbour board voted on Tuesday to keep the night ferry running.</p></body></html>"


def test_utf16_and_utf32_without_a_bom_are_recovered_in_both_byte_orders():
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        result = sniff(raw(STORY.encode(codec)))
        assert isinstance(result, DecodedDocument), codec
        assert result.text == STORY and result.encoding == f"{codec} (no BOM)"
        assert result.media_type == "text/html"


def test_a_few_stray_nul_bytes_are_removed_and_the_text_kept():
    data = STORY.encode().replace(b"harbour", b"har\x00bour", 1).replace(b"night", b"\x00night", 1)
    result = sniff(raw(data))
    assert isinstance(result, DecodedDocument)
    assert "harbour board" in result.text and "\x00" not in result.text
    assert "NUL" in result.encoding


def test_many_nul_bytes_are_still_binary():
    data = bytes(range(256)) * 16
    result = sniff(raw(data))
    assert isinstance(result, Rejection) and result.reason == "binary_content"


def test_nul_padding_in_fixed_places_of_binary_records_is_not_taken_for_utf16():
    data = b"".join(bytes([i % 250 + 1, 0, 0, 0, i % 7 + 1, 0, 0, 0]) for i in range(500))  # not text-shaped
    result = sniff(raw(data))
    assert isinstance(result, Rejection) and result.reason == "binary_content"
