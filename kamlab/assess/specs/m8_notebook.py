"""The M8 source notebook, written with :mod:`kamlab.assess.authoring` (M1's pattern).

``python -m kamlab.assess.specs.m8_notebook assessments/source/M8/M8_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.

The answer cells are the source of :mod:`kamlab.assess.specs._m8_solution` (one function per
cell), so the reference plan the grader replays is exactly the code a trainer reads here. The
capstone account of the shipped world is read from its truth labels when the notebook is built.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M8 assessment — Capstone: integrated account turnaround（综合客户扭亏转型）

**The case.** One of our tier-A hyper chains（A 类大卖场客户）is in trouble: our value share
there is falling（份额下滑）, a year-end load left it overstocked（年底压货）, our service to it is
poor（准时足额率 OTIF 低）and many of its promotions lose money（亏损促销）. You diagnose what
happened, then plan the next 13 weeks（滚动三个月计划）: JBP targets（联合业务计划目标）, a terms
proposal（条款方案）, promotions, shipments, the trade budget（费用预算）and execution/service
actions — **as data**, in the capstone submission format (below) that the curriculum's
control tower（控制塔）also writes.

**What is assessed**: M8-T1 … M8-T4 (27 points). T1–T3 are functions; T4 is a written
business review graded by a trainer with a rubric.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook* on
an **account world simulated only for you** (the same size as the shipped world, with its own
troubled hyper chain) and hands them that account's id. Your plan is replayed with kamlab's
simulator for the 13 weeks after the world ends. The practice checks below each task run on
the shipped world and do not count. Write general code: a plan typed in for the shipped world
scores nothing in another world.

**Rules** (open book: read kamlab's code and the M8 curriculum notebook, use its control tower
to explore — but not in here):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy (the grader's sandbox has nothing else of kamlab).
- Keep the function names and arguments exactly as given; return the tables (pandas DataFrames
  in a dict), not printed text. Each function must finish within 30 seconds.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT; trade spend amounts are positive and are
subtracted; the fiscal year of week `w` is `2023 + w // 52`; fiscal periods follow a 4-4-5
calendar (`calendar.period_key`, e.g. `FY2024-P03`). Ratios are fractions (0.153, not 15.3).
With `T = len(world.calendar)` weeks in the world (104 here), **the plan covers weeks
`T … T+12`** and **"last year" means weeks `T-52 … T-40`** (the same 13 weeks one year before);
the **review year** is the last fiscal year of the world.

**The submission format** (`kamlab.analysis.m8_plan`, read its docstring) — a dict of tables:

| table | rows | columns (`*` required) |
|---|---|---|
| `diagnosis` | one per finding | `flag`*, `evidence_id`*, `note` |
| `promotions` | one per promoted SKU (may be empty: no promotions) | `sku_id`*, `start_week`*, `end_week`* (inclusive, within `T … T+12`), `depth_pct`* (0–0.5), `mechanic` (TPR …), `display_type` (NONE / ENDCAP / FLOOR_STACK), `feature` (NONE / DM / APP_BANNER), `planned_uplift_pct` |
| `terms` | one | the trade-terms columns you propose (`on_invoice_discount_pct`, `unconditional_rebate_pct`, fees, `payment_terms_days`, `case_fill_kpi`, `otif_kpi` …) |
| `shipments_policy` | one (or one per `sku_id`) | `target_woc` (the customer orders up to this cover), or `week_id` + `cases` (explicit weekly sell-in) |
| `budget` | one | `trade_budget_rmb`* (RMB for the 13 weeks) |
| `jbp_targets` | one | `nr_target`, `nr_growth_vs_ly`, `value_share_target`, `case_fill_target`, `line_otif_target`, `tts_rate_target`, `woc_target`, `perfect_store_target` |
| `budget_allocation` | one per use | `bucket`* (PROMOTION_FUNDING, DISPLAY_AND_FEATURE, ON_INVOICE, REBATES, LISTING_AND_FEES, AGED_STOCK_CLEARANCE, RESERVE), `amount_rmb`* (adding up to at most the budget) |
| `actions` | one per action | `area`* (EXECUTION, SERVICE, SUPPLY, INVENTORY, RELATIONSHIP, PRICING), `action`*, `owner`, `kpi`, `target`, `due_week` |
"""

