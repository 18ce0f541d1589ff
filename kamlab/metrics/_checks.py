"""Shared input coercion, validation and threshold helpers for :mod:`kamlab.metrics` (private).

Every public formula turns its inputs into numpy arrays or floats through these helpers, so
that bad input always fails the same way: a :class:`ValueError` whose sentence names the
argument, says what is wrong and how to fix it. No formula ever returns a silent NaN.

Threshold comparisons follow SPEC §0.2: ``x >= thr - 1e-9`` (:func:`at_least`), and the
mirror images :func:`above`, :func:`below`, :func:`at_most`, all with the same guard
:data:`GUARD`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

GUARD = 1e-9
"""The floating-point guard of SPEC §0.2 used by every threshold comparison."""


# ---------------------------------------------------------------------------------------------
# threshold comparisons (one place for the floating-point guard)


def _out(result: Any) -> Any:
    arr = np.asarray(result)
    return bool(arr) if arr.ndim == 0 else arr


def at_least(x: Any, threshold: Any) -> Any:
    """``x >= threshold`` with the §0.2 guard (``x >= thr - 1e-9``): bool or boolean array.

    >>> at_least(0.05 - 1e-12, 0.05), at_least([0.04, 0.05], 0.05).tolist()
    (True, [False, True])
    """
    return _out(np.asarray(x, dtype=float) >= np.asarray(threshold, dtype=float) - GUARD)


def above(x: Any, threshold: Any) -> Any:
    """``x > threshold`` with the §0.2 guard (``x > thr + 1e-9``): float noise never crosses it.

    >>> above(0.05 + 1e-12, 0.05), above(0.0501, 0.05)
    (False, True)
    """
    return _out(np.asarray(x, dtype=float) > np.asarray(threshold, dtype=float) + GUARD)


def below(x: Any, threshold: Any) -> Any:
    """``x < threshold`` with the guard: exactly ``not at_least(x, threshold)``."""
    return _out(np.asarray(x, dtype=float) < np.asarray(threshold, dtype=float) - GUARD)


def at_most(x: Any, threshold: Any) -> Any:
    """``x <= threshold`` with the guard: exactly ``not above(x, threshold)``."""
    return _out(np.asarray(x, dtype=float) <= np.asarray(threshold, dtype=float) + GUARD)


# ---------------------------------------------------------------------------------------------
# coercion


def _positions(bad: np.ndarray, limit: int = 3) -> str:
    idx = np.flatnonzero(bad.ravel())[:limit]
    more = " …" if bad.sum() > limit else ""
    return ", ".join(str(int(i)) for i in idx) + more


def _finite(arr: np.ndarray, name: str, allow_inf: bool = False) -> None:
    if arr.size and not np.isfinite(arr).all():
        if allow_inf and not (np.isnan(arr) | (arr == -np.inf)).any():
            return
        nan = np.isnan(arr)
        if nan.any():
            raise ValueError(
                f"'{name}' has missing values (NaN) at position(s) {_positions(nan)}: "
                "fill or drop them before computing the metric."
            )
        raise ValueError(
            f"'{name}' has infinite values at position(s) {_positions(~np.isfinite(arr))}: "
            "pass finite numbers."
        )


def _to_float_array(values: Any, name: str) -> np.ndarray:
    if values is None:
        raise ValueError(f"'{name}' is missing (None): pass a list, numpy array or pandas Series.")
    if isinstance(values, (str, bytes)):
        raise ValueError(f"'{name}' is text ({values!r}): pass numbers.")
    if isinstance(values, Mapping):
        raise ValueError(
            f"'{name}' is a mapping: pass a list, numpy array or pandas Series of numbers."
        )
    try:
        if isinstance(values, (pd.Series, pd.Index)):
            return values.to_numpy(dtype=float, na_value=np.nan)
        if isinstance(values, pd.DataFrame):
            return values.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"'{name}' must hold numbers only ({exc}).") from None


def array(
    values: Any,
    name: str,
    *,
    nonneg: bool = False,
    scalar_ok: bool = False,
    ndim: tuple[int, ...] = (1,),
    allow_empty: bool = False,
    allow_inf: bool = False,
) -> np.ndarray:
    """A float array from a list / ndarray / Series, checked for shape, NaN, inf and sign.

    ``scalar_ok`` turns a single number into a one-element array; ``ndim`` lists the allowed
    dimensions (most formulas take 1-D series; some also accept entities × weeks 2-D arrays).
    ``allow_inf`` lets +∞ through (weeks of cover is ∞ with stock and no sales, SPEC §2.9).
    """
    arr = _to_float_array(values, name)
    if arr.ndim == 0:
        if not scalar_ok:
            raise ValueError(
                f"'{name}' is a single number: pass a list, numpy array or pandas Series."
            )
        arr = arr.reshape(1)
    if arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"'{name}' is {arr.ndim}-D: pass a {want} array.")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"'{name}' is empty: pass at least one value.")
    _finite(arr, name, allow_inf)
    if nonneg and (arr < 0).any():
        bad = arr < 0
        first = arr.ravel()[np.flatnonzero(bad.ravel())[0]]
        raise ValueError(
            f"'{name}' has negative values (e.g. {first:g} at position(s) {_positions(bad)}): "
            "volumes and amounts are stored as positive numbers (SPEC §0.2)."
        )
    return arr


def mask(values: Any, name: str, *, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """A boolean array from booleans or 0/1 numbers; missing values raise."""
    if isinstance(values, (pd.Series, pd.Index)) and values.isna().any():
        raise ValueError(
            f"'{name}' has missing values at position(s) "
            f"{_positions(values.isna().to_numpy())}: use True/False for every row."
        )
    raw = np.asarray(values)
    if raw.dtype == bool:
        arr = raw
    else:
        num = array(values, name, ndim=ndim, allow_empty=True, scalar_ok=raw.ndim == 0)
        if not np.isin(num, (0.0, 1.0)).all():
            raise ValueError(f"'{name}' must hold True/False (or 1/0) values only.")
        arr = num.astype(bool)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim not in ndim:
        raise ValueError(f"'{name}' is {arr.ndim}-D: pass a 1-D list of True/False values.")
    if arr.size == 0:
        raise ValueError(f"'{name}' is empty: pass at least one value.")
    return arr


def scalar(
    value: Any,
    name: str,
    *,
    nonneg: bool = False,
    positive: bool = False,
    nonzero: bool = False,
) -> float:
    """A finite float, optionally ≥ 0, > 0 or ≠ 0."""
    if isinstance(value, (str, bytes)) or value is None:
        raise ValueError(f"'{name}' must be a number, got {value!r}.")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a single number, got {type(value).__name__}.") from None
    if np.isnan(x):
        raise ValueError(f"'{name}' is missing (NaN): pass a number.")
    if np.isinf(x):
        raise ValueError(f"'{name}' is infinite: pass a finite number.")
    if positive and x <= 0:
        raise ValueError(f"'{name}' must be greater than 0, got {x:g}.")
    if nonneg and x < 0:
        raise ValueError(
            f"'{name}' must not be negative, got {x:g}: amounts are stored as positive numbers."
        )
    if nonzero and x == 0:
        raise ValueError(f"'{name}' is 0, so the ratio is undefined: pass a non-zero value.")
    return x


def total(values: Any, name: str, *, nonneg: bool = True) -> float:
    """Σ of a number or array-like (an amount or a column to be summed)."""
    return float(array(values, name, nonneg=nonneg, scalar_ok=True, ndim=(1, 2)).sum())


def fraction(value: Any, name: str, *, upper: float = 1.0) -> float:
    """A scalar in [0, upper] (fractions, not percents: SPEC §0.2)."""
    x = scalar(value, name)
    if x < 0 or x > upper:
        hint = " (pass fractions, e.g. 0.15 for 15%)" if x > upper else ""
        raise ValueError(f"'{name}' must lie between 0 and {upper:g}, got {x:g}{hint}.")
    return x


def fractions(values: Any, name: str, *, scalar_ok: bool = True) -> np.ndarray:
    """An array with every value in [0, 1]."""
    arr = array(values, name, scalar_ok=scalar_ok, ndim=(1, 2))
    if ((arr < 0) | (arr > 1)).any():
        raise ValueError(
            f"'{name}' must hold fractions between 0 and 1 (e.g. 0.15 for 15%); "
            f"position(s) {_positions((arr < 0) | (arr > 1))} are outside."
        )
    return arr


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless two arrays have the same shape (the same number of values)."""
    if a.shape != b.shape:
        if a.ndim == b.ndim == 1:
            raise ValueError(
                f"'{name_a}' has {a.size} values but '{name_b}' has {b.size}: "
                "pass one value per row / week for both."
            )
        raise ValueError(
            f"'{name_a}' has shape {a.shape} but '{name_b}' has shape {b.shape}: "
            "pass arrays of the same shape."
        )


