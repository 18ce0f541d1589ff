"""M3 *Package comparator*: cost an annual-agreement package on an account's volumes.

The model behind the M3 panel "Package comparator" (SPEC §4 M3; formulas §2.1, §2.14, §2.16).
A package is the set of clauses of an annual agreement (年度协议, :class:`TermsPackage`):
on-invoice discount, unconditional rebate (无条件返利), growth tiers (有条件/增长返利), fees
(进场/条码费, 端架/堆头费, DM费, 节庆费, 店庆费, EC platform fee, logistics allowance) and
payment terms (账期). :func:`cost_package` prices it on one account's volumes of a *base year*
(the year just finished, as when next year's agreement is negotiated), at a planned growth
``g``:

=========================  ===============================================================
GS                         ``GS_TY = GS_base × (1 + g)``; cases, COGS, freight and orders
                           scale with ``f = GS_TY / GS_base``
on-invoice discount        ``on_invoice_pct × GS_TY``
unconditional rebate       ``unconditional_rebate_pct × GS_TY``
growth rebate              ``km.tiered_rebate(GS_TY, base=GS_base, tiers, mode)`` — next
                           year's growth is measured on this year's GS
display fees               end-cap fee × end-cap store-periods + floor-stack fee ×
                           floor-stack store-periods (the base year's counts, read from the
                           ledger: fee paid ÷ the fee rate)
DM / listing fees          fee per issue × issues; fee per SKU-store × SKU-stores listed
festival, anniversary      the lump sums
EC platform, logistics     ``pct × GS_TY``
**terms cost**             the sum of the lines above (the agreement's cost)
promotions                 base year's promotion funding (scan-back, lump sums, promo
                           off-invoice) at its rate of GS — not part of the agreement, held
                           equal across packages
OTIF penalty               the base year's OTIF penalties (recomputed from order lines:
                           ``otif_penalty_pct × value of short + late cases`` in periods
                           whose line-level OTIF < ``otif_kpi``), × ``f``
TTS, NR, GP                ``km.account_pnl``: ``TTS = terms + promotions + penalties``,
                           ``NR = GS − TTS``, ``GP = NR − COGS``
CTS, CC                    ``km.cost_to_serve`` (freight, order handling, merchandising and
                           KAM cost of the base year — from
                           :func:`kamlab.analysis.scorecard.account_scorecard` — and
                           financing ``NR × 6 % × payment_terms_days / 365``); ``CC = GP −
                           CTS``, ``CC% = CC / NR``
retailer margins           ``km.retailer_margins``: front ``= (RSP_exVAT − invoice price) /
                           RSP_exVAT`` per case; back ``= (rebates + fees) / purchases``,
                           purchases = invoice value ``GS − on-invoice``
=========================  ===============================================================

A plan assumes no aged-stock clearance and no period-end deals (those are the cost of
stuffing, M6), so they are left out.

>>> import kamlab                                                       # doctest: +SKIP
>>> ctx = terms_context(kamlab.load_world(), "ACC004", 2023)            # doctest: +SKIP
>>> cost_package(ctx, ctx.terms, growth=0.05).tts_rate                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.scorecard import account_scorecard

__all__ = [
    "COST_LINES",
    "PackageComparison",
    "PackageCost",
    "TermsContext",
    "TermsPackage",
    "compare_packages",
    "cost_package",
    "package_accounts",
    "terms_context",
]

VAT_RATE = 0.13
FINANCING_RATE = 0.06

COST_LINES = (
    "on_invoice",
    "unconditional_rebate",
    "growth_rebate",
    "display_fees",
    "dm_fees",
    "listing_fees",
    "festival_fee",
    "anniversary_fee",
    "ec_platform_fee",
    "logistics_allowance",
)
"""The agreement's cost lines, in the order of the comparison table."""

_PROMO_TYPES = ("PROMO_SCAN_BACK", "PROMO_LUMP_SUM", "PROMO_OFF_INVOICE")


