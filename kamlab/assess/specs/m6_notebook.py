"""The M6 source notebook, written with :mod:`kamlab.assess.authoring`.

``python -m kamlab.assess.specs.m6_notebook assessments/source/M6/M6_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M6 assessment — Sales quality and channel health（销售质量与渠道健康）

**What is assessed**: items M6-T1 … M6-T4 (17 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on **account worlds simulated only for you** (default size: 12 key accounts, 6 distributors,
40 SKUs, 104 weeks, with "extensive" practices injected — 粗放式销售) and on **edge cases**.
Your score comes from those hidden checks; the practice checks do not count. So write general
code — an answer typed in for the shipped world scores 0.

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy — an answer that calls kamlab's own code
  (`kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item.
- Keep the function names and arguments exactly as given; return values (lists, DataFrames,
  dicts), not printed text.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): volumes are cases; `week_id` 0…103; the fiscal year of week `w`
is `2023 + w // 52`; the 4-4-5 calendar has fiscal periods（财务月） of 4 or 5 weeks —
`calendar.period_key` (e.g. `"FY2024-P07"`) and `calendar.weeks_in_period`. `sell_in` has rows
only for weeks with shipments: a week without a row shipped 0 cases. Ratios are fractions
(0.65, not 65 %).
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M6-T1 Weeks of cover and FIFO stock age（库存周数与先进先出库龄） — 4 points

Write **two functions** for one account × SKU. Their inputs are lists (or arrays) of weekly
values in cases, week 0 first.

**`weeks_of_cover(closing, sell_out)`** → a list with one backward weeks of cover（库存周数）
per week (SPEC §2.9):

- `WOC_t = closing_t / mean(sell_out over weeks t−3 … t)`;
- before week 3 the mean runs over the weeks available (week 0: just week 0);
- when that mean is 0: `float("inf")` if `closing_t > 0`, else `0.0`.

**`stock_age_buckets(receipts, sell_out, opening_cases=0.0)`** → a DataFrame with one row per
week and the columns `age_00_04, age_05_08, age_09_13, age_14_26, age_27_plus`: the closing
stock of the week split by **age in weeks since receipt**（库龄）, by FIFO（先进先出）:

- each week, first every cohort already in stock gets one week older, then the week's receipts
  arrive **at age 0**, then the week's sell-out is taken from the **oldest** cohort first (so
  stock received this week can be sold this week);
- `opening_cases` is stock received the week before week 0 (it is 1 week old at the end of
  week 0);
- bucket `age_00_04` holds ages 0–4, `age_05_08` 5–8, `age_09_13` 9–13, `age_14_26` 14–26,
  `age_27_plus` 27 and older. Each row sums to the closing stock.

Example: receipts `[10, 0, 5]`, sell-out `[4, 3, 2]`: after week 2 the stock is 1 case aged 2
and 5 cases aged 0 → `age_00_04 = 6`.

The grader calls your functions through the locked helper `m6_t1_inventory` below the answer
cell; it is also what the practice checks call.
"""

T1_SOLUTION = """def weeks_of_cover(closing, sell_out):
    closing = [float(x) for x in closing]
    sell_out = [float(x) for x in sell_out]
    out = []
    for t in range(len(closing)):
        window = sell_out[max(0, t - 3) : t + 1]
        mean = sum(window) / len(window)
        if mean > 0:
            out.append(closing[t] / mean)
        else:
            out.append(float("inf") if closing[t] > 0 else 0.0)
    return out


BUCKETS = {
    "age_00_04": (0, 4),
    "age_05_08": (5, 8),
    "age_09_13": (9, 13),
    "age_14_26": (14, 26),
    "age_27_plus": (27, 10**9),
}


def stock_age_buckets(receipts, sell_out, opening_cases=0.0):
    cohorts = []  # [age in weeks, cases], oldest first
    if opening_cases > 0:
        cohorts.append([0, float(opening_cases)])
    rows = []
    for received, sold in zip(receipts, sell_out):
        for c in cohorts:
            c[0] += 1
        if received > 0:
            cohorts.append([0, float(received)])
        need = float(sold)
        for c in cohorts:
            take = min(c[1], need)
            c[1] -= take
            need -= take
        cohorts = [c for c in cohorts if c[1] > 1e-12]
        row = dict.fromkeys(BUCKETS, 0.0)
        for age, cases in cohorts:
            for name, (lo, hi) in BUCKETS.items():
                if lo <= age <= hi:
                    row[name] += cases
        rows.append(row)
    return pd.DataFrame(rows, columns=list(BUCKETS))"""

