"""Comparisons and partial-credit rules for items (the SPEC §4 tolerances, declaratively).

A *comparator* takes ``(answer, expected)`` — both already plain values rebuilt by the grader
(:mod:`kamlab.assess.plain`) — and returns a :class:`Check`: the credit in [0, 1], a short
data-free ``reason`` (safe to show for a hidden case) and a ``detail`` that may quote values
(shown only for visible cases, on the shipped world).

>>> number(atol=0.0005)(0.1531, 0.1533).credit
1.0
>>> number(atol=0.0005)(0.16, 0.1533).reason
'wrong_value'
>>> mapping(rtol=1e-6, atol=1.0)({"gs": 100.0, "nr": 90.0}, {"gs": 100.0, "nr": 90.4}).credit
1.0
>>> f1()(["a", "b", "c"], ["a", "b", "d"]).credit     # F1 = 0.667 -> half credit
0.5
>>> proportional(step=0.5)(4, [1, 1, 0])              # 4 × 2/3 = 2.67 -> 2.5
2.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kamlab.assess.plain import Unsupported, is_number

__all__ = [
    "Check",
    "Comparator",
    "Scoring",
    "all_or_nothing",
    "choice",
    "custom",
    "exact",
    "f1",
    "frame",
    "mapping",
    "number",
    "proportional",
    "same_set",
    "thresholds",
]


@dataclass(frozen=True)
class Check:
    """The judgement of one case: ``credit`` 0–1, a data-free ``reason``, a visible ``detail``.

    ``reason`` is a message key of ``kamlab/i18n/messages/assess.json`` without the
    ``assess.reason_`` prefix: ``ok``, ``wrong_value``, ``wrong_type``, ``wrong_keys``,
    ``wrong_shape``, ``wrong_choice``, ``partly_right``, ``constraint``, ``below_optimum``.
    """

    credit: float
    reason: str = "ok"
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.credit >= 1.0 - 1e-12


Comparator = Callable[[Any, Any], Check]
Scoring = Callable[[float, Sequence[float]], float]

OK = Check(1.0)


def _type_name(x: Any) -> str:
    if isinstance(x, Unsupported):
        return x.type_name
    return type(x).__name__


def _close(a: float, e: float, rtol: float, atol: float) -> bool:
    if math.isnan(e):
        return math.isnan(a)
    if math.isinf(e):
        return a == e
    if not math.isfinite(a):
        return False
    return abs(a - e) <= atol + rtol * abs(e)


def number(*, rtol: float = 0.0, atol: float = 0.0) -> Comparator:
    """A real number within ``atol + rtol × |expected|`` (bool, str, objects fail)."""

    def cmp(answer: Any, expected: Any) -> Check:
        if not is_number(answer):
            return Check(0.0, "wrong_type", f"expected a number, got {_type_name(answer)}")
        if _close(float(answer), float(expected), rtol, atol):
            return OK
        return Check(0.0, "wrong_value", f"expected {expected!r}, got {answer!r}")

    return cmp


def _as_mapping(x: Any) -> dict[Any, Any] | None:
    if isinstance(x, dict):
        return x
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return None
    if isinstance(x, pd.Series):
        return dict(zip(list(x.index), list(x.values), strict=True))
    return None


def mapping(
    *,
    rtol: float = 0.0,
    atol: float = 0.0,
    keys: Iterable[Any] | None = None,
    ordered: bool = False,
) -> Comparator:
    """A mapping (dict, or a Series) with exactly the expected keys, each value a close number.

    ``keys`` fixes the required key set (default: the expected answer's); ``ordered`` also
    requires that order (a waterfall's fixed step order).
    """
    fixed = list(keys) if keys is not None else None

    def cmp(answer: Any, expected: Any) -> Check:
        a = _as_mapping(answer)
        e = _as_mapping(expected)
        if e is None:
            raise TypeError("mapping(): the reference answer is not a mapping")
        if a is None:
            return Check(0.0, "wrong_type", f"expected a dict, got {_type_name(answer)}")
        want = fixed if fixed is not None else list(e)
        if set(a) != set(want):
            missing = [k for k in want if k not in a]
            extra = [k for k in a if k not in set(want)]
            return Check(0.0, "wrong_keys", f"missing keys {missing}, unexpected keys {extra}")
        if ordered and list(a) != want:
            return Check(0.0, "wrong_keys", f"keys must come in this order: {want}")
        wrong = []
        for k in want:
            if not is_number(a[k]):
                return Check(0.0, "wrong_type", f"{k!r}: expected a number, got {_type_name(a[k])}")
            if not _close(float(a[k]), float(e[k]), rtol, atol):
                wrong.append(f"{k!r}: expected {e[k]!r}, got {a[k]!r}")
        if wrong:
            return Check(0.0, "wrong_value", "; ".join(wrong))
        return OK

    return cmp


def exact() -> Comparator:
    """Equal plain values (numbers compare as numbers, bool is not a number)."""

    def cmp(answer: Any, expected: Any) -> Check:
        if type(answer) is bool or type(expected) is bool:
            same = type(answer) is type(expected) and answer == expected
        elif is_number(answer) and is_number(expected):
            same = answer == expected
        else:
            same = type(answer) is type(expected) and answer == expected
        if same:
            return OK
        return Check(0.0, "wrong_value", f"expected {expected!r}, got {answer!r}")

    return cmp


def choice(*, case_sensitive: bool = False) -> Comparator:
    """One string (an id, an option letter), compared after stripping spaces."""

    def norm(s: str) -> str:
        return s.strip() if case_sensitive else s.strip().upper()

    def cmp(answer: Any, expected: Any) -> Check:
        if type(answer) is not str:
            return Check(0.0, "wrong_type", f"expected a string, got {_type_name(answer)}")
        if norm(answer) == norm(str(expected)):
            return OK
        return Check(0.0, "wrong_choice", f"expected {expected!r}, got {answer!r}")

    return cmp


def _labels(x: Any) -> set[Any] | None:
    if isinstance(x, (list, frozenset, set)):
        out = set()
        for v in x:
            v = tuple(v) if isinstance(v, list) else v
            try:
                hash(v)
            except TypeError:
                return None
            out.add(v)
        return out
    return None


def same_set() -> Comparator:
    """The same set of labels (order and duplicates ignored)."""

    def cmp(answer: Any, expected: Any) -> Check:
        a, e = _labels(answer), _labels(expected)
        if a is None:
            return Check(0.0, "wrong_type", f"expected a list of labels, got {_type_name(answer)}")
        if a == e:
            return OK
        return Check(
            0.0, "wrong_value", f"expected {sorted(map(str, e or []))}, got {sorted(map(str, a))}"
        )

    return cmp


def f1(*, full: float = 0.8, half: float = 0.6) -> Comparator:
    """Classification by F1 against the truth labels: credit 1 at ``F1 ≥ full``, ½ at ``≥ half``.

    F1 = 2·TP / (2·TP + FP + FN); an empty answer against empty truth is 1.
    """

    def cmp(answer: Any, expected: Any) -> Check:
        a, e = _labels(answer), _labels(expected)
        if a is None:
            return Check(0.0, "wrong_type", f"expected a list of labels, got {_type_name(answer)}")
        e = e or set()
        tp = len(a & e)
        denom = 2 * tp + len(a - e) + len(e - a)
        score = 1.0 if denom == 0 else 2 * tp / denom
        detail = f"F1 = {score:.3f} (TP {tp}, FP {len(a - e)}, FN {len(e - a)})"
        if score >= full - 1e-12:
            return Check(1.0, "ok", detail)
        if score >= half - 1e-12:
            return Check(0.5, "partly_right", detail)
        return Check(0.0, "wrong_value", detail)

    return cmp


def frame(
    *,
    key: Sequence[str],
    columns: Sequence[str] | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
) -> Comparator:
    """A table with the expected rows (matched on ``key``) and close numeric ``columns``."""

    def cmp(answer: Any, expected: Any) -> Check:
        import pandas as pd

        if not isinstance(answer, pd.DataFrame):
            return Check(0.0, "wrong_type", f"expected a DataFrame, got {_type_name(answer)}")
        cols = (
            list(columns) if columns is not None else [c for c in expected.columns if c not in key]
        )
        need = [*key, *cols]
        missing = [c for c in need if c not in list(answer.columns)]
        if missing:
            return Check(0.0, "wrong_keys", f"missing columns {missing}")
        a = {tuple(r[k] for k in key): r for r in answer[need].to_dict("records")}
        e = {tuple(r[k] for k in key): r for r in expected[need].to_dict("records")}
        if set(a) != set(e) or len(a) != len(answer):
            return Check(0.0, "wrong_shape", f"expected rows {sorted(map(str, e))[:10]} …")
        for k, row in e.items():
            for c in cols:
                x, y = a[k][c], row[c]
                if is_number(y):
                    if not is_number(x) or not _close(float(x), float(y), rtol, atol):
                        return Check(
                            0.0, "wrong_value", f"row {k}, column {c}: expected {y!r}, got {x!r}"
                        )
                elif x != y:
                    return Check(
                        0.0, "wrong_value", f"row {k}, column {c}: expected {y!r}, got {x!r}"
                    )
        return OK

    return cmp


def custom(fn: Callable[[Any, Any], Check | float | bool]) -> Comparator:
    """Wrap a function returning a :class:`Check`, a credit in [0, 1], or a bool."""

    def cmp(answer: Any, expected: Any) -> Check:
        r = fn(answer, expected)
        if isinstance(r, Check):
            return r
        if type(r) is bool:
            return OK if r else Check(0.0, "wrong_value")
        credit = max(0.0, min(1.0, float(r)))
        return Check(
            credit, "ok" if credit >= 1 else ("partly_right" if credit > 0 else "wrong_value")
        )

    return cmp


# ------------------------------------------------------------------------------------------
# partial credit: (points, hidden-case credits) -> score
def _floor_step(x: float, step: float) -> float:
    if step <= 0:
        return x
    return math.floor(x / step + 1e-9) * step


def proportional(*, step: float = 0.5, weights: Sequence[float] | None = None) -> Scoring:
    """Points × (weighted) mean credit over the hidden cases, floored to ``step``."""

    def score(points: float, credits: Sequence[float]) -> float:
        if not credits:
            return 0.0
        w = list(weights) if weights is not None else [1.0] * len(credits)
        if len(w) != len(credits):
            raise ValueError(
                f"proportional(): {len(w)} weights for {len(credits)} hidden cases; give one weight per case"
            )
        frac = sum(wi * c for wi, c in zip(w, credits, strict=True)) / sum(w)
        return _floor_step(points * frac, step)

    return score


def all_or_nothing() -> Scoring:
    """Full points only when every hidden case passes."""

    def score(points: float, credits: Sequence[float]) -> float:
        return float(points) if credits and all(c >= 1 - 1e-12 for c in credits) else 0.0

    return score


def thresholds(levels: Sequence[tuple[float, float]]) -> Scoring:
    """Map the mean credit to a share of the points: ``[(min_mean_credit, share), …]``, best first."""

    def score(points: float, credits: Sequence[float]) -> float:
        mean = sum(credits) / len(credits) if credits else 0.0
        for lo, share in levels:
            if mean >= lo - 1e-12:
                return points * share
        return 0.0

    return score
