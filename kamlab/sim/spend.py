"""Stage 9 — the trade-spend rules, the ledger and cost-to-serve drivers (SPEC §3.8, §2.1).

The rules are small pure functions on arrays. The world's ledger (:func:`build_spend`), the
plan replay (:func:`kamlab.sim.simulate_plan`) and the annual plan behind the targets
(:func:`kamlab.sim.plans.expected_year`) all call these same functions — there is one
implementation of every rule:

- :func:`on_invoice_discount` — OFF_INVOICE per shipment: ``GS × on_invoice_discount_pct``.
- :func:`funding_per_case` — a promotion's variable funding per case: scan-back
  ``scanback_share × consumer depth × list × price factor`` (a PROMO_OVERSPEND's extra depth in
  full); a distributor trade deal ``deal × list × price factor`` off invoice; GWP and
  DISPLAY_ONLY none.
- :func:`promo_variable_spend` — PROMO_SCAN_BACK = funding/case × cases **sold** in the
  promotion weeks (KA consumer promotions); PROMO_OFF_INVOICE = deal rate × GS **shipped** in
  the buy window (distributor trade deals, on-invoice).
- :func:`event_display_fee`, :func:`event_dm_fee` — DISPLAY_FEE / DM_FEE **per event**: fee per
  store and period × stores taking a display × periods (⌈weeks / 4⌉); one DM fee per featured
  event. :func:`split_over_rows` books an event's fee evenly on its promoted SKUs' rows.
- :func:`listing_fee` — LISTING_FEE per new SKU: fee per SKU and store × stores.
- :func:`rate_on_gs` — UNCONDITIONAL_REBATE, EC_PLATFORM_FEE, LOGISTICS_ALLOWANCE weekly on GS.
- :func:`growth_rebate` / :func:`target_rebate` — GROWTH_REBATE (KA, on growth of GS vs a base)
  and TARGET_REBATE (distributors, quarterly volume attainment): accrued weekly at the tier the
  running figure reaches, never above the final tier, trued up in the last week.
- :func:`otif_penalty` — OTIF_PENALTY per account × period when line-level OTIF < KPI:
  ``otif_penalty_pct × value of short + late cases``.
- :func:`aged_stock_clearance` — cases passing ½ shelf life × list × ``aged_stock_clearance_pct``.
- PERIOD_END_DEAL (ledger only; the knobs' deals): ``deal_pct`` of the injected stuffing cases'
  list value, and the month-end push deal (2 % of last-week GS).
- :func:`cts_drivers` — orders, lines, freight (channel rate × cases), order handling (drop cost
  × orders) and merchandising (stores × a yearly rate per channel / 52) per account × week;
  :func:`kam_cost_share` allocates a person's yearly cost over the accounts they own by net
  revenue (as :mod:`kamlab.analysis.scorecard` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.master import CHANNEL_PARAMS, CHANNELS, Master
from kamlab.sim.plans import GROWTH_TIERS, TARGET_TIERS, Terms, tier_rate
from kamlab.sim.tables import group_sum, id_col, id_labels, str_col

__all__ = [
    "FINANCING_RATE",
    "MERCH_RATE",
    "NO_VARIABLE_FUNDING",
    "SpendResult",
    "aged_stock_clearance",
    "build_spend",
    "consumer_depth",
    "cts_drivers",
    "event_display_fee",
    "event_dm_fee",
    "funding_per_case",
    "growth_rebate",
    "kam_cost_share",
    "listing_fee",
    "lump_sum_fees",
    "on_invoice_discount",
    "otif_penalty",
    "promo_variable_spend",
    "rate_on_gs",
    "split_over_rows",
    "target_rebate",
]

#: [conv] merchandiser cost per store per year by channel (RMB)
MERCH_RATE = {"HYPER": 6000.0, "SUPER": 3000.0, "CVS": 600.0, "EC": 0.0, "DIST": 0.0}
#: cost of financing the customer's payment terms (SPEC §2.1 step 8)
FINANCING_RATE = 0.06
#: mechanics without per-case funding (GWP is a lump sum, DISPLAY_ONLY fees only)
NO_VARIABLE_FUNDING = ("GWP", "DISPLAY_ONLY")
_TYPE_ORDER = [
    "OFF_INVOICE", "PROMO_SCAN_BACK", "PROMO_OFF_INVOICE", "PROMO_LUMP_SUM", "DISPLAY_FEE",
    "LISTING_FEE", "DM_FEE", "FESTIVAL_FEE", "ANNIVERSARY_FEE", "EC_PLATFORM_FEE",
    "UNCONDITIONAL_REBATE", "GROWTH_REBATE", "TARGET_REBATE", "LOGISTICS_ALLOWANCE",
    "OTIF_PENALTY", "AGED_STOCK_CLEARANCE", "PERIOD_END_DEAL",
]  # fmt: skip
_ON_INVOICE = {"OFF_INVOICE", "PROMO_OFF_INVOICE"}
_FIXED = {
    "DISPLAY_FEE",
    "LISTING_FEE",
    "DM_FEE",
    "FESTIVAL_FEE",
    "ANNIVERSARY_FEE",
    "PROMO_LUMP_SUM",
}


# ---------------------------------------------------------------------------------------------
# the rules (pure functions)
def on_invoice_discount(gs: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """OFF_INVOICE: ``GS × on_invoice_discount_pct`` (``rate`` broadcasts against ``gs``).

    >>> on_invoice_discount(np.array([[1000.0, 500.0]]), np.array([[0.06]])).tolist()
    [[60.0, 30.0]]
    """
    return np.asarray(gs, dtype=float) * rate


def consumer_depth(mechanic: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Shelf-price cut the shopper sees: a trade deal passes half of the deal on; else the depth.

    >>> consumer_depth(np.array(["TPR", "TRADE_DEAL"]), np.array([0.2, 0.04])).tolist()
    [0.2, 0.02]
    """
    return np.where(np.asarray(mechanic) == "TRADE_DEAL", 0.5 * np.asarray(depth), depth)