def broadcast(
    value: Any, like: np.ndarray, name: str, like_name: str = "the data", **kw: Any
) -> np.ndarray:
    """A scalar or array ``value`` broadcast to ``like``'s shape (per-entity vectors go on rows)."""
    arr = array(value, name, scalar_ok=True, ndim=(1, 2), **kw)
    if arr.size == 1:
        return np.full(like.shape, arr.item())
    if arr.shape == like.shape:
        return arr
    if like.ndim == 2 and arr.ndim == 1 and arr.size == like.shape[0]:
        return np.repeat(arr[:, None], like.shape[1], axis=1)
    shown = f"'{like_name}'" if like_name != "the data" else like_name
    size = f"{like.size} values" if like.ndim == 1 else f"shape {like.shape}"
    raise ValueError(
        f"'{name}' has {arr.size} values but {shown} has {size}: pass one number, "
        "one value per week, or (for a 2-D input) one value per row."
    )


def ratio(num: float, den: float, den_name: str, what: str) -> float:
    """num / den, raising a readable error for a zero denominator."""
    if den == 0:
        raise ValueError(f"'{den_name}' totals 0, so {what} is undefined: pass non-zero data.")
    return num / den


def not_more_than(num: np.ndarray, den: np.ndarray, num_name: str, den_name: str) -> None:
    """Raise if any numerator exceeds its denominator (a count or volume out of a total)."""
    bad = num > den * (1 + GUARD) + GUARD
    if bad.any():
        raise ValueError(
            f"'{num_name}' exceeds '{den_name}' at position(s) {_positions(bad)}: "
            f"a part cannot be larger than its total."
        )


