"""The answer harness: runs INSIDE the sandboxed kernel, after the trainee's cells.

Standard library plus numpy/pandas only (the real kamlab is not importable in the sandbox).
For one item it reads the case inputs the grader prepared (read-only files), calls the
trainee's function on each, and turns every result into **plain data** (:func:`to_plain`:
JSON numbers, strings, lists and tagged dicts — never pickle, never an object). The grader
parses that text outside the kernel with strict type checks (:mod:`kamlab.assess.plain`), so
an object whose ``__eq__`` says True to anything, a patched ``json`` or a rewritten harness can
only ever produce data, and data is judged like any other answer.

The grader also uses :func:`to_plain` on its own reference answers, so both sides of every
comparison went through the same encoding.

>>> to_plain({"gs": 1.5, "rows": (1, 2)})
{'__map__': [['gs', 1.5], ['rows', [1, 2]]]}
>>> to_plain(float("nan"))
{'__float__': 'nan'}
>>> class Liar:
...     def __eq__(self, other):
...         return True
>>> to_plain(Liar())
{'__unsupported__': 'Liar'}
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from typing import Any

MAX_DEPTH = 40
MAX_ITEMS = 2_000_000


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_ITEMS

    def take(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise ValueError("the answer is too large to grade")


def _float(x: float) -> Any:
    if math.isnan(x):
        return {"__float__": "nan"}
    if math.isinf(x):
        return {"__float__": "inf" if x > 0 else "-inf"}
    return x


def to_plain(obj: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Plain JSON-ready data for ``obj``: exact builtin types only, everything else tagged.

    Subclasses of builtins are reduced to the builtin value (``float.__float__`` etc.), so a
    forged number is judged by the number it holds; an unknown object becomes
    ``{"__unsupported__": type name}`` and is judged wrong.
    """
    budget = _budget or _Budget()
    budget.take()
    if _depth > MAX_DEPTH:
        raise ValueError("the answer is nested too deeply to grade")
    d = _depth + 1
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        return obj
    if t is float:
        return _float(obj)
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if pd is not None:
        if obj is pd.NA or obj is pd.NaT:
            return None
        if isinstance(obj, pd.DataFrame):
            budget.take(int(obj.size))
            return {
                "__frame__": {
                    "columns": [to_plain(c, d, budget) for c in list(obj.columns)],
                    "index": [to_plain(i, d, budget) for i in list(obj.index)],
                    "data": [
                        [to_plain(v, d, budget) for v in row]
                        for row in obj.itertuples(index=False, name=None)
                    ],
                }
            }
        if isinstance(obj, pd.Series):
            budget.take(int(obj.size))
            return {
                "__series__": {
                    "name": to_plain(obj.name, d, budget),
                    "index": [to_plain(i, d, budget) for i in list(obj.index)],
                    "values": [to_plain(v, d, budget) for v in obj.tolist()],
                }
            }
        if isinstance(obj, pd.Timestamp):
            return {"__timestamp__": str(obj.isoformat())}
        if isinstance(obj, pd.Index):
            return [to_plain(v, d, budget) for v in obj.tolist()]
    if np is not None:
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return to_plain(int(obj), d, budget)
        if isinstance(obj, np.floating):
            return to_plain(float(obj), d, budget)
        if isinstance(obj, np.str_):
            return str.__str__(obj)
        if isinstance(obj, np.ndarray):
            budget.take(int(obj.size))
            return {"__array__": to_plain(obj.tolist(), d, budget)}
    if isinstance(obj, bool):
        return bool(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        fields = tuple.__getattribute__(obj, "_fields")
        values = tuple.__iter__(obj)
        return {
            "__record__": [
                [str(f), to_plain(v, d, budget)] for f, v in zip(fields, values, strict=False)
            ]
        }
    if t is list or t is tuple:
        return [to_plain(v, d, budget) for v in obj]
    if t is set or t is frozenset:
        return {"__set__": [to_plain(v, d, budget) for v in obj]}
    if isinstance(obj, dict):
        return {
            "__map__": [
                [to_plain(k, d, budget), to_plain(v, d, budget)] for k, v in dict.items(obj)
            ]
        }
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, int):
        return int.__index__(obj)
    if isinstance(obj, float):
        return _float(float.__float__(obj))
    if isinstance(obj, (list, tuple)):
        return [
            to_plain(v, d, budget)
            for v in (list.__iter__(obj) if isinstance(obj, list) else tuple.__iter__(obj))
        ]
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            "__record__": [
                [f.name, to_plain(object.__getattribute__(obj, f.name), d, budget)]
                for f in dataclasses.fields(obj)
            ]
        }
    return {"__unsupported__": str(type.__getattribute__(t, "__name__"))[:80]}


