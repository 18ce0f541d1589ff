"""M7 capability heatmap: the team's achieved levels against role targets, filtered by team/role.

The model behind the *Capability heatmap* panel (SPEC §4 M7, scenario 2). Everything is computed
by :mod:`kamlab.capability` (SPEC §5.5) — this module only builds the inputs once and applies the
filters:

* scores: the world's ``assessment_scores`` (the simulated KA team's demo scores, SPEC §3.10) or
  any scores table shaped like it (an nbgrader export);
* roster: :func:`kamlab.capability.roster_from_world` (ACTIVE people, owners from
  ``accounts.kam_id``);
* levels: :func:`kamlab.capability.competency_levels` (θ = 0.7, gate 0.5, evidence ≥ 2 points);
* the view: :func:`kamlab.capability.team_heatmap` — rows = people grouped by team and role,
  columns C1–C10, cell = achieved level ``L_c`` and gap = capped role target − ``L_c``; footer
  per competency = % of the shown people at or above target and the **critical gap** flag
  (≥ 50 % of the assessed people below target).

A cell's colour comes from :func:`kamlab.capability.gap_colour` (Okabe–Ito, colour-blind safe)
and the cell always carries its text, e.g. ``"2 (−1)"`` (level 2, one below target).

>>> import kamlab                                                     # doctest: +SKIP
>>> ctx = capability_context(kamlab.load_world())                     # doctest: +SKIP
>>> hm = heatmap_view(ctx, team="NATIONAL_KA", role="SKAM")           # doctest: +SKIP
>>> hm.rows.person_id.tolist()                                        # doctest: +SKIP
['KAM02', 'KAM10', 'KAM07']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kamlab import capability as cap
from kamlab.analysis._cache import per_world
from kamlab.data.framework import Framework

__all__ = ["ALL", "CapabilityContext", "capability_context", "heatmap_view"]

#: The filter value meaning "no filter".
ALL = "ALL"


@dataclass(frozen=True, eq=False)
class CapabilityContext:
    """Scores, roster, levels and the succession bench of a team, computed once.

    ``levels``: :func:`kamlab.capability.competency_levels` with targets; ``bench``:
    :func:`kamlab.capability.succession_bench` on the world's accounts.
    """

    framework: Framework
    scores: pd.DataFrame
    roster: pd.DataFrame
    levels: pd.DataFrame
    bench: cap.Succession
    accounts: pd.DataFrame | None
    _views: dict[tuple[str, str], cap.TeamHeatmap] = field(default_factory=dict, repr=False)

    @property
    def teams(self) -> list[str]:
        """The roster's teams, sorted."""
        return sorted(self.roster["team"].dropna().astype(str).unique())

    @property
    def roles(self) -> list[str]:
        """The roster's roles, highest rank first."""
        rank = self.framework.role_rank
        roles = self.roster["role_level"].dropna().astype(str).unique()
        return sorted(roles, key=lambda r: (-rank.get(r, 0), r))


def capability_context(
    world: Any,
    scores: pd.DataFrame | None = None,
    framework: Framework | None = None,
) -> CapabilityContext:
    """Build (and cache per world) the capability inputs of the M7 panels.

    ``scores`` defaults to the world's simulated team scores (:func:`kamlab.capability.demo_scores`);
    ``framework`` to the shipped framework. With the defaults the context is cached for the
    world object, so the heatmap and the succession panel share one computation.
    """
    if scores is None and framework is None:
        return per_world(world, "m7.capability", lambda w: _build(w, None, None))
    return _build(world, scores, framework)


def _build(
    world: Any, scores: pd.DataFrame | None, framework: Framework | None
) -> CapabilityContext:
    fw = framework if framework is not None else cap.load_framework()
    sc = scores if scores is not None else cap.demo_scores(world)
    roster = cap.roster_from_world(world)
    levels = cap.competency_levels(sc, fw, roster=roster)
    try:
        accounts = world["accounts"]
    except (KeyError, TypeError):
        accounts = None
    bench = cap.succession_bench(levels, roster, fw, accounts=accounts)
    return CapabilityContext(
        framework=fw, scores=sc, roster=roster, levels=levels, bench=bench, accounts=accounts
    )


def heatmap_view(ctx: CapabilityContext, team: str = ALL, role: str = ALL) -> cap.TeamHeatmap:
    """The team heatmap for one team and one role (``"ALL"`` = no filter on that field).

    Returns :class:`kamlab.capability.TeamHeatmap`: ``rows`` are exactly the roster's people of
    that team and role; ``level``/``gap`` people × competencies; ``footer`` with
    ``pct_at_target`` and ``critical_gap`` over the shown people. Each selection is computed
    once per context and remembered (the heatmap depends only on the context and the filters).
    """
    if team != ALL and team not in ctx.teams:
        raise ValueError(f"team {team!r} is not in the roster; choose one of {ctx.teams} or ALL.")
    if role != ALL and role not in ctx.roles:
        raise ValueError(f"role {role!r} is not in the roster; choose one of {ctx.roles} or ALL.")
    key = (team, role)
    hit = ctx._views.get(key)
    if hit is None:
        hit = cap.team_heatmap(
            ctx.levels,
            ctx.roster,
            teams=None if team == ALL else team,
            roles=None if role == ALL else role,
            framework=ctx.framework,
        )
        ctx._views[key] = hit
    return hit
