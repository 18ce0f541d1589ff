"""``kamlab course …``: the nbgrader capability assessments, wrapped.

Every verb takes ``--root`` (the course root, default ``./assessments``) and ``--db`` (any
SQLAlchemy URL; default SQLite ``gradebook.db`` in the course root). The logic lives in
:mod:`kamlab.assess`; these functions only parse options and print.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kamlab.cli._common import fail
from kamlab.i18n import t

app = typer.Typer(
    help="Build, release, collect, grade and export the assessments.", no_args_is_help=True
)

_ROOT = typer.Option(None, "--root", help="Course root (default: ./assessments).")
_DB = typer.Option(None, "--db", help="Gradebook SQLAlchemy URL (default: SQLite in the root).")


def _course(root: Path | None, db: str | None, exchange: Path | None = None):
    from kamlab.assess.course import Course

    try:
        return Course(root, db_url=db, exchange=exchange)
    except FileNotFoundError as exc:
        fail(str(exc), code=2)


def _isolation_note(mode: str, missing: list[str]) -> None:
    typer.echo(t("assess.iso_report", mode=mode))
    for m in missing:
        typer.echo(t("assess.iso_missing", what=m), err=True)


@app.command("build")
def build(
    assignments: list[str] = typer.Argument(None, help="Assessments to build (default: all)."),
    check: bool = typer.Option(True, help="Check that sources pass and releases fail."),
    visible: bool = typer.Option(True, help="Also run each source notebook's practice tests."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Generate the release versions of the assessments and check them."""
    from kamlab.assess.build import build_course

    course = _course(root, db)
    results = build_course(course, assignments or None, check=check, run_visible=visible)
    bad = 0
    for r in results:
        if not r.generated:
            typer.echo(
                t("assess.build_check_fail", assignment=r.assignment, problem=r.error), err=True
            )
            bad += 1
            continue
        typer.echo(t("assess.build_generated", assignment=r.assignment))
        if check and r.ok:
            typer.echo(
                t(
                    "assess.build_check_ok",
                    score=f"{r.source_score:g}",
                    max=f"{r.max_score:g}",
                    release=f"{r.release_score:g}",
                )
            )
        for p in r.problems:
            typer.echo(t("assess.build_check_fail", assignment=r.assignment, problem=p), err=True)
        bad += bool(r.problems)
    if bad:
        raise typer.Exit(code=1)


