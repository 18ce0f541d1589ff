"""Parse the sandbox's answers outside the kernel, with strict types (the trust boundary).

The harness (:mod:`kamlab.assess._harness`) sends plain JSON text. Here it becomes Python
values built by the grader itself — ``dict``, ``list``, ``float``, ``int``, ``str``, ``bool``,
``None``, :class:`frozenset`, and pandas frames/series rebuilt from plain cells — never an
object of the trainee's making. Anything malformed raises :class:`PayloadError`.

>>> from_plain({"__map__": [["gs", 1.5], [["a", 1], 2]]})
{'gs': 1.5, ('a', 1): 2}
>>> from_plain({"__float__": "nan"})
nan
>>> from_plain({"__unsupported__": "Liar"})
Unsupported('Liar')
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from kamlab.assess._harness import to_plain

__all__ = [
    "CaseAnswer",
    "ItemAnswers",
    "PayloadError",
    "Unsupported",
    "from_plain",
    "is_number",
    "normalise",
    "parse_payload",
]

MAX_PAYLOAD = 32 * 1024 * 1024


class PayloadError(ValueError):
    """The sandbox's answer text is not what the harness writes."""


@dataclass(frozen=True)
class Unsupported:
    """An answer of a type the grader does not accept (its type name only)."""

    type_name: str

    def __repr__(self) -> str:
        return f"Unsupported({self.type_name!r})"


def is_number(x: Any) -> bool:
    """A real ``int`` or ``float`` (``bool`` is not a number here).

    >>> is_number(1.0), is_number(True), is_number("1")
    (True, False, False)
    """
    return type(x) in (int, float)


def _key(k: Any) -> Any:
    if isinstance(k, list):
        return tuple(_key(x) for x in k)
    if isinstance(k, (dict, set, frozenset)):
        raise PayloadError("a mapping key must be a number, a string or a tuple")
    return k


def from_plain(v: Any, _depth: int = 0) -> Any:
    """Rebuild a value from the harness's plain encoding (grader-made objects only)."""
    if _depth > 60:
        raise PayloadError("answer nested too deeply")
    d = _depth + 1
    t = type(v)
    if v is None or t in (bool, int, str):
        return v
    if t is float:
        return v
    if t is list:
        return [from_plain(x, d) for x in v]
    if t is not dict:
        raise PayloadError(f"unexpected JSON type {t.__name__}")
    if len(v) != 1:
        raise PayloadError("a tagged value must have exactly one tag")
    ((tag, body),) = v.items()
    if tag == "__float__":
        if body not in ("nan", "inf", "-inf"):
            raise PayloadError("bad float tag")
        return float(body)
    if tag == "__map__":
        if type(body) is not list or not all(type(p) is list and len(p) == 2 for p in body):
            raise PayloadError("bad mapping")
        return {_key(from_plain(k, d)): from_plain(x, d) for k, x in body}
    if tag == "__record__":
        if type(body) is not list or not all(
            type(p) is list and len(p) == 2 and type(p[0]) is str for p in body
        ):
            raise PayloadError("bad record")
        return {k: from_plain(x, d) for k, x in body}
    if tag == "__set__":
        if type(body) is not list:
            raise PayloadError("bad set")
        return frozenset(_key(from_plain(x, d)) for x in body)
    if tag == "__array__":
        return from_plain(body, d)
    if tag == "__timestamp__":
        import pandas as pd

        return pd.Timestamp(str(body))
    if tag == "__unsupported__":
        return Unsupported(str(body)[:80])
    if tag == "__series__":
        import pandas as pd

        if type(body) is not dict:
            raise PayloadError("bad series")
        index = [_key(from_plain(i, d)) for i in _list(body.get("index"))]
        values = [from_plain(x, d) for x in _list(body.get("values"))]
        if len(index) != len(values):
            raise PayloadError("series index and values differ in length")
        name = body.get("name")
        name = from_plain(name, d) if name is not None else None
        return pd.Series(
            values, index=pd.Index(index, tupleize_cols=False), name=_hashable(name), dtype=object
        )
    if tag == "__frame__":
        import pandas as pd

        if type(body) is not dict:
            raise PayloadError("bad frame")
        columns = [_key(from_plain(c, d)) for c in _list(body.get("columns"))]
        index = [_key(from_plain(i, d)) for i in _list(body.get("index"))]
        data = [[from_plain(x, d) for x in _list(row)] for row in _list(body.get("data"))]
        if len(data) != len(index) or any(len(r) != len(columns) for r in data):
            raise PayloadError("frame shape does not match its labels")
        return pd.DataFrame(
            data,
            columns=pd.Index(columns, dtype=object, tupleize_cols=False),
            index=pd.Index(index, tupleize_cols=False),
            dtype=object,
        )
    raise PayloadError(f"unknown tag {tag!r}")


def _list(v: Any) -> list[Any]:
    if type(v) is not list:
        raise PayloadError("expected a list")
    return v


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return str(v)
    return v


def normalise(value: Any) -> Any:
    """The grader's own value passed through the same encoding as an answer (a reference)."""
    return from_plain(json.loads(json.dumps(to_plain(value), allow_nan=False)))


@dataclass
class CaseAnswer:
    """What the trainee's function did on one case: a value, or the error class it raised."""

    ok: bool
    value: Any = None
    error: str = ""
    message: str = ""


@dataclass
class ItemAnswers:
    """All answers of one item (``status``: ok, missing, not_callable, interrupted)."""

    item: str
    status: str
    cases: dict[str, CaseAnswer] = field(default_factory=dict)


def parse_payload(text: Any, *, nonce: str, item_id: str) -> ItemAnswers:
    """Strictly parse one harness payload; :class:`PayloadError` on anything unexpected."""
    if type(text) is not str or len(text) > MAX_PAYLOAD:
        raise PayloadError("payload is not text or too large")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise PayloadError(f"payload is not JSON: {exc}") from None
    if type(raw) is not dict or raw.get("nonce") != nonce or raw.get("item") != item_id:
        raise PayloadError("payload does not belong to this grading run")
    status = raw.get("status")
    if status not in ("ok", "missing", "not_callable", "interrupted"):
        raise PayloadError("bad status")
    results = raw.get("results")
    if type(results) is not dict:
        raise PayloadError("bad results")
    out = ItemAnswers(item=item_id, status=status)
    for cid, r in results.items():
        if type(r) is not dict or type(r.get("ok")) is not bool:
            raise PayloadError("bad case result")
        if r["ok"]:
            try:
                value = from_plain(r.get("value"))
            except RecursionError:
                raise PayloadError("answer nested too deeply") from None
            out.cases[str(cid)] = CaseAnswer(True, value=value)
        else:
            err, msg = r.get("error", ""), r.get("message", "")
            out.cases[str(cid)] = CaseAnswer(
                False,
                error=err[:80] if type(err) is str else "Error",
                message=msg[:300] if type(msg) is str else "",
            )
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"bare {name} is not allowed")


def finite(x: float) -> bool:
    return math.isfinite(x)
