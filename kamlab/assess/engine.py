"""The grading engine: prepare cases, run the submission in a sandbox, judge outside.

One :class:`GradingEngine` per process and course root (:meth:`GradingEngine.get`). For each
submission notebook :meth:`GradingEngine.grade_notebook`:

1. builds the trainee's cases (:mod:`kamlab.assess.bundle`): secret-seeded worlds from the
   on-disk cache, edge cases, and reference answers computed with kamlab's own code;
2. reads the trainee's code cells for delegation to kamlab (:mod:`kamlab.assess.staticcheck`);
3. takes a fresh sandboxed kernel from the pool, writes the inputs read-only into it, runs
   the notebook's code cells for the record (test cells are not run: the judge replaces
   them), then one harness cell per item that extracts the answers as plain data;
   if the kernel dies in the harness, a new kernel replays the notebook and the remaining
   items go on (at most ``restarts`` times);
4. judges every item outside the kernel (:mod:`kamlab.assess.judge`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets as _secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from kamlab.assess import _harness
from kamlab.assess.bundle import Bundle, ExpectedCache, prepare
from kamlab.assess.judge import NO_ANSWER, ItemResult, Judgement, judge_item
from kamlab.assess.plain import ItemAnswers, PayloadError, parse_payload
from kamlab.assess.sandbox import (
    ANSWER_MIME,
    KernelPool,
    Limits,
    SandboxKernel,
    SandboxSpec,
    detect_isolation,
)
from kamlab.assess.seeds import course_secret, trainee_seed, trainee_seeds
from kamlab.assess.spec import Assessment, CaseContext
from kamlab.assess.staticcheck import find_delegation
from kamlab.assess.worlds import WorldCache

__all__ = ["STATE_DIR", "GradingEngine", "is_test_cell", "solution_item"]

log = logging.getLogger(__name__)

STATE_DIR = ".kamlab"
_SHIPPED: dict[str, Any] = {}  # shipped worlds by path, per process (inherited by forked workers)
_CODE_HASH: dict[str, str] = {}
_HARNESS_SRC = Path(_harness.__file__).read_text(encoding="utf-8")

_HARNESS_CELL = """def __kamlab_harness():
    ns = {{"__name__": "kamlab_harness"}}
    exec(compile({src!r}, "<kamlab harness>", "exec"), ns)
    payload = ns["run_item"]({manifest!r}, {item!r}, {nonce!r}, get_ipython().user_ns)
    from IPython.display import publish_display_data
    publish_display_data({{{mime!r}: payload}})
