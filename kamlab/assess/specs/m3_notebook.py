"""The M3 source notebook, written with :mod:`kamlab.assess.authoring`.

``python -m kamlab.assess.specs.m3_notebook assessments/source/M3/M3_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M3 assessment — Annual agreements and trade terms（年度协议与交易条款）

**What is assessed**: items M3-T1 … M3-T4 (15 points). Each task says what to write; the cell
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
  list, dict), not printed text.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT; trade spend amounts are positive and are
subtracted; the fiscal year of week `w` is `2023 + w // 52` (FY2023 = weeks 0–51, FY2024 =
weeks 52–103); a trade-spend row's fiscal year is its `fiscal_year` column. Rates are fractions
(0.02 for 2 %). Growth tiers are lists of `(lower, upper, rate)` on growth
`g = sales / base − 1`: lower bound inclusive, upper bound exclusive, `upper = None` for the open
top tier. Threshold comparisons use the floating-point guard `x >= threshold - 1e-9`.
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M3-T1 Tiered growth rebate（阶梯增长返利） — 4 points

Write `tiered_rebate(sales, base, tiers, mode)` that returns the growth rebate in RMB (SPEC
§2.14) for this year's gross sales `sales` against last year's `base` (both RMB), with growth
`g = sales / base − 1` and `tiers` as in the conventions above.

- `mode = "retro"` (back-to-dollar-one 全额返): the rate of the tier that `g` falls in × **all**
  of `sales`; a tier is reached when `g >= lower - 1e-9` and not yet left while
  `g < upper - 1e-9`; growth in no tier earns nothing.
- `mode = "marginal"` (stepped 阶梯): each tier is a band of sales from
  `L = base × (1 + lower)` to `U = base × (1 + upper)` (no top for an open tier); the rebate is
  `Σ rate × max(0, min(sales, U) − L)` — only the slice of sales inside each band earns that
  band's rate.

`mode` may be written in capitals (`"RETRO"`, `"MARGINAL"`, as in `trade_terms`). Worked example
(SPEC §2.14): base 5.5 M, sales 6.0 M, tiers 1 % / 2 % / 3 % from 0 / 5 % / 10 % growth → retro
120,000; marginal 7,250.
"""

T1_SOLUTION = """def tiered_rebate(sales, base, tiers, mode):
    g = sales / base - 1
    if mode.lower() == "retro":
        for lower, upper, rate in tiers:
            if g >= lower - 1e-9 and (upper is None or g < upper - 1e-9):
                return rate * sales
        return 0.0
    rebate = 0.0
    for lower, upper, rate in tiers:
        low = base * (1 + lower)
        high = sales if upper is None else min(sales, base * (1 + upper))
        rebate += rate * max(0.0, high - low)
    return rebate"""

T1_TESTS = """# Practice checks: the SPEC §2.14 example (retro, marginal) and ACC001's FY2024 agreement
print(tiered_rebate(6_000_000, 5_500_000, [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)], "retro"))
check("M3-T1", tiered_rebate)"""

T2_PROMPT = """## M3-T2 Cost of the FY2025 proposal（新年度协议的费用） — 3 points

Next year's agreement is being negotiated. Write `answer_m3_t2(world, proposal)` that returns
the proposal's **total cost as a fraction of gross sales** (费比 of the agreement), costed on the
account's **FY2024 volumes**. `proposal` is a dict:

| key | meaning |
|---|---|
| `account_id` | the key account |
| `planned_growth` | planned GS growth over FY2024 (0.06 = 6 %) |
| `on_invoice_discount_pct`, `unconditional_rebate_pct`, `ec_platform_fee_pct`, `logistics_allowance_pct` | rates on GS |
| `growth_rebate_mode`, `growth_tiers` | `"RETRO"` or `"MARGINAL"`, and the tiers (as in M3-T1) |
| `endcap_fee_per_store_period`, `floorstack_fee_per_store_period`, `dm_fee_per_issue`, `listing_fee_per_sku_store` | fees per unit of activity |
| `festival_fee_annual`, `anniversary_fee_annual` | lump sums |

Cost it like this:

- `GS_FY2024` = Σ `sell_in.gross_sales` of the account's FY2024 weeks; the proposal's
  `GS = GS_FY2024 × (1 + planned_growth)`.
- Rate clauses: `rate × GS` each. Growth rebate: M3-T1's rule with `sales = GS`,
  `base = GS_FY2024`.
- Fees: the new fee × the FY2024 **activity count**, where the count = FY2024 spend on that fee
  ÷ the FY2024 agreement's fee (`trade_terms` row of FY2024), rounded to a whole number (0 when
  the FY2024 fee was 0). FY2024 spend = Σ `trade_spend.amount_rmb` of the account's rows with
  `fiscal_year == 2024` and `spend_type` `DISPLAY_FEE` (split into end-cap and floor-stack
  store-periods by the `display_type` of the row's promotion, `promo_id` →
  `promotions.display_type`: `ENDCAP`, `FLOOR_STACK`), `DM_FEE` (issues) or `LISTING_FEE`
  (SKU-stores).
- Lump sums as given.

Return **(Σ of all these costs) ÷ GS** as a fraction (e.g. 0.187). Promotions funding and OTIF
penalties are not part of the agreement. Tolerance ±0.0005.
"""

