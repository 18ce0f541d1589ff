"""M7 succession what-if: a key-account owner leaves or is promoted — who takes over, what it costs.

The model behind the *Succession what-if* panel (SPEC §4 M7, scenario 3). It replays the
TALENT_EVENT mechanics of SPEC §3.11 for one critical position over a horizon of weeks:

1. **Event** (week 0): the incumbent RESIGNED or is PROMOTED; the seat is vacant for
   ``interim_weeks`` (the spec's default is 8). During the vacancy the account's execution level
   is the departed owner's C7 **minus one** (floored at 1) and every stakeholder relationship score
   of the account is one lower (floored at 1) — exactly the world's own rule,
   :func:`kamlab.sim.people.account_levels` (which this model calls).
2. **Successor** (from week ``interim_weeks``): the chosen person's levels apply — a bench
   candidate's achieved levels (:mod:`kamlab.capability`, SPEC §5.5), or for an **external hire**
   the simulator's expected level of a new hire of the role, ``round(μ_role)`` (SPEC §3.10:
   KAE 2, KAM 2, SKAM 3, KAD 3, RSM 2). A level that is not demonstrated (0) or not assessed counts
   as 1, the world's lowest level.

The levels act through the world's models, anchored on what the account shows in the basis
fiscal year (observed OOS, Perfect Store Score, line-level OTIF, weekly net revenue):

* **out-of-stock** (SPEC §3.3): ``oos = clip(oos_base − 0.01 × (C7 − 2), 0.02, 0.20)``, so
  ``oos_t = clip(oos_obs − 0.01 × (C7_t − C7_incumbent), 0.02, 0.20)``;
* **sell-out and NR**: sell-out is demand × (1 − oos), so weekly NR scales with
  ``f_t = (1 − oos_t) / (1 − oos_obs)`` (sell-in follows sell-out over the horizon):
  ``NR_t = NR_week × f_t``; the **KPI dip** is ``Σ_t NR_week × (1 − f_t)``;
* **Perfect Store Score** (SPEC §2.17, §3.9): the KPIs the owner's C7 drives — availability
  ``1 − oos``, share-of-shelf KPI ``min(1, 0.9 + 0.05 (C7 − 1))``, planogram
  ``0.65 + 0.07 (C7 − 1)``, display compliance ``0.85 + 0.03 (C7 − 2)`` — scored with
  :func:`kamlab.metrics.perfect_store_score`; ``PSS_t = PSS_obs + PSS(C7_t) − PSS(C7_incumbent)``;
* **service**: on-time delivery moves 0.01 per C6 level (SPEC §3.6 step 5):
  ``OTIF_t = clip(OTIF_obs + 0.01 × (C6_t − C6_incumbent), 0, 1)``;
* **vacancy exposure** (SPEC §2.19, :func:`kamlab.metrics.vacancy_exposure`): the basis-year NR
  of the accounts whose owner is RESIGNED/PROMOTED without an ACTIVE successor — the full NR in
  every interim week, 0 once the successor starts. The rule treats a promotion like a
  resignation: the seat is empty either way.

Choosing an internal successor who owns accounts opens a second seat (``backfill_accounts``):
the model reports it but does not chain a second vacancy.

>>> import kamlab                                                             # doctest: +SKIP
>>> ctx = succession_context(kamlab.load_world())                             # doctest: +SKIP
>>> r = succession_whatif(ctx, "KAM02", "EXTERNAL", interim_weeks=8)          # doctest: +SKIP
>>> round(r.nr_dip), r.vacancy_exposure                                       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import _CACHE, per_world  # noqa: F401 (tests read _CACHE)
from kamlab.analysis.m7_capability import CapabilityContext, capability_context
from kamlab.analysis.scorecard import account_scorecard
from kamlab.sim.people import ROLE_MU, People, account_levels

__all__ = [
    "EVENTS",
    "EXTERNAL",
    "SuccessionContext",
    "SuccessionWhatIf",
    "execution_kpis",
    "oos_at_level",
    "positions",
    "succession_context",
    "succession_whatif",
    "successor_options",
]

#: The successor choice "hire from outside".
EXTERNAL = "EXTERNAL"
#: The events that vacate a seat.
EVENTS = ("RESIGNED", "PROMOTED")
_C6, _C7 = 6, 7
OOS_PER_LEVEL = 0.01  # SPEC §3.3
OOS_BOUNDS = (0.02, 0.20)  # SPEC §3.3
ON_TIME_PER_LEVEL = 0.01  # SPEC §3.6 step 5


def oos_at_level(oos_obs: Any, level: Any, level_ref: Any) -> Any:
    """OOS rate at owner level ``level`` given ``oos_obs`` observed at ``level_ref`` (SPEC §3.3).

    ``clip(oos_obs − 0.01 × (level − level_ref), 0.02, 0.20)``.

    >>> round(float(oos_at_level(0.07, 1, 3)), 4), round(float(oos_at_level(0.07, 4, 3)), 4)
    (0.09, 0.06)
    """
    o = np.asarray(oos_obs, dtype=float) - OOS_PER_LEVEL * (
        np.asarray(level, dtype=float) - np.asarray(level_ref, dtype=float)
    )
    return np.clip(o, *OOS_BOUNDS)


def execution_kpis(level: Any, oos: Any) -> dict[str, Any]:
    """The Perfect-Store KPIs an owner's C7 level drives in the world (SPEC §3.9, §2.17).

    ``availability = 1 − oos``; ``share_of_shelf = min(1, 0.9 + 0.05 (C7 − 1))`` (facings share
    ≈ value share × that factor, KPI against fair share); ``planogram = 0.65 + 0.07 (C7 − 1)``;
    ``display = 0.85 + 0.03 (C7 − 2)``; ``price`` is not driven by C7 (1.0 here; it cancels in a
    difference).

    >>> k = execution_kpis(3, 0.05)
    >>> round(float(k["planogram"]), 2), round(float(k["display"]), 2), float(k["share_of_shelf"])
    (0.79, 0.88, 1.0)
    """
    lv = np.asarray(level, dtype=float)
    return {
        "availability": 1.0 - np.asarray(oos, dtype=float),
        "share_of_shelf": np.minimum(1.0, 0.9 + 0.05 * (lv - 1)),
        "planogram": np.clip(0.65 + 0.07 * (lv - 1), 0.05, 0.95),
        "price": np.ones_like(lv),
        "display": np.clip(0.85 + 0.03 * (lv - 2), 0.0, 1.0),
    }


@dataclass(frozen=True, eq=False)
class SuccessionContext:
    """Capability levels and the per-account anchors of the succession model (built once).

    ``accounts``: one row per account with an owner (``account_id, account_name, owner, nr_fy,
    nr_week, oos, pss, otif, relationship``) for the basis ``fiscal_year``.
    """

    capability: CapabilityContext
    accounts: pd.DataFrame
    fiscal_year: int
    level_matrix: pd.DataFrame  # person × competency effective levels (≥ 1), C1..C10
    roles: pd.Series  # person → role_level (incl. inactive people of the roster)


def _full_years(world: Any) -> list[int]:
    cal = world["calendar"]
    n = cal.groupby(cal["fiscal_year"].astype(int))["week_id"].size()
    return [int(y) for y, k in n.items() if k >= 52]


def succession_context(
    world: Any,
    fiscal_year: int | None = None,
    capability: CapabilityContext | None = None,
) -> SuccessionContext:
    """Build (and cache per world, with the defaults) the succession model's context."""
    if fiscal_year is None and capability is None:
        return per_world(world, "m7.succession", lambda w: _build(w, None, None))
    return _build(world, fiscal_year, capability)


