"""Service: fill rates and OTIF (SPEC §2.7). All results are fractions in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = ["FillRates", "fill_rates", "otif_penalty"]

ORDER_LINE_COLUMNS = ("order_id", "cases_ordered", "cases_shipped", "days_late")


@dataclass(frozen=True)
class FillRates:
    """Fill-rate family of SPEC §2.7 (fractions).

    ``case_fill`` (cases), ``line_fill`` (lines in full), ``order_fill`` (orders with every
    line complete), ``on_time``, ``in_full`` and ``otif`` (order level), ``line_otif`` (lines
    on time and in full); counts of lines and orders for context.
    """

    case_fill: float
    line_fill: float
    order_fill: float
    on_time: float
    otif: float
    line_otif: float
    in_full: float
    n_lines: int
    n_orders: int


def fill_rates(order_lines: pd.DataFrame, tolerance_days: float = 0) -> FillRates:
    """Case, line and order fill, on-time and OTIF from order lines (SPEC §2.7).

    ``order_lines`` needs the columns ``order_id, cases_ordered, cases_shipped, days_late``.

    - case fill ``= Σ cases_shipped / Σ cases_ordered``
    - line fill ``= #lines with shipped ≥ ordered / #lines``
    - order fill = in full ``= #orders whose every line is complete / #orders``
    - on time ``= #orders whose every line has days_late ≤ tolerance_days / #orders``
    - OTIF ``= #orders on time AND in full / #orders`` (so OTIF ≤ min(on time, in full))
    - line OTIF ``= #lines on time and in full / #lines``

    Worked example of §2.7:

    >>> lines = pd.DataFrame({
    ...     "order_id": ["O1", "O1", "O2", "O2", "O3", "O4", "O4"],
    ...     "cases_ordered": [100, 50, 200, 80, 120, 60, 40],
    ...     "cases_shipped": [100, 50, 200, 60, 120, 30, 40],
    ...     "days_late": [0, 0, 2, 2, 0, 0, 0]})
    >>> r = fill_rates(lines)
    >>> round(r.case_fill, 4), round(r.line_fill, 4), r.order_fill, r.on_time, r.otif
    (0.9231, 0.7143, 0.5, 0.75, 0.5)
    >>> round(r.line_otif, 4)
    0.5714
    >>> r2 = fill_rates(lines, tolerance_days=2)
    >>> r2.on_time, r2.otif, round(r2.line_otif, 4)
    (1.0, 0.5, 0.7143)
    """
    df = ck.frame(order_lines, "order_lines", ORDER_LINE_COLUMNS)
    ordered = ck.array(df["cases_ordered"], "order_lines.cases_ordered", nonneg=True)
    shipped = ck.array(df["cases_shipped"], "order_lines.cases_shipped", nonneg=True)
    late = ck.array(df["days_late"], "order_lines.days_late")
    ck.not_more_than(shipped, ordered, "order_lines.cases_shipped", "order_lines.cases_ordered")
    tol = ck.scalar(tolerance_days, "tolerance_days", nonneg=True)
    if df["order_id"].isna().any():
        raise ValueError("'order_lines.order_id' has missing values: every line needs an order.")
    codes, uniques = pd.factorize(df["order_id"], sort=False)
    n_orders, n_lines = len(uniques), len(df)

    line_full = np.asarray(ck.at_least(shipped, ordered), dtype=bool)
    line_ot = np.asarray(ck.at_most(late, tol), dtype=bool)
    short = np.bincount(codes, weights=~line_full, minlength=n_orders)
    late_n = np.bincount(codes, weights=~line_ot, minlength=n_orders)
    order_full, order_ot = short == 0, late_n == 0

    case_fill = ck.ratio(
        float(shipped.sum()), float(ordered.sum()), "order_lines.cases_ordered", "case fill"
    )
    return FillRates(
        case_fill=min(case_fill, 1.0),
        line_fill=float(line_full.mean()),
        order_fill=float(order_full.mean()),
        on_time=float(order_ot.mean()),
        otif=float((order_full & order_ot).mean()),
        line_otif=float((line_full & line_ot).mean()),
        in_full=float(order_full.mean()),
        n_lines=n_lines,
        n_orders=n_orders,
    )


def otif_penalty(
    short_late_value: Any, otif: float, kpi: float, penalty_pct: float = 0.03
) -> float:
    """OTIF penalty ``= otif_penalty_pct × value of (short + late) cases`` when OTIF < KPI.

    SPEC §2.7 (line-level OTIF against ``trade_terms.otif_kpi``; 3% by default). RMB.

    >>> otif_penalty(200_000, otif=0.86, kpi=0.90)
    6000.0
    >>> otif_penalty(200_000, otif=0.90, kpi=0.90)
    0.0
    """
    value = ck.total(short_late_value, "short_late_value")
    o = ck.fraction(otif, "otif")
    k = ck.fraction(kpi, "kpi")
    pct = ck.fraction(penalty_pct, "penalty_pct")
    return pct * value if ck.below(o, k) else 0.0
