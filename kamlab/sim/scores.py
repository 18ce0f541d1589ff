"""Stage 13 — simulated assessment scores of the KA team (SPEC §3.10, §5.3–5.4).

For person p and item i (max points m_i, level ℓ_i) with θ = p's latent level in the item's
highest-weight competency (ties: the first in competency order)::

    frac  = clip(logistic(1.7 × (θ − ℓ_i + 0.5)) + N(0, 0.08), 0, 1)
    score = round(frac × m_i × 2) / 2           # half points

The item bank, the item → competency weights and the role targets come from the capability
framework (:func:`kamlab.data.framework.load_framework`), the one source of SPEC §5.4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.data.framework import load_framework
from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.people import People

__all__ = ["assessment_tables", "simulated_scores"]


def assessment_tables() -> dict[str, pd.DataFrame]:
    """assessment_items, item_competency_map and role_targets from the shipped framework."""
    fw = load_framework()
    return {
        "assessment_items": fw.assessment_items.copy(),
        "item_competency_map": fw.item_competency_map.copy(),
        "role_targets": fw.role_targets.copy(),
    }


def simulated_scores(
    cfg: SimConfig, people: People, graded_week_start: pd.Timestamp
) -> pd.DataFrame:
    """assessment_scores of every person of the simulated team (stream SCORES), attempt 1."""
    fw = load_framework()
    items = fw.assessment_items.reset_index(drop=True)
    cmap = fw.item_competency_map
    comp_order = {c: k for k, c in enumerate(fw.competency_ids)}
    best = (
        cmap.assign(_o=cmap.competency_id.map(comp_order))
        .sort_values(["item_id", "weight", "_o"], ascending=[True, False, True], kind="mergesort")
        .drop_duplicates("item_id")
        .set_index("item_id")["competency_id"]
    )
    comp_idx = np.array([int(str(best[i])[1:]) - 1 for i in items.item_id])
    level = items.level.to_numpy(dtype=float)
    max_pts = items.max_points.to_numpy(dtype=float)
    P, I = len(people.person_ids), len(items)
    rng = stage_rng(cfg.seed, "SCORES")
    noise = rng.normal(0.0, 0.08, size=(P, I))
    day = rng.integers(0, 5, size=(P, I))
    theta = people.levels[:, comp_idx].astype(float)
    frac = np.clip(1.0 / (1.0 + np.exp(-1.7 * (theta - level[None, :] + 0.5))) + noise, 0.0, 1.0)
    score = np.round(frac * max_pts[None, :] * 2.0) / 2.0
    module = items.module.astype(str).str[1:].astype(int).to_numpy()
    offset_h = (24 * (7 * (module[None, :] - 1) + day) + 10).astype("timedelta64[h]")
    graded = np.datetime64(pd.Timestamp(graded_week_start), "ns") + offset_h
    return pd.DataFrame(
        {
            "person_id": np.repeat(people.person_ids, I),
            "item_id": np.tile(items.item_id.astype(str).to_numpy(), P),
            "attempt": 1,
            "score": score.ravel(),
            "max_score": np.tile(max_pts, P),
            "graded_at": graded.ravel().astype("datetime64[ns]"),
        }
    )
