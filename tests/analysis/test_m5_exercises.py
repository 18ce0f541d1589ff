"""M5 self-checks: the model answer passes, a wrong one fails with a hint, None is 'not yet'."""

from __future__ import annotations

import pytest

from kamlab import metrics as km
from kamlab.analysis.m5_budget import budget_reallocation
from kamlab.analysis.m5_promo import post_event
from kamlab.analysis.m5_whatif import promo_whatif
from kamlab.learn import check
from kamlab.learn.checks import all_exercises
from kamlab.learn.exercises import m5
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _answers(world) -> dict[str, object]:
    pid = m5.practice_promo(world)
    pe = post_event(world, pid, "pre_post", cannibalisation=0.2)
    ts = world.trade_spend
    tts = ts[(ts.account_id == "ACC007") & (ts.fiscal_year == 2023)].amount_rmb.sum()
    cal = world.calendar
    si = world.sell_in
    gs = si[
        (si.account_id == "ACC007") & si.week_id.isin(cal.week_id[cal.fiscal_year == 2023])
    ].gross_sales.sum()
    tb = budget_reallocation(world, fiscal_year=2024).table
    return {
        "M5-E1": pe.baseline,
        "M5-E2": pe.evaluation.roi,
        "M5-E3": km.break_even_uplift(pe.unit_margin, pe.funding_per_case),
        "M5-E4": promo_whatif(world, "ACC001", m5.practice_sku(world), "TPR", 0.25).plan.lift,
        "M5-E5": (tts / gs, gs / tts),
        "M5-E6": str(tb.account_id[tb.marginal0.idxmax()]),
    }


def test_the_practice_promotion_is_a_fy2023_tpr_at_a_clean_account(world) -> None:
    pid = m5.practice_promo(world)
    row = world.promotions.set_index("promo_id").loc[pid]
    assert row.account_id == m5.PRACTICE_ACCOUNT and row.mechanic == "TPR"
    assert int(world.calendar.fiscal_year.iloc[int(row.start_week)]) == 2023
    labels = world.truth_scenario_labels
    labelled = set(labels.entity_id.astype(str))
    for ent in (m5.PRACTICE_ACCOUNT, m5.E4_ACCOUNT, m5.E5_ACCOUNT):
        assert ent not in labelled


def test_model_answers_pass_and_wrong_ones_fail(world) -> None:
    answers = _answers(world)
    assert {e.exercise_id for e in all_exercises() if e.module == "M5"} == set(answers)
    for eid, ans in answers.items():
        assert check(eid, ans, world=world).passed, eid
        res = check(eid, None, world=world)
        assert not res.passed and res.hint, eid
    assert not check("M5-E1", answers["M5-E1"] * 1.1, world=world).passed
    assert not check("M5-E2", answers["M5-E2"] + 0.1, world=world).passed
    assert "fraction" in check("M5-E3", answers["M5-E3"] * 100, world=world).message
    assert "M − 1" in check("M5-E4", answers["M5-E4"] + 1, world=world).message
    sts, io = answers["M5-E5"]
    assert "投入产出比" in check("M5-E5", (sts, io * 1.1), world=world).message
    assert not check("M5-E5", 0.2, world=world).passed
    assert not check("M5-E6", "ACC999", world=world).passed
    assert check("M5-E6", answers["M5-E6"].lower(), world=world).passed
