"""The M4 source notebook, written with :mod:`kamlab.assess.authoring` (M1's pattern).

``python -m kamlab.assess.specs.m4_notebook assessments/source/M4/M4_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M4 assessment — Business reviews, execution and service（生意回顾、执行与服务）

**What is assessed**: items M4-T1 … M4-T6 (19 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on **account worlds simulated only for you** and on **edge cases**. Your score comes from those
hidden checks; the practice checks do not count. So write general code — an answer typed in for
the shipped world scores 0.

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy — an implementation that calls kamlab's own
  (`kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item.
- Keep the function names and arguments exactly as given; return plain Python values (float,
  str, list, dict), not printed text. A function may call your functions of earlier tasks.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT (retail POS values incl. VAT); trade spend
amounts are positive and are subtracted; the fiscal year of week `w` is `2023 + w // 52`
(FY2023 = weeks 0–51, FY2024 = weeks 52–103); a fiscal quarter is 13 weeks — use
`calendar.fiscal_year` and `calendar.fiscal_quarter` of the week (`"FY2024-Q3"` = FY2024, quarter
3). Ratios are fractions (0.153, not 15.3). Key terms: case fill 箱满足率, OTIF 准时足量交付率,
numeric / weighted distribution 数值/加权铺货率, price-volume-mix bridge 价量结构分析, value share
金额份额, net revenue NR 净收入, forecast accuracy 预测准确率 (WMAPE, bias 偏差).
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M4-T1 Fill rate and OTIF（订单满足率与准时足量） — 4 points

Write `fill_rate_metrics(order_lines, tolerance_days=0)`. `order_lines` has the columns of
`world.order_lines` (at least `order_id, cases_ordered, cases_shipped, days_late`), for any
selection of lines. Return a dict of fractions (SPEC §2.7):

| key | meaning |
|---|---|
| `case_fill` 箱满足率 | Σ cases_shipped ÷ Σ cases_ordered |
| `line_fill` | share of lines shipped in full (shipped ≥ ordered) |
| `order_fill` | share of orders whose every line is shipped in full |
| `on_time` | share of orders whose every line has `days_late ≤ tolerance_days` |
| `otif` | share of orders on time **and** in full (order level) |

An order is identified by `order_id` (its lines need not be next to each other). The table's
`on_time`/`in_full` columns assume a tolerance of 0 days — compute from `days_late` instead. With
**no order lines at all**, return the dict with `None` for every key (the rates are undefined).
"""

T1_SOLUTION = """def fill_rate_metrics(order_lines, tolerance_days=0):
    keys = ["case_fill", "line_fill", "order_fill", "on_time", "otif"]
    if len(order_lines) == 0:
        return {k: None for k in keys}
    in_full = order_lines["cases_shipped"] >= order_lines["cases_ordered"]
    on_time = order_lines["days_late"] <= tolerance_days
    lines = pd.DataFrame({"order_id": order_lines["order_id"], "in_full": in_full,
                          "on_time": on_time})
    orders = lines.groupby("order_id")[["in_full", "on_time"]].all()  # every line of the order
    return {
        "case_fill": float(order_lines["cases_shipped"].sum() / order_lines["cases_ordered"].sum()),
        "line_fill": float(in_full.mean()),
        "order_fill": float(orders["in_full"].mean()),
        "on_time": float(orders["on_time"].mean()),
        "otif": float((orders["in_full"] & orders["on_time"]).mean()),
    }"""

T1_TESTS = """# Practice checks: the SPEC §2.7 example (tolerance 2 days) and ACC002 in FY2024-Q2
check("M4-T1", fill_rate_metrics)"""

T2_PROMPT = """## M4-T2 Numeric and weighted distribution（数值与加权铺货率） — 3 points

Write `distribution_metrics(audit_visits, audit_sku, stores)`. `audit_visits` holds the store
visits of one audit round (rows of `world.audit_visits`: one account over a period or a
quarter — a store may be visited more than once); `audit_sku` and `stores` are the world's
tables (or tables with their columns) and may hold rows of other visits and stores.

For every SKU with at least one `audit_sku` row of these visits, return
`{sku_id: {"nd": …, "wd": …}}` (SPEC §2.6):

- the **universe** is the stores visited in `audit_visits` (each store once);
- a store **handles** the SKU when at least one of its visits found it `listed` **and**
  `on_shelf` (a missing row means not found);
- `nd` = handling stores ÷ stores in the universe; `wd` = Σ `stores.acv_rmb_k` of the handling
  stores ÷ Σ `acv_rmb_k` of the universe.

Example: ACV [20, 10, 40, 5, 25], SKU found in stores 1, 2, 5 → ND 0.60, WD 0.55.
"""

