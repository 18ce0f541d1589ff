"""M1 models: the gross-to-net waterfall what-if and list-to-pocket per SKU (SPEC §2.1).

Two scenario panels of module M1 stand on this module (views in :mod:`kamlab.ui.m1`):

* **Waterfall explorer** — :func:`g2n_base` collects one account × fiscal year's actual
  gross sales, trade spend by waterfall step, COGS and cost-to-serve drivers;
  :func:`g2n_whatif` replaces three levers (the off-invoice discount rate, the unconditional
  rebate rate, the display fees) and recomputes the cascade with :func:`kamlab.metrics.account_pnl`
  and :func:`kamlab.metrics.cost_to_serve`::

      GS → − on-invoice deductions → invoice sales → − off-invoice trade spend → NR
         → − COGS → GP → − cost-to-serve → CC

  Volumes are held at their actual level (the what-if changes what we *give*, not what we
  *sell*), so GS and COGS do not move: +1 pp of off-invoice discount lowers NR and GP by
  exactly 1 % of GS, and CC by the same amount less the financing cost that NR carried
  (``ΔCC = ΔNR × (1 − 6 % × payment days / 365)``, because financing is charged on NR).
* **List-to-pocket per SKU** — :func:`list_to_pocket` gives, for each SKU an account bought
  in a fiscal year, the price per case at four levels: list (GS / cases), invoice (after
  on-invoice deductions), net (after variable off-invoice spend: promotion funding, rebates,
  platform fees, allowances) and pocket (after fixed fees too: display, listing, DM,
  festival/anniversary, lump sums). Σ pocket × cases over the SKUs = the account's NR.

Where a ledger row names no SKU (the base discount, rebates, festival fees …) it is spread
over the account's SKUs in proportion to their gross sales; rows that name a SKU stay with it.

Every table is summed once per world into a :class:`G2NContext` (:func:`g2n_context`,
cached per world object); a what-if then costs a few dictionary look-ups.

Waterfall steps (deductions, in cascade order; the ledger's ``spend_type`` → step):

===========================  ================================================================
step                         spend types
===========================  ================================================================
``off_invoice_discount``     OFF_INVOICE (the agreed base discount, deducted on the invoice)
``on_invoice_promo``         any other on-invoice row (PROMO_OFF_INVOICE trade deals)
``promotions``               PROMO_SCAN_BACK, PROMO_LUMP_SUM
``display_fees``             DISPLAY_FEE (end-caps, floor stacks)
``listing_dm_fees``          LISTING_FEE, DM_FEE
``festival_fees``            FESTIVAL_FEE, ANNIVERSARY_FEE
``platform_fees``            EC_PLATFORM_FEE
``unconditional_rebate``     UNCONDITIONAL_REBATE
``conditional_rebates``      GROWTH_REBATE, TARGET_REBATE
``service_allowances``       LOGISTICS_ALLOWANCE, OTIF_PENALTY
``loading_costs``            PERIOD_END_DEAL, AGED_STOCK_CLEARANCE (the cost of stuffing)
``other_trade_spend``        anything else off the invoice
===========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.scorecard import account_scorecard

__all__ = [
    "DEDUCTION_STEPS",
    "OFF_INVOICE_STEPS",
    "ON_INVOICE_STEPS",
    "SPEND_TYPE_STEP",
    "G2NBase",
    "G2NContext",
    "G2NScenario",
    "PocketResult",
    "g2n_base",
    "g2n_context",
    "g2n_whatif",
    "largest_deduction",
    "list_to_pocket",
]

ON_INVOICE_STEPS: tuple[str, ...] = ("off_invoice_discount", "on_invoice_promo")
OFF_INVOICE_STEPS: tuple[str, ...] = (
    "promotions",
    "display_fees",
    "listing_dm_fees",
    "festival_fees",
    "platform_fees",
    "unconditional_rebate",
    "conditional_rebates",
    "service_allowances",
    "loading_costs",
    "other_trade_spend",
)
DEDUCTION_STEPS: tuple[str, ...] = ON_INVOICE_STEPS + OFF_INVOICE_STEPS

SPEND_TYPE_STEP: dict[str, str] = {
    "OFF_INVOICE": "off_invoice_discount",
    "PROMO_OFF_INVOICE": "on_invoice_promo",
    "PROMO_SCAN_BACK": "promotions",
    "PROMO_LUMP_SUM": "promotions",
    "DISPLAY_FEE": "display_fees",
    "LISTING_FEE": "listing_dm_fees",
    "DM_FEE": "listing_dm_fees",
    "FESTIVAL_FEE": "festival_fees",
    "ANNIVERSARY_FEE": "festival_fees",
    "EC_PLATFORM_FEE": "platform_fees",
    "UNCONDITIONAL_REBATE": "unconditional_rebate",
    "GROWTH_REBATE": "conditional_rebates",
    "TARGET_REBATE": "conditional_rebates",
    "LOGISTICS_ALLOWANCE": "service_allowances",
    "OTIF_PENALTY": "service_allowances",
    "PERIOD_END_DEAL": "loading_costs",
    "AGED_STOCK_CLEARANCE": "loading_costs",
}
"""The waterfall step of each ``trade_spend.spend_type`` (off-invoice rows; an on-invoice row
other than OFF_INVOICE always goes to ``on_invoice_promo``)."""


# ---------------------------------------------------------------------------------------------
# one account × fiscal year: the actual amounts and the what-if


@dataclass(frozen=True)
class G2NBase:
    """One account × fiscal year's actual gross-to-net inputs (RMB ex-VAT, cases).

    ``deductions`` maps a step of :data:`DEDUCTION_STEPS` to its actual amount (positive);
    missing steps are 0. Cost-to-serve drivers: ``freight``, ``n_orders`` × ``drop_cost``
    (order handling), ``merchandising``, ``kam_cost`` and the financing on NR at
    ``payment_terms_days`` (SPEC §2.1 step 8).
    """

    account_id: str
    fiscal_year: int
    gs: float
    cases: float
    cogs: float
    deductions: Mapping[str, float]
    freight: float = 0.0
    n_orders: float = 0.0
    drop_cost: float = 0.0
    merchandising: float = 0.0
    kam_cost: float = 0.0
    payment_terms_days: float = 0.0
    account_name: str = ""

    def amount(self, step: str) -> float:
        """The actual amount of one deduction step (0 when the account has none)."""
        if step not in DEDUCTION_STEPS:
            raise ValueError(
                f"step {step!r} is not a waterfall step; use one of {DEDUCTION_STEPS}."
            )
        return float(self.deductions.get(step, 0.0))

    @property
    def off_invoice_rate(self) -> float:
        """Actual off-invoice discount as a fraction of GS."""
        return self.amount("off_invoice_discount") / self.gs

    @property
    def rebate_rate(self) -> float:
        """Actual unconditional rebate as a fraction of GS."""
        return self.amount("unconditional_rebate") / self.gs

    @property
    def display_fees(self) -> float:
        """Actual display fees (RMB)."""
        return self.amount("display_fees")


@dataclass(frozen=True)
class G2NScenario:
    """A gross-to-net what-if for one account × fiscal year.

    ``steps``: the waterfall rows in cascade order — columns ``step``, ``kind`` (``level`` for
    GS and the subtotals, ``deduction`` for the rest), ``amount`` (signed: deductions are
    negative) and ``actual`` (the same row with the actual levers). ``pnl`` and ``actual`` are
    :class:`kamlab.metrics.AccountPnL` of the scenario and of the actual year; ``cts`` the
    scenario's :class:`kamlab.metrics.CostToServe`. ``levers`` and ``actual_levers`` hold the
    three what-if inputs (``off_invoice_rate``, ``rebate_rate`` as fractions of GS,
    ``display_fees`` in RMB).
    """

    base: G2NBase
    steps: pd.DataFrame
    pnl: km.AccountPnL
    actual: km.AccountPnL
    cts: km.CostToServe
    levers: dict[str, float]
    actual_levers: dict[str, float]
    largest_step: str

    @property
    def delta(self) -> dict[str, float]:
        """Scenario minus actual for ``tts``, ``nr``, ``gp``, ``cts``, ``cc`` (RMB)."""
        return {
            k: getattr(self.pnl, k) - getattr(self.actual, k)
            for k in ("tts", "nr", "gp", "cts", "cc")
        }


def _lever(value: float | None, default: float, name: str, *, upper: float | None) -> float:
    if value is None:
        return default
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}.") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0; got {value!r}.")
    if upper is not None and v >= upper:
        raise ValueError(
            f"{name} must be a fraction of gross sales below {upper:g} (0.05 for 5 %); got {v!r}."
        )
    return v


def _pnl(base: G2NBase, ded: Mapping[str, float]) -> tuple[km.AccountPnL, km.CostToServe]:
    oid = sum(ded.get(s, 0.0) for s in ON_INVOICE_STEPS)
    off = sum(ded.get(s, 0.0) for s in OFF_INVOICE_STEPS)
    nr = base.gs - oid - off
    if nr <= 0:
        raise ValueError(
            "trade spend is larger than gross sales, so net revenue would be ≤ 0; lower the "
            "off-invoice discount, the rebate or the display fees."
        )
    cts = km.cost_to_serve(
        freight=base.freight,
        n_orders=base.n_orders,
        drop_cost=base.drop_cost,
        kam_cost=base.kam_cost,
        net_revenue=nr,
        payment_terms_days=base.payment_terms_days,
        merchandising=base.merchandising,
    )
    pnl = km.account_pnl(
        base.gs, oid, off, base.cogs, cts.total, cases=base.cases if base.cases > 0 else None
    )
    return pnl, cts


def largest_deduction(deductions: Mapping[str, float]) -> str:
    """The deduction step with the largest amount (ties: the earlier step in the cascade).

    >>> largest_deduction({"promotions": 180_000, "off_invoice_discount": 300_000})
    'off_invoice_discount'
    """
    if not deductions:
        raise ValueError("deductions is empty; there is no largest step.")
    ordered = [s for s in DEDUCTION_STEPS if s in deductions] + [
        s for s in deductions if s not in DEDUCTION_STEPS
    ]
    return max(ordered, key=lambda s: (float(deductions[s]), -ordered.index(s)))


def g2n_whatif(
    base: G2NBase,
    off_invoice_rate: float | None = None,
    rebate_rate: float | None = None,
    display_fees: float | None = None,
) -> G2NScenario:
    """The gross-to-net cascade with three levers replaced (``None`` keeps the actual value).

    ``off_invoice_rate``: the off-invoice discount as a fraction of GS (amount = rate × GS);
    ``rebate_rate``: the unconditional rebate as a fraction of GS (amount = rate × GS);
    ``display_fees``: display fees in RMB. Everything else is the actual year. Then, with
    :func:`kamlab.metrics.account_pnl` / :func:`kamlab.metrics.cost_to_serve` (SPEC §2.1):
    ``TTS = Σ deductions``, ``NR = GS − TTS``, ``GP = NR − COGS``,
    ``CTS = freight + handling + merchandising + KAM + NR × 6 % × days / 365``, ``CC = GP − CTS``.

    The SPEC §2.1 worked example (an account-year with GS 6,000,000):

    >>> base = G2NBase("ACC", 2024, gs=6_000_000, cases=100_000, cogs=3_600_000,
    ...     deductions={"off_invoice_discount": 300_000, "promotions": 180_000,
    ...                 "display_fees": 120_000, "listing_dm_fees": 70_000,
    ...                 "festival_fees": 30_000, "conditional_rebates": 120_000,
    ...                 "unconditional_rebate": 120_000},
    ...     freight=300_000, n_orders=250, drop_cost=200, kam_cost=150_000,
    ...     payment_terms_days=60)
    >>> s = g2n_whatif(base)
    >>> s.pnl.nr, s.pnl.gp, round(s.pnl.cc, 2), s.largest_step
    (5060000.0, 1460000.0, 910093.15, 'off_invoice_discount')
    >>> s6 = g2n_whatif(base, off_invoice_rate=0.06)      # +1 pp off-invoice
    >>> s6.delta["nr"], s6.delta["gp"], round(s6.delta["cc"], 2)   # −1 % of GS; CC less financing
    (-60000.0, -60000.0, -59408.22)
    """
    levers_actual = {
        "off_invoice_rate": base.off_invoice_rate,
        "rebate_rate": base.rebate_rate,
        "display_fees": base.display_fees,
    }
    levers = {
        "off_invoice_rate": _lever(
            off_invoice_rate, levers_actual["off_invoice_rate"], "off_invoice_rate", upper=1.0
        ),
        "rebate_rate": _lever(rebate_rate, levers_actual["rebate_rate"], "rebate_rate", upper=1.0),
        "display_fees": _lever(
            display_fees, levers_actual["display_fees"], "display_fees", upper=None
        ),
    }
    actual_ded = {s: base.amount(s) for s in DEDUCTION_STEPS}
    ded = dict(actual_ded)
    if off_invoice_rate is not None:
        ded["off_invoice_discount"] = levers["off_invoice_rate"] * base.gs
    if rebate_rate is not None:
        ded["unconditional_rebate"] = levers["rebate_rate"] * base.gs
    if display_fees is not None:
        ded["display_fees"] = levers["display_fees"]
    pnl, cts = _pnl(base, ded)
    actual, _ = _pnl(base, actual_ded)

    def rows(p: km.AccountPnL, d: Mapping[str, float]) -> list[tuple[str, str, float]]:
        out = [("gross_sales", "level", p.gs)]
        out += [(s, "deduction", -d[s]) for s in ON_INVOICE_STEPS]
        out.append(("invoice_sales", "level", p.invoice_sales))
        out += [(s, "deduction", -d[s]) for s in OFF_INVOICE_STEPS]
        out += [
            ("net_revenue", "level", p.nr),
            ("cogs", "deduction", -p.cogs),
            ("gross_profit", "level", p.gp),
            ("cost_to_serve", "deduction", -p.cts),
            ("customer_contribution", "level", p.cc),
        ]
        return out

    now, was = rows(pnl, ded), rows(actual, actual_ded)
    steps = pd.DataFrame(
        {
            "step": [r[0] for r in now],
            "kind": [r[1] for r in now],
            "amount": [r[2] for r in now],
            "actual": [r[2] for r in was],
        }
    )
    return G2NScenario(
        base=base,
        steps=steps,
        pnl=pnl,
        actual=actual,
        cts=cts,
        levers=levers,
        actual_levers=levers_actual,
        largest_step=largest_deduction(ded),
    )


# ---------------------------------------------------------------------------------------------
# the per-world context


@dataclass
class G2NContext:
    """Per account × fiscal year (and × SKU) sums of one world, built once by :func:`g2n_context`.

    ``accounts``: account_id, account_name, channel, tier (sorted); ``years``: the fiscal
    years; ``bases``: ``(account_id, fiscal_year)`` → :class:`G2NBase`; ``sku``: one row per
    account × fiscal year × SKU with ``cases, gs, cogs`` and the trade spend split into
    ``on_invoice``, ``off_variable`` and ``off_fixed`` (ledger rows without a SKU spread by GS
    share); ``products``: sku_id → sku_name, brand, category.
    """

    accounts: pd.DataFrame
    years: tuple[int, ...]
    bases: dict[tuple[str, int], G2NBase]
    sku: pd.DataFrame
    products: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    def base(self, account_id: str, fiscal_year: int) -> G2NBase:
        """The :class:`G2NBase` of one account × fiscal year (ValueError if unknown)."""
        key = (str(account_id), int(fiscal_year))
        if key not in self.bases:
            if str(account_id) not in set(self.accounts["account_id"]):
                raise ValueError(
                    f"account_id {account_id!r} is not in this world; e.g. "
                    f"{self.accounts['account_id'].iloc[0]}."
                )
            if int(fiscal_year) not in self.years:
                raise ValueError(
                    f"fiscal_year {fiscal_year!r} is not in this world; it has {list(self.years)}."
                )
            raise ValueError(f"account {account_id} has no sales in FY{fiscal_year}.")
        return self.bases[key]

    def account_label(self, account_id: str) -> str:
        """``"ACC001 HyperOne"``."""
        labels = self.extra.get("labels")
        if labels is None:
            labels = {
                a: f"{a} {n}"
                for a, n in zip(
                    self.accounts["account_id"], self.accounts["account_name"], strict=True
                )
            }
            self.extra["labels"] = labels
        return labels.get(str(account_id), str(account_id))


def g2n_context(world: Any) -> G2NContext:
    """Build (or fetch from the per-world cache) the :class:`G2NContext` of ``world``.

    Sums ``sell_in`` (GS, cases), ``products.cogs_case`` (COGS), the ``trade_spend`` ledger
    (by waterfall step, by accrual week's fiscal year) and ``cts_drivers``; the KAM cost
    allocation and payment terms come from :func:`kamlab.analysis.scorecard.account_scorecard`
    so that the actual NR, GP and CC are the scorecard's.
    """
    return per_world(world, "m1.g2n", _build)  # a plain mapping of tables is not cached


def _table(world: Any, name: str) -> pd.DataFrame:
    try:
        return world[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"world has no {name!r} table; the gross-to-net models need sell_in, trade_spend, "
            "products, cts_drivers, calendar and accounts."
        ) from None


def _build(world: Any) -> G2NContext:
    cal = _table(world, "calendar")
    fy_of_week = pd.Series(cal["fiscal_year"].to_numpy(int), index=cal["week_id"].to_numpy())
    acc = _table(world, "accounts")
    accounts = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy(),
            "account_name": acc["account_name"].astype(str).to_numpy(),
            "channel": acc["channel"].astype(str).to_numpy(),
            "tier": acc["tier"].astype(str).to_numpy(),
            "account_type": acc["account_type"].astype(str).to_numpy(),
        }
    ).sort_values("account_id", ignore_index=True)
    prod = _table(world, "products")
    products = pd.DataFrame(
        {
            "sku_id": prod["sku_id"].astype(str).to_numpy(),
            "sku_name": prod["sku_name"].astype(str).to_numpy(),
            "brand": prod["brand"].astype(str).to_numpy(),
            "category": prod["category"].astype(str).to_numpy(),
        }
    )
    cogs_case = pd.Series(prod["cogs_case"].to_numpy(float), index=products["sku_id"])

    si = _table(world, "sell_in")
    s = pd.DataFrame(
        {
            "account_id": si["account_id"].astype(str).to_numpy(),
            "fiscal_year": fy_of_week.reindex(si["week_id"].to_numpy()).to_numpy(),
            "sku_id": si["sku_id"].astype(str).to_numpy(),
            "cases": si["cases_shipped"].to_numpy(float),
            "gs": si["gross_sales"].to_numpy(float),
        }
    )
    s["cogs"] = s["cases"] * s["sku_id"].map(cogs_case).to_numpy(float)
    sku = s.groupby(["account_id", "fiscal_year", "sku_id"], sort=True).sum().reset_index()

    ts = _table(world, "trade_spend")
    on_inv = ts["on_invoice"].to_numpy(bool)
    stype = ts["spend_type"].astype(str).to_numpy()
    step = np.where(
        on_inv,
        np.where(stype == "OFF_INVOICE", "off_invoice_discount", "on_invoice_promo"),
        pd.Series(stype).map(SPEND_TYPE_STEP).fillna("other_trade_spend").to_numpy(),
    )
    led = pd.DataFrame(
        {
            "account_id": ts["account_id"].astype(str).to_numpy(),
            "fiscal_year": fy_of_week.reindex(ts["week_id"].to_numpy()).to_numpy(),
            "sku_id": ts["sku_id"].astype("string").fillna("").astype(str).to_numpy(),
            "step": step,
            "amount": ts["amount_rmb"].to_numpy(float),
            "kind": np.where(
                on_inv,
                "on_invoice",
                np.where(ts["is_fixed"].to_numpy(bool), "off_fixed", "off_variable"),
            ),
        }
    )
    by_step = led.pivot_table(
        index=["account_id", "fiscal_year"],
        columns="step",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    )

    # per SKU: ledger rows with a SKU stay with it; the rest spread by GS share
    direct = led.loc[led["sku_id"] != ""].pivot_table(
        index=["account_id", "fiscal_year", "sku_id"],
        columns="kind",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    pooled = led.loc[led["sku_id"] == ""].pivot_table(
        index=["account_id", "fiscal_year"],
        columns="kind",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    sku = sku.set_index(["account_id", "fiscal_year", "sku_id"])
    kinds = ("on_invoice", "off_variable", "off_fixed")
    direct = direct.reindex(columns=list(kinds), fill_value=0.0)
    pooled = pooled.reindex(columns=list(kinds), fill_value=0.0)
    direct = direct.reindex(direct.index.union(sku.index), fill_value=0.0)
    sku = sku.reindex(direct.index, fill_value=0.0)
    # spend on a SKU the account did not buy that year joins the pool (so Σ pocket × cases = NR)
    unsold = sku["gs"].to_numpy(float) <= 0
    if unsold.any():
        orphan = direct.loc[unsold].groupby(level=[0, 1]).sum()
        pooled = pooled.add(orphan, fill_value=0.0)
    keep = ~unsold
    sku, direct = sku.loc[keep], direct.loc[keep]
    gs_tot = sku.groupby(level=[0, 1])["gs"].transform("sum")
    gs_share = sku["gs"].to_numpy(float) / gs_tot.to_numpy(float)
    ay = pd.MultiIndex.from_arrays([sku.index.get_level_values(0), sku.index.get_level_values(1)])
    for kind in kinds:
        p = pooled[kind].reindex(ay).fillna(0.0).to_numpy(float)
        sku[kind] = direct[kind].to_numpy(float) + p * gs_share
    sku = sku.reset_index()
    sku["fiscal_year"] = sku["fiscal_year"].astype(int)

    cts = _table(world, "cts_drivers")
    cd = (
        pd.DataFrame(
            {
                "account_id": cts["account_id"].astype(str).to_numpy(),
                "fiscal_year": fy_of_week.reindex(cts["week_id"].to_numpy()).to_numpy(),
                "freight": cts["freight_rmb"].to_numpy(float),
                "n_orders": cts["n_orders"].to_numpy(float),
                "handling": cts["order_handling_rmb"].to_numpy(float),
                "merch": cts["merchandiser_cost_rmb"].to_numpy(float),
            }
        )
        .groupby(["account_id", "fiscal_year"])
        .sum()
    )
    sc = account_scorecard(world).set_index(["account_id", "fiscal_year"])
    terms = _table(world, "trade_terms")
    days = pd.Series(
        terms["payment_terms_days"].to_numpy(float),
        index=pd.MultiIndex.from_arrays(
            [terms["account_id"].astype(str).to_numpy(), terms["fiscal_year"].to_numpy(int)]
        ),
    )
    acc_days = pd.Series(
        acc["payment_terms_days"].to_numpy(float), index=acc["account_id"].astype(str)
    )
    names = accounts.set_index("account_id")["account_name"]
    totals = sku.groupby(["account_id", "fiscal_year"])[["gs", "cases", "cogs"]].sum()
    bases: dict[tuple[str, int], G2NBase] = {}
    for (a, y), row in totals.iterrows():
        if row["gs"] <= 0:
            continue
        key = (str(a), int(y))
        ded = (
            {k: float(v) for k, v in by_step.loc[key].items() if v != 0}
            if key in by_step.index
            else {}
        )
        c = (
            cd.loc[key]
            if key in cd.index
            else pd.Series(0.0, index=["freight", "n_orders", "handling", "merch"])
        )
        kam_cost = (
            float(sc.loc[key, "cts_kam"])
            if key in sc.index and pd.notna(sc.loc[key, "cts_kam"])
            else 0.0
        )
        d = days.get(key, acc_days.get(key[0], 0.0))
        bases[key] = G2NBase(
            account_id=key[0],
            fiscal_year=key[1],
            gs=float(row["gs"]),
            cases=float(row["cases"]),
            cogs=float(row["cogs"]),
            deductions=ded,
            freight=float(c["freight"]),
            n_orders=float(c["n_orders"]),
            drop_cost=float(c["handling"] / c["n_orders"]) if c["n_orders"] > 0 else 0.0,
            merchandising=float(c["merch"]),
            kam_cost=kam_cost,
            payment_terms_days=float(d),
            account_name=str(names.get(key[0], "")),
        )
    years = tuple(sorted(int(y) for y in pd.unique(cal["fiscal_year"])))
    return G2NContext(accounts=accounts, years=years, bases=bases, sku=sku, products=products)


def g2n_base(world_or_ctx: Any, account_id: str, fiscal_year: int) -> G2NBase:
    """The actual gross-to-net inputs of one account × fiscal year of a world (or context)."""
    ctx = world_or_ctx if isinstance(world_or_ctx, G2NContext) else g2n_context(world_or_ctx)
    return ctx.base(account_id, fiscal_year)


# ---------------------------------------------------------------------------------------------
# list → invoice → net → pocket per SKU

PRICE_LEVELS: tuple[str, ...] = ("list_price", "invoice_price", "net_price", "pocket_price")
_SORTS = ("gs", "leakage")


@dataclass(frozen=True)
class PocketResult:
    """List-to-pocket prices per SKU of one account × fiscal year (RMB per case).

    ``table``: every SKU with shipments, sorted as asked — ``sku_id, sku_name, cases, gs,
    on_invoice, off_variable, off_fixed, list_price, invoice_price, net_price, pocket_price,
    leakage`` (``1 − pocket / list``); ``shown``: the first ``top_n`` rows; ``total``: the same
    levels for the whole account (``pocket_price`` = NR / cases); ``nr``: Σ pocket × cases.
    """

    account_id: str
    fiscal_year: int
    table: pd.DataFrame
    shown: pd.DataFrame
    total: dict[str, float]
    nr: float


def list_to_pocket(
    world_or_ctx: Any, account_id: str, fiscal_year: int, top_n: int = 10, sort_by: str = "gs"
) -> PocketResult:
    """Price per case at list → invoice → net → pocket for an account's SKUs (SPEC §2.1).

    Per SKU with ``cases > 0``: list ``= GS / cases``; invoice ``= (GS − on-invoice) / cases``;
    net ``= invoice − variable off-invoice / cases``; pocket ``= net − fixed off-invoice /
    cases`` (ledger rows without a SKU spread by GS share). ``leakage = 1 − pocket / list``.
    ``sort_by``: ``"gs"`` (largest gross sales first) or ``"leakage"`` (largest leakage first);
    ``top_n`` ≥ 1 rows are ``shown``.
    """
    ctx = world_or_ctx if isinstance(world_or_ctx, G2NContext) else g2n_context(world_or_ctx)
    ctx.base(account_id, fiscal_year)  # validates the selection
    if sort_by not in _SORTS:
        raise ValueError(f"sort_by must be one of {_SORTS}; got {sort_by!r}.")
    if int(top_n) < 1:
        raise ValueError(f"top_n must be at least 1; got {top_n!r}.")
    key = ctx.extra.setdefault("pocket", {})
    tbl = key.get((account_id, int(fiscal_year)))
    if tbl is None:
        s = ctx.sku
        tbl = s.loc[(s["account_id"] == account_id) & (s["fiscal_year"] == int(fiscal_year))].copy()
        tbl = tbl.merge(ctx.products[["sku_id", "sku_name"]], on="sku_id", how="left")
        tbl = tbl.loc[tbl["cases"].to_numpy(float) > 0].copy()
        c = tbl["cases"].to_numpy(float)
        tbl["list_price"] = tbl["gs"].to_numpy(float) / c
        tbl["invoice_price"] = tbl["list_price"] - tbl["on_invoice"].to_numpy(float) / c
        tbl["net_price"] = tbl["invoice_price"] - tbl["off_variable"].to_numpy(float) / c
        tbl["pocket_price"] = tbl["net_price"] - tbl["off_fixed"].to_numpy(float) / c
        tbl["leakage"] = 1.0 - tbl["pocket_price"] / tbl["list_price"]
        tbl = tbl[
            ["sku_id", "sku_name", "cases", "gs", "on_invoice", "off_variable", "off_fixed",
             *PRICE_LEVELS, "leakage"]
        ].reset_index(drop=True)  # fmt: skip
        key[(account_id, int(fiscal_year))] = tbl
    ordered = tbl.sort_values(
        "gs" if sort_by == "gs" else "leakage", ascending=False, kind="mergesort"
    ).reset_index(drop=True)
    cases = float(tbl["cases"].sum())
    total = {
        "list_price": float(tbl["gs"].sum()) / cases,
        "invoice_price": float((tbl["gs"] - tbl["on_invoice"]).sum()) / cases,
        "net_price": float((tbl["gs"] - tbl["on_invoice"] - tbl["off_variable"]).sum()) / cases,
    }
    nr = float((tbl["pocket_price"] * tbl["cases"]).sum())
    total["pocket_price"] = nr / cases
    total["leakage"] = 1.0 - total["pocket_price"] / total["list_price"]
    return PocketResult(
        account_id=account_id,
        fiscal_year=int(fiscal_year),
        table=ordered,
        shown=ordered.head(int(top_n)),
        total=total,
        nr=nr,
    )


def with_levers(base: G2NBase, **deductions: float) -> G2NBase:
    """A copy of ``base`` with some deduction steps replaced (for exercises and tests)."""
    bad = sorted(set(deductions) - set(DEDUCTION_STEPS))
    if bad:
        raise ValueError(f"unknown waterfall step(s) {bad}; use {DEDUCTION_STEPS}.")
    return replace(base, deductions={**base.deductions, **deductions})
