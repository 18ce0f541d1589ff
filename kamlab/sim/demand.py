"""Stage 6 — consumer demand (SPEC §3.3–3.5, §3.7): assortment, baseline λ, promotion response.

For every listed account × SKU pair ``n`` and week ``t``::

    λ[n,t] = stores_a(t) × ros[format_a] × vel_s × ramp_s(t) × season[cat_s, t]
             × event[channel_a, pack_s, t] × exp(g_n × t/52) × (1 − oos_a(t)) × knob_a(t)
    baseline_units = Poisson(λ × exp(σZ − σ²/2)),   σ = 0.15
    demand_units   = baseline_units × M × post-dip × pre-dip × cannibalisation × competitor

``λ`` is the expected baseline *sell-out* (store OOS already applied), which is what
``truth_baseline.expected_baseline_units`` holds. Promotion response ``M`` is
:func:`kamlab.sim.promotions.promo_response`. Post-dip = ρ × incremental over the two weeks
after the event (60/40); cannibalisation takes 20% of incremental units from the other listed
SKUs of the brand at the account, pro rata to baseline; a competitor promotion at the account
and category takes 10% of our sales that week.

Knobs acting here: CHANNEL_MIX_DRIFT (channel multipliers in a region: shoppers move between
channels, so the market stage moves the competitors' sales with ours), DIVERSION (the
source distributor's secondary sales include the diverted volume; target-region distributors
lose 0.8 of it), COMPETITOR_PUSH (our demand at the account erodes; competitor promotions
triple in frequency), PRICE_NONCOMPLIANCE (shelf price below agreed → demand via ε).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.master import CATEGORIES, CATEGORY_PARAMS, CHANNELS, Master
from kamlab.sim.people import People, account_levels
from kamlab.sim.promotions import PromoCalendar, promo_response
from kamlab.sim.scenarios import Knobs
from kamlab.sim.tables import group_sum

__all__ = ["Competition", "Demand", "build_assortment", "build_competition", "build_demand"]

G_CHANNEL = {"HYPER": -0.05, "SUPER": 0.0, "CVS": 0.06, "EC": 0.15, "DIST": -0.02}
COMP_SPLIT = {"COMP_A": 0.35, "COMP_B": 0.20, "PRIVATE_LABEL": 0.10}


@dataclass
class Competition:
    """Competitor draws shared by demand (our loss to their promotions) and market tables."""

    share0: np.ndarray  # (A, C) our starting value share
    promo: np.ndarray  # (A, C, T) bool: a competitor promotes at the account and category
    promo_owner: np.ndarray  # (A, C, T) index 0..2 into COMP_A, COMP_B, PRIVATE_LABEL
    promo_depth: np.ndarray  # (A, C, T)
    trend: np.ndarray  # (A, C, 4) competitor growth deviation per owner (COMP_A, B, PL, OTHERS)
    noise: np.ndarray  # (A, C, 4, T) lognormal noise of competitor values
    push: np.ndarray  # (A, T) ramp 0..1 of a COMPETITOR_PUSH
    push_x: np.ndarray  # (A,) our demand erosion (and competitor gain) at full push
    tt_share0: np.ndarray  # (R, C) our starting share in traditional trade


@dataclass
class Demand:
    """Demand arrays over listed pairs (N) and extended weeks (T_ext)."""

    pair_a: np.ndarray
    pair_s: np.ndarray
    pair_index: np.ndarray  # (A, S) → pair or −1
    lam: np.ndarray  # (N, Te) expected baseline units
    lam_clean: np.ndarray  # (N, Te) before scenario knobs
    exp_plan: np.ndarray  # (N, Te) expected units of the clean model and promotion calendar
    factor: np.ndarray  # (N, Te) promo × dips × cannibalisation × competitor
    factor_clean_promo: np.ndarray  # (N, Te) promo × dips × cannibalisation (no competitor)
    promo_row: np.ndarray  # (N, Te) promotion row or −1
    mult: np.ndarray  # (N, Te) promotion multiplier M (1 off promotion)
    planned_lift: np.ndarray  # (N, Te) what the plan expects (1 + planned uplift) on promo weeks
    base_units: np.ndarray  # (N, T) int64
    demand_units: np.ndarray  # (N, T) float64
    shelf_price: np.ndarray  # (N, Te) incl VAT per unit
    oos: np.ndarray  # (A, Te)
    div_share: np.ndarray  # (N, Te) share of the pair's demand that is diverted
    div_targets: list[dict]  # per diversion knob: target region split
    promo_truth: pd.DataFrame  # per promotion row: inc_units, dip_units, cannib_units
    growth: np.ndarray  # (N,)
    price_gap_pair: np.ndarray | None = None  # (N, Te) PRICE_NONCOMPLIANCE gap per pair
    promo_row_clean: np.ndarray | None = None  # (N, Te) row of the clean calendar or −1
    mult_clean: np.ndarray | None = None  # (N, Te) M of the clean calendar (1 off promotion)
    channel_mult: np.ndarray | None = None  # (A, Te) CHANNEL_MIX_DRIFT shift of shoppers


def poisson_fixed(lam: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Poisson(λ) draws that use exactly one uniform ``u`` and one normal ``z`` per element.

    numpy's Poisson sampler consumes a data-dependent number of random numbers, so changing
    one λ would shift every later draw; this one does not (inversion of the CDF for λ < 40,
    the normal approximation ``round(λ + √λ z)`` above), which keeps a scenario knob at one
    account from changing the noise anywhere else.

    >>> import numpy as np
    >>> poisson_fixed(np.array([0.0, 2.0, 100.0]), np.array([0.5, 0.5, 0.5]), np.zeros(3)).tolist()
    [0, 2, 100]
    """
    lam = np.asarray(lam, dtype=float)
    out = np.empty(lam.shape, dtype=np.int64)
    small = lam < 40.0
    ls = lam[small]
    us = u[small]
    term = np.exp(-ls)
    cdf = term.copy()
    k = np.zeros(ls.shape, dtype=np.int64)
    for i in range(1, 160):
        still = us > cdf
        if not still.any():
            break
        k += still
        term = term * ls / i
        cdf = cdf + term
    out[small] = k
    big = ~small
    lb = lam[big]
    out[big] = np.maximum(0.0, np.floor(lb + np.sqrt(lb) * z[big] + 0.5)).astype(np.int64)
    return out


