"""M6 assessment: references against hand-computed answers, edge cases that do what they say,
the comparators' partial credit, the seed-drawn diversion, and the source solutions judged
in-process (full marks; the partial cohort its exact scores).

The end-to-end run (real nbgrader, sandboxes, the hostile cohort and ``cohorts/m6.py``) is in
``test_assessments_e2e.py``.
"""

from __future__ import annotations

import math

import _specs as specs
import numpy as np
import pandas as pd
import pytest

M6 = specs.Spec("m6")

shipped = specs.shipped_fixture()
m6world = specs.made_world_fixture("m6world", "kamlab.assess.specs._m6_world", "default", 23)


# ------------------------------------------------------------------------------------------
def test_points_and_levels_come_from_the_framework() -> None:
    from kamlab.data.framework import load_framework

    pts = M6.points()
    assert pts == {"M6-T1": 4.0, "M6-T2": 3.0, "M6-T3": 5.0, "M6-T4": 5.0}
    assert pts == M6.framework_points()
    assert M6.notebook_points() == pts
    fw = load_framework().assessment_items.set_index("item_id")
    assert fw.at["M6-T1", "notebook"] == M6.assessment.notebook


# ------------------------------------------------------------------------------------------
# M6-T1
def test_t1_reference_and_solution_on_hand_examples() -> None:
    from kamlab.assess.specs.m6 import ref_inventory

    ns = M6.solutions()
    inf = math.inf
    cases = [
        # SPEC §2.9: closing 3,000 after 900, 1,000, 1,100, 1,000 -> 3.0
        (
            ("weeks_of_cover", [3000] * 4, [900, 1000, 1100, 1000]),
            [3000 / 900, 3000 / 950, 3.0, 3.0],
        ),
        # the window grows over the first weeks; no sales: inf with stock, 0 without
        (("weeks_of_cover", [100, 100, 0, 7], [10, 30, 0, 0]), [10.0, 5.0, 0.0, 7 / 10]),
        (("weeks_of_cover", [5, 0], [0, 0]), [inf, 0.0]),
    ]
    for args, want in cases:
        assert ref_inventory(*args) == pytest.approx(want)
        assert ns["m6_t1_inventory"](*args) == pytest.approx(want)
    # FIFO: receipts [10, 0, 5], sales [4, 3, 2] -> 6, 3, 6 cases, all younger than 5 weeks
    ages = ref_inventory("stock_age_buckets", [10, 0, 5], [4, 3, 2])
    assert ages["age_00_04"].tolist() == [6.0, 3.0, 6.0]
    assert ages.drop(columns="age_00_04").to_numpy().sum() == 0
    # opening stock is 1 week old at the end of week 0: 5 weeks old (bucket 5-8) in week 4,
    # 14 weeks old (bucket 14-26) in week 13, 27 in week 26
    ages = ref_inventory("stock_age_buckets", [0] * 27, [0] * 27, 8.0)
    assert ages.loc[3, "age_00_04"] == 8.0 and ages.loc[4, "age_05_08"] == 8.0
    assert ages.loc[12, "age_09_13"] == 8.0 and ages.loc[13, "age_14_26"] == 8.0
    assert ages.loc[25, "age_14_26"] == 8.0 and ages.loc[26, "age_27_plus"] == 8.0
    mine = ns["m6_t1_inventory"]("stock_age_buckets", [0] * 27, [0] * 27, 8.0)
    pd.testing.assert_frame_equal(mine, ages)


