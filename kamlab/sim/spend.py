"""Stage 9 — the trade-spend ledger and cost-to-serve drivers (SPEC §3.8, §2.1).

Ledger rules (all amounts positive, RMB ex-VAT):

- OFF_INVOICE (on-invoice base discount) per account × week = Σ GS × ``on_invoice_discount_pct``;
  PROMO_OFF_INVOICE per distributor trade deal × week = GS in the buy window × deal rate. Both
  are on-invoice and equal ``sell_in.on_invoice_discount`` (so GS − TTS = NR holds by ledger).
- PROMO_SCAN_BACK per KA promotion × week = funding/case × cases sold; PROMO_LUMP_SUM for GWP.
- DISPLAY_FEE / DM_FEE per promotion (fixed, at its start); LISTING_FEE per new SKU × stores at
  launch; FESTIVAL_FEE at Spring Festival, ANNIVERSARY_FEE in the account's anniversary period.
- UNCONDITIONAL_REBATE, EC_PLATFORM_FEE, LOGISTICS_ALLOWANCE weekly on GS.
- GROWTH_REBATE (KA, on YoY GS growth) and TARGET_REBATE (distributors, quarterly volume
  attainment): accrued weekly at the expected tier rate, never above the final entitlement, and
  trued up in the last week of the year (quarter), so no accrual is ever reversed.
- OTIF_PENALTY per account × period when line-level OTIF < KPI: ``3% × value of short + late cases``.
- AGED_STOCK_CLEARANCE per account × SKU × period: cases passing ½ shelf life × list × 40%.
- PERIOD_END_DEAL: the deal that buys stuffed volume (``deal_pct`` of the injected cases' list
  value) and the month-end push deal (2% of last-week GS).

CTS drivers per account × week: orders, lines, freight (channel rate × cases), order handling
(drop cost × orders), merchandising (stores × a yearly rate per channel / 52).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.master import CHANNEL_PARAMS, CHANNELS, Master
from kamlab.sim.plans import GROWTH_TIERS, TARGET_TIERS, Terms, tier_rate
from kamlab.sim.tables import group_sum, id_col, id_labels, str_col

__all__ = ["MERCH_RATE", "SpendResult", "build_spend"]

#: [conv] merchandiser cost per store per year by channel (RMB)
MERCH_RATE = {"HYPER": 6000.0, "SUPER": 3000.0, "CVS": 600.0, "EC": 0.0, "DIST": 0.0}
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
    funding_per_case: np.ndarray,
    lump_sum: np.ndarray,
) -> SpendResult:
    """Stage 9: ledger rows and CTS drivers from the loop's shipments, sales and stock."""
    N, T = shipped.shape
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
    on_inv = gs * terms.on_inv[pair_a][:, None]
    deal = np.zeros((N, T))
    n_rows = len(promos)
    mech = promos["mechanic"].to_numpy() if n_rows else np.array([], dtype=object)
    depth = promos["depth"].to_numpy(dtype=float) if n_rows else np.zeros(0)
    row_t = promo_row[:, :T]
    on = row_t >= 0
    rr = np.where(on, row_t, 0)
    if n_rows:
        is_deal = on & (mech[rr] == "TRADE_DEAL")
        deal = np.where(is_deal, gs * depth[rr], 0.0)
    add_aw("OFF_INVOICE", acc_week(on_inv), settle=np.tile(np.arange(T), (A, 1)))
    promo_spend = np.zeros(n_rows)
    # per-promotion variable funding
    if n_rows:
        fund_case = np.where(mech == "TRADE_DEAL", 0.0, funding_per_case)
        scan = on & ~np.isin(mech[rr], ["TRADE_DEAL", "GWP", "DISPLAY_ONLY"])
        scan_amt = np.where(scan, sold_cases * fund_case[rr], 0.0)
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
        # fixed fees and GWP lump sums at the start week
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
        amt = terms.listing[a] * stores_count[a]
        if 0 <= w < T and amt > 0:
            add("LISTING_FEE", a, w, amt, w + pay_w[a], s)
    # festival and anniversary lump sums
    for year in years:
        wk = np.flatnonzero(fy == year)
        sf = [w for w in ev_weeks.get("SPRING_FESTIVAL", []) if wk[0] <= w <= wk[-1]]
        w_f = int(sf[0]) if sf else int(wk[0])
        for a in range(A):
            add("FESTIVAL_FEE", a, w_f, terms.festival[a], w_f + pay_w[a])
            per = int(terms.anniversary_period[a])
            m = np.flatnonzero((fy == year) & (cal.fiscal_period.to_numpy()[:T] == per))
            if len(m):
                add("ANNIVERSARY_FEE", a, int(m[0]), terms.anniv[a], int(m[0]) + pay_w[a])
    # weekly percentage rebates and fees, settled at quarter end + 4 weeks
    q_end = np.zeros(T, dtype=int)
    for q in dict.fromkeys(q_key.tolist()):
        m = np.flatnonzero(q_key == q)
        q_end[m] = m[-1]
    settle_q = np.tile(q_end + 4, (A, 1))
    add_aw("UNCONDITIONAL_REBATE", gs_aw * terms.uncond[:, None], settle_q)
    add_aw("EC_PLATFORM_FEE", gs_aw * terms.ec_fee[:, None], settle_q)
    add_aw("LOGISTICS_ALLOWANCE", gs_aw * terms.logistics[:, None], settle_q)
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
        base = growth_base[:, y]
        with np.errstate(divide="ignore", invalid="ignore"):
            g_final = np.where(base > 0, fy_gs[:, y] / base - 1.0, 0.0)
        final_rate = tier_rate(g_final, GROWTH_TIERS, terms.tier_rates)
        ytd = np.cumsum(gs_aw[:, wk], axis=1)
        frac = (np.arange(len(wk)) + 1) / len(wk)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_ytd = np.where(base[:, None] > 0, ytd / (base[:, None] * frac[None, :]) - 1.0, 0.0)
        r_ytd = tier_rate(g_ytd, GROWTH_TIERS, terms.tier_rates[:, None, :])
        acc_rate = np.minimum(r_ytd, final_rate[:, None])
        accr = acc_rate * gs_aw[:, wk]
        accr[:, -1] += final_rate * fy_gs[:, y] - accr.sum(axis=1)
        accr[is_dist] = 0.0
        gr_rows[:, wk] = np.maximum(0.0, accr)
        gr_settle[:, wk] = wk[-1] + 8
    add_aw("GROWTH_REBATE", gr_rows, gr_settle)
    # distributor quarterly target attainment on volume
    vol_aw = np.zeros((A, T))
    vol_aw += group_sum(pair_a, shipped, vol_aw.shape[0])
    tp = targets_period.set_index(["account_id", "period_key"])["volume_cases_target"]
    tgt_aw = np.zeros((A, T))
    for a in np.flatnonzero(is_dist):
        for p_i, key in enumerate(per_keys):
            m = per_idx == p_i
            tgt_aw[a, m] = tp.get((master.acc_ids[a], key), 0.0) / m.sum()
    tr_rows = np.zeros((A, T))
    for q in dict.fromkeys(q_key.tolist()):
        wk = np.flatnonzero(q_key == q)
        vt = tgt_aw[:, wk].sum(axis=1)
        va = vol_aw[:, wk].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            att = np.where(vt > 0, va / vt, 0.0)
        final_rate = tier_rate(att, TARGET_TIERS, terms.tier_rates)
        run = np.cumsum(vol_aw[:, wk], axis=1) / np.maximum(np.cumsum(tgt_aw[:, wk], axis=1), 1e-9)
        r_ytd = tier_rate(run, TARGET_TIERS, terms.tier_rates[:, None, :])
        accr = np.minimum(r_ytd, final_rate[:, None]) * gs_aw[:, wk]
        accr[:, -1] += final_rate * gs_aw[:, wk].sum(axis=1) - accr.sum(axis=1)
        accr[~is_dist] = 0.0
        tr_rows[:, wk] = np.maximum(0.0, accr)
    add_aw("TARGET_REBATE", tr_rows, settle_q)
    # OTIF penalty per account × period (line level)
    lines = orders > 0
    ot = on_time[pair_a][:, :T]
    in_full = shipped >= orders
    otif_line = np.zeros((A, n_per))
    pen = np.zeros((A, T))
    line_ok = lines & in_full & ot
    for p_i in range(n_per):
        m = per_idx == p_i
        n_l = np.zeros(A)
        n_ok = np.zeros(A)
        n_l += group_sum(pair_a, lines[:, m].sum(axis=1), n_l.shape[0])
        n_ok += group_sum(pair_a, line_ok[:, m].sum(axis=1), n_ok.shape[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            otif = np.where(n_l > 0, n_ok / n_l, 1.0)
        otif_line[:, p_i] = otif
        short_val = ((orders - shipped)[:, m] * price[:, None]).sum(axis=1)
        late_val = ((shipped * ~ot)[:, m] * price[:, None]).sum(axis=1)
        val = np.zeros(A)
        val += group_sum(pair_a, short_val + late_val, val.shape[0])
        pen[:, per_last[p_i]] = np.where(
            otif < terms.otif_kpi - 1e-9, terms.otif_penalty_pct * val, 0.0
        )
    add_aw("OTIF_PENALTY", pen)
    # aged-stock clearance per account × SKU × period
    clear = aged_new * price[:, None] * terms.clearance_pct
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
    n_lines = np.zeros((A, T))
    n_lines += group_sum(pair_a, lines.astype(float), n_lines.shape[0])
    cases = np.zeros((A, T))
    cases += group_sum(pair_a, shipped, cases.shape[0])
    ch = [CHANNELS[c] for c in master.acc_channel]
    freight_rate = np.array([CHANNEL_PARAMS[c][2] for c in ch])
    drop = np.array([CHANNEL_PARAMS[c][3] for c in ch])
    merch = np.array([MERCH_RATE[c] for c in ch]) * stores_count / 52.0
    n_orders = (n_lines > 0).astype(np.int64)
    cts = pd.DataFrame(
        {
            "account_id": str_col(np.repeat(np.arange(A), T), master.acc_ids),
            "week_id": np.tile(np.arange(T), A),
            "n_orders": n_orders.ravel(),
            "n_lines": n_lines.ravel().astype(np.int64),
            "freight_rmb": np.round((cases * freight_rate[:, None]).ravel(), 2),
            "order_handling_rmb": (n_orders * drop[:, None]).ravel().astype(float),
            "merchandiser_cost_rmb": np.round(np.repeat(merch, T), 2),
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
