"""Organisation metrics (SPEC §2.19): workload balance, span of control, vacancy exposure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = ["Workload", "span_of_control", "vacancy_exposure", "workload_index"]

WORKLOAD_WEIGHTS = (0.5, 0.2, 0.3)


@dataclass(frozen=True)
class Workload:
    """Workload per person (SPEC §2.19).

    ``index`` (Series by person, sorted by person id), the team ``mean`` and ``max``, the
    ``limit`` = 1.2 × mean, and ``balanced`` = max ≤ limit.
    """

    index: pd.Series
    mean: float
    max: float
    limit: float
    balanced: bool


def _labels(values: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values, dtype=object)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"'{name}' must have one value per account ({n}), got {arr.size}.")
    if pd.isna(arr).any():
        raise ValueError(f"'{name}' has missing values: every account needs one.")
    return arr


def workload_index(
    owner: Any, nr: Any, stores: Any, promo_events: Any, tolerance: float = 1.2
) -> Workload:
    """Workload index per person (SPEC §2.19).

    ``W_p = Σ_{accounts a of p} [0.5 × NR_a / mean(NR) + 0.2 × stores_a / mean(stores)
    + 0.3 × promo_events_a / mean(events)]`` with means over all accounts given; balanced when
    ``max_p W_p ≤ 1.2 × mean_p W_p``.

    >>> w = workload_index(["K1", "K1", "K2", "K3"], nr=[4, 2, 4, 2], stores=[100, 50, 100, 50],
    ...                    promo_events=[12, 6, 12, 6])
    >>> w.index.round(3).to_dict(), round(w.mean, 3), w.balanced
    ({'K1': 2.0, 'K2': 1.333, 'K3': 0.667}, 1.333, False)
    """
    nr_a = ck.array(nr, "nr", nonneg=True)
    st = ck.array(stores, "stores", nonneg=True)
    ev = ck.array(promo_events, "promo_events", nonneg=True)
    ck.same_shape(nr_a, st, "nr", "stores")
    ck.same_shape(nr_a, ev, "nr", "promo_events")
    who = _labels(owner, "owner", nr_a.size)
    parts = []
    for arr, name, wt in zip(
        (nr_a, st, ev), ("nr", "stores", "promo_events"), WORKLOAD_WEIGHTS, strict=True
    ):
        m = arr.mean()
        if m == 0:
            raise ValueError(
                f"'{name}' is 0 for every account, so its workload share is undefined."
            )
        parts.append(wt * arr / m)
    per_account = np.sum(parts, axis=0)
    index = pd.Series(per_account, index=pd.Index(who, name="owner")).groupby(level=0).sum()
    index.name = "workload_index"
    mean, top = float(index.mean()), float(index.max())
    tol = ck.scalar(tolerance, "tolerance", positive=True)
    return Workload(index, mean, top, tol * mean, bool(ck.at_most(top, tol * mean)))


def span_of_control(manager_ids: Any, low: int = 5, high: int = 8) -> pd.DataFrame:
    """Direct reports per manager and whether the span is within 5–8 (SPEC §2.19 [conv]).

    ``manager_ids`` holds each person's manager (``kam.manager_id``; missing = top of the tree).
    Returns one row per manager: ``directs`` and ``status`` (``narrow`` < 5, ``ok``,
    ``wide`` > 8).

    >>> span_of_control(["D1"] * 6 + ["D2"] * 3 + [None]).to_dict("index")
    {'D1': {'directs': 6, 'status': 'ok'}, 'D2': {'directs': 3, 'status': 'narrow'}}
    """
    lo = ck.integer(low, "low", minimum=0)
    hi = ck.integer(high, "high", minimum=lo)
    ids = pd.Series(np.asarray(manager_ids, dtype=object)).dropna()
    if ids.empty:
        raise ValueError("'manager_ids' has no manager: pass each person's manager id.")
    directs = ids.value_counts().sort_index()
    status = np.where(directs < lo, "narrow", np.where(directs > hi, "wide", "ok"))
    out = pd.DataFrame({"directs": directs.astype(int), "status": status}, index=directs.index)
    out.index.name = "manager_id"
    return out


def vacancy_exposure(nr: Any, owner_status: Any, successor_active: Any) -> float:
    """Vacancy exposure ``= Σ NR of accounts whose owner is RESIGNED/PROMOTED without an ACTIVE
    successor`` (RMB; SPEC §2.19). One value per account for each argument.

    >>> vacancy_exposure([5e6, 3e6, 2e6], ["RESIGNED", "ACTIVE", "PROMOTED"], [False, False, True])
    5000000.0
    """
    v = ck.array(nr, "nr", nonneg=True)
    status = _labels(owner_status, "owner_status", v.size).astype(str)
    covered = ck.mask(successor_active, "successor_active")
    ck.same_shape(v, covered, "nr", "successor_active")
    gone = np.isin(np.char.upper(status.astype("U")), ("RESIGNED", "PROMOTED"))
    return float(v[gone & ~covered].sum())
