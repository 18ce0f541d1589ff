"""M7-T4 helpers: the org designer's inputs from a world's tables, and a balanced assignment.

The rules are the curriculum's org designer (:mod:`kamlab.analysis.m7_org`, SPEC §2.19):
key accounts in scope, ``c_a = 0.5 NR_a/mean(NR) + 0.2 stores_a/mean(stores) + 0.3
events_a/mean(events)`` over the world's last full fiscal year, owners = ACTIVE KAE/KAM/SKAM,
balanced when ``max_p W_p ≤ 1.2 × mean_p W_p`` over the people who own at least one account,
region consistency = national accounts with the ``NATIONAL_KA`` team, regional accounts with
someone of their ``hq_region_id``.

Because the mean is over owners, ``mean = n_accounts / k`` for ``k`` owners: a balanced
assignment exists for some ``k`` or not at all. :func:`balanced_assignment` searches ``k`` from
the most owners down (depth-first, largest account first, the current owner tried first) and
stops after ``budget`` search steps. The M7 worlds (:mod:`kamlab.assess.specs._m7_world`) are
drawn so that it finds one, and the source notebook's solution is this very search.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "KA_OWNER_ROLES",
    "TOLERANCE",
    "OrgProblem",
    "balanced_assignment",
    "is_consistent",
    "org_problem",
    "workload",
]

KA_OWNER_ROLES = ("KAE", "KAM", "SKAM")
TOLERANCE = 1.2
_GUARD = 1e-9


class OrgProblem:
    """Key accounts with their workload inputs, the possible owners and who may own what."""

    def __init__(
        self,
        accounts: pd.DataFrame,
        people: pd.DataFrame,
        fiscal_year: int,
    ) -> None:
        self.accounts = accounts.reset_index(drop=True)
        self.people = people.reset_index(drop=True)
        self.fiscal_year = fiscal_year
        a = self.accounts
        self.contrib = dict(
            zip(
                a["account_id"],
                0.5 * a["nr"] / a["nr"].mean()
                + 0.2 * a["stores"] / a["stores"].mean()
                + 0.3 * a["events"] / a["events"].mean(),
                strict=True,
            )
        )
        self.current = dict(zip(a["account_id"], a["kam_id"], strict=True))

    def eligible(self, account: str) -> list[str]:
        """People who may own ``account`` (region consistency), current owner first."""
        row = self.accounts.set_index("account_id").loc[account]
        out = [
            str(p.person_id)
            for p in self.people.itertuples(index=False)
            if is_consistent(row["scope"], row["hq_region_id"], p.team, p.region_id)
        ]
        cur = self.current[account]
        return sorted(out, key=lambda p: (p != cur, p))


def is_consistent(scope: str, hq_region: str, team: str, region: Any) -> bool:
    """National accounts with the national KA team, regional ones with their region's people.

    >>> is_consistent("NATIONAL", "R3", "NATIONAL_KA", None), is_consistent("REGIONAL", "R2", "X", "R1")
    (True, False)
    """
    if str(scope).upper() == "NATIONAL":
        return str(team) == "NATIONAL_KA"
    if region is None or (not isinstance(region, str) and pd.isna(region)):
        return False
    return str(region) == str(hq_region)


def org_problem(world: Any) -> OrgProblem:
    """The inputs of M7-T4 from a world's public tables (pandas only, the notebook's rules)."""
    cal = world["calendar"]
    sizes = cal.groupby(cal["fiscal_year"].astype(int))["week_id"].agg(["min", "max", "size"])
    fy = int(sizes.index[sizes["size"] >= 52].max())
    lo, hi = int(sizes.loc[fy, "min"]), int(sizes.loc[fy, "max"])
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA"]
    ids = ka["account_id"].astype(str).tolist()
    si = world["sell_in"]
    si = si.loc[(si["week_id"] >= lo) & (si["week_id"] <= hi)]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum()
    ts = world["trade_spend"]
    ts = ts.loc[(ts["week_id"] >= lo) & (ts["week_id"] <= hi)]
    tts = ts.groupby(ts["account_id"].astype(str))["amount_rmb"].sum()
    nr = (gs.reindex(ids, fill_value=0.0) - tts.reindex(ids, fill_value=0.0)).clip(lower=0.0)
    pr = world["promotions"]
    pr = pr.loc[
        (pr["status"].astype(str) != "CANCELLED")
        & (pr["start_week"] >= lo)
        & (pr["start_week"] <= hi)
    ]
    events = pr.groupby(pr["account_id"].astype(str))["event_group_id"].nunique()
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "scope": ka["scope"].astype(str).to_numpy(),
            "hq_region_id": ka["hq_region_id"].astype(str).to_numpy(),
            "kam_id": ka["kam_id"].astype(str).to_numpy(),
            "nr": nr.to_numpy(float),
            "stores": ka["store_count"].to_numpy(float),
            "events": events.reindex(ids, fill_value=0).to_numpy(float),
        }
    )
    kam = world["kam"]
    ppl = kam.loc[
        (kam["status"].astype(str) == "ACTIVE") & kam["role_level"].astype(str).isin(KA_OWNER_ROLES)
    ]
    people = pd.DataFrame(
        {
            "person_id": ppl["kam_id"].astype(str).to_numpy(),
            "team": ppl["team"].astype(str).to_numpy(),
            "region_id": [None if pd.isna(r) else str(r) for r in ppl["region_id"]],
        }
    )
    return OrgProblem(accounts, people, fy)


def balanced_assignment(problem: OrgProblem, budget: int = 200_000) -> dict[str, str] | None:
    """A balanced, region-consistent assignment account → person, or ``None`` (none found
    within ``budget`` search steps). Prefers the most owners, then the current owners."""
    c = problem.contrib
    order = sorted(c, key=lambda a: (-c[a], a))
    elig = {a: problem.eligible(a) for a in order}
    people = problem.people["person_id"].tolist()
    search = _Search(order, c, elig, people, budget)
    try:
        for k in range(len(people), 0, -1):
            plan = search.run(k, TOLERANCE * len(order) / k - _GUARD)
            if plan is not None:
                return {a: plan[a] for a in sorted(plan)}
    except _BudgetExceededError:
        return None
    return None


class _BudgetExceededError(Exception):
    pass


class _Search:
    """Depth-first search for ≤ k owners with every load ≤ cap (largest account first)."""

    def __init__(
        self,
        order: list[str],
        contrib: dict[str, float],
        eligible: dict[str, list[str]],
        people: list[str],
        budget: int,
    ) -> None:
        self.order, self.c, self.elig, self.people = order, contrib, eligible, people
        self.budget, self.steps = budget, 0

    def run(self, k: int, cap: float) -> dict[str, str] | None:
        self.k, self.cap = k, cap
        self.load = dict.fromkeys(self.people, 0.0)
        self.count = dict.fromkeys(self.people, 0)
        self.plan: dict[str, str] = {}
        return dict(self.plan) if self._place(0, 0) else None

    def _place(self, i: int, used: int) -> bool:
        self.steps += 1
        if self.steps > self.budget:
            raise _BudgetExceededError
        if i == len(self.order):
            return True
        a = self.order[i]
        ca = self.c[a]
        for p in self.elig[a]:
            new = self.count[p] == 0
            if self.load[p] + ca > self.cap or (new and used >= self.k):
                continue
            self.load[p] += ca
            self.count[p] += 1
            self.plan[a] = p
            if self._place(i + 1, used + new):
                return True
            self.load[p] -= ca
            self.count[p] -= 1
        return False


def workload(assignment: dict[str, str], contrib: dict[str, float]) -> pd.Series:
    """W_p per owner of ``assignment`` (sum of the contributions of the accounts they own)."""
    s = pd.Series({a: contrib[a] for a in assignment})
    return s.groupby(pd.Series(assignment)).sum()
