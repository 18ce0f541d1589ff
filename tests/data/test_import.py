"""Bring your own data: the 清泉饮品 example imports, validates and feeds the analyses; every
kind of bad input is named by file, row and column, and nothing is written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import kamlab.metrics as km
from kamlab.cli import app
from kamlab.data import World
from kamlab.data._import_calendar import calendar_months
from kamlab.data.importer import REQUIRED_TABLES, import_world, missing_tables
from kamlab.data.validate import validate_world, verify_hashes

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "byod_example"
runner = CliRunner()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    out = tmp_path_factory.mktemp("byod") / "world"
    result = import_world(FIXTURE, out, lang="en")
    assert result.ok, "\n".join(map(str, result.problems))
    return out, World.load(out)


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    """A private copy of the example extracts, to break one thing at a time."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "extracts"))


def _edit_csv(path: Path, encoding: str, line: int, column: int, value: str) -> None:
    """Set one cell of a simple CSV (no quoted commas): ``line`` as an editor shows it."""
    lines = path.read_bytes().decode(encoding).split("\n")
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    path.write_bytes("\n".join(lines).encode(encoding))


def _raw_sell_out() -> pd.DataFrame:
    return pd.read_csv(FIXTURE / "sell_out_gbk.csv", encoding="gbk")


def _fails(src: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "out"
    result = import_world(src, out, lang="en")
    assert not result.ok
    assert result.world is None
    assert not out.exists(), "a failed import must not write the output folder"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")], "no temp leftovers"
    return [str(p) for p in result.problems]


# ---- the example imports and the curriculum's analyses work on it --------------------------


def test_example_imports_into_a_valid_world(imported: tuple[Path, World]) -> None:
    out, world = imported
    assert (out / "meta.json").is_file()
    assert validate_world(world) == []
    assert verify_hashes(world) == []
    assert world.meta["source"] == "import"
    assert world.meta["import"]["company"] == "清泉饮品 Qingquan Drinks (fake)"
    for name in (*REQUIRED_TABLES, "calendar", "sell_out", "customer_inventory", "order_lines"):
        assert name in world.public
    assert "audit_visits" in world.meta["missing_tables"]


def test_months_calendar_weeks_belong_to_their_thursday(imported) -> None:
    _, world = imported
    cal = world.calendar
    assert len(cal) == 52
    assert cal.week_start.iloc[0] == pd.Timestamp("2024-01-01")
    # Thursdays per month of 2024, counted by hand: Feb, May, Aug and Oct have five
    assert cal.groupby("fiscal_period").size().tolist() == [4, 5, 4, 4, 5, 4, 4, 5, 4, 5, 4, 4]
    assert cal.period_key.iloc[-1] == "FY2024-P12"
    assert cal.week_end.iloc[-1] == pd.Timestamp("2024-12-29")


def test_company_codes_are_translated(imported) -> None:
    _, world = imported
    acc = world.accounts.set_index("account_id")
    assert acc.loc["C001", "channel"] == "HYPER" and acc.loc["C001", "channel_group"] == "MT"
    assert acc.loc["C004", "account_type"] == "DISTRIBUTOR"
    assert acc.loc["C004", "target_woc"] == 4.0  # the DIST channel's reference policy
    assert acc.loc["C003", "account_name"] == "邻家便利 NextDoor CVS"
    prod = world.products.set_index("sku_id")
    assert prod.loc["P3001", "brand"] == "LeafTea" and prod.loc["P4001", "category"] == "SNACKS"
    assert prod.loc["P1002", "volume_eq_per_case"] == pytest.approx(12 * 1.5)
    assert prod.loc["P1001", "volume_eq_per_case"] == pytest.approx(24 * 0.55)
    assert prod.loc["P1001", "shelf_life_weeks"] == 365 // 7
    assert prod.loc["P1001", "launch_week"] == -1  # launched before the calendar
    assert prod.loc["P3002", "launch_week"] == 9  # 2024-03-04 is the Monday of week 9
    assert not prod.loc["P3001", "is_must_stock"]
    kam = world.kam.set_index("kam_id")
    # hired 2023-06-15: the week of that date is 29 weeks before 2024-01-01
    assert kam.loc["E02", "hire_week"] == -29


def test_gbk_sell_out_is_read_and_cases_derived(imported) -> None:
    _, world = imported
    raw = _raw_sell_out()
    so = world.sell_out
    assert len(so) == len(raw)
    assert so.units_sold.sum() == raw["销量(瓶)"].sum()
    row = so[(so.account_id == "C002") & (so.sku_id == "P2001") & (so.week_id == 3)].iloc[0]
    src = raw[
        (raw["客户编码"] == "C002")
        & (raw["商品编码"] == "P2001")
        & (raw["周开始日期"] == "2024-01-22")
    ].iloc[0]
    assert row.units_sold == src["销量(瓶)"]
    assert row.cases_sold == pytest.approx(src["销量(瓶)"] / 24)
    assert row.avg_shelf_price_incl_vat == pytest.approx(src["销售额(含税)"] / src["销量(瓶)"])
    assert row.source == "RETAILER_POS"
    assert (so[so.account_id == "C004"].source == "DISTRIBUTOR_DMS").all()


def test_sell_out_promotion_flags_come_from_the_promotions(imported) -> None:
    _, world = imported
    so = world.sell_out
    flagged = so[so.promo_flag]
    # PM001: C001 × P1001 in weeks 6–7 (from the 促销 sheet's dates)
    pm1 = flagged[flagged.promo_id == "PM001"]
    assert pm1[["account_id", "sku_id"]].drop_duplicates().values.tolist() == [["C001", "P1001"]]
    assert sorted(pm1.week_id.tolist()) == [6, 7]
    assert flagged.promo_id.nunique() == 4 and len(flagged) == 8


def test_invoices_are_summed_to_weeks_and_gross_sales_derived(imported) -> None:
    _, world = imported
    raw = pd.read_csv(FIXTURE / "sell_in.csv", encoding="utf-8-sig")
    dates = pd.to_datetime(raw["Invoice Date"], format="%Y/%m/%d")
    raw["week_id"] = (dates - pd.Timestamp("2024-01-01")).dt.days // 7
    weekly = raw.groupby(["Customer Code", "SKU Code", "week_id"]).sum(numeric_only=True)
    si = world.sell_in.set_index(["account_id", "sku_id", "week_id"])
    assert len(si) == len(weekly)
    price = {"P1001": 33.0, "P1002": 33.0, "P2001": 57.0, "P3001": 51.0, "P3002": 41.0}
    price["P4001"] = 89.0
    key = ("C001", "P2001", 10)
    cases = weekly.loc[key, "Cases"]
    assert si.loc[key, "cases_shipped"] == cases
    assert si.loc[key, "gross_sales"] == pytest.approx(cases * price["P2001"])
    assert si.loc[key, "on_invoice_discount"] == pytest.approx(
        weekly.loc[key, "On-invoice Discount"]
    )
    assert si.loc[key, "invoice_sales"] == pytest.approx(
        cases * price["P2001"] - weekly.loc[key, "On-invoice Discount"]
    )
    assert si.loc[key, "volume_eq"] == pytest.approx(cases * 24 * 0.33)


def test_gross_to_net_on_the_imported_world(imported) -> None:
    """M1's account P&L (kamlab.metrics) on C001, against sums of the raw extracts."""
    _, world = imported
    raw_in = pd.read_csv(FIXTURE / "sell_in.csv", encoding="utf-8-sig")
    raw_spend = pd.read_csv(FIXTURE / "trade_spend.csv")
    prod = pd.read_excel(FIXTURE / "master_data.xlsx", sheet_name="产品").set_index("产品编码")
    c1 = raw_in[raw_in["Customer Code"] == "C001"]
    gs = (c1["Cases"] * c1["SKU Code"].map(prod["出厂价(箱)"])).sum()
    on_inv = c1["On-invoice Discount"].sum()
    off_inv = raw_spend.loc[raw_spend["客户编码"] == "C001", "金额"].sum()
    cogs = (c1["Cases"] * c1["SKU Code"].map(prod["成本(箱)"])).sum()

    si = world.sell_in[world.sell_in.account_id == "C001"]
    ts = world.trade_spend[world.trade_spend.account_id == "C001"]
    cost = si.sku_id.map(world.products.set_index("sku_id").cogs_case)
    pnl = km.account_pnl(
        si.gross_sales.sum(),
        si.on_invoice_discount.sum(),
        ts.loc[~ts.on_invoice, "amount_rmb"].sum(),
        (si.cases_shipped * cost).sum(),
        0.0,
    )
    assert pnl.gs == pytest.approx(gs)
    assert pnl.nr == pytest.approx(gs - on_inv - off_inv)
    assert pnl.gp == pytest.approx(gs - on_inv - off_inv - cogs)
    assert ts.is_fixed[ts.spend_type == "FESTIVAL_FEE"].all()
    assert not ts.is_fixed[ts.spend_type == "UNCONDITIONAL_REBATE"].any()


def test_weeks_of_cover_and_fill_rate_on_the_imported_world(imported) -> None:
    _, world = imported
    inv = world.customer_inventory
    one = inv[(inv.account_id == "C002") & (inv.sku_id == "P1002")].sort_values("week_id")
    woc = km.weeks_of_cover(one.closing_cases.to_numpy(), one.sell_out_cases.to_numpy())
    raw_inv = pd.read_csv(FIXTURE / "inventory.csv")
    raw_inv = raw_inv[(raw_inv.Customer == "C002") & (raw_inv.SKU == "P1002")]
    raw = _raw_sell_out()
    raw = raw[(raw["客户编码"] == "C002") & (raw["商品编码"] == "P1002")]
    closing_5 = raw_inv["期末库存(箱) Closing Cases"].iloc[5]
    so_2_5 = raw["销量(瓶)"].iloc[2:6].to_numpy() / 12
    assert woc[5] == pytest.approx(closing_5 / so_2_5.mean())

    fr = km.fill_rates(world.order_lines)
    raw_ol = pd.read_csv(FIXTURE / "order_lines.csv")
    assert fr.case_fill == pytest.approx(raw_ol["发货箱数"].sum() / raw_ol["订货箱数"].sum())
    ol = world.order_lines
    assert (ol.short_reason[ol.cases_short > 0] == "SUPPLY_SHORTAGE").all()
    assert (ol.short_reason[ol.cases_short == 0] == "NONE").all()


def test_inventory_derived_from_stock_counts_matches_fifo_reference(imported) -> None:
    _, world = imported
    inv = world.customer_inventory
    si = world.sell_in.set_index(["account_id", "sku_id", "week_id"]).cases_shipped
    for (acc, sku), g in inv.groupby(["account_id", "sku_id"]):
        g = g.sort_values("week_id")
        # receipts are what was shipped that week (the extracts were made that way)
        shipped = si.reindex([(acc, sku, w) for w in g.week_id]).fillna(0).to_numpy()
        assert g.receipts_cases.to_numpy() == pytest.approx(shipped, abs=1e-6)
        # ages: the metrics' reference FIFO, the first week's opening stock counted as new
        receipts = g.receipts_cases.to_numpy().copy()
        receipts[0] += g.opening_cases.iloc[0]
        ref = km.fifo_age_buckets(receipts, g.sell_out_cases.to_numpy())
        mine = g[list(ref.columns)].to_numpy()
        assert mine == pytest.approx(ref.to_numpy(), abs=1e-6), (acc, sku)


def test_missing_tables_name_the_analyses_they_block() -> None:
    gone = missing_tables({"calendar", "accounts", "products", "sell_in"}, lang="en")
    assert gone["audit_visits"].startswith("M4 execution heatmap and perfect-store score")
    assert "M4 forecast accuracy" in gone["forecasts"]
    assert "calendar" not in gone and "sell_in" not in gone
    zh = missing_tables({"calendar"}, lang="zh")
    assert zh["order_lines"].startswith("M4 箱满足率")


def test_gbk_is_detected_without_an_explicit_encoding(src: Path, tmp_path: Path) -> None:
    mapping = src / "kamlab-mapping.toml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace('encoding = "gbk"', ""), encoding="utf-8")
    result = import_world(src, None, lang="en")
    assert result.ok, [str(p) for p in result.problems]
    assert result.world.sell_out.units_sold.sum() == _raw_sell_out()["销量(瓶)"].sum()


# ---- bad input: each names file, row and column; nothing is written -------------------------


def test_bad_missing_column(src: Path, tmp_path: Path) -> None:
    f = src / "sell_in.csv"
    text = f.read_bytes().decode("utf-8-sig")
    f.write_bytes(text.replace(",Cases,", ",Qty,", 1).encode("utf-8-sig"))
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_in.csv, row 1, column "Cases" (sell_in.cases_shipped): the file has no such '
        "column; its columns are: Invoice No, Invoice Date, Customer Code, SKU Code, Qty, "
        "On-invoice Discount. Check the spelling in [tables.sell_in.columns]."
    )


