"""M2's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases whatever the
trainee's world is.
"""

T1_NO_GUARD = """ATTRACTIVENESS = ["size", "growth", "profitability"]
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
    return {a: "A" if s >= a_cut else "B" if s >= b_cut else "C"  # no floating-point guard
            for a, s in zip(df["account_id"].astype(str), score)}
"""

T2_ON_GS = """def answer_m2_t2(world):
    acc = world.accounts
    cvs = set(acc.loc[(acc["account_type"] == "KA") & (acc["channel"] == "CVS"), "account_id"].astype(str))
    si = world.sell_in[2023 + world.sell_in["week_id"] // 52 == 2024]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    gs = gs[gs.index.isin(cvs)]
    account = gs.sort_values(ascending=False).index[0]
    m = world.market_account_week
    m = m[m["account_id"].astype(str) == account]
    fy = 2023 + m["week_id"] // 52
    value = m.groupby(fy)["value_incl_vat"].sum()
    ours = m["value_incl_vat"].where(m["brand_owner"] == "OURS", 0.0).groupby(fy).sum()
    growth = value[2024] / value[2023] - 1
    share = ours[2024] / value[2024]
    return float(gs[account] * (1 + growth) * (1 + 0.01 / share) * (1 + 0.015))  # GS, not NR
"""

T3_SCALAR_ONLY = """def distribution_gain_value(delta_tdp, sales_per_point):
    return float(delta_tdp) * float(sales_per_point)  # per-SKU changes are not summed
"""

T4_EVERY_OPTION = """def plan_quarter(planned, options, brief):
    cols = ["sku_id", "start_week", "end_week", "depth_pct", "mechanic", "display_type",
            "feature", "event_group_id"]
    # every option added: a SKU's two options overlap, so this is not a valid plan
    return pd.concat([planned[cols], options[cols]], ignore_index=True)
"""

T5_NO_MISSING_ROLES = """def coverage_gaps(contacts, account_id, role):
    c = contacts[contacts["account_id"].astype(str) == account_id]
    has_role = c["decision_roles"].map(lambda r: role in r.split("|"))  # fails on a missing value
    gaps = c[has_role.astype(bool) & (c["influence"] >= 4) & (c["relationship_score"] <= 2)].copy()
    gaps["gap"] = gaps["influence"] - gaps["relationship_score"]
    gaps = gaps.sort_values(
        ["gap", "influence", "meetings_12m", "contact_id"], ascending=[False, False, True, True]
    )
    return gaps["contact_id"].astype(str).head(3).tolist()
"""

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
