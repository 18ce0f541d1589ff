"""Score sources: demo team, exported CSV, real nbgrader gradebooks, the grading-run history."""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _appdata import COHORT, cohort_scores
from _gradebook import write_gradebook

from kamlab.capability import competency_levels
from kamlab.capability.sources import (
    HISTORY_TABLE,
    SourceError,
    csv_source,
    demo_source,
    gradebook_source,
    open_source,
    read_history,
    record_grading_run,
    synthetic_team,
)


def test_demo_source_is_the_active_simulated_team(demo) -> None:
    from kamlab.data.world import load_world

    kam = load_world(truth=False)["kam"]
    active = sorted(kam.loc[kam["status"] == "ACTIVE", "kam_id"].astype(str))
    assert sorted(demo.roster["person_id"]) == active
    assert set(demo.scores["person_id"]) <= set(active)
    # one run per graded submission: every row of a person × assessment shares its run
    runs = demo.scores.groupby(["person_id", "assignment"])["attempt"].nunique()
    assert (runs == 1).all()
    # runs follow the grading dates
    first = demo.scores.groupby(["person_id", "assignment"])["graded_at"].max().reset_index()
    first["run"] = demo.scores.groupby(["person_id", "assignment"])["attempt"].first().to_numpy()
    for _, g in first.groupby("person_id"):
        assert g.sort_values("graded_at")["run"].is_monotonic_increasing
    assert demo.performance_source() == "accounts"


def test_demo_levels_equal_the_capability_engineers_levels(demo) -> None:
    """Renumbering runs must not change any level: same as scoring the world's raw table."""
    from kamlab.data.world import load_world

    raw = load_world(truth=False)["assessment_scores"]
    a = competency_levels(raw, roster=demo.roster)
    b = competency_levels(demo.scores, roster=demo.roster)
    pd.testing.assert_series_equal(a["level"], b["level"])
    pd.testing.assert_series_equal(a["gap"], b["gap"])


def test_csv_source_matches_the_demo(demo_files: dict[str, Path], demo) -> None:
    src = csv_source(demo_files["scores"], demo_files["roster"])
    assert src.kind == "csv" and src.messages == []
    a = competency_levels(src.scores, roster=src.roster)
    b = competency_levels(demo.scores, roster=demo.roster)
    pd.testing.assert_series_equal(a["level"], b["level"])


def test_scoped_source_keeps_only_the_managers_tree(demo) -> None:
    scoped = demo.scoped("KAM19")  # a KAD
    roster = demo.roster
    # hand-walk the reporting lines
    mine = {"KAM19"}
    while True:
        more = set(roster.loc[roster["manager_id"].isin(mine), "person_id"]) - mine
        if not more:
            break
        mine |= more
    assert set(scoped.roster["person_id"]) == mine
    assert set(scoped.scores["person_id"]) <= mine
    assert set(scoped.status["person_id"]) <= mine
    assert set(scoped.people["person_id"]) == mine
    owned = set("|".join(scoped.roster["owned_accounts"].dropna()).split("|"))
    assert set(scoped.accounts["account_id"]) == owned
    with pytest.raises(SourceError, match="not in the roster"):
        demo.scoped("NOBODY")


def test_gradebook_source_reads_a_real_gradebook(gradebook_file: Path, cohort_roster: Path, demo):
    src = gradebook_source(gradebook_file, cohort_roster)
    assert src.kind == "gradebook"
    assert sorted(src.scores["person_id"].unique()) == sorted(COHORT)
    assert not src.scores["recorded"].any()  # nothing recorded yet: one pending run
    assert src.scores["attempt"].unique().tolist() == [1]
    # the gradebook's names reach the people table; scores equal what was written
    assert src.name_of("KAM01") == "Luo Yu"
    want = cohort_scores(demo)
    got = src.scores.set_index(["person_id", "item_id"])["score"]
    w = want.set_index(["person_id", "item_id"])["score"]
    manual = ("KAM02", "M8-T4")
    w = w.drop(index=[manual]).drop(
        index=[i for i in w.index if i[0] == "KAM14" and i[1].startswith("M8")]
    )
    pd.testing.assert_series_equal(got.loc[w.index].sort_index(), w.sort_index(), check_names=False)
    st = src.status.set_index(["person_id", "assignment"])
    assert st.loc[("KAM14", "M8"), "submitted"] and not st.loc[("KAM14", "M8"), "graded"]
    assert st.loc[("KAM02", "M8"), "needs_manual_grade"]
    assert st.loc[("KAM01", "M8"), "graded"] and not st.loc[("KAM01", "M8"), "needs_manual_grade"]


