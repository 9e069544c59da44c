"""How long a reader waits while a load writes (prints figures; not a test).

    uv run python benchmarks/bench_readers.py [--n 600] [--batch-size 50] [--work DIR]

Generates --n article files (`generate_corpus.py`), runs a real `newsflow ingest` of them in
another process, and meanwhile, in this one, opens the warehouse read-only every 0.1 s as
`newsflow query` does and counts its articles. Prints how long each open waited for the file
(the load holds it only while it writes a batch or the run's own rows), the longest wait, and
how many opens gave up with "warehouse busy".
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
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    load = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "ingest", str(corpus), "--db", str(db), "--batch-size", str(args.batch_size)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    waits: list[float] = []
    busy = 0
    seen: list[int] = []
    started = time.perf_counter()
    while load.poll() is None:
        before = time.perf_counter()
        try:
            con = connect(db, read_only=True)
        except FileNotFoundError:
            time.sleep(0.1)
            continue
        except WarehouseBusy:
            busy += 1
            continue
        waits.append(time.perf_counter() - before)
        try:
            seen.append(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        except Exception:  # a warehouse whose first migration is not yet committed
            pass
        finally:
            con.close()
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    print(f"load of {args.n} files, batches of {args.batch_size}: exit {load.returncode} after {elapsed:.0f} s")
    if waits:
        waits.sort()
        print(
            f"{len(waits)} reads during the load, {busy} gave up busy; wait to open: median {statistics.median(waits) * 1000:.0f} ms,"
            f" p95 {waits[int(len(waits) * 0.95)] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
        )
        print(f"articles seen by the reader: {sorted(set(seen))[:3]} ... {max(seen, default=0)}")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
