"""Imported once by the server process that local extraction workers are forked from (flows/workers.py):
what a worker needs, loaded and warmed up before any worker exists.

Warming is an optimisation only: if a library changes the internals used here, workers still start
(and warm up on their first documents, as spawned workers do).
"""

import contextlib

import prefect.task_engine  # noqa: F401 - runs each task in the worker
import flows.ingest  # noqa: F401 - the extraction tasks the workers are sent
from transforms import dedup

dedup.signature_template()  # imports datasketch (and scipy) and draws the MinHash permutations
with contextlib.suppress(Exception):
    # htmldate hands dates it cannot read to dateparser, which compiles a pattern per locale it
    # tries: a text no locale reads makes it compile them all now (1.8 s) rather than in each worker.
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("0 x 0")
