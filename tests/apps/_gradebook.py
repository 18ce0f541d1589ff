"""Real nbgrader gradebooks for the app tests, built through nbgrader's own API.

``write_gradebook(db_url, scores)`` creates (or updates) an nbgrader gradebook — assignments,
one notebook per assignment, a grade cell per item (grade_id = item_id), students and graded
submissions — exactly the tables ``nbgrader autograde`` fills, so
:func:`kamlab.assess.export.item_scores` reads it as it reads a graded course.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def write_gradebook(
    db_url: str,
    scores: pd.DataFrame,
    *,
    names: dict[str, str] | None = None,
    ungraded: Iterable[tuple[str, str]] = (),
    manual: Iterable[tuple[str, str]] = (),
) -> None:
    """Put ``scores`` (person_id, assignment, item_id, score, max_score[, graded_at]) in the
    gradebook at ``db_url``.

    ``ungraded``: (person, assignment) submissions to create without any grade (submitted, not
    graded yet). ``manual``: (person, item) grades left for manual grading (no score,
    ``needs_manual_grade``). Re-writing a submission that exists updates its scores (a re-grade).
    """
    from nbgrader.api import Gradebook, MissingEntry

    names = names or {}
    ungraded = set(ungraded)
    manual = set(manual)
    with Gradebook(db_url, course_id="kamlab") as gb:
        items = scores.drop_duplicates("item_id")[["assignment", "item_id", "max_score"]]
        for a, g in items.groupby("assignment"):
            try:
                gb.find_assignment(a)
            except MissingEntry:
                gb.add_assignment(a)
            nb = f"{a}_assessment"
            gb.update_or_create_notebook(nb, a)
            for r in g.itertuples(index=False):
                gb.update_or_create_grade_cell(
                    r.item_id, nb, a, max_score=float(r.max_score), cell_type="code"
                )
        people = sorted(set(scores["person_id"]) | {p for p, _ in ungraded})
        for p in people:
            full = names.get(p, "")
            first, _, last = full.partition(" ")
            try:
                gb.find_student(p)
            except MissingEntry:
                gb.add_student(p, first_name=first or None, last_name=last or None)
        subs = scores[["person_id", "assignment"]].drop_duplicates()
        pairs = [*map(tuple, subs.to_numpy().tolist()), *sorted(ungraded)]
        for p, a in pairs:
            rows = scores.loc[(scores["person_id"] == p) & (scores["assignment"] == a)]
            when = (
                pd.Timestamp(rows["graded_at"].max())
                if "graded_at" in rows and len(rows)
                else pd.Timestamp("2025-01-06 09:00")
            )
            try:
                sub = gb.find_submission(a, p)
                sub.timestamp = when.to_pydatetime()
            except MissingEntry:
                sub = _new_submission(gb, a, p, when.to_pydatetime())
            if (p, a) in ungraded:
                continue
            by_item = dict(zip(rows["item_id"], rows["score"], strict=True))
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if (p, grade.name) in manual:
                        grade.auto_score = None
                        grade.needs_manual_grade = True
                    else:
                        grade.auto_score = float(by_item.get(grade.name, 0.0))
                        grade.needs_manual_grade = False
        gb.db.commit()


def _new_submission(gb, assignment: str, student: str, when):
    """What ``Gradebook.add_submission`` does, without its commit per submission (fast)."""
    from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook

    sub = SubmittedAssignment(
        assignment=gb.find_assignment(assignment), student=gb.find_student(student), timestamp=when
    )
    for notebook in sub.assignment.notebooks:
        nb = SubmittedNotebook(notebook=notebook, assignment=sub)
        for cell in notebook.grade_cells:
            Grade(cell_id=cell.id, notebook=nb)
        for cell in notebook.solution_cells:
            Comment(cell_id=cell.id, notebook=nb)
    gb.db.add(sub)
    gb.db.flush()
    return sub