SETUP_TEMPLATE = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice
T = len(world.calendar)  # weeks in the world; the plan covers weeks T ... T+12
ACCOUNT = "{account}"  # the capstone account of the shipped world (the grader passes yours)"""

T1_PROMPT = """## M8-T1 Diagnosis with evidence（诊断与证据） — 6 points

Write `diagnose(world, account_id)` returning the **`diagnosis` table**: a DataFrame with one
row per finding, columns `flag`, `evidence_id` (and optionally `note`). A flag is one of
`STUFFING`（压货）, `MONTH_END_PUSH`（月底冲量）, `PROMO_OVERSPEND`（促销超支）, `COMPETITOR_PUSH`
（竞品冲击）, `SERVICE_DEPRIORITISED`（服务降级）, `FORECAST_BIAS`, `SUPPLY_SHOCK`,
`PRICE_NONCOMPLIANCE`, `PACK_MIX_DRIFT`, `CHANNEL_MIX_DRIFT`, `DIVERSION`. Name only what the
data shows; back each flag with the ids that show it — one row per (flag, id):

| flag | evidence ids that are scored |
|---|---|
| `STUFFING` | the fiscal periods (`period_key`, or weeks as `W046`) from the first week of the load（sell-in far above sell-out）until the customer's cover（WOC = closing stock ÷ mean sell-out of the last 4 weeks）falls back under its `target_woc` + 4 |
| `PROMO_OVERSPEND` | the `promo_id` of every **loss-making price promotion** (TPR / EC coupon, ROI < 1; SPEC §2.3) that started in the review year (promotions with other mechanics are not judged) |
| `COMPETITOR_PUSH` | the account id (its value share fell during the review year) |
| `SERVICE_DEPRIORITISED` | the account id (its line-level OTIF sits under the customer's KPI because *we* cut its orders — see `order_lines.short_reason`) |

**Scoring**: for each flag, F1 = 2·TP / (2·TP + FP + FN) of its evidence ids; the score is the
**mean F1 over the case's flags plus every flag you name that is not part of the case** (F1 0).
6 points at a score ≥ 0.8, 3 points at ≥ 0.6, on each of two hidden checks (your world, and the
same world with the account ids renamed), averaged.
"""

T1_TESTS = """# Practice check on the shipped world
print(diagnose(world, ACCOUNT).groupby("flag").size())
check("M8-T1", diagnose)"""

T2_PROMPT = """## M8-T2 The turnaround plan（扭转计划） — 10 points

Write `turnaround_plan(world, account_id)` returning a **dict of tables** with at least
`promotions` (an empty table with its columns means *no promotions*), `terms`,
`shipments_policy` and `budget`; add `jbp_targets`, `budget_allocation` and `actions` here too
(T3 needs them). Use only what the world shows up to week `T-1`.

The grader replays the plan with kamlab's simulator for weeks `T … T+12` (the world's own demand,
promotion response, ordering, supply, trade-spend and inventory models) and checks **six
constraints** (SPEC §4, `kamlab.analysis.m8_constraints`):

| constraint | rule |
|---|---|
| `nr_growth` | NR of the 13 weeks ≥ 1.05 × NR of the same weeks last year（净收入同比 +5 %） |
| `cc_rate` | CC % of NR ≥ last year's CC % of the same weeks（客户贡献率不下降） |
| `tts_cap` | TTS % of GS ≤ the account's `targets_annual.tts_rate_cap`（费比上限） |
| `woc_band` | weeks of cover at the end of the 13 weeks within the channel band (hyper: 2–4)（库存周数） |
| `lws` | last-week share of sell-in of every fiscal period ≤ 0.35（月底冲量） |
| `capacity` | cases ordered but not supplied ≤ 10 % of cases ordered（产能可行） |

The plan weeks fall in three fiscal periods: P1 = weeks `T … T+3`, P2 = `T+4 … T+7`,
P3 = `T+8 … T+12`; the Spring Festival falls around week `T+4`. The replay's random draws
(demand noise, deliveries) come from a seed the grader keeps for your world.

**Points per constraint**: 10 × (constraints met ÷ constraints scored), rounded down to 0.5. A
constraint that the grader's own reference plan cannot meet in your world is not scored —
typically +5 % NR when last year's quarter was bought with a promotion blow-out.

**The replay holds the customer to what it would accept**: promotion funding and fees follow the
agreement's rules (`funding_per_case` and `fixed_fee_rmb` in your plan are ignored); a term paid to
the customer (discounts, rebates, fees, allowances, penalty rates, payment days) can be cut by at
most 20 % of its current value; `case_fill_kpi` and `otif_kpi` cannot be lowered (deeper cuts are
replayed at the limit).
"""

