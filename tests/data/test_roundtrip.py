"""A simulated world written out as CSV extracts imports back unchanged (every public table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kamlab.data import SCHEMAS, World
from kamlab.data.importer import import_world
from kamlab.resources import default_world_dir
from tests.data.roundtrip import export_extracts


@pytest.mark.slow
def test_default_world_round_trips_through_csv_extracts(tmp_path: Path) -> None:
    path = default_world_dir()
    if not (path / "public").is_dir():
        pytest.skip(f"no shipped default world at {path}")
    world = World.load(path, truth=False)
    src = export_extracts(world, tmp_path / "extracts")
    result = import_world(src, None, lang="en")
    assert result.ok, "\n".join(map(str, result.problems[:20]))
    back = result.world
    for name, original in world.public.items():
        if SCHEMAS[name].layer != "public":
            continue
        key = list(SCHEMAS[name].key)
        got = back.public[name].sort_values(key).reset_index(drop=True)
        want = original.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)
    # nothing had to be derived or defaulted: every column came from the extracts
    filled = {n: r.derived + r.defaults for n, r in result.tables.items() if r.derived + r.defaults}
    assert filled == {}
