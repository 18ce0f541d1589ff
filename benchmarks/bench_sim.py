"""Benchmark: world generation time and peak memory per preset (``kamlab.sim.simulate``).

Each run is a fresh Python process (so peak memory is the run's own: ``ru_maxrss``); the script
prints the median and minimum wall time of several runs, the peak resident memory, the number of
account × SKU × week rows (``sell_out``) and the rows per second, for the presets small, default
and large. Targets (SPEC §3.13): small < 1 s; default < 5 s and < 500 MB; large < 30 s and
< 3 GB on a 2-core machine. Times include stage 14 (validation of the finished world).

    python benchmarks/bench_sim.py                 # all presets
    python benchmarks/bench_sim.py --preset large --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

_CHILD = r"""
import json, resource, sys, time
import kamlab.sim  # import time is not generation time
from kamlab.sim import SimConfig, simulate
cfg = SimConfig.preset(sys.argv[1], seed=int(sys.argv[2]), scenarios="default")
t = time.perf_counter()
w = simulate(cfg)
dt = time.perf_counter() - t
rows = sum(len(df) for df in (*w.public.values(), *w.truth.values()))
print(json.dumps({"seconds": dt, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "asw_rows": len(w.sell_out), "rows": rows}))
"""

RUNS = {"small": 7, "default": 5, "large": 3}
TARGETS = {"small": (1.0, None), "default": (5.0, 500.0), "large": (30.0, 3072.0)}


def run_once(preset: str, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, preset, str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="kamlab.sim generation benchmark")
    ap.add_argument("--preset", choices=list(RUNS), action="append")
    ap.add_argument("--runs", type=int, default=None, help="runs per preset (default 7/5/3)")
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    presets = a.preset or list(RUNS)
    print(f"# kamlab.sim generation benchmark\n\n{machine()}\n")
    print(
        "| preset | runs | median s | min s | peak RSS MB | acct×SKU×week rows | rows/s (acct×SKU×week) "
        "| all rows | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for p in presets:
        res = [run_once(p, a.seed) for _ in range(a.runs or RUNS[p])]
        secs = [r["seconds"] for r in res]
        med = statistics.median(secs)
        peak = max(r["peak_mb"] for r in res)
        t_s, t_mb = TARGETS[p]
        target = f"< {t_s:g} s" + (f", < {t_mb:g} MB" if t_mb else "")
        print(
            f"| {p} | {len(res)} | {med:.2f} | {min(secs):.2f} | {peak:.0f} | {res[0]['asw_rows']:,} "
            f"| {res[0]['asw_rows'] / med:,.0f} | {res[0]['rows']:,} | {target} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