def test_bad_wrong_type(src: Path, tmp_path: Path) -> None:
    _edit_csv(src / "sell_out_gbk.csv", "gbk", line=5, column=3, value="abc")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_out_gbk.csv, row 5, column "销量(瓶)" (sell_out.units_sold): "abc" is not a number.'
    )
    # the inventory derived from sell-out is not built on a broken sell-out, and says so
    assert problems[1].startswith("inventory.csv, table customer_inventory: not imported")
    assert len(problems) == 2


def test_bad_negative_quantity(src: Path, tmp_path: Path) -> None:
    _edit_csv(src / "sell_out_gbk.csv", "gbk", line=7, column=3, value="-5")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_out_gbk.csv, row 7, column "销量(瓶)" (sell_out.units_sold): the value -5 is '
        "below the allowed minimum 0."
    )


def test_bad_negative_quantity_in_an_aggregated_table(src: Path, tmp_path: Path) -> None:
    # sell-in rows are summed per week, so the check runs on the week (its first invoice row)
    f = src / "sell_in.csv"
    lines = f.read_bytes().decode("utf-8-sig").split("\n")
    cells = lines[1].split(",")  # row 2: the first invoice of C001 × P1001 in week 0
    cells[4] = "-500"
    lines[1] = ",".join(cells)
    f.write_bytes("\n".join(lines).encode("utf-8-sig"))
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_in.csv, row 2, column "Cases" (sell_in.cases_shipped): the weekly sum -488 of '
        "rows 2, 3, 4 is below the allowed minimum 0."
    )
    assert len(problems) == 2  # and the inventory, not built on a broken sell-in


