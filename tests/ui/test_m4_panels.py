"""M4 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import i18n
from kamlab.analysis.m4_review import account_quarter_value_share, review_context
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m4 import ExecutionHeatmap, ReviewDashboard, ServiceRootCause


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_m4_panels_are_registered() -> None:
    assert {"M4/review_dashboard", "M4/execution_heatmap", "M4/service_root_cause"} <= set(PANELS)


# ---- review dashboard --------------------------------------------------------------------------


def test_review_dashboard_controls(world) -> None:
    p = ReviewDashboard(world=world)
    ctx = review_context(world)
    assert p.values["quarter"] == ctx.quarters[-1] and p.message.value == ""
    r = p.result
    assert r.compare_quarter == ctx.quarters[-5]
    # the waterfall draws the bridge: R0, volume, mix, price, R1
    assert list(p.fig_pvm.data[0].y) == pytest.approx(
        [r.pvm.r0, r.pvm.volume, r.pvm.mix, r.pvm.price, r.pvm.r1]
    )
    # the volume effect is (V1 − V0) × R0/V0 at every drill-down level; NR totals stay
    v0, v1 = r.pvm_items["v0"].sum(), r.pvm_items["v1"].sum()
    for level in ("category", "pack_type"):
        p.controls["level"].value = level
        assert p.result.level == level
        assert p.result.pvm.volume == pytest.approx((v1 - v0) * r.pvm.r0 / v0)
        assert p.result.pvm.r1 == pytest.approx(r.pvm.r1)
        assert p.result.pvm.volume + p.result.pvm.mix + p.result.pvm.price == pytest.approx(
            r.pvm.r1 - r.pvm.r0
        )
    p.controls["compare"].value = "pq"
    assert p.result.compare_quarter == ctx.quarters[-2]
    p.controls["category"].value = "CSD"
    a, q = p.values["account"], p.values["quarter"]
    assert p.result.share == pytest.approx(account_quarter_value_share(ctx, a, q, "CSD"))
    sel = p.result.share_trend.loc[p.result.share_trend["selected"]]
    assert list(p.fig_share.data[1].y) == pytest.approx(list(sel["value_share"]))
    p.controls["quarter"].value = "FY2024-Q2"
    assert p.result.quarter == "FY2024-Q2" and p.result.compare_quarter == "FY2024-Q1"
    p.controls["account"].value = "ACC008"
    assert p.result.account_id == "ACC008"
    assert list(p.fig_dist.data[0].y) == pytest.approx(list(p.result.distribution["wd"]))


def test_review_dashboard_first_quarter_is_a_message(world) -> None:
    p = ReviewDashboard(world=world)
    p.controls["quarter"].value = "FY2023-Q1"
    assert "no same quarter last year" in p.message.value
    p.controls["quarter"].value = "FY2024-Q1"
    assert p.message.value == ""


def test_review_dashboard_language_and_money(world) -> None:
    p = ReviewDashboard(world=world)
    y0 = p.fig_pvm.data[0].y[0]
    p._money.value = "wan"
    try:
        assert p.fig_pvm.data[0].y[0] == pytest.approx(y0 / 10_000)
        assert "万元" in p.kpis.value
    finally:
        p._money.value = "yuan"
    p._lang.value = "zh"
    try:
        assert p.controls["compare"].options[0][0] == "去年同季度"
        assert p.fig_pvm.data[0].x[1] == "销量"
    finally:
        p._lang.value = "en"


def test_every_review_control_changes_the_output(world) -> None:
    p = ReviewDashboard(world=world)
    seen = set()
    for name, _value, _ms in exercise(p, n=2):
        seen.add(name)
    assert seen == set(p.controls)


# ---- execution heatmap -------------------------------------------------------------------------


def _hand_pss(st: pd.DataFrame, w: dict[str, float]) -> np.ndarray:
    k = st[list(w)].to_numpy(float)
    ww = np.array(list(w.values()))
    have = ~np.isnan(k)
    return np.nansum(k * ww, axis=1) / (have * ww).sum(axis=1)


def test_a_weight_shift_moves_the_score_by_weight_times_kpi_difference(world) -> None:
    p = ExecutionHeatmap(world=world)
    p.controls["sort"].value = "store_id"
    p.controls["account"].value = "ACC002"
    p.controls["period"].value = "FY2023-P05"  # some stores with a contracted display, some not
    st0 = p.result.stores.copy()
    # move 0.05 of weight from price to availability (weights still sum to 1)
    p.controls["w_price"].value = 0.10
    p.controls["w_availability"].value = 0.40
    st1 = p.result.stores
    full = (
        st0[["availability", "price", "display", "share_of_shelf", "planogram"]].notna().all(axis=1)
    )
    assert full.any()
    diff = st1["pss"] - st0["pss"]
    expect = 0.05 * (st0["availability"] - st0["price"])
    assert np.allclose(diff[full], expect[full])
    # stores without a contracted display renormalise over 0.85 of the weight
    nod = st0["display"].isna() & st0[["availability", "price"]].notna().all(axis=1)
    assert nod.any()
    assert np.allclose(diff[nod], expect[nod] / 0.85)


def test_each_weight_slider_and_the_account_score(world) -> None:
    p = ExecutionHeatmap(world=world)
    p.controls["sort"].value = "store_id"
    for k in ("availability", "share_of_shelf", "planogram", "price", "display"):
        p.controls[f"w_{k}"].value = 0.6
        w = {x: p.values[f"w_{x}"] for x in ("availability", "share_of_shelf", "planogram",
                                              "price", "display")}  # fmt: skip
        st = p.result.stores
        assert np.allclose(st["pss"], _hand_pss(st, w), equal_nan=True), k
        acv = st["acv"].to_numpy()
        ok = st["pss"].notna().to_numpy()
        assert p.result.account_pss == pytest.approx(
            (st["pss"][ok] * acv[ok]).sum() / acv[ok].sum()
        )
        assert p.result.weights[k] == pytest.approx(0.6 / sum(w.values()))
    # the heatmap shows the table: z of the PSS column = the scores, with the number as text
    z = np.array(p.fig.data[0].z, dtype=float)
    assert np.allclose(z[:, -1], p.result.stores["pss"], equal_nan=True)
    assert p.fig.data[0].text[0][-1] == f"{p.result.stores['pss'].iloc[0] * 100:.0f}%"


def test_heatmap_selection_and_sort(world) -> None:
    p = ExecutionHeatmap(world=world)
    p.controls["sort"].value = "pss"
    assert p.result.stores["pss"].dropna().is_monotonic_increasing
    p.controls["sort"].value = "acv"
    assert p.result.stores["acv"].is_monotonic_decreasing
    p.controls["period"].value = "FY2023-P05"
    assert p.result.period_key == "FY2023-P05"
    p.controls["account"].value = "ACC006"
    assert p.result.account_id == "ACC006"
    assert list(p.fig.data[0].y) == list(p.result.stores["store_id"])
    p._lang.value = "zh"
    try:
        assert p.fig.data[0].x[0] == "在架率"
    finally:
        p._lang.value = "en"


def test_every_heatmap_control_changes_the_output(world) -> None:
    p = ExecutionHeatmap(world=world)
    seen = set()
    for name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", (name, p.message.value)
        seen.add(name)
    assert seen == set(p.controls)


# ---- service root cause ------------------------------------------------------------------------


def _lines(world, account: str, scope: str) -> pd.DataFrame:
    cal = world.calendar.set_index("week_id")
    ol = world.order_lines
    pk = ol["week_id"].map(cal["period_key"]).astype(str)
    fy = ol["week_id"].map(cal["fiscal_year"])
    m = pk == scope if "-P" in scope else fy == int(scope[2:])
    if account != "ALL":
        m &= ol["account_id"] == account
    return ol.loc[m]


def test_tolerance_days_raise_on_time_as_the_spec_says(world) -> None:
    p = ServiceRootCause(world=world)
    p.controls["account"].value = "ACC005"
    p.controls["scope"].value = "FY2024"
    ln = _lines(world, "ACC005", "FY2024")
    full = ln["cases_shipped"] >= ln["cases_ordered"]
    prev = -1.0
    for tol in (0, 1, 2, 3):
        p.controls["tolerance_days"].value = tol
        f = p.result.fill
        assert f.line_otif == pytest.approx(((ln["days_late"] <= tol) & full).mean())
        on_time = (ln["days_late"] <= tol).groupby(ln["order_id"]).all().mean()
        assert f.on_time == pytest.approx(on_time)
        assert f.on_time >= prev
        prev = f.on_time
        # case fill does not depend on the tolerance; the gaps add up
        assert f.case_fill == pytest.approx(ln["cases_shipped"].sum() / ln["cases_ordered"].sum())
        assert p.result.line_gap.sum() == pytest.approx(1 - f.line_otif)
        assert list(p.fig.data[3].x) == pytest.approx(
            [p.result.case_gap["late"], p.result.line_gap["late"]]
        )


def test_service_scope_and_account(world) -> None:
    p = ServiceRootCause(world=world)
    p.controls["scope"].value = "FY2024-P07"
    ln = _lines(world, "ALL", "FY2024-P07")
    assert p.result.fill.n_lines == len(ln)
    short = ln.groupby(ln["short_reason"].astype(str))["cases_short"].sum()
    ordered = ln["cases_ordered"].sum()
    assert p.result.case_gap["supply"] == pytest.approx(short.get("SUPPLY_SHORTAGE", 0) / ordered)
    assert p.result.case_gap["credit"] == pytest.approx(short.get("CREDIT_HOLD", 0) / ordered)
    assert list(p.fig_trend.data[0].x)[6] == "FY2024-P07"
    p.controls["account"].value = "ACC002"
    assert p.result.fill.n_lines == len(_lines(world, "ACC002", "FY2024-P07"))
    p._lang.value = "zh"
    try:
        assert p.controls["account"].options[0][0] == "全部"
        assert p.fig.data[0].name == "供应不足"
    finally:
        p._lang.value = "en"
    assert i18n.t("m4.kpi_case_fill") in p.kpis.value


def test_every_service_control_changes_the_output(world) -> None:
    p = ServiceRootCause(world=world)
    seen = set()
    for name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", (name, p.message.value)
        seen.add(name)
    assert seen == set(p.controls)
