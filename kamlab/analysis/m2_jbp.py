"""M2 model: the joint-business-plan (JBP) target builder (SPEC §2.16).

For a key account, last year (LY = the world's last full fiscal year) is summed once into a
:class:`JBPBase`; :func:`jbp_plan` then turns five planning levers into

* the **market-anchored target** (:func:`kamlab.metrics.jbp_market_target`)
  ``NR_LY × (1 + category growth) × (1 + Δshare / share_LY) × (1 + net price change)``, and
* the **initiative bridge** (:func:`kamlab.metrics.jbp_bridge`) LY → base momentum → distribution
  → promotions → NPD → price/mix → target, with

  =================  ==========================================================================
  step               value (RMB NR)
  =================  ==========================================================================
  base momentum      ``NR_LY × category growth`` (the category's growth at our LY share)
  distribution       ``ΔTDP × sales per point``; ``ΔTDP = ΔWD × n audited SKUs`` (every
                     must-stock SKU gains ΔWD), sales per point ``= NR_LY / TDP_LY``
  promotions         ``(events − events_LY) × planned NIC per event × NPC`` (NPC = NR_LY / cases_LY)
  NPD                ``new SKUs × stores × NPD rate of sale × 26 weeks`` (launched mid-year)
  price/mix          ``net price change × the subtotal so far``
  =================  ==========================================================================

  and the gap between the two targets (what the plan still has to find).

Our side: target GP ``= NR_T − cases_T × COGS per case``, cases ``= (NR_T / (1 + Δp)) / NPC``.
The retailer's side (:func:`kamlab.metrics.retailer_margins`): front margin
``(RSP_exVAT − invoice price) / RSP_exVAT`` per case sold, back margin ``= (rebates + fees +
promotion funding) / purchases`` — LY from the tables, and at target with the invoice price
raised by the price change (shelf price held), the extra events' planned funding and the new
SKUs' listing fees added to the back money, purchases scaled with NR.

Sources (LY): NR, GS, cases and COGS from :mod:`kamlab.analysis.m1_g2n`; category growth and
our value share from ``market_account_week``; WD per must-stock SKU = store-ACV-weighted share of
the LY audit visits that found it on shelf (``audit_sku`` × ``stores.acv_rmb_k``,
:func:`kamlab.metrics.weighted_distribution`); events and their planned incremental cases and
cost from ``promotions`` (executed events starting in LY); the NPD rate of sale from the
account's NEW SKUs in LY (NR per store per week since launch; half the median SKU's when the
account has none; net sales before fixed fees); shelf price from ``sell_out``; invoice price and back money from
``sell_in`` and ``trade_spend``; listing fee per SKU-store from ``trade_terms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m1_g2n import g2n_context
from kamlab.analysis.m2_portfolio import market_value_by_account_year

__all__ = ["NPD_WEEKS", "JBPBase", "JBPPlan", "jbp_base", "jbp_context", "jbp_plan"]

NPD_WEEKS = 26.0
"""Weeks a new listing sells in the target year (launched mid-year on average) [conv]."""


@dataclass(frozen=True)
class JBPBase:
    """Last year's facts of one key account that the JBP levers act on (RMB, cases, fractions)."""

    account_id: str
    account_name: str
    fiscal_year: int
    nr_ly: float
    gs_ly: float
    cases_ly: float
    cogs_ly: float
    category_growth: float
    share_ly: float
    wd_by_sku: dict[str, float]
    stores: int
    promo_events_ly: int
    nic_per_event: float
    funding_per_event: float
    npd_rate_of_sale: float
    listing_fee_per_sku_store: float
    rsp_ex_vat_case: float
    invoice_price_case: float
    back_money_ly: float
    purchases_ly: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tdp_ly(self) -> float:
        """Total distribution points ``Σ_SKU WD`` over the audited must-stock SKUs."""
        return km.total_distribution_points(list(self.wd_by_sku.values()))

    @property
    def n_skus(self) -> int:
        """Number of audited must-stock SKUs (the ones ΔWD acts on)."""
        return len(self.wd_by_sku)

    @property
    def sales_per_point(self) -> float:
        """``NR_LY / TDP_LY`` (RMB per distribution point)."""
        return km.sales_per_distribution_point(self.nr_ly, self.tdp_ly)

    @property
    def npc(self) -> float:
        """Net price per case LY ``= NR_LY / cases_LY`` (the pocket price)."""
        return km.pocket_price(self.nr_ly, self.cases_ly)

    @property
    def gp_ly(self) -> float:
        return self.nr_ly - self.cogs_ly

    @property
    def margins_ly(self) -> km.RetailerMargins:
        """The retailer's LY front / back / total margin on our products."""
        return km.retailer_margins(
            self.rsp_ex_vat_case, self.invoice_price_case, self.back_money_ly, self.purchases_ly
        )


