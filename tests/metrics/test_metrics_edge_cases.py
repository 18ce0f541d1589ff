"""Bad input raises a readable ValueError naming the argument; spec-defined edge values hold."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from kamlab import metrics as km

TIERS = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
NAN = float("nan")
LINES = pd.DataFrame(
    {"order_id": ["O1"], "cases_ordered": [10], "cases_shipped": [10], "days_late": [0]}
)

# (call, the argument name the message must contain)
BAD_CALLS = {
    # empty
    "wmape empty": (lambda: km.wmape([], []), "actual"),
    "value_share empty": (lambda: km.value_share([], []), "ours"),
    "nd empty": (lambda: km.numeric_distribution([]), "handling"),
    "woc empty": (lambda: km.weeks_of_cover([], []), "closing"),
    "evenness empty": (lambda: km.evenness([]), "weekly"),
    "fill_rates empty": (lambda: km.fill_rates(LINES.iloc[:0]), "order_lines"),
    "mix empty": (lambda: km.mix_deviation({}, {"A": 1}), "actual"),
    "pvm empty": (lambda: km.pvm_bridge([], [], [], []), "v0"),
    "tiers empty": (lambda: km.tiered_rebate(1.0, 1.0, []), "tiers"),
    "promo empty": (lambda: km.promo_evaluation([], 1, [], 1, 0, 1), "actual"),
    # mismatched lengths
    "wmape lengths": (lambda: km.wmape([1, 2, 3], [1, 2]), "forecast"),
    "wd lengths": (lambda: km.weighted_distribution([True, False], [1, 2, 3]), "acv"),
    "woc lengths": (lambda: km.weeks_of_cover([1, 2], [1]), "sell_out"),
    "pvm lengths": (lambda: km.pvm_bridge([1, 2], [1], [1, 2], [1, 2]), "p0"),
    "promo lengths": (lambda: km.promo_evaluation([1, 2], [1, 1], [True], 1, 0, 1), "promo"),
    "ratio lengths": (lambda: km.sell_in_sell_out_ratio([1, 2], [1, 2, 3]), "sell_out"),
    "baseline lengths": (
        lambda: km.promo_evaluation([1, 2], [1, 1, 1], [1, 0], 1, 1, 1),
        "baseline",
    ),
    # NaN
    "wmape NaN": (lambda: km.wmape([1, NAN], [1, 1]), "actual"),
    "forecast NaN": (lambda: km.wmape([1, 1], [1, NAN]), "forecast"),
    "share NaN": (lambda: km.value_share([NAN], [1.0]), "ours"),
    "woc NaN": (lambda: km.weeks_of_cover([1, 1], [NAN, 1]), "sell_out"),
    "pnl NaN": (lambda: km.account_pnl(NAN, 0, 0, 0, 0), "gross_sales"),
    "evenness NaN": (lambda: km.evenness([1, NAN, 2, 3]), "weekly"),
    "pandas NA": (lambda: km.wmape(pd.Series([1, None], dtype="Int64"), [1, 1]), "actual"),
    "fill NaN": (
        lambda: km.fill_rates(LINES.assign(cases_shipped=[NAN])),
        "order_lines.cases_shipped",
    ),
    "rebate NaN": (lambda: km.tiered_rebate(NAN, 1.0, TIERS), "sales"),
    "mapping NaN": (lambda: km.mix_deviation({"A": NAN}, {"A": 1}), "actual"),
    # negative volumes / amounts
    "wmape negative": (lambda: km.wmape([-1, 2], [1, 2]), "actual"),
    "share negative": (lambda: km.value_share([-1], [10]), "ours"),
    "woc negative": (lambda: km.weeks_of_cover([-5], [1]), "closing"),
    "fill negative": (
        lambda: km.fill_rates(LINES.assign(cases_ordered=[-10])),
        "order_lines.cases_ordered",
    ),
    "pnl negative": (lambda: km.account_pnl(100, -1, 0, 0, 0), "on_invoice"),
    "pvm negative": (lambda: km.pvm_bridge([1], [-1], [1], [1]), "p0"),
    "fifo negative": (lambda: km.fifo_age_buckets([-1, 2], [0, 0]), "receipts"),
    "evenness negative": (lambda: km.evenness([1, -1, 2, 3]), "weekly"),
    # zero denominators without a spec value
    "wmape zero actual": (lambda: km.wmape([0, 0], [1, 1]), "actual"),
    "mape no positive": (lambda: km.mape([0, 0], [1, 1]), "actual"),
    "bias zero": (lambda: km.forecast_bias([0], [1]), "actual"),
    "share zero category": (lambda: km.value_share([0], [0]), "category"),
    "wd zero acv": (lambda: km.weighted_distribution([True], [0]), "acv"),
    "pnl zero gs": (lambda: km.account_pnl(0, 0, 0, 0, 0), "gross_sales"),
    "fill zero ordered": (
        lambda: km.fill_rates(LINES.assign(cases_ordered=[0], cases_shipped=[0])),
        "cases_ordered",
    ),
    "break-even f >= m": (lambda: km.break_even_uplift(10, 10), "funding_per_case"),
    "promo zero baseline": (lambda: km.promo_evaluation([5, 5], 0, [1, 1], 1, 1, 1), "baseline"),
    "promo zero spend": (
        lambda: km.promo_evaluation([5, 5], 1, [1, 1], 0, 0, 1),
        "funding_per_case",
    ),
    "evenness zero": (lambda: km.evenness([0, 0, 0, 0]), "weekly"),
    "AG zero secondary": (lambda: km.absorption_gap(10, 0), "reported_secondary"),
    "rebate zero base": (lambda: km.tiered_rebate(10, 0, TIERS), "base"),
    "pvm zero base volume": (lambda: km.pvm_bridge([0, 0], [1, 1], [1, 1], [1, 1]), "v0"),
    "scorecard zero target": (
        lambda: km.five_indicator_score(
            dict.fromkeys(km.FIVE_INDICATORS, 1.0),
            {**dict.fromkeys(km.FIVE_INDICATORS, 1.0), "share": 0.0},
        ),
        "target['share']",
    ),
    "stock turn zero": (lambda: km.stock_turn([0, 0]), "woc"),
    "relative share zero": (lambda: km.relative_share(0.2, 0), "largest_competitor_share"),
    "budget zero": (lambda: km.budget_utilisation(1, 1, 0), "budget"),
    "arc same price": (lambda: km.arc_elasticity(1, 2, 5, 5), "p1"),
    "jbp zero share": (lambda: km.jbp_market_target(1e6, 0.05, 0.0, 0.01), "share_ly"),
    "spt zero tdp": (lambda: km.sales_per_distribution_point(1e6, 0), "tdp"),
    "workload zero events": (lambda: km.workload_index(["K"], [1], [1], [0]), "promo_events"),
    # other bad input
    "shipped > ordered": (
        lambda: km.fill_rates(LINES.assign(cases_shipped=[11])),
        "cases_shipped",
    ),
    "fill missing column": (lambda: km.fill_rates(LINES.drop(columns="days_late")), "days_late"),
    "fill not a frame": (lambda: km.fill_rates([1, 2]), "order_lines"),
    "share ours > category": (lambda: km.value_share([5, 20], [10, 10]), "ours"),
    "depth >= 1": (lambda: km.promo_response_multiplier(1.0, -2), "depth"),
    "percent not fraction": (lambda: km.relative_share(20, 25), "our_share"),
    "text": (lambda: km.wmape("100", [1]), "actual"),
    "string in list": (lambda: km.wmape(["a", 1], [1, 1]), "actual"),
    "bad mode": (lambda: km.tiered_rebate(10, 5, TIERS, mode="stepped"), "mode"),
    "overlapping tiers": (
        lambda: km.tiered_rebate(10, 5, [(0, 0.1, 0.01), (0.05, None, 0.02)]),
        "tiers",
    ),
    "tier upper<=lower": (lambda: km.tiered_rebate(10, 5, [(0.1, 0.05, 0.01)]), "tiers[0]"),
    "rate as percent": (lambda: km.tiered_rebate(10, 5, [(0.0, None, 2)]), "tiers[0] rate"),
    "fifo oversell": (lambda: km.fifo_age_buckets([10, 0], [5, 6]), "sell_out"),
    "weights unknown key": (
        lambda: km.five_indicator_score(
            dict.fromkeys(km.FIVE_INDICATORS, 1.0),
            dict.fromkeys(km.FIVE_INDICATORS, 1.0),
            weights={"profitt": 1.0},
        ),
        "weights",
    ),
    "scorecard missing key": (
        lambda: km.five_indicator_score({"profit": 1.0}, dict.fromkeys(km.FIVE_INDICATORS, 1.0)),
        "actual",
    ),
    "pss missing kpi": (lambda: km.perfect_store_score({"availability": 0.9}), "kpis"),
    "pss kpi > 1": (
        lambda: km.perfect_store_score(
            {"availability": 1.5, "share_of_shelf": 1, "planogram": 1, "price": 1, "display": 1}
        ),
        "availability",
    ),
    "window zero": (lambda: km.weeks_of_cover([1], [1], window=0), "window"),
    "window float": (lambda: km.tracking_signal([1], [1], window=2.5), "window"),
    "push unknown period length": (
        lambda: km.month_end_push_flag([0.3], [0.1], [6]),
        "weeks_in_period",
    ),
    "no promo week": (lambda: km.promo_evaluation([1, 1], 1, [0, 0], 1, 1, 1), "promo"),
    "promo mask not boolean": (lambda: km.promo_evaluation([1, 1], 1, [0, 2], 1, 1, 1), "promo"),
    "bucket edges": (lambda: km.fifo_age_buckets([1], [0], bucket_edges=(1, 5)), "bucket_edges"),
    "2-D where 1-D expected": (lambda: km.wmape([[1, 2]], [[1, 2]]), "actual"),
    "scalar where series expected": (lambda: km.wmape(5, 5), "actual"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_value_error_naming_the_argument(case):
    call, argument = BAD_CALLS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the error either
        with pytest.raises(ValueError) as info:
            call()
    message = str(info.value)
    assert argument in message, message
    assert message.endswith("."), "messages are full sentences"


# --- zero denominators the spec defines -----------------------------------------------------
def test_woc_zero_sales_is_infinite_with_stock_and_zero_without():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        woc = km.weeks_of_cover([500, 0, 0], [0, 0, 0])
    assert woc[0] == math.inf
    assert woc[1] == 0.0 and woc[2] == 0.0


def test_woc_zero_recent_sales_but_older_sales_in_window():
    woc = km.weeks_of_cover([100, 100, 100, 100, 100], [400, 0, 0, 0, 0])
    np.testing.assert_allclose(woc[:4], [0.25, 0.5, 0.75, 1.0])
    assert woc[4] == math.inf  # the 400 has left the 4-week window


def test_woc_infinite_flows_into_doi_and_stuffing():
    assert km.days_of_inventory(math.inf) == math.inf
    flags = km.stuffing_flags([math.inf] * 4, target_woc=2.0)
    assert flags.all()


def test_ratio_without_sell_out_mirrors_woc_convention():
    r = km.sell_in_sell_out_ratio([0, 10], [0, 0], window=13)
    assert r[0] == 0.0 and r[1] == math.inf


def test_tracking_signal_without_errors_is_zero():
    ts = km.tracking_signal([10, 10, 10], [10, 10, 10])
    np.testing.assert_array_equal(ts, [0.0, 0.0, 0.0])


def test_forward_cover_edges():
    assert km.forward_weeks_of_cover(0, [0, 0]) == 0.0
    assert km.forward_weeks_of_cover(10, [0, 0]) == math.inf
    assert km.forward_weeks_of_cover(5000, [1000, 1000]) == pytest.approx(5.0)


def test_mape_skips_zero_actuals():
    assert km.mape([0, 100], [10, 110]) == pytest.approx(0.10)


# --- tier boundaries at exactly the threshold ----------------------------------------------
@pytest.mark.parametrize(
    ("growth", "rate"),
    [
        (-0.01, 0.0),
        (0.0, 0.01),
        (0.05, 0.02),
        (0.05 - 1e-12, 0.02),  # float noise below the boundary still reaches it (§0.2 guard)
        (0.05 - 1e-6, 0.01),  # a real shortfall does not
        (0.0999999, 0.02),
        (0.1, 0.03),
        (0.1 - 1e-12, 0.03),
        (0.25, 0.03),
    ],
)
def test_retro_tier_lookup_lower_inclusive_upper_exclusive(growth, rate):
    assert km.tier_rate(growth, TIERS) == rate
    base = 1_000_000.0
    sales = base * (1 + growth)
    assert km.tiered_rebate(sales, base, TIERS) == pytest.approx(rate * sales)


def test_growth_exactly_at_boundary_by_float_arithmetic_reaches_the_tier():
    base, sales = 1_000_000.0, 1_150_000.0  # 15.0% growth exactly …
    assert sales / base - 1 < 0.15  # … but 0.1499999999999999 in floating point
    tiers = [(0.0, 0.15, 0.01), (0.15, None, 0.02)]
    assert km.tiered_rebate(sales, base, tiers) == pytest.approx(0.02 * sales)
    assert km.tier_rate(sales / base - 1, tiers) == 0.02
    # the 5% boundary of the default tiers, reached exactly
    assert km.tiered_rebate(5_775_000, 5_500_000, TIERS) == pytest.approx(0.02 * 5_775_000)


def test_tier_gap_pays_nothing_and_negative_growth_pays_nothing():
    tiers = [(0.0, 0.05, 0.01), (0.10, None, 0.03)]
    assert km.tiered_rebate(1_070_000, 1_000_000, tiers) == 0.0
    assert km.tiered_rebate(900_000, 1_000_000, tiers) == 0.0
    assert km.tiered_rebate(900_000, 1_000_000, tiers, mode="marginal") == 0.0


def test_attainment_basis_for_distributor_tiers():
    tiers = [(0.9, 1.0, 0.01), (1.0, 1.1, 0.02), (1.1, None, 0.03)]
    # 100% attainment of a 10,000-case target, rate paid on 2 M GS
    r = km.tiered_rebate(10_000, 10_000, tiers, basis="attainment", eligible_sales=2_000_000)
    assert r == pytest.approx(40_000)
    assert km.tiered_rebate(8_999, 10_000, tiers, basis="attainment", eligible_sales=1) == 0.0


def test_threshold_guards_elsewhere():
    assert km.rag_status(0.95 - 1e-12) == "amber"
    assert km.rag_status(1.0 - 1e-12) == "green"
    assert km.mix_drift_flag(0.05 + 1e-12) is False  # "> 0.05" is not met by float noise
    assert km.mix_drift_flag(0.0501) is True
    assert km.otif_penalty(1000, otif=0.9 - 1e-12, kpi=0.9) == 0.0
    assert km.at_least(0.05 - 1e-12, 0.05) and not km.above(0.05 + 1e-12, 0.05)


def test_stuffing_flag_exactly_target_plus_margin_is_not_above():
    assert not km.stuffing_flags([6.5] * 6, target_woc=2.5).any()
    assert km.stuffing_flags([6.6] * 4, target_woc=2.5).all()
    assert not km.stuffing_flags([6.6] * 3, target_woc=2.5).any()  # run too short


def test_series_in_series_out():
    idx = pd.Index([10, 11, 12], name="week_id")
    woc = km.weeks_of_cover(
        pd.Series([30.0, 30, 30], index=idx), pd.Series([10.0, 10, 10], index=idx)
    )
    assert isinstance(woc, pd.Series) and list(woc.index) == [10, 11, 12]
    np.testing.assert_allclose(woc.to_numpy(), [3.0, 3.0, 3.0])


def test_results_are_frozen():
    p = km.account_pnl(100, 0, 10, 50, 5)
    with pytest.raises(AttributeError):
        p.nr = 0  # type: ignore[misc]


def test_integer_and_nullable_dtypes_are_accepted():
    a = pd.Series([100, 200, 50, 150], dtype="Int32")
    f = np.array([120, 180, 80, 150], dtype=np.int16)
    assert km.wmape(a, f) == pytest.approx(0.14)
