"""The toy course and its cohort of synthetic submissions (shared by the assessment tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import _toy
import nbformat
import toy_spec

from kamlab.assess import authoring as au

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

SECRET = "kamlab-test-course-secret-0001"


@dataclass
class ToyCourse:
    root: Path
    course: object
    report: object
    students: list[str]
    shipped: object
    world_dir: Path


def make_toy_course(root: Path, world_dir: Path, **overrides: object):
    """A course root with the toy T0 source; the judge's settings are appended to its config."""
    from kamlab.assess.course import Course

    root.mkdir(parents=True, exist_ok=True)
    au.write(_toy.source_notebook(), root / "source" / "T0" / "T0_assessment.ipynb")
    judge = {"shipped_world": str(world_dir), "cell_timeout": 5.0, "wall_timeout": 120.0}
    judge.update(overrides)
    text = (REPO / "assessments" / "nbgrader_config.py").read_text(encoding="utf-8")
    text += "\n# test course settings\n" + "".join(
        f"c.SandboxedJudge.{k} = {v!r}\n" for k, v in judge.items()
    )
    text += f"c.Exchange.root = {str(root.parent / 'exchange')!r}\n"
    (root / "nbgrader_config.py").write_text(text, encoding="utf-8")
    return Course(root)


def write_submission(root: Path, student: str, nb: nbformat.NotebookNode) -> None:
    d = root / "submitted" / student / "T0"
    d.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, d / "T0_assessment.ipynb")
    (d / "timestamp.txt").write_text("2026-01-05 09:00:00.000000 UTC")


def toy_cohort(
    root: Path, release: nbformat.NotebookNode, shipped
) -> dict[str, nbformat.NotebookNode]:
    visible = {
        "T0-T1": toy_spec.ref_net_sales(shipped.sales, 0.1),
        "T0-T2": toy_spec.ref_top_share(shipped),
        "T0-T3": toy_spec.ref_top_region(shipped),
    }
    out = {}
    out["correct"] = _toy.fill(release, _toy.SOLUTIONS)
    out["partial"] = _toy.fill(release, _toy.PARTIAL)
    out["hardcode"] = _toy.fill(release, _toy.hardcode(visible))
    out["delegate"] = _toy.fill(release, _toy.DELEGATE)
    nb = _toy.fill(release, _toy.LOOP)
    _toy.add_cell(nb, "while True:\n    pass\n", after_item="T0-T1")
    out["loop"] = nb
    out["kill"] = _toy.fill(release, _toy.KILL)
    nb = _toy.fill(release, _toy.SOLUTIONS)
    _toy.add_cell(nb, "import os\nos._exit(0)\n")
    out["killtop"] = nb
    out["flood"] = _toy.fill(release, _toy.FLOOD)
    nb = _toy.fill(release, _toy.SOLUTIONS)
    i = _toy._grade_cell(nb, "T0-T1")
    nb.cells[i].source = "pass  # tests? what tests"
    nb.cells[i].metadata["nbgrader"]["points"] = 100
    del nb.cells[_toy._grade_cell(nb, "T0-T3")]
    out["tamper"] = nb
    nb = _toy.fill(release, _toy.SOLUTIONS)
    _toy.add_cell(nb, _toy.snoop_cell(root, "correct"), after_item="T0-T1")
    out["snoop"] = nb
    nb = _toy.fill(release, _toy.HOOK)
    _toy.add_cell(nb, _toy.HOOK_CELL, after_item="T0-T1")
    out["hook"] = nb
    out["liar"] = _toy.fill(release, _toy.LIAR)
    nb = _toy.fill(release, _toy.SOLUTIONS)
    manual = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "T0-T4")
    manual.source = "Because the money goes back to the customer, it reduces revenue."
    out["manual"] = nb
    return out


#: exact expected scores of every toy submission (T0-T4 is manual: None = needs grading)
EXPECTED = {
    "correct": {"T0-T1": 2.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "partial": {"T0-T1": 1.5, "T0-T2": 0.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "hardcode": {"T0-T1": 0.0, "T0-T2": 0.0, "T0-T3": 0.0, "T0-T4": 0.0},
    "delegate": {"T0-T1": 0.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "loop": {"T0-T1": 0.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "kill": {"T0-T1": 2.0, "T0-T2": 0.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "killtop": {"T0-T1": 0.0, "T0-T2": 0.0, "T0-T3": 0.0, "T0-T4": 0.0},
    "flood": {"T0-T1": 2.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "tamper": {"T0-T1": 2.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "snoop": {"T0-T1": 2.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": 0.0},
    "hook": {"T0-T1": 0.0, "T0-T2": 0.0, "T0-T3": 0.0, "T0-T4": 0.0},
    "liar": {"T0-T1": 0.0, "T0-T2": 0.0, "T0-T3": 0.0, "T0-T4": 0.0},
    "manual": {"T0-T1": 2.0, "T0-T2": 2.0, "T0-T3": 1.0, "T0-T4": None},
}
