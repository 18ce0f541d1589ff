"""Five-indicator scorecard (SPEC §2.18): profit, revenue, share, execution, order fill rate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.metrics import _checks as ck

__all__ = [
    "FIVE_INDICATORS",
    "FIVE_INDICATOR_WEIGHTS",
    "FiveIndicatorScore",
    "five_indicator_score",
    "rag_status",
]

FIVE_INDICATORS = ("profit", "revenue", "share", "execution", "fill_rate")
"""Keys of the five indicators: CC, NR, value share, Perfect Store Score, case fill."""

FIVE_INDICATOR_WEIGHTS: Mapping[str, float] = {
    "profit": 0.25,
    "revenue": 0.25,
    "share": 0.20,
    "execution": 0.15,
    "fill_rate": 0.15,
}
"""Default composite weights (SPEC §2.18)."""


def rag_status(value: Any, green: float = 1.0, amber: float = 0.95) -> Any:
    """RAG label: ``green`` ≥ 1.0, ``amber`` ≥ 0.95, else ``red`` (§0.2 guard; SPEC §2.18).

    >>> rag_status(1.0), rag_status(0.96), rag_status(0.9)
    ('green', 'amber', 'red')
    """
    v = ck.array(value, "value", scalar_ok=True)
    out = np.where(
        np.asarray(ck.at_least(v, green), dtype=bool).reshape(v.shape),
        "green",
        np.where(np.asarray(ck.at_least(v, amber), dtype=bool).reshape(v.shape), "amber", "red"),
    ).astype(object)
    return str(out[0]) if np.ndim(value) == 0 else ck.like(out, value, "rag")


@dataclass(frozen=True)
class FiveIndicatorScore:
    """Scorecard result (SPEC §2.18).

    ``achievement`` maps each indicator to ``actual / target`` (uncapped), ``capped`` to
    ``min(a_k, cap)``, ``composite = Σ w_k min(a_k, cap)`` and ``rag`` its RAG label. With array
    inputs (e.g. one value per account) every value is an array.
    """

    achievement: dict[str, Any]
    composite: Any
    rag: Any
    capped: dict[str, Any]
    weights: dict[str, float]


def _get(values: Any, key: str, name: str) -> Any:
    if not isinstance(values, (Mapping, pd.Series, pd.DataFrame)):
        raise ValueError(
            f"'{name}' must be a mapping with keys {', '.join(FIVE_INDICATORS)}, "
            f"got {type(values).__name__}."
        )
    if key not in values:
        raise ValueError(f"'{name}' lacks '{key}': give all of {', '.join(FIVE_INDICATORS)}.")
    return values[key]


def five_indicator_score(
    actual: Any, target: Any, weights: Mapping[str, float] | None = None, cap: float = 1.2
) -> FiveIndicatorScore:
    """Five-indicator composite (SPEC §2.18).

    Keys ``profit`` (customer contribution CC), ``revenue`` (NR), ``share`` (value share),
    ``execution`` (Perfect Store Score), ``fill_rate`` (case fill vs ``case_fill_kpi``).
    Achievement ``a_k = actual_k / target_k``; composite ``= Σ w_k × min(a_k, 1.2)`` with default
    weights 0.25 / 0.25 / 0.2 / 0.15 / 0.15 (used as given, so composite ≤ cap × Σw); RAG
    green ≥ 1.0, amber ≥ 0.95, red below. Targets must be > 0.

    >>> s = five_indicator_score(
    ...     {"profit": 1.1e6, "revenue": 5.2e6, "share": 0.19, "execution": 0.78, "fill_rate": 0.93},
    ...     {"profit": 1.0e6, "revenue": 5.0e6, "share": 0.20, "execution": 0.80, "fill_rate": 0.95})
    >>> round(s.achievement["share"], 4), round(s.composite, 4), s.rag
    (0.95, 1.0181, 'green')
    """
    w = ck.mapping(FIVE_INDICATOR_WEIGHTS if weights is None else weights, "weights", nonneg=True)
    unknown = sorted(set(map(str, w)) - set(FIVE_INDICATORS))
    if unknown:
        raise ValueError(
            f"'weights' has unknown key(s) {unknown}: use {', '.join(FIVE_INDICATORS)}."
        )
    c = ck.scalar(cap, "cap", positive=True)
    achievement: dict[str, Any] = {}
    capped: dict[str, Any] = {}
    composite: Any = 0.0
    scalar_out = True
    for key in FIVE_INDICATORS:
        wk = w.get(key, 0.0)
        a_raw, t_raw = _get(actual, key, "actual"), _get(target, key, "target")
        a = ck.array(a_raw, f"actual[{key!r}]", scalar_ok=True)
        t = ck.broadcast(t_raw, a, f"target[{key!r}]", f"actual[{key!r}]")
        if (t <= 0).any():
            raise ValueError(f"'target[{key!r}]' must be greater than 0 to measure achievement.")
        ach = a / t
        scalar_out &= np.ndim(a_raw) == 0 and np.ndim(t_raw) == 0
        achievement[key], capped[key] = ach, np.minimum(ach, c)
        composite = composite + wk * capped[key]
    rag = rag_status(composite)
    if scalar_out:
        achievement = {k: float(v[0]) for k, v in achievement.items()}
        capped = {k: float(v[0]) for k, v in capped.items()}
        return FiveIndicatorScore(achievement, float(composite[0]), rag[0], capped, w)
    return FiveIndicatorScore(achievement, composite, rag, capped, w)