def _build(
    world: Any, fiscal_year: int | None, capability: CapabilityContext | None
) -> SuccessionContext:
    years = _full_years(world)
    if fiscal_year is None:
        if not years:
            raise ValueError("the world has no complete fiscal year; pass fiscal_year.")
        fiscal_year = years[-1]
    fy = int(fiscal_year)
    capc = capability if capability is not None else capability_context(world)
    acc = world["accounts"]
    ids = acc["account_id"].astype(str).tolist()
    sc = account_scorecard(world, fiscal_year=fy).set_index("account_id")
    cal = world["calendar"]
    weeks = cal.loc[cal["fiscal_year"].astype(int) == fy, "week_id"]
    n_weeks = len(weeks)
    av = world["audit_visits"]
    av = av.loc[av["week_id"].isin(weeks)]
    oos = {
        str(a): km.oos_rate(g["oos_n"].to_numpy(float), g["listed_n"].to_numpy(float))
        for a, g in av.groupby(av["account_id"].astype(str))
        if g["listed_n"].sum() > 0
    }
    cc = world["customer_contacts"]
    rel = cc.groupby(cc["account_id"].astype(str))["relationship_score"].mean()
    nr = sc["nr"].reindex(ids).fillna(0.0).clip(lower=0.0)
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "account_name": acc["account_name"].astype(str).to_numpy(),
            "owner": acc["kam_id"].astype(str).to_numpy(),
            "nr_fy": nr.to_numpy(float),
            "nr_week": nr.to_numpy(float) / n_weeks,
            "oos": [oos.get(a, np.nan) for a in ids],
            "pss": sc["pss"].reindex(ids).to_numpy(float),
            "otif": sc["line_otif"].reindex(ids).to_numpy(float),
            "relationship": rel.reindex(ids).to_numpy(float),
        }
    )
    comps = list(capc.framework.competency_ids)
    lv = capc.levels.pivot(index="person_id", columns="competency_id", values="level")
    lv = lv.reindex(columns=comps).astype("Float64").fillna(0).astype(float)
    lv = lv.clip(lower=1.0)
    lv.index = lv.index.astype(str)
    roles = pd.Series(
        capc.roster["role_level"].astype(str).to_numpy(), index=capc.roster["person_id"].astype(str)
    )
    return SuccessionContext(
        capability=capc, accounts=accounts, fiscal_year=fy, level_matrix=lv, roles=roles
    )


