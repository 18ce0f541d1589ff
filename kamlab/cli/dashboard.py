"""``kamlab dashboard team-gaps|cohort|workshop``: the Voila apps."""

from __future__ import annotations

import typer

from kamlab.cli._common import not_yet

app = typer.Typer(help="Serve the managers' and trainers' Voila apps.", no_args_is_help=True)


@app.command("team-gaps")
def team_gaps(port: int = typer.Option(8866, help="Port to serve on.")) -> None:
    """The team capability-gaps app for KA managers and directors."""
    not_yet("kamlab dashboard team-gaps", "team capability gaps and cohort progress apps")


@app.command("cohort")
def cohort(port: int = typer.Option(8866, help="Port to serve on.")) -> None:
    """The cohort-progress app for trainers."""
    not_yet("kamlab dashboard cohort", "team capability gaps and cohort progress apps")


@app.command("workshop")
def workshop(port: int = typer.Option(8866, help="Port to serve on.")) -> None:
    """The workshop-game app for trainers."""
    not_yet("kamlab dashboard workshop", "the multi-round workshop game")
