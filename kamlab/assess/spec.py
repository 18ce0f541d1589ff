"""The authoring API: one :class:`Assessment` per nbgrader assignment, one :class:`Item` per task.

An item says *what* the trainee must define (``target``: a function name), *which* cases to
call it on (``visible`` on the shipped world, ``hidden`` on secret-seeded small worlds and
edge cases), *what the right answer is* (``reference``: kamlab's own code, run outside the
sandbox), *how to compare* (:mod:`kamlab.assess.compare`) and *how to give partial credit*.
Scores are decided here, outside the trainee's kernel. See ``docs/ASSESSMENTS.md``.

>>> from kamlab.assess import compare as cmp
>>> item = Item(
...     "X-T1", Kind.FUNCTION, target="add_vat",
...     visible=lambda world: [Case.visible(100.0, label="100 RMB")],
...     hidden=lambda ctx: [Case.edge(0.0, what="a zero amount")],
...     reference=lambda x: x * 1.13, compare=cmp.number(rtol=1e-9), points=2, level=1,
... )
>>> item.hidden(None)[0].label
'a zero amount'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kamlab.assess import compare as cmp

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from kamlab.data.world import World

__all__ = ["UNSET", "Assessment", "Case", "CaseContext", "CaseKind", "Item", "Kind"]


class Kind(enum.StrEnum):
    """Item types of SPEC §5.4 (``assessment_items.item_type``)."""

    FUNCTION = "FUNCTION"
    NUMERIC = "NUMERIC"
    CHOICE = "CHOICE"
    CLASSIFICATION = "CLASSIFICATION"
    OPTIMIZATION = "OPTIMIZATION"
    MANUAL = "MANUAL"


class CaseKind(enum.StrEnum):
    """Where a case comes from: it decides what feedback may say about it."""

    VISIBLE = "visible"  # the shipped world: full detail in feedback
    EDGE = "edge"  # a hand-made edge case: feedback names the kind of edge, never the data
    FRESH_WORLD = "fresh_world"  # a secret-seeded small world: feedback says "a fresh world"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Case:
    """One call of the trainee's function: positional ``args``, ``kwargs``, and a label.

    ``label`` is what feedback may say about the case: for a visible case its description,
    for an edge case the kind of edge ("feedback: *an edge case: <label>*"), for a fresh world
    an optional hint — never data. ``expected`` overrides ``item.reference(*args, **kwargs)``
    (a zero-argument function is called only when the answer is not cached yet). Arguments
    may be plain values, DataFrames/Series (handed in as read-only parquet) or a
    :class:`World` (handed in as its public tables). ``weight`` counts in
    :func:`~kamlab.assess.compare.proportional`.
    """

    kind: CaseKind
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    expected: Any = UNSET
    weight: float = 1.0

    @classmethod
    def visible(
        cls, *args: Any, label: str, kwargs: Mapping[str, Any] | None = None, expected: Any = UNSET
    ) -> Case:
        """A practice case on the shipped world (shown in full in feedback; not scored)."""
        return cls(CaseKind.VISIBLE, tuple(args), dict(kwargs or {}), label, expected)

    @classmethod
    def edge(
        cls,
        *args: Any,
        what: str,
        kwargs: Mapping[str, Any] | None = None,
        expected: Any = UNSET,
        weight: float = 1.0,
    ) -> Case:
        """A hidden edge case; ``what`` names the edge without data ("boundary at a tier")."""
        return cls(CaseKind.EDGE, tuple(args), dict(kwargs or {}), what, expected, weight)

    @classmethod
    def fresh_world(
        cls,
        *args: Any,
        what: str = "",
        kwargs: Mapping[str, Any] | None = None,
        expected: Any = UNSET,
        weight: float = 1.0,
    ) -> Case:
        """A hidden case on a secret-seeded world; ``what`` may add a data-free hint."""
        return cls(CaseKind.FRESH_WORLD, tuple(args), dict(kwargs or {}), what, expected, weight)


class CaseContext:
    """What a ``hidden`` case builder gets: secret-seeded worlds and a secret random stream.

    ``ctx.worlds`` — the trainee's small worlds (``Assessment.worlds`` of them), simulated
    outside the sandbox from seeds the trainee never sees; ``ctx.world`` is the first.
    ``ctx.rng`` — a :class:`numpy.random.Generator` for choosing entities and edge values.
    ``ctx.shipped`` — the shipped default world (for edge cases built from its shape).
    ``ctx.relabel(world)`` / ``ctx.derive(world, name, make)`` — variants of a world (ids
    shuffled, tables edited), cached on disk like the worlds themselves.
    ``ctx.memo(name, compute)`` — an expensive plain-data input, kept for re-grades.
    """

    def __init__(
        self,
        *,
        worlds: Callable[[], list[World]],
        rng: np.random.Generator,
        shipped: Callable[[], World],
        derive: Callable[[World, str, Callable[[World, np.random.Generator], World]], World]
        | None = None,
        memo: Callable[[str, Callable[[], Any]], Any] | None = None,
    ) -> None:
        self._worlds = worlds
        self.rng = rng
        self._shipped = shipped
        self._derive = derive
        self._memo = memo

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per trainee, kept on disk by the grader for re-grades.

        For expensive case *inputs* (the references are cached already). The value must be
        plain data: numbers, strings, lists, dicts (it comes back through JSON).
        """
        if self._memo is None:
            return compute()
        return self._memo(name, compute)

    def derive(
        self, world: World, name: str, make: Callable[[World, np.random.Generator], World]
    ) -> World:
        """A variant of ``world`` made by ``make(world, rng)`` — cached on disk by the grader.

        ``rng`` is seeded from this trainee's secret stream, so the variant is the same at
        every re-grade. ``name`` must identify ``make`` (it is part of the cache key).
        """
        import numpy as np

        seed = int(self.rng.integers(2**31))
        if self._derive is None:
            return make(world, np.random.default_rng(seed))
        return self._derive(world, f"{name}:{seed}", lambda w: make(w, np.random.default_rng(seed)))

    def relabel(self, world: World, id_column: str = "account_id") -> World:
        """``world`` with the ids of ``id_column`` permuted (see :func:`kamlab.assess.variants.relabel`)."""
        from kamlab.assess.variants import relabel

        return self.derive(
            world, f"relabel:{id_column}", lambda w, rng: relabel(w, id_column, rng=rng)
        )

    @cached_property
    def worlds(self) -> list[World]:
        return self._worlds()

    @property
    def world(self) -> World:
        return self.worlds[0]

    @cached_property
    def shipped(self) -> World:
        return self._shipped()


