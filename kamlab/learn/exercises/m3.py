"""M3 self-checks: annual agreements and trade terms (practice, ungraded).

Each checker computes the expected answer from the world it is given (the default world in the
notebook), so a regenerated world keeps the exercises right. The entities and years differ
from the graded M3 assessment (which costs the FY2025 proposal on FY2024 volumes and asks about
other designs): the practice works on FY2023 and FY2024 agreements of other accounts.

==========  ===================================================================================
M3-E1       DailyFresh East (ACC005), FY2023 agreement: growth rebate at 7 % growth on the
            agreement's base, retro and marginal (RMB, RMB; ± 1 RMB)
M3-E2       MegaMart (ACC002), FY2023 agreement: the retro cliff at the 10 % threshold
            (RMB for the last 1 RMB of sales, ± 1 RMB)
M3-E3       CityMart South (ACC006): TTS % of its FY2023 agreement costed on FY2023 volumes
            at 0 % planned growth (fraction, ± 0.0005)
M3-E4       FreshMart North (ACC004), FY2024 agreement, retro: at 8 % expected growth, the
            extra rebate per RMB of extra purchases that reaching the next threshold pays
            (fraction, ± 0.01)
M3-E5       CityMart South (ACC006), FY2023 base: by how much does customer contribution change
            if the on-invoice discount rises by 1 pp (RMB, negative = falls; ± 0.5 %)
==========  ===================================================================================
"""

from __future__ import annotations

from typing import Any

from kamlab import metrics as km
from kamlab.analysis.m3_package import cost_package, terms_context
from kamlab.analysis.m3_rebates import rebate_accounts, rebate_design
from kamlab.i18n import t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = ["E1_GROWTH", "E4_GROWTH", "expected"]

E1_GROWTH = 0.07
E4_GROWTH = 0.08


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m3.no_answer")
    return None


def _hints(n: int, k: int = 2) -> tuple[str, ...]:
    return tuple(f"m3.e{n}_hint{i}" for i in range(1, k + 1))


def expected(exercise_id: str, world: Any) -> Any:
    """The expected answer of an M3 exercise on ``world`` (used by the checkers and tests)."""
    if exercise_id == "M3-E1":
        ra = rebate_accounts(world)[("ACC005", 2023)]
        sales = ra.base * (1 + E1_GROWTH)
        return (
            km.tiered_rebate(sales, ra.base, ra.tiers, "retro"),
            km.tiered_rebate(sales, ra.base, ra.tiers, "marginal"),
        )
    if exercise_id == "M3-E2":
        ra = rebate_accounts(world)[("ACC002", 2023)]
        return km.rebate_cliff(ra.base * 1.10, ra.base, ra.tiers, "retro")
    if exercise_id == "M3-E3":
        ctx = terms_context(world, "ACC006", 2023)
        return cost_package(ctx, ctx.terms, 0.0).tts_rate
    if exercise_id == "M3-E4":
        ra = rebate_accounts(world)[("ACC004", 2024)]
        d = rebate_design(ra.base, ra.tiers, "retro", expected_growth=E4_GROWTH,
                          gs_per_case=ra.gs_per_case)  # fmt: skip
        return d.position.gain_per_rmb
    if exercise_id == "M3-E5":
        ctx = terms_context(world, "ACC006", 2023)
        base = cost_package(ctx, ctx.terms, 0.0)
        more = cost_package(ctx, ctx.terms.adjusted(on_invoice_pp=0.01), 0.0)
        return more.cc - base.cc
    raise KeyError(exercise_id)


@exercise("M3-E1", module="M3", hints=_hints(1))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return close(answer, expected("M3-E1", world), atol=1.0)


@exercise("M3-E2", module="M3", hints=_hints(2))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return close(answer, expected("M3-E2", world), atol=1.0)


@exercise("M3-E3", module="M3", hints=_hints(3))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    exp = expected("M3-E3", world)
    ok, msg = close(answer, exp, atol=0.0005)
    if not ok and close(answer, exp * 100, atol=0.05)[0]:
        return False, t("m3.as_fraction")
    return ok, msg


@exercise("M3-E4", module="M3", hints=_hints(4))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    exp = expected("M3-E4", world)
    ok, msg = close(answer, exp, atol=0.01)
    if not ok and close(answer, exp * 100, atol=1.0)[0]:
        return False, t("m3.as_fraction")
    return ok, msg


@exercise("M3-E5", module="M3", hints=_hints(5))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    exp = expected("M3-E5", world)
    ok, msg = close(answer, exp, rtol=0.005)
    if not ok and close(answer, -exp, rtol=0.005)[0]:
        return False, t("m3.sign")
    return ok, msg
