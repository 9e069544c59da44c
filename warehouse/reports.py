"""Read-side summaries of a load, for run artifacts and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from transforms.site_health import FIELDS, LABELS, Health, SiteAlert, SiteHealth, format_change, format_value

OUTCOMES = ("discovered", "loaded", "duplicates", "unchanged", "rejected")
# What the outcome counts mean for a reprocess load.
REPROCESS_NOTE = (
    "Stored documents extracted again, without the network: loaded and duplicates are documents whose "
    "article was written again (changed or newly accepted; the enrich stage then enriches it again); unchanged ones "
    "came out as stored; rejected ones are rejected now (newly, or for another reason) or could not be "
    "read back (raw_missing: they keep what they had)."
)
WEB_COUNTS = ("listings", "skipped_older", "deferred", "skipped_outside_range", "skipped_undated")


@dataclass
class LoadSummary:
    """What one load did: outcome counts, rejects by reason, per-site extraction health and alerts."""

    load_id: str
    status: str
    counts: dict[str, int]
    kind: str = "ingest"  # or "reprocess": stored documents extracted again
    rejects_by_reason: list[tuple[str, str, int]] = field(default_factory=list)  # stage, reason, n
    site_health: list[SiteHealth] = field(default_factory=list)
    alerts: list[SiteAlert] = field(default_factory=list)  # template changes this load revealed
    duplicates_by_method: list[tuple[str, int]] = field(default_factory=list)
    message: str | None = None
    # Web sources: listings read and entries left out (older than since, over max_articles,
    # outside a backfill's range, undated in a backfill); per host: urls, requests, bytes, ok,
    # 304s, robots denials, failures, median and p95 ms; and HTTP statuses with their counts.
    web: dict[str, int] = field(default_factory=dict)
    fetch_by_host: list[tuple[str, int, int, int, int, int, int, int, float | None, float | None]] = field(
        default_factory=list
    )
    status_codes: list[tuple[int | None, int]] = field(default_factory=list)
    # The enrich stage: articles enriched, and those skipped with a reason (copies, other languages).
    enrichment: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """Every discovered input ended in exactly one outcome."""
        c = self.counts
        return c["discovered"] == c["loaded"] + c["duplicates"] + c["unchanged"] + c["rejected"]


def load_summary(con: duckdb.DuckDBPyConnection, load_id: str) -> LoadSummary:
    """Summarise one load from the warehouse."""
    row = con.execute(
        "SELECT status, message, kind, discovered, loaded, duplicates, unchanged, rejected FROM loads WHERE load_id = ?",
        [load_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no load {load_id}")
    status, message, kind, *numbers = row
    web = con.execute(
        f"SELECT {', '.join(WEB_COUNTS)} FROM loads WHERE load_id = ?", [load_id]  # our column names
    ).fetchone()
    hosts = con.execute(
        "SELECT host, urls, requests, bytes, ok, not_modified, robots_denied, failed, median_ms, p95_ms"
        " FROM fetch_health_by_load WHERE load_id = ? ORDER BY urls DESC, host",
        [load_id],
    ).fetchall()
    statuses = con.execute(
        "SELECT status, count(*) FROM fetches WHERE load_id = ? AND requests > 0 GROUP BY status ORDER BY status",
        [load_id],
    ).fetchall()
    rejects = con.execute(
        "SELECT stage, reason, count(*) AS n FROM rejects WHERE load_id = ?"
        " GROUP BY stage, reason ORDER BY n DESC, reason",
        [load_id],
    ).fetchall()
    methods = con.execute(
        "SELECT method, count(*) FROM duplicates WHERE load_id = ? GROUP BY method ORDER BY method",
        [load_id],
    ).fetchall()
    enriched, skipped = con.execute("SELECT enriched, enrich_skipped FROM loads WHERE load_id = ?", [load_id]).fetchone()
    return LoadSummary(
        load_id=load_id,
        status=status,
        counts=dict(zip(OUTCOMES, numbers)),
        kind=kind,
        rejects_by_reason=rejects,
        site_health=site_health(con, load_id),
        alerts=site_alerts(con, load_id),
        duplicates_by_method=methods,
        message=message,
        web=dict(zip(WEB_COUNTS, (n or 0 for n in web))),
        fetch_by_host=hosts,
        status_codes=statuses,
        enrichment={"enriched": enriched or 0, "skipped": skipped or 0},
    )


def site_health(con: duckdb.DuckDBPyConnection, load_id: str) -> list[SiteHealth]:
    """Each site's extraction health in one load beside its previous 7 days, as the load recorded it."""
    rows = con.execute(
        "SELECT site_name, articles, with_title, with_day_date, with_author, median_words,"
        " baseline_articles, baseline_with_title, baseline_with_day_date, baseline_with_author, baseline_median_words"
        " FROM site_health_checks WHERE load_id = ? ORDER BY articles DESC, site_name",
        [load_id],
    ).fetchall()
    sites = []
    for site, *figures in rows:
        now, before = Health(*figures[:5]), Health(*figures[5:])
        sites.append(SiteHealth(site, now, before if before.articles else None))
    return sites


