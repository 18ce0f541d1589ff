"""``simulate(cfg)``: the stages of SPEC §3.2 in order, returning a :class:`~kamlab.data.World`.

1 calendar · 2 master data · 3 plans, terms, tiers, mix plan · 4 people · 5 promotions ·
6 demand · 7 weekly loop · 8 distributors and TT · 9 trade spend and CTS · 10 audits ·
11 market · 12 scenario labels · 13 simulated assessment scores · 14 validation.

Scenario knobs are resolved right after the people stage and only set parameters of the
stages that follow (:mod:`kamlab.sim.scenarios`). :func:`build_state` runs stages 1–7 and keeps
every model parameter, so :func:`kamlab.sim.simulate_plan` can call the same models again.
"""

from __future__ import annotations

import contextlib
import ctypes
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import __version__
from kamlab.data.calendar import event_weeks, fiscal_calendar
from kamlab.data.schemas import PUBLIC_TABLES, TRUTH_TABLES, conform
from kamlab.data.world import World
from kamlab.sim.annual_plan import build_targets, plan_volume_factor
from kamlab.sim.audits import build_audits
from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.demand import (
    Competition,
    Demand,
    build_assortment,
    build_competition,
    build_demand,
)
from kamlab.sim.distributors import build_tt
from kamlab.sim.labels import build_labels
from kamlab.sim.loop import REASON_ALLOC, REASON_CREDIT, REASON_SUPPLY, LoopOutputs, run_loop
from kamlab.sim.market import build_market
from kamlab.sim.master import Master, build_master
from kamlab.sim.people import People, apply_talent, build_contacts, build_people
from kamlab.sim.plans import (
    Terms,
    build_mix_plan,
    build_terms,
    terms_table,
    tiers_table,
)
from kamlab.sim.promotions import PromoCalendar, build_promotions, promo_plan
from kamlab.sim.scenarios import Knobs, resolve
from kamlab.sim.scores import assessment_tables, simulated_scores
from kamlab.sim.spend import build_spend
from kamlab.sim.tables import (
    build_frame,
    cat_col,
    group_sum,
    id_col,
    id_labels,
    pair_frame,
    str_col,
)
from kamlab.sim.weekly import FC_LAGS, WeeklySetup, prepare_weekly

__all__ = ["SimState", "build_state", "simulate"]

Progress = Callable[[str, float], None] | None
_REASONS = ("NONE", "SUPPLY_SHORTAGE", "ALLOCATION", "CREDIT_HOLD")
_FUNDING = {"TPR": "SCAN_BACK", "MULTIBUY": "SCAN_BACK", "BOGO": "SCAN_BACK", "EC_COUPON": "SCAN_BACK",
            "GWP": "LUMP_SUM", "DISPLAY_ONLY": "LUMP_SUM", "TRADE_DEAL": "OFF_INVOICE"}  # fmt: skip
assert REASON_SUPPLY == 1 and REASON_ALLOC == 2 and REASON_CREDIT == 3


@dataclass
class SimState:
    """Stages 1–7 of one world: parameters, arrays and loop results (see :func:`build_state`)."""

    cfg: SimConfig
    cal: pd.DataFrame  # extended calendar (n_weeks + horizon)
    ev_weeks: dict[str, np.ndarray]
    master: Master
    people: People
    knobs: Knobs
    listed: np.ndarray
    terms: Terms
    promos: PromoCalendar
    comp: Competition
    dem: Demand
    weekly: WeeklySetup
    out: LoopOutputs | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def T(self) -> int:  # noqa: N802 - the spec's name for the number of weeks
        return self.cfg.n_weeks


