"""The wheel carries everything a pip-installed kamlab needs: curriculum, world, apps, data files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (whl,) = out.glob("kamlab-*.whl")
    return whl


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "kamlab/_shipped/curriculum/00_start_here.ipynb",
        "kamlab/_shipped/datasets/default/meta.json",
        "kamlab/_shipped/datasets/default/public/sell_in.parquet",
        "kamlab/_shipped/apps/team_gaps.ipynb",
        "kamlab/data/framework/assessment_items.csv",
        "kamlab/i18n/messages/common.json",
    ):
        assert rel in names, rel
    assert not any("assessments/source" in n for n in names), "answer keys must not ship"


def test_installed_wheel_runs_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    code = (
        "import kamlab, kamlab.resources as r; assert r.repo_root() is None, r.repo_root();"
        "w = kamlab.load_world(); print(kamlab.__file__, len(w.sell_in))"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert str(target) in out.stdout and int(out.stdout.split()[-1]) > 10_000
