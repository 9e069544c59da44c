"""`newsflow report`: the warehouse's recent loads as one self-contained HTML page of charts.

Plotly draws the charts: they are interactive (hover shows each point's outlet, title and
figures; legends toggle series), and `plotly.offline.get_plotlyjs()` is the library's own
bundled plotly.min.js, written once into the page, so the file opens with no network. It costs
about 4.8 MB per report; hand-written inline SVG would be smaller but static, and ours to keep.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from warehouse.inspect import ReportData

# Shares of a site's articles with each field: (label, column in ReportData.site_health, baseline column).
HEALTH_FIELDS = (("title", 2, 7), ("day-precise date", 3, 8), ("author", 4, 9))
LABEL_CHARS = 60
DAY_MS = 86_400_000


def day_axis(days: list[dt.date]) -> dict[str, object]:
    """An x axis of publication days, padded half a day each side, so one day is not drawn as hours."""
    first, last = min(days), max(days)
    axis: dict[str, object] = {
        "type": "date", "tickformat": "%b %d\n%Y", "title": "publication day",
        "range": [f"{first - dt.timedelta(days=1)} 12:00", f"{last} 12:00"],
    }
    if (last - first).days <= 21:
        axis["dtick"] = DAY_MS
    return axis


def render(data: ReportData, *, generated: dt.datetime | None = None, warehouse: str = "") -> str:
    """The report as one HTML document with plotly.js inlined."""
    generated = generated or dt.datetime.now(dt.timezone.utc)
    sections = [
        ("Articles per site per day", "By publication day; undated articles are counted beside the chart.",
         _articles_per_day(data), _undated_note(data)),
        ("The biggest stories", "Stories covered by more than one outlet: each outlet's article on the day it ran.",
         _stories(data), ""),
        ("Wire copy: who ran it first", "Articles sharing wire copy, grouped by story: how many days after the first outlet each other one ran it.",
         _wire(data), ""),
        ("Entity mentions over time", "Mentions of the most-mentioned people, organisations and places, per publication day.",
         _entities(data), ""),
        ("Extraction health by site", "Share of each site's articles with a title, a day-precise date and an author in its latest load (bars) against its previous 7 days (diamonds).",
         _site_health(data), _new_sites_note(data)),
        ("Rejects by reason", "Inputs that did not become an article, by stage and reason.", _rejects(data), ""),
    ]
    body = []
    for title, caption, figure, note in sections:
        chart = (
            figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
            if figure is not None
            else '<p class="empty">Nothing in this window.</p>'
        )
        body.append(
            f'<section><h2>{html.escape(title)}</h2><p class="caption">{html.escape(caption)}</p>{chart}'
            + (f'<p class="note">{html.escape(note)}</p>' if note else "")
            + "</section>"
        )
    header = (
        f"{data.loads} loads started since {data.since:%Y-%m-%d %H:%M} UTC"
        + (f" in {html.escape(warehouse)}" if warehouse else "")
        + f"; generated {generated:%Y-%m-%d %H:%M} UTC."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newsflow report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ margin: 2rem 0 .2rem; }}
.caption, .note, .meta {{ color: #555; margin: .2rem 0; }} .empty {{ color: #888; font-style: italic; }}
</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>newsflow report</h1>
<p class="meta">{header}</p>
{''.join(body)}
</body></html>
"""


def _layout(figure: go.Figure, height: int = 420, **extra: object) -> go.Figure:
    figure.update_layout(
        template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.22, "yanchor": "top"}, **extra,
    )
    return figure


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _articles_per_day(data: ReportData) -> go.Figure | None:
    if not data.articles_by_site_day:
        return None
    by_site: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for site, day, n in data.articles_by_site_day:
        by_site[site].append((day, n))
    figure = go.Figure([go.Bar(name=site, x=[d for d, _ in rows], y=[n for _, n in rows]) for site, rows in by_site.items()])
    return _layout(figure, barmode="stack", xaxis=day_axis([d for _, d, _ in data.articles_by_site_day]), yaxis_title="articles")


def _undated_note(data: ReportData) -> str:
    if not data.undated_by_site:
        return ""
    return "Undated: " + ", ".join(f"{site} {n}" for site, n in data.undated_by_site) + "."


