"""M4 self-checks: business reviews, execution and service (practice, ungraded).

Each checker computes the expected answer from the world it is given (the default world in the
notebook). The entities and periods differ from the graded M4 assessment: the practice uses
FY2023 periods, a KAM (not an account) for forecast accuracy, and other accounts.

==========  ===================================================================================
M4-E1       GrandHyper (ACC003) in FY2023-P06: (case fill, order-level OTIF), tolerance 0
            (fractions, ± 0.001)
M4-E2       QuickStop (ACC007): value share in FY2023-Q3, all categories (fraction, ± 0.001)
M4-E3       KAM05's lag-2 forecasts over FY2023 at account × SKU × week: (WMAPE, bias)
            (fractions, ± 0.001)
M4-E4       CloudCart (ACC010): the volume component of the NR bridge FY2023-Q2 → FY2024-Q2 at
            brand level (RMB, ± 0.1 %)
M4-E5       FreshMart North (ACC004): account Perfect Store Score in FY2023-P09 with the default
            weights (fraction, ± 0.001)
==========  ===================================================================================
"""

from __future__ import annotations

from typing import Any

from kamlab.analysis.m4_execution import execution_context, execution_heatmap
from kamlab.analysis.m4_review import (
    account_quarter_value_share,
    forecast_accuracy_for,
    pvm_for,
    review_context,
)
from kamlab.analysis.m4_service import service_context, service_root_cause
from kamlab.i18n import t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = ["expected"]


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m4.no_answer")
    return None


def _hints(n: int, k: int = 2) -> tuple[str, ...]:
    return tuple(f"m4.e{n}_hint{i}" for i in range(1, k + 1))


def expected(exercise_id: str, world: Any) -> Any:
    """The expected answer of an M4 exercise on ``world`` (used by the checkers and tests)."""
    if exercise_id == "M4-E1":
        f = service_root_cause(service_context(world), "ACC003", "FY2023-P06", 0).fill
        return (f.case_fill, f.otif)
    if exercise_id == "M4-E2":
        return account_quarter_value_share(review_context(world), "ACC007", "FY2023-Q3")
    if exercise_id == "M4-E3":
        ctx = review_context(world)
        qs = [q for q in ctx.quarters if q.startswith("FY2023")]
        return forecast_accuracy_for(ctx, kam_id="KAM05", quarters=qs)
    if exercise_id == "M4-E4":
        bridge, _ = pvm_for(review_context(world), "ACC010", "FY2023-Q2", "FY2024-Q2", "brand")
        return bridge.volume
    if exercise_id == "M4-E5":
        return execution_heatmap(execution_context(world), "ACC004", "FY2023-P09").account_pss
    raise KeyError(exercise_id)


def _fraction_check(answer: Any, exp: Any, atol: float) -> Verdict:
    ok, msg = close(answer, exp, atol=atol)
    try:
        scaled = [x * 100 for x in exp] if isinstance(exp, tuple) else exp * 100
    except TypeError:
        return ok, msg
    if not ok and close(answer, scaled, atol=atol * 100)[0]:
        return False, t("m4.as_fraction")
    return ok, msg


@exercise("M4-E1", module="M4", hints=_hints(1))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return _fraction_check(answer, expected("M4-E1", world), 0.001)


@exercise("M4-E2", module="M4", hints=_hints(2))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return _fraction_check(answer, expected("M4-E2", world), 0.001)


@exercise("M4-E3", module="M4", hints=_hints(3))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return _fraction_check(answer, expected("M4-E3", world), 0.001)


@exercise("M4-E4", module="M4", hints=_hints(4))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return close(answer, expected("M4-E4", world), rtol=0.001)


@exercise("M4-E5", module="M4", hints=_hints(5))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return _fraction_check(answer, expected("M4-E5", world), 0.001)
