"""M2 models against hand calculations on the default world (SPEC §2.16, §3.1, §3.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlab
from kamlab.analysis.m2_jbp import NPD_WEEKS, jbp_base, jbp_context, jbp_plan
from kamlab.analysis.m2_planner import (
    PLAN_SEED,
    PromoSlot,
    planner_context,
    run_plan,
    slot_costs,
    slots_frame,
)
from kamlab.analysis.m2_portfolio import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    portfolio_criteria,
    relationship_strength,
    segment,
)
from kamlab.analysis.scorecard import account_scorecard
from kamlab.sim import simulate_plan

ACC = "ACC004"


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


def _weeks(world: kamlab.World, fy: int) -> set[int]:
    cal = world.calendar
    return set(cal.loc[cal["fiscal_year"] == fy, "week_id"])


# ---- portfolio -------------------------------------------------------------------------------


def test_portfolio_criteria_by_hand(world: kamlab.World) -> None:
    c = portfolio_criteria(world).set_index("account_id")
    assert list(c.index) == sorted(
        world.accounts.loc[world.accounts["account_type"] == "KA", "account_id"]
    )
    maw = world.market_account_week
    mine = maw.loc[maw["account_id"] == ACC]
    ty = mine.loc[mine["week_id"].isin(_weeks(world, 2024))]
    ly = mine.loc[mine["week_id"].isin(_weeks(world, 2023))]
    assert c.loc[ACC, "size"] == pytest.approx(ty["value_incl_vat"].sum())
    assert c.loc[ACC, "growth"] == pytest.approx(
        ty["value_incl_vat"].sum() / ly["value_incl_vat"].sum() - 1
    )
    ours = ty.loc[ty["brand_owner"] == "OURS", "value_incl_vat"].sum()
    assert c.loc[ACC, "share"] == pytest.approx(ours / ty["value_incl_vat"].sum())
    ct = world.customer_contacts
    ct = ct.loc[ct["account_id"] == ACC]
    rel = (ct["influence"] * ct["relationship_score"]).sum() / ct["influence"].sum()
    assert c.loc[ACC, "relationship"] == pytest.approx(rel)
    sc = account_scorecard(world, fiscal_year=2024, accounts=ACC).iloc[0]
    assert c.loc[ACC, "profitability"] == pytest.approx(sc["cc_rate"])
    assert c.loc[ACC, "execution"] == pytest.approx(sc["pss"])
    assert c.loc[ACC, "current_tier"] == world.accounts.set_index("account_id").loc[ACC, "tier"]


def test_segment_is_the_weighted_scaled_mean(world: kamlab.World) -> None:
    crit = portfolio_criteria(world)
    w = {"size": 0.6, "growth": 0.0, "profitability": 0.4, "share": 1.0, "relationship": 0.5,
         "execution": 0.0}  # fmt: skip
    r = segment(crit, w, cutoffs=(0.5, 0.3)).table
    scaled = {k: (crit[k] - crit[k].min()) / (crit[k].max() - crit[k].min()) for k in CRITERIA}
    attr = (0.6 * scaled["size"] + 0.4 * scaled["profitability"]) / 1.0
    pos = (1.0 * scaled["share"] + 0.5 * scaled["relationship"]) / 1.5
    assert np.allclose(r["attractiveness"], attr)
    assert np.allclose(r["position"], pos)
    score = (attr + pos) / 2
    assert np.allclose(r["score"], score)
    tier = np.where(score >= 0.5 - 1e-9, "A", np.where(score >= 0.3 - 1e-9, "B", "C"))
    assert list(r["tier"]) == list(tier)
    quad = np.where(attr >= 0.5, np.where(pos >= 0.5, "key", "develop"),
                    np.where(pos >= 0.5, "maintain", "serve"))  # fmt: skip
    assert list(r["quadrant"]) == list(quad)
    assert list(r["changed"]) == list(tier != crit["current_tier"].to_numpy())


def test_segment_bad_weights(world: kamlab.World) -> None:
    crit = portfolio_criteria(world)
    with pytest.raises(ValueError, match="attractiveness criterion"):
        segment(crit, {"share": 1.0})
    with pytest.raises(ValueError, match="unknown criteria"):
        segment(crit, {**DEFAULT_WEIGHTS, "luck": 1.0})
    with pytest.raises(ValueError, match="≥ 0"):
        segment(crit, {**DEFAULT_WEIGHTS, "size": -1})
    with pytest.raises(ValueError, match="cutoffs"):
        segment(crit, cutoffs=(0.3, 0.5))
    with pytest.raises(ValueError, match="zero total influence"):
        relationship_strength(
            pd.DataFrame({"account_id": ["X"], "influence": [0], "relationship_score": [3]})
        )


# ---- JBP -------------------------------------------------------------------------------------


def test_jbp_base_facts_by_hand(world: kamlab.World) -> None:
    b = jbp_base(world, ACC)
    assert b.fiscal_year == 2024
    wk = _weeks(world, 2024)
    si, ts = world.sell_in, world.trade_spend
    si = si.loc[(si["account_id"] == ACC) & si["week_id"].isin(wk)]
    ts = ts.loc[(ts["account_id"] == ACC) & ts["week_id"].isin(wk)]
    gs, tts = si["gross_sales"].sum(), ts["amount_rmb"].sum()
    on_inv = ts.loc[ts["on_invoice"], "amount_rmb"].sum()
    assert b.nr_ly == pytest.approx(gs - tts)
    assert b.npc == pytest.approx((gs - tts) / si["cases_shipped"].sum())
    assert b.invoice_price_case == pytest.approx((gs - on_inv) / si["cases_shipped"].sum())
    assert b.back_money_ly == pytest.approx(tts - on_inv)
    # WD of one must-stock SKU: ACV-weighted share of LY audit visits finding it on shelf
    av = world.audit_visits
    av = av.loc[(av["account_id"] == ACC) & av["week_id"].isin(wk)]
    acv = world.stores.set_index("store_id")["acv_rmb_k"]
    sku = sorted(b.wd_by_sku)[0]
    a = world.audit_sku.merge(av[["visit_id", "store_id"]], on="visit_id")
    a = a.loc[a["sku_id"] == sku]
    w = a["store_id"].map(acv).to_numpy(float)
    on = a["on_shelf"].to_numpy(bool)
    assert b.wd_by_sku[sku] == pytest.approx((w * on).sum() / w.sum())
    assert b.tdp_ly == pytest.approx(sum(b.wd_by_sku.values()))
    assert b.sales_per_point == pytest.approx(b.nr_ly / b.tdp_ly)
    # events and their planned incremental cases
    pr = world.promotions
    pr = pr.loc[
        (pr["account_id"] == ACC) & pr["start_week"].isin(wk) & (pr["status"] == "EXECUTED")
    ]
    assert b.promo_events_ly == pr["event_group_id"].nunique()
    assert b.nic_per_event == pytest.approx(
        pr.groupby("event_group_id")["planned_incremental_cases"].sum().mean()
    )
    # retailer front margin on the shelf price ex-VAT per case sold
    so = world.sell_out
    so = so.loc[(so["account_id"] == ACC) & so["week_id"].isin(wk)]
    rsp = so["retail_value_incl_vat"].sum() / so["cases_sold"].sum() / 1.13
    assert b.margins_ly.front == pytest.approx((rsp - b.invoice_price_case) / rsp)
    assert b.margins_ly.back == pytest.approx(b.back_money_ly / b.purchases_ly)
    maw = world.market_account_week
    m = maw.loc[maw["account_id"] == ACC]
    ty = m.loc[m["week_id"].isin(wk), "value_incl_vat"].sum()
    ly = m.loc[m["week_id"].isin(_weeks(world, 2023)), "value_incl_vat"].sum()
    assert b.category_growth == pytest.approx(ty / ly - 1)


def test_jbp_levers_move_the_bridge_by_their_formula(world: kamlab.World) -> None:
    b = jbp_base(world, ACC)
    p0 = jbp_plan(b)
    assert p0.bridge.as_dict()["distribution"] == 0 and p0.bridge.as_dict()["promotions"] == 0
    assert p0.bridge.as_dict()["base_momentum"] == pytest.approx(b.nr_ly * b.category_growth)
    p = jbp_plan(b, delta_wd=0.01, promo_events=b.promo_events_ly + 1, npd_listings=1,
                 price_change=0.02, share_gain=0.005)  # fmt: skip
    steps = p.bridge.as_dict()
    wd = np.array(list(b.wd_by_sku.values()))
    d_tdp = np.minimum(wd + 0.01, 1).sum() - wd.sum()
    assert p.delta_tdp == pytest.approx(d_tdp)
    assert steps["distribution"] == pytest.approx(d_tdp * b.nr_ly / b.tdp_ly)
    assert steps["promotions"] == pytest.approx(b.nic_per_event * b.nr_ly / b.cases_ly)
    assert steps["npd"] == pytest.approx(b.stores * b.npd_rate_of_sale * NPD_WEEKS)
    sub = sum(v for k, v in steps.items() if k not in ("price_mix", "target"))
    assert steps["price_mix"] == pytest.approx(0.02 * sub)
    # the steps add up to the target
    assert sum(v for k, v in steps.items() if k != "target") == pytest.approx(steps["target"])
    market = b.nr_ly * (1 + b.category_growth) * (1 + 0.005 / b.share_ly) * 1.02
    assert p.market_target == pytest.approx(market)
    assert p.gap == pytest.approx(market - steps["target"])
    cases = steps["target"] / 1.02 / (b.nr_ly / b.cases_ly)
    assert p.gp_target == pytest.approx(steps["target"] - cases * b.cogs_ly / b.cases_ly)
    # retailer: price rise on the invoice with the shelf price held squeezes the front margin
    rsp, inv = b.rsp_ex_vat_case, b.invoice_price_case
    assert p.margins_target.front == pytest.approx((rsp - inv * 1.02) / rsp)
    assert p.margins_target.front < b.margins_ly.front


def test_jbp_bad_input(world: kamlab.World) -> None:
    b = jbp_base(world, ACC)
    with pytest.raises(ValueError, match="delta_wd"):
        jbp_plan(b, delta_wd=-0.1)
    with pytest.raises(ValueError, match="npd_listings"):
        jbp_plan(b, npd_listings=-1)
    with pytest.raises(ValueError, match="not a key account"):
        jbp_context(world).base("ACC013")


# ---- rolling planner ------------------------------------------------------------------------


def test_planner_replays_the_world_model_exactly(world: kamlab.World) -> None:
    ctx = planner_context(world)
    r = run_plan(ctx, ACC)
    assert set(r.promotions["source"]) == {"planned"}
    full = simulate_plan(
        world, ACC, {"promotions": r.promotions.drop(columns="source")}, seed=PLAN_SEED
    )
    assert full.kpis["nr"] == pytest.approx(r.kpis["nr"], rel=1e-12)
    assert full.composite == pytest.approx(r.kpis["composite"], rel=1e-12)
    wk = r.weekly
    assert len(wk) == 13 and list(wk["week_id"]) == list(range(ctx.T, ctx.T + 13))
    assert np.allclose(wk["short"], np.maximum(wk["ordered"] - wk["shipped"], 0))
    assert wk["cum_spend"].iloc[-1] == pytest.approx(r.plan.kpis["tts"])
    assert r.kpis["budget_used"] == pytest.approx(wk["cum_spend"].iloc[-1] / r.kpis["budget"])
    assert r.kpis["nr_growth"] == pytest.approx(r.kpis["nr"] / r.kpis["nr_ly"] - 1)
    assert r.kpis["capacity_short_cases"] == pytest.approx(
        (r.plan.weekly["orders_cases"] - r.plan.weekly["shipped_cases"]).clip(lower=0).sum()
    )


@pytest.mark.parametrize(
    ("mechanic", "display", "feature", "weeks"),
    [
        ("TPR", "ENDCAP", "DM", 2),
        ("GWP", "FLOOR_STACK", "NONE", 5),
        ("TRADE_DEAL", "NONE", "NONE", 1),
    ],
)
def test_slot_costs_are_the_simulators_defaults(
    world: kamlab.World, mechanic: str, display: str, feature: str, weeks: int
) -> None:
    ctx = planner_context(world)
    sku = ctx.listed(ACC)[1]
    slot = PromoSlot(sku, 3, weeks, 0.25, mechanic, display, feature)
    f = slots_frame([slot], ctx.T, [slot_costs(ctx, ACC, slot)]).drop(columns="source")
    given = simulate_plan(ctx.slim(ACC), ACC, {"promotions": f}, seed=PLAN_SEED)
    default = simulate_plan(
        ctx.slim(ACC), ACC,
        {"promotions": f.drop(columns=["funding_per_case", "fixed_fee_rmb"])}, seed=PLAN_SEED,
    )  # fmt: skip
    assert np.allclose(given.spend.to_numpy(float), default.spend.to_numpy(float))


def test_a_deeper_slot_lifts_demand_by_the_elasticity(world: kamlab.World) -> None:
    ctx = planner_context(world)
    busy = set(ctx.planned(ACC)["sku_id"])
    sku = next(s for s in ctx.listed(ACC) if s not in busy)
    eps = float(world.truth_elasticity.set_index("sku_id").loc[sku, "elasticity"])
    demand = {}
    for d in (0.1, 0.3):
        r = run_plan(ctx, ACC, [PromoSlot(sku, 10, 2, d)])
        wk = r.plan.weekly
        on = (wk["sku_id"] == sku) & wk["week_id"].isin([ctx.T + 9, ctx.T + 10])
        demand[d] = wk.loc[on, "demand_units"].to_numpy(float)
    ratio = demand[0.3] / demand[0.1]
    assert np.allclose(ratio, (0.7 / 0.9) ** eps, rtol=0.01)  # (1 − d)^ε, to the unit rounding


def test_slots_add_to_or_replace_the_planned_calendar(world: kamlab.World) -> None:
    ctx = planner_context(world)
    busy = set(ctx.planned(ACC)["sku_id"])
    sku = next(s for s in ctx.listed(ACC) if s not in busy)
    on_top = run_plan(ctx, ACC, [PromoSlot(sku, 4, 2, 0.2)])
    assert list(on_top.promotions["source"]).count("slot") == 1
    assert len(on_top.promotions) == len(ctx.planned(ACC)) + 1
    # the slot's weeks carry more orders than the same plan without it
    assert (on_top.weekly["ordered"] - on_top.weekly["ordered_base"]).sum() != 0
    alone = run_plan(ctx, ACC, [PromoSlot(sku, 4, 2, 0.2)], include_planned=False)
    assert list(alone.promotions["source"]) == ["slot"]
    assert alone.promotions["start_week"].iloc[0] == ctx.T + 3
    budget = run_plan(ctx, ACC, budget=1_000_000)
    assert budget.kpis["budget"] == 1_000_000


def test_planner_bad_plans_are_clear(world: kamlab.World) -> None:
    ctx = planner_context(world)
    pl = ctx.planned(ACC).iloc[0]
    start = int(pl["start_week"]) - ctx.T + 1
    with pytest.raises(ValueError, match="promoted twice at once"):
        run_plan(ctx, ACC, [PromoSlot(str(pl["sku_id"]), start, 1, 0.2)])
    unlisted = sorted(set(world.products["sku_id"]) - set(ctx.listed(ACC)))
    if unlisted:
        with pytest.raises(ValueError, match="not listed"):
            run_plan(ctx, ACC, [PromoSlot(unlisted[0], 2, 1, 0.2)])
    with pytest.raises(ValueError, match="run past week 13"):
        run_plan(ctx, ACC, [PromoSlot(ctx.listed(ACC)[0], 13, 2, 0.2)], include_planned=False)
    with pytest.raises(ValueError, match="depth"):
        run_plan(ctx, ACC, [PromoSlot(ctx.listed(ACC)[0], 2, 1, 0.7)], include_planned=False)
    with pytest.raises(ValueError, match="budget"):
        run_plan(ctx, ACC, budget=-1)