@dataclass(frozen=True)
class TermsPackage:
    """An annual-agreement package (the ``trade_terms`` clauses plus the growth tiers).

    Rates are fractions of GS; fees in RMB; ``growth_tiers`` as for
    :func:`kamlab.metrics.tiered_rebate`; ``growth_mode`` ``"retro"``/``"marginal"``.
    ``extra_floorstack_store_periods`` and ``extra_listing_skus`` buy extra activity on top of
    the base year's (used by the negotiation simulator).
    """

    on_invoice_pct: float
    unconditional_rebate_pct: float
    growth_tiers: tuple[tuple[float, float | None, float], ...]
    growth_mode: str = "retro"
    listing_fee_per_sku_store: float = 0.0
    endcap_fee_per_store_period: float = 0.0
    floorstack_fee_per_store_period: float = 0.0
    dm_fee_per_issue: float = 0.0
    festival_fee_annual: float = 0.0
    anniversary_fee_annual: float = 0.0
    ec_platform_fee_pct: float = 0.0
    logistics_allowance_pct: float = 0.0
    payment_terms_days: float = 30.0
    otif_kpi: float = 0.90
    extra_floorstack_store_periods: float = 0.0
    extra_listing_skus: float = 0.0

    def replace(self, **changes: Any) -> TermsPackage:
        """A copy with some clauses changed."""
        return dataclasses.replace(self, **changes)

    def adjusted(
        self,
        *,
        on_invoice_pp: float = 0.0,
        unconditional_pp: float = 0.0,
        growth_pp: float = 0.0,
        fees_change: float = 0.0,
        payment_days: float = 0.0,
    ) -> TermsPackage:
        """A copy with rates moved by percentage points (``0.01`` = +1 pp), every growth tier's
        rate moved by ``growth_pp``, every fixed fee scaled by ``1 + fees_change`` and payment
        terms lengthened by ``payment_days``.

        >>> p = TermsPackage(0.06, 0.03, ((0.0, 0.05, 0.01), (0.05, None, 0.02)),
        ...                  festival_fee_annual=100_000, payment_terms_days=60)
        >>> q = p.adjusted(on_invoice_pp=0.01, growth_pp=0.005, fees_change=0.2, payment_days=15)
        >>> round(q.on_invoice_pct, 4), q.growth_tiers[1][2], q.festival_fee_annual, q.payment_terms_days
        (0.07, 0.025, 120000.0, 75.0)
        """
        k = 1.0 + float(fees_change)
        if k < 0:
            raise ValueError("fees_change: fees cannot fall by more than 100 % (−1.0).")
        return dataclasses.replace(
            self,
            on_invoice_pct=self.on_invoice_pct + on_invoice_pp,
            unconditional_rebate_pct=self.unconditional_rebate_pct + unconditional_pp,
            growth_tiers=tuple((lo, up, r + growth_pp) for lo, up, r in self.growth_tiers),
            listing_fee_per_sku_store=self.listing_fee_per_sku_store * k,
            endcap_fee_per_store_period=self.endcap_fee_per_store_period * k,
            floorstack_fee_per_store_period=self.floorstack_fee_per_store_period * k,
            dm_fee_per_issue=self.dm_fee_per_issue * k,
            festival_fee_annual=self.festival_fee_annual * k,
            anniversary_fee_annual=self.anniversary_fee_annual * k,
            payment_terms_days=float(self.payment_terms_days + payment_days),
        )

    def validate(self) -> None:
        """Raise ``ValueError`` for a clause outside its range."""
        for name in (
            "on_invoice_pct",
            "unconditional_rebate_pct",
            "ec_platform_fee_pct",
            "logistics_allowance_pct",
        ):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}: a rate is a fraction of GS in [0, 1]; got {v:.4f}.")
        for lo, _, r in self.growth_tiers:
            if r < 0:
                raise ValueError(
                    f"growth_tiers: the tier from {lo:.1%} growth has a negative rate {r:.4f}."
                )
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            fee = f.name.endswith(("_annual", "_period", "_issue", "_store"))
            if isinstance(v, float) and fee and v < 0:
                raise ValueError(f"{f.name}: a fee cannot be negative; got {v:,.0f}.")
        if self.payment_terms_days < 0:
            raise ValueError("payment_terms_days: payment terms cannot be negative.")


