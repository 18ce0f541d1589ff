"""Stage 8 — distributors and traditional trade (SPEC §3.7): in-region TT offtake, diversion
flows, shelf-price checks and batch-code traces.

A distributor's "sell-out" (DMS secondary sales) is in-region TT consumer offtake plus any
diverted volume sold to wholesalers and consumed in the target regions. In-region offtake per
region (our brand) = its distributors' non-diverted secondary sales + diverted inflows; it feeds
``market_region_period`` (TT rows), independent of what distributors report.

``price_checks``: TT price index ~ N(1.0, 0.02) per region × SKU × week, lowered in diversion
target regions by ``min(0.15, 0.5 × diverted share of the target market)``; MT price index from
realised shelf prices of the accounts' stores in the region (noise 1%). ``code_traces``: 50 packs
per region per period, origins ~ Multinomial over the true supply shares of TT offtake there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.demand import Demand
from kamlab.sim.master import CHANNELS, Master
from kamlab.sim.tables import cat_col, group_sum, str_col

__all__ = ["TTResult", "build_tt"]


@dataclass
class TTResult:
    tt_units: np.ndarray  # (R, S, T) in-region TT consumer offtake of our SKUs, units
    tt_price_index: np.ndarray  # (R, S, T)
    diverted: np.ndarray  # (A, R, T) cases diverted by source distributor into region
    price_checks: pd.DataFrame
    code_traces: pd.DataFrame
    truth_diversion: pd.DataFrame


def build_tt(
    cfg: SimConfig,
    master: Master,
    cal: pd.DataFrame,
    dem: Demand,
    sold_units: np.ndarray,
) -> TTResult:
    """Stage 8 (streams DISTRIBUTORS and PRICES)."""
    T = cfg.n_weeks
    A, S = master.n_acc, master.n_sku
    R = len(master.region_ids)
    pa, ps = dem.pair_a, dem.pair_s
    upc = master.sku_upc[ps]
    is_dist_pair = master.acc_is_dist[pa]
    reg_of_acc = master.acc_region
    div_share = dem.div_share[:, :T]
    in_region = sold_units * (1.0 - div_share)
    diverted_units = sold_units * div_share
    dp = np.flatnonzero(is_dist_pair)
    tt = group_sum(reg_of_acc[pa[dp]] * S + ps[dp], in_region[dp], R * S).reshape(R, S, T)
    diverted = np.zeros((A, R, T))
    for d in dem.div_targets:
        src = d["source"]
        prs = np.flatnonzero(pa == src)
        split = d["split"][:, :, :T]  # (k, S, T)
        for k, r in enumerate(d["regions"]):
            ri = list(master.region_ids).index(r)
            flow_u = diverted_units[prs] * split[k, ps[prs]]
            tt[ri, ps[prs]] += flow_u
            diverted[src, ri] += (flow_u / upc[prs][:, None]).sum(axis=0)
    # --- price index in TT (stream PRICES) --------------------------------------------------
    rng = stage_rng(cfg.seed, "PRICES")
    idx_tt = rng.normal(1.0, 0.02, size=(R, S, T))
    idx_mt = rng.normal(1.0, 0.01, size=(R, S, T))
    n_tt = rng.poisson(10, size=(R, S, T)) + 3
    n_mt = rng.poisson(8, size=(R, S, T)) + 2
    min_u = rng.uniform(0.02, 0.06, size=(R, 2, S, T))
    tot_units_r = tt.sum(axis=1)  # (R, T)
    # diverted share of each target region's TT market (units), smoothed over 4 weeks
    div_units_r = np.zeros((R, T))
    for d in dem.div_targets:
        prs = np.flatnonzero(pa == d["source"])
        split = d["split"][:, :, :T]
        for k, r in enumerate(d["regions"]):
            ri = list(master.region_ids).index(r)
            div_units_r[ri] += (diverted_units[prs] * split[k, ps[prs]]).sum(axis=0)
    kern = np.ones(4) / 4
    sm_div = np.stack([np.convolve(x, kern, mode="full")[:T] for x in div_units_r])
    sm_tot = np.stack([np.convolve(x, kern, mode="full")[:T] for x in tot_units_r])
    with np.errstate(divide="ignore", invalid="ignore"):
        share_div = np.where(sm_tot > 0, sm_div / sm_tot, 0.0)
    drop = np.minimum(0.15, 0.5 * share_div)
    idx_tt = idx_tt - drop[:, None, :]
    # MT realised shelf prices by region (store-weighted across accounts)
    mt_pairs = np.flatnonzero(np.isin(np.array([CHANNELS[c] for c in master.acc_channel])[pa],
                                      ["HYPER", "SUPER", "CVS"]))  # fmt: skip
    w_reg = master.acc_region_weight[pa[mt_pairs]]  # (n, R)
    mt_val = np.zeros((R, S, T))
    mt_u = np.zeros((R, S, T))
    price = dem.shelf_price[mt_pairs, :T]
    units = np.maximum(sold_units[mt_pairs], 1e-9)
    for r in range(R):
        wr = w_reg[:, r][:, None]
        mt_val[r] = group_sum(ps[mt_pairs], price * units * wr, S)
        mt_u[r] = group_sum(ps[mt_pairs], units * wr, S)
    with np.errstate(divide="ignore", invalid="ignore"):
        mt_index = (
            np.where(mt_u > 0, mt_val / mt_u / master.sku_rsp[None, :, None], np.nan) * idx_mt
        )
    # which SKUs are sold in which region and channel group
    sold_tt = np.zeros((R, S), dtype=bool)
    sold_tt[reg_of_acc[pa[dp]], ps[dp]] = True
    sold_mt = np.zeros((R, S), dtype=bool)
    for r in range(R):
        sold_mt[r, ps[mt_pairs[w_reg[:, r] > 0]]] = True
    frames = []
    rsp = master.sku_rsp
    for g, (grp, ok, index, nobs) in enumerate(
        (("MT", sold_mt, mt_index, n_mt), ("TT", sold_tt, idx_tt, n_tt))
    ):
        r_i, s_i = np.nonzero(ok)
        if len(r_i) == 0:
            continue
        ix = index[r_i, s_i]  # (k, T)
        valid = np.isfinite(ix)
        k = len(r_i)
        rr = np.repeat(r_i, T)
        ss = np.repeat(s_i, T)
        ww = np.tile(np.arange(T), k)
        v = valid.ravel()
        avg = (ix * rsp[s_i][:, None]).ravel()
        frames.append(
            pd.DataFrame(
                {
                    "region_id": str_col(rr[v], master.region_ids),
                    "channel_group": cat_col(
                        np.full(int(v.sum()), {"MT": 0, "TT": 2}[grp]), ("MT", "EC", "TT")
                    ),
                    "sku_id": str_col(ss[v], master.sku_ids),
                    "week_id": ww[v],
                    "n_obs": nobs[r_i, s_i].ravel()[v],
                    "avg_price_incl_vat": np.round(avg[v], 3),
                    "min_price_incl_vat": np.round((avg * (1 - min_u[r_i, g, s_i].ravel()))[v], 3),
                    "price_index": np.round(ix.ravel()[v], 4),
                    "_r": master.region_rank[rr[v]],
                    "_g": g,
                }
            )
        )
    pc = pd.concat(frames, ignore_index=True)
    pc = pc.sort_values(["_r", "_g", "sku_id", "week_id"], kind="mergesort").drop(
        columns=["_r", "_g"]
    )
    # --- code traces (stream DISTRIBUTORS) ----------------------------------------------------
    rng_d = stage_rng(cfg.seed, "DISTRIBUTORS")
    pk = cal.period_key.astype(str).to_numpy()[:T]
    per_new = np.r_[True, pk[1:] != pk[:-1]]
    per_idx = np.cumsum(per_new) - 1
    per_keys = pk[per_new]
    dists = np.flatnonzero(master.acc_is_dist)
    # supply shares per region × period × source distributor (cases)
    flow = np.zeros((R, len(per_keys), len(dists)))
    for j, d in enumerate(dists):
        prs = np.flatnonzero(pa == d)
        own = (in_region[prs] / upc[prs][:, None]).sum(axis=0)
        np.add.at(flow[reg_of_acc[d], :, j], per_idx, own)
        for r in range(R):
            if diverted[d, r].any():
                np.add.at(flow[r, :, j], per_idx, diverted[d, r])
    n_packs = 50
    draws = np.zeros_like(flow, dtype=np.int64)
    u = rng_d.random((R, len(per_keys), n_packs))
    for r in range(R):
        for p_i in range(len(per_keys)):
            f = flow[r, p_i]
            if f.sum() <= 0:
                continue
            cdf = np.cumsum(f / f.sum())
            pick = np.searchsorted(cdf, u[r, p_i] * cdf[-1] * 0.999999999)
            draws[r, p_i] = np.bincount(pick, minlength=len(dists))
    rr, pp, jj = np.nonzero(draws > 0)
    ct = (
        pd.DataFrame(
            {
                "found_region_id": str_col(rr, master.region_ids),
                "period_key": per_keys[pp],
                "source_account_id": str_col(dists[jj], master.acc_ids),
                "n_packs": draws[rr, pp, jj],
                "_r": master.region_rank[rr],
            }
        )
        .sort_values(["_r", "period_key", "source_account_id"], kind="mergesort")
        .drop(columns=["_r"])
    )
    # --- truth_diversion -------------------------------------------------------------------------
    td = []
    for d in dem.div_targets:
        src = d["source"]
        for r in d["regions"]:
            ri = list(master.region_ids).index(r)
            w = np.flatnonzero(diverted[src, ri] > 0)
            td.append(pd.DataFrame({"a": src, "week_id": w, "target_region_id": r,
                                    "_r": master.region_rank[ri],
                                    "diverted_cases": np.round(diverted[src, ri, w], 3)}))  # fmt: skip
    if td:
        tdf = pd.concat(td, ignore_index=True).sort_values(["a", "week_id", "_r"], kind="mergesort")
        truth_div = pd.DataFrame(
            {
                "account_id": str_col(tdf["a"].to_numpy(), master.acc_ids),
                "week_id": tdf["week_id"].to_numpy(),
                "target_region_id": tdf["target_region_id"].to_numpy(),
                "diverted_cases": tdf["diverted_cases"].to_numpy(),
            }
        )
    else:
        truth_div = pd.DataFrame({"account_id": [], "week_id": [], "target_region_id": [],
                                  "diverted_cases": []})  # fmt: skip
    return TTResult(
        tt_units=tt,
        tt_price_index=idx_tt,
        diverted=diverted,
        price_checks=pc,
        code_traces=ct,
        truth_diversion=truth_div,
    )
