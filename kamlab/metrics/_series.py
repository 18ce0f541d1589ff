"""Vectorised weekly-series helpers for :mod:`kamlab.metrics` (private).

Time runs along the last axis: a 1-D array is one series, a 2-D array is entities × weeks.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def trailing_sum(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the last ``window`` values up to and including t, and how many values that was.

    Before t = window − 1 the sum runs over the weeks available (SPEC §2.9 convention).
    Window sums are exact sums of the values (no cumulative-sum drift), so a window of zeros
    sums to exactly 0.
    """
    pad = [(0, 0)] * (x.ndim - 1) + [(window - 1, 0)]
    padded = np.pad(x, pad)
    sums = sliding_window_view(padded, window, axis=-1).sum(axis=-1)
    count = np.minimum(np.arange(1, x.shape[-1] + 1), window).astype(float)
    return sums, np.broadcast_to(count, x.shape)


def previous_sum(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the ``window`` values strictly before t (0 values at t = 0) and their count."""
    shifted = np.zeros_like(x)
    shifted[..., 1:] = x[..., :-1]
    sums, _ = trailing_sum(shifted, window)
    count = np.minimum(np.arange(x.shape[-1]), window).astype(float)
    return sums, np.broadcast_to(count, x.shape)


def runs_at_least(flags: np.ndarray, min_run: int) -> np.ndarray:
    """Mark every element that belongs to a run of ≥ ``min_run`` consecutive True values.

    Works on 1-D or 2-D boolean arrays (runs never cross rows).
    """
    flags = np.asarray(flags, dtype=bool)
    if min_run <= 1:
        return flags.copy()
    two_d = flags.reshape(-1, flags.shape[-1])
    rows, cols = two_d.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = two_d
    flat = padded.ravel()
    edges = np.diff(flat)
    starts = np.flatnonzero(edges == 1) + 1
    ends = np.flatnonzero(edges == -1) + 1
    out = np.zeros(flat.size + 1, dtype=np.int32)
    keep = (ends - starts) >= min_run
    np.add.at(out, starts[keep], 1)
    np.add.at(out, ends[keep], -1)
    marked = np.cumsum(out[:-1]) > 0
    return marked.reshape(rows, cols + 2)[:, 1:-1].reshape(flags.shape)


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True values in a 1-D boolean array."""
    padded = np.concatenate(([0], np.asarray(flags, dtype=np.int8), [0]))
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return int((ends - starts).max()) if starts.size else 0