T2_TESTS = """# Practice check on the shipped world
plan = turnaround_plan(world, ACCOUNT)
print(plan["promotions"].groupby(["start_week", "depth_pct"]).size())
check("M8-T2", turnaround_plan)"""

T3_PROMPT = """## M8-T3 The complete submission（完整方案） — 6 points

Write `capstone_submission(world, account_id)` returning **all eight tables** of the submission
(`diagnosis`, `promotions`, `terms`, `shipments_policy`, `budget`, `jbp_targets`,
`budget_allocation`, `actions`), valid by `kamlab.analysis.m8_plan.check_submission` (required
columns filled, known vocabularies, one-row tables, allocation within the budget) and with no empty
`diagnosis`, `jbp_targets`, `budget_allocation` or `actions` table.

Its plan is replayed as in T2 and scored on the **five-indicator composite**（五大指标综合得分,
SPEC §2.18: profit, revenue, share, execution, fill rate vs the quarter's targets, capped at 1.2):
6 points when the composite reaches the **threshold = min(0.95, 0.95 × the reference plan's
composite in your world)**, 3 points when it is at most 0.05 under it.
"""

T3_TESTS = """# Practice check on the shipped world
check("M8-T3", capstone_submission)"""

T4_PROMPT = """## M8-T4 Business review（业务回顾） — 5 points (graded by a trainer)

In the cell below, write the business review you would present to the hyper chain's buyer and
your own sales director for the **shipped world's** capstone account (`ACCOUNT`), at most 400
words, in English or Chinese:

1. **Diagnosis**: what happened this year, each problem with its number and where it shows
   (a period, week or promotion id — e.g. "cover peaked at … weeks in W0…", "… of … price
   promotions lost money", "line OTIF … vs the KPI …").
2. **Targets**: your JBP targets for the next 13 weeks and why they are realistic.
3. **Give-get**: what you ask of the customer and what you offer in return (terms, promotions,
   display, service).
4. **The plan**: promotions, shipments, budget and the KPIs it should deliver (the five
   indicators).
5. **Actions**: execution and service actions with owners and due weeks; the main risk and how
   you will see it early.

The rubric rewards evidence (numbers with their source), a plan consistent with your tables,
a balanced give-get and clear owners — not length.
"""

RECAP = """## Recap（小结）

You diagnosed an account's "extensive" practices from its data, turned the diagnosis into a
13-week plan within the company's guard rails (growth, profitability, trade-rate cap, healthy
cover, even sell-in, feasible supply), checked the plan against the five indicators and wrote
the business review that sells it to the customer.
"""


def _solution(name: str) -> str:
    from kamlab.assess.specs import _m8_solution

    return inspect.getsource(getattr(_m8_solution, name)).rstrip()


def shipped_capstone() -> str:
    """The capstone account of the shipped world (from its truth labels)."""
    import kamlab
    from kamlab.assess.specs.m8 import capstone_account

    return capstone_account(kamlab.load_world())


def build_notebook(account: str | None = None) -> NotebookNode:
    """The M8 source notebook (with the reference solutions)."""
    acc = account or shipped_capstone()
    cells = [
        au.header(INTRO),
        au.setup(SETUP_TEMPLATE.format(account=acc)),
        *au.item("M8-T1", T1_PROMPT, _solution("diagnose"), 6, T1_TESTS),
        *au.item("M8-T2", T2_PROMPT, _solution("turnaround_plan"), 10, T2_TESTS),
        *au.item("M8-T3", T3_PROMPT, _solution("capstone_submission"), 6, T3_TESTS),
        au.prompt("M8-T4", T4_PROMPT),
        au.manual("M8-T4", 5),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