def test_record_grading_run_appends_new_results_only(gradebook_copy: Path, demo) -> None:
    url = f"sqlite:///{gradebook_copy}"
    first = record_grading_run(url)
    n_rows = len(gradebook_source(url).scores)
    assert first.run_id == 1 and first.n_rows == n_rows
    assert (
        first.n_results
        == gradebook_source(url).scores[["person_id", "assignment"]].drop_duplicates().shape[0]
    )
    again = record_grading_run(gradebook_copy)  # a path works too
    assert again.run_id is None and again.n_rows == 0
    # a re-grade of KAM01's M1 with full marks two months later
    s = cohort_scores(demo)
    redo = s.loc[(s["person_id"] == "KAM01") & (s["assignment"] == "M1")].copy()
    redo["score"] = redo["max_score"]
    redo["graded_at"] = redo["graded_at"] + pd.Timedelta(days=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_gradebook(url, redo)
    pending = gradebook_source(url)
    assert pending.scores.loc[~pending.scores["recorded"], "person_id"].unique().tolist() == [
        "KAM01"
    ]
    assert pending.scores["attempt"].max() == 2
    second = record_grading_run(url)
    assert second.run_id == 2 and second.n_results == 1 and second.n_rows == len(redo)
    hist = read_history(url)
    assert hist["run_id"].tolist().count(2) == len(redo)
    assert (
        hist.loc[hist["run_id"] == 2, "score"] == hist.loc[hist["run_id"] == 2, "max_score"]
    ).all()
    # the history lives next to nbgrader's tables in the same SQLite file
    with sqlite3.connect(gradebook_copy) as con:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {HISTORY_TABLE, "submitted_assignment", "grade"} <= tables
    # the view after the re-grade: C4 rose (M1 is mostly C4 evidence), run 1 stays as it was
    src = gradebook_source(
        url, roster=demo.roster.loc[demo.roster["person_id"].isin(COHORT)].assign(manager_id=pd.NA)
    )
    from kamlab.apps.team_gaps import TeamGaps

    h = TeamGaps(src).history("KAM01")
    assert h.levels.index.tolist() == [1, 2]
    assert h.levels.loc[2, "C4"] >= h.levels.loc[1, "C4"]
    assert float(h.index.loc[2]) >= float(h.index.loc[1])


def test_manual_grade_change_is_a_new_result(gradebook_copy: Path) -> None:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{gradebook_copy}"
    record_grading_run(url)
    with Gradebook(url, course_id="kamlab") as gb:
        g = gb.find_grade("M8-T4", "M8_assessment", "M8", "KAM02")
        g.manual_score = 4.0
        g.needs_manual_grade = False
        gb.db.commit()
    run = record_grading_run(url)
    assert run.run_id == 2 and run.n_results == 1
    hist = read_history(url)
    row = hist.loc[(hist["run_id"] == 2) & (hist["item_id"] == "M8-T4")]
    assert row["score"].tolist() == [4.0] and not row["needs_manual_grade"].any()


def test_history_is_never_created_outside_a_gradebook(tmp_path: Path) -> None:
    f = tmp_path / "other.db"
    sqlite3.connect(f).execute("create table t (x int)").connection.commit()
    with pytest.raises(SourceError, match="no nbgrader gradebook"):
        record_grading_run(f)
    with sqlite3.connect(f) as con:
        names = {r[0] for r in con.execute("select name from sqlite_master")}
    assert HISTORY_TABLE not in names


# ---------------------------------------------------------------------------------------------
# bad input: one readable paragraph


def test_missing_gradebook_file_is_not_created(tmp_path: Path) -> None:
    f = tmp_path / "typo.db"
    with pytest.raises(SourceError, match=r"typo\.db does not exist") as e:
        gradebook_source(f)
    assert not f.exists()
    assert "\n" not in str(e.value) and "Traceback" not in str(e.value)


def test_gradebook_url_that_does_not_answer() -> None:
    from tests._servers import free_port

    url = f"postgresql+psycopg://grader:secret@127.0.0.1:{free_port()}/gradebook"
    with pytest.raises(SourceError, match="does not answer") as e:
        gradebook_source(url)
    assert "secret" not in str(e.value)  # the password is never shown
    assert "***" in str(e.value)


def test_empty_gradebook(tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, course_id="kamlab") as gb:
        gb.add_assignment("M1")
    with pytest.raises(SourceError, match="no graded submissions yet"):
        gradebook_source(url)


def test_roster_with_unknown_people_and_scores_without_roster(demo_files, tmp_path) -> None:
    r = pd.read_csv(demo_files["roster"], dtype=str)
    r = r.loc[r["person_id"] != "KAM05"]  # scores of KAM05 are then not in the roster
    extra = r.iloc[[0]].assign(
        person_id="NEW01", name="New Hire", manager_id=r.iloc[0]["person_id"]
    )
    r = pd.concat([r, extra])
    f = tmp_path / "roster.csv"
    r.to_csv(f, index=False)
    src = csv_source(demo_files["scores"], f)
    text = " ".join(src.messages)
    assert "NEW01" in text and "no scores" in text
    assert "KAM05" in text and "not in the roster" in text
    # nobody of the roster has scores: an error, not an empty view
    r2 = r.assign(person_id=[f"X{i}" for i in range(len(r))], manager_id=pd.NA)
    r2.to_csv(f, index=False)
    with pytest.raises(SourceError, match="None of the"):
        open_source(scores=demo_files["scores"], roster=f)


def test_bad_framework_folder(tmp_path: Path, demo_files) -> None:
    from kamlab.data.framework import export_framework

    fw = export_framework(tmp_path / "fw")
    m = (fw / "item_competency_map.csv").read_text().replace("M1-T1,C4,0.8", "M1-T1,C4,0.7")
    assert m != (fw / "item_competency_map.csv").read_text()
    (fw / "item_competency_map.csv").write_text(m)
    with pytest.raises(SourceError, match=r"M1-T1 sum to 0\.9, not 1"):
        open_source(scores=demo_files["scores"], roster=demo_files["roster"], framework=fw)


def test_one_source_only_and_roster_needed(demo_files) -> None:
    with pytest.raises(SourceError, match="one score source"):
        open_source(scores=demo_files["scores"], demo=True)
    with pytest.raises(SourceError, match="needs a roster"):
        open_source(scores=demo_files["scores"], need_roster=True)


def test_synthetic_team_has_the_requested_shape() -> None:
    roster, scores = synthetic_team(200, seed=3)
    assert len(roster) == 200 and roster["person_id"].is_unique
    assert set(roster["manager_id"].dropna()) <= set(roster["person_id"])
    assert scores.groupby("person_id")["assignment"].nunique().eq(8).all()
    assert (scores["score"] <= scores["max_score"]).all()


@pytest.mark.postgres
def test_postgres_gradebook_and_history(postgres_url: str, demo) -> None:
    sc = cohort_scores(demo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_gradebook(postgres_url, sc)
    src = gradebook_source(postgres_url)
    assert sorted(src.scores["person_id"].unique()) == sorted(COHORT)
    assert record_grading_run(postgres_url).run_id == 1
    assert record_grading_run(postgres_url).run_id is None
    hist = read_history(postgres_url)
    assert len(hist) == len(sc)
    again = gradebook_source(postgres_url)
    assert again.scores["recorded"].all() and again.scores["attempt"].unique().tolist() == [1]
    # same levels from PostgreSQL as from the rows written
    roster = demo.roster.loc[demo.roster["person_id"].isin(COHORT)].assign(manager_id=pd.NA)
    a = competency_levels(again.scores, roster=roster)
    b = competency_levels(sc, roster=roster)
    pd.testing.assert_series_equal(a["level"], b["level"])


def test_demo_source_from_a_copied_world(tmp_path: Path, demo) -> None:
    from kamlab.resources import default_world_dir

    dst = tmp_path / "w"
    shutil.copytree(default_world_dir(), dst)
    assert len(demo_source(dst).roster) == len(demo.roster)
    with pytest.raises(SourceError, match="not a kamlab world"):
        demo_source(tmp_path / "nothing")
