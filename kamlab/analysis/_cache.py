"""The one per-world memo of the analysis models: build a context once per world object.

A scenario panel calls its model on every slider move; the model's pre-aggregated context
(sums over a 67k-row table, sorted order lines, …) is built once per world object with
:func:`per_world` and then only looked up.

* An entry is keyed by the world object's identity and a ``key`` (a module-prefixed name such
  as ``"m5.promo"``, or a tuple such as ``("m8.capstone", account_id)``).
* The memo holds only a weak reference to the world: when the world is dropped, its entries go
  with it. A world that cannot be weakly referenced (a plain ``dict`` of tables) is not cached:
  ``build`` runs on every call.
* ``tables`` names the tables the entry was built from; their fingerprint (object identity and
  row count) is stored with the entry, so replacing one of them (``world.public["sell_in"] =
  …``) rebuilds the entry on the next call.
* A ``build`` that raises stores nothing.

>>> import gc
>>> import pandas as pd
>>> class Tables(dict):  # any weak-referenceable object with tables by name
...     pass
>>> w = Tables(sales=pd.DataFrame({"cases": [1, 2]}))
>>> builds = []
>>> def total_cases(world):
...     builds.append(1)
...     return int(world["sales"]["cases"].sum())
>>> per_world(w, "demo.total", total_cases, tables=("sales",))
3
>>> per_world(w, "demo.total", total_cases, tables=("sales",)), len(builds)  # looked up
(3, 1)
>>> w["sales"] = pd.DataFrame({"cases": [5]})  # a replaced table rebuilds the entry
>>> per_world(w, "demo.total", total_cases, tables=("sales",)), len(builds)
(5, 2)
>>> forget("demo.total")  # drop one key for every world (scorecard.clear_cache uses it)
>>> per_world(w, "demo.total", total_cases, tables=("sales",)), len(builds)
(5, 3)
>>> wid = id(w)
>>> wid in _CACHE
True
>>> del w
>>> _ = gc.collect()
>>> wid in _CACHE  # the entries died with the world
False
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

__all__ = ["forget", "per_world"]

T = TypeVar("T")

#: id(world) → (weak reference to the world, {key: (table fingerprint, value)})
_CACHE: dict[int, tuple[weakref.ref, dict[Hashable, tuple[tuple, Any]]]] = {}


def _fingerprint(world: Any, tables: Sequence[str] | None) -> tuple:
    if not tables:
        return ()
    return tuple((id(df), len(df)) for df in (world[name] for name in tables))


def _entries(world: Any) -> dict[Hashable, tuple[tuple, Any]] | None:
    """The memo of ``world`` (created on first use); ``None`` if it cannot be weakly referenced."""
    wid = id(world)
    slot = _CACHE.get(wid)
    if slot is not None and slot[0]() is world:
        return slot[1]

    def _drop(ref: weakref.ref, wid: int = wid, cache: dict = _CACHE) -> None:
        # the memo bound as a default: still reachable while the interpreter shuts down
        slot = cache.get(wid)
        if slot is not None and slot[0] is ref:
            del cache[wid]

    try:
        ref = weakref.ref(world, _drop)
    except TypeError:
        return None
    entries: dict[Hashable, tuple[tuple, Any]] = {}
    _CACHE[wid] = (ref, entries)
    return entries


def per_world(
    world: Any,
    key: Hashable,
    build: Callable[[Any], T],
    *,
    tables: Sequence[str] | None = None,
) -> T:
    """``build(world)`` once per world object and ``key``; later calls return the same value.

    ``tables`` (names) ties the entry to those tables of the world: when one of them is replaced
    by another object (or changes its row count) the entry is rebuilt. The value is shared by
    every caller: do not mutate it unless it is meant as a shared memo. See the module
    docstring for a worked example.
    """
    fp = _fingerprint(world, tables)
    slot = _CACHE.get(id(world))
    if slot is not None and slot[0]() is world:
        hit = slot[1].get(key)
        if hit is not None and hit[0] == fp:
            return hit[1]
    value = build(world)
    entries = _entries(world)
    if entries is not None:
        entries[key] = (fp, value)
    return value


def forget(key: Hashable | None = None) -> None:
    """Drop the entries of ``key`` for every world (every entry when ``key`` is ``None``)."""
    if key is None:
        _CACHE.clear()
        return
    for _ref, entries in list(_CACHE.values()):
        entries.pop(key, None)
