"""The same grading with a PostgreSQL gradebook gives the same scores as with SQLite."""

from __future__ import annotations

import nbformat
import pytest
from _cohort import EXPECTED, make_toy_course, toy_cohort, write_submission

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SUBSET = ["correct", "partial", "hardcode", "delegate", "tamper", "manual"]


def test_postgres_gradebook_gives_the_same_scores(toy, postgres_url, tmp_path) -> None:
    from kamlab.assess.build import build_course
    from kamlab.assess.course import Course
    from kamlab.assess.export import item_scores
    from kamlab.assess.grade import grade_assignment

    assert postgres_url.startswith("postgresql+psycopg://")
    root = tmp_path / "course"
    make_toy_course(root, toy.world_dir)
    course = Course(root, db_url=postgres_url)
    build_course(course, check=False)
    release = nbformat.read(root / "release/T0/T0_assessment.ipynb", as_version=4)
    cohort = toy_cohort(root, release, toy.shipped)
    for s in SUBSET:
        write_submission(root, s, cohort[s])
    report = grade_assignment(course, "T0", progress=False)
    assert all(o.ok for o in report.outcomes)
    pg = item_scores(course)
    sq = item_scores(toy.course)
    for s in SUBSET:
        for item, want in EXPECTED[s].items():
            a = pg[(pg.person_id == s) & (pg.item_id == item)].score.iloc[0]
            b = sq[(sq.person_id == s) & (sq.item_id == item)].score.iloc[0]
            if want is not None:
                assert a == pytest.approx(want)
            if item != "T0-T4":  # the SQLite run's manual item may carry a grader's score
                assert a == pytest.approx(b), (s, item)
    # a manual grade survives re-grading on PostgreSQL too
    with course.gradebook() as gb:
        g = gb.find_grade("T0-T4", "T0_assessment", "T0", "manual")
        g.manual_score = 1.0
        g.needs_manual_grade = False
        gb.db.commit()
    grade_assignment(course, "T0", students=["manual"], progress=False)
    with course.gradebook() as gb:
        g = gb.find_grade("T0-T4", "T0_assessment", "T0", "manual")
        assert (g.score, g.needs_manual_grade) == (1.0, False)