__kamlab_harness()
del __kamlab_harness
"""


def is_test_cell(cell: Any) -> bool:
    """A locked autograder test cell (grade, not solution, code)."""
    nbg = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(nbg.get("grade")) and not nbg.get("solution")


def solution_item(cell: Any) -> str | None:
    """The item a solution cell answers: grade_id ``M1-T1-answer`` → ``M1-T1``."""
    nbg = cell.get("metadata", {}).get("nbgrader", {})
    gid = str(nbg.get("grade_id", ""))
    if nbg.get("solution") and gid.endswith("-answer"):
        return gid[: -len("-answer")]
    return None


def _default_shipped() -> Path | None:
    from kamlab.resources import default_world_dir

    d = default_world_dir()
    return d if (d / "public").is_dir() else None


class GradingEngine:
    """Sandboxed grading for one course root (kept per process; see :meth:`get`)."""

    _instances: ClassVar[dict[tuple[Any, ...], GradingEngine]] = {}

    def __init__(
        self,
        root: str | Path,
        *,
        limits: Limits | None = None,
        isolation: str = "auto",
        pool_size: int = 1,
        restarts: int = 2,
        shipped_world: str | Path | None = None,
        extra_hide: tuple[str, ...] = (),
    ) -> None:
        self.root = Path(root).resolve()
        self.limits = limits or Limits()
        self.isolation = detect_isolation(isolation)
        self.pool_size = pool_size
        self.restarts = restarts
        self.shipped_path = Path(shipped_world) if shipped_world else _default_shipped()
        self.extra_hide = extra_hide
        self.state = self.root / STATE_DIR
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        self._caches: dict[str, WorldCache] = {}
        self._pool: KernelPool | None = None
        self._spec: SandboxSpec | None = None
        self._shipped: Any = None
        self._code_hash: str | None = None
        self._visible: dict[str, Any] = {}

    @classmethod
    def get(cls, root: str | Path, **kwargs: Any) -> GradingEngine:
        """The engine of this process for ``root`` and these settings (created once)."""
        key = (
            str(Path(root).resolve()),
            os.getpid(),
            tuple(sorted((k, repr(v)) for k, v in kwargs.items())),
        )
        eng = cls._instances.get(key)
        if eng is None:
            eng = cls._instances[key] = cls(root, **kwargs)
        return eng

    # -- resources ---------------------------------------------------------------------------
    @property
    def shipped(self) -> Any:
        """The shipped world (for visible cases and references), loaded once."""
        if self._shipped is None and self.shipped_path is not None:
            from kamlab.data.world import World

            key = str(self.shipped_path.resolve())
            if key not in _SHIPPED:  # per process; worker processes inherit it when forked
                _SHIPPED[key] = World.load(self.shipped_path)
            self._shipped = _SHIPPED[key]
        return self._shipped

    def warm(self, assessment: Assessment) -> None:
        """Load the shipped world and the visible cases' answers now (before forking workers)."""
        self.fingerprint(assessment, [])
        if self.shipped is not None:
            prepare(
                assessment,
                "__visible__",
                None,
                shipped=self.shipped,
                hidden=False,
                visible_cache=self.visible_cache(assessment),
            )

    def world_cache(self, assessment: Assessment) -> WorldCache:
        maker = assessment.make_world
        tag = (
            "sim"
            if maker is None
            else f"{maker.__module__}.{getattr(maker, '__qualname__', 'maker')}"
        )
        if tag not in self._caches:
            cache = WorldCache(self.state / "worlds", maker=maker)
            if maker is not None:
                cache.maker = _Tagged(maker, tag)
            self._caches[tag] = cache
        return self._caches[tag]

    def sandbox_spec(self) -> SandboxSpec:
        if self._spec is None:
            import kamlab
            from kamlab.assess.stub import build_shared
            from kamlab.resources import repo_root

            base = SandboxSpec.default_base_dir()
            spec = SandboxSpec(
                base_dir=base, stub_dir=base, limits=self.limits, isolation=self.isolation
            )
            spec.prepare_base()
            stub_dir, world_dir = build_shared(base, self.shipped_path)
            hide = [str(self.root), "/root", "/home", "/srv", "/var/tmp", "/mnt", "/media", "/opt"]
            repo = repo_root()
            if repo is not None:
                hide.append(str(repo))
            for env in ("KAMLAB_HOME", "KAMLAB_COURSE_ROOT"):
                if os.environ.get(env):
                    hide.append(os.environ[env])
            hide += list(self.extra_hide)
            spec.stub_dir = stub_dir
            spec.shipped_world = world_dir
            spec.hide = [h for h in hide if h and Path(h).is_dir()]
            spec.real_kamlab = Path(kamlab.__file__).resolve().parent
            self._spec = spec
        return self._spec

    def pool(self) -> KernelPool:
        if self._pool is None:
            self._pool = KernelPool(self.sandbox_spec(), size=self.pool_size)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._spec is not None:
            self._spec.close()

    # -- grading -----------------------------------------------------------------------------
    def prepare(
        self, assessment: Assessment, trainee: str, seeds: list[int] | None = None
    ) -> Bundle:
        """The trainee's cases (hidden worlds from secret seeds unless ``seeds`` is given)."""
        import numpy as np

        if seeds is None:
            secret = course_secret(self.root)
            seeds = trainee_seeds(secret, assessment.id, trainee, assessment.worlds)
            rng_seed = trainee_seed(secret, assessment.id, trainee, k=10_000)
        else:
            rng_seed = int(sum(seeds) * 7919 + len(trainee))
        cache = self.world_cache(assessment)
        folders: dict[int, Path] = {}

        def worlds() -> list[Any]:
            out = []
            for s in seeds:
                w = cache.load(assessment.world_preset, s)
                folders[id(w)] = cache.path(assessment.world_preset, s)
                out.append(w)
            return out

        def derive(world: Any, tag: str, make: Any) -> Any:
            base = folders.get(id(world))
            if base is None:  # a variant of a variant, or of a world not from the cache
                return make(world)
            variant, path = cache.derive(base, tag, lambda: make(world))
            folders[id(variant)] = path
            return variant

        holder: dict[str, ExpectedCache] = {}

        def memo(name: str, compute: Any) -> Any:
            cache_ = holder.get("answers")
            if cache_ is None:
                return compute()
            return cache_.get(f"memo/{name}", lambda: (True, compute()))[1]

        ctx = CaseContext(
            worlds=worlds,
            rng=np.random.default_rng(rng_seed),
            shipped=lambda: self.shipped,
            derive=derive,
            memo=memo,
        )
        _ = ctx.worlds  # build now so folders are known
        fp = self.fingerprint(assessment, [folders[id(w)].name for w in ctx.worlds])
        answers = ExpectedCache(self.state / "expected" / assessment.id / f"{trainee}.json", fp)
        if not trainee.startswith("__"):
            holder["answers"] = answers
        return prepare(
            assessment,
            trainee,
            ctx,
            shipped=self.shipped,
            folders=folders,
            cache=answers if not trainee.startswith("__") else None,
            visible_cache=self.visible_cache(assessment),
        )

    def fingerprint(self, assessment: Assessment, parts: list[str]) -> str:
        """A hash of kamlab's code, the spec module and ``parts`` (world folders …)."""
        if self._code_hash is None and "code" in _CODE_HASH:
            self._code_hash = _CODE_HASH["code"]
        if self._code_hash is None:
            import hashlib

            import kamlab

            h = hashlib.sha256()
            pkg = Path(kamlab.__file__).resolve().parent
            for f in sorted(pkg.rglob("*.py")):
                h.update(str(f.relative_to(pkg)).encode())
                h.update(f.read_bytes())
            self._code_hash = _CODE_HASH["code"] = h.hexdigest()
        import hashlib
        import inspect

        h = hashlib.sha256(self._code_hash.encode())
        for it in assessment.items:
            for fn in (it.visible, it.hidden, it.reference):
                if fn is not None:
                    try:
                        h.update(inspect.getsource(fn).encode())
                    except (OSError, TypeError):
                        h.update(repr(fn).encode())
        h.update("|".join(parts).encode())
        return h.hexdigest()

    def visible_cache(self, assessment: Assessment) -> ExpectedCache | None:
        if self.shipped_path is None:
            return None
        key = assessment.id
        if key not in self._visible:
            fp = self.fingerprint(assessment, [str(self.shipped_path.resolve())])
            self._visible[key] = ExpectedCache(
                self.state / "expected" / assessment.id / "__visible__.json", fp
            )
        return self._visible[key]

    def grade_notebook(
        self,
        assessment: Assessment,
        trainee: str,
        nb: Any,
        *,
        seeds: list[int] | None = None,
        tampering: list[dict[str, Any]] | None = None,
    ) -> Judgement:
        """Run ``nb`` (an nbformat notebook, updated in place with the record outputs) and judge it."""
        t0 = time.monotonic()
        judgement = Judgement(assessment.id, trainee, tampering=list(tampering or []))
        judgement.graded_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        judgement.run = {
            "isolation": self.isolation.mode,
            "missing_isolation": self.isolation.missing(),
            "cells": {},
            "kernel_deaths": 0,
            "timeouts": 0,
        }
        bundle = self.prepare(assessment, trainee, seeds)
        # static delegation check over every code cell the trainee could write
        delegated_all = False
        delegated: set[str] = set()
        for idx, cell in enumerate(nb.cells):
            if cell.get("cell_type") != "code" or is_test_cell(cell):
                continue
            found = find_delegation(cell.get("source", ""), assessment.allow)
            if not found:
                continue
            owner = solution_item(cell)
            for f in found:
                judgement.delegation.append(
                    {"cell": idx, "item": owner, "name": f.name, "line": f.line}
                )
            if owner is None:
                delegated_all = True
            else:
                delegated.add(owner)
        answers, reasons = self._run(assessment, bundle, nb, judgement, t0)
        for item in assessment.items:
            prepared = bundle.items.get(item.id)
            if prepared is None:  # MANUAL items: nbgrader's manual grading decides
                continue
            is_delegated = delegated_all or item.id in delegated
            judgement.items[item.id] = judge_item(
                prepared,
                answers.get(item.id),
                delegated=is_delegated,
                no_answer_reason=reasons.get(item.id, ""),
            )
        judgement.run["seconds"] = round(time.monotonic() - t0, 3)
        return judgement

    def _new_kernel(self) -> SandboxKernel:
        last: Exception | None = None
        for _ in range(3):
            try:
                return self.pool().get()
            except Exception as exc:
                last = exc
                log.warning("sandbox kernel failed to start: %s", exc)
        raise RuntimeError(f"no sandboxed kernel could be started: {last}")

    def _run(
        self, assessment: Assessment, bundle: Bundle, nb: Any, judgement: Judgement, t0: float
    ) -> tuple[dict[str, ItemAnswers], dict[str, str]]:
        lim = self.limits
        answers: dict[str, ItemAnswers] = {}
        reasons: dict[str, str] = {}
        items = [p for p in bundle.items.values() if p.item.target]
        record = [
            i
            for i, c in enumerate(nb.cells)
            if c.get("cell_type") == "code" and not is_test_cell(c)
        ]
        run = judgement.run
        nonce = _secrets.token_hex(16)

        def remaining() -> float:
            return lim.wall_timeout - (time.monotonic() - t0)

        try:
            kernel = self._new_kernel()
        except RuntimeError as exc:
            run["error"] = "sandbox_failed"
            run["error_detail"] = str(exc)[:300]
            for p in items:
                reasons[p.item.id] = "sandbox_failed"
            return answers, reasons
        try:
            manifest = bundle.write(kernel.inputs_dir)
            status = self._record(kernel, nb, record, remaining, run, keep=True)
            deaths_left = self.restarts
            for p in items:
                iid = p.item.id
                if remaining() <= 1:
                    reasons[iid] = "wall_timeout"
                    continue
                if status in ("died", "killed", "wall") and not kernel.alive():
                    if status == "wall":
                        reasons[iid] = "wall_timeout"
                        continue
                    if run.get("record_status") != "ok" or deaths_left <= 0:
                        reasons[iid] = "kernel_died"
                        continue
                    deaths_left -= 1
                    kernel.close()
                    kernel = self._new_kernel()
                    manifest = bundle.write(kernel.inputs_dir)
                    status = self._record(kernel, nb, record, remaining, run, keep=False)
                    if status != "ok":
                        reasons[iid] = "kernel_died"
                        continue
                code = _HARNESS_CELL.format(
                    src=_HARNESS_SRC,
                    manifest=str(manifest),
                    item=iid,
                    nonce=nonce,
                    mime=ANSWER_MIME,
                )
                n_cases = sum(1 for c in p.cases if not c.void)
                budget = min(remaining(), p.item.timeout * max(1, n_cases) + 10.0)
                cell = kernel.execute(code, timeout=budget, keep=False)
                if cell.status in ("timeout", "killed"):
                    run["timeouts"] += 1
                if cell.status in ("died", "killed"):
                    run["kernel_deaths"] += 1
                    status = "died"
                got = self._parse(cell.payloads, nonce, iid)
                if got is None:
                    reasons[iid] = {
                        "timeout": "timeout",
                        "killed": "timeout",
                        "died": "kernel_died",
                    }.get(cell.status, "no_output")
                else:
                    answers[iid] = got
        finally:
            kernel.close()
        return answers, reasons

    def _record(
        self,
        kernel: SandboxKernel,
        nb: Any,
        record: list[int],
        remaining: Callable[[], float],
        run: dict[str, Any],
        *,
        keep: bool,
    ) -> str:
        """Execute the notebook's code cells (not the test cells) for the record."""
        import nbformat

        lim = self.limits
        status = "ok"
        count = 0
        for idx in record:
            cell = nb.cells[idx]
            left = remaining()
            if status != "ok" or left <= 1:
                if keep:
                    cell.outputs = []
                    cell.execution_count = None
                if left <= 1 and status == "ok":
                    status = "wall"
                continue
            count += 1
            res = kernel.execute(
                cell.get("source", ""), timeout=min(lim.cell_timeout, left), keep=keep
            )
            if keep:
                cell.outputs = [nbformat.from_dict(o) for o in res.outputs]
                cell.execution_count = count
                run["cells"][str(idx)] = res.status
            if res.status in ("timeout", "killed"):
                run["timeouts"] += 1
            if res.status in ("died", "killed"):
                if keep:
                    run["kernel_deaths"] += 1
                status = "died"
        if keep:
            run["record_status"] = status
        return status

    @staticmethod
    def _parse(payloads: list[str], nonce: str, item_id: str) -> ItemAnswers | None:
        good = []
        for text in payloads:
            try:
                good.append(parse_payload(text, nonce=nonce, item_id=item_id))
            except PayloadError:
                continue
        return good[0] if len(good) == 1 else None


class _Tagged:
    """A world maker with a stable cache tag."""

    def __init__(self, fn: Callable[[str, int], Any], tag: str) -> None:
        self.fn = fn
        self.cache_tag = tag

    def __call__(self, preset: str, seed: int) -> Any:
        return self.fn(preset, seed)


def zero_judgement(assessment: Assessment, trainee: str, reason: str) -> Judgement:
    """A judgement that scores every judged item 0 with ``reason`` (worker died, bad notebook…)."""
    j = Judgement(assessment.id, trainee, error=reason)
    j.graded_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    for item in assessment.judged_items:
        j.items[item.id] = ItemResult(
            item.id, str(item.kind), assessment.points(item), 0.0, NO_ANSWER, notes=[reason]
        )
    return j