def build_state(cfg: SimConfig, progress: Progress = None, *, run: bool = True) -> SimState:
    """Stages 1–7: calendar, master data, people, knobs, terms, promotions, demand, the loop."""
    rep = progress or (lambda _s, _f: None)
    T = cfg.n_weeks
    Te = T + cfg.horizon_weeks
    rep("calendar", 0.02)
    cal = fiscal_calendar(Te)
    ev = event_weeks(cal)
    rep("master data", 0.05)
    master = build_master(cfg)
    rep("people", 0.08)
    people = build_people(cfg, master)
    knobs = resolve(cfg, master, people, cal)
    apply_talent(cfg, people, knobs.talent, Te)
    master.accounts["kam_id"] = [people.person_ids[o] for o in people.owner]
    listed = build_assortment(cfg, master)
    years = list(dict.fromkeys(cal.fiscal_year.to_numpy()[:T].tolist()))
    rep("plans and terms", 0.10)
    terms = build_terms(cfg, master, people, years)
    rep("promotions", 0.12)
    promos = build_promotions(cfg, master, people, cal, listed, ev, terms.fees(), knobs)
    # the company's plan is made on the clean calendar (knobs are not in anybody's plan)
    promos_clean = promos
    if knobs.overspend or knobs.pack_drift:
        clean = Knobs(A=master.n_acc, S=master.n_sku, T=Te)
        promos_clean = build_promotions(cfg, master, people, cal, listed, ev, terms.fees(), clean)
    comp = build_competition(cfg, master, knobs, Te)
    rep("demand", 0.18)
    dem = build_demand(cfg, master, people, cal, ev, listed, promos, comp, knobs, promos_clean)
    weekly = prepare_weekly(cfg, master, people, cal, dem, promos, knobs)
    state = SimState(cfg, cal, ev, master, people, knobs, listed, terms, promos, comp, dem, weekly)
    state.extra["promos_clean"] = promos_clean
    if run:
        rep("weekly loop", 0.30)
        state.out = run_loop(weekly.inputs, weekly.state, T)
    return state


def _acc_woc(pair_a: np.ndarray, A: int, closing: np.ndarray, sold_cases: np.ndarray) -> np.ndarray:
    """(A, T) backward weeks of cover of each account (SPEC §2.9), ∞ → large sentinel 99."""
    T = closing.shape[1]
    clo = np.zeros((A, T))
    so = np.zeros((A, T))
    clo += group_sum(pair_a, closing, clo.shape[0])
    so += group_sum(pair_a, sold_cases, so.shape[0])
    c = np.cumsum(np.pad(so, ((0, 0), (1, 0))), axis=1)
    lo = np.maximum(0, np.arange(T) - 3)
    mean = (c[:, np.arange(T) + 1] - c[:, lo]) / (np.arange(T) + 1 - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, clo / mean, np.where(clo > 0, 99.0, 0.0))


