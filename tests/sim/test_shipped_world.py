"""The shipped default world (datasets/default) regenerates bit-for-bit and loads.

Table hashes are only guaranteed on the numpy pinned in constraints.txt (NumPy's random streams
may change between versions, NEP 19); on another numpy the hash comparison is skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import kamlab
from kamlab.resources import default_world_dir, repo_root
from kamlab.sim import SimConfig, simulate


def _pinned_numpy() -> str | None:
    root = repo_root()
    if root is None or not (root / "constraints.txt").is_file():
        return None
    m = re.search(r"^numpy==(\S+)$", (root / "constraints.txt").read_text(), re.M)
    return m.group(1) if m else None


def test_load_world_gives_the_shipped_default_world() -> None:
    w = kamlab.load_world()
    assert w.meta["seed"] == 20240601
    assert w.meta["config"]["preset"] == "default"
    assert w.meta["config"]["scenario_set"] == "default"
    assert len(w.calendar) == 104 and not w.truth_scenario_labels.empty


def test_shipped_files_are_small_enough_to_commit() -> None:
    folder = default_world_dir()
    sizes = [p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()]
    assert max(sizes) < 5_000_000
    assert sum(sizes) < 25_000_000


@pytest.mark.slow
def test_regenerating_the_default_world_reproduces_its_hashes() -> None:
    pinned = _pinned_numpy()
    if pinned is None or np.__version__ != pinned:
        pytest.skip(
            f"table hashes are only guaranteed on the pinned numpy ({pinned}); this is "
            f"numpy {np.__version__}"
        )
    meta = json.loads((default_world_dir() / "meta.json").read_text(encoding="utf-8"))
    world = simulate(SimConfig.from_dict(meta["config"]))
    assert world.hashes() == meta["table_hashes"]
