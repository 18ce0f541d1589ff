"""``kamlab course status``: who submitted, who is graded, what needs manual grading, what went wrong."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from kamlab.assess.course import Course

__all__ = ["StatusRow", "course_status"]


@dataclass
class StatusRow:
    """One trainee × assessment."""

    student: str
    assignment: str
    submitted: str = ""
    graded: bool = False
    score: float | None = None
    max_score: float | None = None
    needs_manual: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    delegated: bool = False
    timed_out: bool = False
    kernel_died: bool = False
    error: str = ""


def course_status(course: Course, assignment: str | None = None) -> list[StatusRow]:
    """One row per submission (on disk or in the gradebook) of ``assignment`` (default: all)."""
    from nbgrader.api import MissingEntry

    from kamlab.assess.nbgrader_ext import read_judgement

    aids = (
        [assignment]
        if assignment
        else sorted(
            set(course.source_assignments())
            | {p.name for p in (course.root / "submitted").glob("*/*") if p.is_dir()}
        )
    )
    rows: list[StatusRow] = []
    with course.gradebook() as gb:
        for aid in aids:
            students = set(course.submitted_students(aid))
            with contextlib.suppress(MissingEntry):
                students |= {s.student.id for s in gb.find_assignment(aid).submissions}
            for sid in sorted(students):
                row = StatusRow(sid, aid)
                ts = course.root / "submitted" / sid / aid / "timestamp.txt"
                row.submitted = (
                    ts.read_text().strip()
                    if ts.is_file()
                    else ("yes" if sid in course.submitted_students(aid) else "")
                )
                try:
                    sub = gb.find_submission(aid, sid)
                except MissingEntry:
                    sub = None
                if sub is not None:
                    grades = [g for nb in sub.notebooks for g in nb.grades]
                    row.graded = any(
                        g.auto_score is not None or g.manual_score is not None for g in grades
                    )
                    if row.graded:
                        row.score = float(sub.score)
                        row.max_score = float(sub.max_score)
                    row.needs_manual = sorted(g.name for g in grades if g.needs_manual_grade)
                j = read_judgement(course.root, aid, sid)
                if j is not None:
                    row.tampered = sorted({t["cell"] for t in j.tampering})
                    row.delegated = bool(j.delegation)
                    cells = j.run.get("cells", {}) if isinstance(j.run, dict) else {}
                    row.timed_out = bool(j.run.get("timeouts")) or any(
                        v in ("timeout", "killed") for v in cells.values()
                    )
                    row.kernel_died = bool(j.run.get("kernel_deaths"))
                    row.error = j.error
                rows.append(row)
    return rows