T1_GLUE = '''def m6_t1_inventory(function, *args):
    """The grader's entry point for M6-T1 (locked): calls one of your two functions."""
    if function == "weeks_of_cover":
        return weeks_of_cover(*args)
    return stock_age_buckets(*args)'''

T1_TESTS = """# Practice checks on the shipped world: ACC010's best-selling SKU, weeks 0-103
check("M6-T1", m6_t1_inventory)"""

T2_PROMPT = """## M6-T2 Sales evenness（销售均衡） — 3 points

Write `evenness_metrics(sell_in, calendar)`. `sell_in` is a subset of the `sell_in` table (for
example one account's rows, or all rows of a KA manager's accounts); `calendar` is the world's
`calendar`. Sum `cases_shipped` per week (a calendar week without a row shipped 0), then for
**every fiscal period of the calendar** with weekly sell-in `x_1 … x_n` (n = 4 or 5) and
`Σx > 0` compute (SPEC §2.11):

| column | formula（中文） |
|---|---|
| `lws` | last-week share 末周占比 `x_n / Σx` |
| `gstar` | normalised Gini 标准化基尼系数 `G* = G × n/(n−1)` with `G = Σ_i Σ_j abs(x_i − x_j) / (2 n² x̄)` |
| `cv` | coefficient of variation 变异系数 `std_pop(x) / mean(x)` (population standard deviation) |

Return a DataFrame with the columns `period_key, lws, gstar, cv`, one row per period that has
sales (leave periods without any sell-in out). Worked example: `[10, 10, 10, 70]` → LWS 0.70,
G* 0.60, CV 1.039. Tolerance ± 0.001.
"""

T2_SOLUTION = """def evenness_metrics(sell_in, calendar):
    weekly = sell_in.groupby(sell_in["week_id"].astype(int))["cases_shipped"].sum()
    cal = calendar.sort_values("week_id")
    x = pd.DataFrame({"week_id": cal["week_id"].astype(int), "period_key": cal["period_key"].astype(str)})
    x["cases"] = x["week_id"].map(weekly).fillna(0.0).astype(float)
    rows = []
    for period, g in x.groupby("period_key", sort=True):
        v = g.sort_values("week_id")["cases"].to_numpy()
        n, total = len(v), v.sum()
        if total <= 0:
            continue
        mean = total / n
        gini = np.abs(v[:, None] - v[None, :]).sum() / (2 * n * n * mean)
        rows.append({"period_key": period, "lws": v[-1] / total, "gstar": gini * n / (n - 1),
                     "cv": v.std() / mean})
    return pd.DataFrame(rows, columns=["period_key", "lws", "gstar", "cv"])"""

T2_TESTS = """# Practice checks on the shipped world: the sell-in of ACC009 and of ACC016
check("M6-T2", evenness_metrics)"""