def test_bad_duplicate_key(src: Path, tmp_path: Path) -> None:
    f = src / "sell_out_gbk.csv"
    lines = f.read_bytes().decode("gbk").split("\n")
    lines.insert(len(lines) - 1, lines[8])  # line 9 again, at the end (line 590)
    f.write_bytes("\n".join(lines).encode("gbk"))
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_out_gbk.csv, row 9, column "客户编码, 商品编码, 周开始日期" (sell_out), key '
        "account_id=C001, sku_id=P1001, week_id=7: the primary key (account_id=C001, "
        "sku_id=P1001, week_id=7) appears 2 times (rows 9, 590); each key must be unique, so "
        "remove or add up the duplicate rows."
    )


def test_bad_unknown_sku_in_sell_out(src: Path, tmp_path: Path) -> None:
    _edit_csv(src / "sell_out_gbk.csv", "gbk", line=10, column=1, value="P9999")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_out_gbk.csv, row 10, column "商品编码" (sell_out.sku_id): "P9999" (1 row(s), '
        "first account_id=C001, sku_id=P9999, week_id=8) is not a sku_id in table products; "
        "add it there or correct the value."
    )


def test_bad_date_outside_the_calendar(src: Path, tmp_path: Path) -> None:
    _edit_csv(src / "sell_out_gbk.csv", "gbk", line=12, column=2, value="2025-03-03")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'sell_out_gbk.csv, row 12, column "周开始日期" (sell_out.week_id): the date 2025-03-03 '
        "is outside the calendar (2024-01-01 to 2024-12-29); widen the [calendar] start/end or "
        "correct the date."
    )
    assert len(problems) == 2  # and the skipped inventory; no knock-on duplicate key


