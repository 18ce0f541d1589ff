"""M7 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import pytest

from kamlab import capability as cap
from kamlab import i18n
from kamlab.analysis.m7_capability import ALL, capability_context, heatmap_view
from kamlab.analysis.m7_org import org_design
from kamlab.analysis.m7_succession import (
    _CACHE,
    EXTERNAL,
    succession_context,
    succession_whatif,
    successor_options,
)
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m7 import CapabilityHeatmap, OrgDesigner, SuccessionWhatIfPanel


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_m7_panels_are_registered() -> None:
    assert {"M7/org_designer", "M7/capability_heatmap", "M7/succession_whatif"} <= set(PANELS)


# ---------------------------------------------------------------------------------------------
# org designer


def test_every_account_dropdown_moves_exactly_that_accounts_contribution(world) -> None:
    p = OrgDesigner(world=world)
    c = p.ctx.contributions
    w0 = p.result.by_person.set_index("person_id")["workload_index"]
    current = p.ctx.current
    n = 0
    for name, value, _ms in exercise(p, n=2):
        acc = name[4:]
        old = current[acc]
        w1 = p.result.by_person.set_index("person_id")["workload_index"]
        assert w1[old] == pytest.approx(w0[old] - c[acc])
        assert w1[value] == pytest.approx(w0[value] + c[acc])
        assert p.result.moved == [acc]
        # the chart draws the model's numbers
        assert list(p.fig.data[0].y) == pytest.approx(w1.round(4).tolist())
        n += 1
    assert n == 2 * len(current)
    assert p.result.moved == []  # exercise restores every control


def test_org_designer_summary_flags_and_reset(world) -> None:
    p = OrgDesigner(world=world)
    assert i18n.t("m7.unbalanced") in p.summary.value  # KAM08 and KAM11 are over 1.2 × mean
    p.controls["acc_ACC012"].value = "KAM06"
    assert p.result.inconsistent == ["ACC012"]
    assert i18n.t("m7.region_bad") in p.summary.value and "ACC012" in p.summary.value
    assert p.result.by_person.equals(org_design(p.ctx, p.assignment).by_person)
    p.reset_to_current()
    assert p.assignment == p.ctx.current and p.result.moved == []
    # limit line on the chart = 1.2 × mean
    assert p.fig.layout.shapes[1].y0 == pytest.approx(1.2 * p.result.mean)


# ---------------------------------------------------------------------------------------------
# capability heatmap


def test_team_and_role_filters_show_exactly_those_people(world) -> None:
    p = CapabilityHeatmap(world=world)
    roster = p.ctx.roster
    assert len(p.result.rows) == len(roster)
    for name, value, _ms in exercise(p, n=10):
        team = p.values["team"]
        role = p.values["role"]
        want = roster
        if team != ALL:
            want = want.loc[want.team == team]
        if role != ALL:
            want = want.loc[want.role_level == role]
        assert sorted(p.result.rows["person_id"]) == sorted(want["person_id"]), (name, value)
        # one table row per person plus the header and two footer rows
        assert p.table.value.count("<tr>") == len(want) + 3
    p.controls["team"].value = "NATIONAL_KA"
    p.controls["role"].value = "SKAM"
    want = roster.loc[(roster.team == "NATIONAL_KA") & (roster.role_level == "SKAM")]
    assert sorted(p.result.rows["person_id"]) == sorted(want["person_id"])


def test_cells_carry_the_gap_colour_and_the_number(world) -> None:
    p = CapabilityHeatmap(world=world, team="DISTRIBUTOR_SALES")
    hm = p.result
    text = hm.cell_text()
    for pid, comp in (("KAM15", "C8"), ("KAM13", "C3"), ("KAM14", "C6")):
        colour = cap.gap_colour(hm.gap.at[pid, comp])
        cell = f"background:{colour};"
        assert cell in p.table.value
        assert f">{text.at[pid, comp]}</td>" in p.table.value
    # footer: the % at target of each competency is printed
    for v in hm.footer["pct_at_target"]:
        assert f">{float(v):.0%}</td>" in p.table.value
    # the chart shows the same % at target
    assert list(p.fig.data[0].y) == pytest.approx(hm.footer["pct_at_target"].astype(float).round(4))


def test_heatmap_panel_matches_the_model(world) -> None:
    p = CapabilityHeatmap(world=world, role="RSM")
    hm = heatmap_view(capability_context(world), role="RSM")
    assert p.result.rows["person_id"].tolist() == hm.rows["person_id"].tolist()
    assert p.result.footer["critical_gap"].tolist() == hm.footer["critical_gap"].tolist()


# ---------------------------------------------------------------------------------------------
# succession what-if


def test_position_change_offers_that_positions_bench(world) -> None:
    p = SuccessionWhatIfPanel(world=world)
    for pos in ("KAM07", "KAM20"):
        p.controls["position"].value = pos
        want = successor_options(p.ctx, pos)["candidate_id"].tolist()
        assert p.successor_choices == [EXTERNAL, *want]
        assert p.values["successor"] == EXTERNAL
        assert p.result.position_id == pos and p.result.successor_id == EXTERNAL


def test_every_control_changes_the_result_as_the_model_says(world) -> None:
    p = SuccessionWhatIfPanel(world=world)
    for _name, _value, _ms in exercise(p, n=3):
        v = p.values
        r = succession_whatif(p.ctx, v["position"], v["successor"], v["interim_weeks"], v["event"])
        assert p.result.nr_dip == pytest.approx(r.nr_dip)
        assert p.result.vacancy_exposure == pytest.approx(r.vacancy_exposure)
        assert p.result.successor_id == v["successor"]


def test_interim_slider_moves_dip_and_exposure_by_the_formula(world) -> None:
    p = SuccessionWhatIfPanel(world=world, position="KAM02")
    p.controls["successor"].value = "KAM01"
    r8 = p.result
    p.controls["interim_weeks"].value = 4
    r4 = p.result
    wk = r8.weekly
    assert r8.nr_dip - r4.nr_dip == pytest.approx(
        4 * (wk.loc[0, "nr_loss"] - wk.loc[25, "nr_loss"])
    )
    assert r4.nr_at_risk == pytest.approx(r8.nr_at_risk / 2)
    p.controls["interim_weeks"].value = 0
    assert p.result.vacancy_exposure == 0.0
    assert len(p.fig.layout.shapes) == 0  # no vacancy band
    # the chart's scenario line is the model's weekly NR
    assert list(p.fig.data[1].y) == pytest.approx(p.result.weekly["nr"].tolist())


def test_event_toggle_changes_the_wording_not_the_numbers(world) -> None:
    p = SuccessionWhatIfPanel(world=world)
    before = (p.result.nr_dip, p.result.vacancy_exposure)
    p.controls["event"].value = "PROMOTED"
    assert (p.result.nr_dip, p.result.vacancy_exposure) == before
    assert i18n.t("m7.event_PROMOTED") in p.summary.value


def test_ready_now_vs_not_ready_successor_in_the_panel(world) -> None:
    s = cap.demo_scores(world).copy()
    s.loc[s.person_id == "KAM13", "score"] = s.loc[s.person_id == "KAM13", "max_score"]
    s.loc[s.person_id == "KAM15", "score"] = 0.0
    ctx = succession_context(world, capability=capability_context(world, scores=s))
    p = SuccessionWhatIfPanel(world=world, position="KAM20")
    p.ctx = ctx  # the panel on a team where KAM13 is READY_NOW
    p.controls["position"].value = "KAM01"
    p.controls["position"].value = "KAM20"
    p.controls["successor"].value = "KAM13"
    good = p.result
    assert good.readiness == "READY_NOW"
    assert i18n.t("m7.readiness_READY_NOW") in p.summary.value
    p.controls["successor"].value = "KAM15"
    poor = p.result
    assert poor.readiness == "NOT_READY"
    r = ctx.accounts.set_index("account_id").loc["ACC009"]
    dc7 = good.successor_levels["C7"] - poor.successor_levels["C7"]
    assert poor.nr_dip - good.nr_dip == pytest.approx(18 * r.nr_week * 0.01 * dc7 / (1 - r.oos))
    assert _CACHE  # the default context stays cached for the other panels


# ---------------------------------------------------------------------------------------------
# header: language and money


@pytest.mark.parametrize("cls", [OrgDesigner, CapabilityHeatmap, SuccessionWhatIfPanel])
def test_language_and_money_switch(world, cls) -> None:
    p = cls(world=world)
    p._lang.value = "zh"
    try:
        assert i18n.t(cls.title_key, lang="zh") in p._title.value
        p.refresh()
        assert p.message.value == ""
    finally:
        p._lang.value = "en"
    if cls is SuccessionWhatIfPanel:
        p._money.value = "wan"
        try:
            assert "万元" in p.summary.value
            assert p.fig.data[0].y[0] == pytest.approx(p.result.weekly["nr_base"].iloc[0] / 1e4)
        finally:
            p._money.value = "yuan"


def test_heatmap_filters_follow_the_language_switch(world) -> None:
    p = CapabilityHeatmap(world=world, team=ALL)
    try:
        p._lang.value = "zh"
        assert p.controls["team"].options[0] == (i18n.t("common.all"), ALL)
        assert p.controls["team"].options[0][0] != "All"
        assert p.controls["role"].options[0][0] == i18n.t("common.all")
        assert p.controls["team"].value == ALL
    finally:
        i18n.set_language("en")
