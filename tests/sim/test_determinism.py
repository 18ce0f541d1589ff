"""Determinism (SPEC §3.1): same seed → hash-equal tables; different seed → different data."""

from __future__ import annotations

from kamlab.data.world import World
from kamlab.sim import SimConfig, simulate


def test_same_seed_gives_identical_hashes(small_world: World) -> None:
    again = simulate(SimConfig.preset("small", seed=11))
    assert again.hashes() == small_world.hashes()


def test_different_seed_gives_different_data(small_world: World) -> None:
    other = simulate(SimConfig.preset("small", seed=12))
    h1, h2 = small_world.hashes(), other.hashes()
    for table in ("public/sell_in", "public/sell_out", "public/promotions", "public/order_lines",
                  "public/stores", "truth/truth_baseline", "truth/truth_scenario_labels"):  # fmt: skip
        assert h1[table] != h2[table], table
