"""``kamlab course feedback``: clean HTML feedback per submission.

nbgrader's ``generate_feedback`` with kamlab's :class:`~kamlab.assess.nbgrader_ext.FeedbackCleaner`
first (see ``assessments/nbgrader_config.py``): the score per item, the visible checks'
messages, which *kind* of hidden check failed (never its data), the trainee's own outputs
as submitted — nothing printed while grading, no hidden-test source, no tracebacks, no
seeds. A submission that could not be run at all (recorded with zeros) gets a short HTML
page that says so.
"""

from __future__ import annotations

import html
from pathlib import Path

from kamlab.assess.course import Course

__all__ = ["generate_feedback"]


def _fallback_html(course: Course, assignment: str, student: str, lang: str | None) -> Path | None:
    from kamlab.assess.messages import feedback_summary_markdown
    from kamlab.assess.nbgrader_ext import read_judgement
    from kamlab.assess.registry import get_assessment

    j = read_judgement(course.root, assignment, student)
    if j is None:
        return None
    try:
        nb_name = get_assessment(assignment).notebook
    except KeyError:
        nb_name = assignment
    md = feedback_summary_markdown(j, lang=lang)
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in md.splitlines() if line.strip())
    out = course.root / "feedback" / student / assignment / f"{nb_name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(assignment)}</title>"
        f"</head><body>{body}</body></html>\n",
        encoding="utf-8",
    )
    return out


def generate_feedback(
    course: Course, assignment: str, *, students: list[str] | None = None, lang: str | None = None
) -> list[Path]:
    """Write the feedback HTML of each graded submission; return the files written."""
    from kamlab.assess.nbgrader_ext import judgement_path

    if lang:
        course.overrides.setdefault("FeedbackCleaner", {})["language"] = lang
    api = course.api()
    graded = set(course.autograded_students(assignment))
    judged = {p.stem for p in judgement_path(course.root, assignment, "x").parent.glob("*.json")}
    todo = (
        sorted(students)
        if students
        else sorted(graded | (judged & set(course.submitted_students(assignment))))
    )
    out: list[Path] = []
    for student in todo:
        dest = course.root / "feedback" / student / assignment
        ok = False
        if student in graded:
            res = api.generate_feedback(assignment, student, force=True)
            ok = bool(res.get("success"))
        if ok:
            out += sorted(dest.glob("*.html"))
        else:
            fb = _fallback_html(course, assignment, student, lang)
            if fb is not None:
                out.append(fb)
    return out
