"""The restricted ``kamlab`` a trainee's code sees inside the sandbox.

Inside the sandbox the real package is covered by this stub (a bind mount; without a mount
namespace it comes first on ``PYTHONPATH``). It offers exactly what an assessment allows:

- ``kamlab.load_world(path=None)`` — the shipped world (or a world folder), loaded lazily:
  a table is read when first used;
- ``kamlab.assess.student.check`` — a no-op during grading (the judge runs outside);
- the :class:`~kamlab.data.world.World` container it returns.

Importing anything else (``kamlab.metrics``, ``kamlab.sim`` …) raises an ``ImportError``
that says why. :func:`build_shared` writes the stub and a read-only copy of the shipped
world's public tables into the sandbox's shared folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

__all__ = ["STUB_ALLOWED_MODULES", "build_shared"]

STUB_ALLOWED_MODULES = (
    "kamlab",
    "kamlab.data",
    "kamlab.data.world",
    "kamlab.data.schemas",
    "kamlab.assess",
    "kamlab.assess.student",
)

_STUB_INIT = '''"""kamlab inside an assessment sandbox: only ``load_world`` (and ``kamlab.assess.student``)."""

import os as _os
import sys as _sys
from importlib.abc import MetaPathFinder as _Finder

__version__ = "{version}"
__all__ = ["load_world"]
_ALLOWED = {allowed!r}
_WHY = (
    "is not available inside an assessment: write the calculation yourself "
    "(you may read kamlab's code; only kamlab.load_world is provided here)"
)


class _Blocker(_Finder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("kamlab.") and name not in _ALLOWED:
            raise ImportError(f"{{name}} {{_WHY}}", name=name)
        return None


_sys.meta_path.insert(0, _Blocker())


_TABLES = {{}}  # (folder, table) -> DataFrame, shared by every World of this process


def _read(folder, name):
    key = (folder, name)
    if key not in _TABLES:
        import pandas as pd

        from kamlab.data.schemas import SCHEMAS
        from kamlab.data.world import _restore_dtypes

        value = pd.read_parquet(_os.path.join(folder, name + ".parquet"))
        if name in SCHEMAS:
            value = _restore_dtypes(value, name)
        _TABLES[key] = value
    return _TABLES[key]


class _LazyTables(dict):
    """Table name -> DataFrame, read from parquet on first use."""

    def __init__(self, folder):
        names = sorted(p[:-8] for p in _os.listdir(folder) if p.endswith(".parquet"))
        super().__init__((n, None) for n in names)
        self._folder = folder

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        if value is None:
            value = _read(self._folder, name)
            dict.__setitem__(self, name, value)
        return value

    def __iter__(self):
        return iter(list(dict.keys(self)))

    def get(self, name, default=None):
        return self[name] if name in self else default

    def values(self):
        return [self[n] for n in self]

    def items(self):
        return [(n, self[n]) for n in self]

    def copy(self):
        return dict(self.items())


def _world_class():
    from kamlab.data.world import World

    class SandboxWorld(World):
        """A World whose tables are read when first used."""

        def __repr__(self):
            return f"<World: {{len(self.public)}} public tables, read when used>"

    return SandboxWorld


def load_world(path=None, *, truth=True):
    """The shipped world (no argument) or the world saved in folder ``path``, read lazily."""
    import json

    _World = _world_class()
    root = path if path is not None else _os.environ.get("KAMLAB_SANDBOX_WORLD")
    if not root or not _os.path.isdir(_os.path.join(root, "public")):
        raise FileNotFoundError(f"no world at {{root!r}}")
    meta = {{}}
    meta_file = _os.path.join(root, "meta.json")
    if _os.path.isfile(meta_file):
        with open(meta_file, encoding="utf-8") as f:
            meta = json.load(f)
    return _World(public=_LazyTables(_os.path.join(root, "public")), truth={{}}, meta=meta)


def _preload(root):
    """Read every table of the world at ``root`` now (the grader's kernel zygote does this,
    so forked kernels share the shipped world instead of each reading it)."""
    folder = _os.path.join(root, "public")
    for name in sorted(p[:-8] for p in _os.listdir(folder) if p.endswith(".parquet")):
        _read(folder, name)


def __getattr__(name):
    raise AttributeError(f"kamlab.{{name}} {{_WHY}}")
'''

_STUB_STUDENT = '''"""kamlab.assess.student inside a grading sandbox: the judge runs outside, so check() does nothing."""


def check(item_id, answer=None):
    """Practice check: a no-op while grading (the grader judges your answer outside)."""
    return None
'''


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()[:20]


def _link_or_copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)  # a copy: its permissions are ours to set


def _prune(folder: Path, max_age_s: float = 24 * 3600) -> None:
    """Remove shared folders not used for a day (older stubs and worlds)."""
    import time

    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_s
    for old in folder.iterdir():
        try:
            if (old / ".complete").exists() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def build_shared(base: Path, shipped_world: Path | None) -> tuple[Path, Path | None]:
    """Write the stub package and the shipped world's public copy under ``base/shared/<key>``.

    Returns ``(stub_dir, world_dir)``; everything is root-owned and read-only (0755/0644).
    """
    import kamlab
    from kamlab.data import schemas as _schemas
    from kamlab.data import world as _world

    init = _STUB_INIT.format(version=kamlab.__version__, allowed=set(STUB_ALLOWED_MODULES))
    files = {
        "kamlab/__init__.py": init.encode(),
        "kamlab/data/__init__.py": b"",
        "kamlab/data/world.py": Path(_world.__file__).read_bytes(),
        "kamlab/data/schemas.py": Path(_schemas.__file__).read_bytes(),
        "kamlab/assess/__init__.py": b"",
        "kamlab/assess/student.py": _STUB_STUDENT.encode(),
    }
    world_files: list[Path] = []
    if shipped_world is not None and (shipped_world / "public").is_dir():
        world_files = sorted((shipped_world / "public").glob("*.parquet"))
        if (shipped_world / "meta.json").is_file():
            world_files.append(shipped_world / "meta.json")
    stamp = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}".encode() for p in world_files]
    key = _digest(*(k.encode() + v for k, v in sorted(files.items())), *stamp)
    shared = base / "shared" / key
    stub_dir, world_dir = shared / "stub", shared / "world"
    if (shared / ".complete").exists():
        os.utime(shared)  # in use: keeps it from being pruned
        return stub_dir, (world_dir if world_files else None)
    _prune(base / "shared")
    tmp = base / "shared" / f".{key}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, data in files.items():
        dest = tmp / "stub" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    if world_files:
        (tmp / "world" / "public").mkdir(parents=True)
        for f in world_files:
            dest = tmp / "world" / ("meta.json" if f.name == "meta.json" else f"public/{f.name}")
            _link_or_copy(f, dest)
    for d, _, names in os.walk(tmp):
        os.chmod(d, 0o755)
        for n in names:
            os.chmod(os.path.join(d, n), 0o644)
    (tmp / ".complete").write_text("ok\n")
    (base / "shared").mkdir(parents=True, exist_ok=True)
    os.chmod(base / "shared", 0o711)
    try:
        tmp.rename(shared)
    except OSError:  # another process won the race
        shutil.rmtree(tmp, ignore_errors=True)
    os.chmod(shared, 0o755)
    return stub_dir, (world_dir if world_files else None)
