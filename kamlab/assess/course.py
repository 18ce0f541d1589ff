"""The course: an nbgrader course root (``assessments/``), its config and its gradebook.

:class:`Course` loads ``<root>/nbgrader_config.py`` and overrides the course root, the
gradebook URL (SQLite in the root by default; any SQLAlchemy URL, PostgreSQL included) and
the exchange folder. Layout::

    <root>/nbgrader_config.py
    <root>/source/<assessment>/<notebook>.ipynb     the instructor's version (with solutions)
    <root>/release/ submitted/ autograded/ feedback/ (nbgrader's working folders)
    <root>/gradebook.db                             SQLite gradebook (default)
    <root>/.course_secret                           0600: the key of the trainees' secret seeds
    <root>/.kamlab/                                 0700: world cache, judgements, tamper notes
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["Course", "find_course_root"]


def find_course_root(root: str | Path | None = None) -> Path:
    """``root``, else ``KAMLAB_COURSE_ROOT``, else ``./assessments``, else the checkout's, else cwd."""
    if root is not None:
        return Path(root).resolve()
    env = os.environ.get("KAMLAB_COURSE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file() and (here / "source").is_dir():
        return here
    if (here / "assessments" / "nbgrader_config.py").is_file():
        return (here / "assessments").resolve()
    from kamlab.resources import repo_root

    repo = repo_root()
    if repo is not None and (repo / "assessments" / "nbgrader_config.py").is_file():
        return repo / "assessments"
    return here


def _ensure_venv_on_path() -> None:
    """nbgrader runs the ``alembic`` executable of this environment to create a gradebook."""
    venv_bin = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if venv_bin not in parts:
        os.environ["PATH"] = os.pathsep.join([venv_bin, *[p for p in parts if p]])


class Course:
    """An nbgrader course root with kamlab's pipeline.

    >>> # course = Course("assessments", db_url="postgresql+psycopg://grader@127.0.0.1:5433/kamlab")
    """

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        db_url: str | None = None,
        exchange: str | Path | None = None,
        config_overrides: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.root = find_course_root(root)
        if not (self.root / "nbgrader_config.py").is_file():
            from kamlab.i18n import t

            raise FileNotFoundError(t("assess.course_root_missing", path=self.root))
        self.db_url = (
            db_url
            or os.environ.get("KAMLAB_GRADEBOOK_URL")
            or f"sqlite:///{self.root / 'gradebook.db'}"
        )
        self.exchange = str(exchange) if exchange else None
        self.overrides = config_overrides or {}
        _ensure_venv_on_path()
        for name in ("traitlets", "nbgrader", "NbGraderAPI"):
            logging.getLogger(name).setLevel(logging.ERROR)

    # -- nbgrader ----------------------------------------------------------------------------
    def config(self) -> Any:
        """The traitlets Config of this course (the file plus kamlab's overrides)."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        over = Config()
        over.CourseDirectory.root = str(self.root)
        over.CourseDirectory.db_url = self.db_url
        if self.exchange:
            over.Exchange.root = self.exchange
        over.SandboxedJudge.course_root = str(self.root)
        over.DetectTampering.course_root = str(self.root)
        over.FeedbackCleaner.course_root = str(self.root)
        over.NbGraderAPI.log_level = "ERROR"
        for section, values in self.overrides.items():
            for key, value in values.items():
                setattr(over[section], key, value)
        cfg.merge(over)
        return cfg

    def api(self) -> Any:
        """An in-process ``NbGraderAPI`` for this course (no CLI start-up cost)."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        cfg = self.config()
        coursedir = CourseDirectory(config=cfg)
        api = NbGraderAPI(coursedir=coursedir, config=cfg)
        api.log.setLevel(logging.ERROR)
        return api

    @contextlib.contextmanager
    def gradebook(self) -> Iterator[Any]:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, course_id="kamlab") as gb:
            yield gb

    # -- folders -----------------------------------------------------------------------------
    def path(self, step: str, student: str = ".", assignment: str = ".") -> Path:
        if step == "source" or step == "release":
            return self.root / step / assignment
        return self.root / step / student / assignment

    def source_assignments(self) -> list[str]:
        src = self.root / "source"
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def submitted_students(self, assignment: str) -> list[str]:
        base = self.root / "submitted"
        if not base.is_dir():
            return []
        return sorted(
            p.name
            for p in base.iterdir()
            if (p / assignment).is_dir() and any((p / assignment).glob("*.ipynb"))
        )

    def autograded_students(self, assignment: str) -> list[str]:
        base = self.root / "autograded"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())

    def harden(self) -> None:
        """Make private what trainee code must never read (as root: 0700 folders, 0600 files)."""
        if os.geteuid() != 0:
            return
        for name in ("source", "submitted", "autograded", ".kamlab"):
            p = self.root / name
            if p.is_dir():
                os.chmod(p, 0o700)
        for name in ("gradebook.db", ".course_secret"):
            p = self.root / name
            if p.is_file():
                os.chmod(p, 0o600)

    def assignment_in_gradebook(self, assignment: str) -> bool:
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                return False
        return True
