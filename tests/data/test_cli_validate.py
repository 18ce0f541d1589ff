"""`kamlab data validate DIR`: exit 0 clean, 1 with problems, 2 when DIR is not a world."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kamlab.cli import app
from kamlab.data import World
from tests.data.worldgen import make_world

runner = CliRunner()


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = make_world()
    truth = {"truth_baseline": tables.pop("truth_baseline")}
    return World(public=tables, truth=truth, meta={"seed": 0}).save(
        tmp_path_factory.mktemp("w") / "world"
    )


def test_clean_world_exits_0_with_a_summary(saved: Path) -> None:
    result = runner.invoke(app, ["data", "validate", str(saved)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 0, result.output
    world = World.load(saved)
    n_rows = sum(len(world[n]) for n in world)
    assert result.stdout.strip() == (
        f"{saved} is a valid kamlab world: {len(world.table_names())} tables, {n_rows:,} rows."
    )


def test_broken_world_exits_1_and_lists_problems_by_table(saved: Path, tmp_path: Path) -> None:
    world = World.load(saved)
    world.public["sell_in"].loc[0, "invoice_sales"] += 5
    world.public["mix_plan"].loc[0, "planned_share"] += 0.5
    broken = world.save(tmp_path / "broken")
    result = runner.invoke(app, ["data", "validate", str(broken)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 1
    out = result.stdout
    assert "mix_plan (1 problem(s)):" in out and "sell_in (1 problem(s)):" in out
    assert "invoice sales are gross sales less the on-invoice discount" in out
    assert out.strip().splitlines()[-1].startswith(f"{broken}: 2 problem(s) in 2 table(s)")


def test_file_edited_after_saving_is_reported(saved: Path, tmp_path: Path) -> None:
    import shutil

    import pandas as pd

    copy = Path(shutil.copytree(saved, tmp_path / "edited"))
    f = copy / "public" / "regions.parquet"
    df = pd.read_parquet(f)
    df.loc[0, "population_m"] = 1.0
    df.to_parquet(f, index=False)
    result = runner.invoke(app, ["data", "validate", str(copy)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 1
    assert "differ from the hash recorded in meta.json" in result.stdout


def test_not_a_world_exits_2_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "validate", str(tmp_path)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 2
    assert f"{tmp_path} is not a kamlab world: it has no public/ folder" in result.stderr
    assert "Traceback" not in result.output
    missing = tmp_path / "nope"
    result = runner.invoke(app, ["data", "validate", str(missing)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 2 and "there is no such folder" in result.stderr


def test_corrupt_table_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "sell_in.parquet").write_bytes(b"not parquet")
    result = runner.invoke(app, ["data", "validate", str(tmp_path)], env={"KAMLAB_LANG": "en"})
    assert result.exit_code == 2 and "is not a kamlab world" in result.stderr
    assert "Traceback" not in result.output


def test_messages_in_chinese(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "validate", str(tmp_path)], env={"KAMLAB_LANG": "zh"})
    assert result.exit_code == 2 and "不是 kamlab 世界" in result.stderr


def test_validate_as_a_real_process(saved: Path, tmp_path: Path) -> None:
    world = World.load(saved)
    world.public["customer_inventory"].loc[0, "closing_cases"] += 1
    broken = world.save(tmp_path / "broken")
    env = {"KAMLAB_LANG": "en", "PATH": "/usr/bin:/bin", "KAMLAB_HOME": str(tmp_path)}
    ok = subprocess.run(
        [sys.executable, "-m", "kamlab", "data", "validate", str(saved)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0 and "is a valid kamlab world" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "kamlab", "data", "validate", str(broken)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 1
    assert "closing stock must equal opening + receipts − sell-out" in bad.stdout
