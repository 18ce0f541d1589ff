"""M5 promo what-if (pre-evaluation, SPEC §2.3–2.4): mechanic, depth, display, feature, duration
→ predicted lift, incremental cases, spend, ROI and break-even uplift — under the company's
planning elasticity and under the world's true response, side by side.

Model, for one SKU at one key account (all volumes in cases per week, money in RMB):

* **base** ``B`` = mean weekly sell-out of the SKU at the account in its non-promo weeks of the
  last 52 weeks of data (what a KAM would read from the POS data);
* **price cut** ``d`` by mechanic: TPR, EC coupon and gift-with-purchase use the chosen depth;
  multibuy is a fixed 25 %, BOGO a fixed 50 %, display-only 0 (as in the world's calendar);
* **multiplier** ``M = (1 − d)^ε × display × feature`` (:func:`kamlab.metrics.
  promo_response_multiplier`). *Plan*: ``ε = products.planning_elasticity`` and the conventional
  multipliers ``km.DISPLAY_MULTIPLIERS`` / ``km.FEATURE_MULTIPLIERS``; *truth*: the world's
  ``truth_elasticity`` (ε, end-cap, floor-stack and feature multipliers). A display runs in the
  account's share of stores that take one (``display_share`` of the simulator: hyper 60 %, super
  50 %, convenience 20 %, none on e-commerce), so ``display = 1 + share × (mult − 1)``;
* **predicted weekly sell-out** over the event window (1 pre-week, the promo weeks, 2 post-weeks):
  ``B``, ``B × M`` per promo week, then the post-promotion dip ``ρ × incremental`` (ρ = 0.20, the
  midpoint of the world's U(0.10, 0.30)) split 60/40; cannibalised cases = 20 % of incremental
  (the world's ``cannibalisation`` parameter);
* **funding**: scan-back ``f = 80 % × d × list × price factor`` per promo case (the world's
  ``scanback_share``); a gift with purchase is the same value as a lump sum; display-only has no
  variable funding. **Fixed fees**: display fee per store and period × display stores × periods
  covered + one DM/banner issue, shared by the SKUs of the event (the account's median event
  size in the world);
* then :func:`kamlab.metrics.promo_evaluation` gives incremental cases, spend, incremental GP and
  ROI, and :func:`kamlab.metrics.break_even_uplift` the uplift the variable funding needs
  (``m / (m − f) − 1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m5_common import model_param, unit_margin
from kamlab.analysis.m5_promo import promo_context

__all__ = [
    "DISPLAYS",
    "FEATURES",
    "FIXED_DEPTH",
    "MECHANICS",
    "POST_DIP",
    "WhatIf",
    "WhatIfCase",
    "display_share",
    "promo_whatif",
    "whatif_skus",
]

MECHANICS = ("TPR", "MULTIBUY", "BOGO", "GWP", "DISPLAY_ONLY", "EC_COUPON")
DISPLAYS = ("NONE", "ENDCAP", "FLOOR_STACK")
FEATURES = ("NONE", "DM", "APP_BANNER")
FIXED_DEPTH = {"MULTIBUY": 0.25, "BOGO": 0.50, "DISPLAY_ONLY": 0.0}
"""Mechanics whose price cut is fixed (as in the world's promotion calendar)."""
POST_DIP = 0.20
"""Post-promotion dip as a share of incremental cases (midpoint of the world's ρ)."""

_DISPLAY_SHARE_KEYS = {"HYPER": "hyper", "SUPER": "super", "CVS": "cvs"}
_DEFAULT_DISPLAY_SHARE = {"HYPER": 0.6, "SUPER": 0.5, "CVS": 0.2}


def display_share(world: Any, channel: str) -> float:
    """Share of an account's stores that take a contracted display (simulator parameter)."""
    key = _DISPLAY_SHARE_KEYS.get(str(channel))
    if key is None:
        return 0.0
    try:
        return float(model_param(world, f"display_share_{key}"))
    except AttributeError:
        try:
            return float(model_param(world, "display_store_share"))
        except AttributeError:
            return _DEFAULT_DISPLAY_SHARE[str(channel)]


@dataclass
class _Ctx:
    base: dict[tuple[str, str], float]
    accounts: pd.DataFrame
    products: pd.DataFrame
    truth: pd.DataFrame | None
    terms: pd.DataFrame
    skus_per_event: dict[str, float]
    last_year: int


def _build(world: Any) -> _Ctx:
    pc = promo_context(world)
    T = pc.n_weeks
    lo = max(0, T - 52)
    base = {}
    for key, n in pc.pair_of.items():
        a = pc.actual[n, lo:T]
        clean = ~pc.promo_mask[n, lo:T]
        base[key] = float(a[clean].mean()) if clean.any() else float(a.mean())
    acc = world.accounts.assign(account_id=world.accounts.account_id.astype(str))
    acc = acc.set_index("account_id")
    prod = world.products.assign(sku_id=world.products.sku_id.astype(str)).set_index("sku_id")
    truth = None
    if "truth_elasticity" in world:
        te = world.truth_elasticity
        truth = te.assign(sku_id=te.sku_id.astype(str)).set_index("sku_id")
    last_year = int(world.calendar.fiscal_year.max())
    terms = world.trade_terms.assign(account_id=world.trade_terms.account_id.astype(str))
    terms = terms[terms.fiscal_year == last_year].set_index("account_id")
    pr = pc.promos
    per_event = pr.groupby(["account_id", "event_group_id"], observed=True).size()
    spe = per_event.groupby(level=0).median().to_dict()
    return _Ctx(base, acc, prod, truth, terms, spe, last_year)


def _ctx(world: Any) -> _Ctx:
    tables = ("accounts", "products", "trade_terms", "promotions", "sell_out", "calendar")
    return per_world(world, "m5.whatif", _build, tables=tables)


def whatif_skus(world: Any, account_id: str) -> list[str]:
    """SKUs listed at ``account_id`` (with sell-out data), sorted by base volume, largest first."""
    c = _ctx(world)
    rows = [(s, b) for (a, s), b in c.base.items() if a == str(account_id)]
    return [s for s, _ in sorted(rows, key=lambda x: (-x[1], x[0]))]


@dataclass(frozen=True)
class WhatIfCase:
    """One side of the what-if (``plan`` or ``truth``)."""

    elasticity: float
    display_mult: float
    feature_mult: float
    multiplier: float  # M = (1 − d)^ε × display × feature
    lift: float  # M − 1
    promo_cases: float
    evaluation: km.PromoEvaluation | None  # None when the promotion creates no volume change


@dataclass(frozen=True)
class WhatIf:
    """Result of :func:`promo_whatif` (cases, RMB; lifts and ROI as fractions/multiples)."""

    account_id: str
    sku_id: str
    mechanic: str
    depth: float  # the effective price cut
    depth_fixed: bool  # the mechanic fixes the depth (the slider does not act)
    display: str
    feature: str
    duration: int
    base_cases: float
    unit_margin: float
    funding_per_case: float
    fixed_fee: float
    display_stores: int
    break_even_uplift: float | None  # None when funding ≥ margin (no uplift can pay back)
    plan: WhatIfCase
    truth: WhatIfCase | None
    curve_depth: np.ndarray
    curve_plan_lift: np.ndarray
    curve_truth_lift: np.ndarray | None
    curve_break_even: np.ndarray  # NaN where funding ≥ margin


def _case(
    B: float,
    d: float,
    eps: float,
    disp: float,
    feat: float,
    duration: int,
    f: float,
    fee: float,
    m: float,
    cannibalisation: float,
) -> WhatIfCase:
    M = km.promo_response_multiplier(d, eps, display_mult=disp, feature_mult=feat)
    inc = B * (M - 1.0) * duration
    dip = POST_DIP * max(0.0, inc)
    actual = np.array(
        [B, *([B * M] * duration), max(0.0, B - 0.6 * dip), max(0.0, B - 0.4 * dip)], dtype=float
    )
    promo = np.array([False, *([True] * duration), False, False])
    ev = None
    if B > 0 and (f > 0 or fee > 0) and abs(inc) > 1e-12:
        ev = km.promo_evaluation(
            actual, B, promo, f, fee, m, cannibalised=cannibalisation * max(0.0, inc)
        )
    return WhatIfCase(eps, disp, feat, M, M - 1.0, B * M * duration, ev)


def promo_whatif(
    world: Any,
    account_id: str,
    sku_id: str,
    mechanic: str = "TPR",
    depth: float = 0.20,
    display: str = "NONE",
    feature: str = "NONE",
    duration: int = 2,
) -> WhatIf:
    """Pre-evaluate a promotion of ``sku_id`` at ``account_id`` (see the module docstring).

    >>> import kamlab                                                          # doctest: +SKIP
    >>> w = promo_whatif(kamlab.load_world(), "ACC001", "SKU003", "TPR", 0.25)  # doctest: +SKIP
    >>> round(w.plan.lift, 2), round(w.truth.lift, 2)                          # doctest: +SKIP
    """
    c = _ctx(world)
    a, s = str(account_id), str(sku_id)
    if (a, s) not in c.base:
        raise ValueError(f"SKU {s!r} is not listed at account {a!r}: pick one of its listed SKUs.")
    if mechanic not in MECHANICS:
        raise ValueError(f"'mechanic' must be one of {', '.join(MECHANICS)}; got {mechanic!r}.")
    if display not in DISPLAYS:
        raise ValueError(f"'display' must be one of {', '.join(DISPLAYS)}; got {display!r}.")
    if feature not in FEATURES:
        raise ValueError(f"'feature' must be one of {', '.join(FEATURES)}; got {feature!r}.")
    if not 0.0 <= float(depth) <= 0.5:
        raise ValueError(f"'depth' must lie between 0 and 0.5 (a 50 % cut); got {depth!r}.")
    dur = int(duration)
    if not 1 <= dur <= 8:
        raise ValueError(f"'duration' must be 1 to 8 weeks; got {duration!r}.")
    acc, prod = c.accounts.loc[a], c.products.loc[s]
    channel = str(acc.channel)
    if channel == "DIST":
        raise ValueError(
            "The what-if models consumer promotions at key accounts, not distributors."
        )
    d = FIXED_DEPTH.get(mechanic, float(depth))
    ds = display_share(world, channel)
    pf = float(acc.price_factor) if "price_factor" in acc.index else 1.0
    list_pf = float(prod.list_price_case) * pf
    share = float(model_param(world, "scanback_share"))
    f = share * d * list_pf  # scan-back per case, or the gift value per case (GWP lump sum)
    m = unit_margin(world, a, s, c.last_year)
    # fixed fees, shared by the SKUs of the event
    terms = c.terms.loc[a] if a in c.terms.index else None
    stores = round(ds * float(acc.store_count)) if display != "NONE" else 0
    fee = 0.0
    if terms is not None:
        per_store = {
            "ENDCAP": float(terms.endcap_fee_per_store_period),
            "FLOOR_STACK": float(terms.floorstack_fee_per_store_period),
        }.get(display, 0.0)
        fee += per_store * stores * int(np.ceil(dur / 4))
        if feature != "NONE":
            fee += float(terms.dm_fee_per_issue)
    fee /= max(1.0, float(c.skus_per_event.get(a, 1.0)))
    B = c.base[(a, s)]
    cann = float(model_param(world, "cannibalisation"))
    disp_plan = 1.0 + ds * (km.DISPLAY_MULTIPLIERS[display] - 1.0)
    feat_plan = km.FEATURE_MULTIPLIERS[feature]
    eps_plan = float(prod.planning_elasticity)
    plan = _case(B, d, eps_plan, disp_plan, feat_plan, dur, f, fee, m, cann)
    truth_case = None
    curve_depth = np.round(np.linspace(0.0, 0.5, 51), 4)
    curve_truth = None
    if c.truth is not None and s in c.truth.index:
        te = c.truth.loc[s]
        raw = {"ENDCAP": te.display_mult, "FLOOR_STACK": te.floorstack_mult}.get(display, 1.0)
        disp_true = 1.0 + ds * (float(raw) - 1.0)
        feat_true = float(te.feature_mult) if feature != "NONE" else 1.0
        eps_true = float(te.elasticity)
        truth_case = _case(B, d, eps_true, disp_true, feat_true, dur, f, fee, m, cann)
        curve_truth = (
            km.promo_response_multiplier(curve_depth, eps_true, disp_true, feat_true) - 1.0
        )
    curve_plan = km.promo_response_multiplier(curve_depth, eps_plan, disp_plan, feat_plan) - 1.0
    f_curve = share * curve_depth * list_pf
    be_curve = np.array(
        [km.break_even_uplift(m, fc) if 0 <= fc < m else np.nan for fc in f_curve], dtype=float
    )
    be = km.break_even_uplift(m, f) if 0 <= f < m else None
    return WhatIf(
        account_id=a,
        sku_id=s,
        mechanic=mechanic,
        depth=d,
        depth_fixed=mechanic in FIXED_DEPTH,
        display=display,
        feature=feature,
        duration=dur,
        base_cases=B,
        unit_margin=m,
        funding_per_case=f,
        fixed_fee=fee,
        display_stores=int(stores),
        break_even_uplift=be,
        plan=plan,
        truth=truth_case,
        curve_depth=curve_depth,
        curve_plan_lift=curve_plan,
        curve_truth_lift=curve_truth,
        curve_break_even=be_curve,
    )
