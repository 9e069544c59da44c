"""Scheduled deployments end to end, as a user runs them (README, "Run on a schedule").

A real `prefect server start` on a free port of 127.0.0.1, `prefect deploy` of deployments/prefect.yaml,
the server's scheduler, and a process worker running the `archive` deployment into a temporary DuckDB
file. Every process runs in its own environment (PREFECT_HOME, PREFECT_API_URL), so the test session's
own Prefect test server is never touched; the pytest process only speaks HTTP to the server.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest
import yaml
from cronsim import CronSim

from warehouse.lock import writer_lock

REPO = Path(__file__).resolve().parents[2]
PREFECT_FILE = REPO / "deployments" / "prefect.yaml"
DEPLOYMENTS = {entry["name"]: entry for entry in yaml.safe_load(PREFECT_FILE.read_text())["deployments"]}
PREFECT = [sys.executable, "-m", "prefect"]
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
# Every process this module starts carries this, so any that outlive their parents can be found.
MARKER = ("NEWSFLOW_E2E_RUN", uuid.uuid4().hex)

T = TypeVar("T")


@dataclass
class Stack:
    """A running Prefect server and what a subprocess needs to use it."""

    api: str
    env: dict[str, str]
    logs: Path

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.api}{path}", json=body or {}, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        response = httpx.get(f"{self.api}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def prefect(self, *args: str) -> str:
        """Run a `prefect` command against this server; its output, or a failure that shows it."""
        result = subprocess.run(
            [*PREFECT, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout


@dataclass
class ArchiveRun:
    """The archive deployment's run, made to wait for the warehouse's writer lock the test held."""

    flow_run: dict[str, Any]
    db: Path
    lock_released_at: dt.datetime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 1.0) -> T:
    """Poll until `check` returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running command in its own process group, its output in `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt, interrupt again, then kill the process group: a worker may ignore the first SIGINT.

    (A process started with SIGINT ignored, as by a non-interactive shell's `&`, keeps ignoring it;
    Prefect's worker turns a second SIGINT into SIGKILL.)
    """
    for sig, grace in ((signal.SIGINT, 20), (signal.SIGINT, 10)):
        if process.poll() is not None:
            break
        process.send_signal(sig)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the leader's children (flow runs, pool workers) too
    except ProcessLookupError:
        pass
    process.wait(10)


def kill_leftovers() -> list[int]:
    """Kill any process still carrying this module's marker (one that left our process groups)."""
    needle = f"{MARKER[0]}={MARKER[1]}".encode()
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
        except (OSError, ProcessLookupError):  # gone meanwhile, or not ours to read
            continue
    return killed


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """`prefect server start` on a free port, with its own home; stopped however the tests end."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "2",  # pick up the triggered run sooner than the default 10 s
            "NEWSFLOW_DB": str(home / "scheduled-runs.duckdb"),  # never the repository's data/ folder
            "NEWSFLOW_WORKERS": "1",
            MARKER[0]: MARKER[1],
        }
    )
    server = start([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, home / "server.log")
    running = Stack(api=env["PREFECT_API_URL"], env=env, logs=home)
    try:

        def healthy() -> bool:
            if server.poll() is not None:
                pytest.fail(f"prefect server exited with {server.returncode}:\n{tail(home / 'server.log')}")
            try:
                return httpx.get(f"{running.api}/health", timeout=5).json() is True
            except httpx.HTTPError:
                return False

        wait_for("the Prefect server's /api/health", healthy, timeout=180)
        yield running
    finally:
        stop(server)
        kill_leftovers()


@pytest.fixture(scope="module")
def deployments(stack: Stack) -> dict[str, dict[str, Any]]:
    """The work pool created and prefect.yaml deployed, as a user does; the deployments by name."""
    stack.prefect("work-pool", "create", "newsflow", "--type", "process")
    stack.prefect("--no-prompt", "deploy", "--prefect-file", str(PREFECT_FILE.relative_to(REPO)), "--all")
    return {d["name"]: d for d in stack.post("/deployments/filter")}


@pytest.fixture(scope="module")
def worker(stack: Stack, deployments) -> Iterator[subprocess.Popen[bytes]]:
    process = start([*PREFECT, "worker", "start", "--pool", "newsflow"], stack.env, stack.logs / "worker.log")
    try:
        yield process
    finally:
        stop(process)
        kill_leftovers()


@pytest.fixture(scope="module")
def archive_run(stack: Stack, deployments, worker, tmp_path_factory) -> ArchiveRun:
    """Run the archive deployment through the worker into a new DuckDB file, while the test first holds its writer lock."""
    db = tmp_path_factory.mktemp("warehouse") / "archive.duckdb"
    # Another writer (this test) holds the warehouse's lock, so the run must wait for it.
    held = writer_lock(db, "held-by-the-test", timeout=0)
    held.__enter__()
    run = stack.post(f"/deployments/{deployments['archive']['id']}/create_flow_run", {"parameters": {"db": str(db)}})

    def waiting() -> bool:
        state = stack.get(f"/flow_runs/{run['id']}")["state_type"]
        if state in TERMINAL:
            pytest.fail(f"the run ended {state} while the lock was held:\n{tail(stack.logs / 'worker.log')}")
        return any("waiting for load held-by-the-test" in log["message"] for log in run_logs(stack, run["id"]))

    try:
        wait_for("the run to wait for the warehouse writer lock", waiting, timeout=180)
        # Logs reach the server in batches a few seconds late, so a run that did not wait would have
        # opened the warehouse by now; two more seconds make that certain.
        time.sleep(2)
    finally:
        released_at = dt.datetime.now(dt.timezone.utc)
        held.__exit__(None, None, None)

    def finished() -> dict[str, Any] | None:
        flow_run = stack.get(f"/flow_runs/{run['id']}")
        return flow_run if flow_run["state_type"] in TERMINAL else None

    flow_run = wait_for("the archive run to finish", finished, timeout=300)
    assert flow_run["state_type"] == "COMPLETED", (
        f"{flow_run['state_type']}: {flow_run['state']['message']}\n{tail(stack.logs / 'worker.log')}"
    )
    return ArchiveRun(flow_run=flow_run, db=db, lock_released_at=released_at)


def run_logs(stack: Stack, flow_run_id: str) -> list[dict[str, Any]]:
    return stack.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200})


def test_deploy_registers_every_deployment_of_prefect_yaml(deployments):
    assert set(deployments) == set(DEPLOYMENTS)
    for name, entry in DEPLOYMENTS.items():
        deployment = deployments[name]
        assert deployment["entrypoint"] == entry["entrypoint"]
        assert deployment["parameters"] == entry["parameters"]
        assert deployment["tags"] == entry["tags"]
        assert deployment["work_pool_name"] == "newsflow"
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        schedules = [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in deployment["schedules"]]
        assert schedules == [(s["cron"], s["timezone"], True) for s in entry["schedules"]]
        # No pull section in prefect.yaml: the worker runs the flow in the folder it was deployed from.
        assert deployment["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ]


def test_the_scheduler_creates_runs_on_each_cron_in_its_time_zone(stack, deployments):
    def scheduled() -> dict[str, list[dt.datetime]] | None:
        runs = stack.post(
            "/flow_runs/filter",
            {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "deployments": {"id": {"any_": [d["id"] for d in deployments.values()]}}},
        )
        by_deployment: dict[str, list[dt.datetime]] = {}
        names = {d["id"]: name for name, d in deployments.items()}
        for run in runs:
            if run["auto_scheduled"]:  # created by the scheduler, not triggered
                by_deployment.setdefault(names[run["deployment_id"]], []).append(dt.datetime.fromisoformat(run["expected_start_time"]))
        return by_deployment if set(by_deployment) == set(deployments) else None

    # The scheduler looks at new deployments every few seconds (this is what sqlalchemy>=2.1 breaks).
    runs = wait_for("scheduled runs of every deployment", scheduled, timeout=120)
    now = dt.datetime.now(dt.timezone.utc)
    for name, times in runs.items():
        (schedule,) = DEPLOYMENTS[name]["schedules"]
        zone = ZoneInfo(schedule["timezone"])
        for when in times:
            local = when.astimezone(zone).replace(tzinfo=None)
            assert next(CronSim(schedule["cron"], local - dt.timedelta(minutes=1))) == local, (name, when)
            assert when > now - dt.timedelta(minutes=5), (name, when)


def test_a_worker_runs_the_archive_deployment_with_its_tasks_logs_and_artifact(stack, archive_run):
    run_id = archive_run.flow_run["id"]
    assert archive_run.flow_run["name"].startswith("ingest sources.example archive ")
    assert archive_run.flow_run["parameters"] == {**DEPLOYMENTS["archive"]["parameters"], "db": str(archive_run.db)}

    def task_runs() -> dict[str, str] | None:
        found = {t["name"].rsplit("-", 1)[0]: t["state_type"] for t in stack.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})}
        return found if "report_load" in found else None  # task runs are recorded from events, a moment late

    tasks = wait_for("the run's task runs", task_runs, timeout=60)
    assert {
        "discover_files", "skip_unchanged", "extract_files", "load_batch", "index_articles", "check_site_health", "report_load"
    } <= set(tasks)
    assert set(tasks.values()) == {"COMPLETED"}

    (load_id,) = duckdb_rows(archive_run.db, "SELECT load_id FROM loads")[0]

    def done_logged() -> bool:  # logs reach the server in batches, possibly after the run's final state
        return any(log["message"].startswith(f"load {load_id} done") for log in run_logs(stack, run_id))

    wait_for(f"the run's log line 'load {load_id} done'", done_logged, timeout=60)

    artifacts = stack.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    found = {a["key"]: a for a in artifacts}
    assert {key: a["type"] for key, a in found.items()} == {
        "ingest-summary": "markdown", "ingest-rejects": "table", "ingest-site-health": "table"
    }
    assert f"load `{load_id}` (completed)" in found["ingest-summary"]["data"]


def test_the_warehouse_holds_the_run_and_its_articles(archive_run):
    ((flow_run_id, status, discovered, loaded, duplicates, unchanged, rejected),) = duckdb_rows(
        archive_run.db, "SELECT flow_run_id, status, discovered, loaded, duplicates, unchanged, rejected FROM loads"
    )
    assert flow_run_id == archive_run.flow_run["id"]
    assert status == "completed"
    files = [p for p in (REPO / "examples").rglob("*") if p.is_file() and p.name != "README.md"]
    assert discovered == len(files)
    assert loaded > 0 and discovered == loaded + duplicates + unchanged + rejected
    ((articles,),) = duckdb_rows(archive_run.db, "SELECT count(*) FROM articles")
    assert articles == loaded + duplicates  # a duplicate is an article too, with its evidence


def test_the_run_waited_for_the_warehouse_writer_lock(stack, archive_run):
    ((started_at,),) = duckdb_rows(archive_run.db, "SELECT started_at FROM loads")
    assert started_at >= archive_run.lock_released_at
    with writer_lock(archive_run.db, "after-the-run", timeout=0):  # released when the run ended
        pass


def duckdb_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