def test_bad_unmapped_company_code_in_excel(src: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(src / "master_data.xlsx")
    wb["客户"]["C3"] = "仓储店"  # row 3 (C002), column C = 渠道
    wb.save(src / "master_data.xlsx")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'master_data.xlsx [客户], row 3, column "渠道" (accounts.channel): "仓储店" is not one of '
        "HYPER, SUPER, CVS, EC, DIST; translate your code under [tables.accounts.values.channel] "
        '(e.g. "仓储店" = "…").'
    )


def test_many_bad_cells_are_collected_and_capped(src: Path, tmp_path: Path) -> None:
    for line in range(2, 30):
        _edit_csv(src / "sell_out_gbk.csv", "gbk", line=line, column=3, value="n/a")
    problems = _fails(src, tmp_path)
    named = [p for p in problems if "is not a number" in p]
    assert [p.split(",")[1] for p in named] == [f" row {n}" for n in range(2, 7)]
    assert (
        'sell_out_gbk.csv, column "销量(瓶)" (sell_out.units_sold): 23 more row(s) have the same '
        "problem (not a number)." in problems
    )


def test_mapping_mistakes_are_named(src: Path, tmp_path: Path) -> None:
    mapping = src / "kamlab-mapping.toml"
    text = mapping.read_text(encoding="utf-8")
    text = text.replace('sheet = "产品"', 'sheet = "Products"')
    text = text.replace("stores_selling = ", "stores_sold = ")
    mapping.write_text(text, encoding="utf-8")
    problems = _fails(src, tmp_path)
    joined = "\n".join(problems)
    assert (
        'kamlab-mapping.toml, table sell_out: [tables.sell_out.columns] names "stores_sold", '
        "which is not a column of this table" in joined
    )
    assert (
        'master_data.xlsx [Products], table products: the workbook has no sheet "Products"; '
        "its sheets are: 客户, 产品, 人员, 促销." in joined
    )


