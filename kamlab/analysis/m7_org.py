"""M7 org designer: who owns which key account, and what that does to workload and structure.

The model behind the *Org designer* panel (SPEC §4 M7, scenario 1). A trainee moves key
accounts between the people of the KA team; for every assignment the model returns

* the **workload index** per person (SPEC §2.19, :func:`kamlab.metrics.workload_index`)::

      W_p = Σ_{a owned by p} [0.5 × NR_a / mean(NR) + 0.2 × stores_a / mean(stores)
                              + 0.3 × events_a / mean(events)]

  with the means over the accounts in scope, so each account contributes a fixed amount
  ``c_a`` and moving account ``a`` from A to B lowers ``W_A`` and raises ``W_B`` by exactly
  ``c_a``. The team mean is over the people who own at least one account (as in
  ``km.workload_index``; someone without accounts shows 0 and is not in the mean);
* the **balance flag**: balanced when ``max_p W_p ≤ 1.2 × mean_p W_p`` (§2.19, §0.2 guard);
* the **span of control** of each manager (direct reports, 5–8 is ``ok``;
  :func:`kamlab.metrics.span_of_control`) of the active organisation;
* **region consistency** of every assignment (rule below).

Inputs (decisions documented so a trainee can reproduce every number):

* accounts in scope: the key accounts (``account_type == "KA"``); distributors are served by
  the distributor-sales team and are not moved here;
* ``NR_a``: net revenue of the account in the basis fiscal year (default the world's last full
  year) from :func:`kamlab.analysis.scorecard.account_scorecard` (GS − total trade spend);
* ``stores_a``: ``accounts.store_count``;
* ``events_a``: promotion events of the account that start in the basis year — distinct
  ``promotions.event_group_id`` with ``status != "CANCELLED"``;
* people who may own a key account: the ACTIVE KA-team roles KAE, KAM and SKAM of the ``kam``
  table (directors and regional sales managers do not own key accounts).

**Region consistency.** A national account (``scope == "NATIONAL"``) belongs with someone of
the ``NATIONAL_KA`` team; a regional account belongs with someone whose ``region_id`` is the
account's ``hq_region_id``. An assignment that breaks the rule is listed (a regional KAM who
has to travel to another region's buyer, or a national chain without national coverage).

>>> import kamlab                                                  # doctest: +SKIP
>>> ctx = org_context(kamlab.load_world())                         # doctest: +SKIP
>>> d = org_design(ctx, {"ACC012": "KAM06"})                       # doctest: +SKIP
>>> d.balanced, d.region_consistent                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis.scorecard import account_scorecard

__all__ = [
    "KA_OWNER_ROLES",
    "OrgContext",
    "OrgDesign",
    "account_contributions",
    "is_region_consistent",
    "org_context",
    "org_design",
]

#: Roles that may own a key account in the org designer.
KA_OWNER_ROLES = ("KAE", "KAM", "SKAM")
#: Balance tolerance of SPEC §2.19: max ≤ 1.2 × mean.
BALANCE_TOLERANCE = 1.2


@dataclass(frozen=True, eq=False)
class OrgContext:
    """What the org designer needs from a world, built once.

    ``accounts``: one row per key account in scope (``account_id, account_name, channel, tier,
    scope, hq_region_id, kam_id, nr, stores, events``). ``people``: the ACTIVE organisation
    (``person_id, name, role_level, team, region_id, manager_id``). ``owners``: the people who may
    own a key account (subset of ``people``). ``fiscal_year``: the basis year of NR and events.
    """

    accounts: pd.DataFrame
    people: pd.DataFrame
    owners: pd.DataFrame
    fiscal_year: int
    contributions: pd.Series = field(repr=False)  # c_a by account_id
    span: pd.DataFrame = field(repr=False)  # span of control of the active organisation

    @property
    def current(self) -> dict[str, str]:
        """The world's assignment: account_id → owner person_id."""
        return dict(zip(self.accounts["account_id"], self.accounts["kam_id"], strict=True))


@dataclass(frozen=True, eq=False)
class OrgDesign:
    """The result of one assignment.

    ``by_person``: one row per possible owner (``person_id, name, role_level, team, region_id,
    n_accounts, accounts, workload_index, over_limit``). ``by_account``: one row per account
    (``account_id, account_name, owner, contribution, region_consistent, nr, stores, events``).
    ``mean``, ``limit`` (1.2 × mean), ``max``, ``balanced``; ``span``: one row per manager
    (``manager_id, name, directs, status``); ``inconsistent``: account ids that break region
    consistency; ``moved``: account ids whose owner differs from the world's.
    """

    by_person: pd.DataFrame
    by_account: pd.DataFrame
    mean: float
    limit: float
    max: float
    balanced: bool
    span: pd.DataFrame
    inconsistent: list[str]
    moved: list[str]

    @property
    def region_consistent(self) -> bool:
        """True when every account sits with an owner of its region (or the national team)."""
        return not self.inconsistent


