"""Inputs of the weekly loop: the retailer, forecast, supply and delivery models' parameters and
random draws (streams ORDERS, FORECAST, SUPPLY, DELIVERY), and the opening stock.

Knobs acting here (set before the loop runs): STUFFING (extra order cases in the load weeks),
MONTH_END_PUSH (re-timing of each pushed period's orders), FORECAST_BIAS (a KAM's forecast
bias), SUPPLY_SHOCK (capacity), SERVICE_DEPRIORITISED (lines cut in allocation, later
deliveries).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.demand import Demand, poisson_fixed
from kamlab.sim.loop import LoopInputs, LoopState, initial_cohorts
from kamlab.sim.master import CHANNEL_PARAMS, CHANNELS, Master
from kamlab.sim.people import People, account_levels
from kamlab.sim.promotions import PromoCalendar
from kamlab.sim.scenarios import Knobs
from kamlab.sim.tables import group_sum

__all__ = ["ForecastModel", "WeeklySetup", "prepare_weekly"]

FC_LAGS = (1, 2, 4)


@dataclass
class ForecastModel:
    """Forecast multipliers per pair × week × lag: ``F_L = O_t × mult[:, t, L]``."""

    mult: np.ndarray  # (N, Te, 3)


@dataclass
class WeeklySetup:
    inputs: LoopInputs
    state: LoopState
    forecast: ForecastModel
    days_late: np.ndarray  # (A, Te)
    on_time: np.ndarray  # (A, Te)
    shock: np.ndarray  # (S, Te) bool
    stuff_extra: np.ndarray  # (N, Te) injected stuffing cases
    fwd_extra: np.ndarray  # (N, Te) forward-buy cases


def _centered_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Centred moving mean over ``k`` weeks along axis 1 (shrinking at the edges)."""
    n = x.shape[1]
    c = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    lo = np.clip(np.arange(n) - k // 2, 0, n)
    hi = np.clip(np.arange(n) + k // 2 + 1, 0, n)
    return (c[:, hi] - c[:, lo]) / (hi - lo)


def prepare_weekly(
    cfg: SimConfig,
    master: Master,
    people: People,
    cal: pd.DataFrame,
    dem: Demand,
    promos: PromoCalendar,
    knobs: Knobs,
) -> WeeklySetup:
    """Build the loop's inputs and opening state for the world's ``n_weeks``."""
    p = cfg.params
    A, S = master.n_acc, master.n_sku
    Te = len(cal)
    pa, ps = dem.pair_a, dem.pair_s
    N = len(pa)
    upc = master.sku_upc[ps]
    lam_cases = dem.lam / upc[:, None]
    # --- retailer forecast F (stream ORDERS) -----------------------------------------------
    rng_o = stage_rng(cfg.seed, "ORDERS")
    zo = rng_o.standard_normal((A, S, Te))[pa, ps]
    sd = p.order_noise_sd
    F = lam_cases * dem.planned_lift * np.exp(sd * zo - 0.5 * sd * sd)
    # --- extra orders: stuffing and distributor forward buying -----------------------------
    stuff = np.zeros((N, Te))
    for st in knobs.stuffing:
        a = st["account"]
        wks = [w for w in st["weeks"] if w < cfg.n_weeks]
        if not wks:
            continue
        prs = np.flatnonzero(pa == a)
        base = lam_cases[prs][:, wks].mean(axis=1)
        stuff[np.ix_(prs, wks)] += (st["extra_woc"] * base / len(wks))[:, None]
    fwd = np.zeros((N, Te))
    df = promos.rows
    if len(df):
        deal = (df["mechanic"].to_numpy() == "TRADE_DEAL") & ~df["cancelled"].to_numpy(dtype=bool)
        r = np.flatnonzero(deal)
        n = dem.pair_index[df["a"].to_numpy(dtype=np.int64)[r], df["s"].to_numpy(dtype=np.int64)[r]]
        r, n = r[n >= 0], n[n >= 0]
        s0 = df["start"].to_numpy(dtype=np.int64)[r]
        s1 = np.minimum(df["end"].to_numpy(dtype=np.int64)[r], Te - 1)
        span = np.maximum(0, s1 - s0 + 1)
        rep = np.repeat(np.arange(len(r)), span)
        wk = s0[rep] + np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        np.add.at(fwd, (n[rep], wk), promos.fwd_buy[r[rep]] * lam_cases[n[rep], wk])
    extra = stuff + fwd
    # --- month-end push ---------------------------------------------------------------------
    push_frac = np.zeros((A, Te))
    push_start = np.zeros((A, Te), dtype=bool)
    push_len = np.ones((A, Te), dtype=np.int64)
    pk = cal.period_key.astype(str).to_numpy()
    for a, k in knobs.push.items():
        for key in k["periods"]:
            wks = np.flatnonzero(pk == key)
            wks = wks[wks < cfg.n_weeks]
            n = len(wks)
            if n < 2:
                continue
            share = k["share"]
            push_frac[a, wks[:-1]] = (1.0 - share) / (n - 1)
            push_frac[a, wks[-1]] = share
            push_start[a, wks[0]] = True
            push_len[a, wks[0]] = n
    # --- forecasts (stream FORECAST) ---------------------------------------------------------
    rng_f = stage_rng(cfg.seed, "FORECAST")
    zf = rng_f.standard_normal((A, S, Te, 3))[pa, ps]
    P_max = 4 * A + 64
    b_kam = rng_f.normal(0.0, p.fc_b_kam_sd, size=P_max)
    n_per = int(np.max(np.cumsum(np.r_[True, pk[1:] != pk[:-1]])))
    eta = rng_f.normal(0.0, p.fc_eta_sd, size=(A, n_per))
    per_idx = np.cumsum(np.r_[True, pk[1:] != pk[:-1]]) - 1
    c6 = account_levels(people, 6)  # (A, Te)
    owner_w = people.owner_week
    assert owner_w is not None
    promo = dem.promo_row >= 0
    sig = np.array([p.fc_sigma_l1, p.fc_sigma_l2, p.fc_sigma_l4])
    sig_n = (1.3 - 0.1 * c6[pa])[:, :, None] * sig[None, None, :]
    sig_n = np.where(promo[:, :, None], sig_n * p.fc_promo_sigma_mult, sig_n)
    bias = b_kam[owner_w[pa]] + knobs.fc_bias[pa] + p.fc_b_promo * promo
    common = eta[pa][:, per_idx] - 0.5 * p.fc_eta_sd**2
    fc_mult = np.exp(bias[:, :, None] + sig_n * zf - 0.5 * sig_n**2 + common[:, :, None])
    # --- delivery (stream DELIVERY) ----------------------------------------------------------
    rng_d = stage_rng(cfg.seed, "DELIVERY")
    u_ot = rng_d.random((A, Te))
    u_late = rng_d.random((A, Te))
    z_late = rng_d.standard_normal((A, Te))
    u_credit = rng_d.random((A, Te))
    u_cut = rng_d.random((A, S, Te))[pa, ps]
    u_keep = rng_d.random((A, S, Te))[pa, ps]
    ch = [CHANNELS[c] for c in master.acc_channel]
    p_ot = np.array([CHANNEL_PARAMS[c][4] for c in ch])[:, None] + 0.01 * (c6 - 2)
    keep = np.ones((N, Te))
    for a, k in knobs.service.items():
        wk = np.zeros(Te, dtype=bool)
        wk[k["lo"] : k["hi"] + 1] = True
        gap = k["otif_gap"]
        p_ot[a, wk] -= 0.45 * gap
        prs = np.flatnonzero(pa == a)
        cutp = 0.55 * gap
        cut = (u_cut[prs] < cutp) & wk[None, :]
        keep[prs] = np.where(cut, 0.3 + 0.6 * u_keep[prs], 1.0)
    on_time = u_ot < np.clip(p_ot, 0.0, 1.0)
    days_late = np.where(
        on_time, 0, 1 + poisson_fixed(np.full((A, Te), p.late_poisson), u_late, z_late)
    )
    late_next = days_late >= 3
    credit = (u_credit < p.credit_hold_prob) & master.acc_is_dist[:, None]
    # --- supply (stream SUPPLY) -----------------------------------------------------------------
    rng_s = stage_rng(cfg.seed, "SUPPLY")
    u_shock = rng_s.random((S, Te))
    dur = rng_s.integers(1, 4, size=(S, Te))
    fac = rng_s.uniform(p.shock_lo, p.shock_hi, size=(S, Te))
    shock_mult = np.ones((S, Te))
    for s, t in zip(*np.nonzero(u_shock < p.shock_prob), strict=True):
        shock_mult[s, t : t + dur[s, t]] = np.minimum(shock_mult[s, t : t + dur[s, t]], fac[s, t])
    exp_cases = dem.lam * dem.factor / upc[:, None]
    sku_dem = np.zeros((S, Te))
    sku_dem += group_sum(ps, exp_cases, sku_dem.shape[0])
    mean_dem = _centered_mean(sku_dem, 13)
    assert knobs.capacity_mult is not None
    capacity = p.capacity_mult * mean_dem * shock_mult * knobs.capacity_mult
    # --- opening state -------------------------------------------------------------------------
    woc = master.acc_target_woc[pa]
    inv0 = woc * F[:, :4].mean(axis=1)
    coh0 = initial_cohorts(inv0, 2 * woc)
    dc0 = p.dc_target_weeks * mean_dem[:, 0]
    dc_coh0 = initial_cohorts(dc0, np.full(S, 2 * p.dc_target_weeks))
    state = LoopState(inv=inv0, coh=coh0, pending=np.zeros(N), dc=dc0, dc_coh=dc_coh0)
    moq = np.where(master.acc_is_dist[pa], p.moq_dist, p.moq_ka).astype(float)
    inputs = LoopInputs(
        acc=pa,
        sku=ps,
        upc=upc,
        target_woc=woc,
        moq=moq,
        half_life=np.ceil(master.sku_shelf_life[ps] / 2).astype(np.int64),
        F=F,
        extra=extra,
        demand_units=np.round(
            np.pad(dem.demand_units, ((0, 0), (0, Te - dem.demand_units.shape[1])))
        ),
        fc_mult2=fc_mult[:, :, 1],
        push_frac=push_frac,
        push_start=push_start,
        push_len=push_len,
        on_time=on_time,
        late_next_week=late_next,
        credit_hold=credit,
        keep_frac=keep,
        capacity=capacity,
        mean_demand=mean_dem,
        dc_third_life=master.sku_shelf_life / 3.0,
        alpha=p.order_alpha,
        prod_mult=p.prod_forecast_mult,
        dc_target_weeks=p.dc_target_weeks,
        dc_gain=p.dc_gain,
    )
    return WeeklySetup(
        inputs=inputs,
        state=state,
        forecast=ForecastModel(mult=fc_mult),
        days_late=days_late,
        on_time=on_time,
        shock=shock_mult < 1.0,
        stuff_extra=stuff,
        fwd_extra=fwd,
    )
