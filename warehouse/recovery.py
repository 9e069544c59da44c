"""Settling loads that an interrupted run left `running` (a kill, a crash, a full disk, a lost machine).

Only the holder of the warehouse's writer lock (warehouse/lock.py) calls these, and a load is
started only under that lock, so every other `running` load belongs to a run that is gone.
Its committed batches stay (each batch is one transaction); its unfinished batch was rolled
back, and the next run loads those inputs as if for the first time.
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass

import duckdb

from warehouse.lock import Holder


@dataclass(frozen=True, slots=True)
class Settled:
    """A load marked `aborted`, and why."""

    load_id: str
    flow_run_id: str | None
    message: str


def record_process(con: duckdb.DuckDBPyConnection, load_id: str, pid: int, host: str) -> None:
    """Note which process runs a load, for the message if it never finishes."""
    con.execute("UPDATE loads SET pid = ?, host = ? WHERE load_id = ?", [pid, host, load_id])


def settle_interrupted(con: duckdb.DuckDBPyConnection, current_load_id: str, last_holder: Holder | None) -> list[Settled]:
    """Mark every `running` load but the current one `aborted`, saying when it was found and why it stopped."""
    rows = con.execute(
        "SELECT load_id, flow_run_id, pid, host FROM loads WHERE status = 'running' AND load_id <> ? ORDER BY started_at",
        [current_load_id],
    ).fetchall()
    now = dt.datetime.now(dt.timezone.utc)
    settled = []
    for load_id, flow_run_id, pid, host in rows:
        message = f"interrupted: {_why(load_id, pid, host, last_holder)}; found by load {current_load_id} at {now:%Y-%m-%d %H:%M:%S} UTC"
        con.execute(
            "UPDATE loads SET status = 'aborted', finished_at = ?, message = ? WHERE load_id = ? AND status = 'running'",
            [now, message, load_id],
        )
        settled.append(Settled(load_id, flow_run_id, message))
    return settled


def _why(load_id: str, pid: int | None, host: str | None, last_holder: Holder | None) -> str:
    if last_holder is not None and last_holder.load_id == load_id and last_holder.error:
        return last_holder.error  # the run said why, but could not write it here (e.g. a full disk)
    if pid is None:
        return "its process no longer holds the writer lock"
    if host == socket.gethostname():
        return f"process {pid} on {host} no longer running"
    return f"process {pid} on {host} no longer holds the writer lock"
