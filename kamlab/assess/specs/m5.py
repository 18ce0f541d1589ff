"""M5 — Resource management: trade investment and promotion ROI (SPEC §4 M5, items of §5.4).

=======  ==================  ==============================================================
item     kind                the trainee defines
=======  ==================  ==============================================================
M5-T1    FUNCTION (5)        ``estimate_baseline(series, promo_flags)`` → a baseline (units)
                             for every week; pooled WMAPE vs the world's expected baseline on
                             the graded promo weeks: full ≤ 0.15, half ≤ 0.25
M5-T2    FUNCTION (3)        ``promo_roi(actual, baseline, promo, funding_per_case, fixed_fee,
                             unit_margin, cannibalised=0.0)`` → dict of the §2.3 results
                             :data:`PROMO_KEYS` (rtol 1e-6)
M5-T3    CLASSIFICATION (4)  ``value_creating_promos(world)`` → ids of the MT key-account
                             promotions with ROI ≥ 1; macro-F1 vs ``truth_promo.roi``
                             (full ≥ 0.8, half ≥ 0.6), borderline promotions not scored
M5-T4    OPTIMIZATION (6)    ``allocate_budget(curves, budget)`` → spend per account under
                             bounds and a total budget; objective ≥ 95 % of the optimum
=======  ==================  ==============================================================

Hidden worlds are **clean** small worlds (``scenarios="none"``, :func:`make_world`): M5 is about
promotion evaluation, and the scenario knobs (promotion overspend, stuffing, a competitor push
at the capstone account) move the expected baseline in ways one series cannot show.

Design notes (measured, see ``python -m kamlab.assess.specs._m5_measure``):

- **M5-T1**: the judge pools the absolute errors of all graded promo weeks of the trainee's
  world (:mod:`kamlab.assess.specs._m5_baseline`); the notebook's reference solution scores a
  pooled WMAPE of 0.066 on average over the 60 worlds of seeds 0–59 (p99 0.102, worst 0.116;
  measured 2026-11-27), so it passes with margin on every measured seed.
- **M5-T3**: F1 is the *macro* F1 (the mean of the F1 of "ROI ≥ 1" and of "ROI < 1"), so that
  labelling every promotion a winner — right for about half of them — scores 0 instead of
  half marks; promotions whose true ROI lies in the borderline band [0.75, 1.33) are not
  scored (one promotion's ROI cannot be measured that precisely from sell-out: the
  reference solution misclassifies 40–60 % of them). The reference solution's macro-F1 over
  the same 60 worlds: mean 0.89, worst 0.79 (half marks on 1 world of 60).
- **M5-T4**: curves ``IGP(S) = c × S^β`` (the curriculum's :func:`kamlab.analysis.m5_budget
  .response_curves` for the fresh world), bounds per account, the optimum by equal marginal
  returns with clipping at the bounds (:func:`optimal_bounded`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind
from kamlab.assess.specs import _m5_baseline as bl

__all__ = [
    "ASSESSMENT",
    "BORDERLINE",
    "MT_CHANNELS",
    "PROMO_KEYS",
    "allocation_value",
    "macro_f1",
    "make_world",
    "optimal_bounded",
    "ref_value_creating",
    "t3_population",
]

MT_CHANNELS = bl.MT_CHANNELS
PROMO_KEYS = (
    "apparent_uplift",
    "gross_incremental",
    "net_incremental",
    "spend",
    "incremental_gp",
    "roi",
    "net_profit",
    "cost_per_incremental_case",
)
#: true ROI in [low, high) is "borderline": not scored in M5-T3
BORDERLINE = (0.75, 4.0 / 3.0)
MONEY_TOL = 1.0  # RMB


def make_world(preset: str, seed: int) -> Any:
    """A clean world (no scenario knobs) of ``preset`` for ``seed`` — M5's hidden worlds."""
    from kamlab.sim import SimConfig, simulate

    return simulate(SimConfig.preset(preset, seed=seed, scenarios="none"))


# ------------------------------------------------------------------------------------------
# M5-T1 baseline estimation: pooled WMAPE on the graded promo weeks
def _truth_list(s: bl.BaselineSeries) -> list[float | None]:
    return [float(v) if g else None for v, g in zip(s.truth, s.graded, strict=True)]


