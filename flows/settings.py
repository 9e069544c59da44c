"""Run settings: CLI flags win over environment variables, which win over defaults."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from flows.fetch import FetchPolicy
from flows.sources import DATED_KINDS, Plan, SourcesError, from_arguments, load_sources, parse_backfill
from transforms.sniff import DEFAULT_MAX_BYTES
from warehouse.db import db_path

_TRUE = {"1", "true", "yes", "on"}
# Documents per task: a task run costs ~300 ms of CPU between the worker and the Prefect server.
# A worker holds its task's results and one page at a time (transforms/pipeline.process_batch):
# in one process, 100 real pages at a time peaked at 325 MB and 250 at 348 MB (359 and 453 MB
# when a task held every page's bytes and text); tasks of 250 were no faster here, within the
# noise of runs on 2 shared cores.
DEFAULT_BATCH_SIZE = 100
# Extracted files per write to the warehouse. Each write reopens the file (DuckDB replays its log)
# and commits: at 5,000 pages, `ingest --no-enrich` in 10 writes of 500 instead of 50 of 100 took
# 36.0-36.2 ms of CPU per page instead of 38.5-39.7, and 101.7 s instead of 108.8-113.0 s
# (benchmarks/bench_ingest.py's timed_ingest, runs alternated). Readers wait for a write to end:
# benchmarks/bench_readers.py --n 600 waited p95 1.3 s and at most 3.4 s to open the file with
# writes of 500 (2.0 s and 4.7 s with writes of 100); on a busier machine, p95 1.2 s and at most
# 5.2 s, and one read of 105 gave up "busy" after 5 s.
DEFAULT_WRITE_SIZE = 500


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the warehouse is and how a run is cut into work."""

    db: Path
    batch_size: int = DEFAULT_BATCH_SIZE
    write_size: int = DEFAULT_WRITE_SIZE  # extracted files per write of an ingest of files (at least one task's)
    workers: int = 2
    max_bytes: int = DEFAULT_MAX_BYTES
    max_reject_ratio: float | None = None  # a load rejecting a larger share of what it read ends failed
    dask_address: str | None = None  # a Dask scheduler (tcp://host:8786): extraction runs on its workers
    spool: Path | None = None  # where batches wait between tasks; on a cluster, a folder every worker sees
    lock_timeout: float = 300.0  # seconds a run waits for another run writing the same warehouse

    @classmethod
    def from_env(
        cls,
        db: str | os.PathLike[str] | None = None,
        batch_size: int | None = None,
        max_bytes: int | None = None,
        max_reject_ratio: float | None = None,
        dask_address: str | None = None,
    ) -> Settings:
        """Settings from explicit values, then NEWSFLOW_* variables, then defaults."""
        env = os.environ
        return cls(
            db=db_path(db),
            batch_size=batch_size or int(env.get("NEWSFLOW_BATCH_SIZE", DEFAULT_BATCH_SIZE)),
            write_size=int(env.get("NEWSFLOW_WRITE_SIZE", DEFAULT_WRITE_SIZE)),
            workers=int(env.get("NEWSFLOW_WORKERS", os.cpu_count() or 2)),
            max_bytes=max_bytes or int(env.get("NEWSFLOW_MAX_BYTES", DEFAULT_MAX_BYTES)),
            max_reject_ratio=max_reject_ratio
            if max_reject_ratio is not None
            else float(env["NEWSFLOW_MAX_REJECT_RATIO"]) if env.get("NEWSFLOW_MAX_REJECT_RATIO") else None,
            dask_address=dask_address or env.get("NEWSFLOW_DASK_ADDRESS") or None,
            spool=Path(env["NEWSFLOW_SPOOL"]) if env.get("NEWSFLOW_SPOOL") else None,
            lock_timeout=float(env.get("NEWSFLOW_LOCK_TIMEOUT", 300)),
        )

    def fetch_policy(self) -> FetchPolicy:
        """How to fetch, from NEWSFLOW_* variables over the defaults (a sources file's [fetch] goes over this)."""
        env = os.environ
        policy = FetchPolicy(max_bytes=self.max_bytes)
        if env.get("NEWSFLOW_USER_AGENT"):
            policy = dataclasses.replace(policy, user_agent=env["NEWSFLOW_USER_AGENT"])
        if env.get("NEWSFLOW_ALLOW_PRIVATE_NETWORKS", "").lower() in _TRUE:
            policy = dataclasses.replace(policy, allow_private_networks=True)
        return policy

    def plan(
        self,
        inputs: list[str],
        sources_file: str | None,
        allow_private_networks: bool | None = None,
        backfill: str | None = None,
        group: str | None = None,
    ) -> Plan:
        """Everything a run ingests: command-line inputs plus a sources file (or one group of it), and how to fetch.

        With `backfill`, feeds and sitemaps fetch only the entries dated in that range of days
        (see flows/web.py); URL lists and folders carry no dates and are read as usual.
        """
        if group is not None and not sources_file:
            raise SourcesError(f"group {group!r} needs a sources file to choose from (--sources)")
        policy = self.fetch_policy()
        found = from_arguments(inputs)
        if sources_file:
            from_file = load_sources(sources_file, policy, group)
            policy = from_file.policy
            found += from_file.sources
        if allow_private_networks is not None:
            policy = dataclasses.replace(policy, allow_private_networks=allow_private_networks)
        if backfill:
            days = parse_backfill(backfill)
            if not any(s.kind in DATED_KINDS for s in found):
                raise SourcesError("backfill: no feed or sitemap to backfill (URL lists and folders carry no dates)")
            found = [dataclasses.replace(s, backfill=days) if s.kind in DATED_KINDS else s for s in found]
        return Plan(tuple(found), policy)
