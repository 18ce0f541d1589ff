"""M2 model: the key-account portfolio matrix — account attractiveness × our position → tiers.

Six criteria per key account, measured on the last full fiscal year of the world (and the
year before it for growth):

=================  ===========  ===============================================================
criterion          axis         raw measure
=================  ===========  ===============================================================
``size``           attractive.  category value at the account (retailer POS, all brand owners)
``growth``         attractive.  category value growth vs the year before at the account
``profitability``  attractive.  our customer contribution margin CC % at the account
``share``          position     our value share at the account (Σ ours / Σ category, §2.5)
``relationship``   position     influence-weighted relationship score of the account's contacts
                                ``Σ influence × relationship / Σ influence`` (1–5)
``execution``      position     Perfect Store Score of the account's audits (§2.17)
=================  ===========  ===============================================================

Each criterion is scaled to 0–1 across the accounts (min–max: ``(x − min) / (max − min)``; a
criterion equal for every account scores 0.5). An axis score is the weighted mean of its
criteria ``Σ w_i x_i / Σ w_i``; the **portfolio score** is the mean of the two axes, and the
tier follows from cut-offs (default A ≥ 0.50, B ≥ 0.35, else C). Quadrants split each axis at
0.5: ``key`` (both high), ``develop`` (attractive, weak position), ``maintain`` (strong
position, less attractive), ``serve`` (both low).

>>> crit = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "size": [10.0, 20.0, 30.0],
...     "growth": [0.0, 0.1, 0.05], "profitability": [0.2, 0.3, 0.25],
...     "share": [0.1, 0.3, 0.2], "relationship": [3.0, 4.0, 2.0], "execution": [0.7, 0.8, 0.9]})
>>> r = segment(crit, weights={"size": 1, "share": 1})
>>> r.table[["account_id", "attractiveness", "position", "score", "tier"]]
  account_id  attractiveness  position  score tier
0         A1             0.0       0.0   0.00    C
1         A2             0.5       1.0   0.75    A
2         A3             1.0       0.5   0.75    A
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.scorecard import account_scorecard

__all__ = [
    "ATTRACTIVENESS",
    "CRITERIA",
    "DEFAULT_CUTOFFS",
    "DEFAULT_WEIGHTS",
    "POSITION",
    "PortfolioResult",
    "market_value_by_account_year",
    "portfolio_criteria",
    "relationship_strength",
    "segment",
]

ATTRACTIVENESS: tuple[str, ...] = ("size", "growth", "profitability")
POSITION: tuple[str, ...] = ("share", "relationship", "execution")
CRITERIA: tuple[str, ...] = ATTRACTIVENESS + POSITION
DEFAULT_WEIGHTS: dict[str, float] = {
    "size": 0.5,
    "growth": 0.3,
    "profitability": 0.2,
    "share": 0.4,
    "relationship": 0.3,
    "execution": 0.3,
}
DEFAULT_CUTOFFS: tuple[float, float] = (0.50, 0.35)
"""Portfolio score at or above which an account is tier A, tier B (else C)."""


def relationship_strength(contacts: pd.DataFrame) -> pd.Series:
    """Influence-weighted relationship score per account: ``Σ influence × rel / Σ influence``.

    >>> c = pd.DataFrame({"account_id": ["A", "A", "B"], "influence": [5, 1, 3],
    ...                   "relationship_score": [2, 5, 4]})
    >>> relationship_strength(c).round(3).to_dict()
    {'A': 2.5, 'B': 4.0}
    """
    need = {"account_id", "influence", "relationship_score"}
    if not need <= set(contacts.columns):
        raise ValueError(f"contacts needs columns {sorted(need)}.")
    w = contacts["influence"].to_numpy(float)
    x = contacts["relationship_score"].to_numpy(float)
    df = pd.DataFrame(
        {"account_id": contacts["account_id"].astype(str).to_numpy(), "w": w, "wx": w * x}
    )
    g = df.groupby("account_id")[["w", "wx"]].sum()
    if (g["w"] <= 0).any():
        bad = ", ".join(g.index[g["w"] <= 0])
        raise ValueError(f"account(s) {bad} have contacts with zero total influence.")
    return (g["wx"] / g["w"]).rename("relationship")


def portfolio_criteria(world: Any, fiscal_year: int | None = None) -> pd.DataFrame:
    """The six raw criteria per key account (table in the module docstring), one row each.

    ``fiscal_year`` defaults to the world's last full year; growth compares it with the year
    before (NaN when there is none). Columns: ``account_id, account_name, channel,
    current_tier, size, growth, profitability, share, relationship, execution``.
    """
    cal = world["calendar"]
    years = sorted(int(y) for y in pd.unique(cal["fiscal_year"]))
    fy = years[-1] if fiscal_year is None else int(fiscal_year)
    if fy not in years:
        raise ValueError(f"fiscal_year {fiscal_year!r} is not in this world; it has {years}.")
    return per_world(world, ("m2.portfolio", fy), lambda w: _criteria(w, fy, years)).copy()


def market_value_by_account_year(world: Any) -> pd.DataFrame:
    """Category value and our value (RMB incl. VAT) per account × fiscal year.

    From ``market_account_week``: ``value`` = Σ ``value_incl_vat`` over every brand, ``ours`` =
    the same sum over ``brand_owner == "OURS"``; the week's fiscal year from ``calendar``.
    Indexed by ``(account_id, fy)``; our value share is ``ours / value``.

    >>> cal = pd.DataFrame({"week_id": [0, 1, 2], "fiscal_year": [2023, 2024, 2024]})
    >>> maw = pd.DataFrame({"account_id": ["A", "A", "A", "A"], "week_id": [0, 1, 2, 2],
    ...                     "value_incl_vat": [10.0, 20.0, 30.0, 50.0],
    ...                     "brand_owner": ["OURS", "OURS", "OURS", "OTHER"]})
    >>> market_value_by_account_year({"calendar": cal, "market_account_week": maw})
                  value  ours
    account_id fy
    A          2023   10.0  10.0
               2024  100.0  50.0
    """
    cal = world["calendar"]
    fy_of_week = pd.Series(cal["fiscal_year"].to_numpy(int), index=cal["week_id"].to_numpy())
    maw = world["market_account_week"]
    m = pd.DataFrame(
        {
            "account_id": maw["account_id"].astype(str).to_numpy(),
            "fy": fy_of_week.reindex(maw["week_id"].to_numpy()).to_numpy(),
            "value": maw["value_incl_vat"].to_numpy(float),
            "ours": np.where(
                maw["brand_owner"].astype(str).to_numpy() == "OURS",
                maw["value_incl_vat"].to_numpy(float),
                0.0,
            ),
        }
    )
    return m.groupby(["account_id", "fy"])[["value", "ours"]].sum()


def _criteria(world: Any, fy: int, years: list[int]) -> pd.DataFrame:
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA"]
    ids = ka["account_id"].astype(str).tolist()
    g = market_value_by_account_year(world)
    size = g["value"].xs(fy, level="fy").reindex(ids)
    prev = g["value"].xs(fy - 1, level="fy").reindex(ids) if fy - 1 in years else None
    growth = size / prev - 1.0 if prev is not None else pd.Series(np.nan, index=ids)
    ours = g["ours"].xs(fy, level="fy").reindex(ids)
    share = pd.Series([km.value_share(ours[a], size[a]) for a in ids], index=ids, dtype=float)
    sc = account_scorecard(world, fiscal_year=fy, accounts=ids).set_index("account_id")
    rel = relationship_strength(world["customer_contacts"]).reindex(ids)
    out = pd.DataFrame(
        {
            "account_id": ids,
            "account_name": ka["account_name"].astype(str).to_numpy(),
            "channel": ka["channel"].astype(str).to_numpy(),
            "current_tier": ka["tier"].astype(str).to_numpy(),
            "size": size.to_numpy(float),
            "growth": growth.to_numpy(float),
            "profitability": sc["cc_rate"].reindex(ids).to_numpy(float),
            "share": share.to_numpy(float),
            "relationship": rel.to_numpy(float),
            "execution": sc["pss"].reindex(ids).to_numpy(float),
        }
    )
    return out


@dataclass(frozen=True)
class PortfolioResult:
    """Tiers of a portfolio.

    ``table``: per account the raw criteria, their 0–1 scaled values (``<criterion>_scaled``),
    ``attractiveness``, ``position``, ``score`` (mean of the two), ``quadrant``, ``tier``,
    ``current_tier`` (if given) and ``changed``; ``weights`` as used (per axis, not
    normalised); ``cutoffs``; ``changes``: the rows whose tier differs from the current one.
    """

    table: pd.DataFrame
    weights: dict[str, float]
    cutoffs: tuple[float, float]

    @property
    def changes(self) -> pd.DataFrame:
        if "changed" not in self.table.columns:
            return self.table.iloc[0:0]
        return self.table.loc[self.table["changed"]]


def _scaled(x: pd.Series) -> np.ndarray:
    v = x.to_numpy(float)
    if np.isnan(v).all():
        return np.full(len(v), 0.5)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if hi - lo <= 1e-12:
        return np.where(np.isnan(v), 0.5, 0.5)
    s = (v - lo) / (hi - lo)
    return np.where(np.isnan(s), 0.5, s)  # no data: the middle of the range


def segment(
    criteria: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    cutoffs: tuple[float, float] = DEFAULT_CUTOFFS,
) -> PortfolioResult:
    """Score and tier accounts from their criteria (see the module docstring).

    ``weights`` maps criterion → weight ≥ 0 (missing criteria weigh 0; ``None`` = the
    defaults); each axis needs at least one positive weight. ``cutoffs = (a, b)`` with
    ``1 ≥ a ≥ b ≥ 0``: tier A if score ≥ a, B if ≥ b, else C (with the §0.2 guard).
    """
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    bad = sorted(set(w) - set(CRITERIA))
    if bad:
        raise ValueError(f"weights has unknown criteria {bad}; use {', '.join(CRITERIA)}.")
    for k, v in w.items():
        if not np.isfinite(float(v)) or float(v) < 0:
            raise ValueError(f"weight of {k!r} must be a number ≥ 0; got {v!r}.")
    w = {k: float(w.get(k, 0.0)) for k in CRITERIA}
    for axis, names in (("attractiveness", ATTRACTIVENESS), ("position", POSITION)):
        if sum(w[k] for k in names) <= 0:
            raise ValueError(
                f"give at least one {axis} criterion ({', '.join(names)}) a weight above 0."
            )
    a_cut, b_cut = (float(c) for c in cutoffs)
    if not 0 <= b_cut <= a_cut <= 1:
        raise ValueError(f"cutoffs must satisfy 1 ≥ A ≥ B ≥ 0; got {cutoffs!r}.")
    missing = [c for c in ("account_id", *CRITERIA) if c not in criteria.columns]
    if missing:
        raise ValueError(f"criteria is missing column(s) {', '.join(missing)}.")
    if criteria.empty:
        raise ValueError("criteria has no accounts.")
    t = criteria.reset_index(drop=True).copy()
    for c in CRITERIA:
        t[f"{c}_scaled"] = _scaled(t[c])

    def axis(names: tuple[str, ...]) -> np.ndarray:
        tw = sum(w[k] for k in names)
        return sum(w[k] * t[f"{k}_scaled"].to_numpy(float) for k in names) / tw

    t["attractiveness"] = axis(ATTRACTIVENESS)
    t["position"] = axis(POSITION)
    t["score"] = (t["attractiveness"] + t["position"]) / 2.0
    hi_a = np.asarray(km.at_least(t["attractiveness"], 0.5))
    hi_p = np.asarray(km.at_least(t["position"], 0.5))
    t["quadrant"] = np.where(
        hi_a, np.where(hi_p, "key", "develop"), np.where(hi_p, "maintain", "serve")
    )
    s = t["score"].to_numpy(float)
    t["tier"] = np.where(
        np.asarray(km.at_least(s, a_cut)),
        "A",
        np.where(np.asarray(km.at_least(s, b_cut)), "B", "C"),
    )
    if "current_tier" in t.columns:
        t["changed"] = t["tier"] != t["current_tier"].astype(str)
    return PortfolioResult(table=t, weights=w, cutoffs=(a_cut, b_cut))
