"""Local article files: find them, and read them with a size cap."""

from __future__ import annotations

import errno
import hashlib
import os
import stat as stat_mode
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from transforms.records import RawDocument, Rejection
from transforms.urls import host_of

# The sample corpus `newsflow ingest` reads when given no path.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Files that are part of a folder's furniture, not input.
_IGNORED_NAMES = {"README.md", ".DS_Store", "Thumbs.db"}
# A path whose bytes are not UTF-8 is stored as a file: URI (RFC 8089) with every byte outside
# the unreserved set percent-encoded: lossless, printable, and never equal to a plain path (which
# is absolute, so starts with "/"). Paths that are valid UTF-8 keep their plain form, so a
# warehouse made before this keeps recognising its files as unchanged.
ESCAPED_PATH_PREFIX = "file://"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to ingest, with the stat facts that tell whether it changed."""

    uri: str  # the absolute path, or a file: URI when the path's bytes are not UTF-8 (see path_uri)
    size: int
    mtime_ns: int


def path_uri(path: str | bytes | os.PathLike[str]) -> str:
    """A path as the text the warehouse stores and shows: itself when UTF-8, else an escaped file: URI."""
    raw = os.fsencode(os.path.abspath(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return ESCAPED_PATH_PREFIX + quote(raw, safe="/")


def local_path(uri: str) -> str | bytes:
    """The path to open for a stored uri (bytes when it was escaped): path_uri reversed."""
    if uri.startswith(ESCAPED_PATH_PREFIX):
        return unquote_to_bytes(uri[len(ESCAPED_PATH_PREFIX) :])
    return uri


def argument(given: str) -> str:
    """A command-line path as the flow takes it: escaped (path_uri) when its bytes are not UTF-8.

    Flow parameters travel to the Prefect API as JSON, which cannot carry such a name as is.
    """
    try:
        given.encode("utf-8")
    except UnicodeEncodeError:
        return path_uri(given)
    return given


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[SourceFile], list[Rejection]]:
    """Expand files and folders (recursively) into sorted, distinct source files.

    Whatever cannot be an input (a dangling link, a socket, a missing path, a folder that cannot
    be listed) comes back as a rejection rather than being skipped without a word.
    """
    found: dict[str, SourceFile] = {}
    refused: list[Rejection] = []
    for given in paths:
        path = os.fsdecode(local_path(os.path.expanduser(os.fspath(given))))
        if os.path.isdir(path):
            candidates = _walk(path, refused)
        elif os.path.lexists(path):
            candidates = iter([path])
        else:
            reason, detail = "not_found", "no such file or folder"
            try:
                os.lstat(path)
            except PermissionError as exc:  # a folder on the way cannot be entered: it may well exist
                reason, detail = "unreadable", exc.strerror or str(exc)
            except OSError:
                pass
            refused.append(Rejection(path_uri(path), "discover", reason, detail))
            continue
        for file in candidates:
            name = os.path.basename(file)
            if name in _IGNORED_NAMES or name.startswith("."):
                continue
            uri = path_uri(file)
            outcome = _stat(file, uri)
            if isinstance(outcome, Rejection):
                refused.append(outcome)
            else:
                found[uri] = outcome
    return [found[uri] for uri in sorted(found)], refused


def _walk(folder: str, refused: list[Rejection]) -> Iterable[str]:
    """Every non-folder entry under folder, in sorted order; a folder that cannot be listed is a rejection.

    os.walk rather than Path.rglob: rglob skips a folder it cannot list without a word.
    Links to folders are not followed (as rglob did), so a link loop cannot recurse.
    """

    def unlistable(exc: OSError) -> None:
        where = path_uri(exc.filename) if exc.filename else path_uri(folder)
        refused.append(Rejection(where, "discover", "unlistable_folder", f"{type(exc).__name__}: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unlistable):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(root, name)
        # Links to folders come back in dirs; they are inputs to refuse, not folders to enter.
        for name in [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            dirs.remove(name)
            yield os.path.join(root, name)


def _stat(file: str, uri: str) -> SourceFile | Rejection:
    try:
        info = os.stat(file)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Rejection(uri, "discover", "symlink_loop", exc.strerror or str(exc))
        reason = "broken_link" if os.path.islink(file) else "unreadable"
        return Rejection(uri, "discover", reason, exc.strerror or str(exc))
    if stat_mode.S_ISDIR(info.st_mode):
        return Rejection(uri, "discover", "not_a_regular_file", "a link to a folder (links to folders are not followed)")
    if not stat_mode.S_ISREG(info.st_mode):
        return Rejection(uri, "discover", "not_a_regular_file", "a socket, pipe or device")
    return SourceFile(uri, info.st_size, info.st_mtime_ns)


def read(source: SourceFile, *, max_bytes: int) -> RawDocument | Rejection:
    """Read one file's bytes, refusing files over the cap without reading them."""
    # Compressed files may be far smaller than what they hold; sniff caps the unpacked size.
    if source.size > max_bytes:
        return Rejection(source.uri, "read", "too_large", f"{source.size} bytes > cap {max_bytes}")
    try:
        # O_NONBLOCK: a file replaced by a FIFO since discovery must not block the worker forever.
        fd = os.open(local_path(source.uri), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return Rejection(source.uri, "read", "vanished", "the file was removed after it was found")
    except OSError as exc:
        return Rejection(source.uri, "read", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    try:
        if not stat_mode.S_ISREG(os.fstat(fd).st_mode):
            return Rejection(source.uri, "read", "not_a_regular_file", "replaced by a socket, pipe or device after it was found")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return Rejection(source.uri, "read", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # the file grew after we looked at it
        return Rejection(source.uri, "read", "too_large", f"more than {max_bytes} bytes")
    return RawDocument(source=source.uri, data=data, sha256=hashlib.sha256(data).hexdigest())


def outlet_of(uri: str) -> str:
    """The outlet a document belongs to when looking for template lines: its host, or its folder."""
    if uri.startswith(("http://", "https://")):
        return host_of(uri)
    if uri.startswith(ESCAPED_PATH_PREFIX):  # the folder's own uri, as its other files' give it
        return path_uri(os.path.dirname(local_path(uri)))
    return str(Path(uri).parent)
