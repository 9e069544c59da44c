"""The `newsflow` command line."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import functools
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from unittest import mock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import duckdb
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from flows.batching import task_size
from flows.files import argument, discover, outlet_of, read
from flows.settings import Settings
from flows.sources import Plan
from transforms.records import Article, Rejection
from warehouse.db import WarehouseBusy, connect, read_rows
from warehouse.inspect import EXPORT_FORMATS
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
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no Prefect log lines below WARNING; the summary only.")
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also Prefect's INFO log lines (task runs, counts), above the progress bar.")
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
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Ingest article files and web sources (URLs, feeds, sitemaps) into the warehouse."""
    from flows.sources import SourcesError

    inputs = [argument(given) for given in inputs] if inputs else inputs  # names in any bytes, as JSON can carry them
    try:  # a bad sources file, URL, group or range is a message, before any server starts
        plan = Settings.from_env().plan(inputs or [], str(sources) if sources else None, backfill=backfill, group=group)
    except SourcesError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    missing = missing_local_inputs(plan)
    if missing:  # a typo in a path is a message now, not a load with one reject after a server start
        for path in missing:
            errors.print(f"[red]no such file or folder: {path}[/red]", soft_wrap=True)
        raise typer.Exit(2)
    _set_log_level(quiet, verbose)
    use_project_prefect_home(Settings.from_env(db=db).db)
    from flows import ingest as ingest_module  # imports Prefect: keep other commands fast
    from flows.stages import task_runner

    flow = ingest_module.ingest.with_options(task_runner=task_runner(Settings.from_env(dask_address=dask)))
    try:
        summary = _run_with_progress(
            "ingest",
            quiet,
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
    warehouse = Settings.from_env(db=db).db
    db_flag = f" --db {shlex.quote(str(warehouse))}" if db else ""
    console.print(
        f"Warehouse: [bold]{warehouse}[/bold]  (try: {command_prefix()} query{db_flag}"
        " \"SELECT title, published_at FROM articles_canonical\")",
        soft_wrap=True,
    )


def missing_local_inputs(plan: Plan) -> list[str]:
    """The plan's folders, files and URL-list files that do not exist on this machine."""
    return [
        source.location
        for source in plan.sources
        if source.kind in ("folder", "urls") and "://" not in source.location and not os.path.lexists(source.location)
    ]


def command_prefix() -> str:
    """How the user runs newsflow in their own shell: `newsflow` when it is on their PATH, else `uv run newsflow`.

    `uv run` puts the project's .venv/bin first on PATH for this process only; the shell the
    user typed into has its own PATH, which uv does not change (uv sets VIRTUAL_ENV and UV for
    the processes it starts).
    """
    path = os.environ.get("PATH", "").split(os.pathsep)
    venv = os.environ.get("VIRTUAL_ENV")
    if os.environ.get("UV") and venv:
        path = [entry for entry in path if os.path.abspath(entry) != os.path.join(os.path.abspath(venv), "bin")]
    return "newsflow" if shutil.which("newsflow", path=os.pathsep.join(path)) else "uv run newsflow"


def _set_log_level(quiet: bool, verbose: bool) -> None:
    """Show Prefect's console log lines from WARNING (default and --quiet) or INFO (--verbose) up.

    Set through Prefect's logging environment before it is imported, so the flow's process and
    the worker processes it starts (which inherit the environment) print the same; the server
    still receives every log line for the UI.
    """
    level = "INFO" if verbose and not quiet else "WARNING"
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = level
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL"] = level
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL"] = level


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
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Extract stored documents again from their raw bytes (no network), e.g. after an extractor upgrade."""
    _set_log_level(quiet, verbose)
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
    from flows import reprocess as reprocess_module  # imports Prefect (after its home is chosen)

    summary = _run_with_progress(
        "reprocess",
        quiet,
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
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    dask: Annotated[
        Optional[str],
        typer.Option("--dask", metavar="ADDRESS", help="Annotate on the Dask cluster whose scheduler is at ADDRESS (default: $NEWSFLOW_DASK_ADDRESS, else local processes)."),
    ] = None,
) -> None:
    """Enrich loaded articles (entities, quotes, key phrases, stories) that lack it, e.g. after `ingest --no-enrich`."""
    _set_log_level(quiet, verbose)
    warehouse = Settings.from_env(db=db).db
    if not warehouse.exists():
        errors.print(f"[red]no warehouse at {warehouse}: run `newsflow ingest` first[/red]")
        raise typer.Exit(1)
    use_project_prefect_home(warehouse)
    from flows import enrich as enrich_module  # imports Prefect (after its home is chosen)
    from flows.stages import task_runner

    flow = enrich_module.enrich.with_options(task_runner=task_runner(Settings.from_env(dask_address=dask)))
    summary = _run_with_progress(
        "enrich", quiet, lambda: flow(db=str(db) if db else None, everything=everything, batch_size=batch_size)
    )
    console.print(
        f"Enrich {summary.load_id} ({summary.status}): {summary.enrichment['enriched']} articles enriched,"
        f" {summary.enrichment['skipped']} skipped (copies of an article enriched instead, other languages)"
    )


def _run_with_progress(label: str, quiet: bool, run: Callable[[], LoadSummary]) -> LoadSummary:
    """Run a flow against the Prefect API, with a progress bar (documents, rate, time left) its inputs advance."""
    from flows import stages  # the flows report progress through it

    if not debug:
        _console_logs_without_tracebacks()
        # When a signal stops a run, multiprocessing's resource tracker (a process of its own,
        # started with this environment) removes the worker pool's semaphores and warns that it
        # did, after the run's one line. The clean-up is right; the warning only buries that line.
        os.environ.setdefault("PYTHONWARNINGS", "ignore:resource_tracker:UserWarning")
    # The bar closes before a failure's one line is printed, so that line is the last one.
    with run_failures(label), Progress(
        TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("{task.fields[eta]}"),
        console=console, disable=quiet, redirect_stderr=True, redirect_stdout=True,
    ) as bar:
        job = bar.add_task(label, total=None, rate="", eta="")
        # Rate and time left count from the first report: inputs settled before any work (unchanged
        # files, refused links) come in that first report and would make the rate meaningless.
        first: list[float] = []

        def advance(settled: int, total: int) -> None:
            bar.update(job, total=total, advance=settled)
            done = bar.tasks[job].completed
            now = time.monotonic()
            if not first:
                first[:] = [now, done]
                return
            elapsed, worked = now - first[0], done - first[1]
            if worked > 0 and elapsed > 0:
                rate = worked / elapsed
                bar.update(job, rate=f"{rate:.1f} docs/s", eta=f"{(total - done) / rate:.0f} s left" if total > done else "")

        stages.progress_listener = advance
        # Prefect turns SIGTERM into an exception for the run, marks it crashed, then sends the signal
        # again to the handler it found: this one, so the command ends with its line, not killed silently.
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            with prefect_api(), _logs_above(bar.console):
                return run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            stages.progress_listener = None


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

    from flows.ingest import TooManyRejects
    from flows.runs import termination_signal
    from flows.stages import SetupError
    from warehouse.lock import WriterLockBusy

    try:
        yield
    except (typer.Exit, TooManyRejects):
        raise
    except SetupError as exc:  # a missing spool, an unusable cluster: what to fix
        _fail(exc, f"cannot run: {exc}", 2)
    except WriterLockBusy as exc:
        _fail(exc, f"{label} did not start: {exc}", 75)  # EX_TEMPFAIL: try again later
    except WarehouseBusy as exc:  # readers kept the file past the writer's wait: as temporary as a busy lock
        _fail(exc, f"{label} gave up: {exc}", 75)
    except KeyboardInterrupt as exc:
        _fail(exc, f"{label} stopped by Ctrl-C: the load is marked aborted", 130)
    except (TerminationSignal, Exception) as exc:
        if signum := termination_signal(exc):  # also when a library it was raised in wrapped it
            _fail(exc, f"{label} stopped by {signal.Signals(signum).name}: a load it had started is marked aborted", 128 + signum)
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


@contextmanager
def _logs_above(target: Console) -> Iterator[None]:
    """Print this process's Prefect log lines through the progress bar's console, so they land above the bar.

    Prefect's console handler writes to the stderr it found when logging was set up, past rich's
    redirection, and its lines would break into the bar as it redraws.
    """
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    handlers = {id(h): h for lg in loggers for h in lg.handlers if isinstance(h, PrefectConsoleHandler)}.values()
    saved = [(handler, handler.console) for handler in handlers]
    for handler, _ in saved:
        handler.console = _PlainLines(target)  # type: ignore[assignment]
    try:
        yield
    finally:
        for handler, original in saved:
            handler.console = original


class _PlainLines:
    """What PrefectConsoleHandler needs of a console: print(message, soft_wrap=...), as plain text (never markup)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def print(self, message: object, **options: Any) -> None:
        self.console.print(Text(str(message)), **options)


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
    # In the batches an ingest of these files would cut, so the same template lines are learned.
    size = task_size(len(files), settings.batch_size, settings.workers)
    for start in range(0, len(files), size):
        read_files = [read(file, max_bytes=settings.max_bytes) for file in files[start : start + size]]
        raws = [raw for raw in read_files if not isinstance(raw, Rejection)]
        extracted = iter(process_batch(raws, outlet_of, max_bytes=settings.max_bytes))
        for raw in read_files:
            outcome = raw if isinstance(raw, Rejection) else next(extracted).outcome
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
    from warehouse.search_index import NoSearchIndex

    con = _open_warehouse(db)
    try:
        hits = run_search(con, phrase, since=since.date() if since else None, entity=entity, limit=limit)
    except NoSearchIndex as exc:
        errors.print(f"[red]{exc}[/red]")
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
        snippet = Text(" ".join(hit.snippet.split()), style="dim")
        for start, end in hit.highlights:
            snippet.stylize("bold yellow", start, end)
        table.add_row("", "", "", snippet, "", "", end_section=True)
    console.print(table)


# What `stats` counts: the contract's tables, the canonical view, enrichment.
STATS_TABLES = (
    "loads", "documents", "articles", "articles_canonical", "duplicates", "rejects",
    "entities", "mentions", "quotes", "stories", "web_resources",
)


@app.command()
def index(db: DbOption = None) -> None:
    """Bring the search index up to date (a run does this itself; this catches up a warehouse made before the index)."""
    from warehouse.db import Writer
    from warehouse.lock import WriterLockBusy, writer_lock

    settings = Settings.from_env(db=db)
    try:  # a writer like any run: it holds the warehouse's writer lock
        with writer_lock(settings.db, "index", settings.lock_timeout, on_wait=errors.print), Writer(settings.db) as writer:
            indexed = writer.update_search_index(None)
    except (WarehouseBusy, WriterLockBusy) as exc:
        errors.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(75) from None  # EX_TEMPFAIL, as ingest
    console.print(f"search index: {indexed} articles indexed")


@app.command()
def compact(db: DbOption = None) -> None:
    """Give the warehouse file's free blocks back to the disk (runs reuse them anyway; worth it after a large rewrite)."""
    from warehouse.compact import COMPACT_MEMORY_LIMIT
    from warehouse.compact import compact as compact_warehouse
    from warehouse.lock import writer_lock

    settings = Settings.from_env(db=db)
    if not settings.db.exists():
        errors.print(f"[red]no warehouse at {settings.db}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    with run_failures("compact"):  # a writer like any run: it holds the warehouse's writer lock
        with writer_lock(settings.db, "compact", settings.lock_timeout, on_wait=errors.print):
            try:
                before, after = compact_warehouse(settings.db)
            except duckdb.OutOfMemoryException as exc:
                limit = os.environ.get("NEWSFLOW_DB_MEMORY", COMPACT_MEMORY_LIMIT)
                _fail(exc, f"compact failed: DuckDB ran out of memory at {limit}; set NEWSFLOW_DB_MEMORY higher"
                           " (the warehouse is unchanged)", 1)
    console.print(f"compacted {settings.db}: {before / 1e6:,.1f} MB -> {after / 1e6:,.1f} MB", soft_wrap=True, highlight=False)


@app.command()
def stats(db: DbOption = None) -> None:
    """Show which warehouse this is, what it holds and what the last load did."""
    from warehouse.inspect import recent_loads, table_sizes, warehouse_file

    con = _open_warehouse(db)
    try:
        console.print(f"Warehouse: [bold]{warehouse_file(con)}[/bold]", soft_wrap=True)
        totals = Table("table", "rows", title="Warehouse")
        for name, n in table_sizes(con, STATS_TABLES):
            totals.add_row(name, str(n))
        console.print(totals)
        last = recent_loads(con, 1)
        if last:
            load = last[0]
            console.print(
                f"Last load: {load.load_id} ({load.kind}), started {_when(load.started_at)}, "
                + (f"took {_duration(load.seconds)}" if load.seconds is not None else "still running"),
                soft_wrap=True,
            )
            print_summary(load_summary(con, load.load_id))
    finally:
        con.close()


@app.command()
def loads(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many loads to list, newest first.")] = 20,
    db: DbOption = None,
) -> None:
    """List recent loads: status, duration, outcome counts and (with a kept Prefect server) the run's page."""
    from warehouse.inspect import recent_loads

    con = _open_warehouse(db)
    try:
        rows = recent_loads(con, limit)
    finally:
        con.close()
    if not rows:
        console.print("No loads yet: run `newsflow ingest`.")
        return
    ui = prefect_ui_url()
    # Short headers and no box: the table should fit a terminal of about 100 columns.
    table = Table(title="Loads", box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    table.add_column("load", no_wrap=True, min_width=24)
    table.add_column("status", no_wrap=True, min_width=9)
    table.add_column("started (UTC)", no_wrap=True, min_width=19)
    for header in ("took", "found", "loaded", "dup", "unch", "rej"):
        table.add_column(header, justify="right", no_wrap=True)
    for load in rows:
        table.add_row(
            load.load_id, load.status + ("" if load.kind == "ingest" else f" ({load.kind})"),
            f"{load.started_at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S}",
            _duration(load.seconds) if load.seconds is not None else "running",
            *(str(getattr(load, name)) for name in OUTCOMES),
        )
    console.print(table)
    if ui:
        # Below the table, whole: a link cut by a narrow terminal would not open.
        for load in rows:
            if load.flow_run_id:
                console.print(f"{load.load_id}  {ui}/runs/flow-run/{load.flow_run_id}", soft_wrap=True, highlight=False)
    else:
        console.print(
            "Runs of a temporary Prefect server are gone with it; with PREFECT_API_URL set to a kept server,"
            " each load links to its run."
        )


def prefect_ui_url() -> str | None:
    """The kept Prefect server's UI address (PREFECT_UI_URL, else derived from PREFECT_API_URL); None without one."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    if not PREFECT_API_URL.value():
        return None
    return (PREFECT_UI_URL.value() or "").rstrip("/") or None


@app.command()
def show(
    article: Annotated[str, typer.Argument(metavar="ID|URL|PATH", help="An article id (or its first characters), its URL, or the file it came from.")],
    db: DbOption = None,
    text: Annotated[bool, typer.Option("--text/--no-text", help="Print the article's whole text (default: the first lines).")] = False,
) -> None:
    """Show one article: metadata, provenance (date source, copies, story, wire group), entities and quotes."""
    from warehouse.inspect import article_view, find_article

    con = _open_warehouse(db)
    try:
        found = find_article(con, article)
        if len(found) != 1:
            if found:
                errors.print(f"[red]{article!r} matches {len(found)} articles:[/red] {', '.join(found)}")
            else:
                errors.print(f"[red]no article matches {article!r}[/red] (an article id, URL or source path)")
            raise typer.Exit(1)
        view = article_view(con, found[0])
    finally:
        con.close()
    f = view.fields
    meta = Table(show_header=False, box=None, title=f"Article {f['article_id']}", title_justify="left")
    meta.add_column(style="bold")
    meta.add_column()
    date = f["published_at"]
    for name, value in (
        ("title", f["title"]),
        ("site", f["site_name"]),
        ("url", f["url"]),
        ("source", f["source_uri"]),
        ("published", f"{date} (from {f['date_source']}, precision {f['date_precision']})" if date else "unknown"),
        ("authors", ", ".join(f["authors"]) or None),
        ("byline", f["byline"]),
        ("agencies", ", ".join(f["agencies"]) or None),
        ("dateline", f["dateline_text"]),
        ("language", f["language"]),
        ("words", f["word_count"]),
        ("document", f"{f['document_media_type']}, {f['document_bytes']} bytes"),
        ("loaded", f"load {f['load_id']} ({_when(f['loaded_at'])}), extractor {f['extractor_version']}" if f["loaded_at"] else f["load_id"]),
        ("enrichment", _enrichment(view.enrichment)),
        ("key phrases", ", ".join(view.keywords) or None),
    ):
        meta.add_row(name, "" if value is None else str(value))
    console.print(meta, soft_wrap=True)
    if view.copy_of:
        method, original, similarity = view.copy_of
        console.print(f"A copy ({method}, similarity {similarity:.2f}) of article {original}.")
    if view.copies:
        copies = Table("article", "site", "source", "method", "similarity", title="Copies of this article" if not view.copy_of else "Copies of its original")
        for article_id, site, source, method, similarity in view.copies:
            copies.add_row(article_id, site or "", source, method, f"{similarity:.2f}")
        console.print(copies)
    if view.story:
        story_id, label, articles, lag = view.story
        outlets = Table("site", "published", "lag (days)", "article", title=f"Story {story_id}: {label} ({articles} articles)")
        for site, day, days_late, article_id in view.story_outlets:
            mark = " ← this one" if article_id == f["article_id"] else ""
            outlets.add_row(site or "", str(day or ""), "" if days_late is None else str(days_late), article_id + mark)
        console.print(outlets)
    if view.wire_group:
        wire = Table("site", "published", "lag (days)", "agencies", title="Wire copy group (same agency text)")
        for site, day, lag_days, agencies in view.wire_group:
            wire.add_row(site, str(day or ""), "" if lag_days is None else str(lag_days), ", ".join(agencies))
        console.print(wire)
    if view.entities:
        entities = Table("entity", "type", "mentions", title="Entities")
        for name, type_, n in view.entities:
            entities.add_row(name, type_, str(n))
        console.print(entities)
    if view.quotes:
        quotes = Table("speaker", "cue", "quote", title="Quotes")
        for speaker, cue, quote in view.quotes:
            quotes.add_row(speaker or "(not said)", cue or "", quote)
        console.print(quotes)
    body = f["text"]
    console.print("\n[bold]Text[/bold]")
    console.print(body if text else _first_lines(body), soft_wrap=True, markup=False, highlight=False)


def _first_lines(text: str, lines: int = 6) -> str:
    kept = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(kept)
    return "\n".join(kept) + (f"\n… ({more} more lines: --text shows them)" if more > 0 else "")


def _enrichment(row: tuple[str, str | None, str | None] | None) -> str | None:
    if row is None:
        return "not enriched"
    status, reason, model = row
    return f"{status}" + (f" ({reason})" if reason else "") + (f" by {model}" if model else "")


@app.command()
def export(
    what: Annotated[str, typer.Argument(metavar="QUERY|TABLE", help="A table or view name, or a SELECT query.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    format: Annotated[
        Optional[str], typer.Option("--format", "-f", help="parquet, csv or jsonl (default: from --out's suffix).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export a table, view or query's rows to Parquet, CSV or JSON lines; the warehouse is opened read-only."""
    from warehouse.inspect import export as export_rows

    fmt = format or {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(out.suffix.lower())
    if fmt not in EXPORT_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(EXPORT_FORMATS)}", param_hint="--format")
    con = _open_warehouse(db)
    try:
        rows = export_rows(con, what, fmt, out)
    except duckdb.Error as exc:  # a user's SQL error is a message, not a traceback
        errors.print(f"[red]export failed:[/red] {exc}")
        raise typer.Exit(1) from None
    finally:
        con.close()
    console.print(f"{rows} rows written to {out} ({fmt})", soft_wrap=True)


@app.command()
def schema(
    format: Annotated[str, typer.Option("--format", "-f", help="text or markdown (docs/schema.md is this output).")] = "text",
    db: DbOption = None,
) -> None:
    """List the warehouse's tables and views, one line per column with its type and meaning."""
    from warehouse.inspect import schema as read_schema, schema_markdown

    if format not in ("text", "markdown"):
        raise typer.BadParameter("format must be text or markdown", param_hint="--format")
    con = _open_warehouse(db)
    try:
        relations = read_schema(con)
    finally:
        con.close()
    if format == "markdown":
        sys.stdout.write(schema_markdown(relations))
        return
    for relation in relations:
        console.print(f"\n[bold]{relation.name}[/bold] ({relation.kind})" + (f": {relation.comment}" if relation.comment else ""), soft_wrap=True, highlight=False)
        width = max(len(name) for name, _, _ in relation.columns)
        for name, type_, comment in relation.columns:
            console.print(f"  {name:<{width}}  {type_:<12} {comment or ''}".rstrip(), soft_wrap=True, markup=False, highlight=False)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    since: Annotated[str, typer.Option(help="Loads started since: an ISO date, or 36h, 7d, 2w.")] = "7d",
    db: DbOption = None,
) -> None:
    """Write one self-contained HTML page of charts about the loads since a moment (opens with no network)."""
    from flows.sources import SourcesError, parse_since
    from reports.html import render
    from warehouse.inspect import report_data, warehouse_file

    try:
        moment = parse_since(since)
    except SourcesError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    con = _open_warehouse(db)
    try:
        data = report_data(con, moment)
        page = render(data, warehouse=warehouse_file(con))
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    console.print(f"Report on {data.loads} loads since {moment:%Y-%m-%d %H:%M} UTC written to {out}", soft_wrap=True)


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@contextmanager
def prefect_api() -> Iterator[None]:
    """Use PREFECT_API_URL when set; otherwise one temporary local server for the whole run.

    Prefect's own ephemeral mode would start another server inside every worker process, and
    their task runs would be recorded there instead of beside the flow run.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

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
        # No UI link in the logs ("View at http://127.0.0.1:PORT/..."): this server stops with the run.
        with temporary_settings(updates={PREFECT_API_URL: server.api_url, PREFECT_UI_URL: ""}):
            try:
                yield
            finally:
                # A failed or stopped run's logs too: drained at exit instead, after the server is
                # gone, they end the output with "Error logging to API" below the run's one line.
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


# Sites in the terminal's health table, those with the most articles in the run: a run over
# hundreds of sites printed a row for each (626 in benchmarks/bench_throughput.py's corpus; in a
# profile at N=1,000, about a quarter of the ingest process's own CPU) and buried the counts above.
SITES_SHOWN = 20


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
        for row in rows[:SITES_SHOWN]:
            health.add_row(*(str(value) for value in row.values()))
        console.print(health)
        if len(rows) > SITES_SHOWN:
            console.print(
                f"... and {len(rows) - SITES_SHOWN} more sites with fewer articles: every site is in"
                f" site_health_checks (load_id {summary.load_id})"
            )
    for alert in summary.alerts:
        console.print(f"[yellow]template change? {alert.describe()}[/yellow]")


def _open_warehouse(db: Path | None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, or exit with a message when there is none."""
    try:
        return connect(db, read_only=True)
    except (FileNotFoundError, WarehouseBusy) as exc:
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
    out: dict[str, Any] = {
        "source": rejection.source,
        "rejected": {"stage": rejection.stage, "reason": rejection.reason, "detail": rejection.detail},
    }
    if rejection.published is not None:  # a rejected page still says when it was published
        date = rejection.published
        out |= {"published_at": date.value.isoformat(), "date_source": date.source, "date_precision": date.precision}
    return out


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
