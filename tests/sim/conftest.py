"""Shared simulated worlds for the simulator tests (built once per session)."""

from __future__ import annotations

import pytest

from kamlab.data.world import World
from kamlab.sim import SimConfig, simulate

#: seeds used by the statistical tests (the grading seeds of the curriculum plus a few more)
SEEDS = (11, 23, 97, 2024, 7)


@pytest.fixture(scope="session")
def small_world() -> World:
    return simulate(SimConfig.preset("small", seed=11))


@pytest.fixture(scope="session")
def small_clean() -> World:
    return simulate(SimConfig.preset("small", seed=11, scenarios="none"))


@pytest.fixture(scope="session")
def default_world() -> World:
    return simulate(SimConfig.preset("default"))


@pytest.fixture(scope="session")
def default_clean() -> World:
    return simulate(SimConfig.preset("default", scenarios="none"))
