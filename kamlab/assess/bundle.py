"""Prepare one trainee's cases outside the sandbox: arguments as files, expected answers kept.

:func:`prepare` calls each item's case builders (visible: the shipped world; hidden: the
trainee's secret-seeded worlds and edge cases), computes the reference answers with
kamlab's own code, and returns a :class:`Bundle`. :meth:`Bundle.write` puts only the
*inputs* into the sandbox's read-only ``inputs/`` folder: ``manifest.json`` (case ids and
argument descriptions), parquet files for tables, and the public tables of each hidden world
(no ``meta.json``, no seed). The expected answers never enter the sandbox.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamlab.assess.plain import normalise
from kamlab.assess.spec import UNSET, Assessment, Case, CaseContext, CaseKind, Item

__all__ = ["Bundle", "ExpectedCache", "PreparedCase", "PreparedItem", "prepare"]

log = logging.getLogger(__name__)


@dataclass
class PreparedCase:
    """A case ready to run: its id, kind, label, weight, argument specs and expected answer."""

    id: str
    kind: CaseKind
    label: str
    weight: float
    args: list[Any]
    kwargs: dict[str, Any]
    expected: Any = None
    void: bool = False


@dataclass
class PreparedItem:
    item: Item
    points: float
    cases: list[PreparedCase]


@dataclass
class Bundle:
    """All prepared items of one submission plus the files their arguments need."""

    assessment: Assessment
    trainee: str
    items: dict[str, PreparedItem] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)  # rel path -> Path (copy) | DataFrame

    def manifest(self) -> dict[str, Any]:
        return {
            "items": {
                iid: {
                    "target": p.item.target,
                    "timeout": p.item.timeout,
                    "cases": [
                        {"id": c.id, "args": c.args, "kwargs": c.kwargs}
                        for c in p.cases
                        if not c.void
                    ],
                }
                for iid, p in self.items.items()
                if p.item.is_judged and p.item.target
            }
        }

    def write(self, inputs: Path) -> Path:
        """Write the inputs (root-owned, read-only for the sandbox); return the manifest path."""
        import pandas as pd

        for rel, src in self.files.items():
            dest = inputs / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(src, Path):
                shutil.copyfile(src, dest)
            elif isinstance(src, pd.Series):
                src.to_frame(name="__value__").to_parquet(dest, compression=None)
            else:
                src.to_parquet(dest, compression=None)
        path = inputs / "manifest.json"
        path.write_text(json.dumps(self.manifest(), allow_nan=False), encoding="utf-8")
        for d, _, names in os.walk(inputs):
            os.chmod(d, 0o755)
            for n in names:
                os.chmod(os.path.join(d, n), 0o644)
        return path


class _Encoder:
    """Turn case arguments into manifest specs, collecting the files they need."""

    def __init__(self, bundle: Bundle, shipped: Any, folders: dict[int, Path]) -> None:
        self.bundle = bundle
        self.shipped = shipped
        self.folders = folders  # id(world) -> cached folder with public/*.parquet
        self.worlds: dict[int, str] = {}
        self.tables: dict[int, tuple[str, str]] = {}
        self.frames: dict[int, str] = {}
        self.keep: list[Any] = []  # keep argument objects alive so ids stay unique

    def _world_ref(self, world: Any) -> str | None:
        if world is self.shipped:
            return None
        key = id(world)
        if key not in self.worlds:
            rel = f"worlds/w{len(self.worlds)}"
            self.worlds[key] = rel
            self.keep.append(world)
            folder = self.folders.get(key)
            for name in list(world.public):
                src = folder / "public" / f"{name}.parquet" if folder is not None else None
                self.bundle.files[f"{rel}/public/{name}.parquet"] = (
                    src if src is not None and src.is_file() else world.public[name]
                )
        return self.worlds[key]

    def index_world(self, world: Any) -> None:
        if world is None or world is self.shipped:
            return
        self._world_ref(world)

    def _lookup(self, df: Any) -> tuple[str, str] | None:
        """``(world folder, table)`` when ``df`` is a table of a world handed in (no copy)."""
        known = [(self.shipped, "@shipped")] if self.shipped is not None else []
        known += [(w, self.worlds[id(w)]) for w in self.keep if id(w) in self.worlds]
        for world, rel in known:
            tables = world.public
            pairs = tables.loaded() if hasattr(tables, "loaded") else tables.items()
            for name, t in pairs:
                if t is df:
                    return rel, name
        return None

    def encode(self, v: Any) -> dict[str, Any]:
        import numpy as np
        import pandas as pd

        from kamlab.data.world import World

        if isinstance(v, World):
            return {"kind": "world", "path": self._world_ref(v)}
        if isinstance(v, (pd.DataFrame, pd.Series)):
            hit = self._lookup(v)
            if hit is not None:
                root, name = hit
                return {"kind": "frame", "path": f"{root}/public/{name}.parquet"}
            key = id(v)
            if key not in self.frames:
                self.frames[key] = f"frames/f{len(self.frames)}.parquet"
                self.bundle.files[self.frames[key]] = v
                self.keep.append(v)
            spec: dict[str, Any] = {"kind": "frame", "path": self.frames[key]}
            if isinstance(v, pd.Series):
                spec.update(series=True, name=v.name if isinstance(v.name, (str, int)) else None)
            return spec
        if isinstance(v, np.ndarray):
            return {"kind": "value", "value": _value(v.tolist())}
        return {"kind": "value", "value": _value(v)}


def _value(v: Any) -> Any:
    """Plain JSON for a literal argument (tuples and non-string keys survive)."""
    import numpy as np

    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.generic):
        return _value(v.item())
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else {"__float__": repr(v)}
    if isinstance(v, tuple):
        return {"__tuple__": [_value(x) for x in v]}
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in v):
            return {k: _value(x) for k, x in v.items()}
        return {"__map__": [[_value(k), _value(x)] for k, x in v.items()]}
    raise TypeError(
        f"case argument of type {type(v).__name__} cannot be handed to the sandbox; use plain "
        "values, DataFrames/Series, numpy arrays or a World"
    )


_VISIBLE_CACHE: dict[tuple[str, int], tuple[list[Case], list[tuple[bool, Any]]]] = {}


def _expected(item: Item, case: Case) -> tuple[bool, Any]:
    """``(ok, normalised expected answer)``; ``ok=False`` when the reference failed."""
    try:
        expected = case.expected
        if callable(expected):  # deferred: computed only when not cached
            expected = expected()
        if expected is UNSET:
            if item.reference is None:
                raise ValueError(f"item {item.id} has no reference and a case has no expected")
            expected = item.reference(*case.args, **dict(case.kwargs))
        return True, normalise(expected)
    except Exception as exc:
        log.warning(
            "item %s: the reference failed on %r (%s); case not scored", item.id, case.label, exc
        )
        return False, None


def _prepare_cases(
    cases: list[Case], expected: list[tuple[bool, Any]], enc: _Encoder, prefix: str
) -> list[PreparedCase]:
    out = []
    for n, (case, (ok, exp)) in enumerate(zip(cases, expected, strict=True), 1):
        args = [enc.encode(a) for a in case.args]
        kwargs = {k: enc.encode(a) for k, a in case.kwargs.items()}
        out.append(
            PreparedCase(
                f"{prefix}{n}", case.kind, case.label, case.weight, args, kwargs, exp, not ok
            )
        )
    return out


class ExpectedCache:
    """Reference answers on disk (root-only JSON), so a re-grade does not recompute them.

    A file belongs to one assessment and one trainee (or ``__visible__``); it is used only
    while its ``fingerprint`` — a hash of kamlab's source code, the spec and the worlds'
    folders — is unchanged, so editing a reference or a formula invalidates it.
    """

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.data: dict[str, Any] = {}
        self.dirty = False
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("fingerprint") == fingerprint:
                self.data = raw.get("cases", {})
        except (OSError, ValueError):
            pass

    def get(self, key: str, compute: Any) -> tuple[bool, Any]:
        from kamlab.assess.plain import from_plain

        hit = self.data.get(key)
        if hit is not None:
            return bool(hit[0]), from_plain(hit[1]) if hit[0] else None
        ok, value = compute()
        from kamlab.assess._harness import to_plain

        self.data[key] = [ok, to_plain(value) if ok else None]
        self.dirty = True
        return ok, value

    def save(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"fingerprint": self.fingerprint, "cases": self.data}, f, allow_nan=False)
        tmp.replace(self.path)
        self.dirty = False


def _cached(cache: ExpectedCache | None, key: str, item: Item, case: Case) -> tuple[bool, Any]:
    if cache is None:
        return _expected(item, case)
    return cache.get(key, lambda: _expected(item, case))


def prepare(
    assessment: Assessment,
    trainee: str,
    ctx: CaseContext | None,
    *,
    shipped: Any,
    folders: dict[int, Path] | None = None,
    hidden: bool = True,
    cache: ExpectedCache | None = None,
    visible_cache: ExpectedCache | None = None,
) -> Bundle:
    """Build every judged item's cases for ``trainee`` (``hidden=False``: visible only).

    Visible cases and their reference answers are the same for everyone: they are built
    once per process and reused. ``cache``/``visible_cache`` keep reference answers on disk.
    """
    bundle = Bundle(assessment, trainee)
    enc = _Encoder(bundle, shipped, folders or {})
    enc.index_world(shipped)
    if hidden and ctx is not None:
        for w in ctx.worlds:
            enc.index_world(w)
    for item in assessment.items:
        if not item.is_judged:
            continue
        cases: list[PreparedCase] = []
        if item.visible is not None and shipped is not None:
            key = (f"{assessment.id}/{item.id}", id(shipped))
            if key not in _VISIBLE_CACHE:
                if len(_VISIBLE_CACHE) > 256:
                    _VISIBLE_CACHE.clear()
                built = list(item.visible(shipped))
                for c in built:
                    if c.kind != CaseKind.VISIBLE:
                        raise ValueError(
                            f"item {item.id}: visible() must return Case.visible(...) cases"
                        )
                _VISIBLE_CACHE[key] = (
                    built,
                    [
                        _cached(visible_cache, f"{item.id}/v{n}", item, c)
                        for n, c in enumerate(built, 1)
                    ],
                )
            built, exp = _VISIBLE_CACHE[key]
            cases += _prepare_cases(built, exp, enc, "v")
        if hidden and item.hidden is not None and ctx is not None:
            built = list(item.hidden(ctx))
            for c in built:
                if c.kind == CaseKind.VISIBLE:
                    raise ValueError(
                        f"item {item.id}: hidden() returned a visible case; use Case.edge or Case.fresh_world"
                    )
            exp = [_cached(cache, f"{item.id}/h{n}", item, c) for n, c in enumerate(built, 1)]
            cases += _prepare_cases(built, exp, enc, "h")
        bundle.items[item.id] = PreparedItem(item, assessment.points(item), cases)
    for c in (cache, visible_cache):
        if c is not None:
            c.save()
    return bundle
