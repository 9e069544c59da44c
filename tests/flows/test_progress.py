"""The CLI's progress bar moves per document, from counters the extraction tasks write as they go."""

from __future__ import annotations

import pytest

from flows import ingest, stages
from flows.files import discover
from tests.conftest import EXAMPLES


@pytest.fixture
def reports(monkeypatch) -> list[tuple[int, int]]:
    """What the progress bar is told: (inputs settled since the last report, inputs known)."""
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(stages, "progress_listener", lambda settled, total: seen.append((settled, total)))
    return seen


def test_an_extraction_task_counts_every_document_of_its_batch_one_by_one(tmp_path):
    files, _ = discover([str(EXAMPLES / "text"), str(EXAMPLES / "rejects")])
    counter = tmp_path / "batch.progress"
    ingest.extract_files.fn(files, 20 * 2**20, str(tmp_path), str(counter))
    # one byte per document, whether it became an article or a rejection
    assert counter.read_bytes() == b"." * len(files)


def test_progress_reports_what_the_counters_say_and_a_loaded_batch_settles_the_rest(tmp_path, reports):
    progress = stages.Progress()
    progress.add(10, 2)  # 10 inputs found, 2 settled without work (unchanged)
    counter = progress.counter(str(tmp_path))
    progress.poll()  # the task has not started: nothing to report
    with stages.document_counter(counter) as done:
        done()
        done()
        done()
    progress.poll()
    progress.poll()  # nothing new
    progress.settle(counter, 5)  # its batch of 5 is loaded: the 2 not yet counted
    assert reports == [(2, 10), (3, 10), (2, 10)]
    assert sum(settled for settled, _ in reports) == 7


def test_without_a_listener_no_counter_is_made(tmp_path, monkeypatch):
    monkeypatch.setattr(stages, "progress_listener", None)
    progress = stages.Progress()
    assert progress.counter(str(tmp_path)) is None
    with stages.document_counter(None) as done:
        done()
    assert list(tmp_path.iterdir()) == []
