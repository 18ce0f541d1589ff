"""M4 assessment: references against hand-computed answers and kamlab's curriculum models,
edge cases that do what they say, comparators, and the source solutions judged in-process.

The end-to-end run (real nbgrader, sandboxes, the hostile cohort and ``cohorts/m4.py``) is in
``test_assessments_e2e.py``.
"""

from __future__ import annotations

import _specs as specs
import numpy as np
import pytest

M4 = specs.Spec("m4")

small = specs.simulated_fixture("small", "small", seed=23)


def test_points_and_levels_come_from_the_framework() -> None:
    from kamlab.assess.specs.m4 import ASSESSMENT

    assert [ASSESSMENT.points(it) for it in ASSESSMENT.items] == [4.0, 3.0, 4.0, 2.0, 4.0, 2.0]
    assert all(it.points is None and it.level is None for it in ASSESSMENT.items)
    assert [it.needs_implementation for it in ASSESSMENT.items] == [True] * 3 + [False] * 3


# ------------------------------------------------------------------------------------------
# M4-T1
def test_t1_spec_example_by_hand() -> None:
    from kamlab.assess.specs.m4 import SPEC_LINES, compare_fill, ref_fill_rates

    r = ref_fill_rates(SPEC_LINES)
    assert r["case_fill"] == pytest.approx(600 / 650)
    assert r["line_fill"] == pytest.approx(5 / 7)
    assert (r["order_fill"], r["on_time"], r["otif"]) == (0.5, 0.75, 0.5)
    r2 = ref_fill_rates(SPEC_LINES, tolerance_days=2)
    assert (r2["on_time"], r2["otif"]) == (1.0, 0.5)  # O2 is on time now, but short
    empty = ref_fill_rates(SPEC_LINES.iloc[:0])
    assert empty == dict.fromkeys(empty)
    assert compare_fill(dict.fromkeys(empty, float("nan")), empty).passed  # NaN is accepted too
    assert compare_fill(dict.fromkeys(empty, 0.0), empty).reason == "wrong_value"
    assert compare_fill({**r2, "line_otif": 0.5}, r2).reason == "wrong_keys"
    assert compare_fill({**r2, "on_time": r2["on_time"] - 0.002}, r2).credit == 0.0


def test_t1_hidden_edges_do_what_they_say(small) -> None:
    from kamlab.assess.specs.m4 import ASSESSMENT, ref_fill_rates

    fresh, tol, empty, shuffled = ASSESSMENT.item("M4-T1").hidden(specs.case_context(small))
    t = tol.kwargs["tolerance_days"]
    late = tol.args[0]["days_late"]
    assert t >= 1 and ((late > 0) & (late <= t)).any()  # the tolerance changes the answer
    assert ref_fill_rates(tol.args[0], t) != ref_fill_rates(tol.args[0], 0)
    assert len(empty.args[0]) == 0 and list(empty.args[0].columns) == list(fresh.args[0].columns)
    sh = shuffled.args[0]
    assert (sh["days_late"] == shuffled.kwargs["tolerance_days"]).sum() >= 1
    assert not sh["order_id"].is_monotonic_increasing  # an order's lines are apart
    assert (sh["on_time"] == (sh["days_late"] <= 0)).all()  # the table stays consistent


# ------------------------------------------------------------------------------------------
# M4-T2
def test_t2_spec_example_and_comparator() -> None:
    from kamlab.assess.specs.m4 import _spec_audit, compare_distribution, ref_distribution

    r = ref_distribution(*_spec_audit())
    assert r == {"SKU001": {"nd": pytest.approx(0.6), "wd": pytest.approx(0.55)}}
    assert compare_distribution({"SKU001": {"nd": 0.6, "wd": 0.55}}, r).passed
    assert compare_distribution({"SKU001": {"nd": 0.6, "wd": 0.5}}, r).credit == 0.5
    assert compare_distribution({"SKU001": {"nd": 0.5, "wd": 0.5}}, r).credit == 0.0
    assert compare_distribution({"SKU002": {"nd": 0.6, "wd": 0.55}}, r).reason == "wrong_keys"


