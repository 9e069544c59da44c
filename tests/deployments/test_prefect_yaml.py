"""deployments/prefect.yaml agrees with sources.example.toml, and `newsflow serve` reads it faithfully."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.client.schemas.objects import ConcurrencyLimitStrategy
from typer.testing import CliRunner

from flows.cli import app
from flows.deployments import DeploymentsError, runner_deployments
from flows.sources import load_sources

REPO = Path(__file__).resolve().parents[2]
PREFECT_FILE = REPO / "deployments" / "prefect.yaml"
CONFIG = yaml.safe_load(PREFECT_FILE.read_text())
DEPLOYMENTS = CONFIG["deployments"]


@pytest.fixture
def in_repo(monkeypatch):
    """Entry points and parameters in prefect.yaml are relative to the project folder, as for `prefect deploy`."""
    monkeypatch.chdir(REPO)


def test_every_deployment_runs_one_group_of_the_example_sources_file():
    groups = {}
    for entry in DEPLOYMENTS:
        params = entry["parameters"]
        plan = load_sources(REPO / params["sources"], group=params["group"])  # an unknown group raises
        assert plan.sources, entry["name"]
        groups[params["group"]] = entry["name"]
    every_group = {s.group for s in load_sources(REPO / "sources.example.toml").sources}
    assert set(groups) == every_group, "one deployment per source group"
    assert len(groups) == len(DEPLOYMENTS), "no group is deployed twice"


def test_every_deployment_is_scheduled_in_a_time_zone_on_the_pool_one_run_at_a_time():
    for entry in DEPLOYMENTS:
        assert entry["entrypoint"] == "flows/ingest.py:ingest"
        assert entry["work_pool"]["name"] == "newsflow"
        assert entry["schedules"] and all(s.get("cron") and s.get("timezone") for s in entry["schedules"]), entry["name"]
        assert entry["concurrency_limit"]["limit"] == 1
        assert entry["tags"]


def test_serve_gets_the_same_deployments_schedules_parameters_and_limits(in_repo):
    served = runner_deployments()  # parses every schedule the way Prefect does: bad cron or time zone raise
    assert [d.name for d in served] == [e["name"] for e in DEPLOYMENTS]
    for deployment, entry in zip(served, DEPLOYMENTS):
        assert deployment.entrypoint == entry["entrypoint"]
        assert deployment.parameters == entry["parameters"]
        assert deployment.tags == entry["tags"]
        assert deployment.description == entry["description"]
        schedules = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
        assert schedules == [(s["cron"], s["timezone"], s.get("active", True)) for s in entry["schedules"]]
        assert deployment.concurrency_limit == entry["concurrency_limit"]["limit"]
        assert deployment.concurrency_options.collision_strategy == ConcurrencyLimitStrategy(
            entry["concurrency_limit"]["collision_strategy"]
        )


def write_prefect_file(tmp_path: Path, **changes) -> Path:
    entry = {**DEPLOYMENTS[0], **changes}
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump({"deployments": [entry]}))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schedules": [{"cron": "every morning", "timezone": "Europe/London"}]}, "Invalid cron"),
        ({"schedules": [{"cron": "0 6 * * *", "timezone": "Europe/Atlantis"}]}, "Invalid timezone"),
        ({"schedules": [{"cron": "0 6 * * *", "tz": "Europe/London"}]}, "tz"),
        ({"entrypoint": "flows/ingest.py:nothing"}, "nothing"),
        ({"entrypoint": None}, "name and entrypoint are required"),
    ],
)
def test_a_bad_deployment_says_which_and_what_is_wrong(in_repo, tmp_path, changes, message):
    with pytest.raises(DeploymentsError, match=message) as caught:
        runner_deployments(write_prefect_file(tmp_path, **changes))
    assert str(caught.value).startswith(f"{tmp_path / 'prefect.yaml'} deployment")


def test_serve_refuses_a_bad_prefect_file_with_a_message(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--prefect-file", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "missing.yaml:Nosuchfileordirectory" in "".join(result.output.split())  # rich wraps long lines anywhere