T3_PROMPT = """## M6-T3 Stuffing and month-end push（压货与月底冲量） — 5 points

Write `flag_sales_quality(world)` that returns a list of triples
`(scenario, account_id, period_key)` — one for every account (key account or distributor) ×
fiscal period you flag:

- `("STUFFING", account, period)` for channel stuffing 压货 (SPEC §2.10): the customer is loaded
  with stock it does not sell — from the period of the first load week to the period where its
  stock excess ends;
- `("MONTH_END_PUSH", account, period)` for month-end pushing 月底冲量 (SPEC §2.11): the period's
  shipments are pushed into its last week.

Work at account level: sum the SKUs of `customer_inventory` (closing stock, sell-out) and of
`sell_in` per account × week. The SPEC's signals: weeks of cover `WOC > target_woc + 4`
(`accounts.target_woc`) for ≥ 4 weeks, a sell-in spike far above sell-out, a post-load digest
period; a last-week share far above 1/n, period after period. Beware of look-alikes: a
distributor whose sales fall (and whose cover rises) has not been stuffed; one high last week
(a festival) is not a pattern.

**Scoring**: for each scenario, F1 = 2·TP / (2·TP + FP + FN) of your pairs against the injected
scenarios' labels（真实标签）: full credit at F1 ≥ 0.8, half at ≥ 0.6. The practice check shows
your F1 on the shipped world.
"""

T3_SOLUTION = """def flag_sales_quality(world):
    inv = world.customer_inventory
    aw = inv.groupby([inv["account_id"].astype(str), "week_id"])[["closing_cases", "sell_out_cases"]].sum()
    si = world.sell_in
    ship = si.groupby([si["account_id"].astype(str), "week_id"])["cases_shipped"].sum()
    aw["sell_in"] = ship.reindex(aw.index, fill_value=0).astype(float)
    aw = aw.reset_index().sort_values(["account_id", "week_id"])
    cal = world.calendar.set_index("week_id")
    aw["period_key"] = aw["week_id"].map(cal["period_key"]).astype(str)
    target = world.accounts.set_index(world.accounts["account_id"].astype(str))["target_woc"]
    flags = []
    for acc, g in aw.groupby("account_id"):
        g = g.reset_index(drop=True)
        so4 = g["sell_out_cases"].rolling(4, min_periods=1).mean()
        woc = np.where(so4 > 0, g["closing_cases"] / so4.where(so4 > 0, 1.0),
                       np.where(g["closing_cases"] > 0, np.inf, 0.0))
        over = woc > float(target[acc]) + 4
        spike = (g["sell_in"] > 2 * so4).to_numpy()  # shipped in far above the sales rate
        pk = g["period_key"].to_numpy()
        t, n = 0, len(g)
        while t < n:
            if not over[t]:
                t += 1
                continue
            end = t
            while end < n and over[end]:
                end += 1
            if end - t >= 4:  # a run of >= 4 overstocked weeks ...
                lo = max(0, t - 4)
                hits = np.flatnonzero(spike[lo : t + 2])
                if len(hits):  # ... that a load started (not a fall in sales)
                    start = lo + int(hits[0])
                    flags += [("STUFFING", acc, p) for p in sorted(set(pk[start:end]))]
            t = end
    x = aw.groupby(["account_id", "period_key"])["sell_in"].agg(["last", "sum"])
    x = x[x["sum"] > 0]
    x["lws"] = x["last"] / x["sum"]
    for acc, g in x.reset_index().groupby("account_id"):
        g = g.sort_values("period_key").reset_index(drop=True)
        high = (g["lws"] > 0.45).to_numpy()
        for i in np.flatnonzero(high):
            # a pattern: at least 3 high periods in some 6-period window around this one
            if max(high[s : s + 6].sum() for s in range(max(0, i - 5), i + 1)) >= 3:
                flags.append(("MONTH_END_PUSH", acc, g.loc[i, "period_key"]))
    return flags"""

T3_TESTS = """# Practice check on the shipped world (F1 per scenario)
check("M6-T3", flag_sales_quality)"""

