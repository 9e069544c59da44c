"""The README's test command, `.ci/run` and the `shared_data` marker agree, and the marker works.

On a bare clone (no ../shared) the tests that need the shared data are deselected, never
skipped, with one line saying how to run them; CI requires them, so missing data fails there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import REPO, REQUIRE_SHARED, RUN_SHARED, SHARED_MARKER

README = (REPO / "README.md").read_text("utf-8")
CI_RUN = (REPO / ".ci" / "run").read_text("utf-8")
NOTICE = "need ../shared (seeds, devset): not run"
# A seed module and its look-alike: what a bare clone runs and leaves out, in a few seconds.
PAIR = ["tests/transforms/test_plaintext_seeds.py", "tests/transforms/test_plaintext_lookalikes.py"]


def readme_test_command() -> str:
    """The test command of the README's first code block, without its comment."""
    block = re.search(r"```bash\n(.*?)```", README, re.DOTALL)
    assert block, "the README opens with a bash block"
    (line,) = [ln for ln in block[1].splitlines() if "pytest" in ln]
    return line.split("#")[0].strip()


def pytest_run(shared: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest in a child process with ../shared at `shared` (and without CI's requirement)."""
    environ = {k: v for k, v in os.environ.items() if k != REQUIRE_SHARED}
    environ.update(NEWSFLOW_SHARED_DIR=shared, **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_ci_runs_the_readme_test_command_with_the_shared_data_required():
    command = readme_test_command()
    assert command == "uv run pytest"
    runs = [ln.strip() for ln in CI_RUN.splitlines() if "pytest" in ln and not ln.lstrip().startswith("#")]
    assert any(ln.startswith(f"{command} ||") or ln == command for ln in runs), runs
    assert f"export {REQUIRE_SHARED}=1" in CI_RUN


def test_the_marker_the_readme_names_is_registered():
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]["ini_options"]
    registered = {m.split(":")[0].strip() for m in config["markers"]}
    assert SHARED_MARKER in registered and "--strict-markers" in config["addopts"]
    assert f"`{RUN_SHARED}`" in README


def test_without_shared_data_the_gates_are_deselected_and_said_so_in_one_line(tmp_path):
    run = pytest_run(str(tmp_path / "absent"), *PAIR)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    (notice,) = [ln for ln in lines if NOTICE in ln]
    assert RUN_SHARED in notice
    summary = lines[-1]
    assert "passed" in summary and "deselected" in summary and "skipped" not in summary, summary
    deselected = int(re.search(r"(\d+) deselected", summary)[1])
    assert notice.startswith(f"{deselected} tests")


@pytest.mark.parametrize("how", ["required", "asked_for"])
def test_missing_shared_data_is_an_error_when_required_or_asked_for(tmp_path, how):
    args, env = ([*PAIR], {REQUIRE_SHARED: "1"}) if how == "required" else ([*PAIR, "-m", SHARED_MARKER], {})
    run = pytest_run(str(tmp_path / "absent"), *args, **env)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "need ../shared, which lacks the five seeds" in run.stderr
    assert "passed" not in run.stdout


def test_with_shared_data_the_gates_are_selected(tmp_path):
    shared = tmp_path / "shared"
    (shared / "seeds").mkdir(parents=True)
    for n in range(5):
        (shared / "seeds" / f"00{n}_x.txt").write_text("stand-in")
    (shared / "devset" / "web-pages").mkdir(parents=True)
    (shared / "devset" / "web-pages" / "labels.json").write_text("{}")
    run = pytest_run(str(shared), "--collect-only", "-q", *PAIR, **{REQUIRE_SHARED: "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_plaintext_seeds.py::" in run.stdout and "deselected" not in run.stdout
    assert NOTICE not in run.stdout
