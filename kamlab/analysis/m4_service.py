"""M4 *Service root cause*: why orders were not filled in full and on time.

The model behind the M4 panel "Service root cause" (SPEC §4 M4; formulas §2.7). From
``order_lines`` it computes ``km.fill_rates`` (case fill, line fill, order fill, on-time, OTIF at
order level, line-level OTIF) with a delivery-window ``tolerance_days`` (a line is on time when
``days_late ≤ tolerance_days``), and splits the shortfalls by cause:

- **case-fill gap** ``1 − case fill = Σ cases short / Σ cases ordered``, split by
  ``short_reason``: *supply* (SUPPLY_SHORTAGE — not enough stock to promise), *allocation*
  (ALLOCATION — stock given to other customers first) and *credit* (CREDIT_HOLD — the
  customer's orders held for an overdue account). Each share ``= Σ short cases of that reason /
  Σ ordered``; the shares add up to the gap exactly.
- **line-OTIF gap** ``1 − line OTIF = #lines not on time in full / #lines``, each failing line
  counted once: a short line under its short reason (even if also late), a line shipped in
  full but late under *late*. The shares add up to the gap exactly, so a longer tolerance only
  shrinks the *late* share.

Worked example of §2.7 (O1 on time {A 100/100, B 50/50}; O2 two days late {A 200/200, C 80/60};
O3 {B 120/120}; O4 {A 60/30, C 40/40}; short lines by supply):

>>> lines = pd.DataFrame({
...     "order_id": ["O1", "O1", "O2", "O2", "O3", "O4", "O4"],
...     "cases_ordered": [100, 50, 200, 80, 120, 60, 40],
...     "cases_shipped": [100, 50, 200, 60, 120, 30, 40],
...     "days_late": [0, 0, 2, 2, 0, 0, 0],
...     "short_reason": ["NONE", "NONE", "NONE", "SUPPLY_SHORTAGE", "NONE",
...                      "SUPPLY_SHORTAGE", "NONE"]})
>>> r = root_cause(lines)
>>> round(r.fill.case_fill, 4), r.fill.on_time, r.fill.otif, round(r.fill.line_otif, 4)
(0.9231, 0.75, 0.5, 0.5714)
>>> r.line_gap.round(4).to_dict()
{'supply': 0.2857, 'allocation': 0.0, 'credit': 0.0, 'late': 0.1429}
>>> r2 = root_cause(lines, tolerance_days=2)
>>> r2.fill.on_time, r2.fill.otif, round(r2.fill.line_otif, 4), float(r2.line_gap["late"])
(1.0, 0.5, 0.7143, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world

__all__ = [
    "CAUSES",
    "REASON_CAUSE",
    "ServiceContext",
    "ServiceResult",
    "root_cause",
    "scope_options",
    "service_context",
    "service_root_cause",
]

CAUSES = ("supply", "allocation", "credit", "late")
REASON_CAUSE = {"SUPPLY_SHORTAGE": "supply", "ALLOCATION": "allocation", "CREDIT_HOLD": "credit"}
MAX_TOLERANCE_DAYS = 7


@dataclass(frozen=True)
class ServiceResult:
    """Result of :func:`root_cause`.

    ``fill`` (``km.FillRates``); ``case_gap`` and ``line_gap`` (Series by cause, fractions,
    summing to ``1 − case_fill`` and ``1 − line_otif``); ``short_cases`` (by cause, cases);
    ``failing_lines`` (by cause, line counts); ``by_period`` (per period: ``period_key,
    case_fill, line_otif, otif``) when the lines carry ``period_key``; ``top_skus`` (the SKUs
    with most short cases: ``sku_id, cases_short, cases_ordered``) when they carry ``sku_id``.
    """

    fill: km.FillRates
    tolerance_days: float
    case_gap: pd.Series
    line_gap: pd.Series
    short_cases: pd.Series
    failing_lines: pd.Series
    by_period: pd.DataFrame
    top_skus: pd.DataFrame


def _causes(reason: pd.Series) -> np.ndarray:
    r = reason.astype(str).to_numpy()
    out = np.full(len(r), "", dtype=object)
    for code, cause in REASON_CAUSE.items():
        out[r == code] = cause
    return out


def root_cause(
    order_lines: pd.DataFrame, tolerance_days: float = 0, *, trend: bool = True
) -> ServiceResult:
    """Fill rates and their shortfall by cause (module docstring) for a set of order lines.

    ``order_lines`` needs ``order_id, cases_ordered, cases_shipped, days_late, short_reason``;
    optional ``period_key`` (adds the per-period trend) and ``sku_id`` (adds the top SKUs).
    """
    if not isinstance(order_lines, pd.DataFrame):
        raise ValueError("order_lines must be a DataFrame of order lines.")
    if "short_reason" not in order_lines.columns:
        raise ValueError("order_lines needs a 'short_reason' column to split shortfalls by cause.")
    if len(order_lines) == 0:
        raise ValueError("order_lines is empty: choose an account and period with orders.")
    fill = km.fill_rates(order_lines, tolerance_days)  # validates the columns and tolerance
    tol = float(tolerance_days)
    ordered = order_lines["cases_ordered"].to_numpy(float)
    shipped = order_lines["cases_shipped"].to_numpy(float)
    short = ordered - shipped
    cause = _causes(order_lines["short_reason"])
    is_short = ~np.asarray(km.at_least(shipped, ordered), dtype=bool)
    late = np.asarray(km.above(order_lines["days_late"].to_numpy(float), tol), dtype=bool)
    unexplained = is_short & (cause == "")
    if unexplained.any():
        cause = cause.copy()
        cause[unexplained] = "supply"  # a short line without a reason counts as supply
    total_ordered = float(ordered.sum())
    short_cases = pd.Series(
        {c: float(short[cause == c].sum()) for c in CAUSES if c != "late"} | {"late": 0.0}
    )
    case_gap = short_cases / total_ordered
    line_cause = np.where(is_short, cause, np.where(late, "late", ""))
    failing = pd.Series({c: int((line_cause == c).sum()) for c in CAUSES})
    line_gap = failing / len(order_lines)
    by_period = pd.DataFrame(columns=["period_key", "case_fill", "line_otif", "otif"])
    if trend and "period_key" in order_lines.columns:
        rows = []
        for pk, g in order_lines.groupby("period_key", sort=True, observed=True):
            fr = km.fill_rates(g, tol)
            rows.append(
                {"period_key": pk, "case_fill": fr.case_fill, "line_otif": fr.line_otif,
                 "otif": fr.otif}
            )  # fmt: skip
        by_period = pd.DataFrame(rows)
    top = pd.DataFrame(columns=["sku_id", "cases_short", "cases_ordered"])
    if "sku_id" in order_lines.columns and is_short.any():
        t = pd.DataFrame(
            {"sku_id": order_lines["sku_id"].astype(str).to_numpy(), "cases_short": short,
             "cases_ordered": ordered}
        ).groupby("sku_id").sum()  # fmt: skip
        top = (
            t.loc[t["cases_short"] > 0]
            .sort_values("cases_short", ascending=False)
            .head(8)
            .reset_index()
        )
    return ServiceResult(
        fill=fill, tolerance_days=tol, case_gap=case_gap, line_gap=line_gap,
        short_cases=short_cases, failing_lines=failing, by_period=by_period, top_skus=top,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The world's order lines, pre-sorted for fast slicing


@dataclass
class ServiceContext:
    """Per world: order lines with period and year keys, sorted by account, and the slices."""

    lines: pd.DataFrame
    by_account: dict[str, tuple[int, int]]
    periods: pd.DataFrame  # period_key, quarter, fiscal_year
    accounts: pd.DataFrame  # account_id, account_name, otif_kpi by fy
    otif_kpi: dict[tuple[str, int], float]
    case_fill_kpi: dict[tuple[str, int], float]
    trend_memo: dict[tuple[str, int, float], pd.DataFrame] = field(default_factory=dict)


def service_context(world: Any) -> ServiceContext:
    """Build (once per world, cached while it lives) the sorted order lines."""
    return per_world(world, "m4.service", _build)


def _build(world: Any) -> ServiceContext:
    cal = world["calendar"]
    wk = cal["week_id"].to_numpy()
    p_of_week = pd.Series(cal["period_key"].astype(str).to_numpy(), index=wk)
    q = (
        "FY"
        + cal["fiscal_year"].astype(int).astype(str)
        + "-Q"
        + cal["fiscal_quarter"].astype(int).astype(str)
    )
    periods = (
        pd.DataFrame(
            {
                "period_key": cal["period_key"].astype(str).to_numpy(),
                "quarter": q.to_numpy(),
                "fiscal_year": cal["fiscal_year"].astype(int).to_numpy(),
            }
        )
        .drop_duplicates("period_key")
        .reset_index(drop=True)
    )
    ol = world["order_lines"]
    lines = pd.DataFrame(
        {
            "account_id": ol["account_id"].astype(str).to_numpy(),
            "order_id": ol["order_id"].astype(str).to_numpy(),
            "sku_id": ol["sku_id"].astype(str).to_numpy(),
            "period_key": p_of_week.reindex(ol["week_id"].to_numpy()).to_numpy(),
            "cases_ordered": ol["cases_ordered"].to_numpy(float),
            "cases_shipped": ol["cases_shipped"].to_numpy(float),
            "days_late": ol["days_late"].to_numpy(float),
            "short_reason": ol["short_reason"].astype(str).to_numpy(),
        }
    )
    pq = periods.set_index("period_key")
    lines["quarter"] = lines["period_key"].map(pq["quarter"]).to_numpy()
    lines["fiscal_year"] = lines["period_key"].map(pq["fiscal_year"]).to_numpy()
    lines = lines.sort_values(["account_id", "period_key"], kind="mergesort").reset_index(drop=True)
    by_account: dict[str, tuple[int, int]] = {}
    acc_ids = lines["account_id"].to_numpy()
    for a in np.unique(acc_ids):
        lo = int(np.searchsorted(acc_ids, a, side="left"))
        hi = int(np.searchsorted(acc_ids, a, side="right"))
        by_account[str(a)] = (lo, hi)
    acc = world["accounts"][["account_id", "account_name"]].copy()
    acc["account_id"] = acc["account_id"].astype(str)
    tt = world["trade_terms"]
    otif_kpi = {
        (str(a), int(y)): float(k)
        for a, y, k in zip(tt["account_id"], tt["fiscal_year"], tt["otif_kpi"], strict=True)
    }
    cf_kpi = {
        (str(a), int(y)): float(k)
        for a, y, k in zip(tt["account_id"], tt["fiscal_year"], tt["case_fill_kpi"], strict=True)
    }
    return ServiceContext(lines, by_account, periods, acc.reset_index(drop=True), otif_kpi, cf_kpi)


def scope_options(ctx: ServiceContext) -> list[str]:
    """Period scopes a review can pick: fiscal years (``FY2024``), quarters (``FY2024-Q3``)
    and periods (``FY2024-P07``), newest year first."""
    out: list[str] = []
    for fy in sorted(ctx.periods["fiscal_year"].unique(), reverse=True):
        p = ctx.periods.loc[ctx.periods["fiscal_year"] == fy]
        out.append(f"FY{fy}")
        out += list(dict.fromkeys(p["quarter"]))
        out += list(p["period_key"])
    return out


def _select(ctx: ServiceContext, account_id: str, scope: str) -> pd.DataFrame:
    if account_id == "ALL":
        ln = ctx.lines
    else:
        sl = ctx.by_account.get(str(account_id))
        if sl is None:
            raise ValueError(f"account_id: {account_id} has no order lines in this world.")
        ln = ctx.lines.iloc[sl[0] : sl[1]]
    s = str(scope)
    if s.startswith("FY") and len(s) == 6 and s[2:].isdigit():
        m = ln["fiscal_year"].to_numpy() == int(s[2:])
    elif "-Q" in s:
        m = ln["quarter"].to_numpy() == s
    elif "-P" in s:
        m = ln["period_key"].to_numpy() == s
    else:
        raise ValueError(
            f"scope: {scope!r} is not a fiscal year (FY2024), quarter (FY2024-Q3) or period "
            "(FY2024-P07)."
        )
    out = ln.loc[m]
    if out.empty:
        raise ValueError(f"there are no order lines for {account_id} in {scope}.")
    return out


def service_root_cause(
    ctx: ServiceContext, account_id: str, scope: str, tolerance_days: float = 0
) -> ServiceResult:
    """:func:`root_cause` for an account (or ``"ALL"``) in a fiscal year, quarter or period.

    The per-period trend covers the scope's fiscal year, so a single period is seen in context.
    """
    tol = float(tolerance_days)
    if not 0 <= tol <= MAX_TOLERANCE_DAYS:
        raise ValueError(f"tolerance_days: choose 0 … {MAX_TOLERANCE_DAYS} days; got {tol:g}.")
    sel = _select(ctx, account_id, scope)
    res = root_cause(sel, tol, trend=False)
    fy = int(sel["fiscal_year"].iloc[0])
    key = (str(account_id), fy, tol)
    if key not in ctx.trend_memo:  # the year's trend is reused while the scope moves within it
        year = _select(ctx, account_id, f"FY{fy}")
        rows = []
        for pk, g in year.groupby("period_key", sort=True):
            fr = km.fill_rates(g, tol)
            rows.append(
                {"period_key": pk, "case_fill": fr.case_fill, "line_otif": fr.line_otif,
                 "otif": fr.otif}
            )  # fmt: skip
        ctx.trend_memo[key] = pd.DataFrame(rows)
    return ServiceResult(
        fill=res.fill, tolerance_days=tol, case_gap=res.case_gap, line_gap=res.line_gap,
        short_cases=res.short_cases, failing_lines=res.failing_lines,
        by_period=ctx.trend_memo[key].copy(), top_skus=res.top_skus,
    )  # fmt: skip