def _stories(data: ReportData) -> go.Figure | None:
    if not data.stories:
        return None
    stories: dict[str, list[tuple[str, str, dt.date | None, str]]] = defaultdict(list)
    for story_id, label, site, day, title in data.stories:
        stories[story_id].append((label, site, day, title))
    figure = go.Figure()
    for members in stories.values():
        label = _short(members[0][0])
        dated = [(site, day, title) for _, site, day, title in members if day is not None]
        figure.add_trace(go.Scatter(
            x=[day for _, day, _ in dated], y=[[label] * len(dated), [site for site, _, _ in dated]],
            mode="lines+markers", name=label, customdata=[title for _, _, title in dated],
            hovertemplate="%{y}<br>%{x}<br>%{customdata}<extra></extra>", marker={"size": 12},
        ))
    rows = sum(len(m) for m in stories.values())
    days = [day for *_, day, _ in data.stories if day is not None]
    return _layout(figure, height=160 + 34 * rows, xaxis=day_axis(days) if days else {}, yaxis={"autorange": "reversed"},
                   showlegend=False)


def _wire(data: ReportData) -> go.Figure | None:
    if not data.wire:
        return None
    figure = go.Figure()
    for rows in _grouped(data.wire).values():
        story, first = _short(rows[0][1]), rows[0][2]
        figure.add_trace(go.Scatter(
            mode="markers+text", marker={"size": 12}, name=f"{story} (first: {first})", x=[lag or 0 for *_, lag, _ in rows],
            y=[[story] * len(rows), [site for _, _, _, site, *_ in rows]],
            text=[("first" if not lag else f"+{lag} d") + (f" · {', '.join(ag)}" if ag else "") for *_, lag, ag in rows],
            textposition="middle right", customdata=[str(day) for *_, day, _, _ in rows],
            hovertemplate="%{y}: published %{customdata}, %{x} days after the first<extra></extra>",
        ))
    most = max((lag or 0 for *_, lag, _ in data.wire), default=0)
    return _layout(figure, height=160 + 40 * len(data.wire), xaxis_title="days after the first outlet",
                   xaxis={"range": [-0.5, max(most, 1) * 1.6 + 1], "dtick": 1}, yaxis={"autorange": "reversed"})


def _grouped(rows: list[tuple]) -> dict[str, list[tuple]]:
    groups: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row)
    return groups


def _entities(data: ReportData) -> go.Figure | None:
    if not data.entity_days:
        return None
    by_name: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for name, day, n in data.entity_days:
        by_name[name].append((day, n))
    figure = go.Figure([
        go.Scatter(name=name, x=[d for d, _ in rows], y=[n for _, n in rows], mode="lines+markers", marker={"size": 9})
        for name, rows in by_name.items()
    ])
    return _layout(figure, xaxis=day_axis([d for _, d, _ in data.entity_days]), yaxis_title="mentions")


def _site_health(data: ReportData) -> go.Figure | None:
    if not data.site_health:
        return None
    sites = [row[0] for row in data.site_health]
    figure = go.Figure()
    colours = ("#4c78a8", "#f58518", "#54a24b")
    for (label, now, before), colour in zip(HEALTH_FIELDS, colours):
        figure.add_trace(go.Bar(name=label, x=sites, y=[row[now] for row in data.site_health], marker_color=colour,
                                offsetgroup=label))
        figure.add_trace(go.Scatter(
            name=f"{label}, previous 7 days", x=sites, y=[row[before] for row in data.site_health], mode="markers",
            marker={"symbol": "diamond", "size": 11, "color": colour, "line": {"width": 1, "color": "#222"}},
            offsetgroup=label,
        ))
    return _layout(figure, barmode="group", scattermode="group", yaxis={"tickformat": ".0%", "range": [0, 1.05]})


def _new_sites_note(data: ReportData) -> str:
    new = [row[0] for row in data.site_health if not row[6]]
    return f"No previous 7 days to compare (new sites): {', '.join(new)}." if new else ""


def _rejects(data: ReportData) -> go.Figure | None:
    if not data.rejects:
        return None
    rows = list(reversed(data.rejects))
    figure = go.Figure(go.Bar(
        orientation="h", x=[n for *_, n in rows], y=[f"{reason} ({stage})" for stage, reason, _ in rows],
        text=[n for *_, n in rows], textposition="auto",
    ))
    return _layout(figure, height=120 + 30 * len(rows), xaxis_title="inputs")
