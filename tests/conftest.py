"""Shared test fixtures: the shared seeds and development pages, and a real Prefect test server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
EXAMPLES = REPO / "examples"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_server():
    """One real (temporary) Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def seed_files() -> list[Path]:
    """The five shared seed articles, in name order."""
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5, f"expected the five seeds in {SEEDS}"
    return files


@pytest.fixture
def web_site():
    """A real HTTP news site on 127.0.0.1 (tests/web_site.py), started for one test and stopped after."""
    from tests.web_site import Site

    site = Site().start()
    try:
        yield site
    finally:
        site.stop()
