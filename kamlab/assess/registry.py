"""Find the :class:`~kamlab.assess.spec.Assessment` of an nbgrader assignment.

Lookup order for assignment ``M3``:

1. assessments registered in this process with :func:`register`;
2. spec files or modules named in ``KAMLAB_ASSESS_SPECS`` (``os.pathsep``-separated; each a
   ``.py`` file path or a module name) — their ``ASSESSMENT`` (or ``ASSESSMENTS``);
3. the module ``kamlab.assess.specs.m3`` (its ``ASSESSMENT``) — where M1–M8 live.

>>> from kamlab.assess.spec import Assessment
>>> register(Assessment("DOC0", notebook="DOC0", items=()))
>>> get_assessment("DOC0").notebook
'DOC0'
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType

from kamlab.assess.spec import Assessment

__all__ = ["SPECS_ENV", "get_assessment", "known_assessments", "register"]

SPECS_ENV = "KAMLAB_ASSESS_SPECS"
_REGISTERED: dict[str, Assessment] = {}
_LOADED: dict[str, ModuleType] = {}


def register(assessment: Assessment) -> None:
    """Make ``assessment`` known in this process (and in worker processes forked from it)."""
    _REGISTERED[assessment.id] = assessment


def _from_module(mod: ModuleType) -> list[Assessment]:
    out = []
    one = getattr(mod, "ASSESSMENT", None)
    if isinstance(one, Assessment):
        out.append(one)
    for a in getattr(mod, "ASSESSMENTS", ()) or ():
        if isinstance(a, Assessment):
            out.append(a)
    return out


def _load(ref: str) -> ModuleType:
    if ref in _LOADED:
        return _LOADED[ref]
    if ref.endswith(".py") or os.sep in ref:
        path = Path(ref)
        name = f"_kamlab_spec_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load assessment spec file {path}")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(ref)
    _LOADED[ref] = mod
    return mod


def _env_specs() -> list[Assessment]:
    out: list[Assessment] = []
    for ref in filter(None, os.environ.get(SPECS_ENV, "").split(os.pathsep)):
        out += _from_module(_load(ref))
    return out


def get_assessment(assignment_id: str) -> Assessment:
    """The assessment for ``assignment_id``; ``KeyError`` with a hint when there is none."""
    if assignment_id in _REGISTERED:
        return _REGISTERED[assignment_id]
    for a in _env_specs():
        if a.id == assignment_id:
            return a
    modname = f"kamlab.assess.specs.{assignment_id.lower().replace('-', '_')}"
    try:
        mod = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name != modname:
            raise
    else:
        for a in _from_module(mod):
            if a.id == assignment_id:
                return a
    raise KeyError(
        f"no assessment spec for assignment {assignment_id!r}: write kamlab/assess/specs/"
        f"{assignment_id.lower()}.py with ASSESSMENT = Assessment(...) (see docs/ASSESSMENTS.md)"
    )


def known_assessments() -> list[str]:
    """Ids of registered, environment and shipped assessments."""
    ids = set(_REGISTERED)
    ids |= {a.id for a in _env_specs()}
    specs_dir = Path(__file__).with_name("specs")
    if specs_dir.is_dir():
        for f in specs_dir.glob("m*.py"):
            try:
                ids |= {
                    a.id
                    for a in _from_module(importlib.import_module(f"kamlab.assess.specs.{f.stem}"))
                }
            except Exception:
                continue
    return sorted(ids)