T2_SOLUTION = """def answer_m3_t2(world, proposal):
    a = proposal["account_id"]
    si = world.sell_in
    gs_ly = float(si.loc[(si["account_id"] == a) & (2023 + si["week_id"] // 52 == 2024), "gross_sales"].sum())
    gs = gs_ly * (1 + proposal["planned_growth"])
    tt = world.trade_terms
    old = tt[(tt["account_id"] == a) & (tt["fiscal_year"] == 2024)].iloc[0]
    ts = world.trade_spend
    ts = ts[(ts["account_id"] == a) & (ts["fiscal_year"] == 2024)]

    def count(spend, fee):
        return round(spend / fee) if fee > 0 else 0

    display_type = world.promotions.set_index("promo_id")["display_type"].astype(str)
    disp = ts[ts["spend_type"] == "DISPLAY_FEE"]
    kind = disp["promo_id"].map(display_type)
    endcaps = count(disp.loc[kind == "ENDCAP", "amount_rmb"].sum(), old["endcap_fee_per_store_period"])
    stacks = count(disp.loc[kind == "FLOOR_STACK", "amount_rmb"].sum(), old["floorstack_fee_per_store_period"])
    issues = count(ts.loc[ts["spend_type"] == "DM_FEE", "amount_rmb"].sum(), old["dm_fee_per_issue"])
    listings = count(ts.loc[ts["spend_type"] == "LISTING_FEE", "amount_rmb"].sum(), old["listing_fee_per_sku_store"])

    g = gs / gs_ly - 1
    tiers = proposal["growth_tiers"]
    if proposal["growth_rebate_mode"].lower() == "retro":
        rate = sum(r for lo, up, r in tiers if g >= lo - 1e-9 and (up is None or g < up - 1e-9))
        rebate = rate * gs
    else:
        rebate = sum(
            r * max(0.0, (gs if up is None else min(gs, gs_ly * (1 + up))) - gs_ly * (1 + lo))
            for lo, up, r in tiers
        )
    rates = (proposal["on_invoice_discount_pct"] + proposal["unconditional_rebate_pct"]
             + proposal["ec_platform_fee_pct"] + proposal["logistics_allowance_pct"])
    cost = (
        rates * gs
        + rebate
        + endcaps * proposal["endcap_fee_per_store_period"]
        + stacks * proposal["floorstack_fee_per_store_period"]
        + issues * proposal["dm_fee_per_issue"]
        + listings * proposal["listing_fee_per_sku_store"]
        + proposal["festival_fee_annual"]
        + proposal["anniversary_fee_annual"]
    )
    return float(cost / gs)"""

T2_TESTS = """# Practice checks on the shipped world: a retro proposal for ACC011, a marginal one for ACC008
check("M3-T2", answer_m3_t2)"""

