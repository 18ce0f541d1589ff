"""The `kamlab` console script: help, version, and honest not-yet verbs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kamlab import __version__
from kamlab.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"kamlab {__version__}"


def test_help_lists_every_verb_group() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for verb in ("start", "data", "course", "dashboard", "workshop"):
        assert verb in result.stdout


@pytest.mark.parametrize("argv", [["workshop", "new"], ["dashboard", "workshop"]])
def test_unbuilt_verbs_say_so_and_fail(argv: list[str]) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert "not built yet" in result.stderr


def test_console_script_runs_as_a_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kamlab", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"kamlab {__version__}"
