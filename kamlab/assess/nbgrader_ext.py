"""nbgrader preprocessors that put the outside judge into nbgrader's pipeline.

Configured in ``assessments/nbgrader_config.py`` (import strings, so the config file does
not import kamlab):

- :class:`DetectTampering` — first *sanitize* step of ``autograde``: before nbgrader's
  ``OverwriteCells`` restores locked cells from the source, note every locked cell that was
  edited, deleted, retyped or re-pointed, and every unknown grade cell.
- :class:`SandboxedJudge` — replaces nbgrader's ``Execute``: runs the notebook in a
  sandboxed kernel for the record, judges every item outside it, and writes each test
  cell's outcome as that cell's outputs exactly as nbgrader's ``determine_grade`` reads them
  (0 points: an ``error`` output; partial credit: an ``execute_result`` holding the score;
  full marks: only a ``stdout`` stream), so ``SaveAutoGrades`` records the outside judgement.
- :class:`KeepManualGrades` — ``SaveAutoGrades`` that keeps a manually graded cell marked as
  graded when re-autograding did not change its automatic score (idempotent re-grades).
- :class:`FeedbackCleaner` — first step of ``generate_feedback``: the trainee's own outputs
  as submitted (nothing produced while grading), the judge's messages in the test cells (no
  hidden data, no seeds, no tracebacks), and a summary at the top.

Every preprocessor declares ``enabled = Bool(True)``: nbgrader silently skips one without it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from traitlets import Bool, Float, Integer, Unicode

from kamlab.assess.engine import STATE_DIR, GradingEngine, is_test_cell, zero_judgement
from kamlab.assess.judge import Judgement
from kamlab.assess.messages import feedback_summary_markdown, item_feedback_text, item_grader_text
from kamlab.assess.registry import get_assessment
from kamlab.assess.sandbox import Limits

__all__ = [
    "DetectTampering",
    "FeedbackCleaner",
    "KeepManualGrades",
    "SandboxedJudge",
    "judgement_path",
    "read_judgement",
    "tamper_path",
]


def _safe(name: str) -> str:
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"unsafe id {name!r}: ids must not contain path separators")
    return name


def judgement_path(root: str | Path, assignment: str, student: str) -> Path:
    """Where the judgement of ``student``'s ``assignment`` is kept (root-only)."""
    return Path(root) / STATE_DIR / "judgements" / _safe(assignment) / f"{_safe(student)}.json"