@dataclass(frozen=True)
class TermsContext:
    """One account × base year: volumes, activity counts, costs and the current agreement.

    Built once by :func:`terms_context`; every package is costed from it in microseconds.
    """

    account_id: str
    account_name: str
    fiscal_year: int
    channel: str
    store_count: int
    n_skus: int
    gs: float
    cases: float
    cogs: float
    rsp_ex_vat_per_case: float
    promo_spend: float
    endcap_store_periods: float
    floorstack_store_periods: float
    dm_issues: float
    listing_sku_stores: float
    freight: float
    n_orders: float
    drop_cost: float
    merchandising: float
    kam_cost: float
    tts_rate_cap: float
    otif_penalty_pct: float
    period_short_late_value: dict[int, np.ndarray] = field(repr=False)
    period_line_otif: dict[int, np.ndarray] = field(repr=False)
    terms: TermsPackage = field(repr=False)
    spend_actual: dict[str, float] = field(repr=False, default_factory=dict)

    def otif_penalty(self, kpi: float, tolerance_days: int = 0) -> float:
        """Base-year OTIF penalties (RMB) for an OTIF KPI and delivery-window tolerance:
        ``Σ_periods km.otif_penalty(value of short + late cases, line OTIF, kpi)``."""
        tol = int(tolerance_days)
        if tol not in self.period_line_otif:
            raise ValueError(
                f"tolerance_days: choose 0 … {max(self.period_line_otif)} days; got {tol}."
            )
        return float(
            sum(
                km.otif_penalty(v, o, kpi, self.otif_penalty_pct)
                for v, o in zip(
                    self.period_short_late_value[tol], self.period_line_otif[tol], strict=True
                )
            )
        )


@dataclass(frozen=True)
class PackageCost:
    """A package costed on an account's volumes (RMB; rates are fractions).

    ``lines`` maps each of :data:`COST_LINES` to its cost; ``terms_cost`` their sum and
    ``terms_rate`` its share of GS; ``promotions``, ``otif_penalty``; the P&L (``gs, tts,
    tts_rate, nr, cogs, gp, gp_rate, cts, financing, cc, cc_rate``); retailer margins
    (``front_margin, back_margin, total_margin``); ``growth`` and the growth-tier rate reached.
    """

    growth: float
    gs: float
    cases: float
    lines: dict[str, float]
    terms_cost: float
    terms_rate: float
    promotions: float
    otif_penalty: float
    tts: float
    tts_rate: float
    nr: float
    cogs: float
    gp: float
    gp_rate: float
    cts: float
    financing: float
    cc: float
    cc_rate: float
    front_margin: float
    back_margin: float
    total_margin: float
    growth_tier_rate: float

    def as_series(self) -> pd.Series:
        """One column of the comparison table."""
        d = {**self.lines}
        d.update(
            terms_cost=self.terms_cost, terms_rate=self.terms_rate, promotions=self.promotions,
            otif_penalty=self.otif_penalty, tts=self.tts, tts_rate=self.tts_rate, nr=self.nr,
            gp=self.gp, gp_rate=self.gp_rate, cts=self.cts, cc=self.cc, cc_rate=self.cc_rate,
            front_margin=self.front_margin, back_margin=self.back_margin,
            total_margin=self.total_margin,
        )  # fmt: skip
        return pd.Series(d)


