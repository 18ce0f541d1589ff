"""M8 models: constraint checks by hand, the capstone's evidence against pandas, the plan
builder's levers, and the replay through simulate_plan (SPEC §2.18, §3.1, §4 M8)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kamlab
from kamlab import metrics as km
from kamlab.analysis.m8_capstone import (
    actions_table,
    allocation_from_spend,
    build_plan,
    capstone_account,
    capstone_context,
    evidence_view,
    jbp_targets_table,
    planned_uplift,
    submission_from,
)
from kamlab.analysis.m8_constraints import (
    CONSTRAINTS,
    composite_check,
    evaluate_plan,
    kpis_of,
    plan_constraints,
    reference_threshold,
)
from kamlab.analysis.m8_plan import Submission, check_submission
from kamlab.analysis.scorecard import account_scorecard
from kamlab.sim import simulate_plan

KPIS = {
    "nr": 10.5e6,
    "nr_ly": 10e6,
    "cc_rate": 0.26,
    "cc_rate_ly": 0.26,
    "tts_rate": 0.22,
    "tts_rate_cap": 0.22,
    "woc_end": 4.0,
    "woc_band": (2, 4),
    "lws_max": 0.35,
    "capacity_short_cases": 5_000.0,
    "cases_ordered": 50_000.0,
}


# ---------------------------------------------------------------------------------------------
# constraints


def test_every_constraint_passes_exactly_at_its_limit() -> None:
    c = plan_constraints(KPIS).set_index("constraint")
    assert list(c.index) == list(CONSTRAINTS)
    assert c["passed"].all()
    assert c.at["nr_growth", "limit"] == pytest.approx(10.5e6)
    assert c.at["capacity", "limit"] == pytest.approx(5_000.0)  # 10 % of 50,000
    assert c.at["woc_band", "upper"] == 4.0


@pytest.mark.parametrize(
    ("key", "value", "failing"),
    [
        ("nr", 10.5e6 - 1.0, "nr_growth"),
        ("cc_rate", 0.2599, "cc_rate"),
        ("tts_rate", 0.2201, "tts_cap"),
        ("woc_end", 4.01, "woc_band"),
        ("woc_end", 1.99, "woc_band"),
        ("woc_end", math.inf, "woc_band"),
        ("lws_max", 0.3501, "lws"),
        ("capacity_short_cases", 5_001.0, "capacity"),
    ],
)
def test_one_step_over_a_limit_fails_only_that_constraint(key, value, failing) -> None:
    c = plan_constraints({**KPIS, key: value}).set_index("constraint")["passed"]
    assert not c[failing]
    assert c.drop(failing).all()


def test_guard_and_options() -> None:
    c = plan_constraints({**KPIS, "tts_rate": 0.22 + 1e-12}).set_index("constraint")
    assert c.at["tts_cap", "passed"]  # §0.2 floating-point guard
    c = plan_constraints(KPIS, nr_growth_min=0.06, capacity_tolerance=0.0).set_index("constraint")
    assert not c.at["nr_growth", "passed"] and not c.at["capacity", "passed"]
    # a supply-only shortfall, when the simulator reports it, replaces the total
    c = plan_constraints({**KPIS, "capacity_short_cases": 9e9, "supply_short_cases": 10.0})
    assert c.set_index("constraint").at["capacity", "actual"] == 10.0
    # lws from the per-period list
    k = {key: v for key, v in KPIS.items() if key != "lws_max"}
    c = plan_constraints({**k, "lws": [0.2, float("nan"), 0.4]}).set_index("constraint")
    assert c.at["lws", "actual"] == 0.4 and not c.at["lws", "passed"]
    with pytest.raises(ValueError, match="has no 'nr_ly'"):
        plan_constraints({k: v for k, v in KPIS.items() if k != "nr_ly"})
    with pytest.raises(ValueError, match="capacity_tolerance"):
        plan_constraints(KPIS, capacity_tolerance=1.5)


def test_composite_threshold() -> None:
    assert composite_check(0.95) and not composite_check(0.9499)
    assert composite_check(0.77, reference_threshold(0.8))
    assert not composite_check(float("nan"))
    with pytest.raises(ValueError, match="reference_composite"):
        reference_threshold(0.0)


# ---------------------------------------------------------------------------------------------
# the capstone context and evidence


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


@pytest.fixture(scope="module")
def ctx(world):
    return capstone_context(world)


def test_capstone_is_the_tagged_tier_a_hyper_chain(world, ctx) -> None:
    lab = world.truth_scenario_labels
    tagged = lab[(lab.tag == "CAPSTONE") & (lab.scenario == "CAPSTONE")]
    assert capstone_account(world) == tagged.entity_id.iloc[0] == ctx.account_id
    assert ctx.info["channel"] == "HYPER" and ctx.info["tier"] == "A"
    assert ctx.plan_weeks == range(104, 117)
    with pytest.raises(ValueError, match="pass account_id"):
        capstone_account(world.without_truth())


def test_last_year_numbers_are_the_scorecards(world, ctx) -> None:
    sc = account_scorecard(world, fiscal_year=2024, accounts=ctx.account_id).iloc[0]
    assert ctx.ly["nr_fy"] == pytest.approx(sc.nr)
    assert ctx.ly["tts_rate_fy"] == pytest.approx(sc.tts_rate)
    # the same 13 weeks one year before the plan = FY2024 P1–P3; simulate_plan uses the same base
    res = simulate_plan(world, ctx.account_id, {}, seed=3)
    assert ctx.ly["nr_13w"] == pytest.approx(res.kpis["nr_ly"], rel=1e-9)


def test_share_view_sums_numerators_and_denominators(world, ctx) -> None:
    v = evidence_view(ctx, "share", 2024)
    maw = world.market_account_week
    cal = world.calendar.set_index("week_id")["period_key"]
    m = maw[maw.account_id == ctx.account_id].assign(pk=lambda d: d.week_id.map(cal))
    p12 = m[m.pk == "FY2024-P12"]
    share = p12[p12.brand_owner == "OURS"].value_incl_vat.sum() / p12.value_incl_vat.sum()
    row = v.table.set_index("period_key").loc["FY2024-P12"]
    assert row.value_share == pytest.approx(share)
    p12_ly = m[m.pk == "FY2023-P12"]
    ly = p12_ly[p12_ly.brand_owner == "OURS"].value_incl_vat.sum() / p12_ly.value_incl_vat.sum()
    assert row.share_pts_vs_ly == pytest.approx(share - ly)
    assert v.evidence_ids == v.table.loc[v.table.share_pts_vs_ly < 0, "period_key"].tolist()


def test_inventory_view_is_weeks_of_cover_of_the_account(world, ctx) -> None:
    v = evidence_view(ctx, "inventory", 2024)
    inv = world.customer_inventory
    a = (
        inv[inv.account_id == ctx.account_id]
        .groupby("week_id")[["closing_cases", "sell_out_cases"]]
        .sum()
    )
    woc = km.weeks_of_cover(a.closing_cases.to_numpy(), a.sell_out_cases.to_numpy())
    assert v.table.woc.to_numpy() == pytest.approx(np.asarray(woc)[52:104])
    flags = km.stuffing_flags(np.asarray(woc), ctx.info["target_woc"])[52:104]
    assert v.table.stuffing_flag.tolist() == list(flags)
    assert v.evidence_ids == [f"W{w:03d}" for w in v.table.week_id[flags]]
    assert v.headline["woc_now"] == pytest.approx(float(np.asarray(woc)[-1]))


def test_service_view_is_fill_rates_per_period(world, ctx) -> None:
    v = evidence_view(ctx, "service", 2024)
    ol = world.order_lines
    cal = world.calendar.set_index("week_id")["period_key"]
    x = ol[(ol.account_id == ctx.account_id) & (ol.week_id.map(cal) == "FY2024-P05")]
    fr = km.fill_rates(x[["order_id", "cases_ordered", "cases_shipped", "days_late"]])
    row = v.table.set_index("period_key").loc["FY2024-P05"]
    assert row.case_fill == pytest.approx(fr.case_fill)
    assert row.line_otif == pytest.approx(fr.line_otif)


def test_promo_roi_view_reproduces_one_promotion_by_hand(world, ctx) -> None:
    v = evidence_view(ctx, "promo_roi", 2024)
    r = v.table.iloc[len(v.table) // 2]
    so = world.sell_out
    pr = world.promotions
    s = so[(so.account_id == ctx.account_id) & (so.sku_id == r.sku_id)].set_index("week_id")
    A = s.cases_sold.reindex(range(104)).fillna(0).to_numpy()
    own = pr[
        (pr.account_id == ctx.account_id) & (pr.sku_id == r.sku_id) & (pr.status == "EXECUTED")
    ]
    mask = np.zeros(104, bool)
    for a, b in zip(own.start_week, own.end_week, strict=True):
        mask[a : b + 1] = True
    B = km.baseline_pre_post(A, mask, start=r.start_week, end=r.end_week)
    assert r.baseline == pytest.approx(B)
    assert v.headline["share_roi_below_1"] == pytest.approx((v.table.roi < 1).mean())
    assert set(v.evidence_ids) == set(v.table.promo_id[v.table.roi < 1])


def test_bad_view_and_year(ctx) -> None:
    with pytest.raises(ValueError, match="view must be one of"):
        evidence_view(ctx, "mood")
    with pytest.raises(ValueError, match="fiscal_year 2019"):
        evidence_view(ctx, "share", 2019)


# ---------------------------------------------------------------------------------------------
# the plan builder


def test_default_plan_is_the_current_practice(ctx) -> None:
    plan = build_plan(ctx)
    pr = plan["promotions"]
    assert len(pr) == len(ctx.planned)
    assert pr.depth_pct.tolist() == ctx.planned.depth_pct.tolist()
    assert pr.planned_uplift_pct.tolist() == pytest.approx(ctx.planned.planned_uplift_pct.tolist())
    assert pr.fixed_fee_rmb.tolist() == ctx.planned.fixed_fee_rmb.tolist()
    t = ctx.terms.iloc[0]
    assert plan["terms"].iloc[0].to_dict() == {
        "on_invoice_discount_pct": t.on_invoice_discount_pct,
        "unconditional_rebate_pct": t.unconditional_rebate_pct,
    }
    assert plan["shipments_policy"].target_woc.iloc[0] == ctx.info["target_woc"]
    assert plan["budget"].trade_budget_rmb.iloc[0] == ctx.default_budget
    assert check_submission(Submission(ctx.account_id, plan), weeks=ctx.plan_weeks,
                            skus=set(ctx.skus)) == []  # fmt: skip


def test_levers(ctx) -> None:
    keep = ctx.events[1:]
    plan = build_plan(ctx, keep_events=keep, depth_cap=0.2, display="NONE", target_woc=3.0,
                      on_invoice_discount_pct=0.05, trade_budget_rmb=1e6)  # fmt: skip
    pr = plan["promotions"]
    kept = ctx.planned[ctx.planned.event_group_id.isin(keep)]
    assert len(pr) == len(kept)
    assert pr.depth_pct.tolist() == pytest.approx(np.minimum(kept.depth_pct, 0.2).tolist())
    assert set(pr.display_type) == {"NONE"} and "fixed_fee_rmb" not in pr.columns
    # the KAM's optimism carries over: planned uplift scaled by the planning model
    exp = planned_uplift(kept.planned_uplift_pct, kept.depth_pct, np.minimum(kept.depth_pct, 0.2),
                         kept.display_type, ["NONE"] * len(kept), kept.feature,
                         kept.sku_id.map(ctx.planning_elasticity))  # fmt: skip
    assert pr.planned_uplift_pct.to_numpy() == pytest.approx(exp)
    assert plan["terms"].on_invoice_discount_pct.iloc[0] == 0.05
    assert plan["shipments_policy"].target_woc.iloc[0] == 3.0
    assert plan["budget"].trade_budget_rmb.iloc[0] == 1e6
    assert len(build_plan(ctx, keep_events=[])["promotions"]) == 0
    with pytest.raises(ValueError, match="not planned events"):
        build_plan(ctx, keep_events=["EV99999"])
    with pytest.raises(ValueError, match="depth_cap"):
        build_plan(ctx, depth_cap=0.7)


def test_planned_uplift_scales_with_the_planning_model() -> None:
    # ε = −2: M(0.3) − 1 = 1/0.49 − 1, M(0.2) − 1 = 1/0.64 − 1
    got = planned_uplift([2.0], [0.3], [0.2], ["NONE"], ["NONE"], ["NONE"], [-2.0])
    assert got[0] == pytest.approx(2.0 * (1 / 0.64 - 1) / (1 / 0.49 - 1))
    got = planned_uplift([1.0], [0.2], [0.2], ["NONE"], ["ENDCAP"], ["NONE"], [-2.0])
    assert got[0] == pytest.approx((1.35 / 0.64 - 1) / (1 / 0.64 - 1))


def test_tables_for_jbp_actions_and_allocation(ctx) -> None:
    j = jbp_targets_table(ctx, nr_growth_vs_ly=0.08)
    assert j.nr_target.iloc[0] == pytest.approx(ctx.ly["nr_13w"] * 1.08)
    assert j.line_otif_target.iloc[0] == ctx.info["otif_kpi"]
    a = actions_table(["A1", "A5"])
    assert a.area.tolist() == ["SUPPLY", "EXECUTION"]
    with pytest.raises(ValueError, match="unknown action"):
        actions_table(["Z9"])
    sp = pd.DataFrame(
        {"week_id": [104], "DISPLAY_FEE": [3.0], "DM_FEE": [2.0], "GROWTH_REBATE": [1.0]}
    )
    al = allocation_from_spend(sp, 4.0).set_index("bucket").amount_rmb
    assert al.to_dict() == {"DISPLAY_AND_FEATURE": 5.0, "REBATES": 1.0, "RESERVE": 0.0}
    sub = submission_from(ctx, build_plan(ctx), jbp_targets=j, actions=a)
    assert check_submission(sub, weeks=ctx.plan_weeks, skus=set(ctx.skus)) == []


# ---------------------------------------------------------------------------------------------
# the replay


def test_deeper_promotions_raise_tts(world, ctx) -> None:
    shallow = evaluate_plan(world, ctx.account_id, build_plan(ctx, depth_cap=0.1), seed=5)
    deep = evaluate_plan(world, ctx.account_id, build_plan(ctx, depth_cap=0.5), seed=5)
    assert deep.kpis["tts_rate"] > shallow.kpis["tts_rate"]
    spend = lambda e: e.result.spend["PROMO_SCAN_BACK"].sum()  # noqa: E731
    assert spend(deep) > spend(shallow)


def test_evaluation_is_the_constraints_of_the_replay(world, ctx) -> None:
    plan = build_plan(ctx, keep_events=ctx.events[:2], depth_cap=0.25, target_woc=3.0)
    ev = evaluate_plan(world, ctx.account_id, plan, seed=2)
    res = simulate_plan(world, ctx.account_id, plan, 2)  # same inputs → same output
    assert res.kpis["nr"] == ev.kpis["nr"] and res.composite == ev.composite
    k = kpis_of(res)
    assert k["cases_ordered"] == res.account_weekly["cases_ordered"].sum()
    pd.testing.assert_frame_equal(plan_constraints(k), ev.constraints)
    assert ev.n_passed == int(ev.constraints.passed.sum())
    row = ev.constraints.set_index("constraint")
    assert row.at["nr_growth", "passed"] == (res.kpis["nr"] >= 1.05 * res.kpis["nr_ly"] - 1e-9)
    assert row.at["tts_cap", "passed"] == (res.kpis["tts_rate"] <= res.kpis["tts_rate_cap"] + 1e-9)
    lo, hi = res.kpis["woc_band"]
    assert row.at["woc_band", "passed"] == (lo - 1e-9 <= res.kpis["woc_end"] <= hi + 1e-9)
    # the composite is the §2.18 formula over the replay's scorecard
    sc = res.scorecard.set_index("indicator")
    again = km.five_indicator_score(sc.actual.to_dict(), sc.target.to_dict())
    assert again.composite == pytest.approx(ev.composite)


def test_higher_cover_target_ships_more(world, ctx) -> None:
    lo = evaluate_plan(world, ctx.account_id, build_plan(ctx, target_woc=2.0), seed=4)
    hi = evaluate_plan(world, ctx.account_id, build_plan(ctx, target_woc=4.0), seed=4)
    assert (
        hi.result.account_weekly.cases_ordered.sum() > lo.result.account_weekly.cases_ordered.sum()
    )
