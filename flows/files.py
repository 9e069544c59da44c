"""Local article files: find them, and read them with a size cap."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from transforms.records import RawDocument, Rejection
from transforms.urls import host_of

# The sample corpus `newsflow ingest` reads when given no path.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Files that are part of a folder's furniture, not input.
_IGNORED_NAMES = {"README.md", ".DS_Store", "Thumbs.db"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to ingest, with the stat facts that tell whether it changed."""

    uri: str
    size: int
    mtime_ns: int


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[SourceFile], list[Rejection]]:
    """Expand files and folders (recursively) into sorted, distinct source files.

    Whatever cannot be an input (a dangling link, a socket, a missing path) comes back as a
    rejection rather than being skipped without a word.
    """
    found: dict[str, SourceFile] = {}
    refused: list[Rejection] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            candidates: Iterator[Path] = (p for p in sorted(path.rglob("*")) if not p.is_dir())
        elif path.exists() or path.is_symlink():
            candidates = iter([path])
        else:
            refused.append(Rejection(str(path), "discover", "not_found", "no such file or folder"))
            continue
        for file in candidates:
            if file.name in _IGNORED_NAMES or file.name.startswith("."):
                continue
            uri = str(file.absolute())
            try:
                stat = file.stat()
            except OSError as exc:
                reason = "broken_link" if file.is_symlink() else "unreadable"
                refused.append(Rejection(uri, "discover", reason, exc.strerror or str(exc)))
                continue
            if not file.is_file():
                refused.append(Rejection(uri, "discover", "not_a_regular_file", "a socket, pipe or device"))
                continue
            found[uri] = SourceFile(uri, stat.st_size, stat.st_mtime_ns)
    return [found[uri] for uri in sorted(found)], refused


def read(source: SourceFile, *, max_bytes: int) -> RawDocument | Rejection:
    """Read one file's bytes, refusing files over the cap without reading them."""
    # Compressed files may be far smaller than what they hold; sniff caps the unpacked size.
    if source.size > max_bytes:
        return Rejection(source.uri, "read", "too_large", f"{source.size} bytes > cap {max_bytes}")
    try:
        with open(source.uri, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return Rejection(source.uri, "read", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    if len(data) > max_bytes:  # the file grew after we looked at it
        return Rejection(source.uri, "read", "too_large", f"more than {max_bytes} bytes")
    return RawDocument(source=source.uri, data=data, sha256=hashlib.sha256(data).hexdigest())


def outlet_of(uri: str) -> str:
    """The outlet a document belongs to when looking for template lines: its host, or its folder."""
    if uri.startswith(("http://", "https://")):
        return host_of(uri)
    return str(Path(uri).parent)
