"""Helpers that write a source assessment notebook in kamlab's cell pattern.

Each item is three cells (see ``docs/ASSESSMENTS.md``):

1. :func:`prompt` — a markdown cell with the task (locked);
2. :func:`solution` — the trainee's code cell, ``grade_id = "<item>-answer"``, with the
   reference solution between ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
3. :func:`tests` — the locked test cell, ``grade_id = "<item>"`` with the item's points:
   visible practice tests (run by the trainee; replaced by the judge while grading) and a
   hidden marker block that only says the item is judged outside.

A MANUAL item is one :func:`manual` markdown answer cell (``grade_id = "<item>"``).

>>> cell = tests("X-T1", 2, "assert True")
>>> cell.metadata["nbgrader"]["grade_id"], cell.metadata["nbgrader"]["points"]
('X-T1', 2.0)
>>> "### BEGIN HIDDEN TESTS" in cell.source
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

__all__ = ["header", "hidden_marker", "manual", "notebook", "prompt", "solution", "tests", "write"]


def _meta(
    grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None
) -> dict:
    m = {
        "schema_version": 3,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": grade_id,
    }
    if points is not None:
        m["points"] = float(points)
    return m


def header(markdown: str, grade_id: str = "header") -> NotebookNode:
    """A locked markdown cell (title, instructions, rules)."""
    cell = nbformat.v4.new_markdown_cell(markdown)
    cell.metadata["nbgrader"] = _meta(grade_id, grade=False, solution=False, locked=True)
    return cell


def prompt(item_id: str, markdown: str) -> NotebookNode:
    """The locked task text of ``item_id``."""
    return header(markdown, grade_id=f"{item_id}-prompt")


def setup(code: str, grade_id: str = "setup") -> NotebookNode:
    """A locked code cell every trainee runs (imports, loading the shipped world)."""
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["nbgrader"] = _meta(grade_id, grade=False, solution=False, locked=True)
    return cell


def solution(item_id: str, code: str, stub_before: str = "") -> NotebookNode:
    """The trainee's answer cell; ``code`` is the reference solution (stripped on release)."""
    src = (stub_before.rstrip() + "\n" if stub_before else "") + (
        "### BEGIN SOLUTION\n" + code.strip("\n") + "\n### END SOLUTION"
    )
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["nbgrader"] = _meta(f"{item_id}-answer", grade=False, solution=True, locked=False)
    return cell


def hidden_marker(item_id: str) -> str:
    """The hidden part of a test cell: only a marker — the judge scores the item outside."""
    return (
        "### BEGIN HIDDEN TESTS\n"
        f"# {item_id} is scored outside this notebook by kamlab's judge "
        "(worlds simulated for each trainee, and edge cases).\n"
        "### END HIDDEN TESTS"
    )


def tests(item_id: str, points: float, visible: str) -> NotebookNode:
    """The locked test cell of ``item_id``: visible practice tests plus the hidden marker."""
    cell = nbformat.v4.new_code_cell(visible.strip("\n") + "\n" + hidden_marker(item_id))
    cell.metadata["nbgrader"] = _meta(
        item_id, grade=True, solution=False, locked=True, points=points
    )
    return cell


def item(item_id: str, task: str, code: str, points: float, visible: str) -> list[NotebookNode]:
    """One auto-graded item's three cells, in order: :func:`prompt` (the task), :func:`solution`
    (the reference ``code``) and :func:`tests` (``visible`` practice checks, ``points``)."""
    return [prompt(item_id, task), solution(item_id, code), tests(item_id, points, visible)]


def manual(item_id: str, points: float, answer: str = "YOUR ANSWER HERE") -> NotebookNode:
    """A manually graded written answer (markdown), scored with a rubric in assessments/rubrics/."""
    cell = nbformat.v4.new_markdown_cell(answer)
    cell.metadata["nbgrader"] = _meta(
        item_id, grade=True, solution=True, locked=False, points=points
    )
    return cell


def notebook(cells: Iterable[NotebookNode]) -> NotebookNode:
    """A notebook of ``cells`` with the Python 3 kernelspec."""
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb: NotebookNode, path: str | Path) -> Path:
    """Validate and write ``nb`` (no outputs)."""
    nbformat.validate(nb)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, p)
    return p
