"""M1's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks.
"""

T1_NO_EMPTY_LEDGER = """def g2n_waterfall(sell_in, trade_spend, products, account, fy):
    si = sell_in[(sell_in["account_id"] == account) & (2023 + sell_in["week_id"] // 52 == fy)]
    ts = trade_spend[(trade_spend["account_id"] == account) & (trade_spend["fiscal_year"] == fy)]
    by = ts.groupby(ts["on_invoice"].astype(bool))["amount_rmb"].sum()
    on_invoice, off_invoice = float(by[True]), float(by[False])  # KeyError with no trade spend
    cogs_case = products.set_index(products["sku_id"].astype(str))["cogs_case"]
    gs = float(si["gross_sales"].sum())
    cogs = float((si["cases_shipped"] * si["sku_id"].astype(str).map(cogs_case).astype(float)).sum())
    tts = on_invoice + off_invoice
    nr = gs - tts
    return {"gross_sales": gs, "on_invoice": on_invoice, "invoice_sales": gs - on_invoice,
            "off_invoice": off_invoice, "trade_spend": tts, "net_revenue": nr, "cogs": cogs,
            "gross_profit": nr - cogs}
"""

T2_RATE_ON_NR = """def answer_m1_t2(world):
    acc = world.accounts
    ka = set(acc.loc[acc["account_type"] == "KA", "account_id"].astype(str))
    si = world.sell_in
    si = si[(si["week_id"] < 52) & si["account_id"].astype(str).isin(ka)]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    top = gs.sort_values(ascending=False).index[0]
    ts = world.trade_spend
    tts = ts.loc[(ts["account_id"].astype(str) == top) & (ts["fiscal_year"] == 2023), "amount_rmb"].sum()
    return float(tts / (gs[top] - tts))  # divided by NR instead of GS
"""

T4_NO_GUARD = """WEIGHTS = {"profit": 0.25, "revenue": 0.25, "share": 0.20, "execution": 0.15, "fill_rate": 0.15}


def five_indicator_scorecard(actual, target, weights=None):
    w = WEIGHTS if weights is None else weights
    achievement = {k: actual[k] / target[k] for k in WEIGHTS}
    capped = {k: min(a, 1.2) for k, a in achievement.items()}
    composite = sum(w.get(k, 0.0) * capped[k] for k in WEIGHTS)
    rag = "green" if composite >= 1.0 else "amber" if composite >= 0.95 else "red"  # no guard
    return {"achievement": achievement, "capped": capped, "composite": composite, "rag": rag}
"""

VARIANTS = {
    "partial": (
        {"M1-T1": T1_NO_EMPTY_LEDGER, "M1-T2": T2_RATE_ON_NR, "M1-T4": T4_NO_GUARD},
        {"M1-T1": 3.0, "M1-T2": 0.0, "M1-T3": 2.0, "M1-T4": 3.0},
    ),
}
