"""M8 capstone assessment: the committed notebook, the diagnosis score, the replay's guard rails
and the plan comparators on a real simulated world (the e2e test grades the whole cohort)."""

from __future__ import annotations

import _specs as specs
import pandas as pd
import pytest

from kamlab.assess.plain import normalise
from kamlab.assess.specs import m8

M8 = specs.Spec("m8")


def test_the_notebooks_answer_cells_are_the_reference_solution() -> None:
    import inspect

    from kamlab.assess.specs import _m8_solution

    nb = M8.committed_notebook()
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }
    for item, fn in (
        ("M8-T1", "diagnose"),
        ("M8-T2", "turnaround_plan"),
        ("M8-T3", "capstone_submission"),
    ):
        assert inspect.getsource(getattr(_m8_solution, fn)).strip() in answers[f"{item}-answer"]
    # the solution runs in the sandbox: it may not import kamlab
    assert "import kamlab" not in inspect.getsource(_m8_solution)


EXPECTED = {
    "flags": {
        "STUFFING": ["FY2023-P11", "FY2023-P12"],
        "PROMO_OVERSPEND": ["PR00001", "PR00002", "PR00003"],
        "COMPETITOR_PUSH": ["ACC002"],
        "SERVICE_DEPRIORITISED": ["ACC002"],
    },
    "negatives": {"PROMO_OVERSPEND": ["PR00004"]},
    "ignored": {"PROMO_OVERSPEND": ["PR00009"]},
    "ignore_flags": ["FORECAST_BIAS"],
}


def _diag(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["flag", "evidence_id"])


def test_diagnosis_macro_f1_by_hand() -> None:
    answer = _diag(
        [
            ("STUFFING", "W046"),  # a week counts as its period, FY2023-P11
            ("STUFFING", "FY2023-P12"),
            ("STUFFING", "FY2024-P01"),  # not part of the load: FP → F1 = 4 / 5 = 0.8
            ("PROMO_OVERSPEND", "PR00001"),
            ("PROMO_OVERSPEND", "PR00002"),
            ("PROMO_OVERSPEND", "PR00004"),  # a profitable promotion: FP
            ("PROMO_OVERSPEND", "PR00009"),  # not judged: ignored
            ("PROMO_OVERSPEND", "KAM02"),  # not a promotion id: not scored → F1 = 4 / 6
            ("COMPETITOR_PUSH", "acc002"),  # case and spaces do not matter → F1 = 1
            ("FORECAST_BIAS", "KAM02"),  # another knob really touches the account: ignored
            ("DIVERSION", "ACC002"),  # not part of the case: a fifth flag with F1 = 0
        ]
    )  # SERVICE_DEPRIORITISED missing: F1 = 0
    score, per_flag, false_flags = m8.diagnosis_f1(normalise(answer), EXPECTED)
    assert per_flag == pytest.approx(
        {
            "STUFFING": 0.8,
            "PROMO_OVERSPEND": 2 / 3,
            "COMPETITOR_PUSH": 1.0,
            "SERVICE_DEPRIORITISED": 0.0,
        }
    )
    assert false_flags == ["DIVERSION"]
    assert score == pytest.approx((0.8 + 2 / 3 + 1.0) / 5)
    assert m8.compare_diagnosis(normalise(answer), EXPECTED).credit == 0.0


def test_diagnosis_bands() -> None:
    perfect = [(f, i) for f, ids in EXPECTED["flags"].items() for i in ids]
    assert m8.compare_diagnosis(normalise(_diag(perfect)), EXPECTED).credit == 1.0
    # one false flag with a perfect diagnosis: 4 / 5 = 0.8 → full credit (the §0.2 guard)
    one_false = [*perfect, ("MONTH_END_PUSH", "FY2024-P05")]
    assert m8.compare_diagnosis(normalise(_diag(one_false)), EXPECTED).credit == 1.0
    # three of four flags: 0.75 → half credit
    three = [p for p in perfect if p[0] != "STUFFING"]
    assert m8.compare_diagnosis(normalise(_diag(three)), EXPECTED).credit == 0.5
    # a list of pairs is accepted; a list of strings or a dict is not a diagnosis
    assert m8.compare_diagnosis(normalise(perfect), EXPECTED).credit == 1.0
    assert m8.compare_diagnosis(["STUFFING"], EXPECTED).reason == "wrong_type"
    assert m8.compare_diagnosis(EXPECTED, EXPECTED).reason == "wrong_type"


def test_the_customer_accepts_limited_cuts_only() -> None:
    from kamlab.analysis.m8_plan import Submission

    now = {c: 1.0 for c in (*m8._PAID_TERMS, *m8._KPI_TERMS)}
    now.update(on_invoice_discount_pct=0.08, otif_kpi=0.9, payment_terms_days=60.0)
    sub = Submission(
        "ACC002",
        {
            "promotions": pd.DataFrame(
                {
                    "sku_id": ["SKU001"],
                    "start_week": [105],
                    "end_week": [106],
                    "depth_pct": [0.2],
                    "funding_per_case": [0.0],  # the retailer would fund it all: ignored
                    "fixed_fee_rmb": [0.0],
                }
            ),
            "terms": pd.DataFrame(
                {
                    "on_invoice_discount_pct": [0.0],  # −100 % → replayed at −20 %: 0.064
                    "otif_kpi": [0.5],  # lowered → replayed at 0.9
                    "payment_terms_days": [90.0],  # our concession: kept
                }
            ),
        },
    )
    plan = m8._guarded_plan(sub, now)
    assert list(plan["promotions"].columns) == ["sku_id", "start_week", "end_week", "depth_pct"]
    t = plan["terms"].iloc[0]
    assert t["on_invoice_discount_pct"] == pytest.approx(0.064)
    assert t["otif_kpi"] == pytest.approx(0.9)
    assert t["payment_terms_days"] == pytest.approx(90.0)
    # an empty promotions table means no promotions (a missing table: the planned ones)
    empty = Submission("ACC002", {"promotions": pd.DataFrame(columns=["sku_id", "start_week",
                                                                        "end_week", "depth_pct"])})  # fmt: skip
    assert len(m8._guarded_plan(empty, now)["promotions"]) == 0
    assert "promotions" not in m8._guarded_plan(Submission("ACC002", {}), now)