def positions(ctx: SuccessionContext) -> pd.DataFrame:
    """Critical positions that own accounts (``position_id, name, role_level, accounts``)."""
    pos = ctx.capability.bench.positions
    pos = pos.loc[pos["accounts"].fillna("").astype(str) != ""]
    return pos[["position_id", "name", "role_level", "accounts", "n_ready_now"]].reset_index(
        drop=True
    )


def successor_options(ctx: SuccessionContext, position_id: str) -> pd.DataFrame:
    """Bench candidates of a position, best first (``candidate_id, candidate_name, readiness,
    gap_sum, fit, rank``), from :func:`kamlab.capability.succession_bench`."""
    c = ctx.capability.bench.candidates
    c = c.loc[c["position_id"].astype(str) == position_id]
    if c.empty and position_id not in set(positions(ctx)["position_id"]):
        raise ValueError(
            f"position_id {position_id!r} is not a critical position with accounts; choose one "
            f"of {', '.join(positions(ctx)['position_id'])}."
        )
    cols = ["candidate_id", "candidate_name", "candidate_role", "readiness", "gap_sum", "fit"]
    return c.sort_values("rank")[[*cols, "rank"]].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class SuccessionWhatIf:
    """The simulated consequences of one succession choice.

    ``weekly``: one row per week of the horizon (``week, phase`` INTERIM/SUCCESSOR, ``c7, c6,
    oos, nr, nr_base, nr_loss, pss, otif, relationship, exposure``) summed (NR) or NR-weighted
    (rates) over the position's accounts. Totals: ``nr_dip`` (Σ nr_loss, RMB), ``nr_dip_pct``
    (of the horizon's baseline NR), ``pss_base``/``pss_min``, ``vacancy_exposure`` (RMB, during
    the interim), ``nr_at_risk`` (baseline NR of the interim weeks), the successor's
    ``readiness``, ``gap_sum``, ``fit``, and the seat the successor leaves (``backfill_accounts``,
    ``backfill_nr``).
    """

    position_id: str
    successor_id: str
    event: str
    interim_weeks: int
    accounts: list[str]
    weekly: pd.DataFrame
    nr_dip: float
    nr_dip_pct: float
    nr_dip_after_handover_week: float
    pss_base: float
    pss_min: float
    vacancy_exposure: float
    nr_at_risk: float
    incumbent_levels: dict[str, float]
    successor_levels: dict[str, float]
    readiness: str | None
    gap_sum: float | None
    fit: float | None
    backfill_accounts: list[str]
    backfill_nr: float


