"""The `newsflow` command line."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.files import discover, outlet_of, read
from flows.settings import Settings
from transforms.records import Article, Rejection
from warehouse.db import connect, read_rows
from warehouse.reports import OUTCOMES, REPROCESS_NOTE, LoadSummary, load_summary, site_health_table

app = typer.Typer(help="News ingestion into a deduplicated DuckDB warehouse, run by Prefect.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

DbOption = Annotated[
    Optional[Path], typer.Option("--db", help="Warehouse file (default: $NEWSFLOW_DB or data/newsflow.duckdb).")
]


@app.command()
def ingest(
    inputs: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="[PATH|URL]...",
            help="Files, folders, URL-list files, or http(s) URLs of articles, feeds or sitemaps;"
            " default (with no --sources): the bundled sample corpus.",
        ),
    ] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="A sources.toml naming feeds, sitemaps, URL lists and folders.")] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="Only the sources of this group in the --sources file.")] = None,
    db: DbOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Documents per extraction (and fetch) task.")] = None,
    max_reject_ratio: Annotated[
        Optional[float], typer.Option(help="Fail the run when a larger share of the inputs read is rejected (0-1).")
    ] = None,
    allow_private_networks: Annotated[
        Optional[bool],
        typer.Option("--allow-private-networks/--no-private-networks", help="Fetch from private, loopback and link-local addresses (refused by default)."),
    ] = None,
    dask: Annotated[
        Optional[str],
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Extract on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://scheduler:8786"
            " (default: $NEWSFLOW_DASK_ADDRESS, else local processes).",
        ),
    ] = None,
    backfill: Annotated[
        Optional[str],
        typer.Option(metavar="FIRST..LAST", help="Fetch the feed and sitemap entries dated in this range of days, e.g. 2026-01-01..2026-01-31 (ignores since and max_articles)."),
    ] = None,
    enrich: Annotated[
        bool,
        typer.Option("--enrich/--no-enrich", help="Enrich the articles loaded (entities, quotes, stories); --no-enrich loads clean, deduplicated articles only, for `newsflow enrich` later."),
    ] = True,
) -> None:
    """Ingest article files and web sources (URLs, feeds, sitemaps) into the warehouse."""
    from flows import ingest as ingest_module  # imports Prefect: keep other commands fast
    from flows.sources import SourcesError

    try:  # a bad sources file, URL, group or range is a message, before any server starts
        Settings.from_env().plan(inputs or [], str(sources) if sources else None, backfill=backfill, group=group)
    except SourcesError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None

    flow = ingest_module.ingest.with_options(task_runner=ingest_module.task_runner(Settings.from_env(dask_address=dask)))
    try:
        summary = _run_with_progress(
            "ingest",
            lambda: flow(
                paths=list(inputs) if inputs else None,
                sources=str(sources) if sources else None,
                group=group,
                db=str(db) if db else None,
                batch_size=batch_size,
                allow_private_networks=allow_private_networks,
                max_reject_ratio=max_reject_ratio,
                backfill=backfill,
                enrich=enrich,
            ),
        )
    except ingest_module.TooManyRejects as exc:
        errors.print(f"[red]load failed:[/red] {exc} (`newsflow stats` shows them)")
        raise typer.Exit(1) from None
    print_summary(summary)
    console.print(f"Warehouse: [bold]{Settings.from_env(db=db).db}[/bold]  (try: newsflow query \"SELECT title, published_at FROM articles_canonical\")")


@app.command()
def reprocess(
    everything: Annotated[
        bool, typer.Option("--all", help="Every stored document, not only those an older extractor or NLP model processed.")
    ] = False,
    load: Annotated[Optional[str], typer.Option("--load", metavar="LOAD_ID", help="Only documents first stored by this load.")] = None,
    source: Annotated[
        Optional[str], typer.Option("--source", metavar="PREFIX", help="Only documents whose path or URL starts with this (a folder, a site).")
    ] = None,
    since: Annotated[Optional[str], typer.Option(help="Only documents stored since: an ISO date, or 36h, 7d, 2w.")] = None,
    db: DbOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Documents per extraction task.")] = None,
) -> None:
    """Extract stored documents again from their raw bytes (no network), e.g. after an extractor upgrade."""
    from flows import reprocess as reprocess_module  # imports Prefect: keep other commands fast
    from flows.sources import SourcesError, parse_since

    try:
        parse_since(since)
    except SourcesError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    warehouse = Settings.from_env(db=db).db
    if not warehouse.exists():
        errors.print(f"[red]no warehouse at {warehouse}: run `newsflow ingest` first[/red]")
        raise typer.Exit(1)
    summary = _run_with_progress(
        "reprocess",
        lambda: reprocess_module.reprocess(
            db=str(db) if db else None,
            all_documents=everything,
            load=load,
            source=source,
            since=since,
            batch_size=batch_size,
        ),
    )
    print_summary(summary)


@app.command()
def enrich(
    everything: Annotated[
        bool, typer.Option("--all", help="Every article, not only those lacking enrichment at the running model and rules (e.g. after a rules change).")
    ] = False,
    db: DbOption = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Articles per enrichment task.")] = None,
    dask: Annotated[
        Optional[str],
        typer.Option("--dask", metavar="ADDRESS", help="Annotate on the Dask cluster whose scheduler is at ADDRESS (default: $NEWSFLOW_DASK_ADDRESS, else local processes)."),
    ] = None,
) -> None:
    """Enrich loaded articles (entities, quotes, key phrases, stories) that lack it, e.g. after `ingest --no-enrich`."""
    from flows import enrich as enrich_module  # imports Prefect: keep other commands fast
    from flows import ingest as ingest_module

    warehouse = Settings.from_env(db=db).db
    if not warehouse.exists():
        errors.print(f"[red]no warehouse at {warehouse}: run `newsflow ingest` first[/red]")
        raise typer.Exit(1)
    flow = enrich_module.enrich.with_options(task_runner=ingest_module.task_runner(Settings.from_env(dask_address=dask)))
    summary = _run_with_progress(
        "enrich", lambda: flow(db=str(db) if db else None, everything=everything, batch_size=batch_size)
    )
    console.print(
        f"Enrich {summary.load_id} ({summary.status}): {summary.enrichment['enriched']} articles enriched,"
        f" {summary.enrichment['skipped']} skipped (copies of an article enriched instead, other languages)"
    )


def _run_with_progress(label: str, run: Callable[[], LoadSummary]) -> LoadSummary:
    """Run a flow against the Prefect API, with a progress bar its batches advance."""
    from flows import ingest as ingest_module  # the flows report progress through it

    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        job = bar.add_task(label, total=None)

        def advance(settled: int, total: int) -> None:
            bar.update(job, total=total, advance=settled)

        ingest_module.progress_listener = advance
        try:
            with prefect_api():
                return run()
        except ingest_module.SetupError as exc:  # a missing spool, an unusable cluster: what to fix
            errors.print(f"[red]cannot run:[/red] {exc}")
            raise typer.Exit(2) from None
        finally:
            ingest_module.progress_listener = None


@app.command()
def serve(
    prefect_file: Annotated[
        Path, typer.Option("--prefect-file", help="The deployments and schedules to serve.")
    ] = Path("deployments/prefect.yaml"),
) -> None:
    """Run the scheduled deployments of prefect.yaml from this one process (no work pool or worker)."""
    from prefect import serve as serve_deployments
    from prefect.settings import PREFECT_API_URL

    from flows.deployments import DeploymentsError, runner_deployments

    try:
        deployments = runner_deployments(prefect_file)
    except DeploymentsError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not PREFECT_API_URL.value():
        # A temporary server would take its schedules and run history with it when this process stops.
        errors.print(
            "[red]newsflow serve needs a running Prefect server:[/red] start one with `prefect server start`"
            " and export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
        raise typer.Exit(2)
    serve_deployments(*deployments)


@app.command()
def extract(paths: Annotated[list[Path], typer.Argument(help="Files or folders to extract.")]) -> None:
    """Print, as one JSON object per input, what the warehouse would get; no warehouse needed."""
    from transforms.pipeline import process_batch  # the extractors' imports: not for query/stats

    settings = Settings.from_env()
    files, missing = discover(paths)
    for rejection in missing:
        _print_json(_rejection_json(rejection))
    for file in files:
        raw = read(file, max_bytes=settings.max_bytes)
        if isinstance(raw, Rejection):
            _print_json(_rejection_json(raw))
            continue
        # One document per batch, so no template lines are learned across the given files.
        (processed,) = process_batch([raw], outlet_of, max_bytes=settings.max_bytes)
        outcome = processed.outcome
        _print_json(_article_json(outcome) if isinstance(outcome, Article) else _rejection_json(outcome))


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only).")],
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
) -> None:
    """Run SQL against the warehouse, opened read-only."""
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter("format must be table, csv or json")
    con = _open_warehouse(db)
    try:
        columns, rows = read_rows(con, sql)
    except Exception as exc:  # a user's SQL error is a message, not a traceback
        errors.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif format == "json":
        for row in rows:
            _print_json(dict(zip(columns, row)))
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        console.print(table)


@app.command()
def search(
    phrase: Annotated[str, typer.Argument(help="Words to look for in titles and texts (BM25 ranking).")],
    since: Annotated[Optional[dt.datetime], typer.Option(formats=["%Y-%m-%d"], help="Only articles published on or after this day.")] = None,
    entity: Annotated[Optional[str], typer.Option(help="Only articles that mention this entity, e.g. 'Vladimir Putin'.")] = None,
    limit: Annotated[int, typer.Option(help="How many articles to show.")] = 20,
    db: DbOption = None,
) -> None:
    """Search the warehouse's articles, ranked by relevance; copies of one article count once."""
    from warehouse.search import search as run_search

    con = _open_warehouse(db)
    try:
        hits = run_search(con, phrase, since=since.date() if since else None, entity=entity, limit=limit)
    except duckdb.CatalogException:
        errors.print("[red]no search index yet: run `newsflow ingest` first[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if not hits:
        console.print(f"No articles match {phrase!r}.")
        return
    table = Table("score", "published", "site", "title", "copies", "url", title=f"Articles matching {phrase!r}")
    for hit in hits:
        table.add_row(
            f"{hit.score:.2f}", str(hit.published_at or ""), hit.site_name or "", _cell(hit.title), str(hit.copies), hit.url or ""
        )
    console.print(table)


@app.command()
def stats(db: DbOption = None) -> None:
    """Show what the warehouse holds and what the last load did."""
    con = _open_warehouse(db)
    try:
        totals = Table("table", "rows", title="Warehouse")
        for name in (
            "loads", "documents", "articles", "articles_canonical", "duplicates", "rejects",
            "entities", "mentions", "quotes", "stories", "web_resources",
        ):
            (n,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()  # names are ours, not input
            totals.add_row(name, str(n))
        console.print(totals)
        last = con.execute("SELECT load_id FROM loads ORDER BY started_at DESC LIMIT 1").fetchone()
        if last:
            print_summary(load_summary(con, last[0]))
    finally:
        con.close()


@contextmanager
def prefect_api() -> Iterator[None]:
    """Use PREFECT_API_URL when set; otherwise one temporary local server for the whole run.

    Prefect's own ephemeral mode would start another server inside every worker process, and
    their task runs would be recorded there instead of beside the flow run.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    import os

    from prefect.server.api.server import SubprocessASGIServer

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline by default
    server = SubprocessASGIServer()  # the default instance: Prefect's internals find this one
    server.start(timeout=120)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield
            _drain_prefect_workers()
    finally:
        server.stop()


def _drain_prefect_workers() -> None:
    """Send buffered logs and events before the server goes away (as prefect_test_harness does)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        for result in (APILogWorker.instance().drain(), EventsWorker.drain_all()):
            if inspect.isawaitable(result):
                await result

    run_coro_as_sync(drain())


def print_summary(summary: LoadSummary) -> None:
    """Print a load summary as rich tables."""
    reprocessing = summary.kind == "reprocess"
    outcomes = Table(
        "outcome",
        "documents" if reprocessing else "inputs",
        title=f"{'Reprocess' if reprocessing else 'Load'} {summary.load_id} ({summary.status})",
    )
    for name in OUTCOMES:
        outcomes.add_row(name, str(summary.counts[name]))
    console.print(outcomes)
    if reprocessing:
        console.print(REPROCESS_NOTE)
    if summary.enrichment.get("enriched") or summary.enrichment.get("skipped"):
        console.print(
            f"Enrich stage: {summary.enrichment['enriched']} articles enriched, {summary.enrichment['skipped']} skipped"
            " (copies of an article enriched instead, other languages)"
        )
    if not summary.balanced:
        errors.print("[red]outcome counts do not add up[/red]")
    if summary.rejects_by_reason:
        rejects = Table("stage", "reason", "inputs", title="Rejects by reason")
        for stage, reason, n in summary.rejects_by_reason:
            rejects.add_row(stage, reason, str(n))
        console.print(rejects)
    if summary.fetch_by_host:
        web = summary.web
        backfill = (
            f", backfill: {web['skipped_outside_range']} entries outside its range, {web['skipped_undated']} undated"
            if web.get("skipped_outside_range") or web.get("skipped_undated")
            else ""
        )
        fetching = Table(
            "host", "URLs", "requests", "MB", "ok", "304", "robots denied", "failed", "median ms", "p95 ms",
            title=f"Fetching ({web.get('listings', 0)} feeds/sitemaps read, "
            f"{web.get('skipped_older', 0)} entries older than since, {web.get('deferred', 0)} deferred{backfill})",
        )
        for host, n, req, size, good, nm, rd, bad, median, p95 in summary.fetch_by_host:
            fetching.add_row(
                host, str(n), str(req), f"{(size or 0) / 1e6:.2f}", str(good), str(nm), str(rd), str(bad),
                "" if median is None else f"{median:.0f}", "" if p95 is None else f"{p95:.0f}",
            )
        console.print(fetching)
    if summary.site_health:
        rows = site_health_table(summary)
        health = Table(*rows[0], title="Extraction health by site, against the previous 7 days")
        for row in rows:
            health.add_row(*(str(value) for value in row.values()))
        console.print(health)
    for alert in summary.alerts:
        console.print(f"[yellow]template change? {alert.describe()}[/yellow]")


def _open_warehouse(db: Path | None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, or exit with a message when there is none."""
    try:
        return connect(db, read_only=True)
    except FileNotFoundError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _article_json(article: Article) -> dict[str, Any]:
    date = article.published
    dateline = article.dateline
    return {
        "source": article.source,
        "title": article.title,
        "authors": list(article.authors),
        "byline": article.byline,
        "site_name": article.site_name,
        "url": article.url,
        "published_at": date.value.isoformat() if date else None,
        "date_source": date.source if date else None,
        "date_precision": date.precision if date else None,
        "language": article.language,
        "dateline": (
            {"place": dateline.place, "date_text": dateline.date_text, "agencies": list(dateline.agencies)}
            if dateline
            else None
        ),
        "agencies": list(article.agencies),
        "word_count": article.word_count,
        "text": article.text,
    }


def _rejection_json(rejection: Rejection) -> dict[str, Any]:
    return {
        "source": rejection.source,
        "rejected": {"stage": rejection.stage, "reason": rejection.reason, "detail": rejection.detail},
    }


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


if __name__ == "__main__":
    app()
