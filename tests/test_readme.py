"""What the README and examples/README.md tell a user can be done, can be done."""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys

import pytest
import typer.main
import yaml

from flows.cli import app
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = README + (REPO / "examples" / "README.md").read_text(encoding="utf-8")


def shell_lines(text: str) -> list[str]:
    """Every line of the ```bash blocks, comments cut off."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


NEWSFLOW_LINES = [line for line in shell_lines(DOCS) if line.startswith("uv run newsflow")]
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_the_readme_shows_newsflow_commands():
    assert len(NEWSFLOW_LINES) >= 10


@pytest.mark.parametrize("line", NEWSFLOW_LINES)
def test_every_newsflow_command_in_the_readme_exists_with_the_options_shown(line):
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "))
    name = words[3]  # uv run newsflow NAME
    assert name in COMMANDS, f"{line}: no command {name!r}"
    known = {opt for param in COMMANDS[name].params for opt in (*param.opts, *param.secondary_opts)}
    shown = {word.split("=")[0] for word in words[4:] if word.startswith("-") and word != "-"}
    assert shown <= known, f"{line}: unknown options {sorted(shown - known)}"


def test_every_command_is_in_the_readme():
    shown = {line.split()[3] for line in NEWSFLOW_LINES}
    assert set(COMMANDS) <= shown, f"not in the README: {sorted(set(COMMANDS) - shown)}"


def prefect_commands() -> list[str]:
    """Every `uv run prefect ...` the README shows, in code blocks and inline, its placeholders as written."""
    found = [line for line in shell_lines(README) if line.startswith("uv run prefect")]
    found += re.findall(r"`(uv run prefect [^`]+)`", README)
    found += [f"uv run {line}" for line in re.findall(r"`(prefect (?!server start)[a-z-]+ [^`]+)`", README)]
    return sorted(set(found))


@pytest.mark.parametrize("line", prefect_commands())
def test_prefect_commands_in_the_readme_exist_in_prefect_3_8_with_the_options_shown(line):
    words = shlex.split(line)[3:]
    # Every word but the options, then --help: Prefect prints the help of the deepest command,
    # or says the command does not exist.
    path = [w for w in words if not w.startswith("-") and "=" not in w]
    result = subprocess.run(
        [sys.executable, "-m", "prefect", *path, "--help"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
    )
    assert result.returncode == 0, f"{line}: {result.stdout}{result.stderr}"
    for option in (w.split("=")[0] for w in words if w.startswith("--")):
        assert option in result.stdout or option in prefect_help(), f"{line}: no option {option}"


@functools.cache
def prefect_help() -> str:
    """`prefect --help`: the options every Prefect command takes."""
    return subprocess.run([sys.executable, "-m", "prefect", "--help"], capture_output=True, text=True, timeout=120).stdout


def test_every_deployment_source_file_the_readme_points_at_is_shipped():
    config = yaml.safe_load((REPO / "deployments" / "prefect.yaml").read_text(encoding="utf-8"))
    from flows.sources import load_sources

    for deployment in config["deployments"]:
        params = deployment["parameters"]
        plan = load_sources(REPO / params["sources"], group=params.get("group"))
        for source in plan.sources:
            if source.kind in ("folder", "urls") and "://" not in source.location:
                assert (REPO / source.location).exists(), f"{deployment['name']}: {source.location} is not shipped"


def test_pyproject_cites_only_what_the_repository_has():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for name in re.findall(r"\b([A-Z][A-Z_]+\.md)\b", text):
        assert (REPO / name).exists() or (REPO / "docs" / name).exists(), f"pyproject.toml cites {name}, not in the repository"


def test_the_readme_links_only_to_files_that_exist():
    for target in re.findall(r"\]\(((?!https?://|#)[^)\s]+)\)", README):
        assert (REPO / target.split("#")[0]).exists(), target
