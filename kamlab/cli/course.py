"""``kamlab course …``: the nbgrader capability assessments, wrapped."""

from __future__ import annotations

import typer

from kamlab.cli._common import not_yet

app = typer.Typer(
    help="Build, release, collect, grade and export the assessments.", no_args_is_help=True
)

_ISSUE = "capability assessments with nbgrader"


@app.command("build")
def build() -> None:
    """Generate the release versions of the assessments."""
    not_yet("kamlab course build", _ISSUE)


@app.command("release")
def release() -> None:
    """Release an assessment through the nbgrader exchange."""
    not_yet("kamlab course release", _ISSUE)


@app.command("collect")
def collect() -> None:
    """Collect submissions (exchange, or --zip from a learning-management system)."""
    not_yet("kamlab course collect", _ISSUE)


@app.command("grade")
def grade() -> None:
    """Autograde a whole assignment in sandboxed kernels, using every core."""
    not_yet("kamlab course grade", _ISSUE)


@app.command("feedback")
def feedback() -> None:
    """Write clean HTML feedback per submission."""
    not_yet("kamlab course feedback", _ISSUE)


@app.command("export")
def export() -> None:
    """Export scores: CSV per student and a long per-item table."""
    not_yet("kamlab course export", _ISSUE)
