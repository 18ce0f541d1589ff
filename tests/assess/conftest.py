"""Fixtures of the assessment tests: a toy course graded once per session, and PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import _toy  # noqa: E402
import toy_spec  # noqa: E402
from _cohort import SECRET, ToyCourse, make_toy_course, toy_cohort, write_submission  # noqa: E402


@pytest.fixture(scope="session")
def session_env() -> Iterator[pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    mp.setenv("KAMLAB_ASSESS_SPECS", str(_toy.SPEC_FILE))
    mp.setenv("KAMLAB_COURSE_SECRET", SECRET)
    yield mp
    mp.undo()


@pytest.fixture(scope="session")
def toy(tmp_path_factory: pytest.TempPathFactory, session_env: pytest.MonkeyPatch) -> ToyCourse:
    """The toy course, built, with the whole cohort submitted and graded once."""
    from kamlab.assess.build import build_course
    from kamlab.assess.grade import grade_assignment

    base = tmp_path_factory.mktemp("toy")
    shipped = toy_spec.toy_world("small", 1)
    world_dir = shipped.save(base / "toyworld")
    root = base / "course"
    course = make_toy_course(root, world_dir)
    build_course(course, check=False)
    release = nbformat.read(root / "release" / "T0" / "T0_assessment.ipynb", as_version=4)
    cohort = toy_cohort(root, release, shipped)
    for student, nb in cohort.items():
        write_submission(root, student, nb)
    report = grade_assignment(course, "T0", progress=False)
    return ToyCourse(root, course, report, sorted(cohort), shipped, world_dir)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server (initdb + pg_ctl on a free port) with an empty database."""
    from _postgres import PostgresServer, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) are installed on this machine")
    with PostgresServer(tmp_path_factory.mktemp("pg")) as server:
        yield server.create_database("gradebook")