def test_t1_edges_do_what_they_say(shipped) -> None:
    from kamlab.assess.specs.m6 import AGE_BUCKETS, ASSESSMENT

    item = ASSESSMENT.item("M6-T1")
    cases = item.hidden(specs.case_context(shipped, shipped, seed=3))
    assert len(cases) == 8
    labels = [c.label for c in cases]
    zero = cases[labels.index("WOC: weeks without sell-out, with and without stock")]
    woc = item.reference(*zero.args)
    assert woc[9] == math.inf and woc[17:] == [0.0, 0.0, 0.0] and woc[3] == 0.0
    short = cases[labels.index("WOC: fewer weeks than the 4-week window")]
    assert len(short.args[1]) == 3
    idle = item.reference(*cases[labels.index("ages: stock that sells nothing for 30 weeks")].args)
    assert idle["age_27_plus"].iloc[-1] > 0
    bounds = item.reference(
        *cases[labels.index("ages: cohorts crossing every bucket boundary")].args
    )
    assert (bounds[list(AGE_BUCKETS)] > 0).any().all()  # every bucket is used
    same = cases[labels.index("ages: stock received and sold in the same week")]
    assert item.reference(*same.args).iloc[0].sum() == 0.0  # all sold in week 0
    # the world's pairs have opening stock and sales from week 0
    for c in cases:
        if c.kind == "fresh_world" and c.args[0] == "stock_age_buckets":
            assert c.args[3] > 0 and min(c.args[2][:4]) > 0


def test_t1_comparator() -> None:
    from kamlab.assess.specs.m6 import compare_inventory, ref_inventory

    exp = ref_inventory("weeks_of_cover", [5, 0], [0, 0])
    assert compare_inventory([math.inf, 0.0], exp).credit == 1.0
    assert compare_inventory(np.array([math.inf, 0.0]).tolist(), exp).credit == 1.0
    assert compare_inventory([0.0, 0.0], exp).reason == "wrong_value"
    assert compare_inventory([math.inf], exp).reason == "wrong_shape"
    assert compare_inventory(1.0, exp).reason == "wrong_type"
    ages = ref_inventory("stock_age_buckets", [10, 0, 5], [4, 3, 2])
    assert compare_inventory(ages.copy(), ages).credit == 1.0
    assert compare_inventory(ages.drop(columns="age_27_plus"), ages).reason == "wrong_keys"
    assert compare_inventory(ages.iloc[:2], ages).reason == "wrong_shape"


# ------------------------------------------------------------------------------------------
# M6-T2
def _calendar() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_id": range(13),
            "period_key": ["P1"] * 4 + ["P2"] * 5 + ["P3"] * 4,
        }
    )


def test_t2_reference_and_solution_on_a_hand_example() -> None:
    from kamlab.assess.specs.m6 import compare_evenness, ref_evenness

    # P1 = SPEC §2.11's [10, 10, 10, 70] over two accounts; P2 has weeks without rows
    # ([0, 20, 0, 0, 20]); P3 has no sell-in at all (left out)
    sell_in = pd.DataFrame(
        {
            "account_id": ["A", "B", "A", "A", "B", "A", "A"],
            "week_id": [0, 0, 1, 2, 3, 5, 8],
            "cases_shipped": [4, 6, 10, 10, 70, 20, 20],
        }
    )
    out = ref_evenness(sell_in, _calendar())
    assert out["period_key"].tolist() == ["P1", "P2"]
    p1, p2 = out.iloc[0], out.iloc[1]
    assert (p1.lws, p1.gstar, round(p1.cv, 3)) == pytest.approx((0.7, 0.6, 1.039))
    # P2: G = 12 pairs × 20 / (2 × 25 × 8) = 0.6, G* = 0.75; CV = √96 / 8
    assert (p2.lws, p2.gstar, p2.cv) == pytest.approx((0.5, 0.75, math.sqrt(96) / 8))
    mine = M6.solutions()["evenness_metrics"](sell_in, _calendar())
    assert compare_evenness(mine, out).credit == 1.0
    assert compare_evenness(mine.set_index("period_key"), out).credit == 1.0
    wrong = mine.assign(cv=mine["cv"] * math.sqrt(4 / 3))  # sample instead of population std
    assert compare_evenness(wrong, out).reason == "wrong_value"


def test_t2_hidden_cases(shipped) -> None:
    from kamlab.assess.specs.m6 import ASSESSMENT

    item = ASSESSMENT.item("M6-T2")
    one, group, gappy = item.hidden(specs.case_context(shipped, shipped, seed=4))
    assert one.args[0]["account_id"].nunique() == 1
    assert group.args[0]["account_id"].nunique() >= 2
    rows, cal = gappy.args
    exp = item.reference(rows, cal)
    assert len(exp) < cal["period_key"].nunique()  # a period without any sell-in is left out