def _promo_events(world: Any, fiscal_year: int) -> pd.Series:
    cal = world["calendar"]
    weeks = cal.loc[cal["fiscal_year"].astype(int) == fiscal_year, "week_id"]
    lo, hi = int(weeks.min()), int(weeks.max())
    p = world["promotions"]
    live = p["status"].astype(str) != "CANCELLED"
    inyear = (p["start_week"] >= lo) & (p["start_week"] <= hi)
    sel = p.loc[live & inyear]
    return sel.groupby(sel["account_id"].astype(str))["event_group_id"].nunique()


def org_context(world: Any, fiscal_year: int | None = None) -> OrgContext:
    """Build the org designer's context from a world (NR from the five-indicator scorecard).

    ``fiscal_year`` defaults to the world's last fiscal year with 52 weeks.
    """
    cal = world["calendar"]
    years = cal.groupby(cal["fiscal_year"].astype(int))["week_id"].size()
    full = [int(y) for y, n in years.items() if n >= 52]
    if fiscal_year is None:
        if not full:
            raise ValueError("the world has no complete fiscal year; pass fiscal_year.")
        fiscal_year = full[-1]
    elif int(fiscal_year) not in years.index:
        raise ValueError(
            f"fiscal_year {fiscal_year} is not in this world; it has "
            f"{', '.join(map(str, years.index))}."
        )
    fy = int(fiscal_year)
    acc = world["accounts"]
    ka = acc.loc[acc["account_type"].astype(str) == "KA"].copy()
    if ka.empty:
        raise ValueError("the world has no key accounts (account_type KA) to assign.")
    ids = ka["account_id"].astype(str).tolist()
    sc = account_scorecard(world, fiscal_year=fy, accounts=ids).set_index("account_id")
    events = _promo_events(world, fy)
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "account_name": ka["account_name"].astype(str).to_numpy(),
            "channel": ka["channel"].astype(str).to_numpy(),
            "tier": ka["tier"].astype(str).to_numpy(),
            "scope": ka["scope"].astype(str).to_numpy(),
            "hq_region_id": ka["hq_region_id"].astype(str).to_numpy(),
            "kam_id": ka["kam_id"].astype(str).to_numpy(),
            "nr": sc["nr"].reindex(ids).fillna(0.0).clip(lower=0.0).to_numpy(float),
            "stores": ka["store_count"].to_numpy(float),
            "events": events.reindex(ids).fillna(0).to_numpy(float),
        }
    )
    kam = world["kam"]
    active = kam.loc[kam["status"].astype(str) == "ACTIVE"]
    people = pd.DataFrame(
        {
            "person_id": active["kam_id"].astype(str).to_numpy(),
            "name": active["name"].astype(str).to_numpy(),
            "role_level": active["role_level"].astype(str).to_numpy(),
            "team": active["team"].astype(str).to_numpy(),
            "region_id": active["region_id"].astype("string").to_numpy(dtype=object),
            "manager_id": active["manager_id"].astype("string").to_numpy(dtype=object),
        }
    )
    people["region_id"] = people["region_id"].where(people["region_id"].notna(), None)
    people["manager_id"] = people["manager_id"].where(people["manager_id"].notna(), None)
    owners = people.loc[people["role_level"].isin(KA_OWNER_ROLES)].reset_index(drop=True)
    contrib = account_contributions(accounts)
    span = km.span_of_control(people["manager_id"].to_numpy(dtype=object)).reset_index()
    span.insert(1, "name", span["manager_id"].map(people.set_index("person_id")["name"]))
    span["name"] = span["name"].fillna("")
    return OrgContext(
        accounts=accounts,
        people=people.reset_index(drop=True),
        owners=owners,
        fiscal_year=fy,
        contributions=contrib,
        span=span,
    )


