"""M6 evenness monitor 销售均衡 (SPEC §2.11) with the month-end push re-timing of §3.11.

Weekly sell-in (``sell_in.cases_shipped``) is summed per KA manager (the owner in
``accounts.kam_id``) × week. For every manager × fiscal period: last-week share
``LWS = x_n / Σx`` and the normalised Gini ``G* = G × n/(n−1)``
(:func:`kamlab.metrics.evenness`), and the month-end push flag over the trailing 6 periods
(:func:`kamlab.metrics.month_end_push_flag`: median LWS > 0.40 for 4-week / 0.35 for 5-week
periods, or median G* > 0.40).

**Push re-timing** (the MONTH_END_PUSH knob): in each chosen period of one manager, the last week
gets ``push_share`` of the period's sell-in and the other weeks share the rest equally; the
period total is unchanged. Because every account of the manager is re-timed with the same
fractions, re-timing the manager's total is the same as re-timing each account and adding up:
the re-timed periods get LWS = ``push_share`` exactly (G* = 0.6 for 0.7 in a 4-week period).
``push_share = 0`` leaves the sales as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m6_common import pair_matrix, periods

__all__ = [
    "EvennessView",
    "evenness_by_period",
    "evenness_monitor",
    "kam_period_table",
    "retime_month_end",
]


@dataclass
class _Ctx:
    kams: list[str]
    names: dict[str, str]
    weekly: np.ndarray  # (K, T) sell-in cases
    lws: np.ndarray  # (K, P)
    gstar: np.ndarray  # (K, P)


def evenness_by_period(weekly: np.ndarray, world: Any) -> tuple[np.ndarray, np.ndarray]:
    """LWS and G* per row × fiscal period of a (rows × weeks) array (NaN where a period sums
    to 0), computed with :func:`kamlab.metrics.evenness` on each period-length group."""
    per = periods(world)
    x = np.asarray(weekly, dtype=float)
    K, P = x.shape[0], len(per.keys)
    lws, gst = np.full((K, P), np.nan), np.full((K, P), np.nan)
    for n in np.unique(per.n_weeks):
        ps = np.flatnonzero(per.n_weeks == n)
        cols = per.first_week[ps][:, None] + np.arange(n)[None, :]  # (Pn, n)
        block = x[:, cols].reshape(K * len(ps), n)
        ok = block.sum(axis=1) > 0
        if ok.any():
            ev = km.evenness(block[ok])
            lv = np.full(K * len(ps), np.nan)
            gv = np.full(K * len(ps), np.nan)
            lv[ok], gv[ok] = ev.lws, ev.gini_norm
            lws[:, ps] = lv.reshape(K, len(ps))
            gst[:, ps] = gv.reshape(K, len(ps))
    return lws, gst


def _build(world: Any) -> _Ctx:
    T = len(world.calendar)
    acc = world.accounts
    owner = dict(zip(acc.account_id.astype(str), acc.kam_id.astype(str), strict=True))
    kams = sorted(set(owner.values()))
    row = {k: i for i, k in enumerate(kams)}
    si = world.sell_in
    r = si.account_id.astype(str).map(owner).map(row).fillna(-1).to_numpy(dtype=np.int64)
    weekly = pair_matrix(si, r, "cases_shipped", len(kams), T)
    kam = world.kam
    names = dict(zip(kam.kam_id.astype(str), kam.name.astype(str), strict=True))
    lws, gst = evenness_by_period(weekly, world)
    return _Ctx(kams, names, weekly, lws, gst)


def _ctx(world: Any) -> _Ctx:
    return per_world(
        world, "m6.evenness", _build, tables=("calendar", "accounts", "sell_in", "kam")
    )


def retime_month_end(weekly: Any, first_week: Any, n_weeks: Any, push_share: float) -> np.ndarray:
    """Re-time periods as the MONTH_END_PUSH knob does (SPEC §3.11), keeping each total.

    ``weekly`` is one entity's weekly series; ``first_week``/``n_weeks`` list the periods to
    re-time. In each, the last week gets ``push_share`` of the total, the others
    ``(1 − push_share)/(n − 1)`` each.

    >>> retime_month_end([10, 20, 30, 40, 5], [0], [4], 0.7).tolist()
    [10.0, 10.0, 10.0, 70.0, 5.0]
    """
    x = np.array(weekly, dtype=float)
    share = float(push_share)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"'push_share' must be a fraction between 0 and 1; got {push_share!r}.")
    for f, n in zip(np.atleast_1d(first_week), np.atleast_1d(n_weeks), strict=True):
        f, n = int(f), int(n)
        if n < 2 or f < 0 or f + n > x.size:
            raise ValueError(f"The period starting at week {f} ({n} weeks) is outside the series.")
        tot = x[f : f + n].sum()
        x[f : f + n - 1] = tot * (1.0 - share) / (n - 1)
        x[f + n - 1] = tot * share
    return x


@dataclass(frozen=True)
class EvennessView:
    """Result of :func:`evenness_monitor`: KAM × period matrices and the chosen KAM's series."""

    kams: list[str]
    kam_names: list[str]
    period_keys: list[str]
    weeks_in_period: np.ndarray
    lws: np.ndarray  # (K, P), NaN where a KAM sold nothing in the period
    gstar: np.ndarray
    flags: np.ndarray  # (K, P) bool: month-end push flag (trailing 6 periods)
    kam_id: str
    push_share: float
    retimed: np.ndarray  # (P,) bool: periods re-timed for the chosen KAM
    weekly_recorded: np.ndarray  # (T,) the chosen KAM's sell-in
    weekly_shown: np.ndarray  # (T,) after re-timing


