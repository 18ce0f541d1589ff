"""``simulate_plan``: replay one account's next 13 weeks under a plan (SPEC §3.1).

The replay is the world's own models called again for one account and one quarter — the
demand model (λ continues beyond the world with its season, events, growth and any scenario
still acting), the promotion response (:func:`kamlab.sim.demand.promo_effects`), the
retailer's order policy, allocation against the account's share of capacity, delivery, sell-out
and FIFO stock (:func:`kamlab.sim.loop.run_loop`), and the trade-spend rules of the ledger
(:mod:`kamlab.sim.spend`, the same functions) — starting from the world's own closing stock and
stock ages. Its targets are the annual plan of the quarter (:mod:`kamlab.sim.annual_plan`). The world's model state is rebuilt from its
``meta["config"]`` (cached), so only simulated worlds can be replayed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.data.world import World
from kamlab.sim.annual_plan import ExpectedPlan, expected_plan, plan_volume_factor
from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.demand import poisson_fixed, promo_effects
from kamlab.sim.engine import SimState, build_state
from kamlab.sim.loop import LoopInputs, LoopState, run_loop
from kamlab.sim.master import CHANNEL_PARAMS, CHANNELS
from kamlab.sim.promotions import MAX_DEPTH, PromoCalendar, promo_plan, row_multiplier
from kamlab.sim.spend import (
    FINANCING_RATE,
    aged_stock_clearance,
    cts_drivers,
    event_display_fee,
    event_dm_fee,
    growth_rebate,
    listing_fee,
    lump_sum_fees,
    on_invoice_discount,
    otif_penalty,
    promo_variable_spend,
    rate_on_gs,
    split_over_rows,
    target_rebate,
)

__all__ = ["PLAN_KEYS", "PlanResult", "simulate_plan"]

HORIZON = 13
#: weeks-of-cover health band per channel (SPEC §3.14)
WOC_BANDS = {"HYPER": (2, 4), "SUPER": (2, 4), "CVS": (1, 2.5), "EC": (2, 4), "DIST": (3, 6)}
PLAN_KEYS = ("promotions", "terms", "shipments_policy", "budget")
_MECHANICS = ("TPR", "MULTIBUY", "BOGO", "GWP", "DISPLAY_ONLY", "EC_COUPON", "TRADE_DEAL")
_DISPLAYS = ("NONE", "ENDCAP", "FLOOR_STACK")
_FEATURES = ("NONE", "DM", "APP_BANNER")
_RATE_TERMS = (
    "on_invoice_discount_pct",
    "unconditional_rebate_pct",
    "ec_platform_fee_pct",
    "logistics_allowance_pct",
    "otif_penalty_pct",
    "aged_stock_clearance_pct",
    "case_fill_kpi",
    "otif_kpi",
)
_MONEY_TERMS = (
    "endcap_fee_per_store_period",
    "floorstack_fee_per_store_period",
    "dm_fee_per_issue",
    "festival_fee_annual",
    "anniversary_fee_annual",
    "listing_fee_per_sku_store",
)


@dataclass
class PlanResult:
    """What a plan does to the account over the 13 replayed weeks.

    ``weekly``: one row per SKU × week (orders, shipments, receipts, sales, stock, demand, lost
    units, promotion). ``account_weekly``: one row per week (cases, GS, TTS, NR, COGS, GP, CTS,
    CC, weeks of cover). ``spend``: the trade-spend ledger of the quarter (spend_type × week).
    ``scorecard``: the §2.18 five indicators (actual, target, achievement) with ``composite`` and
    ``rag``. ``kpis``: headline numbers (``tts_rate``, ``cc_rate``, ``nr``, ``cc``, ``gs``,
    ``woc_end``, ``woc_mean``, ``lws``, ``lws_max``, ``case_fill``, ``line_otif``,
    ``value_share``, ``budget``, ``budget_used``, ``cases_ordered``, ``capacity_short_cases``
    (every ordered case not shipped), ``supply_short_cases`` (not supplied by the allocation
    from the account's share of capacity — the capacity-feasibility measure),
    ``service_cut_cases`` (cut by a deprioritised service), ``nr_ly``, ``cc_rate_ly``,
    ``tts_rate_cap``, ``woc_band``, ``nr_target``, ``cc_target``).
    """

    account_id: str
    weeks: list[int]
    weekly: pd.DataFrame
    account_weekly: pd.DataFrame
    spend: pd.DataFrame
    scorecard: pd.DataFrame
    composite: float
    rag: str
    kpis: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=2)
def _state_for(config_json: str) -> SimState:
    return build_state(SimConfig.from_dict(json.loads(config_json)))


def _world_state(world: World) -> SimState:
    cfg = world.meta.get("config") if isinstance(world.meta, dict) else None
    if not isinstance(cfg, dict) or "preset" not in cfg:
        raise ValueError(
            "world has no simulator configuration in its meta (it was imported, not simulated); "
            "simulate_plan can only replay a world made by kamlab.sim.simulate or "
            "`kamlab data generate`."
        )
    return _state_for(json.dumps(cfg, sort_keys=True))


# ---------------------------------------------------------------------------------------------
# plan validation
def _frame(plan: dict[str, Any], key: str) -> pd.DataFrame | None:
    v = plan.get(key)
    if v is None:
        return None
    if isinstance(v, dict):
        v = (
            pd.DataFrame([v])
            if all(np.isscalar(x) or x is None for x in v.values())
            else pd.DataFrame(v)
        )
    if not isinstance(v, pd.DataFrame):
        raise ValueError(
            f"plan[{key!r}] must be a DataFrame (or a dict of columns); got {type(v).__name__}."
        )
    return v.reset_index(drop=True)


def _row_name(key: str, i: int, df: pd.DataFrame) -> str:
    sku = f" (sku_id={df.at[i, 'sku_id']})" if "sku_id" in df.columns else ""
    return f"plan[{key!r}] row {i}{sku}"


def _need(df: pd.DataFrame, key: str, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"plan[{key!r}] is missing column(s) {', '.join(missing)}.")


def _nonneg(
    df: pd.DataFrame, key: str, col: str, hi: float | None = None, blank_ok: bool = False
) -> None:
    if col not in df.columns:
        return
    x = pd.to_numeric(df[col], errors="coerce")
    bad = (x < 0).to_numpy().copy()
    if blank_ok:  # a blank cell means "the default rule"; text is still an error
        bad |= x.isna().to_numpy() & df[col].notna().to_numpy()
    else:
        bad |= x.isna().to_numpy()
    for i in np.flatnonzero(bad):
        raise ValueError(
            f"{_row_name(key, i, df)}: {col} = {df.at[i, col]!r} must be a number ≥ 0."
        )
    if hi is not None:
        for i in np.flatnonzero((x > hi).to_numpy()):
            raise ValueError(f"{_row_name(key, i, df)}: {col} = {df.at[i, col]} is above {hi}.")


def _validate_plan(
    plan: dict[str, Any], account_id: str, skus: list[str], listed: set[str], weeks: range
) -> dict[str, pd.DataFrame | None]:
    if not isinstance(plan, dict):
        raise ValueError(
            "plan must be a dict of DataFrames with keys promotions, terms, shipments_policy, budget."
        )
    unknown = sorted(set(plan) - set(PLAN_KEYS))
    if unknown:
        raise ValueError(
            f"plan has unknown key(s) {', '.join(unknown)}; use {', '.join(PLAN_KEYS)}."
        )
    out = {k: _frame(plan, k) for k in PLAN_KEYS}
    lo, hi = weeks.start, weeks.stop - 1
    pr = out["promotions"]
    if pr is not None and len(pr):
        _need(pr, "promotions", ("sku_id", "start_week", "end_week", "depth_pct"))
        for i in range(len(pr)):
            s = str(pr.at[i, "sku_id"])
            name = _row_name("promotions", i, pr)
            if s not in skus:
                raise ValueError(f"{name}: unknown SKU {s!r}; SKUs are {skus[0]}…{skus[-1]}.")
            if s not in listed:
                raise ValueError(
                    f"{name}: SKU {s} is not listed at {account_id}; promote a listed SKU."
                )
            if "account_id" in pr.columns and str(pr.at[i, "account_id"]) != account_id:
                raise ValueError(
                    f"{name}: account_id {pr.at[i, 'account_id']} is not {account_id}."
                )
            a, b = int(pr.at[i, "start_week"]), int(pr.at[i, "end_week"])
            if not lo <= a <= b <= hi:
                raise ValueError(
                    f"{name}: weeks {a}–{b} must satisfy {lo} ≤ start_week ≤ end_week ≤ {hi} "
                    "(the 13 weeks after the world)."
                )
            d = float(pr.at[i, "depth_pct"])
            if not 0.0 <= d <= MAX_DEPTH + 1e-9:
                raise ValueError(f"{name}: depth_pct {d} is outside 0–0.5.")
            for col, allowed in (
                ("mechanic", _MECHANICS),
                ("display_type", _DISPLAYS),
                ("feature", _FEATURES),
            ):
                if col in pr.columns and str(pr.at[i, col]) not in allowed:
                    raise ValueError(
                        f"{name}: {col} {pr.at[i, col]!r} is not one of {', '.join(allowed)}."
                    )
        for col in ("funding_per_case", "fixed_fee_rmb", "planned_uplift_pct"):
            _nonneg(pr, "promotions", col, blank_ok=True)
        order = pr.sort_values(["sku_id", "start_week"], kind="mergesort")
        prev: dict[str, tuple[int, int]] = {}
        for i, r in order.iterrows():
            s = str(r.sku_id)
            if s in prev and int(r.start_week) <= prev[s][1]:
                j = prev[s][0]
                raise ValueError(
                    f"{_row_name('promotions', int(i), pr)}: overlaps row {j} (same SKU, weeks "
                    f"{pr.at[j, 'start_week']}–{pr.at[j, 'end_week']}); one promotion at a time per SKU."
                )
            if s not in prev or int(r.end_week) > prev[s][1]:
                prev[s] = (int(i), int(r.end_week))
    te = out["terms"]
    if te is not None and len(te):
        if len(te) != 1:
            raise ValueError(
                f"plan['terms'] must have one row (the account's terms); it has {len(te)}."
            )
        for c in _RATE_TERMS:
            _nonneg(te, "terms", c, hi=1.0)
        for c in (*_MONEY_TERMS, "payment_terms_days"):
            _nonneg(te, "terms", c)
    sp = out["shipments_policy"]
    if sp is not None and len(sp):
        if "cases" not in sp.columns and "target_woc" not in sp.columns:
            raise ValueError(
                "plan['shipments_policy'] needs a target_woc column (order-up-to policy) or "
                "week_id and cases columns (explicit weekly sell-in)."
            )
        for c in ("target_woc", "cases"):
            _nonneg(sp, "shipments_policy", c)
        if "sku_id" in sp.columns:
            for i in range(len(sp)):
                s = str(sp.at[i, "sku_id"])
                if s not in listed:
                    raise ValueError(
                        f"{_row_name('shipments_policy', i, sp)}: SKU {s} is unknown or not listed at {account_id}."
                    )
        if "cases" in sp.columns:
            _need(sp, "shipments_policy", ("week_id",))
            for i in range(len(sp)):
                w = int(sp.at[i, "week_id"])
                if not lo <= w <= hi:
                    raise ValueError(
                        f"{_row_name('shipments_policy', i, sp)}: week_id {w} is outside {lo}–{hi}."
                    )
    bu = out["budget"]
    if bu is not None and len(bu):
        _need(bu, "budget", ("trade_budget_rmb",))
        _nonneg(bu, "budget", "trade_budget_rmb")
    return out


# ---------------------------------------------------------------------------------------------
def simulate_plan(world: World, account_id: str, plan: dict[str, Any], seed: int) -> PlanResult:
    """Replay ``account_id``'s next 13 weeks after the world's last week under ``plan``.

    ``plan`` is a dict of DataFrames (every key optional; a missing key keeps the world's
    current practice):

    - ``promotions``: one row per promoted SKU — ``sku_id``, ``start_week``, ``end_week``
      (week ids ``T … T+12``, T = the world's number of weeks), ``depth_pct`` (0–0.5), optional
      ``mechanic`` (default TPR), ``display_type`` (NONE / ENDCAP / FLOOR_STACK), ``feature``
      (NONE / DM / APP_BANNER), ``event_group_id`` (rows of one event share its display and
      DM fees; without it, rows with the same weeks, mechanic, display and feature form one
      event), ``funding_per_case`` (default: the world's scan-back rule), ``fixed_fee_rmb``
      (the row's share of the event's fees; default: the display fee per store and period ×
      stores taking a display × periods, plus one DM fee per featured event, split over the
      event's rows), ``planned_uplift_pct`` (what the retailer orders for; default: the true
      expected uplift). No overlaps per SKU. Without this key the world's PLANNED promotions
      for those weeks run; an empty table means no promotions.
    - ``terms``: one row of §1.2 trade-terms columns (``on_invoice_discount_pct``,
      ``unconditional_rebate_pct``, fees, ``payment_terms_days``, KPIs …); missing columns keep
      the account's current terms.
    - ``shipments_policy``: either ``target_woc`` (per ``sku_id`` or one account-wide row) for
      the retailer's order-up-to policy, or ``week_id``, ``cases`` (and optionally ``sku_id``)
      for an explicit weekly sell-in (without ``sku_id`` the cases are split over the SKUs in
      proportion to expected demand).
    - ``budget``: ``trade_budget_rmb`` for the quarter (default: the annual plan's trade budget
      of these 13 weeks).

    Bad plans raise ``ValueError`` naming the row: unknown or unlisted SKUs, overlapping
    promotions, depths outside 0–0.5, negative amounts. The same world, account, plan and
    ``seed`` always give the same result.

    Trade spend follows the ledger's rules (:mod:`kamlab.sim.spend`, the same functions);
    cost-to-serve counts freight, order handling, merchandising, the owner's KAM cost (its
    yearly cost × the account's share of the owner's planned net revenue, ÷ 52 per week) and
    financing, as the scorecard does. Targets (§2.18 scorecard): revenue and profit = the annual
    plan of these 13 weeks (:func:`kamlab.sim.annual_plan.expected_plan`: the clean model's
    expected NR and CC with the account's stretch — what the company planned for the quarter);
    share = its value-share target; execution = its perfect-store target; fill rate = the
    case-fill KPI. ``kpis`` also carries last year's actual NR and CC% of the same weeks
    (``nr_ly``, ``cc_rate_ly``), ``capacity_short_cases`` (every ordered case not shipped),
    ``supply_short_cases`` (cases the allocation could not supply from the account's share of
    capacity) and ``service_cut_cases`` (lines cut by a deprioritised service, a scenario).

    >>> from kamlab.sim import SimConfig, simulate
    >>> w = simulate(SimConfig.preset("small", seed=11, scenarios="none"))
    >>> T = len(w.calendar)
    >>> plan = {
    ...     "promotions": pd.DataFrame({"sku_id": ["SKU001"], "start_week": [T + 2],
    ...                                 "end_week": [T + 3], "depth_pct": [0.2]}),
    ...     "shipments_policy": pd.DataFrame({"target_woc": [2.5]}),
    ...     "budget": pd.DataFrame({"trade_budget_rmb": [2_000_000.0]}),
    ... }
    >>> res = simulate_plan(w, "ACC001", plan, seed=1)
    >>> len(res.account_weekly), res.rag in ("green", "amber", "red")
    (13, True)
    >>> round(res.kpis["tts_rate"], 3) == round(simulate_plan(w, "ACC001", plan, 1).kpis["tts_rate"], 3)
    True
    """
    st = _world_state(world)
    cfg, m, dem = st.cfg, st.master, st.dem
    T, H = cfg.n_weeks, min(HORIZON, cfg.horizon_weeks)
    ids = m.acc_ids.tolist()
    if account_id not in ids:
        raise ValueError(
            f"account_id {account_id!r} is not an account of this world ({ids[0]}…{ids[-1]})."
        )
    a = ids.index(account_id)
    prs = np.flatnonzero(dem.pair_a == a)
    skus_a = dem.pair_s[prs]
    sku_ids = m.sku_ids.tolist()
    listed = {sku_ids[s] for s in skus_a}
    weeks = range(T, T + H)
    pl = _validate_plan(plan, account_id, sku_ids, listed, weeks)
    _check_world_matches(world, st, a, prs)
    p = cfg.params
    n = len(prs)
    upc = m.sku_upc[skus_a]
    price = m.sku_list[skus_a] * m.acc_price_factor[a]
    cogs = m.sku_cogs[skus_a]
    # ---- terms ---------------------------------------------------------------------------------
    tt = world.trade_terms
    cur = tt[tt.account_id == account_id].sort_values("fiscal_year").iloc[-1].to_dict()
    if pl["terms"] is not None and len(pl["terms"]):
        cur.update({k: v for k, v in pl["terms"].iloc[0].to_dict().items() if k in cur})
    # ---- promotions: the plan's, or the world's PLANNED ones ------------------------------------
    rows = _plan_rows(st, a, pl["promotions"], cur, weeks)
    cal_rows = PromoCalendar(
        rows=rows,
        rho=rows["rho"].to_numpy(dtype=float) if len(rows) else np.zeros(0),
        fwd_buy=rows["fwd"].to_numpy(dtype=float) if len(rows) else np.zeros(0),
        plan_bias=rows["bias"].to_numpy(dtype=float) if len(rows) else np.zeros(0),
    )
    Te = T + H
    lam = dem.lam[prs, :Te]
    pair_index = np.full_like(dem.pair_index, -1)
    pair_index[a, skus_a] = np.arange(n)
    eff = promo_effects(p, m, cal_rows, pair_index, np.full(n, a), skus_a, lam, Te)
    # the rows' funding, fees and lump sums by the world's rules (kamlab.sim.promotions/spend)
    pplan = promo_plan(m, p, cal_rows, lam / upc[:, None], pair_index)
    given = rows["funding"].to_numpy(dtype=float) if len(rows) else np.zeros(0)
    funding = np.where(np.isfinite(given), given, pplan.funding_per_case)
    cat = m.sku_cat[skus_a]
    comp_f = np.where(st.comp.promo[a, cat, :Te], p.comp_promo_effect, 1.0)
    factor = (eff.factor * comp_f)[:, T:]
    lam_h = lam[:, T:]
    # ---- draws of the replay (stream PLAN_REPLAY, keyed by the plan seed) ------------------------
    rng = stage_rng(cfg.seed, "PLAN_REPLAY", int(seed), a)
    z = rng.standard_normal((n, H))
    pu = rng.random((n, H))
    pz = rng.standard_normal((n, H))
    zo = rng.standard_normal((n, H + 3))
    u_ot = rng.random(H)
    u_late = rng.random(H)
    z_late = rng.standard_normal(H)
    u_cut = rng.random((n, H))
    u_keep = rng.random((n, H))
    sd = p.demand_sigma
    base = poisson_fixed(lam_h * np.exp(sd * z - 0.5 * sd * sd), pu, pz)
    demand_units = np.round(base * factor)
    # retailer forecast with the plan's promotion expectation
    bias = rows["bias"].to_numpy(dtype=float) if len(rows) else np.ones(1)
    on = eff.on[:, T:]
    rr = eff.rr[:, T:]
    lift = np.where(on, 1.0 + (eff.mult[:, T:] - 1.0) * bias[rr], 1.0)
    lam_next = np.pad(dem.lam[prs, T : T + H], ((0, 0), (0, 3)), mode="edge")
    lift_next = np.pad(lift, ((0, 0), (0, 3)), constant_values=1.0)
    F = (
        lam_next
        / upc[:, None]
        * lift_next
        * np.exp(p.order_noise_sd * zo - 0.5 * p.order_noise_sd**2)
    )
    # ---- shipments policy ----------------------------------------------------------------------
    woc = np.full(n, m.acc_target_woc[a])
    fixed = None
    sp = pl["shipments_policy"]
    if sp is not None and len(sp):
        if "cases" in sp.columns:
            fixed = np.zeros((n, H))
            exp_cases = lam_h * factor / upc[:, None]
            for _, r in sp.iterrows():
                w = int(r.week_id) - T
                if "sku_id" in sp.columns and pd.notna(r.get("sku_id")):
                    fixed[list(skus_a).index(sku_ids.index(str(r.sku_id))), w] += float(r.cases)
                else:
                    share = exp_cases[:, w] / max(exp_cases[:, w].sum(), 1e-9)
                    fixed[:, w] += float(r.cases) * share
        else:
            if "sku_id" in sp.columns:
                for _, r in sp.iterrows():
                    woc[list(skus_a).index(sku_ids.index(str(r.sku_id)))] = float(r.target_woc)
            else:
                woc[:] = float(sp.target_woc.iloc[0])
    # ---- supply: the account's share of each SKU's capacity -----------------------------------
    inp_w = st.weekly.inputs
    tot = np.zeros(m.n_sku)
    np.add.at(
        tot,
        dem.pair_s,
        (dem.lam[:, T:Te] * dem.factor[:, T:Te] / m.sku_upc[dem.pair_s][:, None]).sum(axis=1),
    )
    mine = (lam_h * factor / upc[:, None]).sum(axis=1)
    share_cap = np.divide(mine, tot[skus_a], out=np.ones(n), where=tot[skus_a] > 0)
    # the account's share of each SKU's capacity, DC stock and stock target: production and
    # allocation run by the world's rules (kamlab.sim.loop.plan_production / allocate)
    es = st.weekly.state
    cap_h = inp_w.capacity[skus_a, T:Te] * share_cap[:, None]
    mean_h = inp_w.mean_demand[skus_a, T:Te] * share_cap[:, None]
    # ---- delivery and service --------------------------------------------------------------------
    c6 = st.people.levels[st.people.owner[a], 5]
    p_ot = CHANNEL_PARAMS[CHANNELS[m.acc_channel[a]]][4] + 0.01 * (c6 - 2)
    keep = np.ones((n, H))
    svc = st.knobs.service.get(a)
    if svc is not None:
        p_ot -= 0.45 * svc["otif_gap"]
        keep = np.where(u_cut < 0.55 * svc["otif_gap"], 0.3 + 0.6 * u_keep, 1.0)
    on_time = u_ot < np.clip(p_ot, 0, 1)
    days_late = np.where(on_time, 0, 1 + poisson_fixed(np.full(H, p.late_poisson), u_late, z_late))
    # ---- opening state: the world's end of week T−1 ----------------------------------------------
    state = LoopState(
        inv=es.inv[prs].copy(),
        coh=es.coh[prs].copy(),
        pending=es.pending[prs].copy(),
        dc=es.dc[skus_a] * share_cap,
        dc_coh=es.dc_coh[skus_a] * share_cap[:, None],
    )
    moq = np.full(n, p.moq_dist if m.acc_is_dist[a] else p.moq_ka, dtype=float)
    inputs = LoopInputs(
        acc=np.zeros(n, dtype=np.int64),
        sku=np.arange(n),
        upc=upc,
        target_woc=woc,
        moq=moq,
        half_life=np.ceil(m.sku_shelf_life[skus_a] / 2).astype(np.int64),
        F=F,
        extra=np.zeros((n, H)),
        demand_units=demand_units,
        fc_mult2=np.ones((n, H)),
        push_frac=np.zeros((1, H)),
        push_start=np.zeros((1, H), dtype=bool),
        push_len=np.ones((1, H), dtype=np.int64),
        on_time=on_time[None, :],
        late_next_week=(days_late >= 3)[None, :],
        credit_hold=np.zeros((1, H), dtype=bool),
        keep_frac=keep,
        capacity=cap_h,
        mean_demand=mean_h,
        dc_third_life=m.sku_shelf_life[skus_a] / 3.0,
        alpha=p.order_alpha,
        prod_mult=p.prod_forecast_mult,
        dc_target_weeks=p.dc_target_weeks,
        dc_gain=p.dc_gain,
        fixed_orders=fixed,
        track_shortfall=True,
    )
    out = run_loop(inputs, state, H)
    return _result(world, st, a, account_id, skus_a, weeks, out, rows, eff, pplan, funding,
                   demand_units, on_time, price, cogs, upc, cur, pl["budget"], prs)  # fmt: skip


def _check_world_matches(world: World, st: SimState, a: int, prs: np.ndarray) -> None:
    """The rebuilt model must reproduce the world's closing stock (same code, same numpy)."""
    inv = world.customer_inventory
    T = st.cfg.n_weeks
    last = inv[(inv.account_id == st.master.acc_ids[a]) & (inv.week_id == T - 1)]
    mine = float(st.weekly.state.inv[prs].sum())
    theirs = float(last.closing_cases.sum())
    if abs(mine - theirs) > 1e-6 * max(1.0, abs(theirs)):
        raise ValueError(
            "this world's tables do not match its configuration as rebuilt here (generated by a "
            "different kamlab or numpy version, or edited); regenerate it with `kamlab data "
            "generate` before replaying plans."
        )


def _plan_rows(
    st: SimState, a: int, pr: pd.DataFrame | None, terms: dict, weeks: range
) -> pd.DataFrame:
    """Promotion rows in the simulator's internal format for the replay weeks.

    A plan's rows are grouped into events (``event_group_id``, else same weeks, mechanic,
    display and feature); each event's display and DM fees (:func:`kamlab.sim.spend.
    event_display_fee`, :func:`~kamlab.sim.spend.event_dm_fee`) are split evenly over its rows,
    as the world books its own events; a row's ``fixed_fee_rmb`` replaces its share.
    """
    m, p = st.master, st.cfg.params
    cols = ["a", "s", "start", "end", "mechanic", "depth", "display", "feature", "display_fee",
            "dm_fee", "event_code", "created", "cancelled", "rho", "fwd", "bias", "extra",
            "event_group", "funding"]  # fmt: skip
    if pr is None:
        w = st.promos.rows
        keep = (w["a"] == a) & (w["start"] >= weeks.start) & ~w["cancelled"].astype(bool)
        rows = w[keep].copy()
        rows["end"] = np.minimum(rows["end"], weeks.stop - 1)
        rows["funding"] = np.nan
        return rows.reset_index(drop=True)[cols] if len(rows) else pd.DataFrame(columns=cols)
    if len(pr) == 0:
        return pd.DataFrame(columns=cols)
    sku_ids = m.sku_ids.tolist()

    def text(col: str, default: str) -> np.ndarray:
        if col not in pr.columns:
            return np.full(len(pr), default, dtype=object)
        v = pr[col].astype(object).where(pr[col].notna(), default).astype(str).to_numpy()
        return np.where(v == "", default, v)

    mech = text("mechanic", "TPR")
    disp = text("display_type", "NONE")
    feat = text("feature", "NONE")
    start = pr["start_week"].astype(int).to_numpy()
    end = pr["end_week"].astype(int).to_numpy()
    if "event_group_id" in pr.columns and pr["event_group_id"].notna().all():
        ev_key = pr["event_group_id"].astype(str).tolist()
    else:
        ev_key = [f"{s}|{e}|{mc}|{d}|{f}" for s, e, mc, d, f in zip(start, end, mech, disp, feat,
                                                                 strict=True)]  # fmt: skip
    ev_ids = pd.factorize(pd.Series(ev_key))[0]
    disp_fee = event_display_fee(
        disp, float(terms["endcap_fee_per_store_period"]),
        float(terms["floorstack_fee_per_store_period"]), float(m.acc_outlets[a]),
        float(m.display_share(p)[a]), end - start + 1,
    )  # fmt: skip
    dm_fee = event_dm_fee(feat, float(terms["dm_fee_per_issue"]))
    disp_row = split_over_rows(ev_ids, disp_fee)
    dm_row = split_over_rows(ev_ids, dm_fee)
    if "fixed_fee_rmb" in pr.columns:
        # a given fee replaces the row's share, booked as display and DM in the rule's
        # proportions (all display when the rule charges nothing)
        given = pd.to_numeric(pr["fixed_fee_rmb"], errors="coerce").to_numpy(dtype=float)
        has = np.isfinite(given)
        tot = disp_row + dm_row
        w_dm = np.divide(dm_row, tot, out=np.zeros(len(pr)), where=tot > 0)
        disp_row = np.where(has, given * (1.0 - w_dm), disp_row)
        dm_row = np.where(has, given * w_dm, dm_row)
    fund = (
        pd.to_numeric(pr["funding_per_case"], errors="coerce").to_numpy(dtype=float)
        if "funding_per_case" in pr.columns
        else np.full(len(pr), np.nan)
    )
    s_idx = [sku_ids.index(str(x)) for x in pr["sku_id"]]
    # a row's retailer response is keyed by its content (SKU, first week), not its position,
    # so re-ordering a plan's rows never changes its replay
    u = np.array(
        [stage_rng(st.cfg.seed, "PLAN_REPLAY", 0, a, si, int(w0)).random(2)
         for si, w0 in zip(s_idx, start, strict=True)]
    ).reshape(len(pr), 2)  # fmt: skip
    rows = pd.DataFrame(
        {
            "a": a,
            "s": s_idx,
            "start": start,
            "end": end,
            "mechanic": mech,
            "depth": pr["depth_pct"].astype(float).to_numpy(),
            "display": disp,
            "feature": feat,
            "display_fee": disp_row,
            "dm_fee": dm_row,
            "event_code": None,
            "created": weeks.start - 1,
            "cancelled": False,
            "rho": 0.10 + 0.20 * u[:, 0],
            "fwd": 0.5 + u[:, 1],
            "bias": 1.0,
            "extra": 0.0,
            "event_group": ev_ids + 1,
            "funding": fund,
        },
        columns=cols,
    )
    if "planned_uplift_pct" in pr.columns:
        true_up = row_multiplier(m, rows, p) - 1.0
        planned = pd.to_numeric(pr["planned_uplift_pct"], errors="coerce").to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rows["bias"] = np.where(np.isfinite(planned) & (true_up > 0), planned / true_up, 1.0)
    return rows


def _kam_share(world: World, account_id: str) -> float:
    """The account's share of its owner's cost: its planned NR / the owner's accounts' planned
    NR in the last plan year (``targets_annual``; equal shares when not positive)."""
    acc = world.accounts
    owner = str(acc.set_index("account_id").kam_id[account_id])
    mine = acc.account_id[acc.kam_id.astype(str) == owner].astype(str).tolist()
    ta = world.targets_annual
    ta = ta[ta.fiscal_year == ta.fiscal_year.max()].set_index("account_id")
    nr = np.array([max(0.0, float(ta.nr_target.get(x, 0.0))) for x in mine])
    if nr.sum() <= 0:
        return 1.0 / max(1, len(mine))
    return float(nr[mine.index(account_id)] / nr.sum())


def _kam_cost_week(world: World, account_id: str) -> float:
    """The account's weekly share of its owner's yearly cost (RMB/week)."""
    owner = str(world.accounts.set_index("account_id").kam_id[account_id])
    cost = float(world.kam.set_index("kam_id").cost_rmb_year.get(owner, 0.0))
    return cost * _kam_share(world, account_id) / 52.0


def _quarter_plan(st: SimState, a: int, kam_share: float, ly_gs: float) -> ExpectedPlan:
    """The company's plan of account ``a`` for the weeks after the world (cached per world
    configuration and account): the expected outcome of its PLANNED promotions on the demand
    run-rate at the world's end (scenarios still acting are market facts by then), from the
    customer's actual stock, with the account's stretch — by the annual plan's rules
    (:func:`kamlab.sim.annual_plan.expected_plan`)."""
    key = ("quarter_plan", a, round(kam_share, 12), round(ly_gs, 2))
    if key in st.extra:
        return st.extra[key]
    cfg, m, dem = st.cfg, st.master, st.dem
    prs = np.flatnonzero(dem.pair_a == a)
    if "plan_world" not in st.extra:
        upc = m.sku_upc[dem.pair_s]
        st.extra["plan_world"] = promo_plan(
            m, cfg.params, st.promos, dem.lam / upc[:, None], dem.pair_index
        )
    years_ext = list(dict.fromkeys(st.cal.fiscal_year.to_numpy().tolist()))
    stretch = plan_volume_factor(cfg.seed, cfg.params, m.n_acc, len(years_ext))
    growth_base = np.zeros((m.n_acc, len(years_ext)))
    growth_base[a, years_ext.index(int(st.cal.fiscal_year.iloc[cfg.n_weeks]))] = ly_gs
    units = np.zeros(dem.lam.shape)
    units[prs] = dem.lam[prs] * dem.factor_clean_promo[prs]
    ep = expected_plan(
        cfg.params, m, st.terms, st.cal, st.ev_weeks, dem, st.promos, st.extra["plan_world"],
        stretch, growth_base, np.zeros(m.n_acc), np.zeros(m.n_acc, dtype=np.int64),
        accounts=np.array([a]), kam_share=np.array([0.0]), start=cfg.n_weeks,
        opening=st.weekly.state.inv[prs] + st.weekly.state.pending[prs], units=units,
        promo_row=dem.promo_row,
    )  # fmt: skip
    st.extra[key] = ep
    return ep


def _result(
    world: World,
    st: SimState,
    a: int,
    account_id: str,
    skus_a: np.ndarray,
    weeks: range,
    out: Any,
    rows: pd.DataFrame,
    eff: Any,
    pplan: Any,
    funding: np.ndarray,
    demand_units: np.ndarray,
    on_time: np.ndarray,
    price: np.ndarray,
    cogs: np.ndarray,
    upc: np.ndarray,
    terms: dict,
    budget_df: pd.DataFrame | None,
    prs: np.ndarray,
) -> PlanResult:
    m = st.master
    T = st.cfg.n_weeks
    H = len(weeks)
    n = len(skus_a)
    rate = lambda k: float(terms.get(k, 0.0) or 0.0)  # noqa: E731
    sold_cases = out.sold_units / upc[:, None]
    gs = out.shipped * price[:, None]
    gs_w = gs.sum(axis=0)
    # ---- trade spend: the ledger's rules (kamlab.sim.spend) -------------------------------------
    mech = rows["mechanic"].to_numpy() if len(rows) else np.array([], dtype=object)
    depth = rows["depth"].to_numpy(dtype=float) if len(rows) else np.zeros(0)
    scan, deal = promo_variable_spend(sold_cases, gs, eff.row[:, T:], mech, depth, funding)
    fees = {k: np.zeros(H) for k in ("DISPLAY_FEE", "DM_FEE", "PROMO_LUMP_SUM", "LISTING_FEE")}
    for r in range(len(rows)):
        w = int(rows.at[r, "start"]) - T
        if 0 <= w < H:
            fees["DISPLAY_FEE"][w] += float(rows.at[r, "display_fee"])
            fees["DM_FEE"][w] += float(rows.at[r, "dm_fee"])
            if mech[r] == "GWP":
                fees["PROMO_LUMP_SUM"][w] += float(pplan.lump_sum[r])
    for s in skus_a:
        w = int(m.sku_launch[s]) - T
        if 0 <= w < H:
            fees["LISTING_FEE"][w] += float(
                listing_fee(rate("listing_fee_per_sku_store"), m.acc_outlets[a])
            )
    lumps = {"FESTIVAL_FEE": np.zeros(H), "ANNIVERSARY_FEE": np.zeros(H)}
    for kind, _a, w, amt in lump_sum_fees(
        np.array([rate("festival_fee_annual")]), np.array([rate("anniversary_fee_annual")]),
        np.array([st.terms.anniversary_period[a]]), st.cal, st.ev_weeks, T, T + H, [0],
    ):  # fmt: skip
        lumps[kind][w - T] += amt
    # growth rebate (KA) on growth vs the same weeks last year; target rebate (distributors)
    si = world.sell_in
    ly_gs = float(
        si[
            (si.account_id == account_id) & si.week_id.between(T - 52, T - 52 + H - 1)
        ].gross_sales.sum()
    )
    kam_share = _kam_share(world, account_id)
    ep = _quarter_plan(st, a, kam_share, ly_gs)
    tiers = world.rebate_tiers
    tr = tiers[tiers.account_id == account_id]
    tr = tr[tr.fiscal_year == tr.fiscal_year.max()].sort_values("tier_no")
    bands = [(float(lo), None if pd.isna(hi) else float(hi), float(rt))
             for lo, hi, rt in zip(tr.lower_bound, tr.upper_bound, tr.rate, strict=True)]  # fmt: skip
    rates_t = np.array([[b[2] for b in bands]]) if bands else np.zeros((1, 1))
    growth = np.zeros(H)
    target = np.zeros(H)
    if bands and str(tr.rebate_type.iloc[0]) == "GROWTH":
        growth = growth_rebate(gs_w[None, :], np.array([ly_gs]), rates_t, bands)[0]
    elif bands:
        vol_t = ep.cases[0, T : T + H]
        target = target_rebate(out.shipped.sum(axis=0)[None, :], vol_t[None, :],
                               gs_w[None, :], rates_t, bands)[0]  # fmt: skip
    # OTIF penalty per period, aged-stock clearance
    lines = out.orders > 0
    ot = np.broadcast_to(on_time[None, :], lines.shape)
    ok = lines & (out.shipped >= out.orders) & ot
    value_sl = ((out.orders - out.shipped) + out.shipped * ~ot) * price[:, None]
    pk = st.cal.period_key.astype(str).to_numpy()[T : T + H]
    pen = np.zeros(H)
    for key in dict.fromkeys(pk.tolist()):
        wk = np.flatnonzero(pk == key)
        p_k, _ = otif_penalty(
            np.array([lines[:, wk].sum()]), np.array([ok[:, wk].sum()]),
            np.array([value_sl[:, wk].sum()]), rate("otif_kpi"), rate("otif_penalty_pct"),
        )  # fmt: skip
        pen[wk[-1]] = p_k[0]
    spend_w = {
        "OFF_INVOICE": on_invoice_discount(gs, rate("on_invoice_discount_pct")).sum(axis=0),
        "PROMO_SCAN_BACK": scan.sum(axis=0),
        "PROMO_OFF_INVOICE": deal.sum(axis=0),
        **fees,
        **lumps,
        "EC_PLATFORM_FEE": rate_on_gs(gs_w, rate("ec_platform_fee_pct")),
        "UNCONDITIONAL_REBATE": rate_on_gs(gs_w, rate("unconditional_rebate_pct")),
        "GROWTH_REBATE": growth,
        "TARGET_REBATE": target,
        "LOGISTICS_ALLOWANCE": rate_on_gs(gs_w, rate("logistics_allowance_pct")),
        "OTIF_PENALTY": pen,
        "AGED_STOCK_CLEARANCE": aged_stock_clearance(
            out.aged_new, price, rate("aged_stock_clearance_pct")
        ).sum(axis=0),
    }
    spend = pd.DataFrame(spend_w, index=list(weeks))
    spend.index.name = "week_id"
    tts_w = spend.sum(axis=1).to_numpy()
    cogs_w = (out.shipped * cogs[:, None]).sum(axis=0)
    nr_w = gs_w - tts_w
    gp_w = nr_w - cogs_w
    # ---- cost-to-serve (as the scorecard counts it) ------------------------------------------
    ch = CHANNELS[m.acc_channel[a]]
    drv = cts_drivers(lines.sum(axis=0)[None, :].astype(float), out.shipped.sum(axis=0)[None, :],
                      [ch], np.array([m.acc_outlets[a]]))  # fmt: skip
    kam_w = np.full(H, _kam_cost_week(world, account_id))
    fin = np.maximum(nr_w, 0.0) * FINANCING_RATE * rate("payment_terms_days") / 365.0
    cts_w = drv.freight[0] + drv.handling[0] + drv.merchandising[0] + kam_w + fin
    cc_w = gp_w - cts_w
    clo = out.closing.sum(axis=0)
    so_w = sold_cases.sum(axis=0)
    hist = world.customer_inventory
    h = hist[hist.account_id == account_id].groupby("week_id").sell_out_cases.sum().to_numpy()[-3:]
    woc_w = km.weeks_of_cover(clo, so_w) if len(h) == 0 else km.weeks_of_cover(
        np.r_[np.zeros(len(h)), clo], np.r_[h, so_w])[len(h):]  # fmt: skip
    account_weekly = pd.DataFrame(
        {
            "week_id": list(weeks),
            "period_key": pk,
            "cases_ordered": out.orders.sum(axis=0),
            "cases_shipped": out.shipped.sum(axis=0),
            "cases_sold": so_w,
            "closing_cases": clo,
            "weeks_of_cover": woc_w,
            "gross_sales": gs_w,
            "trade_spend": tts_w,
            "net_revenue": nr_w,
            "cogs": cogs_w,
            "gross_profit": gp_w,
            "cost_to_serve": cts_w,
            "customer_contribution": cc_w,
        }
    )
    sku_ids = m.sku_ids
    promo_of = np.where(eff.on[:, T:], eff.rr[:, T:], -1)
    weekly = pd.DataFrame(
        {
            "sku_id": np.repeat(sku_ids[skus_a], H),
            "week_id": np.tile(list(weeks), n),
            "orders_cases": out.orders.ravel(),
            "shipped_cases": out.shipped.ravel(),
            "receipts_cases": out.receipts.ravel(),
            "sell_out_units": out.sold_units.ravel(),
            "sell_out_cases": sold_cases.ravel(),
            "closing_cases": out.closing.ravel(),
            "demand_units": demand_units.ravel(),
            "lost_units": np.maximum(0.0, demand_units - out.sold_units).ravel(),
            "promo_row": promo_of.ravel(),
            "age_14_plus_cases": (out.buckets[3] + out.buckets[4]).ravel(),
        }
    )
    # ---- KPIs and the §2.18 scorecard ------------------------------------------------------------
    gs_t, tts_t = float(gs_w.sum()), float(tts_w.sum())
    nr_t, cc_t = float(nr_w.sum()), float(cc_w.sum())
    tts_rate = tts_t / gs_t if gs_t > 0 else 0.0
    cc_rate = cc_t / nr_t if nr_t > 0 else 0.0
    ords = out.orders.sum()
    case_fill = float(out.shipped.sum() / ords) if ords > 0 else 1.0
    line_otif = float(ok.sum() / lines.sum()) if lines.sum() else 1.0
    lws = []
    for key in dict.fromkeys(pk.tolist()):
        wk = np.flatnonzero(pk == key)
        x = out.shipped.sum(axis=0)[wk]
        lws.append(float(x[-1] / x.sum()) if x.sum() > 0 and len(x) > 1 else np.nan)
    lws_max = float(np.nanmax(lws)) if np.isfinite(lws).any() else np.nan
    ly_nr, _ly_cc, ly_cc_rate = _last_year(world, st, account_id, T, H)
    value_share = _replay_share(world, st, a, account_id, out.sold_units, prs, eff, T, H)
    pss = _replay_pss(world, account_id, woc_w)
    ta = world.targets_annual
    tgt = ta[ta.account_id == account_id].sort_values("fiscal_year").iloc[-1]
    actual = {
        "profit": cc_t,
        "revenue": nr_t,
        "share": value_share,
        "execution": pss,
        "fill_rate": case_fill,
    }
    # revenue / profit targets: the annual plan of these weeks (expected clean outcome + stretch)
    kam_plan = float(_kam_cost_week(world, account_id)) * H
    nr_plan = float(ep.nr[0, T : T + H].sum())
    cc_plan = float(ep.cc[0, T : T + H].sum()) - kam_plan
    target = {
        "profit": max(1.0, cc_plan),
        "revenue": max(1.0, nr_plan),
        "share": float(tgt.value_share_target),
        "execution": float(tgt.perfect_store_target),
        "fill_rate": float(terms.get("case_fill_kpi", 0.95)),
    }
    # an indicator the replay cannot measure for this account (no audits of its outlets, say)
    # is left out and the composite reweights the others (as the scorecard does)
    measured = dict(actual)
    missing = [k for k in actual if not np.isfinite(actual[k])]
    weights = dict(km.FIVE_INDICATOR_WEIGHTS)
    if missing:
        kept = sum(v for k, v in weights.items() if k not in missing)
        weights = {k: (0.0 if k in missing else v / kept) for k, v in weights.items()}
        actual = {k: (target[k] if k in missing else v) for k, v in actual.items()}
    sc = km.five_indicator_score(actual, target, weights=weights)
    scorecard = pd.DataFrame(
        {
            "indicator": list(actual),
            "actual": [measured[k] for k in actual],
            "target": [target[k] for k in actual],
            "achievement": [np.nan if k in missing else sc.achievement[k] for k in actual],
        }
    )
    if budget_df is not None and len(budget_df):
        budget = float(budget_df.trade_budget_rmb.iloc[0])
    else:
        budget = float(ep.budget[0, T : T + H].sum())
    woc_band = WOC_BANDS[ch]
    supply_short = out.extra.get("supply_short")
    kpis = {
        "gs": gs_t,
        "tts": tts_t,
        "tts_rate": tts_rate,
        "nr": nr_t,
        "gp": float(gp_w.sum()),
        "cc": cc_t,
        "cc_rate": cc_rate,
        "woc_end": float(woc_w[-1]),
        "woc_mean": float(np.mean(woc_w[np.isfinite(woc_w)]))
        if np.isfinite(woc_w).any()
        else float("inf"),
        "woc_band": woc_band,
        "lws": lws,
        "lws_max": lws_max,
        "case_fill": case_fill,
        "line_otif": line_otif,
        "value_share": value_share,
        "perfect_store": pss,
        "missing_indicators": "|".join(missing),
        "budget": budget,
        "budget_used": tts_t / budget if budget > 0 else float("inf"),
        "cases_ordered": float(ords),
        "capacity_short_cases": float((out.orders - out.shipped).clip(min=0).sum()),
        "supply_short_cases": float(supply_short.sum()) if supply_short is not None else 0.0,
        "service_cut_cases": float(out.extra.get("service_cut", np.zeros(1)).sum()),
        "nr_ly": ly_nr,
        "cc_rate_ly": ly_cc_rate,
        "tts_rate_cap": float(tgt.tts_rate_cap),
        "nr_target": nr_plan,
        "cc_target": cc_plan,
        "lost_units": float(np.maximum(0.0, demand_units - out.sold_units).sum()),
    }
    return PlanResult(
        account_id=account_id,
        weeks=list(weeks),
        weekly=weekly,
        account_weekly=account_weekly,
        spend=spend.reset_index(),
        scorecard=scorecard,
        composite=float(sc.composite),
        rag=str(sc.rag),
        kpis=kpis,
    )


def _last_year(
    world: World, st: SimState, account_id: str, T: int, H: int
) -> tuple[float, float, float]:
    """NR, CC and CC% of the same 13 weeks one year earlier (the plan's comparison base), with
    the replay's cost-to-serve (the same weekly KAM cost)."""
    lo, hi = T - 52, T - 52 + H - 1
    si = world.sell_in
    s = si[(si.account_id == account_id) & si.week_id.between(lo, hi)]
    gs = float(s.gross_sales.sum())
    ts = world.trade_spend
    tts = float(ts[(ts.account_id == account_id) & ts.week_id.between(lo, hi)].amount_rmb.sum())
    prod = world.products.set_index("sku_id")
    cogs = float((s.cases_shipped * s.sku_id.map(prod.cogs_case).astype(float)).sum())
    cd = world.cts_drivers
    c = cd[(cd.account_id == account_id) & cd.week_id.between(lo, hi)]
    nr = gs - tts
    kam_cost = _kam_cost_week(world, account_id) * H
    tt = world.trade_terms
    days = float(
        tt[tt.account_id == account_id].sort_values("fiscal_year").payment_terms_days.iloc[-1]
    )
    cts = (
        float(c.freight_rmb.sum() + c.order_handling_rmb.sum() + c.merchandiser_cost_rmb.sum())
        + kam_cost
    )
    cts += max(nr, 0.0) * FINANCING_RATE * days / 365.0
    cc = nr - cogs - cts
    return nr, cc, (cc / nr if nr > 0 else 0.0)


def _replay_share(world, st, a, account_id, sold_units, prs, eff, T, H) -> float:
    """Our value share at the account over the replay: ours / (ours + competitors).

    Competitors' value continues from the last 13 weeks of the world's market data, scaled by
    the category's expected season (clean λ) and minus half our extra promotional increment.
    """
    if st.master.acc_is_dist[a]:
        return _distributor_share(world, account_id)
    dem, _m = st.dem, st.master
    price = dem.shelf_price[prs, T : T + H]
    ours = float((sold_units * price).sum())
    maw = world.market_account_week
    x = maw[(maw.account_id == account_id) & (maw.week_id >= T - 13)]
    comp_last = float(x[x.brand_owner != "OURS"].value_incl_vat.sum())
    lam_c = dem.lam_clean[prs]
    shape = lam_c[:, T : T + H].sum() / max(1e-9, lam_c[:, T - 13 : T].sum())
    inc = dem.lam[prs, T : T + H] * (eff.mult[:, T:] - 1.0) * 0.8 * price
    comp = max(0.0, comp_last * shape - 0.5 * float(inc.sum()))
    return ours / (ours + comp) if ours + comp > 0 else 0.0


def _distributor_share(world: World, account_id: str) -> float:
    """A distributor has no account POS: its share is our value share of traditional trade in
    its region (``market_region_period``, TT) over the last three periods — the market it
    serves, as the scorecard measures it (the replay does not re-simulate the TT market)."""
    acc = world.accounts
    region = str(acc.loc[acc.account_id == account_id, "hq_region_id"].iloc[0])
    mrp = world.market_region_period
    tt = mrp[(mrp.region_id == region) & (mrp.channel_group.astype(str) == "TT")]
    if tt.empty:
        return float("nan")
    last = sorted(tt.period_key.unique())[-3:]
    tt = tt[tt.period_key.isin(last)]
    total = float(tt.value_incl_vat.sum())
    ours = float(tt.loc[tt.brand_owner.astype(str) == "OURS", "value_incl_vat"].sum())
    return ours / total if total > 0 else float("nan")


def _replay_pss(world: World, account_id: str, woc: np.ndarray) -> float:
    """Perfect-store score over the replay: the account's last three audited periods (§2.17),
    availability lowered where the account ran short of stock (WOC < 1: −0.3 on-shelf)."""
    av = world.audit_visits
    v = av[av.account_id == account_id]
    if v.empty:
        return float("nan")
    v = v[v.week_id >= v.week_id.max() - 13]
    oos = km.oos_rate(v.oos_n, v.listed_n) if v.listed_n.sum() > 0 else 0.0
    short = float(np.mean(np.asarray(woc) < 1.0))
    avail = max(0.0, 1.0 - oos - 0.3 * short)
    sos = (
        km.share_of_shelf(v.facings_ours, v.facings_category)
        if v.facings_category.sum() > 0
        else 0.0
    )
    tgt = world.targets_annual
    share_t = float(tgt[tgt.account_id == account_id].value_share_target.iloc[-1])
    kpis = {
        "availability": avail,
        "share_of_shelf": km.share_of_shelf_kpi(sos, share_t),
        "planogram": km.planogram_compliance(v.pog_compliant, v.pog_checkpoints),
        "price": km.price_compliance(v.price_compliant_n, v.price_checks_n)
        if v.price_checks_n.sum()
        else 1.0,
        "display": km.display_compliance(v.displays_found_n, v.contracted_displays_n)
        if v.contracted_displays_n.sum()
        else 1.0,
    }
    return float(km.perfect_store_score(kpis))
