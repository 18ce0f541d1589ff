"""M4's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks.

``partial``:

- M4-T1 reads the table's ``on_time`` column (a 0-day tolerance) instead of ``days_late``:
  right on the fresh world and on no lines, wrong with a tolerance and on the shuffled edge
  (lines late by exactly the tolerance) → 2 of 4;
- M4-T2 counts visits instead of stores: right when every store is visited once (a period),
  wrong on a quarter's repeat visits and on the hand-made revisit → 1 of 3;
- M4-T3 prices a missing item at 0 instead of its other year's price: a new item's revenue
  lands in price instead of mix (an item no longer sold is unaffected: V1 = 0) → 3 of 4;
- M4-T5 ranks smallest first → ρ = −1 on both hidden cases → 0 of 4;
- M4-T6 reports MAPE (mean of |e| / A over A > 0) as "wmape" → the bias point only → 1 of 2.
"""

from _specs import mutate

from kamlab.assess.specs.m4_notebook import (
    T1_SOLUTION,
    T2_SOLUTION,
    T3_SOLUTION,
    T5_SOLUTION,
    T6_SOLUTION,
)

# the table's 0-day columns instead of cases and days late against the tolerance
T1_COLUMNS = mutate(
    T1_SOLUTION,
    (
        '    in_full = order_lines["cases_shipped"] >= order_lines["cases_ordered"]\n'
        '    on_time = order_lines["days_late"] <= tolerance_days\n',
        '    in_full = order_lines["in_full"]\n    on_time = order_lines["on_time"]\n',
    ),
)

# visits counted instead of stores (a store visited twice counts, and weighs, twice)
T2_VISITS = mutate(
    T2_SOLUTION,
    ('universe = visits["store_id"].unique()', 'universe = visits["store_id"]'),
    (
        'handling = g.loc[g["handled"], "store_id"].unique()',
        'handling = g.loc[g["handled"], "store_id"]',
    ),
)

# an item missing in one year priced at 0 instead of at its other year's price
T3_ZERO_PRICE = mutate(
    T3_SOLUTION,
    ("p0[i] if i in p0 else p1[i]", "p0.get(i, 0.0)"),
    ("p1[i] if i in p1 else p0[i]", "p1.get(i, 0.0)"),
)

# smallest impact first
T5_REVERSED = mutate(T5_SOLUTION, ("key=impact.get, reverse=True)", "key=impact.get)"))

# MAPE (the mean of |e| / A over the weeks with A > 0) reported as "wmape"
T6_MAPE = mutate(
    T6_SOLUTION,
    (
        '    return {"wmape": float(np.abs(e).sum() / a.sum()),',
        '    pos = a > 0\n    return {"wmape": float(np.mean(np.abs(e[pos]) / a[pos])),',
    ),
)

VARIANTS = {
    "partial": (
        {
            "M4-T1": T1_COLUMNS,
            "M4-T2": T2_VISITS,
            "M4-T3": T3_ZERO_PRICE,
            "M4-T5": T5_REVERSED,
            "M4-T6": T6_MAPE,
        },
        {"M4-T1": 2.0, "M4-T2": 1.0, "M4-T3": 3.0, "M4-T4": 2.0, "M4-T5": 0.0, "M4-T6": 1.0},
    ),
}
