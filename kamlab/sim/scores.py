"""Stage 13 — simulated assessment scores of the KA team (SPEC §3.10, §5.3–5.4).

For person p and item i (max points m_i, level ℓ_i, competency weights w_ic)::

    θ     = Σ_c w_ic × level_pc                  # the item's weighted competency mix
    frac  = clip(logistic(1.7 × (θ − ℓ_i + δ)) + N(0, 0.08), 0, 1),   δ = 1.0
    score = round(frac × m_i × 2) / 2           # half points

Two deliberate deviations from SPEC §3.10 (recorded in datasets/DATACARD.md):

* **Offset δ = 1.0** (``ModelParams.score_offset``; the spec's 0.5): with 0.5 a person exactly
  at level ℓ scores logistic(0.85) ≈ 0.70 on level-ℓ items — the §5.5 mastery threshold θ = 0.7
  — so demonstrating one's own level was a coin flip and the demo team read one level low. With
  1.0 a person at level ℓ scores ≈ 0.85 on level-ℓ items and ≈ 0.50 one level up, so the
  measured level equals the latent one in most cells.
* **θ = the weighted mix** of the item's competencies instead of the highest-weight one: an
  item that is 60 % C3 and 40 % C4 is answered with both skills; with the highest-weight
  competency only, the 40 % share measured the wrong person's skill (a C4 expert failing C3
  items read as weak in C4).

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
    # people.levels columns are C1…C10 in number order
    comp_pos = {str(c): int(str(c)[1:]) - 1 for c in fw.competency_ids}
    item_pos = {str(i): k for k, i in enumerate(items.item_id)}
    weights = np.zeros((len(items), people.levels.shape[1]))
    for it, c, wt in zip(cmap.item_id, cmap.competency_id, cmap.weight, strict=True):
        if str(it) in item_pos:
            weights[item_pos[str(it)], comp_pos[str(c)]] += float(wt)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    level = items.level.to_numpy(dtype=float)
    max_pts = items.max_points.to_numpy(dtype=float)
    P, I = len(people.person_ids), len(items)
    rng = stage_rng(cfg.seed, "SCORES")
    noise = rng.normal(0.0, 0.08, size=(P, I))
    day = rng.integers(0, 5, size=(P, I))
    theta = people.levels.astype(float) @ weights.T  # (P, I)
    offset = float(cfg.params.score_offset)
    frac = np.clip(1.0 / (1.0 + np.exp(-1.7 * (theta - level[None, :] + offset))) + noise, 0.0, 1.0)
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
