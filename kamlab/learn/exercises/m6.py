"""M6 self-checks: sales quality and channel health (practice, ungraded).

Each checker computes the expected answer from the world it is given (the default world in the
notebook). The entities and periods are clean ones, away from the injected scenarios that the
graded M6 assessment asks trainees to find.

==========  ===================================================================================
M6-E1       weeks of cover of QuickStop's (ACC007) practice SKU in week 70 (± 0.5 %)
M6-E2       (LWS, G*) of KA manager KAM06 in FY2023-P07 (± 0.001 each)
M6-E3       13-week sell-in / sell-out ratio of HyperOne's (ACC001) practice SKU, week 80 (± 0.01)
M6-E4       channel-mix TVD of region R3 in FY2024 against plan (± 0.001)
M6-E5       growth gap of West Trading (ACC018) in FY2024 (fraction, ± 0.001)
M6-E6       digest weeks after injecting 12 weeks of cover into FreshMart North's (ACC004)
            practice SKU over 4 weeks from the practice load week (whole weeks, exact)
==========  ===================================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kamlab.analysis.m6_diversion import diversion_map
from kamlab.analysis.m6_evenness import evenness_monitor
from kamlab.analysis.m6_inventory import inject_stuffing, inventory_health, inventory_pairs
from kamlab.analysis.m6_mix import mix_monitor
from kamlab.i18n import t
from kamlab.learn.checks import Verdict, close, exercise

__all__ = ["E1", "E2", "E3", "E4", "E5", "E6", "practice_load_week", "practice_sku"]

E1 = {"account": "ACC007", "week": 70}
E2 = {"kam": "KAM06", "period": "FY2023-P07"}
E3 = {"account": "ACC001", "week": 80}
E4 = {"scope": "REGION:R3", "fiscal_year": 2024}
E5 = {"distributor": "ACC018", "fiscal_year": 2024}
E6 = {"account": "ACC004", "extra_woc": 12, "load_weeks": 4}


def practice_sku(world: Any, account: str) -> str:
    """The practice SKU of ``account``: of its five largest SKUs (average weekly sell-out), the
    steadiest one — the lowest recorded peak weeks of cover."""
    top = inventory_pairs(world, account)[:5]
    return min(top, key=lambda s: (inventory_health(world, account, s).peak_woc, s))


def practice_load_week(world: Any, account: str = "ACC004", quiet_weeks: int = 20) -> int:
    """The first week from 20 on after which the practice SKU of ``account`` has no promotion
    (± 3 weeks) for ``quiet_weeks`` weeks: where M6-E6 (and the notebook) place the load."""
    sku = practice_sku(world, account)
    pr = world.promotions
    pr = pr[(pr.account_id == account) & (pr.sku_id == sku) & (pr.status == "EXECUTED")]
    T = len(world.calendar)
    busy = np.zeros(T, dtype=bool)
    for a, b in zip(pr.start_week, pr.end_week, strict=True):
        busy[max(0, int(a) - 3) : int(b) + 4] = True
    for t0 in range(20, T - quiet_weeks):
        if not busy[t0 : t0 + quiet_weeks].any():
            return t0
    return 20


def _missing(answer: Any) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return False, t("m6.no_answer")
    return None


def _hints(n: int, k: int) -> tuple[str, ...]:
    return tuple(f"m6.e{n}_hint{i}" for i in range(1, k + 1))


@exercise("M6-E1", module="M6", hints=_hints(1, 2))
def _e1(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    v = inventory_health(world, E1["account"], practice_sku(world, E1["account"]))
    return close(answer, float(v.woc[E1["week"]]), rtol=0.005)


@exercise("M6-E2", module="M6", hints=_hints(2, 2))
def _e2(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    v = evenness_monitor(world, E2["kam"])
    k, p = v.kams.index(E2["kam"]), v.period_keys.index(E2["period"])
    return close(answer, [v.lws[k, p], v.gstar[k, p]], atol=0.001)


@exercise("M6-E3", module="M6", hints=_hints(3, 2))
def _e3(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    v = inventory_health(world, E3["account"], practice_sku(world, E3["account"]))
    return close(answer, float(v.ratio13[E3["week"]]), atol=0.01)


@exercise("M6-E4", module="M6", hints=_hints(4, 2))
def _e4(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    v = mix_monitor(world, "CHANNEL", E4["scope"], E4["fiscal_year"])
    ok, msg = close(answer, v.tvd, atol=0.001)
    if not ok and close(answer, v.tvd * 100, atol=0.1)[0]:
        return False, t("m6.as_fraction")
    return ok, msg


@exercise("M6-E5", module="M6", hints=_hints(5, 2))
def _e5(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    s = diversion_map(world, E5["fiscal_year"]).signals.set_index("account_id")
    expected = float(s.loc[E5["distributor"], "growth_gap"])
    ok, msg = close(answer, expected, atol=0.001)
    if not ok and close(answer, expected * 100, atol=0.1)[0]:
        return False, t("m6.as_fraction")
    return ok, msg


@exercise("M6-E6", module="M6", hints=_hints(6, 1))
def _e6(answer: Any, world: Any) -> Verdict:
    if (m := _missing(answer)) is not None:
        return m
    a = E6["account"]
    r = inject_stuffing(
        world, a, practice_sku(world, a), E6["extra_woc"], practice_load_week(world, a),
        E6["load_weeks"],
    )  # fmt: skip
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, t("learn.not_a_number")
    return (True, "") if np.isclose(value, r.digest_weeks) else (False, t("learn.not_close"))
