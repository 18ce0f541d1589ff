"""Write a world's public tables out as CSV extracts with an identity mapping (round trips).

Used by ``test_roundtrip.py`` (a simulated world survives export → import unchanged) and by
``benchmarks/bench_import.py`` (import speed at the default world's size).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kamlab.data import SCHEMAS, World

__all__ = ["export_extracts"]


def export_extracts(world: World, folder: Path, tables: list[str] | None = None) -> Path:
    """CSV files (``<table>.csv``, GBK for sell-out) plus ``kamlab-mapping.toml`` mapping every
    column onto itself, and a 4-4-5 calendar from the world's first week."""
    folder.mkdir(parents=True, exist_ok=True)
    cal = world.calendar
    names = tables or [n for n in world.public if n != "calendar" and SCHEMAS[n].layer == "public"]
    start = pd.Timestamp(cal.week_start.iloc[0]).date()
    lines = [
        "[calendar]",
        'type = "4-4-5"',
        f'start = "{start}"',
        f"years = {len(cal) // 52}",
        "",
    ]
    for name in names:
        df = world.public[name]
        encoding = "gbk" if name == "sell_out" else "utf-8"
        text = df.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
        lines += [f"[tables.{name}]", f'file = "{name}.csv"', f"[tables.{name}.columns]"]
        lines += [f'{c} = "{c}"' for c in df.columns]
        lines.append("")
    (folder / "kamlab-mapping.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder
