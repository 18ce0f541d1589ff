"""M5 promo what-if model against hand calculations (SPEC §2.3–2.4)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import metrics as km
from kamlab.analysis.m5_common import model_param, unit_margin
from kamlab.analysis.m5_whatif import POST_DIP, display_share, promo_whatif, whatif_skus
from kamlab.ui.base import default_world

ACC, SKU = "ACC001", None


@pytest.fixture(scope="module")
def world():
    return default_world()


@pytest.fixture(scope="module")
def sku(world):
    return whatif_skus(world, ACC)[0]


def _truth(world, sku):
    return world.truth_elasticity.set_index("sku_id").loc[sku]


def test_deeper_depth_raises_the_multiplier_by_the_elasticity_power(world, sku) -> None:
    a = promo_whatif(world, ACC, sku, "TPR", 0.20)
    b = promo_whatif(world, ACC, sku, "TPR", 0.30)
    eps_plan = float(world.products.set_index("sku_id").loc[sku, "planning_elasticity"])
    eps_true = float(_truth(world, sku).elasticity)
    ratio = (0.70 / 0.80) ** eps_plan
    assert b.plan.multiplier / a.plan.multiplier == pytest.approx(ratio, rel=1e-12)
    assert b.truth.multiplier / a.truth.multiplier == pytest.approx(
        (0.70 / 0.80) ** eps_true, rel=1e-12
    )
    assert a.plan.multiplier == pytest.approx(0.8**eps_plan, rel=1e-12)
    assert a.plan.lift == pytest.approx(0.8**eps_plan - 1, rel=1e-12)


def test_display_and_feature_multiply_the_response(world, sku) -> None:
    base = promo_whatif(world, ACC, sku, "TPR", 0.2)
    ds = display_share(world, "HYPER")
    te = _truth(world, sku)
    for display, plan_mult, true_mult in (
        ("ENDCAP", km.DISPLAY_MULTIPLIERS["ENDCAP"], te.display_mult),
        ("FLOOR_STACK", km.DISPLAY_MULTIPLIERS["FLOOR_STACK"], te.floorstack_mult),
    ):
        r = promo_whatif(world, ACC, sku, "TPR", 0.2, display=display)
        assert r.plan.multiplier / base.plan.multiplier == pytest.approx(1 + ds * (plan_mult - 1))
        assert r.truth.multiplier / base.truth.multiplier == pytest.approx(1 + ds * (true_mult - 1))
    f = promo_whatif(world, ACC, sku, "TPR", 0.2, feature="DM")
    assert f.plan.multiplier / base.plan.multiplier == pytest.approx(1.2)
    assert f.truth.multiplier / base.truth.multiplier == pytest.approx(te.feature_mult)


def test_mechanics_fix_their_price_cut(world, sku) -> None:
    a = promo_whatif(world, ACC, sku, "BOGO", 0.10)
    b = promo_whatif(world, ACC, sku, "BOGO", 0.40)
    assert a.depth == b.depth == 0.5 and a.depth_fixed
    assert a.plan.multiplier == b.plan.multiplier
    assert promo_whatif(world, ACC, sku, "MULTIBUY", 0.4).depth == 0.25
    d = promo_whatif(world, ACC, sku, "DISPLAY_ONLY", 0.4, display="ENDCAP")
    assert d.depth == 0.0 and d.funding_per_case == 0.0 and d.fixed_fee > 0


def test_funding_margin_and_break_even(world, sku) -> None:
    r = promo_whatif(world, ACC, sku, "TPR", 0.25)
    fy = int(world.calendar.fiscal_year.max())
    m = unit_margin(world, ACC, sku, fy)
    lp = float(world.products.set_index("sku_id").loc[sku, "list_price_case"])
    pf = float(world.accounts.set_index("account_id").loc[ACC, "price_factor"])
    f = float(model_param(world, "scanback_share")) * 0.25 * lp * pf
    assert r.unit_margin == pytest.approx(m)
    assert r.funding_per_case == pytest.approx(f)
    assert r.break_even_uplift == pytest.approx(m / (m - f) - 1)
    k = int(np.argmin(np.abs(r.curve_depth - 0.25)))
    assert r.curve_break_even[k] == pytest.approx(r.break_even_uplift)


def test_base_is_the_mean_of_the_last_years_clean_weeks(world, sku) -> None:
    T = len(world.calendar)
    so = world.sell_out
    d = so[(so.account_id == ACC) & (so.sku_id == sku) & (so.week_id >= T - 52)]
    pr = world.promotions
    pr = pr[(pr.account_id == ACC) & (pr.sku_id == sku) & (pr.status == "EXECUTED")]
    promo = set()
    for s, e in zip(pr.start_week, pr.end_week, strict=True):
        promo |= set(range(int(s), int(e) + 1))
    clean = d[~d.week_id.isin(promo)].cases_sold
    assert promo_whatif(world, ACC, sku).base_cases == pytest.approx(clean.mean(), rel=1e-12)


def test_roi_follows_the_predicted_event(world, sku) -> None:
    """NIC = incremental × (1 − post-dip − cannibalisation); spend = f × promo cases + fees."""
    r = promo_whatif(world, ACC, sku, "TPR", 0.2, display="ENDCAP", feature="DM", duration=2)
    for case in (r.plan, r.truth):
        inc = r.base_cases * (case.multiplier - 1) * 2
        cann = float(model_param(world, "cannibalisation"))
        ev = case.evaluation
        assert ev.net_incremental == pytest.approx(inc * (1 - POST_DIP - cann), rel=1e-9)
        assert ev.spend == pytest.approx(r.funding_per_case * case.promo_cases + r.fixed_fee)
        assert ev.roi == pytest.approx(ev.net_incremental * r.unit_margin / ev.spend, rel=1e-12)
    d4 = promo_whatif(world, ACC, sku, "TPR", 0.2, display="ENDCAP", feature="DM", duration=4)
    assert d4.plan.promo_cases == pytest.approx(2 * r.plan.promo_cases)


def test_the_planning_elasticity_overstates_the_lift(world) -> None:
    """The company's planning elasticity is biased: its lift beats the truth on most SKUs."""
    skus = whatif_skus(world, ACC)
    over = [
        promo_whatif(world, ACC, s, "TPR", 0.2).plan.lift
        > promo_whatif(world, ACC, s, "TPR", 0.2).truth.lift
        for s in skus
    ]
    assert np.mean(over) > 0.5


def test_bad_inputs_raise_readable_errors(world, sku) -> None:
    with pytest.raises(ValueError, match="not listed"):
        promo_whatif(world, ACC, "SKU999")
    with pytest.raises(ValueError, match="'mechanic'"):
        promo_whatif(world, ACC, sku, "DISCOUNT")
    with pytest.raises(ValueError, match="'depth'"):
        promo_whatif(world, ACC, sku, "TPR", 0.6)
    with pytest.raises(ValueError, match="'duration'"):
        promo_whatif(world, ACC, sku, "TPR", 0.2, duration=0)
