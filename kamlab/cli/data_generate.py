"""``kamlab data generate``: simulate an account world and save it."""

from __future__ import annotations

from pathlib import Path

import typer

from kamlab.cli._common import not_yet


def generate(
    preset: str = typer.Option("default", help="small, default or large."),
    seed: int = typer.Option(20240601, help="Random seed: the same seed gives the same world."),
    scenarios: str = typer.Option("default", help="default or none."),
    out: Path = typer.Option(..., help="Folder to write the world into."),
) -> None:
    """Simulate an account world and save it (parquet) to OUT."""
    not_yet("kamlab data generate", "the simulated account world")
