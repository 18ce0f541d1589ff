"""M3 assessment: references against hand-computed answers, edge cases that do what they say,
the M3-T3 design checks, and the source solutions judged in-process.

The end-to-end run (real nbgrader, sandboxes, the hostile cohort and ``cohorts/m3.py``) is in
``test_assessments_e2e.py``.
"""

from __future__ import annotations

from typing import Any

import _specs as specs
import pytest

M3 = specs.Spec("m3", setup=specs.SETUP_WITH_ITERTOOLS)

small = specs.simulated_fixture("small", "small", seed=97)
shipped = specs.shipped_fixture()


def test_points_and_levels_come_from_the_framework() -> None:
    from kamlab.assess.specs.m3 import ASSESSMENT

    assert [ASSESSMENT.points(it) for it in ASSESSMENT.items] == [4.0, 3.0, 6.0, 2.0]
    assert all(it.points is None and it.level is None for it in ASSESSMENT.items)


# ------------------------------------------------------------------------------------------
# M3-T1
def test_t1_reference_on_the_spec_example() -> None:
    from kamlab.assess.specs.m3 import SPEC_TIERS, ref_tiered_rebate

    assert ref_tiered_rebate(6_000_000, 5_500_000, SPEC_TIERS, "retro") == pytest.approx(120_000)
    assert ref_tiered_rebate(6_000_000, 5_500_000, SPEC_TIERS, "MARGINAL") == pytest.approx(7_250)
    assert ref_tiered_rebate(6_049_999, 5_500_000, SPEC_TIERS, "retro") == pytest.approx(120_999.98)
    assert ref_tiered_rebate(6_050_000, 5_500_000, SPEC_TIERS, "RETRO") == pytest.approx(181_500)
    # 4 M base, 4.6 M sales, marginal: 200k x 1 % + 200k x 2 % + 200k x 3 % = 12,000
    assert ref_tiered_rebate(4_600_000, 4_000_000, SPEC_TIERS, "marginal") == pytest.approx(12_000)
    assert ref_tiered_rebate(3_900_000, 4_000_000, SPEC_TIERS, "retro") == 0.0
    assert ref_tiered_rebate(4_000_000, 4_000_000, SPEC_TIERS, "retro") == pytest.approx(40_000)


def test_t1_edges_need_the_guard() -> None:
    from kamlab.assess.specs.m3 import BOUNDARY_TIERS, SPEC_TIERS, ref_tiered_rebate

    assert 4_800_000 / 4_000_000 - 1 < 0.2  # exactly 20 % on paper, just below in floats
    assert ref_tiered_rebate(4_800_000, 4_000_000, BOUNDARY_TIERS, "retro") == pytest.approx(
        0.035 * 4_800_000
    )
    base = 5_000_000.0
    assert ref_tiered_rebate(base * (1 + 0.1 - 1e-12), base, SPEC_TIERS, "retro") == pytest.approx(
        0.03 * base * 1.1
    )
    ns: dict[str, Any] = {}
    exec(M3.cohort().T1_NO_GUARD, ns)
    assert ns["tiered_rebate"](4_800_000, 4_000_000, BOUNDARY_TIERS, "retro") == pytest.approx(
        0.02 * 4_800_000
    )


# ------------------------------------------------------------------------------------------
# M3-T2
def test_t2_a_rates_only_proposal_costs_its_rate(shipped) -> None:
    from kamlab.assess.specs.m3 import T2_VISIBLE, ref_proposal_cost

    zero = {k: (0.0 if isinstance(v, float) else v) for k, v in T2_VISIBLE.items()}
    zero.update(growth_tiers=[[0.0, None, 0.0]], on_invoice_discount_pct=0.05)
    assert ref_proposal_cost(shipped, zero) == pytest.approx(0.05, abs=1e-12)
    # a retro growth rebate of 2 % from 0 growth adds exactly 2 points
    two = {**zero, "growth_tiers": [[0.0, None, 0.02]], "planned_growth": 0.03}
    assert ref_proposal_cost(shipped, two) == pytest.approx(0.07, abs=1e-12)


