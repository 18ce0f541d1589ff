"""Forecast accuracy (SPEC §2.8). Error ``e = F − A`` (positive = over-forecast).

State the lag (default lag-2 weeks) and level (account × SKU × week for operations,
account × period for reviews) of every figure you report.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kamlab.metrics import _checks as ck
from kamlab.metrics._series import trailing_sum

__all__ = [
    "forecast_accuracy",
    "forecast_bias",
    "mape",
    "tracking_signal",
    "wmape",
]


def _pair(actual: Any, forecast: Any, ndim: tuple[int, ...] = (1,)) -> tuple[np.ndarray, ...]:
    a = ck.array(actual, "actual", nonneg=True, ndim=ndim)
    f = ck.array(forecast, "forecast", nonneg=True, ndim=ndim)
    ck.same_shape(a, f, "actual", "forecast")
    return a, f


def wmape(actual: Any, forecast: Any) -> float:
    """Weighted MAPE (WAPE) ``= Σ|F − A| / ΣA`` (fraction; the headline accuracy, §2.8).

    Worked example of §2.8:

    >>> wmape([100, 200, 50, 150], [120, 180, 80, 150])
    0.14
    """
    a, f = _pair(actual, forecast)
    return ck.ratio(float(np.abs(f - a).sum()), float(a.sum()), "actual", "WMAPE")


def mape(actual: Any, forecast: Any) -> float:
    """MAPE ``= mean(|F − A| / A)`` over weeks with A > 0 (fraction; SPEC §2.8).

    Undefined at A = 0 (those weeks are skipped) and biased toward low-volume items.

    >>> round(mape([100, 200, 50, 150], [120, 180, 80, 150]), 6)
    0.225
    """
    a, f = _pair(actual, forecast)
    pos = a > 0
    if not pos.any():
        raise ValueError("'actual' has no value above 0, so MAPE is undefined: use WMAPE.")
    return float((np.abs(f[pos] - a[pos]) / a[pos]).mean())


def forecast_bias(actual: Any, forecast: Any) -> float:
    """Forecast bias ``= Σ(F − A) / ΣA`` (fraction; + = over-forecast; SPEC §2.8).

    >>> round(forecast_bias([100, 200, 50, 150], [120, 180, 80, 150]), 6)
    0.06
    """
    a, f = _pair(actual, forecast)
    return ck.ratio(float((f - a).sum()), float(a.sum()), "actual", "the bias")


def forecast_accuracy(actual: Any, forecast: Any) -> float:
    """Forecast accuracy ``FA = max(0, 1 − WMAPE)`` (fraction; SPEC §2.8).

    >>> round(forecast_accuracy([100, 200, 50, 150], [120, 180, 80, 150]), 6)
    0.86
    """
    return max(0.0, 1.0 - wmape(actual, forecast))


def tracking_signal(actual: Any, forecast: Any, window: int = 13) -> Any:
    """Rolling tracking signal ``TS_t = Σe / MAD`` over the last ``window`` weeks (SPEC §2.8).

    ``MAD`` = mean |e| over the same weeks; before week ``window`` the sums run over the weeks
    available. ``|TS| > 4`` = biased. When every error in the window is 0, ``TS = 0`` (no
    bias; Σe is then 0 too). Accepts 1-D series or entities × weeks 2-D arrays; a Series
    input gives a Series back.

    With the §2.8 example the 4-week signal ends at Σe / MAD = 30 / 17.5:

    >>> ts = tracking_signal([100, 200, 50, 150], [120, 180, 80, 150])
    >>> ts.round(3).tolist()
    [1.0, 0.0, 1.286, 1.714]
    """
    a, f = _pair(actual, forecast, ndim=(1, 2))
    w = ck.integer(window, "window")
    e = f - a
    sum_e, count = trailing_sum(e, w)
    sum_abs, _ = trailing_sum(np.abs(e), w)
    out = np.zeros_like(sum_e)
    np.divide(sum_e * count, sum_abs, out=out, where=sum_abs > 0)
    return ck.like(out, actual, "tracking_signal")