def account_contributions(accounts: pd.DataFrame) -> pd.Series:
    """Each account's workload contribution ``c_a`` (SPEC §2.19), by account id.

    ``c_a = 0.5 × NR_a/mean(NR) + 0.2 × stores_a/mean(stores) + 0.3 × events_a/mean(events)``,
    computed by :func:`kamlab.metrics.workload_index` with every account as its own "owner".
    ``accounts`` needs ``account_id, nr, stores, events``.

    >>> a = pd.DataFrame({"account_id": ["A1", "A2"], "nr": [3.0, 1.0], "stores": [10, 30],
    ...                   "events": [4, 4]})
    >>> account_contributions(a).round(3).to_dict()
    {'A1': 1.15, 'A2': 0.85}
    """
    w = km.workload_index(
        accounts["account_id"].astype(str).to_numpy(),
        nr=accounts["nr"].to_numpy(float),
        stores=accounts["stores"].to_numpy(float),
        promo_events=accounts["events"].to_numpy(float),
    )
    return w.index.rename("contribution")


def is_region_consistent(scope: str, hq_region_id: str, team: str, region_id: str | None) -> bool:
    """The region-consistency rule of the org designer (module docstring).

    >>> is_region_consistent("NATIONAL", "R2", "NATIONAL_KA", "R1")
    True
    >>> is_region_consistent("REGIONAL", "R5", "REGIONAL_KA_R3", "R3")
    False
    """
    if str(scope).upper() == "NATIONAL":
        return str(team) == "NATIONAL_KA"
    if region_id is None or pd.isna(region_id):
        return False
    return str(region_id) == str(hq_region_id)


def org_design(ctx: OrgContext, assignment: Mapping[str, str] | None = None) -> OrgDesign:
    """Workload, balance, span and region consistency for an assignment account → owner.

    ``assignment`` maps account ids to person ids; accounts not in it keep their current owner.
    Unknown accounts or owners who may not own a key account raise ``ValueError``.
    """
    acc = ctx.accounts
    team = dict(zip(ctx.owners["person_id"], ctx.owners["team"], strict=True))
    region = dict(zip(ctx.owners["person_id"], ctx.owners["region_id"], strict=True))
    assign = ctx.current
    for a, p in (assignment or {}).items():
        if a not in assign:
            raise ValueError(
                f"assignment: {a!r} is not a key account of this world; use one of "
                f"{', '.join(assign)}."
            )
        if p not in team:
            raise ValueError(
                f"assignment: {p!r} cannot own {a}; choose an ACTIVE KAE, KAM or SKAM "
                f"({', '.join(team)})."
            )
        assign[a] = str(p)
    acc_ids = acc["account_id"].tolist()
    owner_of = [assign[a] for a in acc_ids]
    bad = [a for a, o in zip(acc_ids, owner_of, strict=True) if o not in team]
    if bad:
        raise ValueError(
            f"account(s) {', '.join(bad)} have no ACTIVE owner in the KA team; assign them "
            "to a KAE, KAM or SKAM."
        )
    w = km.workload_index(
        np.array(owner_of, dtype=object),
        nr=acc["nr"].to_numpy(float),
        stores=acc["stores"].to_numpy(float),
        promo_events=acc["events"].to_numpy(float),
        tolerance=BALANCE_TOLERANCE,
    )
    consistent = np.array(
        [
            is_region_consistent(s, r, team[o], region[o])
            for s, r, o in zip(acc["scope"], acc["hq_region_id"], owner_of, strict=True)
        ],
        dtype=bool,
    )
    by_account = pd.DataFrame(
        {
            "account_id": acc["account_id"],
            "account_name": acc["account_name"],
            "scope": acc["scope"],
            "hq_region_id": acc["hq_region_id"],
            "owner": owner_of,
            "contribution": ctx.contributions.reindex(acc["account_id"]).to_numpy(float),
            "region_consistent": consistent,
            "nr": acc["nr"],
            "stores": acc["stores"],
            "events": acc["events"],
        }
    )
    mine: dict[str, list[str]] = {}
    for a, o in zip(acc_ids, owner_of, strict=True):
        mine.setdefault(o, []).append(a)
    wi = w.index.to_dict()
    bp = ctx.owners[["person_id", "name", "role_level", "team", "region_id"]].copy()
    pids = bp["person_id"].tolist()
    bp["n_accounts"] = [len(mine.get(p, [])) for p in pids]
    bp["accounts"] = ["|".join(sorted(mine.get(p, []))) for p in pids]
    bp["workload_index"] = np.array([wi.get(p, 0.0) for p in pids], dtype=float)
    bp["over_limit"] = [bool(km.above(wi.get(p, 0.0), w.limit)) for p in pids]
    current = ctx.current
    moved = [a for a in acc["account_id"] if assign[a] != current[a]]
    return OrgDesign(
        by_person=bp.reset_index(drop=True),
        by_account=by_account,
        mean=w.mean,
        limit=w.limit,
        max=w.max,
        balanced=w.balanced,
        span=ctx.span,
        inconsistent=by_account.loc[~consistent, "account_id"].tolist(),
        moved=moved,
    )
