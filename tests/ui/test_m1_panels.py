"""M1 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import i18n
from kamlab.analysis.m1_g2n import g2n_base, list_to_pocket
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m1 import ListToPocket, ScorecardPanel, WaterfallExplorer


@pytest.fixture(scope="module")
def world():
    return default_world()


def _step(panel: WaterfallExplorer, step: str) -> float:
    return float(panel.result.steps.set_index("step").loc[step, "amount"])


def test_m1_panels_are_registered() -> None:
    assert {"M1/waterfall_explorer", "M1/five_indicator_scorecard", "M1/list_to_pocket"} <= set(
        PANELS
    )
    # the waterfall explorer's first control is a slider (the browser test presses it)
    p = PANELS["M1/waterfall_explorer"].cls
    assert p is WaterfallExplorer


def test_waterfall_starts_at_the_actual_year(world) -> None:
    p = WaterfallExplorer(world=world)
    acc, fy = p.values["account"], p.values["fiscal_year"]
    b = g2n_base(world, acc, fy)
    assert p.values["off_invoice_rate"] == pytest.approx(b.off_invoice_rate)
    assert p.values["rebate_rate"] == pytest.approx(b.rebate_rate)
    assert p.values["display_fees"] == pytest.approx(b.display_fees)
    assert p.result.delta["nr"] == pytest.approx(0.0, abs=1e-6)
    assert "±0" in p.kpis.value


def test_a_slider_snapped_to_its_step_still_means_the_actual(world) -> None:
    p = WaterfallExplorer(world=world)
    b = p.result.base
    # what the browser sends back after snapping the exact actual values to the slider steps
    p.controls["rebate_rate"].value = round(b.rebate_rate, 3)
    p.controls["off_invoice_rate"].value = round(b.off_invoice_rate, 3)
    p.controls["display_fees"].value = round(b.display_fees, -4)
    assert p.result.delta["nr"] == 0.0 and p.result.delta["cc"] == 0.0
    # one step away is a real change: exactly the step × GS
    p.controls["rebate_rate"].value = round(b.rebate_rate, 3) + 0.001
    assert p.result.delta["nr"] == pytest.approx(
        -(round(b.rebate_rate, 3) + 0.001 - b.rebate_rate) * b.gs
    )


def test_off_invoice_slider_moves_nr_by_one_percent_of_gs_per_point(world) -> None:
    p = WaterfallExplorer(world=world)
    b = p.result.base
    before_text = p.kpis.value
    nr0, gp0, cc0 = p.result.pnl.nr, p.result.pnl.gp, p.result.pnl.cc
    y0 = list(p.fig.data[0].y)
    p.controls["off_invoice_rate"].value = p.values["off_invoice_rate"] + 0.01
    assert p.result.pnl.nr - nr0 == pytest.approx(-0.01 * b.gs, rel=1e-9)
    assert p.result.pnl.gp - gp0 == pytest.approx(-0.01 * b.gs, rel=1e-9)
    fin = 0.06 * b.payment_terms_days / 365
    assert p.result.pnl.cc - cc0 == pytest.approx(-0.01 * b.gs * (1 - fin), rel=1e-9)
    assert p.kpis.value != before_text
    # the chart shows the same numbers: the off-invoice bar grew by 1 % of GS
    labels = list(p.fig.data[0].x)
    i = labels.index(i18n.t("m1.step_off_invoice_discount"))
    assert p.fig.data[0].y[i] - y0[i] == pytest.approx(-0.01 * b.gs, rel=1e-9)


def test_rebate_and_display_fee_sliders(world) -> None:
    p = WaterfallExplorer(world=world)
    b = p.result.base
    nr0 = p.result.pnl.nr
    p.controls["rebate_rate"].value = b.rebate_rate + 0.005
    assert p.result.pnl.nr - nr0 == pytest.approx(-0.005 * b.gs, rel=1e-9)
    assert _step(p, "unconditional_rebate") == pytest.approx(-(b.rebate_rate + 0.005) * b.gs)
    nr1 = p.result.pnl.nr
    p.controls["display_fees"].value = b.display_fees + 200_000
    assert p.result.pnl.nr - nr1 == pytest.approx(-200_000, rel=1e-9)
    assert _step(p, "display_fees") == pytest.approx(-(b.display_fees + 200_000))
    # reset restores the actual year
    p.reset.click()
    assert p.result.delta["nr"] == pytest.approx(0.0, abs=1e-6)


def test_account_and_year_change_reset_the_levers_to_the_new_actuals(world) -> None:
    p = WaterfallExplorer(world=world)
    p.controls["off_invoice_rate"].value = 0.12
    p.controls["account"].value = "ACC009"
    b = g2n_base(world, "ACC009", p.values["fiscal_year"])
    assert p.result.base.account_id == "ACC009"
    assert p.values["off_invoice_rate"] == pytest.approx(b.off_invoice_rate)
    assert p.result.pnl.nr == pytest.approx(p.result.actual.nr)
    assert p.result.pnl.gs == pytest.approx(b.gs)
    p.controls["fiscal_year"].value = 2023
    b23 = g2n_base(world, "ACC009", 2023)
    assert p.result.pnl.gs == pytest.approx(b23.gs)
    assert p.values["rebate_rate"] == pytest.approx(b23.rebate_rate)
    assert p.controls["display_fees"].max >= 2 * b23.display_fees


def test_waterfall_money_unit_and_language(world) -> None:
    p = WaterfallExplorer(world=world)
    gs = p.result.pnl.gs
    assert p.fig.data[0].y[0] == pytest.approx(gs)
    p._money.value = "wan"
    try:
        assert p.fig.data[0].y[0] == pytest.approx(gs / 10_000)
        assert "万元" in p.kpis.value
    finally:
        p._money.value = "yuan"
    p._lang.value = "zh"
    try:
        assert p.fig.data[0].x[0] == "总销售额"
        assert p.controls["off_invoice_rate"].description.startswith("发票折扣")
    finally:
        p._lang.value = "en"


def test_every_waterfall_control_changes_the_output(world) -> None:
    p = WaterfallExplorer(world=world)
    seen = []
    for name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", p.message.value
        seen.append((name, p.result.pnl.nr))
    names = {n for n, _ in seen}
    assert names == {"off_invoice_rate", "rebate_rate", "display_fees", "account", "fiscal_year"}
    for name in names:
        values = {round(nr, 2) for n, nr in seen if n == name}
        assert len(values) == len([n for n, _ in seen if n == name]), name


# ---- scorecard -------------------------------------------------------------------------------


def test_scorecard_panel_composite_and_colours(world) -> None:
    p = ScorecardPanel(world=world)
    r = p.result
    iv = r.indicators
    w = np.array([0.25, 0.25, 0.2, 0.15, 0.15])
    assert r.composite == pytest.approx(float((w * np.minimum(iv["achievement"], 1.2)).sum()))
    bar = p.fig.data[0]
    assert list(bar.x) == pytest.approx(list(np.minimum(iv["achievement"], 1.2)))
    colours = {"green": "#0072B2", "amber": "#E69F00", "red": "#D55E00"}
    assert list(bar.marker.color) == [colours[x] for x in iv["rag"]]
    for text, rag in zip(bar.text, iv["rag"], strict=True):
        assert i18n.t(f"m1.rag_{rag}") in text and "%" in text  # colour always with label
    assert f"{r.composite:.3f}" in p.headline.value


def test_scorecard_period_slider_and_basis(world) -> None:
    p = ScorecardPanel(world=world)
    p.controls["periods"].value = (1, 6)
    assert (p.result.period_from, p.result.period_to) == ("FY2023-P01", "FY2023-P06")
    si = p.result.indicators.set_index("indicator")
    tp = world.targets_period
    keys = [f"FY2023-P0{i}" for i in range(1, 7)]
    target = tp.loc[
        (tp["account_id"] == p.values["account"]) & tp["period_key"].isin(keys), "nr_target"
    ].sum()
    assert si.loc["revenue", "target"] == pytest.approx(target)
    p.controls["basis"].value = "sell_out"
    so = p.result.indicators.set_index("indicator")
    assert so.loc["revenue", "actual"] != pytest.approx(si.loc["revenue", "actual"])
    assert so.loc["share", "actual"] == pytest.approx(si.loc["share", "actual"])
    p.controls["account"].value = "ACC010"
    assert p.result.account_id == "ACC010"
    assert "ACC010" in p.fig.layout.title.text


def test_scorecard_language_switch_keeps_the_basis(world) -> None:
    p = ScorecardPanel(world=world)
    p.controls["basis"].value = "sell_out"
    p._lang.value = "zh"
    try:
        assert p.controls["basis"].value == "sell_out"
        assert "动销" in p.controls["basis"].options[1][0]
        assert p.fig.data[0].y[0] == "利润"
    finally:
        p._lang.value = "en"


# ---- list to pocket --------------------------------------------------------------------------


def test_list_to_pocket_panel(world) -> None:
    p = ListToPocket(world=world)
    acc, fy = p.values["account"], p.values["fiscal_year"]
    ref = list_to_pocket(world, acc, fy, top_n=8)
    assert len(p.fig.data[0].x) == 8
    assert list(p.fig.data[3].y) == pytest.approx(list(ref.shown["pocket_price"]))
    p.controls["top_n"].value = 12
    assert len(p.result.shown) == 12 and len(p.fig.data[0].x) == 12
    p.controls["view"].value = "pct"
    shown = p.result.shown
    assert list(p.fig.data[0].y) == pytest.approx([100.0] * 12)
    assert list(p.fig.data[3].y) == pytest.approx(
        list(shown["pocket_price"] / shown["list_price"] * 100)
    )
    p.controls["sort_by"].value = "leakage"
    assert p.result.shown["leakage"].is_monotonic_decreasing
    p.controls["fiscal_year"].value = 2023
    assert p.result.nr == pytest.approx(list_to_pocket(world, acc, 2023).nr)
    p.controls["account"].value = "ACC012"
    assert p.result.account_id == "ACC012"
    assert "Σ" in p.summary.value


def test_every_control_of_every_m1_panel_responds(world) -> None:
    for cls in (ScorecardPanel, ListToPocket):
        p = cls(world=world)
        for _name, _value, _ms in exercise(p, n=2):
            assert p.message.value == ""
