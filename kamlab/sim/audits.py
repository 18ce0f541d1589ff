"""Stage 10 — store audits (SPEC §3.9).

Panel: 20 stores per KA account (all if fewer) + 40 TT outlets per region; one visit per fiscal
period in a random week of it. Per must-stock SKU: listed ~ Bernoulli(account compliance
U(0.85, 0.98)) where the account carries the SKU; on shelf ~ Bernoulli(1 − oos − 0.3 × [account
WOC < 1]); facings share ~ Beta(mean = value share × (0.9 + 0.05 (C7 − 1)), κ = 30); planogram
compliant ~ Binomial(10, Beta(0.65 + 0.07 (C7 − 1), κ = 20)); shelf price = agreed price ×
(1 + N(0, 0.02)) (+ PRICE_NONCOMPLIANCE gap), ``price_ok`` when within ±5 %; displays found ~
Binomial(contracted, 0.85 + 0.03 (C7 − 2)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.demand import Demand
from kamlab.sim.master import Master
from kamlab.sim.people import People, account_levels
from kamlab.sim.tables import id_col, str_col

__all__ = ["AuditResult", "build_audits"]


@dataclass
class AuditResult:
    visits: pd.DataFrame
    skus: pd.DataFrame
    # per visit arrays for the market stage (distribution)
    v_store: np.ndarray
    v_period: np.ndarray
    v_handling_cat: np.ndarray  # (V, C) bool: a must-stock SKU of the category found on shelf
    v_has_cat: np.ndarray  # (V, C) bool: the category has must-stock SKUs at all


def build_audits(
    cfg: SimConfig,
    master: Master,
    people: People,
    cal: pd.DataFrame,
    dem: Demand,
    acc_woc: np.ndarray,
    promo_display: np.ndarray,
    share_ref: np.ndarray,
) -> AuditResult:
    """Stage 10 (stream AUDIT).

    ``acc_woc`` (A, T) account weeks of cover; ``promo_display`` (A, T) number of display
    events active at the account; ``share_ref`` (A,) the account's value share (facings anchor).
    """
    rng = stage_rng(cfg.seed, "AUDIT")
    T = cfg.n_weeks
    st = master.stores
    panel = st[st.is_audit_panel.to_numpy()].reset_index(drop=True)
    n_st = len(panel)
    acc_pos = {a: i for i, a in enumerate(master.acc_ids)}
    st_acc = panel.account_id.map(acc_pos).to_numpy()
    st_open = panel.open_week.to_numpy()
    pk = cal.period_key.astype(str).to_numpy()[:T]
    per_new = np.r_[True, pk[1:] != pk[:-1]]
    per_start = np.flatnonzero(per_new)
    per_len = np.diff(np.r_[per_start, T])
    P = len(per_start)
    must = np.flatnonzero(master.sku_must)
    M = len(must)
    # draws with shapes fixed by the panel and periods
    compliance = rng.uniform(0.85, 0.98, size=master.n_acc)
    wk_u = rng.random((P, n_st))
    u_list = rng.random((P, n_st, M))
    u_shelf = rng.random((P, n_st, M))
    u_face = rng.poisson(2.0, size=(P, n_st, M))
    z_price = rng.normal(0.0, 0.02, size=(P, n_st, M))
    u_share = rng.random((P, n_st))
    u_pog = rng.random((P, n_st))
    u_pogb = rng.random((P, n_st, 10))
    u_disp = rng.random((P, n_st, 4))
    u_dispb = rng.random((P, n_st, 4))
    # visit week per period and store
    week = per_start[:, None] + np.floor(wk_u * per_len[:, None]).astype(int)
    open_ok = st_open[None, :] <= week
    c7 = account_levels(people, 7)[:, :T]
    owner_w = people.owner_week[:, :T]  # type: ignore[index]
    vp, vs = np.nonzero(open_ok)  # period-major, then store order
    V = len(vp)
    w = week[vp, vs]
    a = st_acc[vs]
    lv = c7[a, w]
    # listed: account carries the SKU and the store complies
    carried = dem.pair_index[a][:, must] >= 0  # (V, M)
    listed = carried & (u_list[vp, vs] < compliance[a][:, None])
    oos = dem.oos[a, w]
    p_shelf = 1.0 - oos - 0.3 * (acc_woc[a, w] < 1.0)
    on_shelf = listed & (u_shelf[vp, vs] < p_shelf[:, None])
    facings = np.where(on_shelf, 1 + u_face[vp, vs], 0)
    mean_sh = np.clip(share_ref[a] * (0.9 + 0.05 * (lv - 1)), 0.02, 0.95)
    kappa = 30.0
    # Beta quantile by a fixed-draw approximation: normal on the logit scale
    sd = np.sqrt(mean_sh * (1 - mean_sh) / (kappa + 1))
    sh = np.clip(mean_sh + sd * _norm_ppf(u_share[vp, vs]), 0.02, 0.95)
    fac_ours = facings.sum(axis=1)
    fac_cat = np.maximum(fac_ours, np.round(fac_ours / sh)).astype(np.int64)
    pog_mean = np.clip(0.65 + 0.07 * (lv - 1), 0.05, 0.95)
    pog_sd = np.sqrt(pog_mean * (1 - pog_mean) / 21.0)
    pog_p = np.clip(pog_mean + pog_sd * _norm_ppf(u_pog[vp, vs]), 0.0, 1.0)
    pog = (u_pogb[vp, vs] < pog_p[:, None]).sum(axis=1)
    # agreed price: promoted price when the SKU is on promotion at the account that week
    pair = dem.pair_index[a][:, must]
    safe = np.where(pair >= 0, pair, 0)
    agreed = np.where(pair >= 0, dem.shelf_price[safe, w[:, None]], master.sku_rsp[must][None, :])
    # the realised shelf price includes any PRICE_NONCOMPLIANCE gap (dem.shelf_price); the
    # agreed price is the promotion price without the gap
    agreed_clean = np.where(
        pair >= 0,
        dem.shelf_price[safe, w[:, None]] / (1.0 + _gap_at(dem, safe, w)),
        master.sku_rsp[must][None, :],
    )
    shelf_price = agreed * (1.0 + z_price[vp, vs])
    price_ok = on_shelf & (np.abs(shelf_price / agreed_clean - 1.0) <= 0.05 + 1e-9)
    n_contract = np.minimum(4, (u_disp[vp, vs] < master.display_share(cfg.params)[a][:, None]).astype(int).cumsum(axis=1)[
        np.arange(V), np.clip(promo_display[a, w] - 1, 0, 3)] * (promo_display[a, w] > 0))  # fmt: skip
    p_found = np.clip(0.85 + 0.03 * (lv - 2), 0.0, 1.0)
    found = (
        (u_dispb[vp, vs] < p_found[:, None]) & (np.arange(4)[None, :] < n_contract[:, None])
    ).sum(axis=1)
    visit_ids = id_col("V", V, 7)
    is_tt = panel.format.to_numpy()[vs] == "TT_OUTLET"
    auditor = np.where(is_tt, people.owner[a], owner_w[a, w])
    visits = pd.DataFrame(
        {
            "visit_id": visit_ids,
            "store_id": panel.store_id.to_numpy()[vs],
            "account_id": str_col(a, master.acc_ids),
            "week_id": w,
            "auditor_kam_id": str_col(auditor, people.person_ids),
            "must_stock_n": np.full(V, M),
            "listed_n": listed.sum(axis=1),
            "on_shelf_n": on_shelf.sum(axis=1),
            "oos_n": (listed & ~on_shelf).sum(axis=1),
            "facings_ours": fac_ours,
            "facings_category": fac_cat,
            "pog_checkpoints": np.full(V, 10),
            "pog_compliant": pog,
            "price_checks_n": on_shelf.sum(axis=1),
            "price_compliant_n": price_ok.sum(axis=1),
            "contracted_displays_n": n_contract,
            "displays_found_n": found,
        }
    )
    skus = pd.DataFrame(
        {
            "visit_id": visit_ids.take(np.repeat(np.arange(V), M)),
            "sku_id": str_col(np.tile(must, V), master.sku_ids),
            "listed": listed.ravel(),
            "on_shelf": on_shelf.ravel(),
            "facings": facings.ravel(),
            "shelf_price_incl_vat": np.where(on_shelf, np.round(shelf_price, 2), np.nan).ravel(),
            "price_ok": price_ok.ravel(),
        }
    )
    cat_of_must = master.sku_cat[must]
    handling = np.zeros((V, 4), dtype=bool)
    has = np.zeros((V, 4), dtype=bool)
    for c in range(4):
        mc = cat_of_must == c
        if mc.any():
            handling[:, c] = on_shelf[:, mc].any(axis=1)
            has[:, c] = True
    return AuditResult(
        visits=visits,
        skus=skus,
        v_store=vs,
        v_period=vp,
        v_handling_cat=handling,
        v_has_cat=has,
    )


def _gap_at(dem: Demand, pair: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The PRICE_NONCOMPLIANCE gap behind each realised shelf price (0 when none)."""
    return dem.price_gap_pair[pair, w[:, None]] if dem.price_gap_pair is not None else 0.0


def _norm_ppf(u: np.ndarray) -> np.ndarray:
    """Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9)."""
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    a = [
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    ]
    b = [
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    ]
    c = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    ]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00]
    out = np.empty_like(u)
    lo = u < 0.02425
    hi = u > 1 - 0.02425
    mid = ~(lo | hi)
    q = np.sqrt(-2 * np.log(u[lo]))
    out[lo] = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
        (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
    )
    q = np.sqrt(-2 * np.log(1 - u[hi]))
    out[hi] = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
        (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
    )
    q = u[mid] - 0.5
    r = q * q
    out[mid] = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    return out
