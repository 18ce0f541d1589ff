"""How long ``validate_world`` takes on a default-sized world (target: < 2 s).

Run: ``python benchmarks/bench_validate.py [WORLD_DIR]`` — times ``validate_world`` (schemas
and invariants) and ``validate_world(invariants=False)`` on

- a synthetic world of the default preset's size (18 accounts × 40 SKUs × 104 weeks = 74,880
  panel rows, 157,500 audit SKU rows, 224,640 forecast rows, 60,000 order lines), built by
  ``tests/data/worldgen.py`` so that every invariant holds;
- the shipped default world ``datasets/default`` (or WORLD_DIR) when it exists.

Prints medians of 7 runs after one warm-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import machine, median, timeit  # noqa: E402


def _bench(label: str, tables: dict) -> None:
    from kamlab.data.validate import validate_world

    rows = sum(len(df) for df in tables.values())
    problems = validate_world(tables)
    full = timeit(lambda: validate_world(tables), runs=7)
    schema_only = timeit(lambda: validate_world(tables, invariants=False), runs=7)
    print(
        f"{label:34s} {len(tables):3d} tables {rows:>10,} rows  "
        f"full {median(full):6.3f} s  schemas only {median(schema_only):6.3f} s  "
        f"({len(problems)} problems)"
    )


def main() -> None:
    from kamlab.data import World
    from tests.data.worldgen import default_scale_world

    print(f"# validate_world — {machine()}")
    _bench("synthetic default-size world", default_scale_world())
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "datasets" / "default"
    if (path / "public").is_dir():
        world = World.load(path)
        _bench(f"{path.name} (public + truth)", {**world.public, **world.truth})
    else:
        print(f"(no world at {path}; skipped)")


if __name__ == "__main__":
    main()