def site_alerts(con: duckdb.DuckDBPyConnection, load_id: str) -> list[SiteAlert]:
    """The template-change alerts a load recorded."""
    rows = con.execute(
        "SELECT site_name, field, baseline, observed, articles, baseline_articles FROM site_alerts WHERE load_id = ?",
        [load_id],
    ).fetchall()
    # in the order the check raised them: by site, then field as FIELDS lists them
    return sorted((SiteAlert(*row) for row in rows), key=lambda alert: (alert.site, FIELDS.index(alert.field)))


def rejects_table(summary: LoadSummary) -> list[dict[str, object]]:
    """Rejects by reason as the rows of a Prefect table artifact."""
    return [{"stage": s, "reason": r, "inputs": n} for s, r, n in summary.rejects_by_reason]


def site_health_table(summary: LoadSummary) -> list[dict[str, object]]:
    """Per-site extraction health, each figure with its change against the previous 7 days, as table rows."""
    rows = []
    for site in summary.site_health:
        row: dict[str, object] = {"site": site.site, "articles": site.now.articles}
        for name in FIELDS:
            now, before = site.figure(name)
            change = "" if before is None else f" ({format_change(name, now, before)})"
            row[LABELS[name]] = format_value(name, now) + change
        row["previous 7 days"] = f"{site.baseline.articles} articles" if site.baseline else "new site"
        rows.append(row)
    return rows


def to_markdown(summary: LoadSummary) -> str:
    """Render a load summary as the Markdown of a Prefect artifact."""
    c = summary.counts
    lines = [
        f"# newsflow {summary.kind} — load `{summary.load_id}` ({summary.status})",
        "",
        "| outcome | inputs |",
        "|---|---:|",
        *(f"| {name} | {c[name]} |" for name in OUTCOMES),
        "",
        f"Outcomes add up: **{'yes' if summary.balanced else 'NO'}**",
    ]
    if summary.kind == "reprocess":
        lines += ["", REPROCESS_NOTE]
    if summary.enrichment.get("enriched") or summary.enrichment.get("skipped"):
        lines += [
            "",
            f"Enrich stage: {summary.enrichment['enriched']} articles enriched, {summary.enrichment['skipped']} skipped"
            " (copies of an article enriched instead, other languages).",
        ]
    if summary.alerts:
        lines += ["", "## Alerts", "", "Extraction fell sharply against the site's previous 7 days (a template change?):", ""]
        lines += [f"- {alert.describe()}" for alert in summary.alerts]
    if summary.duplicates_by_method:
        lines += ["", "## Duplicates by method", "", "| method | articles |", "|---|---:|"]
        lines += [f"| {m} | {n} |" for m, n in summary.duplicates_by_method]
    lines += ["", "## Rejects by reason", ""]
    if summary.rejects_by_reason:
        lines += ["| stage | reason | inputs |", "|---|---|---:|"]
        lines += [f"| {s} | {r} | {n} |" for s, r, n in summary.rejects_by_reason]
    else:
        lines.append("None.")
    lines += ["", "## Extraction health by site, against the previous 7 days", ""]
    if summary.site_health:
        lines += markdown_table(site_health_table(summary))
    else:
        lines.append("No articles in this load.")
    if summary.fetch_by_host:
        lines += ["", *fetch_markdown(summary)]
    if summary.message:
        lines += ["", f"> {summary.message}"]
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, object]]) -> list[str]:
    """Rows of dicts as the lines of a Markdown table; their keys are the header."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]


def fetch_markdown(summary: LoadSummary) -> list[str]:
    """The fetch figures of a load: totals, statuses, and requests and latency by host."""
    hosts = summary.fetch_by_host
    totals = [sum(row[i] or 0 for row in hosts) for i in range(1, 8)]
    urls, requests, received, ok, not_modified, denied, failed = totals
    web = summary.web
    lines = [
        "## Fetching",
        "",
        f"{requests} requests for {urls} URLs, {received / 1e6:.2f} MB received: {ok} fetched, "
        f"{not_modified} not modified (304), {denied} denied by robots.txt, {failed - denied} failed. "
        f"{web.get('listings', 0)} feeds/sitemaps read; {web.get('skipped_older', 0)} listed entries older "
        f"than `since`; {web.get('deferred', 0)} over `max_articles`, left for the next run"
        + (
            f"; backfill: {web['skipped_outside_range']} listed entries dated outside its range, "
            f"{web['skipped_undated']} undated."
            if web.get("skipped_outside_range") or web.get("skipped_undated")
            else "."
        ),
        "",
        "| HTTP status | URLs |",
        "|---|---:|",
        *(f"| {status if status is not None else 'no response'} | {n} |" for status, n in summary.status_codes),
        "",
        "| host | URLs | requests | MB | ok | 304 | robots denied | failed | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for host, n, req, size, good, nm, rd, bad, median, p95 in hosts:
        lines.append(
            f"| {host} | {n} | {req} | {(size or 0) / 1e6:.2f} | {good} | {nm} | {rd} | {bad} | "
            f"{_ms(median)} | {_ms(p95)} |"
        )
    return lines


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"
