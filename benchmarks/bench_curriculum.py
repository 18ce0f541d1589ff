"""How long the whole curriculum takes to execute top to bottom (target: < 3 min).

Run: ``python benchmarks/bench_curriculum.py [--runs 3]`` — executes every notebook of
``curriculum/`` (00_start_here, M1…M8) in a fresh ``python3`` kernel with nbclient, one after
the other, in a temporary working folder (as a trainee's "Run all" would; kernel start-up
included), and prints each notebook's time and the total, per run, then the medians.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median  # noqa: E402


def run_once(paths: list[Path]) -> dict[str, float]:
    """Seconds per notebook for one execution of the whole curriculum."""
    out: dict[str, float] = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            client = NotebookClient(
                nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}
            )
            start = time.perf_counter()
            client.execute()
            out[path.stem] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paths = sorted((ROOT / "curriculum").glob("*.ipynb"))
    print(machine())
    runs = []
    for k in range(args.runs):
        r = run_once(paths)
        runs.append(r)
        print(
            f"run {k + 1}: total {sum(r.values()):.1f} s  "
            + ", ".join(f"{name} {s:.1f}" for name, s in r.items())
        )
    print(f"\nmedian of {args.runs} runs")
    for name in runs[0]:
        print(f"  {name:32s} {median([r[name] for r in runs]):6.1f} s")
    print(f"  {'whole curriculum':32s} {median([sum(r.values()) for r in runs]):6.1f} s")


if __name__ == "__main__":
    main()
