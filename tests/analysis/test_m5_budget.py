"""M5 budget reallocation model against hand calculations (SPEC §2.2, §2.3)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.analysis.m5_budget import (
    budget_reallocation,
    igp_at,
    marginal_return,
    optimal_allocation,
    response_curves,
)
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_power_curve_and_marginal_return_by_hand() -> None:
    assert igp_at([400.0], 10.0, 0.5).tolist() == [200.0]
    assert marginal_return([400.0], 10.0, 0.5).tolist() == [0.25]
    assert np.isinf(marginal_return([0.0], 10.0, 0.5)[0])


def test_optimum_equalises_marginal_returns_and_beats_other_splits() -> None:
    c, b = np.array([3.0, 10.0, 1.0]), np.array([0.6, 0.8, 0.5])
    opt = optimal_allocation(1000.0, c, b)
    assert opt.sum() == pytest.approx(1000.0)
    mr = marginal_return(opt, c, b)
    assert np.ptp(mr) < 1e-6 * mr.mean()
    best = igp_at(opt, c, b).sum()
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = rng.dirichlet(np.ones(3)) * 1000.0
        assert igp_at(s, c, b).sum() <= best + 1e-9


def test_curves_are_anchored_on_the_accounts_actual_promotions(world) -> None:
    rc = response_curves(world, 2024)
    tp = world.truth_promo.set_index("promo_id")
    ts = world.trade_spend
    spend = ts[ts.promo_id.notna()].groupby("promo_id").amount_rmb.sum()
    pr = world.promotions
    pr = pr[(pr.status == "EXECUTED") & pr.promo_id.isin(tp.index) & pr.promo_id.isin(spend.index)]
    fy = world.calendar.fiscal_year.to_numpy()[np.minimum(pr.start_week.to_numpy(), 103)]
    row = rc.table.iloc[0]
    mine = pr[(pr.account_id == row.account_id) & (fy == 2024)]
    mine = mine[spend.loc[mine.promo_id].to_numpy() > 0]
    s0 = spend.loc[mine.promo_id].sum()
    igp0 = (tp.loc[mine.promo_id].roi * spend.loc[mine.promo_id]).sum()
    assert row.spend0 == pytest.approx(s0)
    assert row.igp0 == pytest.approx(igp0, rel=1e-9)
    assert row.c * row.spend0**row.beta == pytest.approx(row.igp0, rel=1e-12)
    assert (rc.table.beta.between(0.3, 0.95)).all()


def test_todays_allocation_sits_on_the_curves(world) -> None:
    r = budget_reallocation(world)
    t = r.table
    np.testing.assert_allclose(t.spend, t.spend0)
    np.testing.assert_allclose(t.igp, t.igp0, rtol=1e-12)
    assert r.total_igp == pytest.approx(r.total_igp0)
    assert r.total_igp <= r.total_igp_opt + 1e-6
    assert r.total_budget == pytest.approx(t.spend0.sum())


def test_moving_budget_to_the_higher_marginal_return_raises_total_igp(world) -> None:
    base = budget_reallocation(world).table
    hi = base.account_id[base.marginal0.idxmax()]
    lo = base.account_id[base.marginal0.idxmin()]
    up = budget_reallocation(world, {hi: 1.2})
    # by hand: S_k = w_k S0_k × B / Σ w S0, IGP = Σ c S^β
    w = np.where(base.account_id == hi, 1.2, 1.0)
    raw = w * base.spend0.to_numpy()
    s = raw * base.spend0.sum() / raw.sum()
    expected = (base.c * s**base.beta).sum()
    assert up.total_igp == pytest.approx(expected, rel=1e-12)
    assert up.total_igp > up.total_igp0
    down = budget_reallocation(world, {lo: 1.2})
    assert down.total_igp < down.total_igp0


def test_total_budget_scales_and_the_optimum_keeps_the_total(world) -> None:
    r = budget_reallocation(world, total_pct=0.8)
    assert r.total_budget == pytest.approx(0.8 * r.table.spend0.sum())
    assert r.table.spend.sum() == pytest.approx(r.total_budget)
    assert r.table.spend_opt.sum() == pytest.approx(r.total_budget)
    assert 0 < r.share_of_optimum <= 1


def test_spend_ratios_and_budget_use_follow_2_2(world) -> None:
    r = budget_reallocation(world, fiscal_year=2024)
    row = r.table.iloc[0]
    a = row.account_id
    ts = world.trade_spend
    tts = ts[(ts.account_id == a) & (ts.fiscal_year == 2024)].amount_rmb.sum()
    si = world.sell_in
    wk = world.calendar.week_id[world.calendar.fiscal_year == 2024]
    gs = si[(si.account_id == a) & si.week_id.isin(wk)].gross_sales.sum()
    budget = world.targets_annual.set_index(["account_id", "fiscal_year"]).loc[
        (a, 2024), "trade_budget_rmb"
    ]
    assert row.spend_to_sales0 == pytest.approx(tts / gs)
    assert row.io_ratio0 == pytest.approx(gs / tts)
    assert row.utilisation0 == pytest.approx(tts / budget)
    # with an unchanged allocation nothing moves
    assert row.spend_to_sales == pytest.approx(row.spend_to_sales0)
    # doubling this account's promotion budget adds the extra spend to its TTS
    r2 = budget_reallocation(world, {a: 2.0}, fiscal_year=2024)
    row2 = r2.table.iloc[0]
    assert row2.tts - row2.tts0 == pytest.approx(row2.spend - row2.spend0)
    assert row2.utilisation == pytest.approx(row2.tts / budget)


def test_bad_inputs_raise_readable_errors(world) -> None:
    with pytest.raises(ValueError, match="no promotion response curves for FY1999"):
        response_curves(world, 1999)
    with pytest.raises(ValueError, match="weight"):
        budget_reallocation(world, {"ACC001": -1})
    zero = {a: 0.0 for a in response_curves(world).table.account_id}
    with pytest.raises(ValueError, match="Every account's weight is 0"):
        budget_reallocation(world, zero)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        optimal_allocation(10.0, [1.0], [1.0])