def test_t2_hand_made_audit_counts_stores_not_visits(small) -> None:
    from kamlab.assess.specs.m4 import ASSESSMENT, ref_distribution

    fresh, quarter, edge = ASSESSMENT.item("M4-T2").hidden(specs.case_context(small))
    visits, sku, stores = edge.args
    assert visits["store_id"].duplicated().sum() == 1  # one store visited twice
    assert (~visits["visit_id"].isin(sku["visit_id"])).sum() == 0
    stray = sku[~sku["visit_id"].isin(visits["visit_id"])]
    assert len(stray) == 3 and stray["on_shelf"].all()  # rows of another round
    r = ref_distribution(visits, sku, stores)
    first = sorted(r)[0]
    assert r[first]["nd"] == pytest.approx(3 / 5)  # stores 1, 5 and the revisited store 2
    assert quarter.args[0]["store_id"].duplicated().any()  # repeat visits in a quarter
    assert not fresh.args[0]["store_id"].duplicated().any()


# ------------------------------------------------------------------------------------------
# M4-T3
def test_t3_spec_example_and_new_item_counts_as_mix() -> None:
    from kamlab.assess.specs.m4 import SPEC_PVM, compare_pvm, ref_pvm

    r = ref_pvm(*SPEC_PVM)
    assert (r["volume"], r["mix"], r["price"]) == pytest.approx((1600, -600, 180))
    assert r["total"] == pytest.approx(1180)
    # a new item C (year 1 only, 10 @ 40): its revenue is volume + mix, not price
    v0, p0, v1, p1 = SPEC_PVM
    r = ref_pvm(v0, p0, {**v1, "C": 10.0}, {**p1, "C": 40.0})
    assert r["price"] == pytest.approx(180)
    assert r["volume"] + r["mix"] + r["price"] == pytest.approx(r["total"])
    ok = {k: r[k] for k in ("volume", "mix", "price")}
    assert compare_pvm(ok, r).passed
    assert compare_pvm({**ok, "total": 1.0}, r).passed  # extra keys are ignored
    assert compare_pvm({**ok, "price": ok["price"] + 5}, r).reason == "wrong_value"
    assert compare_pvm({"volume": 1.0}, r).reason == "wrong_keys"


def test_t3_edges_remove_one_item(small) -> None:
    from kamlab.assess.specs.m4 import ASSESSMENT

    fresh, new, gone, brands = ASSESSMENT.item("M4-T3").hidden(specs.case_context(small))
    v0, p0, v1, p1 = fresh.args
    assert set(v0) == set(v1) == set(p0) == set(p1)
    assert len(set(new.args[2]) - set(new.args[0])) == 1
    assert len(set(gone.args[0]) - set(gone.args[2])) == 1
    assert list(brands.args[2]) != list(brands.args[3])  # year-1 dicts in different orders


# ------------------------------------------------------------------------------------------
# M4-T4, M4-T6: kamlab's curriculum models give the same answers
def test_t4_matches_the_curriculum_review_model(small) -> None:
    from kamlab.analysis.m4_review import account_quarter_value_share, review_context
    from kamlab.assess.specs.m4 import ref_t4

    maw = small.market_account_week
    fy24 = maw[maw["week_id"] >= 52]
    top = fy24.groupby(fy24["account_id"].astype(str))["value_incl_vat"].sum().idxmax()
    want = account_quarter_value_share(review_context(small), top, "FY2024-Q2")
    assert ref_t4(small) == pytest.approx(want, abs=1e-12)


