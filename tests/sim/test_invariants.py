"""The §3.14 invariants on the small and default worlds (exact identities, not statistics)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.data.world import World

WORLDS = ["small_world", "small_clean", "default_world"]


@pytest.mark.parametrize("fixture", WORLDS)
def test_inventory_balances_and_cohorts_sum_to_closing(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    inv = request.getfixturevalue(fixture).customer_inventory
    bal = inv.opening_cases + inv.receipts_cases - inv.sell_out_cases - inv.closing_cases
    assert np.abs(bal).max() < 1e-6
    ages = inv[["age_00_04", "age_05_08", "age_09_13", "age_14_26", "age_27_plus"]].sum(axis=1)
    assert np.abs(ages - inv.closing_cases).max() < 1e-6
    # opening of week t is the closing of week t−1
    nxt = inv.groupby(["account_id", "sku_id"], observed=True).closing_cases.shift(1)
    m = nxt.notna()
    assert np.abs(inv.opening_cases[m] - nxt[m]).max() < 1e-9


@pytest.mark.parametrize("fixture", WORLDS)
def test_quantities_are_non_negative_and_shipped_never_exceeds_ordered(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    w: World = request.getfixturevalue(fixture)
    for name, cols in {
        "customer_inventory": ["opening_cases", "receipts_cases", "sell_out_cases", "closing_cases",
                               "age_00_04", "age_05_08", "age_09_13", "age_14_26", "age_27_plus"],
        "sell_out": ["units_sold", "cases_sold", "retail_value_incl_vat"],
        "sell_in": ["cases_shipped", "gross_sales", "on_invoice_discount", "invoice_sales"],
        "order_lines": ["cases_ordered", "cases_shipped", "cases_short"],
        "trade_spend": ["amount_rmb"],
        "supply": ["planned_production", "atp", "dc_closing", "dc_aged_cases"],
        "truth_baseline": ["expected_baseline_units", "baseline_units", "demand_units", "lost_units"],
    }.items():  # fmt: skip
        df = w[name]
        for c in cols:
            assert (df[c] >= 0).all(), f"{name}.{c}"
    ol = w.order_lines
    assert (ol.cases_shipped <= ol.cases_ordered).all()
    assert (ol.cases_short == ol.cases_ordered - ol.cases_shipped).all()
    assert (w.trade_spend.amount_rmb > 0).all()


@pytest.mark.parametrize("fixture", WORLDS)
def test_gross_to_net_reconciles_with_the_ledger(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    """GS − TTS = NR at account-year level: the ledger's on-invoice rows are the invoices'."""
    w: World = request.getfixturevalue(fixture)
    si, ts = w.sell_in, w.trade_spend
    cal = w.calendar.set_index("week_id")
    fy = si.week_id.map(cal.fiscal_year)
    inv = si.groupby([si.account_id, fy], observed=True)[
        ["gross_sales", "on_invoice_discount", "invoice_sales"]
    ].sum()
    assert np.allclose(
        inv.gross_sales - inv.on_invoice_discount, inv.invoice_sales, atol=0.05 * len(si)
    )
    led = ts[ts.on_invoice].groupby(["account_id", "fiscal_year"], observed=True).amount_rmb.sum()
    led = led.reindex(inv.index, fill_value=0.0)
    assert np.allclose(led.to_numpy(), inv.on_invoice_discount.to_numpy(), atol=1.0)
    # NR = GS − TTS: every trade-spend row belongs to an account-year that has sales
    tts = ts.groupby(["account_id", "fiscal_year"], observed=True).amount_rmb.sum()
    nr = inv.gross_sales - tts.reindex(inv.index, fill_value=0.0)
    assert np.isclose(nr.sum(), si.gross_sales.sum() - ts.amount_rmb.sum())
    assert ((tts / inv.gross_sales.reindex(tts.index)) < 1).all()


@pytest.mark.parametrize("fixture", WORLDS)
def test_shares_are_fractions(fixture: str, request: pytest.FixtureRequest) -> None:
    w: World = request.getfixturevalue(fixture)
    maw = w.market_account_week
    ours = (
        maw[maw.brand_owner == "OURS"]
        .groupby(["account_id", "week_id"], observed=True)
        .value_incl_vat.sum()
    )
    tot = maw.groupby(["account_id", "week_id"], observed=True).value_incl_vat.sum()
    share = ours / tot.reindex(ours.index)
    assert share.between(0, 1).all()
    mrp = w.market_region_period
    for c in ("numeric_dist", "weighted_dist"):
        assert mrp[c].dropna().between(0, 1).all()
    mp = w.mix_plan.groupby(
        ["fiscal_year", "scope_type", "scope_id", "dimension"], observed=True
    ).planned_share.sum()
    assert np.allclose(mp, 1.0)
