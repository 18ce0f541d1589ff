"""Heatmap, gap report, bench/succession, 9-box and roster — hand-computed on the tiny framework."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kamlab.capability import (
    NOT_READY,
    READY_1_2Y,
    READY_NOW,
    RosterError,
    competency_levels,
    gap_report,
    load_roster,
    nine_box,
    succession_bench,
    team_heatmap,
    team_of,
    tertile_band,
    validate_roster,
)
from tests.capability.conftest import scores


def _levels(rows: dict[str, tuple]) -> pd.DataFrame:
    """levels table from {person: (L_C1, L_C2)} (None = not assessed)."""
    out = []
    for p, lv in rows.items():
        for c, v in zip(("C1", "C2"), lv, strict=True):
            out.append({"person_id": p, "competency_id": c, "level": v, "S": v})
    df = pd.DataFrame(out)
    df["level"] = df["level"].astype("Int8")
    df["S"] = df["S"].astype("Float64")
    return df


# -- roster ----------------------------------------------------------------------------------


def test_roster_validation_names_every_bad_entry(tiny, tmp_path: Path) -> None:
    p = tmp_path / "team.csv"
    p.write_text(
        "person_id,name,role_level,team,manager_id,performance_rating\n"
        "L,Lea,LEAD,T,,4\n"
        "S,Sam,SR,T,L,x\n"
        "S,Sue,SR,T,L,3\n"
        "J,Jo,CEO,T,NOBODY,2\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as exc:
        load_roster(p, tiny)
    assert exc.value.problems == [
        "person S appears more than once (rows 2, 3).",
        "row 4 (J): unknown role 'CEO'; the framework's roles are JR, SR, LEAD.",
        "row 4 (J): manager 'NOBODY' is not in the roster.",
        "row 2 (S): performance_rating must be a number, got 'x'.",
    ]
    assert isinstance(exc.value, ValueError)


def test_roster_excel_and_team_of(tiny, tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "person_id": ["L", "S", "J", "K"],
            "name": ["Lea", "Sam", "Jo", "Kim"],
            "role_level": ["LEAD", "SR", "JR", "JR"],
            "team": "T",
            "manager_id": [None, "L", "S", None],
            "owned_accounts": [None, "ACC1|ACC3", None, None],
        }
    )
    path = tmp_path / "team.xlsx"
    df.to_excel(path, index=False)
    r = load_roster(path, tiny)
    assert r.status.tolist() == ["ACTIVE"] * 4
    assert r.owned_accounts.tolist()[1] == "ACC1|ACC3"
    assert team_of(r, "L") == ["L", "S", "J"]
    assert team_of(r, "S", include_self=False) == ["J"]


# -- heatmap ---------------------------------------------------------------------------------


def _team_roster(tiny) -> pd.DataFrame:
    return validate_roster(
        pd.DataFrame(
            {
                "person_id": ["L1", "S1", "S2", "J1", "J2"],
                "name": ["Lea", "Sam", "Sue", "Jo", "Jin"],
                "role_level": ["LEAD", "SR", "SR", "JR", "JR"],
                "team": ["NORTH", "NORTH", "SOUTH", "NORTH", "SOUTH"],
                "region_id": ["N", "N", "S", "N", "S"],
                "manager_id": [None, "L1", "L1", "S1", "S2"],
                "owned_accounts": [None, "ACC1", None, None, "ACC2"],
            }
        ),
        tiny,
    )


def test_team_heatmap_cells_footer_and_critical_gap(tiny) -> None:
    roster = _team_roster(tiny)
    # capped targets: LEAD 3/3, SR 2/2, JR 1/1
    lv = _levels({"L1": (3, 3), "S1": (2, 2), "S2": (3, 1), "J1": (2, None), "J2": (1, 1)})
    hm = team_heatmap(lv, roster, framework=tiny)
    # grouped by team, highest role first
    assert hm.rows.person_id.tolist() == ["L1", "S1", "J1", "S2", "J2"]
    assert hm.level.loc["S2"].tolist() == [3, 1]
    assert hm.gap.loc["S2"].tolist() == [-1, 1]
    assert hm.level.loc["J1", "C2"] is pd.NA and hm.gap.loc["J1", "C2"] is pd.NA
    f = hm.footer.set_index("competency_id")
    # C1: all 5 assessed and at/above target → 100 %; C2: 4 assessed, S2 below → 75 %
    assert f.loc["C1", "pct_at_target"] == 1.0
    assert (
        f.loc["C2", "n_assessed"],
        f.loc["C2", "n_not_assessed"],
        f.loc["C2", "n_below_target"],
    ) == (4, 1, 1)
    assert f.loc["C2", "pct_at_target"] == 0.75 and not f.loc["C2", "critical_gap"]
    # filter the SR team: S1 at, S2 below on C2 → 50 % below = critical gap
    hm2 = team_heatmap(lv, roster, roles="SR", framework=tiny)
    assert hm2.rows.person_id.tolist() == ["S1", "S2"]
    assert bool(hm2.footer.set_index("competency_id").loc["C2", "critical_gap"])
    assert hm.cell_text().loc["S2"].tolist() == ["3", "1 (−1)"]
    assert hm.cell_text().loc["J1", "C2"] == "–"


def test_heatmap_reports_people_missing_from_roster(tiny) -> None:
    lv = _levels({"L1": (3, 3), "GHOST": (1, 1)})
    hm = team_heatmap(lv, _team_roster(tiny), framework=tiny)
    assert "GHOST" not in hm.rows.person_id.tolist()
    assert any("GHOST" in m for m in hm.messages)


# -- gap report ------------------------------------------------------------------------------


def test_gap_report(tiny) -> None:
    roster = validate_roster(
        pd.DataFrame({"person_id": ["P"], "name": ["P"], "role_level": ["SR"], "team": ["T"]}), tiny
    )
    # X: A1 2/2, A2 1/4 (f .25 → failed); Y: B2 2/2, A3 and B1 blank (failed)
    s = scores([("P", "A1", 2), ("P", "A2", 1), ("P", "B2", 2)])
    lv = competency_levels(s, tiny, roster=roster)
    rep = gap_report("P", lv, s, tiny, lang="en")
    sm = rep.summary.set_index("competency_id")
    # C1: L1 M=1; L2 E=3 N=.5 → M=1/6 → L=1; SR target 2 → gap 1
    assert (sm.loc["C1", "target"], sm.loc["C1", "level"], sm.loc["C1", "gap"]) == (2, 1, 1)
    assert sm.loc["C1", "M_L2"] == pytest.approx(1 / 6)
    assert sm.loc["C1", "failed_items"] == "A2, A3, B1"
    assert sm.loc["C1", "recommended_modules"] == "X, Y"  # A1, A3, B1 (w=1), A2 (w=.5)
    assert (
        sm.loc["C1", "development_action"]
        == "Work towards level 2 (Practitioner): explains numbers."
    )
    assert sm.loc["C1", "status"] == "BELOW_TARGET"
    # C2: L1 M=1 (B2), L2 M=.25 → L=1, gap 1; failed A2 only
    assert (sm.loc["C2", "level"], sm.loc["C2", "failed_items"]) == (1, "A2")
    assert rep.failed_items.item_id.tolist() == ["A2", "A3", "B1"]
    assert rep.failed_items.blank.tolist() == [False, True, True]
    assert rep.capability_index == pytest.approx(0.5)
    zh = gap_report("P", lv, s, tiny, lang="zh").summary
    assert zh.development_action.iloc[0] == "向 2 级（熟练）努力：解释。"
    assert list(rep.display(lang="en").columns)[:4] == ["Competency", "Target", "Achieved", "Gap"]
    with pytest.raises(ValueError, match="person_id 'NOPE' is not in levels"):
        gap_report("NOPE", lv, s, tiny)


def test_gap_report_not_assessed_competency(tiny) -> None:
    roster = validate_roster(
        pd.DataFrame({"person_id": ["P"], "name": ["P"], "role_level": ["JR"], "team": ["T"]}), tiny
    )
    s = scores([("P", "B2", 2)])  # only Y: C2 L1 evidenced... and C1 from blanks A3, B1
    s = scores([("P", "Z1", 2)])  # only Z1: insufficient evidence for both
    lv = competency_levels(s, tiny, roster=roster)
    sm = gap_report("P", lv, s, tiny, lang="en").summary.set_index("competency_id")
    assert sm.loc["C1", "status"] == "NOT_ASSESSED" and sm.loc["C1", "level"] is pd.NA
    assert sm.loc["C1", "development_action"].startswith(
        "Not assessed yet: complete the assessments of X, Y"
    )


# -- bench -----------------------------------------------------------------------------------

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["ACC1", "ACC2", "ACC3"],
        "tier": ["A", "B", "A"],
        "channel": ["HYPER", "HYPER", "CVS"],
        "kam_id": ["S1", "J2", "L1"],
    }
)


def test_bench_readiness_ranking_and_strength(tiny) -> None:
    roster = _team_roster(tiny)
    lv = _levels({"L1": (3, 3), "S1": (2, 2), "S2": (3, 1), "J1": (2, None), "J2": (1, 1)})
    b = succession_bench(lv, roster, tiny, accounts=ACCOUNTS)
    # critical: L1 (role LEAD) and S1 (owns tier-A ACC1); ownership from the roster
    pos = b.positions.set_index("position_id")
    assert pos.index.tolist() == ["L1", "S1"]
    assert pos.loc["L1", "reasons"] == "R1" and pos.loc["S1", "reasons"] == "R2"
    c = b.candidates.set_index(["position_id", "candidate_id"])
    # L1 (targets 3/3): S1 (2,2) gaps 1+1=2 → READY_1_2Y, fit 4/6 + 0.1 (region N)
    assert c.loc[("L1", "S1"), "gap_sum"] == 2 and c.loc[("L1", "S1"), "readiness"] == READY_1_2Y
    assert c.loc[("L1", "S1"), "fit"] == pytest.approx(4 / 6 + 0.1)
    #                   S2 (3,1) gaps 0+2 → a single gap of 2 → NOT_READY, fit 4/6
    assert c.loc[("L1", "S2"), "readiness"] == NOT_READY
    assert c.loc[("L1", "S2"), "fit"] == pytest.approx(4 / 6)
    assert ("L1", "J1") not in c.index  # two ranks lower: not a candidate
    # S1 (targets 2/2): S2 gaps 0+1 → READY_NOW, fit 3/4; J1 (2, NA→0) gaps 0+2 → NOT_READY,
    # fit 2/4 + .1 (region N), flagged not assessed on C2; J2 (1,1) gaps 2 → READY_1_2Y,
    # fit 2/4 + .1 (same channel HYPER); tie with J1 on fit and gap_sum → by id
    assert c.loc[("S1", "S2"), "readiness"] == READY_NOW
    assert c.loc[("S1", "J1"), "not_assessed"] == "C2"
    assert c.loc[("S1", "J2"), "readiness"] == READY_1_2Y
    ranked = b.candidates[b.candidates.position_id == "S1"].sort_values("rank")
    assert ranked.candidate_id.tolist() == ["S2", "J1", "J2"]
    assert b.ready_now("S1") == ["S2"] and b.ready_now("L1") == []
    assert b.bench_strength == 0.5
    assert pos.loc["S1", "n_ready_now"] == 1 and pos.loc["L1", "n_candidates"] == 2
    assert any("not assessed" in m for m in b.messages)


def test_bench_without_accounts_uses_role_rules_only(tiny) -> None:
    roster = _team_roster(tiny).assign(owned_accounts=pd.NA)
    lv = _levels({"L1": (3, 3), "S1": (3, 3), "S2": (3, 1), "J1": (2, None), "J2": (1, 1)})
    b = succession_bench(lv, roster, tiny)
    assert b.positions.position_id.tolist() == ["L1"]
    # S1 (3,3) vs LEAD 3/3: gap 0 → READY_NOW → bench strength 1/1
    assert b.ready_now("L1") == ["S1"] and b.bench_strength == 1.0
    assert any("tier-A" in m for m in b.messages)


# -- 9-box -----------------------------------------------------------------------------------


def test_tertiles_and_nine_box_from_ratings(tiny) -> None:
    ids = [f"P{i}" for i in range(1, 11)]
    roster = validate_roster(
        pd.DataFrame(
            {
                "person_id": ids,
                "name": ids,
                "role_level": "SR",
                "team": "T",
                "performance_rating": [1, 2, 3, 4, 5, 6, 7, 8, 9, None],
            }
        ),
        tiny,
    )
    ci = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.55]
    lv = pd.DataFrame({"person_id": ids, "competency_id": "C1", "capability_index": ci})
    nb = nine_box(lv, roster)
    p = nb.people.set_index("person_id")
    assert nb.source == "rating"
    # performance: ratings 1–9 → bands 1,1,1,2,2,2,3,3,3; P10 has no rating
    assert p.performance_band.tolist()[:9] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert p.loc["P10", "status"] == "NO_PERFORMANCE_DATA" and p.loc["P10", "box"] is pd.NA
    assert p.loc["P10", "performance"] is pd.NA  # never invented
    # capability tertiles over all 10 with an index: ranks 0..9, band = floor(3r/10)+1
    # sorted ascending: P9 .1, P8 .2, P7 .3, P6 .4, P5 .5, P10 .55, P4 .6, P3 .7, P2 .8, P1 .9
    assert p.loc["P1", "capability_band"] == 3 and p.loc["P9", "capability_band"] == 1
    assert p.loc["P10", "capability_band"] == 2 and p.loc["P5", "capability_band"] == 2
    assert (
        p.loc["P1", "box"] == "P1-C3"
        and p.loc["P1", "box_name"] == "Rough diamond (capable, results lag)"
    )
    assert p.loc["P9", "box"] == "P3-C1"
    assert nb.grid.to_numpy().sum() == 9
    assert nb.grid.loc[3, 1] == 3  # P7, P8, P9: high performance, low capability
    assert any("no performance data" in m for m in nb.messages)


def test_nine_box_from_account_composites(tiny) -> None:
    roster = validate_roster(
        pd.DataFrame(
            {
                "person_id": ["A", "B", "C", "D"],
                "name": ["A", "B", "C", "D"],
                "role_level": "SR",
                "team": "T",
                "owned_accounts": ["ACC1|ACC2", "ACC3", "ACC4", None],
            }
        ),
        tiny,
    )
    scores_ = pd.DataFrame(
        {"account_id": ["ACC1", "ACC2", "ACC3", "ACC4"], "composite": [1.1, 0.9, 0.8, 1.2]}
    )
    lv = pd.DataFrame(
        {
            "person_id": ["A", "B", "C", "D"],
            "competency_id": "C1",
            "capability_index": [0.5, 0.9, None, 0.7],
        }
    )
    nb = nine_box(lv, roster, account_scores=scores_)
    p = nb.people.set_index("person_id")
    assert p.loc["A", "performance"] == pytest.approx(1.0)  # mean of 1.1 and 0.9
    assert p.loc["D", "status"] == "NO_PERFORMANCE_DATA"
    assert p.loc["C", "status"] == "NOT_ASSESSED"
    # performance A 1.0, B 0.8, C 1.2 → bands 2, 1, 3; capability A .5, B .9, D .7 → 1, 3, 2
    assert p.performance_band.tolist() == [2, 1, 3, pd.NA]
    assert p.capability_band.tolist() == [1, 3, pd.NA, 2]
    assert p.box.tolist() == ["P2-C1", "P1-C3", pd.NA, pd.NA]


def test_tertile_ties_share_a_band() -> None:
    assert tertile_band(pd.Series([0.5, 0.5, 0.5])).tolist() == [1, 1, 1]


# -- demo roster and scores from a world -------------------------------------------------------


def test_roster_from_world_and_demo_scores() -> None:
    from kamlab.capability import demo_scores, roster_from_world
    from kamlab.data import World

    kam = pd.DataFrame(
        {
            "kam_id": ["KAD01", "KAD02", "KAM01", "KAM02", "KAM03"],
            "name": ["Dir A", "Dir B", "Mgr A", "Mgr B", "Mgr C"],
            "role_level": ["KAD", "KAD", "KAM", "KAM", "KAM"],
            "team": ["NATIONAL_KA"] * 5,
            "region_id": [None, None, "R1", "R2", "R2"],
            "manager_id": [None, "KAD01", "KAD02", "KAD02", "KAD01"],
            "status": ["ACTIVE", "RESIGNED", "ACTIVE", "ACTIVE", "RESIGNED"],
        }
    )
    accounts = pd.DataFrame(
        {"account_id": ["ACC001", "ACC002", "ACC003"], "kam_id": ["KAM01", "KAM01", "KAM02"]}
    )
    scores_ = pd.DataFrame(
        {
            "person_id": ["KAM01"],
            "item_id": ["M1-T1"],
            "attempt": [1],
            "score": [4.0],
            "max_score": [4.0],
        }
    )
    world = World(public={"kam": kam, "accounts": accounts, "assessment_scores": scores_})
    r = roster_from_world(world).set_index("person_id")
    assert r.index.tolist() == ["KAD01", "KAM01", "KAM02"]  # ACTIVE only
    # KAM01's manager KAD02 resigned: the next manager up (KAD01) takes the line
    assert r.loc["KAM01", "manager_id"] == "KAD01"
    assert r.loc["KAM01", "owned_accounts"] == "ACC001|ACC002"
    assert r.loc["KAD01", "owned_accounts"] is pd.NA
    assert len(roster_from_world(world, active_only=False)) == 5
    assert demo_scores(world).equals(scores_)
    with pytest.raises(ValueError, match="no assessment_scores table"):
        demo_scores(World(public={"kam": kam}))


def test_heatmap_manager_view(tiny) -> None:
    lv = _levels({"L1": (3, 3), "S1": (2, 2), "S2": (3, 1), "J1": (2, None), "J2": (1, 1)})
    hm = team_heatmap(lv, _team_roster(tiny), manager_id="S2", framework=tiny)
    assert hm.rows.person_id.tolist() == ["S2", "J2"]


def test_gap_report_next_level_is_one_the_item_bank_can_evidence() -> None:
    from kamlab.capability import load_framework

    fw = load_framework()
    # M5 submitted with everything wrong: C5 has evidence at L2–L4 → L=0; no L1 items for C5,
    # so the development action points at level 2, not at an unassessable level 1.
    items = fw.assessment_items[fw.assessment_items.module == "M5"]
    s = pd.DataFrame(
        {
            "person_id": "P",
            "item_id": items.item_id,
            "attempt": 1,
            "score": 0.0,
            "max_score": items.max_points,
        }
    )
    roster = pd.DataFrame({"person_id": ["P"], "name": ["P"], "role_level": ["KAM"], "team": ["T"]})
    lv = competency_levels(s, fw, roster=roster)
    rep = gap_report("P", lv, s, fw, lang="en")
    c5 = rep.summary.set_index("competency_id").loc["C5"]
    assert (c5.level, c5.gap, c5.next_level) == (0, 3, 2)
    assert (
        c5.development_action
        == "Work towards level 2 (Practitioner): baseline & ROI post-evaluation."
    )
    zh = rep.display(lang="zh").iloc[4]
    assert zh["能力项"] == "费用投入与促销投资回报"
    assert zh["发展行动"] == "向 2 级（熟练）努力：基线与投资回报（ROI）的事后评估。"
    assert zh["状态"] == "低于目标"
