"""Each scenario panel's update time after a control change, over every control.

Run: ``python benchmarks/bench_panels.py`` — builds every registered panel on the default world
and changes each control to several values (in-process, no kernel), then reports per panel the
median and p95 update time in milliseconds. Target (issue: curriculum): median < 100 ms,
p95 < 250 ms.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median, p95


def main() -> None:
    import kamlab.ui as ui
    from kamlab.ui.base import PANELS, default_world
    from kamlab.ui.exercise import exercise

    for info in pkgutil.iter_modules(ui.__path__):
        importlib.import_module(f"kamlab.ui.{info.name}")
    world = default_world()
    print(f"# panel update times — {machine()}")
    print(f"{'panel':45s} {'n':>4s} {'build ms':>9s} {'median ms':>10s} {'p95 ms':>8s}")
    all_ms: list[float] = []
    for key, info in sorted(PANELS.items()):
        start = time.perf_counter()
        panel = info.cls(world=world)
        build = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(3):
            times += [ms for _, _, ms in exercise(panel)]
        all_ms += times
        print(f"{key:45s} {len(times):4d} {build:9.1f} {median(times):10.1f} {p95(times):8.1f}")
    if all_ms:
        print(f"{'ALL':45s} {len(all_ms):4d} {'':>9s} {median(all_ms):10.1f} {p95(all_ms):8.1f}")


if __name__ == "__main__":
    main()