def build_assortment(cfg: SimConfig, master: Master) -> np.ndarray:
    """(A, S) listing: Bernoulli by tier (A 0.95, B 0.85, C 0.75); distributors carry 0.95."""
    rng = stage_rng(cfg.seed, "MASTER", 1)
    p = cfg.params
    prob = np.select(
        [master.acc_is_dist, master.acc_tier == "A", master.acc_tier == "B"],
        [0.95, p.list_prob_a, p.list_prob_b],
        p.list_prob_c,
    )
    listed = rng.random((master.n_acc, master.n_sku)) < prob[:, None]
    # every account lists its best seller of each brand; gift boxes rarely in convenience
    cvs = np.array([CHANNELS[c] == "CVS" for c in master.acc_channel])
    listed[np.ix_(cvs, master.sku_pack == "GIFT_BOX")] = False
    for b in range(4):
        in_b = np.flatnonzero(master.sku_brand == b)
        if len(in_b):
            best = in_b[np.argmax(master.sku_vel[in_b])]
            listed[:, best] = True
    return listed


def build_competition(
    cfg: SimConfig, master: Master, knobs: Knobs, n_weeks_ext: int
) -> Competition:
    """Competitor draws (stream COMPETITION): shares, promotions, trends, COMPETITOR_PUSH ramp."""
    rng = stage_rng(cfg.seed, "COMPETITION")
    A, C, T = master.n_acc, len(CATEGORIES), n_weeks_ext
    share0 = rng.uniform(0.10, 0.30, size=(A, C))
    u = rng.random((A, C, T))
    owner = rng.integers(0, 3, size=(A, C, T))
    depth = rng.uniform(0.15, 0.25, size=(A, C, T))
    trend = rng.uniform(-0.03, 0.03, size=(A, C, 4))
    noise = rng.lognormal(-0.5 * 0.08**2, 0.08, size=(A, C, 4, T))
    tt_share0 = rng.uniform(0.10, 0.30, size=(len(master.region_ids), C))
    push = np.zeros((A, T))
    push_x = np.zeros(A)
    for a, k in knobs.comp_push.items():
        lo, hi = k["lo"], k["hi"]
        ramp = np.clip((np.arange(T) - lo + 1) / (hi - lo + 1), 0, 1)
        push[a] = ramp
        s = float(share0[a].mean())
        push_x[a] = k["share_drop"] / (2.0 * s * (1.0 - s))
    prob = cfg.params.comp_promo_prob * (1.0 + 2.0 * push[:, None, :])
    return Competition(
        share0=share0,
        promo=u < prob,
        promo_owner=owner,
        promo_depth=depth,
        trend=trend,
        noise=noise,
        push=push,
        push_x=push_x,
        tt_share0=tt_share0,
    )


