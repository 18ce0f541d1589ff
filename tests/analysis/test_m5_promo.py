"""M5 post-event evaluation model against hand calculations on the default world (SPEC §2.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab.analysis.m5_common import unit_margin
from kamlab.analysis.m5_promo import (
    baseline_weeks,
    eligible_promotions,
    post_event,
    promo_context,
)
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _series(world, account, sku):
    """The weekly sell-out and promo-week mask of one account × SKU, straight from the tables."""
    T = len(world.calendar)
    so = world.sell_out
    d = so[(so.account_id == account) & (so.sku_id == sku)].set_index("week_id").cases_sold
    a = d.reindex(range(T), fill_value=0.0).to_numpy(float)
    pr = world.promotions
    pr = pr[(pr.account_id == account) & (pr.sku_id == sku) & (pr.status == "EXECUTED")]
    mask = np.zeros(T, dtype=bool)
    for s, e in zip(pr.start_week, pr.end_week, strict=True):
        mask[int(s) : int(e) + 1] = True
    return a, mask


def _two_method_promo(world):
    for pid in eligible_promotions(world, "ACC004").promo_id:
        try:
            post_event(world, pid, "pre_period")
        except ValueError:
            continue
        return pid
    raise AssertionError("no promotion evaluable by both methods")


def test_pre_post_baseline_is_the_median_of_the_clean_pre_and_post_weeks(world) -> None:
    pid = _two_method_promo(world)
    pe = post_event(world, pid, "pre_post")
    a, mask = _series(world, pe.account_id, pe.sku_id)
    s, e = pe.start_week, pe.end_week
    weeks = [w for w in [*range(s - 8, s - 1), *range(e + 3, e + 9)] if 0 <= w < a.size]
    clean = [a[w] for w in weeks if not mask[w]]
    assert pe.baseline == pytest.approx(float(np.median(clean)), rel=1e-12)
    used = baseline_weeks(mask, s, e, "pre_post")
    assert sorted(np.flatnonzero(used).tolist()) == [w for w in weeks if not mask[w]]


def test_pre_period_baseline_is_the_mean_of_four_clean_weeks_before_the_halo(world) -> None:
    pid = _two_method_promo(world)
    pe = post_event(world, pid, "pre_period")
    a, mask = _series(world, pe.account_id, pe.sku_id)
    before = [w for w in range(pe.start_week - 1) if not mask[w]][-4:]
    assert pe.baseline == pytest.approx(float(np.mean(a[before])), rel=1e-12)


@pytest.mark.parametrize("method", ["pre_period", "pre_post"])
def test_evaluation_follows_the_formulas_of_2_3(world, method) -> None:
    pid = _two_method_promo(world)
    pe = post_event(world, pid, method, cannibalisation=0.2)
    a, _ = _series(world, pe.account_id, pe.sku_id)
    s, e, B = pe.start_week, pe.end_week, pe.baseline
    promo_a = a[s : e + 1]
    window = a[max(0, s - 1) : min(a.size, e + 3)]
    row = world.promotions.set_index("promo_id").loc[pid]
    fy = int(world.calendar.fiscal_year.iloc[s])
    m = unit_margin(world, pe.account_id, pe.sku_id, fy)
    gross = float((promo_a - B).sum())
    nic = float((window - B).sum()) - 0.2 * max(0.0, gross)
    spend = row.funding_per_case * promo_a.sum() + row.fixed_fee_rmb
    ev = pe.evaluation
    assert ev.apparent_uplift == pytest.approx(promo_a.sum() / (B * promo_a.size) - 1, rel=1e-12)
    assert ev.gross_incremental == pytest.approx(gross, rel=1e-12)
    assert ev.net_incremental == pytest.approx(nic, rel=1e-12)
    assert ev.spend == pytest.approx(spend, rel=1e-12)
    assert ev.roi == pytest.approx(nic * m / spend, rel=1e-12)
    assert ev.cost_per_incremental_case == pytest.approx(spend / nic, rel=1e-12)


def test_cannibalisation_lowers_nic_by_the_share_of_gross_incremental(world) -> None:
    pid = _two_method_promo(world)
    lo = post_event(world, pid, "pre_post", cannibalisation=0.10)
    hi = post_event(world, pid, "pre_post", cannibalisation=0.30)
    gi = lo.evaluation.gross_incremental
    assert gi > 0
    d_nic = lo.evaluation.net_incremental - hi.evaluation.net_incremental
    assert d_nic == pytest.approx(0.20 * gi, rel=1e-12)
    d_roi = lo.evaluation.roi - hi.evaluation.roi
    assert d_roi == pytest.approx(0.20 * gi * lo.unit_margin / lo.evaluation.spend, rel=1e-9)


def test_switching_the_baseline_method_changes_roi_and_reports_the_other(world) -> None:
    pid = _two_method_promo(world)
    a = post_event(world, pid, "pre_period")
    b = post_event(world, pid, "pre_post")
    assert a.other_method_roi == pytest.approx(b.evaluation.roi)
    assert b.other_method_roi == pytest.approx(a.evaluation.roi)


def test_unit_margin_reproduces_the_worlds_true_roi(world) -> None:
    """Our margin convention is the world's: truth NIC × m / ledger spend = truth ROI."""
    ctx = promo_context(world)
    pr = ctx.promos
    ka = pr[(pr.status == "EXECUTED") & (pr.channel != "DIST") & pr.ledger_spend.gt(1)]
    ka = ka[ka.promo_id.isin(ctx.truth.index)].head(200)
    tr = ctx.truth.loc[ka.promo_id]
    roi = tr.incremental_cases.to_numpy() * ka.unit_margin.to_numpy() / ka.ledger_spend.to_numpy()
    np.testing.assert_allclose(roi, tr.roi.to_numpy(), atol=1e-4)


