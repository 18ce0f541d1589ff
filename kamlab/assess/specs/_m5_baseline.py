"""M5-T1 grading helpers: which promo weeks are graded, and the pooled WMAPE credit.

The trainee's ``estimate_baseline(series, promo_flags)`` is called once per promoted
(account, SKU) series of a world; it returns a baseline for every week. The score compares
those baselines with the world's expected baseline ``truth_baseline.expected_baseline_units``
(λ of SPEC §3.3, before noise) on the **graded promo weeks** and pools the absolute errors
of all series of the trainee's worlds into one WMAPE (``Σ |B̂ − λ| / Σ λ``): full marks at
≤ 0.15, half marks at ≤ 0.25.

**Graded weeks** (the grain where a baseline is estimable from one series):

- series of key accounts in the MT channels HYPER, SUPER and CVS (EC promotions sit on
  platform festivals whose demand spike is part of λ);
- a promo week ``t`` of a promotion run ``[s, e]`` (a maximal run of promo weeks) such that
  the calendar has no event in week ``t``, there is no Spring Festival week in
  ``[s − 8, e + 8]`` (festival demand is part of λ, an event index is not asked for), the
  run's pre+post window ``[s − 8, s − 2] ∪ [e + 3, e + 8]`` holds at least 4 *clean* weeks
  (neither promo weeks nor one of the 2 weeks after a promo week), the SKU is past its launch
  ramp (``launch_week + 8 ≤ s − 8``) and ``λ > 0``.

**Pooled credit.** The judge scores each case (series) on its own and averages the credits,
so each case's credit is made linear in its absolute error: with ``n`` graded series and
``Λ = Σ λ`` over every graded week of the trainee's worlds,
``credit_i = 1 − n × E_i / (K × Λ)`` (``E_i`` = the series' absolute error, ``K`` =
:data:`CREDIT_SCALE`). The mean credit is then exactly ``1 − WMAPE_pooled / K``, and the
scoring thresholds are ``1 − 0.15/K`` (full) and ``1 − 0.25/K`` (half). A credit can only
clip at 0 when one series' error alone exceeds ``K/n`` of ``Λ`` — then the pooled WMAPE is
above 0.25 anyway, so clipping never changes a score.

``python -m kamlab.assess.specs._m5_measure 300`` measures how often the notebook's reference
solution passes over many worlds (the figures quoted in the rubric).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CREDIT_SCALE",
    "FULL_WMAPE",
    "HALF_WMAPE",
    "MT_CHANNELS",
    "BaselineSeries",
    "baseline_series",
    "graded_weeks",
    "pooled_wmape",
    "promo_runs",
    "series_wmape",
]

MT_CHANNELS = ("HYPER", "SUPER", "CVS")
FULL_WMAPE = 0.15
HALF_WMAPE = 0.25
CREDIT_SCALE = 10.0
PRE, POST = (8, 2), (3, 8)
MIN_CLEAN = 4
DIP_WEEKS = 2
RAMP_WEEKS = 8


@dataclass(frozen=True)
class BaselineSeries:
    """One promoted (account, SKU) series: what the trainee gets and what is graded."""

    account_id: str
    sku_id: str
    units: list[int]  # sell_out.units_sold, week 0 … T−1
    flags: list[bool]  # sell_out.promo_flag
    truth: np.ndarray  # expected_baseline_units per week
    graded: np.ndarray  # bool per week


def promo_runs(flags: Any) -> list[tuple[int, int]]:
    """Maximal runs ``(start, end)`` (inclusive) of True in ``flags``.

    >>> promo_runs([False, True, True, False, True])
    [(1, 2), (4, 4)]
    """
    p = np.asarray(flags, dtype=bool)
    out: list[tuple[int, int]] = []
    t, n = 0, p.size
    while t < n:
        if p[t]:
            s = t
            while t + 1 < n and p[t + 1]:
                t += 1
            out.append((s, t))
        t += 1
    return out


def _clean(p: np.ndarray) -> np.ndarray:
    bad = p.copy()
    for i in np.flatnonzero(p):
        bad[i + 1 : i + 1 + DIP_WEEKS] = True
    return ~bad


def graded_weeks(
    flags: Any,
    truth: Any,
    *,
    event_week: Any,
    festival_week: Any,
    launch_week: int = -1,
) -> np.ndarray:
    """The graded promo weeks of one series (module docstring), as a boolean mask."""
    p = np.asarray(flags, dtype=bool)
    lam = np.asarray(truth, dtype=float)
    ev = np.asarray(event_week, dtype=bool)
    sf = np.asarray(festival_week, dtype=bool)
    n = p.size
    clean = _clean(p)
    out = np.zeros(n, dtype=bool)
    for s, e in promo_runs(p):
        win = np.zeros(n, dtype=bool)
        win[max(0, s - PRE[0]) : max(0, s - PRE[1] + 1)] = True
        win[min(n, e + POST[0]) : min(n, e + POST[1] + 1)] = True
        if (win & clean).sum() < MIN_CLEAN:
            continue
        if sf[max(0, s - 8) : e + 9].any():
            continue
        if launch_week >= 0 and s - 8 < launch_week + RAMP_WEEKS:
            continue
        out[s : e + 1] = True
    return out & ~ev & (lam > 0) & np.isfinite(lam)


def baseline_series(world: Any) -> list[BaselineSeries]:
    """Every MT key-account series of ``world`` with at least one graded promo week."""
    acc = world.accounts
    mt = acc[
        (acc["account_type"].astype(str) == "KA") & acc["channel"].astype(str).isin(MT_CHANNELS)
    ]
    accounts = set(mt["account_id"].astype(str))
    cal = world.calendar.sort_values("week_id")
    code = cal["event_code"].astype(object).to_numpy()
    event_week = np.array([isinstance(c, str) for c in code])
    festival_week = np.array([c == "SPRING_FESTIVAL" for c in code])
    launch = dict(
        zip(
            world.products["sku_id"].astype(str),
            world.products["launch_week"].astype(int),
            strict=True,
        )
    )
    so = world.sell_out
    so = so[so["account_id"].astype(str).isin(accounts)]
    tb = world.truth_baseline
    tb = tb[tb["account_id"].astype(str).isin(accounts)]
    lam = pd.Series(
        tb["expected_baseline_units"].to_numpy(float),
        index=pd.MultiIndex.from_arrays(
            [tb["account_id"].astype(str), tb["sku_id"].astype(str), tb["week_id"].astype(int)]
        ),
    )
    T = len(cal)
    out = []
    keys = [so["account_id"].astype(str), so["sku_id"].astype(str)]
    for (a, s), g in so.groupby(keys, sort=True):
        g = g.sort_values("week_id")
        if len(g) != T or not g["promo_flag"].any():
            continue
        weeks = g["week_id"].astype(int).to_numpy()
        truth = lam.reindex(pd.MultiIndex.from_arrays([[a] * T, [s] * T, weeks])).to_numpy()
        flags = g["promo_flag"].astype(bool).to_numpy()
        graded = graded_weeks(
            flags,
            truth,
            event_week=event_week[weeks],
            festival_week=festival_week[weeks],
            launch_week=launch.get(s, -1),
        )
        if graded.any():
            out.append(
                BaselineSeries(
                    a,
                    s,
                    [int(x) for x in g["units_sold"].to_numpy()],
                    [bool(x) for x in flags],
                    truth,
                    graded,
                )
            )
    return out


def _values(answer: Any, n: int) -> np.ndarray | None:
    """The answer as n floats (list, tuple, array or Series), else None."""
    if isinstance(answer, pd.Series):
        answer = answer.tolist()
    if not isinstance(answer, list | tuple) or len(answer) != n:
        return None
    out = np.empty(n)
    for i, v in enumerate(answer):
        if type(v) not in (int, float):
            return None
        out[i] = float(v)
    return out


def series_error(answer: Any, truth: list[float | None]) -> tuple[float, float] | str:
    """``(Σ |B̂ − λ|, Σ λ)`` over the graded weeks (``truth`` None elsewhere), or a reason."""
    b = _values(answer, len(truth))
    if b is None:
        return "wrong_shape"
    idx = [i for i, v in enumerate(truth) if v is not None]
    lam = np.array([truth[i] for i in idx], dtype=float)
    est = b[idx]
    if not np.isfinite(est).all():
        return "wrong_value"
    return float(np.abs(est - lam).sum()), float(lam.sum())


def series_wmape(answer: Any, truth: list[float | None]) -> float:
    """WMAPE of one series over its graded weeks (∞ when the answer is unusable)."""
    r = series_error(answer, truth)
    if isinstance(r, str):
        return math.inf
    return r[0] / r[1]


def pooled_wmape(answers: list[Any], series: list[BaselineSeries]) -> float:
    """``Σ |B̂ − λ| / Σ λ`` over the graded weeks of all ``series``."""
    err = tot = 0.0
    for ans, s in zip(answers, series, strict=True):
        b = np.asarray(ans, dtype=float)
        err += float(np.abs(b[s.graded] - s.truth[s.graded]).sum())
        tot += float(s.truth[s.graded].sum())
    return err / tot
