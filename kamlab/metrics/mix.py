"""Mix (SPEC §2.12): channel/brand/pack mix deviation and the price-volume-mix bridge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = [
    "PVMBridge",
    "mix_deviation",
    "mix_deviation_table",
    "mix_drift_flag",
    "mix_shares",
    "pvm_bridge",
]

MIX_DRIFT_LIMIT = 0.05


def mix_shares(volumes: Any) -> dict[Any, float]:
    """Shares ``s_c = vol_c / Σ vol`` of a mapping member → volume (fractions; SPEC §2.12).

    >>> mix_shares({"MT": 30, "EC": 10})
    {'MT': 0.75, 'EC': 0.25}
    """
    vol = ck.mapping(volumes, "volumes", nonneg=True)
    tot = ck.ratio(1.0, sum(vol.values()), "volumes", "the mix")
    return {k: v * tot for k, v in vol.items()}


def _aligned(actual: Any, planned: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
    a = ck.mapping(actual, "actual", nonneg=True)
    p = ck.mapping(planned, "planned", nonneg=True)
    members = list(dict.fromkeys([*p, *a]))
    av = np.array([a.get(m, 0.0) for m in members])
    pv = np.array([p.get(m, 0.0) for m in members])
    av = av * ck.ratio(1.0, float(av.sum()), "actual", "the actual mix")
    pv = pv * ck.ratio(1.0, float(pv.sum()), "planned", "the planned mix")
    return members, av, pv


def mix_deviation(actual: Any, planned: Any) -> float:
    """Total mix deviation ``TVD = ½ Σ_c |s_c − p_c|`` (fraction of volume in the wrong bucket).

    ``actual`` and ``planned`` map member → volume or share (each is normalised to shares;
    a member missing on one side counts as 0). SPEC §2.12; flag when TVD > 0.05.

    Worked example of §2.12 (channel plan 45/10/15/30 vs actual 35/9/14/42):

    >>> plan = {"HYPER+SUPER": 45, "CVS": 10, "EC": 15, "TT": 30}
    >>> act = {"HYPER+SUPER": 35, "CVS": 9, "EC": 14, "TT": 42}
    >>> round(mix_deviation(act, plan), 6)
    0.12
    """
    _, a, p = _aligned(actual, planned)
    return float(min(1.0, 0.5 * np.abs(a - p).sum()))


def mix_deviation_table(actual: Any, planned: Any) -> pd.DataFrame:
    """Per-member mix (§2.12): ``actual_share``, ``planned_share``, deviation ``d_c = s_c − p_c``.

    >>> mix_deviation_table({"A": 60, "B": 40}, {"A": 0.5, "B": 0.5}).round(2).to_dict("list")
    {'member': ['A', 'B'], 'actual_share': [0.6, 0.4], 'planned_share': [0.5, 0.5], 'deviation': [0.1, -0.1]}
    """
    members, a, p = _aligned(actual, planned)
    return pd.DataFrame(
        {"member": members, "actual_share": a, "planned_share": p, "deviation": a - p}
    )


def mix_drift_flag(tvd: Any, planned: Any = None, threshold: float = MIX_DRIFT_LIMIT) -> Any:
    """Mix-drift flag ``TVD > 0.05`` (SPEC §2.12), with the §0.2 guard.

    Pass TVD value(s) (a number or an array, e.g. one per period), or the ``actual`` and
    ``planned`` mappings of :func:`mix_deviation`.

    >>> mix_drift_flag(0.12), mix_drift_flag(0.05)
    (True, False)
    >>> mix_drift_flag({"MT": 52, "TT": 48}, {"MT": 0.6, "TT": 0.4})
    True
    """
    thr = ck.fraction(threshold, "threshold")
    if planned is not None:
        return bool(ck.above(mix_deviation(tvd, planned), thr))
    values = ck.fractions(tvd, "tvd")
    flags = np.asarray(ck.above(values, thr), dtype=bool).reshape(values.shape)
    return bool(flags[0]) if np.ndim(tvd) == 0 else ck.like(flags, tvd, "mix_drift")


@dataclass(frozen=True)
class PVMBridge:
    """Price-volume-mix bridge of revenue from year 0 to year 1 (RMB; SPEC §2.12).

    ``volume + mix + price == r1 − r0`` (within floating-point precision). ``total`` is that
    change.
    """

    volume: float
    mix: float
    price: float
    r0: float
    r1: float
    total: float

    def steps(self) -> list[tuple[str, float]]:
        """Bridge steps in order: R0, volume, mix, price, R1."""
        return [
            ("r0", self.r0),
            ("volume", self.volume),
            ("mix", self.mix),
            ("price", self.price),
            ("r1", self.r1),
        ]


def _pvm_inputs(v0: Any, p0: Any, v1: Any, p1: Any) -> tuple[np.ndarray, ...]:
    if all(isinstance(x, (dict, pd.Series)) for x in (v0, p0, v1, p1)):
        maps = [
            ck.mapping(x, n, nonneg=True)
            for x, n in zip((v0, p0, v1, p1), ("v0", "p0", "v1", "p1"), strict=True)
        ]
        items = list(dict.fromkeys([*maps[0], *maps[2]]))
        vol0 = np.array([maps[0].get(i, 0.0) for i in items])
        vol1 = np.array([maps[2].get(i, 0.0) for i in items])
        pr0, pr1 = [], []
        for i in items:
            a, b = maps[1].get(i), maps[3].get(i)
            if a is None and b is None:
                raise ValueError(f"Item {i!r} has no price in 'p0' or 'p1': give at least one.")
            pr0.append(b if a is None else a)
            pr1.append(a if b is None else b)
        return vol0, np.array(pr0), vol1, np.array(pr1)
    arrs = [
        ck.array(x, n, nonneg=True)
        for x, n in zip((v0, p0, v1, p1), ("v0", "p0", "v1", "p1"), strict=True)
    ]
    for x, n in zip(arrs[1:], ("p0", "v1", "p1"), strict=True):
        ck.same_shape(arrs[0], x, "v0", n)
    return tuple(arrs)


def pvm_bridge(v0: Any, p0: Any, v1: Any, p1: Any) -> PVMBridge:
    """Price-volume-mix bridge (SPEC §2.12), per item volumes ``V`` (cases) and prices ``p``
    (NR/case).

    With ``s_i = V_i / V``: Volume ``= (V1 − V0) × Σ s0_i p0_i``; Mix ``= V1 × Σ (s1_i − s0_i)
    p0_i``; Price ``= Σ V1_i (p1_i − p0_i)``; Volume + Mix + Price = R1 − R0.

    Pass four equal-length arrays (one value per item) or four mappings item → value. With
    mappings, an item sold in one year only takes its missing price from the other year (so a
    new item's revenue counts as mix, not price).

    Worked example of §2.12 (Y0 A 100@50, B 100@30; Y1 A 90@52, B 150@30):

    >>> b = pvm_bridge([100, 100], [50, 30], [90, 150], [52, 30])
    >>> round(b.volume, 6), round(b.mix, 6), round(b.price, 6), round(b.total, 6)
    (1600.0, -600.0, 180.0, 1180.0)
    """
    vol0, pr0, vol1, pr1 = _pvm_inputs(v0, p0, v1, p1)
    V0, V1 = float(vol0.sum()), float(vol1.sum())
    if V0 == 0:
        raise ValueError("'v0' sums to 0: the base year has no volume, so its mix is undefined.")
    s0 = vol0 / V0
    s1 = vol1 / V1 if V1 > 0 else np.zeros_like(vol1)
    r0, r1 = float(vol0 @ pr0), float(vol1 @ pr1)
    volume = (V1 - V0) * float(s0 @ pr0)
    mix = V1 * float((s1 - s0) @ pr0)
    price = float(vol1 @ (pr1 - pr0))
    return PVMBridge(volume=volume, mix=mix, price=price, r0=r0, r1=r1, total=r1 - r0)
