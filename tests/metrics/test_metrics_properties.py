"""Property-based tests (hypothesis) of the invariants the formulas must keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kamlab import metrics as km

# per-test settings (a global profile would change other areas' hypothesis tests)
fast = settings(deadline=None, max_examples=100)

# realistic magnitudes: exactly 0, or at least 1e-3 cases / RMB (no subnormal floats)
volume = st.just(0.0) | st.floats(min_value=1e-3, max_value=1e6)
price = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False)
frac = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def pvm_inputs(draw):
    n = draw(st.integers(1, 8))
    v0 = draw(st.lists(volume, min_size=n, max_size=n))
    assume(sum(v0) > 1e-3)
    p0 = draw(st.lists(price, min_size=n, max_size=n))
    v1 = draw(st.lists(volume, min_size=n, max_size=n))
    p1 = draw(st.lists(price, min_size=n, max_size=n))
    return v0, p0, v1, p1


@fast
@given(pvm_inputs())
def test_pvm_bridge_sums_to_revenue_change(args):
    b = km.pvm_bridge(*args)
    v0, p0, v1, p1 = (np.asarray(a) for a in args)
    r0, r1 = float(v0 @ p0), float(v1 @ p1)
    scale = max(1.0, abs(r0), abs(r1), abs(b.volume), abs(b.mix), abs(b.price))
    assert abs(b.volume + b.mix + b.price - (r1 - r0)) <= 1e-9 * scale
    assert b.total == r1 - r0


@st.composite
def order_lines(draw):
    n_lines = draw(st.integers(1, 40))
    n_orders = draw(st.integers(1, n_lines))
    ordered = draw(st.lists(st.integers(0, 500), min_size=n_lines, max_size=n_lines))
    assume(sum(ordered) > 0)
    shipped = [draw(st.integers(0, o)) for o in ordered]
    late = draw(st.lists(st.integers(0, 6), min_size=n_lines, max_size=n_lines))
    orders = draw(st.lists(st.integers(0, n_orders - 1), min_size=n_lines, max_size=n_lines))
    return pd.DataFrame(
        {
            "order_id": [f"O{o}" for o in orders],
            "cases_ordered": ordered,
            "cases_shipped": shipped,
            "days_late": late,
        }
    )


@fast
@given(order_lines(), st.integers(0, 3))
def test_fill_rates_bounded_and_otif_below_components(lines, tolerance):
    r = km.fill_rates(lines, tolerance_days=tolerance)
    for name in ("case_fill", "line_fill", "order_fill", "on_time", "otif", "line_otif", "in_full"):
        value = getattr(r, name)
        assert 0.0 <= value <= 1.0, name
    assert r.otif <= min(r.on_time, r.in_full) + 1e-12
    assert r.line_otif <= r.line_fill + 1e-12
    assert r.order_fill == r.in_full
    looser = km.fill_rates(lines, tolerance_days=tolerance + 1)
    assert looser.on_time >= r.on_time and looser.otif >= r.otif


@st.composite
def contiguous_tiers(draw):
    k = draw(st.integers(1, 5))
    widths = draw(st.lists(st.floats(0.005, 0.3), min_size=k - 1, max_size=k - 1))
    bounds = np.concatenate([[0.0], np.cumsum(widths)]) if k > 1 else np.array([0.0])
    rates = sorted(draw(st.lists(st.floats(0.0, 0.1), min_size=k, max_size=k)))
    tiers = []
    for i in range(k):
        upper = float(bounds[i + 1]) if i + 1 < k else None
        tiers.append((float(bounds[i]), upper, rates[i]))
    return tiers


@fast
@given(
    contiguous_tiers(),
    st.floats(1e3, 1e8),
    st.floats(-0.5, 2.0),
)
def test_retro_rebate_at_least_marginal(tiers, base, growth):
    sales = base * (1 + growth)
    retro = km.tiered_rebate(sales, base, tiers, mode="retro")
    marginal = km.tiered_rebate(sales, base, tiers, mode="marginal")
    assert retro >= marginal - 1e-9 * max(1.0, sales)
    assert marginal >= 0.0


@fast
@given(contiguous_tiers(), st.floats(1e3, 1e8), st.lists(st.floats(0.0, 2.0), min_size=2))
def test_marginal_rebate_is_continuous_and_non_decreasing(tiers, base, growths):
    sales = np.sort(base * (1 + np.asarray(growths)))
    curve = km.tiered_rebate(sales, base, tiers, mode="marginal")
    assert np.all(np.diff(curve) >= -1e-6)


@fast
@given(st.floats(0.001, 1e6), st.integers(2, 13))
def test_gini_of_equal_weeks_is_zero(level, n):
    e = km.evenness([level] * n)
    assert abs(e.gini) <= 1e-12 and abs(e.gini_norm) <= 1e-12
    assert e.evenness_index == 1.0 - e.gini_norm
    assert abs(e.evenness_index - 1.0) <= 1e-12
    assert abs(e.lws - 1.0 / n) <= 1e-12
    assert abs(e.cv) <= 1e-9


@fast
@given(arrays(float, st.integers(2, 13), elements=volume))
def test_evenness_bounds(x):
    assume(x.sum() > 1e-3)
    e = km.evenness(x)
    n = x.size
    assert 0.0 <= e.gini_norm <= 1.0 and 0.0 <= e.lws <= 1.0
    assert 0.0 <= e.evenness_index <= 1.0
    assert e.cv <= np.sqrt(n - 1) + 1e-9


@fast
@given(st.lists(st.tuples(volume, volume), min_size=1, max_size=30))
def test_value_share_in_unit_interval(pairs):
    ours = [min(a, b) for a, b in pairs]
    category = [max(a, b) for a, b in pairs]
    assume(sum(category) > 0)
    share = km.value_share(ours, category)
    assert 0.0 <= share <= 1.0


@fast
@given(st.lists(st.booleans(), min_size=1, max_size=50), st.data())
def test_distribution_in_unit_interval(handling, data):
    acv = data.draw(st.lists(volume, min_size=len(handling), max_size=len(handling)))
    assume(sum(acv) > 0)
    assert 0.0 <= km.numeric_distribution(handling) <= 1.0
    assert 0.0 <= km.weighted_distribution(handling, acv) <= 1.0


@fast
@given(
    st.dictionaries(st.sampled_from("ABCDEF"), volume, min_size=1),
    st.dictionaries(st.sampled_from("ABCDEF"), volume, min_size=1),
)
def test_mix_deviation_in_unit_interval(actual, planned):
    assume(sum(actual.values()) > 0 and sum(planned.values()) > 0)
    tvd = km.mix_deviation(actual, planned)
    assert 0.0 <= tvd <= 1.0
    assert km.mix_deviation(actual, actual) <= 1e-12


@fast
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(arrays(float, n, elements=volume), arrays(float, n, elements=volume))
    ),
    st.integers(1, 13),
)
def test_weeks_of_cover_non_negative(series, window):
    closing, sell_out = series
    woc = km.weeks_of_cover(closing, sell_out, window=window)
    assert woc.shape == closing.shape
    assert not np.isnan(woc).any()
    assert (woc >= 0).all()
    assert np.all((woc == 0) == (closing == 0))


@st.composite
def scorecards(draw):
    keys = km.FIVE_INDICATORS
    actual = {k: draw(st.floats(-1e6, 1e7)) for k in keys}
    target = {k: draw(st.floats(0.01, 1e7)) for k in keys}
    weights = draw(st.none() | st.fixed_dictionaries({k: st.floats(0.0, 1.0) for k in keys}))
    return actual, target, weights


@fast
@given(scorecards())
def test_five_indicator_composite_capped(card):
    actual, target, weights = card
    s = km.five_indicator_score(actual, target, weights)
    w = km.FIVE_INDICATOR_WEIGHTS if weights is None else weights
    assert s.composite <= 1.2 * sum(w.values()) + 1e-9
    assert all(v <= 1.2 for v in s.capped.values())
    assert s.rag in {"green", "amber", "red"}


@fast
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            arrays(float, n, elements=st.floats(0, 100)),
            arrays(float, n, elements=st.floats(0, 1)),
        )
    )
)
def test_fifo_buckets_sum_to_closing_stock(series):
    receipts, share_sold = series
    # sell a share of what is on hand each week, so sell-out never exceeds stock
    stock, sell_out = 0.0, []
    for r, s in zip(receipts, share_sold, strict=True):
        stock += r
        sold = stock * s
        sell_out.append(sold)
        stock -= sold
    buckets = km.fifo_age_buckets(receipts, sell_out)
    closing = np.cumsum(receipts) - np.cumsum(sell_out)
    np.testing.assert_allclose(buckets.sum(axis=1), closing, atol=1e-7)
    assert (buckets.to_numpy() >= -1e-9).all()


@fast
@given(arrays(float, st.integers(1, 40), elements=volume), arrays(float, 40, elements=volume))
def test_tracking_signal_bounded_by_window(actual, forecast_pool):
    forecast = forecast_pool[: actual.size]
    ts = km.tracking_signal(actual, forecast, window=13)
    assert (np.abs(ts) <= 13 + 1e-9).all()


@fast
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=20))
def test_execution_ratios_in_unit_interval(pairs):
    part = [min(a, b) for a, b in pairs]
    whole = [max(a, b) for a, b in pairs]
    assume(sum(whole) > 0)
    for fn in (km.oos_rate, km.share_of_shelf, km.planogram_compliance, km.price_compliance):
        assert 0.0 <= fn(part, whole) <= 1.0