def simulate(cfg: SimConfig, progress: Progress = None) -> World:
    """Simulate the account world of ``cfg`` (SPEC §3) and return it as a :class:`World`.

    ``progress``, if given, is called as ``progress(stage_name, fraction_done)``.

    >>> from kamlab.sim import SimConfig, simulate
    >>> w = simulate(SimConfig.preset("small", seed=11, scenarios="none"))
    >>> len(w.calendar), len(w.accounts), w.truth_scenario_labels.empty
    (104, 7, True)
    """
    if not isinstance(cfg, SimConfig):
        raise ValueError(
            "cfg must be a SimConfig; build one with SimConfig.preset('default', seed=...)."
        )
    rep = progress or (lambda _s, _f: None)
    st = build_state(cfg, progress)
    out = st.out
    assert out is not None
    m, people, dem, promos, terms, knobs = (
        st.master,
        st.people,
        st.dem,
        st.promos,
        st.terms,
        st.knobs,
    )
    T = cfg.n_weeks
    cal_ext = st.cal
    cal = cal_ext.iloc[:T].reset_index(drop=True)
    pa, ps = dem.pair_a, dem.pair_s
    N = len(pa)
    A = m.n_acc
    upc = m.sku_upc[ps]
    years = terms.years
    fy = cal.fiscal_year.to_numpy()
    sold_cases = out.sold_units / upc[:, None]
    price = m.sku_list[ps] * m.acc_price_factor[pa]
    # ---- stage 3 (needs expected demand): targets, mix plan ----------------------------------
    rep("targets and mix plan", 0.45)
    lam_cases = dem.lam / upc[:, None]
    exp_clean = (dem.exp_plan / upc[:, None])[:, :T]
    pdf = promos.rows
    n_rows = len(pdf)
    promo_ids = id_labels("PR", n_rows, 5)
    plan = promo_plan(m, cfg.params, promos, lam_cases, dem.pair_index)
    r_a = pdf["a"].to_numpy(dtype=np.int64) if n_rows else np.zeros(0, np.int64)
    r_s = pdf["s"].to_numpy(dtype=np.int64) if n_rows else np.zeros(0, np.int64)
    r_start = pdf["start"].to_numpy(dtype=np.int64) if n_rows else np.zeros(0, np.int64)
    base_cases_r, planned_uplift = plan.base_cases, plan.planned_uplift
    fund, fixed_fee, planned_cost = plan.funding_per_case, plan.fixed_fee, plan.planned_cost
    # the budget is planned on the clean calendar (a knob's extra promotions are not in it)
    pc = st.extra["promos_clean"]
    plan_c = promo_plan(m, cfg.params, pc, dem.lam_clean / upc[:, None], dem.pair_index)
    mix_plan = build_mix_plan(m, cal, T, exp_clean, pa, ps)
    # LY base of the first fiscal year: expected GS one year earlier
    rng_p = stage_rng(cfg.seed, "PLANS", 3)
    gs_first = np.zeros(A)
    wk0 = fy == years[0]
    gs_first += group_sum(pa, (exp_clean[:, wk0] * price[:, None]).sum(axis=1), gs_first.shape[0])
    g_acc = np.zeros(A)
    g_acc += group_sum(pa, dem.growth, g_acc.shape[0])
    g_acc /= np.maximum(1, np.bincount(pa, minlength=A))
    growth_base_first = gs_first * np.exp(-g_acc) * rng_p.uniform(0.97, 1.03, size=A)
    # the annual plan: expected clean outcome + stretch (kamlab.sim.annual_plan)
    stretch, growth_base = _plan_inputs(st, growth_base_first, price)
    owner_ids, kam_cost = _owner_costs(st)
    targets_annual, targets_period = build_targets(
        cfg.params, m, terms, cal_ext, T, st.ev_weeks, dem, st.comp, pc, plan_c, stretch,
        growth_base, kam_cost, owner_ids,
    )  # fmt: skip
    # ---- stage 9: trade spend and CTS ------------------------------------------------------------
    rep("trade spend", 0.55)
    stuff_T = st.weekly.stuff_extra[:, :T]
    spend = build_spend(
        m, terms, cal, pa, ps, out.shipped, out.orders, sold_cases, st.weekly.on_time,
        out.aged_new, pdf, dem.promo_row, stuff_T, knobs.push, knobs.stuffing, targets_period,
        growth_base_first, st.ev_weeks, m.acc_outlets, fund, plan.lump_sum,
    )  # fmt: skip
    # free what no later stage reads (keeps the large preset's memory down)
    del exp_clean
    _free(out, "aged_new")
    _free(dem, "planned_lift", "factor_clean_promo", "exp_plan", "promo_row_clean", "mult_clean")
    _free(st.weekly.inputs, "F", "extra", "fc_mult2", "keep_frac")
    _free(st.weekly, "fwd_extra")
    # ---- public transaction tables ----------------------------------------------------------------
    rep("transaction tables", 0.62)
    tables: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    acc_lab, sku_lab = m.acc_ids, m.sku_ids
    ship_mask = out.shipped > 0
    cols, flat = pair_frame(acc_lab, sku_lab, pa, ps, T, ship_mask)
    sh = out.shipped.ravel()[flat]
    gs = (out.shipped * price[:, None]).ravel()[flat]
    oid = spend.on_invoice.ravel()[flat]
    cols.update(
        cases_shipped=sh.astype(np.int64),
        gross_sales=np.round(gs, 2),
        on_invoice_discount=oid,
        invoice_sales=np.round(np.round(gs, 2) - oid, 2),
        volume_eq=np.round((out.shipped * m.sku_vol_eq[ps][:, None]).ravel()[flat], 3),
    )
    tables["sell_in"] = build_frame(cols, "sell_in")
    # sell_out
    cols, _ = pair_frame(acc_lab, sku_lab, pa, ps, T)
    units = out.sold_units.astype(np.int64)
    shelf = dem.shelf_price[:, :T]
    prow = dem.promo_row[:, :T]
    disp = np.zeros(prow.shape, dtype=bool)
    if n_rows:
        disp_r = pdf["display"].to_numpy() != "NONE"
        disp = (prow >= 0) & disp_r[np.where(prow >= 0, prow, 0)]
    stores_sel = np.round(
        np.where(out.sold_units > 0, 1.0, 0.0)
        * np.minimum(st.weekly.inputs.demand_units[:, :T] > 0, 1)
        * np.maximum(1.0, _stores_selling(st, T))
    )
    source = m.acc_is_dist[pa].astype(np.int64)  # codes of RETAILER_POS, DISTRIBUTOR_DMS
    cols.update(
        units_sold=units.ravel(),
        cases_sold=sold_cases.ravel(),
        retail_value_incl_vat=np.round((units * shelf).ravel(), 2),
        avg_shelf_price_incl_vat=np.where(units > 0, np.round(shelf, 3), np.nan).ravel(),
        promo_flag=(prow >= 0).ravel(),
        promo_id=str_col(prow.ravel(), promo_ids if n_rows else ["PR00000"]),
        display_flag=disp.ravel(),
        stores_selling=stores_sel.ravel().astype(np.int64),
        source=cat_col(np.repeat(source, T), ["RETAILER_POS", "DISTRIBUTOR_DMS"]),
    )
    tables["sell_out"] = build_frame(cols, "sell_out")
    # customer_inventory
    cols, _ = pair_frame(acc_lab, sku_lab, pa, ps, T)
    b = out.buckets
    cols.update(
        opening_cases=out.opening.ravel(),
        receipts_cases=out.receipts.ravel(),
        sell_out_cases=sold_cases.ravel(),
        closing_cases=out.closing.ravel(),
        age_00_04=b[0].ravel(),
        age_05_08=b[1].ravel(),
        age_09_13=b[2].ravel(),
        age_14_26=b[3].ravel(),
        age_27_plus=b[4].ravel(),
    )
    tables["customer_inventory"] = build_frame(cols, "customer_inventory")
    del cols, b
    _free(out, "opening", "receipts", "buckets")
    # order_lines: chronological (week, account, SKU)
    rep("order lines", 0.68)
    tables["order_lines"] = _order_lines(st, cal, price, terms, spend, T)
    _free(out, "reason")
    _free(spend, "on_invoice", "gs")
    # forecasts
    fm = st.weekly.forecast.mult[:, :T, :]
    fc = out.orders[:, :, None] * fm
    L = len(FC_LAGS)
    a_r = np.repeat(pa.astype(np.int32), T * L)
    s_r = np.repeat(ps.astype(np.int32), T * L)
    w_r = np.tile(np.repeat(np.arange(T, dtype=np.int16), L), N)
    lag = np.tile(np.array(FC_LAGS, dtype=np.int8), N * T)
    tables["forecasts"] = build_frame(
        {
            "account_id": str_col(a_r, acc_lab),
            "sku_id": str_col(s_r, sku_lab),
            "target_week_id": w_r,
            "lag_weeks": lag,
            "forecast_cases": np.round(fc.ravel(), 2),
            "created_week": (w_r - lag).astype(np.int16),
        },
        "forecasts",
    )
    del fc, fm, a_r, s_r, w_r, lag
    _free(st.weekly.forecast, "mult")
    # supply
    S = m.n_sku
    tables["supply"] = build_frame(
        {
            "sku_id": str_col(np.repeat(np.arange(S), T), sku_lab),
            "week_id": np.tile(np.arange(T), S),
            "planned_production": np.round(out.production.ravel(), 2),
            "capacity": np.round(st.weekly.inputs.capacity[:, :T].ravel(), 2),
            "capacity_shock": (st.weekly.shock[:, :T] | (knobs.capacity_mult[:, :T] < 1)).ravel(),
            "dc_opening": np.round(out.dc_opening.ravel(), 2),
            "atp": np.round(out.atp.ravel(), 2),
            "orders_total": out.orders_total.ravel(),
            "shipped_total": out.shipped_total.ravel(),
            "dc_closing": np.round(out.dc_closing.ravel(), 2),
            "dc_aged_cases": np.round(out.dc_aged.ravel(), 2),
        },
        "supply",
    )
    # ---- stage 8: distributors, TT, price checks, code traces --------------------------------
    rep("distributors and traditional trade", 0.74)
    tt = build_tt(cfg, m, cal_ext, dem, out.sold_units)
    tables["price_checks"] = build_frame(tt.price_checks, "price_checks")
    tables["code_traces"] = build_frame(tt.code_traces, "code_traces")
    truth["truth_diversion"] = build_frame(tt.truth_diversion, "truth_diversion")
    # ---- stage 10: audits -----------------------------------------------------------------------
    rep("store audits", 0.80)
    acc_woc = _acc_woc(pa, A, out.closing, sold_cases)
    disp_events = np.zeros((A, T))
    if n_rows:
        live = ~pdf["cancelled"].to_numpy(dtype=bool) & (pdf["display"].to_numpy() != "NONE")
        ev_df = pdf[live].drop_duplicates("event_group")
        for a_i, s0, s1 in zip(ev_df["a"], ev_df["start"], ev_df["end"], strict=True):
            disp_events[int(a_i), int(s0) : min(T, int(s1) + 1)] += 1
    share_ref = np.where(
        m.acc_is_dist, st.comp.tt_share0[m.acc_region].mean(axis=1), st.comp.share0.mean(axis=1)
    )
    aud = build_audits(
        cfg, m, people, cal_ext, dem, acc_woc, disp_events.astype(np.int64), share_ref
    )
    tables["audit_visits"] = build_frame(aud.visits, "audit_visits")
    tables["audit_sku"] = build_frame(aud.skus, "audit_sku")
    aud.visits = aud.skus = None  # type: ignore[assignment]
    _trim()
    # ---- stage 11: market ----------------------------------------------------------------------------
    rep("market", 0.86)
    maw, mrp = build_market(m, cal_ext, T, dem, st.comp, out.sold_units, tt, aud)
    tables["market_account_week"] = build_frame(maw, "market_account_week")
    tables["market_region_period"] = build_frame(mrp, "market_region_period")
    _free(dem, "lam_clean", "mult", "factor", "div_share")
    # ---- master, plans, people tables ---------------------------------------------------------
    tables["calendar"] = conform(cal, "calendar", sort=False)
    tables["regions"] = conform(m.regions, "regions")
    tables["region_adjacency"] = conform(m.region_adjacency, "region_adjacency")
    tables["channels"] = conform(m.channels, "channels")
    tables["accounts"] = conform(m.accounts, "accounts")
    tables["stores"] = conform(m.stores, "stores")
    tables["products"] = conform(m.products, "products")
    tables["competitors"] = conform(m.competitors, "competitors")
    tables["kam"] = conform(people.kam, "kam")
    tables["customer_contacts"] = conform(build_contacts(cfg, m, people, T), "customer_contacts")
    tables["targets_annual"] = conform(targets_annual, "targets_annual")
    tables["targets_period"] = conform(targets_period, "targets_period")
    tables["mix_plan"] = conform(mix_plan, "mix_plan")
    tables["trade_terms"] = conform(terms_table(m, terms, spend.growth_base), "trade_terms")
    tables["rebate_tiers"] = conform(tiers_table(m, terms), "rebate_tiers")
    tables["promotions"] = _promotions_table(
        st, promo_ids, planned_uplift, base_cases_r, fund, fixed_fee, planned_cost
    )
    tables["trade_spend"] = build_frame(spend.ledger, "trade_spend")
    tables["cts_drivers"] = build_frame(spend.cts, "cts_drivers")
    # ---- truth -------------------------------------------------------------------------------------
    rep("truth tables", 0.90)
    cols, _ = pair_frame(acc_lab, sku_lab, pa, ps, T)
    dem_u = st.weekly.inputs.demand_units[:, :T]
    cols.update(
        expected_baseline_units=np.round(dem.lam[:, :T].ravel(), 4),
        baseline_units=dem.base_units.ravel(),
        demand_units=dem_u.ravel(),
        lost_units=np.maximum(0.0, dem_u - out.sold_units).ravel(),
    )
    truth["truth_baseline"] = build_frame(cols, "truth_baseline")
    pt = dem.promo_truth
    keep_p = ~pdf["cancelled"].to_numpy(dtype=bool) if n_rows else np.zeros(0, dtype=bool)
    nic_cases = (
        (pt["inc_units"].to_numpy() - pt["dip_units"].to_numpy() - pt["cannib_units"].to_numpy())
        / m.sku_upc[r_s]
        if n_rows
        else np.zeros(0)
    )
    gr_rate = np.where(
        np.array(terms.segment) == "DIST", terms.tier_rates[:, 1], terms.tier_rates[:, 0]
    )
    var_rate = terms.on_inv + terms.uncond + terms.ec_fee + terms.logistics + gr_rate
    margin = (
        m.sku_list[r_s] * m.acc_price_factor[r_a] * (1 - var_rate[r_a]) - m.sku_cogs[r_s]
        if n_rows
        else np.zeros(0)
    )
    executed = r_start < T
    spend_r = np.where(executed, spend.promo_spend, planned_cost) if n_rows else np.zeros(0)
    roi = nic_cases * margin / np.maximum(spend_r, 1.0) if n_rows else np.zeros(0)
    truth["truth_promo"] = build_frame(
        {
            "promo_id": promo_ids[keep_p],
            "incremental_cases": np.round(nic_cases[keep_p], 4),
            "dip_cases": np.round((pt["dip_units"].to_numpy() / m.sku_upc[r_s])[keep_p], 4)
            if n_rows
            else [],
            "cannibalized_cases": np.round(
                (pt["cannib_units"].to_numpy() / m.sku_upc[r_s])[keep_p], 4
            )
            if n_rows
            else [],
            "roi": np.round(roi[keep_p], 6),
        },
        "truth_promo",
    )
    truth["truth_elasticity"] = conform(m.elasticity, "truth_elasticity")
    P = len(people.person_ids)
    truth["truth_kam_competency"] = conform(
        pd.DataFrame(
            {
                "kam_id": np.repeat(people.person_ids, 10),
                "competency_id": np.tile([f"C{i}" for i in range(1, 11)], P),
                "latent_level": people.levels.ravel(),
            }
        ),
        "truth_kam_competency",
    )
    # ---- stage 12: labels --------------------------------------------------------------------------
    rep("scenario labels", 0.93)
    stuff_aw = np.zeros((A, T))
    stuff_aw += group_sum(pa, np.ceil(stuff_T - 1e-9) * (stuff_T > 0), stuff_aw.shape[0])
    ours = (
        maw[maw.brand_owner == "OURS"]
        .groupby(["account_id", "week_id"], observed=True)
        .value_incl_vat.sum()
    )
    allv = maw.groupby(["account_id", "week_id"], observed=True).value_incl_vat.sum()
    share_s = (ours / allv).reindex(pd.MultiIndex.from_product([acc_lab, range(T)]))
    share_aw = share_s.to_numpy(dtype=float).reshape(A, T)
    labels = build_labels(
        knobs, m, people, cal, T, acc_woc, stuff_aw, pdf, promo_ids, tt.diverted,
        spend.otif_line, share_aw, roi,
    )  # fmt: skip
    truth["truth_scenario_labels"] = conform(labels, "truth_scenario_labels")
    # ---- stage 13: people scores ----------------------------------------------------------------
    rep("assessment scores", 0.96)
    for name, df in assessment_tables().items():
        tables[name] = conform(df, name)
    tables["assessment_scores"] = conform(
        simulated_scores(cfg, people, pd.Timestamp(cal.week_start.iloc[-1])), "assessment_scores"
    )
    public = {n: tables[n] for n in PUBLIC_TABLES if n in tables}
    public.update({n: tables[n] for n in ("assessment_items", "item_competency_map", "role_targets",
                                          "assessment_scores")})  # fmt: skip
    truth = {n: truth[n] for n in TRUTH_TABLES if n in truth}
    world = World(public=public, truth=truth, meta=_meta(cfg))
    # ---- stage 14: validation --------------------------------------------------------------------
    rep("validation", 0.98)
    del st, out, dem, spend, tt, aud, sold_cases, lam_cases, stuff_T, ship_mask, sh, gs, oid
    del units, shelf, prow, disp, stores_sel, dem_u
    _trim()
    _validate(world)
    rep("done", 1.0)
    return world


