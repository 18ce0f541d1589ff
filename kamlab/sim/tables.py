"""Turn the loop's arrays into the transaction tables of SPEC §1.3 and ``truth_baseline``.

Every frame is built column-wise from numpy arrays (no per-row Python) in primary-key order,
then conformed to its schema with :func:`kamlab.data.conform` (``sort=False``: rows are
already in key order; a test checks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from kamlab.data.schemas import conform

__all__ = ["id_labels", "str_col", "week_dates"]


def id_labels(prefix: str, n: int, width: int) -> np.ndarray:
    """``["PR00001", …]``: zero-padded ids (SPEC §0.2), as a numpy array of str."""
    return np.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)], dtype=object)


def str_col(codes: np.ndarray, labels: np.ndarray | list[str]) -> pd.arrays.ArrowStringArray:
    """A pandas string column from integer ``codes`` into ``labels`` (−1 = missing)."""
    codes = np.asarray(codes)
    mask = codes < 0
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    arr = pa.DictionaryArray.from_arrays(idx, pa.array(list(labels), type=pa.string()))
    return pd.arrays.ArrowStringArray(arr.cast(pa.string()))


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
    a = np.repeat(pair_a, n_weeks)
    s = np.repeat(pair_s, n_weeks)
    w = np.tile(np.arange(n_weeks), N)
    flat = np.ones(N * n_weeks, dtype=bool) if keep is None else keep.ravel()
    cols = {
        "account_id": str_col(a[flat], acc_labels),
        "sku_id": str_col(s[flat], sku_labels),
        "week_id": w[flat],
    }
    return cols, flat


def build_frame(cols: dict[str, object], name: str) -> pd.DataFrame:
    """A schema-conformed frame from columns already in primary-key order."""
    return conform(pd.DataFrame(cols), name, sort=False)
