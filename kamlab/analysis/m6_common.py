"""Shared helpers of the M6 models: the per-world cache, calendar arrays and pair matrices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.analysis._cache import per_world
from kamlab.analysis.m5_common import cached, model_param

__all__ = ["Periods", "cached", "model_param", "pair_matrix", "periods"]


@dataclass(frozen=True)
class Periods:
    """The fiscal calendar as arrays: one entry per week and per period (in time order)."""

    week_period: np.ndarray  # (T,) period index of each week
    keys: list[str]  # period keys, e.g. "FY2024-P03"
    years: np.ndarray  # (P,) fiscal year of each period
    first_week: np.ndarray  # (P,)
    n_weeks: np.ndarray  # (P,) 4 or 5
    week_year: np.ndarray  # (T,) fiscal year of each week


def _periods(world: Any) -> Periods:
    cal = world.calendar.sort_values("week_id")
    pk = cal.period_key.astype(str).to_numpy()
    change = np.r_[True, pk[1:] != pk[:-1]]
    idx = np.cumsum(change) - 1
    first = np.flatnonzero(change)
    n = np.diff(np.r_[first, len(pk)])
    return Periods(
        week_period=idx,
        keys=[str(k) for k in pk[first]],
        years=cal.fiscal_year.to_numpy()[first].astype(int),
        first_week=first,
        n_weeks=n,
        week_year=cal.fiscal_year.to_numpy().astype(int),
    )


def periods(world: Any) -> Periods:
    """The cached :class:`Periods` of ``world``'s calendar."""
    return per_world(world, "m6.periods", _periods, tables=("calendar",))


def pair_matrix(df: pd.DataFrame, rows: Any, value: str, n_rows: int, T: int) -> np.ndarray:
    """Sum ``df[value]`` into an (n_rows × T) array at (``rows``, ``df.week_id``); 0 elsewhere."""
    out = np.zeros((n_rows, T), dtype=float)
    r = np.asarray(rows, dtype=np.int64)
    wk = df.week_id.to_numpy(dtype=np.int64)
    ok = (r >= 0) & (wk >= 0) & (wk < T)
    np.add.at(out, (r[ok], wk[ok]), df[value].to_numpy(dtype=float)[ok])
    return out
