"""M2 self-checks: customer planning and joint business planning (practice, ungraded).

Each checker computes the expected answer from the world it is given, so a regenerated world
keeps the exercises right. Entities differ from the graded M2 assessment.

==========  ===================================================================================
M2-E1       tier of ValueHyper West (ACC011) with weights size 1, growth 1, share 1,
            execution 1 (others 0) and the default cut-offs (letter)
M2-E2       market-anchored NR target of CityMart South (ACC006) for FY2025: its FY2024 NR and
            category growth, +0.5 share points, +1 % net price (RMB, ± 0.5 %)
M2-E3       distribution gain (RMB) at CityMart South if every audited must-stock SKU gains
            3 points of weighted distribution (± 1 %)
M2-E4       stakeholder coverage gaps at GrandHyper (ACC003): contacts with influence ≥ 4,
            relationship ≤ 2 and a decision role (set of contact ids)
M2-E5       retailer front margin on our products at MegaMart (ACC002) in FY2024 (± 0.005)
M2-E6       budget use of FreshMart North's (ACC004) already planned promotions next quarter
            (rolling planner, no extra slots; fraction, ± 0.005)
M2-E7       the quadrant of an attractive account where our position is weak (word)
==========  ===================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kamlab import metrics as km
from kamlab.analysis.m2_jbp import jbp_base, jbp_plan
from kamlab.analysis.m2_planner import run_plan
from kamlab.analysis.m2_portfolio import portfolio_criteria, segment
from kamlab.i18n import t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = ["E1_WEIGHTS", "stakeholder_gaps"]

E1_WEIGHTS = {"size": 1.0, "growth": 1.0, "profitability": 0.0, "share": 1.0,
              "relationship": 0.0, "execution": 1.0}  # fmt: skip
"""The criteria weights given in exercise M2-E1."""


def stakeholder_gaps(
    contacts: Any, account_id: str, min_influence: int = 4, max_relationship: int = 2
) -> set[str]:
    """Contacts of ``account_id`` with influence ≥ ``min_influence``, relationship ≤
    ``max_relationship`` and at least one decision role (the M2-E4 rule)."""
    c = contacts.loc[contacts["account_id"].astype(str) == account_id]
    roles = c["decision_roles"].astype("string").fillna("").str.len() > 0
    mask = (c["influence"] >= min_influence) & (c["relationship_score"] <= max_relationship) & roles
    return set(c.loc[mask.to_numpy(bool), "contact_id"].astype(str))


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m1.no_answer")
    return None


def _hints(n: int, k: int) -> tuple[str, ...]:
    return tuple(f"m2.e{n}_hint{i}" for i in range(1, k + 1))


@exercise("M2-E1", module="M2", hints=_hints(1, 2))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if not isinstance(answer, str) or answer.strip().upper() not in ("A", "B", "C"):
        return False, t("m2.tier_letter")
    tb = segment(portfolio_criteria(world), E1_WEIGHTS).table.set_index("account_id")
    return answer.strip().upper() == tb.loc["ACC011", "tier"], ""


@exercise("M2-E2", module="M2", hints=_hints(2, 3))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    b = jbp_base(world, "ACC006")
    expected = km.jbp_market_target(b.nr_ly, b.category_growth, b.share_ly, 0.005, 0.01)
    return close(answer, expected, rtol=0.005)


@exercise("M2-E3", module="M2", hints=_hints(3, 2))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = jbp_plan(jbp_base(world, "ACC006"), delta_wd=0.03).bridge.as_dict()["distribution"]
    return close(answer, expected, rtol=0.01)


@exercise("M2-E4", module="M2", hints=_hints(4, 2))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return False, t("m2.as_ids")
    expected = stakeholder_gaps(world["customer_contacts"], "ACC003")
    given = {str(x).strip().upper() for x in answer}
    ok = given == expected
    return ok, "" if ok else t("m1.set_differs", n=len(given ^ expected))


@exercise("M2-E5", module="M2", hints=_hints(5, 2))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = jbp_base(world, "ACC002").margins_ly.front
    ok, msg = close(answer, expected, atol=0.005)
    if not ok and close(answer, expected * 100, atol=0.5)[0]:
        return False, t("m1.as_fraction")
    return ok, msg


@exercise("M2-E6", module="M2", hints=_hints(6, 2))
def _e6(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    expected = run_plan(world, "ACC004").kpis["budget_used"]
    ok, msg = close(answer, expected, atol=0.005)
    if not ok and close(answer, expected * 100, atol=0.5)[0]:
        return False, t("m1.as_fraction")
    return ok, msg


@exercise("M2-E7", module="M2", hints=_hints(7, 1))
def _e7(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    if not isinstance(answer, str):
        return False, t("m2.quadrant_word")
    given = answer.strip().lower()
    names = {
        "develop",
        t("m2.quadrant_develop", lang="en").lower(),
        t("m2.quadrant_develop", lang="zh"),
    }
    ok = given in names or given.startswith("develop") or given.startswith("发展")
    return ok, "" if ok else (
        "" if given in {"key", "maintain", "serve"} else t("m2.quadrant_word")
    )
