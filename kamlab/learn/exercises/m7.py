"""M7 self-checks: capability levels, workload, bench and vacancy exposure (ungraded practice).

The graded versions are the M7 assessment items (M7-T0 … T4); these use other people, positions
and questions so the practice does not give those answers away.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kamlab import capability as cap
from kamlab.learn.checks import close, exercise

__all__ = ["E1_ROLE", "E1_SCORES"]

#: A practice trainee (role KAM) who submitted the M4 and M6 assessments (M7-E1).
E1_SCORES = pd.DataFrame(
    {
        "person_id": "P-PRACTICE",
        "item_id": [
            "M4-T1",
            "M4-T2",
            "M4-T3",
            "M4-T4",
            "M4-T5",
            "M4-T6",
            "M6-T1",
            "M6-T2",
            "M6-T3",
            "M6-T4",
        ],
        "attempt": 1,
        "score": [3.0, 3.0, 2.0, 2.0, 1.0, 2.0, 4.0, 1.0, 2.0, 0.0],
        "max_score": [4.0, 3.0, 4.0, 2.0, 4.0, 2.0, 4.0, 3.0, 5.0, 5.0],
    }
)
E1_ROLE = "KAM"


def _e1_expected() -> int:
    roster = pd.DataFrame({"person_id": ["P-PRACTICE"], "role_level": [E1_ROLE]})
    lv = cap.competency_levels(E1_SCORES, roster=roster)
    return int(lv.set_index("competency_id").at["C6", "level"])


@exercise("M7-E1", module="M7", hints=("m7.e1_hint1", "m7.e1_hint2", "m7.e1_hint3"))
def _m7_e1(answer: Any, world: Any) -> tuple[bool, str]:
    """Achieved level of the practice trainee in C6 (supply-chain collaboration)."""
    return close(answer, _e1_expected())


@exercise("M7-E2", module="M7", hints=("m7.e2_hint1", "m7.e2_hint2"))
def _m7_e2(answer: Any, world: Any) -> tuple[bool, str]:
    """Workload index of KAM08 (Sun Peng) in today's organisation (FY of the world's last year)."""
    from kamlab.analysis.m7_org import org_context, org_design

    d = org_design(org_context(world))
    expected = float(d.by_person.set_index("person_id").at["KAM08", "workload_index"])
    return close(answer, expected, rtol=0.005)


@exercise("M7-E3", module="M7", hints=("m7.e3_hint1", "m7.e3_hint2"))
def _m7_e3(answer: Any, world: Any) -> tuple[bool, str]:
    """Gap sum of candidate KAM10 for the critical position held by KAM07."""
    from kamlab.analysis.m7_capability import capability_context

    c = capability_context(world).bench.candidates
    row = c.loc[(c["position_id"] == "KAM07") & (c["candidate_id"] == "KAM10")]
    return close(answer, float(row["gap_sum"].iloc[0]))


@exercise("M7-E4", module="M7", hints=("m7.e4_hint1", "m7.e4_hint2"))
def _m7_e4(answer: Any, world: Any) -> tuple[bool, str]:
    """(number of critical positions, bench strength) of the demo team."""
    from kamlab.analysis.m7_capability import capability_context

    b = capability_context(world).bench
    return close(answer, (len(b.positions), b.bench_strength or 0.0), atol=1e-6)


@exercise("M7-E5", module="M7", hints=("m7.e5_hint1", "m7.e5_hint2"))
def _m7_e5(answer: Any, world: Any) -> tuple[bool, str]:
    """Vacancy exposure in week 64 (the TALENT_EVENT), valued at the accounts' FY2023 NR."""
    from kamlab import metrics as km
    from kamlab.analysis.scorecard import account_scorecard

    kam = world["kam"].set_index("kam_id")
    acc = world["accounts"]
    week = 64
    nr = account_scorecard(world, fiscal_year=2023).set_index("account_id")["nr"]
    # in week 64 an account is vacant when its owner is a successor not yet started whose
    # predecessor has already left
    status = []
    for k in acc["kam_id"].astype(str):
        prev = kam.at[k, "successor_of"]
        vacant = (
            pd.notna(prev)
            and int(kam.at[k, "hire_week"]) > week
            and int(kam.at[str(prev), "status_week"]) <= week
        )
        status.append(str(kam.at[str(prev), "status"]) if vacant else "ACTIVE")
    expected = km.vacancy_exposure(
        nr.reindex(acc["account_id"]).fillna(0.0).to_numpy(), status, [False] * len(status)
    )
    return close(answer, expected, rtol=0.01)