def frame(data: Any, name: str, columns: Iterable[str]) -> pd.DataFrame:
    """A non-empty DataFrame that has the required spec columns."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            f"'{name}' must be a pandas DataFrame with columns {', '.join(columns)}; "
            f"got {type(data).__name__}."
        )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"'{name}' lacks column(s) {', '.join(missing)} (SPEC column names are required)."
        )
    if data.empty:
        raise ValueError(f"'{name}' has no rows: pass at least one row.")
    return data


def mapping(values: Any, name: str, *, nonneg: bool = False) -> dict[Any, float]:
    """A dict member → float from a dict or a pandas Series; values checked like :func:`scalar`."""
    if isinstance(values, pd.Series):
        values = values.to_dict()
    if not isinstance(values, Mapping):
        raise ValueError(
            f"'{name}' must be a mapping (dict or pandas Series) of member → value, "
            f"got {type(values).__name__}."
        )
    if not values:
        raise ValueError(f"'{name}' is empty: pass at least one member.")
    return {k: scalar(v, f"{name}[{k!r}]", nonneg=nonneg) for k, v in values.items()}


def like(result: np.ndarray, original: Any, name: str | None = None) -> Any:
    """Return ``result`` as a Series with ``original``'s index when ``original`` was a Series."""
    if isinstance(original, pd.Series) and result.shape == (len(original),):
        return pd.Series(result, index=original.index, name=name or original.name)
    return result


def integer(value: Any, name: str, *, minimum: int = 1) -> int:
    """An integer ≥ ``minimum`` (window lengths, run lengths)."""
    try:
        whole = not isinstance(value, bool) and float(value).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole:
        raise ValueError(f"'{name}' must be a whole number, got {value!r}.")
    n = int(value)
    if n < minimum:
        raise ValueError(f"'{name}' must be at least {minimum}, got {n}.")
    return n
