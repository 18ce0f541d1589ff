"""``kamlab data generate|validate|import``: the simulated world and bring-your-own-data."""

from __future__ import annotations

from pathlib import Path

import typer

from kamlab.cli._common import not_yet

app = typer.Typer(help="Generate, validate and import account worlds.", no_args_is_help=True)


@app.command("generate")
def generate(
    preset: str = typer.Option("default", help="small, default or large."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same world."),
    scenarios: str = typer.Option("default", help="default or none."),
    out: Path = typer.Option(..., help="Folder to write the world into."),
) -> None:
    """Simulate an account world and save it (parquet) to OUT."""
    not_yet("kamlab data generate", "the simulated account world")


@app.command("validate")
def validate(path: Path = typer.Argument(..., help="A saved world folder.")) -> None:
    """Check a world against the schemas and invariants; print each problem; exit 1 if any."""
    not_yet("kamlab data validate", "the simulated account world")


@app.command("import")
def import_(
    src: Path = typer.Argument(..., help="Folder of CSV/Excel extracts plus a mapping file."),
    out: Path = typer.Option(..., help="Folder to write the imported world into."),
) -> None:
    """Map and validate a company's own extracts into a kamlab world."""
    not_yet("kamlab data import", "the simulated account world")
