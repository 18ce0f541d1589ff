"""Stage 7 — the weekly loop (SPEC §3.6): order → forecast → supply → allocation → delivery →
sell-out → inventory with FIFO stock ageing.

The loop is ``for t in range(W)`` over arrays of all listed account × SKU pairs; every step is
a function of explicit state and parameters, so :func:`kamlab.sim.simulate_plan` and the
workshop game call the same models on one account or one quarter:

- :func:`retailer_order` — proportional order-up-to: ``O = ceil(max(0, F_t + α(S_t − pos)))``,
  ``S_t = target_woc × mean(F_{t+1..t+3})``, zero below the MOQ; plus any extra (stuffing,
  forward buy) and month-end re-timing.
- :func:`plan_production` — ``max(0, Σ F₂ × 1.05 + 0.5 × (2 × mean demand − dc))``, capped by
  capacity.
- :func:`allocate` — pro-rata when orders exceed ATP, ``floor(O × atp/ΣO)``.
- :func:`sell_through` — ``min(demand, stock + receipts)``.
- :func:`fifo_step` — age cohorts one week, add receipts at age 0, consume the oldest first.

All random numbers are drawn before the loop (:class:`LoopDraws`), with shapes fixed by the
configuration, so the loop never branches on data to decide how many numbers to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BUCKETS",
    "N_AGES",
    "LoopInputs",
    "LoopOutputs",
    "LoopState",
    "allocate",
    "bucket_sums",
    "fifo_step",
    "initial_cohorts",
    "plan_production",
    "retailer_order",
    "run_loop",
    "sell_through",
]

N_AGES = 60  # cohort ages 0..59 weeks; the last is absorbing
#: public age buckets (inclusive week ranges): 0–4, 5–8, 9–13, 14–26, 27+
BUCKETS = ((0, 4), (5, 8), (9, 13), (14, 26), (27, N_AGES - 1))
REASON_NONE, REASON_SUPPLY, REASON_ALLOC, REASON_CREDIT = 0, 1, 2, 3


# ---------------------------------------------------------------------------------------------
# step models (pure functions)
def retailer_order(
    F_now: np.ndarray,
    F_next: np.ndarray,
    position: np.ndarray,
    target_woc: np.ndarray,
    alpha: float,
    moq: np.ndarray,
) -> np.ndarray:
    """Proportional order-up-to (SPEC §3.6.1): ``ceil(max(0, F + α (woc × mean(F_next) − pos)))``.

    ``F_next`` is (n, k) of the next k weeks' forecasts; orders below the MOQ are zero.

    >>> retailer_order(np.array([100.0]), np.array([[100.0, 100, 100]]), np.array([150.0]),
    ...                np.array([2.0]), 0.5, np.array([5])).tolist()
    [125.0]
    """
    S = target_woc * F_next.mean(axis=1)
    O = np.ceil(np.maximum(0.0, F_now + alpha * (S - position)) - 1e-9)
    return np.where(moq > O, 0.0, O)


def plan_production(
    f2_total: np.ndarray,
    mean_demand: np.ndarray,
    dc_stock: np.ndarray,
    capacity: np.ndarray,
    *,
    forecast_mult: float = 1.05,
    dc_target_weeks: float = 2.0,
    gain: float = 0.5,
) -> np.ndarray:
    """Production (SPEC §3.6.3): ``min(cap, max(0, ΣF₂ × 1.05 + 0.5 (2 × mean demand − dc)))``.

    >>> plan_production(np.array([100.0]), np.array([100.0]), np.array([150.0]), np.array([125.0])).tolist()
    [125.0]
    """
    want = f2_total * forecast_mult + gain * (dc_target_weeks * mean_demand - dc_stock)
    return np.minimum(capacity, np.maximum(0.0, want))


def allocate(orders: np.ndarray, sku: np.ndarray, atp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pro-rata allocation (SPEC §3.6.4): when Σ orders of a SKU exceed ATP, ship ``floor(O × atp/ΣO)``.

    Returns (shipped, ratio per SKU).

    >>> allocate(np.array([60.0, 40.0]), np.array([0, 0]), np.array([50.0]))[0].tolist()
    [30.0, 20.0]
    """
    total = np.bincount(sku, weights=orders, minlength=len(atp))
    ratio = np.divide(atp, total, out=np.ones_like(atp), where=total > atp)
    ratio = np.minimum(1.0, ratio)
    return np.floor(orders * ratio[sku] + 1e-9), ratio