def test_t6_matches_the_curriculum_review_model(small) -> None:
    from kamlab.analysis.m4_review import forecast_accuracy_for, review_context
    from kamlab.assess.specs.m4 import compare_t6, ref_t6

    ol = small.order_lines
    ka = small.accounts.loc[small.accounts["account_type"] == "KA", "account_id"]
    ol = ol[(ol["week_id"] >= 52) & ol["account_id"].isin(ka)]
    top = ol.groupby(ol["account_id"].astype(str))["cases_ordered"].sum().idxmax()
    qs = [f"FY2024-Q{k}" for k in range(1, 5)]
    wm, bias = forecast_accuracy_for(
        review_context(small), kam_id=None, account_id=top, quarters=qs
    )
    r = ref_t6(small)
    assert (r["wmape"], r["bias"]) == pytest.approx((wm, bias), abs=1e-12)
    assert compare_t6({"wmape": wm, "bias": -bias}, r).credit == 0.5
    assert compare_t6({"wmape": wm + 0.01, "bias": -bias}, r).credit == 0.0


# ------------------------------------------------------------------------------------------
# M4-T5
def test_t5_spearman_by_hand() -> None:
    from kamlab.assess.specs._m4_review import spearman
    from kamlab.assess.specs.m4 import compare_rank

    truth = ["a", "b", "c", "d", "e"]
    assert spearman(truth, truth) == 1.0
    assert spearman(["b", "a", "c", "d", "e"], truth) == pytest.approx(0.9)
    assert spearman(["b", "a", "c", "e", "d"], truth) == pytest.approx(0.8)
    assert spearman(["c", "b", "a", "d", "e"], truth) == pytest.approx(0.6)
    assert spearman(truth[::-1], truth) == -1.0
    assert compare_rank(["b", "a", "c", "e", "d"], truth).credit == 1.0
    assert compare_rank(["c", "b", "a", "d", "e"], truth).credit == 0.0
    assert compare_rank(["a", "b", "c", "d"], truth).reason == "wrong_shape"
    assert compare_rank("abcde", truth).reason == "wrong_type"


def test_t5_facts_match_the_curriculum_models(small) -> None:
    from kamlab import metrics as km
    from kamlab.analysis.m4_review import account_quarter_value_share, review_context
    from kamlab.assess.specs._m4_review import review_facts

    f = review_facts(small, "ACC002", "FY2024-Q2")
    ctx = review_context(small)
    assert f["share"] == pytest.approx(account_quarter_value_share(ctx, "ACC002", "FY2024-Q2"))
    lines = small.order_lines
    q = lines[(lines["account_id"] == "ACC002") & lines["week_id"].between(65, 77)]
    assert f["short"] == float((q["cases_ordered"] - q["cases_shipped"]).sum())
    fr = km.fill_rates(q)
    assert f["short"] / q["cases_ordered"].sum() == pytest.approx(1 - fr.case_fill)
    assert 0 < f["oos"] < 0.3 and f["tdp"] > 0 and f["nr"] < f["gs"]


def test_t5_actions_follow_a_random_ladder(small) -> None:
    from kamlab.assess.specs import _m4_review as rv

    f = rv.review_facts(small, "ACC002", "FY2024-Q2")
    assert rv.usable(f)
    firsts = set()
    for seed in range(40):
        acts = rv.make_actions(f, np.random.default_rng(seed), [f"R{i}" for i in range(5)])
        assert sorted(a["type"] for a in acts) == sorted(rv.ACTION_TYPES)
        imp = rv.action_impacts(f, acts)
        v = sorted(imp.values(), reverse=True)
        assert all(v[i] / v[i + 1] > 1.5 for i in range(4)), v  # clear gaps after rounding
        assert v[0] <= 0.061 * f["nr"]
        top = max(imp, key=imp.get)
        firsts.add(next(a["type"] for a in acts if a["id"] == top))
        assert all(0 < a.get("recover", 0.5) <= 1 and 0 < a.get("oos_cut", 0.5) <= 1 for a in acts)
    assert firsts == set(rv.ACTION_TYPES)  # any type can be the most valuable


# ------------------------------------------------------------------------------------------
# every item: the source solutions get full marks, the partial cohort its exact scores
def test_source_solutions_and_partial_variant_in_process(small) -> None:
    M4.check_source_and_partial(small)
