"""Stage 11 — market tables and shares (SPEC §3.5).

``market_account_week`` (KA accounts): our value is our sell-out; each competitor's value is
its baseline (our starting share U(0.10, 0.30) splits the rest COMP_A 0.35, COMP_B 0.20,
PRIVATE_LABEL 0.10 (MT only), OTHERS the rest) following the category's season and events with
its own trend (category growth ± 0.03) and noise, lifted in its promotion weeks through the
category elasticity, minus the half of our non-cannibalised promotional increment that comes
from brand switching; a COMPETITOR_PUSH raises it further.

``market_region_period``: the accounts' figures allocated to regions by store share (MT, EC),
plus TT rows from in-region consumer offtake (never from distributor reports); numeric and
weighted distribution of OURS from the audit panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.sim.audits import AuditResult
from kamlab.sim.demand import COMP_SPLIT, Competition, Demand
from kamlab.sim.distributors import TTResult
from kamlab.sim.master import CATEGORIES, CATEGORY_PARAMS, CHANNELS, Master
from kamlab.sim.tables import group_sum, str_col

__all__ = ["build_market"]

OWNERS = ("OURS", "COMP_A", "COMP_B", "PRIVATE_LABEL", "OTHERS")
#: categories are an open set in the schema (sorted by name): each category's sort position
CAT_RANK = np.argsort(np.argsort(np.array(CATEGORIES), kind="mergesort"), kind="mergesort")
#: [conv] competitor shelf price per unit relative to ours
PRICE_REL = {"COMP_A": 1.02, "COMP_B": 0.95, "PRIVATE_LABEL": 0.80, "OTHERS": 0.90}


def _split(mt: bool) -> np.ndarray:
    a, b, pl = COMP_SPLIT["COMP_A"], COMP_SPLIT["COMP_B"], COMP_SPLIT["PRIVATE_LABEL"]
    if not mt:
        pl = 0.0
    return np.array([a, b, pl, 1.0 - a - b - pl])


def _clean_shape(
    master: Master, dem: Demand, T: int, weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clean baseline value at RSP (no growth, no promotions) per pair over ``weeks``, its
    account × category first-year mean ``first`` (A, C) and its shape ``shape / first``."""
    A, C = master.n_acc, len(CATEGORIES)
    pa, ps = dem.pair_a, dem.pair_s
    key = pa * C + master.sku_cat[ps]
    t_all = np.arange(max(int(weeks.max()) + 1 if len(weeks) else 0, min(52, T)))
    base_all = (
        dem.lam_clean[:, : len(t_all)]
        * master.sku_rsp[ps][:, None]
        / np.exp(dem.growth[:, None] * t_all[None, :] / 52.0)
    )
    shape = np.zeros((A * C, len(t_all)))
    shape += group_sum(key, base_all, shape.shape[0])
    shape = shape.reshape(A, C, len(t_all))
    first = shape[:, :, : min(52, T)].mean(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape_n = np.where(first[:, :, None] > 0, shape / first[:, :, None], 0.0)
    return base_all[:, weeks], first, shape_n[:, :, weeks]


def ka_competitor_values(
    master: Master,
    comp: Competition,
    first: np.ndarray,
    shape_n: np.ndarray,
    inc_val: np.ndarray,
    weeks: np.ndarray,
    *,
    expected: bool = False,
    comp_promo_prob: float = 0.15,
    channel_mult: np.ndarray | None = None,
) -> np.ndarray:
    """(A, C, 4, W) competitor values (COMP_A, COMP_B, PRIVATE_LABEL, OTHERS) at the KA accounts.

    Each competitor's value = our first-year clean value × (1 − s0)/s0 × its split × the clean
    season shape × its trend (category growth ± its deviation) × noise, lifted in its promotion
    weeks through the category elasticity, raised by a COMPETITOR_PUSH, minus the half of our
    non-cannibalised promotional increment ``inc_val`` (A, C, W) that comes from brand switching.
    ``expected=True`` gives the plan's expectation: no noise, competitors on the category trend,
    each owner's promotions at their average lift (probability ``comp_promo_prob`` / 3 per week,
    depth U(0.15, 0.25)) and no push (a knob is in nobody's plan).
    """
    A, C, W = master.n_acc, len(CATEGORIES), len(weeks)
    g_cat = np.array([CATEGORY_PARAMS[c][6] for c in CATEGORIES])
    eps_cat = np.array([CATEGORY_PARAMS[c][3] for c in CATEGORIES])
    chan = np.array([CHANNELS[c] for c in master.acc_channel])
    tw = weeks.astype(float)
    # E[(1 − d)^ε] for d ~ U(0.15, 0.25), per category
    e1 = eps_cat + 1.0
    mean_lift = (np.power(0.85, e1) - np.power(0.75, e1)) / (0.10 * e1)
    out = np.zeros((A, C, 4, W))
    s0 = comp.share0
    for a in np.flatnonzero(~master.acc_is_dist):
        split = _split(chan[a] != "EC")
        total0 = first[a] * (1.0 - s0[a]) / s0[a]  # (C,)
        for o in range(4):
            dev = np.zeros(C) if expected else comp.trend[a, :, o]
            trend = np.exp((g_cat + dev)[:, None] * tw[None, :] / 52.0)
            v = total0[:, None] * split[o] * shape_n[a] * trend
            if expected:
                if o < 3:
                    v = v * (1.0 + comp_promo_prob / 3.0 * (mean_lift[:, None] - 1.0))
            else:
                v = v * comp.noise[a, :, o][:, weeks]
                if o < 3:
                    promo = comp.promo[a][:, weeks] & (comp.promo_owner[a][:, weeks] == o)
                    lift = np.power(1.0 - comp.promo_depth[a][:, weeks], eps_cat[:, None])
                    v = np.where(promo, v * lift, v)
            out[a, :, o] = v
        if not expected:
            out[a] *= (1.0 + comp.push_x[a] * comp.push[a][weeks])[None, None, :]
            if channel_mult is not None:  # shoppers changing channel take every brand along
                out[a] *= channel_mult[a][weeks][None, None, :]
        tot = out[a].sum(axis=1)  # (C, W)
        take = 0.5 * inc_val[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(tot > 0, np.minimum(0.7, take / tot), 0.0)
        out[a] *= (1.0 - frac)[:, None, :]
    return out


def build_market(
    master: Master,
    cal: pd.DataFrame,
    T: int,
    dem: Demand,
    comp: Competition,
    sold_units: np.ndarray,
    tt: TTResult,
    audits: AuditResult,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage 11: market_account_week and market_region_period."""
    A, C = master.n_acc, len(CATEGORIES)
    pa, ps = dem.pair_a, dem.pair_s
    cat = master.sku_cat[ps]
    upc = master.sku_upc[ps]
    vol_eq = master.sku_vol_eq[ps] / upc  # per unit
    price = dem.shelf_price[:, :T]
    t = np.arange(T)
    # our value/volume/units per account × category × week
    key = pa * C + cat
    ours_val = np.zeros((A * C, T))
    ours_units = np.zeros((A * C, T))
    ours_vol = np.zeros((A * C, T))
    ours_val += group_sum(key, sold_units * price, ours_val.shape[0])
    ours_units += group_sum(key, sold_units, ours_units.shape[0])
    ours_vol += group_sum(key, sold_units * vol_eq[:, None], ours_vol.shape[0])
    ours_val = ours_val.reshape(A, C, T)
    ours_units = ours_units.reshape(A, C, T)
    ours_vol = ours_vol.reshape(A, C, T)
    # clean baseline value shape per account × category (no growth, no promotions)
    base_clean, first, shape_n = _clean_shape(master, dem, T, np.arange(T))
    # our non-cannibalised incremental value (brand switching source)
    inc_val = np.zeros((A * C, T))
    inc = dem.lam[:, :T] * (dem.mult[:, :T] - 1.0) * 0.8 * price
    inc_val += group_sum(key, inc, inc_val.shape[0])
    inc_val = inc_val.reshape(A, C, T)
    # unit price and volume per unit of ours by account × category (for competitor units)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_unit = np.where(ours_units.sum(2) > 0, ours_val.sum(2) / ours_units.sum(2), 1.0)
        v_unit = np.where(ours_units.sum(2) > 0, ours_vol.sum(2) / ours_units.sum(2), 0.5)
    g_cat = np.array([CATEGORY_PARAMS[c][6] for c in CATEGORIES])
    chan = np.array([CHANNELS[c] for c in master.acc_channel])
    ka = np.flatnonzero(~master.acc_is_dist)
    comp_val = ka_competitor_values(
        master, comp, first, shape_n, inc_val, np.arange(T), channel_mult=dem.channel_mult
    )
    rel = np.array([PRICE_REL[o] for o in OWNERS[1:]])
    # --- market_account_week --------------------------------------------------------------------
    frames = []
    for a in ka:
        owners = [o for o in range(5) if not (o == 3 and chan[a] == "EC")]
        for c in range(C):
            for o in owners:
                if o == 0:
                    val, units, vol = ours_val[a, c], ours_units[a, c], ours_vol[a, c]
                else:
                    val = comp_val[a, c, o - 1]
                    units = val / (p_unit[a, c] * rel[o - 1])
                    vol = units * v_unit[a, c]
                frames.append((a, c, o, val, vol, units))
    n = len(frames)
    maw = pd.DataFrame(
        {
            "account_id": str_col(np.repeat([f[0] for f in frames], T), master.acc_ids),
            "category": np.repeat([CATEGORIES[f[1]] for f in frames], T),
            "week_id": np.tile(t, n),
            "brand_owner": np.repeat([OWNERS[f[2]] for f in frames], T),
            "value_incl_vat": np.round(np.concatenate([f[3] for f in frames]), 2),
            "volume_eq": np.round(np.concatenate([f[4] for f in frames]), 3),
            "units": np.round(np.concatenate([f[5] for f in frames]), 2),
            "_a": np.repeat([f[0] for f in frames], T),
            "_c": np.repeat(CAT_RANK[[f[1] for f in frames]], T),
            "_o": np.repeat([f[2] for f in frames], T),
        }
    )
    maw = maw.sort_values(["_a", "_c", "week_id", "_o"], kind="mergesort").drop(
        columns=["_a", "_c", "_o"]
    )
    # --- market_region_period ---------------------------------------------------------------------
    R = len(master.region_ids)
    pk = cal.period_key.astype(str).to_numpy()[:T]
    per_new = np.r_[True, pk[1:] != pk[:-1]]
    per_idx = np.cumsum(per_new) - 1
    per_keys = pk[per_new]
    P = len(per_keys)

    def by_period(x: np.ndarray) -> np.ndarray:
        out = np.zeros((*x.shape[:-1], P))
        for p_i in range(P):
            out[..., p_i] = x[..., per_idx == p_i].sum(axis=-1)
        return out

    # (group 3, R, C, owner 5, P) value and volume
    val = np.zeros((3, R, C, 5, P))
    vol = np.zeros((3, R, C, 5, P))
    price_num = np.zeros((3, R, C, P))
    price_den = np.zeros((3, R, C, P))
    rsp_units = np.zeros((A * C, T))
    rsp_units += group_sum(key, sold_units * master.sku_rsp[ps][:, None], rsp_units.shape[0])
    rsp_units = rsp_units.reshape(A, C, T)
    for a in ka:
        g = 1 if chan[a] == "EC" else 0
        w = master.acc_region_weight[a][:, None, None]
        v0 = by_period(ours_val[a])
        val[g, :, :, 0] += w * v0[None]
        vol[g, :, :, 0] += w * by_period(ours_vol[a])[None]
        price_num[g] += w * v0[None]
        price_den[g] += w * by_period(rsp_units[a])[None]
        for o in range(4):
            cv = by_period(comp_val[a, :, o])
            val[g, :, :, o + 1] += w * cv[None]
            vol[g, :, :, o + 1] += w * by_period(comp_val[a, :, o] / (p_unit[a][:, None] * rel[o])
                                                 * v_unit[a][:, None])[None]  # fmt: skip
    # TT: our in-region offtake; competitors from the clean in-region λ of the distributors
    tt_u = tt.tt_units  # (R, S, T)
    tt_price = master.sku_rsp[None, :, None] * tt.tt_price_index
    tt_val_s = tt_u * tt_price
    for c in range(C):
        sk = master.sku_cat == c
        v_c = tt_val_s[:, sk].sum(axis=1)  # (R, T)
        u_c = (tt_u[:, sk] * (master.sku_vol_eq[sk] / master.sku_upc[sk])[None, :, None]).sum(
            axis=1
        )
        rsp_c = (tt_u[:, sk] * master.sku_rsp[sk][None, :, None]).sum(axis=1)
        val[2, :, c, 0] = by_period(v_c)
        vol[2, :, c, 0] = by_period(u_c)
        price_num[2, :, c] = by_period(v_c)
        price_den[2, :, c] = by_period(rsp_c)
    dist_pairs = np.flatnonzero(master.acc_is_dist[pa])
    clean = np.zeros((R, C, T))
    np.add.at(clean, (master.acc_region[pa[dist_pairs]], cat[dist_pairs]),
              base_clean[dist_pairs])  # fmt: skip
    first_tt = clean[:, :, : min(52, T)].mean(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape_tt = np.where(first_tt[:, :, None] > 0, clean / first_tt[:, :, None], 0.0)
    ours_first = np.zeros((R, C))
    for c in range(C):
        sk = master.sku_cat == c
        ours_first[:, c] = tt_val_s[:, sk, : min(52, T)].sum(axis=1).mean(axis=1)
    split_tt = _split(False)
    # a CHANNEL_MIX_DRIFT's shift of shoppers into or out of traditional trade moves the
    # competitors' TT sales with ours (the region's distributors share one multiplier)
    tt_mult = np.ones((R, T))
    if dem.channel_mult is not None:
        for a in np.flatnonzero(master.acc_is_dist):
            tt_mult[master.acc_region[a]] = dem.channel_mult[a, :T]
    for r in range(R):
        for c in range(C):
            s_0 = comp.tt_share0[r, c]
            total0 = ours_first[r, c] * (1 - s_0) / s_0
            for o in range(4):
                if split_tt[o] == 0:
                    continue
                trend = np.exp((g_cat[c] - 0.02 + comp.trend[0, c, o]) * t / 52.0)
                v = total0 * split_tt[o] * shape_tt[r, c] * trend * tt_mult[r]
                val[2, r, c, o + 1] = by_period(v)
                tot_v, tot_q = val[2, r, c, 0].sum(), vol[2, r, c, 0].sum()
                per_vol = tot_v / tot_q if tot_q > 0 else 1.0
                vol[2, r, c, o + 1] = by_period(v) / (per_vol * rel[o])
    # distribution from the audit panel
    st = master.stores
    panel = st[st.is_audit_panel.to_numpy()].reset_index(drop=True)
    fmt = panel.format.to_numpy()
    grp_of_store = np.where(fmt == "TT_OUTLET", 2, np.where(fmt == "EC_HUB", 1, 0))
    reg_of_store = panel.region_id.map({r: i for i, r in enumerate(master.region_ids)}).to_numpy()
    acv = panel.acv_rmb_k.to_numpy()
    vs, vp = audits.v_store, audits.v_period
    nd = np.full((3, R, C, P), np.nan)
    wd = np.full((3, R, C, P), np.nan)
    for g in range(3):
        for r in range(R):
            m = (grp_of_store[vs] == g) & (reg_of_store[vs] == r)
            if not m.any():
                continue
            for c in range(C):
                if not audits.v_has_cat[:, c].any():
                    continue
                h = audits.v_handling_cat[m, c].astype(float)
                cnt = np.bincount(vp[m], minlength=P).astype(float)
                hit = np.bincount(vp[m], weights=h, minlength=P)
                aw = np.bincount(vp[m], weights=acv[vs[m]], minlength=P)
                ah = np.bincount(vp[m], weights=acv[vs[m]] * h, minlength=P)
                with np.errstate(divide="ignore", invalid="ignore"):
                    nd[g, r, c] = np.where(cnt > 0, hit / cnt, np.nan)
                    wd[g, r, c] = np.where(aw > 0, ah / aw, np.nan)
    rows = []
    groups = ("MT", "EC", "TT")
    for r in range(R):
        for g in range(3):
            for c in range(C):
                for o in range(5):
                    if o == 3 and g != 0:
                        continue
                    if val[g, r, c, :, :].sum() <= 0:
                        continue
                    rows.append((r, g, c, o))
    k = len(rows)
    rr = np.array([x[0] for x in rows])
    gg = np.array([x[1] for x in rows])
    cc = np.array([x[2] for x in rows])
    oo = np.array([x[3] for x in rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        pidx_ours = price_num / price_den
    ours = oo == 0
    pidx = np.where(
        ours[:, None],
        pidx_ours[gg, rr, cc],
        np.array([np.nan, *[PRICE_REL[o] for o in OWNERS[1:]]])[oo][:, None] * np.ones(P),
    )
    mrp = pd.DataFrame(
        {
            "region_id": str_col(np.repeat(rr, P), master.region_ids),
            "channel_group": np.repeat(np.array(groups)[gg], P),
            "category": np.repeat(np.array(CATEGORIES)[cc], P),
            "period_key": np.tile(per_keys, k),
            "brand_owner": np.repeat(np.array(OWNERS)[oo], P),
            "value_incl_vat": np.round(val[gg, rr, cc, oo].ravel(), 2),
            "volume_eq": np.round(vol[gg, rr, cc, oo].ravel(), 3),
            "numeric_dist": np.where(ours[:, None], nd[gg, rr, cc], np.nan).ravel(),
            "weighted_dist": np.where(ours[:, None], wd[gg, rr, cc], np.nan).ravel(),
            "price_index": np.round(pidx.ravel(), 4),
            "_r": np.repeat(master.region_rank[rr], P),
            "_g": np.repeat(gg, P),
            "_c": np.repeat(CAT_RANK[cc], P),
            "_o": np.repeat(oo, P),
        }
    )
    mrp = mrp.sort_values(["_r", "_g", "_c", "period_key", "_o"], kind="mergesort")
    mrp = mrp.drop(columns=["_r", "_g", "_c", "_o"])
    return maw, mrp


def expected_value_share(
    master: Master,
    dem: Demand,
    comp: Competition,
    T: int,
    units: np.ndarray,
    price: np.ndarray,
    inc_units: np.ndarray,
    ranges: list[np.ndarray],
    comp_promo_prob: float,
) -> np.ndarray:
    """(A, len(ranges)) the plan's expected value share of each account over each week range.

    ``units``, ``price`` (incl. VAT) and ``inc_units`` (our non-cannibalised promotional
    increment) are the plan's expected sell-out per pair × week over the extended horizon. Key
    accounts: our value / (ours + :func:`ka_competitor_values` with ``expected=True``), the
    market the retailer's POS data reports. Distributors: our value share of traditional trade in
    their region (in-region offtake of the region's distributors; competitors on the category
    trend, anchored on our expected first-year value as the market stage anchors them on the
    realised one).
    """
    A, C = master.n_acc, len(CATEGORIES)
    pa, ps = dem.pair_a, dem.pair_s
    cat = master.sku_cat[ps]
    key = pa * C + cat
    Te = units.shape[1]
    weeks = np.arange(Te)
    val = np.zeros((A * C, Te))
    val += group_sum(key, units * price, val.shape[0])
    val = val.reshape(A, C, Te)
    inc = np.zeros((A * C, Te))
    inc += group_sum(key, inc_units * 0.8 * price, inc.shape[0])
    inc = inc.reshape(A, C, Te)
    _, first, shape_n = _clean_shape(master, dem, T, weeks)
    comp_v = ka_competitor_values(
        master, comp, first, shape_n, inc, weeks, expected=True, comp_promo_prob=comp_promo_prob
    ).sum(axis=2)  # (A, C, Te)
    out = np.full((A, len(ranges)), np.nan)
    for k, wk in enumerate(ranges):
        o = val[:, :, wk].sum(axis=(1, 2))
        c = comp_v[:, :, wk].sum(axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, k] = np.where(o + c > 0, o / (o + c), np.nan)
    # distributors: traditional trade of their region
    R = len(master.region_ids)
    g_cat = np.array([CATEGORY_PARAMS[c][6] for c in CATEGORIES])
    dp = np.flatnonzero(master.acc_is_dist[pa])
    if len(dp) == 0:
        return out
    reg = master.acc_region[pa[dp]]
    rsp_val = units[dp] * master.sku_rsp[ps[dp]][:, None]
    ours = np.zeros((R, C, Te))
    np.add.at(ours, (reg, cat[dp]), rsp_val)
    base = dem.lam_clean[dp, :Te] * master.sku_rsp[ps[dp]][:, None]
    base = base / np.exp(dem.growth[dp][:, None] * weeks[None, :] / 52.0)
    clean = np.zeros((R, C, Te))
    np.add.at(clean, (reg, cat[dp]), base)
    n1 = min(52, T)
    first_c = clean[:, :, :n1].mean(axis=2)
    ours_first = ours[:, :, :n1].mean(axis=2)
    s0 = comp.tt_share0
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(first_c[:, :, None] > 0, clean / first_c[:, :, None], 0.0)
        total0 = np.where(s0 > 0, ours_first * (1.0 - s0) / s0, 0.0)
    comp_tt = total0[:, :, None] * shape * np.exp((g_cat - 0.02)[None, :, None] * weeks / 52.0)
    for a in np.flatnonzero(master.acc_is_dist):
        r = master.acc_region[a]
        for k, wk in enumerate(ranges):
            o = ours[r][:, wk].sum()
            c = comp_tt[r][:, wk].sum()
            out[a, k] = o / (o + c) if o + c > 0 else np.nan
    return out