def test_t2_activity_counts_are_whole(shipped) -> None:
    from kamlab.analysis.m3_package import terms_context

    ctx = terms_context(shipped, "ACC011", 2024)
    counts = [ctx.endcap_store_periods, ctx.floorstack_store_periods, ctx.dm_issues]
    assert all(c == round(c) for c in counts) and sum(counts) > 0


# ------------------------------------------------------------------------------------------
# M3-T3
def test_t3_design_checks() -> None:
    from kamlab.assess.specs.m3 import check_design, compare_design

    base, g, cap = 4_000_000.0, 0.06, 30_000.0
    exp = {"base": base, "plan_growth": g, "cap": cap}
    r1 = 0.98 * cap / (base * g)
    good = {"mode": "marginal", "tiers": [[0.0, g, r1], [g, None, 1.5 * r1]]}
    c = check_design(good, base, g, cap)
    assert c["monotone"] and c["zero_below"] and c["within_cap"] and c["no_cliff"]
    assert c["share"] == pytest.approx(0.98)
    assert compare_design(good, exp).credit == 1.0
    # retro from 0 growth: pays at g = 0 and jumps at the bound
    retro = {"mode": "retro", "tiers": [[0.0, g, 0.001], [g, None, 0.007]]}
    c = check_design(retro, base, g, cap)
    assert not c["zero_below"] and not c["no_cliff"]
    assert compare_design(retro, exp).credit == 0.0
    # the rate falls above plan: not monotone
    falling = {"mode": "marginal", "tiers": [[0.0, g, r1], [g, None, r1 / 2]]}
    assert not check_design(falling, base, g, cap)["monotone"]
    # a gap between tiers: not contiguous
    gap = {"mode": "marginal", "tiers": [[0.0, g, r1], [g + 0.01, None, r1]]}
    assert not check_design(gap, base, g, cap)["monotone"]
    # over the cap
    rich = {"mode": "marginal", "tiers": [[0.0, g, 1.2 * r1], [g, None, 1.5 * r1]]}
    assert compare_design(rich, exp).reason == "constraint"
    # 85 % of the cap: half credit; nothing paid: nothing
    assert (
        compare_design(
            {"mode": "marginal", "tiers": [[0.0, g, 0.85 * cap / (base * g)], [g, None, r1]]}, exp
        ).credit
        == 0.5
    )
    assert (
        compare_design({"mode": "marginal", "tiers": [[0.0, g, 0.0], [g, None, 0.0]]}, exp).credit
        == 0.0
    )
    assert compare_design({"mode": "flat", "tiers": []}, exp).reason == "wrong_shape"
    assert compare_design(exp, exp).reason == "wrong_shape"  # the hard-coded expected answer


def test_t3_a_design_typed_in_for_the_visible_case_fails_every_hidden_case(shipped, small) -> None:
    from kamlab.assess.specs.m3 import ASSESSMENT, compare_design

    item = ASSESSMENT.item("M3-T3")
    ns = M3.solutions()
    vis = item.visible(shipped)[0]
    typed = ns["design_tiers"](*vis.args)
    for seed in range(5):
        for case in item.hidden(specs.case_context(small, shipped, seed)):
            assert compare_design(specs.plain(typed), case.expected).credit == 0.0


# ------------------------------------------------------------------------------------------
# M3-T4
def test_t4_agreements_have_one_loading_clause_never_at_the_visible_letter(shipped, small) -> None:
    from kamlab.assess.specs.m3 import ASSESSMENT, T4_VISIBLE

    item = ASSESSMENT.item("M3-T4")
    for seed in range(10):
        for case in item.hidden(specs.case_context(small, shipped, seed)):
            (agreement,) = case.args
            loading = [
                k
                for k, c in agreement.items()
                if c["structure"] == "retro_tiers" and c["basis"] == "sell_in"
            ]
            assert loading == [case.expected] and case.expected != T4_VISIBLE[0]
            kinds = {(c["structure"], c["basis"]) for c in agreement.values()}
            assert {("marginal_tiers", "sell_in"), ("retro_tiers", "sell_out")} <= kinds


# ------------------------------------------------------------------------------------------
# every item: the source solutions get full marks, the partial cohort its exact scores
def test_source_solutions_and_partial_variant_in_process(small, shipped) -> None:
    M3.check_source_and_partial(small, shipped, seeds=(5, 6))