def cost_package(
    ctx: TermsContext,
    package: TermsPackage,
    growth: float = 0.0,
    *,
    extra_gs: float = 0.0,
    otif_tolerance_days: int = 0,
) -> PackageCost:
    """Cost ``package`` on the base year of ``ctx`` at planned growth ``growth`` (fraction).

    ``extra_gs`` adds GS from a negotiated "get" (e.g. guaranteed displays) on top of the
    growth; ``otif_tolerance_days`` is the delivery window the customer's OTIF counts with.
    Formulas in the module docstring.
    """
    package.validate()
    g = float(growth)
    if not np.isfinite(g) or g <= -1:
        raise ValueError("growth: planned growth must be above −100 % (a fraction, 0.05 = 5 %).")
    gs = ctx.gs * (1.0 + g) + float(extra_gs)
    if gs <= 0:
        raise ValueError("the package's GS is not positive; raise the planned growth.")
    f = gs / ctx.gs
    cases = ctx.cases * f
    tiers = package.growth_tiers
    lines = {
        "on_invoice": package.on_invoice_pct * gs,
        "unconditional_rebate": package.unconditional_rebate_pct * gs,
        "growth_rebate": float(km.tiered_rebate(gs, ctx.gs, tiers, package.growth_mode))
        if tiers
        else 0.0,
        "display_fees": package.endcap_fee_per_store_period * ctx.endcap_store_periods
        + package.floorstack_fee_per_store_period
        * (ctx.floorstack_store_periods + package.extra_floorstack_store_periods),
        "dm_fees": package.dm_fee_per_issue * ctx.dm_issues,
        "listing_fees": package.listing_fee_per_sku_store
        * (ctx.listing_sku_stores + package.extra_listing_skus * ctx.store_count),
        "festival_fee": package.festival_fee_annual,
        "anniversary_fee": package.anniversary_fee_annual,
        "ec_platform_fee": package.ec_platform_fee_pct * gs,
        "logistics_allowance": package.logistics_allowance_pct * gs,
    }
    terms_cost = float(sum(lines.values()))
    promotions = ctx.promo_spend / ctx.gs * gs
    penalty = ctx.otif_penalty(package.otif_kpi, otif_tolerance_days) * f
    on_inv = lines["on_invoice"]
    off = terms_cost - on_inv + promotions + penalty
    cogs = ctx.cogs * f
    nr_est = gs - on_inv - off
    cts = km.cost_to_serve(
        freight=ctx.freight * f,
        n_orders=ctx.n_orders * f,
        drop_cost=ctx.drop_cost,
        kam_cost=ctx.kam_cost,
        net_revenue=max(nr_est, 0.0),
        payment_terms_days=package.payment_terms_days,
        merchandising=ctx.merchandising,
        rate=FINANCING_RATE,
    )
    pnl = km.account_pnl(gs, on_inv, off, cogs, cts.total, cases=cases)
    back_money = terms_cost - on_inv
    purchases = gs - on_inv
    rm = km.retailer_margins(
        rsp_ex_vat=ctx.rsp_ex_vat_per_case,
        invoice_price=purchases / cases,
        rebates_and_fees=back_money,
        purchases=purchases,
    )
    tier_rate = float(km.tier_rate(gs / ctx.gs - 1.0, tiers)) if tiers else 0.0
    return PackageCost(
        growth=g, gs=gs, cases=cases, lines=lines, terms_cost=terms_cost,
        terms_rate=terms_cost / gs, promotions=promotions, otif_penalty=penalty, tts=pnl.tts,
        tts_rate=pnl.tts_rate, nr=pnl.nr, cogs=cogs, gp=pnl.gp, gp_rate=pnl.gp_rate,
        cts=pnl.cts, financing=cts.financing, cc=pnl.cc, cc_rate=pnl.cc_rate,
        front_margin=rm.front, back_margin=rm.back, total_margin=rm.total,
        growth_tier_rate=tier_rate,
    )  # fmt: skip