@app.command("release")
def release(
    assignment: str = typer.Argument(..., help="The assessment, e.g. M1."),
    exchange: Path | None = typer.Option(
        None, help="Exchange root (default: the course config's)."
    ),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Release an assessment through the nbgrader exchange."""
    from kamlab.assess.exchange import release as _release

    course = _course(root, db, exchange)
    try:
        path = _release(course, assignment)
    except RuntimeError as exc:
        fail(str(exc))
    typer.echo(t("assess.released", assignment=assignment, path=path))


@app.command("collect")
def collect(
    assignment: str = typer.Argument(..., help="The assessment, e.g. M1."),
    zip_file: Path | None = typer.Option(
        None, "--zip", help="A zip downloaded from a learning-management system."
    ),
    exchange: Path | None = typer.Option(
        None, help="Exchange root (default: the course config's)."
    ),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Collect submissions (exchange, or --zip from a learning-management system)."""
    from kamlab.assess.exchange import collect as _collect
    from kamlab.assess.exchange import collect_zip

    course = _course(root, db, exchange)
    if zip_file is not None:
        if not zip_file.is_file():
            fail(f"--zip {zip_file}: no such file", code=2)
        rep = collect_zip(course, assignment, zip_file)
        typer.echo(t("assess.collected", n=len(rep.collected), assignment=assignment))
        if rep.skipped:
            typer.echo(t("assess.zip_pattern"), err=True)
            for name in rep.skipped[:20]:
                typer.echo(f"  skipped: {name}", err=True)
        return
    try:
        students = _collect(course, assignment)
    except RuntimeError as exc:
        fail(str(exc))
    typer.echo(t("assess.collected", n=len(students), assignment=assignment))


@app.command("grade")
def grade(
    assignment: str = typer.Argument(..., help="The assessment, e.g. M1."),
    student: list[str] = typer.Option(None, "--student", help="Only these trainees (repeatable)."),
    workers: int | None = typer.Option(None, help="Worker processes (default: cores + 1)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Autograde a whole assignment in sandboxed kernels, using every core."""
    from kamlab.assess.grade import grade_assignment

    course = _course(root, db)
    try:
        report = grade_assignment(
            course, assignment, students=student or None, workers=workers, progress=progress
        )
    except ValueError as exc:
        fail(str(exc))
    _isolation_note(report.isolation, report.missing_isolation)
    if not report.outcomes:
        typer.echo(
            t("assess.no_submissions", assignment=assignment, path=course.root / "submitted")
        )
        return
    typer.echo(
        t(
            "assess.grade_done",
            n=len(report.outcomes),
            assignment=assignment,
            seconds=report.seconds,
            workers=report.workers,
        )
    )
    for o in report.outcomes:
        if not o.ok:
            typer.echo(t("assess.grade_failed_one", student=o.student, reason=o.reason), err=True)
    _record_history(course)


def _record_history(course) -> None:
    """Append this grading's results to the score history the apps read (never fails grading)."""
    from kamlab.capability.sources import record_grading_run

    try:
        run = record_grading_run(course)
    except (ValueError, OSError) as exc:
        typer.echo(t("assess.history_failed", reason=exc), err=True)
        return
    if run.run_id is None:
        typer.echo(t("assess.history_unchanged"))
    else:
        typer.echo(t("assess.history_recorded", n=run.n_results, run_id=run.run_id))


@app.command("feedback")
def feedback(
    assignment: str = typer.Argument(..., help="The assessment, e.g. M1."),
    student: list[str] = typer.Option(None, "--student", help="Only these trainees (repeatable)."),
    lang: str | None = typer.Option(None, help="Feedback language: en or zh."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Write clean HTML feedback per submission."""
    from kamlab.assess.feedback import generate_feedback

    if lang is not None and lang not in ("en", "zh"):
        fail("--lang must be en or zh", code=2)
    course = _course(root, db)
    paths = generate_feedback(course, assignment, students=student or None, lang=lang)
    typer.echo(
        t(
            "assess.feedback_written",
            n=len(paths),
            assignment=assignment,
            path=course.root / "feedback",
        )
    )


@app.command("export")
def export(
    out: Path = typer.Option(Path("exports"), help="Folder for the CSV files."),
    assignment: list[str] = typer.Option(None, "--assignment", help="Only these (repeatable)."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Export scores: CSV per student and a long per-item table."""
    from kamlab.assess.export import export_scores

    course = _course(root, db)
    per_student, per_item = export_scores(course, out, assignment or None)
    typer.echo(t("assess.exported", per_student=per_student, per_item=per_item))


@app.command("status")
def status(
    assignment: str | None = typer.Argument(None, help="One assessment (default: all)."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Who submitted, who is graded, what needs manual grading, what went wrong."""
    from rich.console import Console
    from rich.table import Table

    from kamlab.assess.status import course_status

    course = _course(root, db)
    rows = course_status(course, assignment)
    table = Table(title=t("assess.status_title"))
    for key in ("status_student", "status_assignment", "status_submitted", "status_graded"):
        table.add_column(t(f"assess.{key}"))
    table.add_column(t("assess.status_score"), justify="right")
    table.add_column(t("assess.status_manual"))
    table.add_column(t("assess.status_flags"))
    for r in rows:
        flags = []
        if r.tampered:
            flags.append(t("assess.flag_tampered", cells=", ".join(r.tampered)))
        if r.delegated:
            flags.append(t("assess.flag_delegated"))
        if r.timed_out:
            flags.append(t("assess.flag_timeout"))
        if r.kernel_died:
            flags.append(t("assess.flag_died"))
        if r.error:
            flags.append(t("assess.flag_error") + f": {r.error}")
        score = f"{r.score:g} / {r.max_score:g}" if r.score is not None else ""
        table.add_row(
            r.student,
            r.assignment,
            r.submitted,
            t("assess.yes") if r.graded else t("assess.no"),
            score,
            ", ".join(r.needs_manual),
            "; ".join(flags),
        )
    Console(width=200).print(table)


@app.command("solutions")
def solutions(
    out: Path = typer.Option(..., help="Folder for the answer keys (keep it from trainees)."),
    assignments: list[str] = typer.Argument(None, help="Assessments (default: all)."),
    root: Path | None = _ROOT,
    db: str | None = _DB,
) -> None:
    """Write the answer keys for graders: solutions and the visible cases' reference answers."""
    from kamlab.assess.solutions import write_solutions

    course = _course(root, db)
    path = write_solutions(course, out, assignments or None)
    typer.echo(t("assess.solutions_written", path=path))
