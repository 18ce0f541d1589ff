"""M6 inventory health monitor and the stuffing injector (SPEC §2.9, §2.10, §3.6, §3.11).

**Monitor** (:func:`inventory_health`): for one account × SKU, the recorded weekly sell-in
(``sell_in.cases_shipped``), sell-out and closing stock (``customer_inventory``), backward weeks
of cover (:func:`kamlab.metrics.weeks_of_cover`), the public FIFO age buckets, the 13-week
SI/SO ratio, the default stuffing flag (WOC > target + 4 for ≥ 4 weeks, or R₁₃ > 1.5;
:func:`kamlab.metrics.stuffing_flags`) and digest weeks (orders = 0 for ≥ 3 weeks;
:func:`kamlab.metrics.digest_weeks`).

**Injector** (:func:`inject_stuffing`): replays the account × SKU through the world's own weekly
models — :func:`kamlab.sim.loop.retailer_order` (proportional order-up-to, α and MOQ of the
world), :func:`kamlab.sim.loop.sell_through` and :func:`kamlab.sim.loop.fifo_step` (FIFO stock
ageing) — twice: once clean and once with a load on top of the orders, exactly as the STUFFING
knob does (``extra_woc × mean expected baseline over the load weeks / number of load weeks``
extra cases in each load week; the customer accepts the deal stock, its normal policy resumes
after → the digest period). Inputs of the replay, from the world:

* the retailer's forecast ``F_t`` = expected baseline cases (``truth_baseline``, λ before noise)
  × the plan's lift on promotion weeks (``1 + promotions.planned_uplift_pct``) — the mean of the
  world's forecast (its ±10 % order noise is left out);
* consumer demand ``truth_baseline.demand_units`` (sell-out = min(demand, stock));
* the opening stock of week 0 (``customer_inventory.opening_cases``) spread evenly over ages
  0 … 2 × target WOC (the world's own opening guess); supply is unconstrained and deliveries
  arrive in the week ordered (one account × SKU cannot move the DC).

Clearance cost (SPEC §2.9): cases whose age passes ½ shelf life are cleared at
``list price × aged_stock_clearance_pct`` (:func:`kamlab.metrics.clearance_liability` on the
cohort reaching the first age beyond ½ shelf life in each week).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m6_common import model_param, pair_matrix
from kamlab.sim.loop import (
    bucket_sums,
    fifo_step,
    initial_cohorts,
    retailer_order,
    sell_through,
)

__all__ = [
    "AGE_BUCKETS",
    "InventoryView",
    "ReplayPath",
    "StuffingReplay",
    "inject_stuffing",
    "inventory_health",
    "inventory_pairs",
    "replay_pair",
]

AGE_BUCKETS = ("age_00_04", "age_05_08", "age_09_13", "age_14_26", "age_27_plus")
OVERSTOCK_MARGIN = 4.0  # WOC above target + 4 = overstock (SPEC §2.9, §2.10)


@dataclass
class _Ctx:
    pair_of: dict[tuple[str, str], int]
    T: int
    sell_in: np.ndarray
    receipts: np.ndarray
    sell_out: np.ndarray
    opening: np.ndarray
    closing: np.ndarray
    buckets: np.ndarray  # (5, N, T)
    lam_cases: np.ndarray | None  # (N, T) expected baseline cases
    demand_units: np.ndarray | None  # (N, T)
    lift: np.ndarray  # (N, T) planned lift (1 on non-promo weeks)
    accounts: pd.DataFrame
    products: pd.DataFrame
    clearance_pct: dict[str, float]
    replays: dict[tuple[str, str], ReplayPath]


def _build(world: Any) -> _Ctx:
    T = len(world.calendar)
    inv = world.customer_inventory
    keys = (
        inv[["account_id", "sku_id"]]
        .astype(str)
        .drop_duplicates()
        .sort_values(["account_id", "sku_id"])
        .itertuples(index=False, name=None)
    )
    pair_of = {k: i for i, k in enumerate(keys)}
    N = len(pair_of)

    def rows(df: pd.DataFrame) -> np.ndarray:
        a = df.account_id.astype(str).to_numpy()
        s = df.sku_id.astype(str).to_numpy()
        return np.fromiter((pair_of.get(k, -1) for k in zip(a, s, strict=True)), np.int64)

    r_inv = rows(inv)
    mats = {c: pair_matrix(inv, r_inv, c, N, T) for c in (
        "opening_cases", "receipts_cases", "sell_out_cases", "closing_cases", *AGE_BUCKETS)}  # fmt: skip
    si = world.sell_in
    sell_in = pair_matrix(si, rows(si), "cases_shipped", N, T)
    prod = world.products.assign(sku_id=world.products.sku_id.astype(str)).set_index("sku_id")
    lam = dem = None
    if "truth_baseline" in world:
        tb = world.truth_baseline
        upc = tb.sku_id.astype(str).map(prod.units_per_case).to_numpy(dtype=float)
        tb = tb.assign(lam_cases=tb.expected_baseline_units.to_numpy(dtype=float) / upc)
        r_tb = rows(tb)
        lam = pair_matrix(tb, r_tb, "lam_cases", N, T)
        dem = pair_matrix(tb, r_tb, "demand_units", N, T)
    lift = np.ones((N, T))
    pr = world.promotions
    pr = pr[pr.status.astype(str) == "EXECUTED"]
    for n, s, e, up in zip(
        rows(pr), pr.start_week, pr.end_week, pr.planned_uplift_pct, strict=True
    ):
        if n >= 0:
            lift[n, max(0, int(s)) : min(T, int(e) + 1)] = 1.0 + float(up)
    acc = world.accounts.assign(account_id=world.accounts.account_id.astype(str))
    tt = world.trade_terms
    last = tt[tt.fiscal_year == tt.fiscal_year.max()]
    clear = dict(zip(last.account_id.astype(str), last.aged_stock_clearance_pct, strict=True))
    return _Ctx(
        pair_of=pair_of,
        T=T,
        sell_in=sell_in,
        receipts=mats["receipts_cases"],
        sell_out=mats["sell_out_cases"],
        opening=mats["opening_cases"],
        closing=mats["closing_cases"],
        buckets=np.stack([mats[b] for b in AGE_BUCKETS]),
        lam_cases=lam,
        demand_units=dem,
        lift=lift,
        accounts=acc.set_index("account_id"),
        products=prod,
        clearance_pct=clear,
        replays={},
    )


def _ctx(world: Any) -> _Ctx:
    tables = ["calendar", "customer_inventory", "sell_in", "products", "promotions", "accounts"]
    tables += ["trade_terms"] + (["truth_baseline"] if "truth_baseline" in world else [])
    return per_world(world, "m6.inventory", _build, tables=tuple(tables))


def inventory_pairs(world: Any, account_id: str) -> list[str]:
    """SKUs with inventory data at ``account_id``, largest average sell-out first."""
    c = _ctx(world)
    rows = [(s, c.sell_out[n].mean()) for (a, s), n in c.pair_of.items() if a == str(account_id)]
    return [s for s, _ in sorted(rows, key=lambda x: (-x[1], x[0]))]


def _pair(c: _Ctx, account_id: str, sku_id: str) -> int:
    key = (str(account_id), str(sku_id))
    if key not in c.pair_of:
        raise ValueError(
            f"There is no inventory data for SKU {sku_id!r} at account {account_id!r}: "
            "pick a SKU listed at the account."
        )
    return c.pair_of[key]


@dataclass(frozen=True)
class InventoryView:
    """The recorded inventory health of one account × SKU (cases; weeks of cover in weeks)."""

    account_id: str
    sku_id: str
    weeks: np.ndarray
    sell_in: np.ndarray
    sell_out: np.ndarray
    closing: np.ndarray
    woc: np.ndarray
    target_woc: float
    overstock_woc: float  # target + 4
    buckets: np.ndarray  # (5, T) public age buckets
    ratio13: np.ndarray
    stuffing: np.ndarray  # bool per week
    digest: np.ndarray  # bool per week
    peak_woc: float
    weeks_overstocked: int
    longest_overstock_run: int
    aged_peak: float  # max cases aged ≥ 14 weeks (age_14_26 + age_27_plus)


def inventory_health(world: Any, account_id: str, sku_id: str) -> InventoryView:
    """The recorded inventory monitor of ``sku_id`` at ``account_id`` (module docstring)."""
    c = _ctx(world)
    n = _pair(c, account_id, sku_id)
    target = float(c.accounts.at[str(account_id), "target_woc"])
    si, so, cl = c.sell_in[n], c.sell_out[n], c.closing[n]
    woc = km.weeks_of_cover(cl, so)
    r13 = km.sell_in_sell_out_ratio(si, so, 13)
    over = np.asarray(km.above(woc, target + OVERSTOCK_MARGIN), dtype=bool)
    flags = km.stuffing_flags(woc, target, ratio=r13)
    b = c.buckets[:, n, :]
    return InventoryView(
        account_id=str(account_id),
        sku_id=str(sku_id),
        weeks=np.arange(c.T),
        sell_in=si,
        sell_out=so,
        closing=cl,
        woc=woc,
        target_woc=target,
        overstock_woc=target + OVERSTOCK_MARGIN,
        buckets=b,
        ratio13=r13,
        stuffing=flags,
        digest=km.digest_weeks(si),
        peak_woc=float(np.max(woc[np.isfinite(woc)], initial=0.0)),
        weeks_overstocked=int(over.sum()),
        longest_overstock_run=km.longest_run(over),
        aged_peak=float((b[3] + b[4]).max()),
    )


@dataclass(frozen=True)
class ReplayPath:
    """One replay of an account × SKU through the world's weekly models."""

    orders: np.ndarray  # cases ordered = shipped = received (unconstrained supply)
    sell_out: np.ndarray  # cases sold
    closing: np.ndarray
    woc: np.ndarray
    buckets: np.ndarray  # (5, T)
    aged: np.ndarray  # cases older than ⅓ shelf life (exact FIFO)
    crossing: np.ndarray  # cases crossing ½ shelf life in the week
    clearance: np.ndarray  # RMB clearance cost booked in the week


