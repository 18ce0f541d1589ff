"""The :class:`World`: an account world's public tables, truth tables and metadata.

A world on disk is a folder::

    <dir>/meta.json               config, seed, package and numpy versions, per-table hashes
    <dir>/public/<table>.parquet  what a trainee sees (SPEC §1.1–1.5)
    <dir>/truth/<table>.parquet   ground truth for graders and instructors (SPEC §1.7)

Saving writes into a temporary sibling folder and renames it into place, so a failed save
never leaves a half-written world.

>>> from kamlab.data.world import World
>>> w = World(public={}, truth={}, meta={"seed": 1})
>>> w.meta["seed"]
1
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kamlab.data.schemas import SCHEMAS

__all__ = ["World", "load_world", "table_hash"]

_PARQUET_OPTS: dict[str, Any] = {"engine": "pyarrow", "compression": "zstd", "index": False}


def table_hash(df: pd.DataFrame) -> str:
    """A stable SHA-256 of a table's columns, dtypes and values (order-sensitive).

    >>> table_hash(pd.DataFrame({"a": [1, 2]})) == table_hash(pd.DataFrame({"a": [1, 2]}))
    True
    >>> table_hash(pd.DataFrame({"a": [1, 2]})) == table_hash(pd.DataFrame({"a": [2, 1]}))
    False
    """
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(df[c].dtype)] for c in df.columns]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


@dataclass
class World:
    """An account world: ``public`` and ``truth`` tables by name, plus ``meta``.

    Tables are reachable as attributes (``world.sell_in``) or by name (``world["sell_in"]``).
    """

    public: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- access -----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self.public:
            return self.public[name]
        if name in self.truth:
            return self.truth[name]
        raise KeyError(
            f"this world has no table {name!r}; it has: {', '.join(sorted(self.table_names()))}"
        )

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name in {"public", "truth", "meta"}:
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __contains__(self, name: object) -> bool:
        return name in self.public or name in self.truth

    def __iter__(self) -> Iterator[str]:
        return iter(self.table_names())

    def table_names(self) -> list[str]:
        """Names of all tables, public first."""
        return [*self.public, *self.truth]

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.table_names()})

    def __repr__(self) -> str:
        seed = self.meta.get("seed")
        preset = (
            self.meta.get("config", {}).get("preset")
            if isinstance(self.meta.get("config"), dict)
            else None
        )
        rows = sum(len(df) for df in self.public.values())
        return (
            f"<World preset={preset!r} seed={seed!r}: {len(self.public)} public tables "
            f"({rows:,} rows), {len(self.truth)} truth tables>"
        )

    def without_truth(self) -> World:
        """The same world with the truth tables removed (what a trainee may be handed)."""
        return World(public=dict(self.public), truth={}, meta=dict(self.meta))

    # -- integrity --------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        """Per-table hashes, ``{"public/sell_in": "…", "truth/truth_promo": "…"}``."""
        out = {f"public/{n}": table_hash(df) for n, df in sorted(self.public.items())}
        out.update({f"truth/{n}": table_hash(df) for n, df in sorted(self.truth.items())})
        return out

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the world to folder ``path`` (parquet + ``meta.json``), atomically.

        An existing folder is replaced only with ``overwrite=True``.
        """
        dest = Path(path)
        if dest.exists() and not overwrite:
            raise FileExistsError(f"{dest} already exists; pass overwrite=True to replace it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            for layer, tables in (("public", self.public), ("truth", self.truth)):
                (tmp / layer).mkdir()
                for name, df in sorted(tables.items()):
                    df.to_parquet(tmp / layer / f"{name}.parquet", **_PARQUET_OPTS)
            meta = dict(self.meta)
            meta["table_hashes"] = self.hashes()
            (tmp / "meta.json").write_text(
                json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
                encoding="utf-8",
            )
            if dest.exists():
                old = dest.with_name(f".{dest.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                dest.rename(old)
                tmp.rename(dest)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dest

    @classmethod
    def load(cls, path: str | Path, *, truth: bool = True) -> World:
        """Read a world saved by :meth:`save` (``truth=False`` skips the truth tables)."""
        src = Path(path)
        if not (src / "public").is_dir():
            raise FileNotFoundError(
                f"{src} is not a kamlab world: it has no public/ folder. "
                "Create one with `kamlab data generate --out DIR` or `kamlab data import`."
            )
        meta_file = src / "meta.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        layers: dict[str, dict[str, pd.DataFrame]] = {"public": {}, "truth": {}}
        for layer in ("public", "truth") if truth else ("public",):
            folder = src / layer
            if not folder.is_dir():
                continue
            for file in sorted(folder.glob("*.parquet")):
                df = pd.read_parquet(file, engine="pyarrow")
                if file.stem in SCHEMAS:
                    df = _restore_dtypes(df, file.stem)
                layers[layer][file.stem] = df
        return cls(public=layers["public"], truth=layers["truth"], meta=meta)


def _restore_dtypes(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Parquet keeps dtypes; this only re-applies declared categories lost by foreign writers."""
    sch = SCHEMAS[name]
    for col in sch.columns:
        if col.name in df.columns and col.dtype == "category" and df[col.name].dtype != "category":
            df[col.name] = df[col.name].astype(col.pandas_dtype())
    return df


def load_world(path: str | Path | None = None, *, truth: bool = True) -> World:
    """Load a world folder; with no path, the shipped default world (``datasets/default``)."""
    if path is None:
        from kamlab.resources import default_world_dir, generated_world_dir

        shipped, generated = default_world_dir(), generated_world_dir()
        path = shipped if (shipped / "public").is_dir() else generated
        if not (Path(path) / "public").is_dir():
            raise FileNotFoundError(
                f"the shipped default world is missing at {shipped}. "
                "Regenerate it with `kamlab data generate --preset default --seed 20240601 "
                f"--scenarios default --out {generated}` (or run `kamlab start`)."
            )
    return World.load(path, truth=truth)


def as_mapping(world: World) -> Mapping[str, pd.DataFrame]:
    """All tables of a world as one read-only mapping."""
    return {**world.public, **world.truth}
