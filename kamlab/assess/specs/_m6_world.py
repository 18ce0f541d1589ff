"""The M6 assessment's hidden worlds: the default preset with a seed-drawn diversion.

In every kamlab preset the diverting distributor, its target regions and its diverted fraction
are the same (the cheapest region's distributor, its two dearest neighbours, 0.7; SPEC §3.11),
so an answer typed in would name them without looking at the data. The M6 worlds keep SPEC
§3.12's default scenario set and draw the DIVERSION knob's parameters from the world's seed:

* the source: the distributor of R4 (the cheapest region, 0.93) in two worlds out of three,
  else the distributor of R5 (0.96) — both regions have dearer neighbours, so diversion still
  pays (price tiers drive it, SPEC §2.13);
* the targets: one or two of the source's dearer neighbours (R4: R1, R2, R3, R5; R5: R1);
* the diverted fraction: U(0.45, 0.80), two decimals.

The default preset (not ``small``) is used because the stuffing and month-end push signals of
a small world (8 SKUs, 7 accounts) are too noisy for an F1 grade (M6-T3): the reference
solution reaches F1 ≥ 0.86 on both labels over 60 default worlds, but often < 0.6 on small ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["diversion_params", "make_world"]

_STREAM = 0x4D36  # "M6": the sub-stream of the diversion draw (independent of the simulator's)


def diversion_params(preset: str, seed: int) -> dict[str, Any]:
    """The DIVERSION knob's parameters of the M6 world of ``seed`` (plain data).

    >>> p = diversion_params("default", 7)
    >>> sorted(p), 0.45 <= p["diverted_fraction"] <= 0.8
    (['distributor', 'diverted_fraction', 'targets'], True)
    """
    from kamlab.sim.config import PRESETS

    rng = np.random.default_rng([int(seed), _STREAM])
    fraction = float(np.round(rng.uniform(0.45, 0.80), 2))
    if preset != "default":
        return {"diverted_fraction": fraction}
    p = PRESETS[preset]
    n_ka = len(p["ka_slots"])
    dist_of = {}
    for i, region in enumerate(p["dist_regions"]):
        dist_of.setdefault(region, f"ACC{n_ka + i + 1:03d}")
    source = "R5" if rng.random() < 1 / 3 else "R4"
    pool = ["R1"] if source == "R5" else ["R1", "R2", "R3", "R5"]
    k = min(len(pool), int(rng.integers(1, 3)))
    targets = sorted(str(r) for r in rng.choice(pool, size=k, replace=False))
    return {"diverted_fraction": fraction, "distributor": dist_of[source], "targets": targets}


def make_world(preset: str, seed: int) -> Any:
    """Simulate the M6 world of ``seed``: SPEC §3.12's scenarios, the diversion drawn."""
    from kamlab.sim import SimConfig, simulate
    from kamlab.sim.config import ScenarioSpec
    from kamlab.sim.scenarios import default_specs

    prm = diversion_params(preset, seed)
    specs = [
        ScenarioSpec(s.kind, dict(prm)) if s.kind == "DIVERSION" else s for s in default_specs()
    ]
    return simulate(SimConfig.preset(preset, seed=int(seed), scenarios=specs))
