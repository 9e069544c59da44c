"""Settle what an input is: unwrap gzip, refuse binary content, pick the character encoding.

The type comes from the content, not the file name: archives are full of `.html` files that are
PDFs and `.txt` files that are HTML.
"""

from __future__ import annotations

import codecs
import re
import zlib

from charset_normalizer import from_bytes

from transforms.records import DecodedDocument, RawDocument, Rejection

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Magic numbers of formats people save under .html/.txt names by mistake.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/XLSX)"),
    (b"RIFF", "RIFF media (WebP/WAV/AVI)"),
    (b"\x7fELF", "ELF executable"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)

_HTML_HINT = re.compile(
    rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s|<title[\s>]|<article[\s>]"
    rb"|<div[\s>]|<p[\s>]",
    re.IGNORECASE,
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
# A well-formed multi-byte UTF-8 sequence; legacy single-byte text almost never contains one.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# More NUL bytes than this in the first 4 KiB (and over 1% of it) make a file binary, not damaged text.
_STRAY_NULS = 8
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff(raw: RawDocument, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedDocument | Rejection:
    """Turn raw bytes into decoded HTML or plain text, or say why not."""
    data = raw.data
    if not data.strip():
        return Rejection(raw.source, "sniff", "empty_file", f"{len(data)} bytes, no content")
    if data[:2] == b"\x1f\x8b":
        unpacked = gunzip(data, max_bytes=max_bytes)
        if isinstance(unpacked, str):
            reason, detail = unpacked.split(":", 1)
            return Rejection(raw.source, "sniff", reason, detail.strip())
        data = unpacked
        if not data.strip():
            return Rejection(raw.source, "sniff", "empty_file", "gzip member holds no content")
    if len(data) > max_bytes:
        return Rejection(raw.source, "sniff", "too_large", f"{len(data)} bytes > cap {max_bytes}")
    kind = binary_kind(data)
    if kind:
        return Rejection(raw.source, "sniff", "binary_content", f"{kind}, not an article file")
    has_bom = any(data.startswith(bom) for bom, _ in _BOMS)
    decoded = _decode_wide(data) or decode(data if has_bom else data.replace(b"\x00", b""), raw.charset)
    if decoded is None:
        return Rejection(raw.source, "sniff", "decode_error", "no character encoding fits the bytes")
    text, encoding = decoded
    if b"\x00" in data and not encoding.startswith(("utf-16", "utf-32")):
        encoding += " (stray NUL bytes removed)"
    media_type = "text/html" if _HTML_HINT.search(text[:8192].encode("utf-8", "ignore")) else "text/plain"
    return DecodedDocument(
        source=raw.source,
        sha256=raw.sha256,
        media_type=media_type,
        text=text,
        encoding=encoding,
        url=raw.url,
    )


def gunzip(data: bytes, *, max_bytes: int) -> bytes | str:
    """Decompress a gzip stream, capped at max_bytes; on failure return 'reason: detail'."""
    # zlib with max_length rather than gzip.decompress: a 10 KB bomb must not allocate gigabytes.
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        return f"corrupt_gzip: {exc}"
    if len(out) > max_bytes:
        return f"too_large: decompresses past the cap of {max_bytes} bytes"
    if not inflater.eof:
        return f"truncated_gzip: stream ends early after {len(out)} decompressed bytes"
    return out


def binary_kind(data: bytes) -> str | None:
    """Name the binary format of data, or None when it looks like text."""
    head = data[:16]
    for signature, name in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return name
    if any(data.startswith(bom) for bom, _ in _BOMS[1:]) or wide_encoding(data):
        return None  # UTF-16/32 text legitimately contains NUL bytes
    sample = data[:4096]
    # A few stray NULs (a bad export, a padded write) leave text recoverable; binaries have many.
    if sample.count(0) > max(_STRAY_NULS, len(sample) // 100):
        return "binary data (NUL bytes)"
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if controls > len(sample) * 0.05:
        return "binary data (control bytes)"
    return None


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by where the NUL bytes of mostly-Latin text fall.

    Text in those encodings has a NUL in the high byte(s) of nearly every Latin character, so
    its NULs sit at one or three fixed positions of each 2- or 4-byte unit; binary data's NULs
    fall anywhere. Wide text with few Latin letters (CJK) has no such pattern and is not found here.
    """
    sample = data[: 4096 - 4096 % 4]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8 or 0 not in sample:
        return None
    zeros = [sample[i::4].count(0) / len(sample[i::4]) for i in range(4)]
    high, low = 0.9, 0.05
    even, odd = (zeros[0] + zeros[2]) / 2, (zeros[1] + zeros[3]) / 2
    if zeros[1] > high and zeros[2] > high and zeros[3] > high and zeros[0] < low:
        codec = "utf-32-le"
    elif zeros[0] > high and zeros[1] > high and zeros[2] > high and zeros[3] < low:
        codec = "utf-32-be"
    elif odd > 0.6 and even < low:
        codec = "utf-16-le"
    elif even > 0.6 and odd < low:
        codec = "utf-16-be"
    else:
        return None
    # Fixed-width binary records can put NULs in the same places; what they decode to is not text.
    text = sample.decode(codec, "replace")
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
    return codec if controls <= len(text) * 0.05 else None


def _decode_wide(data: bytes) -> tuple[str, str] | None:
    """BOM-less UTF-16/32 text, decoded; None when the bytes are not that (or do not decode as it)."""
    codec = wide_encoding(data)
    if codec is None or any(data.startswith(bom) for bom, _ in _BOMS):  # decode() reads a BOM
        return None
    try:
        text = data[: len(data) - len(data) % (4 if "32" in codec else 2)].decode(codec)
    except UnicodeDecodeError:
        return None
    return text.replace("\x00", ""), f"{codec} (no BOM)"


def decode(data: bytes, http_charset: str | None = None) -> tuple[str, str] | None:
    """Decode bytes to text, returning (text, codec) or None when nothing fits.

    A charset from the HTTP header outranks the page's own declaration (as in the WHATWG
    sniffing order), but valid UTF-8 outranks both: servers often send a stale default.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Valid UTF-8 sequences alongside a few broken bytes mean damaged UTF-8, whatever the page
    # declares; legacy single-byte text (a page that lies "utf-8") has no such sequences.
    valid = len(_UTF8_MULTIBYTE.findall(data))
    if valid:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(2, valid // 10):
            return text, "utf-8 (damaged bytes replaced)"
    declared = _known_codec(http_charset) or declared_charset(data)
    if declared and codecs.lookup(declared).name not in ("utf-8", "ascii"):
        try:
            return data.decode(declared), codecs.lookup(declared).name
        except UnicodeDecodeError:
            pass
    guess = legacy_encoding(data)
    if guess is not None:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        # Every byte sequence decodes as cp1252 except five undefined bytes: the usual legacy web text.
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None


def legacy_encoding(data: bytes) -> str | None:
    """charset_normalizer's pick for legacy bytes, preferring windows-1252 among equal fits.

    Short Western text fits cp1250, cp1252 and cp1257 equally well, and the detector's order
    between them is arbitrary; windows-1252 is the web's default legacy encoding (WHATWG).
    """
    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    fitting = [m.encoding for m in matches if m.chaos <= least_chaos + 0.05]
    return "cp1252" if "cp1252" in fitting else fitting[0]


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a meta tag or XML declaration, if it names a known codec."""
    match = _DECLARED_CHARSET.search(data[:4096])
    if not match:
        return None
    return _known_codec((match.group(1) or match.group(2)).decode("ascii", "ignore"))


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip('"\''))
    except LookupError:
        return None
    # WHATWG: pages labelled latin-1 or ascii are decoded as windows-1252 by every browser.
    return "cp1252" if codec.name in ("latin-1", "iso8859-1", "ascii") else codec.name
