"""World variants for hidden cases: the same numbers under other names.

A CHOICE item whose answer is an id ("which account …") can often be guessed: one account of
a world may be the answer in most worlds. :func:`relabel` gives the same world with the ids
permuted (a derangement: no id keeps its own label), so an answer typed in for one world is
wrong on the variant while a correct function is right on both.

>>> import pandas as pd
>>> from kamlab.data.world import World
>>> w = World(public={"accounts": pd.DataFrame({"account_id": ["A", "B", "C"], "x": [1, 2, 3]})})
>>> v = relabel(w, "account_id", seed=1)
>>> sorted(v.accounts["account_id"]) == ["A", "B", "C"]
True
>>> before = dict(zip(w.accounts["x"], w.accounts["account_id"]))
>>> after = dict(zip(v.accounts["x"], v.accounts["account_id"]))
>>> any(before[k] == after[k] for k in before)
False
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["relabel"]

#: columns that hold an account id, by id column
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "source_account_id"),
    "sku_id": ("sku_id",),
    "kam_id": ("kam_id", "auditor_kam_id", "manager_id", "successor_of"),
}


def _derangement(n: int, rng: np.random.Generator) -> np.ndarray:
    if n < 2:
        return np.arange(n)
    while True:
        p = rng.permutation(n)
        if not (p == np.arange(n)).any():
            return p


def relabel(
    world: Any,
    id_column: str = "account_id",
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    columns: Iterable[str] | None = None,
) -> Any:
    """A copy of ``world`` (public tables) with the ids of ``id_column`` permuted everywhere.

    Every public table's columns named in ``columns`` (default :data:`ID_COLUMNS`) are mapped
    through one derangement of the ids; tables are re-sorted by their first column so they look
    like any other world. Truth tables are not carried over; ``meta["relabelled"]`` keeps the
    mapping (old id → new id) so a reference answer can be mapped instead of recomputed.
    """
    from kamlab.data.world import World

    rng = rng if rng is not None else np.random.default_rng(seed)
    cols = tuple(columns) if columns is not None else ID_COLUMNS.get(id_column, (id_column,))
    source = world.public[_table_of(world, id_column)]
    ids = sorted(source[id_column].astype(str).unique())
    perm = _derangement(len(ids), rng)
    mapping = {ids[i]: ids[int(perm[i])] for i in range(len(ids))}
    from kamlab.assess.worlds import LazyTables
    from kamlab.data.schemas import SCHEMAS

    lazy = isinstance(world.public, LazyTables)
    # a lazily read world stays lazy: tables without an id column are neither read nor copied
    public: dict[str, pd.DataFrame] = LazyTables(world.public.folder) if lazy else {}
    for name in list(world.public):
        if lazy and name in SCHEMAS and not set(cols) & set(SCHEMAS[name].column_names):
            continue
        df = world.public[name]
        hit = [c for c in cols if c in df.columns]
        if not hit:
            dict.__setitem__(public, name, df)
            continue
        out = df.copy()
        for c in hit:
            out[c] = _map(out[c], mapping)
        dict.__setitem__(
            public,
            name,
            out.sort_values(list(out.columns[:1]), kind="mergesort").reset_index(drop=True)
            if hit[0] == out.columns[0]
            else out,
        )
    meta = {k: v for k, v in world.meta.items() if k not in ("seed", "config", "table_hashes")}
    meta["relabelled"] = {"column": id_column, "mapping": mapping}  # never handed to a sandbox
    return World(public=public, truth={}, meta=meta)


def _table_of(world: Any, id_column: str) -> str:
    for guess in ("accounts", "products", "kam"):
        if guess in world.public and id_column in world.public[guess].columns:
            return guess
    for name, df in world.public.items():
        if id_column in df.columns:
            return name
    raise ValueError(f"id_column {id_column!r} is in none of the world's tables")


def _map(col: pd.Series, mapping: dict[str, str]) -> pd.Series:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.rename_categories({c: mapping.get(str(c), c) for c in col.cat.categories})
    mapped = col.astype(object).map(mapping)
    mapped = mapped.where(mapped.notna(), col.astype(object))
    return mapped.astype(col.dtype)
