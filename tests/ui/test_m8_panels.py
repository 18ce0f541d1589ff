"""M8 panels without a kernel: evidence views, the control tower's levers, simulate and export."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import i18n
from kamlab.analysis.m8_capstone import build_plan, evidence_view
from kamlab.analysis.m8_constraints import evaluate_plan, plan_constraints
from kamlab.analysis.m8_plan import load_submission
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m8 import ControlTower, EvidencePanel


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_m8_panels_are_registered() -> None:
    assert {"M8/evidence", "M8/control_tower"} <= set(PANELS)


# ---------------------------------------------------------------------------------------------
# evidence


def test_every_view_and_year_draws_the_model(world) -> None:
    p = EvidencePanel(world=world)
    seen = set()
    for view in ("share", "inventory", "service", "promo_roi"):
        p.controls["view"].value = view
        for fy in p.ctx.fiscal_years:
            p.controls["fiscal_year"].value = fy
            r = evidence_view(p.ctx, view, fy)
            assert p.result.view == view and p.result.fiscal_year == fy
            a, b, c = p.fig.data
            if view == "share":
                assert list(a.y) == pytest.approx(r.table.value_share.round(5).tolist())
                assert p.fig.layout.shapes[0].y0 == pytest.approx(r.headline["value_share_target"])
            elif view == "inventory":
                assert list(a.y) == r.table.sell_in_cases.tolist() and c.visible
                assert p.fig.layout.shapes[0].y0 == pytest.approx(p.ctx.info["target_woc"] + 4)
            elif view == "service":
                assert list(b.y) == pytest.approx(r.table.line_otif.round(5).tolist())
            else:
                assert list(a.y) == pytest.approx(r.table.roi.round(4).tolist())
                assert p.fig.layout.shapes[0].y0 == 1.0
            for e in r.evidence_ids[:3]:
                assert e in p.ids.value
            seen.add((view, fy))
    assert len(seen) == 4 * len(p.ctx.fiscal_years)
    assert [v for _, v, _ in exercise(p)]  # the exerciser reaches every control


# ---------------------------------------------------------------------------------------------
# control tower


def test_levers_rebuild_the_plan_as_build_plan_says(world) -> None:
    p = ControlTower(world=world)
    for name, _value, _ms in exercise(p, n=2):
        v = p.values
        plan = build_plan(
            p.ctx, keep_events=v["keep_events"], depth_cap=v["depth_cap"], display=v["display"],
            on_invoice_discount_pct=v["on_invoice"], unconditional_rebate_pct=v["rebate"],
            target_woc=v["target_woc"], trade_budget_rmb=v["budget"],
        )  # fmt: skip
        for k, df in plan.items():
            assert (
                p.submission.tables[k]
                .reset_index(drop=True)
                .equals(df.reset_index(drop=True).astype(p.submission.tables[k].dtypes.to_dict()))
            ), (name, k)
        jbp = p.submission.tables["jbp_targets"].iloc[0]
        assert jbp.nr_target == pytest.approx(p.ctx.ly["nr_13w"] * (1 + v["nr_growth"]))
        assert jbp.value_share_target == v["share_target"]
        assert ("actions" in p.submission.tables) == bool(v["actions"])
    assert p.message.value == ""


def test_depth_cap_lowers_mean_depth_and_budget_moves_the_budget(world) -> None:
    p = ControlTower(world=world)
    d0 = p.submission.tables["promotions"].depth_pct.to_numpy()
    p.controls["depth_cap"].value = 0.15
    d1 = p.submission.tables["promotions"].depth_pct.to_numpy()
    assert d1 == pytest.approx(np.minimum(d0, 0.15))
    p.controls["budget"].value = 2_000_000.0
    assert p.submission.tables["budget"].trade_budget_rmb.iloc[0] == 2_000_000.0
    p.controls["keep_events"].value = ()
    assert len(p.submission.tables["promotions"]) == 0


def test_findings_are_recorded_as_diagnosis_rows(world) -> None:
    p = ControlTower(world=world)
    assert "diagnosis" not in p.submission.tables
    p.add_finding("STUFFING", ["W099", "W100"], note="cover far above target")
    p.add_finding("STUFFING", ["W099"])  # duplicates are dropped
    d = p.submission.tables["diagnosis"]
    assert d[["flag", "evidence_id"]].values.tolist() == [
        ["STUFFING", "W099"],
        ["STUFFING", "W100"],
    ]
    assert "W100" in p.diag_table.value
    p.add_finding("PROMO_OVERSPEND", [])
    assert i18n.t("m8.pick_evidence") in p.message.value
    p.clear_findings()
    assert "diagnosis" not in p.submission.tables


def test_simulate_shows_the_replay_and_marks_it_stale(world, tmp_path) -> None:
    p = ControlTower(world=world)
    p.controls["depth_cap"].value = 0.25
    p.controls["keep_events"].value = tuple(p.ctx.events[:2])
    assert i18n.t("m8.not_simulated") in p.sim_view.value
    ev = p.simulate()
    again = evaluate_plan(world, p.ctx.account_id, p.submission.plan, seed=int(p.seed.value))
    assert ev.composite == again.composite
    assert ev.constraints.equals(plan_constraints(ev.kpis))
    assert f"{ev.composite:.3f}" in p.sim_view.value
    assert p.sim_view.value.count("✓") + p.sim_view.value.count("✗") == len(ev.constraints) + 1
    assert list(p.fig.data[1].y) == pytest.approx(
        ev.result.account_weekly.weeks_of_cover.round(3).tolist()
    )
    # the simulated plan carries its budget allocation (the replay's spend by bucket)
    al = p.submission.tables["budget_allocation"]
    assert al.amount_rmb.sum() == pytest.approx(max(p.values["budget"], ev.kpis["tts"]))
    path = p.export(tmp_path / "m8.json")
    back = load_submission(path)
    assert back.account_id == p.ctx.account_id
    assert back.tables["promotions"].equals(p.submission.tables["promotions"])
    assert "budget_allocation" in back.tables
    # moving a lever makes the shown replay stale and drops the allocation
    p.controls["target_woc"].value = 3.5
    assert i18n.t("m8.stale") in p.sim_view.value
    assert "budget_allocation" not in p.submission.tables


def test_deeper_promotions_raise_tts_in_the_panel(world) -> None:
    p = ControlTower(world=world)
    p.controls["depth_cap"].value = 0.1
    shallow = p.simulate().kpis["tts_rate"]
    p.controls["depth_cap"].value = 0.5
    deep = p.simulate().kpis["tts_rate"]
    assert deep > shallow


def test_export_refuses_an_invalid_submission(world, tmp_path) -> None:
    p = ControlTower(world=world)
    p.add_finding("STUFFING", ["W099"])
    p.diagnosis.loc[0, "flag"] = "NOT_A_FLAG"
    p.refresh()
    assert p.export(tmp_path / "bad.json") is None
    assert not (tmp_path / "bad.json").exists()


@pytest.mark.parametrize("cls", [EvidencePanel, ControlTower])
def test_language_and_money_switch(world, cls) -> None:
    p = cls(world=world)
    p._lang.value = "zh"
    try:
        assert i18n.t(cls.title_key, lang="zh") in p._title.value
        assert p.message.value == ""
        if cls is ControlTower:
            assert p.tabs.get_title(0) == i18n.t("m8.tab_diagnosis", lang="zh")
    finally:
        p._lang.value = "en"
    p._money.value = "wan"
    try:
        p.refresh()
        assert p.message.value == ""
        if cls is ControlTower:
            assert "万元" in p.plan_view.value
    finally:
        p._money.value = "yuan"
