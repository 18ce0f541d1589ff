"""M8 self-checks: the capstone account's starting point (ungraded practice).

The graded capstone items (M8-T1 … T4) judge the diagnosis, the plan and the review; these
practice questions only check that the trainee can read the account's numbers first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kamlab import metrics as km
from kamlab.learn.checks import close, exercise


def _ctx(world: Any) -> Any:
    from kamlab.analysis.m8_capstone import capstone_context

    return capstone_context(world)


@exercise("M8-E1", module="M8", hints=("m8.e1_hint1", "m8.e1_hint2"))
def _m8_e1(answer: Any, world: Any) -> tuple[bool, str]:
    """Net revenue of the capstone account in the last full fiscal year (RMB)."""
    return close(answer, _ctx(world).ly["nr_fy"], rtol=0.005)


@exercise("M8-E2", module="M8", hints=("m8.e2_hint1", "m8.e2_hint2"))
def _m8_e2(answer: Any, world: Any) -> tuple[bool, str]:
    """Trade rate TTS % of GS of the capstone account in the last full fiscal year."""
    return close(answer, _ctx(world).ly["tts_rate_fy"], atol=0.001)


@exercise("M8-E3", module="M8", hints=("m8.e3_hint1", "m8.e3_hint2"))
def _m8_e3(answer: Any, world: Any) -> tuple[bool, str]:
    """The account's weeks of cover in the world's last week (all SKUs together)."""
    w = _ctx(world).weekly
    woc = km.weeks_of_cover(w["closing_cases"].to_numpy(), w["sell_out_cases"].to_numpy())
    return close(answer, float(np.asarray(woc)[-1]), atol=0.05)


@exercise("M8-E4", module="M8", hints=("m8.e4_hint1", "m8.e4_hint2"))
def _m8_e4(answer: Any, world: Any) -> tuple[bool, str]:
    """Line-level OTIF of the capstone account over the last full fiscal year."""
    ctx = _ctx(world)
    fy = ctx.fiscal_years[-1]
    cal = world["calendar"]
    weeks = cal.loc[cal["fiscal_year"].astype(int) == fy, "week_id"]
    ol = world["order_lines"]
    ol = ol.loc[(ol["account_id"].astype(str) == ctx.account_id) & ol["week_id"].isin(weeks)]
    fr = km.fill_rates(ol[["order_id", "cases_ordered", "cases_shipped", "days_late"]])
    return close(answer, fr.line_otif, atol=0.002)