def test_the_truth_reveals_the_expected_baseline_and_true_roi(world) -> None:
    pid = _two_method_promo(world)
    pe = post_event(world, pid)
    tb = world.truth_baseline
    upc = float(world.products.set_index("sku_id").loc[pe.sku_id, "units_per_case"])
    exp = (
        tb[(tb.account_id == pe.account_id) & (tb.sku_id == pe.sku_id)]
        .set_index("week_id")
        .expected_baseline_units
    )
    true_b = exp.loc[pe.start_week : pe.end_week].sum() / upc
    a, _ = _series(world, pe.account_id, pe.sku_id)
    assert pe.truth.apparent_uplift == pytest.approx(
        a[pe.start_week : pe.end_week + 1].sum() / true_b - 1, rel=1e-9
    )
    tp = world.truth_promo.set_index("promo_id").loc[pid]
    assert pe.truth.roi == pytest.approx(tp.roi)
    assert pe.truth.net_incremental == pytest.approx(tp.incremental_cases)
    ts = world.trade_spend
    assert pe.truth.spend == pytest.approx(ts.loc[ts.promo_id == pid, "amount_rmb"].sum())


def test_eligible_promotions_are_executed_key_account_promotions(world) -> None:
    el = eligible_promotions(world)
    pr = world.promotions.set_index("promo_id").loc[el.promo_id]
    acc = world.accounts.set_index("account_id")
    assert (pr.status == "EXECUTED").all()
    assert (pr.account_id.map(acc.channel.astype(str)) != "DIST").all()
    assert (pr.end_week < len(world.calendar)).all()
    assert set(eligible_promotions(world, "ACC002").account_id) == {"ACC002"}


def test_bad_inputs_raise_readable_errors(world) -> None:
    with pytest.raises(ValueError, match="not in the promotions table"):
        post_event(world, "PR99999")
    with pytest.raises(ValueError, match="'method' must be one of"):
        post_event(world, _two_method_promo(world), "median")
    with pytest.raises(ValueError, match="'cannibalisation'"):
        post_event(world, _two_method_promo(world), cannibalisation=1.5)
    pr = world.promotions
    deal = pr[(pr.mechanic == "TRADE_DEAL") & (pr.status == "EXECUTED")].promo_id.iloc[0]
    with pytest.raises(ValueError, match="distributor trade deal"):
        post_event(world, deal)
    assert isinstance(eligible_promotions(world), pd.DataFrame)