def sell_through(
    demand_units: np.ndarray, available_cases: np.ndarray, units_per_case: np.ndarray
) -> np.ndarray:
    """Units sold (SPEC §3.6.6): ``min(demand, floor(stock × units per case))``.

    >>> sell_through(np.array([30.0, 30.0]), np.array([1.0, 5.0]), np.array([12.0, 12.0])).tolist()
    [12.0, 30.0]
    """
    cap = np.floor(available_cases * units_per_case + 1e-6)
    return np.minimum(demand_units, np.maximum(0.0, cap))


def fifo_step(cohorts: np.ndarray, receipts: np.ndarray, sold: np.ndarray) -> np.ndarray:
    """One week of FIFO stock ageing (SPEC §3.6.7), vectorised over rows.

    Ages shift by one week (the last age absorbs), receipts enter at age 0, and ``sold`` is
    taken from the oldest cohorts first via a reversed cumulative sum. Only the ages that hold
    stock are computed (ages past the oldest stock stay zero).

    >>> c = np.array([[0.0, 5.0, 3.0]])
    >>> fifo_step(c, np.array([4.0]), np.array([6.0])).tolist()
    [[4.0, 0.0, 2.0]]
    """
    n_ages = cohorts.shape[1]
    held = np.flatnonzero(cohorts.any(axis=0)) if cohorts.size else np.zeros(0, dtype=int)
    k = min(n_ages, (int(held[-1]) + 2) if len(held) else 1)
    if k < n_ages:
        out = np.zeros_like(cohorts)
        out[:, :k] = _fifo_full(cohorts[:, :k], receipts, sold, absorbing=False)
        return out
    return _fifo_full(cohorts, receipts, sold, absorbing=True)


def _fifo_full(
    cohorts: np.ndarray, receipts: np.ndarray, sold: np.ndarray, *, absorbing: bool
) -> np.ndarray:
    new = np.empty_like(cohorts)
    new[:, 0] = receipts
    if cohorts.shape[1] > 1:
        new[:, 1:-1] = cohorts[:, :-2]
        # the last column absorbs when it is the oldest age; otherwise it is the next age up
        new[:, -1] = cohorts[:, -2] + cohorts[:, -1] if absorbing else cohorts[:, -2]
    rev = new[:, ::-1]
    cum = np.cumsum(rev, axis=1)
    take_cum = np.minimum(cum, sold[:, None])
    take = np.diff(take_cum, axis=1, prepend=0.0)
    out = (rev - take)[:, ::-1]
    return np.maximum(out, 0.0)


def bucket_sums(cohorts: np.ndarray) -> np.ndarray:
    """(5, n) sums over the public age buckets 0–4, 5–8, 9–13, 14–26, 27+ weeks."""
    return np.stack([cohorts[:, lo : hi + 1].sum(axis=1) for lo, hi in BUCKETS])


def initial_cohorts(stock: np.ndarray, spread_weeks: np.ndarray) -> np.ndarray:
    """Opening cohorts: ``stock`` spread evenly over ages 0..spread−1 (a steady-state guess)."""
    n = len(stock)
    ages = np.arange(N_AGES)[None, :]
    k = np.maximum(1, np.ceil(spread_weeks)).astype(int)[:, None]
    w = (ages < k).astype(float)
    return w / w.sum(axis=1, keepdims=True) * stock[:, None] if n else np.zeros((0, N_AGES))


