"""M1's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks.
"""

from _specs import mutate

from kamlab.assess.specs.m1_notebook import T1_SOLUTION, T2_SOLUTION, T4_SOLUTION

# a KeyError on an account-year with no trade spend (by[True] and by[False] do not exist)
T1_NO_EMPTY_LEDGER = mutate(
    T1_SOLUTION,
    (
        '    on_invoice = float(ts.loc[ts["on_invoice"].astype(bool), "amount_rmb"].sum())\n'
        '    off_invoice = float(ts.loc[~ts["on_invoice"].astype(bool), "amount_rmb"].sum())\n',
        '    by = ts.groupby(ts["on_invoice"].astype(bool))["amount_rmb"].sum()\n'
        "    on_invoice, off_invoice = float(by[True]), float(by[False])\n",
    ),
)

# trade spend divided by NR instead of GS
T2_RATE_ON_NR = mutate(
    T2_SOLUTION,
    (
        '    return float(ts.loc[mine, "amount_rmb"].sum() / gs[top])',
        '    tts = ts.loc[mine, "amount_rmb"].sum()\n    return float(tts / (gs[top] - tts))',
    ),
)

# no floating-point guard on the RAG thresholds
T4_NO_GUARD = mutate(T4_SOLUTION, ("1.0 - 1e-9", "1.0"), ("0.95 - 1e-9", "0.95"))

VARIANTS = {
    "partial": (
        {"M1-T1": T1_NO_EMPTY_LEDGER, "M1-T2": T2_RATE_ON_NR, "M1-T4": T4_NO_GUARD},
        {"M1-T1": 3.0, "M1-T2": 0.0, "M1-T3": 2.0, "M1-T4": 3.0},
    ),
}
