"""The enrich stage, and the `enrich` flow that runs it alone.

select_articles (the articles loaded and not yet enriched, canonical ones first, oldest first, then copies)
  -> read_articles (in the flow: the warehouse's rows) -> annotate_articles (pool or Dask: spaCy
  and text features) -> load_enrichment (the writer: names resolved against the warehouse,
  quotes, stories, wire groups)

`ingest` and `reprocess` run this stage after loading (unless told not to) on the enrich queue:
what they and any earlier run left unenriched, never a pass over the archive. `newsflow enrich`
catches up on that queue and on articles enriched by an older model or rules (after an upgrade),
and with `everything` re-enriches every article: the same articles come out the same, so it is
idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from prefect import flow, get_run_logger, runtime, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture

from flows.batching import TASKS_PER_SLOT, task_size
from flows.stages import (
    extraction_slots,
    in_writes,
    index_articles,
    new_load_id,
    pipelined,
    read_spool,
    report_load,
    spool_batch,
    task_runner,
)
from flows.runs import fault_point, writing
from flows.settings import Settings
from transforms.enrich import Annotated, StoredArticle, annotate_stored
from warehouse.db import Writer
from warehouse.enrichment import EnrichKey, EnrichScope
from warehouse.reports import LoadSummary


@task(name="select_articles", cache_policy=NO_CACHE)
def select_articles(writer: Writer, scope: EnrichScope, after: EnrichKey | None, limit: int) -> list[EnrichKey]:
    """The next articles to enrich, in the enrich order (warehouse.enrichment.EnrichKey), after the last of the previous batch."""
    return writer.select_to_enrich(scope=scope, after=after, limit=limit)


@task(name="read_articles", cache_policy=NO_CACHE)
def read_articles(writer: Writer, article_ids: Sequence[str], per_task: int, spool: str) -> list[str]:
    """Read loaded articles back from the warehouse in one query; returns the spooled batches' paths, `per_task` articles each."""
    stored = writer.stored_articles(article_ids)
    return [spool_batch(stored[start : start + per_task], spool) for start in range(0, len(stored), per_task)]


@task(name="annotate_articles", cache_policy=NO_CACHE)
def annotate_articles(stored_file: str, spool: str) -> str:
    """Run the NLP pass and compute text features for a batch (runs in a worker process)."""
    stored: list[StoredArticle] = read_spool(stored_file)
    return spool_batch(annotate_stored(stored), spool)


@task(name="load_enrichment", cache_policy=NO_CACHE)
def load_enrichment(writer: Writer, load_id: str, batch_files: Sequence[str]) -> tuple[int, int]:
    """Load batches' enrichment and place their articles in stories, in one transaction."""
    batch: list[Annotated] = [a for path in batch_files for a in read_spool(path)]
    counts = writer.write_enrichment(load_id, batch)
    writer.release()  # readers can open the warehouse until the next batch is written
    return counts


def enrich_stage(
    writer: Writer, load_id: str, settings: Settings, spool: str, slots: int, scope: EnrichScope = "queued"
) -> tuple[int, int]:
    """Enrich the articles in `scope` (by default those loaded and not yet enriched), batch by batch on the workers; (enriched, skipped)."""
    size = settings.batch_size

    steps: list[int] = []  # the task size of each selection

    def jobs() -> Iterator[Callable[[], PrefectFuture[str]]]:
        after: EnrichKey | None = None
        # A selection is cut into several tasks (task_size): every worker gets work, and a run's
        # last task is short.
        while batch := select_articles(writer, scope, after, size * slots * TASKS_PER_SLOT):
            after = batch[-1]
            steps.append(task_size(len(batch), size, slots))
            # Reading runs here, in the one process that may open the warehouse.
            for stored_file in read_articles(writer, [aid for *_, aid in batch], steps[-1], spool):
                yield partial(annotate_articles.submit, stored_file, spool)

    def tasks_per_write() -> int:
        return size // steps[0] if steps else 1

    enriched = skipped = 0
    for batch_files in in_writes(pipelined(jobs(), slots), tasks_per_write):
        done, passed = load_enrichment(writer, load_id, batch_files)
        enriched, skipped = enriched + done, skipped + passed
        fault_point("enrich")
    get_run_logger().info("enrich stage: %d articles enriched, %d skipped (copies, other languages)", enriched, skipped)
    return enriched, skipped


def run_name() -> str:
    """Flow runs are named for what they do: `enrich <all|pending> <start time>`."""
    what = "all" if runtime.flow_run.parameters.get("everything") else "pending"
    started = runtime.flow_run.scheduled_start_time or dt.datetime.now(dt.timezone.utc)
    return f"enrich {what} {started:%Y-%m-%dT%H:%M}"


@flow(name="enrich", flow_run_name=run_name, task_runner=task_runner(Settings.from_env()))
def enrich(db: str | None = None, everything: bool = False, batch_size: int | None = None) -> LoadSummary:
    """Enrich loaded articles that lack enrichment at the running version (every article with `everything`)."""
    settings = Settings.from_env(db=db, batch_size=batch_size)
    load_id = new_load_id()
    with writing(settings, load_id, "enrich", str(runtime.flow_run.id or "") or None) as (writer, _, spool):
        scope: EnrichScope = "all" if everything else "stale"
        enrich_stage(writer, load_id, settings, spool, extraction_slots(settings, spool, []), scope)
        index_articles(writer, load_id)
        writer.finish_load(load_id, "completed")
    return report_load(str(settings.db), load_id)
