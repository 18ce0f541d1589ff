"""The M7 assessment's hidden worlds: default-preset worlds whose KA team can be balanced.

M7 needs a real team (the default preset: 12 KA staff, 5 regional sales managers, 2 directors;
a small world has 7 people and no regional KA staff outside R1). Whether the key accounts can
be assigned so that ``max W ≤ 1.2 × mean W`` with region consistency (M7-T4) depends on the
world: in about one world in five the two tier-C chains of one region, which only that
region's KAM may own, weigh more than any balanced team allows. :func:`make_world` therefore
takes the first world of a deterministic sequence of seeds derived from the trainee's seed
whose team can be balanced (:func:`kamlab.assess.specs._m7_org.balanced_assignment`), so a
re-grade gets the same world and the task always has an answer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TRIES", "make_world", "world_seeds"]

TRIES = 12


def world_seeds(seed: int) -> list[int]:
    """The seeds tried for trainee seed ``seed``, in order (the first is ``seed`` itself)."""
    return [
        int(seed) if k == 0 else (int(seed) * 1_000_003 + 7919 * k) % (2**31) for k in range(TRIES)
    ]


def make_world(preset: str, seed: int) -> Any:
    """The first world of :func:`world_seeds` whose KA team has a balanced assignment."""
    from kamlab.assess.specs._m7_org import balanced_assignment, org_problem
    from kamlab.sim import SimConfig, simulate

    world = None
    for s in world_seeds(seed):
        world = simulate(SimConfig.preset(preset, seed=s))
        if balanced_assignment(org_problem(world)) is not None:
            return world
    return world