@dataclass(frozen=True)
class PackageComparison:
    """Packages costed side by side: ``costs`` by package name and the ``table`` (rows =
    cost lines and results, columns = packages), plus the walk-away ``tts_rate_cap``."""

    costs: dict[str, PackageCost]
    table: pd.DataFrame
    tts_rate_cap: float

    def over_cap(self) -> dict[str, bool]:
        """Which packages' TTS % exceeds the account's TTS cap (§0.2 guard)."""
        return {k: bool(km.above(c.tts_rate, self.tts_rate_cap)) for k, c in self.costs.items()}


def compare_packages(
    ctx: TermsContext, packages: Mapping[str, TermsPackage], growth: float = 0.0
) -> PackageComparison:
    """Cost every package at the same planned growth (see :func:`cost_package`)."""
    if not packages:
        raise ValueError("packages: give at least one package to cost.")
    costs = {name: cost_package(ctx, p, growth) for name, p in packages.items()}
    table = pd.DataFrame({name: c.as_series() for name, c in costs.items()})
    return PackageComparison(costs, table, ctx.tts_rate_cap)


# ---------------------------------------------------------------------------------------------
# Context (built once per account × year and cached per world)


def package_accounts(world: Any) -> list[tuple[str, str]]:
    """``(account_id, account_name)`` of the key accounts (the agreements M3 works on)."""
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA"]
    return list(zip(ka["account_id"].astype(str), ka["account_name"].astype(str), strict=True))


def _shared(world: Any) -> dict[str, Any]:
    return per_world(world, "m3.package.shared", _build_shared)


def _build_shared(world: Any) -> dict[str, Any]:
    cal = world["calendar"]
    fy_of_week = pd.Series(cal["fiscal_year"].to_numpy(int), index=cal["week_id"].to_numpy())
    per_of_week = pd.Series(
        cal["period_key"].astype(str).to_numpy(), index=cal["week_id"].to_numpy()
    )
    prod = world["products"].set_index(world["products"]["sku_id"].astype(str))
    si = world["sell_in"]
    sku = si["sku_id"].astype(str)
    cases = si["cases_shipped"].to_numpy(float)
    rsp_case = (
        prod["units_per_case"].astype(float) * prod["rsp_incl_vat"].astype(float) / (1 + VAT_RATE)
    )
    si_f = pd.DataFrame(
        {
            "account_id": si["account_id"].astype(str).to_numpy(),
            "fiscal_year": fy_of_week.reindex(si["week_id"].to_numpy()).to_numpy(),
            "sku_id": sku.to_numpy(),
            "gs": si["gross_sales"].to_numpy(float),
            "cases": cases,
            "cogs": cases * sku.map(prod["cogs_case"].astype(float)).to_numpy(float),
            "rsp": cases * sku.map(rsp_case).to_numpy(float),
        }
    )
    vol = si_f.groupby(["account_id", "fiscal_year"])[["gs", "cases", "cogs", "rsp"]].sum()
    n_skus = si_f.loc[si_f["cases"] > 0].groupby(["account_id", "fiscal_year"])["sku_id"].nunique()
    ts = world["trade_spend"]
    spend = (
        ts.groupby(
            [
                ts["account_id"].astype(str),
                ts["fiscal_year"].astype(int),
                ts["spend_type"].astype(str),
            ]
        )["amount_rmb"]
        .sum()
        .rename_axis(["account_id", "fiscal_year", "spend_type"])
    )
    disp = ts.loc[ts["spend_type"].astype(str) == "DISPLAY_FEE"]
    promos = world["promotions"].set_index(world["promotions"]["promo_id"].astype(str))
    dtype = disp["promo_id"].astype(str).map(promos["display_type"].astype(str))
    disp_amt = (
        pd.DataFrame(
            {
                "account_id": disp["account_id"].astype(str).to_numpy(),
                "fiscal_year": disp["fiscal_year"].astype(int).to_numpy(),
                "display_type": dtype.to_numpy(),
                "amount": disp["amount_rmb"].to_numpy(float),
            }
        )
        .groupby(["account_id", "fiscal_year", "display_type"])["amount"]
        .sum()
    )
    ol = world["order_lines"]
    price = ol["invoice_price_case"].to_numpy(float)
    ordered = ol["cases_ordered"].to_numpy(float)
    shipped = ol["cases_shipped"].to_numpy(float)
    late = ol["days_late"].to_numpy(float)
    lines = pd.DataFrame(
        {
            "account_id": ol["account_id"].astype(str).to_numpy(),
            "fiscal_year": fy_of_week.reindex(ol["week_id"].to_numpy()).to_numpy(),
            "period_key": per_of_week.reindex(ol["week_id"].to_numpy()).to_numpy(),
            "short_value": (ordered - shipped) * price,
            "shipped_value": shipped * price,
            "in_full": shipped >= ordered,
            "days_late": late,
        }
    )
    shared = {
        "vol": vol,
        "n_skus": n_skus,
        "spend": spend,
        "disp_amt": disp_amt,
        "lines": lines,
        "accounts": world["accounts"].set_index(world["accounts"]["account_id"].astype(str)),
        "terms": world["trade_terms"].set_index(
            [
                world["trade_terms"]["account_id"].astype(str),
                world["trade_terms"]["fiscal_year"].astype(int),
            ]
        ),
        "tiers": world["rebate_tiers"],
        "targets": world["targets_annual"].set_index(
            [
                world["targets_annual"]["account_id"].astype(str),
                world["targets_annual"]["fiscal_year"].astype(int),
            ]
        ),
    }
    return shared