def tamper_path(root: str | Path, assignment: str, student: str) -> Path:
    return Path(root) / STATE_DIR / "tamper" / _safe(assignment) / f"{_safe(student)}.json"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path.parent, path.parent.parent):
        with contextlib.suppress(OSError):
            os.chmod(p, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(path)


def read_judgement(root: str | Path, assignment: str, student: str) -> Judgement | None:
    path = judgement_path(root, assignment, student)
    try:
        return Judgement.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None


def save_judgement(root: str | Path, judgement: Judgement) -> Path:
    """Save ``judgement``, numbering it as the next grading attempt of that submission."""
    path = judgement_path(root, judgement.assignment, judgement.trainee)
    prev = read_judgement(root, judgement.assignment, judgement.trainee)
    judgement.attempt = (prev.attempt + 1) if prev is not None else 1
    _write_private(path, judgement.to_json())
    return path


class _CourseRootMixin(NbGraderPreprocessor):
    course_root = Unicode(
        "", help="The course root (default: the working directory nbgrader switched to)."
    ).tag(config=True)

    def _root(self) -> Path:
        return Path(self.course_root or os.getcwd())


class DetectTampering(_CourseRootMixin):
    """Record edits to locked cells before nbgrader restores them (sanitize phase)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        aid, sid, nbid = info["assignment"], info["student"], info["notebook"]
        found: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        with Gradebook(info["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(nbid, aid)
            except MissingEntry:
                return nb, resources
            sources = {c.name: c for c in source_nb.source_cells}
            graded = {c.name: c for c in source_nb.grade_cells}
            for _idx, cell in enumerate(nb.cells):
                nbg = cell.get("metadata", {}).get("nbgrader")
                if not nbg or "grade_id" not in nbg:
                    continue
                gid = str(nbg["grade_id"])
                seen[gid] = seen.get(gid, 0) + 1
                if seen[gid] > 1:
                    found.append({"cell": gid, "what": "duplicated"})
                    continue
                src = sources.get(gid)
                if src is None:
                    if nbg.get("grade") or nbg.get("locked"):
                        found.append({"cell": gid, "what": "unknown_cell"})
                    continue
                if cell.cell_type != src.cell_type:
                    found.append({"cell": gid, "what": "cell_type"})
                if bool(utils.is_locked(cell)) != bool(src.locked):
                    found.append({"cell": gid, "what": "unlocked"})
                if gid in graded and nbg.get("points") is not None:
                    try:
                        if float(nbg["points"]) != float(graded[gid].max_score):
                            found.append({"cell": gid, "what": "points"})
                    except (TypeError, ValueError):
                        found.append({"cell": gid, "what": "points"})
                if src.locked and cell.get("source", "") not in (src.source, _released(src.source)):
                    found.append({"cell": gid, "what": "edited"})
            for gid in graded:
                if gid not in seen:
                    found.append({"cell": gid, "what": "deleted"})
        _write_private(tamper_path(self._root(), aid, sid), json.dumps(found))
        return nb, resources


class SandboxedJudge(_CourseRootMixin):
    """Replace nbgrader's Execute: sandboxed record run + outside judge (see module doc)."""

    enabled = Bool(True).tag(config=True)
    cell_timeout = Float(30.0, help="Wall seconds per cell before it is interrupted.").tag(
        config=True
    )
    wall_timeout = Float(300.0, help="Wall seconds for a whole submission.").tag(config=True)
    cpu_seconds = Integer(300, help="RLIMIT_CPU of the kernel process.").tag(config=True)
    memory_mb = Integer(4096, help="RLIMIT_AS of the kernel process, in MB.").tag(config=True)
    max_processes = Integer(64, help="RLIMIT_NPROC of the sandbox user.").tag(config=True)
    max_file_mb = Integer(64, help="RLIMIT_FSIZE, in MB.").tag(config=True)
    disk_mb = Integer(256, help="Size of the sandbox's run folder and /tmp, in MB.").tag(
        config=True
    )
    isolation = Unicode("auto", help="'auto' (strongest available) or 'limits'.").tag(config=True)
    kernel_restarts = Integer(
        2, help="New kernels allowed after one dies while answers are extracted."
    ).tag(config=True)
    pool_size = Integer(1, help="Kernels started ahead per grading process.").tag(config=True)
    shipped_world = Unicode(
        "", help="World folder of the visible cases (default: the shipped world)."
    ).tag(config=True)

    def limits(self) -> Limits:
        return Limits(
            cell_timeout=self.cell_timeout,
            wall_timeout=self.wall_timeout,
            cpu_seconds=self.cpu_seconds,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
            max_file_mb=self.max_file_mb,
            disk_mb=self.disk_mb,
        )

    def engine(self) -> GradingEngine:
        return GradingEngine.get(
            self._root(),
            limits=self.limits(),
            isolation=self.isolation,
            pool_size=self.pool_size,
            restarts=self.kernel_restarts,
            shipped_world=self.shipped_world or None,
        )

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        aid, sid, nbid = info["assignment"], info["student"], info["notebook"]
        root = self._root()
        assessment = get_assessment(aid)
        if nbid != assessment.notebook:
            judgement = Judgement(aid, sid, error=f"notebook {nbid} has no judged items")
        else:
            tampering: list[dict[str, Any]] = []
            with contextlib.suppress(OSError, ValueError):
                tampering = json.loads(tamper_path(root, aid, sid).read_text(encoding="utf-8"))
            try:
                judgement = self.engine().grade_notebook(assessment, sid, nb, tampering=tampering)
            except Exception as exc:
                self.log.error("grading %s/%s failed: %s", aid, sid, exc)
                judgement = zero_judgement(
                    assessment, sid, f"grader_error: {type(exc).__name__}: {exc}"[:300]
                )
                judgement.tampering = tampering
        save_judgement(root, judgement)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            gid = cell.metadata["nbgrader"].get("grade_id")
            res = judgement.items.get(gid)
            cell.execution_count = None
            if res is None:
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error",
                        ename="NotJudged",
                        evalue=f"no judge for {gid}",
                        traceback=[f"NotJudged: {gid}"],
                    )
                ]
                continue
            text = item_grader_text(res, judgement)
            outs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
            if res.score <= 0:
                outs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename="NotPassed",
                        evalue=f"{gid}: 0 of {res.points:g} points",
                        traceback=[f"NotPassed: {gid}: 0 of {res.points:g} points"],
                    )
                )
            elif res.score < res.points:
                outs.append(
                    nbformat.v4.new_output(
                        "execute_result",
                        data={"text/plain": repr(float(res.score))},
                        execution_count=None,
                    )
                )
            cell.outputs = outs
        return nb, resources


