"""The course verbs on the toy course: export, status, solutions, zip collect, exchange, CLI."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pandas as pd
import pytest
from _cohort import EXPECTED
from typer.testing import CliRunner

from kamlab.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_export_long_table_matches_the_gradebook(toy, tmp_path) -> None:
    from kamlab.assess.export import ITEM_COLUMNS, export_scores

    per_student, per_item = export_scores(toy.course, tmp_path)
    long = pd.read_csv(per_item)
    assert list(long.columns) == ITEM_COLUMNS
    for student, items in EXPECTED.items():
        for item, want in items.items():
            row = long[(long.person_id == student) & (long.item_id == item)]
            assert len(row) == 1
            if want is not None:
                assert row.score.iloc[0] == pytest.approx(want)
            assert row.assignment.iloc[0] == "T0" and row.attempt.iloc[0] >= 1
    assert (
        long.loc[(long.person_id == "manual") & (long.item_id == "T0-T4"), "max_score"].iloc[0]
        == 1.0
    )
    wide = {r["person_id"]: r for r in csv.DictReader(per_student.open())}
    assert float(wide["correct"]["T0_score"]) == 5.0 and float(wide["correct"]["total_max"]) == 6.0
    assert float(wide["partial"]["total_score"]) == 2.5


def test_export_matches_the_assessment_scores_schema(toy) -> None:
    from kamlab.assess.export import item_scores
    from kamlab.data.schemas import SCHEMAS

    df = item_scores(toy.course)
    for col in SCHEMAS["assessment_scores"].columns:
        assert col.name in df.columns
        assert str(df[col.name].dtype) == col.dtype, col.name


def test_status_reports_submissions_grades_and_problems(toy) -> None:
    from kamlab.assess.status import course_status

    rows = {r.student: r for r in course_status(toy.course, "T0")}
    assert set(EXPECTED) <= set(rows)
    assert rows["correct"].graded and rows["correct"].score == 5.0
    assert rows["tamper"].tampered == ["T0-T1", "T0-T3"]
    assert rows["delegate"].delegated
    assert rows["loop"].timed_out
    assert rows["kill"].kernel_died
    assert rows["manual"].needs_manual == [] or rows["manual"].needs_manual == ["T0-T4"]
    result = runner.invoke(app, ["course", "status", "T0", "--root", str(toy.root)])
    assert result.exit_code == 0, result.output
    assert "tamper" in result.stdout and "locked cells edited: T0-T1, T0-T3" in result.stdout


def test_solutions_write_answer_keys(toy, tmp_path) -> None:
    from kamlab.assess.solutions import write_solutions

    out = write_solutions(toy.course, tmp_path / "keys")
    nb = nbformat.read(out / "T0" / "T0_assessment.ipynb", as_version=4)
    assert any("### BEGIN SOLUTION" in c.source for c in nb.cells)
    key = (out / "T0" / "answer_key.md").read_text()
    import toy_spec

    assert (
        repr(toy_spec.ref_top_region(toy.shipped)) in key
        or toy_spec.ref_top_region(toy.shipped) in key
    )
    assert f"{toy_spec.ref_net_sales(toy.shipped.sales, 0.1):.2f}"[:6] in key


def test_collect_zip_from_an_lms(toy, tmp_path) -> None:
    from kamlab.assess.exchange import collect_zip

    release = (toy.root / "release/T0/T0_assessment.ipynb").read_bytes()
    z = tmp_path / "lms.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Group A/zoe_T0_assessment.ipynb", release)
        zf.writestr("yan/T0_assessment.ipynb", release)
        zf.writestr("../../evil_T0_assessment.ipynb", release)  # only the base name counts
        zf.writestr("notes.txt", "hello")
    rep = collect_zip(toy.course, "T0", z)
    assert sorted(rep.collected) == ["evil", "yan", "zoe"]
    assert rep.skipped == ["notes.txt"]
    assert (toy.root / "submitted/zoe/T0/T0_assessment.ipynb").read_bytes() == release
    assert (toy.root / "submitted/yan/T0/timestamp.txt").is_file()
    assert not (toy.root.parent / "evil_T0_assessment.ipynb").exists()


def test_release_and_collect_through_the_exchange(toy, tmp_path) -> None:
    from kamlab.assess.course import Course
    from kamlab.assess.exchange import collect, release

    exchange = tmp_path / "exchange"
    course = Course(toy.root, exchange=exchange, config_overrides=toy.course.overrides)
    release(course, "T0")
    assert (exchange / "kamlab" / "outbound" / "T0" / "T0_assessment.ipynb").is_file()
    assert exchange.stat().st_mode & 0o777 == 0o777
    # a trainee (the current OS user) fetches and submits with nbgrader's own exchange
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

    home = tmp_path / "trainee"
    home.mkdir()
    cfg = course.config()
    cfg.CourseDirectory.root = str(home)
    cd = CourseDirectory(config=cfg)
    cd.assignment_id = "T0"
    import os

    cwd = os.getcwd()
    os.chdir(home)
    try:
        from nbgrader.auth import Authenticator

        auth = Authenticator(config=cfg)
        ExchangeFetchAssignment(coursedir=cd, authenticator=auth, config=cfg).start()
        ExchangeSubmit(coursedir=cd, authenticator=auth, config=cfg).start()
    finally:
        os.chdir(cwd)
    students = collect(course, "T0")
    import getpass

    assert getpass.getuser() in students


def test_cli_verbs_run(toy, tmp_path) -> None:
    result = runner.invoke(
        app, ["course", "export", "--root", str(toy.root), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "item_scores.csv").is_file()
    result = runner.invoke(
        app,
        ["course", "grade", "T0", "--root", str(toy.root), "--student", "correct", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert "Graded 1 submission(s) of T0" in result.stdout
    assert "Sandbox isolation" in result.stdout
    # the grading is appended to the score history the team-gaps and cohort apps read
    from kamlab.capability.sources import read_history

    assert "new result(s) in the score history" in result.stdout
    history = read_history(toy.course.db_url)
    latest = history[history["run_id"] == history["run_id"].max()]
    assert "correct" in set(latest["person_id"])
    assert set(latest["assignment"]) == {"T0"}
    result = runner.invoke(
        app,
        [
            "course",
            "feedback",
            "T0",
            "--root",
            str(toy.root),
            "--student",
            "correct",
            "--lang",
            "zh",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (toy.root / "feedback/correct/T0/T0_assessment.html").read_text()
    assert "隐藏检查通过" in html
    result = runner.invoke(app, ["course", "grade", "T9", "--root", str(toy.root)])
    assert result.exit_code == 1 and "kamlab course build" in result.stderr


def test_degraded_isolation_still_grades_and_says_what_is_missing(toy, tmp_path) -> None:
    import _toy
    from _cohort import make_toy_course, write_submission

    from kamlab.assess.build import build_course
    from kamlab.assess.grade import grade_assignment

    root = tmp_path / "course"
    course = make_toy_course(root, toy.world_dir, isolation="limits")
    build_course(course, check=False)
    release = nbformat.read(root / "release/T0/T0_assessment.ipynb", as_version=4)
    write_submission(root, "correct", _toy.fill(release, _toy.SOLUTIONS))
    report = grade_assignment(course, "T0", progress=False)
    assert report.isolation == "limits"
    assert len(report.missing_isolation) == 4
    assert any("network" in m for m in report.missing_isolation)
    assert report.outcome("correct").score == 5.0
