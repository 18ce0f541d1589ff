"""The annual plan: the expected outcome of a plan year, and the targets set from it (SPEC §1.2).

A company sets an account's annual targets from what it expects the year to bring, plus a
modest stretch. :func:`expected_plan` computes that expectation with the world's own clean
models and rules — no knob acts in anybody's plan:

- **volume**: expected consumer sell-out of the clean demand model with the clean promotion
  calendar (λ × promotion response, dips and cannibalisation), times the average competitor
  promotion effect ``1 − p × (1 − 0.9)``, times the volume stretch; **sell-in** = the
  retailer's order-up-to policy (the world's rule, :func:`kamlab.sim.loop.retailer_order`) run
  on that expected sell-out, so a pre-festival stock build lands in the weeks it is shipped
  (a quarter's plan starts from the customer's actual stock);
- **trade spend** by the ledger's rules (:mod:`kamlab.sim.spend`): on-invoice discount,
  unconditional rebate, EC platform fee and logistics allowance on GS; scan-back on the expected
  promotion-week sell-out, trade deals on the buy window's GS (with the distributor's forward
  buy); display and DM fees per event, GWP lump sums, listing fees, festival and anniversary
  fees in their weeks; the growth rebate at the tier the planned growth reaches and the
  distributor's target rebate at 100 % attainment. OTIF penalties and aged-stock clearance are
  not planned (the plan meets its KPIs);
- **cost-to-serve** as :mod:`kamlab.analysis.scorecard` counts it (SPEC §2.1 step 8): freight,
  order handling (one order a week), merchandising, the owner's KAM cost allocated by planned
  net revenue, financing of the payment terms;
- the **trade budget** is the planned trade spend with the promotions at the KAM's planned cost
  (the rolling plan's ``planned_cost_rmb``, optimistic uplift included) instead of their
  expected cost.

:func:`build_targets` turns the expected plan (volume × :func:`plan_volume_factor`: a stretch
U(0, ``plan_stretch_max``) and the planner's account-level forecast error, per account and
year) into ``targets_annual`` and ``targets_period`` (money phased by the plan's own weeks, not
pro rata), with the expected value share plus ``plan_share_gain`` as share target and the
channel's perfect-store standard :data:`PSS_STANDARD`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import ModelParams, stage_rng
from kamlab.sim.demand import Competition, Demand
from kamlab.sim.loop import retailer_order
from kamlab.sim.market import expected_value_share
from kamlab.sim.master import CHANNELS, Master
from kamlab.sim.plans import Terms
from kamlab.sim.promotions import PromoCalendar, PromoPlan
from kamlab.sim.spend import (
    FINANCING_RATE,
    consumer_depth,
    cts_drivers,
    growth_rebate,
    kam_cost_share,
    listing_fee,
    lump_sum_fees,
    on_invoice_discount,
    promo_variable_spend,
    rate_on_gs,
    target_rebate,
)
from kamlab.sim.tables import group_sum

__all__ = [
    "PSS_STANDARD",
    "ExpectedPlan",
    "build_targets",
    "expected_plan",
    "plan_shelf_price",
    "plan_volume_factor",
]

#: [conv] perfect-store standard per channel: the company's execution target (SPEC §2.17), the
#: expected score of an account at the team's typical execution level (calibrated on clean
#: worlds; see datasets/DATACARD.md).
PSS_STANDARD = {"HYPER": 0.89, "SUPER": 0.89, "CVS": 0.89, "EC": 0.90, "DIST": 0.89}


@dataclass
class ExpectedPlan:
    """The plan's weekly figures per selected account × week of the extended horizon (A_sel, Te).

    Money in RMB ex-VAT; ``tts`` = expected trade spend, ``budget`` = the trade budget (promotions
    at their planned cost); ``cts`` = freight + handling + merchandising + KAM + financing.
    """

    accounts: np.ndarray  # (A_sel,) account indices
    cases: np.ndarray
    gs: np.ndarray
    cogs: np.ndarray
    tts: np.ndarray
    budget: np.ndarray
    nr: np.ndarray
    gp: np.ndarray
    cts: np.ndarray
    cc: np.ndarray
    spend: dict[str, np.ndarray] | None = None  # expected trade spend by component (A_sel, Te)


def plan_volume_factor(seed: int, p: ModelParams, n_accounts: int, n_years: int) -> np.ndarray:
    """(A, Y) planned volume ÷ expected volume per account and fiscal year (stream PLANS, 2).

    ``(1 + stretch) × exp(e − sd²/2)``: a stretch U(0, ``plan_stretch_max``) and the planner's
    account-level forecast error ``e ~ N(0, plan_error_sd)`` (an annual plan is a forecast:
    accounts land around it, not on it).
    """
    rng = stage_rng(seed, "PLANS", 2)
    stretch = rng.uniform(0.0, p.plan_stretch_max, size=(n_accounts, n_years))
    err = rng.normal(0.0, p.plan_error_sd, size=(n_accounts, n_years))
    return (1.0 + stretch) * np.exp(err - 0.5 * p.plan_error_sd**2)


def comp_promo_factor(p: ModelParams) -> float:
    """Average effect of competitor promotions on our demand: ``1 − p × (1 − effect)``."""
    return 1.0 - p.comp_promo_prob * (1.0 - p.comp_promo_effect)


def plan_shelf_price(master: Master, dem: Demand, rows: pd.DataFrame) -> np.ndarray:
    """(N, Te) shelf price incl. VAT per unit under the clean promotion calendar."""
    row = dem.promo_row_clean
    assert row is not None
    on = row >= 0
    price = np.repeat(master.sku_rsp[dem.pair_s][:, None], row.shape[1], axis=1)
    if len(rows) and on.any():
        rr = np.where(on, row, 0)
        mech = rows["mechanic"].to_numpy()
        cd = consumer_depth(mech, rows["depth"].to_numpy(dtype=float))
        cut = np.where(on & (mech[rr] != "GWP"), cd[rr], 0.0)
        price = price * (1.0 - cut)
    return price


def _sell_in(
    eso: np.ndarray, woc: np.ndarray, alpha: float, moq: np.ndarray, s_open: np.ndarray
) -> np.ndarray:
    """Expected sell-in per pair × week: the retailer's order-up-to policy
    (:func:`kamlab.sim.loop.retailer_order`, the world's rule) run on the expected sell-out
    ``eso`` as its forecast, from opening stock ``s_open`` (stock never below 0)."""
    n, W = eso.shape
    F = np.pad(eso, ((0, 0), (0, 3)), mode="edge")
    pos = np.asarray(s_open, dtype=float).copy()
    out = np.zeros((n, W))
    for t in range(W):
        O = retailer_order(F[:, t], F[:, t + 1 : t + 4], pos, woc, alpha, moq)
        out[:, t] = O
        pos = np.maximum(0.0, pos + O - eso[:, t])
    return out


def expected_plan(
    p: ModelParams,
    master: Master,
    terms: Terms,
    cal: pd.DataFrame,
    ev_weeks: dict[str, np.ndarray],
    dem: Demand,
    promos: PromoCalendar,
    plan: PromoPlan,
    volume_factor: np.ndarray,
    growth_base: np.ndarray,
    kam_cost: np.ndarray,
    owner: np.ndarray,
    accounts: np.ndarray | None = None,
    kam_share: np.ndarray | None = None,
    start: int = 0,
    opening: np.ndarray | None = None,
    units: np.ndarray | None = None,
    promo_row: np.ndarray | None = None,
) -> ExpectedPlan:
    """The expected clean outcome per account × week (rules in the module docstring).

    ``promos``/``plan`` are the clean promotion calendar and its plan figures;
    ``volume_factor`` (A, Y) planned ÷ expected volume per account and fiscal year of ``cal``
    (:func:`plan_volume_factor`; 1 = the expectation itself); ``growth_base`` (A, Y) the GS each year's growth rebate is measured against;
    ``kam_cost`` (A,) the yearly cost of each account's owner and ``owner`` (A,) the owner; with
    ``accounts`` only those accounts are planned and ``kam_share`` (their share of the owner's
    cost) must be given, else the share follows the plan's net revenue per fiscal year.
    ``opening`` (per selected pair, cases) replans the weeks from ``start`` on from the
    customer's actual stock (a quarter's plan knows the stock the quarter starts with).
    ``units`` (N, Te) replaces the expected consumer demand in units (default: the clean model
    with the clean calendar, ``dem.exp_plan``) and ``promo_row`` the calendar's row per pair ×
    week (default the clean calendar's), e.g. for a rolling plan made at the world's end.
    """
    Te = dem.exp_plan.shape[1]
    fy = cal.fiscal_year.to_numpy()[:Te]
    years = list(dict.fromkeys(fy.tolist()))
    y_of_w = np.searchsorted(np.array(years), fy)
    accs = np.arange(master.n_acc) if accounts is None else np.asarray(accounts, dtype=np.int64)
    A_s = len(accs)
    pos = np.full(master.n_acc, -1, dtype=np.int64)
    pos[accs] = np.arange(A_s)
    sel = np.flatnonzero(pos[dem.pair_a] >= 0)
    pa, ps = dem.pair_a[sel], dem.pair_s[sel]
    la = pos[pa]  # local account index
    upc = master.sku_upc[ps]
    price = master.sku_list[ps] * master.acc_price_factor[pa]
    k = volume_factor[pa][:, y_of_w]  # (n, Te)
    # expected sell-out and sell-in (cases)
    exp_units = dem.exp_plan if units is None else units
    eso = exp_units[sel] / upc[:, None] * comp_promo_factor(p) * k
    woc = master.acc_target_woc[pa]
    moq = np.where(master.acc_is_dist[pa], p.moq_dist, p.moq_ka).astype(float)
    if opening is None:
        esh = _sell_in(eso, woc, p.order_alpha, moq, woc * eso[:, :4].mean(axis=1))
    else:  # plan from the customer's actual stock at week ``start``
        esh = np.zeros(eso.shape)
        esh[:, start:] = _sell_in(eso[:, start:], woc, p.order_alpha, moq, opening)
    gs = esh * price[:, None]

    def acc(x: np.ndarray) -> np.ndarray:
        out = np.zeros((A_s, Te))
        out += group_sum(la, x, A_s)
        return out

    cases_a, gs_a = acc(esh), acc(gs)
    cogs_a = acc(esh * master.sku_cogs[ps][:, None])
    # trade spend by the ledger's rules
    oid = acc(on_invoice_discount(gs, terms.on_inv[pa][:, None]))
    rows = promos.rows
    row_all = dem.promo_row_clean if promo_row is None else promo_row
    row = row_all[sel] if row_all is not None else np.full(eso.shape, -1)
    mech = rows["mechanic"].to_numpy() if len(rows) else np.array([], dtype=object)
    depth = rows["depth"].to_numpy(dtype=float) if len(rows) else np.zeros(0)
    fwd = np.zeros(eso.shape)
    if len(rows):
        on = row >= 0
        rr = np.where(on, row, 0)
        lam_cases = dem.lam_clean[sel] / upc[:, None]
        fwd = np.where(on & (mech[rr] == "TRADE_DEAL"), promos.fwd_buy[rr] * lam_cases, 0.0)
    scan, deal = promo_variable_spend(
        eso, (esh + fwd) * price[:, None], row, mech, depth, plan.funding_per_case
    )
    promo_exp = acc(scan + deal)
    fixed = np.zeros((A_s, Te))
    planned = np.zeros((A_s, Te))
    if len(rows):
        ra = rows["a"].to_numpy(dtype=np.int64)
        start = rows["start"].to_numpy(dtype=np.int64)
        keep = (pos[ra] >= 0) & ~rows["cancelled"].to_numpy(dtype=bool) & (start < Te)
        fee = (
            rows["display_fee"].to_numpy(dtype=float)
            + rows["dm_fee"].to_numpy(dtype=float)
            + np.where(mech == "GWP", plan.lump_sum, 0.0)
        )
        np.add.at(fixed, (pos[ra[keep]], start[keep]), fee[keep])
        np.add.at(planned, (pos[ra[keep]], start[keep]), plan.planned_cost[keep])
    new = np.flatnonzero((master.sku_launch[ps] >= 0) & (master.sku_launch[ps] < Te))
    for n in new:
        fixed[la[n], master.sku_launch[ps[n]]] += float(
            listing_fee(terms.listing[pa[n]], master.acc_outlets[pa[n]])
        )
    lumps = lump_sum_fees(terms.festival, terms.anniv, terms.anniversary_period, cal.iloc[:Te],
                          ev_weeks, 0, Te, accs.tolist())  # fmt: skip
    for _kind, a, w, amt in lumps:
        fixed[pos[a], w] += amt
    ta = accs
    rates = rate_on_gs(gs_a, (terms.uncond + terms.ec_fee + terms.logistics)[ta][:, None])
    is_dist = np.array([terms.segment[a] == "DIST" for a in ta])
    rebate = np.zeros((A_s, Te))
    for y in range(len(years)):
        wk = np.flatnonzero(y_of_w == y)
        rebate[:, wk] = np.where(
            is_dist[:, None],
            0.0,
            growth_rebate(gs_a[:, wk], growth_base[ta, y], terms.tier_rates[ta]),
        )
    q_key = fy * 10 + cal.fiscal_quarter.to_numpy()[:Te].astype(np.int64)
    for q in dict.fromkeys(q_key.tolist()):
        wk = np.flatnonzero(q_key == q)
        tr = target_rebate(cases_a[:, wk], cases_a[:, wk], gs_a[:, wk], terms.tier_rates[ta])
        rebate[:, wk] += np.where(is_dist[:, None], tr, 0.0)
    non_promo = oid + rates + rebate + fixed
    tts = non_promo + promo_exp
    promo_fixed = np.zeros((A_s, Te))
    if len(rows):
        np.add.at(promo_fixed, (pos[ra[keep]], start[keep]), fee[keep])
    budget = non_promo - promo_fixed + planned
    nr = gs_a - tts
    gp = nr - cogs_a
    # cost-to-serve
    ch = [CHANNELS[master.acc_channel[a]] for a in ta]
    lines = acc((esh > 0).astype(float))
    drv = cts_drivers(lines, cases_a, ch, master.acc_outlets[ta])
    if kam_share is None:
        share = np.zeros((A_s, Te))
        for y in range(len(years)):
            wk = y_of_w == y
            share[:, wk] = kam_cost_share(owner[ta], nr[:, wk].sum(axis=1))[:, None]
    else:
        share = np.repeat(np.asarray(kam_share, dtype=float)[:, None], Te, axis=1)
    kam = kam_cost[ta][:, None] * share / 52.0
    fin = np.maximum(nr, 0.0) * FINANCING_RATE * terms.pay_days[ta][:, None] / 365.0
    cts = drv.freight + drv.handling + drv.merchandising + kam + fin
    spend = {"on_invoice": oid, "rates": rates, "rebates": rebate, "fixed": fixed,
             "promo_variable": promo_exp}  # fmt: skip
    return ExpectedPlan(
        spend=spend,
        accounts=accs,
        cases=cases_a,
        gs=gs_a,
        cogs=cogs_a,
        tts=tts,
        budget=budget,
        nr=nr,
        gp=gp,
        cts=cts,
        cc=gp - cts,
    )


def build_targets(
    p: ModelParams,
    master: Master,
    terms: Terms,
    cal: pd.DataFrame,
    T: int,
    ev_weeks: dict[str, np.ndarray],
    dem: Demand,
    comp: Competition,
    promos: PromoCalendar,
    plan: PromoPlan,
    volume_factor: np.ndarray,
    growth_base: np.ndarray,
    kam_cost: np.ndarray,
    owner: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """targets_annual and targets_period of the world's fiscal years from the expected plan."""
    ep = expected_plan(p, master, terms, cal, ev_weeks, dem, promos, plan, volume_factor,
                       growth_base, kam_cost, owner)  # fmt: skip
    A = master.n_acc
    Te = ep.cases.shape[1]
    fy = cal.fiscal_year.to_numpy()[:Te]
    years = list(dict.fromkeys(fy[:T].tolist()))
    pk = cal.period_key.astype(str).to_numpy()[:Te]
    fp = cal.fiscal_period.to_numpy()[:Te]
    # expected value share of each plan year (no stretch: the market's expectation)
    units = dem.exp_plan * comp_promo_factor(p)
    shelf = plan_shelf_price(master, dem, promos.rows)
    inc = dem.lam_clean * (dem.mult_clean - 1.0) if dem.mult_clean is not None else 0 * units
    ranges = [np.flatnonzero(fy == y) for y in years]
    share = expected_value_share(master, dem, comp, T, units, shelf, inc, ranges,
                                 p.comp_promo_prob)  # fmt: skip
    ch = [CHANNELS[c] for c in master.acc_channel]
    annual, period = [], []
    periods = list(dict.fromkeys(pk[:T].tolist()))
    for y, year in enumerate(years):
        wk = fy == year
        vol, gs, nr = ep.cases[:, wk].sum(1), ep.gs[:, wk].sum(1), ep.nr[:, wk].sum(1)
        gp, cc, tts = ep.gp[:, wk].sum(1), ep.cc[:, wk].sum(1), ep.tts[:, wk].sum(1)
        budget = ep.budget[:, wk].sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            tts_rate = np.where(gs > 0, tts / gs, 0.0)
        for a in range(A):
            annual.append(
                {
                    "account_id": master.acc_ids[a],
                    "fiscal_year": year,
                    "volume_cases_target": round(float(vol[a]), 0),
                    "gs_target": round(float(gs[a]), 0),
                    "nr_target": round(max(0.0, float(nr[a])), 0),
                    "gp_target": round(float(gp[a]), 0),
                    "cc_target": round(float(cc[a]), 0),
                    "value_share_target": round(float(share[a, y]) + p.plan_share_gain, 4),
                    "case_fill_target": terms.case_fill_kpi,
                    "otif_target": terms.otif_kpi,
                    "wd_target": 0.60 if terms.segment[a] == "DIST" else 0.85,
                    "perfect_store_target": PSS_STANDARD[ch[a]],
                    "tts_rate_cap": round(float(np.ceil((tts_rate[a] + 0.02) * 200) / 200), 3),
                    "trade_budget_rmb": round(float(budget[a]), 0),
                }
            )
        for key in [q for q in periods if q.startswith(f"FY{year}-")]:
            wp = pk == key
            for a in range(A):
                period.append(
                    {
                        "account_id": master.acc_ids[a],
                        "period_key": key,
                        "fiscal_year": year,
                        "fiscal_period": int(fp[wp][0]),
                        "volume_cases_target": round(float(ep.cases[a, wp].sum()), 1),
                        "gs_target": round(float(ep.gs[a, wp].sum()), 1),
                        # floored at 0: a tiny account's period can plan more fees than sales
                        "nr_target": round(max(0.0, float(ep.nr[a, wp].sum())), 1),
                        "gp_target": round(float(ep.gp[a, wp].sum()), 1),
                        "cc_target": round(float(ep.cc[a, wp].sum()), 1),
                        "trade_budget_rmb": round(float(ep.budget[a, wp].sum()), 1),
                    }
                )
    return pd.DataFrame(annual), pd.DataFrame(period)