def _plan_inputs(
    st: SimState, growth_base_first: np.ndarray, price: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Planned ÷ expected volume (A, Y) per account and fiscal year of the extended calendar
    (:func:`kamlab.sim.annual_plan.plan_volume_factor`) and each year's growth-rebate base: the first year's expected LY GS, then the
    previous year's actual GS (the last world year's for the year after the world)."""
    cfg, m, dem = st.cfg, st.master, st.dem
    assert st.out is not None
    A, T = m.n_acc, cfg.n_weeks
    years_ext = list(dict.fromkeys(st.cal.fiscal_year.to_numpy().tolist()))
    stretch = plan_volume_factor(cfg.seed, cfg.params, A, len(years_ext))
    fy = st.cal.fiscal_year.to_numpy()[:T]
    gs_actual = np.zeros((A, T))
    gs_actual += group_sum(dem.pair_a, st.out.shipped * price[:, None], A)
    growth_base = np.zeros((A, len(years_ext)))
    growth_base[:, 0] = growth_base_first
    for y in range(1, len(years_ext)):
        growth_base[:, y] = gs_actual[:, fy == years_ext[y - 1]].sum(axis=1)
    return stretch, growth_base


def _owner_costs(st: SimState) -> tuple[np.ndarray, np.ndarray]:
    """(owner id, owner's yearly cost) per account (the owner at the world's end)."""
    owner_ids = st.master.accounts["kam_id"].astype(str).to_numpy()
    kam = st.people.kam
    cost = dict(zip(kam.kam_id.astype(str), kam.cost_rmb_year.astype(float), strict=True))
    return owner_ids, np.array([cost.get(o, 0.0) for o in owner_ids])


def _free(obj: object, *names: str) -> None:
    """Drop large arrays no later stage needs, and hand freed heap pages back to the OS."""
    for n in names:
        setattr(obj, n, None)
    _trim()


def _trim() -> None:
    """``malloc_trim(0)`` on glibc: pandas' many small allocations otherwise keep freed memory."""
    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # another libc: nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _stores_selling(st: SimState, T: int) -> np.ndarray:
    """(N, T) stores where the SKU sells: open stores × (1 − OOS); outlets for distributors."""
    m, dem = st.master, st.dem
    pa = dem.pair_a
    stores = np.tile(m.acc_outlets[:, None], (1, T)).astype(float)
    s = m.stores
    acc_pos = {a: i for i, a in enumerate(m.acc_ids)}
    mt = s[s.format != "TT_OUTLET"]
    for a_id, g in mt.groupby("account_id"):
        ow = np.sort(g.open_week.to_numpy())
        stores[acc_pos[a_id]] = np.searchsorted(ow, np.arange(T), side="right")
    return (stores * (1.0 - dem.oos[:, :T]))[pa]