@dataclass(frozen=True)
class JBPPlan:
    """A JBP scenario: both targets, the bridge, our NR/GP and the retailer's margins.

    ``bridge``: :class:`kamlab.metrics.JBPBridge` (steps ``ly, base_momentum, distribution,
    promotions, npd, price_mix, target``); ``market_target``; ``gap = market_target −
    bridge.target``; ``levers`` as given; ``delta_tdp``; ``gp_target``, ``gp_rate_target``;
    ``cases_target``; ``margins_target`` (retailer, :class:`kamlab.metrics.RetailerMargins`);
    ``growth`` = target / LY − 1; ``implied_share`` = the share the bridge target implies at
    the category's growth and price change.
    """

    base: JBPBase
    bridge: km.JBPBridge
    market_target: float
    gap: float
    levers: dict[str, float]
    delta_tdp: float
    cases_target: float
    gp_target: float
    gp_rate_target: float
    margins_target: km.RetailerMargins
    growth: float
    implied_share: float


@dataclass
class JBPContext:
    """:class:`JBPBase` of every key account of a world (built once by :func:`jbp_context`)."""

    fiscal_year: int
    bases: dict[str, JBPBase]
    accounts: pd.DataFrame

    def base(self, account_id: str) -> JBPBase:
        if account_id not in self.bases:
            raise ValueError(
                f"account_id {account_id!r} is not a key account of this world; JBPs are built "
                f"for {', '.join(sorted(self.bases))}."
            )
        return self.bases[account_id]


def jbp_context(world: Any) -> JBPContext:
    """Build (or fetch from the per-world cache) the JBP facts of every key account."""
    return per_world(world, "m2.jbp", _build)


def jbp_base(world: Any, account_id: str) -> JBPBase:
    """The LY facts of one key account (see :class:`JBPBase`)."""
    return jbp_context(world).base(account_id)


