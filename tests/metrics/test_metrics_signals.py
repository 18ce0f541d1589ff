"""Detection signals (§2.10–2.13), FIFO ageing, baselines and the §2.15–2.19 helpers.

Expected values are hand-computed in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlab import metrics as km


# --- §2.10 stuffing -------------------------------------------------------------------------
def test_pipeline_build_and_rolling_ratio():
    si = [100] * 13 + [1900] + [100] * 12
    so = [100] * 26
    assert km.pipeline_build(si, so) == 1800
    r = km.sell_in_sell_out_ratio(si, so, window=13)
    assert r[12] == pytest.approx(1.0)
    assert r[13] == pytest.approx((12 * 100 + 1900) / 1300)  # 2.385 > 1.5
    assert r[25] == pytest.approx((1900 + 1200) / 1300)
    assert km.stuffing_flags([2.0] * 26, 2.0, ratio=r)[13:].all()
    assert not km.stuffing_flags([2.0] * 26, 2.0, ratio=r)[:13].any()


def test_stuffing_flags_2d_with_per_row_targets():
    woc = np.array([[7, 7, 7, 7, 1], [7, 7, 7, 7, 1]], dtype=float)
    flags = km.stuffing_flags(woc, target_woc=[2.5, 4.0])
    np.testing.assert_array_equal(flags[0], [True, True, True, True, False])
    assert not flags[1].any()  # 7 is not above 4 + 4


def test_stuffing_runs_do_not_cross_rows():
    woc = np.array([[1, 1, 9, 9], [9, 9, 1, 1]], dtype=float)
    assert not km.stuffing_flags(woc, 2.0).any()


def test_sell_in_spike_needs_history_and_flat_sell_out():
    si = [0, 500] + [100] * 8 + [250]
    so = [100] * 11
    flags = km.sell_in_spike(si, so)
    assert not flags[1]  # no 8 weeks of history yet
    assert flags[10]  # 250 > 2 × 100 with flat sell-out


def test_digest_weeks_threshold_and_run_length():
    si = [900, 2, 0, 1, 50, 0, 0]
    np.testing.assert_array_equal(
        km.digest_weeks(si, threshold=2), [False, True, True, True, False, False, False]
    )
    assert not km.digest_weeks(si).any()  # exact zeros only: 0 then 1 breaks the run
    assert km.longest_run(km.digest_weeks(si, threshold=2)) == 3


# --- §2.11 evenness -------------------------------------------------------------------------
def test_evenness_2d_matches_rows():
    x = np.array([[10, 10, 10, 70], [25, 25, 25, 25], [0, 0, 0, 40]], dtype=float)
    e = km.evenness(x, target=[100, 100, 50])
    for i, row in enumerate(x):
        one = km.evenness(row)
        assert e.gini_norm[i] == pytest.approx(one.gini_norm)
        assert e.lws[i] == pytest.approx(one.lws)
        assert e.cv[i] == pytest.approx(one.cv)
    np.testing.assert_allclose(e.first_weeks_attainment, [0.3, 0.75, 0.0])
    assert e.gini_norm[2] == pytest.approx(1.0)  # everything in one week: G* = 1
    assert e.cv[2] == pytest.approx(math.sqrt(3))  # max CV = √(n−1)


def test_evenness_frame_matches_scalar_function_and_target():
    rng = np.random.default_rng(7)
    rows = []
    for acc in ("ACC001", "ACC002"):
        week = 0
        for period, n in (("P01", 4), ("P02", 4), ("P03", 5)):
            for _ in range(n):
                rows.append((acc, period, week, float(rng.integers(0, 200)), 400.0))
                week += 1
    df = pd.DataFrame(rows, columns=["account_id", "period_key", "week_id", "cases", "target"])
    df = df.sample(frac=1.0, random_state=1)  # order must not matter
    out = km.evenness_frame(df, ["account_id", "period_key"], value="cases", target="target")
    assert len(out) == 6
    for rec in out.itertuples():
        grp = df[(df.account_id == rec.account_id) & (df.period_key == rec.period_key)]
        x = grp.sort_values("week_id")["cases"].to_numpy()
        one = km.evenness(x, target=400.0)
        assert rec.n == x.size
        assert rec.lws == pytest.approx(one.lws)
        assert rec.gini == pytest.approx(one.gini)
        assert rec.gini_norm == pytest.approx(one.gini_norm)
        assert rec.cv == pytest.approx(one.cv)
        assert rec.first_weeks_attainment == pytest.approx(one.first_weeks_attainment)


def test_evenness_frame_empty_groups():
    df = pd.DataFrame({"p": ["A"] * 4 + ["B"] * 4, "week_id": range(8), "v": [0] * 4 + [1] * 4})
    with pytest.raises(ValueError, match="empty='drop'"):
        km.evenness_frame(df, "p", value="v")
    out = km.evenness_frame(df, "p", value="v", empty="drop")
    assert out["p"].tolist() == ["B"] and out["gini_norm"].iloc[0] == 0.0


def test_month_end_push_rules():
    # 5-week periods: LWS 0.36 breaches 0.35; 4-week periods: 0.36 does not breach 0.40
    assert km.month_end_push_flag([0.36] * 6, [0.1] * 6, 5).all()
    assert not km.month_end_push_flag([0.36] * 6, [0.1] * 6, 4).any()
    # the G* rule alone
    assert km.month_end_push_flag([0.2] * 3, [0.45] * 3, 4).all()
    # exactly at the limit is not above it
    assert not km.month_end_push_flag([0.40] * 3, [0.40] * 3, 4).any()
    # trailing window of 6: an old push leaves the median after enough clean periods
    lws = [0.7] * 6 + [0.25] * 6
    flags = km.month_end_push_flag(lws, [0.1] * 12, 4)
    assert flags[:9].all() and not flags[9:].any()


def test_month_end_push_2d():
    lws = np.array([[0.7] * 4, [0.2] * 4])
    gs = np.array([[0.6] * 4, [0.1] * 4])
    flags = km.month_end_push_flag(lws, gs, 4)
    assert flags[0].all() and not flags[1].any()


# --- §2.12 mix ------------------------------------------------------------------------------
def test_mix_accepts_volumes_and_missing_members():
    tvd = km.mix_deviation({"MT": 70, "TT": 30}, {"MT": 0.6, "TT": 0.3, "EC": 0.1})
    assert tvd == pytest.approx(0.5 * (0.1 + 0.0 + 0.1))
    table = km.mix_deviation_table({"MT": 70, "TT": 30}, {"MT": 0.6, "TT": 0.3, "EC": 0.1})
    assert table.set_index("member")["deviation"].round(6).to_dict() == {
        "MT": 0.1,
        "TT": 0.0,
        "EC": -0.1,
    }
    np.testing.assert_array_equal(km.mix_drift_flag(np.array([0.02, 0.08])), [False, True])


def test_pvm_new_item_counts_as_mix():
    b = km.pvm_bridge({"A": 100}, {"A": 10}, {"A": 100, "N": 50}, {"A": 10, "N": 20})
    assert b.price == 0.0
    assert b.volume == pytest.approx(50 * 10)
    assert b.mix == pytest.approx(1000 - 500)
    assert b.total == pytest.approx(1000)


def test_pvm_pure_price_and_pure_volume():
    b = km.pvm_bridge([10, 10], [5, 5], [10, 10], [6, 5])
    assert (b.volume, b.mix, b.price) == pytest.approx((0, 0, 10))
    b = km.pvm_bridge([10, 10], [5, 7], [20, 20], [5, 7])
    assert (b.volume, b.mix, b.price) == pytest.approx((120, 0, 0))
    assert [s[0] for s in b.steps()] == ["r0", "volume", "mix", "price", "r1"]


# --- §2.13 diversion ------------------------------------------------------------------------
def test_diversion_composite_rules():
    # two of three
    assert km.diversion_flag(0.35, 0.30, False)
    assert km.diversion_flag(0.35, 0.10, [0.06] * 4)
    assert km.diversion_flag(0.10, 0.30, [0.06] * 4)
    # one of three
    assert not km.diversion_flag(0.35, 0.10, [0.06] * 3)
    # traces alone
    assert km.diversion_flag(0.0, 0.0, False, traced_share=0.21)
    assert not km.diversion_flag(0.0, 0.0, False, traced_share=0.20)
    # exactly at the limits is not above them
    s = km.diversion_signals(0.3, 0.25, [0.05] * 4, traced_share=0.2)
    assert (s.absorption, s.growth, s.price, s.traces, s.flag) == (False,) * 5
    assert s.estimated_diverted_share == pytest.approx(0.3)


def test_diversion_building_blocks():
    assert km.growth_gap([700, 700], [500, 500], 1030, 1000) == pytest.approx(0.37)
    pe = km.price_erosion(pd.Series([0.99, 0.92, 0.91, 0.93, 0.90]), own_price_index=1.0)
    assert isinstance(pe, pd.Series)
    assert km.sustained_price_erosion(pe)
    d = km.neighbour_decline(800, 1000, 900, 1000)  # market also fell 10%: not stable
    assert not d.flag and d.sell_in_growth == pytest.approx(-0.2)
    assert km.traced_share([5, 13], [30, 30]) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="packs_found_outside"):
        km.traced_share(31, 30)


def test_absorption_gap_negative_when_market_exceeds_reports():
    assert km.absorption_gap(110, 100) == pytest.approx(-0.1)


# --- §2.9 FIFO ageing, aged stock, clearance -----------------------------------------------
def test_fifo_hand_computed():
    # week 0: receive 10, sell 4 → 6 @ age 0
    # week 1: receive 8, sell 7 → oldest first: 6 @ 1 gone, 1 of the 8 sold → 7 @ age 0
    # week 2: receive 0, sell 2 → 5 @ age 1
    prof = km.fifo_age_profile([10, 8, 0], [4, 7, 2])
    np.testing.assert_allclose(prof[0, :2], [6, 0])
    np.testing.assert_allclose(prof[1, :2], [7, 0])
    np.testing.assert_allclose(prof[2, :3], [0, 5, 0])


def test_fifo_opening_profile_and_buckets():
    # opening: 30 cases aged 12 weeks and 20 aged 3 weeks; no receipts; sell 10 a week
    opening = np.zeros(13)
    opening[12], opening[3] = 30, 20
    b = km.fifo_age_buckets([0] * 4, [10] * 4, opening_age_profile=opening)
    # week 0: ages become 13 and 4; 10 sold from the 13-week cohort → 20 @ 13, 20 @ 4
    assert b.iloc[0].to_dict() == {
        "age_00_04": 20.0,
        "age_05_08": 0.0,
        "age_09_13": 20.0,
        "age_14_26": 0.0,
        "age_27_plus": 0.0,
    }
    # week 1: 10 @ 14 (aged), 20 @ 5
    assert b.iloc[1]["age_14_26"] == 10.0 and b.iloc[1]["age_05_08"] == 20.0
    # week 3: old cohort gone, 10 left @ 7
    assert b.iloc[3].sum() == 10.0 and b.iloc[3]["age_05_08"] == 10.0


def test_fifo_2d_matches_1d_and_absorbing_bucket():
    rng = np.random.default_rng(3)
    receipts = rng.integers(0, 50, size=(3, 40)).astype(float)
    sell = np.minimum(receipts.cumsum(axis=1), 20.0) * 0  # placeholder, replaced below
    stock = np.zeros(3)
    for t in range(40):
        stock += receipts[:, t]
        sell[:, t] = np.floor(stock * 0.3)
        stock -= sell[:, t]
    prof = km.fifo_age_profile(receipts, sell)
    for i in range(3):
        np.testing.assert_allclose(prof[i], km.fifo_age_profile(receipts[i], sell[i]))
        exact = km.age_buckets(prof[i])
        capped = km.fifo_age_buckets(receipts[i], sell[i]).to_numpy()
        np.testing.assert_allclose(exact, capped)  # the 27+ absorbing bucket is exact


def test_aged_stock_and_clearance_per_week():
    prof = km.fifo_age_profile([100] + [0] * 24, [2] * 25)
    # 39-week shelf life: aged = age ≥ 14; clearance = age > 19.5
    aged = km.aged_stock(prof, shelf_life_weeks=39)
    assert aged[13] == 0 and aged[14] == pytest.approx(100 - 2 * 15)
    clear = km.clearance_liability(prof, 39, list_price_case=60)
    assert clear[19] == 0 and clear[20] == pytest.approx((100 - 2 * 21) * 60 * 0.4)


def test_woc_2d_and_stock_turn():
    closing = np.array([[300.0, 300], [0, 50]])
    sell_out = np.array([[100.0, 100], [0, 0]])
    woc = km.weeks_of_cover(closing, sell_out)
    np.testing.assert_array_equal(woc, [[3.0, 3.0], [0.0, math.inf]])
    assert km.stock_turn([3.0, 3.0]) == pytest.approx(52 / 3)
    assert km.forward_weeks_of_cover(3500, [1000, 1000, 1000]) == pytest.approx(3.5)


# --- §2.3 baselines -------------------------------------------------------------------------
def test_baseline_methods_and_their_effect_on_lift():
    sales = np.array([100, 96, 104, 100, 120, 400, 380, 60, 70, 100, 98, 102, 100, 101, 99])
    promo = np.zeros(15, dtype=bool)
    promo[5:7] = True
    pre = km.baseline_pre_period(sales, promo)  # weeks 0–3 (week 4 = halo)
    assert pre == pytest.approx(100.0)
    pp = km.baseline_pre_post(sales, promo)  # weeks 0–3 and 9–14 → median
    assert pp == pytest.approx(np.median(np.r_[sales[0:4], sales[9:15]]))
    # an earlier promo inside the pre-window is skipped
    promo2 = promo.copy()
    promo2[1] = True
    assert km.baseline_pre_period(sales, promo2, start=5) == pytest.approx((100 + 104 + 100) / 3)
    with pytest.raises(ValueError, match="no non-promo week"):
        km.baseline_pre_period(sales, promo, start=1)


def test_base_unit_margin_and_log_log():
    assert km.base_unit_margin(60, 36, 0.05, 0.05) == pytest.approx(18)
    p = np.array([10.0, 9.0, 8.0, 10.0])
    assert km.log_log_elasticity(50 * p**-2.5, p) == pytest.approx(-2.5)


# --- §2.2 budgets ---------------------------------------------------------------------------
def test_budget_utilisation_flags():
    assert km.customer_budget(6_000_000, 0.15) == pytest.approx(900_000)
    over = km.budget_utilisation([600_000, 400_000], 0, 900_000)
    assert over.over_budget and over.flag and not over.ahead_of_phasing
    exact = km.budget_utilisation(900_000, 0, 900_000)
    assert not exact.over_budget  # exactly 100% is not over
    ahead = km.budget_utilisation(400_000, 200_000, 1_000_000, elapsed=0.45)
    assert ahead.ahead_of_phasing  # 0.60 > 0.45 + 0.10


# --- §2.15 / 2.16 ---------------------------------------------------------------------------
def test_profitability_quadrant_series():
    nr = pd.Series([500.0, 300, 100, 100], index=["A", "B", "C", "D"])
    q = km.profitability_quadrant(nr, [0.10, 0.25, 0.20, 0.05])
    assert q.quadrant.to_dict() == {
        "A": "grow-margin",
        "B": "protect",
        "C": "maintain",
        "D": "restructure",
    }


def test_jbp_target_and_bridge():
    t = km.jbp_market_target(10_000_000, 0.05, 0.20, 0.01, 0.02)
    assert t == pytest.approx(10_000_000 * 1.05 * 1.05 * 1.02)
    spp = km.sales_per_distribution_point(9_000_000, 4.5)
    b = km.jbp_bridge(10_000_000, 0.03, 0.25, spp, [2000, 3000], 50, 400, 25, 26, 0.01)
    names = [s.name for s in b.steps]
    assert names == [
        "ly",
        "base_momentum",
        "distribution",
        "promotions",
        "npd",
        "price_mix",
        "target",
    ]
    assert b.steps[-2].cumulative == pytest.approx(b.target)
    assert sum(s.value for s in b.steps[:-1]) == pytest.approx(b.target)
    assert b.as_dict()["distribution"] == pytest.approx(500_000)


def test_retailer_margins_from_shelf_price_incl_vat():
    rsp = km.ex_vat(3.39)
    m = km.retailer_margins(rsp, 2.34, 80_000, 1_000_000)
    assert m.front == pytest.approx(0.22)
    assert m.back == pytest.approx(0.08)
    assert m.total == pytest.approx((3.0 - 2.34 + 0.08 * 2.34) / 3.0)


# --- §2.14 accrual, cliffs ------------------------------------------------------------------
def test_rebate_cliffs_and_accrual():
    tiers = km.DEFAULT_GROWTH_TIERS
    cliffs = km.rebate_cliffs(5_500_000, tiers)
    assert [round(c.metric, 2) for c in cliffs] == [0.0, 0.05, 0.10]
    assert all(c.cliff > 5_000 for c in cliffs)  # the default retro design fails M3-T3
    marginal = km.rebate_cliffs(5_500_000, tiers, mode="marginal")
    assert all(abs(c.cliff) < 1 for c in marginal)  # marginal tiers have no cliff
    acc = km.rebate_accrual(pd.Series([100.0, 100, 100]), 0.02)
    assert acc.cumulative.tolist() == pytest.approx([2, 4, 6])
    assert km.rebate_true_up(10, acc.cumulative.iloc[-1]) == pytest.approx(4)


# --- §2.17 execution ------------------------------------------------------------------------
def test_perfect_store_vectorised_and_custom_weights():
    audits = pd.DataFrame(
        {
            "availability": [1.0, 0.8],
            "share_of_shelf": [km.share_of_shelf_kpi(0.18, 0.20), 1.0],
            "planogram": [0.7, 0.9],
            "price": [1.0, 1.0],
            "display": [0.5, 1.0],
        },
        index=["ST1", "ST2"],
    )
    pss = km.perfect_store_score(audits)
    assert isinstance(pss, pd.Series) and list(pss.index) == ["ST1", "ST2"]
    assert pss["ST1"] == pytest.approx(0.35 + 0.2 * 0.9 + 0.15 * (0.7 + 1.0 + 0.5))
    only_two = km.perfect_store_score(audits, weights={"availability": 2, "price": 2})
    assert only_two["ST2"] == pytest.approx(0.9)  # normalised to 0.5 / 0.5
    account = km.acv_weighted_mean(pss, [300, 100])
    assert account == pytest.approx((3 * pss["ST1"] + pss["ST2"]) / 4)


def test_execution_ratios():
    assert km.oos_rate([1, 2], [10, 20]) == pytest.approx(0.1)
    assert km.on_shelf_availability([1, 2], [10, 20]) == pytest.approx(0.9)
    assert km.display_compliance([0, 2], [2, 2]) == pytest.approx(0.5)


# --- §2.18 ----------------------------------------------------------------------------------
def test_five_indicator_rag_bands_and_arrays():
    keys = km.FIVE_INDICATORS
    target = dict.fromkeys(keys, 1.0)
    amber = km.five_indicator_score(dict.fromkeys(keys, 0.96), target)
    red = km.five_indicator_score(dict.fromkeys(keys, 0.94), target)
    assert (amber.rag, red.rag) == ("amber", "red")
    many = km.five_indicator_score({k: np.array([1.0, 0.9]) for k in keys}, target)
    assert list(many.rag) == ["green", "red"]
    np.testing.assert_allclose(many.composite, [1.0, 0.9])


# --- §2.19 ----------------------------------------------------------------------------------
def test_span_and_vacancy():
    span = km.span_of_control(["D1"] * 9 + ["D2"] * 5)
    assert span.loc["D1", "status"] == "wide" and span.loc["D2", "status"] == "ok"
    exposure = km.vacancy_exposure(
        pd.Series([5e6, 3e6, 2e6, 1e6]),
        ["RESIGNED", "ACTIVE", "PROMOTED", "promoted"],
        [False, False, True, False],
    )
    assert exposure == pytest.approx(6e6)


def test_forecast_bias_shows_in_tracking_signal():
    actual = np.full(26, 100.0)
    forecast = np.full(26, 120.0)  # +20% every week
    ts = km.tracking_signal(actual, forecast, window=13)
    assert ts[12] == pytest.approx(13.0) and (np.abs(ts[4:]) > 4).all()
    assert km.forecast_bias(actual, forecast) == pytest.approx(0.2)