MAX_TOLERANCE_DAYS = 3


def terms_context(world: Any, account_id: str, fiscal_year: int) -> TermsContext:
    """Build (once, then cached per world) the costing context of a key account's base year."""
    a, fy = str(account_id), int(fiscal_year)
    return per_world(world, ("m3.package.terms", a, fy), lambda w: _build_terms(w, a, fy))


def _build_terms(world: Any, a: str, fy: int) -> TermsContext:
    sh = _shared(world)
    if a not in sh["accounts"].index or (a, fy) not in sh["terms"].index:
        ids = [x for x, _ in package_accounts(world)]
        raise ValueError(
            f"account_id/fiscal_year: {a} {fy} has no annual agreement in this world; choose a "
            f"key account ({', '.join(ids[:3])} …) and one of its agreement years."
        )
    if (a, fy) not in sh["vol"].index:
        raise ValueError(
            f"account_id: {a} shipped nothing in FY{fy}; there are no volumes to cost."
        )
    acc = sh["accounts"].loc[a]
    tt = sh["terms"].loc[(a, fy)]
    vol = sh["vol"].loc[(a, fy)]
    rt = sh["tiers"]
    rt = rt.loc[
        (rt["account_id"].astype(str) == a)
        & (rt["fiscal_year"].astype(int) == fy)
        & (rt["rebate_type"].astype(str) == "GROWTH")
    ].sort_values("tier_no")
    tiers = tuple(
        (float(lo), None if pd.isna(up) else float(up), float(r))
        for lo, up, r in zip(rt["lower_bound"], rt["upper_bound"], rt["rate"], strict=True)
    )
    terms = TermsPackage(
        on_invoice_pct=float(tt["on_invoice_discount_pct"]),
        unconditional_rebate_pct=float(tt["unconditional_rebate_pct"]),
        growth_tiers=tiers,
        growth_mode=str(tt["growth_rebate_mode"]).lower(),
        listing_fee_per_sku_store=float(tt["listing_fee_per_sku_store"]),
        endcap_fee_per_store_period=float(tt["endcap_fee_per_store_period"]),
        floorstack_fee_per_store_period=float(tt["floorstack_fee_per_store_period"]),
        dm_fee_per_issue=float(tt["dm_fee_per_issue"]),
        festival_fee_annual=float(tt["festival_fee_annual"]),
        anniversary_fee_annual=float(tt["anniversary_fee_annual"]),
        ec_platform_fee_pct=float(tt["ec_platform_fee_pct"]),
        logistics_allowance_pct=float(tt["logistics_allowance_pct"]),
        payment_terms_days=float(tt["payment_terms_days"]),
        otif_kpi=float(tt["otif_kpi"]),
    )

    def spent(kind: str) -> float:
        k = (a, fy, kind)
        return float(sh["spend"].get(k, 0.0))

    def per_rate(amount: float, rate: float) -> float:
        # activity counts are whole store-periods / issues / SKU-stores (fees are split by SKU
        # in the ledger, so the quotient carries rounding noise)
        return float(round(amount / rate)) if rate > 0 else 0.0

    da = sh["disp_amt"]
    endcap_amt = float(da.get((a, fy, "ENDCAP"), 0.0))
    floor_amt = float(da.get((a, fy, "FLOOR_STACK"), 0.0))
    # scorecard: base-year CTS parts (freight, handling, merchandising, KAM cost)
    sc = account_scorecard(world, fiscal_year=fy, accounts=a).iloc[0]
    n_orders = float(
        world["cts_drivers"]
        .loc[lambda d: d["account_id"].astype(str) == a]
        .pipe(lambda d: d.loc[d["week_id"].isin(_weeks_of(world, fy)), "n_orders"])
        .sum()
    )
    handling = float(sc["cts_order_handling"])
    # OTIF per period at each tolerance (line level), with the value of short + late cases
    ln = sh["lines"]
    ln = ln.loc[(ln["account_id"] == a) & (ln["fiscal_year"] == fy)]
    short_late: dict[int, np.ndarray] = {}
    line_otif: dict[int, np.ndarray] = {}
    groups = list(ln.groupby("period_key", sort=True))
    for tol in range(MAX_TOLERANCE_DAYS + 1):
        vals, otifs = [], []
        for _, g in groups:
            on_time = ~np.asarray(km.above(g["days_late"].to_numpy(), tol), dtype=bool)
            ok = on_time & g["in_full"].to_numpy()
            otifs.append(float(ok.mean()))
            vals.append(
                float(g["short_value"].sum() + g["shipped_value"].to_numpy()[~on_time].sum())
            )
        short_late[tol] = np.asarray(vals)
        line_otif[tol] = np.asarray(otifs)
    cap = sh["targets"]["tts_rate_cap"].get((a, fy), np.nan)
    ctx = TermsContext(
        account_id=a, account_name=str(acc["account_name"]), fiscal_year=fy,
        channel=str(acc["channel"]), store_count=int(acc["store_count"]),
        n_skus=int(sh["n_skus"].get((a, fy), 0)), gs=float(vol["gs"]), cases=float(vol["cases"]),
        cogs=float(vol["cogs"]), rsp_ex_vat_per_case=float(vol["rsp"] / vol["cases"]),
        promo_spend=sum(spent(k) for k in _PROMO_TYPES),
        endcap_store_periods=per_rate(endcap_amt, terms.endcap_fee_per_store_period),
        floorstack_store_periods=per_rate(floor_amt, terms.floorstack_fee_per_store_period),
        dm_issues=per_rate(spent("DM_FEE"), terms.dm_fee_per_issue),
        listing_sku_stores=per_rate(spent("LISTING_FEE"), terms.listing_fee_per_sku_store),
        freight=float(sc["cts_freight"]), n_orders=n_orders,
        drop_cost=handling / n_orders if n_orders > 0 else 0.0,
        merchandising=float(sc["cts_merchandising"]), kam_cost=float(sc["cts_kam"]),
        tts_rate_cap=float(cap), otif_penalty_pct=float(tt["otif_penalty_pct"]),
        period_short_late_value=short_late, period_line_otif=line_otif, terms=terms,
        spend_actual={
            k: float(v) for (aa, yy, k), v in sh["spend"].items() if aa == a and yy == fy
        },
    )  # fmt: skip
    return ctx


def _weeks_of(world: Any, fy: int) -> np.ndarray:
    cal = world["calendar"]
    return cal.loc[cal["fiscal_year"].astype(int) == fy, "week_id"].to_numpy()
