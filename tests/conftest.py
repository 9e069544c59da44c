"""Shared test fixtures, the `shared_data` marker, and a real Prefect test server.

Tests marked `shared_data` read `../shared` (the seeds and the development pages), which a bare
clone does not have. Without it the default run deselects them (never skips them) and says so in
one line; with NEWSFLOW_REQUIRE_SHARED=1 (as `.ci/run` sets), or when they are asked for with
`-m shared_data`, missing data is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The data beside the checkout; NEWSFLOW_SHARED_DIR points elsewhere (the marker's own tests use it).
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR") or REPO.parent / "shared")
SEEDS = SHARED / "seeds"
DEVSET = SHARED / "devset" / "web-pages"
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "tests" / "fixtures"
LOOKALIKES = FIXTURES / "lookalike_seeds"  # our own five files in the seeds' shapes

SHARED_MARKER = "shared_data"
REQUIRE_SHARED = "NEWSFLOW_REQUIRE_SHARED"
RUN_SHARED = f"uv run pytest -m {SHARED_MARKER}"
_NOT_RUN = pytest.StashKey[int]()

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def missing_shared_data() -> list[str]:
    """What the `shared_data` tests read that this checkout lacks (empty when everything is there)."""
    missing = []
    if len(sorted(SEEDS.glob("*.txt"))) != 5:
        missing.append(f"the five seeds in {SEEDS}")
    if not (DEVSET / "labels.json").is_file():
        missing.append(f"the development pages in {DEVSET}")
    return missing


# Fixtures that hand out ../shared: a test using one (directly or through another fixture) is marked.
SHARED_FIXTURES = frozenset({"shared_seeds", "shared_devset"})


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark the tests that reach ../shared through a fixture, before -m selects."""
    if SHARED_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(SHARED_MARKER)


@pytest.hookimpl(trylast=True)  # after -m and -k have chosen the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect `shared_data` tests when ../shared is missing, or fail if they were required."""
    needing = [item for item in items if item.get_closest_marker(SHARED_MARKER)]
    missing = missing_shared_data()
    if not needing or not missing:
        return
    if os.environ.get(REQUIRE_SHARED) == "1" or SHARED_MARKER in (config.option.markexpr or ""):
        raise pytest.UsageError(
            f"{len(needing)} selected tests need ../shared, which lacks {'; and '.join(missing)}"
        )
    config.hook.pytest_deselected(items=needing)
    items[:] = [item for item in items if not item.get_closest_marker(SHARED_MARKER)]
    config.stash[_NOT_RUN] = len(needing)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """One line saying which tests were left out for lack of ../shared, and how to run them."""
    not_run = config.stash.get(_NOT_RUN, 0)
    if not_run:
        terminalreporter.write_line(
            f"{not_run} tests need ../shared (seeds, devset): not run; run them with "
            f"`{RUN_SHARED}` from a checkout with shared/ beside it"
        )


@pytest.fixture(scope="session")
def prefect_server():
    """One real (temporary) Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def shared_seeds() -> Path:
    """../shared/seeds (the five seed articles); using it marks the test `shared_data`."""
    return SEEDS


@pytest.fixture(scope="session")
def shared_devset() -> Path:
    """../shared/devset/web-pages (labelled pages); using it marks the test `shared_data`."""
    return DEVSET


@pytest.fixture
def seed_files(shared_seeds: Path) -> list[Path]:
    """The five shared seed articles, in name order (so: marked `shared_data`)."""
    return sorted(shared_seeds.glob("*.txt"))


@pytest.fixture
def lookalike_files() -> list[Path]:
    """Our five look-alikes of the shared seeds (tests/fixtures/lookalike_seeds), in name order."""
    return sorted(LOOKALIKES.glob("*.txt"))


@pytest.fixture
def web_site():
    """A real HTTP news site on 127.0.0.1 (tests/web_site.py), started for one test and stopped after."""
    from tests.web_site import Site

    site = Site().start()
    try:
        yield site
    finally:
        site.stop()
