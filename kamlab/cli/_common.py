"""Helpers shared by the CLI verb modules."""

from __future__ import annotations

from typing import NoReturn

import typer

from kamlab.i18n import t


def not_yet(verb: str, issue: str) -> NoReturn:
    """Say plainly that ``verb`` is not built yet, and exit with status 2."""
    typer.echo(t("cli.not_yet", verb=verb, issue=issue), err=True)
    raise typer.Exit(code=2)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr (no traceback) and exit with ``code``."""
    typer.echo(message, err=True)
    raise typer.Exit(code=code)
