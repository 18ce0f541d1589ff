"""The M8 submission format: tables, validation messages and an exact JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kamlab.analysis.m8_plan import (
    DIAGNOSIS_FLAGS,
    FORMAT,
    PLAN_TABLES,
    SUBMISSION_TABLES,
    Submission,
    check_submission,
    load_submission,
    save_submission,
    validate_submission,
)

WEEKS = range(104, 117)


def _full() -> Submission:
    return Submission(
        "ACC002",
        {
            "promotions": pd.DataFrame(
                {
                    "sku_id": ["SKU001", "SKU001", "SKU003"],
                    "start_week": [104, 107, 104],
                    "end_week": [105, 108, 106],
                    "depth_pct": [0.2, 0.15, 1 / 3],
                    "mechanic": ["TPR", "MULTIBUY", "TPR"],
                    "display_type": ["ENDCAP", "NONE", "NONE"],
                }
            ),
            "terms": {"on_invoice_discount_pct": 0.055, "unconditional_rebate_pct": 0.02},
            "shipments_policy": pd.DataFrame({"target_woc": [2.75]}),
            "budget": pd.DataFrame({"trade_budget_rmb": [1_234_567.891]}),
            "diagnosis": pd.DataFrame(
                {
                    "flag": ["STUFFING", "PROMO_OVERSPEND"],
                    "evidence_id": ["W099", "PR00169"],
                    "note": ["cover 14 weeks", None],
                }
            ),
            "jbp_targets": {"nr_target": 5.5e6, "nr_growth_vs_ly": 0.06, "line_otif_target": 0.9},
            "budget_allocation": [
                {"bucket": "PROMOTION_FUNDING", "amount_rmb": 600_000.0},
                {"bucket": "RESERVE", "amount_rmb": 100_000.0},
            ],
            "actions": pd.DataFrame(
                {"area": ["SERVICE"], "action": ["weekly CPFR call"], "due_week": [108]}
            ),
        },
        meta={"author": "trainee"},
    )


def test_round_trip_is_exact(tmp_path) -> None:
    s = _full()
    p = save_submission(s, tmp_path / "sub" / "m8.json")
    back = load_submission(p)
    assert back.account_id == "ACC002" and back.meta == {"author": "trainee"}
    assert list(back.tables) == [t for t in SUBMISSION_TABLES if t in s.tables]
    for name, df in s.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], df, check_exact=True)
    # a float survives bit for bit; missing values are JSON null
    assert back.tables["promotions"]["depth_pct"].iloc[2] == 1 / 3
    raw = json.loads(p.read_text(encoding="utf-8"))
    assert raw["format"] == FORMAT and raw["version"] == 1
    assert raw["tables"]["diagnosis"]["data"][1] == ["PROMO_OVERSPEND", "PR00169", None]
    assert check_submission(back, weeks=WEEKS) == []


def test_plan_is_the_simulator_tables_with_plain_dtypes() -> None:
    plan = _full().plan
    assert sorted(plan) == sorted(PLAN_TABLES)
    pr = plan["promotions"]
    assert pr["start_week"].dtype == np.int64 and pr["sku_id"].dtype == object
    assert plan["terms"].shape == (1, 2)
    # optional columns that are all empty are left out (the simulator's defaults apply)
    s = Submission(
        "ACC002", {"promotions": _full().tables["promotions"].assign(fixed_fee_rmb=np.nan)}
    )
    assert "fixed_fee_rmb" not in s.plan["promotions"].columns


def test_dict_and_list_inputs_become_frames() -> None:
    s = _full()
    assert isinstance(s.tables["terms"], pd.DataFrame) and len(s.tables["terms"]) == 1
    assert s.tables["budget_allocation"]["amount_rmb"].sum() == 700_000.0


@pytest.mark.parametrize(
    ("table", "frame", "fragment"),
    [
        ("promotions", {"sku_id": ["SKU001"], "start_week": [104], "end_week": [105],
                        "depth_pct": [0.6]}, "depth_pct = 0.6 must be between 0 and 0.5"),
        ("promotions", {"sku_id": ["SKU001"], "start_week": [104], "end_week": [120],
                        "depth_pct": [0.2]}, "outside the plan weeks 104–116"),
        ("promotions", {"sku_id": ["SKU001", "SKU001"], "start_week": [104, 105],
                        "end_week": [106, 107], "depth_pct": [0.2, 0.2]}, "overlaps"),
        ("promotions", {"sku_id": ["SKU001"], "start_week": [104], "end_week": [105]},
         "required column 'depth_pct' is missing"),
        ("promotions", {"sku_id": ["SKU001"], "start_week": [104], "end_week": [105],
                        "depth_pct": [0.2], "display_type": ["BANNER"]}, "display_type 'BANNER'"),
        ("terms", {"on_invoice_discount_pct": [1.5]}, "must be between 0 and 1"),
        ("terms", {"on_invoice_discount_pct": [0.05, 0.06]}, "terms must have one row"),
        ("shipments_policy", {"sku_id": ["SKU001"]}, "needs target_woc"),
        ("shipments_policy", {"week_id": [130], "cases": [100.0]}, "week_id 130 is outside"),
        ("budget", {"trade_budget_rmb": [-1.0]}, "must be at least 0"),
        ("diagnosis", {"flag": ["LAZY_KAM"], "evidence_id": ["KAM02"]}, "flag 'LAZY_KAM'"),
        ("diagnosis", {"flag": ["STUFFING"], "evidence_id": [None]}, "evidence_id is empty"),
        ("actions", {"area": ["MARKETING"], "action": ["x"]}, "area 'MARKETING'"),
    ],
)  # fmt: skip
def test_each_problem_is_named(table, frame, fragment) -> None:
    s = Submission("ACC002", {table: pd.DataFrame(frame)})
    problems = check_submission(s, weeks=WEEKS)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(ValueError, match="problem"):
        validate_submission(s, weeks=WEEKS)


def test_unlisted_sku_and_budget_overrun() -> None:
    s = _full()
    problems = check_submission(s, weeks=WEEKS, skus={"SKU001"})
    assert problems == ["promotions row 2: SKU SKU003 is not listed at the account."]
    t = dict(s.tables)
    t["budget_allocation"] = pd.DataFrame({"bucket": ["RESERVE"], "amount_rmb": [2e6]})
    assert any("more than the budget" in p for p in check_submission(Submission("ACC002", t)))


def test_bad_files_and_tables_are_readable(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        Submission("ACC002", {"forecast": pd.DataFrame()})
    with pytest.raises(ValueError, match="account_id"):
        Submission("", {})
    with pytest.raises(ValueError, match="not valid JSON"):
        Submission.from_json("{not json")
    with pytest.raises(ValueError, match="not a capstone submission"):
        Submission.from_json('{"format": "something else"}')
    with pytest.raises(ValueError, match="does not exist"):
        load_submission(tmp_path / "missing.json")
    assert "STUFFING" in DIAGNOSIS_FLAGS and "PROMO_OVERSPEND" in DIAGNOSIS_FLAGS
