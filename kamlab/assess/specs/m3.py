"""M3 — Annual agreements and trade terms (SPEC §4 M3, items of §5.4).

=======  =================  =================================================================
item     kind               the trainee defines
=======  =================  =================================================================
M3-T1    FUNCTION (4)       ``tiered_rebate(sales, base, tiers, mode)`` → RMB (SPEC §2.14,
                            retro and marginal, §0.2 guard at tier bounds)
M3-T2    NUMERIC (3)        ``answer_m3_t2(world, proposal)`` → the FY2025 proposal's total
                            cost as a fraction of GS, costed on the account's FY2024 volumes
                            (atol 0.0005); the proposal is data (:data:`PROPOSAL_KEYS`)
M3-T3    OPTIMIZATION (6)   ``design_tiers(base, plan_growth, cap)`` → ``{"mode", "tiers"}``:
                            monotone, 0 at g ≤ 0, cost ≤ cap at plan growth, no cliff > 5,000
                            RMB, and a rebate at plan growth ≥ 95 % of the cap
M3-T4    CHOICE (2)         ``loading_clause(agreement)`` → the letter of the clause that
                            creates a year-end loading incentive
=======  =================  =================================================================

Entities differ from the curriculum's self-checks (:mod:`kamlab.learn.exercises.m3`: ACC005,
ACC002, ACC006 and ACC004 on FY2023/FY2024 agreements). References are kamlab's own code:
:func:`kamlab.metrics.tiered_rebate`, :func:`kamlab.metrics.rebate_cliffs` and
:func:`kamlab.analysis.m3_package.cost_package`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind

__all__ = [
    "ASSESSMENT",
    "CLIFF_LIMIT",
    "LETTERS",
    "PROPOSAL_KEYS",
    "SPEC_TIERS",
    "check_design",
]

SPEC_TIERS = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
"""The default KA growth tiers of SPEC §1.2 (the §2.14 worked example)."""


# ------------------------------------------------------------------------------------------
# M3-T1 tiered rebate
def ref_tiered_rebate(sales: float, base: float, tiers: Any, mode: str) -> float:
    """:func:`kamlab.metrics.tiered_rebate` (growth basis)."""
    from kamlab import metrics as km

    rows = [(float(lo), None if up is None else float(up), float(r)) for lo, up, r in tiers]
    return float(km.tiered_rebate(float(sales), float(base), rows, str(mode).lower()))


def _agreements(world: Any, fy: int = 2024) -> dict[str, dict[str, Any]]:
    """Per key account: its ``fy`` growth tiers, base, mode and the year's GS (plain data)."""
    acc = world.accounts
    ka = sorted(acc.loc[acc["account_type"].astype(str) == "KA", "account_id"].astype(str))
    si = world.sell_in
    si = si.loc[2023 + si["week_id"].to_numpy(int) // 52 == fy]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    tt = world.trade_terms
    tt = tt.loc[tt["fiscal_year"].astype(int) == fy].set_index(
        tt.loc[tt["fiscal_year"].astype(int) == fy, "account_id"].astype(str)
    )
    rt = world.rebate_tiers
    rt = rt.loc[(rt["fiscal_year"].astype(int) == fy) & (rt["rebate_type"].astype(str) == "GROWTH")]
    out = {}
    for a in ka:
        mine = rt.loc[rt["account_id"].astype(str) == a].sort_values("tier_no")
        if a not in tt.index or mine.empty or float(gs.get(a, 0.0)) <= 0:
            continue
        tiers = [
            [float(lo), None if pd.isna(up) else float(up), float(r)]
            for lo, up, r in zip(
                mine["lower_bound"], mine["upper_bound"], mine["rate"], strict=True
            )
        ]
        out[a] = {
            "tiers": tiers,
            "base": float(tt.loc[a, "growth_base_gs"]),
            "mode": str(tt.loc[a, "growth_rebate_mode"]),
            "gs": float(gs[a]),
        }
    return out


def _t1_visible(world: Any) -> list[Case]:
    ag = _agreements(world)["ACC001"]
    return [
        Case.visible(6_000_000, 5_500_000, SPEC_TIERS, "retro", label="SPEC §2.14 example, retro"),
        Case.visible(
            6_000_000, 5_500_000, SPEC_TIERS, "marginal", label="SPEC §2.14 example, marginal"
        ),
        Case.visible(
            ag["gs"], ag["base"], ag["tiers"], ag["mode"], label="ACC001's FY2024 agreement"
        ),
    ]


#: thresholds at 10 % and 20 % growth: 4,800,000 / 4,000,000 − 1 = 0.19999999999999996 in floats
BOUNDARY_TIERS = [(0.0, 0.10, 0.01), (0.10, 0.20, 0.02), (0.20, None, 0.035)]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    ags = ctx.memo("m3t1-agreements", lambda: _agreements(ctx.world))
    ids = sorted(ags)
    a, b = (ids[int(i)] for i in ctx.rng.choice(len(ids), size=2, replace=len(ids) < 2))
    base = float(np.round(ctx.rng.uniform(3e6, 8e6), -3))
    neg = float(np.round(base * ctx.rng.uniform(0.85, 0.98), 2))
    top = float(np.round(base * ctx.rng.uniform(1.12, 1.30), 2))
    return [
        Case.fresh_world(
            ags[a]["gs"],
            ags[a]["base"],
            ags[a]["tiers"],
            ags[a]["mode"],
            what="an account's FY2024 agreement",
        ),
        Case.fresh_world(
            ags[b]["gs"],
            ags[b]["base"],
            ags[b]["tiers"],
            "marginal",
            what="an account's FY2024 tiers, marginal",
        ),
        Case.edge(
            4_800_000,
            4_000_000,
            BOUNDARY_TIERS,
            "retro",
            what="boundary: sales exactly at a tier threshold",
        ),
        Case.edge(base, base, SPEC_TIERS, "retro", what="growth exactly 0 (the first tier)"),
        Case.edge(neg, base, SPEC_TIERS, "retro", what="negative growth, retro"),
        Case.edge(neg, base, SPEC_TIERS, "marginal", what="negative growth, marginal"),
        Case.edge(top, base, SPEC_TIERS, "marginal", what="marginal mode across every band"),
        Case.edge(
            base * (1 + 0.10 - 1e-12),
            base,
            SPEC_TIERS,
            "retro",
            what="growth a hair below a threshold (the §0.2 guard)",
        ),
    ]


# ------------------------------------------------------------------------------------------
# M3-T2 cost of the FY2025 proposal
PROPOSAL_KEYS = (
    "account_id",
    "planned_growth",
    "on_invoice_discount_pct",
    "unconditional_rebate_pct",
    "growth_rebate_mode",
    "growth_tiers",
    "listing_fee_per_sku_store",
    "endcap_fee_per_store_period",
    "floorstack_fee_per_store_period",
    "dm_fee_per_issue",
    "festival_fee_annual",
    "anniversary_fee_annual",
    "ec_platform_fee_pct",
    "logistics_allowance_pct",
)


def ref_proposal_cost(world: Any, proposal: dict[str, Any]) -> float:
    """Terms cost ÷ GS of the proposal on the account's FY2024 base (``cost_package``)."""
    from kamlab.analysis.m3_package import TermsPackage, cost_package, terms_context

    ctx = terms_context(world, str(proposal["account_id"]), 2024)
    tiers = tuple(
        (float(lo), None if up is None else float(up), float(r))
        for lo, up, r in proposal["growth_tiers"]
    )
    pkg = TermsPackage(
        on_invoice_pct=float(proposal["on_invoice_discount_pct"]),
        unconditional_rebate_pct=float(proposal["unconditional_rebate_pct"]),
        growth_tiers=tiers,
        growth_mode=str(proposal["growth_rebate_mode"]).lower(),
        listing_fee_per_sku_store=float(proposal["listing_fee_per_sku_store"]),
        endcap_fee_per_store_period=float(proposal["endcap_fee_per_store_period"]),
        floorstack_fee_per_store_period=float(proposal["floorstack_fee_per_store_period"]),
        dm_fee_per_issue=float(proposal["dm_fee_per_issue"]),
        festival_fee_annual=float(proposal["festival_fee_annual"]),
        anniversary_fee_annual=float(proposal["anniversary_fee_annual"]),
        ec_platform_fee_pct=float(proposal["ec_platform_fee_pct"]),
        logistics_allowance_pct=float(proposal["logistics_allowance_pct"]),
        payment_terms_days=float(ctx.terms.payment_terms_days),
        otif_kpi=float(ctx.terms.otif_kpi),
    )
    return float(cost_package(ctx, pkg, float(proposal["planned_growth"])).terms_rate)


def make_proposal(
    world: Any, account_id: str, rng: np.random.Generator, mode: str
) -> dict[str, Any]:
    """An FY2025 proposal built from the account's FY2024 agreement with a few clauses moved."""
    tt = world.trade_terms
    cur = tt.loc[
        (tt["account_id"].astype(str) == account_id) & (tt["fiscal_year"].astype(int) == 2024)
    ].iloc[0]

    def fee(col: str) -> float:
        return float(np.round(float(cur[col]) * float(rng.choice([1.0, 1.1, 1.2, 1.3])), 0))

    r1 = float(rng.choice([0.01, 0.0125, 0.015]))
    t1 = float(rng.choice([0.04, 0.05, 0.06]))
    t2 = float(rng.choice([0.09, 0.10, 0.12]))
    return {
        "account_id": account_id,
        "planned_growth": float(np.round(rng.uniform(0.02, 0.12), 3)),
        "on_invoice_discount_pct": float(
            np.round(float(cur["on_invoice_discount_pct"]) + float(rng.choice([0, 0.005, 0.01])), 4)
        ),
        "unconditional_rebate_pct": float(
            np.round(
                max(
                    0.0, float(cur["unconditional_rebate_pct"]) + float(rng.choice([-0.005, 0.005]))
                ),
                4,
            )
        ),
        "growth_rebate_mode": mode,
        "growth_tiers": [[0.0, t1, r1], [t1, t2, 2 * r1], [t2, None, 3 * r1]],
        "listing_fee_per_sku_store": fee("listing_fee_per_sku_store"),
        "endcap_fee_per_store_period": fee("endcap_fee_per_store_period"),
        "floorstack_fee_per_store_period": fee("floorstack_fee_per_store_period"),
        "dm_fee_per_issue": fee("dm_fee_per_issue"),
        "festival_fee_annual": fee("festival_fee_annual"),
        "anniversary_fee_annual": fee("anniversary_fee_annual"),
        "ec_platform_fee_pct": float(cur["ec_platform_fee_pct"]),
        "logistics_allowance_pct": float(cur["logistics_allowance_pct"]),
    }


T2_VISIBLE = {
    "account_id": "ACC011",
    "planned_growth": 0.06,
    "on_invoice_discount_pct": 0.045,
    "unconditional_rebate_pct": 0.0135,
    "growth_rebate_mode": "RETRO",
    "growth_tiers": [[0.0, 0.05, 0.0135], [0.05, 0.10, 0.027], [0.10, None, 0.0405]],
    "listing_fee_per_sku_store": 150.0,
    "endcap_fee_per_store_period": 1200.0,
    "floorstack_fee_per_store_period": 2200.0,
    "dm_fee_per_issue": 5000.0,
    "festival_fee_annual": 55000.0,
    "anniversary_fee_annual": 25000.0,
    "ec_platform_fee_pct": 0.0,
    "logistics_allowance_pct": 0.0,
}


def _t2_visible(world: Any) -> list[Case]:
    marginal = {**T2_VISIBLE, "account_id": "ACC008", "growth_rebate_mode": "MARGINAL"}
    return [
        Case.visible(world, dict(T2_VISIBLE), label="ACC011, a retro proposal"),
        Case.visible(world, marginal, label="ACC008, a marginal proposal"),
    ]


def _t2_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    acc = w.accounts
    ka = acc.loc[acc["account_type"].astype(str) == "KA"]
    with_fees = sorted(ka.loc[ka["channel"].astype(str) != "EC", "account_id"].astype(str))
    others = sorted(ka["account_id"].astype(str))
    a = with_fees[int(ctx.rng.integers(len(with_fees)))]
    rest = [x for x in others if x != a] or others
    b = rest[int(ctx.rng.integers(len(rest)))]
    return [
        Case.fresh_world(w, make_proposal(w, a, ctx.rng, "RETRO"), what="a retro proposal"),
        Case.fresh_world(w, make_proposal(w, b, ctx.rng, "MARGINAL"), what="a marginal proposal"),
    ]


# ------------------------------------------------------------------------------------------
# M3-T3 design tiers
CLIFF_LIMIT = 5_000.0
OPTIMUM_SHARE = 0.95
HALF_SHARE = 0.80


def _design(answer: Any) -> tuple[str, list[tuple[float, float | None, float]]] | str:
    """``(mode, tiers)`` of a design, or a sentence saying what is wrong with its format."""
    if not isinstance(answer, dict) or "mode" not in answer or "tiers" not in answer:
        return "expected a dict with keys 'mode' and 'tiers'"
    mode = answer["mode"]
    if not isinstance(mode, str) or mode.strip().lower() not in ("retro", "marginal"):
        return "mode must be 'retro' or 'marginal'"
    tiers = answer["tiers"]
    if not isinstance(tiers, list) or len(tiers) < 2:
        return "tiers must be a list of at least two (lower, upper or None, rate) tiers"
    rows: list[tuple[float, float | None, float]] = []
    for t in tiers:
        if not isinstance(t, list) or len(t) != 3:
            return "each tier must be (lower, upper or None, rate)"
        lo, up, r = t
        nums = [x for x in (lo, up, r) if x is not None]
        if any(type(x) not in (int, float) or not math.isfinite(float(x)) for x in nums):
            return "tier bounds and rates must be finite numbers (None for an open upper bound)"
        if lo is None or r is None:
            return "a tier needs a lower bound and a rate"
        rows.append((float(lo), None if up is None else float(up), float(r)))
    return mode.strip().lower(), sorted(rows, key=lambda t: t[0])


def check_design(answer: Any, base: float, plan_growth: float, cap: float) -> dict[str, Any]:
    """Every check of an M3-T3 design (kamlab's own :func:`kamlab.metrics.tiered_rebate` and
    :func:`kamlab.metrics.rebate_cliffs`): ``format`` (str, empty when fine), the four
    constraints (bools), ``at_plan`` (RMB) and ``share`` (rebate at plan ÷ cap)."""
    from kamlab import metrics as km

    got = _design(answer)
    out: dict[str, Any] = {"format": "", "monotone": False, "zero_below": False,
                           "within_cap": False, "no_cliff": False, "at_plan": 0.0, "share": 0.0}  # fmt: skip
    if isinstance(got, str):
        out["format"] = got
        return out
    mode, tiers = got
    try:

        def rebate(s: Any) -> Any:
            return km.tiered_rebate(s, base, tiers, mode)

        grid = base * (1 + np.arange(-0.30, 0.60 + 1e-12, 0.0025))
        bounds = [base * (1 + t[0]) for t in tiers] + [
            base * (1 + t[1]) for t in tiers if t[1] is not None
        ]
        pts = np.unique(np.concatenate([grid, bounds, np.array(bounds) - 1.0]))
        pts = pts[pts >= 0]
        curve = np.asarray(rebate(pts), dtype=float)
        cliffs = [c.cliff for c in km.rebate_cliffs(base, tiers, mode, epsilon=1.0)]
    except ValueError as exc:
        out["format"] = f"not a valid tier table: {exc}"
        return out
    contiguous = (
        all(a[1] is not None and abs(a[1] - b[0]) <= 1e-12 for a, b in itertools.pairwise(tiers))
        and tiers[-1][1] is None
    )
    rates_up = all(b[2] >= a[2] - 1e-12 for a, b in itertools.pairwise(tiers))
    out["monotone"] = bool(contiguous and rates_up and (np.diff(curve) >= -1e-6).all())
    below = base * (1 + np.array([-0.3, -0.2, -0.1, -0.05, -0.01, -0.001, 0.0]))
    out["zero_below"] = bool((np.abs(np.asarray(rebate(below), dtype=float)) <= 1e-6).all())
    at_plan = float(rebate(base * (1 + plan_growth)))
    out["at_plan"] = at_plan
    out["share"] = at_plan / cap
    out["within_cap"] = at_plan <= cap * (1 + 1e-9)
    out["no_cliff"] = max(cliffs, default=0.0) <= CLIFF_LIMIT + 1e-6
    return out


CONSTRAINTS = ("monotone", "zero_below", "within_cap", "no_cliff")


def compare_design(answer: Any, expected: Any) -> cmp.Check:
    """Credit 1 when the four constraints hold and the rebate at plan growth is ≥ 95 % of the
    cap; ½ when it is ≥ 80 %; 0 otherwise (a broken constraint or a wrong format: 0)."""
    base, g, cap = (float(expected[k]) for k in ("base", "plan_growth", "cap"))
    c = check_design(answer, base, g, cap)
    if c["format"]:
        return cmp.Check(0.0, "wrong_shape", c["format"])
    names = {"monotone": "monotone tiers", "zero_below": "0 at growth ≤ 0",
             "within_cap": "cost ≤ cap at plan growth", "no_cliff": "no cliff > 5,000 RMB"}  # fmt: skip
    detail = (
        "; ".join(f"{names[k]} {'✓' if c[k] else '✗'}" for k in CONSTRAINTS)
        + f"; rebate at plan growth {c['at_plan']:,.0f} = {c['share']:.1%} of the cap {cap:,.0f}"
    )
    if not all(c[k] for k in CONSTRAINTS):
        return cmp.Check(0.0, "constraint", detail)
    if c["share"] >= OPTIMUM_SHARE - 1e-9:
        return cmp.Check(1.0, "ok", detail)
    if c["share"] >= HALF_SHARE - 1e-9:
        return cmp.Check(0.5, "below_optimum", detail)
    return cmp.Check(0.0, "below_optimum", detail)


def _brief(base: float, g: float, rho: float) -> dict[str, float]:
    """``cap = rho × base × g`` (rho: the cap per RMB of planned growth in sales)."""
    return {"base": base, "plan_growth": g, "cap": float(np.round(rho * base * g, 0))}


def _t3_visible(world: Any) -> list[Case]:
    base = float(np.round(_agreements(world)["ACC001"]["gs"], 0))
    b = {"base": base, "plan_growth": 0.06, "cap": float(np.round(0.01 * base * 1.06, 0))}
    return [
        Case.visible(
            b["base"], b["plan_growth"], b["cap"], label="ACC001: 6 % plan growth, cap 1 % of GS",
            expected=b,
        )
    ]  # fmt: skip


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    ags = ctx.memo("m3t1-agreements", lambda: _agreements(ctx.world))
    ids = sorted(ags)
    a, b = (ids[int(i)] for i in ctx.rng.choice(len(ids), size=2, replace=len(ids) < 2))
    u = ctx.rng.uniform
    # the cap per RMB of planned growth differs from the visible case's (0.177) by more than a
    # factor 0.75–1.35 in every case, so a design typed in for it fails them
    cases = [
        (_brief(float(np.round(ags[a]["gs"], 0)), float(np.round(u(0.03, 0.08), 3)),
                float(u(0.06, 0.12))), "fresh", "a key account's FY2025 growth rebate"),
        (_brief(float(np.round(ags[b]["gs"], 0)), 0.25, float(u(0.31, 0.45))),
         "edge", "a high plan growth"),
        (_brief(float(np.round(u(4e5, 9e5), -3)), float(np.round(u(0.05, 0.10), 3)),
                float(u(0.03, 0.06))), "edge", "a small account"),
        (_brief(float(np.round(u(2e6, 6e6), -3)), 0.008, float(u(0.5, 0.6))),
         "edge", "a plan growth below 1 %"),
    ]  # fmt: skip
    out = []
    for brief, kind, what in cases:
        args = (brief["base"], brief["plan_growth"], brief["cap"])
        if kind == "fresh":
            out.append(Case.fresh_world(*args, what=what, expected=brief))
        else:
            out.append(Case.edge(*args, what=what, expected=brief))
    return out


# ------------------------------------------------------------------------------------------
# M3-T4 the clause behind year-end loading
LETTERS = "abcdef"

LOADING = (
    {"clause": "Growth rebate 增长返利", "basis": "sell_in", "period": "year",
     "structure": "retro_tiers", "thresholds": [0.05, 0.10]},
    {"clause": "Annual volume target rebate 年度目标返利", "basis": "sell_in", "period": "year",
     "structure": "retro_tiers", "thresholds": [0.95, 1.0, 1.05]},
)  # fmt: skip
DISTRACTORS = (
    {"clause": "On-invoice discount 票面折扣", "basis": "sell_in", "period": "invoice",
     "structure": "flat", "thresholds": []},
    {"clause": "Unconditional rebate 无条件返利", "basis": "sell_in", "period": "quarter",
     "structure": "flat", "thresholds": []},
    {"clause": "Growth rebate, stepped 阶梯增长返利", "basis": "sell_in", "period": "year",
     "structure": "marginal_tiers", "thresholds": [0.05, 0.10]},
    {"clause": "Scan-based growth rebate 按销售数据返利", "basis": "sell_out", "period": "year",
     "structure": "retro_tiers", "thresholds": [0.05, 0.10]},
    {"clause": "Festival fee 节庆费", "basis": "fixed", "period": "year",
     "structure": "lump_sum", "thresholds": []},
    {"clause": "Payment terms 账期", "basis": "none", "period": "invoice",
     "structure": "days", "thresholds": []},
    {"clause": "OTIF penalty 准时足量罚款", "basis": "sell_in", "period": "month",
     "structure": "penalty", "thresholds": [0.90]},
    {"clause": "End-cap display fee 端架费", "basis": "fixed", "period": "event",
     "structure": "lump_sum", "thresholds": []},
)  # fmt: skip

T4_VISIBLE = ("c", 0, (0, 1, 3, 4, 5))  # answer letter, loading clause, distractors in order


def _agreement(letter: str, loading: int, distractors: tuple[int, ...]) -> dict[str, Any]:
    """An agreement: letters a… → clauses, the loading clause at ``letter``."""
    clauses = [dict(DISTRACTORS[i]) for i in distractors]
    clauses.insert(LETTERS.index(letter), dict(LOADING[loading]))
    return {LETTERS[i]: c for i, c in enumerate(clauses)}


def _t4_visible(world: Any) -> list[Case]:
    letter, loading, distractors = T4_VISIBLE
    return [
        Case.visible(
            _agreement(letter, loading, distractors),
            label="an agreement of six clauses",
            expected=letter,
        )
    ]


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    rng = ctx.rng
    out = []
    letters = [x for x in LETTERS if x != T4_VISIBLE[0]]  # a typed-in letter is always wrong
    near = (2, 3)  # the stepped growth rebate and the scan-based one: near misses, always shown
    for k in range(4):
        others = [i for i in range(len(DISTRACTORS)) if i not in near]
        picked = list(near) + [int(i) for i in rng.choice(others, size=3, replace=False)]
        order = tuple(picked[i] for i in rng.permutation(len(picked)))
        letter = letters[int(rng.integers(len(letters)))]
        out.append(
            Case.edge(
                _agreement(letter, k % 2, order),
                what="an agreement with its clauses in another order",
                expected=letter,
            )
        )
    return out


ASSESSMENT = Assessment(
    id="M3",
    notebook="M3_assessment",
    title="Annual agreements and trade terms",
    items=(
        Item(
            "M3-T1",
            Kind.FUNCTION,
            target="tiered_rebate",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_tiered_rebate,
            compare=cmp.number(rtol=1e-6, atol=0.01),
            scoring=cmp.proportional(step=0.5),
            title="Tiered growth rebate, retro and marginal",
        ),
        Item(
            "M3-T2",
            Kind.NUMERIC,
            target="answer_m3_t2",
            visible=_t2_visible,
            hidden=_t2_hidden,
            reference=ref_proposal_cost,
            compare=cmp.number(atol=0.0005),
            scoring=cmp.proportional(step=0.5),
            title="Cost of the FY2025 proposal as % of GS",
        ),
        Item(
            "M3-T3",
            Kind.OPTIMIZATION,
            target="design_tiers",
            visible=_t3_visible,
            hidden=_t3_hidden,
            compare=compare_design,
            scoring=cmp.proportional(step=0.5),
            title="Design growth tiers: no cliffs, within the cap",
        ),
        Item(
            "M3-T4",
            Kind.CHOICE,
            target="loading_clause",
            visible=_t4_visible,
            hidden=_t4_hidden,
            compare=cmp.choice(),
            scoring=cmp.proportional(step=0.5),
            title="The clause that creates a year-end loading incentive",
        ),
    ),
)