# ---------------------------------------------------------------------------------------------
@dataclass
class LoopInputs:
    """Everything the loop reads, for ``W`` weeks (pairs n, accounts a, SKUs s)."""

    acc: np.ndarray  # (N,) account index
    sku: np.ndarray  # (N,) SKU index
    upc: np.ndarray  # (N,)
    target_woc: np.ndarray  # (N,)
    moq: np.ndarray  # (N,)
    half_life: np.ndarray  # (N,) weeks: stock passes ½ shelf life at this age
    F: np.ndarray  # (N, W+3) retailer's sell-out forecast, cases
    extra: np.ndarray  # (N, W) extra order cases (stuffing, forward buy)
    demand_units: np.ndarray  # (N, W) consumer demand, whole units
    fc_mult2: np.ndarray  # (N, W) lag-2 forecast multiplier (for production)
    push_frac: np.ndarray  # (A, W) share of the period plan to order this week (0 = none)
    push_start: np.ndarray  # (A, W) bool: plan the period this week
    push_len: np.ndarray  # (A, W) weeks left in the push period (from its first week)
    on_time: np.ndarray  # (A, W) bool
    late_next_week: np.ndarray  # (A, W) bool: delivery slips into next week (≥ 3 days)
    credit_hold: np.ndarray  # (A, W) bool
    keep_frac: np.ndarray  # (N, W) share of an allocated line shipped (service priority; 1 = all)
    capacity: np.ndarray  # (S, W)
    mean_demand: np.ndarray  # (S, W)
    dc_third_life: np.ndarray  # (S,) weeks: DC stock older than ⅓ shelf life is "aged"
    alpha: float = 0.5
    prod_mult: float = 1.05
    dc_target_weeks: float = 2.0
    dc_gain: float = 0.5
    external_atp: np.ndarray | None = None  # (S, W): use this ATP instead of the DC model
    fixed_orders: np.ndarray | None = None  # (N, W): explicit sell-in instead of the policy
    track_shortfall: bool = False  # record allocation shortfall and service cuts (out.extra)


@dataclass
class LoopState:
    """Stock carried from week to week."""

    inv: np.ndarray  # (N,) customer closing stock, cases
    coh: np.ndarray  # (N, N_AGES)
    pending: np.ndarray  # (N,) shipped cases arriving next week
    dc: np.ndarray  # (S,)
    dc_coh: np.ndarray  # (S, N_AGES)

    def copy(self) -> LoopState:
        return LoopState(
            *(x.copy() for x in (self.inv, self.coh, self.pending, self.dc, self.dc_coh))
        )


