"""Gross-to-net waterfall, account P&L, cost-to-serve and customer profitability (SPEC §2.1, §2.15).

All amounts are RMB ex-VAT; deductions and costs are passed as **positive** amounts and
subtracted (SPEC §0.2). Arguments that are amounts accept a number or an array-like that is
summed (e.g. a ``trade_spend.amount_rmb`` column).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = [
    "FINANCING_RATE",
    "AccountPnL",
    "CostToServe",
    "CustomerContribution",
    "ProfitabilityQuadrants",
    "account_pnl",
    "cost_to_serve",
    "customer_contribution",
    "financing_cost",
    "pocket_price",
    "profitability_quadrant",
]

FINANCING_RATE = 0.06
"""Annual cost of money for the financing part of cost-to-serve (SPEC §2.1 step 8: r = 6%)."""


@dataclass(frozen=True)
class AccountPnL:
    """Account P&L from gross sales down to customer contribution (RMB, ratios as fractions).

    ``gs, tts, tts_rate, nr, gp, gp_rate, cc, cc_rate`` are the fixed fields of the formula API;
    the others show the intermediate steps. ``pocket_price`` and ``cc_per_case`` are ``None``
    unless ``cases`` was given.
    """

    gs: float
    tts: float
    tts_rate: float
    nr: float
    gp: float
    gp_rate: float
    cc: float
    cc_rate: float
    on_invoice: float
    invoice_sales: float
    off_invoice: float
    cogs: float
    cts: float
    cts_rate: float
    cases: float | None = None
    pocket_price: float | None = None
    cc_per_case: float | None = None

    def waterfall(self) -> list[tuple[str, float]]:
        """The gross-to-net steps in cascade order as ``(step, signed amount)`` pairs.

        Deductions are negative; subtotals (invoice sales, NR, GP, CC) are levels.
        """
        return [
            ("gross_sales", self.gs),
            ("on_invoice", -self.on_invoice),
            ("invoice_sales", self.invoice_sales),
            ("off_invoice", -self.off_invoice),
            ("net_revenue", self.nr),
            ("cogs", -self.cogs),
            ("gross_profit", self.gp),
            ("cost_to_serve", -self.cts),
            ("customer_contribution", self.cc),
        ]


def account_pnl(
    gross_sales: Any,
    on_invoice: Any,
    off_invoice: Any,
    cogs: Any,
    cost_to_serve: Any,
    *,
    cases: Any = None,
) -> AccountPnL:
    """Account P&L (SPEC §2.1): the gross-to-net cascade down to customer contribution.

    ``TTS = on_invoice + off_invoice``, ``TTS% = TTS / GS``, ``NR = GS − TTS``,
    ``GP = NR − COGS``, ``GP% = GP / NR``, ``CC = GP − CTS``, ``CC% = CC / NR``,
    ``CTS% = CTS / NR``; with ``cases``: pocket price ``= NR / cases`` (RMB/case) and
    CC per case. Units: RMB ex-VAT; rates are fractions.

    Worked example of §2.1 (account-year): 100,000 cases × 60 = GS 6,000,000; off-invoice 5%
    is on the invoice; promo, fees and rebates are off-invoice:

    >>> off = 180_000 + 120_000 + 40_000 + 30_000 + 30_000 + 120_000 + 120_000
    >>> cts = cost_to_serve(freight=3 * 100_000, n_orders=250, drop_cost=200,
    ...                     kam_cost=150_000, net_revenue=5_060_000, payment_terms_days=60)
    >>> p = account_pnl(6_000_000, on_invoice=300_000, off_invoice=off, cogs=36 * 100_000,
    ...                 cost_to_serve=cts.total, cases=100_000)
    >>> p.tts, round(p.tts_rate, 5), p.nr
    (940000.0, 0.15667, 5060000.0)
    >>> p.gp, round(p.gp_rate, 5)
    (1460000.0, 0.28854)
    >>> round(p.cc, 2), round(p.cc_rate, 5), p.pocket_price
    (910093.15, 0.17986, 50.6)
    """
    gs = ck.total(gross_sales, "gross_sales")
    oid = ck.total(on_invoice, "on_invoice")
    off = ck.total(off_invoice, "off_invoice")
    cogs_v = ck.total(cogs, "cogs")
    cts = ck.total(cost_to_serve, "cost_to_serve")
    if gs == 0:
        raise ValueError("'gross_sales' is 0, so the trade rate TTS/GS is undefined.")
    tts = oid + off
    nr = gs - tts
    if nr == 0:
        raise ValueError(
            "Net revenue is 0 (trade spend equals 'gross_sales'), so GP% and CC% are undefined."
        )
    gp = nr - cogs_v
    cc = gp - cts
    n_cases = None if cases is None else ck.total(cases, "cases")
    if n_cases == 0:
        raise ValueError("'cases' is 0, so the pocket price per case is undefined.")
    return AccountPnL(
        gs=gs,
        tts=tts,
        tts_rate=tts / gs,
        nr=nr,
        gp=gp,
        gp_rate=gp / nr,
        cc=cc,
        cc_rate=cc / nr,
        on_invoice=oid,
        invoice_sales=gs - oid,
        off_invoice=off,
        cogs=cogs_v,
        cts=cts,
        cts_rate=cts / nr,
        cases=n_cases,
        pocket_price=None if n_cases is None else nr / n_cases,
        cc_per_case=None if n_cases is None else cc / n_cases,
    )


@dataclass(frozen=True)
class CostToServe:
    """Cost-to-serve components and their total (RMB ex-VAT, SPEC §2.1 step 8)."""

    freight: float
    order_handling: float
    merchandising: float
    kam_cost: float
    financing: float
    total: float


def financing_cost(
    net_revenue: Any, payment_terms_days: float, rate: float = FINANCING_RATE
) -> float:
    """Cost of the credit given to the customer: ``NR × r × payment_terms_days / 365`` (RMB).

    SPEC §2.1 step 8 with r = 6%: NR 5,060,000 on 60 days.

    >>> round(financing_cost(5_060_000, 60), 2)
    49906.85
    """
    nr = ck.total(net_revenue, "net_revenue")
    days = ck.scalar(payment_terms_days, "payment_terms_days", nonneg=True)
    r = ck.scalar(rate, "rate", nonneg=True)
    return nr * r * days / 365.0


def cost_to_serve(
    freight: Any,
    n_orders: Any,
    drop_cost: float,
    kam_cost: Any,
    net_revenue: Any,
    payment_terms_days: float,
    merchandising: Any = 0.0,
    rate: float = FINANCING_RATE,
) -> CostToServe:
    """Cost-to-serve (SPEC §2.1 step 8).

    ``CTS = freight + drop_cost × n_orders + merchandising + KAM cost
    + NR × r × payment_terms_days / 365`` with r = 6% (RMB ex-VAT). ``freight``,
    ``n_orders``, ``merchandising`` and ``kam_cost`` may be arrays (e.g. ``cts_drivers``
    columns); they are summed.

    >>> c = cost_to_serve(freight=300_000, n_orders=250, drop_cost=200, kam_cost=150_000,
    ...                   net_revenue=5_060_000, payment_terms_days=60)
    >>> c.order_handling, round(c.financing, 2), round(c.total, 2)
    (50000.0, 49906.85, 549906.85)
    """
    fr = ck.total(freight, "freight")
    orders = ck.total(n_orders, "n_orders")
    drop = ck.scalar(drop_cost, "drop_cost", nonneg=True)
    merch = ck.total(merchandising, "merchandising")
    kam = ck.total(kam_cost, "kam_cost")
    fin = financing_cost(net_revenue, payment_terms_days, rate)
    handling = orders * drop
    return CostToServe(
        freight=fr,
        order_handling=handling,
        merchandising=merch,
        kam_cost=kam,
        financing=fin,
        total=fr + handling + merch + kam + fin,
    )


@dataclass(frozen=True)
class CustomerContribution:
    """Customer contribution ``cc = GP − CTS`` (RMB) and ``cc_rate = CC / NR``."""

    cc: float
    cc_rate: float


def customer_contribution(
    gross_profit: float, cost_to_serve: Any, net_revenue: Any
) -> CustomerContribution:
    """Customer contribution (SPEC §2.1 step 9): ``CC = GP − CTS``; ``CC% = CC / NR``.

    >>> r = customer_contribution(1_460_000, 549_906.85, 5_060_000)
    >>> round(r.cc, 2), round(r.cc_rate, 5)
    (910093.15, 0.17986)
    """
    gp = ck.scalar(gross_profit, "gross_profit")
    cts = ck.total(cost_to_serve, "cost_to_serve")
    nr = ck.total(net_revenue, "net_revenue", nonneg=False)
    cc = gp - cts
    return CustomerContribution(cc=cc, cc_rate=ck.ratio(cc, nr, "net_revenue", "CC%"))


def pocket_price(net_revenue: Any, cases: Any) -> float:
    """Pocket price per case ``= NR / cases`` (RMB/case, SPEC §2.1 step 6).

    >>> pocket_price(5_060_000, 100_000)
    50.6
    """
    nr = ck.total(net_revenue, "net_revenue", nonneg=False)
    return ck.ratio(nr, ck.total(cases, "cases"), "cases", "the pocket price")


@dataclass(frozen=True)
class ProfitabilityQuadrants:
    """Customer-profitability matrix (SPEC §2.15).

    ``nr_share`` (x) and ``cc_rate`` (y) per account, the ``quadrant`` label of each, and
    the medians that split the matrix. Arrays become Series when the input was a Series.
    """

    nr_share: Any
    cc_rate: Any
    quadrant: Any
    nr_share_median: float
    cc_rate_median: float


def profitability_quadrant(net_revenue: Any, cc_rate: Any) -> ProfitabilityQuadrants:
    """Profitability matrix (SPEC §2.15): x = NR share of total, y = CC%, split at medians.

    At or above both medians → ``protect``; large but thin (x ≥ median, y < median) →
    ``grow-margin``; small but profitable → ``maintain``; small and thin → ``restructure``.
    Values equal to a median count as "at or above" (with the §0.2 guard).

    >>> q = profitability_quadrant([500, 300, 100, 100], [0.10, 0.25, 0.20, 0.05])
    >>> list(q.quadrant)
    ['grow-margin', 'protect', 'maintain', 'restructure']
    >>> float(q.nr_share_median), round(q.cc_rate_median, 3)
    (0.2, 0.15)
    """
    nr = ck.array(net_revenue, "net_revenue", nonneg=True)
    y = ck.array(cc_rate, "cc_rate")
    ck.same_shape(nr, y, "net_revenue", "cc_rate")
    x = nr / _positive_total(nr)
    x_med, y_med = float(np.median(x)), float(np.median(y))
    hi_x = np.asarray(ck.at_least(x, x_med))
    hi_y = np.asarray(ck.at_least(y, y_med))
    labels = np.where(
        hi_x, np.where(hi_y, "protect", "grow-margin"), np.where(hi_y, "maintain", "restructure")
    ).astype(object)
    if isinstance(net_revenue, pd.Series):
        idx = net_revenue.index
        return ProfitabilityQuadrants(
            pd.Series(x, index=idx, name="nr_share"),
            pd.Series(y, index=idx, name="cc_rate"),
            pd.Series(labels, index=idx, name="quadrant"),
            x_med,
            y_med,
        )
    return ProfitabilityQuadrants(x, y, labels, x_med, y_med)


def _positive_total(nr: np.ndarray) -> float:
    s = float(nr.sum())
    if s == 0:
        raise ValueError("'net_revenue' sums to 0, so NR shares are undefined.")
    return s