def test_mapping_syntax_error_and_missing_mapping(src: Path, tmp_path: Path) -> None:
    (src / "kamlab-mapping.toml").write_text("[calendar\ntype = 1\n", encoding="utf-8")
    problems = _fails(src, tmp_path)
    assert problems[0].startswith("kamlab-mapping.toml: the mapping file is not valid TOML:")
    (src / "kamlab-mapping.toml").unlink()
    problems = _fails(src, tmp_path)
    assert problems == [
        "kamlab-mapping.toml: the source folder has no mapping file kamlab-mapping.toml; "
        "docs/IMPORT.md shows how to write one."
    ]


def test_required_tables_must_be_mapped(src: Path, tmp_path: Path) -> None:
    mapping = src / "kamlab-mapping.toml"
    text = mapping.read_text(encoding="utf-8")
    text = text.replace("[tables.sell_in]", "[tables.sell_in_old]").replace(
        "[tables.sell_in.columns]", "[tables.sell_in_old.columns]"
    )
    mapping.write_text(text, encoding="utf-8")
    problems = _fails(src, tmp_path)
    assert (
        "kamlab-mapping.toml, table sell_in: the mapping has no [tables.sell_in] section, but "
        "every import needs the sell_in table." in problems
    )


# ---- small hand-built imports: calendars and derivations ----------------------------------


