"""The M2 source notebook, written with :mod:`kamlab.assess.authoring`.

``python -m kamlab.assess.specs.m2_notebook assessments/source/M2/M2_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au
from kamlab.assess.specs._m2_plan import SOLVER_SOURCE

INTRO = """# M2 assessment — Customer planning and joint business planning（客户计划与联合生意计划）

**What is assessed**: items M2-T1 … M2-T5 (19 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on **account worlds simulated only for you** and on **edge cases**. Your score comes from those
hidden checks; the practice checks do not count. So write general code — an answer typed in for
the shipped world scores 0.

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy (and the Python standard library) — an implementation
  that calls kamlab's own (`kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item.
- Keep the function names and arguments exactly as given; return plain Python values (float, str,
  list, dict) or a DataFrame where the task asks for one — not printed text.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT; trade spend amounts are positive and are
subtracted; the fiscal year of week `w` is `2023 + w // 52` (FY2023 = weeks 0–51, FY2024 =
weeks 52–103); a trade-spend row's fiscal year is its `fiscal_year` column. Ratios and shares
are fractions (0.153, not 15.3); one share point = 0.01.
"""

SETUP = """import itertools

import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M2-T1 Portfolio tiers（客户分级） — 4 points

Write `segment_accounts(df, weights, cutoffs)` that tiers key accounts by **account
attractiveness（客户吸引力）× our position（我方地位）**.

- `df`: one row per account with `account_id` and six raw criteria (other columns may be
  present; ignore them): attractiveness `size`, `growth`, `profitability`; position `share`,
  `relationship`, `execution`.
- `weights`: dict criterion → weight ≥ 0 (a criterion missing from the dict weighs 0; weights
  need not add up to 1). `cutoffs`: `(a, b)` with a ≥ b.

The rule:

1. **Scale** each criterion across the accounts of `df`: `(x − min) / (max − min)`. If every
   account has the same value (`max − min ≤ 1e-12`), every account scores 0.5; a missing value
   (NaN) scores 0.5 (min and max ignore missing values).
2. **Axes**: attractiveness `= Σ w_c × scaled_c / Σ w_c` over size, growth, profitability;
   position likewise over share, relationship, execution.
3. **Score** `= (attractiveness + position) / 2`.
4. **Tier** `"A"` if score ≥ a, `"B"` if score ≥ b, else `"C"` — comparing with the
   floating-point guard of SPEC §0.2: `score >= threshold - 1e-9`.

Return a dict `{account_id: "A" | "B" | "C"}` with every account of `df`.
"""

T1_SOLUTION = """ATTRACTIVENESS = ["size", "growth", "profitability"]
POSITION = ["share", "relationship", "execution"]


def segment_accounts(df, weights, cutoffs):
    scaled = {}
    for c in ATTRACTIVENESS + POSITION:
        x = df[c].astype(float)
        lo, hi = x.min(), x.max()
        if pd.isna(lo) or hi - lo <= 1e-12:
            scaled[c] = pd.Series(0.5, index=df.index)
        else:
            scaled[c] = ((x - lo) / (hi - lo)).fillna(0.5)

    def axis(names):
        total = sum(weights.get(c, 0.0) for c in names)
        return sum(weights.get(c, 0.0) * scaled[c] for c in names) / total

    score = (axis(ATTRACTIVENESS) + axis(POSITION)) / 2
    a_cut, b_cut = cutoffs
    tiers = {}
    for account, s in zip(df["account_id"].astype(str), score):
        tiers[account] = "A" if s >= a_cut - 1e-9 else "B" if s >= b_cut - 1e-9 else "C"
    return tiers"""

T1_TESTS = """# Practice checks on the shipped world's key accounts (criteria of FY2024)
check("M2-T1", segment_accounts)"""

T2_PROMPT = """## M2-T2 Market-anchored target（基于市场的目标） — 3 points

Write `answer_m2_t2(world)` that returns the **FY2025 net revenue target** (RMB) of the
**convenience key account (`account_type == "KA"`, `channel == "CVS"`) with the highest net
revenue in FY2024**, anchored on the market (SPEC §2.16):

`NR_target = NR_LY × (1 + category growth) × (1 + Δshare / share_LY) × (1 + net price change)`

with **Δshare = +1 share point (0.01)** and **net price change = +1.5 % (0.015)**, where

- `NR_LY` = the account's FY2024 net revenue 净收入 = Σ `sell_in.gross_sales` of its FY2024
  weeks − Σ `trade_spend.amount_rmb` of its rows with `fiscal_year == 2024`;
- category growth 品类增长 = the category value at the account (Σ `market_account_week.value_incl_vat`
  over all brand owners) in FY2024 ÷ FY2023 − 1;
- `share_LY` = our value share 价值份额 at the account in FY2024 = Σ value of `brand_owner == "OURS"`
  ÷ Σ value of all brand owners.

Tolerance ±0.5 %.
"""

T2_SOLUTION = """def answer_m2_t2(world):
    acc = world.accounts
    cvs = set(acc.loc[(acc["account_type"] == "KA") & (acc["channel"] == "CVS"), "account_id"].astype(str))
    si = world.sell_in[2023 + world.sell_in["week_id"] // 52 == 2024]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    ts = world.trade_spend[world.trade_spend["fiscal_year"] == 2024]
    tts = ts.groupby(ts["account_id"].astype(str))["amount_rmb"].sum()
    nr = gs - tts.reindex(gs.index, fill_value=0.0)
    nr = nr[nr.index.isin(cvs)]
    account = nr.sort_values(ascending=False).index[0]
    m = world.market_account_week
    m = m[m["account_id"].astype(str) == account]
    fy = 2023 + m["week_id"] // 52
    value = m.groupby(fy)["value_incl_vat"].sum()
    ours = m["value_incl_vat"].where(m["brand_owner"] == "OURS", 0.0).groupby(fy).sum()
    growth = value[2024] / value[2023] - 1
    share = ours[2024] / value[2024]
    return float(nr[account] * (1 + growth) * (1 + 0.01 / share) * (1 + 0.015))"""

T2_TESTS = """# Practice check on the shipped world
print(f"{answer_m2_t2(world):,.0f} RMB")
check("M2-T2", answer_m2_t2)"""

T3_PROMPT = """## M2-T3 Distribution gain（铺货增量） — 3 points

Write `distribution_gain_value(delta_tdp, sales_per_point)` that returns the JBP bridge step
"distribution gain" in RMB (SPEC §2.16): **ΔTDP × sales per distribution point**.

- `sales_per_point`: RMB of sales per point of total distribution points (sales ÷ TDP).
- `delta_tdp`: the change in **total distribution points** TDP 总铺货点 = Σ over SKUs of weighted
  distribution WD (as fractions: a SKU going from 55 % to 60 % WD adds 0.05). It comes either as
  **one number** (the ΔTDP itself) or **per SKU** — a dict `{sku_id: ΔWD}`, a list or a tuple of
  ΔWD — whose ΔTDP is the sum of the changes (TDP is additive across SKUs; WD is not additive
  across stores). Changes may be negative (distribution lost); no change at all is 0.

Return a float (RMB; negative for a loss).
"""

T3_SOLUTION = """def distribution_gain_value(delta_tdp, sales_per_point):
    if isinstance(delta_tdp, dict):
        delta_tdp = sum(delta_tdp.values())
    elif isinstance(delta_tdp, (list, tuple)):
        delta_tdp = sum(delta_tdp)
    return float(delta_tdp) * float(sales_per_point)"""

T3_TESTS = """# Practice checks: the SPEC example and a per-SKU scenario of ACC001
print(distribution_gain_value(0.25, 2_000_000))   # 500,000 RMB
check("M2-T3", distribution_gain_value)"""

T4_PROMPT = """## M2-T4 Rolling 13-week plan（滚动三个月市场计划） — 6 points

A key account's next quarter (the 13 weeks after the world's last week: week ids `T … T+12`,
`T` = the number of weeks in the world) already holds the promotions planned in the world. You
may add promotion slots from a menu. Write `plan_quarter(planned, options, brief)` that returns
the quarter's **whole promotion table**（促销计划表）.

**Inputs**

- `planned` — DataFrame, one row per promoted SKU already planned, with the columns of
  `kamlab.sim.simulate_plan`'s plan format: `sku_id, start_week, end_week` (week ids, inclusive),
  `depth_pct` (price cut, 0–0.5), `mechanic, display_type, feature, event_group_id`.
- `options` — DataFrame of candidate slots: `option_id`, the same eight columns, and the planner's
  forecast of what adding **that one slot** to the planned calendar changes over the quarter:
  `nr_gain` (net revenue, RMB; may be negative — display fees can cost more than the slot
  earns), `spend_gain` (total trade spend 费用, RMB) and `short_gain` (cases the account's share
  of our capacity 产能 could not supply). Each SKU has two options from the same week, a light and
  a strong one: they overlap, and a SKU can run **one promotion at a time** — pick at most one
  option per SKU.
- `brief` — dict: the planned calendar's own forecast `nr_base`, `spend_base`, `short_base`, and
  the quarter's `nr_target` (RMB), trade `budget` (RMB) and `max_short_cases`.

Example of an `options` row (made-up numbers):

| option_id | sku_id | start_week | end_week | depth_pct | mechanic | display_type | feature | event_group_id | nr_gain | spend_gain | short_gain |
|---|---|---|---|---|---|---|---|---|---|---|---|
| O1 | SKU012 | 106 | 107 | 0.15 | TPR | NONE | NONE | O1 | 8,400 | 3,100 | 40 |
| O2 | SKU012 | 106 | 109 | 0.25 | TPR | ENDCAP | NONE | O2 | −5,200 | 26,500 | 610 |

**Output**: a DataFrame with those eight columns — the planned rows you keep plus the option rows
you add (copy them as they are, `event_group_id` included). Costs are not columns: the grader
costs every row by the simulator's rules.

**How it is graded**: the grader replays your table with
`simulate_plan(world, account, {"promotions": your_table}, seed=1)` and checks three
constraints: (1) the quarter's NR is within **±2 %** of `nr_target`; (2) total trade spend ≤
`budget`; (3) supply shortfall ≤ `max_short_cases` (no capacity breach 不超产能). All three: full
credit for that case; otherwise half credit × the share of constraints met; a table that is not a
valid plan (e.g. a SKU promoted twice at once) scores 0. The planned calendar alone misses the
target. The forecasts add up only approximately (slots interact through cannibalisation,
capacity and rebate tiers): aim at the middle of the band.
"""

T4_TESTS = """# Practice check: ACC001's next quarter in the shipped world (replays take a few seconds)
check("M2-T4", plan_quarter)"""

T5_PROMPT = """## M2-T5 Stakeholder coverage gaps（客户关系覆盖缺口） — 3 points

Write `coverage_gaps(contacts, account_id, role)` for the `customer_contacts` table. A contact
of `account_id` is a **coverage gap** on the decision `role` (one of `LISTING, PROMO, TERMS,
SUPPLY`) when

- `role` is one of its `decision_roles` (roles separated by `|`, e.g. `"LISTING|PROMO"`; a
  missing value means no decision role), and
- it has **high influence**（影响力高）: `influence ≥ 4`, and a **low relationship**（关系弱）:
  `relationship_score ≤ 2`.

Rank the gaps by `influence − relationship_score` (largest first), then by `influence`
(highest first), then by `meetings_12m` (fewest first), then by `contact_id`; return the
`contact_id`s of the **first three** (fewer if there are fewer gaps; none → an empty list) as a
list of strings. Order in the list does not matter; the set must be exact.
"""

T5_SOLUTION = """def coverage_gaps(contacts, account_id, role):
    c = contacts[contacts["account_id"].astype(str) == account_id]
    has_role = c["decision_roles"].map(lambda r: isinstance(r, str) and role in r.split("|"))
    gaps = c[has_role.astype(bool) & (c["influence"] >= 4) & (c["relationship_score"] <= 2)].copy()
    gaps["gap"] = gaps["influence"] - gaps["relationship_score"]
    gaps = gaps.sort_values(
        ["gap", "influence", "meetings_12m", "contact_id"], ascending=[False, False, True, True]
    )
    return gaps["contact_id"].astype(str).head(3).tolist()"""

T5_TESTS = """# Practice checks on the shipped world's contacts
print(coverage_gaps(world.customer_contacts, "ACC011", "LISTING"))
check("M2-T5", coverage_gaps)"""

RECAP = """## Recap（小结）

You tiered the portfolio on attractiveness and position, anchored a JBP target on the market,
valued a distribution gain, planned a quarter against a target, a budget and capacity, and found
the people you need to win over.
"""


def build_notebook() -> NotebookNode:
    """The M2 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        *au.item("M2-T1", T1_PROMPT, T1_SOLUTION, 4, T1_TESTS),
        *au.item("M2-T2", T2_PROMPT, T2_SOLUTION, 3, T2_TESTS),
        *au.item("M2-T3", T3_PROMPT, T3_SOLUTION, 3, T3_TESTS),
        *au.item("M2-T4", T4_PROMPT, SOLVER_SOURCE, 6, T4_TESTS),
        *au.item("M2-T5", T5_PROMPT, T5_SOLUTION, 3, T5_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
