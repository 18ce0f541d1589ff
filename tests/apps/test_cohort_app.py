"""The cohort app and its statistics, on a real nbgrader gradebook and on hand-made tables."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _appdata import COHORT

from kamlab.apps import cohort_stats as cs
from kamlab.apps.cohort import ALL, CohortApp, build
from kamlab.apps.config import AppConfig
from kamlab.apps.team_gaps import ErrorApp
from kamlab.capability.sources import gradebook_source


@pytest.fixture(scope="module")
def gb_app(gradebook_file: Path, cohort_roster: Path) -> CohortApp:
    return CohortApp(gradebook_source(gradebook_file, cohort_roster), lang="en")


def test_progress_counts_from_the_gradebook(gb_app: CohortApp) -> None:
    s = gb_app.summary_frame().set_index("assignment")
    assert gb_app.assignments == [f"M{i}" for i in range(1, 9)]
    for a in [f"M{i}" for i in range(1, 8)]:
        assert s.loc[a].tolist() == [7, 7, 7, 0, 0], a
    # M8: KAM14 submitted but not graded, KAM02 waits for a manual grade
    assert s.loc["M8"].tolist() == [7, 7, 6, 1, 0]
    m = gb_app.matrix_frame().set_index("ID")
    assert m.loc["KAM14", "M8"] == "⧗ submitted, not graded"
    assert m.loc["KAM02", "M8"].startswith("✎ needs manual grading")
    assert re.fullmatch(r"✓ graded \d+%", m.loc["KAM01", "M8"])
    html = gb_app.progress_html.value
    assert all(f">{p}<" in html for p in COHORT)


def test_not_submitted_is_counted_from_the_roster(demo_files) -> None:
    r = pd.read_csv(demo_files["roster"], dtype=str)
    extra = r.iloc[[0]].assign(person_id="NEW01", name="New Hire")
    f = Path(demo_files["dir"]) / "roster_plus.csv"
    pd.concat([r, extra]).to_csv(f, index=False)
    app = build(AppConfig(app="cohort", scores=str(demo_files["scores"]), roster=str(f)))
    s = app.summary_frame()
    assert (s["not_submitted"] == 1).all() and (s["n_people"] == len(r) + 1).all()
    assert "NEW01" in app.alert.value
    m = app.matrix_frame().set_index("ID")
    assert (m.loc["NEW01", app.assignments] == "– not submitted").all()


def test_item_analysis_against_a_direct_computation(gb_app: CohortApp) -> None:
    latest = gb_app.latest
    a = latest.loc[latest["assignment"] == "M3"]
    f = a.pivot(index="person_id", columns="item_id", values="score") / a.pivot(
        index="person_id", columns="item_id", values="max_score"
    )
    sc = a.pivot(index="person_id", columns="item_id", values="score")
    mx = a.pivot(index="person_id", columns="item_id", values="max_score")
    ia = gb_app.items.set_index("item_id")
    for item in f.columns:
        assert ia.loc[item, "n"] == 7
        assert ia.loc[item, "difficulty"] == pytest.approx(f[item].mean())
        rest = (sc.sum(axis=1) - sc[item]) / (mx.sum(axis=1) - mx[item])
        if f[item].std() > 0 and rest.std() > 0:
            r = np.corrcoef(f[item], rest)[0, 1]
            assert float(ia.loc[item, "discrimination"]) == pytest.approx(r)
        order = (sc.sum(axis=1) / mx.sum(axis=1)).sort_values(kind="mergesort")
        g = round(0.27 * 7)  # 2
        d = f[item].loc[order.index[-g:]].mean() - f[item].loc[order.index[:g]].mean()
        assert float(ia.loc[item, "upper_lower"]) == pytest.approx(d)


def test_item_flags_hand_made() -> None:
    rows = []
    for k, p in enumerate("ABCDEF"):
        rows += [
            {"person_id": p, "item_id": "hard", "score": 0.0, "max_score": 2.0},
            {"person_id": p, "item_id": "easy", "score": 2.0, "max_score": 2.0},
            {"person_id": p, "item_id": "good", "score": float(k >= 3) * 2, "max_score": 2.0},
            {"person_id": p, "item_id": "c1", "score": float(k >= 3) * 2, "max_score": 2.0},
            {"person_id": p, "item_id": "c2", "score": float(k >= 2) * 2, "max_score": 2.0},
            {"person_id": p, "item_id": "neg", "score": float(k < 2) * 2, "max_score": 2.0},
        ]
    latest = pd.DataFrame(rows).assign(assignment="X")
    ia = cs.item_analysis(latest).set_index("item_id")
    # nobody / everybody right: too hard / too easy, and (no spread) not discriminating
    assert ia.loc["hard", "flags"] == "TOO_HARD|LOW_DISCRIMINATION"
    assert ia.loc["hard", "difficulty"] == 0 and pd.isna(ia.loc["hard", "discrimination"])
    assert ia.loc["easy", "flags"] == "TOO_EASY|LOW_DISCRIMINATION"
    # good: right for D, E, F whose rest-of-test is 6/10 against 4/10 for A, B, C → r = 1
    assert ia.loc["good", "flags"] == "" and float(ia.loc["good", "discrimination"]) == 1.0
    assert float(ia.loc["good", "upper_lower"]) == 1.0  # g = round(0.27·6) = 2
    assert ia.loc["neg", "flags"] == "NEGATIVE"
    small = cs.item_analysis(latest.loc[latest["person_id"].isin(["A", "B", "D"])])
    assert small.set_index("item_id").loc["good", "flags"] == "SMALL_SAMPLE"


def test_histogram_and_distribution_tab(gb_app: CohortApp) -> None:
    labels, counts = cs.histogram(pd.Series([0.0, 0.09, 0.1, 0.55, 1.0]), bins=10)
    assert counts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1] and labels[0] == "0–10%"
    html = gb_app.dist_html.value
    for a in gb_app.assignments:
        assert f'data-assessment="{a}"' in html
    m1 = gb_app.totals.loc[gb_app.totals["assignment"] == "M1", "fraction"]
    assert f"n = {len(m1)}, mean {m1.mean():.0%}" in html


def test_below_threshold_follows_the_slider(gb_app: CohortApp) -> None:
    tot = gb_app.totals
    overall = tot.groupby("person_id")[["score", "max_score"]].sum()
    overall = overall["score"] / overall["max_score"]
    for thr in (0.3, 0.5, 0.7, 0.9):
        gb_app.threshold.value = thr
        f = gb_app.below_frame()
        assert sorted(f["ID"]) == sorted(overall[overall < thr].index), thr
        assert f"below {thr:.0%}" in gb_app.below_html.value


def test_assessment_filter(gb_app: CohortApp) -> None:
    gb_app.assessment.value = "M2"
    assert gb_app.summary_frame()["assignment"].tolist() == ["M2"]
    assert set(gb_app.items_frame()["Assessment"]) == {"M2"}
    assert "M3" not in gb_app.progress_html.value
    gb_app.assessment.value = ALL
    assert len(gb_app.summary_frame()) == 8


def test_language_switch(gb_app: CohortApp) -> None:
    gb_app.lang_toggle.value = "zh"
    assert "学员进度" in gb_app.title.value and "已提交" in gb_app.progress_html.value
    gb_app.lang_toggle.value = "en"


def test_cohort_without_roster_uses_gradebook_names(gradebook_file: Path) -> None:
    app = build(AppConfig(app="cohort", db=str(gradebook_file)))
    assert isinstance(app, CohortApp)
    assert sorted(app.people) == sorted(COHORT)
    assert "Luo Yu" in app.progress_html.value


def test_cohort_bad_input_is_an_alert(tmp_path: Path) -> None:
    app = build(AppConfig(app="cohort", db=str(tmp_path / "missing.db")))
    assert isinstance(app, ErrorApp)
    assert "does not exist" in app.alert.value and 'role="alert"' in app.alert.value
