"""One writer per warehouse file: an OS lock on `<warehouse>.lock` that dies with its holder.

DuckDB's own file lock is not enough: the Writer releases the file between batches so readers
can read during a load, and a second writer must not slip in then. A lock held by the kernel
(flock) is released however the holder ends — exit, exception, SIGKILL, OOM — so a dead run can
never keep it; the file's content only names the holder for messages.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

POLL_SECONDS = 0.5  # flock has no timeout: a waiting run retries this often


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds (or last held) a warehouse's writer lock."""

    pid: int
    host: str
    load_id: str
    started_at: str
    error: str | None = None  # why the holder's run failed, when it could not record that in the warehouse

    def describe(self) -> str:
        """`load L (process P on host H, since T)`."""
        return f"load {self.load_id} (process {self.pid} on {self.host}, since {self.started_at})"

    def alive(self) -> bool | None:
        """Whether the holder's process still runs; None when it ran on another host."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # exists, owned by someone else
            return True
        return True


class WriterLockBusy(Exception):
    """Another run holds the warehouse's writer lock and did not let go in time."""


def lock_path(db: str | os.PathLike[str]) -> Path:
    """The lock file beside a warehouse file."""
    return Path(f"{os.fspath(db)}.lock")


def read_holder(db: str | os.PathLike[str]) -> Holder | None:
    """The holder named in the lock file (the live holder, or the last one that did not release cleanly)."""
    try:
        text = lock_path(db).read_text(encoding="utf-8")
        return Holder(**json.loads(text)) if text.strip() else None
    except (OSError, ValueError, TypeError):  # absent, being written, or not ours: no name to show
        return None


class WriterLock:
    """The held lock: it can note why its run failed, for the next run to read."""

    def __init__(self, fd: int, holder: Holder, previous: Holder | None) -> None:
        self._fd = fd
        self.holder = holder
        self.previous = previous  # what the lock file said before we took it: a dead holder's last words

    def note_error(self, error: str) -> None:
        """Leave the run's failure in the lock file, in case the warehouse cannot take it (a full disk)."""
        try:
            self._write(Holder(**{**asdict(self.holder), "error": error[:500]}))
        except OSError:  # the disk may be full for this file too: the next run says "process gone"
            pass

    def _write(self, holder: Holder) -> None:
        data = json.dumps(asdict(holder)).encode()
        # Overwrite in place, then cut: on a full disk the file keeps the block it already has.
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))


@contextmanager
def writer_lock(
    db: str | os.PathLike[str],
    load_id: str,
    timeout: float,
    on_wait: Callable[[str], None] = lambda message: None,
) -> Iterator[WriterLock]:
    """Hold the warehouse's writer lock; wait up to `timeout` seconds for another holder, then raise WriterLockBusy."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Python opens files close-on-exec: the temporary Prefect server and the spawned extraction
    # workers never inherit this descriptor, so only this process's death releases the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, db, timeout, on_wait)
        previous = read_holder(db)
        holder = Holder(os.getpid(), socket.gethostname(), load_id, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        lock = WriterLock(fd, holder, previous)
        lock._write(holder)
        yield lock
        os.ftruncate(fd, 0)  # released cleanly: nothing for the next run to report
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


def _acquire(fd: int, db: str | os.PathLike[str], timeout: float, on_wait: Callable[[str], None]) -> None:
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        holder = read_holder(db)
        who = holder.describe() if holder else "another run"
        if time.monotonic() >= deadline:
            raise WriterLockBusy(
                f"warehouse {os.fspath(db)} is being written by {who}; gave up after {timeout:g} s"
                " (NEWSFLOW_LOCK_TIMEOUT)"
            )
        if not waited:
            on_wait(f"waiting for {who} to finish writing {os.fspath(db)} (up to {timeout:g} s)")
            waited = True
        time.sleep(POLL_SECONDS)
