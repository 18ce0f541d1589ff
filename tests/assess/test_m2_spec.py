"""M2 assessment: references against hand-computed answers, edge cases that do what they say,
the M2-T4 judge (simulate_plan replays), and the source solutions judged in-process.

The end-to-end run (real nbgrader, sandboxes, the hostile cohort and ``cohorts/m2.py``) is in
``test_assessments_e2e.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _specs as specs
import numpy as np
import pandas as pd
import pytest

M2 = specs.Spec("m2", setup=specs.SETUP_WITH_ITERTOOLS)

small = specs.simulated_fixture("small", "small", seed=23)
shipped = specs.shipped_fixture()


def test_points_and_levels_come_from_the_framework() -> None:
    from kamlab.assess.specs.m2 import ASSESSMENT

    assert [ASSESSMENT.points(it) for it in ASSESSMENT.items] == [4.0, 3.0, 3.0, 6.0, 3.0]
    assert all(it.points is None and it.level is None for it in ASSESSMENT.items)


# ------------------------------------------------------------------------------------------
# M2-T1
def test_t1_hand_computed_tiers() -> None:
    from kamlab.assess.specs.m2 import ref_segment

    df = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "size": [10.0, 20.0, 30.0],
            "growth": [0.0, 0.1, 0.05],
            "profitability": [0.2, 0.3, 0.25],
            "share": [0.1, 0.3, 0.2],
            "relationship": [3.0, 4.0, 2.0],
            "execution": [0.7, 0.8, 0.9],
        }
    )
    # size only: 0, 0.5, 1; share only: 0, 1, 0.5 -> scores 0, 0.75, 0.75
    assert ref_segment(df, {"size": 1, "share": 1}, (0.5, 0.35)) == {
        "A1": "C",
        "A2": "A",
        "A3": "A",
    }
    # equal weights on growth and execution: A1 (0+0)/2 = 0, A2 (1+0.5)/2, A3 (0.5+1)/2
    assert ref_segment(df, {"growth": 1, "execution": 1}, (0.8, 0.7)) == {
        "A1": "C",
        "A2": "B",
        "A3": "B",
    }


def test_t1_cutoff_edge_needs_the_guard() -> None:
    from kamlab.analysis.m2_portfolio import segment
    from kamlab.assess.specs.m2 import CUTOFF_EDGE, ref_segment

    table, weights = CUTOFF_EDGE
    t = segment(pd.DataFrame(table), weights).table
    assert 0.5 - 1e-12 < t["score"].iloc[0] < 0.5  # exactly 0.5 on paper, just below in floats
    assert ref_segment(pd.DataFrame(table), weights, (0.5, 0.35))["ACC101"] == "A"
    ns: dict[str, Any] = {"pd": pd}
    exec(M2.cohort().T1_NO_GUARD, ns)
    assert ns["segment_accounts"](pd.DataFrame(table), weights, (0.5, 0.35))["ACC101"] == "B"


def test_t1_flat_and_missing_criteria_score_half() -> None:
    from kamlab.assess.specs.m2 import ref_segment

    df = pd.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "size": [1.0, 2.0],
            "growth": [np.nan, 0.1],
            "profitability": [0.1, 0.1],
            "share": [0.2, 0.2],
            "relationship": [3.0, 3.0],
            "execution": [0.5, 0.5],
        }
    )
    # growth only: A1 missing -> 0.5, A2 alone -> max = min -> 0.5; position all flat 0.5
    assert ref_segment(df, {"growth": 1, "share": 1}, (0.5, 0.35)) == {"A1": "A", "A2": "A"}
    assert ref_segment(df, {"growth": 1, "share": 1}, (0.51, 0.5)) == {"A1": "B", "A2": "B"}


# ------------------------------------------------------------------------------------------
# M2-T2
def test_t2_definitions_in_the_prompt_match_the_reference(shipped) -> None:
    from kamlab.analysis.m2_jbp import jbp_base
    from kamlab.assess.specs.m2 import ref_t2, t2_account

    a = t2_account(shipped)
    assert a == "ACC008"  # CornerPlus Central: the CVS key account with the highest FY2024 NR
    si = shipped.sell_in[2023 + shipped.sell_in["week_id"] // 52 == 2024]
    ts = shipped.trade_spend[shipped.trade_spend["fiscal_year"] == 2024]
    nr = float(si.loc[si["account_id"] == a, "gross_sales"].sum()) - float(
        ts.loc[ts["account_id"] == a, "amount_rmb"].sum()
    )
    m = shipped.market_account_week
    m = m[m["account_id"] == a]
    fy = 2023 + m["week_id"] // 52
    value = m.groupby(fy)["value_incl_vat"].sum()
    ours = m["value_incl_vat"].where(m["brand_owner"] == "OURS", 0.0).groupby(fy).sum()
    b = jbp_base(shipped, a)
    assert b.nr_ly == pytest.approx(nr, rel=1e-9)
    assert b.category_growth == pytest.approx(value[2024] / value[2023] - 1, rel=1e-9)
    assert b.share_ly == pytest.approx(ours[2024] / value[2024], rel=1e-9)
    hand = nr * (value[2024] / value[2023]) * (1 + 0.01 / b.share_ly) * 1.015
    assert ref_t2(shipped) == pytest.approx(hand, rel=1e-9)


# ------------------------------------------------------------------------------------------
# M2-T3
def test_t3_reference_on_hand_examples() -> None:
    from kamlab.assess.specs.m2 import ref_distribution_gain

    assert ref_distribution_gain(0.25, 2_000_000) == pytest.approx(500_000.0)
    assert ref_distribution_gain({"S1": 0.05, "S2": 0.10}, 1_000_000) == pytest.approx(150_000)
    assert ref_distribution_gain([0.04, 0.03, -0.02, 0.05, 0.0], 1e6) == pytest.approx(100_000)
    assert ref_distribution_gain({}, 1e6) == 0.0
    assert ref_distribution_gain(-0.5, 2e6) == pytest.approx(-1e6)


# ------------------------------------------------------------------------------------------
# M2-T5
def test_t5_synthetic_edges() -> None:
    from kamlab.assess.specs.m2 import _contacts_edge, ref_coverage_gaps

    edge = _contacts_edge()
    # gap 4: CT9001; gap 3 with influence 5: CT9002 (1 meeting), CT9005 (2), CT9004 (4);
    # CT9003 has gap 3 but influence 4; CT9006 has no TERMS role; CT9007/CT9008 do not qualify
    assert set(ref_coverage_gaps(edge, "ACC901", "TERMS")) == {"CT9001", "CT9002", "CT9005"}
    assert set(ref_coverage_gaps(edge, "ACC902", "PROMO")) == {"CT9009", "CT9010"}
    assert ref_coverage_gaps(edge, "ACC902", "SUPPLY") == []
    roles = edge["decision_roles"].astype(object).copy()
    roles[edge["contact_id"] == "CT9001"] = None
    assert "CT9001" not in ref_coverage_gaps(edge.assign(decision_roles=roles), "ACC901", "TERMS")


# ------------------------------------------------------------------------------------------
# M2-T4
def test_t4_judge_replays_the_plan(small) -> None:
    from kamlab.assess.specs import _m2_plan as plan

    rng = np.random.default_rng(3)
    menu = plan.make_menu(small, "ACC001", rng)
    brief = plan.make_brief(small, menu, rng)
    planned, options = plan.frames(menu)
    assert set(options["sku_id"]).isdisjoint(set(planned["sku_id"]))
    assert options.groupby("sku_id").size().eq(2).all()  # two overlapping options per SKU
    token = plan.register(small)
    exp = plan.expected_of(token, "ACC001", brief)
    answer = plan.solve(planned, options, plan.brief_of(brief))
    ok = plan.compare_plan(answer, exp)
    assert ok.credit == 1.0, ok.detail
    # the same plan in another row order is judged the same
    again = plan.compare_plan(answer.iloc[::-1].reset_index(drop=True), exp)
    assert again.credit == 1.0 and again.detail == ok.detail
    # the planned calendar alone misses the band but keeps budget and capacity: 1/3
    assert plan.compare_plan(planned, exp).credit == pytest.approx(0.5 * 2 / 3)
    # both options of a SKU at once is not a valid plan
    both = pd.concat([planned, options[list(plan.PLAN_COLUMNS)]], ignore_index=True)
    bad = plan.compare_plan(both, exp)
    assert bad.credit == 0.0 and bad.reason == "constraint"
    assert plan.compare_plan({"promotions": answer}, exp).credit == 1.0
    assert plan.compare_plan(exp, exp).reason == "wrong_type"  # the hard-coded expected answer


def test_t4_world_token_survives_save_and_load(small, tmp_path: Path) -> None:
    from kamlab.assess.specs._m2_plan import world_token
    from kamlab.assess.worlds import _save_fast, lazy_world

    _save_fast(small, tmp_path / "w")
    assert world_token(lazy_world(tmp_path / "w")) == world_token(small)


# ------------------------------------------------------------------------------------------
# every item: the source solutions get full marks, the partial cohort its exact scores
def test_source_solutions_and_partial_variant_in_process(small, shipped) -> None:
    M2.check_source_and_partial(small, shipped)