T3_PROMPT = """## M3-T3 Design growth tiers（设计增长返利） — 6 points

Write `design_tiers(base, plan_growth, cap)` that designs next year's growth rebate for an
account with last year's GS `base` (RMB), a planned growth `plan_growth` (fraction) and a
budget: the rebate may cost at most `cap` RMB at plan growth. Return a dict
`{"mode": "retro" | "marginal", "tiers": [(lower, upper, rate), …]}` (tiers as in M3-T1, at
least two, contiguous — each tier's upper bound is the next one's lower bound — the last one
open, `upper = None`).

The design must meet four constraints, computed with M3-T1's rules:

1. **monotone**（单调）: rates never fall from one tier to the next, and the rebate never falls
   when sales rise;
2. **nothing at g ≤ 0**: no rebate when sales are at or below last year's (growth ≤ 0);
3. **within budget**: rebate at `sales = base × (1 + plan_growth)` ≤ `cap`;
4. **no cliff**（断崖）> 5,000 RMB: at every tier bound, `rebate(bound) − rebate(bound − 1 RMB)`
   ≤ 5,000 (bound = `base × (1 + lower or upper)`).

and should use the budget: the rebate at plan growth should be at least **95 % of `cap`** (half
credit from 80 %). Per hidden case: all four constraints and ≥ 95 % → full credit; all four and
≥ 80 % → half; otherwise nothing.
"""

T3_SOLUTION = """def design_tiers(base, plan_growth, cap):
    # stepped (marginal) tiers never jump: no cliff; nothing is paid up to last year's sales;
    # the rate on the growth up to plan spends 98 % of the cap, growth beyond plan earns more
    r1 = 0.98 * cap / (base * plan_growth)
    r2 = min(1.0, 1.5 * r1)
    return {"mode": "marginal", "tiers": [(0.0, plan_growth, r1), (plan_growth, None, r2)]}"""

T3_TESTS = """# Practice check: ACC001 with 6 % plan growth and a cap of 1 % of the planned GS
print(design_tiers(45_000_000, 0.06, 477_000))
check("M3-T3", design_tiers)"""

T4_PROMPT = """## M3-T4 Year-end loading（年底压货） — 2 points

Write `loading_clause(agreement)` that returns the letter of the clause that creates a
**year-end loading incentive**（年底压货动机）: a reason for the customer to buy extra stock from us
just before the year closes. `agreement` is a dict letter → clause, each clause a dict:

| key | values |
|---|---|
| `clause` | its name (English and Chinese) |
| `basis` | what the money is computed on: `"sell_in"` (the customer's purchases from us), `"sell_out"` (the customer's sales to shoppers), `"fixed"` (a set amount), `"none"` |
| `period` | over which it is measured: `"invoice"`, `"event"`, `"month"`, `"quarter"`, `"year"` |
| `structure` | `"flat"` (same rate on every RMB), `"retro_tiers"` (reaching a threshold re-prices the whole period's purchases), `"marginal_tiers"` (each slice earns its band's rate), `"lump_sum"`, `"days"`, `"penalty"` |
| `thresholds` | the tier thresholds (growth or target attainment), or `[]` |

Exactly one clause of each agreement creates that incentive. Return its letter (a string such
as `"c"`).
"""

T4_SOLUTION = """def loading_clause(agreement):
    # a threshold that re-prices the whole year's purchases: one more case bought before
    # year end can pay a jump in rebate (a retro cliff on sell-in, measured over the year)
    for letter, clause in agreement.items():
        if (clause["basis"] == "sell_in" and clause["period"] == "year"
                and clause["structure"] == "retro_tiers" and clause["thresholds"]):
            return letter
    return None"""

T4_TESTS = """# Practice check: an agreement of six clauses
check("M3-T4", loading_clause)"""

RECAP = """## Recap（小结）

You priced retro and stepped growth rebates, costed next year's agreement on this year's
volumes, designed tiers that reward growth without cliffs, and found the clause that pays a
customer to load stock at year end.
"""


def build_notebook() -> NotebookNode:
    """The M3 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        *au.item("M3-T1", T1_PROMPT, T1_SOLUTION, 4, T1_TESTS),
        *au.item("M3-T2", T2_PROMPT, T2_SOLUTION, 3, T2_TESTS),
        *au.item("M3-T3", T3_PROMPT, T3_SOLUTION, 6, T3_TESTS),
        *au.item("M3-T4", T4_PROMPT, T4_SOLUTION, 2, T4_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
