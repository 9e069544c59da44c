"""The deployments of `deployments/prefect.yaml` as runner deployments, for `newsflow serve`.

`prefect deploy` reads the same file for a work pool and worker; reading it here too keeps one
source of truth for names, schedules, parameters, tags and concurrency limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import MissingFlowError
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Schedule

PREFECT_FILE = Path("deployments/prefect.yaml")  # relative to the project folder, as for `prefect deploy`


class DeploymentsError(ValueError):
    """A prefect.yaml that cannot be served, with what is wrong."""


def runner_deployments(prefect_file: Path = PREFECT_FILE) -> list[RunnerDeployment]:
    """One runner deployment per entry of a prefect.yaml: same name, schedules, parameters, tags and limit."""
    try:
        config = yaml.safe_load(prefect_file.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise DeploymentsError(f"{prefect_file}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise DeploymentsError(f"{prefect_file}: not valid YAML: {exc}") from None
    entries = config.get("deployments") or []
    if not entries:
        raise DeploymentsError(f"{prefect_file}: no deployments")
    return [_runner_deployment(entry, f"{prefect_file} deployment {entry.get('name', i + 1)!r}") for i, entry in enumerate(entries)]


def _runner_deployment(entry: dict[str, Any], where: str) -> RunnerDeployment:
    if not entry.get("name") or not entry.get("entrypoint"):
        raise DeploymentsError(f"{where}: name and entrypoint are required")
    limit = entry.get("concurrency_limit")
    try:
        flow = load_flow_from_entrypoint(entry["entrypoint"])
        return flow.to_deployment(
            name=entry["name"],
            description=entry.get("description"),
            parameters=entry.get("parameters") or {},
            tags=entry.get("tags") or [],
            schedules=[Schedule(**schedule) for schedule in entry.get("schedules") or []],
            concurrency_limit=ConcurrencyLimitConfig(**limit) if isinstance(limit, dict) else limit,
        )
    except (TypeError, ValueError, OSError, MissingFlowError) as exc:
        # A misspelt schedule key, a bad cron or timezone (pydantic errors are ValueErrors), a missing flow.
        raise DeploymentsError(f"{where}: {exc}") from None
