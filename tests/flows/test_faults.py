"""Fault injection on real processes: `python -m flows.cli ingest` killed, stopped, starved of disk and
run side by side, on a generated corpus (tests/flows/fault_corpus.py).

Faults strike at named points (NEWSFLOW_FAULT, flows/runs.py: fault_point), not after a delay,
so every run of this suite kills at the same place. A re-run after each fault must leave the
warehouse exactly as one clean run does (tests/flows/warehouse_snapshot.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.flows.fault_corpus import write_corpus
from tests.flows.warehouse_snapshot import differences, snapshot
from tests.web_site import Site
from warehouse.db import WarehouseBusy, connect

REPO = Path(__file__).resolve().parents[2]
BATCH = "8"  # documents per batch: the corpus makes about seven batches
# While workers extract, between two batches, between two enrichment batches, before indexing.
KILL_POINTS = ("extract:2", "batch:2", "enrich:2", "index")
ENV_MARK = "NEWSFLOW_FAULT_TEST_RUN"  # every process a run starts inherits it: how leftovers are found


@dataclass
class Run:
    """One `newsflow ingest` process and what it printed."""

    process: subprocess.Popen[str]
    mark: str
    log: Path

    def wait(self, timeout: float = 600) -> int:
        return self.process.wait(timeout=timeout)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stderr_lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.strip()]


@dataclass
class Faults:
    corpus: Path
    root: Path
    api: str
    spool: Path
    started: list[subprocess.Popen[str]]

    def env(self, *, fault: str | None = None, temporary_server: bool = False, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
        env.update(
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            NEWSFLOW_BATCH_SIZE=BATCH,
            NEWSFLOW_WRITE_SIZE=BATCH,  # a write per batch: the kill points count writes
            NEWSFLOW_WORKERS="2",
            NEWSFLOW_SPOOL=str(self.spool),
            NEWSFLOW_DB_MEMORY="256MB",
            PYTHONUNBUFFERED="1",
            COLUMNS="200",  # one message stays one line
        )
        if not temporary_server:
            env["PREFECT_API_URL"] = self.api
        if fault:
            env["NEWSFLOW_FAULT"] = fault
        env.update(extra)
        return env

    def start(self, db: Path, name: str, *, inputs: list[str] | None = None, **kwargs) -> Run:
        mark = uuid.uuid4().hex
        env = self.env(**kwargs)
        env[ENV_MARK] = mark
        log = self.root / f"{name}.log"
        handle = log.open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "ingest", *(inputs or [str(self.corpus)]), "--db", str(db)],
            cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True,
        )
        handle.close()
        self.started.append(process)
        return Run(process, mark, log)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}")


def processes_marked(mark: str) -> list[int]:
    """Live processes (not zombies) whose environment carries this run's mark."""
    found = []
    needle = f"{ENV_MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0") and " Z " not in (entry / "stat").read_text():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def loads(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT load_id, status, message, flow_run_id, pid FROM loads ORDER BY started_at").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def faults(tmp_path_factory) -> Iterator[Faults]:
    """The corpus, and one Prefect server for the runs that do not test the temporary one."""
    root = tmp_path_factory.mktemp("faults")
    corpus = root / "corpus"
    write_corpus(corpus, events=16)
    spool = root / "spool"
    spool.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(root / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_ENABLED="false")
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    faults = Faults(corpus, root, api, spool, [])
    try:
        wait_for("the Prefect server", healthy, timeout=180)
        yield faults
    finally:
        for process in faults.started:  # a failed test may leave a paused run behind
            if process.poll() is None:
                process.kill()
                process.wait()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


@dataclass
class Killed:
    run: Run
    rerun: Run
    db: Path
    leftovers: list[int]  # processes of the killed run still alive 60 s after the kill (a worker still importing cannot look sooner)
    spool_after_kill: list[str]


@pytest.fixture(scope="module")
def killed_runs(faults: Faults) -> tuple[Path, dict[str, Killed]]:
    """A clean run, and one run killed (SIGKILL of the main process only) at each point then run again.

    They run side by side (each on its own warehouse, at most three processes at once: the
    machines this runs on have two cores) to keep the suite short. The run killed during
    extraction uses a temporary Prefect server with no PREFECT_HOME, as a user's first run does.
    """
    clean_db = faults.root / "clean" / "wh.duckdb"

    def clean() -> None:
        run = faults.start(clean_db, "clean")
        assert run.wait() == 0, run.output

    def kill_and_rerun(point: str) -> Killed:
        db = faults.root / point.replace(":", "-") / "wh.duckdb"
        run = faults.start(db, f"killed-{point}", fault=f"{point}:kill", temporary_server=point == KILL_POINTS[0])
        assert run.wait() == -signal.SIGKILL, run.output
        spool = sorted(p.name for p in faults.spool.glob(f"newsflow-spool-*-{run.process.pid}-*"))
        leftovers = wait_for_none(run.mark)
        rerun = faults.start(db, f"rerun-{point}")
        assert rerun.wait() == 0, rerun.output
        return Killed(run, rerun, db, leftovers, spool)

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = pool.submit(clean)
        cases = {point: pool.submit(kill_and_rerun, point) for point in KILL_POINTS}
        done.result()
        return clean_db, {point: case.result() for point, case in cases.items()}


def wait_for_none(mark: str, timeout: float = 60) -> list[int]:
    """The processes still carrying `mark` once they had `timeout` seconds to notice their parent died."""
    deadline = time.monotonic() + timeout
    while (alive := processes_marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return alive


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_at_any_point_is_settled_and_its_rerun_equals_a_clean_run(killed_runs, point):
    clean_db, killed = killed_runs
    case = killed[point]
    assert differences(snapshot(clean_db), snapshot(case.db)) == []
    (first, second) = loads(case.db)
    assert first[1] == "aborted"
    assert f"process {case.run.process.pid} on {socket.gethostname()} no longer running" in first[2]
    assert second[1] == "completed"
    assert f"load {first[0]} was left running" in case.rerun.output


@pytest.mark.parametrize("point", KILL_POINTS)
def test_nothing_of_a_killed_run_lives_on(killed_runs, faults, point):
    """Workers, the resource tracker and the temporary server end with the main process; its spool folder goes at the next run."""
    _, killed = killed_runs
    case = killed[point]
    assert case.leftovers == []
    assert len(case.spool_after_kill) == 1  # named for its host and process, so the next run knows it is dead
    assert not list(faults.spool.glob(f"newsflow-spool-*-{case.run.process.pid}-*"))


def test_the_temporary_server_keeps_its_state_beside_the_warehouse(killed_runs):
    _, killed = killed_runs
    db = killed["extract:2"].db
    assert (db.parent / ".prefect" / "prefect.db").is_file()


def test_a_lost_flow_run_is_marked_crashed(killed_runs, faults):
    _, killed = killed_runs
    db = killed["batch:2"].db
    (first, _) = loads(db)
    run = httpx.get(f"{faults.api}/flow_runs/{first[3]}", timeout=30).json()
    assert run["state_type"] == "CRASHED"
    assert "no longer running" in run["state"]["message"]


def test_same_warehouse_waits_or_fails_naming_the_holder_other_warehouses_do_not_wait_and_sigterm_aborts(faults):
    db = faults.root / "busy" / "wh.duckdb"
    pause = faults.root / "busy-paused"
    holder = faults.start(db, "holder", fault="batch:1:pause", NEWSFLOW_FAULT_FILE=str(pause))
    wait_for("the first run to pause between batches", pause.exists, timeout=600)
    second = faults.start(db, "second-writer", NEWSFLOW_LOCK_TIMEOUT="1")
    other = faults.start(faults.root / "other" / "wh.duckdb", "other-warehouse")
    assert second.wait() == 75, second.output
    last = second.stderr_lines()[-1]
    assert last.startswith("ingest did not start: warehouse") and f"process {holder.process.pid} on" in last, second.output
    assert "waiting for load" in second.output  # it said whom it waited for, once, before giving up
    assert "Traceback" not in second.output
    assert other.wait() == 0, other.output  # never waited for the holder of another warehouse

    holder.process.send_signal(signal.SIGTERM)
    assert holder.wait(timeout=120) == 128 + signal.SIGTERM, holder.output
    assert holder.stderr_lines()[-1] == "ingest stopped by SIGTERM: a load it had started is marked aborted"
    assert "Traceback" not in holder.output
    ((load_id, status, message, _, _),) = loads(db)
    assert (status, message) == ("aborted", "stopped by SIGTERM")
    assert wait_for_none(holder.mark) == []


def mount_tmpfs(where: Path, size: str) -> bool:
    """Mount a small tmpfs (root only): a real full disk. False where mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True).returncode == 0


def test_a_full_disk_is_one_line_leaves_the_load_failed_and_a_rerun_completes(faults):
    disk = faults.root / "small-disk"
    real = mount_tmpfs(disk, "32m")
    try:
        db = disk / "wh.duckdb"
        filler = disk / "filler"
        if real:
            # An empty warehouse, then a disk with about 200 kB left: the load starts, and its batches run out of space.
            connect(db).close()
            stat = os.statvfs(disk)
            filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 200_000))
        # Where mounting is not permitted (CI without root), the writer's process meets ENOSPC from the fault hook instead.
        full = faults.start(db, "disk-full", fault=None if real else "batch:2:diskfull")
        assert full.wait() == 1, full.output
        last = full.stderr_lines()[-1]
        assert last.startswith("ingest failed: the disk is full"), full.output
        assert "Traceback" not in full.output
        if real:
            filler.unlink()
        rerun = faults.start(db, "after-disk-full")
        assert rerun.wait() == 0, rerun.output
        (first, second) = loads(db)
        assert first[1] in ("failed", "aborted") and "No space left on device" in first[2], first
        assert second[1] == "completed"
    finally:
        if real:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_writer_kept_out_by_a_reader_ends_busy_with_exit_75(faults):
    """A reader that keeps the warehouse open past NEWSFLOW_WRITE_WAIT: one line naming it, EX_TEMPFAIL, no load left running."""
    db = faults.root / "read-held" / "wh.duckdb"
    connect(db).close()
    code = f"import duckdb, time; con = duckdb.connect({str(db)!r}, read_only=True); print('reading', flush=True); time.sleep(600)"
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    faults.started.append(reader)
    try:
        assert reader.stdout.readline().strip() == "reading"
        writer = faults.start(db, "kept-out", NEWSFLOW_WRITE_WAIT="2")
        assert writer.wait() == 75, writer.output
    finally:
        reader.kill()
        reader.wait()
    last = writer.stderr_lines()[-1]
    assert last.startswith(f"ingest gave up: warehouse busy: process {reader.pid} (python"), writer.output
    assert last.endswith("did not close it within 2 s (NEWSFLOW_WRITE_WAIT); try again when it is done"), writer.output
    assert "Traceback" not in writer.output
    assert [status for (_, status, *_) in loads(db)] in ([], ["aborted"], ["failed"])


# Pages of a host that answers only when the test lets it (tests/web_site.py: /held/), and of a host that answers at once.
HELD = ("4", "5", "6")
FAST = ("/articles/1.html", "/articles/2.html", "/articles/3.html", "/latin1.html", "/euro.html", "/missing.html")


def web_sources(where: Path, fast: Site, slow: Site) -> list[str]:
    """A sources file listing both hosts' pages, interleaved as discovery orders them; the CLI arguments that ingest it."""
    where.mkdir(parents=True, exist_ok=True)
    urls = [slow.url(f"/held/{key}.html") for key in HELD] + [fast.url(path) for path in FAST]
    (where / "urls.txt").write_text("\n".join(urls) + "\n")
    (where / "sources.toml").write_text(
        """
[fetch]
allowed_networks = ["127.0.0.1/32"]
read_timeout = 600.0    # the held pages wait for the test, never for a timeout
total_timeout = 600.0
page_deadline = 900.0
flush_after = 0.5

[[source]]
name = "watch"
kind = "urls"
location = "urls.txt"
"""
    )
    return ["--sources", str(where / "sources.toml")]


def landed(db: Path) -> set[str]:
    """The source URIs the warehouse holds a document or reject for, read between the run's batches."""
    try:
        con = connect(db, read_only=True)
    except (FileNotFoundError, WarehouseBusy):
        return set()
    try:
        return {uri for (uri,) in con.execute("SELECT source_uri FROM documents UNION SELECT source_uri FROM rejects").fetchall()}
    except duckdb.CatalogException:  # tables not made yet
        return set()
    finally:
        con.close()


def counts(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT status, discovered, loaded, duplicates, unchanged, rejected FROM loads ORDER BY started_at").fetchall()
    finally:
        con.close()


def test_a_slow_host_holds_only_its_own_pages_the_other_hosts_land_meanwhile(faults):
    with Site(crawl_delay=0) as fast, Site(crawl_delay=0) as slow:
        db = faults.root / "slow-host" / "wh.duckdb"
        run = faults.start(db, "slow-host", inputs=web_sources(db.parent, fast, slow), NEWSFLOW_BATCH_SIZE="2")
        others = {fast.url(path) for path in FAST}
        held = {slow.url(f"/held/{key}.html") for key in HELD}
        # Batches of two mix the hosts' pages; were a batch to wait for its slowest page, none of these would land.
        wait_for("the fast host's pages to land while the slow host holds its own", lambda: others <= landed(db), timeout=300)
        assert not held & landed(db)
        assert slow.hits("/held/4.html") == 1 and not slow.released.is_set()  # in flight all along
        slow.released.set()
        assert run.wait() == 0, run.output
    assert landed(db) == others | held
    ((status, discovered, loaded, duplicates, unchanged, rejected),) = counts(db)
    assert status == "completed" and discovered == len(others | held) == loaded + duplicates + unchanged + rejected
    assert rejected == 1  # /missing.html: http_404


def stop_with_sigterm(run, db: Path) -> float:
    """SIGTERM a running ingest; it must end at once with one line, its load aborted, nothing left running. Returns when it ended."""
    signalled = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    assert run.wait(timeout=120) == 128 + signal.SIGTERM, run.output
    ended = time.monotonic()
    print(f"SIGTERM to exit: {ended - signalled:.1f} s")  # a figure, not a test: the machine is shared
    assert run.stderr_lines()[-1] == "ingest stopped by SIGTERM: a load it had started is marked aborted", run.output
    assert "Traceback" not in run.output
    assert [(status, message) for (_, status, message, _, _) in loads(db)] == [("aborted", "stopped by SIGTERM")]
    assert wait_for_none(run.mark) == []
    return ended


def test_sigterm_while_a_slow_host_is_fetched_aborts_at_once_and_the_rerun_equals_a_clean_run(faults):
    with Site(crawl_delay=0) as fast, Site(crawl_delay=0) as slow:
        db = faults.root / "web-sigterm" / "wh.duckdb"
        inputs = web_sources(db.parent, fast, slow)
        run = faults.start(db, "web-sigterm", inputs=inputs, NEWSFLOW_BATCH_SIZE="2")
        wait_for("the run to wait for the slow host", lambda: slow.hits("/held/4.html") == 1, timeout=300)
        ended = stop_with_sigterm(run, db)
        assert not [r for site in (fast, slow) for r in site.requests if r.started > ended]

        slow.released.set()
        clean_db = faults.root / "web-clean" / "wh.duckdb"
        clean = faults.start(clean_db, "web-clean", inputs=web_sources(clean_db.parent, fast, slow), NEWSFLOW_BATCH_SIZE="2")
        rerun = faults.start(db, "web-rerun", inputs=inputs, NEWSFLOW_BATCH_SIZE="2")
        assert rerun.wait() == 0, rerun.output
        assert clean.wait() == 0, clean.output
    assert differences(snapshot(clean_db), snapshot(db)) == []
    assert [status for (status, *_) in counts(db)] == ["aborted", "completed"]


def test_sigterm_inside_a_task_run_aborts_the_load_with_one_line(faults):
    """The signal meets Prefect's task engine first (which records the task crashed), then the run's own ending."""
    db = faults.root / "sigterm-in-task" / "wh.duckdb"
    pause = faults.root / "load-paused"
    run = faults.start(db, "sigterm-in-task", fault="load:2:pause", NEWSFLOW_FAULT_FILE=str(pause))
    wait_for("the run to pause inside load_batch", pause.exists, timeout=600)
    run.process.send_signal(signal.SIGTERM)
    assert run.wait(timeout=120) == 128 + signal.SIGTERM, run.output
    assert run.stderr_lines()[-1] == "ingest stopped by SIGTERM: a load it had started is marked aborted", run.output
    assert "Traceback" not in run.output
    assert [(status, message) for (_, status, message, _, _) in loads(db)] == [("aborted", "stopped by SIGTERM")]
    assert wait_for_none(run.mark) == []


def listing_sources(where: Path, held: str, fast: Site) -> list[str]:
    """A sources file whose first source is the held listing `held` and whose second is the fast host's sitemap."""
    where.mkdir(parents=True, exist_ok=True)
    kind = "feed" if "feed" in held else "sitemap"
    (where / "sources.toml").write_text(
        f"""
[fetch]
allowed_networks = ["127.0.0.1/32"]
read_timeout = 600.0    # the held listing waits for the test, never for a timeout
total_timeout = 600.0
listing_deadline = 900.0

[[source]]
name = "held"
kind = "{kind}"
location = "{held}"

[[source]]
name = "fast"
kind = "sitemap"
location = "{fast.url('/sitemap-news.xml')}"
"""
    )
    return ["--sources", str(where / "sources.toml")]


@pytest.mark.parametrize(("listing", "temporary_server"), [("/held/feed.xml", False), ("/held/sitemap_index.xml", True)])
def test_sigterm_while_a_slow_listing_is_read_aborts_at_once_with_one_line(faults, listing, temporary_server):
    """The signal meets the run inside discover_links and fetch_listing (tasks within a task), before any page is fetched.

    One case runs on the temporary Prefect server a user's first run gets: it stops with the run,
    and the run's logs must reach it before, or the output ends in "Error logging to API".
    """
    with Site(crawl_delay=0) as fast, Site(crawl_delay=0) as slow:
        db = faults.root / f"listing-sigterm-{Path(listing).stem}" / "wh.duckdb"
        inputs = listing_sources(db.parent, slow.url(listing), fast)
        run = faults.start(db, f"listing-sigterm-{Path(listing).stem}", inputs=inputs, temporary_server=temporary_server)
        wait_for("the run to wait for the slow listing", lambda: slow.hits(listing) == 1, timeout=300)
        ended = stop_with_sigterm(run, db)
        assert sorted({r.path for r in slow.requests}) == sorted({"/robots.txt", listing})  # no page, no child sitemap
        assert fast.requests == []  # the next source's listing was never asked for

        slow.released.set()
        rerun = faults.start(db, f"listing-rerun-{Path(listing).stem}", inputs=inputs)
        assert rerun.wait() == 0, rerun.output
    assert [status for (status, *_) in counts(db)] == ["aborted", "completed"]
    assert {fast.url(f"/articles/{key}.html") for key in ("5", "6")} <= landed(db)


def test_readers_open_the_warehouse_while_a_slow_listing_is_read(faults):
    """The writer lets go of the file while a listing is fetched: a feed's retries can take minutes."""
    with Site(crawl_delay=0) as fast, Site(crawl_delay=0) as slow:
        db = faults.root / "listing-readers" / "wh.duckdb"
        run = faults.start(db, "listing-readers", inputs=listing_sources(db.parent, slow.url("/held/feed.xml"), fast))
        wait_for("the run to wait for the slow listing", lambda: slow.hits("/held/feed.xml") == 1, timeout=300)
        con = connect(db, read_only=True)  # WarehouseBusy after 5 s, were the file held
        try:
            assert con.execute("SELECT status FROM loads").fetchall() == [("running",)]
        finally:
            con.close()
        slow.released.set()
        assert run.wait() == 0, run.output
    assert [status for (status, *_) in counts(db)] == ["completed"]
