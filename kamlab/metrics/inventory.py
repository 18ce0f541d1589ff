"""Inventory health (SPEC §2.9): weeks of cover, DOI, stock turn, FIFO stock age, aged stock.

Stock and sales are cases. Weekly series run along the last axis: a 1-D array is one
account × SKU, a 2-D array is entities × weeks.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck
from kamlab.metrics._series import trailing_sum

__all__ = [
    "AGE_BUCKET_EDGES",
    "age_bucket_names",
    "age_buckets",
    "aged_stock",
    "clearance_liability",
    "days_of_inventory",
    "fifo_age_buckets",
    "fifo_age_profile",
    "forward_weeks_of_cover",
    "stock_turn",
    "weeks_of_cover",
]

AGE_BUCKET_EDGES = (0, 5, 9, 14, 27)
"""Lower edges of the public age buckets in weeks since receipt: 0–4, 5–8, 9–13, 14–26, 27+."""


def weeks_of_cover(closing: Any, sell_out: Any, window: int = 4) -> Any:
    """Backward weeks of cover ``WOC_t = closing_t / mean(sell_out_{t−3..t})`` (weeks; §2.9).

    Before week 4 the mean runs over the weeks available. A zero mean gives ``∞`` when there is
    stock and ``0`` when there is none. Accepts 1-D series or entities × weeks 2-D arrays;
    a Series input gives a Series back.

    Worked example of §2.9 (closing 3,000 after sell-out 900, 1,000, 1,100, 1,000):

    >>> weeks_of_cover([3000, 3000, 3000, 3000], [900, 1000, 1100, 1000]).tolist()[-1]
    3.0
    >>> weeks_of_cover([5, 0], [0, 0]).tolist()
    [inf, 0.0]
    """
    c = ck.array(closing, "closing", nonneg=True, ndim=(1, 2))
    s = ck.array(sell_out, "sell_out", nonneg=True, ndim=(1, 2))
    ck.same_shape(c, s, "closing", "sell_out")
    w = ck.integer(window, "window")
    sums, count = trailing_sum(s, w)
    out = np.where(c > 0, np.inf, 0.0)
    with np.errstate(over="ignore"):  # stock over near-zero sales: cover is (near) infinite
        np.divide(c * count, sums, out=out, where=sums > 0)
    return ck.like(out, closing, "woc")


def forward_weeks_of_cover(stock: float, forecast: Any) -> float:
    """Forward weeks of cover: how many coming weeks of forecast the stock covers (weeks; §2.9).

    Whole weeks are counted while the stock lasts, plus the fraction of the week in which it
    runs out. Stock beyond the forecast horizon is extrapolated at the horizon's mean weekly
    forecast (``∞`` if that mean is 0). No stock gives 0.

    >>> forward_weeks_of_cover(2500, [1000, 1000, 1000, 1000])
    2.5
    >>> forward_weeks_of_cover(1500, [500, 2000])
    1.5
    """
    q = ck.scalar(stock, "stock", nonneg=True)
    f = ck.array(forecast, "forecast", nonneg=True)
    if q == 0:
        return 0.0
    cum = np.cumsum(f)
    full = int(np.searchsorted(cum, q + ck.GUARD, side="right"))
    if full < f.size:
        before = cum[full - 1] if full > 0 else 0.0
        return float(full + (q - before) / f[full])
    mean = f.mean()
    return np.inf if mean == 0 else float(f.size + (q - cum[-1]) / mean)


def days_of_inventory(woc: Any) -> Any:
    """Days of inventory ``DOI = 7 × WOC`` (days; SPEC §2.9). ∞ stays ∞.

    >>> days_of_inventory(3.0)
    21.0
    """
    w = ck.array(woc, "woc", nonneg=True, scalar_ok=True, ndim=(1, 2), allow_inf=True)
    out = 7.0 * w
    return float(out[0]) if np.ndim(woc) == 0 else ck.like(out, woc, "doi")


def stock_turn(woc: Any) -> float:
    """Stock turn ``= 52 / average WOC`` (turns per year; SPEC §2.9).

    >>> stock_turn([3.0, 4.0, 5.0])
    13.0
    """
    w = ck.array(woc, "woc", nonneg=True, scalar_ok=True, ndim=(1, 2), allow_inf=True)
    mean = float(w.mean())
    if mean == 0:
        raise ValueError("'woc' averages 0 (no stock), so stock turn is undefined.")
    return 52.0 / mean


def _opening(profile: Any, rows: int, max_age: int) -> np.ndarray:
    coh = np.zeros((rows, max_age + 1))
    if profile is None:
        return coh
    op = ck.array(profile, "opening_age_profile", nonneg=True, ndim=(1, 2))
    op = np.broadcast_to(op, (rows, op.shape[-1])) if op.ndim == 1 else op
    if op.shape[0] != rows:
        raise ValueError(
            f"'opening_age_profile' has {op.shape[0]} rows but the data has {rows} entities."
        )
    keep = min(op.shape[1], max_age + 1)
    coh[:, :keep] = op[:, :keep]
    coh[:, max_age] += op[:, keep:].sum(axis=1)
    return coh


def fifo_age_profile(
    receipts: Any, sell_out: Any, opening_age_profile: Any = None, max_age: int | None = None
) -> np.ndarray:
    """Closing stock by exact age (weeks since receipt) for every week, by FIFO (SPEC §2.9, §3.6).

    Each week: ages shift by one, receipts enter at age 0, sell-out is consumed from the oldest
    cohort first. ``opening_age_profile[i]`` = cases aged ``i`` weeks at the opening of week 0
    (they are ``i + 1`` weeks old at its close). Ages ≥ ``max_age`` collect in the last column
    (default: large enough to be exact). Returns shape ``(weeks, max_age + 1)`` for 1-D input or
    ``(entities, weeks, max_age + 1)`` for 2-D input; each row sums to the closing stock.
    Sell-out larger than the stock on hand raises.

    >>> fifo_age_profile([10, 0, 5], [4, 3, 2]).tolist()
    [[6.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0], [5.0, 0.0, 1.0, 0.0]]
    """
    r = ck.array(receipts, "receipts", nonneg=True, ndim=(1, 2))
    s = ck.array(sell_out, "sell_out", nonneg=True, ndim=(1, 2))
    ck.same_shape(r, s, "receipts", "sell_out")
    one_d = r.ndim == 1
    r2, s2 = np.atleast_2d(r), np.atleast_2d(s)
    rows, weeks = r2.shape
    if max_age is None:
        extra = 0 if opening_age_profile is None else np.shape(opening_age_profile)[-1]
        max_age = weeks + extra
    top = ck.integer(max_age, "max_age")
    coh = _opening(opening_age_profile, rows, top)
    out = np.empty((rows, weeks, top + 1))
    for t in range(weeks):
        coh[:, top] += coh[:, top - 1]
        coh[:, 1:top] = coh[:, : top - 1].copy()
        coh[:, 0] = r2[:, t]
        demand = s2[:, t]
        stock = coh.sum(axis=1)
        short = demand > stock * (1 + ck.GUARD) + ck.GUARD
        if short.any():
            row = int(np.flatnonzero(short)[0])
            where = f"week {t}" if one_d else f"row {row}, week {t}"
            raise ValueError(
                f"'sell_out' ({demand[row]:g} cases) exceeds the stock on hand ({stock[row]:g}) "
                f"in {where}: check receipts, opening stock and sell-out."
            )
        rev = coh[:, ::-1]
        left = np.clip(np.cumsum(rev, axis=1) - demand[:, None], 0.0, rev)
        coh = left[:, ::-1].copy()
        out[:, t] = coh
    return out[0] if one_d else out


def age_bucket_names(bucket_edges: tuple[int, ...] = AGE_BUCKET_EDGES) -> list[str]:
    """Column names of the age buckets (§2.9): ``age_00_04, …, age_27_plus`` for the default edges.

    >>> age_bucket_names()
    ['age_00_04', 'age_05_08', 'age_09_13', 'age_14_26', 'age_27_plus']
    """
    edges = _edges(bucket_edges)
    names = [f"age_{lo:02d}_{hi - 1:02d}" for lo, hi in itertools.pairwise(edges)]
    return [*names, f"age_{edges[-1]:02d}_plus"]


def _edges(bucket_edges: Any) -> tuple[int, ...]:
    edges = tuple(ck.integer(e, "bucket_edges", minimum=0) for e in bucket_edges)
    if not edges or edges[0] != 0 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(
            "'bucket_edges' must start at 0 and increase strictly, e.g. (0, 5, 9, 14, 27)."
        )
    return edges


def age_buckets(profile: Any, bucket_edges: tuple[int, ...] = AGE_BUCKET_EDGES) -> np.ndarray:
    """Sum a by-age profile (last axis = age in weeks) into age buckets (cases; SPEC §2.9).

    The last column of ``profile`` is read as "this age or older".

    >>> age_buckets([1, 1, 1, 1, 1, 2, 0, 0, 0, 3, 0, 0, 0, 0, 4], (0, 5, 9, 14)).tolist()
    [5.0, 2.0, 3.0, 4.0]
    """
    p = ck.array(profile, "profile", nonneg=True, ndim=(1, 2, 3))
    edges = _edges(bucket_edges)
    n_age = p.shape[-1]
    cols = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        if lo >= n_age:
            cols.append(np.zeros(p.shape[:-1]))
        else:
            cols.append(p[..., lo:hi].sum(axis=-1))
    return np.stack(cols, axis=-1)


def fifo_age_buckets(
    receipts: Any,
    sell_out: Any,
    opening_age_profile: Any = None,
    bucket_edges: tuple[int, ...] = AGE_BUCKET_EDGES,
) -> pd.DataFrame:
    """Reference FIFO stock ageing: the public age buckets per week (cases; SPEC §2.9).

    Buckets are weeks since receipt 0–4, 5–8, 9–13, 14–26 and 27+ (columns
    ``age_00_04 … age_27_plus``, as in ``customer_inventory``); one row per week, summing to
    that week's closing stock. See :func:`fifo_age_profile` for the ageing rule.

    >>> b = fifo_age_buckets([100] + [0] * 9, [10] * 10)
    >>> b.iloc[[0, 5, 9]].to_dict("list")   # doctest: +NORMALIZE_WHITESPACE
    {'age_00_04': [90.0, 0.0, 0.0], 'age_05_08': [0.0, 40.0, 0.0],
     'age_09_13': [0.0, 0.0, 0.0], 'age_14_26': [0.0, 0.0, 0.0], 'age_27_plus': [0.0, 0.0, 0.0]}
    """
    edges = _edges(bucket_edges)
    ck.array(receipts, "receipts", ndim=(1,))  # 1-D only: use fifo_age_profile for 2-D
    prof = fifo_age_profile(receipts, sell_out, opening_age_profile, max_age=edges[-1])
    index = receipts.index if isinstance(receipts, pd.Series) else None
    return pd.DataFrame(age_buckets(prof, edges), columns=age_bucket_names(edges), index=index)


def _older_than(cases_by_age: Any, limit: float) -> Any:
    p = ck.array(cases_by_age, "cases_by_age", nonneg=True, ndim=(1, 2))
    ages = np.arange(p.shape[-1])
    old = np.asarray(ck.above(ages, limit), dtype=bool)
    out = p[..., old].sum(axis=-1)
    return float(out) if p.ndim == 1 else out


def aged_stock(cases_by_age: Any, shelf_life_weeks: float, fraction: float = 1 / 3) -> Any:
    """Aged stock: cases older than ⅓ of shelf life (cases; SPEC §2.9 retail acceptance).

    ``cases_by_age`` is indexed by age in weeks (last axis), e.g. one week of
    :func:`fifo_age_profile`. For a 39-week shelf life "aged" means age ≥ 14 weeks.

    >>> aged_stock([0] * 14 + [5, 7], shelf_life_weeks=39)
    12.0
    """
    life = ck.scalar(shelf_life_weeks, "shelf_life_weeks", positive=True)
    frac = ck.fraction(fraction, "fraction")
    return _older_than(cases_by_age, frac * life)


def clearance_liability(
    cases_by_age: Any,
    shelf_life_weeks: float,
    list_price_case: float,
    clearance_pct: float = 0.40,
) -> Any:
    """Clearance liability ``= cases older than ½ shelf life × list price × clearance %`` (RMB).

    SPEC §2.9 (``trade_terms.aged_stock_clearance_pct``, 40% by default).

    >>> clearance_liability([0] * 20 + [100], shelf_life_weeks=39, list_price_case=60)
    2400.0
    """
    life = ck.scalar(shelf_life_weeks, "shelf_life_weeks", positive=True)
    price = ck.scalar(list_price_case, "list_price_case", nonneg=True)
    pct = ck.fraction(clearance_pct, "clearance_pct")
    return _older_than(cases_by_age, life / 2.0) * price * pct
