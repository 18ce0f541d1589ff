"""Self-check exercises: instant, ungraded feedback with hints, recorded locally.

A module registers its exercises in ``kamlab/learn/exercises/<module>.py``::

    @exercise("M1-E1", module="M1", hints=("m1.e1_hint1", "m1.e1_hint2"))
    def _m1_e1(answer, world):
        expected = ...                          # computed with kamlab on the default world
        return close(answer, expected, atol=0.001)

and a notebook calls ``check("M1-E1", my_answer)``: the result shows ✓ or ✗ (in the trainee's
language), the first hint on a miss (``hint("M1-E1")`` for the next one), and a pass is
recorded in the trainee's progress.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kamlab.i18n import t
from kamlab.learn.progress import record_pass

__all__ = ["CheckResult", "Exercise", "all_exercises", "check", "close", "exercise", "hint"]

Verdict = tuple[bool, str]


@dataclass(frozen=True)
class Exercise:
    """One self-check: its id, module, checker and hint message keys."""

    exercise_id: str
    module: str
    checker: Callable[[Any, Any], Verdict | bool]
    hints: tuple[str, ...] = ()


_EXERCISES: dict[str, Exercise] = {}
_hint_cursor: dict[str, int] = {}
_loaded = False


def exercise(exercise_id: str, *, module: str, hints: tuple[str, ...] = ()) -> Callable:
    """Decorator registering a checker ``(answer, world) -> bool | (bool, message)``."""

    def deco(fn: Callable[[Any, Any], Verdict | bool]) -> Callable[[Any, Any], Verdict | bool]:
        _EXERCISES[exercise_id] = Exercise(exercise_id, module, fn, tuple(hints))
        return fn

    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    from kamlab.learn import exercises

    for info in pkgutil.iter_modules(exercises.__path__):
        importlib.import_module(f"kamlab.learn.exercises.{info.name}")
    _loaded = True


def all_exercises() -> list[Exercise]:
    """Every registered exercise, sorted by id."""
    _load_all()
    return [_EXERCISES[k] for k in sorted(_EXERCISES)]


def _get(exercise_id: str) -> Exercise:
    _load_all()
    try:
        return _EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"there is no exercise {exercise_id!r}") from None


def close(answer: Any, expected: Any, *, atol: float = 0.0, rtol: float = 0.0) -> Verdict:
    """Compare a number (or sequence) with tolerances; a readable verdict."""
    try:
        a = np.asarray(answer, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False, t("learn.not_a_number")
    if a.shape != e.shape:
        return False, t("learn.wrong_shape", expected=e.shape, got=a.shape)
    ok = bool(np.all(np.abs(a - e) <= atol + rtol * np.abs(e)))
    return ok, "" if ok else t("learn.not_close")


@dataclass
class CheckResult:
    """The outcome of a self-check; shows itself as a coloured box in a notebook."""

    exercise_id: str
    passed: bool
    message: str = ""
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        colour, mark = ("#0072B2", "✓") if self.passed else ("#D55E00", "✗")
        head = t("common.correct") if self.passed else t("common.not_yet")
        parts = [f"<b style='color:{colour}'>{mark} {html.escape(self.exercise_id)}: {head}</b>"]
        if self.message:
            parts.append(html.escape(self.message))
        if self.hint:
            parts.append(f"<i>{t('common.hint')}: {html.escape(self.hint)}</i>")
        return f"<div style='border-left:4px solid {colour};padding:4px 8px'>{'<br>'.join(parts)}</div>"

    def __repr__(self) -> str:
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.exercise_id}: {t('common.correct') if self.passed else t('common.not_yet')}"
        if self.message:
            text += f" {self.message}"
        if self.hint:
            text += f"\n{t('common.hint')}: {self.hint}"
        return text


def check(exercise_id: str, answer: Any, world: Any = None) -> CheckResult:
    """Check ``answer`` for ``exercise_id`` against the default world (or ``world``)."""
    ex = _get(exercise_id)
    if world is None:
        from kamlab.data.world import load_world

        world = _default_world(load_world)
    try:
        verdict = ex.checker(answer, world)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        verdict = (False, t("learn.could_not_check", error=str(exc)))
    ok, message = verdict if isinstance(verdict, tuple) else (bool(verdict), "")
    result = CheckResult(exercise_id, bool(ok), message)
    if ok:
        record_pass(exercise_id)
    elif ex.hints:
        result.hint = t(ex.hints[0])
        _hint_cursor.setdefault(exercise_id, 1)
    return result


def hint(exercise_id: str) -> str:
    """The next hint for ``exercise_id`` (cycles through them)."""
    ex = _get(exercise_id)
    if not ex.hints:
        return t("learn.no_hints")
    i = _hint_cursor.get(exercise_id, 0)
    _hint_cursor[exercise_id] = i + 1
    return t(ex.hints[i % len(ex.hints)])


_world_cache: dict[str, Any] = {}


def _default_world(loader: Callable[[], Any]) -> Any:
    if "w" not in _world_cache:
        _world_cache["w"] = loader()
    return _world_cache["w"]