def _external_levels(role: str, comps: list[str]) -> pd.Series:
    mu = ROLE_MU.get(role)
    if mu is None:
        raise ValueError(f"no new-hire level for role {role!r}; roles are {', '.join(ROLE_MU)}.")
    lv = float(np.clip(np.round(mu), 1, 4))
    return pd.Series(lv, index=comps)


def succession_whatif(
    ctx: SuccessionContext,
    position_id: str,
    successor_id: str = EXTERNAL,
    interim_weeks: int = 8,
    event: str = "RESIGNED",
    horizon_weeks: int = 26,
) -> SuccessionWhatIf:
    """Simulate a vacancy in ``position_id`` and its successor (model in the module docstring).

    ``successor_id``: a candidate of :func:`successor_options` or ``"EXTERNAL"``;
    ``interim_weeks``: weeks the seat stays empty (0 – horizon); ``event``: RESIGNED or PROMOTED;
    ``horizon_weeks``: weeks shown from the event.
    """
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}; got {event!r}.")
    h = int(horizon_weeks)
    if h < 1:
        raise ValueError(f"horizon_weeks must be at least 1; got {horizon_weeks!r}.")
    k = int(interim_weeks)
    if not 0 <= k <= h:
        raise ValueError(
            f"interim_weeks must be between 0 and the horizon ({h}); got {interim_weeks!r}."
        )
    opts = successor_options(ctx, position_id)
    pos = positions(ctx).set_index("position_id")
    acc_ids = [a for a in str(pos.at[position_id, "accounts"]).split("|") if a]
    acc = ctx.accounts.set_index("account_id").loc[acc_ids]
    if acc["oos"].isna().any():
        raise ValueError(
            f"account(s) {', '.join(acc.index[acc['oos'].isna()])} have no audits in FY"
            f"{ctx.fiscal_year}; the execution anchor is missing."
        )
    comps = list(ctx.level_matrix.columns)
    inc = ctx.level_matrix.loc[position_id]
    readiness = gap_sum = fit = None
    backfill: list[str] = []
    if successor_id == EXTERNAL:
        succ = _external_levels(str(pos.at[position_id, "role_level"]), comps)
    else:
        row = opts.loc[opts["candidate_id"].astype(str) == successor_id]
        if row.empty:
            raise ValueError(
                f"successor_id {successor_id!r} is not a bench candidate of {position_id}; "
                f"choose EXTERNAL or one of {', '.join(opts['candidate_id'].astype(str))}."
            )
        succ = ctx.level_matrix.loc[successor_id]
        readiness = str(row["readiness"].iloc[0])
        gap_sum = float(row["gap_sum"].iloc[0])
        fit = float(row["fit"].iloc[0])
        own = ctx.accounts
        backfill = own.loc[own["owner"] == successor_id, "account_id"].tolist()
    A = len(acc_ids)
    # the world's own rule: People + account_levels (owner index 0 = incumbent, 1 = successor)
    people = People(
        kam=pd.DataFrame(),
        levels=np.vstack([inc.to_numpy(float), succ.to_numpy(float)]),
        owner=np.zeros(A, dtype=np.int64),
        person_ids=[position_id, successor_id],
        roles=[str(pos.at[position_id, "role_level"])] * 2,
    )
    weeks = np.arange(h)
    people.owner_week = np.where(weeks[None, :] >= k, 1, 0).repeat(A, axis=0)
    people.interim = np.repeat((weeks < k)[None, :], A, axis=0)
    c7 = account_levels(people, _C7).astype(float)  # (A, h)
    c6 = account_levels(people, _C6).astype(float)
    c7_inc, c6_inc = float(inc.iloc[_C7 - 1]), float(inc.iloc[_C6 - 1])
    oos_obs = acc["oos"].to_numpy(float)[:, None]
    oos = oos_at_level(oos_obs, c7, c7_inc)
    f = (1.0 - oos) / (1.0 - oos_obs)
    nrw = acc["nr_week"].to_numpy(float)[:, None]
    nr = nrw * f
    nr_base = np.repeat(nrw, h, axis=1)
    base_pss = km.perfect_store_score(execution_kpis(np.full_like(c7, c7_inc), oos_obs + 0 * c7))
    pss = (
        acc["pss"].to_numpy(float)[:, None]
        + km.perfect_store_score(execution_kpis(c7, oos))
        - base_pss
    )
    otif = np.clip(acc["otif"].to_numpy(float)[:, None] + ON_TIME_PER_LEVEL * (c6 - c6_inc), 0, 1)
    rel = acc["relationship"].to_numpy(float)[:, None]
    rel_t = np.where(people.interim, np.maximum(1.0, rel - 1.0), rel)
    nr_fy = acc["nr_fy"].to_numpy(float)
    exposure = np.array(
        [km.vacancy_exposure(nr_fy, [event] * A, np.full(A, bool(t >= k))) for t in weeks]
    )
    wts = nrw[:, 0] / nrw[:, 0].sum() if nrw.sum() > 0 else np.full(A, 1.0 / A)

    def wavg(x: np.ndarray) -> np.ndarray:
        return (wts[:, None] * x).sum(axis=0)

    weekly = pd.DataFrame(
        {
            "week": weeks,
            "phase": np.where(weeks < k, "INTERIM", "SUCCESSOR"),
            "c7": c7[0],
            "c6": c6[0],
            "oos": wavg(oos),
            "nr": nr.sum(axis=0),
            "nr_base": nr_base.sum(axis=0),
            "nr_loss": (nr_base - nr).sum(axis=0),
            "pss": wavg(pss),
            "otif": wavg(otif),
            "relationship": wavg(rel_t),
            "exposure": exposure,
        }
    )
    total_base = float(weekly["nr_base"].sum())
    nr_dip = float(weekly["nr_loss"].sum())
    after = weekly.loc[weekly["phase"] == "SUCCESSOR", "nr_loss"]
    own = ctx.accounts
    return SuccessionWhatIf(
        position_id=position_id,
        successor_id=successor_id,
        event=event,
        interim_weeks=k,
        accounts=acc_ids,
        weekly=weekly,
        nr_dip=nr_dip,
        nr_dip_pct=nr_dip / total_base if total_base > 0 else 0.0,
        nr_dip_after_handover_week=float(after.iloc[0]) if len(after) else 0.0,
        pss_base=float(wavg(acc["pss"].to_numpy(float)[:, None])[0]),
        pss_min=float(weekly["pss"].min()),
        vacancy_exposure=float(exposure.max()) if k > 0 else 0.0,
        nr_at_risk=float(weekly.loc[weekly["phase"] == "INTERIM", "nr_base"].sum()),
        incumbent_levels={"C6": c6_inc, "C7": c7_inc},
        successor_levels={"C6": float(succ.iloc[_C6 - 1]), "C7": float(succ.iloc[_C7 - 1])},
        readiness=readiness,
        gap_sum=gap_sum,
        fit=fit,
        backfill_accounts=backfill,
        backfill_nr=float(own.loc[own["account_id"].isin(backfill), "nr_fy"].sum()),
    )
