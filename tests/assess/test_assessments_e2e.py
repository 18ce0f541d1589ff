"""Every assessment under assessments/source, end to end with real nbgrader and real sandboxes.

The course is built (with its self-checks), a hostile cohort per assessment is submitted
(:mod:`_generic`, plus ``cohorts/<id>.py``) and graded once per session with the same code
path as ``kamlab course grade``; the tests assert the exact score of every item.
"""

from __future__ import annotations

import os
import re
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from _cohort import SECRET

from kamlab.assess.seeds import trainee_seeds

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "assessments" / "source"
ASSESSMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
if os.environ.get("KAMLAB_E2E_ASSESSMENTS"):  # e.g. "M1,M3" for a quicker local run
    ASSESSMENTS = [a for a in ASSESSMENTS if a in os.environ["KAMLAB_E2E_ASSESSMENTS"].split(",")]

#: submissions that attack the sandbox rather than an item (their scores follow from the spec
#: alone): graded for every assessment; KAMLAB_E2E_QUICK=1 keeps them to the first one
MACHINERY = ("loop", "killtop", "flood", "tamper", "snoop", "hook")
SPEC_LEVEL = ("correct", "blank", "hardcode", "delegate", "liar")
FULL = set(ASSESSMENTS[:1]) if os.environ.get("KAMLAB_E2E_QUICK") else set(ASSESSMENTS)


@dataclass
class Graded:
    root: Path
    course: object
    build: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)  # (assessment, student) -> {item: score}
    reports: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # assessment -> why its cohort was not graded

    def check(self, aid: str) -> None:
        if aid in self.errors:
            pytest.fail(f"{aid}: the cohort could not be graded:\n{self.errors[aid]}")


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory, session_env) -> Graded:
    from kamlab.assess.build import build_course
    from kamlab.assess.course import Course
    from kamlab.assess.engine import GradingEngine

    root = tmp_path_factory.mktemp("course") / "assessments"
    root.mkdir()
    shutil.copytree(SOURCE, root / "source")
    text = (REPO / "assessments" / "nbgrader_config.py").read_text(encoding="utf-8")
    text += "\nc.SandboxedJudge.cell_timeout = 6.0\nc.SandboxedJudge.wall_timeout = 240.0\n"
    text += f"c.Exchange.root = {str(root.parent / 'exchange')!r}\n"
    (root / "nbgrader_config.py").write_text(text, encoding="utf-8")
    course = Course(root)
    out = Graded(root, course)
    for res in build_course(course, ASSESSMENTS, check=True, run_visible=True):
        out.build[res.assignment] = res
    engine = GradingEngine(root)
    for aid in ASSESSMENTS:
        try:
            _grade_one(out, root, engine, aid)
        except Exception:  # one broken assessment must not hide the others' results
            out.errors[aid] = traceback.format_exc()
    return out


def _grade_one(out: Graded, root: Path, engine, aid: str) -> None:
    import _generic

    from kamlab.assess.bundle import prepare
    from kamlab.assess.grade import grade_assignment
    from kamlab.assess.registry import get_assessment

    course = out.course
    assessment = get_assessment(aid)
    src = nbformat.read(root / "source" / aid / f"{assessment.notebook}.ipynb", as_version=4)
    rel = nbformat.read(root / "release" / aid / f"{assessment.notebook}.ipynb", as_version=4)
    vis = prepare(assessment, "x", None, shipped=engine.shipped, hidden=False)
    visible = {iid: p.cases[0].expected for iid, p in vis.items.items() if p.cases}
    for student, (nb, expected) in _generic.cohort(assessment, src, rel, root, visible).items():
        if student in MACHINERY and aid not in FULL:
            continue
        d = root / "submitted" / student / aid
        d.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, d / f"{assessment.notebook}.ipynb")
        (d / "timestamp.txt").write_text("2026-01-05 09:00:00.000000 UTC")
        out.expected[(aid, student)] = expected
    out.reports[aid] = grade_assignment(course, aid, progress=False)


@pytest.mark.parametrize("aid", ASSESSMENTS)
def test_build_checks_each_assessment(graded: Graded, aid: str) -> None:
    res = graded.build[aid]
    assert res.generated, res.error
    assert res.problems == [], res.problems
    assert res.source_score == res.max_score > 0
    assert res.release_score == 0


def test_release_has_no_solutions_or_hidden_tests(graded: Graded) -> None:
    for aid in ASSESSMENTS:
        for nb in (graded.root / "release" / aid).glob("*.ipynb"):
            text = nb.read_text(encoding="utf-8")
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
            assert "is scored outside this notebook" not in text
        assert not any((graded.root / "release" / aid).glob("*.py"))


