"""``kamlab course grade``: autograde every submission of an assignment, using every core.

Worker processes (one per core plus one by default) each run nbgrader's ``Autograde`` in-process
(``NbGraderAPI.autograde``: no CLI start-up per submission) with kamlab's preprocessors
(:mod:`kamlab.assess.nbgrader_ext`), and each keeps a sandboxed kernel started ahead. The
parent hands out one submission at a time, shows a progress bar and watches its workers: a
worker that dies or hangs is replaced, and its submission is recorded as graded with zeros
and a reason — never missing. A submission whose notebook nbgrader cannot process at all
is recorded the same way.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from kamlab.assess.course import Course
from kamlab.i18n import t

__all__ = ["GradeOutcome", "GradeReport", "grade_assignment", "record_failure"]

#: test hook: a worker handed this student exits at once (proves workers are replaced)
CRASH_HOOK_ENV = "KAMLAB_TEST_CRASH_WORKER_FOR"


@dataclass
class GradeOutcome:
    """One submission's grading: ``ok`` is False when it was recorded with zeros."""

    student: str
    ok: bool
    score: float = 0.0
    max_score: float = 0.0
    reason: str = ""
    seconds: float = 0.0


@dataclass
class GradeReport:
    assignment: str
    outcomes: list[GradeOutcome] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    isolation: str = ""
    missing_isolation: list[str] = field(default_factory=list)

    def outcome(self, student: str) -> GradeOutcome:
        for o in self.outcomes:
            if o.student == student:
                return o
        raise KeyError(student)


def _course_args(course: Course) -> dict[str, Any]:
    return {
        "root": course.root,
        "db_url": course.db_url,
        "exchange": course.exchange,
        "config_overrides": course.overrides,
    }


def _judge_from_config(course: Course) -> Any:
    from kamlab.assess.nbgrader_ext import SandboxedJudge

    return SandboxedJudge(config=course.config())


def share_gradebook_engines() -> None:
    """Make nbgrader reuse one SQLAlchemy engine per database URL in this process.

    nbgrader opens a new :class:`~nbgrader.api.Gradebook` — a new engine — about ten times per
    submission, losing SQLAlchemy's compiled-statement cache each time. Called in grading
    worker processes only (engines are never shared across processes).
    """
    import nbgrader.api as nbapi
    from sqlalchemy import create_engine

    if getattr(nbapi.create_engine, "_kamlab_shared", False):
        return
    engines: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def shared(url: Any, **kwargs: Any) -> Any:
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, **kwargs)
        return engines[key]

    shared._kamlab_shared = True  # type: ignore[attr-defined]
    nbapi.create_engine = shared  # type: ignore[assignment]


def _worker(conn: Connection, args: dict[str, Any], assignment: str) -> None:
    """Worker process: grade the students it is sent until it receives ``None``."""
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy warnings are not the trainer's business
    share_gradebook_engines()
    course = Course(**args)
    api = course.api()
    judge = _judge_from_config(course)
    engine = judge.engine()
    with contextlib.suppress(Exception):
        engine.pool()  # start the first kernel while waiting for work
    crash_for = os.environ.get(CRASH_HOOK_ENV, "")
    try:
        while True:
            msg = conn.recv()
            if msg is None:
                break
            student = msg
            if crash_for and student == crash_for:
                os._exit(3)
            t0 = time.monotonic()
            for attempt in range(3):
                try:
                    res = api.autograde(assignment, student, force=True, create=True)
                    ok = bool(res.get("success"))
                    err = "" if ok else _short_error(res.get("error", ""))
                except Exception as exc:  # reported to the parent
                    ok, err = False, f"{type(exc).__name__}: {exc}"
                # a busy SQLite gradebook is the grader's problem, not the trainee's: retry
                if ok or "locked" not in err.lower() or attempt == 2:
                    break
                time.sleep(1.0 + attempt)
            conn.send((student, ok, err, time.monotonic() - t0))
    finally:
        engine.close()
        conn.close()


def _short_error(text: str) -> str:
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "nbgrader could not process the notebook"


def record_failure(course: Course, assignment: str, student: str, reason: str) -> None:
    """Record ``student``'s submission as graded with zeros and ``reason`` (never missing)."""
    import warnings

    from kamlab.assess.engine import zero_judgement
    from kamlab.assess.nbgrader_ext import save_judgement
    from kamlab.assess.registry import get_assessment

    with warnings.catch_warnings(), course.gradebook() as gb:
        warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy 2 autoflush warnings
        gb.update_or_create_student(student)
        sub = gb.update_or_create_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if getattr(grade.cell, "cell_type", "code") == "code":
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
        gb.db.commit()
    try:
        assessment = get_assessment(assignment)
    except KeyError:
        return
    save_judgement(course.root, zero_judgement(assessment, student, reason))


