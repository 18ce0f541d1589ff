"""``kamlab dashboard team-gaps|cohort``: input checks, bad input in one paragraph, Voila flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kamlab.cli import app
from kamlab.cli.dashboard import voila_command

runner = CliRunner()


def _bad(argv: list[str], *needles: str) -> str:
    result = runner.invoke(app, ["dashboard", *argv])
    assert result.exit_code == 1, (result.exit_code, result.output)
    err = result.stderr
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    for n in needles:
        assert n in err, err
    return err


def test_check_demo_and_cohort(demo) -> None:
    r = runner.invoke(app, ["dashboard", "team-gaps", "--check"])
    assert r.exit_code == 0
    assert f"team-gaps: the inputs are fine ({len(demo.roster)} people" in r.stdout
    r = runner.invoke(app, ["dashboard", "cohort", "--check", "--lang", "zh"])
    assert r.exit_code == 0 and "输入无误" in r.stdout


def test_check_with_manager_scope() -> None:
    r = runner.invoke(app, ["dashboard", "team-gaps", "--check", "--manager", "KAM19"])
    assert r.exit_code == 0
    _bad(["team-gaps", "--check", "--manager", "NOBODY"], "NOBODY", "not in the roster")


def test_gradebook_url_that_does_not_answer() -> None:
    from tests._servers import free_port

    url = f"postgresql+psycopg://grader:pw@127.0.0.1:{free_port()}/gradebook"
    err = _bad(["team-gaps", "--db", url, "--check"], "does not answer")
    assert "pw@" not in err


def test_missing_gradebook_file(tmp_path: Path) -> None:
    _bad(["cohort", "--db", str(tmp_path / "gradebook.db")], "does not exist")
    assert not (tmp_path / "gradebook.db").exists()


def test_empty_gradebook(tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    f = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{f}", course_id="kamlab") as gb:
        gb.add_assignment("M1")
    _bad(["cohort", "--db", str(f), "--check"], "no graded submissions yet")


def test_roster_naming_unknown_people(demo_files, tmp_path: Path) -> None:
    r = pd.read_csv(demo_files["roster"], dtype=str)
    r.loc[2, "manager_id"] = "GHOST"
    f = tmp_path / "roster.csv"
    r.to_csv(f, index=False)
    _bad(
        ["team-gaps", "--scores", str(demo_files["scores"]), "--roster", str(f), "--check"],
        "GHOST",
        "not in the roster",
    )
    # people without scores: a note, and the app still starts
    r = pd.read_csv(demo_files["roster"], dtype=str)
    pd.concat([r, r.iloc[[0]].assign(person_id="NEW01", name="New Hire")]).to_csv(f, index=False)
    res = runner.invoke(
        app,
        [
            "dashboard",
            "team-gaps",
            "--scores",
            str(demo_files["scores"]),
            "--roster",
            str(f),
            "--check",
        ],
    )
    assert res.exit_code == 0 and "NEW01" in res.stderr and "no scores" in res.stderr
    # nobody of the roster has scores: stop
    r.assign(person_id=[f"X{i}" for i in range(len(r))], manager_id=pd.NA).to_csv(f, index=False)
    _bad(["team-gaps", "--scores", str(demo_files["scores"]), "--roster", str(f)], "None of the")


def test_framework_weights_not_summing_to_one(tmp_path: Path) -> None:
    from kamlab.data.framework import export_framework

    fw = export_framework(tmp_path / "fw")
    f = fw / "item_competency_map.csv"
    f.write_text(f.read_text().replace("M5-T1,C5,0.8", "M5-T1,C5,0.9"))
    _bad(["team-gaps", "--framework", str(fw), "--check"], "M5-T1", "sum to 1.1, not 1")


def test_roster_needed_and_one_source(demo_files) -> None:
    _bad(["team-gaps", "--scores", str(demo_files["scores"])], "needs a roster")
    _bad(["team-gaps", "--demo", "--scores", str(demo_files["scores"])], "one score source")


def test_port_in_use_is_refused() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        _bad(["team-gaps", "--port", str(port)], f"Port {port}", "already in use")


def test_bad_input_from_the_console_script_is_one_paragraph(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kamlab", "dashboard", "team-gaps", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "x.db does not exist" in out.stderr


def test_voila_command_has_the_safe_defaults() -> None:
    cmd = voila_command(
        Path("apps/team_gaps.ipynb"),
        ip="127.0.0.1",
        port=8866,
        token="tok",
        cull_idle=900,
        cull_interval=60,
        timeout=120,
        pool_size=2,
        preheat=True,
    )
    assert "--Voila.ip=127.0.0.1" in cmd and not any(c.startswith("--ip") for c in cmd)
    assert "--template=kamlab" in cmd
    for flag in (
        "--MappingKernelManager.cull_idle_timeout=900",
        "--MappingKernelManager.cull_interval=60",
        "--VoilaExecutor.timeout=120",
        "--preheat_kernel=True",
        "--pool_size=2",
        "--token=tok",
        "--Voila.port_retries=0",
    ):
        assert flag in cmd


def test_template_drops_the_cdn_stylesheet() -> None:
    from kamlab.cli.dashboard import _JUPYTER_DATA

    tpl = _JUPYTER_DATA / "voila" / "templates" / "kamlab" / "index.html.j2"
    code = tpl.read_text().split("-#}", 1)[1]  # after the explaining comment
    assert "https://" not in code and "<link" not in code and "super.super()" in code


def test_workshop_is_still_not_built() -> None:
    r = runner.invoke(app, ["dashboard", "workshop"])
    assert r.exit_code == 2 and "not built yet" in r.stderr


@pytest.mark.parametrize("name", ["team_gaps", "cohort"])
def test_app_notebooks_are_one_cell_without_outputs(name: str) -> None:
    import nbformat

    from kamlab.resources import apps_dir

    nb = nbformat.read(apps_dir() / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1
    assert code[0].outputs == [] and code[0].execution_count is None
    assert f"from kamlab.apps.{name} import serve" in code[0].source
