"""Shared helpers of the assessment spec tests (``test_m2_spec.py`` … ``test_m8_assessment.py``).

Each spec test file used to carry its own copy of these; they live here once:

- :class:`Spec` names one assessment (``Spec("m2")``) and reaches everything the tests need
  from that id alone: its ``ASSESSMENT``, the source notebook's builder and the committed
  notebook, the source solutions run in one namespace (:meth:`Spec.solutions`), the extra cohort
  ``tests/assess/cohorts/<id>.py`` (:meth:`Spec.cohort`), and the in-process check that the
  source solutions get full marks and the partial variant its exact scores
  (:meth:`Spec.check_source_and_partial`).
- :func:`judge` scores a namespace's answers on every judged item's hidden cases in-process
  (no sandbox, no nbgrader), the way :mod:`kamlab.assess.bundle` computes the expected answers.
- :func:`case_context` makes the :class:`~kamlab.assess.spec.CaseContext` a hidden-case
  generator receives.
- :func:`mutate` derives a cohort's wrong answer from a source solution (``cohorts/<id>.py``):
  the solution with a few exact edits, each of which must match exactly once.
- :func:`shipped_fixture`, :func:`simulated_fixture` and :func:`made_world_fixture` make the
  module-scoped world fixtures (one world per test module, as before).

The test files import this module as a sibling (``import _specs as specs``): ``conftest.py`` puts
``tests/assess`` on ``sys.path``, as for ``_cohort``. The helpers are not collected as tests
(the leading underscore) and hold no doctests, so they add nothing to the collected count.

Assertions in here are not rewritten by pytest (only test files and conftest are), so the checks
that live here raise :class:`AssertionError` with their own message naming what differs.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from kamlab.assess.spec import UNSET, CaseContext

if TYPE_CHECKING:
    import nbformat

    from kamlab.assess.spec import Assessment
    from kamlab.data.world import World

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

#: What runs in place of the source notebook's ``setup`` cell: the notebook's own setup also
#: imports kamlab and loads the shipped world for the practice checks, which the in-process
#: judge does not need (and which would make every run slower).
SETUP = "import numpy as np\nimport pandas as pd\n"
#: :data:`SETUP` with ``itertools``, as the M2 (and M3) tests have always run their solutions.
SETUP_WITH_ITERTOOLS = "import itertools\n" + SETUP

#: The seed of the hidden cases' random generator unless a test names another.
DEFAULT_SEED = 5


def case_context(world: Any, shipped: Any = None, seed: int = DEFAULT_SEED) -> CaseContext:
    """The context a hidden-case generator receives: ``world`` as the only fresh world.

    ``shipped`` is what ``ctx.shipped()`` returns (``None`` for assessments whose hidden cases do
    not read the shipped world); ``seed`` seeds ``ctx.rng`` (a new generator on every call, so
    two contexts with the same seed draw the same cases).
    """
    return CaseContext(
        worlds=lambda: [world], rng=np.random.default_rng(seed), shipped=lambda: shipped
    )


def plain(value: Any) -> Any:
    """``value`` as the judge receives it from the sandbox: sent through
    :func:`kamlab.assess._harness.to_plain` and read back with
    :func:`kamlab.assess.plain.from_plain` (a numpy scalar becomes a float, a forged object an
    ``Unsupported`` marker)."""
    from kamlab.assess import _harness
    from kamlab.assess.plain import from_plain

    return from_plain(_harness.to_plain(value))


def judge(
    assessment: Assessment,
    ctx: CaseContext,
    ns: Mapping[str, Any],
    details: dict[str, list[float]] | None = None,
) -> dict[str, float]:
    """Each judged item's score on its hidden cases, in-process (no sandbox).

    For every case the expected answer is worked out as the real judge does
    (:func:`kamlab.assess.bundle._expected`): a callable ``expected`` is called, an ``UNSET`` one
    is the item's reference on the case's arguments, and the result is normalised. The answer is
    ``plain(ns[item.target](*args, **kwargs))`` (the sandbox's plain-data round trip); an
    answer that raises earns 0 for that case. The item's score is ``item.scoring(points,
    credits)``. ``details``, when given, receives each item's list of per-case credits (handy
    when a score differs).
    """
    from kamlab.assess.plain import normalise

    scores: dict[str, float] = {}
    for item in assessment.judged_items:
        credits: list[float] = []
        for case in item.hidden(ctx):
            exp = case.expected
            if callable(exp):
                exp = exp()
            if exp is UNSET:
                exp = item.reference(*case.args, **dict(case.kwargs))
            exp = normalise(exp)
            try:
                got = plain(ns[item.target](*case.args, **case.kwargs))
            except Exception:
                credits.append(0.0)
                continue
            credits.append(item.compare(got, exp).credit)
        scores[item.id] = item.scoring(assessment.points(item), credits)
        if details is not None:
            details[item.id] = credits
    return scores


def assert_scores(got: Mapping[str, float], want: Mapping[str, float], what: str) -> None:
    """Raise :class:`AssertionError` unless ``got == want`` (the same items, the same scores),
    naming every item that is missing on one side or scored differently."""
    if dict(got) == dict(want):
        return
    missing = "(missing)"
    wrong = {
        k: {"got": got.get(k, missing), "want": want.get(k, missing)}
        for k in sorted({*got, *want})
        if k not in got or k not in want or got[k] != want[k]
    }
    raise AssertionError(f"{what}: item scores differ: {wrong}")


def mutate(src: str, *edits: tuple[str, str]) -> str:
    """``src`` with each ``(old, new)`` edit applied in turn: ``old`` replaced by ``new``.

    The cohorts' wrong answers are source solutions with a small, deliberate mistake; deriving
    them with this, rather than copying the solution, keeps them in step with it. Each ``old``
    must occur exactly once in the text as it stands when its edit is applied (after the edits
    before it), so a solution that changes under a variant breaks the cohort loudly instead of
    silently leaving the mistake out. For example ``mutate(T3_SOLUTION, ("0.98 * cap",
    "0.85 * cap"))`` is the M3-T3 solution that spends 85 % of the cap instead of 98 %.

    Raises :class:`ValueError` when no edit is given, when an ``old`` is empty or equal to its
    ``new`` (an edit that changes nothing), or when an ``old`` occurs zero or several times
    (make it longer so that it names one place, or update it to the solution as it is now).
    """
    if not edits:
        raise ValueError("mutate: edits is empty; give at least one (old, new) pair to apply.")
    for old, new in edits:
        if not old or old == new:
            raise ValueError(
                f"mutate: the edit {old!r} -> {new!r} changes nothing; give a non-empty old text "
                "and a different new one."
            )
        n = src.count(old)
        if n != 1:
            raise ValueError(
                f"mutate: {old!r} occurs {n} times in the source, not exactly once; "
                "the solution has changed or the text is ambiguous: update the edit so that it "
                "names one place in the solution as it is now."
            )
        src = src.replace(old, new)
    return src


@dataclass(frozen=True)
class Spec:
    """One assessment's handles for the tests, found from its module id alone.

    ``module`` is the id of ``kamlab/assess/specs/<module>.py`` (``"m2"``); the source notebook
    is ``assessments/source/<ID>/<ID>_assessment.ipynb`` (``ID = module.upper()``), built by
    ``kamlab/assess/specs/<module>_notebook.py``. ``setup`` is the source run in place of the
    notebook's ``setup`` cell by :meth:`solutions`. Nothing is imported until it is used.
    """

    module: str
    setup: str = SETUP

    @property
    def id(self) -> str:
        """The assignment id, ``"M2"``."""
        return self.module.upper()

    @property
    def assessment(self) -> Assessment:
        """``kamlab.assess.specs.<module>.ASSESSMENT``."""
        return importlib.import_module(f"kamlab.assess.specs.{self.module}").ASSESSMENT

    @property
    def notebook_path(self) -> Path:
        """The committed source notebook."""
        return REPO / "assessments" / "source" / self.id / f"{self.id}_assessment.ipynb"

    @property
    def rebuild_command(self) -> str:
        """The command that rewrites the committed notebook from its builder."""
        rel = self.notebook_path.relative_to(REPO).as_posix()
        return f"python -m kamlab.assess.specs.{self.module}_notebook {rel}"

    def build_notebook(self) -> nbformat.NotebookNode:
        """The source notebook as its builder makes it now."""
        builder = importlib.import_module(f"kamlab.assess.specs.{self.module}_notebook")
        return builder.build_notebook()

    def committed_notebook(self) -> nbformat.NotebookNode:
        """The source notebook as committed under ``assessments/source``."""
        import nbformat

        return nbformat.read(self.notebook_path, as_version=4)

    def solutions(self, replace: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The source notebook's code cells run in one namespace, answer cells maybe replaced.

        The graded test cells (practice checks) are skipped; the ``setup`` cell is replaced by
        :attr:`setup`; an answer cell ``<item>-answer`` runs ``replace[<item>]`` instead of its
        solution when ``replace`` has the item id (``{"M2-T1": "def segment_accounts(...): ..."}``
        from a cohort variant); other code cells (helpers) run as they are.
        """
        ns: dict[str, Any] = {}
        for cell in self.build_notebook().cells:
            nbg = cell.metadata["nbgrader"]
            if cell.cell_type != "code" or nbg.get("grade"):
                continue
            gid = nbg["grade_id"]
            src = cell.source
            item = gid[: -len("-answer")] if gid.endswith("-answer") else None
            if replace and item in replace:
                src = replace[item]
            if gid == "setup":
                src = self.setup
            exec(src, ns)
        return ns

    def cohort(self) -> ModuleType:
        """``tests/assess/cohorts/<module>.py`` (its ``VARIANTS``, the hand-made wrong answers),
        loaded afresh."""
        path = HERE / "cohorts" / f"{self.module}.py"
        spec = importlib.util.spec_from_file_location(f"cohort_{self.module}", path)
        if spec is None or spec.loader is None:
            raise FileNotFoundError(f"no cohort module at {path}")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    def points(self) -> dict[str, float]:
        """Each item's points as the assessment gives them (from the competency framework)."""
        a = self.assessment
        return {it.id: a.points(it) for it in a.items}

    def framework_points(self) -> dict[str, float]:
        """Each item's ``max_points`` in the competency framework's assessment items."""
        from kamlab.data.framework import load_framework

        fw = load_framework().assessment_items.set_index("item_id")
        return {it.id: float(fw.at[it.id, "max_points"]) for it in self.assessment.items}

    def notebook_points(self) -> dict[str, Any]:
        """The points of the built notebook's graded cells, by grade id."""
        return {
            c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
            for c in self.build_notebook().cells
            if c.metadata["nbgrader"].get("grade")
        }

    def check_source_and_partial(
        self, world: Any, shipped: Any = None, *, seeds: Sequence[int] = (DEFAULT_SEED,)
    ) -> None:
        """The source solutions get full marks on ``world`` for every seed in ``seeds``, and the
        cohort's ``partial`` variant exactly its expected scores (full marks elsewhere) with the
        first seed; each run judges a fresh namespace on a fresh :func:`case_context`."""
        a = self.assessment
        full = self.points()
        for seed in seeds:
            got = judge(a, case_context(world, shipped, seed), self.solutions())
            assert_scores(got, full, f"{self.id} source solutions, seed {seed}")
        answers, expected = self.cohort().VARIANTS["partial"]
        got = judge(a, case_context(world, shipped, seeds[0]), self.solutions(answers))
        assert_scores(got, {**full, **expected}, f"{self.id} partial variant, seed {seeds[0]}")

    def check_visible(self, shipped: Any) -> None:
        """The source solutions pass every item's practice checks on ``shipped``
        (:func:`kamlab.assess.student.check` raises on a failed one)."""
        from kamlab.assess.student import check

        ns = self.solutions()
        for item in self.assessment.items:
            check(item.id, ns[item.target], world=shipped)


