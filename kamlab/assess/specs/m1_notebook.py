"""The M1 source notebook, written with :mod:`kamlab.assess.authoring` (the pattern to copy).

``python -m kamlab.assess.specs.m1_notebook assessments/source/M1/M1_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M1 assessment — KPI foundations: the five indicators and gross-to-net（五大指标与毛到净）

**What is assessed**: items M1-T1 … M1-T4 (12 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on **account worlds simulated only for you** and on **edge cases**. Your score comes from those
hidden checks; the practice checks do not count. So write general code — an answer typed in for
the shipped world scores 0.

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy — an implementation that calls kamlab's own
  (`kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item.
- Keep the function names and arguments exactly as given; return plain Python values (float, str,
  dict), not printed text.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT; trade spend amounts are positive and are
subtracted; the fiscal year of week `w` is `2023 + w // 52` (FY2023 = weeks 0–51, FY2024 =
weeks 52–103); a trade-spend row's fiscal year is its `fiscal_year` column. Ratios are fractions
(0.153, not 15.3).
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M1-T1 Gross-to-net waterfall（毛到净瀑布） — 4 points

Write `g2n_waterfall(sell_in, trade_spend, products, account, fy)` for one account × fiscal year.
It returns a **dict with these eight keys, in this order** (RMB):

| key | meaning（中文） |
|---|---|
| `gross_sales` | GS 毛销售额 = Σ `sell_in.gross_sales` of the account's weeks in `fy` |
| `on_invoice` | on-invoice deductions 票面折扣 = Σ `trade_spend.amount_rmb` where `on_invoice` is True |
| `invoice_sales` | invoice sales 发票销售额 = GS − on_invoice |
| `off_invoice` | off-invoice trade spend 票外费用 = Σ `amount_rmb` where `on_invoice` is False |
| `trade_spend` | total trade spend TTS 总费用 = on_invoice + off_invoice |
| `net_revenue` | net revenue NR 净收入 = GS − TTS |
| `cogs` | COGS 销货成本 = Σ `cases_shipped` × the SKU's `products.cogs_case` |
| `gross_profit` | gross profit GP 毛利 = NR − COGS |

Trade spend of the year = the account's ledger rows with `fiscal_year == fy`. An account-year with
no trade spend has 0 for both deductions.
"""

T1_SOLUTION = """def g2n_waterfall(sell_in, trade_spend, products, account, fy):
    si = sell_in[(sell_in["account_id"] == account) & (2023 + sell_in["week_id"] // 52 == fy)]
    ts = trade_spend[(trade_spend["account_id"] == account) & (trade_spend["fiscal_year"] == fy)]
    cogs_case = products.set_index(products["sku_id"].astype(str))["cogs_case"]
    gs = float(si["gross_sales"].sum())
    on_invoice = float(ts.loc[ts["on_invoice"].astype(bool), "amount_rmb"].sum())
    off_invoice = float(ts.loc[~ts["on_invoice"].astype(bool), "amount_rmb"].sum())
    cogs = float((si["cases_shipped"] * si["sku_id"].astype(str).map(cogs_case).astype(float)).sum())
    tts = on_invoice + off_invoice
    nr = gs - tts
    return {
        "gross_sales": gs,
        "on_invoice": on_invoice,
        "invoice_sales": gs - on_invoice,
        "off_invoice": off_invoice,
        "trade_spend": tts,
        "net_revenue": nr,
        "cogs": cogs,
        "gross_profit": nr - cogs,
    }"""

T1_TESTS = """# Practice checks on the shipped world (ACC001 FY2024, ACC003 FY2023)
check("M1-T1", g2n_waterfall)"""

T2_PROMPT = """## M1-T2 Trade spend rate（费比） — 2 points

Write `answer_m1_t2(world)` that returns, **for the key account (`account_type == "KA"`) with the
highest gross sales in FY2023**, its total trade spend as a fraction of gross sales in FY2023:
`TTS / GS` (e.g. 0.183 for 18.3 %). Tolerance ±0.0005.
"""

T2_SOLUTION = """def answer_m1_t2(world):
    acc = world.accounts
    ka = set(acc.loc[acc["account_type"] == "KA", "account_id"].astype(str))
    si = world.sell_in
    si = si[(2023 + si["week_id"] // 52 == 2023) & si["account_id"].astype(str).isin(ka)]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    top = gs.sort_values(ascending=False).index[0]
    ts = world.trade_spend
    mine = (ts["account_id"].astype(str) == top) & (ts["fiscal_year"] == 2023)
    return float(ts.loc[mine, "amount_rmb"].sum() / gs[top])"""

T2_TESTS = """# Practice check on the shipped world
print(answer_m1_t2(world))
check("M1-T2", answer_m1_t2)"""

T3_PROMPT = """## M1-T3 Big but unprofitable（大而不赚） — 2 points

Write `answer_m1_t3(world)` that returns the `account_id` (a string) which, **of the three
accounts with the highest gross sales in FY2024**, has the **lowest customer contribution rate
CC % = CC / NR（客户贡献率）** in FY2024.

Customer contribution 客户贡献 CC = NR − COGS − cost-to-serve 服务成本 (SPEC §2.1), with cost-to-serve =
freight + order handling + merchandising (sums of `cts_drivers.freight_rmb`,
`order_handling_rmb`, `merchandiser_cost_rmb` over the year's weeks) + the KAM cost + financing:

- **KAM cost**: the owner's (`accounts.kam_id`) `kam.cost_rmb_year`, split over the accounts that
  owner has, in proportion to each account's FY2024 NR (negative NR counts as 0; if all are 0,
  equally);
- **financing**: max(NR, 0) × 6 % × `trade_terms.payment_terms_days` (FY2024 row) / 365.

(These are the rules of the curriculum's scorecard, `kamlab.analysis.scorecard` — read its
docstring.) Accounts whose CC % is within 0.0005 of the lowest are also accepted.
"""