def replay_pair(
    world: Any, account_id: str, sku_id: str, extra: np.ndarray | None = None
) -> ReplayPath:
    """Replay one account × SKU through the world's order → sell-out → FIFO models.

    ``extra`` (cases per week, length T) is added to the retailer's order in each week (the
    STUFFING knob's load); ``None`` replays the clean policy. See the module docstring.
    """
    c = _ctx(world)
    n = _pair(c, account_id, sku_id)
    if c.lam_cases is None or c.demand_units is None:
        raise ValueError(
            "This world has no truth_baseline table: the replay needs the world's demand model. "
            "Use a simulated world (kamlab.load_world() or kamlab.sim.simulate)."
        )
    a, s = str(account_id), str(sku_id)
    acc, prod = c.accounts.loc[a], c.products.loc[s]
    T = c.T
    upc = np.array([float(prod.units_per_case)])
    woc_t = np.array([float(acc.target_woc)])
    moq_name = "moq_dist" if str(acc.channel) == "DIST" else "moq_ka"
    moq = np.array([float(model_param(world, moq_name))])
    alpha = float(model_param(world, "order_alpha"))
    F = c.lam_cases[n] * c.lift[n]
    F = np.r_[F, np.repeat(F[-4:].mean(), 3)]
    dem = c.demand_units[n]
    ex = np.zeros(T) if extra is None else np.asarray(extra, dtype=float)
    if ex.shape != (T,) or (ex < 0).any():
        raise ValueError(f"'extra' must be {T} non-negative numbers (cases per week).")
    life = float(prod.shelf_life_weeks)
    half = int(np.floor(life / 2)) + 1  # the first age (weeks) beyond ½ shelf life
    pf = float(acc.price_factor) if "price_factor" in acc.index else 1.0
    list_pf = float(prod.list_price_case) * pf
    pct = float(c.clearance_pct.get(a, 0.40))
    stock = np.array([c.opening[n, 0]])
    coh = initial_cohorts(stock, 2.0 * woc_t)
    orders, sold_c, closing = np.zeros(T), np.zeros(T), np.zeros(T)
    buckets = np.zeros((5, T))
    aged, crossing = np.zeros(T), np.zeros(T)
    for t in range(T):
        O = retailer_order(F[t : t + 1], F[None, t + 1 : t + 4], stock, woc_t, alpha, moq)
        if ex[t] > 0:
            O = O + np.ceil(ex[t] - 1e-9)
        avail = stock + O
        sold = sell_through(dem[t : t + 1], avail, upc) / upc
        close = np.maximum(0.0, avail - sold)
        coh = fifo_step(coh, O, sold)
        coh[:, 0] = np.maximum(0.0, coh[:, 0] + close - coh.sum(axis=1))
        stock = close
        orders[t], sold_c[t], closing[t] = O[0], sold[0], close[0]
        buckets[:, t] = bucket_sums(coh)[:, 0]
        aged[t] = km.aged_stock(coh[0], life)
        crossing[t] = coh[0, half]
    by_age = np.zeros((T, half + 1))
    by_age[:, half] = crossing
    clearance = km.clearance_liability(by_age, life, list_pf, pct)
    return ReplayPath(
        orders=orders,
        sell_out=sold_c,
        closing=closing,
        woc=km.weeks_of_cover(closing, sold_c),
        buckets=buckets,
        aged=aged,
        crossing=crossing,
        clearance=np.asarray(clearance, dtype=float),
    )