T4_PROMPT = """## M6-T4 Cross-region diversion（窜货） — 5 points

One distributor sells part of its stock into other regions. Write `answer_m6_t4(world)` that
returns a dict:

| key | value |
|---|---|
| `distributor` | the diverting distributor's `account_id` |
| `target_regions` | a list of the region ids（区域） its diverted stock is sold in (not its own) |
| `diverted_share` | the share of its region's reported secondary sales that is not consumed in the region, over **FY2024 P07–P12** — the absorption gap（吸收缺口） `AG = 1 − in-region TT offtake / reported secondary sales` (SPEC §2.13), as a fraction |

Data: secondary sales = the distributors' `sell_out` (DMS), in litres/kg: `cases_sold ×
products.volume_eq_per_case`, over all distributors of the region; in-region offtake =
`market_region_period` rows with `channel_group == "TT"` and `brand_owner == "OURS"`
(`volume_eq`); batch-code samples `code_traces` say where a distributor's packs were found.

**Scoring** per hidden world: the distributor, the exact set of target regions and the share
(± 0.10) right → full credit; distributor and regions right but the share off → half.
"""

T4_SOLUTION = """def answer_m6_t4(world):
    acc = world.accounts
    dist = acc[acc["channel"].astype(str) == "DIST"]
    region_of = dict(zip(dist["account_id"].astype(str), dist["hq_region_id"].astype(str)))
    keys = [f"FY2024-P{p:02d}" for p in range(7, 13)]
    cal = world.calendar
    weeks = cal.loc[cal["period_key"].astype(str).isin(keys), "week_id"]
    so = world.sell_out
    so = so[so["week_id"].isin(weeks) & so["account_id"].astype(str).isin(list(region_of))]
    veq = world.products.set_index(world.products["sku_id"].astype(str))["volume_eq_per_case"]
    litres = so["cases_sold"] * so["sku_id"].astype(str).map(veq).astype(float)
    secondary = litres.groupby(so["account_id"].astype(str).map(region_of)).sum()
    m = world.market_region_period
    m = m[(m["channel_group"].astype(str) == "TT") & (m["brand_owner"].astype(str) == "OURS")
          & m["period_key"].astype(str).isin(keys)]
    offtake = m.groupby(m["region_id"].astype(str))["volume_eq"].sum()
    ag = 1 - offtake.reindex(secondary.index).fillna(0.0) / secondary
    region = str(ag.idxmax())
    ct = world.code_traces
    ct = ct[ct["period_key"].astype(str).isin(keys)]
    mine = [a for a, r in region_of.items() if r == region]
    ct = ct[ct["source_account_id"].astype(str).isin(mine)]
    outside = ct[ct["found_region_id"].astype(str) != region]
    found = outside.groupby(outside["found_region_id"].astype(str))["n_packs"].sum()
    targets = sorted(r for r, n in found.items() if n > 0.05 * ct["n_packs"].sum())
    by_source = outside.groupby(outside["source_account_id"].astype(str))["n_packs"].sum()
    distributor = str(by_source.idxmax()) if len(by_source) else mine[0]
    return {"distributor": distributor, "target_regions": targets, "diverted_share": float(ag[region])}"""

T4_TESTS = """# Practice check on the shipped world
print(answer_m6_t4(world))
check("M6-T4", answer_m6_t4)"""

RECAP = """## Recap（小结）

You measured inventory health (weeks of cover, FIFO stock age), the evenness of sell-in within
the fiscal month, found the accounts that were loaded with stock or pushed at month end, and
traced a distributor's diverted stock to the regions it was sold in — the "extensive" practices
that a KA manager's incentives (retro cliffs, volume-only targets) can create.
"""


def build_notebook() -> NotebookNode:
    """The M6 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        au.prompt("M6-T1", T1_PROMPT),
        au.solution("M6-T1", T1_SOLUTION),
        au.setup(T1_GLUE, grade_id="M6-T1-helper"),
        au.tests("M6-T1", 4, T1_TESTS),
        *au.item("M6-T2", T2_PROMPT, T2_SOLUTION, 3, T2_TESTS),
        *au.item("M6-T3", T3_PROMPT, T3_SOLUTION, 5, T3_TESTS),
        *au.item("M6-T4", T4_PROMPT, T4_SOLUTION, 5, T4_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
