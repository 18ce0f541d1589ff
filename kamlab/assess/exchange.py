"""``kamlab course release`` / ``collect``: the nbgrader exchange, and zips from an LMS.

The exchange (``Exchange.root``, default ``/srv/nbgrader/exchange`` or ``KAMLAB_EXCHANGE``)
must exist and be world-writable, and the trainees' nbgrader config must name the same
folder; :func:`release` creates it (mode 1777) when it is missing.

``collect --zip FILE`` takes the submissions downloaded from a learning-management system.
Inside the zip, at any folder depth, each notebook must be named either

- ``<student_id>_<notebook>.ipynb`` — e.g. ``alice_M1_assessment.ipynb``, or
- ``<student_id>/<notebook>.ipynb`` — e.g. ``alice/M1_assessment.ipynb``,

where ``<notebook>`` is the assessment's notebook name and ``<student_id>`` is letters,
digits, ``.``, ``-``, ``_`` or ``@``. Other files are skipped (and listed). Each notebook
lands in ``submitted/<student_id>/<assessment>/`` with a ``timestamp.txt`` from the zip entry.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kamlab.assess.course import Course

__all__ = ["ZipReport", "collect", "collect_zip", "release"]

_STUDENT = r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def _exchange_root(course: Course) -> Path:
    return Path(str(course.config().Exchange.root))


def release(course: Course, assignment: str) -> Path:
    """Release the generated version of ``assignment`` into the exchange; return its root."""
    root = _exchange_root(course)
    if not root.exists():
        root.mkdir(parents=True)
        os.chmod(root, 0o1777)
    res = course.api().release_assignment(assignment)
    if not res.get("success"):
        lines = [ln for ln in str(res.get("error", "")).splitlines() if ln.strip()]
        raise RuntimeError(lines[-1] if lines else f"could not release {assignment}")
    return root


def collect(course: Course, assignment: str) -> list[str]:
    """Collect ``assignment``'s submissions from the exchange; return the students collected."""
    res = course.api().collect(assignment)
    if not res.get("success"):
        lines = [ln for ln in str(res.get("error", "")).splitlines() if ln.strip()]
        raise RuntimeError(lines[-1] if lines else f"could not collect {assignment}")
    return course.submitted_students(assignment)


@dataclass
class ZipReport:
    collected: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def collect_zip(
    course: Course, assignment: str, zip_path: str | Path, *, notebook: str | None = None
) -> ZipReport:
    """Unpack trainees' notebooks from an LMS download (see the module docstring for names)."""
    if notebook is None:
        from kamlab.assess.registry import get_assessment

        try:
            notebook = get_assessment(assignment).notebook
        except KeyError:
            nbs = sorted((course.root / "source" / assignment).glob("*.ipynb"))
            if len(nbs) != 1:
                raise ValueError(
                    f"assignment {assignment!r}: pass notebook= (the source folder has {len(nbs)} notebooks)"
                ) from None
            notebook = nbs[0].stem
    flat = re.compile(rf"^(?P<student>{_STUDENT})_{re.escape(notebook)}\.ipynb$")
    report = ZipReport()
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            name = parts[-1] if parts else ""
            m = flat.match(name)
            student = m.group("student") if m else None
            if (
                student is None
                and name == f"{notebook}.ipynb"
                and len(parts) >= 2
                and re.fullmatch(_STUDENT, parts[-2])
            ):
                student = parts[-2]
            if student is None or info.file_size > MAX_NOTEBOOK_BYTES:
                report.skipped.append(info.filename)
                continue
            dest_dir = course.root / "submitted" / student / assignment
            dest_dir.mkdir(parents=True, exist_ok=True)
            dest = dest_dir / f"{notebook}.ipynb"
            with zf.open(info) as src:
                data = src.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                report.skipped.append(info.filename)
                continue
            dest.write_bytes(data)
            when = dt.datetime(*info.date_time)
            (dest_dir / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC")
            report.collected[student] = dest
    return report