#: The assessments M1–M8, each with a committed source notebook and its builder.
ALL = tuple(Spec(f"m{k}") for k in range(1, 9))


# ---- module-scoped world fixtures -------------------------------------------------------------
def _module_fixture(name: str, make: Callable[[], World]) -> Any:
    """A module-scoped pytest fixture called ``name`` that returns ``make()``.

    Assign it to the same name in the test module (``small = simulated_fixture("small", 23)``):
    pytest finds fixtures among a module's attributes, and a plain assignment, unlike an
    imported fixture, does not read to ruff as an import redefined by the test's argument.
    """

    def fixture() -> World:
        return make()

    fixture.__doc__ = f"The world ``{name}``, made once per test module."
    return pytest.fixture(scope="module", name=name)(fixture)


def shipped_fixture(name: str = "shipped") -> Any:
    """The shipped world (:func:`kamlab.load_world`) as a module-scoped fixture."""

    def make() -> World:
        import kamlab

        return kamlab.load_world()

    return _module_fixture(name, make)


def simulated_fixture(name: str, preset: str, seed: int) -> Any:
    """``simulate(SimConfig.preset(preset, seed=seed))`` as a module-scoped fixture."""

    def make() -> World:
        from kamlab.sim import SimConfig, simulate

        return simulate(SimConfig.preset(preset, seed=seed))

    return _module_fixture(name, make)


def made_world_fixture(name: str, maker: str, preset: str, seed: int) -> Any:
    """An assessment's own hidden world, ``<maker>.make_world(preset, seed)``, as a
    module-scoped fixture (``maker`` is a module path, e.g. ``"kamlab.assess.specs.m5"``)."""

    def make() -> World:
        return importlib.import_module(maker).make_world(preset, seed)

    return _module_fixture(name, make)
