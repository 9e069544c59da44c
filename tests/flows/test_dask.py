"""Extraction on a Dask cluster: same warehouse as the process pool, work done on the workers, clear setup errors, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from distributed import Client, LocalCluster, get_task_stream
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest import ingest
from flows.stages import SetupError, check_worker
from tests.conftest import EXAMPLES, REPO
from tests.flows.warehouse_snapshot import differences, snapshot

runner = CliRunner()
# Small batches, so the corpus makes several extraction tasks for the two workers to share.
BATCH_SIZE = 8
BATCHES = 4  # 31 files, none unchanged: ceil(31 / 8)
WIDE = {"COLUMNS": "250"}  # error messages on one line


def warehouse_rows(db: Path) -> dict[str, list[tuple]]:
    """Every table's and view's rows, sorted, without the values that differ from run to run."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal"
                " UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
            ).fetchall()
        ]
        rows = {}
        for name in names:
            columns = [
                f'"{column}"'
                for column, data_type in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?"
                    " ORDER BY column_index",
                    [name],
                ).fetchall()
                # Per run: load ids, the Prefect flow run, and clock times (dates are data and stay).
                if not (column.endswith("load_id") or column == "flow_run_id" or data_type == "TIMESTAMP WITH TIME ZONE")
            ]
            # Names come from the warehouse's own catalog, not from input.
            rows[name] = con.execute(f'SELECT {", ".join(columns)} FROM "{name}" ORDER BY ALL').fetchall()
        return rows
    finally:
        con.close()


@pytest.fixture(scope="module")
def cluster():
    """A real Dask cluster of two single-threaded worker processes, closed however the tests end."""
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
    ) as cluster, Client(cluster, set_as_default=False) as client:
        # Not the default client: prefect-dask's runner would use a default client over its own address.
        yield cluster, client


def test_a_dask_run_fills_the_warehouse_exactly_as_the_process_pool_does(prefect_server, cluster, tmp_path):
    local_cluster, client = cluster
    on_dask, on_pool = tmp_path / "dask.duckdb", tmp_path / "pool.duckdb"

    with get_task_stream(client) as stream:  # what the scheduler saw the workers run
        result = runner.invoke(
            app,
            ["ingest", str(EXAMPLES), "--dask", local_cluster.scheduler_address,
             "--db", str(on_dask), "--batch-size", str(BATCH_SIZE)],
        )
    assert result.exit_code == 0, result.output
    pool_summary = ingest(paths=[str(EXAMPLES)], db=str(on_pool), batch_size=BATCH_SIZE)
    assert pool_summary.counts == {"discovered": 31, "loaded": 22, "duplicates": 4, "unchanged": 0, "rejected": 5}

    # The extraction and the enrich stage's NLP pass (26 articles, canonical first) really ran on
    # the cluster's workers, spread over both, and nothing else did: the tasks that hold the
    # warehouse's Writer (skip_unchanged, load_batch, load_enrichment, ...) stayed in the flow's process.
    ran = [(task["key"].rsplit("-", 1)[0], task["worker"]) for task in stream.data]
    annotated = -(-26 // BATCH_SIZE)
    assert sorted(name for name, _ in ran) == ["annotate_articles"] * annotated + ["check_worker"] + ["extract_files"] * BATCHES
    assert {worker for name, worker in ran if name == "extract_files"} == set(local_cluster.scheduler_info["workers"])

    dask_rows, pool_rows = warehouse_rows(on_dask), warehouse_rows(on_pool)
    assert dask_rows.keys() == pool_rows.keys()
    assert len(pool_rows["articles"]) == 26 and len(pool_rows["mentions"]) > 0  # not an empty comparison
    for name, rows in pool_rows.items():
        assert dask_rows[name] == rows, f"{name} differs between the Dask and the process-pool run"


def test_the_environment_setting_chooses_dask_for_deployments_and_served_runs():
    # A deployment's run imports the flow in a fresh process: the runner must follow its environment.
    code = "from flows.ingest import ingest; r = ingest.task_runner; print(type(r).__name__, r.address)"
    env = {**os.environ, "NEWSFLOW_DASK_ADDRESS": "tcp://scheduler.example:8786"}
    found = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["DaskTaskRunner", "tcp://scheduler.example:8786"]
    env.pop("NEWSFLOW_DASK_ADDRESS")
    code = "from flows.ingest import ingest; print(type(ingest.task_runner).__name__)"
    found = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["ProcessPoolTaskRunner"]


def test_a_worker_that_cannot_see_the_spool_or_the_inputs_says_so(tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    check_worker.fn(str(spool), [str(EXAMPLES)])
    assert list(spool.iterdir()) == []  # its write test leaves nothing behind
    with pytest.raises(SetupError, match="cannot see .*/gone: on a Dask cluster, NEWSFLOW_SPOOL"):
        check_worker.fn(str(tmp_path / "gone"), [])
    with pytest.raises(SetupError, match="cannot see .*/elsewhere"):
        check_worker.fn(str(spool), [str(EXAMPLES), str(tmp_path / "elsewhere")])


def test_a_spool_setting_that_is_not_a_folder_stops_the_run_before_it_starts(prefect_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_SPOOL", str(tmp_path / "missing"))
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "text"), "--db", str(tmp_path / "w.duckdb")], env=WIDE)
    assert result.exit_code == 2
    assert f"NEWSFLOW_SPOOL={tmp_path / 'missing'} is not a folder" in result.output