def _order_lines(
    st: SimState, cal: pd.DataFrame, price: np.ndarray, terms: Terms, spend: Any, T: int
) -> pd.DataFrame:
    m, dem, out = st.master, st.dem, st.out
    assert out is not None
    pa, ps = dem.pair_a, dem.pair_s
    O = out.orders
    w_i, n_i = np.nonzero(O.T > 0)  # week-major
    a_i = pa[n_i]
    order = np.lexsort((ps[n_i], a_i, w_i))
    w_i, n_i, a_i = w_i[order], n_i[order], a_i[order]
    key = w_i * m.n_acc + a_i
    new = np.r_[True, key[1:] != key[:-1]]
    order_no = np.cumsum(new) - 1
    n_lines = len(w_i)
    wd = cal.week_start.to_numpy(dtype="datetime64[ns]")
    weekday = m.accounts.order_weekday.to_numpy(dtype=np.int64)
    order_date = wd[w_i] + (weekday[a_i] * 86_400_000_000_000).astype("timedelta64[ns]")
    lead = np.where(m.acc_is_dist[a_i], 3, 2)
    req = order_date + (lead * 86_400_000_000_000).astype("timedelta64[ns]")
    late = st.weekly.days_late[a_i, w_i]
    shipped = out.shipped[n_i, w_i]
    deliv = req + (late * 86_400_000_000_000).astype("timedelta64[ns]")
    deliv = np.where(shipped > 0, deliv, np.datetime64("NaT"))
    ordered = O[n_i, w_i]
    reason = out.reason[n_i, w_i]
    deal = np.zeros(n_lines)
    gs_line = shipped * price[n_i]
    with np.errstate(divide="ignore", invalid="ignore"):
        oid_rate = np.where(gs_line > 0, spend.on_invoice[n_i, w_i] / gs_line, terms.on_inv[a_i])
    del deal
    return build_frame(
        {
            "order_line_id": id_col("OL", n_lines, 7),
            "order_id": id_col("OR", int(order_no[-1]) + 1 if n_lines else 0, 6).take(order_no),
            "account_id": str_col(a_i, m.acc_ids),
            "sku_id": str_col(ps[n_i], m.sku_ids),
            "week_id": w_i,
            "order_date": order_date,
            "requested_delivery_date": req,
            "cases_ordered": ordered.astype(np.int64),
            "cases_shipped": shipped.astype(np.int64),
            "cases_short": (ordered - shipped).astype(np.int64),
            "short_reason": cat_col(reason, _REASONS),
            "delivery_date": deliv,
            "days_late": late.astype(np.int64),
            "on_time": late == 0,
            "in_full": shipped >= ordered,
            "invoice_price_case": np.round(price[n_i] * (1 - oid_rate), 4),
        },
        "order_lines",
    )


