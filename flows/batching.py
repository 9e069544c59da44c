"""How a stage cuts its work into tasks: arithmetic only, so that `newsflow extract` (no Prefect)
cuts files into the batches `newsflow ingest` would, and learns the same template lines."""

from __future__ import annotations

import math

TASKS_PER_SLOT = 4
MIN_TASK = 25


def task_size(total: int, limit: int, slots: int) -> int:
    """Documents per task: at most `limit`, and few enough that every slot gets several tasks.

    A small run in one batch would leave all workers but one idle, and a run's last batch runs
    alone while the others wait: with four tasks per slot the tail is short. A task costs ~100 ms of
    overhead on the process pool, so tasks stay above a floor.
    """
    return max(min(limit, math.ceil(total / (slots * TASKS_PER_SLOT))), min(limit, MIN_TASK))