def _event_table(cal: pd.DataFrame, ev_weeks: dict[str, np.ndarray]) -> np.ndarray:
    """(channel 5, pack class 3 [gift, multipack, other], T) event multipliers (SPEC §3.3)."""
    T = len(cal)
    ev = np.ones((len(CHANNELS), 3, T))
    mt = [CHANNELS.index(c) for c in ("HYPER", "SUPER", "CVS")]
    ec = CHANNELS.index("EC")

    def at(w: int, off: int) -> int | None:
        i = w + off
        return i if 0 <= i < T else None

    for w in ev_weeks.get("SPRING_FESTIVAL", []):
        for off, gift, other in ((-2, 3.0, 1.3), (-1, 3.0, 1.3), (0, 1.5, 0.9), (1, 0.6, 0.8)):
            i = at(w, off)
            if i is not None:
                ev[:, 0:2, i] *= gift
                ev[:, 2, i] *= other
    for code, m in (("E618", 2.5), ("D11", 4.0), ("D12", 1.5)):
        for w in ev_weeks.get(code, []):
            i = at(w, 0)
            if i is not None:
                ev[ec, :, i] *= m
            if code == "D11":
                j = at(w, -1)
                if j is not None:
                    ev[ec, :, j] *= 0.8
    for code in ("LABOUR_DAY", "NATIONAL_DAY"):
        for w in ev_weeks.get(code, []):
            i = at(w, 0)
            if i is not None:
                ev[mt, :, i] *= 1.15
    for w in ev_weeks.get("MID_AUTUMN", []):
        for off in (-1, 0):
            i = at(w, off)
            if i is not None:
                ev[:, 0, i] *= 1.8
    return ev


