"""Retail execution (SPEC §2.17): OOS, shelf share, compliance ratios and the Perfect Store Score.

All results are fractions in [0, 1]. Count arguments are numbers or array-likes (e.g.
``audit_visits`` columns) that are summed: ratios of sums, never means of ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = [
    "PSS_WEIGHTS",
    "acv_weighted_mean",
    "display_compliance",
    "on_shelf_availability",
    "oos_rate",
    "perfect_store_score",
    "planogram_compliance",
    "price_compliance",
    "share_of_shelf",
    "share_of_shelf_kpi",
]

PSS_WEIGHTS: Mapping[str, float] = {
    "availability": 0.35,
    "share_of_shelf": 0.20,
    "planogram": 0.15,
    "price": 0.15,
    "display": 0.15,
}
"""Default Perfect Store Score weights by KPI key (SPEC §2.17)."""


def _part_of(part: Any, whole: Any, part_name: str, whole_name: str, what: str) -> float:
    p = ck.array(part, part_name, nonneg=True, scalar_ok=True)
    w = ck.array(whole, whole_name, nonneg=True, scalar_ok=True)
    ck.same_shape(p, w, part_name, whole_name)
    ck.not_more_than(p, w, part_name, whole_name)
    return min(1.0, ck.ratio(float(p.sum()), float(w.sum()), whole_name, what))


def oos_rate(oos_n: Any, listed_n: Any) -> float:
    """Out-of-stock rate ``= Σ oos_n / Σ listed_n`` over must-stock SKUs (SPEC §2.17).

    >>> round(oos_rate([1, 0, 2], [12, 12, 12]), 4)
    0.0833
    """
    return _part_of(oos_n, listed_n, "oos_n", "listed_n", "the OOS rate")


def on_shelf_availability(oos_n: Any, listed_n: Any) -> float:
    """On-shelf availability ``OSA = 1 − OOS`` (SPEC §2.17).

    >>> round(on_shelf_availability([1, 0, 2], [12, 12, 12]), 4)
    0.9167
    """
    return 1.0 - oos_rate(oos_n, listed_n)


def share_of_shelf(facings_ours: Any, facings_category: Any) -> float:
    """Share of shelf ``= Σ facings_ours / Σ facings_category`` (SPEC §2.17).

    >>> share_of_shelf([12, 8], [60, 40])
    0.2
    """
    return _part_of(
        facings_ours, facings_category, "facings_ours", "facings_category", "share of shelf"
    )


def planogram_compliance(pog_compliant: Any, pog_checkpoints: Any) -> float:
    """Planogram compliance ``= Σ pog_compliant / Σ pog_checkpoints`` (SPEC §2.17).

    >>> planogram_compliance([7, 8], [10, 10])
    0.75
    """
    return _part_of(
        pog_compliant, pog_checkpoints, "pog_compliant", "pog_checkpoints", "planogram compliance"
    )


def price_compliance(price_compliant_n: Any, price_checks_n: Any) -> float:
    """Price compliance ``= Σ price_compliant_n / Σ price_checks_n`` (±5% band; SPEC §2.17).

    >>> price_compliance([9, 10], [10, 10])
    0.95
    """
    return _part_of(
        price_compliant_n, price_checks_n, "price_compliant_n", "price_checks_n", "price compliance"
    )


def display_compliance(displays_found_n: Any, contracted_displays_n: Any) -> float:
    """Display compliance ``= Σ displays_found_n / Σ contracted_displays_n`` (SPEC §2.17).

    >>> display_compliance([2, 1], [2, 2])
    0.75
    """
    return _part_of(
        displays_found_n,
        contracted_displays_n,
        "displays_found_n",
        "contracted_displays_n",
        "display compliance",
    )


def share_of_shelf_kpi(share_of_shelf: Any, target: Any) -> Any:
    """Share-of-shelf KPI ``= min(1, SoS / SoS target)``; target = the account's value share
    (fair share of shelf, SPEC §2.17).

    >>> share_of_shelf_kpi(0.18, 0.20), share_of_shelf_kpi(0.25, 0.20)
    (0.9, 1.0)
    """
    sos = ck.fractions(share_of_shelf, "share_of_shelf")
    tgt = ck.broadcast(target, sos, "target", "share_of_shelf", nonneg=True)
    if (tgt == 0).any():
        raise ValueError("'target' share is 0, so the share-of-shelf KPI is undefined.")
    with np.errstate(over="ignore"):
        out = np.minimum(1.0, sos / tgt)
    return (
        float(out[0]) if np.ndim(share_of_shelf) == 0 else ck.like(out, share_of_shelf, "sos_kpi")
    )


def perfect_store_score(kpis: Any, weights: Mapping[str, float] | None = None) -> Any:
    """Perfect Store Score ``PSS = Σ_k w_k × KPI_k`` (fraction in [0, 1]; SPEC §2.17).

    ``kpis`` maps the keys ``availability, share_of_shelf, planogram, price, display`` to
    fractions in [0, 1] (numbers, or arrays / DataFrame columns for many stores at once; the
    share-of-shelf KPI is :func:`share_of_shelf_kpi`). Default weights 0.35 / 0.20 / 0.15 /
    0.15 / 0.15; custom ``weights`` (e.g. from sliders) are normalised to sum to 1. KPIs
    without weight are ignored; a weighted KPI that is missing raises.

    >>> pss = perfect_store_score({"availability": 0.9, "share_of_shelf": 0.8,
    ...                            "planogram": 0.7, "price": 1.0, "display": 0.5})
    >>> round(pss, 6)
    0.805
    """
    w = ck.mapping(PSS_WEIGHTS if weights is None else weights, "weights", nonneg=True)
    total_w = sum(w.values())
    if total_w == 0:
        raise ValueError("'weights' sum to 0: give at least one KPI a positive weight.")
    if not isinstance(kpis, (Mapping, pd.DataFrame)):
        raise ValueError("'kpis' must be a mapping (or DataFrame) of KPI name → fraction.")
    missing = [k for k, v in w.items() if v > 0 and k not in kpis]
    if missing:
        raise ValueError(
            f"'kpis' lacks {', '.join(missing)}: give every weighted KPI a value in [0, 1]."
        )
    score: Any = 0.0
    scalar_out = True
    for key, wk in w.items():
        if wk == 0:
            continue
        scalar_out &= np.ndim(kpis[key]) == 0
        score = score + (wk / total_w) * ck.fractions(kpis[key], f"kpis[{key!r}]")
    score = np.clip(score, 0.0, 1.0)
    if scalar_out:
        return float(score[0])
    if isinstance(kpis, pd.DataFrame):
        return pd.Series(score, index=kpis.index, name="pss")
    return score


def acv_weighted_mean(values: Any, acv: Any) -> float:
    """Store-ACV-weighted mean ``= Σ ACV × value / Σ ACV`` (account PSS over audited stores, §2.17).

    >>> acv_weighted_mean([0.8, 0.6], [300, 100])
    0.75
    """
    v = ck.array(values, "values")
    a = ck.array(acv, "acv", nonneg=True)
    ck.same_shape(v, a, "values", "acv")
    return ck.ratio(float((v * a).sum()), float(a.sum()), "acv", "the ACV-weighted mean")
