"""Calibration bands (SPEC §3.14) and detection sanity on several seeds.

The bands are checked on clean worlds (``scenarios="none"``) of the default preset on the
default seed and five others; detection runs the default flags of :mod:`kamlab.metrics` on the
same seeds with and without scenarios. ``python -m kamlab.sim.calibration --seeds 20`` prints the
full report (summarised in datasets/DATACARD.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.sim import SimConfig, simulate
from kamlab.sim.calibration import BANDS, band_metrics, score_detection

SEEDS = (20240601, 11, 23, 97, 2024, 7)
#: bands that are meaningful on the small preset (4 accounts, 8 SKUs): per-row or per-channel rates
SMALL_BANDS = ("wmape_lag2_asw", "wmape_lag2_aperiod", "oos", "woc_HYPER", "woc_SUPER", "woc_CVS",
               "woc_EC", "woc_DIST", "value_share", "line_otif")  # fmt: skip


@pytest.fixture(scope="module")
def runs() -> dict[int, dict]:
    out = {}
    for seed in SEEDS:
        clean = simulate(SimConfig.preset("default", seed=seed, scenarios="none"))
        scen = simulate(SimConfig.preset("default", seed=seed, scenarios="default"))
        out[seed] = {
            "bands": band_metrics(clean),
            "clean": score_detection(clean),
            "scen": score_detection(scen),
        }
    return out


@pytest.mark.slow
def test_clean_default_worlds_sit_inside_every_band(runs: dict[int, dict]) -> None:
    outside = []
    for seed, r in runs.items():
        for band, (lo, hi) in BANDS.items():
            v = r["bands"][band]
            if not lo - 1e-9 <= v <= hi + 1e-9:
                outside.append(f"seed {seed}: {band} = {v:.3f} outside [{lo}, {hi}]")
    assert not outside, "\n".join(outside)


@pytest.mark.slow
def test_flags_find_the_labelled_entities(runs: dict[int, dict]) -> None:
    """Recall ≥ 0.9 over the seeds for every detector (pooled over labelled entities)."""
    for det in (
        "stuffing",
        "month_end_push",
        "month_end_push_kam",
        "diversion",
        "channel_mix",
        "pack_mix",
    ):
        found = total = 0
        for r in runs.values():
            s = r["scen"][det]
            n = len(s["entities"])
            total += n
            found += round(s.get("recall_entities", 0.0) * n)
        assert total >= 5, det
        assert found / total >= 0.9, f"{det}: recall {found}/{total}"


@pytest.mark.slow
def test_flags_are_quiet_on_clean_worlds(runs: dict[int, dict]) -> None:
    """With scenarios='none' every flag fires on ≤ 10% of entity-periods, on every seed."""
    for seed, r in runs.items():
        for det, s in r["clean"].items():
            assert s["flag_rate"] <= 0.10, f"seed {seed}: {det} fires on {s['flag_rate']:.1%}"
            assert s["n_grid"] > 0


@pytest.mark.parametrize("seed", [11, 23, 97])
def test_small_worlds_sit_inside_the_bands_that_mean_something_there(seed: int) -> None:
    b = band_metrics(simulate(SimConfig.preset("small", seed=seed, scenarios="none")))
    bad = [
        f"{k} = {b[k]:.3f}"
        for k in SMALL_BANDS
        if not BANDS[k][0] - 1e-9 <= b[k] <= BANDS[k][1] + 1e-9
    ]
    assert not bad, bad
    assert np.isfinite(list(b.values())).all()
