"""The M5 source notebook, written with :mod:`kamlab.assess.authoring` (M1's pattern).

``python -m kamlab.assess.specs.m5_notebook assessments/source/M5/M5_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au

INTRO = """# M5 assessment — Resource management: trade investment and promotion ROI（资源管理：费用投入与促销投入产出）

**What is assessed**: items M5-T1 … M5-T4 (18 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on an **account world simulated only for you** and on **edge cases**. Your score comes from
those hidden checks; the practice checks do not count. So write general code — an answer typed
in for the shipped world scores 0. (The hidden world is a *clean* world: the same models as the
shipped world, without the "extensive practice" scenarios of M6.)

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy — an implementation that calls kamlab's own
  (`kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item.
- Keep the function names and arguments exactly as given; return plain Python values (float,
  str, list, dict), not printed text. A function may call your functions of earlier tasks.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions** (SPEC §0.2): money is RMB ex-VAT; trade spend amounts are positive; the
fiscal year of week `w` is `2023 + w // 52` (FY2023 = weeks 0–51, FY2024 = weeks 52–103).
Volumes: `sell_out.units_sold` in consumer units, `sell_out.cases_sold` in cases. Ratios are
fractions (0.153, not 15.3). Key terms: baseline 基线销量 (what would have sold without the
promotion), uplift 促销增量, net incremental cases 净增量箱数, promotion ROI 促销投入产出比 =
incremental gross profit ÷ promotion spend, unit margin 单箱毛利, response curve 投入产出曲线.
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""

T1_PROMPT = """## M5-T1 Promotion baseline（促销基线） — 5 points

Write `estimate_baseline(series, promo_flags)`. `series` is the weekly sell-out of one SKU at
one key account in **units** (a list of whole numbers, week 0 first — `sell_out.units_sold`) and
`promo_flags` the matching list of booleans (True = the SKU was on promotion that week —
`sell_out.promo_flag`). Return a **list with one baseline per week** (units/week, same length):
what the SKU would have sold *without* promotions. Only the promo weeks are scored; return
anything finite elsewhere (e.g. the sales themselves).

Things to know about the data: after a promotion, sales dip for about 2 weeks (shoppers
stocked up); demand follows a season, so the weeks just before and just after an event say
more than weeks far away; single weeks are noisy (±15 %).

**Scoring**: your baselines are compared with the world's *expected* baseline（期望基线, the
demand model's mean, `truth_baseline.expected_baseline_units` — not visible to you) on the
promo weeks of every MT key account (hypermarket, supermarket, convenience) SKU of your hidden
world, pooled into one WMAPE = Σ |your baseline − expected| ÷ Σ expected. **Full marks at
WMAPE ≤ 0.15, half marks at ≤ 0.25.** Promo weeks near Spring Festival or on a calendar event,
in a new SKU's launch ramp, or without 4 clean weeks around the promotion are not scored
(their baseline needs more than one series). The practice check shows the WMAPE on two series of
the shipped world. Your function runs on **every** series of the hidden world: one series where
it raises an error or returns NaN costs the whole item, so make it safe on short or flat series.
"""

T1_SOLUTION = """def estimate_baseline(series, promo_flags):
    x = np.asarray(series, dtype=float)
    promo = np.asarray(promo_flags, dtype=bool)
    n = len(x)
    # clean weeks: not on promotion and not one of the 2 dip weeks after a promotion
    clean = ~promo
    for t in np.flatnonzero(promo):
        clean[t + 1 : t + 3] = False
    baseline = x.copy()  # outside promotions the baseline is what sold
    t = 0
    while t < n:
        if not promo[t]:
            t += 1
            continue
        s = t  # a run of promo weeks s..e
        while t + 1 < n and promo[t + 1]:
            t += 1
        e = t
        pre = [w for w in range(max(0, s - 8), s - 1) if clean[w]]  # weeks s-8 .. s-2
        post = [w for w in range(e + 3, min(n, e + 9)) if clean[w]]  # weeks e+3 .. e+8
        if len(pre) >= 2 and len(post) >= 2:
            # a straight line from the pre level to the post level (follows the season)
            t0, v0 = np.mean(pre), x[pre].mean()
            t1, v1 = np.mean(post), x[post].mean()
            for w in range(s, e + 1):
                baseline[w] = v0 + (v1 - v0) * (w - t0) / (t1 - t0)
        else:
            near = [w for w in range(max(0, s - 12), min(n, e + 13))
                    if clean[w] and not s - 1 <= w <= e + 2]
            baseline[s : e + 1] = x[near].mean() if near else x[clean].mean()
        t += 1
    return baseline.tolist()"""

T1_TESTS = """# Practice checks: two promoted series of the shipped world (WMAPE on their scored promo weeks)
check("M5-T1", estimate_baseline)"""

T2_PROMPT = """## M5-T2 Promotion ROI（促销投入产出比） — 3 points

Write `promo_roi(actual, baseline, promo, funding_per_case, fixed_fee, unit_margin,
cannibalised=0.0)` by SPEC §2.3. `actual` is the sell-out in cases over the **event window**
W (1 pre-week + the promo weeks + 2 post-weeks); `baseline` is one number (cases/week) **or**
a list with one baseline per window week; `promo` marks the promo weeks (booleans);
`funding_per_case` is the scan-back funding (RMB/case), `fixed_fee` the display/DM fees (RMB),
`unit_margin` m (RMB/case), `cannibalised` the cases taken from sister SKUs.

Return a dict with these keys (cases, RMB, fractions):

| key | formula |
|---|---|
| `apparent_uplift` 表观增量 | Σ_promo A ÷ Σ_promo B − 1 |
| `gross_incremental` | Σ_promo (A − B) |
| `net_incremental` NIC 净增量 | Σ_W (A − B) − cannibalised (the dips count negative) |
| `spend` S 促销费用 | funding_per_case × Σ_promo A + fixed_fee (scan-back funds every promo-week case) |
| `incremental_gp` IGP | NIC × unit_margin |
| `roi` 投入产出比 | IGP ÷ S |
| `net_profit` | IGP − S |
| `cost_per_incremental_case` | S ÷ NIC |

Tolerance: 1e-6 relative. Check yourself on the §2.3 example: B = 1,000, actuals 980, 2,400,
2,200, 850, 900, f = 12, fee 8,000, m = 18 → NIC 2,330, S 63,200, ROI 0.664.
"""

T2_SOLUTION = """def promo_roi(actual, baseline, promo, funding_per_case, fixed_fee, unit_margin,
              cannibalised=0.0):
    a = np.asarray(actual, dtype=float)
    b = np.broadcast_to(np.asarray(baseline, dtype=float), a.shape)  # a number or a list
    p = np.asarray(promo, dtype=bool)
    promo_cases = a[p].sum()
    nic = (a - b).sum() - cannibalised
    spend = funding_per_case * promo_cases + fixed_fee
    igp = nic * unit_margin
    return {
        "apparent_uplift": promo_cases / b[p].sum() - 1,
        "gross_incremental": promo_cases - b[p].sum(),
        "net_incremental": nic,
        "spend": spend,
        "incremental_gp": igp,
        "roi": igp / spend,
        "net_profit": igp - spend,
        "cost_per_incremental_case": spend / nic,
    }"""

T2_TESTS = """# Practice checks: the SPEC §2.3 example and one promotion of the shipped world
check("M5-T2", promo_roi)"""

T3_PROMPT = """## M5-T3 Which promotions created value?（哪些促销创造了价值） — 4 points

Write `value_creating_promos(world)` that returns the list of `promo_id`s whose **promotion
ROI ≥ 1** (value-creating), among the promotions with `status == "EXECUTED"` at the key
accounts of channel HYPER, SUPER or CVS whose event window ends inside the data
(`end_week + 2 < number of weeks`). Other promotions are ignored.

Evaluate each promotion with your `promo_roi` (M5-T2) — SPEC §2.3 post-event evaluation:

- **actual**: the SKU's weekly `sell_out.cases_sold` at the account; event window W = weeks
  `start_week − 1` … `end_week + 2`;
- **baseline** (method b, pre+post excluding halo): the median of the non-promo weeks
  (`sell_out.promo_flag` False) in `[s − 8, s − 2] ∪ [e + 3, e + 8]` — or your M5-T1 baseline;
- **spend**: the promotion's ledger spend, Σ `trade_spend.amount_rmb` of its `promo_id`
  (= funding × promo cases + fixed fees);
- **unit margin** m = list price × price factor × (1 − rates) − COGS per case, with the SKU's
  `products.list_price_case` and `cogs_case`, the account's `accounts.price_factor`, and rates =
  `on_invoice_discount_pct + unconditional_rebate_pct + ec_platform_fee_pct +
  logistics_allowance_pct` of the account's `trade_terms` row of the promotion's fiscal year plus
  the rate of its first GROWTH tier (`rebate_tiers`, `tier_no == 1`);
- the world's promotions take few cases from sister SKUs: assume no cannibalisation.

**Scoring** against the world's true ROI (`truth_promo.roi`, hidden) by macro-F1 — the average
of the F1 score of "ROI ≥ 1" and of "ROI < 1": full marks at ≥ 0.8, half at ≥ 0.6. Promotions
whose true ROI is borderline (between 0.75 and 1.33) are not scored: one promotion's ROI cannot
be measured that precisely from sell-out.
"""

T3_SOLUTION = """def value_creating_promos(world):
    T = len(world.calendar)
    acc = world.accounts.set_index("account_id")
    prod = world.products.set_index("sku_id")
    mt = set(acc.index[acc["channel"].isin(["HYPER", "SUPER", "CVS"])])
    pr = world.promotions
    cand = pr[(pr["status"] == "EXECUTED") & pr["account_id"].isin(mt) & (pr["end_week"] + 2 < T)]
    spend = world.trade_spend.groupby("promo_id")["amount_rmb"].sum()
    terms = world.trade_terms.set_index(["account_id", "fiscal_year"])
    tiers = world.rebate_tiers
    tier1 = tiers[(tiers["rebate_type"] == "GROWTH") & (tiers["tier_no"] == 1)]
    tier1 = tier1.set_index(["account_id", "fiscal_year"])["rate"]
    weekly = {}
    for key, g in world.sell_out.groupby(["account_id", "sku_id"]):
        cases, flags = np.zeros(T), np.zeros(T, dtype=bool)
        cases[g["week_id"]] = g["cases_sold"]
        flags[g["week_id"]] = g["promo_flag"]
        weekly[key] = (cases, flags)
    winners = []
    for r in cand.itertuples():
        a, p = weekly[(r.account_id, r.sku_id)]
        s, e = int(r.start_week), int(r.end_week)
        k = 8  # baseline: median of the non-promo weeks in [s-8, s-2] and [e+3, e+8]
        while True:
            weeks = [w for w in list(range(s - k, s - 1)) + list(range(e + 3, e + k + 1))
                     if 0 <= w < T and not p[w]]
            if weeks or k > T:
                break
            k += 4  # back-to-back promotions: look further away
        window = list(range(max(0, s - 1), e + 3))
        fy = 2023 + s // 52
        t = terms.loc[(r.account_id, fy)]
        rates = (t["on_invoice_discount_pct"] + t["unconditional_rebate_pct"]
                 + t["ec_platform_fee_pct"] + t["logistics_allowance_pct"]
                 + tier1.get((r.account_id, fy), 0.0))
        price = prod.at[r.sku_id, "list_price_case"] * acc.at[r.account_id, "price_factor"]
        margin = price * (1 - rates) - prod.at[r.sku_id, "cogs_case"]
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero baseline or spend
            res = promo_roi(a[window], float(np.median(a[weeks])),
                            [s <= w <= e for w in window], 0.0,
                            float(spend.get(r.promo_id, 0.0)), margin)
        if res["roi"] >= 1:
            winners.append(r.promo_id)
    return winners"""

T3_TESTS = """# Practice check on the shipped world (its truth is known to the checker)
print(len(value_creating_promos(world)), "promotions with ROI >= 1")
check("M5-T3", value_creating_promos)"""

T4_PROMPT = """## M5-T4 Allocate the promotion budget（按边际回报分配促销预算） — 6 points

Each account's promotion spend S buys incremental gross profit along a concave **response
curve** `IGP(S) = c × S^β` (0 < β < 1: every extra RMB buys less than the one before).
Write `allocate_budget(curves, budget)`:

- `curves` is a dict `account_id → {"c": …, "beta": …, "min_spend": …, "max_spend": …}`
  (RMB; the spend of an account must stay within its bounds — contracted fees below, the
  account's capacity to execute above);
- `budget` is the total promotion budget (RMB);
- return a dict `account_id → spend` (RMB) for every account in `curves`.

Maximise the total incremental GP `Σ c × S^β` with `Σ S ≤ budget` and every S within its
bounds. Hint: at the optimum every account whose spend is not at a bound has the same
**marginal return** `dIGP/dS = β × c × S^(β−1)` (SPEC §2.2, 2.3; the curriculum's budget
reallocation panel).

**Scoring** (per hidden case): a plan that breaks a bound or the budget (±1 RMB) gets a third
of the case (a sixth when it breaks both); a feasible plan gets full marks when its total IGP is ≥ 95 % of the
optimum, half otherwise.
"""

T4_SOLUTION = """def allocate_budget(curves, budget):
    names = list(curves)
    c = np.array([curves[k]["c"] for k in names], dtype=float)
    beta = np.array([curves[k]["beta"] for k in names], dtype=float)
    lo = np.array([curves[k]["min_spend"] for k in names], dtype=float)
    hi = np.array([curves[k]["max_spend"] for k in names], dtype=float)
    if hi.sum() <= budget:
        return dict(zip(names, hi.tolist()))

    def spend_at(log_lam):
        # every account spends until its marginal return beta*c*S^(beta-1) falls to lambda
        s = np.exp(np.minimum((np.log(beta * c) - log_lam) / (1 - beta), 700.0))
        return np.clip(s, lo, hi)

    low, high = -100.0, 100.0  # bisection on log(lambda)
    for _ in range(300):
        mid = (low + high) / 2
        if spend_at(mid).sum() > budget:
            low = mid
        else:
            high = mid
    return dict(zip(names, spend_at(high).tolist()))"""

T4_TESTS = """# Practice checks: a two-account example and the shipped world's FY2024 curves
check("M5-T4", allocate_budget)"""

RECAP = """## Recap（小结）

You estimated what a promotion's weeks would have sold without it, turned uplift into net
incremental cases, spend and ROI by SPEC §2.3, separated the promotions that created value
from those that did not, and moved a fixed budget to where the marginal return is highest.
"""


def build_notebook() -> NotebookNode:
    """The M5 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        *au.item("M5-T1", T1_PROMPT, T1_SOLUTION, 5, T1_TESTS),
        *au.item("M5-T2", T2_PROMPT, T2_SOLUTION, 3, T2_TESTS),
        *au.item("M5-T3", T3_PROMPT, T3_SOLUTION, 4, T3_TESTS),
        *au.item("M5-T4", T4_PROMPT, T4_SOLUTION, 6, T4_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