@dataclass
class LoopOutputs:
    orders: np.ndarray
    shipped: np.ndarray
    reason: np.ndarray
    receipts: np.ndarray
    sold_units: np.ndarray
    opening: np.ndarray
    closing: np.ndarray
    buckets: np.ndarray  # (5, N, W)
    aged_new: np.ndarray  # (N, W) cases crossing ½ shelf life this week
    production: np.ndarray  # (S, W)
    dc_opening: np.ndarray
    atp: np.ndarray
    orders_total: np.ndarray
    shipped_total: np.ndarray
    dc_closing: np.ndarray
    dc_aged: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def run_loop(inp: LoopInputs, state: LoopState, n_weeks: int) -> LoopOutputs:
    """Run ``n_weeks`` weeks of the loop from ``state`` (modified in place)."""
    N = len(inp.acc)
    S = inp.capacity.shape[0]
    W = n_weeks
    f64 = np.float64
    out = LoopOutputs(
        orders=np.zeros((N, W), f64),
        shipped=np.zeros((N, W), f64),
        reason=np.zeros((N, W), np.int8),
        receipts=np.zeros((N, W), f64),
        sold_units=np.zeros((N, W), f64),
        opening=np.zeros((N, W), f64),
        closing=np.zeros((N, W), f64),
        buckets=np.zeros((5, N, W), f64),
        aged_new=np.zeros((N, W), f64),
        production=np.zeros((S, W), f64),
        dc_opening=np.zeros((S, W), f64),
        atp=np.zeros((S, W), f64),
        orders_total=np.zeros((S, W), f64),
        shipped_total=np.zeros((S, W), f64),
        dc_closing=np.zeros((S, W), f64),
        dc_aged=np.zeros((S, W), f64),
    )
    acc, sku = inp.acc, inp.sku
    # a replay records the allocation shortfall and the service cuts apart
    track = inp.track_shortfall
    if track:
        out.extra["supply_short"] = np.zeros((N, W))
        out.extra["service_cut"] = np.zeros((N, W))
    plan_left = np.zeros(N)  # month-end push: the period plan
    has_push = bool(inp.push_frac.any())
    rows = np.arange(N)
    ages = np.arange(N_AGES)
    dc_aged_mask = ages[None, :] > inp.dc_third_life[:, None]
    for t in range(W):
        # 1. retailer orders (unconstrained)
        pos = state.inv + state.pending
        O = retailer_order(
            inp.F[:, t], inp.F[:, t + 1 : t + 4], pos, inp.target_woc, inp.alpha, inp.moq
        )
        if has_push:
            start = inp.push_start[acc, t]
            if start.any():
                L = inp.push_len[acc, t]
                csum = np.cumsum(inp.F[:, t:], axis=1)
                span = csum[rows, np.minimum(L, csum.shape[1]) - 1]
                S_t = inp.target_woc * inp.F[:, t + 1 : t + 4].mean(axis=1)
                plan = np.maximum(0.0, span + inp.alpha * (S_t - pos))
                plan_left = np.where(start, plan, plan_left)
            frac = inp.push_frac[acc, t]
            pushed = frac > 0
            if pushed.any():
                O = np.where(pushed, np.ceil(plan_left * frac - 1e-9), O)
        extra = inp.extra[:, t]
        O = O + np.ceil(extra - 1e-9) * (extra > 0)
        if inp.fixed_orders is not None:
            O = np.ceil(np.maximum(0.0, inp.fixed_orders[:, t]) - 1e-9)
        # 2.–3. production from the lag-2 forecast of these orders
        dc_open = state.dc.copy()
        f2 = np.bincount(sku, weights=O * inp.fc_mult2[:, t], minlength=S)
        if inp.external_atp is None:
            prod = plan_production(
                f2,
                inp.mean_demand[:, t],
                state.dc,
                inp.capacity[:, t],
                forecast_mult=inp.prod_mult,
                dc_target_weeks=inp.dc_target_weeks,
                gain=inp.dc_gain,
            )
            atp = state.dc + prod
        else:
            prod = np.zeros(S)
            atp = inp.external_atp[:, t]
        # 4. allocation
        shipped, ratio = allocate(O, sku, atp)
        reason = np.where(shipped < O, REASON_SUPPLY, REASON_NONE).astype(np.int8)
        if track:
            out.extra["supply_short"][:, t] = O - shipped
        keep = inp.keep_frac[:, t]
        cut = keep < 1.0
        if cut.any():
            s2 = np.floor(shipped * keep + 1e-9)
            reason = np.where(cut & (s2 < shipped) & (reason == REASON_NONE), REASON_ALLOC, reason)
            if track:
                out.extra["service_cut"][:, t] = np.where(cut, shipped - s2, 0.0)
            shipped = np.where(cut, s2, shipped)
        hold = inp.credit_hold[acc, t] & (O > 0)
        if hold.any():
            shipped = np.where(hold, 0.0, shipped)
            reason = np.where(hold, REASON_CREDIT, reason).astype(np.int8)
        ship_tot = np.bincount(sku, weights=shipped, minlength=S)
        # DC stock and ageing
        if inp.external_atp is None:
            state.dc_coh = fifo_step(state.dc_coh, prod, ship_tot)
            state.dc = np.maximum(0.0, atp - ship_tot)
        # 5. delivery: late deliveries of ≥ 3 days arrive next week
        late = inp.late_next_week[acc, t]
        receipts = state.pending + shipped * ~late
        state.pending = shipped * late
        # 6. sell-out
        opening = state.inv
        avail = opening + receipts
        sold_u = sell_through(inp.demand_units[:, t], avail, inp.upc)
        sold = sold_u / inp.upc
        closing = np.maximum(0.0, opening + receipts - sold)
        # 7. cohorts
        coh = fifo_step(state.coh, receipts, sold)
        resid = closing - coh.sum(axis=1)
        coh[:, 0] = np.maximum(0.0, coh[:, 0] + resid)
        state.coh = coh
        state.inv = closing
        # record
        out.orders[:, t] = O
        out.shipped[:, t] = shipped
        out.reason[:, t] = reason
        out.receipts[:, t] = receipts
        out.sold_units[:, t] = sold_u
        out.opening[:, t] = opening
        out.closing[:, t] = closing
        out.buckets[:, :, t] = bucket_sums(coh)
        out.aged_new[:, t] = coh[rows, inp.half_life]
        out.production[:, t] = prod
        out.dc_opening[:, t] = dc_open
        out.atp[:, t] = atp
        out.orders_total[:, t] = np.bincount(sku, weights=O, minlength=S)
        out.shipped_total[:, t] = ship_tot
        out.dc_closing[:, t] = state.dc
        out.dc_aged[:, t] = (state.dc_coh * dc_aged_mask).sum(axis=1)
        del ratio
    return out