@dataclass(frozen=True)
class StuffingReplay:
    """Clean vs loaded replay of one account × SKU and the load's consequences.

    ``injected_cases`` = extra cases ordered in the load weeks; ``peak_woc_*`` the highest weeks
    of cover of each path and ``woc_increase`` the largest week-by-week excess of the loaded path
    over the clean one; ``digest_weeks`` = weeks (from the load on) with zero orders in runs of
    ≥ 3 in the loaded path that are not digest weeks in the clean path, ``digest_run`` the
    longest such run; ``clearance_*`` total clearance cost (RMB); ``overstock_run`` the longest
    run of WOC > target + 4 in the loaded path.
    """

    account_id: str
    sku_id: str
    extra_woc: float
    load_weeks: np.ndarray
    extra: np.ndarray
    injected_cases: float
    clean: ReplayPath
    loaded: ReplayPath
    target_woc: float
    overstock_woc: float
    peak_woc_clean: float
    peak_woc_loaded: float
    woc_increase: float
    digest_weeks: int
    digest_run: int
    overstock_run: int
    stuffing_flagged_weeks: int
    aged_peak_clean: float
    aged_peak_loaded: float
    clearance_clean: float
    clearance_loaded: float

    @property
    def clearance_extra(self) -> float:
        """Clearance cost caused by the load (RMB)."""
        return self.clearance_loaded - self.clearance_clean