def _t1_visible_series(world: Any) -> list[bl.BaselineSeries]:
    """Two practice series of the shipped world: the ones with the most graded weeks."""
    ser = bl.baseline_series(world)
    ser = sorted(ser, key=lambda s: (-int(s.graded.sum()), s.account_id, s.sku_id))
    return ser[:2]


def _t1_visible(world: Any) -> list[Case]:
    return [
        Case.visible(
            s.units,
            s.flags,
            label=f"{s.account_id} {s.sku_id} ({int(s.graded.sum())} graded promo weeks)",
            expected={"truth": _truth_list(s), "scale": None},
        )
        for s in _t1_visible_series(world)
    ]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    ser = bl.baseline_series(ctx.world)
    total = sum(float(s.truth[s.graded].sum()) for s in ser)
    n = len(ser)
    return [
        Case.fresh_world(
            s.units,
            s.flags,
            what="a promoted SKU; all of them are scored together as one WMAPE",
            expected={"truth": _truth_list(s), "scale": n / (bl.CREDIT_SCALE * total)},
        )
        for s in ser
    ]


def compare_baseline(answer: Any, expected: Any) -> cmp.Check:
    """One series: a number per week; its error on the graded weeks.

    Practice (``scale`` None): credit 1 at WMAPE ≤ 0.15, ½ at ≤ 0.25. Hidden: the linear
    credit of :mod:`kamlab.assess.specs._m5_baseline` (their mean is 1 − pooled WMAPE / K).
    """
    truth = expected["truth"]
    r = bl.series_error(answer, truth)
    if r == "wrong_shape":
        return cmp.Check(
            0.0, "wrong_shape", f"expected a list of {len(truth)} numbers (one per week)"
        )
    if isinstance(r, str):
        return cmp.Check(0.0, "wrong_value", "a graded promo week has no finite baseline")
    err, lam = r
    wm = err / lam if lam > 0 else math.inf
    detail = f"WMAPE on the graded promo weeks = {wm:.3f} (full ≤ 0.15, half ≤ 0.25)"
    reason = (
        "ok" if wm <= bl.FULL_WMAPE else "partly_right" if wm <= bl.HALF_WMAPE else "wrong_value"
    )
    if expected.get("scale") is None:
        credit = 1.0 if wm <= bl.FULL_WMAPE else 0.5 if wm <= bl.HALF_WMAPE else 0.0
        return cmp.Check(credit, reason, detail)
    credit = max(0.0, 1.0 - err * float(expected["scale"]))
    return cmp.Check(credit, "partly_right" if reason == "ok" else reason, detail)


T1_SCORING = cmp.thresholds(
    [(1.0 - bl.FULL_WMAPE / bl.CREDIT_SCALE, 1.0), (1.0 - bl.HALF_WMAPE / bl.CREDIT_SCALE, 0.5)]
)


# ------------------------------------------------------------------------------------------
# M5-T2 promotion ROI (SPEC §2.3)
def ref_promo_roi(
    actual: Any,
    baseline: Any,
    promo: Any,
    funding_per_case: float,
    fixed_fee: float,
    unit_margin: float,
    cannibalised: float = 0.0,
) -> dict[str, float]:
    """:func:`kamlab.metrics.promo_evaluation` as the dict the trainee returns."""
    from kamlab import metrics as km

    ev = km.promo_evaluation(
        actual,
        baseline,
        promo,
        funding_per_case=funding_per_case,
        fixed_fee=fixed_fee,
        unit_margin=unit_margin,
        cannibalised=cannibalised,
    )
    return {k: float(getattr(ev, k)) for k in PROMO_KEYS}


compare_roi = cmp.mapping(rtol=1e-6, atol=1e-6, keys=PROMO_KEYS)

SPEC_PROMO = (
    [980.0, 2400.0, 2200.0, 850.0, 900.0],
    1000.0,
    [False, True, True, False, False],
    12.0,
    8000.0,
    18.0,
)


