"""M4 *Execution heatmap*: store × KPI of a key account's audits, with Perfect Store weights.

The model behind the M4 panel "Execution heatmap" (SPEC §4 M4; formulas §2.17). Each audited
store of an account in one fiscal period has five KPIs (fractions in [0, 1]), from its audit
visit (``audit_visits``):

============== ============================================================================
availability   ``1 − oos_n / listed_n`` (on-shelf availability, ``km.on_shelf_availability``)
share_of_shelf ``km.share_of_shelf_kpi(facings_ours / facings_category, value share)`` —
               ``min(1, SoS / SoS target)``, the target being the account's value share in
               the period (fair share of shelf, from ``market_account_week``)
planogram      ``pog_compliant / pog_checkpoints`` (``km.planogram_compliance``)
price          ``price_compliant_n / price_checks_n`` (``km.price_compliance``)
display        ``displays_found_n / contracted_displays_n`` (``km.display_compliance``)
============== ============================================================================

The store's **Perfect Store Score** is ``km.perfect_store_score(kpis, weights)`` ``= Σ_k w_k ×
KPI_k / Σ_k w_k`` (the weights are normalised). A KPI with no denominator in a visit (no
contracted display, say) is left out of that store's score and the remaining weights are
renormalised — the same rule as :mod:`kamlab.analysis.scorecard`. The account's score is the
store-ACV-weighted mean (``km.acv_weighted_mean``, ACV ``stores.acv_rmb_k``).

So moving weight ``δ`` from KPI *b* to KPI *a* (weights summing to 1) moves a store's score by
``δ × (KPI_a − KPI_b)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.metrics.execution import PSS_WEIGHTS

__all__ = [
    "KPIS",
    "ExecutionContext",
    "HeatmapResult",
    "execution_context",
    "execution_heatmap",
    "store_pss",
]

KPIS = ("availability", "share_of_shelf", "planogram", "price", "display")
"""The Perfect Store KPIs in display order (keys of ``km.perfect_store_score``)."""

SORTS = ("pss", "acv", "store_id")


@dataclass
class ExecutionContext:
    """Per world: one row per audit visit of a key account with its KPIs (built once)."""

    visits: pd.DataFrame  # account_id, period_key, store_id, format, city_tier, acv, KPIs
    slices: dict[tuple[str, str], tuple[int, int]]
    periods: list[str]
    accounts: pd.DataFrame


def execution_context(world: Any) -> ExecutionContext:
    """Build (once per world, cached while it lives) the per-visit KPI table."""
    return per_world(world, "m4.execution", _build)


def _ratio(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    out = np.full(len(n), np.nan)
    ok = d > 0
    out[ok] = np.minimum(n[ok] / d[ok], 1.0)
    return out


def _build(world: Any) -> ExecutionContext:
    cal = world["calendar"]
    p_of_week = pd.Series(cal["period_key"].astype(str).to_numpy(), index=cal["week_id"].to_numpy())
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA", ["account_id", "account_name"]].copy()
    ka["account_id"] = ka["account_id"].astype(str)
    av = world["audit_visits"]
    av = av.loc[av["account_id"].astype("string").isin(ka["account_id"]).fillna(False).to_numpy()]
    stores = world["stores"].set_index(world["stores"]["store_id"].astype(str))
    sid = av["store_id"].astype(str)
    # value share per account × period (all categories) = the share-of-shelf target
    maw = world["market_account_week"]
    val = maw["value_incl_vat"].to_numpy(float)
    sh = (
        pd.DataFrame(
            {
                "account_id": maw["account_id"].astype(str).to_numpy(),
                "period_key": p_of_week.reindex(maw["week_id"].to_numpy()).to_numpy(),
                "ours": np.where(maw["brand_owner"].astype(str).to_numpy() == "OURS", val, 0.0),
                "total": val,
            }
        )
        .groupby(["account_id", "period_key"])
        .sum()
    )
    target = pd.Series(
        [km.value_share(o, t) for o, t in zip(sh["ours"], sh["total"], strict=True)],
        index=sh.index,
    )
    v = pd.DataFrame(
        {
            "visit_id": av["visit_id"].astype(str).to_numpy(),
            "account_id": av["account_id"].astype(str).to_numpy(),
            "period_key": p_of_week.reindex(av["week_id"].to_numpy()).to_numpy(),
            "store_id": sid.to_numpy(),
            "format": sid.map(stores["format"].astype(str)).to_numpy(),
            "city_tier": sid.map(stores["city_tier"]).to_numpy(),
            "acv": sid.map(stores["acv_rmb_k"].astype(float)).to_numpy(float),
        }
    )

    def col(name: str) -> np.ndarray:
        return av[name].to_numpy(float)

    v["availability"] = 1.0 - _ratio(col("oos_n"), col("listed_n"))
    sos = _ratio(col("facings_ours"), col("facings_category"))
    tgt = target.reindex(pd.MultiIndex.from_arrays([v["account_id"], v["period_key"]])).to_numpy()
    ok = ~np.isnan(sos) & ~np.isnan(tgt) & (np.nan_to_num(tgt) > 0)
    sos_kpi = np.full(len(v), np.nan)
    if ok.any():
        sos_kpi[ok] = km.share_of_shelf_kpi(sos[ok], tgt[ok])
    v["share_of_shelf"] = sos_kpi
    v["sos"] = sos
    v["sos_target"] = tgt
    v["planogram"] = _ratio(col("pog_compliant"), col("pog_checkpoints"))
    v["price"] = _ratio(col("price_compliant_n"), col("price_checks_n"))
    v["display"] = _ratio(col("displays_found_n"), col("contracted_displays_n"))
    v = v.sort_values(["account_id", "period_key", "store_id"], kind="mergesort").reset_index(
        drop=True
    )
    keys = list(zip(v["account_id"], v["period_key"], strict=True))
    slices: dict[tuple[str, str], tuple[int, int]] = {}
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            slices[keys[start]] = (start, i)
            start = i
    periods = list(dict.fromkeys(cal["period_key"].astype(str).tolist()))
    return ExecutionContext(v, slices, periods, ka.reset_index(drop=True))


def store_pss(kpis: pd.DataFrame, weights: Mapping[str, float] | None = None) -> np.ndarray:
    """Perfect Store Score per row of ``kpis`` (columns :data:`KPIS`, NaN = not measured):
    ``km.perfect_store_score`` over the measured KPIs, their weights renormalised; NaN when no
    weighted KPI was measured."""
    w = dict(PSS_WEIGHTS if weights is None else weights)
    bad = sorted(set(w) - set(KPIS))
    if bad:
        raise ValueError(f"weights: unknown KPI(s) {bad}; use {', '.join(KPIS)}.")
    if any(x < 0 for x in w.values()):
        raise ValueError("weights: a KPI weight cannot be negative.")
    if sum(w.values()) <= 0:
        raise ValueError("weights: all weights are 0; give at least one KPI a positive weight.")
    cols = [k for k in KPIS if w.get(k, 0.0) > 0]
    avail = kpis[cols].notna().to_numpy()
    out = np.full(len(kpis), np.nan)
    if not len(kpis):
        return out
    codes = avail @ (1 << np.arange(len(cols)))
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        use = [c for c, ok in zip(cols, avail[rows[0]], strict=True) if ok]
        if not use:
            continue
        sub = kpis.iloc[rows][use].reset_index(drop=True)
        out[rows] = np.asarray(km.perfect_store_score(sub, {c: w[c] for c in use}), dtype=float)
    return out


@dataclass(frozen=True)
class HeatmapResult:
    """Result of :func:`execution_heatmap`.

    ``stores`` (one row per audited store: ``store_id, format, city_tier, acv``, the five KPIs
    and ``pss``), ``account_pss`` (ACV-weighted), ``kpi_means`` (ACV-weighted mean of each KPI
    over the stores that measured it), ``weights`` (normalised), ``n_stores``.
    """

    account_id: str
    period_key: str
    stores: pd.DataFrame
    account_pss: float
    kpi_means: dict[str, float]
    weights: dict[str, float]
    n_stores: int


def execution_heatmap(
    ctx: ExecutionContext,
    account_id: str,
    period_key: str,
    weights: Mapping[str, float] | None = None,
    sort: str = "pss",
) -> HeatmapResult:
    """Store × KPI table of one account's audits in one fiscal period, with PSS per store and
    for the account (definitions in the module docstring). ``sort`` orders the stores:
    ``"pss"`` (weakest first), ``"acv"`` (largest first) or ``"store_id"``."""
    a, p = str(account_id), str(period_key)
    if a not in set(ctx.accounts["account_id"]):
        raise ValueError(f"account_id: {a} is not a key account of this world.")
    if p not in ctx.periods:
        raise ValueError(f"period_key: {p!r} is not a fiscal period of this world.")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}.")
    sl = ctx.slices.get((a, p))
    if sl is None:
        raise ValueError(f"{a} has no store audits in {p}; choose another period.")
    st = ctx.visits.iloc[sl[0] : sl[1]][
        ["store_id", "format", "city_tier", "acv", *KPIS]
    ].reset_index(drop=True)
    w = dict(PSS_WEIGHTS if weights is None else weights)
    st["pss"] = store_pss(st, w)
    ok = st["pss"].notna().to_numpy()
    account_pss = (
        km.acv_weighted_mean(st.loc[ok, "pss"], st.loc[ok, "acv"]) if ok.any() else float("nan")
    )
    means = {}
    for k in KPIS:
        m = st[k].notna().to_numpy()
        means[k] = km.acv_weighted_mean(st.loc[m, k], st.loc[m, "acv"]) if m.any() else np.nan
    total = sum(w.values())
    if sort == "pss":
        st = st.sort_values(["pss", "store_id"], na_position="last", kind="mergesort")
    elif sort == "acv":
        st = st.sort_values(["acv", "store_id"], ascending=[False, True], kind="mergesort")
    return HeatmapResult(
        account_id=a,
        period_key=p,
        stores=st.reset_index(drop=True),
        account_pss=float(account_pss),
        kpi_means=means,
        weights={k: w.get(k, 0.0) / total for k in KPIS},
        n_stores=len(st),
    )
