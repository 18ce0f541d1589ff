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

T1_COLUMNS = """def fill_rate_metrics(order_lines, tolerance_days=0):
    keys = ["case_fill", "line_fill", "order_fill", "on_time", "otif"]
    if len(order_lines) == 0:
        return {k: None for k in keys}
    lines = order_lines[["order_id", "in_full", "on_time"]]  # the 0-day columns of the table
    orders = lines.groupby("order_id")[["in_full", "on_time"]].all()
    return {
        "case_fill": float(order_lines["cases_shipped"].sum() / order_lines["cases_ordered"].sum()),
        "line_fill": float(lines["in_full"].mean()),
        "order_fill": float(orders["in_full"].mean()),
        "on_time": float(orders["on_time"].mean()),
        "otif": float((orders["in_full"] & orders["on_time"]).mean()),
    }
"""

T2_VISITS = """def distribution_metrics(audit_visits, audit_sku, stores):
    visits = audit_visits[["visit_id", "store_id"]].astype(str)
    acv = stores.set_index(stores["store_id"].astype(str))["acv_rmb_k"]
    visits = visits.assign(acv=visits["store_id"].map(acv).to_numpy(dtype=float))
    rows = audit_sku.assign(visit_id=audit_sku["visit_id"].astype(str)).merge(visits, on="visit_id")
    rows["handled"] = rows["listed"].astype(bool) & rows["on_shelf"].astype(bool)
    out = {}
    for sku, g in rows.groupby(rows["sku_id"].astype(str)):
        h = g[g["handled"]]
        out[sku] = {"nd": len(h) / len(visits), "wd": float(h["acv"].sum() / visits["acv"].sum())}
    return out
"""

T3_ZERO_PRICE = """def pvm_bridge(v0, p0, v1, p1):
    items = list(dict.fromkeys([*v0, *v1]))
    V0 = np.array([v0.get(i, 0.0) for i in items], dtype=float)
    V1 = np.array([v1.get(i, 0.0) for i in items], dtype=float)
    P0 = np.array([p0.get(i, 0.0) for i in items], dtype=float)  # a new item priced at 0
    P1 = np.array([p1.get(i, 0.0) for i in items], dtype=float)
    s0 = V0 / V0.sum()
    s1 = V1 / V1.sum()
    return {
        "volume": float((V1.sum() - V0.sum()) * (s0 @ P0)),
        "mix": float(V1.sum() * ((s1 - s0) @ P0)),
        "price": float(V1 @ (P1 - P0)),
    }
"""

T5_REVERSED = """def rank_actions(world, account_id, quarter, actions):
    cal = world.calendar
    fy, q = int(quarter[2:6]), int(quarter[-1])
    weeks = cal.loc[(cal["fiscal_year"] == fy) & (cal["fiscal_quarter"] == q), "week_id"]

    def mine(df):
        return df[(df["account_id"].astype(str) == account_id) & df["week_id"].isin(weeks)]

    si, ts = mine(world.sell_in), mine(world.trade_spend)
    ol, av, maw = mine(world.order_lines), mine(world.audit_visits), mine(world.market_account_week)
    nr = si["gross_sales"].sum() - ts["amount_rmb"].sum()
    short = (ol["cases_ordered"] - ol["cases_shipped"]).sum()
    oos = av["oos_n"].sum() / av["listed_n"].sum()
    tdp = sum(d["wd"] for d in distribution_metrics(av, world.audit_sku, world.stores).values())
    share = maw.loc[maw["brand_owner"].astype(str) == "OURS", "value_incl_vat"].sum() / maw[
        "value_incl_vat"].sum()
    impact = {}
    for a in actions:
        t = a["type"]
        if t == "SERVICE":
            impact[a["id"]] = a["recover"] * short * nr / si["cases_shipped"].sum()
        elif t == "AVAILABILITY":
            impact[a["id"]] = nr * a["oos_cut"] * oos / (1 - oos)
        elif t == "DISTRIBUTION":
            impact[a["id"]] = a["tdp_points"] * nr / tdp
        elif t == "SHARE":
            impact[a["id"]] = nr * a["share_points"] / share
        else:
            impact[a["id"]] = nr * ((1 + a["increase"]) ** (1 + a["elasticity"]) - 1)
    return sorted(impact, key=impact.get)  # smallest first
"""

T6_MAPE = """def answer_m4_t6(world):
    acc = world.accounts
    ka = set(acc.loc[acc["account_type"] == "KA", "account_id"].astype(str))
    ol = world.order_lines
    ol = ol[(ol["week_id"] // 52 == 1) & ol["account_id"].astype(str).isin(ka)]
    top = ol.groupby(ol["account_id"].astype(str))["cases_ordered"].sum().idxmax()
    fc = world.forecasts
    fc = fc[(fc["account_id"].astype(str) == top) & (fc["lag_weeks"] == 2)
            & (fc["target_week_id"] // 52 == 1)]
    mine = ol[ol["account_id"].astype(str) == top]
    actual = mine.groupby([mine["sku_id"].astype(str), mine["week_id"].astype(int)])[
        "cases_ordered"].sum()
    keys = pd.MultiIndex.from_arrays([fc["sku_id"].astype(str), fc["target_week_id"].astype(int)])
    a = actual.reindex(keys).fillna(0).to_numpy(dtype=float)
    e = fc["forecast_cases"].to_numpy(dtype=float) - a
    pos = a > 0
    return {"wmape": float(np.mean(np.abs(e[pos]) / a[pos])), "bias": float(e.sum() / a.sum())}
"""

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