def build_demand(
    cfg: SimConfig,
    master: Master,
    people: People,
    cal: pd.DataFrame,
    ev_weeks: dict[str, np.ndarray],
    listed: np.ndarray,
    promos: PromoCalendar,
    comp: Competition,
    knobs: Knobs,
    promos_clean: PromoCalendar | None = None,
) -> Demand:
    """Stage 6 (stream DEMAND): λ, noise, promotion response, dips, cannibalisation."""
    p = cfg.params
    rng = stage_rng(cfg.seed, "DEMAND")
    A, S = listed.shape
    Te = len(cal)
    T = cfg.n_weeks
    pair_a, pair_s = np.nonzero(listed)
    N = len(pair_a)
    pair_index = np.full((A, S), -1, dtype=np.int64)
    pair_index[pair_a, pair_s] = np.arange(N)
    t = np.arange(Te)
    # --- draws (fixed shapes) -------------------------------------------------------------
    m_oos = p.oos_mean
    oos_base = rng.beta(m_oos * p.oos_kappa, (1 - m_oos) * p.oos_kappa, size=A)
    g_noise = rng.normal(0.0, p.growth_sd, size=(A, S))
    z = rng.standard_normal((A, S, T))
    pois_u = rng.random((A, S, T))
    pois_z = rng.standard_normal((A, S, T))
    # --- stores open per account and week ---------------------------------------------------
    st = master.stores
    stores_t = np.tile(master.acc_outlets[:, None], (1, Te)).astype(float)
    acc_pos = {a: i for i, a in enumerate(master.acc_ids)}
    mt_mask = st.format.isin(["HYPER", "SUPER", "CVS", "EC_HUB"]).to_numpy()
    st_acc = st.account_id.to_numpy()[mt_mask]
    st_open = st.open_week.to_numpy()[mt_mask]
    for a_id in np.unique(st_acc):
        a = acc_pos[a_id]
        ow = np.sort(st_open[st_acc == a_id])
        stores_t[a] = np.searchsorted(ow, t, side="right")
    # --- λ components -------------------------------------------------------------------------
    ros = np.array([p.ros_hyper, p.ros_super, p.ros_cvs, p.ros_ec_hub, p.ros_tt])
    ros_a = ros[master.acc_channel]
    woy = cal.week_of_year.to_numpy()
    amp = np.array([CATEGORY_PARAMS[c][4] for c in CATEGORIES])
    peak = np.array([CATEGORY_PARAMS[c][5] for c in CATEGORIES])
    season = 1 + amp[:, None] * np.cos(2 * np.pi * (woy[None, :] - peak[:, None]) / 52)
    ev = _event_table(cal, ev_weeks)
    pack_cls = np.where(
        master.sku_pack == "GIFT_BOX", 0, np.where(master.sku_pack == "MULTIPACK", 1, 2)
    )
    launch = master.sku_launch
    ramp = np.where(launch[:, None] < 0, 1.0, np.clip((t[None, :] - launch[:, None] + 1) / 8, 0, 1))
    g_cat = np.array([CATEGORY_PARAMS[c][6] for c in CATEGORIES])
    g_ch = np.array([G_CHANNEL[c] for c in CHANNELS])
    growth = g_cat[master.sku_cat][None, :] + g_ch[master.acc_channel][:, None] + g_noise
    c7 = account_levels(people, 7)
    oos = np.clip(oos_base[:, None] - 0.01 * (c7 - 2), 0.02, 0.20)
    pa, ps = pair_a, pair_s
    lam_clean = (
        (stores_t[pa] * ros_a[pa, None])
        * master.sku_vel[ps, None]
        * ramp[ps]
        * season[master.sku_cat[ps]]
        * ev[master.acc_channel[pa], pack_cls[ps]]
        * np.exp(growth[pa, ps][:, None] * t[None, :] / 52.0)
        * (1.0 - oos[pa])
    )
    eps = master.sku_elasticity[ps]
    # --- the plan: expected demand of the clean model with the clean promotion calendar -----
    if promos_clean is None:
        promos_clean = promos
    eff_plan = promo_effects(p, master, promos_clean, pair_index, pa, ps, lam_clean, Te)
    exp_plan = lam_clean * eff_plan.factor
    # --- knob multipliers on our demand ---------------------------------------------------
    knob = np.ones((A, Te))
    knob *= 1.0 - comp.push_x[:, None] * comp.push
    gap = knobs.price_gap
    lam = lam_clean * knob[pa]
    if gap is not None and np.any(gap):
        lam *= np.power(1.0 + gap[pa], eps[:, None])
    # diversion: source distributor's secondary sales include diverted volume
    div_share = np.zeros((N, Te))
    div_targets = []
    for d in knobs.diversion:
        src = d["source"]
        f = d["f"]
        on_t = t >= d["start"]
        src_pairs = np.flatnonzero(pa == src)
        div_units = np.zeros((S, Te))
        div_units[ps[src_pairs]] = lam[src_pairs] * (f / (1.0 - f)) * on_t[None, :]
        lam[src_pairs] += div_units[ps[src_pairs]]
        div_share[src_pairs] = np.where(on_t[None, :], f, 0.0)
        tgt = d["target_accounts"]
        regions = d["targets"]
        # split diverted volume over target regions ∝ their distributors' clean demand
        w_reg = np.zeros((len(regions), S, Te))
        for k, r in enumerate(regions):
            for ta in tgt:
                if master.accounts.at[ta, "hq_region_id"] != r:
                    continue
                tp = np.flatnonzero(pa == ta)
                w_reg[k, ps[tp]] += lam[tp]
        tot = w_reg.sum(axis=0)
        split = np.divide(
            w_reg, tot[None], out=np.full_like(w_reg, 1.0 / len(regions)), where=tot[None] > 0
        )
        for ta in tgt:
            tp = np.flatnonzero(pa == ta)
            loss = (
                0.8
                * div_units[ps[tp]]
                * np.divide(lam[tp], tot[ps[tp]], out=np.zeros_like(lam[tp]), where=tot[ps[tp]] > 0)
            )
            lam[tp] = np.maximum(0.2 * lam[tp], lam[tp] - loss)
        div_targets.append({"source": src, "regions": regions, "split": split})
    # channel-mix drift: scale the region's channels so the actual mix = plan + drift
    eff = promo_effects(p, master, promos, pair_index, pa, ps, lam, Te)
    drift = np.ones((A, Te))
    if knobs.channel_drift:
        for d in knobs.channel_drift:
            _apply_channel_drift(d, master, exp_plan, lam * eff.factor, pa, ps, drift)
        lam = lam * drift[pa]
        eff = promo_effects(p, master, promos, pair_index, pa, ps, lam, Te)
    # pack-mix drift: the deep value-pack promotions (promotion stage) plus a shift of the
    # account's pack demand so that the expected share = plan + pp over the drift year
    if knobs.pack_drift:
        shift = np.ones((N, Te))
        for a, d in knobs.pack_drift.items():
            _apply_pack_drift(a, d, master, exp_plan, lam * eff.factor, pa, ps, shift)
        lam = lam * shift
        eff = promo_effects(p, master, promos, pair_index, pa, ps, lam, Te)
    row, on, rr = eff.row, eff.on, eff.rr
    mult = eff.mult
    cons_depth_r, mech_r = eff.cons_depth_r, eff.mech_r
    n_rows = len(promos.rows)
    cat = master.sku_cat[ps]
    comp_f = np.where(comp.promo[pa, cat], p.comp_promo_effect, 1.0)
    factor_promo = eff.factor
    factor = factor_promo * comp_f
    # --- realised demand --------------------------------------------------------------------
    zz = z[pa, ps]
    sd = p.demand_sigma
    base_units = poisson_fixed(
        lam[:, :T] * np.exp(sd * zz - 0.5 * sd * sd), pois_u[pa, ps], pois_z[pa, ps]
    )
    demand_units = base_units * factor[:, :T]
    # --- plan expectation and shelf price -----------------------------------------------------
    bias_r = promos.plan_bias if n_rows else np.ones(1)
    planned_lift = np.where(on, 1.0 + (mult - 1.0) * bias_r[rr], 1.0)
    price_depth = np.where(on & (mech_r[rr] != "GWP"), cons_depth_r[rr], 0.0)
    shelf = master.sku_rsp[ps][:, None] * (1.0 - price_depth)
    if gap is not None and np.any(gap):
        shelf = shelf * (1.0 + gap[pa])
    truth = pd.DataFrame(
        {"inc_units": eff.inc_r, "dip_units": eff.dip_r, "cannib_units": eff.cannib_r}
    )
    return Demand(
        pair_a=pa,
        pair_s=ps,
        pair_index=pair_index,
        lam=lam,
        lam_clean=lam_clean,
        exp_plan=exp_plan,
        factor=factor,
        factor_clean_promo=factor_promo,
        promo_row=row,
        mult=mult,
        planned_lift=planned_lift,
        base_units=base_units.astype(np.int64),
        demand_units=demand_units,
        shelf_price=shelf,
        oos=oos,
        div_share=div_share,
        div_targets=div_targets,
        promo_truth=truth,
        growth=growth[pa, ps],
        price_gap_pair=gap[pa] if gap is not None and np.any(gap) else None,
        promo_row_clean=eff_plan.row,
        mult_clean=eff_plan.mult,
        channel_mult=drift,
    )


