"""M7 assessment: the quiz's shuffling, the SPEC §5.5 references against hand-computed levels,
edge cases that each exercise their rule, renamed people, the org plan checks, the balanced
worlds, and the source solutions judged in-process (full marks; the partial cohort exactly).

The end-to-end run (real nbgrader, sandboxes, the hostile cohort and ``cohorts/m7.py``) is in
``test_assessments_e2e.py``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import _specs as specs
import numpy as np
import pandas as pd
import pytest

M7 = specs.Spec("m7")

shipped = specs.shipped_fixture()
m7world = specs.made_world_fixture("m7world", "kamlab.assess.specs._m7_world", "default", 23)


def _levels(scores: pd.DataFrame, **kw: Any) -> dict[tuple[str, str], Any]:
    from kamlab import capability as cap

    lv = cap.competency_levels(scores, **kw)
    return {
        (str(p), str(c)): (None if pd.isna(v) else int(v))
        for p, c, v in zip(lv["person_id"], lv["competency_id"], lv["level"], strict=True)
    }


# ------------------------------------------------------------------------------------------
def test_points_and_levels_come_from_the_framework() -> None:
    pts = M7.points()
    assert pts == {"M7-T0": 2.0, "M7-T1": 4.0, "M7-T2": 3.0, "M7-T3": 3.0, "M7-T4": 5.0}
    assert pts == M7.framework_points()
    assert M7.notebook_points() == pts


# ------------------------------------------------------------------------------------------
# M7-T0
def test_quiz_shuffles_so_one_letter_never_scores(shipped) -> None:
    from kamlab.assess.specs.m7 import ASSESSMENT, LETTERS, QUIZ, quiz_options, ref_quiz

    item = ASSESSMENT.item("M7-T0")
    assert [ref_quiz(q, quiz_options(q)) for q, *_ in QUIZ] == [x[-1] for x in QUIZ]
    for seed in range(30):
        cases = item.hidden(specs.case_context(shipped, shipped, seed))
        assert [c.args[0] for c in cases] == [q for q, *_ in QUIZ]
        right = [ref_quiz(*c.args) for c in cases]
        counts = [right.count(x) for x in LETTERS]
        assert min(counts) >= 1 and max(counts) <= 2
        for c, (_, _, r, wrong, _) in zip(cases, QUIZ, strict=True):
            assert sorted(c.args[1].values()) == sorted([r, *wrong])
    # scoring: 6 right -> 2, 5 -> 1.5, 4 -> 1, 2 (one letter everywhere at best) -> 0
    assert [item.scoring(2.0, [1.0] * k + [0.0] * (6 - k)) for k in (6, 5, 4, 3, 2)] == [
        2.0,
        1.5,
        1.0,
        0.0,
        0.0,
    ]
    ns = M7.solutions()
    assert all(
        ns["answer_m7_t0"](*c.args) == ref_quiz(*c.args)
        for c in item.hidden(specs.case_context(shipped, shipped, 1))
    )


# ------------------------------------------------------------------------------------------
# M7-T1
def test_t1_reference_on_the_spec_example(shipped) -> None:
    """The worked example of kamlab.capability.competency_levels: a KAM answers M3 with full
    marks on M3-T1/T2 (level 2) and half on M3-T3, nothing on M3-T4 (level 3): for C3
    E_L2 = 0.6·4 + 0.5·3 = 3.9 (M = 1), E_L3 = 0.7·6 + 0.4·2 = 5.0 (M = 0.42) → level 2;
    C5 has no evidence (M5 not submitted) → NA."""
    from kamlab.assess.specs.m7 import ref_levels

    s = pd.DataFrame(
        {
            "person_id": "P1",
            "item_id": ["M3-T1", "M3-T2", "M3-T3", "M3-T4"],
            "attempt": 1,
            "score": [4.0, 3.0, 3.0, 0.0],
            "max_score": [4.0, 3.0, 6.0, 2.0],
        }
    )
    items, imap = shipped.assessment_items, shipped.item_competency_map
    ref = ref_levels(s, items, imap).set_index("competency_id")["level"]
    assert ref["C3"] == 2 and ref["C5"] is None and len(ref) == 10
    # C8 gets M3-T3 (0.3·6 = 1.8) and M3-T4 (0.6·2 = 1.2) at level 3: E = 3.0, M = 0.3 → 0
    assert ref["C8"] == 0
    mine = M7.solutions()["competency_levels"](s, items, imap).set_index("competency_id")["level"]
    assert [None if pd.isna(v) else int(v) for v in mine] == list(ref)


def test_t1_edges_each_exercise_their_rule(shipped) -> None:
    from kamlab.assess.specs import m7

    items = shipped.assessment_items
    rng = np.random.default_rng(0)
    # the lower-level gate: without it, levels 2-3 would show for C1, C6 or C7
    gate = m7.edge_gate(items, rng)
    assert _levels(gate) != _levels(gate, gate=0.0)
    # fewer than 2 evidence points: C1, C2, C7 are NA only because of the threshold
    thin = m7.edge_thin_evidence(items, rng)
    lv = _levels(thin)
    assert [lv[("P-THIN", c)] for c in ("C1", "C2", "C7")] == [None] * 3
    assert lv[("P-THIN", "C4")] is not None
    loose = _levels(thin, min_evidence=0.0)
    assert loose[("P-THIN", "C1")] is not None
    # missing evidence: the competencies of assessments not taken are NA
    lv = _levels(m7.edge_not_submitted(items, rng))
    assert lv[("P-ONE", "C10")] is None and lv[("P-ONE", "C5")] is not None
    # blank items score 0: filling them in changes the levels
    blank = m7.edge_blank(items, rng)
    filled = pd.concat(
        [
            blank,
            pd.DataFrame(
                {
                    "person_id": ["P-BLANK", "P-BLANK"],
                    "item_id": ["M3-T3", "M3-T4"],
                    "attempt": 1,
                    "score": [6.0, 2.0],
                    "max_score": [6.0, 2.0],
                }
            ),
        ]
    )
    assert _levels(blank) != _levels(filled)
    # several runs: the latest counts, not the first
    retake = m7.edge_retake(items, rng)
    first = retake.loc[retake["attempt"] == 1]
    assert _levels(retake) != _levels(first)
    # an ungraded written item is not assessed: a 0 row for it would change the levels
    manual = m7.edge_manual(items, rng)
    zero = pd.concat(
        [
            manual,
            pd.DataFrame(
                {
                    "person_id": ["P-MANUAL"],
                    "item_id": ["M8-T4"],
                    "attempt": 1,
                    "score": [0.0],
                    "max_score": [5.0],
                }
            ),
        ]
    )
    assert _levels(manual) != _levels(zero)


def test_t1_comparator() -> None:
    from kamlab.assess.specs.m7 import compare_levels

    exp = pd.DataFrame(
        {"person_id": ["P1", "P1"], "competency_id": ["C1", "C2"], "level": [2, None]},
        dtype=object,
    )
    ok = pd.DataFrame({"person_id": ["P1", "P1"], "competency_id": ["C2", "C1"]})
    assert compare_levels(ok.assign(level=[float("nan"), 2.0]), exp).credit == 1.0
    assert compare_levels(ok.assign(level=[0, 2]), exp).reason == "wrong_value"  # 0 is not NA
    assert compare_levels(ok.iloc[:1].assign(level=[None]), exp).reason == "wrong_shape"
    assert compare_levels(ok, exp).reason == "wrong_keys"
    assert compare_levels([1, 2], exp).reason == "wrong_type"


# ------------------------------------------------------------------------------------------
# M7-T2
def test_t2_person_and_table_on_the_shipped_world(shipped) -> None:
    from kamlab.assess.specs.m7 import GAP_COLUMNS, compare_gap_table, person_for_t2, ref_gap_table

    assert person_for_t2(shipped) != "KAM04"  # the curriculum's gap-report example
    ref = ref_gap_table(shipped)
    assert tuple(ref.columns) == GAP_COLUMNS
    assert ref["competency_id"].tolist() == [f"C{k}" for k in range(1, 11)]
    assert all(t <= 3 for t in ref["target"])  # a SKAM's targets; C9/C10 capped at 3 anyway
    assert all(
        g is None if lv is None else g == t - lv
        for t, lv, g in zip(ref["target"], ref["level"], ref["gap"], strict=True)
    )
    mine = M7.solutions()["answer_m7_t2"](shipped)
    assert compare_gap_table(mine, ref).credit == 1.0
    off = mine.copy()
    off.at[0, "failed_items"] = []
    assert compare_gap_table(off, ref).credit == (1.0 if ref.at[0, "failed_items"] == [] else 0.5)
    off = mine.copy()
    off["gap"] = off["gap"].map(lambda g: None if g is None or pd.isna(g) else g + 1)
    assert compare_gap_table(off, ref).credit == 0.0


def test_t2_retake_world(shipped) -> None:
    from kamlab.assess.specs.m7 import person_for_t2, ref_gap_table, retake_world

    w = retake_world(shipped, np.random.default_rng(2))
    s = w.public["assessment_scores"]
    assert set(s["attempt"]) == {1, 2}
    assert len(s) > len(shipped.assessment_scores)
    person = person_for_t2(w)
    second = s.loc[(s["person_id"] == person) & (s["attempt"] == 2)]
    assignment = second["item_id"].str.split("-").str[0].iloc[0]
    items = shipped.assessment_items
    mine = items.loc[
        (items["assignment"] == assignment) & (items["item_type"] != "MANUAL"), "item_id"
    ]
    blank = sorted(set(mine) - set(second["item_id"]))
    assert len(blank) == 1
    failed = {i for row in ref_gap_table(w)["failed_items"] for i in row}
    assert blank[0] in failed  # a blank item counts as failed (score 0)


# ------------------------------------------------------------------------------------------
# M7-T3
def test_relabel_people_renames_everyone(shipped) -> None:
    from kamlab.assess.specs.m7 import ref_ready_now, relabel_people

    v = relabel_people(shipped, np.random.default_rng(3))
    mapping = v.meta["relabelled"]["mapping"]
    assert set(mapping) == set(shipped.kam["kam_id"]) and all(k != x for k, x in mapping.items())
    assert sorted(v.public["kam"]["kam_id"]) == sorted(shipped.kam["kam_id"])
    before = shipped.kam.set_index("kam_id")["name"]
    after = v.public["kam"].set_index("kam_id")["name"]
    assert all(after[mapping[k]] == before[k] for k in before.index)  # same people, new ids
    s0, s1 = shipped.assessment_scores, v.public["assessment_scores"]
    assert sorted(s1["person_id"].map({b: a for a, b in mapping.items()})) == sorted(
        s0["person_id"]
    )
    pos = ["KAM18", "KAM19"]  # the directors: renamed too (not only account owners)
    exp = ref_ready_now(shipped, pos)
    got = ref_ready_now(v, [mapping[p] for p in pos])
    assert got == {mapping[p]: sorted(mapping[c] for c in exp[p]) for p in pos}


def test_t3_positions_and_comparator(shipped) -> None:
    from kamlab.assess.specs.m7 import ASSESSMENT, compare_ready_now, ref_ready_now

    item = ASSESSMENT.item("M7-T3")
    fresh, renamed = item.hidden(specs.case_context(shipped, shipped, 8))
    pos = fresh.args[1]
    assert len(pos) == 3
    exp = ref_ready_now(shipped, pos)
    assert sum(bool(v) for v in exp.values()) >= 2  # positions with a ready candidate first
    assert compare_ready_now(dict(exp), exp).credit == 1.0
    one_wrong = {**exp, pos[0]: [*exp[pos[0]], "KAM99"]}
    assert compare_ready_now(one_wrong, exp).credit == pytest.approx(2 / 3)
    assert compare_ready_now({p: exp[p] for p in pos[:2]}, exp).reason == "wrong_keys"
    mine = M7.solutions()["answer_m7_t3"](shipped, pos)
    assert compare_ready_now(mine, exp).credit == 1.0
    assert renamed.expected() == ref_ready_now(*renamed.args)  # mapped = computed anew


# ------------------------------------------------------------------------------------------
# M7-T4
def test_org_inputs_match_the_curriculum_designer(shipped) -> None:
    from kamlab.analysis.m7_org import org_context
    from kamlab.assess.specs._m7_org import org_problem

    ctx = org_context(shipped)
    pb = org_problem(shipped)
    assert pb.fiscal_year == ctx.fiscal_year == 2024
    for a, c in ctx.contributions.items():
        assert pb.contrib[a] == pytest.approx(c, abs=1e-12)
    assert sum(pb.contrib.values()) == pytest.approx(len(pb.contrib))  # Σ c_a = n accounts


def test_org_checks(shipped) -> None:
    from kamlab.assess.specs._m7_org import balanced_assignment, org_problem
    from kamlab.assess.specs.m7 import check_org, compare_org, ref_org

    exp = ref_org(shipped)
    pb = org_problem(shipped)
    today = check_org(dict(pb.current), exp)
    assert today["valid"] and today["consistent"] and not today["balanced"]
    assert compare_org(dict(pb.current), exp).credit == 0.0
    plan = balanced_assignment(pb)
    r = check_org(plan, exp)
    assert r["valid"] and r["consistent"] and r["balanced"] and r["max"] <= r["limit"] + 1e-9
    assert compare_org(plan, exp).credit == 1.0
    # a regional account moved to a person of the national team in another region: balanced
    # plans stay balanced if the loads do not change, but the region rule breaks
    owners, accounts = exp["owners"], exp["accounts"]
    regional = next(a for a, v in accounts.items() if v["scope"] == "REGIONAL")
    holder = plan[regional]
    other = next(
        p
        for p, v in owners.items()
        if v["region_id"] != accounts[regional]["hq_region_id"] and p not in plan.values()
    )
    swapped = {a: (other if p == holder else p) for a, p in plan.items()}
    assert compare_org(swapped, exp).credit == 0.5
    assert compare_org({**plan, regional: "KAM18"}, exp).reason == "wrong_keys"  # a director
    assert compare_org({k: v for k, v in list(plan.items())[1:]}, exp).credit == 0.0
    mine = M7.solutions()["answer_m7_t4"](shipped)
    assert compare_org(mine, exp).credit == 1.0


def test_m7_worlds_can_be_balanced(m7world) -> None:
    from kamlab.assess.specs._m7_org import balanced_assignment, org_problem
    from kamlab.assess.specs._m7_world import world_seeds

    assert world_seeds(23)[0] == 23 and world_seeds(23) == world_seeds(23)
    assert len(set(world_seeds(23))) == len(world_seeds(23))
    assert balanced_assignment(org_problem(m7world)) is not None


def test_shipped_world_has_a_balanced_organisation(shipped) -> None:
    """The visible M7-T4 check runs on the shipped world: it must have an answer."""
    from kamlab.assess.specs._m7_org import balanced_assignment, org_problem

    assert balanced_assignment(org_problem(shipped)) is not None


# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_source_solutions_and_partial_variant_in_process(m7world, shipped) -> None:
    M7.check_source_and_partial(m7world, shipped)


def test_source_solutions_pass_the_visible_checks(shipped) -> None:
    M7.check_visible(shipped)  # raises on a failed practice check


def test_framework_replacement_keeps_the_bank(shipped) -> None:
    from kamlab.assess.specs.m7 import _framework

    fw = _framework(shipped.assessment_items, shipped.item_competency_map)
    assert dataclasses.is_dataclass(fw)
    assert sorted(fw.assessment_items["item_id"]) == sorted(shipped.assessment_items["item_id"])