def test_a_cluster_without_workers_fails_the_load_with_the_fix(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0") as empty:
        result = runner.invoke(
            app, ["ingest", str(EXAMPLES / "text"), "--dask", empty.scheduler_address, "--db", str(db)], env=WIDE
        )
    assert result.exit_code == 2
    assert "has no workers" in result.output and "dask worker" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, message, articles = con.execute(
            "SELECT status, message, (SELECT count(*) FROM articles) FROM loads"
        ).fetchone()
    finally:
        con.close()
    assert status == "failed" and "has no workers" in message and articles == 0


def scheduler_tasks(client: Client) -> int:
    """How many tasks the cluster's scheduler still holds (queued, running or results kept for a client)."""
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def test_sigterm_on_a_dask_run_aborts_at_once_frees_the_cluster_and_the_rerun_equals_a_clean_run(
    prefect_server, cluster, tmp_path
):
    from prefect.settings import PREFECT_API_URL

    local_cluster, client = cluster
    db, clean_db, spool = tmp_path / "stopped" / "w.duckdb", tmp_path / "clean" / "w.duckdb", tmp_path / "spool"
    spool.mkdir()
    pause = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    env.update(
        PREFECT_API_URL=PREFECT_API_URL.value(),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        NEWSFLOW_SPOOL=str(spool),
        NEWSFLOW_BATCH_SIZE="2",  # many batches: several are on the cluster when the run stops
        NEWSFLOW_WRITE_SIZE="2",
        COLUMNS="200",
    )
    command = [sys.executable, "-m", "flows.cli", "ingest", str(EXAMPLES), "--dask", local_cluster.scheduler_address]
    log = tmp_path / "stopped.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [*command, "--db", str(db)], cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True,
            env={**env, "NEWSFLOW_FAULT": "batch:1:pause", "NEWSFLOW_FAULT_FILE": str(pause)},
        )
    try:
        deadline = time.monotonic() + 300
        while not pause.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pause.exists(), log.read_text()
        assert scheduler_tasks(client) > 0  # the run's next batches are on the cluster, extracted or not
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=120) == 128 + signal.SIGTERM, log.read_text()
    finally:
        if run.poll() is None:
            run.kill()
    output = log.read_text()
    assert output.splitlines()[-1] == "ingest stopped by SIGTERM: a load it had started is marked aborted", output
    assert "Traceback" not in output
    # the cluster lets go of the stopped run's batches: nothing of it waits there to run or to be fetched
    deadline = time.monotonic() + 30
    while scheduler_tasks(client) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert scheduler_tasks(client) == 0
    assert list(spool.iterdir()) == []  # its spooled batches went with it

    for target in (db, clean_db):  # the rerun, then a clean run, each on the cluster
        done = subprocess.run([*command, "--db", str(target)], cwd=REPO, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    assert differences(snapshot(clean_db), snapshot(db)) == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = [status for (status,) in con.execute("SELECT status FROM loads ORDER BY started_at").fetchall()]
    finally:
        con.close()
    assert statuses == ["aborted", "completed"]
