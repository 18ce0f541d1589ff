"""M5's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks.

``partial``:

- M5-T1 inflates the reference baseline by 25 % (a "generous" baseline): the pooled WMAPE
  lands between 0.15 and 0.25 → half marks, 2.5 of 5;
- M5-T2 takes the baseline as one number (``float(baseline)``): the week-by-week baseline
  edge raises → 2 of 3;
- M5-T3 calls every promotion value-creating: macro-F1 ≈ 0.4 → 0 of 4;
- M5-T4 spends every account's minimum: feasible but far below the optimum on every case →
  half of each case, 3 of 6.
"""

from _specs import mutate

from kamlab.assess.specs.m5_notebook import T1_SOLUTION, T2_SOLUTION

# the reference baseline of every promotion inflated by 25 %
T1_GENEROUS = mutate(
    T1_SOLUTION,
    (
        "baseline[w] = v0 + (v1 - v0) * (w - t0) / (t1 - t0)",
        "baseline[w] = 1.25 * (v0 + (v1 - v0) * (w - t0) / (t1 - t0))",
    ),
    (
        "baseline[s : e + 1] = x[near].mean() if near else x[clean].mean()",
        "baseline[s : e + 1] = 1.25 * (x[near].mean() if near else x[clean].mean())",
    ),
)

# the baseline taken as one number only (a week-by-week baseline raises)
T2_SCALAR_BASELINE = mutate(
    T2_SOLUTION,
    ("b = np.broadcast_to(np.asarray(baseline, dtype=float), a.shape)", "b = float(baseline)"),
    ("promo_cases / b[p].sum() - 1", "promo_cases / (b * p.sum()) - 1"),
    ("promo_cases - b[p].sum()", "promo_cases - b * p.sum()"),
)

T3_ALL = """def value_creating_promos(world):
    T = len(world.calendar)
    acc = world.accounts
    mt = set(acc.loc[acc["channel"].isin(["HYPER", "SUPER", "CVS"]), "account_id"])
    pr = world.promotions
    keep = (pr["status"] == "EXECUTED") & pr["account_id"].isin(mt) & (pr["end_week"] + 2 < T)
    return [str(p) for p in pr.loc[keep, "promo_id"]]  # every promotion "works"
"""

T4_MINIMUM = """def allocate_budget(curves, budget):
    return {k: float(v["min_spend"]) for k, v in curves.items()}
"""

VARIANTS = {
    "partial": (
        {
            "M5-T1": T1_GENEROUS,
            "M5-T2": T2_SCALAR_BASELINE,
            "M5-T3": T3_ALL,
            "M5-T4": T4_MINIMUM,
        },
        {"M5-T1": 2.5, "M5-T2": 2.0, "M5-T3": 0.0, "M5-T4": 3.0},
    ),
}
