"""`kamlab start`'s workspace: copied once, never overwritten, newer modules offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamlab.learn.workspace import ensure_workspace


def _shipped(tmp_path: Path) -> Path:
    src = tmp_path / "shipped"
    src.mkdir()
    (src / "00_start_here.ipynb").write_text("v1-start")
    (src / "M1.ipynb").write_text("v1-m1")
    return src


def test_first_run_copies_everything(tmp_path: Path) -> None:
    src = _shipped(tmp_path)
    rep = ensure_workspace(tmp_path / "ws", source=src)
    assert rep.created
    assert sorted(rep.copied) == ["00_start_here.ipynb", "M1.ipynb"]
    assert (tmp_path / "ws" / "M1.ipynb").read_text() == "v1-m1"


def test_upgrade_never_overwrites_and_offers_newer_modules(tmp_path: Path) -> None:
    src = _shipped(tmp_path)
    ws = tmp_path / "ws"
    ensure_workspace(ws, source=src)
    (ws / "M1.ipynb").write_text("my work")  # the trainee's edits
    (src / "M1.ipynb").write_text("v2-m1")  # a newer kamlab
    (src / "00_start_here.ipynb").write_text("v2-start")
    (src / "M2.ipynb").write_text("v1-m2")  # a new module
    rep = ensure_workspace(ws, source=src)
    assert (ws / "M1.ipynb").read_text() == "my work"
    assert (ws / "00_start_here.ipynb").read_text() == "v1-start"
    assert (ws / "updates" / "M1.ipynb").read_text() == "v2-m1"
    assert sorted(rep.offered) == ["00_start_here.ipynb", "M1.ipynb"]
    assert rep.copied == ["M2.ipynb"]
    again = ensure_workspace(ws, source=src)  # idempotent
    assert (ws / "M1.ipynb").read_text() == "my work"
    assert again.copied == []


def test_unchanged_workspace_reports_nothing_new(tmp_path: Path) -> None:
    src = _shipped(tmp_path)
    ensure_workspace(tmp_path / "ws", source=src)
    rep = ensure_workspace(tmp_path / "ws", source=src)
    assert rep.copied == [] and rep.offered == []
    assert sorted(rep.kept) == ["00_start_here.ipynb", "M1.ipynb"]


def test_start_generates_the_world_when_the_shipped_copy_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kamlab
    from kamlab import resources
    from kamlab.cli import start

    monkeypatch.setattr(resources, "default_world_dir", lambda: tmp_path / "missing")
    start._ensure_world()
    world = kamlab.load_world()
    assert world.meta["seed"] == 20240601 and len(world.sell_in) > 10_000
    assert (resources.generated_world_dir() / "meta.json").is_file()


def test_start_dry_run_prepares_the_workspace_and_prints_the_url(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kamlab.cli import app

    result = CliRunner().invoke(app, ["start", "--workspace", str(tmp_path / "ws"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ws" / "00_start_here.ipynb").is_file()
    assert "00_start_here.ipynb?token=" in result.output
    assert "--LabApp.news_url=None" in result.output
