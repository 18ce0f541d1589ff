"""Promotion evaluation, baselines and price response (SPEC §2.3, §2.4).

Volumes are cases (or units, consistently); money is RMB ex-VAT. Arrays run over weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kamlab.metrics import _checks as ck

__all__ = [
    "DISPLAY_MULTIPLIERS",
    "FEATURE_MULTIPLIERS",
    "PromoEvaluation",
    "arc_elasticity",
    "base_unit_margin",
    "baseline_pre_period",
    "baseline_pre_post",
    "break_even_uplift",
    "break_even_volume_multiple",
    "log_log_elasticity",
    "promo_evaluation",
    "promo_response_multiplier",
]

DISPLAY_MULTIPLIERS = {"NONE": 1.0, "ENDCAP": 1.35, "FLOOR_STACK": 1.6}
"""Default display multipliers by ``promotions.display_type`` (SPEC §2.4 [conv])."""

FEATURE_MULTIPLIERS = {"NONE": 1.0, "DM": 1.2, "APP_BANNER": 1.2}
"""Default feature multipliers by ``promotions.feature`` (SPEC §2.4 [conv])."""


@dataclass(frozen=True)
class PromoEvaluation:
    """Post-event evaluation of one promotion (SPEC §2.3).

    Volumes in cases, money in RMB; ``apparent_uplift`` and ``roi`` are fractions / multiples.
    """

    apparent_uplift: float
    gross_incremental: float
    net_incremental: float
    spend: float
    incremental_gp: float
    roi: float
    net_profit: float
    cost_per_incremental_case: float
    promo_cases: float
    baseline_promo_cases: float


def promo_evaluation(
    actual: Any,
    baseline: Any,
    promo: Any,
    funding_per_case: float,
    fixed_fee: Any,
    unit_margin: float,
    cannibalised: float = 0.0,
) -> PromoEvaluation:
    """Evaluate a promotion over its event window (SPEC §2.3).

    ``actual`` and ``baseline`` run over the event window W (1 pre-week + promo weeks +
    2 post-weeks); ``baseline`` may be one number per week or a single number; ``promo`` marks
    the promo weeks.

    - apparent uplift ``= Σ_promo A / Σ_promo B − 1``; gross incremental ``= Σ_promo (A − B)``
    - net incremental ``NIC = Σ_W (A − B) − cannibalised`` (dips count negative)
    - spend ``S = funding_per_case × Σ_promo A + fixed_fee`` (scan-back funds every promo case)
    - ``IGP = NIC × m``; ``ROI = IGP / S``; net profit ``= IGP − S``; cost per incremental
      case ``= S / NIC``.

    Worked example of §2.3 (B = 1,000/week, f = 12, fixed fee 8,000, m = 18):

    >>> ev = promo_evaluation([980, 2400, 2200, 850, 900], 1000,
    ...                       [False, True, True, False, False],
    ...                       funding_per_case=12, fixed_fee=8000, unit_margin=18)
    >>> round(ev.apparent_uplift, 4), ev.gross_incremental, ev.net_incremental
    (1.3, 2600.0, 2330.0)
    >>> ev.spend, ev.incremental_gp, round(ev.roi, 3), ev.net_profit
    (63200.0, 41940.0, 0.664, -21260.0)
    >>> round(ev.cost_per_incremental_case, 2)
    27.12
    """
    a = ck.array(actual, "actual", nonneg=True)
    b = ck.broadcast(baseline, a, "baseline", "actual", nonneg=True)
    p = ck.mask(promo, "promo")
    ck.same_shape(a, p, "actual", "promo")
    if not p.any():
        raise ValueError("'promo' marks no promo week: mark the promotion's weeks with True.")
    f = ck.scalar(funding_per_case, "funding_per_case", nonneg=True)
    fee = ck.total(fixed_fee, "fixed_fee")
    m = ck.scalar(unit_margin, "unit_margin")
    cann = ck.scalar(cannibalised, "cannibalised", nonneg=True)
    promo_a, promo_b = float(a[p].sum()), float(b[p].sum())
    if promo_b == 0:
        raise ValueError("'baseline' is 0 in every promo week, so the uplift is undefined.")
    nic = float((a - b).sum()) - cann
    spend = f * promo_a + fee
    if spend == 0:
        raise ValueError(
            "The promotion's spend is 0 ('funding_per_case' and 'fixed_fee' are both 0), "
            "so ROI is undefined."
        )
    if nic == 0:
        raise ValueError(
            "'actual' minus 'baseline' (less 'cannibalised') nets to 0 incremental cases, so the "
            "cost per incremental case is undefined."
        )
    igp = nic * m
    return PromoEvaluation(
        apparent_uplift=promo_a / promo_b - 1.0,
        gross_incremental=promo_a - promo_b,
        net_incremental=nic,
        spend=spend,
        incremental_gp=igp,
        roi=igp / spend,
        net_profit=igp - spend,
        cost_per_incremental_case=spend / nic,
        promo_cases=promo_a,
        baseline_promo_cases=promo_b,
    )


def break_even_volume_multiple(unit_margin: float, funding_per_case: float) -> float:
    """Volume multiple a funded price cut needs to break even: ``m / (m − f)`` (SPEC §2.3).

    >>> break_even_volume_multiple(18, 12)
    3.0
    """
    m = ck.scalar(unit_margin, "unit_margin", positive=True)
    f = ck.scalar(funding_per_case, "funding_per_case", nonneg=True)
    if f >= m:
        raise ValueError(
            f"'funding_per_case' ({f:g}) is not below 'unit_margin' ({m:g}): every promoted "
            "case loses money, so no uplift can break even."
        )
    return m / (m - f)


def break_even_uplift(unit_margin: float, funding_per_case: float) -> float:
    """Uplift needed to break even on a funded cut: ``m / (m − f) − 1`` (fraction; SPEC §2.3).

    With m = 18 and f = 12 the volume must triple (+200%):

    >>> break_even_uplift(18, 12)
    2.0
    """
    return break_even_volume_multiple(unit_margin, funding_per_case) - 1.0


def base_unit_margin(
    list_price_case: float,
    cogs_case: float,
    off_invoice_rate: float = 0.0,
    variable_rebate_rate: float = 0.0,
) -> float:
    """Base unit margin ``m = NPC_base − cogs_case`` (RMB/case; SPEC §2.3).

    ``NPC_base = list × (1 − off_invoice − variable rebate rates)``.

    >>> round(base_unit_margin(60, 36, off_invoice_rate=0.05, variable_rebate_rate=0.05), 2)
    18.0
    """
    lp = ck.scalar(list_price_case, "list_price_case", nonneg=True)
    cogs = ck.scalar(cogs_case, "cogs_case", nonneg=True)
    off = ck.fraction(off_invoice_rate, "off_invoice_rate")
    reb = ck.fraction(variable_rebate_rate, "variable_rebate_rate")
    return lp * (1.0 - off - reb) - cogs


def _event_bounds(p: np.ndarray, start: int | None, end: int | None) -> tuple[int, int]:
    n = p.size
    if start is None:
        hits = np.flatnonzero(p)
        if hits.size == 0:
            raise ValueError("'promo' marks no promo week and no 'start' was given.")
        start = int(hits[0])
    s = ck.integer(start, "start", minimum=0)
    if s >= n:
        raise ValueError(f"'start' ({s}) is beyond the series of {n} weeks.")
    if end is None:
        e = s
        while e + 1 < n and p[e + 1]:
            e += 1
    else:
        e = ck.integer(end, "end", minimum=s)
    return s, e


def _series_and_mask(sales: Any, promo: Any) -> tuple[np.ndarray, np.ndarray]:
    x = ck.array(sales, "sales", nonneg=True)
    p = ck.mask(promo, "promo")
    ck.same_shape(x, p, "sales", "promo")
    return x, p


def baseline_pre_period(
    sales: Any,
    promo: Any,
    start: int | None = None,
    n_weeks: int = 4,
    halo_weeks: int = 1,
) -> float:
    """Pre-period baseline (SPEC §2.3 method a): mean of the 4 non-promo weeks before the event,
    excluding the halo week right before it (cases/week).

    ``sales`` is a weekly series, ``promo`` its promo-week mask (other promotions are skipped),
    ``start`` the position of the event's first week (default: the first promo week). When
    fewer than ``n_weeks`` clean weeks exist, the mean runs over those available.

    >>> sales = [100, 104, 300, 96, 100, 90, 250, 260, 80]
    >>> promo = [False, False, True, False, False, False, True, True, False]
    >>> baseline_pre_period(sales, promo, start=6)   # weeks 0, 1, 3, 4 (week 5 = halo)
    100.0
    """
    x, p = _series_and_mask(sales, promo)
    s, _ = _event_bounds(p, start, None)
    n = ck.integer(n_weeks, "n_weeks")
    halo = ck.integer(halo_weeks, "halo_weeks", minimum=0)
    candidates = np.flatnonzero(~p[: max(0, s - halo)])
    if candidates.size == 0:
        raise ValueError(
            f"'sales' has no non-promo week before the halo of the event starting at week {s} "
            "('start'): use the pre+post baseline instead."
        )
    return float(x[candidates[-n:]].mean())


def baseline_pre_post(
    sales: Any,
    promo: Any,
    start: int | None = None,
    end: int | None = None,
    pre: tuple[int, int] = (8, 2),
    post: tuple[int, int] = (3, 8),
) -> float:
    """Pre+post baseline excluding halo (SPEC §2.3 method b, the default; cases/week).

    Median of the non-promo weeks in ``[s − 8, s − 2] ∪ [e + 3, e + 8]`` (clipped to the
    series), where ``s``/``e`` are the event's first/last weeks (default: the first run of
    promo weeks).

    >>> sales = [90, 100, 110, 100, 95, 105, 100, 400, 380, 70, 80, 100, 100, 90, 110, 100]
    >>> promo = [False] * 7 + [True, True] + [False] * 7
    >>> baseline_pre_post(sales, promo)   # weeks 0–5 and 11–15
    100.0
    """
    x, p = _series_and_mask(sales, promo)
    s, e = _event_bounds(p, start, end)
    window = np.zeros(x.size, dtype=bool)
    window[max(0, s - pre[0]) : max(0, s - pre[1] + 1)] = True
    window[min(x.size, e + post[0]) : min(x.size, e + post[1] + 1)] = True
    clean = window & ~p
    if not clean.any():
        raise ValueError(
            f"'sales' has no non-promo week in the pre/post windows of the event {s}–{e}: "
            "pass a longer series or use another baseline."
        )
    return float(np.median(x[clean]))


def promo_response_multiplier(
    depth: Any, elasticity: Any, display_mult: Any = 1.0, feature_mult: Any = 1.0
) -> Any:
    """Promotion volume multiplier ``Q_promo/Q_base = (1 − depth)^ε × display × feature``.

    Constant-elasticity response of SPEC §2.4 (``P_promo/P_base = 1 − depth``). Scalars give a
    float; arrays broadcast and give an array (vectorised for the simulator).

    Worked example: 20% TPR, ε = −2.5, with and without an end-cap (×1.35):

    >>> round(promo_response_multiplier(0.20, -2.5), 3)
    1.747
    >>> round(promo_response_multiplier(0.20, -2.5, display_mult=1.35), 3)
    2.358
    """
    d = ck.array(depth, "depth", scalar_ok=True, ndim=(1, 2))
    if ((d < 0) | (d >= 1)).any():
        raise ValueError("'depth' must lie in [0, 1) as a fraction of the price (0.2 = 20% off).")
    eps = ck.array(elasticity, "elasticity", scalar_ok=True, ndim=(1, 2))
    disp = ck.array(display_mult, "display_mult", scalar_ok=True, ndim=(1, 2))
    feat = ck.array(feature_mult, "feature_mult", scalar_ok=True, ndim=(1, 2))
    if (disp <= 0).any() or (feat <= 0).any():
        raise ValueError("'display_mult' and 'feature_mult' must be greater than 0.")
    try:
        with np.errstate(over="ignore"):
            out = np.power(1.0 - d, eps) * disp * feat
    except ValueError:
        raise ValueError(
            "'depth', 'elasticity', 'display_mult' and 'feature_mult' have incompatible lengths."
        ) from None
    if not np.isfinite(out).all():
        raise ValueError(
            "The multiplier overflows: 'depth' and 'elasticity' are far outside realistic "
            "values (depth ≤ 0.5, elasticity around −1 to −4)."
        )
    scalar_in = all(np.ndim(v) == 0 for v in (depth, elasticity, display_mult, feature_mult))
    return float(out.item()) if scalar_in else out


def arc_elasticity(q1: float, q2: float, p1: float, p2: float) -> float:
    """Arc (midpoint) price elasticity (SPEC §2.4).

    ``ε_arc = [(Q2 − Q1) / ((Q1 + Q2)/2)] / [(P2 − P1) / ((P1 + P2)/2)]``.

    >>> round(arc_elasticity(q1=100, q2=150, p1=10, p2=8), 3)
    -1.8
    """
    a = ck.scalar(q1, "q1", nonneg=True)
    b = ck.scalar(q2, "q2", nonneg=True)
    c = ck.scalar(p1, "p1", positive=True)
    d = ck.scalar(p2, "p2", positive=True)
    if a + b == 0:
        raise ValueError("'q1' and 'q2' are both 0, so the elasticity is undefined.")
    if c == d:
        raise ValueError("'p1' equals 'p2': the price did not change, so no elasticity follows.")
    return ((b - a) / ((a + b) / 2.0)) / ((d - c) / ((c + d) / 2.0))


def log_log_elasticity(quantity: Any, price: Any) -> float:
    """Price elasticity as the slope of ``ln Q = a + ε ln P`` (least squares; SPEC §2.4).

    Use non-display weeks; add controls in your own regression when needed.

    >>> q = [100 * p ** -2.0 for p in (8.0, 9.0, 10.0, 11.0)]
    >>> round(log_log_elasticity(q, [8.0, 9.0, 10.0, 11.0]), 6)
    -2.0
    """
    q = ck.array(quantity, "quantity")
    p = ck.array(price, "price")
    ck.same_shape(q, p, "quantity", "price")
    if (q <= 0).any() or (p <= 0).any():
        raise ValueError("'quantity' and 'price' must be > 0 to take logarithms.")
    lp = np.log(p)
    if np.ptp(lp) == 0:
        raise ValueError("'price' never changes, so no elasticity can be estimated.")
    lq = np.log(q)
    x = lp - lp.mean()
    return float((x * (lq - lq.mean())).sum() / (x * x).sum())