T3_SOLUTION = """def answer_m1_t3(world):
    fy = 2024
    si = world.sell_in[2023 + world.sell_in["week_id"] // 52 == fy]
    ts = world.trade_spend[world.trade_spend["fiscal_year"] == fy]
    cts = world.cts_drivers[2023 + world.cts_drivers["week_id"] // 52 == fy]
    by = si["account_id"].astype(str)
    gs = si.groupby(by)["gross_sales"].sum()
    cogs_case = world.products.set_index(world.products["sku_id"].astype(str))["cogs_case"]
    cogs = (si["cases_shipped"] * si["sku_id"].astype(str).map(cogs_case).astype(float)).groupby(by).sum()
    tts = ts.groupby(ts["account_id"].astype(str))["amount_rmb"].sum().reindex(gs.index, fill_value=0.0)
    nr = gs - tts
    cols = ["freight_rmb", "order_handling_rmb", "merchandiser_cost_rmb"]
    drivers = cts.groupby(cts["account_id"].astype(str))[cols].sum().sum(axis=1)
    drivers = drivers.reindex(gs.index, fill_value=0.0)
    acc = world.accounts.set_index(world.accounts["account_id"].astype(str))
    owner = acc["kam_id"].astype(str).reindex(gs.index)
    cost = world.kam.set_index(world.kam["kam_id"].astype(str))["cost_rmb_year"]
    positive = nr.clip(lower=0)
    total = positive.groupby(owner).transform("sum")
    n = positive.groupby(owner).transform("size")
    share = (positive / total.where(total > 0, 1)).where(total > 0, 1 / n)
    kam_cost = owner.map(cost).fillna(0.0) * share
    terms = world.trade_terms[world.trade_terms["fiscal_year"] == fy]
    days = terms.set_index(terms["account_id"].astype(str))["payment_terms_days"].reindex(gs.index)
    days = days.fillna(acc["payment_terms_days"].reindex(gs.index)).astype(float)
    financing = positive * 0.06 * days / 365
    cc = nr - cogs - drivers - kam_cost - financing
    top3 = gs.sort_values(ascending=False).index[:3]
    return str((cc / nr)[top3].idxmin())"""

T3_TESTS = """# Practice check on the shipped world
print(answer_m1_t3(world))
check("M1-T3", answer_m1_t3)"""

T4_PROMPT = """## M1-T4 Five-indicator scorecard（五大指标记分卡） — 4 points

Write `five_indicator_scorecard(actual, target, weights=None)`. `actual` and `target` are dicts
with the keys `profit` (CC), `revenue` (NR), `share` (value share), `execution` (Perfect Store
Score) and `fill_rate` (case fill). Return a dict:

- `achievement`: for each key, `actual / target` 达成率;
- `capped`: each achievement capped at **1.2** (`min(a, 1.2)`);
- `composite`: `Σ w_k × capped_k` with the weights given, or by default profit 0.25, revenue 0.25,
  share 0.20, execution 0.15, fill_rate 0.15;
- `rag`: `"green"` if composite ≥ 1.0, `"amber"` if ≥ 0.95, else `"red"` — comparing with the
  floating-point guard of SPEC §0.2: `x >= threshold - 1e-9`.
"""

T4_SOLUTION = """WEIGHTS = {"profit": 0.25, "revenue": 0.25, "share": 0.20, "execution": 0.15, "fill_rate": 0.15}


def five_indicator_scorecard(actual, target, weights=None):
    w = WEIGHTS if weights is None else weights
    achievement = {k: actual[k] / target[k] for k in WEIGHTS}
    capped = {k: min(a, 1.2) for k, a in achievement.items()}
    composite = sum(w.get(k, 0.0) * capped[k] for k in WEIGHTS)
    if composite >= 1.0 - 1e-9:
        rag = "green"
    elif composite >= 0.95 - 1e-9:
        rag = "amber"
    else:
        rag = "red"
    return {"achievement": achievement, "capped": capped, "composite": composite, "rag": rag}"""

T4_TESTS = """# Practice checks: the SPEC §2.18 worked example and one account of the shipped world
check("M1-T4", five_indicator_scorecard)"""

RECAP = """## Recap（小结）

You built the gross-to-net cascade GS → invoice sales → NR → GP, measured the trade rate, found a
large account that is not profitable once cost-to-serve is counted, and scored an account on the
five indicators with capped achievements and a RAG status.
"""


def build_notebook() -> NotebookNode:
    """The M1 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        *au.item("M1-T1", T1_PROMPT, T1_SOLUTION, 4, T1_TESTS),
        *au.item("M1-T2", T2_PROMPT, T2_SOLUTION, 2, T2_TESTS),
        *au.item("M1-T3", T3_PROMPT, T3_SOLUTION, 2, T3_TESTS),
        *au.item("M1-T4", T4_PROMPT, T4_SOLUTION, 4, T4_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
