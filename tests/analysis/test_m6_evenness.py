"""M6 evenness monitor and push re-timing against hand calculations (SPEC §2.11, §3.11)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import metrics as km
from kamlab.analysis.m6_evenness import evenness_monitor, kam_period_table, retime_month_end
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _kam_weekly(world, kam):
    acc = world.accounts[world.accounts.kam_id == kam].account_id
    si = world.sell_in[world.sell_in.account_id.isin(acc)]
    return (
        si.groupby("week_id").cases_shipped.sum().reindex(range(len(world.calendar)), fill_value=0)
    )


def _by_hand(x: np.ndarray) -> tuple[float, float]:
    n = x.size
    g = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    return x[-1] / x.sum(), g * n / (n - 1)


def test_lws_and_gstar_per_kam_period_by_hand(world) -> None:
    v = evenness_monitor(world)
    cal = world.calendar
    for kam, p in (("KAM04", 3), ("KAM01", 15), ("KAM13", 20)):
        x = _kam_weekly(world, kam).to_numpy(float)
        weeks = cal.week_id[cal.period_key == v.period_keys[p]].to_numpy()
        lws, gstar = _by_hand(x[weeks])
        k = v.kams.index(kam)
        assert v.lws[k, p] == pytest.approx(lws, rel=1e-12)
        assert v.gstar[k, p] == pytest.approx(gstar, rel=1e-9)


def test_push_share_0_7_gives_lws_0_7_on_the_retimed_periods(world) -> None:
    base = evenness_monitor(world, "KAM04")
    v = evenness_monitor(world, "KAM04", push_share=0.7, period_range=(16, 24))
    k = v.kams.index("KAM04")
    sel = np.zeros(len(v.period_keys), dtype=bool)
    sel[15:24] = True
    assert (v.retimed == sel).all()
    np.testing.assert_allclose(v.lws[k, sel], 0.7, rtol=0, atol=1e-12)
    # G*: [0.1, 0.1, 0.1, 0.7] → 0.6; [0.075] × 4 + [0.7] → 0.625
    n = v.weeks_in_period[sel]
    expected = np.where(n == 4, 0.6, 0.625)
    np.testing.assert_allclose(v.gstar[k, sel], expected, atol=1e-12)
    assert _by_hand(np.array([0.1, 0.1, 0.1, 0.7]))[1] == pytest.approx(0.6)
    assert _by_hand(np.array([0.075] * 4 + [0.7]))[1] == pytest.approx(0.625)
    # everything else is unchanged, and each period keeps its total
    np.testing.assert_allclose(v.lws[k, ~sel], base.lws[k, ~sel])
    others = np.arange(len(v.kams)) != k
    np.testing.assert_array_equal(v.lws[others], base.lws[others])
    assert v.weekly_shown.sum() == pytest.approx(v.weekly_recorded.sum())


def test_the_push_flag_fires_as_the_trailing_median_rule_says(world) -> None:
    v = evenness_monitor(world, "KAM04", push_share=0.7, period_range=(16, 24))
    k = v.kams.index("KAM04")
    by_hand = km.month_end_push_flag(v.lws[k], v.gstar[k], v.weeks_in_period)
    np.testing.assert_array_equal(v.flags[k], by_hand)
    assert v.flags[k, 20:24].all()
    assert not evenness_monitor(world, "KAM04").flags[k, 20:24].all()


def test_retime_keeps_totals_and_zero_share_means_no_change(world) -> None:
    x = np.array([4.0, 6.0, 10.0, 20.0, 7.0, 3.0, 5.0, 5.0, 10.0])
    y = retime_month_end(x, [0, 4], [4, 5], 0.55)
    assert y[:4].sum() == pytest.approx(40.0) and y[4:].sum() == pytest.approx(30.0)
    assert y[3] == pytest.approx(22.0) and y[8] == pytest.approx(16.5)
    v = evenness_monitor(world, "KAM04", push_share=0.0)
    np.testing.assert_array_equal(v.weekly_shown, v.weekly_recorded)
    assert not v.retimed.any()
    t = kam_period_table(v)
    assert len(t) == len(v.kams) * len(v.period_keys)


def test_bad_inputs_raise_readable_errors(world) -> None:
    with pytest.raises(ValueError, match="owns no account"):
        evenness_monitor(world, "KAM99")
    with pytest.raises(ValueError, match="'push_share'"):
        evenness_monitor(world, "KAM04", push_share=1.5)
    with pytest.raises(ValueError, match="'period_range'"):
        evenness_monitor(world, "KAM04", push_share=0.5, period_range=(5, 40))
