"""The `newsflow` command line."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import functools
import json
import os
import signal
import subprocess
import sys
import tomllib
from unittest import mock
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

# Set by --debug: failures show their traceback instead of one line.
debug = False


@app.callback()
def main(
    debug_option: Annotated[bool, typer.Option("--debug", help="Show the traceback of a failure instead of one line.")] = False,
) -> None:
    """News ingestion into a deduplicated DuckDB warehouse, run by Prefect."""
    global debug
    debug = debug_option


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
) -> None:
    """Ingest article files and web sources (URLs, feeds, sitemaps) into the warehouse."""
    use_project_prefect_home(Settings.from_env(db=db).db)
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
    use_project_prefect_home(warehouse)
    from flows import reprocess as reprocess_module  # imports Prefect: keep other commands fast
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


def _run_with_progress(label: str, run: Callable[[], LoadSummary]) -> LoadSummary:
    """Run a flow against the Prefect API, with a progress bar its batches advance."""
    from flows import ingest as ingest_module  # the flows report progress through it

    if not debug:
        _console_logs_without_tracebacks()
    # The bar closes before a failure's one line is printed, so that line is the last one.
    with run_failures(label), Progress(
        TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        job = bar.add_task(label, total=None)

        def advance(settled: int, total: int) -> None:
            bar.update(job, total=total, advance=settled)

        ingest_module.progress_listener = advance
        # Prefect turns SIGTERM into an exception for the run, marks it crashed, then sends the signal
        # again to the handler it found: this one, so the command ends with its line, not killed silently.
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            with prefect_api():
                return run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            ingest_module.progress_listener = None


def _terminated(signum: int, frame: object) -> None:
    from prefect.exceptions import TerminationSignal

    raise TerminationSignal(signum)


def _console_logs_without_tracebacks() -> None:
    """Prefect logs a failed run's traceback to the terminal; the CLI says it in one line instead.

    Only the terminal's handlers drop it: the API handler (on the run loggers, which pass records
    to the terminal's handler on the root logger afterwards) has sent its copy, with the traceback,
    to the Prefect server already.
    """
    import logging

    from prefect.logging.handlers import APILogHandler

    def drop_traceback(record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = record.stack_info = None
        return True

    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, APILogHandler):
                handler.addFilter(drop_traceback)


@contextmanager
def run_failures(label: str) -> Iterator[None]:
    """A run that cannot go on ends with one line and a non-zero exit code (the traceback with --debug)."""
    from prefect.exceptions import TerminationSignal

    from flows.ingest import SetupError, TooManyRejects
    from warehouse.lock import WarehouseBusy

    try:
        yield
    except (typer.Exit, TooManyRejects):
        raise
    except SetupError as exc:  # a missing spool, an unusable cluster: what to fix
        _fail(exc, f"cannot run: {exc}", 2)
    except WarehouseBusy as exc:
        _fail(exc, f"{label} did not start: {exc}", 75)  # EX_TEMPFAIL: try again later
    except TerminationSignal as exc:
        _fail(exc, f"{label} stopped by {signal.Signals(exc.signal).name}: a load it had started is marked aborted", 128 + exc.signal)
    except KeyboardInterrupt as exc:
        _fail(exc, f"{label} stopped by Ctrl-C: the load is marked aborted", 130)
    except Exception as exc:
        _fail(exc, f"{label} failed: {_one_line(exc)}", 1)


def _fail(exc: BaseException, message: str, code: int) -> None:
    """Print one line and exit with `code`; with --debug, raise the original exception instead."""
    if debug:
        raise exc
    errors.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code) from None


def _one_line(exc: BaseException) -> str:
    """An exception as one readable line: a full disk says so; other errors give their first line."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return f"the disk is full ({_first_line(exc)}); free some space and run again"
    return f"{type(exc).__name__}: {_first_line(exc)} (--debug shows the traceback)"


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else "")[:300]


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
        (processed,) = process_batch([raw], outlet_of, max_bytes=settings.max_bytes, annotate_articles=False)
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
    from warehouse.sandbox import refused, sandbox

    con = sandbox(_open_warehouse(db))
    try:
        columns, rows = read_rows(con, sql)
    except Exception as exc:  # a user's SQL error is a message, not a traceback
        if refused(exc):
            _fail(exc, "query refused: `newsflow query` reads the warehouse only (no files, network, attachments,"
                  " extensions or settings); `newsflow export` writes files", 1)
        _fail(exc, f"query failed: {exc}", 1)  # DuckDB's own lines point at the error in the SQL
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
    from prefect.server.api.server import SubprocessASGIServer

    from flows.runs import die_with_parent

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline by default
    server = SubprocessASGIServer()  # the default instance: Prefect's internals find this one
    # Prefect starts the server with subprocess.Popen and no way to pass preexec_fn; the kernel
    # must stop it when this process dies, however it dies (kill -9 included), or it lives on.
    with mock.patch.object(subprocess, "Popen", functools.partial(subprocess.Popen, preexec_fn=die_with_parent)):
        server.start(timeout=300)  # ~7 s on an idle machine; minutes on a swamped one
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield
            _drain_prefect_workers()
    finally:
        server.stop()


def use_project_prefect_home(warehouse: Path) -> None:
    """Keep the temporary Prefect server's state beside the warehouse (`data/.prefect`), not in ~/.prefect.

    Only when nothing says otherwise: PREFECT_HOME or PREFECT_API_URL in the environment, or in
    the active Prefect profile, win. Must run before Prefect is imported (it reads them once).
    """
    if os.environ.get("PREFECT_HOME") or os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return  # chosen already (or, in a test's process, Prefect is configured)
    profiles_path = Path(os.environ.get("PREFECT_PROFILES_PATH") or Path.home() / ".prefect" / "profiles.toml")
    profile: dict[str, Any] = {}
    if profiles_path.is_file():
        try:
            profiles = tomllib.loads(profiles_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            profiles = {}
        active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
        profile = profiles.get("profiles", {}).get(active, {})
        # Moving PREFECT_HOME would also move where Prefect looks for profiles: keep the user's.
        os.environ.setdefault("PREFECT_PROFILES_PATH", str(profiles_path))
    if profile.get("PREFECT_HOME") or profile.get("PREFECT_API_URL"):
        return
    home = warehouse.absolute().parent / ".prefect"
    home.mkdir(parents=True, exist_ok=True)  # Prefect makes only the last folder, and the warehouse's may not exist yet
    os.environ["PREFECT_HOME"] = str(home)


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
