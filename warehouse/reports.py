"""Read-side summaries of a load, for run artifacts and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

OUTCOMES = ("discovered", "loaded", "duplicates", "unchanged", "rejected")


@dataclass
class LoadSummary:
    """What one load did: outcome counts, rejects by reason, per-site extraction health."""

    load_id: str
    status: str
    counts: dict[str, int]
    rejects_by_reason: list[tuple[str, str, int]] = field(default_factory=list)  # stage, reason, n
    site_health: list[tuple[str, int, float, float, float, float]] = field(default_factory=list)
    duplicates_by_method: list[tuple[str, int]] = field(default_factory=list)
    message: str | None = None

    @property
    def balanced(self) -> bool:
        """Every discovered input ended in exactly one outcome."""
        c = self.counts
        return c["discovered"] == c["loaded"] + c["duplicates"] + c["unchanged"] + c["rejected"]


def load_summary(con: duckdb.DuckDBPyConnection, load_id: str) -> LoadSummary:
    """Summarise one load from the warehouse."""
    row = con.execute(
        "SELECT status, message, discovered, loaded, duplicates, unchanged, rejected FROM loads WHERE load_id = ?",
        [load_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no load {load_id}")
    status, message, *numbers = row
    rejects = con.execute(
        "SELECT stage, reason, count(*) AS n FROM rejects WHERE load_id = ?"
        " GROUP BY stage, reason ORDER BY n DESC, reason",
        [load_id],
    ).fetchall()
    health = con.execute(
        "SELECT site_name, articles, with_title, with_date, with_author, median_words"
        " FROM site_health_by_load WHERE load_id = ? ORDER BY articles DESC, site_name",
        [load_id],
    ).fetchall()
    methods = con.execute(
        "SELECT method, count(*) FROM duplicates WHERE load_id = ? GROUP BY method ORDER BY method",
        [load_id],
    ).fetchall()
    return LoadSummary(
        load_id=load_id,
        status=status,
        counts=dict(zip(OUTCOMES, numbers)),
        rejects_by_reason=rejects,
        site_health=health,
        duplicates_by_method=methods,
        message=message,
    )


def to_markdown(summary: LoadSummary) -> str:
    """Render a load summary as the Markdown of a Prefect artifact."""
    c = summary.counts
    lines = [
        f"# newsflow ingest — load `{summary.load_id}` ({summary.status})",
        "",
        "| outcome | inputs |",
        "|---|---:|",
        *(f"| {name} | {c[name]} |" for name in OUTCOMES),
        "",
        f"Outcomes add up: **{'yes' if summary.balanced else 'NO'}**",
    ]
    if summary.duplicates_by_method:
        lines += ["", "## Duplicates by method", "", "| method | articles |", "|---|---:|"]
        lines += [f"| {m} | {n} |" for m, n in summary.duplicates_by_method]
    lines += ["", "## Rejects by reason", ""]
    if summary.rejects_by_reason:
        lines += ["| stage | reason | inputs |", "|---|---|---:|"]
        lines += [f"| {s} | {r} | {n} |" for s, r, n in summary.rejects_by_reason]
    else:
        lines.append("None.")
    lines += ["", "## Extraction health by site", ""]
    if summary.site_health:
        lines += ["| site | articles | title | date | author | median words |", "|---|---:|---:|---:|---:|---:|"]
        lines += [
            f"| {site} | {n} | {t:.0%} | {d:.0%} | {a:.0%} | {w:.0f} |"
            for site, n, t, d, a, w in summary.site_health
        ]
    else:
        lines.append("No articles in this load.")
    if summary.message:
        lines += ["", f"> {summary.message}"]
    return "\n".join(lines)
