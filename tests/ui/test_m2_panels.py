"""M2 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.analysis.m2_jbp import NPD_WEEKS, jbp_base
from kamlab.analysis.m2_portfolio import ATTRACTIVENESS, CRITERIA, POSITION, portfolio_criteria
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m2 import JBPBuilder, PortfolioMatrix, RollingPlanner


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_m2_panels_are_registered() -> None:
    assert {"M2/portfolio_matrix", "M2/jbp_target_builder", "M2/rolling_planner"} <= set(PANELS)


# ---- portfolio -------------------------------------------------------------------------------


def _axes(crit, w):
    s = {k: (crit[k] - crit[k].min()) / (crit[k].max() - crit[k].min()) for k in CRITERIA}
    attr = sum(w[k] * s[k] for k in ATTRACTIVENESS) / sum(w[k] for k in ATTRACTIVENESS)
    pos = sum(w[k] * s[k] for k in POSITION) / sum(w[k] for k in POSITION)
    return attr.to_numpy(float), pos.to_numpy(float)


def test_each_weight_slider_reweights_its_axis(world) -> None:
    p = PortfolioMatrix(world=world)
    crit = portfolio_criteria(world)
    for name in CRITERIA:
        p.controls[name].value = 0.9 if p.controls[name].value != 0.9 else 0.1
        attr, pos = _axes(crit, p.values)
        tb = p.result.table
        assert np.allclose(tb["attractiveness"], attr), name
        assert np.allclose(tb["position"], pos), name
        assert np.allclose(p.fig.data[0].x, pos) and np.allclose(p.fig.data[0].y, attr)
        score = (attr + pos) / 2
        tiers = np.where(score >= 0.5 - 1e-9, "A", np.where(score >= 0.35 - 1e-9, "B", "C"))
        assert list(tb["tier"]) == list(tiers)
        changed = tiers != crit["current_tier"].to_numpy()
        # changed tiers are highlighted: a diamond with a thick outline, and named in the table
        assert list(p.fig.data[0].marker.symbol) == ["diamond" if c else "circle" for c in changed]
        assert p.table.value.count("◆") == int(changed.sum()) + 1  # + the column header


def test_size_alone_ranks_attractiveness_by_category_size(world) -> None:
    p = PortfolioMatrix(world=world)
    for k in ATTRACTIVENESS:
        p.controls[k].value = 1.0 if k == "size" else 0.0
    crit = portfolio_criteria(world)
    expect = (crit["size"] - crit["size"].min()) / (crit["size"].max() - crit["size"].min())
    assert np.allclose(p.result.table["attractiveness"], expect)


def test_zero_weights_on_an_axis_is_a_message(world) -> None:
    p = PortfolioMatrix(world=world)
    for k in POSITION:
        p.controls[k].value = 0.0
    assert "position criterion" in p.message.value
    p.controls["share"].value = 0.5
    assert p.message.value == ""


# ---- JBP -------------------------------------------------------------------------------------


def _steps(p: JBPBuilder) -> dict[str, float]:
    return p.result.bridge.as_dict()


def test_jbp_sliders_move_the_bridge_as_the_formula_says(world) -> None:
    p = JBPBuilder(world=world)
    b = jbp_base(world, p.values["account"])
    assert p.values["promo_events"] == b.promo_events_ly
    wd = np.array(list(b.wd_by_sku.values()))

    p.controls["delta_wd"].value = 0.03
    d_tdp = np.minimum(wd + 0.03, 1).sum() - wd.sum()
    assert _steps(p)["distribution"] == pytest.approx(d_tdp * b.nr_ly / b.tdp_ly)

    before = _steps(p)["promotions"]
    p.controls["promo_events"].value = b.promo_events_ly + 3
    assert _steps(p)["promotions"] - before == pytest.approx(3 * b.nic_per_event * b.npc)

    p.controls["npd_listings"].value = 2
    assert _steps(p)["npd"] == pytest.approx(2 * b.stores * b.npd_rate_of_sale * NPD_WEEKS)

    p.controls["price_change"].value = 0.02
    s = _steps(p)
    sub = s["ly"] + s["base_momentum"] + s["distribution"] + s["promotions"] + s["npd"]
    assert s["price_mix"] == pytest.approx(0.02 * sub)
    assert s["target"] == pytest.approx(sub * 1.02)

    p.controls["share_gain"].value = 0.01
    market = b.nr_ly * (1 + b.category_growth) * (1 + 0.01 / b.share_ly) * 1.02
    assert p.result.market_target == pytest.approx(market)
    assert p.result.gap == pytest.approx(market - s["target"])
    # the chart shows the bridge and the market line
    assert p.fig.data[0].y[-1] == pytest.approx(s["target"])
    assert list(p.fig.data[1].y) == pytest.approx([market, market])


def test_jbp_account_change_resets_the_events_to_last_year(world) -> None:
    p = JBPBuilder(world=world)
    p.controls["promo_events"].value = 30
    p.controls["account"].value = "ACC009"
    b = jbp_base(world, "ACC009")
    assert p.values["promo_events"] == b.promo_events_ly
    assert p.result.bridge.as_dict()["promotions"] == 0
    assert p.result.base.account_id == "ACC009"
    p._money.value = "wan"
    try:
        assert p.fig.data[0].y[0] == pytest.approx(b.nr_ly / 10_000)
    finally:
        p._money.value = "yuan"


def test_every_jbp_control_responds(world) -> None:
    p = JBPBuilder(world=world)
    seen = set()
    for name, _v, _ms in exercise(p, n=2):
        assert p.message.value == ""
        seen.add((name, round(p.result.bridge.target, 2), round(p.result.market_target, 2)))
    assert {n for n, _, _ in seen} == set(p.controls)


# ---- rolling planner -------------------------------------------------------------------------


def _free_sku(p: RollingPlanner) -> str:
    busy = set(p.ctx.planned(p.values["account"])["sku_id"])
    return next(s for s in p.ctx.listed(p.values["account"]) if s not in busy)


def test_planner_draft_depth_lifts_demand_by_the_elasticity(world) -> None:
    p = RollingPlanner(world=world)
    sku = _free_sku(p)
    p.controls["sku"].value = sku
    p.controls["start"].value = 9
    eps = float(world.truth_elasticity.set_index("sku_id").loc[sku, "elasticity"])
    demand = {}
    for d in (0.1, 0.3):
        p.controls["depth"].value = d
        wk = p.result.plan.weekly
        on = (wk["sku_id"] == sku) & wk["week_id"].isin([p.ctx.T + 8, p.ctx.T + 9])
        demand[d] = wk.loc[on, "demand_units"].to_numpy(float)
    assert np.allclose(demand[0.3] / demand[0.1], (0.7 / 0.9) ** eps, rtol=0.01)


def test_planner_charts_are_the_model_numbers(world) -> None:
    p = RollingPlanner(world=world)
    wk = p.result.weekly
    assert list(p.fig.data[0].y) == pytest.approx(list(wk["shipped"]))
    assert list(p.fig.data[1].y) == pytest.approx(list(wk["ordered"] - wk["shipped"]))
    assert list(p.fig.data[2].y) == pytest.approx(list(wk["ordered"]))
    assert p.fig2.data[1].y[-1] == pytest.approx(p.result.plan.kpis["tts"])
    assert p.fig2.data[2].y[0] == pytest.approx(p.result.kpis["budget"])
    assert ("✓" in p.kpis.value) or ("✗" in p.kpis.value)


def test_planner_preview_add_remove_clear_and_planned(world) -> None:
    p = RollingPlanner(world=world)
    n_planned = len(p.ctx.planned(p.values["account"]))
    p.controls["sku"].value = _free_sku(p)
    assert len(p.result.promotions) == n_planned + 1  # the previewed draft
    p.controls["preview"].value = False
    assert len(p.result.promotions) == n_planned
    assert np.allclose(p.result.weekly["ordered"], p.result.weekly["ordered_base"])
    p.controls["preview"].value = True
    p.add.click()  # commits the draft and switches the preview off
    assert p.values["preview"] is False
    assert list(p.result.promotions["source"]).count("slot") == 1
    p.controls["include_planned"].value = False
    assert list(p.result.promotions["source"]) == ["slot"]
    p.remove.click()
    assert len(p.result.promotions) == 0
    p.controls["preview"].value = True
    p.add.click()
    p.clear.click()
    assert len(p.result.promotions) == 0


def test_planner_account_change_lists_its_skus_and_overlap_is_a_message(world) -> None:
    p = RollingPlanner(world=world)
    p.controls["account"].value = "ACC004"
    listed = p.ctx.listed("ACC004")
    assert [v for _, v in p.controls["sku"].options] == listed
    assert p.values["sku"] not in set(p.ctx.planned("ACC004")["sku_id"])
    assert p.message.value == ""
    pl = p.ctx.planned("ACC004").iloc[0]
    p.controls["sku"].value = str(pl["sku_id"])
    p.controls["start"].value = int(pl["start_week"]) - p.ctx.T + 1
    assert "promoted twice at once" in p.message.value


def test_every_planner_control_responds(world) -> None:
    p = RollingPlanner(world=world)
    for _name, _v, _ms in exercise(p, n=2):
        assert p.result is not None