def _window(world: Any, promo_id: str) -> dict[str, Any]:
    """The §2.3 inputs of one executed key-account promotion (outside: kamlab's models)."""
    from kamlab.analysis.m5_promo import post_event

    pe = post_event(world, promo_id, "pre_post", cannibalisation=0.20)
    return {
        "actual": [float(x) for x in pe.actual],
        "baseline": float(pe.baseline),
        "promo": [bool(x) for x in pe.promo],
        "funding_per_case": float(pe.funding_per_case),
        "fixed_fee": float(pe.fixed_fee),
        "unit_margin": float(pe.unit_margin),
        "cannibalised": float(pe.cannibalised),
        "true_baseline": [float(x) for x in pe.truth.baseline] if pe.truth else None,
    }


def _pick_promos(world: Any, rng: np.random.Generator, k: int, fy: int | None = None) -> list[str]:
    from kamlab.analysis.m5_promo import eligible_promotions

    el = eligible_promotions(world)
    el = el[el["mechanic"].astype(str) != "DISPLAY_ONLY"]
    if fy is not None:
        el = el[(2023 + el["start_week"].astype(int) // 52) == fy]
    ids = sorted(el["promo_id"].astype(str))
    idx = rng.permutation(len(ids))[:k]
    return [ids[i] for i in idx]


def _t2_visible(world: Any) -> list[Case]:
    cases = [Case.visible(*SPEC_PROMO, label="the SPEC §2.3 worked example")]
    # a FY2024 promotion of the shipped world (the curriculum practises on FY2023 at ACC004)
    pick = _pick_promos(world, np.random.default_rng(2024), 1, fy=2024)
    if pick:
        w = _window(world, pick[0])
        cases.append(
            Case.visible(
                w["actual"],
                w["baseline"],
                w["promo"],
                w["funding_per_case"],
                w["fixed_fee"],
                w["unit_margin"],
                kwargs={"cannibalised": w["cannibalised"]},
                label=f"promotion {pick[0]} of the shipped world (20 % cannibalisation)",
            )
        )
    return cases


def _t2_inputs(world: Any, rng: np.random.Generator) -> list[dict[str, Any]]:
    out = []
    for pid in _pick_promos(world, rng, 12):
        try:
            w = _window(world, pid)
        except ValueError:
            continue
        if w["true_baseline"] is None or not all(v > 0 for v in w["true_baseline"]):
            continue
        out.append(w)
        if len(out) == 2:
            break
    return out


def _t2_hidden(ctx: CaseContext) -> list[Case]:
    seed = int(ctx.rng.integers(2**31))
    picked = ctx.memo("t2-windows", lambda: _t2_inputs(ctx.world, np.random.default_rng(seed)))
    cases: list[Case] = []
    if picked:
        w = picked[0]
        cases.append(
            Case.fresh_world(
                w["actual"],
                w["baseline"],
                w["promo"],
                w["funding_per_case"],
                w["fixed_fee"],
                w["unit_margin"],
                kwargs={"cannibalised": w["cannibalised"]},
                what="a promotion's event window",
            )
        )
    w = picked[-1] if picked else _synthetic_window(ctx.rng)
    cases.append(
        Case.edge(
            w["actual"],
            w["true_baseline"],
            w["promo"],
            w["funding_per_case"],
            w["fixed_fee"],
            w["unit_margin"],
            what="a baseline given week by week (a list, not one number)",
        )
    )
    lost = _lost_volume_window(ctx.rng)
    cases.append(
        Case.edge(
            *lost,
            kwargs={"cannibalised": 0.0},
            what="a promotion whose net incremental volume is negative",
        )
    )
    return cases


def _synthetic_window(rng: np.random.Generator) -> dict[str, Any]:
    base = float(np.round(rng.uniform(200, 800), 1))
    actual = [base * f for f in (0.97, 2.1, 1.9, 0.8, 0.9)]
    return {
        "actual": [float(np.round(a, 1)) for a in actual],
        "true_baseline": [float(np.round(base * f, 2)) for f in (1.0, 1.02, 1.04, 1.05, 1.05)],
        "promo": [False, True, True, False, False],
        "funding_per_case": float(np.round(rng.uniform(3, 9), 2)),
        "fixed_fee": float(np.round(rng.uniform(2000, 9000), 0)),
        "unit_margin": float(np.round(rng.uniform(10, 25), 2)),
    }


def _lost_volume_window(rng: np.random.Generator) -> tuple[Any, ...]:
    """A window where the dip outweighs the uplift: NIC < 0, so ROI and net profit < 0."""
    base = float(np.round(rng.uniform(300, 900), 0))
    actual = [
        float(np.round(base * f, 1)) for f in (0.95, 1.18, 1.12, 0.55, 0.70, rng.uniform(0.85, 0.9))
    ]
    promo = [False, True, True, False, False, False]
    f = float(np.round(rng.uniform(4, 8), 2))
    fee = float(np.round(rng.uniform(3000, 8000), 0))
    m = float(np.round(rng.uniform(12, 20), 2))
    return actual, base, promo, f, fee, m


# ------------------------------------------------------------------------------------------
# M5-T3 which promotions created value (ROI ≥ 1)
def t3_population(world: Any) -> list[str]:
    """Executed promotions of MT key accounts whose event window lies inside the data."""
    T = len(world.calendar)
    acc = world.accounts
    mt = set(
        acc.loc[
            (acc["account_type"].astype(str) == "KA")
            & acc["channel"].astype(str).isin(MT_CHANNELS),
            "account_id",
        ].astype(str)
    )
    pr = world.promotions
    keep = (
        (pr["status"].astype(str) == "EXECUTED")
        & pr["account_id"].astype(str).isin(mt)
        & (pr["end_week"].astype(int) + 2 < T)
    )
    return sorted(pr.loc[keep, "promo_id"].astype(str))


def ref_value_creating(world: Any) -> dict[str, list[str]]:
    """``{"positives": ROI ≥ 1, "scored": the population without the borderline band}``."""
    pop = t3_population(world)
    tp = world.truth_promo
    roi = dict(zip(tp["promo_id"].astype(str), tp["roi"].astype(float), strict=True))
    lo, hi = BORDERLINE
    scored = [p for p in pop if p in roi and not (lo <= roi[p] < hi)]
    return {"positives": sorted(p for p in scored if roi[p] >= 1.0), "scored": scored}


def rename_promo_ids(world: Any, rng: np.random.Generator) -> Any:
    """``world`` with every promo id renamed into another number range (order kept).

    The fresh world's ids (``PR00001`` …) would overlap the shipped world's, so a list typed
    in for the shipped world would be a random guess that can score; renamed ids make it
    score 0. ``meta["renamed"]`` maps old → new ids (truth tables are not carried over).
    """
    from kamlab.assess.worlds import LazyTables
    from kamlab.data.schemas import SCHEMAS
    from kamlab.data.world import World

    ids = sorted(world.promotions["promo_id"].astype(str))
    numbers = np.sort(rng.choice(np.arange(20_000, 100_000), size=len(ids), replace=False))
    mapping = {old: f"PR{n:05d}" for old, n in zip(ids, numbers, strict=True)}
    lazy = isinstance(world.public, LazyTables)
    public: dict[str, pd.DataFrame] = LazyTables(world.public.folder) if lazy else {}
    for name in list(world.public):
        if lazy and name in SCHEMAS and "promo_id" not in SCHEMAS[name].column_names:
            continue
        df = world.public[name]
        if "promo_id" not in df.columns:
            dict.__setitem__(public, name, df)
            continue
        out = df.copy()
        col = out["promo_id"].astype(object).map(mapping)
        out["promo_id"] = col.where(col.notna(), None).astype(df["promo_id"].dtype)
        dict.__setitem__(public, name, out)
    meta = {k: v for k, v in world.meta.items() if k not in ("seed", "config", "table_hashes")}
    meta["renamed"] = {"column": "promo_id", "mapping": mapping}
    return World(public=public, truth={}, meta=meta)


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    """The fresh world with its promo ids renamed; the answer is the fresh world's, renamed."""
    renamed = ctx.derive(ctx.world, "m5-promo-ids", rename_promo_ids)
    mapping = renamed.meta["renamed"]["mapping"]

    def expected() -> dict[str, list[str]]:
        ref = ref_value_creating(ctx.world)
        return {k: sorted(mapping[p] for p in v) for k, v in ref.items()}

    return [Case.fresh_world(renamed, expected=expected)]


def _f1(a: set[str], e: set[str]) -> float:
    tp = len(a & e)
    den = 2 * tp + len(a - e) + len(e - a)
    return 1.0 if den == 0 else 2 * tp / den


def macro_f1(said: set[str], scored: set[str], positives: set[str]) -> float:
    """Mean of the F1 of "ROI ≥ 1" (``said``) and of "ROI < 1" over the ``scored`` promotions.

    >>> round(macro_f1({"P1"}, {"P1", "P2", "P3", "P4"}, {"P1", "P2"}), 3)
    0.733
    """
    said = said & scored
    return (_f1(said, positives) + _f1(scored - said, scored - positives)) / 2


def compare_macro_f1(answer: Any, expected: Any) -> cmp.Check:
    """Macro-F1 over the scored promotions: mean F1 of "ROI ≥ 1" and "ROI < 1"."""
    if isinstance(answer, pd.Series):
        answer = answer.tolist()
    if not isinstance(answer, list | tuple | frozenset) or not all(type(x) is str for x in answer):
        return cmp.Check(0.0, "wrong_type", "expected a list of promo_id strings")
    scored = set(expected["scored"])
    pos = set(expected["positives"])
    said = {x.strip().upper() for x in answer} & scored
    macro = macro_f1(said, scored, pos)
    detail = (
        f"macro-F1 = {macro:.3f} on {len(scored)} scored promotions "
        f"({len(said & pos)} of {len(pos)} value-creating ones found, "
        f"{len(said - pos)} wrongly included)"
    )
    if macro >= 0.8 - 1e-12:
        return cmp.Check(1.0, "ok", detail)
    if macro >= 0.6 - 1e-12:
        return cmp.Check(0.5, "partly_right", detail)
    return cmp.Check(0.0, "wrong_value", detail)


# ------------------------------------------------------------------------------------------
# M5-T4 budget allocation on concave response curves
def allocation_value(spend: dict[str, float], curves: dict[str, dict[str, float]]) -> float:
    """Total incremental GP ``Σ c_k × S_k^β_k`` (RMB)."""
    return float(
        sum(curves[k]["c"] * max(0.0, float(spend[k])) ** curves[k]["beta"] for k in curves)
    )


def optimal_bounded(curves: dict[str, dict[str, float]], budget: float) -> dict[str, float]:
    """Maximise ``Σ c S^β`` s.t. ``Σ S ≤ budget`` and ``min_spend ≤ S ≤ max_spend``.

    Equal marginal returns ``β c S^(β−1) = λ``, each ``S_k(λ)`` clipped to its bounds, λ by
    bisection (log scale). Without binding bounds this is
    :func:`kamlab.analysis.m5_budget.optimal_allocation`.
    """
    keys = list(curves)
    c = np.array([curves[k]["c"] for k in keys], dtype=float)
    b = np.array([curves[k]["beta"] for k in keys], dtype=float)
    lo = np.array([curves[k].get("min_spend", 0.0) for k in keys], dtype=float)
    hi = np.array([curves[k].get("max_spend", math.inf) for k in keys], dtype=float)
    if lo.sum() > budget + 1e-6:
        raise ValueError("budget: the minimum spends alone exceed the budget.")
    if hi.sum() <= budget:
        return dict(zip(keys, hi.tolist(), strict=True))
    expo = 1.0 / (1.0 - b)

    def spend(log_lam: float) -> np.ndarray:
        with np.errstate(over="ignore"):
            s = np.exp(expo * (np.log(b * c) - log_lam))
        return np.clip(s, lo, hi)

    a, z = -80.0, 80.0
    for _ in range(300):
        mid = 0.5 * (a + z)
        if spend(mid).sum() > budget:
            a = mid
        else:
            z = mid
    s = spend(z)  # the feasible side
    return dict(zip(keys, s.tolist(), strict=True))


def ref_allocate(curves: dict[str, dict[str, float]], budget: float) -> dict[str, Any]:
    """The optimum and what the comparator needs to check a plan."""
    opt = optimal_bounded(curves, budget)
    return {
        "allocation": opt,
        "optimum": allocation_value(opt, curves),
        "curves": curves,
        "budget": float(budget),
    }


def compare_allocation(answer: Any, expected: Any) -> cmp.Check:
    """Constraints (accounts, bounds, total ≤ budget; ±1 RMB), then objective ≥ 95 % of optimum."""
    curves = expected["curves"]
    if isinstance(answer, pd.Series):
        answer = dict(zip(answer.index, answer.tolist(), strict=True))
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", "expected a dict account_id → spend")
    if set(answer) != set(curves):
        return cmp.Check(0.0, "wrong_keys", f"expected one spend for each of {sorted(curves)}")
    if not all(type(v) in (int, float) and math.isfinite(v) for v in answer.values()):
        return cmp.Check(0.0, "wrong_type", "every spend must be a finite number")
    bounds = all(
        curves[k].get("min_spend", 0.0) - MONEY_TOL
        <= answer[k]
        <= curves[k].get("max_spend", math.inf) + MONEY_TOL
        for k in curves
    )
    total = sum(answer.values()) <= expected["budget"] + MONEY_TOL
    ok = [True, bounds, total]
    if not all(ok):
        broken = [n for n, o in zip(("bounds", "total"), ok[1:], strict=True) if not o]
        return cmp.Check(
            0.5 * sum(ok) / len(ok), "constraint", f"constraints broken: {', '.join(broken)}"
        )
    value = allocation_value(answer, curves)
    ratio = value / expected["optimum"] if expected["optimum"] > 0 else 1.0
    detail = f"incremental GP {value:,.0f} = {ratio:.1%} of the optimum {expected['optimum']:,.0f}"
    if ratio >= 0.95 - 1e-12:
        return cmp.Check(1.0, "ok", detail)
    return cmp.Check(0.5, "below_optimum", detail)


def _round_curves(table: pd.DataFrame, lo_f: float, hi_f: float) -> dict[str, dict[str, float]]:
    out = {}
    for r in table.itertuples():
        s0 = float(r.spend0)
        out[str(r.account_id)] = {
            "c": float(np.round(r.c, 4)),
            "beta": float(np.round(r.beta, 3)),
            "min_spend": float(np.round(lo_f * s0, -2)),
            "max_spend": float(np.round(hi_f * s0, -2)),
        }
    return out


def world_curves(world: Any, fiscal_year: int = 2024) -> tuple[dict[str, dict[str, float]], float]:
    """The world's FY response curves with bounds 0.5–2× today's spend, and today's total."""
    from kamlab.analysis.m5_budget import response_curves

    tb = response_curves(world, fiscal_year).table
    return _round_curves(tb, 0.5, 2.0), float(np.round(tb["spend0"].sum(), -2))


def _naive_share(curves: dict[str, dict[str, float]], budget: float) -> float:
    """Best of the naive plans (equal split, ∝ c, ∝ max) clipped to bounds, as share of optimum."""
    opt = allocation_value(optimal_bounded(curves, budget), curves)
    best = 0.0
    keys = list(curves)
    for w in (
        np.ones(len(keys)),
        np.array([curves[k]["c"] for k in keys]),
        np.array([curves[k]["max_spend"] for k in keys]),
    ):
        s = budget * w / w.sum()
        s = np.clip(
            s, [curves[k]["min_spend"] for k in keys], [curves[k]["max_spend"] for k in keys]
        )
        if s.sum() > budget:
            s *= budget / s.sum()
        best = max(best, allocation_value(dict(zip(keys, s.tolist(), strict=True)), curves) / opt)
    return best


def _binding_curves(rng: np.random.Generator) -> tuple[dict[str, dict[str, float]], float]:
    """Five accounts where one account's unconstrained optimum is above its ``max_spend``."""
    names = [f"KA{i}" for i in rng.permutation(np.arange(1, 6))]
    beta = rng.uniform(0.55, 0.85, 5).round(3)
    c = np.exp(rng.uniform(np.log(2), np.log(40), 5)).round(3)
    budget = float(np.round(rng.uniform(0.8e6, 1.6e6), -3))
    curves = {
        n: {"c": float(ci), "beta": float(bi), "min_spend": 20_000.0, "max_spend": 10 * budget}
        for n, ci, bi in zip(names, c, beta, strict=True)
    }
    free = optimal_bounded(curves, budget)
    top = max(free, key=free.get)
    curves[top]["max_spend"] = float(np.round(0.6 * free[top], -3))
    return curves, budget


def _curvature_curves(rng: np.random.Generator) -> tuple[dict[str, dict[str, float]], float]:
    """Six accounts with very different β and c, where naive splits fall below 90 %."""
    for _ in range(200):
        names = [f"ACC{i:03d}" for i in sorted(rng.choice(np.arange(1, 40), 6, replace=False))]
        beta = rng.uniform(0.3, 0.9, 6).round(3)
        c = np.exp(rng.uniform(np.log(1), np.log(300), 6)).round(3)
        budget = float(np.round(rng.uniform(0.5e6, 3e6), -3))
        curves = {
            n: {"c": float(ci), "beta": float(bi), "min_spend": 0.0, "max_spend": budget}
            for n, ci, bi in zip(names, c, beta, strict=True)
        }
        if _naive_share(curves, budget) < 0.9:
            return curves, budget
    return curves, budget  # pragma: no cover - the loop finds one at once


def _t4_visible(world: Any) -> list[Case]:
    two = {
        "A": {"c": 1.0, "beta": 0.5, "min_spend": 0.0, "max_spend": 300.0},
        "B": {"c": 2.0, "beta": 0.5, "min_spend": 0.0, "max_spend": 300.0},
    }
    cases = [Case.visible(two, 300.0, label="two accounts, c = 1 and 2, β = 0.5, budget 300")]
    try:
        curves, total = world_curves(world, 2024)
    except ValueError:
        return cases
    cases.append(
        Case.visible(curves, total, label="the shipped world's FY2024 curves, today's total budget")
    )
    return cases


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    factor = float(np.round(ctx.rng.uniform(0.85, 1.15), 2))
    cases = []
    try:
        curves, total = ctx.memo("t4-curves", lambda: list(world_curves(ctx.world, 2024)))
    except ValueError:  # a world without FY2024 response curves: the edge cases only
        pass
    else:
        cases.append(
            Case.fresh_world(
                curves, float(np.round(total * factor, -2)), what="the world's FY2024 curves"
            )
        )
    c2, b2 = _binding_curves(ctx.rng)
    cases.append(Case.edge(c2, b2, what="an account whose upper bound binds"))
    c3, b3 = _curvature_curves(ctx.rng)
    cases.append(Case.edge(c3, b3, what="curves of very different curvature (β)"))
    return cases


ASSESSMENT = Assessment(
    id="M5",
    notebook="M5_assessment",
    title="Resource management: trade investment and promotion ROI",
    make_world=make_world,
    items=(
        Item(
            "M5-T1",
            Kind.FUNCTION,
            target="estimate_baseline",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=None,  # every case carries its expected truth (the world's λ)
            compare=compare_baseline,
            scoring=T1_SCORING,
            title="Promotion baseline: pooled WMAPE against the expected baseline",
            pooled=True,
        ),
        Item(
            "M5-T2",
            Kind.FUNCTION,
            target="promo_roi",
            visible=_t2_visible,
            hidden=_t2_hidden,
            reference=ref_promo_roi,
            compare=compare_roi,
            scoring=cmp.proportional(step=1.0),
            title="Promotion ROI by SPEC §2.3",
        ),
        Item(
            "M5-T3",
            Kind.CLASSIFICATION,
            target="value_creating_promos",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=_t3_hidden,
            reference=ref_value_creating,
            compare=compare_macro_f1,
            scoring=cmp.proportional(step=0.5),
            timeout=30.0,
            title="Which promotions created value (ROI ≥ 1)",
        ),
        Item(
            "M5-T4",
            Kind.OPTIMIZATION,
            target="allocate_budget",
            visible=_t4_visible,
            hidden=_t4_hidden,
            reference=ref_allocate,
            compare=compare_allocation,
            scoring=cmp.proportional(step=0.5),
            title="Allocate a promotion budget on concave response curves",
        ),
    ),
)
