"""Shared fixtures. Every test runs with its own KAMLAB_HOME so nothing touches ~/.kamlab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("kamlab-home")
    monkeypatch.setenv("KAMLAB_HOME", str(home))
    monkeypatch.delenv("KAMLAB_LANG", raising=False)
    monkeypatch.delenv("KAMLAB_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests save artefacts worth keeping (screenshots, reports): ./test-output/."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


def venv_bin() -> Path:
    """The bin/ folder of the running interpreter's environment (nbgrader needs it on PATH)."""
    import sys

    return Path(sys.executable).parent


os.environ["PATH"] = f"{venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
