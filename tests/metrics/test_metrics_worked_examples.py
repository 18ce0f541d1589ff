"""Every worked example of SPEC §2, as an explicit test (numbers from the spec text)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlab import metrics as km

TIERS = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]


# --- 2.1 account P&L incl. CTS and CC -------------------------------------------------------
def test_2_1_account_pnl_cts_cc():
    cases, list_price = 100_000, 60
    gs = cases * list_price
    assert gs == 6_000_000
    off_invoice_discount = 0.05 * gs  # on-invoice
    growth_rebate = km.tiered_rebate(gs, 5_500_000, TIERS)  # 9.09% growth → 2% retro
    assert growth_rebate == pytest.approx(120_000)
    unconditional = 0.02 * gs
    off = 180_000 + 120_000 + 40_000 + 30_000 + 30_000 + growth_rebate + unconditional
    assert off == pytest.approx(640_000)
    cts = km.cost_to_serve(
        freight=3 * cases,
        n_orders=250,
        drop_cost=200,
        kam_cost=150_000,
        net_revenue=5_060_000,
        payment_terms_days=60,
    )
    assert cts.financing == pytest.approx(49_906.85, abs=0.005)
    assert cts.total == pytest.approx(549_906.85, abs=0.005)
    p = km.account_pnl(gs, off_invoice_discount, off, cogs=36 * cases, cost_to_serve=cts.total)
    assert p.tts == pytest.approx(940_000)
    assert p.tts_rate == pytest.approx(0.15667, abs=5e-6)
    assert p.nr == pytest.approx(5_060_000)
    assert p.gp == pytest.approx(1_460_000)
    assert p.gp_rate == pytest.approx(0.28854, abs=5e-6)
    assert p.cc == pytest.approx(910_093.15, abs=0.005)
    assert p.cc_rate == pytest.approx(0.17986, abs=5e-6)
    assert km.pocket_price(p.nr, cases) == pytest.approx(50.60)
    cc = km.customer_contribution(p.gp, cts.total, p.nr)
    assert cc.cc == pytest.approx(p.cc) and cc.cc_rate == pytest.approx(p.cc_rate)
    # identity GS − TTS = NR and the waterfall ends at CC
    assert p.gs - p.tts == pytest.approx(p.nr)
    assert p.waterfall()[-1] == ("customer_contribution", p.cc)


def test_2_2_spend_ratios_on_the_2_1_account():
    assert km.spend_to_sales(940_000, 6_000_000) == pytest.approx(0.156667, abs=1e-6)
    assert km.spend_to_sales(940_000, 5_060_000) == pytest.approx(940_000 / 5_060_000)
    assert km.input_output_ratio(6_000_000, 940_000) == pytest.approx(6.3830, abs=1e-4)


# --- 2.3 promotion evaluation and break-even ------------------------------------------------
def test_2_3_promo_evaluation():
    actual = [980, 2400, 2200, 850, 900]
    promo = [False, True, True, False, False]
    ev = km.promo_evaluation(
        actual, 1000, promo, funding_per_case=12, fixed_fee=8000, unit_margin=18
    )
    assert ev.apparent_uplift == pytest.approx(1.30)
    assert ev.gross_incremental == pytest.approx(2600)
    assert ev.net_incremental == pytest.approx(2330)  # −20 + 1400 + 1200 − 150 − 100
    assert ev.spend == pytest.approx(63_200)
    assert ev.incremental_gp == pytest.approx(41_940)
    assert ev.roi == pytest.approx(0.664, abs=5e-4)
    assert ev.net_profit == pytest.approx(-21_260)
    assert ev.cost_per_incremental_case == pytest.approx(27.12, abs=5e-3)


def test_2_3_baseline_array_equals_scalar():
    actual = [980, 2400, 2200, 850, 900]
    promo = [False, True, True, False, False]
    a = km.promo_evaluation(actual, [1000] * 5, promo, 12, 8000, 18)
    b = km.promo_evaluation(actual, 1000, promo, 12, 8000, 18)
    assert a == b


def test_2_3_break_even():
    assert km.break_even_volume_multiple(18, 12) == pytest.approx(3.0)
    assert km.break_even_uplift(18, 12) == pytest.approx(2.0)  # +200%


def test_2_3_cannibalisation_reduces_nic():
    ev = km.promo_evaluation(
        [980, 2400, 2200, 850, 900], 1000, [0, 1, 1, 0, 0], 12, 8000, 18, cannibalised=330
    )
    assert ev.net_incremental == pytest.approx(2000)
    assert ev.roi == pytest.approx(36_000 / 63_200)


# --- 2.4 elasticity multipliers -------------------------------------------------------------
def test_2_4_response_multipliers():
    assert km.promo_response_multiplier(0.20, -2.5) == pytest.approx(1.747, abs=5e-4)
    with_endcap = km.promo_response_multiplier(0.20, -2.5, display_mult=1.35)
    assert with_endcap == pytest.approx(2.358, abs=5e-4)
    assert km.DISPLAY_MULTIPLIERS["ENDCAP"] == 1.35
    assert km.DISPLAY_MULTIPLIERS["FLOOR_STACK"] == 1.6
    assert km.FEATURE_MULTIPLIERS["DM"] == 1.2


def test_2_4_response_vectorised():
    out = km.promo_response_multiplier(np.array([0.0, 0.2]), -2.5, np.array([1.0, 1.35]))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [1.0, 0.8**-2.5 * 1.35])


def test_2_4_arc_elasticity_hand_computed():
    # Q 100 → 150 (+50 / 125 = +40%), P 10 → 8 (−2 / 9 = −22.2%) → −1.8
    assert km.arc_elasticity(100, 150, 10, 8) == pytest.approx(-1.8)


# --- 2.5 share (no worked example in the spec; hand-computed) -------------------------------
def test_2_5_share_is_sum_over_sum():
    assert km.value_share([20, 30], [100, 300]) == pytest.approx(50 / 400)
    assert km.relative_share(0.2, 0.25) == pytest.approx(0.8)
    assert km.fair_share_index(0.30, 0.20) == pytest.approx(150)
    assert km.fair_share_of_shelf(0.18, 0.20) == pytest.approx(90)
    assert km.share_points_change(0.182, 0.170) == pytest.approx(0.012)


# --- 2.6 ND / WD ----------------------------------------------------------------------------
def test_2_6_distribution():
    acv = [20, 10, 40, 5, 25]
    handling = [True, True, False, False, True]  # stores 1, 2, 5
    nd = km.numeric_distribution(handling)
    wd = km.weighted_distribution(handling, acv)
    assert nd == pytest.approx(0.60)
    assert wd == pytest.approx(0.55)
    assert km.distribution_efficiency(wd, nd) == pytest.approx(0.917, abs=5e-4)


# --- 2.7 fill rates -------------------------------------------------------------------------
@pytest.fixture
def spec_order_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "O2", "O3", "O4", "O4"],
            "sku_id": ["A", "B", "A", "C", "B", "A", "C"],
            "cases_ordered": [100, 50, 200, 80, 120, 60, 40],
            "cases_shipped": [100, 50, 200, 60, 120, 30, 40],
            "days_late": [0, 0, 2, 2, 0, 0, 0],
        }
    )


def test_2_7_fill_rates(spec_order_lines):
    r = km.fill_rates(spec_order_lines)
    assert r.case_fill == pytest.approx(600 / 650)
    assert round(r.case_fill, 4) == 0.9231
    assert r.line_fill == pytest.approx(5 / 7)
    assert r.order_fill == pytest.approx(0.50)
    assert r.on_time == pytest.approx(0.75)
    assert r.otif == pytest.approx(0.50)
    assert r.line_otif == pytest.approx(4 / 7)
    assert (r.n_lines, r.n_orders) == (7, 4)


def test_2_7_fill_rates_tolerance_2_days(spec_order_lines):
    r = km.fill_rates(spec_order_lines, tolerance_days=2)
    assert r.on_time == pytest.approx(1.0)
    assert r.otif == pytest.approx(0.50)  # O2 is short
    assert r.line_otif == pytest.approx(5 / 7)
    assert r.case_fill == pytest.approx(600 / 650)  # tolerance changes timing only


def test_2_7_order_of_lines_does_not_matter(spec_order_lines):
    shuffled = spec_order_lines.sample(frac=1.0, random_state=3)
    assert km.fill_rates(shuffled) == km.fill_rates(spec_order_lines)


# --- 2.8 forecast accuracy ------------------------------------------------------------------
def test_2_8_forecast_accuracy():
    a, f = [100, 200, 50, 150], [120, 180, 80, 150]
    assert km.wmape(a, f) == pytest.approx(0.14)
    assert km.mape(a, f) == pytest.approx(0.225)
    assert km.forecast_bias(a, f) == pytest.approx(0.06)
    assert km.forecast_accuracy(a, f) == pytest.approx(0.86)
    ts = km.tracking_signal(a, f)
    assert ts[-1] == pytest.approx(30 / 17.5)


# --- 2.9 weeks of cover / DOI ---------------------------------------------------------------
def test_2_9_woc_doi():
    woc = km.weeks_of_cover([3000] * 4, [900, 1000, 1100, 1000])
    assert woc[-1] == pytest.approx(3.0)
    assert km.days_of_inventory(woc[-1]) == pytest.approx(21.0)


def test_2_9_woc_before_week_4_uses_available_weeks():
    woc = km.weeks_of_cover([1000, 1500], [500, 1000])
    np.testing.assert_allclose(woc, [2.0, 2.0])  # 1000/500, 1500/mean(500, 1000)


# --- 2.11 evenness --------------------------------------------------------------------------
def test_2_11_evenness():
    e = km.evenness([10, 10, 10, 70], target=100)
    assert e.lws == pytest.approx(0.70)
    assert e.first_weeks_attainment == pytest.approx(0.30)
    assert e.gini == pytest.approx(0.45)
    assert e.gini_norm == pytest.approx(0.60)
    assert e.cv == pytest.approx(1.039, abs=5e-4)
    assert e.evenness_index == pytest.approx(0.40)


def test_2_11_gini_matches_double_sum_definition():
    x = np.array([3.0, 7.0, 1.0, 9.0, 5.0])
    n = x.size
    g = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    assert km.gini(x) == pytest.approx(g)


# --- 2.12 PVM and TVD -----------------------------------------------------------------------
def test_2_12_pvm():
    b = km.pvm_bridge([100, 100], [50, 30], [90, 150], [52, 30])
    assert b.volume == pytest.approx(1600)
    assert b.mix == pytest.approx(-600)
    assert b.price == pytest.approx(180)
    assert b.volume + b.mix + b.price == pytest.approx(1180)
    assert b.r1 - b.r0 == pytest.approx(1180)


def test_2_12_pvm_with_mappings():
    b = km.pvm_bridge(
        {"A": 100, "B": 100}, {"A": 50, "B": 30}, {"A": 90, "B": 150}, {"A": 52, "B": 30}
    )
    assert (b.volume, b.mix, b.price) == pytest.approx((1600, -600, 180))


def test_2_12_tvd():
    plan = {"HYPER+SUPER": 0.45, "CVS": 0.10, "EC": 0.15, "TT": 0.30}
    actual = {"HYPER+SUPER": 0.35, "CVS": 0.09, "EC": 0.14, "TT": 0.42}
    tvd = km.mix_deviation(actual, plan)
    assert tvd == pytest.approx(0.12)
    assert km.mix_drift_flag(tvd) is True


# --- 2.13 absorption gap --------------------------------------------------------------------
def test_2_13_absorption_gap():
    ag = km.absorption_gap(20_000, 65_000)
    assert ag == pytest.approx(0.69, abs=5e-3)
    assert ag == pytest.approx(1 - 20 / 65)


# --- 2.14 rebates ---------------------------------------------------------------------------
def test_2_14_retro_marginal_and_cliff():
    assert km.tiered_rebate(6_000_000, 5_500_000, TIERS) == pytest.approx(120_000)
    assert km.tiered_rebate(6_000_000, 5_500_000, TIERS, mode="marginal") == pytest.approx(7_250)
    below = km.tiered_rebate(6_049_999, 5_500_000, TIERS)
    at = km.tiered_rebate(6_050_000, 5_500_000, TIERS)
    assert below == pytest.approx(120_999.98)
    assert at == pytest.approx(181_500)
    cliff = km.rebate_cliff(6_050_000, 5_500_000, TIERS)
    assert cliff == pytest.approx(60_500.02)


def test_2_14_marginal_breakdown():
    # 275,000 × 1% + 225,000 × 2%
    assert km.tiered_rebate(6_000_000, 5_500_000, TIERS, mode="MARGINAL") == pytest.approx(
        275_000 * 0.01 + 225_000 * 0.02
    )


def test_2_14_default_tiers_constant_matches_spec():
    assert km.tiered_rebate(6_000_000, 5_500_000, km.DEFAULT_GROWTH_TIERS) == pytest.approx(120_000)


def test_2_14_rebate_tiers_dataframe():
    df = pd.DataFrame(
        {
            "lower_bound": [0.0, 0.05, 0.10],
            "upper_bound": [0.05, 0.10, np.nan],
            "rate": [0.01, 0.02, 0.03],
        }
    )
    assert km.tiered_rebate(6_050_000, 5_500_000, df) == pytest.approx(181_500)


# --- 2.17 / 2.18 (no worked numbers in the spec; hand-computed) ----------------------------
def test_2_17_perfect_store_default_weights():
    kpis = {
        "availability": 0.9,
        "share_of_shelf": 0.8,
        "planogram": 0.7,
        "price": 1.0,
        "display": 0.5,
    }
    assert km.perfect_store_score(kpis) == pytest.approx(0.35 * 0.9 + 0.2 * 0.8 + 0.15 * 2.2)


def test_2_18_five_indicator_default_weights_and_cap():
    actual = {"profit": 2.0, "revenue": 1.0, "share": 0.2, "execution": 0.8, "fill_rate": 0.95}
    target = {"profit": 1.0, "revenue": 1.0, "share": 0.2, "execution": 0.8, "fill_rate": 0.95}
    s = km.five_indicator_score(actual, target)
    assert s.achievement["profit"] == pytest.approx(2.0)  # uncapped achievement
    assert s.capped["profit"] == pytest.approx(1.2)
    assert s.composite == pytest.approx(0.25 * 1.2 + 0.75)
    assert s.rag == "green"


def test_2_19_workload_balance_rule():
    w = km.workload_index(["K1", "K2"], [1, 1], [1, 1], [1, 1])
    assert w.index.to_dict() == {"K1": 1.0, "K2": 1.0}
    assert w.balanced and math.isclose(w.limit, 1.2)
