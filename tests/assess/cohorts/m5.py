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

T1_GENEROUS = """def estimate_baseline(series, promo_flags):
    x = np.asarray(series, dtype=float)
    promo = np.asarray(promo_flags, dtype=bool)
    n = len(x)
    clean = ~promo
    for t in np.flatnonzero(promo):
        clean[t + 1 : t + 3] = False
    baseline = x.copy()
    t = 0
    while t < n:
        if not promo[t]:
            t += 1
            continue
        s = t
        while t + 1 < n and promo[t + 1]:
            t += 1
        e = t
        pre = [w for w in range(max(0, s - 8), s - 1) if clean[w]]
        post = [w for w in range(e + 3, min(n, e + 9)) if clean[w]]
        if len(pre) >= 2 and len(post) >= 2:
            t0, v0 = np.mean(pre), x[pre].mean()
            t1, v1 = np.mean(post), x[post].mean()
            for w in range(s, e + 1):
                baseline[w] = 1.25 * (v0 + (v1 - v0) * (w - t0) / (t1 - t0))
        else:
            near = [w for w in range(max(0, s - 12), min(n, e + 13))
                    if clean[w] and not s - 1 <= w <= e + 2]
            baseline[s : e + 1] = 1.25 * (x[near].mean() if near else x[clean].mean())
        t += 1
    return baseline.tolist()
"""

T2_SCALAR_BASELINE = """def promo_roi(actual, baseline, promo, funding_per_case, fixed_fee, unit_margin,
              cannibalised=0.0):
    a = np.asarray(actual, dtype=float)
    b = float(baseline)  # one number only
    p = np.asarray(promo, dtype=bool)
    promo_cases = a[p].sum()
    nic = (a - b).sum() - cannibalised
    spend = funding_per_case * promo_cases + fixed_fee
    igp = nic * unit_margin
    return {
        "apparent_uplift": promo_cases / (b * p.sum()) - 1,
        "gross_incremental": promo_cases - b * p.sum(),
        "net_incremental": nic,
        "spend": spend,
        "incremental_gp": igp,
        "roi": igp / spend,
        "net_profit": igp - spend,
        "cost_per_incremental_case": spend / nic,
    }
"""

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
