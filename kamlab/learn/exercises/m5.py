"""M5 self-checks: trade investment and promotion ROI (practice, ungraded).

Each checker computes the expected answer from the world it is given (the default world in the
notebook), so a regenerated world keeps the exercises right. The practice promotion, SKU and
account-years differ from the graded M5 assessment (which grades functions on other worlds and
an allocation on given curves).

==========  ===================================================================================
M5-E1       pre+post baseline of the practice promotion (cases/week, ± 1 %)
M5-E2       ROI of the practice promotion: pre+post baseline, 20 % cannibalisation (± 1 %)
M5-E3       break-even uplift of the practice promotion's funding (fraction, ± 0.001)
M5-E4       planned lift of a 25 % TPR on the practice SKU, planning elasticity (± 0.005)
M5-E5       费比 and 投入产出比 of QuickStop (ACC007) in FY2023 (± 0.0005 / ± 0.5 %)
M5-E6       which key account has the highest marginal return at today's FY2024 spend (id)
==========  ===================================================================================
"""

from __future__ import annotations

from typing import Any

from kamlab import metrics as km
from kamlab.analysis.m5_budget import budget_reallocation
from kamlab.analysis.m5_promo import eligible_promotions, post_event
from kamlab.analysis.m5_whatif import promo_whatif, whatif_skus
from kamlab.i18n import t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = [
    "E4_ACCOUNT",
    "E4_DEPTH",
    "E5_ACCOUNT",
    "E5_YEAR",
    "PRACTICE_ACCOUNT",
    "practice_promo",
    "practice_sku",
]

PRACTICE_ACCOUNT = "ACC004"
"""The practice promotion is a FY2023 TPR at FreshMart North (a clean supermarket chain)."""
E4_ACCOUNT, E4_DEPTH = "ACC001", 0.25
E5_ACCOUNT, E5_YEAR = "ACC007", 2023


def practice_promo(world: Any) -> str:
    """The practice promotion: the first FY2023 TPR at ``PRACTICE_ACCOUNT`` that both baseline
    methods can evaluate."""
    el = eligible_promotions(world, PRACTICE_ACCOUNT)
    cal = world.calendar
    fy = cal.fiscal_year.to_numpy()
    for pid, start, mech in zip(el.promo_id, el.start_week, el.mechanic, strict=True):
        if mech != "TPR" or fy[min(int(start), len(fy) - 1)] != fy.min():
            continue
        try:
            post_event(world, pid, "pre_period")
        except ValueError:
            continue
        return str(pid)
    return str(el.promo_id.iloc[0])


def practice_sku(world: Any) -> str:
    """The practice SKU of M5-E4: the third-largest SKU of ``E4_ACCOUNT``."""
    skus = whatif_skus(world, E4_ACCOUNT)
    return skus[min(2, len(skus) - 1)]


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m5.no_answer")
    return None


def _hints(n: int, k: int) -> tuple[str, ...]:
    return tuple(f"m5.e{n}_hint{i}" for i in range(1, k + 1))


@exercise("M5-E1", module="M5", hints=_hints(1, 2))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    return close(answer, post_event(world, practice_promo(world), "pre_post").baseline, rtol=0.01)


@exercise("M5-E2", module="M5", hints=_hints(2, 2))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    pe = post_event(world, practice_promo(world), "pre_post", cannibalisation=0.20)
    return close(answer, pe.evaluation.roi, rtol=0.01, atol=0.005)


@exercise("M5-E3", module="M5", hints=_hints(3, 1))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    pe = post_event(world, practice_promo(world))
    expected = km.break_even_uplift(pe.unit_margin, pe.funding_per_case)
    ok, msg = close(answer, expected, atol=0.001)
    if not ok and close(answer, expected * 100, atol=0.1)[0]:
        return False, t("m5.as_fraction")
    return ok, msg


@exercise("M5-E4", module="M5", hints=_hints(4, 2))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = promo_whatif(world, E4_ACCOUNT, practice_sku(world), "TPR", E4_DEPTH).plan.lift
    ok, msg = close(answer, expected, atol=0.005)
    if not ok and close(answer, expected + 1, atol=0.005)[0]:
        return False, t("m5.lift_not_multiplier")
    return ok, msg


@exercise("M5-E5", module="M5", hints=_hints(5, 2))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    ts = world.trade_spend
    tts = ts[(ts.account_id == E5_ACCOUNT) & (ts.fiscal_year == E5_YEAR)].amount_rmb
    cal = world.calendar
    weeks = cal.week_id[cal.fiscal_year == E5_YEAR]
    si = world.sell_in
    gs = si[(si.account_id == E5_ACCOUNT) & si.week_id.isin(weeks)].gross_sales
    try:
        sts, io = answer
    except (TypeError, ValueError):
        return False, t("m5.pair_expected")
    ok1, _ = close(sts, km.spend_to_sales(tts, gs), atol=0.0005)
    ok2, _ = close(io, km.input_output_ratio(gs, tts), rtol=0.005)
    if ok1 and ok2:
        return True, ""
    return False, t("m5.which_wrong", which=", ".join(
        n for n, ok in (("费比", ok1), ("投入产出比", ok2)) if not ok
    ))  # fmt: skip


@exercise("M5-E6", module="M5", hints=_hints(6, 2))
def _e6(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if not isinstance(answer, str) or not answer.strip():
        return False, t("m5.not_an_account")
    tb = budget_reallocation(world, fiscal_year=2024).table
    best = str(tb.account_id[tb.marginal0.idxmax()])
    return (True, "") if answer.strip().upper() == best else (False, t("m5.wrong_account"))
