"""Spend ratios and customer budgets (SPEC §2.2): 费比, 投入产出比, budget utilisation.

Amounts are RMB ex-VAT; an amount argument accepts a number or an array-like that is summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kamlab.metrics import _checks as ck

__all__ = [
    "BudgetUtilisation",
    "budget_utilisation",
    "customer_budget",
    "input_output_ratio",
    "spend_to_sales",
]


def spend_to_sales(trade_spend: Any, sales: Any) -> float:
    """费比 spend-to-sales ratio ``= TTS / GS`` (fraction; SPEC §2.2).

    Pass net revenue as ``sales`` for the ratio "on NR".

    >>> round(spend_to_sales(940_000, 6_000_000), 5)
    0.15667
    """
    tts = ck.total(trade_spend, "trade_spend")
    return ck.ratio(tts, ck.total(sales, "sales"), "sales", "the spend-to-sales ratio")


def input_output_ratio(sales: Any, trade_spend: Any) -> float:
    """投入产出比 input-output ratio ``= GS / TTS``: RMB of sales per RMB spent (SPEC §2.2).

    The decision metric for single investments is incremental ROI (§2.3, :func:`promo_evaluation`).

    >>> round(input_output_ratio(6_000_000, 940_000), 3)
    6.383
    """
    gs = ck.total(sales, "sales")
    return ck.ratio(gs, ck.total(trade_spend, "trade_spend"), "trade_spend", "sales per RMB spent")


def customer_budget(
    planned_gross_sales: float, planned_trade_rate: float, fixed_fee_budget: float = 0.0
) -> float:
    """Customer trade budget ``B_a = planned GS × planned trade rate (+ fixed-fee budget)`` (RMB).

    SPEC §2.2.

    >>> customer_budget(6_000_000, 0.15, fixed_fee_budget=200_000)
    1100000.0
    """
    gs = ck.scalar(planned_gross_sales, "planned_gross_sales", nonneg=True)
    rate = ck.fraction(planned_trade_rate, "planned_trade_rate")
    fixed = ck.scalar(fixed_fee_budget, "fixed_fee_budget", nonneg=True)
    return gs * rate + fixed


@dataclass(frozen=True)
class BudgetUtilisation:
    """Budget use (SPEC §2.2): ``utilisation = (accrued + committed) / budget``.

    ``over_budget`` = utilisation > 1.0; ``ahead_of_phasing`` = utilisation > linear phasing
    (share of the year elapsed) + 10 pp; ``phasing`` is that elapsed share (``None`` when not
    given, and then ``ahead_of_phasing`` is ``False``). ``flag`` = either flag.
    """

    utilisation: float
    over_budget: bool
    ahead_of_phasing: bool
    phasing: float | None
    flag: bool


def budget_utilisation(
    accrued: Any,
    committed: Any,
    budget: float,
    elapsed: float | None = None,
    tolerance: float = 0.10,
) -> BudgetUtilisation:
    """Customer budget utilisation with the flags of SPEC §2.2.

    ``utilisation = (accrued + committed) / B_a``; flagged when > 1.0, and mid-year when >
    linear phasing + 10 pp, where linear phasing = ``elapsed`` (fraction of the year gone,
    e.g. weeks elapsed / 52). Comparisons use the §0.2 guard.

    >>> u = budget_utilisation(accrued=500_000, committed=150_000, budget=1_100_000, elapsed=0.5)
    >>> round(u.utilisation, 4), u.over_budget, u.ahead_of_phasing
    (0.5909, False, False)
    >>> budget_utilisation(700_000, 0, 1_100_000, elapsed=0.5).ahead_of_phasing
    True
    """
    used = ck.total(accrued, "accrued") + ck.total(committed, "committed")
    b = ck.scalar(budget, "budget", positive=True)
    util = used / b
    phasing = None if elapsed is None else ck.fraction(elapsed, "elapsed")
    tol = ck.scalar(tolerance, "tolerance", nonneg=True)
    over = bool(ck.above(util, 1.0))
    ahead = phasing is not None and bool(ck.above(util, phasing + tol))
    return BudgetUtilisation(util, over, ahead, phasing, over or ahead)