def _mini(folder: Path, mapping: str, **files: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = {
        "accounts": pd.DataFrame(
            {
                "id": ["A1"],
                "name": ["Shop"],
                "channel": ["SUPER"],
                "region": ["R1"],
                "tier": ["B"],
                "stores": [10],
                "acv": [5.0],
                "kam": ["K1"],
                "terms": [30],
            }
        ),
        "products": pd.DataFrame(
            {
                "sku": ["S1"],
                "name": ["Water"],
                "upc": [12],
                "size": [500],
                "list": [24.0],
                "cost": [12.0],
            }
        ),
    }
    for name, df in {**base, **files}.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    head = """
[tables.accounts]
file = "accounts.csv"
[tables.accounts.columns]
account_id = "id"
account_name = "name"
channel = "channel"
hq_region_id = "region"
tier = "tier"
store_count = "stores"
acv_rmb_m = "acv"
kam_id = "kam"
payment_terms_days = "terms"
[tables.accounts.constants]
scope = "REGIONAL"

[tables.products]
file = "products.csv"
[tables.products.columns]
sku_id = "sku"
sku_name = "name"
units_per_case = "upc"
pack_size = "size"
list_price_case = "list"
cogs_case = "cost"
[tables.products.constants]
brand = "AquaPure"
category = "WATER"
segment = "VALUE"
pack_type = "PET"
pack_unit = "ml"
rsp_incl_vat = 2.5
shelf_life_weeks = 52
portfolio_role = "TRAFFIC"
planning_elasticity = -1.5
"""
    (folder / "kamlab-mapping.toml").write_text(head + mapping, encoding="utf-8")
    return folder


_SELL_IN = """
[tables.sell_in]
file = "sell_in.csv"
aggregate = true
[tables.sell_in.columns]
account_id = "acc"
sku_id = "sku"
week_id = { date = "date" }
cases_shipped = { units = "bottles" }
[tables.sell_in.constants]
on_invoice_discount = 0
"""


def test_445_calendar_and_units_to_cases(tmp_path: Path) -> None:
    sell_in = pd.DataFrame(
        {
            "acc": ["A1", "A1", "A1"],
            "sku": ["S1", "S1", "S1"],
            "date": ["2023-01-09", "2023-01-15", "2023-03-01"],
            "bottles": [24, 12, 120],
        }
    )
    src = _mini(tmp_path / "m", '[calendar]\ntype = "4-4-5"\n' + _SELL_IN, sell_in=sell_in)
    result = import_world(src, tmp_path / "out", lang="en")
    assert result.ok, [str(p) for p in result.problems]
    world = World.load(tmp_path / "out")
    cal = world.calendar
    assert len(cal) == 52 and cal.weeks_in_period.iloc[[0, 4, 8]].tolist() == [4, 4, 5]
    si = world.sell_in.set_index("week_id")
    # 2023-01-09 and -15 are both in week 1: (24 + 12) bottles / 12 per case = 3 cases
    assert si.loc[1, "cases_shipped"] == 3 and si.loc[1, "gross_sales"] == 72.0
    # 2023-03-01 is in week 8 (the Monday 2023-02-27); 120 / 12 = 10 cases
    assert si.loc[8, "cases_shipped"] == 10
    assert si.loc[8, "volume_eq"] == pytest.approx(10 * 12 * 0.5)
    assert world.products.volume_eq_per_case.iloc[0] == pytest.approx(6.0)


def test_units_that_are_not_whole_cases(tmp_path: Path) -> None:
    sell_in = pd.DataFrame({"acc": ["A1"], "sku": ["S1"], "date": ["2023-01-09"], "bottles": [30]})
    src = _mini(tmp_path / "m", '[calendar]\ntype = "4-4-5"\n' + _SELL_IN, sell_in=sell_in)
    problems = _fails(src, tmp_path)
    assert problems == [
        'sell_in.csv, row 2, column "bottles" (sell_in.cases_shipped): 30 units is not a whole '
        "number of cases (12 units per case)."
    ]


def test_company_period_calendar_equals_months(tmp_path: Path) -> None:
    starts = pd.date_range("2024-01-01", periods=12, freq="MS")
    periods = pd.DataFrame(
        {
            "从": starts.strftime("%Y-%m-%d"),
            "到": (starts + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"),
            "财年": 2024,
            "月份": range(1, 13),
        }
    )
    sell_in = pd.DataFrame({"acc": ["A1"], "sku": ["S1"], "date": ["2024-05-02"], "bottles": [12]})
    calendar = """
[calendar]
type = "file"
file = "periods.csv"
[calendar.columns]
period_start = "从"
period_end = "到"
fiscal_year = "财年"
fiscal_period = "月份"
"""
    src = _mini(tmp_path / "m", calendar + _SELL_IN, sell_in=sell_in, periods=periods)
    result = import_world(src, None, lang="en")
    assert result.ok, [str(p) for p in result.problems]
    expected = calendar_months("2024-01-01", "2024-12-31")
    pd.testing.assert_frame_equal(result.world.calendar, expected)
    assert result.world.sell_in.week_id.tolist() == [17]  # Thu 2024-05-02 → week of Apr 29


_INVENTORY = """
[tables.sell_out]
file = "sell_out.csv"
[tables.sell_out.columns]
account_id = "acc"
sku_id = "sku"
week_id = "week"
cases_sold = "cases"
retail_value_incl_vat = "value"
stores_selling = "stores"

[tables.customer_inventory]
file = "stock.csv"
[tables.customer_inventory.columns]
account_id = "acc"
sku_id = "sku"
week_id = "week"
closing_cases = "closing"
"""


def _stock_world(tmp_path: Path, closing: list[float]) -> Path:
    weeks = list(range(7))
    sell_in = pd.DataFrame(
        {"acc": "A1", "sku": "S1", "date": ["2023-01-02", "2023-02-13"], "bottles": [120, 60]}
    )
    sell_out = pd.DataFrame(
        {"acc": "A1", "sku": "S1", "week": weeks, "cases": 1.0, "value": 30.0, "stores": 5}
    )
    stock = pd.DataFrame({"acc": "A1", "sku": "S1", "week": weeks, "closing": closing})
    return _mini(
        tmp_path / "m",
        '[calendar]\ntype = "4-4-5"\n' + _SELL_IN + _INVENTORY,
        sell_in=sell_in,
        sell_out=sell_out,
        stock=stock,
    )


def test_inventory_balance_and_fifo_ages_from_stock_counts(tmp_path: Path) -> None:
    # shipped 10 cases in week 0 and 5 in week 6, sold 1 a week; counted 19, 18, … 14, 18
    src = _stock_world(tmp_path, [19, 18, 17, 16, 15, 14, 18])
    result = import_world(src, None, lang="en")
    assert result.ok, [str(p) for p in result.problems]
    inv = result.world.customer_inventory.set_index("week_id")
    # week 0 opens with 19 − 10 + 1 = 10; later weeks open with last week's count
    assert inv.opening_cases.tolist() == [10, 19, 18, 17, 16, 15, 14]
    assert inv.receipts_cases.tolist() == [10, 0, 0, 0, 0, 0, 5]
    # FIFO by hand: the 20 cases of week 0 are 4 weeks old in week 4 (bucket 0–4, 15 left),
    # 5 weeks old in week 5 (bucket 5–8, 14 left); week 6: 13 old cases + 5 new ones
    assert inv.loc[4, "age_00_04"] == 15 and inv.loc[4, "age_05_08"] == 0
    assert inv.loc[5, "age_00_04"] == 0 and inv.loc[5, "age_05_08"] == 14
    assert inv.loc[6, "age_00_04"] == 5 and inv.loc[6, "age_05_08"] == 13
    assert result.tables["customer_inventory"].derived == [
        "sell_out_cases",
        "opening_cases",
        "receipts_cases",
        "age_00_04",
        "age_05_08",
        "age_09_13",
        "age_14_26",
        "age_27_plus",
    ]


def test_stock_count_that_implies_negative_receipts(tmp_path: Path) -> None:
    src = _stock_world(tmp_path, [19, 18, 12, 16, 15, 14, 18])  # week 2 lost 5 cases
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        'stock.csv, row 4, column "closing" (customer_inventory.receipts_cases): stock went '
        "from 18 to 12 cases while sell-out was 1: the implied receipts are -5 < 0 (shrinkage, "
        "returns or a counting error); map receipts_cases explicitly or correct the count."
    )


# ---- the command line ---------------------------------------------------------------------


def test_cli_import_success_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "w"
    result = runner.invoke(
        app, ["data", "import", str(FIXTURE), "--out", str(out)], env={"KAMLAB_LANG": "en"}
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Calendar: calendar months")
    assert "sell_out" in text and "← sell_out_gbk.csv" in text
    assert "audit_visits: M4 execution heatmap and perfect-store score" in text
    assert text.strip().splitlines()[-1].startswith(f"Imported {FIXTURE} into {out}: 12 tables")
    again = runner.invoke(app, ["data", "validate", str(out)], env={"KAMLAB_LANG": "en"})
    assert again.exit_code == 0 and "is a valid kamlab world: 12 tables" in again.stdout


def test_cli_import_failure_exit_1_and_existing_out(src: Path, tmp_path: Path) -> None:
    _edit_csv(src / "sell_out_gbk.csv", "gbk", line=5, column=3, value="abc")
    out = tmp_path / "w"
    result = runner.invoke(
        app, ["data", "import", str(src), "--out", str(out)], env={"KAMLAB_LANG": "en"}
    )
    assert result.exit_code == 1
    assert '"abc" is not a number' in result.stdout
    assert result.stdout.strip().endswith(f"nothing was written to {out}.")
    assert not out.exists()
    out.mkdir()
    result = runner.invoke(
        app, ["data", "import", str(FIXTURE), "--out", str(out)], env={"KAMLAB_LANG": "en"}
    )
    assert result.exit_code == 1 and "already exists; choose another folder" in result.stdout
    result = runner.invoke(
        app,
        ["data", "import", str(FIXTURE), "--out", str(out), "--overwrite"],
        env={"KAMLAB_LANG": "en"},
    )
    assert result.exit_code == 0 and (out / "public" / "sell_out.parquet").is_file()


def test_cli_import_not_a_folder_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["data", "import", str(tmp_path / "nope"), "--out", str(tmp_path / "w")],
        env={"KAMLAB_LANG": "en"},
    )
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_cli_import_as_a_real_process_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "w"
    proc = subprocess.run(
        [sys.executable, "-m", "kamlab", "data", "import", str(FIXTURE), "--out", str(out)],
        capture_output=True,
        text=True,
        env={"KAMLAB_LANG": "zh", "PATH": "/usr/bin:/bin", "KAMLAB_HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("日历：自然月")
    assert "已将" in proc.stdout.splitlines()[-1]
    assert np.isclose(World.load(out).sell_out.units_sold.sum(), _raw_sell_out()["销量(瓶)"].sum())


# ---- more messages from docs/IMPORT.md ------------------------------------------------------


def test_wrong_explicit_encoding_names_the_line(src: Path, tmp_path: Path) -> None:
    mapping = src / "kamlab-mapping.toml"
    text = mapping.read_text(encoding="utf-8").replace('encoding = "gbk"', 'encoding = "utf-8"')
    mapping.write_text(text, encoding="utf-8")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        "sell_out_gbk.csv, row 1, table sell_out: the file cannot be read as utf-8 text; save it "
        'as UTF-8 or GBK, or set encoding = "…" for this table in kamlab-mapping.toml.'
    )


def test_unmapped_required_column(src: Path, tmp_path: Path) -> None:
    mapping = src / "kamlab-mapping.toml"
    text = mapping.read_text(encoding="utf-8").replace('tier = "客户等级"\n', "")
    mapping.write_text(text, encoding="utf-8")
    problems = _fails(src, tmp_path)
    assert problems[0] == (
        "kamlab-mapping.toml, table accounts, column tier: this column (category) is needed but "
        "not mapped; map it under [tables.accounts.columns] or give it a value under "
        "[tables.accounts.constants]."
    )


def test_existing_output_folder_is_not_touched(tmp_path: Path) -> None:
    out = tmp_path / "w"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = import_world(FIXTURE, out, lang="en")
    assert [str(p) for p in result.problems] == [
        f"The output folder {out} already exists; choose another folder or pass --overwrite."
    ]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_docs_show_the_example_mapping_verbatim() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "IMPORT.md").read_text("utf-8")
    assert (FIXTURE / "kamlab-mapping.toml").read_text(encoding="utf-8") in docs
