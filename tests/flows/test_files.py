"""Finding and reading local input files."""

from __future__ import annotations

import os
import pickle

import pytest

from flows.files import SourceFile, discover, read
from transforms.records import RawDocument, Rejection


def test_folders_are_walked_recursively_sorted_and_readme_files_skipped(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("two")
    (tmp_path / "one.html").write_text("<p>one</p>")
    (tmp_path / "README.md").write_text("about this folder")
    files, refused = discover([tmp_path])
    assert sorted(f.uri for f in files) == [f.uri for f in files]
    assert {f.uri.rsplit("/", 1)[-1] for f in files} == {"two.txt", "one.html"}
    assert refused == []


def test_a_missing_path_is_a_rejection(tmp_path):
    files, refused = discover([tmp_path / "nope"])
    assert files == [] and [r.reason for r in refused] == ["not_found"]


def test_a_socket_is_not_a_regular_file(tmp_path):
    import socket

    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "feed.sock"))
    try:
        _, refused = discover([tmp_path])
    finally:
        sock.close()
    assert [r.reason for r in refused] == ["not_a_regular_file"]


def test_files_over_the_cap_are_refused_without_reading(tmp_path):
    path = tmp_path / "big.html"
    path.write_bytes(b"x" * 2000)
    result = read(SourceFile(str(path), 2000, 0), max_bytes=1000)
    assert isinstance(result, Rejection) and result.reason == "too_large"


def test_reading_gives_bytes_and_their_hash(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    result = read(SourceFile(str(path), 5, 0), max_bytes=100)
    assert isinstance(result, RawDocument)
    assert result.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_a_file_without_read_permission_is_unreadable(tmp_path):
    path = tmp_path / "secret.html"
    path.write_bytes(b"<p>private</p>")
    path.chmod(0)
    # Root reads anything, so the read happens in a forked child that has dropped to nobody.
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(reader)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            outcome = read(SourceFile(str(path), 14, 0), max_bytes=100)
            os.write(writer, pickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        outcome = pickle.loads(pipe.read())
    os.waitpid(pid, 0)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == "unreadable" and "PermissionError" in outcome.detail
