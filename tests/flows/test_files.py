"""Finding and reading local input files."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from pathlib import Path


from flows.files import SourceFile, argument, discover, local_path, path_uri, read
from flows.sources import from_arguments
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


def test_a_file_name_that_is_not_utf8_is_stored_as_an_escaped_uri_and_read_back(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9-\xff.html"  # Latin-1 bytes: not UTF-8
    with open(name, "wb") as handle:
        handle.write(b"<p>story</p>")
    (tmp_path / "plain.html").write_bytes(b"<p>plain</p>")
    files, refused = discover([tmp_path])
    assert refused == []
    uris = [f.uri for f in files]
    escaped = next(u for u in uris if u.startswith("file://"))
    assert escaped.endswith("/caf%E9-%FF.html")
    assert escaped.encode("utf-8")  # storable as text anywhere
    assert str(tmp_path / "plain.html") in uris  # valid names keep their plain form
    assert local_path(escaped) == name
    result = read(next(f for f in files if f.uri == escaped), max_bytes=100)
    assert isinstance(result, RawDocument) and result.data == b"<p>story</p>" and result.source == escaped


def test_escaping_is_reversible_and_never_collides_with_a_plain_path(tmp_path):
    for raw in (b"/a/%FF", b"/a/\xff", b"/a/b c%20", b"/a/\xe9t\xe9"):
        uri = path_uri(raw)
        assert os.fsencode(local_path(uri)) == raw
    assert path_uri(b"/a/%FF") != path_uri(b"/a/\xff")


def test_a_fifo_is_refused_at_discovery_and_never_opened_for_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.html")
    _, refused = discover([tmp_path])
    assert [(r.reason, r.source.rsplit("/", 1)[-1]) for r in refused] == [("not_a_regular_file", "pipe.html")]
    # A file turned into a FIFO after discovery: read must not block waiting for a writer.
    result = read(SourceFile(str(tmp_path / "pipe.html"), 0, 0), max_bytes=100)
    assert isinstance(result, Rejection) and result.reason == "not_a_regular_file"


def test_symlink_loops_and_links_to_folders_are_refused_not_followed(tmp_path):
    os.symlink(tmp_path / "self.html", tmp_path / "self.html")
    os.symlink(tmp_path, tmp_path / "loop")
    (tmp_path / "real.html").write_text("<p>real</p>")
    files, refused = discover([tmp_path])
    assert [f.uri.rsplit("/", 1)[-1] for f in files] == ["real.html"]
    assert sorted((r.source.rsplit("/", 1)[-1], r.reason) for r in refused) == [
        ("loop", "not_a_regular_file"), ("self.html", "symlink_loop")
    ]


def test_a_file_removed_between_discovery_and_reading_is_a_rejection(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text("<p>here a moment</p>")
    (found,), _ = discover([path])
    path.unlink()
    result = read(found, max_bytes=100)
    assert isinstance(result, Rejection) and result.reason == "vanished"


def test_a_folder_that_cannot_be_listed_is_a_rejection():
    # Root lists anything, so discovery runs in a child dropped to nobody, on a folder nobody can reach.
    top = Path(tempfile.mkdtemp(prefix="newsflow-unlistable-"))
    try:
        top.chmod(0o755)
        locked = top / "locked"
        locked.mkdir()
        (locked / "inside.html").write_text("<p>x</p>")
        (top / "open.html").write_text("<p>y</p>")
        locked.chmod(0)
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(reader)
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                os.write(writer, pickle.dumps(discover([top])))
            finally:
                os._exit(0)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            files, refused = pickle.loads(pipe.read())
        os.waitpid(pid, 0)
    finally:
        (top / "locked").chmod(0o755)
        shutil.rmtree(top)
    assert [f.uri for f in files] == [str(top / "open.html")]
    assert [(r.source, r.reason) for r in refused] == [(str(locked), "unlistable_folder")]


def test_a_path_argument_in_any_bytes_reaches_discovery_through_its_escaped_form(tmp_path):
    name = os.fsencode(tmp_path) + b"/r\xe9sum\xe9.txt"
    with open(name, "wb") as handle:
        handle.write(b"text")
    given = argument(os.fsdecode(name))  # what the CLI hands the flow: JSON-safe
    given.encode("utf-8")
    assert argument(str(tmp_path)) == str(tmp_path)  # ordinary names pass unchanged
    (source,) = from_arguments([given])
    assert source.kind == "folder"
    (found,), refused = discover([source.location])
    assert refused == [] and found.uri == given and local_path(found.uri) == name