T2_SOLUTION = """def distribution_metrics(audit_visits, audit_sku, stores):
    visits = audit_visits[["visit_id", "store_id"]].astype(str)
    universe = visits["store_id"].unique()
    acv = stores.set_index(stores["store_id"].astype(str))["acv_rmb_k"]
    total_acv = acv.reindex(universe).sum()
    rows = audit_sku.assign(visit_id=audit_sku["visit_id"].astype(str))
    rows = rows.merge(visits, on="visit_id")  # only the rows of these visits
    rows["handled"] = rows["listed"].astype(bool) & rows["on_shelf"].astype(bool)
    out = {}
    for sku, g in rows.groupby(rows["sku_id"].astype(str)):
        handling = g.loc[g["handled"], "store_id"].unique()
        out[sku] = {"nd": len(handling) / len(universe),
                    "wd": float(acv.reindex(handling).sum() / total_acv)}
    return out"""

T2_TESTS = """# Practice checks: the SPEC §2.6 example and ACC005's audits in FY2024-P05
check("M4-T2", distribution_metrics)"""

T3_PROMPT = """## M4-T3 Price-volume-mix bridge（价量结构分析） — 4 points

Write `pvm_bridge(v0, p0, v1, p1)`. Each argument is a dict `item → number`: `v0`, `v1` the
volumes (cases) of year 0 and year 1, `p0`, `p1` the net prices (RMB/case). Return
`{"volume": …, "mix": …, "price": …}` (RMB, SPEC §2.12), with `V = Σ V_i`, `s_i = V_i / V` and
revenue `R = Σ V_i p_i`:

- Volume = (V1 − V0) × Σ s0_i p0_i
- Mix = V1 × Σ (s1_i − s0_i) p0_i
- Price = Σ V1_i (p1_i − p0_i)

so that Volume + Mix + Price = R1 − R0 **exactly**. An item missing from year 0 (new) has V0 = 0
and takes p0 = its p1; an item missing from year 1 (no longer sold) has V1 = 0 and takes p1 =
its p0 (so a new item's revenue counts as mix, not price). Tolerance ±1 RMB.

Example: year 0 A 100 @ 50, B 100 @ 30; year 1 A 90 @ 52, B 150 @ 30 → Volume +1,600,
Mix −600, Price +180 (= +1,180).
"""

T3_SOLUTION = """def pvm_bridge(v0, p0, v1, p1):
    items = list(dict.fromkeys([*v0, *v1]))  # every item of either year
    V0 = np.array([v0.get(i, 0.0) for i in items], dtype=float)
    V1 = np.array([v1.get(i, 0.0) for i in items], dtype=float)
    P0 = np.array([p0[i] if i in p0 else p1[i] for i in items], dtype=float)
    P1 = np.array([p1[i] if i in p1 else p0[i] for i in items], dtype=float)
    s0 = V0 / V0.sum()
    s1 = V1 / V1.sum()
    return {
        "volume": float((V1.sum() - V0.sum()) * (s0 @ P0)),
        "mix": float(V1.sum() * ((s1 - s0) @ P0)),
        "price": float(V1 @ (P1 - P0)),
    }"""

T3_TESTS = """# Practice checks: the SPEC §2.12 example and ACC006 by brand, FY2023-Q3 -> FY2024-Q3
check("M4-T3", pvm_bridge)"""

T4_PROMPT = """## M4-T4 Value share of the largest retailer（最大客户的金额份额） — 2 points

Write `answer_m4_t4(world)` that returns our **value share in FY2024-Q2** (all categories
together) at **the key account with the largest category sales in FY2024** — the largest
Σ `market_account_week.value_incl_vat` (all brands) over the FY2024 weeks.

Value share = Σ our (`brand_owner == "OURS"`) `value_incl_vat` ÷ Σ `value_incl_vat` of all brands,
over the quarter's weeks (SPEC §2.5: sums, never a mean of weekly shares). A fraction, ±0.001.
"""