def _build(world: Any) -> JBPContext:
    cal = world["calendar"]
    fy_of_week = pd.Series(cal["fiscal_year"].to_numpy(int), index=cal["week_id"].to_numpy())
    years = sorted(int(y) for y in pd.unique(cal["fiscal_year"]))
    ly = years[-1]
    g2n = g2n_context(world)
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA"].copy()
    ka["account_id"] = ka["account_id"].astype(str)

    # market: category growth and our share at the account
    m = market_value_by_account_year(world)

    # WD per must-stock SKU over the LY audits (ACV-weighted share of visits finding it on shelf)
    av = world["audit_visits"]
    av = av.loc[av["account_id"].notna()]
    av = av.loc[fy_of_week.reindex(av["week_id"].to_numpy()).to_numpy() == ly]
    stores = world["stores"]
    acv = pd.Series(stores["acv_rmb_k"].to_numpy(float), index=stores["store_id"].astype(str))
    vinfo = pd.DataFrame(
        {
            "visit_id": av["visit_id"].astype(str).to_numpy(),
            "account_id": av["account_id"].astype(str).to_numpy(),
            "acv": av["store_id"].astype(str).map(acv).to_numpy(float),
        }
    )
    asku = world["audit_sku"]
    a2 = pd.DataFrame(
        {
            "visit_id": asku["visit_id"].astype(str).to_numpy(),
            "sku_id": asku["sku_id"].astype(str).to_numpy(),
            "on_shelf": asku["on_shelf"].to_numpy(bool),
        }
    ).merge(vinfo, on="visit_id", how="inner")

    # promotions: executed events starting in LY
    pr = world["promotions"]
    pr = pr.loc[
        (fy_of_week.reindex(pr["start_week"].to_numpy()).to_numpy() == ly)
        & (pr["status"].astype(str).to_numpy() == "EXECUTED")
    ]
    ev = (
        pd.DataFrame(
            {
                "account_id": pr["account_id"].astype(str).to_numpy(),
                "event": pr["event_group_id"].astype(str).to_numpy(),
                "nic": pr["planned_incremental_cases"].to_numpy(float),
                "cost": pr["planned_cost_rmb"].to_numpy(float),
            }
        )
        .groupby(["account_id", "event"])
        .sum()
        .reset_index()
    )

    # NPD: NEW SKUs' NR per store-week since launch at the account
    prod = world["products"].set_index(world["products"]["sku_id"].astype(str))
    ly_weeks = cal.loc[cal["fiscal_year"] == ly, "week_id"].to_numpy(int)
    sku = g2n.sku.loc[g2n.sku["fiscal_year"] == ly].copy()
    # net sales before fixed fees (a new SKU's listing fees are not its rate of sale)
    sku["nr"] = sku["gs"] - sku["on_invoice"] - sku["off_variable"]
    sku["status"] = sku["sku_id"].map(prod["status"].astype(str))
    sku["launch"] = sku["sku_id"].map(prod["launch_week"]).astype(int)
    sku["weeks_on"] = [int((ly_weeks >= max(int(x), 0)).sum()) for x in sku["launch"]]

    # shelf price (ex VAT) per case sold, invoice price per case bought
    so = world["sell_out"]
    so_ly = so.loc[fy_of_week.reindex(so["week_id"].to_numpy()).to_numpy() == ly]
    shelf = (
        pd.DataFrame(
            {
                "account_id": so_ly["account_id"].astype(str).to_numpy(),
                "value": so_ly["retail_value_incl_vat"].to_numpy(float),
                "cases": so_ly["cases_sold"].to_numpy(float),
            }
        )
        .groupby("account_id")[["value", "cases"]]
        .sum()
    )
    terms = world["trade_terms"]
    terms = terms.loc[terms["fiscal_year"].astype(int) == ly].set_index(
        terms.loc[terms["fiscal_year"].astype(int) == ly, "account_id"].astype(str)
    )

    bases: dict[str, JBPBase] = {}
    for a, row in ka.set_index("account_id").iterrows():
        b = g2n.bases.get((a, ly))
        if b is None:
            continue
        ded = dict(b.deductions)
        on_inv = ded.get("off_invoice_discount", 0.0) + ded.get("on_invoice_promo", 0.0)
        tts = sum(ded.values())
        nr = b.gs - tts
        try:
            size, prev = float(m.loc[(a, ly), "value"]), float(m.loc[(a, ly - 1), "value"])
            g_cat = size / prev - 1.0
        except KeyError:
            g_cat = 0.0
        share = km.value_share(m.loc[(a, ly), "ours"], m.loc[(a, ly), "value"])
        mine = a2.loc[a2["account_id"] == a]
        wd = {
            s: km.weighted_distribution(g["on_shelf"].to_numpy(bool), g["acv"].to_numpy(float))
            for s, g in mine.groupby("sku_id")
        }
        e = ev.loc[ev["account_id"] == a]
        s_a = sku.loc[sku["account_id"] == a]
        n_st = int(row["store_count"])
        new = s_a.loc[(s_a["status"] == "NEW") & (s_a["weeks_on"] > 0) & (s_a["cases"] > 0)]
        if len(new):
            ros = max(0.0, float((new["nr"] / (n_st * new["weeks_on"])).mean()))
            ros_source = "new_skus"
        else:
            core = s_a.loc[s_a["cases"] > 0]
            ros = 0.5 * float((core["nr"] / (n_st * 52.0)).median()) if len(core) else 0.0
            ros = max(0.0, ros)
            ros_source = "half_median_sku"
        sh = shelf.loc[a] if a in shelf.index else None
        rsp = float(sh["value"] / sh["cases"]) / (1 + km.VAT_RATE) if sh is not None else np.nan
        bases[a] = JBPBase(
            account_id=a,
            account_name=str(row["account_name"]),
            fiscal_year=ly,
            nr_ly=nr,
            gs_ly=b.gs,
            cases_ly=b.cases,
            cogs_ly=b.cogs,
            category_growth=g_cat,
            share_ly=share,
            wd_by_sku=wd,
            stores=n_st,
            promo_events_ly=len(e),
            nic_per_event=float(e["nic"].mean()) if len(e) else 0.0,
            funding_per_event=float(e["cost"].mean()) if len(e) else 0.0,
            npd_rate_of_sale=ros,
            listing_fee_per_sku_store=float(terms.loc[a, "listing_fee_per_sku_store"])
            if a in terms.index
            else 0.0,
            rsp_ex_vat_case=rsp,
            invoice_price_case=(b.gs - on_inv) / b.cases,
            back_money_ly=tts - on_inv,
            purchases_ly=b.gs - on_inv,
            extra={"ros_source": ros_source},
        )
    accounts = pd.DataFrame(
        {"account_id": list(bases), "account_name": [bases[a].account_name for a in bases]}
    )
    return JBPContext(fiscal_year=ly, bases=bases, accounts=accounts)


def _num(x: float, name: str, lo: float | None = None, hi: float | None = None) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {x!r}.") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {x!r}.")
    if lo is not None and v < lo:
        raise ValueError(f"{name} must be ≥ {lo:g}; got {v:g}.")
    if hi is not None and v > hi:
        raise ValueError(f"{name} must be ≤ {hi:g}; got {v:g}.")
    return v


