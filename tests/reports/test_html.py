"""`newsflow report`'s page: one self-contained HTML file whose charts render in a real browser, offline."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest

from reports.html import render
from warehouse.inspect import ReportData

D = dt.date
SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def week() -> ReportData:
    """A small week of our own: two outlets, one story they share, wire copy a day late, two rejects."""
    return ReportData(
        since=SINCE,
        loads=3,
        articles_by_site_day=[("Kestrel Post", D(2026, 3, 2), 3), ("Dunmore Herald", D(2026, 3, 2), 1), ("Dunmore Herald", D(2026, 3, 3), 2)],
        undated_by_site=[("Dunmore Herald", 1)],
        stories=[
            ("s-1", "Ferry strike halts crossings", "Kestrel Post", D(2026, 3, 2), "Ferry strike halts crossings"),
            ("s-1", "Ferry strike halts crossings", "Dunmore Herald", D(2026, 3, 3), "Crossings halted as ferry crews strike"),
        ],
        wire=[
            ("w-1", "Ferry strike halts crossings", "Kestrel Post", "Kestrel Post", D(2026, 3, 2), 0, ["AFP"]),
            ("w-1", "Ferry strike halts crossings", "Kestrel Post", "Dunmore Herald", D(2026, 3, 3), 1, ["AFP"]),
        ],
        entity_days=[("Ana Ribeiro", D(2026, 3, 2), 4), ("Ana Ribeiro", D(2026, 3, 3), 1), ("Dunmore", D(2026, 3, 3), 2)],
        site_health=[
            ("Kestrel Post", 3, 1.0, 1.0, 0.67, 410.0, 12, 1.0, 0.92, 0.9, 430.0),
            ("Dunmore Herald", 3, 1.0, 0.33, 0.0, 220.0, 0, None, None, None, None),
        ],
        rejects=[("extract", "too_short", 2), ("sniff", "empty_file", 1)],
    )


def test_the_page_embeds_plotly_and_fetches_nothing():
    page = render(week(), generated=SINCE)
    assert page.count('class="plotly-graph-div"') == 6
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)  # no script or stylesheet from anywhere
    assert "Dunmore Herald 1" in page  # undated articles are counted beside the chart
    assert "new sites): Dunmore Herald" in page


def test_an_empty_window_says_so_instead_of_drawing_empty_charts():
    empty = ReportData(SINCE, 0, [], [], [], [], [], [], [])
    page = render(empty, generated=SINCE)
    assert page.count("Nothing in this window.") == 6
    assert 'class="plotly-graph-div"' not in page


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install chromium; .ci/run installs it)")
def test_every_chart_renders_in_headless_chromium_with_no_script_error(tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render(week(), generated=SINCE), encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=10000", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    # Plotly marks a div js-plotly-plot once it has drawn into it, with its SVG layers.
    assert len(re.findall(r'class="[^"]*\bjs-plotly-plot\b', dom)) == 6
    assert dom.count('class="main-svg"') >= 6
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