def _flags(lws: np.ndarray, gst: np.ndarray, n: np.ndarray) -> np.ndarray:
    ok = np.isfinite(lws) & np.isfinite(gst)
    f = km.month_end_push_flag(np.where(ok, lws, 0.0), np.where(ok, gst, 0.0), n)
    return np.asarray(f, dtype=bool) & ok


def evenness_monitor(
    world: Any,
    kam_id: str | None = None,
    push_share: float = 0.0,
    period_range: tuple[int, int] | None = None,
) -> EvennessView:
    """LWS / G* / push flags by KAM × period, with one KAM's periods optionally re-timed.

    ``period_range`` = (first, last) 1-based period numbers over the whole calendar (default:
    the last year's periods 4–12, the knob's default window); ``push_share = 0`` = no re-timing.
    """
    c = _ctx(world)
    per = periods(world)
    P = len(per.keys)
    kam = c.kams[0] if kam_id is None else str(kam_id)
    if kam not in c.kams:
        raise ValueError(f"'kam_id' {kam!r} owns no account: pick one of {', '.join(c.kams)}.")
    share = float(push_share)
    if not 0.0 <= share < 1.0:
        raise ValueError(f"'push_share' must be between 0 and 1; got {push_share!r}.")
    if period_range is None:
        last = per.years[-1]
        idx = np.flatnonzero(per.years == last)
        period_range = (int(idx[min(3, len(idx) - 1)]) + 1, int(idx[-1]) + 1)
    lo, hi = int(period_range[0]), int(period_range[1])
    if not 1 <= lo <= hi <= P:
        raise ValueError(
            f"'period_range' must lie within 1–{P} with first ≤ last; got {period_range}."
        )
    k = c.kams.index(kam)
    lws, gst = c.lws.copy(), c.gstar.copy()
    retimed = np.zeros(P, dtype=bool)
    shown = c.weekly[k].copy()
    if share > 0:
        ps = np.arange(lo - 1, hi)
        tot = np.bincount(per.week_period, weights=c.weekly[k], minlength=P)
        ps = ps[tot[ps] > 0]
        shown = retime_month_end(c.weekly[k], per.first_week[ps], per.n_weeks[ps], share)
        l1, g1 = evenness_by_period(shown[None, :], world)
        lws[k], gst[k] = l1[0], g1[0]
        retimed[ps] = True
    flags = _flags(lws, gst, per.n_weeks[None, :].repeat(len(c.kams), axis=0))
    return EvennessView(
        kams=list(c.kams),
        kam_names=[c.names.get(x, x) for x in c.kams],
        period_keys=list(per.keys),
        weeks_in_period=per.n_weeks.copy(),
        lws=lws,
        gstar=gst,
        flags=flags,
        kam_id=kam,
        push_share=share,
        retimed=retimed,
        weekly_recorded=c.weekly[k].copy(),
        weekly_shown=shown,
    )


def kam_period_table(view: EvennessView) -> pd.DataFrame:
    """The view as a long table: ``kam_id, period_key, lws, gini_norm, push_flag``."""
    K, P = view.lws.shape
    return pd.DataFrame(
        {
            "kam_id": np.repeat(view.kams, P),
            "period_key": np.tile(view.period_keys, K),
            "lws": view.lws.ravel(),
            "gini_norm": view.gstar.ravel(),
            "push_flag": view.flags.ravel(),
        }
    )
