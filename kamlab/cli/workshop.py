"""``kamlab workshop new|status|advance|debrief``: the multi-round competitive game."""

from __future__ import annotations

import typer

from kamlab.cli._common import not_yet

app = typer.Typer(help="Run the multi-round workshop game.", no_args_is_help=True)

_ISSUE = "the multi-round workshop game"


@app.command("new")
def new() -> None:
    """Start a new game."""
    not_yet("kamlab workshop new", _ISSUE)


@app.command("status")
def status() -> None:
    """Show the state of a game."""
    not_yet("kamlab workshop status", _ISSUE)


@app.command("advance")
def advance() -> None:
    """Play the next round."""
    not_yet("kamlab workshop advance", _ISSUE)


@app.command("debrief")
def debrief() -> None:
    """Produce the debrief."""
    not_yet("kamlab workshop debrief", _ISSUE)
