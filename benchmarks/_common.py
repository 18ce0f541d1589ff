"""Shared helpers for benchmark scripts: timing, medians, machine description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def machine() -> str:
    """One line describing the machine the figures come from."""
    import numpy
    import pandas

    cpu = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        mem_gb = float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {cpu} cores, {mem_gb:.0f} GiB, "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}"
    )


def timeit(fn: Callable[[], object], runs: int = 5, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
