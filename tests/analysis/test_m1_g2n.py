"""M1 models against hand calculations on the default world (SPEC §2.1, §2.18)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kamlab
from kamlab.analysis.m1_g2n import (
    DEDUCTION_STEPS,
    SPEND_TYPE_STEP,
    G2NBase,
    g2n_base,
    g2n_context,
    g2n_whatif,
    largest_deduction,
    list_to_pocket,
)
from kamlab.analysis.m1_scorecard import period_keys, scorecard_view
from kamlab.analysis.scorecard import account_scorecard

ACC, FY = "ACC005", 2023


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


@pytest.fixture(scope="module")
def hand(world: kamlab.World) -> dict:
    """GS, cases, COGS and trade spend of ACC005 in FY2023 straight from the tables."""
    cal = world.calendar
    weeks = set(cal.loc[cal["fiscal_year"] == FY, "week_id"])
    si = world.sell_in
    si = si.loc[(si["account_id"] == ACC) & si["week_id"].isin(weeks)]
    cogs_case = world.products.set_index("sku_id")["cogs_case"]
    ts = world.trade_spend
    ts = ts.loc[(ts["account_id"] == ACC) & ts["week_id"].isin(weeks)]
    by_type = ts.groupby(ts["spend_type"].astype(str))["amount_rmb"].sum()
    cd = world.cts_drivers
    cd = cd.loc[(cd["account_id"] == ACC) & cd["week_id"].isin(weeks)]
    days = float(
        world.trade_terms.set_index(["account_id", "fiscal_year"]).loc[
            (ACC, FY), "payment_terms_days"
        ]
    )
    return {
        "gs": float(si["gross_sales"].sum()),
        "cases": float(si["cases_shipped"].sum()),
        "cogs": float((si["cases_shipped"] * si["sku_id"].map(cogs_case)).sum()),
        "by_type": by_type,
        "on_invoice": float(ts.loc[ts["on_invoice"], "amount_rmb"].sum()),
        "tts": float(ts["amount_rmb"].sum()),
        "freight": float(cd["freight_rmb"].sum()),
        "handling": float(cd["order_handling_rmb"].sum()),
        "merch": float(cd["merchandiser_cost_rmb"].sum()),
        "days": days,
        "ts": ts,
        "si": si,
    }


def test_base_sums_the_tables(world: kamlab.World, hand: dict) -> None:
    b = g2n_base(world, ACC, FY)
    assert b.gs == pytest.approx(hand["gs"], rel=1e-12)
    assert b.cases == hand["cases"]
    assert b.cogs == pytest.approx(hand["cogs"], rel=1e-12)
    # every ledger row is in exactly one step
    assert sum(b.deductions.values()) == pytest.approx(hand["tts"], rel=1e-12)
    assert b.amount("off_invoice_discount") == pytest.approx(hand["by_type"]["OFF_INVOICE"])
    assert b.amount("display_fees") == pytest.approx(hand["by_type"].get("DISPLAY_FEE", 0.0))
    promos = sum(hand["by_type"].get(k, 0.0) for k in ("PROMO_SCAN_BACK", "PROMO_LUMP_SUM"))
    assert b.amount("promotions") == pytest.approx(promos)
    assert b.off_invoice_rate == pytest.approx(hand["by_type"]["OFF_INVOICE"] / hand["gs"])
    assert b.rebate_rate == pytest.approx(hand["by_type"]["UNCONDITIONAL_REBATE"] / hand["gs"])
    assert b.payment_terms_days == hand["days"]
    assert b.freight == pytest.approx(hand["freight"])
    assert b.n_orders * b.drop_cost == pytest.approx(hand["handling"])


def test_actual_cascade_is_the_spec_formula_and_the_scorecard(
    world: kamlab.World, hand: dict
) -> None:
    s = g2n_whatif(g2n_base(world, ACC, FY))
    nr = hand["gs"] - hand["tts"]
    gp = nr - hand["cogs"]
    kam = float(account_scorecard(world, fiscal_year=FY, accounts=ACC)["cts_kam"].iloc[0])
    cts = hand["freight"] + hand["handling"] + hand["merch"] + kam + nr * 0.06 * hand["days"] / 365
    assert s.pnl.tts == pytest.approx(hand["tts"], rel=1e-12)
    assert s.pnl.invoice_sales == pytest.approx(hand["gs"] - hand["on_invoice"], rel=1e-12)
    assert s.pnl.nr == pytest.approx(nr, rel=1e-12)
    assert s.pnl.gp == pytest.approx(gp, rel=1e-12)
    assert s.pnl.cc == pytest.approx(gp - cts, rel=1e-12)
    assert s.pnl.tts_rate == pytest.approx(hand["tts"] / hand["gs"])
    sc = account_scorecard(world, fiscal_year=FY, accounts=ACC).iloc[0]
    assert s.pnl.nr == pytest.approx(sc["nr"], rel=1e-12)
    assert s.pnl.cc == pytest.approx(sc["cc"], rel=1e-12)
    # waterfall rows: levels equal the running sum of the deductions before them
    steps = s.steps.set_index("step")["amount"]
    ded = steps[list(DEDUCTION_STEPS)]
    assert steps["gross_sales"] + ded.sum() == pytest.approx(steps["net_revenue"], rel=1e-12)
    assert steps["net_revenue"] + steps["cogs"] == pytest.approx(steps["gross_profit"])
    assert steps["gross_profit"] + steps["cost_to_serve"] == pytest.approx(
        steps["customer_contribution"]
    )
    assert (s.steps["amount"] == s.steps["actual"]).all()
    assert s.delta == {"tts": 0.0, "nr": 0.0, "gp": 0.0, "cts": 0.0, "cc": 0.0}


def test_one_point_of_off_invoice_costs_one_percent_of_gs(world: kamlab.World) -> None:
    b = g2n_base(world, ACC, FY)
    s = g2n_whatif(b, off_invoice_rate=b.off_invoice_rate + 0.01)
    assert s.delta["nr"] == pytest.approx(-0.01 * b.gs, rel=1e-9)
    assert s.delta["gp"] == pytest.approx(-0.01 * b.gs, rel=1e-9)
    # CC falls by the same amount less the financing that NR carried (6 % × days / 365)
    assert s.delta["cc"] == pytest.approx(
        -0.01 * b.gs * (1 - 0.06 * b.payment_terms_days / 365), rel=1e-9
    )
    row = s.steps.set_index("step").loc["off_invoice_discount"]
    assert row["amount"] - row["actual"] == pytest.approx(-0.01 * b.gs, rel=1e-9)


def test_rebate_and_display_fee_levers(world: kamlab.World) -> None:
    b = g2n_base(world, ACC, FY)
    s = g2n_whatif(b, rebate_rate=b.rebate_rate + 0.005)
    assert s.delta["nr"] == pytest.approx(-0.005 * b.gs, rel=1e-9)
    assert s.pnl.gs == b.gs and s.pnl.cogs == b.cogs  # volumes are held
    f = g2n_whatif(b, display_fees=b.display_fees + 100_000)
    assert f.delta["tts"] == pytest.approx(100_000)
    assert f.delta["gp"] == pytest.approx(-100_000)
    zero = g2n_whatif(b, display_fees=0.0)
    assert zero.delta["nr"] == pytest.approx(b.display_fees)
    both = g2n_whatif(b, off_invoice_rate=0.0, rebate_rate=0.0, display_fees=0.0)
    freed = b.amount("off_invoice_discount") + b.amount("unconditional_rebate") + b.display_fees
    assert both.delta["nr"] == pytest.approx(freed)


def test_largest_deduction(world: kamlab.World, hand: dict) -> None:
    b = g2n_base(world, ACC, FY)
    by_step = (
        hand["by_type"]
        .groupby(lambda k: "off_invoice_discount" if k == "OFF_INVOICE" else SPEND_TYPE_STEP[k])
        .sum()
    )
    assert g2n_whatif(b).largest_step == by_step.idxmax()
    # lifting the display fees above everything else makes them the largest step
    big = by_step.max() + 1
    assert g2n_whatif(b, display_fees=big).largest_step == "display_fees"
    assert largest_deduction({"a": 1.0, "promotions": 1.0}) == "promotions"


def test_bad_inputs_are_clear(world: kamlab.World) -> None:
    ctx = g2n_context(world)
    b = ctx.base(ACC, FY)
    with pytest.raises(ValueError, match="account_id 'NOPE'"):
        ctx.base("NOPE", FY)
    with pytest.raises(ValueError, match="fiscal_year 1999"):
        ctx.base(ACC, 1999)
    with pytest.raises(ValueError, match="off_invoice_rate must be a fraction"):
        g2n_whatif(b, off_invoice_rate=5)
    with pytest.raises(ValueError, match="display_fees must be a finite number"):
        g2n_whatif(b, display_fees=-1)
    with pytest.raises(ValueError, match="net revenue would be"):
        g2n_whatif(b, off_invoice_rate=0.99)
    with pytest.raises(ValueError, match="not a waterfall step"):
        b.amount("bribes")


def test_spec_worked_example() -> None:
    base = G2NBase(
        "X", 2024, gs=6_000_000, cases=100_000, cogs=3_600_000,
        deductions={"off_invoice_discount": 300_000, "promotions": 180_000,
                    "display_fees": 120_000, "listing_dm_fees": 70_000,
                    "festival_fees": 30_000, "conditional_rebates": 120_000,
                    "unconditional_rebate": 120_000},
        freight=300_000, n_orders=250, drop_cost=200, kam_cost=150_000, payment_terms_days=60,
    )  # fmt: skip
    p = g2n_whatif(base).pnl
    assert (p.tts, p.nr, p.gp) == (940_000, 5_060_000, 1_460_000)
    assert round(p.tts_rate, 5) == 0.15667 and round(p.gp_rate, 5) == 0.28854
    assert p.cc == pytest.approx(910_093.15, abs=0.01) and p.pocket_price == 50.6


def test_list_to_pocket(world: kamlab.World, hand: dict) -> None:
    r = list_to_pocket(world, ACC, FY, top_n=5)
    tbl = r.table
    nr = hand["gs"] - hand["tts"]
    assert (tbl["pocket_price"] * tbl["cases"]).sum() == pytest.approx(nr, rel=1e-9)
    assert r.nr == pytest.approx(nr, rel=1e-9)
    assert r.total["pocket_price"] == pytest.approx(nr / hand["cases"], rel=1e-9)
    assert r.total["invoice_price"] == pytest.approx(
        (hand["gs"] - hand["on_invoice"]) / hand["cases"], rel=1e-9
    )
    assert len(r.shown) == 5 and list(r.shown["sku_id"]) == list(tbl["sku_id"][:5])
    assert tbl["gs"].is_monotonic_decreasing
    # one SKU by hand: list = GS / cases; SKU-tagged spend stays with the SKU, pooled by GS share
    si, ts = hand["si"], hand["ts"]
    sku = tbl["sku_id"].iloc[0]
    s_si = si.loc[si["sku_id"] == sku]
    cases = float(s_si["cases_shipped"].sum())
    gs_sku = float(s_si["gross_sales"].sum())
    share = gs_sku / hand["gs"]
    # ledger rows without a SKU, or for a SKU not bought that year, are spread by GS share
    sold = set(si.loc[si["cases_shipped"] > 0, "sku_id"])
    pooled = ts["sku_id"].isna() | ~ts["sku_id"].isin(sold).fillna(False)
    mine = ts["sku_id"].astype("string") == sku

    def part(mask: pd.Series) -> float:
        return float(ts.loc[mask & mine.fillna(False), "amount_rmb"].sum()) + share * float(
            ts.loc[mask & pooled, "amount_rmb"].sum()
        )

    on = ts["on_invoice"]
    fixed = ts["is_fixed"]
    row = tbl.iloc[0]
    assert row["list_price"] == pytest.approx(gs_sku / cases)
    assert row["invoice_price"] == pytest.approx((gs_sku - part(on)) / cases)
    assert row["net_price"] == pytest.approx((gs_sku - part(on) - part(~on & ~fixed)) / cases)
    assert row["pocket_price"] == pytest.approx(
        (gs_sku - part(on) - part(~on & ~fixed) - part(~on & fixed)) / cases
    )
    assert row["leakage"] == pytest.approx(1 - row["pocket_price"] / row["list_price"])
    by_leak = list_to_pocket(world, ACC, FY, top_n=3, sort_by="leakage")
    assert by_leak.table["leakage"].is_monotonic_decreasing
    assert by_leak.shown["leakage"].iloc[0] == tbl["leakage"].max()
    with pytest.raises(ValueError, match="sort_by"):
        list_to_pocket(world, ACC, FY, sort_by="name")
    with pytest.raises(ValueError, match="top_n"):
        list_to_pocket(world, ACC, FY, top_n=0)


# ---- scorecard -------------------------------------------------------------------------------


def test_scorecard_view_composite_is_the_weighted_capped_sum(world: kamlab.World) -> None:
    keys = period_keys(world)
    assert keys[0] == "FY2023-P01" and len(keys) == 24
    v = scorecard_view(world, "ACC003", 13, 24)
    assert (v.period_from, v.period_to) == ("FY2024-P01", "FY2024-P12")
    iv = v.indicators.set_index("indicator")
    weights = {"profit": 0.25, "revenue": 0.25, "share": 0.2, "execution": 0.15, "fill_rate": 0.15}
    assert not v.missing
    ach = iv["actual"] / iv["target"]
    assert np.allclose(iv["achievement"], ach)
    composite = sum(w * min(ach[k], 1.2) for k, w in weights.items())
    assert v.composite == pytest.approx(composite, rel=1e-12)
    assert iv["contribution"].sum() == pytest.approx(composite, rel=1e-12)
    expected_rag = (
        "green" if composite >= 1 - 1e-9 else "amber" if composite >= 0.95 - 1e-9 else "red"
    )
    assert v.rag == expected_rag
    for k in weights:
        a = ach[k]
        assert iv.loc[k, "rag"] == (
            "green" if a >= 1 - 1e-9 else "amber" if a >= 0.95 - 1e-9 else "red"
        )


def test_scorecard_revenue_is_nr_over_the_range(world: kamlab.World) -> None:
    v = scorecard_view(world, ACC, "FY2023-P04", "FY2023-P06")
    cal = world.calendar
    weeks = set(
        cal.loc[cal["period_key"].isin(["FY2023-P04", "FY2023-P05", "FY2023-P06"]), "week_id"]
    )
    si, ts = world.sell_in, world.trade_spend
    gs = si.loc[(si["account_id"] == ACC) & si["week_id"].isin(weeks), "gross_sales"].sum()
    tts = ts.loc[(ts["account_id"] == ACC) & ts["week_id"].isin(weeks), "amount_rmb"].sum()
    iv = v.indicators.set_index("indicator")
    assert iv.loc["revenue", "actual"] == pytest.approx(gs - tts, rel=1e-9)
    tp = world.targets_period
    nr_t = tp.loc[
        (tp["account_id"] == ACC)
        & tp["period_key"].isin(["FY2023-P04", "FY2023-P05", "FY2023-P06"]),
        "nr_target",
    ].sum()
    assert iv.loc["revenue", "target"] == pytest.approx(nr_t)
    out = scorecard_view(world, ACC, "FY2023-P04", "FY2023-P06", basis="sell_out")
    io = out.indicators.set_index("indicator")
    assert io.loc["revenue", "actual"] != pytest.approx(iv.loc["revenue", "actual"])
    for k in ("share", "execution", "fill_rate"):  # the basis only changes the money indicators
        assert io.loc[k, "actual"] == pytest.approx(iv.loc[k, "actual"])


def test_scorecard_view_bad_input(world: kamlab.World) -> None:
    with pytest.raises(ValueError, match="period_from must be between 1 and 24"):
        scorecard_view(world, ACC, 0, 3)
    with pytest.raises(ValueError, match="is not a period"):
        scorecard_view(world, ACC, "FY2030-P01", "FY2030-P02")
    with pytest.raises(ValueError, match="basis"):
        scorecard_view(world, ACC, 1, 3, basis="shipments")
    assert math.isfinite(scorecard_view(world, ACC, 1, 1).composite)
