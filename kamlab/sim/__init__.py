"""The seeded account-world simulator (SPEC §3).

>>> from kamlab.sim import SimConfig, simulate
>>> world = simulate(SimConfig.preset("small", seed=11))
>>> sorted(world.truth)[:2]
['truth_baseline', 'truth_diversion']

Public API:

- :class:`SimConfig` — presets ``small`` / ``default`` / ``large``, a seed and a scenario set
  (``"default"``, ``"none"`` or a list of :class:`ScenarioSpec`); JSON-serialisable.
- :class:`ScenarioSpec` — one scenario knob of SPEC §3.11 with parameters.
- :func:`simulate` — build a world (:class:`kamlab.data.World`; ``Dataset`` is an alias).
- :func:`simulate_plan` — replay one account's next 13 weeks under a plan (SPEC §3.1).
"""

from kamlab.data.world import World
from kamlab.sim.config import ModelParams, ScenarioSpec, SimConfig
from kamlab.sim.engine import simulate
from kamlab.sim.plan import PlanResult, simulate_plan

Dataset = World

__all__ = [
    "Dataset",
    "ModelParams",
    "PlanResult",
    "ScenarioSpec",
    "SimConfig",
    "simulate",
    "simulate_plan",
]