T4_SOLUTION = """def answer_m4_t4(world):
    cal = world.calendar[["week_id", "fiscal_year", "fiscal_quarter"]]
    maw = world.market_account_week.merge(cal, on="week_id")
    fy = maw[maw["fiscal_year"] == 2024]
    top = fy.groupby(fy["account_id"].astype(str))["value_incl_vat"].sum().idxmax()
    q = fy[(fy["account_id"].astype(str) == top) & (fy["fiscal_quarter"] == 2)]
    ours = q.loc[q["brand_owner"].astype(str) == "OURS", "value_incl_vat"].sum()
    return float(ours / q["value_incl_vat"].sum())"""

T4_TESTS = """# Practice check on the shipped world
print(answer_m4_t4(world))
check("M4-T4", answer_m4_t4)"""

T5_PROMPT = """## M4-T5 Which review action is worth most?（生意回顾行动的优先级） — 4 points

A quarterly business review ends with actions. Write `rank_actions(world, account_id, quarter,
actions)`: `quarter` is like `"FY2024-Q3"`, `actions` a list of five dicts, one of each type
below, each with an `"id"`. Return the list of the five ids ordered by **expected NR impact in
the quarter, largest first**.

| `type` | parameters | expected NR impact (RMB) |
|---|---|---|
| `SERVICE` | `recover` r | r × short cases × NR per case |
| `AVAILABILITY` | `oos_cut` c | NR × c × OOS ÷ (1 − OOS) |
| `DISTRIBUTION` | `tdp_points` x | x × NR ÷ TDP (sales per distribution point, SPEC §2.16) |
| `SHARE` | `share_points` d | NR × d ÷ value share |
| `PRICE` | `increase` x, `elasticity` ε | NR × ((1 + x)^(1 + ε) − 1) |

All for `account_id` over the quarter's weeks: **NR** 净收入 = Σ `sell_in.gross_sales` −
Σ `trade_spend.amount_rmb` (by the ledger's `week_id`); **NR per case** = NR ÷ Σ
`sell_in.cases_shipped`; **short cases** = Σ (`cases_ordered − cases_shipped`) of its
`order_lines`; **OOS** 缺货率 = Σ `oos_n` ÷ Σ `listed_n` of its `audit_visits`; **TDP** = Σ over
the audited SKUs of the weighted distribution of its quarter's audits (your M4-T2); **value
share** = as in M4-T4, over the quarter.

Scored by Spearman's rank correlation with the true order: full marks at ρ ≥ 0.8 (one pair of
neighbours swapped is fine).
"""

T5_SOLUTION = """def rank_actions(world, account_id, quarter, actions):
    cal = world.calendar
    fy, q = int(quarter[2:6]), int(quarter[-1])
    weeks = cal.loc[(cal["fiscal_year"] == fy) & (cal["fiscal_quarter"] == q), "week_id"]

    def mine(df):
        return df[(df["account_id"].astype(str) == account_id) & df["week_id"].isin(weeks)]

    si, ts = mine(world.sell_in), mine(world.trade_spend)
    ol, av, maw = mine(world.order_lines), mine(world.audit_visits), mine(world.market_account_week)
    nr = si["gross_sales"].sum() - ts["amount_rmb"].sum()
    nr_per_case = nr / si["cases_shipped"].sum()
    short = (ol["cases_ordered"] - ol["cases_shipped"]).sum()
    oos = av["oos_n"].sum() / av["listed_n"].sum()
    tdp = sum(d["wd"] for d in distribution_metrics(av, world.audit_sku, world.stores).values())
    ours = maw.loc[maw["brand_owner"].astype(str) == "OURS", "value_incl_vat"].sum()
    share = ours / maw["value_incl_vat"].sum()
    impact = {}
    for a in actions:
        if a["type"] == "SERVICE":
            impact[a["id"]] = a["recover"] * short * nr_per_case
        elif a["type"] == "AVAILABILITY":
            impact[a["id"]] = nr * a["oos_cut"] * oos / (1 - oos)
        elif a["type"] == "DISTRIBUTION":
            impact[a["id"]] = a["tdp_points"] * nr / tdp
        elif a["type"] == "SHARE":
            impact[a["id"]] = nr * a["share_points"] / share
        else:  # PRICE
            impact[a["id"]] = nr * ((1 + a["increase"]) ** (1 + a["elasticity"]) - 1)
    return sorted(impact, key=impact.get, reverse=True)"""

