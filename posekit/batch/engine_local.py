"""`--engine local`: a pool of worker processes on this machine, each with its models loaded once.

A worker that dies (killed, out of memory) breaks the whole pool in `concurrent.futures`: every
unfinished item is then given to a fresh pool, up to `retries` times. Finished items are never redone:
their done records are on disk, and a video resumes from its last checkpoint.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from posekit.batch.inputs import WorkItem
from posekit.batch.worker import BatchSettings, ItemProcessor

#: (item, done record or None, error of an unfinished item or None)
Report = Callable[[WorkItem, "dict[str, Any] | None", "str | None"], None]
DIED = "worker process died (killed or out of memory) while processing it; re-run to retry"

_processor: ItemProcessor | None = None


def _init(settings: BatchSettings) -> None:
    global _processor
    _processor = ItemProcessor(settings)


def _run(item: WorkItem) -> dict[str, Any]:
    assert _processor is not None
    return _processor.run(item)


def _one_pool(
    pending: list[WorkItem], settings: BatchSettings, workers: int, report: Report
) -> list[WorkItem]:
    """Run `pending` in one pool; returns the items left unfinished when a worker died."""
    # spawn, not fork: a forked ONNX Runtime or a forked thread pool can deadlock
    ctx = multiprocessing.get_context("spawn")
    queue = list(reversed(pending))
    running: dict[Future, WorkItem] = {}
    broken: list[WorkItem] = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(settings,)) as pool:
        while queue or running:
            # at most 2 items queued per worker, so a broken pool has few items in its queue
            while queue and len(running) < 2 * workers:
                it = queue.pop()
                running[pool.submit(_run, it)] = it
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                it = running.pop(fut)
                try:
                    report(it, fut.result(), None)
                except BrokenProcessPool:
                    broken.append(it)
                except Exception as exc:
                    report(it, None, f"{type(exc).__name__}: {exc}")
            if broken:
                return broken + list(running.values()) + list(reversed(queue))
    return broken


def run_local(
    items: list[WorkItem], settings: BatchSettings, workers: int, report: Report, retries: int = 2
) -> None:
    """Process `items` in `workers` processes; `report` is called once per item, in the driver."""
    pending = list(items)
    for attempt in range(retries + 1):
        pending = _one_pool(pending, settings, max(1, workers), report)
        if not pending:
            return
        if attempt == retries:
            for it in pending:
                report(it, None, DIED)