@dataclass
class PromoEffects:
    """Promotion response of a calendar on a demand λ (SPEC §3.4), per pair × week."""

    row: np.ndarray  # (N, Te) active promotion row or −1
    on: np.ndarray
    rr: np.ndarray
    mult: np.ndarray  # M
    factor: np.ndarray  # M × post-dip × pre-dip × cannibalisation
    cons_depth_r: np.ndarray
    mech_r: np.ndarray
    inc_r: np.ndarray  # expected incremental units per promotion row
    dip_r: np.ndarray
    cannib_r: np.ndarray


def promo_effects(
    p: object,
    master: Master,
    promos: PromoCalendar,
    pair_index: np.ndarray,
    pa: np.ndarray,
    ps: np.ndarray,
    lam: np.ndarray,
    Te: int,
) -> PromoEffects:
    """The promotion model on λ: ``M``, post-dips (ρ × incremental, 60/40), 3% pre-dip before
    featured events, 20% cannibalisation of the brand's other listed SKUs (pro rata to λ).
    """
    N = len(pa)
    df = promos.rows
    n_rows = len(df)
    row = np.full((N, Te), -1, dtype=np.int64)
    live = ~df["cancelled"].to_numpy(dtype=bool) if n_rows else np.zeros(0, dtype=bool)
    r_pair = (
        pair_index[df["a"].to_numpy(dtype=np.int64), df["s"].to_numpy(dtype=np.int64)]
        if n_rows
        else np.zeros(0, np.int64)
    )
    starts = df["start"].to_numpy(dtype=np.int64) if n_rows else np.zeros(0, np.int64)
    ends = df["end"].to_numpy(dtype=np.int64) if n_rows else np.zeros(0, np.int64)
    ok = np.flatnonzero(live & (r_pair >= 0))
    if len(ok):
        e = np.minimum(ends[ok], Te - 1)
        span = np.maximum(0, e - starts[ok] + 1)
        rep = np.repeat(ok, span)
        off = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        row[r_pair[rep], starts[rep] + off] = rep
    on = row >= 0
    rr = np.where(on, row, 0)
    depth_r = df["depth"].to_numpy(dtype=float) if n_rows else np.zeros(1)
    mech_r = df["mechanic"].to_numpy() if n_rows else np.array(["TPR"])
    disp_r = df["display"].to_numpy() if n_rows else np.array(["NONE"])
    feat_r = df["feature"].to_numpy() if n_rows else np.array(["NONE"])
    cons_depth_r = np.where(mech_r == "TRADE_DEAL", 0.5 * depth_r, depth_r)
    eps = master.sku_elasticity[ps]
    disp_mult_r = np.ones(len(depth_r))
    feat_mult_r = np.ones(len(depth_r))
    if n_rows:
        s_r = df["s"].to_numpy(dtype=np.int64)
        share = master.display_share(p)[df["a"].to_numpy(dtype=np.int64)]
        disp_mult_r = np.where(
            disp_r == "ENDCAP",
            1 + share * (master.sku_endcap[s_r] - 1),
            np.where(disp_r == "FLOOR_STACK", 1 + share * (master.sku_floorstack[s_r] - 1), 1.0),
        )
        feat_mult_r = np.where(feat_r != "NONE", master.sku_feature[s_r], 1.0)
    mult = np.where(
        on,
        promo_response(np.where(on, cons_depth_r[rr], 0.0), eps[:, None])
        * np.where(on, disp_mult_r[rr], 1.0)
        * np.where(on, feat_mult_r[rr], 1.0),
        1.0,
    )
    inc = lam * (mult - 1.0)
    dip = np.zeros((N, Te))
    pre = np.ones((N, Te))
    inc_r = np.bincount(rr[on], weights=inc[on], minlength=n_rows) if n_rows else np.zeros(0)
    dip_r = np.zeros(n_rows)
    if n_rows:
        rho = promos.rho
        dip_r[ok] = rho[ok] * inc_r[ok]
        for off, share_d in ((1, 0.6), (2, 0.4)):
            w = ends[ok] + off
            m = w < Te
            np.add.at(dip, (r_pair[ok][m], w[m]), share_d * dip_r[ok][m])
        fe = ok[(feat_r[ok] != "NONE") & (starts[ok] >= 1)]
        np.multiply.at(pre, (r_pair[fe], starts[fe] - 1), 0.97)
    dip = np.minimum(dip, 0.7 * lam)
    # cannibalisation within account × brand (pairs are contiguous by account then brand)
    grp = pa * 4 + master.sku_brand[ps]
    bounds = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    inc_g = np.add.reduceat(inc, bounds, axis=0)
    recv = np.where(on, 0.0, lam)
    recv_g = np.add.reduceat(recv, bounds, axis=0)
    g_of = np.cumsum(np.r_[True, grp[1:] != grp[:-1]]) - 1
    has_recv = recv_g > 0
    cann = p.cannibalisation  # type: ignore[attr-defined]
    take = cann * inc_g * has_recv
    cannib = np.divide(
        recv * take[g_of], recv_g[g_of], out=np.zeros_like(recv), where=recv_g[g_of] > 0
    )
    cannib = np.minimum(cannib, 0.5 * lam)
    cannib_r = np.zeros(n_rows)
    if n_rows:
        gave = cann * inc * has_recv[g_of]
        cannib_r = np.bincount(rr[on], weights=gave[on], minlength=n_rows)
    safe = np.where(lam > 0, lam, 1.0)
    dip_f = np.where(lam > 0, 1.0 - dip / safe, 1.0)
    can_f = np.where(lam > 0, 1.0 - cannib / safe, 1.0)
    return PromoEffects(
        row=row,
        on=on,
        rr=rr,
        mult=mult,
        factor=mult * dip_f * can_f * pre,
        cons_depth_r=cons_depth_r,
        mech_r=mech_r,
        inc_r=inc_r,
        dip_r=dip_r,
        cannib_r=cannib_r,
    )


