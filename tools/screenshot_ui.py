"""Screenshot the Prefect UI on a finished ingest run, with its artifacts, in headless Chromium.

    uv run python tools/screenshot_ui.py [--out docs/prefect-flow-run.png] [--chromium /usr/bin/chromium]

Starts its own Prefect server (127.0.0.1, a free port, a temporary PREFECT_HOME), ingests the
`archive` group of sources.example.toml into a temporary warehouse, opens the flow run page,
clicks its Artifacts tab and saves a PNG. Needs Chromium (Debian: `apt-get install chromium`);
not part of the tests.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

REPO = Path(__file__).resolve().parents[1]
# Flags that work offline in a container: no sandbox (root), no GPU, nothing phoning home.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-port=0",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "prefect-flow-run.png")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--size", default="1440,1000", help="page width,height in pixels")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsflow-ui-") as tmp:
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_HOME=tmp, PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false")
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            wait_healthy(api, server)
            subprocess.run(
                [sys.executable, "-m", "flows.cli", "ingest", "--sources", "sources.example.toml", "--group", "archive",
                 "--db", str(Path(tmp) / "newsflow.duckdb")],
                cwd=REPO, env=env, check=True,
            )
            (run,) = httpx.post(f"{api}/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 1}).json()
            url = f"http://127.0.0.1:{port}/runs/flow-run/{run['id']}"
            print(f"flow run {run['name']!r} ({run['state_name']}): {url}")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(screenshot_artifacts_tab(args.chromium, url, args.size, Path(tmp) / "chromium"))
            print(f"saved {args.out}")
        finally:
            server.send_signal(signal.SIGTERM)  # `prefect server start` stops on one SIGTERM
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def screenshot_artifacts_tab(chromium: str, url: str, size: str, profile: Path) -> bytes:
    """Open the flow run page, click its Artifacts tab once the app has rendered it, and return a PNG."""
    browser = subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        page = DevTools(page_websocket(profile))
        width, height = (int(n) for n in size.split(","))
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        # The tab in the URL (?tab=Artifacts) is reset to Logs while the run loads, so click it.
        tab = "[...document.querySelectorAll('[role=tablist] .p-tab')].find(t => t.textContent.trim() === 'Artifacts')"
        page.wait_for(f"!!{tab}")
        page.evaluate(f"{tab}.click()")
        page.wait_for("document.body.innerText.includes('ingest-summary')")
        time.sleep(2)  # let the artifact's Markdown render and the layout settle
        return base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
    finally:
        os.killpg(browser.pid, signal.SIGTERM)  # the launcher script and the browser's own processes
        browser.wait(30)


def page_websocket(profile: Path, timeout: float = 60) -> str:
    """The DevTools WebSocket of Chromium's page (the port is written to the profile when it is ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            port = int((profile / "DevToolsActivePort").read_text().split()[0])
            pages = [t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json() if t["type"] == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except (OSError, ValueError, IndexError, httpx.HTTPError):
            pass
        time.sleep(0.5)
    sys.exit("Chromium's DevTools endpoint did not come up")


class DevTools:
    """Just enough of the Chrome DevTools Protocol to wait, click and capture.

    Hand-written over `websockets` (already installed with Prefect) rather than adding Playwright,
    which would bring its own browser driver for three calls.
    """

    def __init__(self, websocket_url: str) -> None:
        self.socket = connect(websocket_url, max_size=None, proxy=None)  # a local page: never via a proxy
        self.ids = itertools.count(1)

    def call(self, method: str, **params: object) -> dict:
        """Send one command and return its result (events in between are not needed here)."""
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        """Poll until a JavaScript expression is true in the page."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                sys.exit(f"the page never showed: {expression}")
            time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(api: str, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"prefect server exited with {server.returncode}")
        try:
            if httpx.get(f"{api}/health", timeout=5).json() is True:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    sys.exit(f"no healthy Prefect server at {api} after {timeout:.0f}s")


if __name__ == "__main__":
    main()