# ------------------------------------------------------------------------------------------
# inside the kernel
class HarnessTimeout(BaseException):
    """Raised in the trainee's function when a case runs out of time (not an ``Exception``)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise HarnessTimeout()


def _decode(spec: Any, base: str, cache: dict[str, Any]) -> Any:
    """Rebuild one argument from the manifest (files are read fresh or copied per case)."""
    import pandas as pd

    kind = spec.get("kind")
    if kind == "value":
        return _decode_value(spec["value"])
    if kind == "frame":
        rel = spec["path"]
        if rel.startswith("@shipped/public/"):
            import kamlab  # the stub: the shipped world's tables are shared, already read

            name = rel[len("@shipped/public/") : -len(".parquet")]
            df = kamlab.load_world()[name].copy(deep=True)
            return df[df.columns[0]].rename(spec.get("name")) if spec.get("series") else df
        path = os.path.join(base, rel)
        if path not in cache:
            cache[path] = pd.read_parquet(path)
        df = cache[path].copy(deep=True)
        return df[df.columns[0]].rename(spec.get("name")) if spec.get("series") else df
    if kind == "world":
        import kamlab  # the sandbox stub: a lazy, read-only World loader

        root = spec.get("path")
        return kamlab.load_world(os.path.join(base, root) if root else None)
    raise ValueError(f"unknown argument kind {kind!r}")


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict):
        if "__tuple__" in v:
            return tuple(_decode_value(x) for x in v["__tuple__"])
        if "__map__" in v:
            return {_key(_decode_value(k)): _decode_value(x) for k, x in v["__map__"]}
        if "__float__" in v:
            return float(v["__float__"])
        return {k: _decode_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode_value(x) for x in v]
    return v


def _key(k: Any) -> Any:
    return tuple(_key(x) for x in k) if isinstance(k, list) else k


def _safe_text(exc: BaseException, limit: int = 300) -> str:
    try:
        text = BaseException.__str__(exc)
    except BaseException:
        return ""
    return str.__str__(text)[:limit] if isinstance(text, str) else ""


def run_item(manifest_path: str, item_id: str, nonce: str, user_ns: dict[str, Any]) -> str:
    """Call the trainee's target for every case of ``item_id``; return the payload (JSON)."""
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    item = manifest["items"][item_id]
    base = os.path.dirname(manifest_path)
    out: dict[str, Any] = {"nonce": nonce, "item": item_id, "results": {}, "status": "ok"}
    target = item["target"]
    fn = user_ns.get(target) if isinstance(user_ns, dict) else None
    if fn is None:
        out["status"] = "missing"
        return json.dumps(out)
    if not callable(fn):
        out["status"] = "not_callable"
        return json.dumps(out)
    cache: dict[str, Any] = {}
    old = signal.signal(signal.SIGALRM, _on_alarm)
    timed_out = False
    try:
        for case in item["cases"]:
            cid = case["id"]
            if timed_out:  # a function that ran out of time once is not called again
                out["results"][cid] = {"ok": False, "error": "Timeout", "message": ""}
                continue
            try:
                args = [_decode(a, base, cache) for a in case["args"]]
                kwargs = {k: _decode(a, base, cache) for k, a in case["kwargs"].items()}
            except Exception as exc:
                out["results"][cid] = {
                    "ok": False,
                    "error": "HarnessInputError",
                    "message": _safe_text(exc),
                }
                continue
            try:
                signal.setitimer(signal.ITIMER_REAL, float(item.get("timeout", 10.0)))
                try:
                    value = fn(*args, **kwargs)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                plain = to_plain(value)
                text = json.dumps(plain, allow_nan=False)
                if len(text) > 16 * 1024 * 1024:
                    raise ValueError("the answer is too large to grade")
                out["results"][cid] = {"ok": True, "value": plain}
            except HarnessTimeout:
                out["results"][cid] = {"ok": False, "error": "Timeout", "message": ""}
                timed_out = True
            except BaseException as exc:
                signal.setitimer(signal.ITIMER_REAL, 0)
                name = type.__getattribute__(type(exc), "__name__")
                out["results"][cid] = {
                    "ok": False,
                    "error": str.__str__(name)[:80] if isinstance(name, str) else "Error",
                    "message": _safe_text(exc),
                }
                if isinstance(exc, KeyboardInterrupt):
                    out["status"] = "interrupted"
                    break
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return json.dumps(out, allow_nan=False)