T5_TESTS = """# Practice check: five actions for ACC004 in FY2024-Q3 of the shipped world
check("M4-T5", rank_actions)"""

T6_PROMPT = """## M4-T6 Forecast accuracy of the largest account（最大客户的预测准确率） — 2 points

Write `answer_m4_t6(world)` that returns `{"wmape": …, "bias": …}` for the **lag-2 forecasts**
(`forecasts.lag_weeks == 2`) of **the key account (`account_type == "KA"`) with the most ordered
cases in FY2024** (Σ `order_lines.cases_ordered` over FY2024 weeks), over its forecast rows whose
`target_week_id` is in FY2024, at account × SKU × week (SPEC §2.8):

- actual A = Σ `cases_ordered` of the account's order lines of that SKU and week (0 when none);
  forecast F = `forecast_cases`; error e = F − A;
- WMAPE = Σ |e| ÷ Σ A; bias = Σ e ÷ Σ A (positive = over-forecast).

Fractions, ±0.001 each (1 point each).
"""

T6_SOLUTION = """def answer_m4_t6(world):
    acc = world.accounts
    ka = set(acc.loc[acc["account_type"] == "KA", "account_id"].astype(str))
    ol = world.order_lines
    ol = ol[(ol["week_id"] // 52 == 1) & ol["account_id"].astype(str).isin(ka)]
    top = ol.groupby(ol["account_id"].astype(str))["cases_ordered"].sum().idxmax()
    fc = world.forecasts
    fc = fc[(fc["account_id"].astype(str) == top) & (fc["lag_weeks"] == 2)
            & (fc["target_week_id"] // 52 == 1)]
    mine = ol[ol["account_id"].astype(str) == top]
    actual = mine.groupby([mine["sku_id"].astype(str), mine["week_id"].astype(int)])[
        "cases_ordered"].sum()
    keys = pd.MultiIndex.from_arrays([fc["sku_id"].astype(str), fc["target_week_id"].astype(int)])
    a = actual.reindex(keys).fillna(0).to_numpy(dtype=float)
    e = fc["forecast_cases"].to_numpy(dtype=float) - a
    return {"wmape": float(np.abs(e).sum() / a.sum()), "bias": float(e.sum() / a.sum())}"""

T6_TESTS = """# Practice check on the shipped world
print(answer_m4_t6(world))
check("M4-T6", answer_m4_t6)"""

RECAP = """## Recap（小结）

You measured service (case, line and order fill, OTIF with a delivery tolerance), execution
(numeric and weighted distribution), explained revenue change by price, volume and mix, read
share and forecast accuracy the way a business review does, and ranked the review's actions by
what they are worth.
"""


def build_notebook() -> NotebookNode:
    """The M4 source notebook (with the reference solutions)."""
    cells = [au.header(INTRO), au.setup(SETUP)]
    for item, pts, prompt, sol, tests in (
        ("M4-T1", 4, T1_PROMPT, T1_SOLUTION, T1_TESTS),
        ("M4-T2", 3, T2_PROMPT, T2_SOLUTION, T2_TESTS),
        ("M4-T3", 4, T3_PROMPT, T3_SOLUTION, T3_TESTS),
        ("M4-T4", 2, T4_PROMPT, T4_SOLUTION, T4_TESTS),
        ("M4-T5", 4, T5_PROMPT, T5_SOLUTION, T5_TESTS),
        ("M4-T6", 2, T6_PROMPT, T6_SOLUTION, T6_TESTS),
    ):
        cells += au.item(item, prompt, sol, pts, tests)
    cells.append(au.header(RECAP, grade_id="recap"))
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
