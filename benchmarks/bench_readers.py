"""How long a reader waits while a load writes (prints figures; not a test).

    uv run python benchmarks/bench_readers.py [--n 600] [--batch-size 50] [--work DIR]

Generates --n article files (`generate_corpus.py`), runs a real `newsflow ingest` of them in
another process, and meanwhile, in this one, opens the warehouse read-only every 0.1 s as
`newsflow query` does and counts its articles. Prints how long each open waited for the file
(the load holds it only while it writes a batch or the run's own rows), the longest wait, and
how many opens gave up with "warehouse busy", each with the time it began: the load's log (kept
in the work folder with --work) says what the load was doing then.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warehouse.db import WarehouseBusy, connect  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-readers-"))
    corpus, db = work / "corpus", work / "wh.duckdb"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/generate_corpus.py"), str(corpus), "--n", str(args.n)],
            check=True, stdout=subprocess.DEVNULL,
        )
    db.unlink(missing_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "COLUMNS": "200"}
    log = (work / "load.log").open("w")
    load = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "ingest", str(corpus), "--db", str(db), "--batch-size", str(args.batch_size)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    waits: list[float] = []
    busy: list[str] = []  # when a read that gave up began (the load's log has the same clock)
    longest = (0.0, "")  # the longest wait, and when that read began
    seen: list[int] = []
    started = time.perf_counter()
    while load.poll() is None:
        before, began = time.perf_counter(), time.strftime("%H:%M:%S")
        try:
            con = connect(db, read_only=True)
        except FileNotFoundError:
            time.sleep(0.1)
            continue
        except WarehouseBusy:
            busy.append(began)
            continue
        waits.append(time.perf_counter() - before)
        longest = max(longest, (waits[-1], began))
        try:
            seen.append(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        except Exception:  # a warehouse whose first migration is not yet committed
            pass
        finally:
            con.close()
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    log.close()
    print(f"load of {args.n} files, batches of {args.batch_size}: exit {load.returncode} after {elapsed:.0f} s")
    kept_log = f"; the load's log: {work / 'load.log'}" if args.work else ""
    if waits:
        waits.sort()
        print(
            f"{len(waits)} reads during the load, {len(busy)} gave up busy"
            f" (begun at {', '.join(busy) or '-'}{kept_log}); wait to open:"
            f" median {statistics.median(waits) * 1000:.0f} ms, p95 {waits[int(len(waits) * 0.95)] * 1000:.0f} ms,"
            f" max {waits[-1] * 1000:.0f} ms (begun at {longest[1]})"
        )
        print(f"articles seen by the reader: {sorted(set(seen))[:3]} ... {max(seen, default=0)}")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
