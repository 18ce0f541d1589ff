"""M4 *Review dashboard*: one key account × fiscal quarter, as in a quarterly business review.

The model behind the M4 panel "Review dashboard" (SPEC §4 M4; formulas §2.5–2.8, §2.12, §2.17).
For the selected quarter and a comparison quarter (same quarter last year, or the previous
quarter) it returns:

- **PVM bridge** of net revenue (``km.pvm_bridge``) at a drill-down level (SKU, brand, category
  or pack type): volumes ``V`` in cases and prices ``p = NR / case``, so Volume + Mix + Price =
  NR₁ − NR₀ exactly. NR per SKU = GS − on-invoice discount (``sell_in``) − the SKU's own
  off-invoice spend (``trade_spend`` rows with a ``sku_id``: promotion funding, display and
  listing fees) − its GS share of the account-level off-invoice spend (rebates, lump sums,
  penalties, and the spend booked on SKUs that shipped nothing that quarter), so the items'
  NR adds up to the account's NR of the quarter (GS − TTS by accrual week).
- **Value share** (``km.value_share`` over ``market_account_week``: Σ our value / Σ category
  value, never a mean of weekly shares) for the quarter, the comparison quarter and every
  fiscal period (the trend), for all categories or one.
- **Distribution** per must-stock SKU from the quarter's store audits (``audit_sku``): a store
  *handles* a SKU when an audit in the quarter found it listed and on shelf; the universe is
  the stores audited in the quarter. ``km.numeric_distribution`` (ND) and
  ``km.weighted_distribution`` (WD, store ACV ``stores.acv_rmb_k``), TDP = Σ WD
  (``km.total_distribution_points``).
- **OOS** ``km.oos_rate`` = Σ ``oos_n`` / Σ ``listed_n`` of the quarter's visits.
- **Service**: ``km.fill_rates`` on the quarter's order lines (case fill, OTIF, line OTIF).
- **Forecast accuracy**: ``km.wmape`` and ``km.forecast_bias`` of the lag-2 forecasts
  (``forecasts.lag_weeks == 2``) against the unconstrained orders (Σ ``order_lines
  .cases_ordered``) at account × SKU × week; error ``e = F − A``.

Everything is pre-aggregated once per world (:func:`review_context`), so a query answers in a
few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world

__all__ = [
    "LEVELS",
    "ReviewContext",
    "ReviewResult",
    "account_quarter_value_share",
    "comparison_quarter",
    "forecast_accuracy_for",
    "pvm_for",
    "review",
    "review_context",
]

LEVELS = ("sku_id", "brand", "category", "pack_type")
"""Drill-down levels of the PVM bridge."""


@dataclass
class ReviewContext:
    """Per world pre-aggregates (built by :func:`review_context`)."""

    quarters: list[str]  # "FY2023-Q1" … in order
    periods: pd.DataFrame  # period_key, quarter, fiscal_year, order
    accounts: pd.DataFrame  # KA accounts: account_id, account_name
    products: pd.DataFrame  # sku_id → brand, category, pack_type, sku_name
    money: pd.DataFrame  # (account_id, quarter, sku_id) cases, gs, nr
    share: pd.DataFrame  # (account_id, period_key, category) ours, total
    visits: pd.DataFrame  # per visit: account_id, quarter, store_id, oos_n, listed_n
    handling: pd.DataFrame  # (account_id, quarter, sku_id, store_id) handled
    store_acv: pd.Series  # store_id → acv
    lines: pd.DataFrame  # order lines sorted by account, quarter
    line_slices: dict[tuple[str, str], tuple[int, int]]
    fc: pd.DataFrame  # lag-2 forecasts: account_id, quarter, kam_id, actual, forecast
    kam_of: pd.Series  # account_id → kam_id
    # per (account, quarter) fast-path arrays
    items: dict[tuple[str, str], pd.DataFrame]  # per SKU: cases, nr, brand, category, pack_type
    dist: dict[tuple[str, str], tuple[list[str], np.ndarray, np.ndarray]]  # skus, mask, acv
    oos: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]  # oos_n, listed_n
    fc_aq: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]  # actual, forecast
    share_ap: dict[
        tuple[str, str], tuple[np.ndarray, np.ndarray]
    ]  # (account, category) → ours, total per period
    fill_memo: dict[tuple[str, str], Any]
    memo: dict[tuple, Any]  # derived per-selection pieces (items by level, distribution)


def _quarter_keys(cal: pd.DataFrame) -> pd.Series:
    return (
        "FY"
        + cal["fiscal_year"].astype(int).astype(str)
        + "-Q"
        + cal["fiscal_quarter"].astype(int).astype(str)
    )


def review_context(world: Any) -> ReviewContext:
    """Build (once per world, cached while it lives) the review pre-aggregates."""
    return per_world(world, "m4.review", _build)


def _build(world: Any) -> ReviewContext:
    cal = world["calendar"].copy()
    cal["quarter"] = _quarter_keys(cal).to_numpy()
    q_of_week = pd.Series(cal["quarter"].to_numpy(), index=cal["week_id"].to_numpy())
    p_of_week = pd.Series(cal["period_key"].astype(str).to_numpy(), index=cal["week_id"].to_numpy())
    quarters = list(dict.fromkeys(cal["quarter"].tolist()))
    periods = (
        cal.groupby(cal["period_key"].astype(str), sort=False)
        .agg(quarter=("quarter", "first"), fiscal_year=("fiscal_year", "first"))
        .reset_index()
    )
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA", ["account_id", "account_name"]].copy()
    ka["account_id"] = ka["account_id"].astype(str)
    prod = world["products"].copy()
    prod["sku_id"] = prod["sku_id"].astype(str)
    products = prod.set_index("sku_id")[["sku_name", "brand", "category", "pack_type"]].astype(str)

    # -- money per account × quarter × SKU: cases, GS, NR --------------------------------------
    si = world["sell_in"]
    m = pd.DataFrame(
        {
            "account_id": si["account_id"].astype(str).to_numpy(),
            "quarter": q_of_week.reindex(si["week_id"].to_numpy()).to_numpy(),
            "sku_id": si["sku_id"].astype(str).to_numpy(),
            "cases": si["cases_shipped"].to_numpy(float),
            "gs": si["gross_sales"].to_numpy(float),
            "oid": si["on_invoice_discount"].to_numpy(float),
        }
    )
    money = m.groupby(["account_id", "quarter", "sku_id"]).sum()
    ts = world["trade_spend"]
    off = ts.loc[~ts["on_invoice"].to_numpy(bool)]
    t = pd.DataFrame(
        {
            "account_id": off["account_id"].astype(str).to_numpy(),
            "quarter": q_of_week.reindex(off["week_id"].to_numpy()).to_numpy(),
            "sku_id": off["sku_id"].astype("string").fillna("").to_numpy(),
            "amount": off["amount_rmb"].to_numpy(float),
        }
    )
    sku_off = t.loc[t["sku_id"] != ""].groupby(["account_id", "quarter", "sku_id"])["amount"].sum()
    shipped = money.index[money["cases"].to_numpy() > 0]
    # spend on a SKU that shipped nothing in the quarter joins the account-level pool, so the
    # items' NR always adds up to the account's NR
    orphan = (
        sku_off.loc[~sku_off.index.isin(shipped)].groupby(level=["account_id", "quarter"]).sum()
    )
    acc_off = t.loc[t["sku_id"] == ""].groupby(["account_id", "quarter"])["amount"].sum()
    acc_off = acc_off.add(orphan, fill_value=0.0)
    money["sku_off"] = sku_off.reindex(money.index).fillna(0.0).to_numpy()
    money.loc[money["cases"] <= 0, "sku_off"] = 0.0
    gs_aq = money.groupby(level=["account_id", "quarter"])["gs"].transform("sum")
    aq = pd.MultiIndex.from_arrays(
        [money.index.get_level_values(0), money.index.get_level_values(1)]
    )
    alloc = acc_off.reindex(aq).fillna(0.0).to_numpy() * np.where(
        gs_aq.to_numpy() > 0, money["gs"].to_numpy() / np.where(gs_aq > 0, gs_aq, 1.0), 0.0
    )
    money["acc_off"] = alloc
    money["nr"] = money["gs"] - money["oid"] - money["sku_off"] - money["acc_off"]
    money = money.sort_index()

    # -- value share per account × period × category --------------------------------------------
    maw = world["market_account_week"]
    val = maw["value_incl_vat"].to_numpy(float)
    share = (
        pd.DataFrame(
            {
                "account_id": maw["account_id"].astype(str).to_numpy(),
                "period_key": p_of_week.reindex(maw["week_id"].to_numpy()).to_numpy(),
                "category": maw["category"].astype(str).to_numpy(),
                "ours": np.where(maw["brand_owner"].astype(str).to_numpy() == "OURS", val, 0.0),
                "total": val,
            }
        )
        .groupby(["account_id", "period_key", "category"])
        .sum()
        .sort_index()
    )

    # -- audits --------------------------------------------------------------------------------
    av = world["audit_visits"]
    av = av.loc[av["account_id"].notna()]
    visits = pd.DataFrame(
        {
            "visit_id": av["visit_id"].astype(str).to_numpy(),
            "account_id": av["account_id"].astype(str).to_numpy(),
            "quarter": q_of_week.reindex(av["week_id"].to_numpy()).to_numpy(),
            "store_id": av["store_id"].astype(str).to_numpy(),
            "oos_n": av["oos_n"].to_numpy(float),
            "listed_n": av["listed_n"].to_numpy(float),
        }
    )
    asku = world["audit_sku"]
    vinfo = visits.set_index("visit_id")
    vid = asku["visit_id"].astype(str)
    h = pd.DataFrame(
        {
            "account_id": vid.map(vinfo["account_id"]).to_numpy(),
            "quarter": vid.map(vinfo["quarter"]).to_numpy(),
            "sku_id": asku["sku_id"].astype(str).to_numpy(),
            "store_id": vid.map(vinfo["store_id"]).to_numpy(),
            "handled": (asku["listed"].to_numpy(bool) & asku["on_shelf"].to_numpy(bool)),
        }
    )
    h = h.loc[h["account_id"].notna()]
    handling = h.groupby(["account_id", "quarter", "sku_id", "store_id"])["handled"].max()
    handling = handling.sort_index().to_frame()
    stores = world["stores"]
    store_acv = pd.Series(stores["acv_rmb_k"].to_numpy(float), index=stores["store_id"].astype(str))

    # -- order lines ---------------------------------------------------------------------------
    ol = world["order_lines"]
    lines = pd.DataFrame(
        {
            "account_id": ol["account_id"].astype(str).to_numpy(),
            "quarter": q_of_week.reindex(ol["week_id"].to_numpy()).to_numpy(),
            "order_id": ol["order_id"].astype(str).to_numpy(),
            "sku_id": ol["sku_id"].astype(str).to_numpy(),
            "cases_ordered": ol["cases_ordered"].to_numpy(float),
            "cases_shipped": ol["cases_shipped"].to_numpy(float),
            "days_late": ol["days_late"].to_numpy(float),
        }
    )
    lines = lines.sort_values(["account_id", "quarter"], kind="mergesort").reset_index(drop=True)
    keys = list(zip(lines["account_id"], lines["quarter"], strict=True))
    line_slices: dict[tuple[str, str], tuple[int, int]] = {}
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            line_slices[keys[start]] = (start, i)
            start = i

    # -- forecasts (lag 2) vs unconstrained orders at account × SKU × week ---------------------
    fc = world["forecasts"]
    f2 = fc.loc[fc["lag_weeks"].astype(int) == 2]
    F = pd.Series(
        f2["forecast_cases"].to_numpy(float),
        index=pd.MultiIndex.from_arrays(
            [
                f2["account_id"].astype(str).to_numpy(),
                f2["sku_id"].astype(str).to_numpy(),
                f2["target_week_id"].to_numpy(int),
            ]
        ),
    )
    A = (
        pd.DataFrame(
            {
                "account_id": ol["account_id"].astype(str).to_numpy(),
                "sku_id": ol["sku_id"].astype(str).to_numpy(),
                "week": ol["week_id"].to_numpy(int),
                "a": ol["cases_ordered"].to_numpy(float),
            }
        )
        .groupby(["account_id", "sku_id", "week"])["a"]
        .sum()
    )
    A = A.reindex(F.index).fillna(0.0)
    kam_of = acc.set_index(acc["account_id"].astype(str))["kam_id"].astype(str)
    fce = pd.DataFrame(
        {
            "account_id": F.index.get_level_values(0),
            "quarter": q_of_week.reindex(F.index.get_level_values(2)).to_numpy(),
            "actual": A.to_numpy(),
            "forecast": F.to_numpy(),
        }
    )
    fce["kam_id"] = fce["account_id"].map(kam_of).to_numpy()

    attrs = products[["brand", "category", "pack_type"]]
    items: dict[tuple[str, str], pd.DataFrame] = {}
    for (a, q), g in money[["cases", "nr"]].groupby(level=["account_id", "quarter"], sort=False):
        d = g.droplevel(["account_id", "quarter"])
        d = d.loc[d["cases"] > 0]
        items[(a, q)] = d.join(attrs)
    dist: dict[tuple[str, str], tuple[list[str], np.ndarray, np.ndarray]] = {}
    for (a, q), g in handling.groupby(level=["account_id", "quarter"], sort=False):
        piv = (
            g["handled"].droplevel(["account_id", "quarter"]).unstack("store_id", fill_value=False)
        )
        dist[(a, q)] = (
            list(piv.index),
            piv.to_numpy(bool),
            store_acv.reindex(piv.columns).to_numpy(float),
        )
    oos = {
        (a, q): (g["oos_n"].to_numpy(float), g["listed_n"].to_numpy(float))
        for (a, q), g in visits.groupby(["account_id", "quarter"], sort=False)
    }
    fc_aq = {
        (a, q): (g["actual"].to_numpy(float), g["forecast"].to_numpy(float))
        for (a, q), g in fce.groupby(["account_id", "quarter"], sort=False)
    }
    pkeys = periods["period_key"].tolist()
    share_ap: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for a, g in share.groupby(level="account_id", sort=False):
        g = g.droplevel("account_id")
        tot = g.groupby(level="period_key").sum().reindex(pkeys)
        share_ap[(a, "ALL")] = (tot["ours"].to_numpy(float), tot["total"].to_numpy(float))
        for cat, gc in g.groupby(level="category", sort=False):
            c = gc.droplevel("category").reindex(pkeys)
            share_ap[(a, str(cat))] = (c["ours"].to_numpy(float), c["total"].to_numpy(float))

    return ReviewContext(
        quarters=quarters,
        periods=periods,
        accounts=ka.reset_index(drop=True),
        products=products,
        money=money,
        share=share,
        visits=visits,
        handling=handling,
        store_acv=store_acv,
        lines=lines,
        line_slices=line_slices,
        fc=fce,
        kam_of=kam_of,
        items=items,
        dist=dist,
        oos=oos,
        fc_aq=fc_aq,
        share_ap=share_ap,
        fill_memo={},
        memo={},
    )


def comparison_quarter(ctx: ReviewContext, quarter: str, compare: str = "ly") -> str:
    """The quarter to compare with: the same quarter last year (``"ly"``) or the previous one
    (``"pq"``). Raises ``ValueError`` when the world has no such quarter."""
    if quarter not in ctx.quarters:
        raise ValueError(
            f"quarter: {quarter!r} is not a quarter of this world ({ctx.quarters[0]} … "
            f"{ctx.quarters[-1]})."
        )
    i = ctx.quarters.index(quarter)
    if compare == "ly":
        j = i - 4
    elif compare == "pq":
        j = i - 1
    else:
        raise ValueError(f"compare must be 'ly' (same quarter last year) or 'pq'; got {compare!r}.")
    if j < 0:
        raise ValueError(
            f"quarter: {quarter} has no {'same quarter last year' if compare == 'ly' else 'previous quarter'} "
            "in this world; pick a later quarter or the other comparison."
        )
    return ctx.quarters[j]


def _check_account(ctx: ReviewContext, account_id: str) -> str:
    a = str(account_id)
    if a not in set(ctx.accounts["account_id"]):
        raise ValueError(
            f"account_id: {a} is not a key account of this world (e.g. "
            f"{ctx.accounts['account_id'].iloc[0]})."
        )
    return a


def pvm_for(
    ctx: ReviewContext, account_id: str, q0: str, q1: str, level: str = "sku_id"
) -> tuple[km.PVMBridge, pd.DataFrame]:
    """``km.pvm_bridge`` of NR from quarter ``q0`` to ``q1`` at ``level`` (see :data:`LEVELS`),
    with the items table (``item, v0, p0, r0, v1, p1, r1, change``) sorted by |change|."""
    a = _check_account(ctx, account_id)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}.")

    def per_item(q: str) -> pd.DataFrame:
        key = ("items", a, q, level)
        if key not in ctx.memo:
            d = ctx.items.get((a, q))
            if d is None:
                d = pd.DataFrame(columns=["cases", "nr"])
            elif level != "sku_id":
                d = d.groupby(level, sort=True, observed=True)[["cases", "nr"]].sum()
            else:
                d = d[["cases", "nr"]]
            ctx.memo[key] = d
        return ctx.memo[key]

    d0, d1 = per_item(q0), per_item(q1)
    if d0.empty:
        raise ValueError(f"{a} shipped nothing in {q0}; there is no base for a PVM bridge.")
    p0 = d0["nr"] / d0["cases"]
    p1 = d1["nr"] / d1["cases"]
    neg = sorted(set(p0.index[p0 < 0]) | set(p1.index[p1 < 0]))
    if neg:
        raise ValueError(
            f"level: at {level} level the NR per case of {', '.join(map(str, neg[:3]))} is "
            f"negative in {q0} or {q1} (spend booked exceeds its sales), so a PVM bridge is not "
            "defined; choose another drill-down level or quarter."
        )
    bridge = km.pvm_bridge(d0["cases"].to_dict(), p0.to_dict(), d1["cases"].to_dict(), p1.to_dict())
    items = pd.DataFrame({"v0": d0["cases"], "p0": p0, "r0": d0["nr"]}).join(
        pd.DataFrame({"v1": d1["cases"], "p1": p1, "r1": d1["nr"]}), how="outer"
    )
    items[["v0", "r0", "v1", "r1"]] = items[["v0", "r0", "v1", "r1"]].fillna(0.0)
    items["change"] = items["r1"] - items["r0"]
    items = items.rename_axis("item").reset_index()
    items = items.reindex(items["change"].abs().sort_values(ascending=False).index)
    return bridge, items.reset_index(drop=True)


def _share_arrays(ctx: ReviewContext, a: str, category: str) -> tuple[np.ndarray, np.ndarray]:
    arrs = ctx.share_ap.get((a, str(category)))
    if arrs is None:
        if (a, "ALL") not in ctx.share_ap:
            raise ValueError(f"account_id: {a} has no retailer POS data.")
        raise ValueError(f"category: {category!r} is not sold at {a}.")
    return arrs


def account_quarter_value_share(
    ctx: ReviewContext, account_id: str, quarter: str, category: str = "ALL"
) -> float:
    """Value share of a key account in a fiscal quarter: ``km.value_share`` of our POS value
    over the category's (all categories, or one), summed over the quarter's weeks."""
    a = _check_account(ctx, account_id)
    if quarter not in ctx.quarters:
        raise ValueError(f"quarter: {quarter!r} is not a quarter of this world.")
    ours, total = _share_arrays(ctx, a, category)
    sel = (ctx.periods["quarter"] == quarter).to_numpy() & ~np.isnan(total)
    if not sel.any():
        raise ValueError(f"{a} has no POS data in {quarter}.")
    return km.value_share(ours[sel], total[sel])


def forecast_accuracy_for(
    ctx: ReviewContext,
    *,
    account_id: str | None = None,
    kam_id: str | None = None,
    quarters: list[str] | None = None,
) -> tuple[float, float]:
    """(WMAPE, bias) of the lag-2 forecasts at account × SKU × week for an account or a KAM's
    accounts over some quarters (all by default): ``km.wmape`` and ``km.forecast_bias`` on the
    selected rows (actual = the week's ordered cases of the SKU, 0 when nothing was ordered)."""
    if account_id is not None and kam_id is None and quarters is not None:
        parts = [
            ctx.fc_aq[(str(account_id), q)] for q in quarters if (str(account_id), q) in ctx.fc_aq
        ]
        if parts:
            a = np.concatenate([p[0] for p in parts])
            fc = np.concatenate([p[1] for p in parts])
            if a.sum() > 0:
                return km.wmape(a, fc), km.forecast_bias(a, fc)
    f = ctx.fc
    keep = np.ones(len(f), dtype=bool)
    if account_id is not None:
        keep &= f["account_id"].to_numpy() == str(account_id)
    if kam_id is not None:
        keep &= f["kam_id"].to_numpy() == str(kam_id)
    if quarters is not None:
        keep &= f["quarter"].isin(list(quarters)).to_numpy()
    f = f.loc[keep]
    if f.empty or f["actual"].sum() <= 0:
        raise ValueError("the selection has no orders to measure forecasts against.")
    a, fc = f["actual"].to_numpy(), f["forecast"].to_numpy()
    return km.wmape(a, fc), km.forecast_bias(a, fc)


@dataclass(frozen=True)
class ReviewResult:
    """Result of :func:`review` (see the module docstring for every definition).

    ``quarter``, ``compare_quarter``; ``pvm`` (``km.PVMBridge``) and ``pvm_items``;
    ``share_trend`` (per period: ``period_key, quarter, value_share, selected, compared``),
    ``share`` and ``share_compare``; ``distribution`` (per must-stock SKU: ``sku_id, sku_name,
    nd, wd``), ``tdp``, ``n_stores_audited``; ``oos``; ``fill`` (``km.FillRates``) or None;
    ``wmape``, ``bias``; ``kpis`` (headline table: ``kpi, value, compare, change``).
    """

    account_id: str
    quarter: str
    compare_quarter: str
    level: str
    pvm: km.PVMBridge
    pvm_items: pd.DataFrame
    share_trend: pd.DataFrame
    share: float
    share_compare: float
    distribution: pd.DataFrame
    tdp: float
    n_stores_audited: int
    oos: float
    oos_compare: float
    fill: Any
    fill_compare: Any
    wmape: float
    bias: float
    kpis: pd.DataFrame


def _distribution(ctx: ReviewContext, a: str, q: str) -> tuple[pd.DataFrame, int]:
    key = ("dist", a, q)
    if key not in ctx.memo:
        ctx.memo[key] = _distribution_uncached(ctx, a, q)
    return ctx.memo[key]


def _distribution_uncached(ctx: ReviewContext, a: str, q: str) -> tuple[pd.DataFrame, int]:
    hit = ctx.dist.get((a, q))
    if hit is None:
        return pd.DataFrame(columns=["sku_id", "sku_name", "nd", "wd"]), 0
    skus, mask, acv = hit
    names = ctx.products["sku_name"]
    rows = [
        {
            "sku_id": sku,
            "sku_name": names.get(sku, sku),
            "nd": km.numeric_distribution(mask[i]),
            "wd": km.weighted_distribution(mask[i], acv),
        }
        for i, sku in enumerate(skus)
    ]
    return pd.DataFrame(rows), mask.shape[1]


def _oos(ctx: ReviewContext, a: str, q: str) -> float:
    hit = ctx.oos.get((a, q))
    if hit is None or hit[1].sum() <= 0:
        return float("nan")
    return km.oos_rate(hit[0], hit[1])


def _fill(ctx: ReviewContext, a: str, q: str) -> Any:
    if (a, q) not in ctx.fill_memo:
        sl = ctx.line_slices.get((a, q))
        ctx.fill_memo[(a, q)] = None if sl is None else km.fill_rates(ctx.lines.iloc[sl[0] : sl[1]])
    return ctx.fill_memo[(a, q)]


def review(
    ctx: ReviewContext,
    account_id: str,
    quarter: str,
    *,
    compare: str = "ly",
    level: str = "brand",
    category: str = "ALL",
) -> ReviewResult:
    """The quarterly business review of a key account (definitions in the module docstring)."""
    a = _check_account(ctx, account_id)
    q0 = comparison_quarter(ctx, quarter, compare)
    bridge, items = pvm_for(ctx, a, q0, quarter, level)
    ours, total = _share_arrays(ctx, a, category)
    trend = ctx.periods[["period_key", "quarter"]].copy()
    trend["value_share"] = [
        km.value_share(o, c) if np.nan_to_num(c) > 0 else np.nan
        for o, c in zip(ours, total, strict=True)
    ]
    trend["selected"] = (trend["quarter"] == quarter).to_numpy()
    trend["compared"] = (trend["quarter"] == q0).to_numpy()
    share = account_quarter_value_share(ctx, a, quarter, category)
    share0 = account_quarter_value_share(ctx, a, q0, category)
    dist, n_st = _distribution(ctx, a, quarter)
    tdp = km.total_distribution_points(dist["wd"].to_numpy()) if len(dist) else float("nan")
    dist0, _ = _distribution(ctx, a, q0)
    tdp0 = km.total_distribution_points(dist0["wd"].to_numpy()) if len(dist0) else float("nan")
    oos, oos0 = _oos(ctx, a, quarter), _oos(ctx, a, q0)
    fill, fill0 = _fill(ctx, a, quarter), _fill(ctx, a, q0)
    wm, bias = forecast_accuracy_for(ctx, account_id=a, quarters=[quarter])
    try:
        wm0, bias0 = forecast_accuracy_for(ctx, account_id=a, quarters=[q0])
    except ValueError:
        wm0 = bias0 = float("nan")
    nan = float("nan")
    kpis = pd.DataFrame(
        [
            ("nr", bridge.r1, bridge.r0),
            ("value_share", share, share0),
            ("tdp", tdp, tdp0),
            ("oos", oos, oos0),
            ("case_fill", fill.case_fill if fill else nan, fill0.case_fill if fill0 else nan),
            ("line_otif", fill.line_otif if fill else nan, fill0.line_otif if fill0 else nan),
            ("wmape", wm, wm0),
            ("bias", bias, bias0),
        ],
        columns=["kpi", "value", "compare"],
    )
    kpis["change"] = kpis["value"] - kpis["compare"]
    return ReviewResult(
        account_id=a, quarter=quarter, compare_quarter=q0, level=level, pvm=bridge,
        pvm_items=items, share_trend=trend, share=share, share_compare=share0,
        distribution=dist, tdp=tdp, n_stores_audited=n_st, oos=oos, oos_compare=oos0,
        fill=fill, fill_compare=fill0, wmape=wm, bias=bias, kpis=kpis,
    )  # fmt: skip
