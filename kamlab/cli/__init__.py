"""The ``kamlab`` command: a thin layer over kamlab's public API.

Each verb group lives in its own module (``start``, ``data``, ``course``, ``dashboard``,
``workshop``) and calls one keyword-only entry function of the library.
"""

from __future__ import annotations

import typer

from kamlab import __version__
from kamlab.cli import course, dashboard, data, start, workshop
from kamlab.i18n import t

__all__ = ["app", "main"]

app = typer.Typer(
    name="kamlab",
    help=t("cli.help", lang="en"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kamlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """kamlab — the Key Account academy."""


app.command("start", help=start.HELP)(start.start)
app.add_typer(data.app, name="data")
app.add_typer(course.app, name="course")
app.add_typer(dashboard.app, name="dashboard")
app.add_typer(workshop.app, name="workshop")


def main() -> None:
    """Entry point of the ``kamlab`` console script."""
    app()
