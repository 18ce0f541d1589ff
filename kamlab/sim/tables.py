"""Turn the loop's arrays into the transaction tables of SPEC §1.3 and ``truth_baseline``.

Every frame is built column-wise from numpy arrays (no per-row Python) in primary-key order,
then conformed to its schema with :func:`kamlab.data.conform` (``sort=False``: rows are
already in key order; a test checks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamlab.data.schemas import conform

__all__ = ["cat_col", "group_sum", "id_col", "id_labels", "str_col", "week_dates"]


def id_labels(prefix: str, n: int, width: int) -> np.ndarray:
    """``["PR00001", …]``: zero-padded ids (SPEC §0.2), as a numpy array of str."""
    return np.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)], dtype=object)


def id_col(prefix: str, n: int, width: int, start: int = 1) -> pd.arrays.ArrowStringArray:
    """Zero-padded ids ``prefix + number`` as a pandas string column, built without Python loops.

    >>> list(id_col("OL", 3, 7))
    ['OL0000001', 'OL0000002', 'OL0000003']
    """
    p = prefix.encode()
    buf = np.empty((n, len(p) + width), dtype=np.uint8)
    buf[:, : len(p)] = np.frombuffer(p, dtype=np.uint8)
    x = np.arange(start, start + n, dtype=np.int64)
    for k in range(width - 1, -1, -1):
        buf[:, len(p) + k] = 48 + x % 10
        x //= 10
    raw = buf.view(f"S{len(p) + width}").ravel() if n else np.zeros(0, dtype="S1")
    return pd.arrays.ArrowStringArray(pa.array(raw).cast(pa.string()))


def cat_col(codes: np.ndarray, categories: list[str] | tuple[str, ...]) -> pd.Categorical:
    """A categorical column from integer codes (the schema's categories, in its order)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(categories))


def group_sum(idx: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Row sums of ``x`` grouped by ``idx`` into ``n`` groups (a fast ``np.add.at``).

    >>> group_sum(np.array([0, 1, 0]), np.array([[1.0, 2], [3, 4], [5, 6]]), 2).tolist()
    [[6.0, 8.0], [3.0, 4.0]]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return np.bincount(idx, weights=x, minlength=n)
    out = np.empty((n, x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(idx, weights=x[:, j], minlength=n)
    return out


def str_col(codes: np.ndarray, labels: np.ndarray | list[str]) -> pd.arrays.ArrowStringArray:
    """A pandas string column from integer ``codes`` into ``labels`` (−1 = missing).

    >>> list(str_col(np.array([1, -1, 0]), ["A", "B"]))
    ['B', <NA>, 'A']
    """
    codes = np.asarray(codes)
    mask = codes < 0
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    return pd.arrays.ArrowStringArray(pc.take(pa.array(list(labels), type=pa.string()), idx))


def week_dates(cal: pd.DataFrame) -> np.ndarray:
    """Week start dates as datetime64[ns]."""
    return cal["week_start"].to_numpy(dtype="datetime64[ns]")


def pair_frame(
    acc_labels: np.ndarray,
    sku_labels: np.ndarray,
    pair_a: np.ndarray,
    pair_s: np.ndarray,
    n_weeks: int,
    keep: np.ndarray | None = None,
) -> tuple[dict[str, object], np.ndarray]:
    """Key columns of an account × SKU × week table (pair-major, then week) and the flat mask."""
    N = len(pair_a)
    a = np.repeat(pair_a.astype(np.int32), n_weeks)
    s = np.repeat(pair_s.astype(np.int32), n_weeks)
    w = np.tile(np.arange(n_weeks, dtype=np.int16), N)
    flat = np.ones(N * n_weeks, dtype=bool) if keep is None else keep.ravel()
    cols = {
        "account_id": str_col(a[flat], acc_labels),
        "sku_id": str_col(s[flat], sku_labels),
        "week_id": w[flat],
    }
    return cols, flat


def build_frame(cols: dict[str, object], name: str) -> pd.DataFrame:
    """A schema-conformed frame from columns already in primary-key order."""
    return conform(pd.DataFrame(cols, copy=False), name, sort=False)
