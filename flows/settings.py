"""Run settings: CLI flags win over environment variables, which win over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from transforms.sniff import DEFAULT_MAX_BYTES
from warehouse.db import db_path


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the warehouse is and how a run is cut into work."""

    db: Path
    batch_size: int = 500  # documents per task: a task run costs ~100 ms on a process pool
    workers: int = 2
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(
        cls,
        db: str | os.PathLike[str] | None = None,
        batch_size: int | None = None,
        max_bytes: int | None = None,
    ) -> Settings:
        """Settings from explicit values, then NEWSFLOW_* variables, then defaults."""
        env = os.environ
        return cls(
            db=db_path(db),
            batch_size=batch_size or int(env.get("NEWSFLOW_BATCH_SIZE", 500)),
            workers=int(env.get("NEWSFLOW_WORKERS", os.cpu_count() or 2)),
            max_bytes=max_bytes or int(env.get("NEWSFLOW_MAX_BYTES", DEFAULT_MAX_BYTES)),
        )
