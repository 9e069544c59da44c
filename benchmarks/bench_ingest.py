"""Throughput and memory of `newsflow ingest` against the least work extraction takes.

    uv run python benchmarks/bench_ingest.py [--n 10000] [--corpus DIR] [--skip-bare] [--no-enrich]

Measures, in one run:
  1. a bare single-process loop of trafilatura.bare_extraction(..., with_metadata=True) over the
     corpus (the least work that extracting text and metadata takes);
  2. `newsflow ingest CORPUS` end to end (a real local Prefect server, a fresh warehouse), its
     docs/s and the ratio to (1), and the peak RSS of its whole process tree;
  3. a second `newsflow ingest` over the unchanged corpus, as a share of the first run's time.
Prints the figures; asserts nothing (targets live in the issue, figures in the closing note).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="documents to generate")
    parser.add_argument("--corpus", type=Path, help="use this corpus instead of generating one")
    parser.add_argument("--skip-bare", action="store_true", help="skip the bare trafilatura loop")
    parser.add_argument("--no-enrich", action="store_true", help="run `ingest --no-enrich` (extract, dedup, load, index)")
    args = parser.parse_args()
    extra = ["--no-enrich"] if args.no_enrich else []

    corpus = args.corpus or HERE / "out" / f"corpus-{args.n}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(corpus), "--n", str(args.n)], check=True)
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    print(f"corpus: {corpus} ({len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB)")

    bare_rate = None
    if not args.skip_bare:
        bare_rate = bare_loop(files)
        print(f"bare trafilatura loop (1 process): {bare_rate:.1f} docs/s")

    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    with prefect_server(work) as env:
        db = work / "bench.duckdb"
        first, first_rss, first_pss, first_cpu, _ = timed_ingest(corpus, db, env, extra)
        rate = len(files) / first
        first_flow = last_load_seconds(db)
        print(
            f"newsflow ingest, first run: {first:.1f} s wall ({first_flow:.1f} s inside the flow),"
            f" {rate:.1f} docs/s, peak RSS {first_rss / 1e6:.0f} MB (PSS {first_pss / 1e6:.0f} MB); CPU of its process tree {first_cpu:.0f} s ="
            f" {1000 * first_cpu / len(files):.0f} ms per document (what other work on the machine does not inflate)"
        )
        if bare_rate:
            print(f"throughput ratio (newsflow wall / bare loop): {rate / bare_rate:.2f}")
        second, second_rss, _, _, _ = timed_ingest(corpus, db, env, extra)
        second_flow = last_load_seconds(db)
        print(
            f"newsflow ingest, unchanged re-run: {second:.1f} s wall = {second / first:.1%} of the first run;"
            f" inside the flow {second_flow:.1f} s = {second_flow / first_flow:.1%}; peak RSS {second_rss / 1e6:.0f} MB"
        )
    shutil.rmtree(work, ignore_errors=True)


def last_load_seconds(db: Path) -> float:
    """Duration of the newest load as the warehouse recorded it (flow start to finish)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        (seconds,) = con.execute(
            "SELECT epoch(finished_at) - epoch(started_at) FROM loads ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return float(seconds)


def bare_loop(files: list[Path]) -> float:
    """Docs/s of a single-process trafilatura loop over the files."""
    import trafilatura

    started = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        trafilatura.bare_extraction(data, with_metadata=True, deduplicate=False)
    return len(files) / (time.perf_counter() - started)


class Measured(NamedTuple):
    """One `newsflow ingest` as its process tree ran it."""

    wall: float  # seconds
    rss: int  # peak of the tree's summed RSS, bytes: a page shared by several processes counts in each
    pss: int  # peak of the tree's summed PSS, bytes: shared pages divided among their sharers (the memory the run holds)
    cpu: float  # user + system seconds of every process in the tree
    cpu_by_role: dict[str, float]  # the same split: "flow" (the CLI's process), "workers" (the pool's), "other"


def timed_ingest(corpus: Path, db: Path, env: dict[str, str], extra: list[str] = []) -> Measured:
    """Wall time, peak memory and CPU of one `newsflow ingest` and every process it starts."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "ingest", str(corpus), "--db", str(db), *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    sampler = _TreeSampler(process)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    thread.join(timeout=2)
    if process.returncode != 0:
        print(output)
        raise SystemExit(f"ingest failed with exit code {process.returncode}")
    print("\n".join(line for line in output.splitlines()[-30:] if line.strip()))
    by_role: dict[str, float] = {}
    for pid, seconds in sampler.cpu.items():
        role = "flow" if pid == process.pid else sampler.roles.get(pid, "other")
        by_role[role] = by_role.get(role, 0.0) + seconds
    print("CPU s by process: " + ", ".join(f"{role} {seconds:.1f}" for role, seconds in sorted(by_role.items())))
    return Measured(elapsed, sampler.peak_rss, sampler.peak_pss, sum(sampler.cpu.values()), by_role)


class _TreeSampler:
    """Polls the process and its descendants every 0.2 s until it exits: summed RSS and PSS, CPU per process.

    Read from /proc by hand: psutil would do it, but it is only a transitive dependency here (of
    Dask), and the benchmarks run on Linux only.

    CPU is each process's own user + system time as last seen, summed: it counts every process of
    the tree however it was started, where getrusage(RUSAGE_CHILDREN) counts only the descendants
    that were reaped by a process we reap. A process's last 0.2 s may be missed (well under 1% here).
    PSS is there because summed RSS counts a page shared by several processes (a library's code)
    in each of them.
    """

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.peak_rss = self.peak_pss = 0
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {}  # a process started by multiprocessing is a pool worker

    def run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while self.process.poll() is None:
            rss = pss = 0
            for pid in _tree(self.process.pid):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
                    if pid not in self.roles:
                        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                        self.roles[pid] = "workers" if b"multiprocessing" in cmdline else "other"
                    kib = {k: int(v.split()[0]) for k, v in _fields(Path(f"/proc/{pid}/smaps_rollup")) if k in ("Rss", "Pss")}
                    rss, pss = rss + kib["Rss"] * 1024, pss + kib["Pss"] * 1024
                except (OSError, IndexError, KeyError, ValueError):
                    continue  # it ended meanwhile
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            time.sleep(0.2)


def _fields(path: Path) -> list[tuple[str, str]]:
    """The "Name: value" lines of a /proc file."""
    return [tuple(part.strip() for part in line.split(":", 1)) for line in path.read_text().splitlines() if ":" in line]


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


class prefect_server:
    """A real `prefect server start` on a free loopback port with a private PREFECT_HOME."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def __enter__(self) -> dict[str, str]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = dict(os.environ)
        env.update(
            PREFECT_HOME=str(self.work / "prefect"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
            PREFECT_UI_ENABLED="false",
        )
        self.server = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import httpx

        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    return env
            except httpx.HTTPError:
                time.sleep(0.5)
        raise SystemExit("prefect server did not start within 120 s")

    def __exit__(self, *exc: object) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()


if __name__ == "__main__":
    main()