def _apply_channel_drift(
    d: dict,
    master: Master,
    exp_plan: np.ndarray,
    exp_now: np.ndarray,
    pa: np.ndarray,
    ps: np.ndarray,
    out: np.ndarray,
) -> None:
    """CHANNEL_MIX_DRIFT: multipliers so the region's ``channel`` share = plan + drift, total kept.

    Shares are of expected volume (litres / kg, ``volume_eq``) among accounts headquartered in
    the region (the REGION scope of ``mix_plan``): ``p_plan`` over the plan year of the clean
    plan; ``p_now`` week by week (13-week centred mean) from demand as the other knobs leave it
    (a diversion may already move it). The drift ramps linearly to ``pp`` at the year end.
    """
    r = list(master.region_ids).index(d["region"])
    lo, hi = d["lo"], d["hi"]
    in_r = master.acc_region == r
    is_ch = master.acc_channel == CHANNELS.index(d["channel"])
    veq = (master.sku_vol_eq / master.sku_upc)[ps][:, None]
    Te = out.shape[1]

    def weekly(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = np.zeros((master.n_acc, Te))
        v += group_sum(pa, x * veq, v.shape[0])
        return v[in_r & is_ch].sum(axis=0), v[in_r].sum(axis=0)

    ch_p, tot_p = weekly(exp_plan)
    if tot_p[lo : hi + 1].sum() <= 0:
        return
    p_plan = float(ch_p[lo : hi + 1].sum() / tot_p[lo : hi + 1].sum())
    ch_n, tot_n = weekly(exp_now)
    k = np.ones(13) / 13
    ch_s = np.convolve(np.pad(ch_n, 6, mode="edge"), k, mode="valid")
    tot_s = np.convolve(np.pad(tot_n, 6, mode="edge"), k, mode="valid")
    p_now = np.divide(ch_s, tot_s, out=np.full(Te, p_plan), where=tot_s > 0)
    if not (0 < p_plan < 1) or np.any((p_now <= 0) | (p_now >= 1)):
        return
    t = np.arange(Te)
    ramp = np.clip((t - lo + 1) / (hi - lo + 1), 0, 1)
    target = np.where(t >= lo, p_plan + d["pp"] * ramp, p_now)
    out[in_r & is_ch] *= (target / p_now)[None, :]
    out[in_r & ~is_ch] *= ((1 - target) / (1 - p_now))[None, :]
    d["p_plan"] = p_plan


def _apply_pack_drift(
    a: int,
    d: dict,
    master: Master,
    exp_plan: np.ndarray,
    exp_now: np.ndarray,
    pa: np.ndarray,
    ps: np.ndarray,
    out: np.ndarray,
) -> None:
    """PACK_MIX_DRIFT: scale account ``a``'s pack demand so its volume share of ``pack_type``
    is plan + ``pp`` through the drift year (week by week, 13-week centred), total kept."""
    prs = np.flatnonzero(pa == a)
    if len(prs) == 0:
        return
    lo, hi = d["lo"], d["hi"]
    veq = (master.sku_vol_eq / master.sku_upc)[ps[prs]][:, None]
    is_p = master.sku_pack[ps[prs]] == d["pack_type"]
    if not is_p.any() or is_p.all():
        return
    plan = exp_plan[prs] * veq
    p_plan = float(plan[is_p, lo : hi + 1].sum() / plan[:, lo : hi + 1].sum())
    now = exp_now[prs] * veq
    k = np.ones(13) / 13
    num = np.convolve(np.pad(now[is_p].sum(axis=0), 6, mode="edge"), k, mode="valid")
    den = np.convolve(np.pad(now.sum(axis=0), 6, mode="edge"), k, mode="valid")
    Te = out.shape[1]
    p_now = np.divide(num, den, out=np.full(Te, p_plan), where=den > 0)
    t = np.arange(Te)
    on = (t >= lo) & (t <= hi)
    target = np.where(on, np.minimum(0.95, p_plan + d["pp"]), p_now)
    ok = (p_now > 0) & (p_now < 1)
    up = np.where(ok, target / np.where(ok, p_now, 1.0), 1.0)
    down = np.where(ok, (1 - target) / np.where(ok, 1 - p_now, 1.0), 1.0)
    out[prs[is_p]] *= up[None, :]
    out[prs[~is_p]] *= down[None, :]
    d["p_plan"] = p_plan
