"""Sell-in vs sell-out: channel-stuffing (压货) signals (SPEC §2.10).

Weekly series in cases run along the last axis: 1-D = one entity, 2-D = entities × weeks.
Flag arrays are boolean, one value per week; a Series input gives a Series back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kamlab.metrics import _checks as ck
from kamlab.metrics._series import longest_run as _longest_run
from kamlab.metrics._series import previous_sum, runs_at_least, trailing_sum

__all__ = [
    "digest_weeks",
    "longest_run",
    "pipeline_build",
    "sell_in_sell_out_ratio",
    "sell_in_spike",
    "stuffing_flags",
]


def _si_so(sell_in: Any, sell_out: Any) -> tuple[np.ndarray, np.ndarray]:
    si = ck.array(sell_in, "sell_in", nonneg=True, ndim=(1, 2))
    so = ck.array(sell_out, "sell_out", nonneg=True, ndim=(1, 2))
    ck.same_shape(si, so, "sell_in", "sell_out")
    return si, so


def pipeline_build(sell_in: Any, sell_out: Any) -> float:
    """Pipeline build ``ΔInv = Σ SI − Σ SO`` (cases; > 0 = stock building up; SPEC §2.10).

    >>> pipeline_build([1200, 1500, 900], [1000, 1000, 1000])
    600.0
    """
    si, so = _si_so(sell_in, sell_out)
    return float(si.sum() - so.sum())


def sell_in_sell_out_ratio(sell_in: Any, sell_out: Any, window: int = 13) -> Any:
    """Rolling ratio ``R_k = Σ_{last k weeks} SI / Σ_{last k weeks} SO`` (SPEC §2.10).

    ``R_13 > 1.5`` is the ratio half of the default stuffing flag. Before week ``k`` the
    sums run over the weeks available. Like weeks of cover (§2.9), a window without sell-out
    gives ``∞`` when goods were shipped in and ``0`` when nothing moved.

    >>> sell_in_sell_out_ratio([100, 300, 200], [100, 100, 100], window=2).tolist()
    [1.0, 2.0, 2.5]
    """
    si, so = _si_so(sell_in, sell_out)
    w = ck.integer(window, "window")
    num, _ = trailing_sum(si, w)
    den, _ = trailing_sum(so, w)
    out = np.where(num > 0, np.inf, 0.0)
    with np.errstate(over="ignore"):  # sell-in over near-zero sell-out: ratio is (near) ∞
        np.divide(num, den, out=out, where=den > 0)
    return ck.like(out, sell_in, f"r_{w}")


def stuffing_flags(
    woc: Any,
    target_woc: Any,
    margin: float = 4,
    min_run: int = 4,
    *,
    ratio: Any = None,
    ratio_limit: float = 1.5,
) -> Any:
    """Default stuffing flag (SPEC §2.10): ``WOC_t > target_woc + 4`` for ≥ 4 consecutive weeks.

    Every week of a qualifying run is flagged. With ``ratio`` (e.g. the 13-week
    :func:`sell_in_sell_out_ratio`) weeks with ``R > 1.5`` are flagged as well (the "OR" of
    the spec). ``target_woc`` is a number, one value per week, or (2-D) one value per row.
    Comparisons use the §0.2 guard.

    >>> woc = [3, 9, 9, 9, 9, 3, 9, 9, 3]
    >>> stuffing_flags(woc, target_woc=2.5).astype(int).tolist()
    [0, 1, 1, 1, 1, 0, 0, 0, 0]
    """
    w = ck.array(woc, "woc", nonneg=True, ndim=(1, 2), allow_inf=True)
    target = ck.broadcast(target_woc, w, "target_woc", "woc", nonneg=True)
    m = ck.scalar(margin, "margin", nonneg=True)
    run = ck.integer(min_run, "min_run")
    flags = runs_at_least(np.asarray(ck.above(w, target + m), dtype=bool).reshape(w.shape), run)
    if ratio is not None:
        r = ck.array(ratio, "ratio", nonneg=True, ndim=(1, 2), allow_inf=True)
        ck.same_shape(r, w, "ratio", "woc")
        flags |= np.asarray(ck.above(r, ck.scalar(ratio_limit, "ratio_limit")), dtype=bool)
    return ck.like(flags, woc, "stuffing_flag")


def sell_in_spike(
    sell_in: Any,
    sell_out: Any,
    factor: float = 2.0,
    trailing: int = 8,
    flat_tolerance: float = 0.2,
) -> Any:
    """Sell-in spike with flat sell-out (supporting evidence of stuffing, SPEC §2.10).

    Week t is flagged when ``SI_t > factor × mean(SI_{t−8..t−1})`` while sell-out stays flat:
    ``SO_t ≤ (1 + flat_tolerance) × mean(SO_{t−8..t−1})`` (the 20% band is a kamlab
    convention). Weeks with fewer than ``trailing`` weeks of history are never flagged.

    >>> si = [100] * 8 + [350, 100]
    >>> so = [100] * 8 + [105, 100]
    >>> sell_in_spike(si, so).astype(int).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> bool(sell_in_spike(si, [100] * 8 + [300, 100]).any())   # a real sell-out peak
    False
    """
    si, so = _si_so(sell_in, sell_out)
    k = ck.scalar(factor, "factor", positive=True)
    n = ck.integer(trailing, "trailing")
    tol = ck.scalar(flat_tolerance, "flat_tolerance", nonneg=True)
    si_prev, count = previous_sum(si, n)
    so_prev, _ = previous_sum(so, n)
    full = count >= n
    spike = np.asarray(ck.above(si * n, k * si_prev), dtype=bool).reshape(si.shape)
    flat = np.asarray(ck.at_most(so * n, (1 + tol) * so_prev), dtype=bool).reshape(si.shape)
    return ck.like(spike & flat & full, sell_in, "sell_in_spike")


def digest_weeks(sell_in: Any, min_run: int = 3, threshold: float = 0.0) -> Any:
    """Post-load "digest" weeks: orders ≈ 0 for ≥ 3 consecutive weeks (SPEC §2.10).

    A week counts as ≈ 0 when ``sell_in ≤ threshold`` (cases; default exactly 0). Every week of
    a qualifying run is flagged.

    >>> digest_weeks([500, 0, 0, 0, 80, 0, 0, 90]).astype(int).tolist()
    [0, 1, 1, 1, 0, 0, 0, 0]
    """
    si = ck.array(sell_in, "sell_in", nonneg=True, ndim=(1, 2))
    thr = ck.scalar(threshold, "threshold", nonneg=True)
    run = ck.integer(min_run, "min_run")
    flags = runs_at_least(np.asarray(ck.at_most(si, thr), dtype=bool).reshape(si.shape), run)
    return ck.like(flags, sell_in, "digest_week")


def longest_run(flags: Any) -> int:
    """Length of the longest run of True values in a 1-D flag array (weeks).

    Use it on :func:`stuffing_flags` or on a raw ``woc > target + 4`` test (SPEC §3.14 reports
    the longest run of WOC > target + 4).

    >>> longest_run([True, True, False, True, True, True])
    3
    """
    return _longest_run(ck.mask(flags, "flags"))