def funding_per_case(
    mechanic: np.ndarray,
    depth: np.ndarray,
    list_price: np.ndarray,
    scanback_share: float,
    extra: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Variable funding per case of promotion rows (RMB/case, ``list_price`` incl. price factor).

    Scan-back: ``(share × (consumer depth − extra) + extra) × list`` — the manufacturer funds
    ``scanback_share`` of the price cut, and all of a PROMO_OVERSPEND's ``extra`` depth; trade
    deal: ``deal × list`` (off invoice); GWP and DISPLAY_ONLY: 0 (lump sum / fees only).

    >>> funding_per_case(np.array(["TPR", "TRADE_DEAL", "GWP"]), np.array([0.2, 0.04, 0.1]),
    ...                  np.array([100.0, 100.0, 100.0]), 0.35).round(2).tolist()
    [7.0, 4.0, 0.0]
    """
    mech = np.asarray(mechanic)
    depth = np.asarray(depth, dtype=float)
    lp = np.asarray(list_price, dtype=float)
    cd = consumer_depth(mech, depth)
    return np.where(
        mech == "TRADE_DEAL",
        depth * lp,
        np.where(
            np.isin(mech, NO_VARIABLE_FUNDING), 0.0, (scanback_share * (cd - extra) + extra) * lp
        ),
    )


def promo_variable_spend(
    sold_cases: np.ndarray,
    gs: np.ndarray,
    promo_row: np.ndarray,
    mechanic: np.ndarray,
    depth: np.ndarray,
    funding: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(PROMO_SCAN_BACK, PROMO_OFF_INVOICE) per pair-week.

    ``promo_row`` (N, W) is the active promotion row (−1 = none); ``mechanic``, ``depth``,
    ``funding`` are per row. Scan-back = ``funding × cases sold`` in the promotion's weeks (not
    for trade deals, GWP or DISPLAY_ONLY); trade deal = ``deal × GS shipped`` in the buy window.

    >>> sc, dl = promo_variable_spend(np.array([[10.0, 10.0]]), np.array([[500.0, 500.0]]),
    ...                               np.array([[0, -1]]), np.array(["TPR"]), np.array([0.2]),
    ...                               np.array([3.0]))
    >>> sc.tolist(), dl.tolist()
    ([[30.0, 0.0]], [[0.0, 0.0]])
    """
    on = promo_row >= 0
    if len(mechanic) == 0 or not on.any():
        z = np.zeros(np.shape(sold_cases))
        return z, z.copy()
    rr = np.where(on, promo_row, 0)
    mech = np.asarray(mechanic)[rr]
    is_deal = on & (mech == "TRADE_DEAL")
    scan_on = on & ~is_deal & ~np.isin(mech, NO_VARIABLE_FUNDING)
    scan = np.where(scan_on, sold_cases * np.asarray(funding, dtype=float)[rr], 0.0)
    deal = np.where(is_deal, gs * np.asarray(depth, dtype=float)[rr], 0.0)
    return scan, deal


def event_display_fee(
    display: np.ndarray | str,
    endcap_fee: np.ndarray | float,
    floorstack_fee: np.ndarray | float,
    stores: np.ndarray | float,
    display_share: np.ndarray | float,
    duration_weeks: np.ndarray | int,
) -> np.ndarray:
    """DISPLAY_FEE of whole events: fee per store and period × stores taking a display
    (``round(display_share × stores)``) × fiscal periods the event spans (⌈weeks / 4⌉).

    >>> event_display_fee(np.array(["ENDCAP", "FLOOR_STACK", "NONE"]), 2000.0, 4000.0, 50,
    ...                   0.6, np.array([2, 5, 2])).tolist()
    [60000.0, 240000.0, 0.0]
    """
    disp = np.asarray(display)
    fee = np.where(
        disp == "ENDCAP", endcap_fee, np.where(disp == "FLOOR_STACK", floorstack_fee, 0.0)
    )
    n_per = np.ceil(np.asarray(duration_weeks, dtype=float) / 4.0)
    return fee * np.round(np.asarray(display_share) * np.asarray(stores, dtype=float)) * n_per


def event_dm_fee(feature: np.ndarray | str, dm_fee: np.ndarray | float) -> np.ndarray:
    """DM_FEE of whole events: one leaflet / app-banner fee per featured event.

    >>> event_dm_fee(np.array(["DM", "NONE"]), 15000.0).tolist()
    [15000.0, 0.0]
    """
    return np.where(np.asarray(feature) != "NONE", dm_fee, 0.0).astype(float)


def split_over_rows(event_of_row: np.ndarray, event_fee_of_row: np.ndarray) -> np.ndarray:
    """Each row's share of its event's fee: the fee divided evenly over the event's rows.

    ``event_fee_of_row`` carries the whole event's fee on every row of the event.

    >>> split_over_rows(np.array([1, 1, 2]), np.array([90.0, 90.0, 40.0])).tolist()
    [45.0, 45.0, 40.0]
    """
    ev = np.asarray(event_of_row)
    if len(ev) == 0:
        return np.zeros(0)
    _, inv, counts = np.unique(ev, return_inverse=True, return_counts=True)
    return np.asarray(event_fee_of_row, dtype=float) / counts[inv]


def listing_fee(fee_per_sku_store: np.ndarray | float, stores: np.ndarray | float) -> np.ndarray:
    """LISTING_FEE of a new SKU at an account: fee per SKU and store × the account's stores.

    >>> float(listing_fee(300.0, 50))
    15000.0
    """
    return np.asarray(fee_per_sku_store, dtype=float) * np.asarray(stores, dtype=float)


def rate_on_gs(gs: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """A percentage-of-GS term (unconditional rebate, EC platform fee, logistics allowance).

    >>> rate_on_gs(np.array([[100.0, 200.0]]), np.array([[0.03]])).tolist()
    [[3.0, 6.0]]
    """
    return np.asarray(gs, dtype=float) * rate


def growth_rebate(
    gs: np.ndarray,
    base: np.ndarray,
    tier_rates: np.ndarray,
    bands: list[tuple[float, float | None, float]] = GROWTH_TIERS,
) -> np.ndarray:
    """GROWTH_REBATE accruals (A, W) over one rebate year of W weeks (SPEC §2.14 accrual).

    Growth to date ``g_t = YTD GS / (base × t/W) − 1``; week t accrues ``min(rate(g_t),
    rate(g_final)) × GS_t``, and the last week trues up to ``rate(g_final) × Σ GS`` (retro), so
    no accrual is ever reversed. ``base`` (A,) is last year's eligible GS of the same weeks.

    >>> r = growth_rebate(np.array([[100.0, 100.0]]), np.array([190.0]),
    ...                   np.array([[0.01, 0.02, 0.03]]))
    >>> r.round(2).tolist(), round(float(r.sum()), 2)
    ([[2.0, 2.0]], 4.0)
    """
    gs = np.asarray(gs, dtype=float)
    A, W = gs.shape
    if W == 0:
        return np.zeros((A, 0))
    base = np.asarray(base, dtype=float)
    total = gs.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_final = np.where(base > 0, total / base - 1.0, 0.0)
        frac = (np.arange(W) + 1) / W
        g_ytd = np.where(
            base[:, None] > 0, np.cumsum(gs, axis=1) / (base[:, None] * frac[None, :]) - 1.0, 0.0
        )
    final_rate = tier_rate(g_final, bands, tier_rates)
    r_ytd = tier_rate(g_ytd, bands, tier_rates[:, None, :])
    accr = np.minimum(r_ytd, final_rate[:, None]) * gs
    accr[:, -1] += final_rate * total - accr.sum(axis=1)
    return np.maximum(0.0, accr)


def target_rebate(
    volume: np.ndarray,
    volume_target: np.ndarray,
    gs: np.ndarray,
    tier_rates: np.ndarray,
    bands: list[tuple[float, float | None, float]] = TARGET_TIERS,
) -> np.ndarray:
    """TARGET_REBATE accruals (A, W) over one quarter of W weeks: the tier of volume attainment
    ``Σ volume / Σ target`` pays its rate on the quarter's GS; accrued weekly at the running
    attainment's tier (never above the final one) and trued up in the last week.

    >>> target_rebate(np.array([[50.0, 60.0]]), np.array([[50.0, 50.0]]), np.array([[100.0, 100.0]]),
    ...               np.array([[0.01, 0.02, 0.03]])).round(2).tolist()
    [[2.0, 4.0]]
    """
    vol = np.asarray(volume, dtype=float)
    tgt = np.asarray(volume_target, dtype=float)
    gs = np.asarray(gs, dtype=float)
    vt, va = tgt.sum(axis=1), vol.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.where(vt > 0, va / vt, 0.0)
    final_rate = tier_rate(att, bands, tier_rates)
    run = np.cumsum(vol, axis=1) / np.maximum(np.cumsum(tgt, axis=1), 1e-9)
    r_run = tier_rate(run, bands, tier_rates[:, None, :])
    accr = np.minimum(r_run, final_rate[:, None]) * gs
    if accr.shape[1]:
        accr[:, -1] += final_rate * gs.sum(axis=1) - accr.sum(axis=1)
    return np.maximum(0.0, accr)


def otif_penalty(
    lines: np.ndarray,
    lines_ok: np.ndarray,
    short_late_value: np.ndarray,
    otif_kpi: np.ndarray | float,
    penalty_pct: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """(OTIF_PENALTY, line-level OTIF) per account × period.

    ``lines`` and ``lines_ok`` (on time and in full) count order lines, ``short_late_value`` is
    the list value of short plus late cases. Penalty ``= penalty_pct × value`` when OTIF < KPI
    (§0.2 guard); a period without lines has OTIF 1.

    >>> pen, otif = otif_penalty(np.array([10.0]), np.array([8.0]), np.array([5000.0]), 0.9, 0.03)
    >>> pen.tolist(), otif.tolist()
    ([150.0], [0.8])
    """
    n_l = np.asarray(lines, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        otif = np.where(n_l > 0, np.asarray(lines_ok, dtype=float) / n_l, 1.0)
    pen = np.where(otif < np.asarray(otif_kpi) - 1e-9, penalty_pct * short_late_value, 0.0)
    return pen, otif


def aged_stock_clearance(
    aged_new: np.ndarray, price: np.ndarray, clearance_pct: np.ndarray | float
) -> np.ndarray:
    """AGED_STOCK_CLEARANCE: cases passing ½ shelf life × list × ``aged_stock_clearance_pct``.

    >>> aged_stock_clearance(np.array([[10.0]]), np.array([50.0]), 0.4).tolist()
    [[200.0]]
    """
    return (
        np.asarray(aged_new, dtype=float) * np.asarray(price, dtype=float)[:, None] * clearance_pct
    )


@dataclass
class CtsDrivers:
    """Cost-to-serve drivers per account × week (A, W)."""

    n_orders: np.ndarray
    n_lines: np.ndarray
    freight: np.ndarray
    handling: np.ndarray
    merchandising: np.ndarray


def cts_drivers(
    lines: np.ndarray,
    cases: np.ndarray,
    channel: list[str] | np.ndarray,
    stores: np.ndarray,
) -> CtsDrivers:
    """CTS drivers per account × week from lines (A, W) and shipped cases (A, W).

    One order per account and week with any line; freight = the channel's rate × cases; order
    handling = drop cost × orders; merchandising = stores × :data:`MERCH_RATE` / 52 per week.

    >>> d = cts_drivers(np.array([[3.0, 0.0]]), np.array([[100.0, 0.0]]), ["HYPER"], np.array([10]))
    >>> d.freight.tolist(), d.handling.tolist(), round(float(d.merchandising[0, 0]), 2)
    ([[250.0, 0.0]], [[300.0, 0.0]], 1153.85)
    """
    lines = np.asarray(lines, dtype=float)
    W = lines.shape[1]
    freight_rate = np.array([CHANNEL_PARAMS[c][2] for c in channel])
    drop = np.array([CHANNEL_PARAMS[c][3] for c in channel])
    merch = np.array([MERCH_RATE[c] for c in channel]) * np.asarray(stores, dtype=float) / 52.0
    n_orders = (lines > 0).astype(np.int64)
    return CtsDrivers(
        n_orders=n_orders,
        n_lines=lines,
        freight=cases * freight_rate[:, None],
        handling=n_orders * drop[:, None],
        merchandising=np.repeat(merch[:, None], W, axis=1),
    )


def kam_cost_share(owner: np.ndarray, nr: np.ndarray) -> np.ndarray:
    """Each account's share of its owner's cost: its NR / the owner's accounts' NR (equal shares
    when the owner's NR is not positive), as :mod:`kamlab.analysis.scorecard` allocates it.

    >>> kam_cost_share(np.array([0, 0, 1]), np.array([30.0, 10.0, 5.0])).tolist()
    [0.75, 0.25, 1.0]
    """
    owner = np.asarray(owner)
    nr = np.clip(np.asarray(nr, dtype=float), 0.0, None)
    _, inv = np.unique(owner, return_inverse=True)
    tot = np.bincount(inv, weights=nr)
    cnt = np.bincount(inv)
    return np.where(tot[inv] > 0, nr / np.where(tot[inv] > 0, tot[inv], 1.0), 1.0 / cnt[inv])


# ---------------------------------------------------------------------------------------------
@dataclass
class SpendResult:
    ledger: pd.DataFrame
    cts: pd.DataFrame
    on_invoice: np.ndarray  # (N, T) on-invoice discount per pair-week
    gs: np.ndarray  # (N, T)
    growth_base: np.ndarray  # (A, Y)
    otif_line: np.ndarray  # (A, n_periods) line-level OTIF
    promo_spend: np.ndarray  # per promotion row: variable + fixed spend actually booked


def build_spend(
    master: Master,
    terms: Terms,
    cal: pd.DataFrame,
    pair_a: np.ndarray,
    pair_s: np.ndarray,
    shipped: np.ndarray,
    orders: np.ndarray,
    sold_cases: np.ndarray,
    on_time: np.ndarray,
    aged_new: np.ndarray,
    promos: pd.DataFrame,
    promo_row: np.ndarray,
    stuff_extra: np.ndarray,
    push: dict[int, dict],
    stuffing: list[dict],
    targets_period: pd.DataFrame,
    growth_base_first: np.ndarray,
    ev_weeks: dict[str, np.ndarray],
    stores_count: np.ndarray,
    funding: np.ndarray,
    lump_sum: np.ndarray,
) -> SpendResult:
    """Stage 9: ledger rows and CTS drivers from the loop's shipments, sales and stock."""
    T = shipped.shape[1]
    A = master.n_acc
    fy = cal.fiscal_year.to_numpy()[:T]
    years = list(dict.fromkeys(fy.tolist()))
    pk = cal.period_key.astype(str).to_numpy()[:T]
    per_new = np.r_[True, pk[1:] != pk[:-1]]
    per_idx = np.cumsum(per_new) - 1
    per_keys = pk[per_new]
    n_per = len(per_keys)
    per_last = np.flatnonzero(np.r_[pk[1:] != pk[:-1], True])
    q_key = np.array(
        [f"{y}Q{q}" for y, q in zip(fy, cal.fiscal_quarter.to_numpy()[:T], strict=True)]
    )
    price = master.sku_list[pair_s] * master.acc_price_factor[pair_a]
    gs = shipped * price[:, None]
    chunks: list[tuple[np.ndarray, ...]] = []  # (a, week, type, sku/-1, promo/-1, amount, settle)

    def add(
        kind: str, a: object, w: object, amt: object, settle: object, s: object = -1, r: object = -1
    ) -> None:
        a_, w_, amt_, settle_, s_, r_ = np.broadcast_arrays(
            np.asarray(a, dtype=np.int64), np.asarray(w, dtype=np.int64),
            np.asarray(amt, dtype=float), np.asarray(settle, dtype=np.int64),
            np.asarray(s, dtype=np.int64), np.asarray(r, dtype=np.int64),
        )  # fmt: skip
        keep = amt_ > 0.005
        if keep.any():
            k = np.full(int(keep.sum()), _TYPE_ORDER.index(kind))
            chunks.append((a_[keep], w_[keep], k, s_[keep], r_[keep], amt_[keep], settle_[keep]))

    def acc_week(x: np.ndarray) -> np.ndarray:
        out = np.zeros((A, T))
        out += group_sum(pair_a, x, out.shape[0])
        return out

    gs_aw = acc_week(gs)
    pay_w = np.ceil(terms.pay_days / 7.0).astype(int)

    def add_aw(kind: str, amount: np.ndarray, settle: np.ndarray | None = None) -> None:
        a_idx, w_idx = np.nonzero(amount > 0.005)
        sw = settle[a_idx, w_idx] if settle is not None else w_idx + pay_w[a_idx]
        add(kind, a_idx, w_idx, amount[a_idx, w_idx], sw)

    # on-invoice base discount and distributor trade deals
    on_inv = on_invoice_discount(gs, terms.on_inv[pair_a][:, None])
    n_rows = len(promos)
    mech = promos["mechanic"].to_numpy() if n_rows else np.array([], dtype=object)
    depth = promos["depth"].to_numpy(dtype=float) if n_rows else np.zeros(0)
    row_t = promo_row[:, :T]
    scan_amt, deal = promo_variable_spend(sold_cases, gs, row_t, mech, depth, funding)
    add_aw("OFF_INVOICE", acc_week(on_inv), settle=np.tile(np.arange(T), (A, 1)))
    promo_spend = np.zeros(n_rows)
    if n_rows:
        rr = np.where(row_t >= 0, row_t, 0)
        n_i, w_i = np.nonzero(scan_amt > 0.005)
        r_i = rr[n_i, w_i]
        amt = scan_amt[n_i, w_i]
        add("PROMO_SCAN_BACK", pair_a[n_i], w_i, amt, w_i + pay_w[pair_a[n_i]], pair_s[n_i], r_i)
        promo_spend += np.bincount(r_i, weights=amt, minlength=n_rows)
        n_i, w_i = np.nonzero(deal > 0.005)
        r_i = rr[n_i, w_i]
        amt = deal[n_i, w_i]
        add("PROMO_OFF_INVOICE", pair_a[n_i], w_i, amt, w_i, pair_s[n_i], r_i)
        promo_spend += np.bincount(r_i, weights=amt, minlength=n_rows)
        # fixed fees (each row's share of its event's fee) and GWP lump sums at the start week
        starts = promos["start"].to_numpy(dtype=np.int64)
        live = ~promos["cancelled"].to_numpy(dtype=bool) & (starts < T)
        r_i = np.flatnonzero(live)
        a_r = promos["a"].to_numpy(dtype=np.int64)[r_i]
        s_r = promos["s"].to_numpy(dtype=np.int64)[r_i]
        w_r = starts[r_i]
        for kind, amt in (
            ("DISPLAY_FEE", promos["display_fee"].to_numpy(dtype=float)[r_i]),
            ("DM_FEE", promos["dm_fee"].to_numpy(dtype=float)[r_i]),
            ("PROMO_LUMP_SUM", np.where(mech[r_i] == "GWP", lump_sum[r_i], 0.0)),
        ):
            amt = np.where(amt > 0.005, amt, 0.0)
            add(kind, a_r, w_r, amt, w_r + pay_w[a_r], s_r, r_i)
            promo_spend[r_i] += amt
    on_invoice = on_inv + deal
    # listing fees for new SKUs
    for n in np.flatnonzero(master.sku_launch[pair_s] >= 0):
        a, s = int(pair_a[n]), int(pair_s[n])
        w = int(master.sku_launch[s])
        amt = float(listing_fee(terms.listing[a], stores_count[a]))
        if 0 <= w < T and amt > 0:
            add("LISTING_FEE", a, w, amt, w + pay_w[a], s)
    # festival and anniversary lump sums
    fees = lump_sum_fees(terms.festival, terms.anniv, terms.anniversary_period, cal, ev_weeks, 0, T)
    for kind, a, w, amt in fees:
        add(kind, a, w, amt, w + pay_w[a])
    # weekly percentage rebates and fees, settled at quarter end + 4 weeks
    q_end = np.zeros(T, dtype=int)
    for q in dict.fromkeys(q_key.tolist()):
        m = np.flatnonzero(q_key == q)
        q_end[m] = m[-1]
    settle_q = np.tile(q_end + 4, (A, 1))
    add_aw("UNCONDITIONAL_REBATE", rate_on_gs(gs_aw, terms.uncond[:, None]), settle_q)
    add_aw("EC_PLATFORM_FEE", rate_on_gs(gs_aw, terms.ec_fee[:, None]), settle_q)
    add_aw("LOGISTICS_ALLOWANCE", rate_on_gs(gs_aw, terms.logistics[:, None]), settle_q)
    # growth rebates (KA) and target rebates (distributors)
    is_dist = np.array([s == "DIST" for s in terms.segment])
    growth_base = np.zeros((A, len(years)))
    fy_gs = np.zeros((A, len(years)))
    for y, year in enumerate(years):
        fy_gs[:, y] = gs_aw[:, fy == year].sum(axis=1)
    growth_base[:, 0] = growth_base_first
    for y in range(1, len(years)):
        growth_base[:, y] = fy_gs[:, y - 1]
    gr_rows = np.zeros((A, T))
    gr_settle = np.zeros((A, T), dtype=int)
    for y, year in enumerate(years):
        wk = np.flatnonzero(fy == year)
        accr = growth_rebate(gs_aw[:, wk], growth_base[:, y], terms.tier_rates)
        accr[is_dist] = 0.0
        gr_rows[:, wk] = accr
        gr_settle[:, wk] = wk[-1] + 8
    add_aw("GROWTH_REBATE", gr_rows, gr_settle)
    # distributor quarterly target attainment on volume
    vol_aw = acc_week(shipped)
    tp = targets_period.set_index(["account_id", "period_key"])["volume_cases_target"]
    tgt_aw = np.zeros((A, T))
    for a in np.flatnonzero(is_dist):
        for p_i, key in enumerate(per_keys):
            m = per_idx == p_i
            tgt_aw[a, m] = tp.get((master.acc_ids[a], key), 0.0) / m.sum()
    tr_rows = np.zeros((A, T))
    for q in dict.fromkeys(q_key.tolist()):
        wk = np.flatnonzero(q_key == q)
        accr = target_rebate(vol_aw[:, wk], tgt_aw[:, wk], gs_aw[:, wk], terms.tier_rates)
        accr[~is_dist] = 0.0
        tr_rows[:, wk] = accr
    add_aw("TARGET_REBATE", tr_rows, settle_q)
    # OTIF penalty per account × period (line level)
    lines = orders > 0
    ot = on_time[pair_a][:, :T]
    line_ok = lines & (shipped >= orders) & ot
    value_sl = ((orders - shipped) + shipped * ~ot) * price[:, None]
    otif_line = np.zeros((A, n_per))
    pen = np.zeros((A, T))
    for p_i in range(n_per):
        m = per_idx == p_i
        n_l, n_ok, val = np.zeros(A), np.zeros(A), np.zeros(A)
        n_l += group_sum(pair_a, lines[:, m].sum(axis=1), A)
        n_ok += group_sum(pair_a, line_ok[:, m].sum(axis=1), A)
        val += group_sum(pair_a, value_sl[:, m].sum(axis=1), A)
        pen[:, per_last[p_i]], otif_line[:, p_i] = otif_penalty(
            n_l, n_ok, val, terms.otif_kpi, terms.otif_penalty_pct
        )
    add_aw("OTIF_PENALTY", pen)
    # aged-stock clearance per account × SKU × period
    clear = aged_stock_clearance(aged_new, price, terms.clearance_pct)
    for p_i in range(n_per):
        m = per_idx == p_i
        amt = clear[:, m].sum(axis=1)
        w = int(per_last[p_i])
        n_i = np.flatnonzero(amt > 0.005)
        add("AGED_STOCK_CLEARANCE", pair_a[n_i], w, amt[n_i], w + pay_w[pair_a[n_i]], pair_s[n_i])
    # period-end deals: stuffing (deal on the injected cases shipped) and month-end push
    ped = np.zeros((A, T))
    for st in stuffing:
        a = st["account"]
        prs = np.flatnonzero(pair_a == a)
        shipped_extra = np.minimum(np.ceil(stuff_extra[prs][:, :T] - 1e-9), shipped[prs])
        ped[a] += st["deal_pct"] * (shipped_extra * price[prs][:, None]).sum(axis=0)
    is_last = np.zeros(T, dtype=bool)
    is_last[per_last] = True
    for a, k in push.items():
        mask = np.isin(pk, k["periods"]) & is_last
        ped[a, mask] += k["deal_pct"] * gs_aw[a, mask]
    add_aw("PERIOD_END_DEAL", ped)
    # --- assemble the ledger -----------------------------------------------------------------
    cat = [np.concatenate([c[i] for c in chunks]) if chunks else np.zeros(0) for i in range(7)]
    led = pd.DataFrame(
        {"a": cat[0], "week": cat[1], "t_ord": cat[2], "s": cat[3], "r": cat[4],
         "amount": cat[5], "settle": cat[6]}
    )  # fmt: skip
    led = led.sort_values(["a", "week", "t_ord", "s", "r"], kind="mergesort").reset_index(drop=True)
    led["type"] = np.array(_TYPE_ORDER, dtype=object)[led["t_ord"].to_numpy(dtype=np.int64)]
    n = len(led)
    settle = led["settle"].to_numpy()
    settled = settle <= T - 1
    promo_ids = id_labels("PR", max(1, n_rows), 5)
    ledger = pd.DataFrame(
        {
            "spend_id": id_col("SP", n, 7),
            "account_id": str_col(led["a"].to_numpy(), master.acc_ids),
            "fiscal_year": fy[led["week"].to_numpy()],
            "week_id": led["week"].to_numpy(),
            "sku_id": str_col(led["s"].to_numpy(), master.sku_ids),
            "promo_id": str_col(led["r"].to_numpy(), promo_ids),
            "spend_type": led["type"].to_numpy(),
            "on_invoice": led["type"].isin(_ON_INVOICE).to_numpy(),
            "is_fixed": led["type"].isin(_FIXED).to_numpy(),
            "amount_rmb": np.round(led["amount"].to_numpy(), 2),
            "status": np.where(settled, "SETTLED", "ACCRUED"),
            "settle_week": pd.array(np.where(settled, settle, 0), dtype="Int16"),
        }
    )
    ledger.loc[~settled, "settle_week"] = pd.NA
    # --- CTS drivers ---------------------------------------------------------------------------
    ch = [CHANNELS[c] for c in master.acc_channel]
    drv = cts_drivers(acc_week(lines.astype(float)), vol_aw, ch, stores_count)
    cts = pd.DataFrame(
        {
            "account_id": str_col(np.repeat(np.arange(A), T), master.acc_ids),
            "week_id": np.tile(np.arange(T), A),
            "n_orders": drv.n_orders.ravel(),
            "n_lines": drv.n_lines.ravel().astype(np.int64),
            "freight_rmb": np.round(drv.freight.ravel(), 2),
            "order_handling_rmb": drv.handling.ravel().astype(float),
            "merchandiser_cost_rmb": np.round(drv.merchandising.ravel(), 2),
        }
    )
    return SpendResult(
        ledger=ledger,
        cts=cts,
        on_invoice=np.round(on_invoice, 2),
        gs=gs,
        growth_base=growth_base,
        otif_line=otif_line,
        promo_spend=promo_spend,
    )


def lump_sum_fees(
    festival: np.ndarray,
    anniversary: np.ndarray,
    anniversary_period: np.ndarray,
    cal: pd.DataFrame,
    ev_weeks: dict[str, np.ndarray],
    lo: int,
    hi: int,
    accounts: list[int] | None = None,
) -> list[tuple[str, int, int, float]]:
    """FESTIVAL_FEE and ANNIVERSARY_FEE bookings in weeks ``lo … hi − 1``.

    Per account and fiscal year: the annual festival fee in the Spring Festival week (the year's
    first week when there is none), the annual anniversary fee in the first week of the
    account's anniversary period (1–12). Arrays are indexed by account; returns ``(spend type,
    account index, week, amount)`` tuples with amounts > 0.
    """
    fy = cal.fiscal_year.to_numpy()
    fp = cal.fiscal_period.to_numpy()
    out: list[tuple[str, int, int, float]] = []
    accs = range(len(festival)) if accounts is None else accounts
    for year in dict.fromkeys(fy[lo:hi].tolist()):
        wk = np.flatnonzero(fy == year)
        sf = [int(w) for w in ev_weeks.get("SPRING_FESTIVAL", []) if wk[0] <= w <= wk[-1]]
        w_f = sf[0] if sf else int(wk[0])
        for a in accs:
            if lo <= w_f < hi and festival[a] > 0:
                out.append(("FESTIVAL_FEE", a, w_f, float(festival[a])))
            m = np.flatnonzero((fy == year) & (fp == int(anniversary_period[a])))
            if len(m) and lo <= int(m[0]) < hi and anniversary[a] > 0:
                out.append(("ANNIVERSARY_FEE", a, int(m[0]), float(anniversary[a])))
    return out
