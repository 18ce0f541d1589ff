"""Validation: every problem kind is detected and said in one readable sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab.data import World, conform
from kamlab.data.validate import (
    CORE_TABLES,
    Problem,
    format_report,
    validate_table,
    validate_world,
    verify_hashes,
)
from tests.data.worldgen import make_world


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    return make_world()


def _copy(world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in world.items()}


def _only(problems: list[Problem], kind: str) -> list[Problem]:
    return [p for p in problems if p.kind == kind]


def _regions(**overrides: list) -> pd.DataFrame:
    data = {
        "region_id": ["R1", "R2", "R3"],
        "name_en": ["North", "East", "South"],
        "name_cn": ["华北", "华东", "华南"],
        "population_m": [100.0, 200.0, 150.0],
        "list_price_factor": [1.0, 1.0, 0.95],
    }
    data.update(overrides)
    return conform(pd.DataFrame(data), "regions", sort=False)


# ---- the clean world --------------------------------------------------------------------------


def test_a_consistent_world_has_no_problems(world: dict[str, pd.DataFrame]) -> None:
    assert validate_world(world) == []
    assert validate_world(World(public=world)) == []


def test_every_table_of_the_clean_world_is_valid_on_its_own(world) -> None:
    for name, df in world.items():
        assert validate_table(df, name) == [], name


# ---- schema problems on small hand-built frames -------------------------------------------


def test_missing_and_extra_columns() -> None:
    df = _regions().drop(columns=["population_m"]).assign(colour="red")
    problems = validate_table(df, "regions", lang="en")
    assert [(p.kind, p.column) for p in problems] == [
        ("missing_column", "population_m"),
        ("extra_column", "colour"),
    ]
    assert str(problems[0]) == (
        "Table regions, column population_m: the column is missing; the schema needs it "
        "(float64, population, millions)."
    )
    assert "is not a column of this table; remove it" in str(problems[1])


def test_wrong_dtype_names_expected_and_found() -> None:
    df = _regions()
    df["population_m"] = df["population_m"].astype(str)
    (p,) = validate_table(df, "regions", lang="en")
    assert p.kind == "dtype"
    assert str(p) == (
        "Table regions, column population_m: has dtype str but the schema declares float64; "
        'cast the table with kamlab.data.conform(df, "regions").'
    )


def test_null_in_a_non_nullable_column_names_the_row(world) -> None:
    si = world["sell_in"].copy()
    si.loc[3, "gross_sales"] = np.nan
    problems = validate_table(si, "sell_in", lang="en")
    (p,) = _only(problems, "null")
    assert p.column == "gross_sales"
    r = si.iloc[3]
    assert p.row_key == f"account_id={r.account_id}, sku_id={r.sku_id}, week_id={r.week_id}"
    assert str(p).endswith("the value is empty, but this column may not be empty.")


def test_nullable_columns_may_be_empty(world) -> None:
    so = world["sell_out"].copy()
    so.loc[0, "avg_shelf_price_incl_vat"] = np.nan
    assert validate_table(so, "sell_out") == []


def test_duplicate_key_names_the_key_and_the_count(world) -> None:
    si = world["sell_in"]
    dup = pd.concat([si, si.iloc[[7, 7]], si.iloc[[9]]], ignore_index=True)
    problems = _only(validate_table(dup, "sell_in", lang="en"), "duplicate_key")
    assert len(problems) == 2
    r = si.iloc[7]
    key = f"account_id={r.account_id}, sku_id={r.sku_id}, week_id={r.week_id}"
    assert str(problems[0]) == (
        f"Table sell_in, row {key}: the primary key ({key}) appears 3 times; "
        "each key must be unique, so remove or add up the duplicate rows."
    )
    assert "appears 2 times" in str(problems[1])


def test_values_outside_min_and_max() -> None:
    df = _regions(population_m=[-5.0, 1.0, 2.0], list_price_factor=[1.0, 2.5, 1.0])
    problems = validate_table(df, "regions", lang="en")
    assert [(p.kind, p.row_key) for p in problems] == [
        ("below_min", "region_id=R1"),
        ("above_max", "region_id=R2"),
    ]
    assert str(problems[0]).endswith("the value -5 is below the allowed minimum 0.")
    assert str(problems[1]).endswith("the value 2.5 is above the allowed maximum 1.5.")


def test_infinite_float_is_reported() -> None:
    df = _regions(population_m=[np.inf, 1.0, 2.0])
    (p,) = validate_table(df, "regions", lang="en")
    assert p.kind == "not_finite" and "inf is not a finite number" in str(p)


def test_category_outside_declared_values(world) -> None:
    acc = world["accounts"].copy()
    acc["channel"] = acc["channel"].astype(str)
    acc.loc[1, "channel"] = "KIOSK"
    problems = validate_table(acc, "accounts", lang="en")
    kinds = [p.kind for p in problems]
    assert kinds == ["dtype", "category"]
    assert str(problems[1]) == (
        f"Table accounts, column channel, row account_id={acc.account_id[1]}: the value "
        '"KIOSK" is not allowed; the allowed values are HYPER, SUPER, CVS, EC, DIST.'
    )
    # a category dtype carrying an undeclared category is caught through its codes
    acc["channel"] = acc["channel"].astype("category")
    assert [p.kind for p in validate_table(acc, "accounts")] == ["category"]


def test_category_list_in_another_order_is_a_dtype_problem(world) -> None:
    acc = world["accounts"].copy()
    acc["tier"] = acc["tier"].cat.reorder_categories(["C", "B", "A"])
    (p,) = validate_table(acc, "accounts", lang="en")
    assert p.kind == "dtype" and "[C, B, A] differs from the declared [A, B, C]" in str(p)


def test_reports_are_capped_per_column_and_kind(world) -> None:
    si = world["sell_in"].copy()
    si.loc[:99, "on_invoice_discount"] = -1.0
    problems = validate_table(si, "sell_in", lang="en", cap=5)
    assert [p.kind for p in problems] == ["below_min"] * 5 + ["more_rows"]
    assert str(problems[-1]) == (
        "Table sell_in, column on_invoice_discount: 95 more row(s) have the same problem "
        "(value below the minimum)."
    )


def test_broken_100k_row_table_gives_a_short_report() -> None:
    n = 100_000
    df = pd.DataFrame(
        {
            "account_id": "ACC001",
            "sku_id": "SKU001",
            "week_id": np.arange(n) % 100,
            "cases_shipped": -np.ones(n, dtype="int64"),
            "gross_sales": np.nan,
            "on_invoice_discount": 0.0,
            "invoice_sales": 0.0,
            "volume_eq": 0.0,
        }
    )
    problems = validate_table(df, "sell_in")
    assert len(problems) < 40
    assert {p.kind for p in problems} == {
        "dtype",
        "null",
        "below_min",
        "duplicate_key",
        "more_rows",
    }


def test_messages_come_in_chinese_too() -> None:
    df = _regions(population_m=[-5.0, 1.0, 2.0])
    (p,) = validate_table(df, "regions", lang="zh")
    assert str(p) == "表 regions，列 population_m，行 region_id=R1：值 -5 低于允许的最小值 0。"


def test_problem_sentence_without_column_or_row() -> None:
    assert str(Problem("sell_in", None, None, "x.", lang="en")) == "Table sell_in: x."
    assert str(Problem("sell_in", None, "week_id=3", "x.", lang="en")) == (
        "Table sell_in, row week_id=3: x."
    )


# ---- world-level invariants ---------------------------------------------------------------


def test_missing_required_tables() -> None:
    problems = validate_world({}, required=CORE_TABLES, lang="en")
    assert [p.table for p in problems] == list(CORE_TABLES)
    assert str(problems[0]) == "Table calendar: the table is missing; this check needs it."


def test_unknown_extra_tables_are_allowed(world) -> None:
    w = _copy(world)
    w["my_notes"] = pd.DataFrame({"x": [1]})
    assert validate_world(w) == []


def test_inventory_must_balance(world) -> None:
    w = _copy(world)
    inv = w["customer_inventory"]
    inv.loc[10, "closing_cases"] += 1.0
    inv.loc[10, "age_00_04"] += 1.0  # keep the buckets right: only the balance breaks
    problems = validate_world(w, lang="en")
    kinds = sorted(p.kind for p in problems)
    # week 10's closing no longer matches; next week's opening no longer follows it
    assert kinds == ["inventory_balance", "inventory_opening"]
    bal = _only(problems, "inventory_balance")[0]
    r = inv.iloc[10]
    assert bal.row_key == f"account_id={r.account_id}, sku_id={r.sku_id}, week_id={r.week_id}"
    assert "closing stock must equal opening + receipts − sell-out" in str(bal)
    opening = _only(problems, "inventory_opening")[0]
    assert f"week_id={r.week_id + 1}" in opening.row_key
    assert f"of week {r.week_id};" in str(opening)


def test_inventory_tolerance_is_1e_6(world) -> None:
    w = _copy(world)
    inv = w["customer_inventory"]
    inv.loc[10, ["closing_cases", "age_00_04"]] += 1e-8
    inv.loc[11, "opening_cases"] += 1e-8
    inv.loc[11, "receipts_cases"] -= 1e-8
    assert validate_world(w) == []


def test_age_buckets_must_add_up_to_closing(world) -> None:
    w = _copy(world)
    w["customer_inventory"].loc[5, "age_27_plus"] += 0.5
    (p,) = validate_world(w, lang="en")
    assert p.kind == "inventory_age" and "the buckets must add up to the closing stock" in str(p)


def test_order_lines_shipped_le_ordered_and_short(world) -> None:
    w = _copy(world)
    ol = w["order_lines"]
    ol.loc[0, "cases_shipped"] = ol.loc[0, "cases_ordered"] + 3
    ol.loc[0, "cases_short"] = 0  # stays ≥ 0 for the schema, but ≠ ordered − shipped = −3
    ol.loc[1, "cases_short"] = ol.loc[1, "cases_short"] + 1
    problems = validate_world(w, lang="en")
    assert sorted(p.kind for p in problems) == [
        "cases_short",
        "cases_short",
        "shipped_over_ordered",
    ]
    over = _only(problems, "shipped_over_ordered")[0]
    assert over.row_key == f"order_line_id={ol.order_line_id[0]}"
    assert "a line cannot ship more than was ordered" in str(over)


def test_invoice_sales_is_gross_less_on_invoice(world) -> None:
    w = _copy(world)
    w["sell_in"].loc[2, "invoice_sales"] += 10
    (p,) = validate_world(w, lang="en")
    assert p.kind == "invoice_sales" and p.column == "invoice_sales"


def test_ledger_amounts_positive(world) -> None:
    w = _copy(world)
    w["trade_spend"].loc[4, "amount_rmb"] = 0.0
    w["trade_spend"].loc[5, "amount_rmb"] = -3.0
    problems = validate_world(w, lang="en")
    assert sorted(p.kind for p in problems) == ["amount_positive", "below_min"]


def test_mix_plan_shares_sum_to_one(world) -> None:
    w = _copy(world)
    w["mix_plan"].loc[0, "planned_share"] = 0.15  # DIST (rows sort by member): 0.10 → 0.15
    (p,) = validate_world(w, lang="en")
    assert p.kind == "mix_sum"
    assert p.row_key == "fiscal_year=2023, scope_type=COMPANY, scope_id=ALL, dimension=CHANNEL"
    assert "add up to 1.05, not 1" in str(p)


def test_market_share_outside_0_1(world) -> None:
    w = _copy(world)
    m = w["market_account_week"]
    comp = m.index[(m.brand_owner == "COMP_A")][0]
    m.loc[comp, "value_incl_vat"] = -1e9
    problems = validate_world(w, lang="en")
    assert sorted(p.kind for p in problems) == ["below_min", "share_range"]


def test_unknown_references_are_grouped_by_value(world) -> None:
    w = _copy(world)
    so = w["sell_out"]
    so["sku_id"] = so["sku_id"].astype("string")
    so.loc[[3, 4, 5], "sku_id"] = "SKU999"
    w["accounts"].loc[0, "kam_id"] = "KAM77"
    ol = w["order_lines"]
    ol.loc[0, "week_id"] = 500
    problems = _only(validate_world(w, lang="en"), "reference")
    by_table = {p.table: p for p in problems}
    assert set(by_table) == {"sell_out", "accounts", "order_lines"}
    r = so.iloc[3]
    assert str(by_table["sell_out"]) == (
        'Table sell_out, column sku_id: "SKU999" (3 row(s), first account_id='
        f"{r.account_id}, sku_id=SKU999, week_id={r.week_id}) is not a sku_id in table "
        "products; add it there or correct the value."
    )
    assert '"KAM77"' in str(by_table["accounts"]) and "table kam" in str(by_table["accounts"])
    assert '"500"' in str(by_table["order_lines"]) and "table calendar" in str(
        by_table["order_lines"]
    )


def test_promotions_dates_duration_and_overlap(world) -> None:
    w = _copy(world)
    pr = w["promotions"]
    # promo 1 runs weeks 2–3 and promo 2 weeks 10–11 of one account × SKU: stretch promo 1
    pr.loc[0, ["end_week", "duration_weeks"]] = [10, 8]  # and a wrong duration (9 weeks)
    pr.loc[5, ["start_week", "end_week"]] = [20, 19]
    problems = validate_world(w, lang="en")
    kinds = sorted(p.kind for p in problems)
    assert kinds == ["promo_dates", "promo_duration", "promo_overlap"]
    overlap = _only(problems, "promo_overlap")[0]
    assert overlap.row_key == f"promo_id={pr.promo_id[1]}"
    assert f"overlap promotion {pr.promo_id[0]} (weeks 2–10)" in str(overlap)


def test_cancelled_promotions_do_not_overlap(world) -> None:
    w = _copy(world)
    pr = w["promotions"]
    pr.loc[0, ["end_week", "duration_weeks"]] = [10, 9]
    pr.loc[0, "status"] = "CANCELLED"
    assert validate_world(w) == []


def test_calendar_weeks_must_be_consecutive_mondays(world) -> None:
    w = _copy(world)
    cal = w["calendar"]
    cal.loc[3, "week_start"] += pd.Timedelta(days=1)
    problems = validate_world(w, lang="en")
    texts = [str(p) for p in problems]
    assert any("week_start 2023-01-24 is a Tuesday; weeks start on Monday." in x for x in texts)
    assert any("week_end 2023-01-29 is not week_start 2023-01-24 + 6 days" in x for x in texts)
    assert any("is not 7 days after the previous week's start" in x for x in texts)


def test_invariants_can_be_switched_off(world) -> None:
    w = _copy(world)
    w["sell_in"].loc[2, "invoice_sales"] += 10
    assert validate_world(w, invariants=False) == []


def test_invariants_skip_tables_with_broken_columns(world) -> None:
    w = _copy(world)
    w["customer_inventory"] = w["customer_inventory"].drop(columns=["opening_cases"])
    problems = validate_world(w)
    assert [p.kind for p in problems] == ["missing_column"]


def test_format_report_groups_by_table(world) -> None:
    w = _copy(world)
    w["sell_in"].loc[2, "invoice_sales"] += 10
    w["mix_plan"].loc[0, "planned_share"] = 0.45
    text = format_report(validate_world(w, lang="en"))
    lines = text.splitlines()
    assert lines[0] == "mix_plan (1 problem(s)):"
    assert lines[2] == "sell_in (1 problem(s)):"
    assert lines[1].startswith("  - Table mix_plan")


def test_verify_hashes_detects_edits_after_save(tmp_path, world) -> None:
    w = World(public={"regions": world["regions"]})
    w.save(tmp_path / "w")
    back = World.load(tmp_path / "w")
    assert verify_hashes(back) == []
    back.public["regions"].loc[0, "population_m"] = 1.0
    (p,) = verify_hashes(back, lang="en")
    assert p.kind == "hash_mismatch" and p.table == "regions"
