"""M6's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases by
construction (so the score does not depend on which worlds the course secret draws):

* M6-T1 ignores the opening stock: the hidden age cases whose opening stock outlives week 0
  fail (the world's pair — chosen with opening stock — and the bucket boundaries), the one
  without opening stock and the one that sells everything in week 0 pass → WOC 4/4, ages 2/4
  → 4 × 6/8 = 3.0;
* M6-T2 keeps only the first account of the rows: right on the one-account cases, wrong on a
  KA manager's accounts → 3 × 2/3 = 2.0;
* M6-T3 flags stuffing only: push F1 = 0 → 5 × ½ = 2.5;
* M6-T4 gives the diverted share in percent (70 instead of 0.70): the distributor and the
  regions are right, the share is not → ½ on both cases → 5 × ½ = 2.5.
"""

from _specs import mutate

from kamlab.assess.specs.m6_notebook import T1_SOLUTION, T2_SOLUTION, T3_SOLUTION, T4_SOLUTION

T1_NO_OPENING = mutate(
    T1_SOLUTION,
    ("    if opening_cases > 0:\n        cohorts.append([0, float(opening_cases)])\n", ""),
)

T2_FIRST_ACCOUNT_ONLY = mutate(
    T2_SOLUTION,
    (
        "def evenness_metrics(sell_in, calendar):\n",
        "def evenness_metrics(sell_in, calendar):\n"
        '    sell_in = sell_in[sell_in["account_id"] == sell_in["account_id"].iloc[0]]\n',
    ),
)

T3_STUFFING_ONLY = mutate(
    T3_SOLUTION,
    ("    return flags", '    return [f for f in flags if f[0] == "STUFFING"]'),
)

T4_PERCENT = mutate(
    T4_SOLUTION,
    ('"diverted_share": float(ag[region])}', '"diverted_share": 100 * float(ag[region])}'),
)

VARIANTS = {
    "partial": (
        {
            "M6-T1": T1_NO_OPENING,
            "M6-T2": T2_FIRST_ACCOUNT_ONLY,
            "M6-T3": T3_STUFFING_ONLY,
            "M6-T4": T4_PERCENT,
        },
        {"M6-T1": 3.0, "M6-T2": 2.0, "M6-T3": 2.5, "M6-T4": 2.5},
    ),
}