def _cases() -> list[tuple[str, str]]:
    import _generic  # noqa: F401 - the student names are fixed by the generic cohort

    names = {aid: [*SPEC_LEVEL, *(MACHINERY if aid in FULL else ())] for aid in ASSESSMENTS}
    extra = []
    for aid in ASSESSMENTS:
        f = Path(__file__).with_name("cohorts") / f"{aid.lower()}.py"
        if f.is_file():
            extra += [(aid, n) for n in re.findall(r'^    "(\w+)": \(', f.read_text(), flags=re.M)]
    return [(aid, n) for aid in ASSESSMENTS for n in names[aid]] + extra


@pytest.mark.parametrize(("aid", "student"), _cases())
def test_exact_item_scores(graded: Graded, aid: str, student: str) -> None:
    graded.check(aid)
    assert graded.reports[aid].outcome(student).ok
    expected = graded.expected[(aid, student)]
    with graded.course.gradebook() as gb:
        sub = gb.find_submission(aid, student)
        got = {g.name: g for nb in sub.notebooks for g in nb.grades}
    for item, want in expected.items():
        g = got[item]
        if want is None:
            continue  # a manual item: nbgrader's manual grading decides
        assert g.score == pytest.approx(want), f"{aid} {student} {item}: {g.score} != {want}"


def test_hostile_submissions_are_reported(graded: Graded) -> None:
    from kamlab.assess.nbgrader_ext import read_judgement
    from kamlab.assess.status import course_status

    for aid in sorted(FULL):
        graded.check(aid)
        rows = {r.student: r for r in course_status(graded.course, aid)}
        assert rows["tamper"].tampered, aid
        assert rows["delegate"].delegated
        assert rows["loop"].timed_out
        assert rows["killtop"].kernel_died
        j = read_judgement(graded.root, aid, "snoop")
        assert j is not None
        ag = graded.root / "autograded" / "snoop" / aid
        nb = nbformat.read(next(ag.glob("*.ipynb")), as_version=4)
        text = "".join(
            o.get("text", "")
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
        )
        for target in ("source", "gradebook", "secret", "other", "worlds", "network"):
            assert f"{target} DENIED" in text
        assert "READ-OK" not in text


@pytest.fixture(scope="module")
def feedback(graded: Graded) -> dict[tuple[str, str], str]:
    from kamlab.assess.feedback import generate_feedback

    out = {}
    for aid in ASSESSMENTS:
        if aid in graded.errors:
            continue
        for p in generate_feedback(graded.course, aid):
            out[(aid, Path(p).parts[-3])] = Path(p).read_text(encoding="utf-8")
    return out


def _hidden_values(graded: Graded, aid: str, student: str) -> list[str]:
    from kamlab.assess.engine import GradingEngine
    from kamlab.assess.registry import get_assessment

    bundle = GradingEngine(graded.root).prepare(get_assessment(aid), student)
    vals: list[str] = []

    def walk(v):
        # distinctive numbers only: ≥ 5 significant digits (19.0 or 100.0 could be anything)
        if (
            isinstance(v, float)
            and abs(v) >= 10
            and len(f"{abs(v):.6g}".replace(".", "").strip("0")) >= 5
        ):
            vals.extend({f"{v:,.2f}", f"{v:.2f}", repr(v)})
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for p in bundle.items.values():
        for c in p.cases:
            if c.kind != "visible":
                walk(c.expected)
    return vals


@pytest.mark.parametrize("aid", ASSESSMENTS)
def test_feedback_has_no_hidden_text_seeds_or_data(graded: Graded, feedback, aid: str) -> None:
    graded.check(aid)
    students = sorted(s for (a, s) in graded.expected if a == aid)
    for student in students:
        html = feedback[(aid, student)]
        assert "BEGIN HIDDEN" not in html and "END HIDDEN" not in html
        assert "is scored outside this notebook" not in html
        assert "Traceback (most recent call last)" not in html
        for seed in trainee_seeds(SECRET.encode(), aid, student, 3):
            assert not re.search(rf"\b{seed}\b", html)
        for value in _hidden_values(graded, aid, student):
            assert value not in html, f"hidden value {value} in {aid}/{student} feedback"
    assert "your code uses kamlab" in feedback[(aid, "delegate")]
    if aid in FULL:
        assert "source DENIED" not in feedback[(aid, "snoop")]
        assert "Locked cells were changed" in feedback[(aid, "tamper")]


def test_partial_feedback_names_the_kind_of_failed_check(graded: Graded, feedback) -> None:
    if "M1" not in ASSESSMENTS:
        pytest.skip("M1 is not in assessments/source")
    html = feedback[("M1", "partial")]
    assert "an edge case: an account-year with no trade spend at all" in html
    assert "an edge case: a composite exactly at the green threshold" in html
    assert "M1-T1: 3 of 4 points" in html
