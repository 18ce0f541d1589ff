"""The shipped default world (datasets/default) passes every schema and invariant check."""

from __future__ import annotations

import pytest

from kamlab.data import World
from kamlab.data.validate import format_report, validate_world, verify_hashes
from kamlab.resources import default_world_dir


@pytest.fixture(scope="module")
def default_world() -> World:
    path = default_world_dir()
    if not (path / "public").is_dir():
        pytest.skip(f"no shipped default world at {path} (regenerate it with kamlab data generate)")
    return World.load(path)


def test_default_world_validates_clean(default_world: World) -> None:
    problems = validate_world(default_world, required=("calendar", "accounts", "products"))
    assert problems == [], format_report(problems)


def test_default_world_files_match_their_recorded_hashes(default_world: World) -> None:
    assert verify_hashes(default_world) == []


def test_default_world_has_every_public_and_truth_table(default_world: World) -> None:
    from kamlab.data.schemas import PUBLIC_TABLES, TRUTH_TABLES

    assert set(PUBLIC_TABLES) <= set(default_world.public)
    assert set(TRUTH_TABLES) <= set(default_world.truth)
