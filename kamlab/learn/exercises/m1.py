"""M1 self-checks: the five indicators and gross-to-net (practice, ungraded).

Each checker computes the expected answer from the world it is given (the default world in
the notebook), so a regenerated world keeps the exercises right. The entities and years are
chosen to differ from the graded M1 assessment (which works on other account-years).

==========  ===================================================================================
M1-E1       TTS % of GS of DailyFresh East (ACC005) in FY2023 (fraction, ± 0.0005)
M1-E2       GP % of NR of QuickStop (ACC007) in FY2023 (fraction, ± 0.0005)
M1-E3       the largest deduction step of DailyFresh East's (ACC005) FY2024 waterfall (step name)
M1-E4       pocket price per case of NeighbourMart West (ACC012) in FY2023 (RMB, ± 0.5 %)
M1-E5       change in CC of ACC005 FY2023 if the off-invoice discount rises by 1 pp (RMB, ± 0.5 %)
M1-E6       composite of the scorecard with given achievements (± 0.0005)
M1-E7       which indicators are red for CityMart South (ACC006), FY2023-P01 … P06, sell-in
M1-E8       do listing fees paid to a retailer reduce net revenue? (True / False)
==========  ===================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kamlab.analysis.m1_g2n import DEDUCTION_STEPS, g2n_base, g2n_whatif, list_to_pocket
from kamlab.analysis.m1_scorecard import scorecard_view
from kamlab.i18n import LANGUAGES, t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = ["E6_ACHIEVEMENTS"]

E6_ACHIEVEMENTS = {
    "profit": 1.30,
    "revenue": 0.97,
    "share": 0.90,
    "execution": 1.05,
    "fill_rate": 0.99,
}
"""The achievements given in exercise M1-E6."""


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m1.no_answer")
    return None


def _hints(n: int, k: int) -> tuple[str, ...]:
    return tuple(f"m1.e{n}_hint{i}" for i in range(1, k + 1))


@exercise("M1-E1", module="M1", hints=_hints(1, 2))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = g2n_whatif(g2n_base(world, "ACC005", 2023)).pnl.tts_rate
    ok, msg = close(answer, expected, atol=0.0005)
    if not ok and close(answer, expected * 100, atol=0.05)[0]:
        return False, t("m1.as_fraction")
    return ok, msg


@exercise("M1-E2", module="M1", hints=_hints(2, 2))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = g2n_whatif(g2n_base(world, "ACC007", 2023)).pnl.gp_rate
    ok, msg = close(answer, expected, atol=0.0005)
    if not ok and close(answer, expected * 100, atol=0.05)[0]:
        return False, t("m1.as_fraction")
    return ok, msg


def _step_names(step: str) -> set[str]:
    names = {step.lower(), step.replace("_", " ").lower()}
    for lang in LANGUAGES:
        names.add(t(f"m1.step_{step}", lang=lang).strip().lower())
    return names


@exercise("M1-E3", module="M1", hints=_hints(3, 2))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if not isinstance(answer, str):
        return False, t("m1.step_as_text", steps=", ".join(DEDUCTION_STEPS))
    expected = g2n_whatif(g2n_base(world, "ACC005", 2024)).largest_step
    given = answer.strip().lower()
    if given in _step_names(expected):
        return True, ""
    if not any(given in _step_names(s) for s in DEDUCTION_STEPS):
        return False, t("m1.step_as_text", steps=", ".join(DEDUCTION_STEPS))
    return False, ""


@exercise("M1-E4", module="M1", hints=_hints(4, 2))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = list_to_pocket(world, "ACC012", 2023).total["pocket_price"]
    return close(answer, expected, rtol=0.005)


@exercise("M1-E5", module="M1", hints=_hints(5, 3))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    b = g2n_base(world, "ACC005", 2023)
    expected = g2n_whatif(b, off_invoice_rate=b.off_invoice_rate + 0.01).delta["cc"]
    ok, msg = close(answer, expected, rtol=0.005)
    if not ok and close(answer, -expected, rtol=0.005)[0]:
        return False, t("m1.sign")
    return ok, msg


@exercise("M1-E6", module="M1", hints=_hints(6, 2))
def _e6(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    from kamlab import metrics as km

    res = km.five_indicator_score(E6_ACHIEVEMENTS, dict.fromkeys(E6_ACHIEVEMENTS, 1.0))
    return close(answer, res.composite, atol=0.0005)


@exercise("M1-E7", module="M1", hints=_hints(7, 2))
def _e7(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return False, t("m1.as_list")
    v = scorecard_view(world, "ACC006", "FY2023-P01", "FY2023-P06", "sell_in")
    expected = {
        str(k)
        for k, r in zip(v.indicators["indicator"], v.indicators["rag"], strict=True)
        if r == "red"
    }
    given = {str(x).strip().lower() for x in answer}
    return given == expected, "" if given == expected else t(
        "m1.set_differs", n=len(given ^ expected)
    )


@exercise("M1-E8", module="M1", hints=_hints(8, 1))
def _e8(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if not isinstance(answer, bool):
        return False, t("m1.true_or_false")
    return answer is True, ""
