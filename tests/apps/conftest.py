"""Fixtures of the app tests: the demo source, small real gradebooks, files, PostgreSQL."""

from __future__ import annotations

import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _appdata import COHORT, cohort_scores  # noqa: E402
from _gradebook import write_gradebook  # noqa: E402


@pytest.fixture(scope="session")
def demo():
    """The demo source (the simulated KA team of the shipped default world)."""
    from kamlab.capability.sources import demo_source

    return demo_source()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory, demo) -> dict[str, Path]:
    """The demo team's roster and scores written as files (roster.csv, item_scores.csv)."""
    d = tmp_path_factory.mktemp("demo_files")
    roster = demo.roster.copy()
    roster.to_csv(d / "roster.csv", index=False)
    sc = demo.scores.copy()
    sc["attempt"] = sc["submission_attempt"]
    sc[["person_id", "assignment", "item_id", "attempt", "score", "max_score", "graded_at"]].to_csv(
        d / "item_scores.csv", index=False
    )
    return {"roster": d / "roster.csv", "scores": d / "item_scores.csv", "dir": d}


@pytest.fixture(scope="session")
def gradebook_file(tmp_path_factory: pytest.TempPathFactory, demo) -> Path:
    """A real nbgrader gradebook (SQLite) with the small cohort graded; one submission of KAM14
    not graded yet (M8) and KAM02's manual item M8-T4 waiting for a grader. Copy it before
    writing to it."""
    d = tmp_path_factory.mktemp("gradebook")
    f = d / "gradebook.db"
    sc = cohort_scores(demo)
    sc = sc.loc[~((sc["person_id"] == "KAM14") & (sc["assignment"] == "M8"))]
    names = dict(zip(demo.people["person_id"], demo.people["name"], strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_gradebook(
            f"sqlite:///{f}",
            sc,
            names=names,
            ungraded=[("KAM14", "M8")],
            manual=[("KAM02", "M8-T4")],
        )
    return f


@pytest.fixture
def gradebook_copy(gradebook_file: Path, tmp_path: Path) -> Path:
    """A private copy of the small gradebook (tests that record runs or re-grade)."""
    f = tmp_path / "gradebook.db"
    shutil.copy(gradebook_file, f)
    return f


@pytest.fixture(scope="session")
def cohort_roster(tmp_path_factory: pytest.TempPathFactory, demo) -> Path:
    """A roster file of the small cohort (managers outside it removed)."""
    r = demo.roster.loc[demo.roster["person_id"].isin(COHORT)].copy()
    r.loc[~r["manager_id"].isin(COHORT), "manager_id"] = pd.NA
    f = tmp_path_factory.mktemp("roster") / "cohort_roster.csv"
    r.to_csv(f, index=False)
    return f


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server (initdb + pg_ctl on a free port) with an empty database."""
    from _postgres import PostgresServer, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) are installed on this machine")
    with PostgresServer(tmp_path_factory.mktemp("pg")) as server:
        yield server.create_database("gradebook")
