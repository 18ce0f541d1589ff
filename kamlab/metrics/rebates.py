"""Tiered rebates (SPEC §2.14): retro vs marginal tiers, cliffs, accrual and true-up.

Tiers are ``[(lower, upper or None, rate), …]`` on growth ``g = GS_TY / base − 1`` (or on
attainment ``a = volume / target`` with ``basis="attainment"``), lower bound inclusive and
upper bound exclusive, rates as fractions; a ``rebate_tiers`` DataFrame (``lower_bound,
upper_bound, rate``) works too. Tier boundaries use the §0.2 guard, so growth of exactly
0.05 reaches the 0.05 tier even with floating-point error. Money in RMB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = [
    "DEFAULT_GROWTH_TIERS",
    "RebateAccrual",
    "RebateCliff",
    "rebate_accrual",
    "rebate_cliff",
    "rebate_cliffs",
    "rebate_true_up",
    "tier_rate",
    "tiered_rebate",
]

DEFAULT_GROWTH_TIERS = ((0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03))
"""Default KA growth tiers (SPEC §1.2): [0, 5%) → 1%, [5%, 10%) → 2%, ≥ 10% → 3%."""

Tiers = Sequence[tuple[float, float | None, float]] | pd.DataFrame


def _tiers(tiers: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(tiers, pd.DataFrame):
        cols = ck.frame(tiers, "tiers", ("lower_bound", "upper_bound", "rate"))
        rows = list(zip(cols["lower_bound"], cols["upper_bound"], cols["rate"], strict=True))
    else:
        if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Sequence) or not tiers:
            raise ValueError(
                "'tiers' must be a non-empty list of (lower, upper or None, rate) tuples."
            )
        rows = list(tiers)
    lo, up, rate = [], [], []
    for k, row in enumerate(rows):
        if not isinstance(row, (tuple, list)) or len(row) != 3:
            raise ValueError(f"'tiers[{k}]' must be a (lower, upper or None, rate) tuple.")
        lower, upper, r = row
        lo.append(ck.scalar(lower, f"tiers[{k}] lower"))
        is_open = upper is None or (isinstance(upper, float) and np.isnan(upper)) or upper is pd.NA
        up.append(np.inf if is_open else ck.scalar(upper, f"tiers[{k}] upper"))
        rate.append(ck.fraction(r, f"tiers[{k}] rate"))
        if up[-1] <= lo[-1]:
            raise ValueError(f"'tiers[{k}]' has upper ≤ lower: each tier needs lower < upper.")
    order = np.argsort(lo, kind="stable")
    lo_a, up_a, rate_a = np.array(lo)[order], np.array(up)[order], np.array(rate)[order]
    if (up_a[:-1] > lo_a[1:] + ck.GUARD).any():
        raise ValueError("'tiers' overlap: each tier's upper bound must be ≤ the next's lower.")
    return lo_a, up_a, rate_a


def _metric(sales: np.ndarray, base: float, basis: str) -> np.ndarray:
    if basis == "growth":
        return sales / base - 1.0
    if basis == "attainment":
        return sales / base
    raise ValueError("'basis' must be 'growth' or 'attainment'.")


def _boundary_sales(bounds: np.ndarray, base: float, basis: str) -> np.ndarray:
    return base * (1.0 + bounds) if basis == "growth" else base * bounds


def _retro_rates(metric: np.ndarray, lo: np.ndarray, up: np.ndarray, rate: np.ndarray) -> Any:
    m = metric[:, None]
    inside = np.asarray(ck.at_least(m, lo), dtype=bool) & np.asarray(ck.below(m, up), dtype=bool)
    return (inside * rate).sum(axis=1)


def tier_rate(metric: Any, tiers: Tiers) -> Any:
    """Rate of the tier that ``metric`` (growth or attainment) falls in; 0 outside every tier.

    Lower bound inclusive, upper exclusive, with the §0.2 guard.

    >>> tier_rate(0.0909, DEFAULT_GROWTH_TIERS), tier_rate(0.05, DEFAULT_GROWTH_TIERS)
    (0.02, 0.02)
    >>> tier_rate(0.1 - 1e-12, DEFAULT_GROWTH_TIERS), tier_rate(-0.02, DEFAULT_GROWTH_TIERS)
    (0.03, 0.0)
    """
    lo, up, rate = _tiers(tiers)
    m = ck.array(metric, "metric", scalar_ok=True)
    out = _retro_rates(m, lo, up, rate)
    return float(out[0]) if np.ndim(metric) == 0 else ck.like(out, metric, "rate")


def tiered_rebate(
    sales: Any,
    base: float,
    tiers: Tiers,
    mode: str = "retro",
    *,
    basis: str = "growth",
    eligible_sales: Any = None,
) -> Any:
    """Tiered growth rebate (SPEC §2.14), RMB.

    - ``mode="retro"`` (back-to-dollar-one): ``rate(tier(g)) × eligible GS_TY`` with
      ``g = sales / base − 1``.
    - ``mode="marginal"`` (stepped): band k covers sales ``L_k = base × (1 + lower_k)`` to
      ``U_k = base × (1 + upper_k)`` (∞ when open); ``rebate = Σ_k rate_k × max(0, min(GS,
      U_k) − L_k)``: each slice of sales above the base earns its own band's rate.

    ``basis="attainment"`` reads tier bounds as ``sales / base`` (target attainment; pass the
    volume and volume target, and the GS the rate is paid on as ``eligible_sales``). ``sales``
    may be an array (e.g. a curve for a chart): the result is then an array. ``mode`` also
    accepts ``trade_terms.growth_rebate_mode`` values ``RETRO`` / ``MARGINAL``.

    Worked example of §2.14 (base 5.5 M, default tiers 1% / 2% / 3% at 0 / 5% / 10%):

    >>> tiers = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
    >>> round(tiered_rebate(6_000_000, 5_500_000, tiers), 2)
    120000.0
    >>> round(tiered_rebate(6_000_000, 5_500_000, tiers, mode="marginal"), 2)
    7250.0
    >>> round(tiered_rebate(6_049_999, 5_500_000, tiers), 2)
    120999.98
    >>> round(tiered_rebate(6_050_000, 5_500_000, tiers), 2)
    181500.0
    """
    lo, up, rate = _tiers(tiers)
    b = ck.scalar(base, "base", positive=True)
    s = ck.array(sales, "sales", nonneg=True, scalar_ok=True)
    how = str(mode).lower()
    if how == "retro":
        elig = (
            s
            if eligible_sales is None
            else ck.broadcast(eligible_sales, s, "eligible_sales", "sales", nonneg=True)
        )
        out = _retro_rates(_metric(s, b, basis), lo, up, rate) * elig
    elif how == "marginal":
        if eligible_sales is not None:
            raise ValueError("'eligible_sales' only applies to mode='retro'.")
        _metric(s, b, basis)  # validates basis
        low, high = _boundary_sales(lo, b, basis), _boundary_sales(up, b, basis)
        slice_ = np.clip(np.minimum(s[:, None], high) - low, 0.0, None)
        out = (slice_ * rate).sum(axis=1)
    else:
        raise ValueError(f"'mode' must be 'retro' or 'marginal', got {mode!r}.")
    return float(out[0]) if np.ndim(sales) == 0 else ck.like(out, sales, "rebate")


def rebate_cliff(
    threshold_sales: float,
    base: float,
    tiers: Tiers,
    mode: str = "retro",
    epsilon: float = 1.0,
    **kwargs: Any,
) -> float:
    """Cliff ``= rebate(threshold) − rebate(threshold − ε)`` (RMB for the last ε of sales; §2.14).

    A retro cliff creates a year-end loading incentive (link to stuffing, §2.10).

    >>> tiers = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
    >>> round(rebate_cliff(6_050_000, 5_500_000, tiers), 2)     # 1 RMB more sales
    60500.02
    >>> round(rebate_cliff(6_050_000, 5_500_000, tiers, mode="marginal"), 4)
    0.02
    """
    t = ck.scalar(threshold_sales, "threshold_sales", nonneg=True)
    eps = ck.scalar(epsilon, "epsilon", positive=True)
    if eps > t:
        raise ValueError("'epsilon' is larger than 'threshold_sales'.")
    at = tiered_rebate(t, base, tiers, mode, **kwargs)
    before = tiered_rebate(t - eps, base, tiers, mode, **kwargs)
    return at - before


@dataclass(frozen=True)
class RebateCliff:
    """A tier boundary: the ``metric`` bound (growth or attainment), the ``sales`` level that
    reaches it, and the ``cliff`` paid for the last ε of sales there (RMB)."""

    metric: float
    sales: float
    cliff: float


def rebate_cliffs(
    base: float, tiers: Tiers, mode: str = "retro", epsilon: float = 1.0, basis: str = "growth"
) -> list[RebateCliff]:
    """Every tier boundary with its cliff (RMB), in ascending order (SPEC §2.14).

    Use it to check a tier design ("no cliff > 5,000 RMB", M3-T3).

    >>> tiers = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
    >>> [round(c.cliff, 2) for c in rebate_cliffs(5_500_000, tiers)]
    [55000.0, 57750.01, 60500.02]
    """
    lo, up, _ = _tiers(tiers)
    b = ck.scalar(base, "base", positive=True)
    bounds = np.unique(np.concatenate([lo, up[np.isfinite(up)]]))
    out = []
    for bound, sales in zip(bounds, _boundary_sales(bounds, b, basis), strict=True):
        if sales < epsilon:
            continue
        cliff = rebate_cliff(sales, b, tiers, mode, epsilon, basis=basis)
        out.append(RebateCliff(float(bound), float(sales), cliff))
    return out


@dataclass(frozen=True)
class RebateAccrual:
    """Weekly rebate accrual (RMB): ``cumulative`` to date and the ``weekly`` bookings."""

    cumulative: Any
    weekly: Any


def rebate_accrual(weekly_eligible_sales: Any, expected_rate: Any) -> RebateAccrual:
    """Rebate accrual (SPEC §2.14): cumulative accrual ``= expected tier rate × YTD eligible GS``.

    Each week books the change since the previous week (negative when the expected rate
    drops). ``expected_rate`` is one rate or one per week.

    >>> acc = rebate_accrual([100_000, 100_000, 100_000], [0.01, 0.02, 0.02])
    >>> acc.cumulative.tolist(), acc.weekly.tolist()
    ([1000.0, 4000.0, 6000.0], [1000.0, 3000.0, 2000.0])
    """
    gs = ck.array(weekly_eligible_sales, "weekly_eligible_sales", nonneg=True)
    r = ck.broadcast(expected_rate, gs, "expected_rate", "weekly_eligible_sales", nonneg=True)
    if (r > 1).any():
        raise ValueError("'expected_rate' must be a fraction (0.02 for 2%).")
    cum = r * np.cumsum(gs)
    weekly = np.diff(cum, prepend=0.0)
    return RebateAccrual(
        ck.like(cum, weekly_eligible_sales, "accrued"),
        ck.like(weekly, weekly_eligible_sales, "booked"),
    )


def rebate_true_up(final_rebate: float, accrued_to_date: float) -> float:
    """Year-end true-up ``= final rebate − accrued to date`` (RMB; negative = release; §2.14).

    >>> rebate_true_up(181_500, 120_000)
    61500.0
    """
    final = ck.scalar(final_rebate, "final_rebate", nonneg=True)
    return final - ck.scalar(accrued_to_date, "accrued_to_date", nonneg=True)
