"""Sales evenness 销售均衡 (SPEC §2.11): last-week share, Gini, CV and the month-end push flag.

For one entity (account / KAM / region) × fiscal period with weekly sell-in ``x_1..x_n``
(n = 4 or 5 in the 4-4-5 calendar).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from kamlab.metrics import _checks as ck

__all__ = [
    "LWS_LIMITS",
    "Evenness",
    "evenness",
    "evenness_frame",
    "gini",
    "month_end_push_flag",
]

LWS_LIMITS: Mapping[int, float] = {4: 0.40, 5: 0.35}
"""Month-end push limits on the median last-week share by period length (SPEC §2.11)."""


@dataclass(frozen=True)
class Evenness:
    """Evenness of one period's weekly sales (SPEC §2.11).

    ``lws`` last-week share (ideal 1/n), ``gini`` G, ``gini_norm`` G* = G × n/(n−1) ∈ [0, 1],
    ``cv`` population CV (max √(n−1)), ``evenness_index`` EI = 1 − G*, ``n`` weeks, and
    ``first_weeks_attainment`` = Σ_{i<n} x_i / T when a target T was given (else ``None``).
    For a 2-D input (periods × weeks) every field is an array with one value per period.
    """

    lws: Any
    gini: Any
    gini_norm: Any
    cv: Any
    evenness_index: Any
    n: int
    first_weeks_attainment: Any = None


def _gini_sorted(xs: np.ndarray, n: int, totals: np.ndarray) -> np.ndarray:
    coeff = 2.0 * np.arange(1, n + 1) - n - 1.0
    return (xs * coeff).sum(axis=-1) / (n * totals)


def gini(weekly: Any) -> Any:
    """Gini coefficient ``G = Σ_iΣ_j |x_i − x_j| / (2 n² x̄)`` of weekly sales (SPEC §2.11).

    >>> gini([10, 10, 10, 70])
    0.45
    """
    return evenness(weekly).gini


def evenness(weekly: Any, target: Any = None) -> Evenness:
    """Evenness metrics of one period (SPEC §2.11).

    ``LWS = x_n / Σx``; ``G = Σ_iΣ_j|x_i − x_j| / (2n²x̄)``; ``G* = G × n/(n−1)``;
    ``EI = 1 − G*``; ``CV = std_pop(x) / mean(x)``; first-(n−1)-weeks attainment
    ``= Σ_{i<n} x_i / T``. Pass a periods × weeks 2-D array for many periods of equal length.

    Worked example of §2.11 ([10, 10, 10, 70], T = 100):

    >>> e = evenness([10, 10, 10, 70], target=100)
    >>> e.lws, e.first_weeks_attainment, e.gini, round(e.gini_norm, 6), round(e.cv, 3)
    (0.7, 0.3, 0.45, 0.6, 1.039)
    >>> evenness([25, 25, 25, 25]).evenness_index
    1.0
    """
    x = ck.array(weekly, "weekly", nonneg=True, ndim=(1, 2))
    n = x.shape[-1]
    if n < 2:
        raise ValueError("'weekly' needs at least 2 weeks per period to measure evenness.")
    totals = x.sum(axis=-1)
    if (totals == 0).any():
        raise ValueError("'weekly' sums to 0 in a period, so its evenness is undefined.")
    g = _gini_sorted(np.sort(x, axis=-1), n, totals)
    g = np.clip(g, 0.0, None)
    g_norm = np.clip(g * n / (n - 1), 0.0, 1.0)
    mean = totals / n
    cv = np.sqrt(((x - mean[..., None]) ** 2).mean(axis=-1)) / mean
    fwa = None
    if target is not None:
        t = ck.broadcast(target, totals.reshape(-1), "target").reshape(totals.shape)
        if (t <= 0).any():
            raise ValueError("'target' must be greater than 0.")
        fwa = x[..., :-1].sum(axis=-1) / t
    out = [x[..., -1] / totals, g, g_norm, cv, 1.0 - g_norm]
    if x.ndim == 1:
        out = [float(v) for v in out]
        fwa = None if fwa is None else float(fwa)
    return Evenness(*out, n=n, first_weeks_attainment=fwa)


def evenness_frame(
    data: pd.DataFrame,
    by: str | Sequence[str],
    value: str = "cases_shipped",
    week: str = "week_id",
    target: str | None = None,
    empty: str = "raise",
) -> pd.DataFrame:
    """Evenness of every group (e.g. account × period) of a weekly table, vectorised (§2.11).

    ``data`` has one row per group × week (aggregate SKUs first); ``by`` names the group
    columns, ``value`` the weekly sales, ``week`` the ordering column. Returns one row per group
    with ``n, total, lws, gini, gini_norm, cv, evenness_index`` (and ``first_weeks_attainment``
    when a ``target`` column is named). Groups whose sales sum to 0 or that have one week raise,
    or are left out with ``empty="drop"``.

    >>> df = pd.DataFrame({"period": ["P1"] * 4 + ["P2"] * 5, "week_id": range(9),
    ...                    "cases_shipped": [10, 10, 10, 70, 20, 20, 20, 20, 20]})
    >>> evenness_frame(df, "period")[["period", "n", "lws", "gini_norm"]]
      period  n   lws  gini_norm
    0     P1  4  0.70        0.6
    1     P2  5  0.20        0.0
    """
    keys = [by] if isinstance(by, str) else list(by)
    needed = [*keys, value, week] + ([target] if target else [])
    df = ck.frame(data, "data", needed)
    if empty not in ("raise", "drop"):
        raise ValueError("'empty' must be 'raise' or 'drop'.")
    x_all = ck.array(df[value], f"data.{value}", nonneg=True)
    codes = df.groupby(keys, sort=True, observed=True, dropna=False).ngroup().to_numpy()
    order = np.lexsort((df[week].to_numpy(), codes))
    codes, x = codes[order], x_all[order]
    n_groups = int(codes.max()) + 1
    n = np.bincount(codes, minlength=n_groups)
    tot = np.bincount(codes, weights=x, minlength=n_groups)
    last = x[np.r_[np.flatnonzero(np.diff(codes)), codes.size - 1]]
    bad = (n < 2) | (tot == 0)
    first_rows = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    groups = df.iloc[order[first_rows]][keys].reset_index(drop=True)
    if bad.any() and empty == "raise":
        example = groups.iloc[int(np.flatnonzero(bad)[0])].to_dict()
        raise ValueError(
            f"'data' has {int(bad.sum())} group(s) with zero sales or a single week "
            f"(e.g. {example}): their evenness is undefined; pass empty='drop' to leave them out."
        )
    safe_tot = np.where(bad, 1.0, tot)
    safe_n = np.where(n < 2, 2, n)
    # Gini: sort values within each group and weight by (2i − n − 1).
    srt = np.lexsort((x, codes))
    xs = x[srt]
    rank = np.arange(codes.size) - first_rows[codes] + 1
    coeff = 2.0 * rank - n[codes] - 1.0
    g = np.bincount(codes, weights=xs * coeff, minlength=n_groups) / (safe_n * safe_tot)
    g = np.clip(g, 0.0, None)
    g_norm = np.clip(g * safe_n / (safe_n - 1), 0.0, 1.0)
    mean = safe_tot / safe_n
    dev2 = np.bincount(codes, weights=(x - mean[codes]) ** 2, minlength=n_groups)
    cv = np.sqrt(dev2 / np.maximum(n, 1)) / mean
    out = groups.assign(
        n=n,
        total=tot,
        lws=last / safe_tot,
        gini=g,
        gini_norm=g_norm,
        cv=cv,
        evenness_index=1.0 - g_norm,
    )
    if target:
        t = ck.array(df[target], f"data.{target}")[order][first_rows]
        if (t <= 0).any():
            raise ValueError(f"'data.{target}' must be greater than 0 in every group.")
        out["first_weeks_attainment"] = (tot - last) / t
    return out.loc[~bad].reset_index(drop=True) if bad.any() else out


def month_end_push_flag(
    lws_per_period: Any,
    gstar_per_period: Any,
    weeks_in_period: Any,
    trailing: int = 6,
    lws_limits: Mapping[int, float] | None = None,
    gini_limit: float = 0.40,
) -> Any:
    """Month-end push flag 月底冲量 per period (SPEC §2.11 default rule).

    For each period p (in time order), over the trailing 6 periods ending at p: flag when the
    median last-week share exceeds 0.40 (4-week periods) / 0.35 (5-week periods), or the
    median G* exceeds 0.40. With mixed 4/5-week periods the median is taken of each period's
    excess over its own limit (identical to the spec's rule when all periods have one length).
    Before 6 periods exist the window holds the periods available. Accepts 1-D (one entity)
    or 2-D (entities × periods) arrays; comparisons use the §0.2 guard.

    >>> lws = [0.25, 0.24, 0.70, 0.68, 0.71, 0.69]
    >>> gs = [0.10, 0.08, 0.60, 0.58, 0.61, 0.59]
    >>> month_end_push_flag(lws, gs, [4, 4, 5, 4, 4, 5]).astype(int).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    lws = ck.fractions(lws_per_period, "lws_per_period", scalar_ok=False)
    gst = ck.fractions(gstar_per_period, "gstar_per_period", scalar_ok=False)
    ck.same_shape(lws, gst, "lws_per_period", "gstar_per_period")
    n = ck.broadcast(weeks_in_period, lws, "weeks_in_period", "lws_per_period", nonneg=True)
    limits = dict(LWS_LIMITS if lws_limits is None else lws_limits)
    unknown = sorted(set(np.unique(n).tolist()) - set(limits))
    if unknown:
        raise ValueError(
            f"'weeks_in_period' has lengths {unknown} without an LWS limit: pass 4 or 5, or give "
            "'lws_limits' for them."
        )
    limit = np.select([n == k for k in limits], list(limits.values()))
    w = ck.integer(trailing, "trailing")
    excess = _trailing_median(lws - limit, w)
    g_med = _trailing_median(gst, w)
    flags = np.asarray(ck.above(excess, 0.0), dtype=bool).reshape(lws.shape) | np.asarray(
        ck.above(g_med, ck.fraction(gini_limit, "gini_limit")), dtype=bool
    ).reshape(lws.shape)
    return ck.like(flags, lws_per_period, "month_end_push")


def _trailing_median(x: np.ndarray, window: int) -> np.ndarray:
    pad = [(0, 0)] * (x.ndim - 1) + [(window - 1, 0)]
    padded = np.pad(x, pad, constant_values=np.nan)
    return np.nanmedian(sliding_window_view(padded, window, axis=-1), axis=-1)
