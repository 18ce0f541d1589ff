"""Practice checks a trainee runs in an assessment's test cells: ``check(item_id, answer)``.

``check("M1-T1", g2n_waterfall)`` calls your function on the item's visible cases (the
shipped world), compares with kamlab's reference answer using the item's own tolerance, and
prints one line per case — on stdout only, so a test cell never fails for a warning. A
failed case raises ``AssertionError`` with a sentence that says what was expected.

This is practice: while grading, the judge calls your function outside this notebook on
worlds simulated for you and on edge cases (inside the grading sandbox ``check`` does
nothing). Calling ``check`` is allowed in an assessment (``kamlab.assess.student`` is on every
allow-list); nothing else of kamlab is, except ``kamlab.load_world``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["check"]

_WORLD: dict[str, Any] = {}


def _shipped() -> Any:
    if "w" not in _WORLD:
        import kamlab

        _WORLD["w"] = kamlab.load_world()
    return _WORLD["w"]


def _copy_arg(v: Any) -> Any:
    import pandas as pd

    if isinstance(v, (pd.DataFrame, pd.Series)):
        return v.copy(deep=True)
    if isinstance(v, (list, dict, tuple)):
        return copy.deepcopy(v)
    return v


def check(item_id: str, answer: Callable[..., Any], *, world: Any = None) -> None:
    """Run the practice checks of ``item_id`` on the shipped world (or ``world``); print results.

    Raises ``AssertionError`` when a check fails, ``ValueError`` for an unknown item.
    """
    from kamlab.assess import _harness
    from kamlab.assess.judge import CaseResult
    from kamlab.assess.messages import case_line
    from kamlab.assess.plain import from_plain, normalise
    from kamlab.assess.registry import get_assessment
    from kamlab.assess.spec import UNSET
    from kamlab.i18n import t

    assignment = item_id.rsplit("-", 1)[0]
    try:
        item = get_assessment(assignment).item(item_id)
    except KeyError as exc:
        raise ValueError(f"item_id {item_id!r} is not an assessment item: {exc}") from None
    if not callable(answer):
        raise AssertionError(t("assess.check_not_callable", item=item_id))
    w = world if world is not None else _shipped()
    failures = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = list(item.visible(w)) if item.visible is not None else []
        for n, case in enumerate(cases, 1):
            expected = case.expected
            if expected is UNSET:
                expected = item.reference(*case.args, **dict(case.kwargs))  # type: ignore[misc]
            expected = normalise(expected)
            res = CaseResult(f"v{n}", "visible", case.label, 0.0, "not_run")
            try:
                got = from_plain(
                    _harness.to_plain(
                        answer(
                            *[_copy_arg(a) for a in case.args],
                            **{k: _copy_arg(v) for k, v in case.kwargs.items()},
                        )
                    )
                )
            except Exception as exc:
                res.reason, res.error, res.message = "raised", type(exc).__name__, str(exc)[:300]
            else:
                c = item.compare(got, expected)
                res.credit, res.reason, res.detail = (
                    c.credit,
                    ("ok" if c.passed else c.reason),
                    c.detail,
                )
            print(case_line(res))
            if res.credit < 1:
                failures += 1
    if failures:
        raise AssertionError(t("assess.check_failed", item=item_id, n=failures, total=len(cases)))
    print(t("assess.check_passed", item=item_id, total=len(cases)))
