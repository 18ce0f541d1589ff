"""M3 models against hand calculations (SPEC §2.1, §2.7, §2.14, §2.16) on the default world."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import metrics as km
from kamlab.analysis.m3_negotiation import (
    DISPLAY_PERIODS,
    DISPLAY_STORE_SHARE,
    DISPLAYED_SALES_SHARE,
    FLOOR_STACK_MULT,
    NEW_SKUS,
    NPD_INCREMENTAL,
    NPD_RATE,
    negotiate,
    negotiate_context,
    negotiation_accounts,
)
from kamlab.analysis.m3_package import (
    COST_LINES,
    TermsPackage,
    compare_packages,
    cost_package,
    package_accounts,
    terms_context,
)
from kamlab.analysis.m3_rebates import (
    GROWTH_GRID,
    rebate_accounts,
    rebate_design,
    rebate_for_account,
    tiers_from_thresholds,
)
from kamlab.learn import check
from kamlab.learn.exercises import m3 as ex3
from kamlab.ui.base import default_world

SPEC_TIERS = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]


@pytest.fixture(scope="module")
def world():
    return default_world()


def _gs(world, account: str, fy: int) -> tuple[float, float]:
    si = world.sell_in
    cal = world.calendar
    weeks = cal.loc[cal["fiscal_year"] == fy, "week_id"]
    sel = si.loc[(si["account_id"] == account) & si["week_id"].isin(weeks)]
    return float(sel["gross_sales"].sum()), float(sel["cases_shipped"].sum())


# ---- rebate designer ---------------------------------------------------------------------------


def test_spec_example_retro_and_marginal() -> None:
    d = rebate_design(5_500_000, SPEC_TIERS, "retro", expected_growth=6_000_000 / 5_500_000 - 1)
    assert d.position.rebate == pytest.approx(120_000)
    m = rebate_design(5_500_000, SPEC_TIERS, "marginal", expected_growth=6_000_000 / 5_500_000 - 1)
    assert m.position.rebate == pytest.approx(7_250)  # 275,000 × 1 % + 225,000 × 2 %
    # the cliff at 10 %: 181,500 − 120,999.98
    c10 = next(c for c in d.cliffs if c.metric == pytest.approx(0.10))
    assert c10.cliff == pytest.approx(60_500.02, abs=0.01)
    assert [round(c.cliff, 4) for c in m.cliffs if c.metric > 0] == [0.01, 0.02]


def test_curve_marginal_cost_and_loading_by_hand() -> None:
    base, p = 5_500_000.0, 60.0
    d = rebate_design(base, SPEC_TIERS, "retro", expected_growth=0.02, gs_per_case=p)
    # inside a retro tier one more case adds rate × price; the curve is rate × sales
    i = int(np.argmin(np.abs(GROWTH_GRID - 0.07)))
    assert d.rebate[i] == pytest.approx(0.02 * base * (1 + GROWTH_GRID[i]))
    assert d.marginal_cost_per_case[i] == pytest.approx(0.02 * p)
    assert d.rebate[GROWTH_GRID < 0].max() == 0.0
    pos = d.position
    assert pos.next_threshold == pytest.approx(0.05)
    assert pos.gap_sales == pytest.approx(base * 0.03)
    assert pos.gap_cases == pytest.approx(base * 0.03 / p)
    assert pos.gain == pytest.approx(0.02 * base * 1.05 - 0.01 * base * 1.02)
    assert pos.gain_per_rmb == pytest.approx(pos.gain / pos.gap_sales)
    top = rebate_design(base, SPEC_TIERS, "retro", expected_growth=0.15)
    assert top.position.next_threshold is None and top.position.gain == 0.0


def test_tiers_from_thresholds_validates() -> None:
    assert tiers_from_thresholds([0.05, 0.10], [0.01, 0.02, 0.03]) == [
        (0.0, 0.05, 0.01),
        (0.05, 0.10, 0.02),
        (0.10, None, 0.03),
    ]
    with pytest.raises(ValueError, match="higher than the one before"):
        tiers_from_thresholds([0.10, 0.05], [0.01, 0.02, 0.03])
    with pytest.raises(ValueError, match="one rate more"):
        tiers_from_thresholds([0.05], [0.01])
    with pytest.raises(ValueError, match="mode must be"):
        rebate_design(1e6, SPEC_TIERS, "stepped")
    with pytest.raises(ValueError, match="base"):
        rebate_design(0.0, SPEC_TIERS)


def test_rebate_accounts_read_the_agreement(world) -> None:
    accs = rebate_accounts(world)
    ra = accs[("ACC004", 2024)]
    tt = world.trade_terms
    row = tt.loc[(tt["account_id"] == "ACC004") & (tt["fiscal_year"] == 2024)].iloc[0]
    assert ra.base == pytest.approx(row["growth_base_gs"])
    gs, cases = _gs(world, "ACC004", 2024)
    assert ra.gs == pytest.approx(gs) and ra.gs_per_case == pytest.approx(gs / cases)
    assert ra.growth == pytest.approx(gs / row["growth_base_gs"] - 1)
    rt = world.rebate_tiers
    mine = rt.loc[(rt["account_id"] == "ACC004") & (rt["fiscal_year"] == 2024)]
    assert [r for _, _, r in ra.tiers] == pytest.approx(sorted(mine["rate"]))
    # distributors have target-attainment rebates, not growth: not in the designer
    assert not any(a.startswith("ACC01") and int(a[3:]) >= 13 for a, _ in accs)


def test_rebate_for_account_at_actual_growth(world) -> None:
    d = rebate_for_account(world, "ACC004", 2024)
    ra = rebate_accounts(world)[("ACC004", 2024)]
    rate = km.tier_rate(ra.growth, ra.tiers)
    assert d.position.rebate == pytest.approx(rate * ra.gs)
    with pytest.raises(ValueError, match="no growth rebate"):
        rebate_for_account(world, "ACC015", 2024)


# ---- package costing ---------------------------------------------------------------------------


def test_terms_context_matches_the_tables(world) -> None:
    ctx = terms_context(world, "ACC006", 2023)
    gs, cases = _gs(world, "ACC006", 2023)
    assert ctx.gs == pytest.approx(gs) and ctx.cases == pytest.approx(cases)
    ts = world.trade_spend
    mine = ts.loc[(ts["account_id"] == "ACC006") & (ts["fiscal_year"] == 2023)]
    by = mine.groupby(mine["spend_type"].astype(str))["amount_rmb"].sum()
    promo = sum(by.get(k, 0.0) for k in ("PROMO_SCAN_BACK", "PROMO_LUMP_SUM", "PROMO_OFF_INVOICE"))
    assert ctx.promo_spend == pytest.approx(promo)
    t = ctx.terms
    display = (
        t.endcap_fee_per_store_period * ctx.endcap_store_periods
        + t.floorstack_fee_per_store_period * ctx.floorstack_store_periods
    )
    assert display == pytest.approx(by.get("DISPLAY_FEE", 0.0), rel=1e-3)
    assert t.dm_fee_per_issue * ctx.dm_issues == pytest.approx(by.get("DM_FEE", 0.0), rel=1e-3)
    cap = world.targets_annual.set_index(["account_id", "fiscal_year"]).loc[
        ("ACC006", 2023), "tts_rate_cap"
    ]
    assert ctx.tts_rate_cap == pytest.approx(cap)


def test_otif_penalty_by_hand(world) -> None:
    ctx = terms_context(world, "ACC005", 2024)
    ol = world.order_lines
    cal = world.calendar.set_index("week_id")
    ln = ol.loc[ol["account_id"] == "ACC005"].copy()
    ln["pk"] = ln["week_id"].map(cal["period_key"]).astype(str)
    ln = ln.loc[ln["week_id"].map(cal["fiscal_year"]) == 2024]
    total = {0: 0.0, 1: 0.0}
    for tol in (0, 1):
        for _, g in ln.groupby("pk"):
            ok = (g["days_late"] <= tol) & (g["cases_shipped"] >= g["cases_ordered"])
            value = ((g["cases_ordered"] - g["cases_shipped"]) * g["invoice_price_case"]).sum() + (
                g["cases_shipped"] * g["invoice_price_case"]
            )[g["days_late"] > tol].sum()
            if ok.mean() < 0.90 - 1e-9:
                total[tol] += 0.03 * value
    assert ctx.otif_penalty(0.90, 0) == pytest.approx(total[0])
    assert ctx.otif_penalty(0.90, 1) == pytest.approx(total[1])
    assert total[1] <= total[0]


def test_cost_package_by_hand(world) -> None:
    ctx = terms_context(world, "ACC006", 2023)
    t = ctx.terms
    c = cost_package(ctx, t, 0.0)
    gs = ctx.gs
    assert c.lines["on_invoice"] == pytest.approx(t.on_invoice_pct * gs)
    assert c.lines["unconditional_rebate"] == pytest.approx(t.unconditional_rebate_pct * gs)
    # 0 % growth sits in tier 1 (lower bound inclusive): retro tier-1 rate on all GS
    assert c.lines["growth_rebate"] == pytest.approx(t.growth_tiers[0][2] * gs)
    assert c.lines["festival_fee"] == t.festival_fee_annual
    assert c.terms_cost == pytest.approx(sum(c.lines[k] for k in COST_LINES))
    assert c.tts == pytest.approx(c.terms_cost + ctx.promo_spend + ctx.otif_penalty(0.9, 0))
    assert c.nr == pytest.approx(gs - c.tts) and c.tts_rate == pytest.approx(c.tts / gs)
    assert c.gp == pytest.approx(c.nr - ctx.cogs)
    fin = c.nr * 0.06 * t.payment_terms_days / 365
    assert c.financing == pytest.approx(fin)
    cts = ctx.freight + ctx.n_orders * ctx.drop_cost + ctx.merchandising + ctx.kam_cost + fin
    assert c.cts == pytest.approx(cts)
    assert c.cc == pytest.approx(c.gp - cts) and c.cc_rate == pytest.approx(c.cc / c.nr)
    purchases = gs - c.lines["on_invoice"]
    assert c.back_margin == pytest.approx((c.terms_cost - c.lines["on_invoice"]) / purchases)
    assert c.front_margin == pytest.approx(
        (ctx.rsp_ex_vat_per_case - purchases / ctx.cases) / ctx.rsp_ex_vat_per_case
    )


def test_package_levers_move_the_pnl_as_the_formula_says(world) -> None:
    ctx = terms_context(world, "ACC006", 2023)
    t = ctx.terms
    days = t.payment_terms_days
    c0 = cost_package(ctx, t, 0.0)
    c1 = cost_package(ctx, t.adjusted(on_invoice_pp=0.01), 0.0)
    assert c1.nr - c0.nr == pytest.approx(-0.01 * ctx.gs)
    assert c1.cc - c0.cc == pytest.approx(-0.01 * ctx.gs * (1 - 0.06 * days / 365))
    c2 = cost_package(ctx, t.adjusted(payment_days=15), 0.0)
    assert c2.nr == pytest.approx(c0.nr)
    assert c2.cc - c0.cc == pytest.approx(-c0.nr * 0.06 * 15 / 365)
    c3 = cost_package(ctx, t.adjusted(fees_change=0.5), 0.0)
    fees = ("display_fees", "dm_fees", "listing_fees", "festival_fee", "anniversary_fee")
    assert c3.tts - c0.tts == pytest.approx(0.5 * sum(c0.lines[k] for k in fees))
    # growth: GS scales; the retro growth rebate jumps to tier 2 at 5 %
    c4 = cost_package(ctx, t, 0.05)
    assert c4.gs == pytest.approx(ctx.gs * 1.05)
    assert c4.lines["growth_rebate"] == pytest.approx(t.growth_tiers[1][2] * ctx.gs * 1.05)
    cmp = compare_packages(ctx, {"a": t, "b": t.adjusted(on_invoice_pp=0.2)}, 0.0)
    assert cmp.over_cap() == {"a": c0.tts_rate > ctx.tts_rate_cap, "b": True}
    with pytest.raises(ValueError, match="growth"):
        cost_package(ctx, t, -1.5)
    with pytest.raises(ValueError, match="no annual agreement"):
        terms_context(world, "ACC099", 2023)
    with pytest.raises(ValueError, match="negative rate"):
        cost_package(ctx, t.adjusted(growth_pp=-0.05), 0.0)


def test_package_and_negotiation_accounts(world) -> None:
    ka = {a for a, _ in package_accounts(world)}
    assert ka == {f"ACC{i:03d}" for i in range(1, 13)}
    mt = {a for a, _ in negotiation_accounts(world)}
    assert mt == ka - {"ACC009", "ACC010"}  # the e-commerce platforms have no floor stacks


def test_terms_package_validation() -> None:
    p = TermsPackage(0.06, 0.03, tuple(SPEC_TIERS))
    with pytest.raises(ValueError, match="on_invoice_pct"):
        p.replace(on_invoice_pct=1.5).validate()
    with pytest.raises(ValueError, match="fee cannot be negative"):
        p.replace(festival_fee_annual=-1.0).validate()


# ---- negotiation -------------------------------------------------------------------------------


def test_each_concession_by_hand(world) -> None:
    ctx = terms_context(world, "ACC001", 2024)
    days = ctx.terms.payment_terms_days
    r = negotiate_context(ctx, {"payment_terms": "give"})
    row = r.items.set_index("concession").loc["payment_terms"]
    assert row["give_cost"] == pytest.approx(r.current.nr * 0.06 * 15 / 365)
    assert row["get_value"] == 0.0 and row["net"] == pytest.approx(-row["give_cost"])
    assert r.interaction == pytest.approx(0.0, abs=1e-6)
    r = negotiate_context(ctx, {"on_invoice": "give_get"})
    row = r.items.set_index("concession").loc["on_invoice"]
    assert row["give_cost"] == pytest.approx(0.01 * ctx.gs * (1 - 0.06 * days / 365))
    assert r.package.gs == pytest.approx(ctx.gs * 1.03)
    r = negotiate_context(ctx, {"display": "give_get"})
    n = max(1, round(DISPLAY_STORE_SHARE * ctx.store_count)) * DISPLAY_PERIODS
    extra = n * ctx.gs / (ctx.store_count * 13) * DISPLAYED_SALES_SHARE * (FLOOR_STACK_MULT - 1)
    assert r.package.gs == pytest.approx(ctx.gs + extra)
    fee = n * ctx.terms.floorstack_fee_per_store_period
    row = r.items.set_index("concession").loc["display"]
    assert row["give_cost"] == pytest.approx(fee * (1 - 0.06 * days / 365))
    r = negotiate_context(ctx, {"listing": "give_get"})
    extra = NEW_SKUS * ctx.gs / ctx.n_skus * NPD_RATE * NPD_INCREMENTAL
    assert r.package.gs == pytest.approx(ctx.gs + extra)
    row = r.items.set_index("concession").loc["listing"]
    fee = ctx.terms.listing_fee_per_sku_store * NEW_SKUS * ctx.store_count
    assert row["give_cost"] == pytest.approx(fee * (1 - 0.06 * days / 365))
    r = negotiate_context(ctx, {"payment_terms": "give_get"})
    row = r.items.set_index("concession").loc["payment_terms"]
    assert row["get_value"] == pytest.approx(
        (ctx.otif_penalty(0.9, 0) - ctx.otif_penalty(0.9, 1)) * (1 - 0.06 * (days + 15) / 365)
    )


def test_whole_package_limits_and_interaction(world) -> None:
    all_in = {"display": "give_get", "payment_terms": "give", "on_invoice": "give_get",
              "listing": "give_get"}  # fmt: skip
    r = negotiate(world, "ACC001", 2024, all_in, growth=0.0, cc_floor=0.0)
    assert r.net_value == pytest.approx(r.package.cc - r.current.cc)
    assert r.interaction == pytest.approx(r.net_value - r.items["net"].sum())
    assert ("tts_cap" in r.breaches) == (r.package.tts_rate > r.tts_rate_cap + 1e-9)
    high = negotiate(world, "ACC001", 2024, all_in, cc_floor=0.9)
    assert "cc_floor" in high.breaches and high.walk_away
    none = negotiate(world, "ACC001", 2024, {})
    assert none.items.empty and none.net_value == 0.0
    assert none.cc_floor == pytest.approx(none.current.cc_rate - 0.01)
    with pytest.raises(ValueError, match="unknown concession"):
        negotiate(world, "ACC001", 2024, {"free_goods": "give"})
    with pytest.raises(ValueError, match="must be one of"):
        negotiate(world, "ACC001", 2024, {"display": "maybe"})


# ---- exercises ---------------------------------------------------------------------------------


def test_m3_exercises_accept_the_right_answer_and_reject_others(world) -> None:
    for i in range(1, 6):
        eid = f"M3-E{i}"
        exp = ex3.expected(eid, world)
        assert check(eid, exp, world).passed, eid
        assert not check(eid, None, world).passed
    # independent hand calculations of two of them
    ra = rebate_accounts(world)[("ACC005", 2023)]
    s = ra.base * 1.07
    retro = km.tier_rate(0.07, ra.tiers) * s
    marginal = ra.tiers[0][2] * ra.base * 0.05 + ra.tiers[1][2] * (s - ra.base * 1.05)
    assert check("M3-E1", (retro, marginal), world).passed
    assert not check("M3-E1", (marginal, retro), world).passed
    ctx = terms_context(world, "ACC006", 2023)
    e5 = -0.01 * ctx.gs * (1 - 0.06 * ctx.terms.payment_terms_days / 365)
    assert check("M3-E5", e5, world).passed
    assert "sign" in check("M3-E5", -e5, world).message
    tts = ex3.expected("M3-E3", world)
    assert "fraction" in check("M3-E3", tts * 100, world).message
