"""Wall time of the ingest flow on a corpus: the local process pool against a Dask LocalCluster.

    uv run python benchmarks/bench_dask.py [CORPUS] [--workers 2] [--batch-size 500 8]

Under one temporary Prefect server: one run on the process pool per batch size (each run starts
its own pool, whose processes import the extractors and load spaCy); then a LocalCluster of
--workers single-threaded processes (its start timed apart), a first run on its fresh workers, and
one run per batch size on the same, now warm, workers. Each run writes a fresh DuckDB file. Prints
the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from distributed import LocalCluster  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.ingest import ingest  # noqa: E402
from flows.stages import task_runner  # noqa: E402
from flows.settings import Settings  # noqa: E402


def timed_run(flow, corpus: str, batch_size: int, folder: str) -> str:  # type: ignore[no-untyped-def]
    """Run the flow into a fresh warehouse; its wall time and what it loaded."""
    db = tempfile.mktemp(suffix=".duckdb", dir=folder)
    start = time.perf_counter()
    summary = flow(paths=[corpus], db=db, batch_size=batch_size)
    return f"{time.perf_counter() - start:6.1f} s  ({summary.counts['loaded']} loaded)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(REPO / "examples"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[500, 8])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with prefect_test_harness(server_startup_timeout=120), tempfile.TemporaryDirectory() as folder:
        for size in args.batch_size:
            print(f"process pool, batch {size}:  {timed_run(ingest, args.corpus, size, folder)}", flush=True)
        start = time.perf_counter()
        with LocalCluster(
            n_workers=args.workers, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
        ) as cluster:
            print(f"LocalCluster start ({args.workers} workers): {time.perf_counter() - start:.1f} s", flush=True)
            on_dask = ingest.with_options(task_runner=task_runner(Settings.from_env(dask_address=cluster.scheduler_address)))
            first = args.batch_size[0]
            print(f"Dask, batch {first}, fresh workers: {timed_run(on_dask, args.corpus, first, folder)}", flush=True)
            for size in args.batch_size:
                print(f"Dask, batch {size}, warm workers:  {timed_run(on_dask, args.corpus, size, folder)}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
