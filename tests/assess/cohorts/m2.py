"""M2's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases whatever the
trainee's world is.
"""

from _specs import mutate

from kamlab.assess.specs.m2_notebook import T1_SOLUTION, T2_SOLUTION, T5_SOLUTION

# no floating-point guard on the tier cut-offs
T1_NO_GUARD = mutate(
    T1_SOLUTION, ("s >= a_cut - 1e-9", "s >= a_cut"), ("s >= b_cut - 1e-9", "s >= b_cut")
)

# the CVS account is chosen, and its target built, on gross sales instead of net revenue
T2_ON_GS = mutate(
    T2_SOLUTION, ("    nr = gs - tts.reindex(gs.index, fill_value=0.0)\n", "    nr = gs\n")
)

T3_SCALAR_ONLY = """def distribution_gain_value(delta_tdp, sales_per_point):
    return float(delta_tdp) * float(sales_per_point)  # per-SKU changes are not summed
"""

T4_EVERY_OPTION = """def plan_quarter(planned, options, brief):
    cols = ["sku_id", "start_week", "end_week", "depth_pct", "mechanic", "display_type",
            "feature", "event_group_id"]
    # every option added: a SKU's two options overlap, so this is not a valid plan
    return pd.concat([planned[cols], options[cols]], ignore_index=True)
"""

# fails on a contact whose decision_roles is missing
T5_NO_MISSING_ROLES = mutate(T5_SOLUTION, ("isinstance(r, str) and role in", "role in"))

VARIANTS = {
    "partial": (
        {
            "M2-T1": T1_NO_GUARD,
            "M2-T2": T2_ON_GS,
            "M2-T3": T3_SCALAR_ONLY,
            "M2-T4": T4_EVERY_OPTION,
            "M2-T5": T5_NO_MISSING_ROLES,
        },
        {"M2-T1": 3.0, "M2-T2": 0.0, "M2-T3": 1.5, "M2-T4": 0.0, "M2-T5": 2.5},
    ),
}
