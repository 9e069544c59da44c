"""Without PREFECT_HOME or PREFECT_API_URL, the CLI keeps Prefect's state beside the warehouse, not in ~/.prefect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def prefect_home_chosen(db: Path, home: Path, **env: str) -> str:
    """PREFECT_HOME as the CLI leaves it, in a fresh process (Prefect reads it once, on import)."""
    code = (
        "import os, sys; from pathlib import Path; from flows.cli import use_project_prefect_home;"
        f" use_project_prefect_home(Path({str(db)!r})); print(os.environ.get('PREFECT_HOME', ''))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env={**clean, "HOME": str(home), **env}, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_default_is_a_folder_beside_the_warehouse(tmp_path):
    db = tmp_path / "data" / "newsflow.duckdb"
    assert prefect_home_chosen(db, tmp_path / "home") == str(db.parent / ".prefect")


def test_an_explicit_home_or_server_wins(tmp_path):
    db = tmp_path / "newsflow.duckdb"
    assert prefect_home_chosen(db, tmp_path, PREFECT_HOME="/somewhere") == "/somewhere"
    assert prefect_home_chosen(db, tmp_path, PREFECT_API_URL="http://127.0.0.1:4200/api") == ""


def test_a_server_named_in_the_active_profile_wins(tmp_path):
    profiles = tmp_path / ".prefect" / "profiles.toml"
    profiles.parent.mkdir()
    profiles.write_text('active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://prefect.internal/api"\n')
    assert prefect_home_chosen(tmp_path / "newsflow.duckdb", tmp_path) == ""