class KeepManualGrades(SaveAutoGrades):
    """``SaveAutoGrades`` that keeps a manual grade 'graded' when the auto score is unchanged."""

    enabled = Bool(True).tag(config=True)

    def _add_score(self, cell: NotebookNode, resources: ResourcesDict) -> None:
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        prev_auto, prev_needs = grade.auto_score, grade.needs_manual_grade
        super()._add_score(cell, resources)
        if grade.manual_score is not None and grade.auto_score == prev_auto:
            grade.needs_manual_grade = prev_needs
            self.gradebook.db.commit()


class FeedbackCleaner(_CourseRootMixin):
    """Feedback shows what the trainee submitted plus the judge's words (see module doc)."""

    enabled = Bool(True).tag(config=True)
    language = Unicode("", help="Feedback language, 'en' or 'zh' (default: kamlab's current).").tag(
        config=True
    )

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        aid, sid, nbid = info["assignment"], info["student"], info["notebook"]
        root = self._root()
        lang = self.language or None
        judgement = read_judgement(root, aid, sid)
        submitted = _read_submitted(root / "submitted" / sid / aid / f"{nbid}.ipynb")
        by_id: dict[str, Any] = {}
        by_pos: list[Any] = []
        if submitted is not None:
            for c in submitted.cells:
                if c.get("cell_type") != "code":
                    continue
                if c.get("id"):
                    by_id[c["id"]] = c
                by_pos.append(c)
        code_pos = 0
        for cell in nb.cells:
            cell.metadata.pop("kamlab", None)
            if cell.cell_type != "code":
                continue
            if is_test_cell(cell):
                gid = cell.metadata["nbgrader"].get("grade_id")
                res = judgement.items.get(gid) if judgement else None
                text = item_feedback_text(res, judgement, lang=lang) if res else ""
                cell.outputs = (
                    [nbformat.v4.new_output("stream", name="stdout", text=text)] if text else []
                )
                cell.execution_count = None
                code_pos += 1
                continue
            orig = by_id.get(cell.get("id")) if cell.get("id") else None
            if orig is None and submitted is not None and code_pos < len(by_pos):
                cand = by_pos[code_pos]
                if not cand.get("id") or cand.get("id") not in {c.get("id") for c in nb.cells}:
                    orig = cand
            cell.outputs = [
                nbformat.from_dict(o) for o in (orig.get("outputs", []) if orig else [])
            ]
            cell.execution_count = orig.get("execution_count") if orig else None
            code_pos += 1
        if judgement is not None:
            scores: dict[str, tuple[float, float]] = {}
            try:
                with Gradebook(info["db_url"]) as gb:
                    sub = gb.find_submission_notebook(nbid, aid, sid)
                    for g in sorted(sub.grades, key=lambda g: g.name):
                        scores[g.name] = (float(g.score or 0.0), float(g.max_score))
            except MissingEntry:
                scores = {}
            text = feedback_summary_markdown(judgement, lang=lang, scores=scores or None)
            summary = nbformat.v4.new_markdown_cell(text)
            nb.cells.insert(0, summary)
        return nb, resources


def _released(source: str) -> str:
    """The release version of a locked cell's source (hidden tests removed, as nbgrader does)."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True}
    ClearHiddenTests(enforce_metadata=False)._remove_hidden_test_region(cell)
    return cell.source


def _read_submitted(path: Path) -> NotebookNode | None:
    try:
        if path.stat().st_size > 50 * 1024 * 1024:
            return None
        return nbformat.read(path, as_version=4)
    except Exception:
        return None