def _finite_max(x: np.ndarray) -> float:
    return float(np.max(x[np.isfinite(x)], initial=0.0))


def inject_stuffing(
    world: Any,
    account_id: str,
    sku_id: str,
    extra_woc: float = 12.0,
    start_week: int = 46,
    load_weeks: int = 4,
) -> StuffingReplay:
    """Inject a stuffing load and replay the account × SKU (SPEC §3.11 STUFFING; module doc).

    ``extra_woc`` weeks of expected baseline demand are loaded over ``load_weeks`` weeks from
    ``start_week``. The clean replay is cached per account × SKU.
    """
    c = _ctx(world)
    n = _pair(c, account_id, sku_id)
    T = c.T
    x = float(extra_woc)
    if not 0.0 <= x <= 52.0:
        raise ValueError(f"'extra_woc' must be between 0 and 52 weeks of cover; got {extra_woc!r}.")
    k = int(load_weeks)
    s0 = int(start_week)
    if k < 1 or s0 < 0 or s0 + k > T:
        raise ValueError(
            f"The load ({k} weeks from week {s0}) must lie inside weeks 0–{T - 1}: "
            "move 'start_week' or shorten 'load_weeks'."
        )
    key = (str(account_id), str(sku_id))
    if key not in c.replays:
        c.replays[key] = replay_pair(world, account_id, sku_id)
    clean = c.replays[key]
    wks = np.arange(s0, s0 + k)
    extra = np.zeros(T)
    assert c.lam_cases is not None
    extra[wks] = x * c.lam_cases[n, wks].mean() / k
    loaded = replay_pair(world, account_id, sku_id, extra) if x > 0 else clean
    target = float(c.accounts.at[str(account_id), "target_woc"])
    over = np.asarray(km.above(loaded.woc, target + OVERSTOCK_MARGIN), dtype=bool)
    dg_l = np.asarray(km.digest_weeks(loaded.orders), dtype=bool)
    dg_c = np.asarray(km.digest_weeks(clean.orders), dtype=bool)
    new_digest = dg_l & ~dg_c & (np.arange(T) >= s0)
    r13 = km.sell_in_sell_out_ratio(loaded.orders, loaded.sell_out, 13)
    flags = km.stuffing_flags(loaded.woc, target, ratio=r13)
    diff = np.where(np.isfinite(loaded.woc) & np.isfinite(clean.woc), loaded.woc - clean.woc, 0.0)
    return StuffingReplay(
        account_id=str(account_id),
        sku_id=str(sku_id),
        extra_woc=x,
        load_weeks=wks,
        extra=extra,
        injected_cases=float(np.ceil(extra[wks] - 1e-9).sum()) if x > 0 else 0.0,
        clean=clean,
        loaded=loaded,
        target_woc=target,
        overstock_woc=target + OVERSTOCK_MARGIN,
        peak_woc_clean=_finite_max(clean.woc),
        peak_woc_loaded=_finite_max(loaded.woc),
        woc_increase=float(diff.max(initial=0.0)),
        digest_weeks=int(new_digest.sum()),
        digest_run=km.longest_run(new_digest),
        overstock_run=km.longest_run(over),
        stuffing_flagged_weeks=int(np.asarray(flags, dtype=bool).sum()),
        aged_peak_clean=float(clean.aged.max()),
        aged_peak_loaded=float(loaded.aged.max()),
        clearance_clean=float(clean.clearance.sum()),
        clearance_loaded=float(loaded.clearance.sum()),
    )