def _scores(course: Course, assignment: str, student: str) -> tuple[float, float]:
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return 0.0, 0.0
        return float(sub.score), float(sub.max_score)


def grade_assignment(
    course: Course,
    assignment: str,
    *,
    students: list[str] | None = None,
    workers: int | None = None,
    progress: bool = True,
    task_timeout: float | None = None,
) -> GradeReport:
    """Autograde ``assignment`` for ``students`` (default: every submission) in parallel."""
    from kamlab.assess.engine import GradingEngine

    t0 = time.monotonic()
    if not course.assignment_in_gradebook(assignment):
        raise ValueError(t("assess.not_built", assignment=assignment))
    todo = sorted(students) if students else course.submitted_students(assignment)
    judge = _judge_from_config(course)
    eng: GradingEngine = judge.engine()
    eng.sandbox_spec()  # build the shared stub/world folder once, before the workers race for it
    try:  # the shipped world and the visible answers: once here, inherited by the workers
        from kamlab.assess.registry import get_assessment

        eng.warm(get_assessment(assignment))
    except (KeyError, ValueError, OSError):
        pass
    report = GradeReport(
        assignment, isolation=eng.isolation.mode, missing_isolation=eng.isolation.missing()
    )
    if not todo:
        report.seconds = time.monotonic() - t0
        return report
    course.harden()
    # one more worker than cores: a worker waits on its kernel and the disk part of the time
    n = max(1, min(workers or (os.cpu_count() or 1) + 1, len(todo)))
    report.workers = n
    limit = task_timeout or (judge.wall_timeout * (judge.kernel_restarts + 2) + 120.0)
    ctx = mp.get_context("fork")
    args = _course_args(course)

    procs: dict[int, tuple[Any, Connection]] = {}
    busy: dict[int, tuple[str, float]] = {}
    queue = list(todo)
    done: dict[str, GradeOutcome] = {}

    def spawn(slot: int) -> None:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(child, args, assignment), daemon=True)
        p.start()
        child.close()
        procs[slot] = (p, parent)

    def feed(slot: int) -> None:
        if queue:
            student = queue.pop(0)
            procs[slot][1].send(student)
            busy[slot] = (student, time.monotonic())

    def fail(slot: int, reason: str) -> None:
        student, started = busy.pop(slot)
        record_failure(course, assignment, student, reason)
        s, m = _scores(course, assignment, student)
        done[student] = GradeOutcome(student, False, s, m, reason, time.monotonic() - started)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=False,
    )
    for slot in range(n):
        spawn(slot)
    try:
        with bar:
            task = bar.add_task(t("assess.grading", assignment=assignment), total=len(todo))
            for slot in range(n):
                feed(slot)
            while busy:
                conns = {procs[s][1]: s for s in busy}
                sentinels = {procs[s][0].sentinel: s for s in busy}
                ready = wait([*conns, *sentinels], timeout=1.0)
                for obj in ready:
                    slot = conns.get(obj)  # type: ignore[arg-type]
                    if slot is not None and slot in busy:
                        try:
                            student, ok, err, secs = obj.recv()  # type: ignore[union-attr]
                        except (EOFError, OSError):
                            continue  # the sentinel branch handles a dead worker
                        busy.pop(slot)
                        if not ok:
                            record_failure(course, assignment, student, f"nbgrader: {err}")
                        s, m = _scores(course, assignment, student)
                        done[student] = GradeOutcome(student, ok, s, m, "" if ok else err, secs)
                        bar.advance(task)
                        feed(slot)
                for obj in ready:
                    slot = sentinels.get(obj)  # type: ignore[arg-type]
                    if slot is not None and slot in busy and not procs[slot][0].is_alive():
                        code = procs[slot][0].exitcode
                        fail(slot, f"worker_died (exit code {code})")
                        bar.advance(task)
                        spawn(slot)
                        feed(slot)
                now = time.monotonic()
                for slot, (_student, started) in list(busy.items()):
                    if now - started > limit:
                        p, _ = procs[slot]
                        p.kill()
                        p.join(5)
                        fail(slot, "grader_timeout")
                        bar.advance(task)
                        spawn(slot)
                        feed(slot)
    finally:
        for _p, conn in procs.values():
            with contextlib.suppress(OSError, BrokenPipeError):
                conn.send(None)
        for p, _conn in procs.values():
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join(5)
    report.outcomes = [done[s] for s in todo if s in done]
    report.seconds = time.monotonic() - t0
    return report