def test_composite_threshold() -> None:
    assert m8.composite_threshold(1.2) == pytest.approx(0.95)
    assert m8.composite_threshold(0.9) == pytest.approx(0.855)


# ---- on a simulated world ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def capstone() -> tuple:
    from kamlab.sim import SimConfig, simulate

    w = simulate(SimConfig.preset("default", seed=11))
    acc = m8.capstone_account(w)
    return w, acc, normalise(m8.ref_plan(w, acc))


@pytest.mark.slow
def test_reference_solution_on_a_fresh_world(capstone: tuple) -> None:
    from kamlab.assess.specs import _m8_solution as sol

    w, acc, expected = capstone
    # the case is the tier-A hyper chain of the CAPSTONE knob
    row = w.accounts.set_index("account_id").loc[acc]
    assert (str(row["channel"]), str(row["tier"])) == ("HYPER", "A")
    diag = m8.compare_diagnosis(
        normalise(sol.diagnose(w, acc)), normalise(m8.ref_diagnosis(w, acc))
    )
    assert diag.credit == 1.0, diag.detail
    assert all(expected["scored"].values()), expected  # the reference meets all six here
    c2 = m8.compare_constraints(normalise(sol.turnaround_plan(w, acc)), expected)
    assert c2.credit == 1.0, c2.detail
    c3 = m8.compare_composite(normalise(sol.capstone_submission(w, acc)), expected)
    assert c3.credit == 1.0 and expected["threshold"] <= m8.AMBER


@pytest.mark.slow
def test_plan_credit_is_the_share_of_scored_constraints(capstone: tuple) -> None:
    from kamlab.analysis.m8_constraints import evaluate_plan
    from kamlab.analysis.m8_plan import Submission
    from kamlab.assess.specs import _m8_solution as sol

    w, acc, expected = capstone
    # the account's current practice (its PLANNED promotions) as an explicit plan
    T = len(w.calendar)
    pr = w.promotions
    planned = pr[(pr.account_id == acc) & (pr.status == "PLANNED") & (pr.start_week >= T)].copy()
    planned["end_week"] = planned["end_week"].clip(upper=T + 12)
    plan = sol.turnaround_plan(w, acc)
    plan["promotions"] = planned[
        ["sku_id", "start_week", "end_week", "depth_pct", "mechanic", "display_type", "feature"]
    ].astype({"sku_id": str, "mechanic": str, "display_type": str, "feature": str})
    guarded = m8._guarded_plan(Submission(acc, plan), m8._current_terms(w, acc))
    ev = evaluate_plan(w, acc, guarded, seed=expected["replay_seed"])
    met = int(ev.constraints["passed"].sum())
    check = m8.compare_constraints(normalise(plan), expected)
    assert check.credit == pytest.approx(met / 6)
    # a constraint the reference fails in a world is not scored
    failing = ev.constraints.loc[~ev.constraints["passed"], "constraint"].tolist()
    if failing:
        voided = {**expected, "scored": {**expected["scored"], failing[0]: False}}
        assert m8.compare_constraints(normalise(plan), voided).credit == pytest.approx(met / 5)


@pytest.mark.slow
def test_invalid_or_incomplete_plans_score_nothing(capstone: tuple) -> None:
    from kamlab.assess.specs import _m8_solution as sol

    w, acc, expected = capstone
    T = len(w.calendar)
    plan = sol.turnaround_plan(w, acc)
    no_terms = {k: v for k, v in plan.items() if k != "terms"}
    assert m8.compare_constraints(normalise(no_terms), expected).reason == "wrong_keys"
    late = dict(plan)
    late["promotions"] = pd.DataFrame(
        {"sku_id": ["SKU001"], "start_week": [T + 12], "end_week": [T + 14], "depth_pct": [0.2]}
    )
    bad = m8.compare_constraints(normalise(late), expected)
    assert (bad.credit, bad.reason) == (0.0, "wrong_shape")
    sub = sol.capstone_submission(w, acc)
    # M8-T2 judges the plan tables only; M8-T3 the whole submission
    typo = dict(sub)
    typo["actions"] = typo["actions"].assign(area="LOGISTICS")
    assert m8.compare_constraints(normalise(typo), expected).credit == 1.0
    assert m8.compare_composite(normalise(typo), expected).reason == "wrong_shape"
    sub["actions"] = {"area": [], "action": []}  # an empty table given as a dict of columns
    assert m8.compare_composite(normalise(sub), expected).credit == 0.0
    assert m8.compare_composite(normalise(plan), expected).reason == "wrong_keys"  # no diagnosis
