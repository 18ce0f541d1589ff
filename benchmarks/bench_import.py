"""How long ``kamlab data import`` takes (reading, parsing, deriving, validating; no writing).

Run: ``python benchmarks/bench_import.py`` — times ``import_world(src, None)`` on

- the 清泉饮品 example (``tests/data/fixtures/byod_example``: Excel master data, a GBK
  sell-out CSV, invoices summed to weeks, inventory derived from stock counts; ~2.4k rows);
- the shipped default world written out as CSV extracts with an identity mapping (every
  public table, ~600k rows), when ``datasets/default`` exists.

Prints medians of 3 runs after one warm-up.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import machine, median, timeit  # noqa: E402


def _bench(label: str, src: Path) -> None:
    from kamlab.data.importer import import_world

    result = import_world(src, None)
    assert result.ok, [str(p) for p in result.problems[:5]]
    rows = sum(len(df) for df in result.world.public.values())
    times = timeit(lambda: import_world(src, None), runs=3)
    print(
        f"{label:40s} {len(result.world.public):3d} tables {rows:>9,} rows  {median(times):6.2f} s"
    )


def main() -> None:
    from kamlab.data import World
    from tests.data.roundtrip import export_extracts

    print(f"# import_world — {machine()}")
    _bench("byod_example (Excel + GBK CSV)", ROOT / "tests" / "data" / "fixtures" / "byod_example")
    default = ROOT / "datasets" / "default"
    if (default / "public").is_dir():
        with tempfile.TemporaryDirectory() as tmp:
            src = export_extracts(World.load(default, truth=False), Path(tmp) / "extracts")
            _bench("default world as CSV extracts", src)
    else:
        print(f"(no world at {default}; skipped)")


if __name__ == "__main__":
    main()
