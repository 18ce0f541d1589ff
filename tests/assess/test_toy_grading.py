"""End to end on the toy assessment T0: real nbgrader, real sandboxed kernels, a hostile cohort.

The cohort is graded once per session (``toy`` fixture); every test asserts on that run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from _cohort import EXPECTED, SECRET

from kamlab.assess.nbgrader_ext import read_judgement
from kamlab.assess.seeds import trainee_seeds

pytestmark = pytest.mark.slow


def _grades(toy, student: str) -> dict[str, tuple[float | None, bool]]:
    with toy.course.gradebook() as gb:
        sub = gb.find_submission("T0", student)
        return {
            g.name: (
                g.score if (g.auto_score is not None or g.manual_score is not None) else None,
                g.needs_manual_grade,
            )
            for nb in sub.notebooks
            for g in nb.grades
        }


def test_every_submission_ends_graded(toy) -> None:
    assert sorted(o.student for o in toy.report.outcomes) == sorted(EXPECTED)
    assert all(o.ok for o in toy.report.outcomes), [o for o in toy.report.outcomes if not o.ok]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_item_scores(toy, student: str) -> None:
    got = _grades(toy, student)
    for item, want in EXPECTED[student].items():
        score, needs_manual = got[item]
        if want is None:
            assert needs_manual, f"{student} {item} should wait for manual grading"
        else:
            assert score == pytest.approx(want), f"{student} {item}: {score} != {want}"


def test_reasons_recorded(toy) -> None:
    j = read_judgement(toy.root, "T0", "delegate")
    assert j.items["T0-T1"].status == "delegated"
    assert any("kamlab.metrics" in d["name"] for d in j.delegation)
    j = read_judgement(toy.root, "T0", "kill")
    assert j.items["T0-T2"].notes == ["kernel_died"]
    assert j.run["kernel_deaths"] >= 1
    j = read_judgement(toy.root, "T0", "loop")
    assert {c.reason for c in j.items["T0-T1"].hidden} == {"timeout"}
    assert "timeout" in j.run["cells"].values()  # the top-level loop was stopped, grading went on
    j = read_judgement(toy.root, "T0", "killtop")
    assert j.run["record_status"] == "died"
    assert all(r.notes == ["kernel_died"] for r in j.items.values())
    j = read_judgement(toy.root, "T0", "liar")
    assert j.items["T0-T1"].hidden[0].reason == "wrong_type"


def test_tampering_is_detected_and_reported(toy) -> None:
    j = read_judgement(toy.root, "T0", "tamper")
    found = {(t["cell"], t["what"]) for t in j.tampering}
    assert {("T0-T1", "edited"), ("T0-T1", "points"), ("T0-T3", "deleted")} <= found
    assert read_judgement(toy.root, "T0", "correct").tampering == []
    # nbgrader restored the locked cells from the source before grading
    ag = nbformat.read(toy.root / "autograded/tamper/T0/T0_assessment.ipynb", as_version=4)
    t1 = next(c for c in ag.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "T0-T1")
    assert "net_sales(world.sales, 0.1)" in t1.source
    assert t1.metadata["nbgrader"]["points"] == 2.0


def test_snooping_gets_nothing(toy) -> None:
    ag = nbformat.read(toy.root / "autograded/snoop/T0/T0_assessment.ipynb", as_version=4)
    cell = next(c for c in ag.cells if c.cell_type == "code" and "socket" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs)
    for target in ("source", "gradebook", "secret", "other", "worlds", "network"):
        assert f"{target} DENIED" in text, text
    assert "READ-OK" not in text


def test_record_run_outputs_are_kept_for_graders(toy) -> None:
    ag = nbformat.read(toy.root / "autograded/flood/T0/T0_assessment.ipynb", as_version=4)
    texts = [
        o.get("text", "") for c in ag.cells if c.cell_type == "code" for o in c.get("outputs", [])
    ]
    assert any("output truncated by the grader" in t for t in texts)  # 3 MB of stderr was capped


def test_grade_cell_outputs_match_nbgrader_rules(toy) -> None:
    from nbgrader.utils import determine_grade

    for student in ("correct", "partial", "hardcode"):
        ag = nbformat.read(toy.root / f"autograded/{student}/T0/T0_assessment.ipynb", as_version=4)
        for c in ag.cells:
            nbg = c.metadata.get("nbgrader", {})
            if c.cell_type == "code" and nbg.get("grade"):
                score, _ = determine_grade(c)
                assert score == EXPECTED[student][nbg["grade_id"]]


def _feedback(toy, student: str) -> str:
    from kamlab.assess.feedback import generate_feedback

    paths = generate_feedback(toy.course, "T0", students=[student])
    return Path(paths[0]).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def feedback_files(toy) -> dict[str, str]:
    from kamlab.assess.feedback import generate_feedback

    paths = generate_feedback(toy.course, "T0")
    return {Path(p).parts[-3]: Path(p).read_text(encoding="utf-8") for p in paths}


def _hidden_values(toy, student: str) -> list[str]:
    from kamlab.assess.engine import GradingEngine
    from kamlab.assess.registry import get_assessment

    eng = GradingEngine(toy.root, shipped_world=toy.world_dir)
    bundle = eng.prepare(get_assessment("T0"), student)
    vals = []
    for p in bundle.items.values():
        for c in p.cases:
            if c.kind != "visible" and isinstance(c.expected, float):
                vals += [
                    repr(c.expected),
                    f"{c.expected:.2f}",
                    f"{c.expected:,.2f}",
                    f"{c.expected:.4f}",
                ]
    w = eng.world_cache(get_assessment("T0")).load(
        "small", trainee_seeds(SECRET.encode(), "T0", student, 1)[0]
    )
    vals += [f"{g:.2f}" for g in w.sales["gross"].head(5)]
    return [v for v in vals if len(v.replace("0", "").replace(".", "")) >= 4]  # distinctive only


def test_feedback_has_no_hidden_text_seeds_or_data(toy, feedback_files) -> None:
    assert set(EXPECTED) <= set(feedback_files)
    for student, html in feedback_files.items():
        assert "BEGIN HIDDEN" not in html and "END HIDDEN" not in html
        assert "is scored outside this notebook" not in html  # the hidden marker's text
        assert "Traceback (most recent call last)" not in html and "ename" not in html
        for seed in trainee_seeds(SECRET.encode(), "T0", student, 1):
            assert not re.search(rf"\b{seed}\b", html), f"seed of {student} in feedback"
        for value in _hidden_values(toy, student):
            assert value not in html, f"hidden value {value} in {student}'s feedback"


def test_feedback_shows_submitted_outputs_not_grading_outputs(toy, feedback_files) -> None:
    assert "source DENIED" not in feedback_files["snoop"]  # printed while grading: never shown
    assert "<pre>all tests passed" not in feedback_files["hook"]
    fb = feedback_files["tamper"]
    assert "Locked cells were changed" in fb
    assert "its text was edited" in fb
    fb = feedback_files["partial"]
    assert "an edge case: no sales rows at all" in fb  # which KIND of hidden check failed
    assert "hidden checks passed: 3 of 4" in fb


def test_regrade_is_idempotent_and_keeps_manual_grades(toy) -> None:
    from kamlab.assess.grade import grade_assignment

    with toy.course.gradebook() as gb:
        g = gb.find_grade("T0-T4", "T0_assessment", "T0", "manual")
        g.manual_score = 0.5
        g.needs_manual_grade = False
        gb.db.commit()
    before = read_judgement(toy.root, "T0", "manual").attempt
    report = grade_assignment(toy.course, "T0", students=["manual"], progress=False)
    assert report.outcome("manual").ok
    got = _grades(toy, "manual")
    assert got["T0-T4"] == (0.5, False)
    assert got["T0-T1"][0] == 2.0 and got["T0-T2"][0] == 2.0 and got["T0-T3"][0] == 1.0
    assert read_judgement(toy.root, "T0", "manual").attempt == before + 1


def test_a_dead_worker_is_replaced_and_its_submission_graded_zero(toy, monkeypatch) -> None:
    from _cohort import write_submission

    from kamlab.assess.grade import CRASH_HOOK_ENV, grade_assignment

    release = nbformat.read(toy.root / "release/T0/T0_assessment.ipynb", as_version=4)
    import _toy

    write_submission(toy.root, "crashy", _toy.fill(release, _toy.SOLUTIONS))
    write_submission(toy.root, "steady", _toy.fill(release, _toy.SOLUTIONS))
    monkeypatch.setenv(CRASH_HOOK_ENV, "crashy")
    report = grade_assignment(
        toy.course, "T0", students=["crashy", "steady"], workers=1, progress=False
    )
    crashy = report.outcome("crashy")
    assert not crashy.ok and "worker_died" in crashy.reason
    assert report.outcome("steady").ok and report.outcome("steady").score == 5.0
    got = _grades(toy, "crashy")
    assert got["T0-T1"][0] == 0.0 and got["T0-T2"][0] == 0.0
    j = read_judgement(toy.root, "T0", "crashy")
    assert j.error.startswith("worker_died")
    assert json.loads(j.to_json())["items"]["T0-T1"]["notes"][0].startswith("worker_died")
