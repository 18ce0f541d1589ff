"""``kamlab data validate`` and ``kamlab data import``: check any world; bring your own data."""

from __future__ import annotations

from pathlib import Path

import typer

from kamlab.cli._common import not_yet


def validate(path: Path = typer.Argument(..., help="A saved world folder.")) -> None:
    """Check a world against the schemas and invariants; print each problem; exit 1 if any."""
    not_yet("kamlab data validate", "the simulated account world")


def import_(
    src: Path = typer.Argument(..., help="Folder of CSV/Excel extracts plus a mapping file."),
    out: Path = typer.Option(..., help="Folder to write the imported world into."),
) -> None:
    """Map and validate a company's own extracts into a kamlab world."""
    not_yet("kamlab data import", "the simulated account world")
