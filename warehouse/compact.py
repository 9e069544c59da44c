"""Give a warehouse file's free blocks back to the disk: a copy of the database, swapped in.

DuckDB reuses the blocks that rewrites and deletes free, so the file does not grow faster than
its data (`benchmarks/bench_growth.py --repeat`: five runs at a million articles left it at the
same size, the free blocks taken up again); but it never shrinks. After a one-off that freed a
lot (a migration rewriting a large table, a big reprocess) a copy holds only what is used. The
copy is written beside the file and renamed over it in one step: a crash before the rename
leaves the warehouse as it was, and a stray copy the next compaction replaces.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.db import connect

# The copy rebuilds every primary-key index in memory: on bench_growth.py's million-article
# warehouse 1 GB overflowed, and 4 GB copied it in 3 min 23 s. A one-off, run by hand.
COMPACT_MEMORY_LIMIT = "4GB"


def compact(db: Path) -> tuple[int, int]:
    """Rewrite the warehouse at `db` into a fresh file and swap it in; (bytes before, bytes after).

    The caller holds the warehouse's writer lock: nothing may write the file meanwhile.
    """
    con = connect(db)  # an older warehouse is migrated first
    try:
        con.execute("CHECKPOINT")  # the log folded into the file: nothing is left to replay onto the copy
    finally:
        con.close()
    log = Path(f"{db}.wal")
    if log.exists():
        raise RuntimeError(f"{log} is still there after a checkpoint: not compacting")
    copy = db.with_name(f"{db.name}.compact")
    for stale in (copy, Path(f"{copy}.wal")):
        stale.unlink(missing_ok=True)
    before = db.stat().st_size
    con = duckdb.connect(config={"memory_limit": os.environ.get("NEWSFLOW_DB_MEMORY", COMPACT_MEMORY_LIMIT)})
    try:
        # ATTACH takes no parameters; the paths are ours (the warehouse's and the copy's), quoted.
        con.execute(f"ATTACH {_quoted(db)} AS source (READ_ONLY)")
        con.execute(f"ATTACH {_quoted(copy)} AS compacted")
        con.execute("COPY FROM DATABASE source TO compacted")  # tables in insertion order, views, macros, comments
        con.execute("DETACH compacted")  # checkpoints the copy: one file, no log
    except BaseException:
        con.close()
        for partial in (copy, Path(f"{copy}.wal")):  # as large as the warehouse: not left on the disk
            partial.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(copy, db)
    return before, db.stat().st_size


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
