"""Interleaved timing for benchmarks: every run on each item in turn, so load changes hit all runs alike."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def interleaved_ms(
    runs: dict[str, Callable[[Any], Any]], items: Sequence[Any], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(wall, CPU) milliseconds per item of each run, one value per pass over `items` (`repeat` passes).
    CPU is the process time of all threads."""
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        w_sum, c_sum = dict.fromkeys(runs, 0.0), dict.fromkeys(runs, 0.0)
        for item in items:
            for k, run in runs.items():
                w0, c0 = time.perf_counter(), time.process_time()
                run(item)
                w_sum[k] += time.perf_counter() - w0
                c_sum[k] += time.process_time() - c0
        for k in runs:
            wall[k].append(w_sum[k] * 1e3 / len(items))
            cpu[k].append(c_sum[k] * 1e3 / len(items))
    return wall, cpu
