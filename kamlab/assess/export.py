"""``kamlab course export``: scores for the capability analytics.

Two CSV files (UTF-8, one header row):

- ``item_scores.csv`` — the long table, one row per trainee × item × grading run:
  ``person_id, assignment, item_id, attempt, score, max_score, graded_at, needs_manual_grade``.
  It is the ``assessment_scores`` table of ``kamlab/data/schemas.py`` plus ``assignment`` and
  ``needs_manual_grade``; ``attempt`` is the grading run number (1 for the first grading of a
  submission, 2 after a re-grade …); ``score`` is the gradebook's score (a manual grade when
  there is one); ``graded_at`` is the ISO time (UTC) of that grading run.
- ``scores_by_student.csv`` — one row per trainee: ``person_id``, then ``<A>_score`` and
  ``<A>_max`` for each assessment ``A``, then ``total_score`` and ``total_max``.

Only graded submissions appear. :func:`item_scores` returns the long table as a DataFrame.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kamlab.assess.course import Course

__all__ = ["ITEM_COLUMNS", "export_scores", "item_scores"]

ITEM_COLUMNS = [
    "person_id",
    "assignment",
    "item_id",
    "attempt",
    "score",
    "max_score",
    "graded_at",
    "needs_manual_grade",
]


def item_scores(course: Course, assignments: list[str] | None = None) -> pd.DataFrame:
    """The long per-item table of every graded submission (see the module docstring)."""
    from kamlab.assess.nbgrader_ext import read_judgement

    rows = []
    with course.gradebook() as gb:
        for assignment in gb.assignments:
            aid = assignment.name
            if assignments and aid not in assignments:
                continue
            for sub in assignment.submissions:
                sid = sub.student.id
                j = read_judgement(course.root, aid, sid)
                graded = j is not None or any(
                    g.auto_score is not None or g.manual_score is not None
                    for nb in sub.notebooks
                    for g in nb.grades
                )
                if not graded:
                    continue
                attempt = j.attempt if j is not None else 1
                when = j.graded_at if j is not None and j.graded_at else sub.timestamp
                for nb in sub.notebooks:
                    for g in nb.grades:
                        rows.append(
                            {
                                "person_id": sid,
                                "assignment": aid,
                                "item_id": g.name,
                                "attempt": attempt,
                                "score": float(g.score or 0.0),
                                "max_score": float(g.max_score),
                                "graded_at": when,
                                "needs_manual_grade": bool(g.needs_manual_grade),
                            }
                        )
    df = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    for col in ("person_id", "assignment", "item_id"):
        df[col] = df[col].astype("string")
    df["attempt"] = df["attempt"].astype("int16")
    df["score"] = df["score"].astype("float64")
    df["max_score"] = df["max_score"].astype("float64")
    df["graded_at"] = (
        pd.to_datetime(df["graded_at"], utc=True).dt.tz_localize(None).astype("datetime64[ns]")
    )
    df["needs_manual_grade"] = df["needs_manual_grade"].astype(bool)
    return df.sort_values(["person_id", "assignment", "item_id"]).reset_index(drop=True)


def export_scores(
    course: Course, out_dir: str | Path, assignments: list[str] | None = None
) -> tuple[Path, Path]:
    """Write ``scores_by_student.csv`` and ``item_scores.csv`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    long = item_scores(course, assignments)
    per_item = out / "item_scores.csv"
    shown = long.copy()
    shown["graded_at"] = shown["graded_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    shown.to_csv(per_item, index=False)
    if long.empty:
        wide = pd.DataFrame(columns=["person_id", "total_score", "total_max"])
    else:
        agg = long.groupby(["person_id", "assignment"], observed=True)[["score", "max_score"]].sum()
        wide = agg.unstack("assignment")
        wide.columns = [f"{a}_{'score' if m == 'score' else 'max'}" for m, a in wide.columns]
        order = sorted(wide.columns, key=lambda c: (c.rsplit("_", 1)[0], c.endswith("_max")))
        wide = wide[order]
        wide["total_score"] = agg["score"].groupby("person_id").sum()
        wide["total_max"] = agg["max_score"].groupby("person_id").sum()
        wide = wide.reset_index()
    per_student = out / "scores_by_student.csv"
    wide.to_csv(per_student, index=False)
    return per_student, per_item