def _promotions_table(
    st: SimState,
    promo_ids: np.ndarray,
    planned_uplift: np.ndarray,
    base_cases: np.ndarray,
    fund: np.ndarray,
    fixed_fee: np.ndarray,
    planned_cost: np.ndarray,
) -> pd.DataFrame:
    m, pdf, T = st.master, st.promos.rows, st.T
    n = len(pdf)
    if n == 0:
        from kamlab.data.schemas import empty_frame

        return empty_frame("promotions")
    a = pdf["a"].to_numpy(dtype=np.int64)
    s = pdf["s"].to_numpy(dtype=np.int64)
    mech = pdf["mechanic"].to_numpy()
    depth = pdf["depth"].to_numpy(dtype=float)
    start = pdf["start"].to_numpy(dtype=np.int64)
    end = pdf["end"].to_numpy(dtype=np.int64)
    cons = np.where(mech == "TRADE_DEAL", 0.5 * depth, np.where(mech == "GWP", 0.0, depth))
    status = np.where(
        pdf["cancelled"].to_numpy(dtype=bool),
        "CANCELLED",
        np.where(start < T, "EXECUTED", "PLANNED"),
    )
    deal = mech == "TRADE_DEAL"
    bw_s = pd.array(np.where(deal, start, 0), dtype="Int16")
    bw_e = pd.array(np.where(deal, end, 0), dtype="Int16")
    bw_s[~deal] = pd.NA
    bw_e[~deal] = pd.NA
    return conform(
        pd.DataFrame(
            {
                "promo_id": promo_ids,
                "account_id": m.acc_ids[a],
                "sku_id": m.sku_ids[s],
                "event_group_id": [f"EV{g:05d}" for g in pdf["event_group"]],
                "start_week": start,
                "end_week": end,
                "duration_weeks": end - start + 1,
                "mechanic": mech,
                "depth_pct": np.round(depth, 4),
                "shelf_price_promo_incl_vat": np.round(m.sku_rsp[s] * (1 - cons), 2),
                "display_type": pdf["display"].to_numpy(),
                "feature": pdf["feature"].to_numpy(),
                "funding_mode": [_FUNDING[x] for x in mech],
                "funding_per_case": np.round(fund, 4),
                "fixed_fee_rmb": np.round(fixed_fee, 2),
                "buy_window_start": bw_s,
                "buy_window_end": bw_e,
                "planned_uplift_pct": np.round(planned_uplift, 4),
                "planned_incremental_cases": np.round(planned_uplift * base_cases, 2),
                "planned_cost_rmb": np.round(planned_cost, 2),
                "event_code": pdf["event_code"].to_numpy(),
                "created_week": pdf["created"].to_numpy(dtype=np.int64),
                "status": status,
            }
        ),
        "promotions",
        sort=False,
    )


def _meta(cfg: SimConfig) -> dict[str, Any]:
    import pyarrow

    return {
        "generator": "kamlab.sim",
        "config": cfg.to_dict(),
        "seed": cfg.seed,
        "preset": cfg.preset_name,
        "scenarios": cfg.scenario_set,
        "versions": {
            "kamlab": __version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "pyarrow": pyarrow.__version__,
            "python": platform.python_version(),
        },
    }


def _validate(world: World) -> None:
    """Stage 14: the schema and §3.14 invariant checks of :mod:`kamlab.data.validate`; fail loudly."""
    try:
        from kamlab.data.validate import validate_world
    except ImportError:  # pragma: no cover - validate.py is written in parallel
        return
    problems = validate_world(world)
    if problems:
        head = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise RuntimeError(
            f"the simulated world failed validation ({len(problems)} problem(s)); this is a "
            f"simulator bug, please report it:\n{head}{more}"
        )
