"""The blob store's compression: raw bytes come back exactly, whichever way they were stored."""

import zlib

import pytest

from transforms.records import BLOB_COMPRESSION, compress_raw, decompress_raw

# A page as sites serve them: the same template around every article, so it compresses well.
PAGE = (
    "<!doctype html><html><head><title>Harbour board votes on ferry timetable</title></head><body>"
    + "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>" * 20
    + "<article><p>The harbour board voted on Tuesday to keep the late ferry, after residents asked"
    " for a sailing after ten.</p></article></body></html>"
).encode()


def test_raw_bytes_come_back_exactly_and_a_templated_page_is_stored_small():
    stored = compress_raw(PAGE)
    assert decompress_raw(stored, BLOB_COMPRESSION) == PAGE
    assert len(stored) < len(PAGE) / 3
    assert decompress_raw(compress_raw(b""), BLOB_COMPRESSION) == b""


def test_blobs_stored_before_zstd_still_read_as_zlib_and_uncompressed_ones_as_they_are():
    assert decompress_raw(zlib.compress(PAGE, 6), "zlib") == PAGE
    assert decompress_raw(PAGE, "none") == PAGE


@pytest.mark.parametrize("compression", ["zstd", "zlib"])
def test_a_damaged_blob_is_a_value_error_not_a_crash(compression):
    truncated = (compress_raw(PAGE) if compression == "zstd" else zlib.compress(PAGE))[:20]
    with pytest.raises(ValueError, match=f"damaged {compression} blob"):
        decompress_raw(truncated, compression)
