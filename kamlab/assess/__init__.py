"""nbgrader integration: course build, sandboxed parallel grading, feedback hygiene, export.

Authoring (see ``docs/ASSESSMENTS.md``)::

    from kamlab.assess import Assessment, Case, Item, Kind, compare as cmp

Running a course (what ``kamlab course …`` calls)::

    from kamlab.assess import Course, build_course, grade_assignment, generate_feedback
    course = Course("assessments")                      # or Course(root, db_url="postgresql+psycopg://…")
    build_course(course)                                # release versions + self-checks
    report = grade_assignment(course, "M1")             # sandboxed, parallel
    generate_feedback(course, "M1")
    export_scores(course, "exports")                    # scores_by_student.csv, item_scores.csv

Names are imported lazily, so ``import kamlab.assess`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "Assessment",
    "Case",
    "CaseContext",
    "CaseKind",
    "Course",
    "GradeReport",
    "Item",
    "Kind",
    "build_course",
    "collect",
    "collect_zip",
    "compare",
    "course_status",
    "export_scores",
    "generate_feedback",
    "get_assessment",
    "grade_assignment",
    "item_scores",
    "register",
    "release",
    "write_solutions",
]

_WHERE = {
    "Assessment": "kamlab.assess.spec",
    "Case": "kamlab.assess.spec",
    "CaseContext": "kamlab.assess.spec",
    "CaseKind": "kamlab.assess.spec",
    "Item": "kamlab.assess.spec",
    "Kind": "kamlab.assess.spec",
    "Course": "kamlab.assess.course",
    "GradeReport": "kamlab.assess.grade",
    "grade_assignment": "kamlab.assess.grade",
    "build_course": "kamlab.assess.build",
    "collect": "kamlab.assess.exchange",
    "collect_zip": "kamlab.assess.exchange",
    "release": "kamlab.assess.exchange",
    "course_status": "kamlab.assess.status",
    "export_scores": "kamlab.assess.export",
    "item_scores": "kamlab.assess.export",
    "generate_feedback": "kamlab.assess.feedback",
    "get_assessment": "kamlab.assess.registry",
    "register": "kamlab.assess.registry",
    "write_solutions": "kamlab.assess.solutions",
}


def __getattr__(name: str) -> Any:
    if name == "compare":
        return import_module("kamlab.assess.compare")
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kamlab.assess' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