CaseBuilder = Callable[..., Iterable[Case]]


@dataclass(frozen=True)
class Item:
    """One graded task; its ``id`` is the nbgrader ``grade_id`` of its locked test cell.

    ``target``: the name the trainee defines (a function; for NUMERIC/CHOICE items an
    ``answer_…(world)`` function, so the answer can be judged on secret worlds).
    ``visible(world)`` → practice cases on the shipped world. ``hidden(ctx)`` → the scored
    cases. ``reference(*args, **kwargs)`` → the right answer, computed outside the sandbox.
    ``compare`` → a comparator. ``scoring(points, credits)`` → the item's score.
    ``implementation``: the item asks for an implementation, so delegating to kamlab scores 0
    (default: FUNCTION items). ``points``/``level``: ``None`` reads them from the framework
    (SPEC §5.4). ``timeout``: seconds per call of the trainee's function. ``pooled``: the
    hidden cases are parts of one pooled measure (e.g. one WMAPE over every series), so the
    feedback explains that instead of counting passed checks, and lists only failed parts.
    """

    id: str
    kind: Kind
    target: str | None = None
    visible: CaseBuilder | None = None
    hidden: CaseBuilder | None = None
    reference: Callable[..., Any] | None = None
    compare: cmp.Comparator = field(default_factory=lambda: cmp.exact())
    scoring: cmp.Scoring = field(default_factory=lambda: cmp.proportional(step=0.5))
    points: float | None = None
    level: int | None = None
    implementation: bool | None = None
    timeout: float = 10.0
    title: str = ""
    pooled: bool = False

    @property
    def is_judged(self) -> bool:
        """Scored by the outside judge (everything but MANUAL items)."""
        return self.kind is not Kind.MANUAL

    @property
    def needs_implementation(self) -> bool:
        return self.kind is Kind.FUNCTION if self.implementation is None else self.implementation


@dataclass(frozen=True)
class Assessment:
    """One nbgrader assignment: ``id`` (= folder under ``source/``), its notebook, its items.

    ``worlds``: secret-seeded small worlds per trainee; ``world_preset``: their size.
    ``allow``: the kamlab names a trainee's code may use (everything else is delegation).
    ``make_world(preset, seed)``: how hidden worlds are made (default: kamlab's simulator).
    """

    id: str
    notebook: str
    items: Sequence[Item]
    worlds: int = 1
    world_preset: str = "small"
    allow: tuple[str, ...] = ("kamlab.load_world", "kamlab.assess.student")
    title: str = ""
    make_world: Callable[[str, int], World] | None = None

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"assessment {self.id} has no item {item_id!r}")

    @property
    def judged_items(self) -> list[Item]:
        return [it for it in self.items if it.is_judged]

    def points(self, item: Item) -> float:
        """The item's points: the spec's, else the framework's ``max_points`` (SPEC §5.4)."""
        if item.points is not None:
            return float(item.points)
        return float(_framework_items().get(item.id, {}).get("max_points", 0.0))


_FW_CACHE: dict[str, dict[str, Any]] = {}


def _framework_items() -> dict[str, dict[str, Any]]:
    if not _FW_CACHE:
        try:
            from kamlab.data.framework import load_framework

            fw = load_framework()
            for row in fw.assessment_items.to_dict("records"):
                _FW_CACHE[str(row["item_id"])] = row
        except Exception:
            _FW_CACHE["__none__"] = {}
    return _FW_CACHE
