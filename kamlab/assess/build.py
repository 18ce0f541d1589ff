"""``kamlab course build``: generate the release versions and check every assessment.

For each folder under ``<root>/source/`` :func:`build_course` runs nbgrader's
``generate_assignment`` (release version + gradebook entries) and then checks that

1. the **source** notebook (with the reference solutions) gets full marks from the judge on
   every judged item — on development worlds (seeds 11, 23, 97), in the sandbox;
2. the **release** notebook (solutions stripped) does *not* get full marks on any judged item;
3. the source notebook's visible practice tests pass when run top to bottom (plain kernel:
   it is the author's own code) — skipped with ``run_visible=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from kamlab.assess.course import Course
from kamlab.assess.seeds import DEV_SEEDS

__all__ = ["BuildResult", "build_course", "check_assessment"]


@dataclass
class BuildResult:
    """One assessment's build: generated, and the self-check's scores and problems."""

    assignment: str
    generated: bool
    error: str = ""
    source_score: float | None = None
    release_score: float | None = None
    max_score: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.generated and not self.problems


def _judge(course: Course) -> Any:
    from kamlab.assess.nbgrader_ext import SandboxedJudge

    return SandboxedJudge(config=course.config())


def check_assessment(course: Course, assignment: str, *, run_visible: bool = True) -> BuildResult:
    """Self-check one assessment (its release version must exist)."""
    from kamlab.assess.registry import get_assessment

    res = BuildResult(assignment, generated=True)
    try:
        assessment = get_assessment(assignment)
    except KeyError as exc:
        res.problems.append(str(exc))
        return res
    src = course.root / "source" / assignment / f"{assessment.notebook}.ipynb"
    rel = course.root / "release" / assignment / f"{assessment.notebook}.ipynb"
    if not src.is_file():
        res.problems.append(f"{src} is missing (the spec says notebook {assessment.notebook!r})")
        return res
    engine = _judge(course).engine()
    seeds = [DEV_SEEDS[k % len(DEV_SEEDS)] for k in range(assessment.worlds)]
    # every judged item must have a test cell with the item id, and hidden cases
    nb_src = nbformat.read(src, as_version=4)
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb_src.cells}
    for item in assessment.items:
        if item.id not in ids:
            res.problems.append(f"{item.id}: the notebook has no cell with grade_id {item.id!r}")
        if item.is_judged and item.hidden is None:
            res.problems.append(
                f"{item.id}: no hidden cases (every score must come from hidden checks)"
            )
    j_src = engine.grade_notebook(assessment, "__build_source__", nb_src, seeds=seeds)
    res.source_score, res.max_score = j_src.score, j_src.max_score
    for iid, r in j_src.items.items():
        if r.score < r.points:
            why = "; ".join(
                [
                    *r.notes,
                    *(
                        f"{c.id} {c.reason} {c.detail or c.error}"
                        for c in r.visible + r.hidden
                        if c.credit < 1
                    ),
                ]
            )
            res.problems.append(
                f"{iid}: the source solution scores {r.score:g} of {r.points:g} ({why[:300]})"
            )
        if any(c.reason == "void" for c in r.visible + r.hidden):
            res.problems.append(f"{iid}: the reference answer failed on some case")
    if rel.is_file():
        j_rel = engine.grade_notebook(
            assessment, "__build_release__", nbformat.read(rel, as_version=4), seeds=seeds
        )
        res.release_score = j_rel.score
        for iid, r in j_rel.items.items():
            if r.score >= r.points:
                res.problems.append(f"{iid}: the release notebook (no solution) gets full marks")
    else:
        res.problems.append(f"{rel} was not generated")
    if run_visible:
        res.problems += _run_visible(src)
    return res


def _run_visible(src: Path) -> list[str]:
    """Run the source notebook top to bottom in a plain kernel; list cells that failed."""
    from nbclient import NotebookClient

    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        allow_errors=True,
        kernel_name="python3",
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(src.parent)}},
    )
    client.execute()
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            gid = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
            if out.get("output_type") == "error":
                problems.append(
                    f"{gid}: the source notebook raises {out.get('ename')}: {out.get('evalue', '')[:200]}"
                )
            elif (
                out.get("output_type") == "stream"
                and out.get("name") == "stderr"
                and cell.metadata.get("nbgrader", {}).get("grade")
            ):
                problems.append(f"{gid}: a test cell writes to stderr (nbgrader would score it 0)")
    return problems


def build_course(
    course: Course,
    assignments: list[str] | None = None,
    *,
    check: bool = True,
    run_visible: bool = True,
) -> list[BuildResult]:
    """Generate (and by default check) each assessment under ``source/``."""
    api = course.api()
    out = []
    for aid in assignments or course.source_assignments():
        r = api.generate_assignment(aid, force=True, create=True)
        if not r.get("success"):
            lines = [ln for ln in str(r.get("error", "")).splitlines() if ln.strip()]
            out.append(
                BuildResult(aid, False, error=lines[-1] if lines else "generate_assignment failed")
            )
            continue
        res = (
            check_assessment(course, aid, run_visible=run_visible)
            if check
            else BuildResult(aid, True)
        )
        out.append(res)
    return out