def jbp_plan(
    base: JBPBase,
    delta_wd: float = 0.0,
    promo_events: int | None = None,
    npd_listings: int = 0,
    price_change: float = 0.0,
    share_gain: float = 0.0,
) -> JBPPlan:
    """A JBP scenario from five levers (formulas in the module docstring).

    ``delta_wd``: weighted-distribution gain per audited must-stock SKU (fraction, 0.02 = +2
    points, capped so no SKU exceeds 100 %); ``promo_events``: events in the target year
    (default: LY's count); ``npd_listings``: new SKUs listed in all the account's stores;
    ``price_change``: net price change (fraction); ``share_gain``: the share ambition in
    share points as a fraction (0.005 = +0.5 pt) for the market-anchored target.

    >>> b = JBPBase("A", "Acct", 2024, nr_ly=10_000_000, gs_ly=12_500_000, cases_ly=200_000,
    ...     cogs_ly=6_000_000, category_growth=0.05, share_ly=0.20,
    ...     wd_by_sku={"S1": 0.8, "S2": 0.9, "S3": 0.8}, stores=100, promo_events_ly=10,
    ...     nic_per_event=2_000, funding_per_event=40_000, npd_rate_of_sale=25,
    ...     listing_fee_per_sku_store=200, rsp_ex_vat_case=80, invoice_price_case=58,
    ...     back_money_ly=1_500_000, purchases_ly=11_600_000)
    >>> p = jbp_plan(b, delta_wd=0.05, promo_events=12, npd_listings=2, price_change=0.01,
    ...              share_gain=0.01)
    >>> [(s.name, round(s.value)) for s in p.bridge.steps]   # doctest: +NORMALIZE_WHITESPACE
    [('ly', 10000000), ('base_momentum', 500000), ('distribution', 600000),
     ('promotions', 200000), ('npd', 130000), ('price_mix', 114300), ('target', 11544300)]
    >>> round(p.market_target), round(p.gap)
    (11135250, -409050)
    """
    if base.nr_ly <= 0 or base.cases_ly <= 0:
        raise ValueError(f"{base.account_id} has no net revenue last year; it cannot anchor a JBP.")
    d_wd = _num(delta_wd, "delta_wd", 0.0, 1.0)
    events = (
        base.promo_events_ly if promo_events is None else int(_num(promo_events, "promo_events", 0))
    )
    n_new = int(_num(npd_listings, "npd_listings", 0))
    dp = _num(price_change, "price_change", -0.5, 0.5)
    ds = _num(share_gain, "share_gain", -base.share_ly, 1.0 - base.share_ly)
    # ΔTDP: every audited SKU gains ΔWD, none above 100 %
    wd = np.array(list(base.wd_by_sku.values()), dtype=float)
    delta_tdp = float(np.minimum(wd + d_wd, 1.0).sum() - wd.sum()) if len(wd) else 0.0
    spp = base.sales_per_point if len(wd) and base.tdp_ly > 0 else 0.0
    extra_events = events - base.promo_events_ly
    bridge = km.jbp_bridge(
        base.nr_ly,
        base_momentum=base.category_growth,
        delta_tdp=delta_tdp,
        sales_per_point=spp,
        promo_nic=extra_events * base.nic_per_event,
        promo_npc=base.npc,
        npd_listings=n_new * base.stores,
        npd_rate_of_sale=base.npd_rate_of_sale,
        npd_weeks=NPD_WEEKS,
        price_mix=dp,
    )
    market = km.jbp_market_target(base.nr_ly, base.category_growth, base.share_ly, ds, dp)
    target = bridge.target
    cases_t = target / (1 + dp) / base.npc
    gp_t = target - cases_t * (base.cogs_ly / base.cases_ly)
    scale = target / base.nr_ly
    back = (
        base.back_money_ly * scale
        + extra_events * base.funding_per_event
        + n_new * base.stores * base.listing_fee_per_sku_store
    )
    purchases = base.purchases_ly * scale
    margins = km.retailer_margins(
        base.rsp_ex_vat_case, base.invoice_price_case * (1 + dp), max(back, 0.0), purchases
    )
    implied = base.share_ly * (target / (base.nr_ly * (1 + base.category_growth) * (1 + dp)))
    return JBPPlan(
        base=base,
        bridge=bridge,
        market_target=market,
        gap=market - target,
        levers={
            "delta_wd": d_wd,
            "promo_events": float(events),
            "npd_listings": float(n_new),
            "price_change": dp,
            "share_gain": ds,
        },
        delta_tdp=delta_tdp,
        cases_target=cases_t,
        gp_target=gp_t,
        gp_rate_target=gp_t / target,
        margins_target=margins,
        growth=target / base.nr_ly - 1.0,
        implied_share=implied,
    )
