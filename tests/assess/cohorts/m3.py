"""M3's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases whatever the
trainee's world is.
"""

T1_NO_GUARD = """def tiered_rebate(sales, base, tiers, mode):
    g = sales / base - 1
    if mode.lower() == "retro":
        for lower, upper, rate in tiers:
            if g >= lower and (upper is None or g < upper):  # no floating-point guard
                return rate * sales
        return 0.0
    rebate = 0.0
    for lower, upper, rate in tiers:
        low = base * (1 + lower)
        high = sales if upper is None else min(sales, base * (1 + upper))
        rebate += rate * max(0.0, high - low)
    return rebate
"""

T2_ALWAYS_RETRO = """def answer_m3_t2(world, proposal):
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
    # the growth rebate is always priced retro, whatever the proposal's mode
    rate = sum(r for lo, up, r in proposal["growth_tiers"] if g >= lo - 1e-9 and (up is None or g < up - 1e-9))
    rates = (proposal["on_invoice_discount_pct"] + proposal["unconditional_rebate_pct"]
             + proposal["ec_platform_fee_pct"] + proposal["logistics_allowance_pct"])
    cost = (rates * gs + rate * gs
            + endcaps * proposal["endcap_fee_per_store_period"]
            + stacks * proposal["floorstack_fee_per_store_period"]
            + issues * proposal["dm_fee_per_issue"]
            + listings * proposal["listing_fee_per_sku_store"]
            + proposal["festival_fee_annual"] + proposal["anniversary_fee_annual"])
    return float(cost / gs)
"""

T3_UNDER_BUDGET = """def design_tiers(base, plan_growth, cap):
    r1 = 0.85 * cap / (base * plan_growth)  # leaves 15 % of the budget unused: half credit
    return {"mode": "marginal", "tiers": [(0.0, plan_growth, r1), (plan_growth, None, min(1.0, 1.5 * r1))]}
"""

T4_STEPPED = """def loading_clause(agreement):
    for letter, clause in agreement.items():
        if clause["structure"] == "marginal_tiers":  # the stepped rebate has no cliff
            return letter
"""

VARIANTS = {
    "partial": (
        {
            "M3-T1": T1_NO_GUARD,
            "M3-T2": T2_ALWAYS_RETRO,
            "M3-T3": T3_UNDER_BUDGET,
            "M3-T4": T4_STEPPED,
        },
        {"M3-T1": 3.0, "M3-T2": 1.5, "M3-T3": 3.0, "M3-T4": 0.0},
    ),
}
