"""Secret-seeded worlds, simulated outside the sandbox once per seed and cached on disk.

The cache lives in ``<course root>/.kamlab/worlds/`` (root-only). A folder's name is a hash
of (preset, seed, kamlab version) — never the seed itself. Worlds are simulated by
``kamlab.sim.simulate(SimConfig.preset(preset, seed=seed))``; tests and toy assessments can
plug another ``maker``. Only the public tables are ever handed into a sandbox, without
``meta.json`` (which names the seed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from kamlab.data.world import World

__all__ = ["LazyTables", "WorldCache", "simulate_world"]

log = logging.getLogger(__name__)


class LazyTables(dict):
    """Table name → DataFrame, read from ``<folder>/<name>.parquet`` on first use.

    Iterating names never reads a file; :meth:`loaded` lists the tables read so far.
    """

    def __init__(self, folder: Path) -> None:
        names = sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []
        super().__init__((n, None) for n in names)
        self.folder = folder

    def __getitem__(self, name: str) -> Any:
        value = dict.__getitem__(self, name)
        if value is None:
            import pandas as pd

            from kamlab.data.schemas import SCHEMAS
            from kamlab.data.world import _restore_dtypes

            value = pd.read_parquet(self.folder / f"{name}.parquet", engine="pyarrow")
            if name in SCHEMAS:
                value = _restore_dtypes(value, name)
            dict.__setitem__(self, name, value)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.keys(self)))

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default  # noqa: SIM401 - self.get would recurse

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self[n] for n in self]

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(n, self[n]) for n in self]

    def loaded(self) -> list[tuple[str, Any]]:
        """The tables read so far (no file is read)."""
        return [(n, v) for n, v in dict.items(self) if v is not None]

    def copy(self) -> dict[str, Any]:  # type: ignore[override]
        return dict(self.items())


def lazy_world(folder: Path) -> World:
    """A saved world whose tables are read when first used."""
    import json

    from kamlab.data.world import World

    meta_file = folder / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    return World(
        public=LazyTables(folder / "public"), truth=LazyTables(folder / "truth"), meta=meta
    )


def _as_lazy(world: World, folder: Path) -> World:
    """``world`` with :class:`LazyTables` already holding its tables (saved in ``folder``)."""
    from kamlab.data.world import World

    layers = []
    for layer, tables in (("public", world.public), ("truth", world.truth)):
        lt = LazyTables(folder / layer)
        for name, df in tables.items():
            dict.__setitem__(lt, name, df)
        layers.append(lt)
    return World(public=layers[0], truth=layers[1], meta=dict(world.meta))


def simulate_world(preset: str, seed: int) -> World:
    """Simulate a world with kamlab's simulator (SPEC §3)."""
    from kamlab.sim import SimConfig, simulate

    return simulate(SimConfig.preset(preset, seed=seed))


def _save_fast(world: World, dest: Path) -> None:
    """Save a cache world: parquet without compression, no table hashes, atomic rename."""
    import json
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for layer, tables in (("public", world.public), ("truth", world.truth)):
            (tmp / layer).mkdir()
            for name, df in dict.items(tables):
                dest_file = tmp / layer / f"{name}.parquet"
                if df is None and isinstance(tables, LazyTables):  # unchanged: link the source
                    src = tables.folder / f"{name}.parquet"
                    try:
                        os.link(src, dest_file)
                    except OSError:
                        shutil.copyfile(src, dest_file)
                    continue
                df.to_parquet(dest_file, engine="pyarrow", compression=None, index=False)
        meta = {k: v for k, v in world.meta.items() if k != "table_hashes"}
        (tmp / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class WorldCache:
    """Worlds by (preset, seed): ``path(preset, seed)`` simulates on first use, then reuses."""

    def __init__(
        self, folder: str | Path, maker: Callable[[str, int], World] | None = None
    ) -> None:
        self.folder = Path(folder)
        self.maker = maker or simulate_world
        self._mem: dict[Path, World] = {}

    def _key(self, preset: str, seed: int) -> str:
        from kamlab import __version__

        tag = getattr(self.maker, "cache_tag", "sim")
        return hashlib.sha256(f"{tag}|{preset}|{seed}|{__version__}".encode()).hexdigest()[:24]

    def path(self, preset: str, seed: int) -> Path:
        """The cached world's folder (simulated and saved first if missing)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.folder, 0o700)
        dest = self.folder / self._key(preset, seed)
        if (dest / "public").is_dir():
            return dest
        with _lock(self.folder / f".{dest.name}.lock"):
            if not (dest / "public").is_dir():
                world = self._make(preset, seed)
                _save_fast(world, dest)
                self._mem[dest] = _as_lazy(world, dest)  # no need to read back what we have
        return dest

    def _make(self, preset: str, seed: int) -> World:
        """Simulate; if a seed's world fails the simulator's own validation, take the next
        seed derived from it (deterministically, so re-grading gives the same world)."""
        last: Exception | None = None
        for k in range(6):
            s = seed if k == 0 else (seed * 1_000_003 + k) % (2**31)
            try:
                return self.maker(preset, s)
            except (RuntimeError, ValueError) as exc:
                last = exc
                log.warning(
                    "world of a secret seed failed validation (attempt %d): %s",
                    k + 1,
                    str(exc)[:200],
                )
        raise RuntimeError(f"could not simulate a valid {preset} world: {last}")

    def load(self, preset: str, seed: int) -> World:
        """The world itself, read lazily (kept in memory for the rest of this process)."""
        dest = self.path(preset, seed)
        if dest not in self._mem:
            self._mem[dest] = lazy_world(dest)
        return self._mem[dest]

    def derive(self, base: Path, tag: str, make: Callable[[], World]) -> tuple[World, Path]:
        """A world derived from the cached world at ``base`` (a variant), cached beside it."""
        key = hashlib.sha256(f"{base.name}|{tag}".encode()).hexdigest()[:24]
        dest = self.folder / f"v{key}"
        if not (dest / "public").is_dir():
            with _lock(self.folder / f".{dest.name}.lock"):
                if not (dest / "public").is_dir():
                    _save_fast(make(), dest)
        if dest not in self._mem:
            self._mem[dest] = lazy_world(dest)
        return self._mem[dest], dest