# ------------------------------------------------------------------------------------------
# M6-T3 and M6-T4 comparators
def test_t3_f1_per_scenario() -> None:
    from kamlab.assess.specs.m6 import compare_flags

    truth = [["A1", "P11"], ["A1", "P12"], ["A2", "P12"], ["A3", "P12"], ["A3", "P01"]]
    exp = {"scenario": "STUFFING", "labels": truth}
    right = [("STUFFING", a, p) for a, p in truth] + [("MONTH_END_PUSH", "A9", "P04")]
    assert compare_flags(right, exp).credit == 1.0  # other scenarios do not count
    # 3 of 5 found, 1 false: F1 = 6 / 9 = 0.67 -> half
    some = [("stuffing", "A1", "P11"), ("STUFFING", "A1", "P12"), ("STUFFING", "A2", "P12")]
    assert compare_flags([*some, ("STUFFING", "A7", "P12")], exp).credit == 0.5
    assert compare_flags(some[:1], exp).credit == 0.0
    frame = pd.DataFrame(right, columns=["scenario", "account_id", "period_key"])
    assert compare_flags(frame, exp).credit == 1.0
    assert compare_flags(1.0, exp).reason == "wrong_type"
    assert compare_flags([("STUFFING", "A1")], exp).reason == "wrong_type"


def test_t4_comparator_credit() -> None:
    from kamlab.assess.specs.m6 import compare_diversion

    exp = {"distributor": "ACC017", "target_regions": ["R1", "R5"], "diverted_share": 0.55}
    right = {"distributor": "acc017", "target_regions": ["R5", "R1"], "diverted_share": 0.64}
    assert compare_diversion(right, exp).credit == 1.0
    assert compare_diversion({**right, "diverted_share": 0.66}, exp).credit == 0.5
    assert compare_diversion({**right, "target_regions": ["R1"]}, exp).credit == 0.0
    assert compare_diversion({**right, "distributor": "ACC018"}, exp).credit == 0.0
    assert compare_diversion({"distributor": "ACC017"}, exp).reason == "wrong_keys"
    assert compare_diversion("ACC017", exp).reason == "wrong_type"


def test_diversion_is_drawn_from_the_seed() -> None:
    from kamlab.assess.specs._m6_world import diversion_params

    ps = [diversion_params("default", s) for s in range(200)]
    assert {p["distributor"] for p in ps} == {"ACC017", "ACC018"}  # R4's and R5's distributor
    for p in ps:
        assert 0.45 <= p["diverted_fraction"] <= 0.80
        allowed = {"ACC017": {"R1", "R2", "R3", "R5"}, "ACC018": {"R1"}}[p["distributor"]]
        assert 1 <= len(p["targets"]) <= 2 and set(p["targets"]) <= allowed
    assert len({tuple(p["targets"]) for p in ps}) >= 8
    assert diversion_params("default", 7) == diversion_params("default", 7)


def test_m6_world_and_references(m6world) -> None:
    from kamlab.assess.specs._m6_world import diversion_params
    from kamlab.assess.specs.m6 import ref_diversion, truth_flags

    p = diversion_params("default", 23)
    d = ref_diversion(m6world)
    assert d == {
        "distributor": p["distributor"],
        "target_regions": p["targets"],
        "diverted_share": pytest.approx(p["diverted_fraction"]),
    }
    stuffing = truth_flags(m6world, "STUFFING")
    push = truth_flags(m6world, "MONTH_END_PUSH")
    assert len(stuffing) >= 8 and len(push) == 18  # 2 accounts × FY2024 P04-P12
    assert {p for _, p in push} == {f"FY2024-P{k:02d}" for k in range(4, 13)}


# ------------------------------------------------------------------------------------------
def test_source_solutions_and_partial_variant_in_process(m6world, shipped) -> None:
    M6.check_source_and_partial(m6world, shipped)


def test_source_solutions_pass_the_visible_checks(shipped) -> None:
    M6.check_visible(shipped)  # raises on a failed practice check
