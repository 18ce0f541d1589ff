"""M8 plan constraints (M8-T2) and the composite check (M8-T3), as pure functions.

A capstone plan is replayed with :func:`kamlab.sim.simulate_plan`; its ``kpis`` dict is all
these checks need, so the M8 assessment grader and the curriculum's control tower judge a plan
identically. Each constraint compares one replayed number with a limit using the SPEC §0.2
floating-point guard (``x >= thr − 1e-9``):

=============  =====================================================  ============================
constraint     rule                                                   kpis used
=============  =====================================================  ============================
nr_growth      NR of the 13 weeks ≥ (1 + 5 %) × NR of the same weeks  ``nr``, ``nr_ly``
               last year
cc_rate        CC % of NR ≥ last year's CC % (same weeks)             ``cc_rate``, ``cc_rate_ly``
tts_cap        TTS % of GS ≤ the account's ``tts_rate_cap``            ``tts_rate``,
                                                                      ``tts_rate_cap``
woc_band       weeks of cover at the end of the quarter within the    ``woc_end``, ``woc_band``
               channel's health band (HYPER/SUPER/EC 2–4, CVS 1–2.5,
               DIST 3–6; SPEC §3.14)
lws            last-week share of every fiscal period ≤ 0.35          ``lws_max`` (or ``lws``)
               (no month-end push, SPEC §2.11)
capacity       capacity-feasible: cases ordered but not shipped ≤     ``capacity_short_cases``
               ``capacity_tolerance`` × cases ordered (default 10 %)  (or ``supply_short_cases``),
                                                                      ``cases_ordered``
=============  =====================================================  ============================

Why a tolerance on capacity: the replay gives the account its share of each SKU's capacity, and
at the world's normal demand a few per cent of ordered cases already go unshipped; the capstone's
deprioritised service (SPEC §3.11) cuts a few per cent more whatever the plan. The simulator
reports all unshipped cases as ``capacity_short_cases``; a plan is called capacity-feasible when
they stay within ``capacity_tolerance`` (default :data:`CAPACITY_TOLERANCE` = 0.10) of the cases
ordered — deep or many promotions push far beyond it. If the simulator reports
``supply_short_cases`` (allocation shortfall only), that number is used instead.

The composite (M8-T3) is the §2.18 five-indicator composite of the replay (the simulator's
targets: last year's plan for the same periods × 1.05, the account's share and perfect-store
targets, the case-fill KPI), passed when ``composite ≥ threshold``. The default
:data:`COMPOSITE_THRESHOLD` = 0.95 is the §2.18 amber line; SPEC §4 grades optimisation items
against 95 % of a reference plan's objective, so an assessment passes
``threshold=reference_threshold(reference_composite)``.

>>> kpis = {"nr": 10.6e6, "nr_ly": 10e6, "cc_rate": 0.27, "cc_rate_ly": 0.26, "tts_rate": 0.21,
...         "tts_rate_cap": 0.22, "woc_end": 3.1, "woc_band": (2, 4), "lws_max": 0.31,
...         "capacity_short_cases": 0.0, "cases_ordered": 50_000.0}
>>> c = plan_constraints(kpis)
>>> c.set_index("constraint")["passed"].to_dict()
{'nr_growth': True, 'cc_rate': True, 'tts_cap': True, 'woc_band': True, 'lws': True, 'capacity': True}
>>> bool(plan_constraints({**kpis, "tts_rate": 0.23}).set_index("constraint").at["tts_cap", "passed"])
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km

__all__ = [
    "CAPACITY_TOLERANCE",
    "COMPOSITE_THRESHOLD",
    "CONSTRAINTS",
    "LWS_LIMIT",
    "NR_GROWTH_MIN",
    "PlanEvaluation",
    "composite_check",
    "evaluate_plan",
    "kpis_of",
    "plan_constraints",
    "reference_threshold",
]

#: The M8-T2 constraints, in display order.
CONSTRAINTS = ("nr_growth", "cc_rate", "tts_cap", "woc_band", "lws", "capacity")
#: NR growth the plan must reach vs the same weeks last year.
NR_GROWTH_MIN = 0.05
#: Highest last-week share of a fiscal period (SPEC §2.11 month-end push line for 5-week periods).
LWS_LIMIT = 0.35
#: Composite the plan must reach by default (M8-T3): the §2.18 amber line.
COMPOSITE_THRESHOLD = 0.95
#: Share of ordered cases that may go unshipped for a plan to count as capacity-feasible.
CAPACITY_TOLERANCE = 0.10

_NEEDS = {
    "nr_growth": ("nr", "nr_ly"),
    "cc_rate": ("cc_rate", "cc_rate_ly"),
    "tts_cap": ("tts_rate", "tts_rate_cap"),
    "woc_band": ("woc_end", "woc_band"),
    "lws": ("lws_max",),
    "capacity": ("capacity_short_cases", "cases_ordered"),
}


def _at_most(x: float, limit: float) -> bool:
    """``x <= limit`` with the §0.2 guard (not ``x > limit + 1e-9``)."""
    return not bool(km.above(x, limit))


def _num(kpis: Mapping[str, Any], key: str) -> float:
    if key not in kpis:
        raise ValueError(
            f"kpis has no {key!r}; pass the kpis of kamlab.sim.simulate_plan's result "
            "(kpis_of(result))."
        )
    try:
        return float(kpis[key])
    except (TypeError, ValueError):
        raise ValueError(f"kpis[{key!r}] must be a number; got {kpis[key]!r}.") from None


def kpis_of(result: Any) -> dict[str, Any]:
    """The kpis of a ``simulate_plan`` result, completed with ``cases_ordered`` and ``lws_max``
    when the result does not carry them (from ``account_weekly`` and ``lws``)."""
    kpis = dict(getattr(result, "kpis", result))
    if "cases_ordered" not in kpis and hasattr(result, "account_weekly"):
        kpis["cases_ordered"] = float(result.account_weekly["cases_ordered"].sum())
    if "lws_max" not in kpis and "lws" in kpis:
        vals = [float(x) for x in kpis["lws"] if x is not None and not math.isnan(float(x))]
        kpis["lws_max"] = max(vals) if vals else float("nan")
    if hasattr(result, "composite"):
        kpis.setdefault("composite", float(result.composite))
        kpis.setdefault("rag", str(result.rag))
    return kpis


def plan_constraints(
    kpis: Mapping[str, Any],
    *,
    nr_growth_min: float = NR_GROWTH_MIN,
    lws_limit: float = LWS_LIMIT,
    capacity_tolerance: float = CAPACITY_TOLERANCE,
) -> pd.DataFrame:
    """Check the six M8-T2 constraints on a replay's ``kpis`` (rules in the module docstring).

    Returns one row per constraint: ``constraint``, ``actual``, ``limit`` (the bound, or for
    ``woc_band`` the lower bound with ``upper`` beside it), ``upper``, ``relation`` (``>=``,
    ``<=``, ``within``), ``passed`` and ``margin`` (how far inside the limit, in the actual's
    unit; negative = by how much it fails).
    """
    if not 0 <= capacity_tolerance < 1:
        raise ValueError(
            f"capacity_tolerance must be a fraction in [0, 1); got {capacity_tolerance!r}."
        )
    rows = []
    nr, nr_ly = _num(kpis, "nr"), _num(kpis, "nr_ly")
    need = (1.0 + nr_growth_min) * nr_ly
    rows.append(("nr_growth", nr, need, np.nan, ">=", bool(km.at_least(nr, need)), nr - need))
    cc, cc_ly = _num(kpis, "cc_rate"), _num(kpis, "cc_rate_ly")
    rows.append(("cc_rate", cc, cc_ly, np.nan, ">=", bool(km.at_least(cc, cc_ly)), cc - cc_ly))
    tts, cap = _num(kpis, "tts_rate"), _num(kpis, "tts_rate_cap")
    rows.append(("tts_cap", tts, cap, np.nan, "<=", _at_most(tts, cap), cap - tts))
    woc = _num(kpis, "woc_end")
    band = kpis.get("woc_band")
    if not isinstance(band, Sequence) or len(band) != 2:
        raise ValueError("kpis['woc_band'] must be the channel's (low, high) weeks of cover.")
    lo, hi = float(band[0]), float(band[1])
    ok = bool(km.at_least(woc, lo)) and _at_most(woc, hi)
    margin = min(woc - lo, hi - woc) if math.isfinite(woc) else -math.inf
    rows.append(("woc_band", woc, lo, hi, "within", ok, margin))
    if "lws_max" in kpis:
        lws = _num(kpis, "lws_max")
    else:
        lws = kpis_of({"lws": kpis.get("lws", [])})["lws_max"]
    lws_ok = _at_most(lws, lws_limit) if math.isfinite(lws) else False
    rows.append(("lws", lws, lws_limit, np.nan, "<=", lws_ok, lws_limit - lws))
    short_key = "supply_short_cases" if "supply_short_cases" in kpis else "capacity_short_cases"
    short, ordered = _num(kpis, short_key), _num(kpis, "cases_ordered")
    allowed = capacity_tolerance * ordered
    rows.append(
        (
            "capacity",
            short,
            allowed,
            np.nan,
            "<=",
            _at_most(short, allowed),
            allowed - short,
        )
    )
    out = pd.DataFrame(
        rows, columns=["constraint", "actual", "limit", "upper", "relation", "passed", "margin"]
    )
    out["passed"] = out["passed"].astype(bool)
    return out


def composite_check(composite: float, threshold: float = COMPOSITE_THRESHOLD) -> bool:
    """M8-T3: the five-indicator composite reaches ``threshold`` (§0.2 guard).

    >>> composite_check(0.9499999999), composite_check(0.94), composite_check(0.78, 0.76)
    (True, False, True)
    """
    c = float(composite)
    if math.isnan(c):
        return False
    return bool(km.at_least(c, threshold))


def reference_threshold(reference_composite: float, share: float = 0.95) -> float:
    """The composite threshold relative to a reference plan (SPEC §4: ≥ 95 % of the reference).

    >>> round(reference_threshold(0.8), 4)
    0.76
    """
    r = float(reference_composite)
    if not math.isfinite(r) or r <= 0:
        raise ValueError(
            f"reference_composite must be a positive number; got {reference_composite!r}."
        )
    if not 0 < share <= 1:
        raise ValueError(f"share must be a fraction in (0, 1]; got {share!r}.")
    return share * r


@dataclass(frozen=True, eq=False)
class PlanEvaluation:
    """A replayed plan with its checks: ``result`` (the ``simulate_plan`` result), ``kpis``,
    ``constraints`` (:func:`plan_constraints`), ``n_passed``, ``composite``, ``composite_ok``,
    ``threshold`` and the wall-clock ``seconds`` of the replay."""

    result: Any
    kpis: dict[str, Any]
    constraints: pd.DataFrame
    n_passed: int
    composite: float
    composite_ok: bool
    threshold: float
    seconds: float


def evaluate_plan(
    world: Any,
    account_id: str,
    plan: Mapping[str, Any],
    seed: int = 0,
    *,
    threshold: float = COMPOSITE_THRESHOLD,
    capacity_tolerance: float = CAPACITY_TOLERANCE,
) -> PlanEvaluation:
    """Replay ``plan`` with :func:`kamlab.sim.simulate_plan` and check it (M8-T2, M8-T3).

    ``plan`` is a simulate_plan plan (a :class:`kamlab.analysis.m8_plan.Submission`'s ``plan``).
    """
    import time

    from kamlab.sim import simulate_plan

    start = time.perf_counter()
    res = simulate_plan(world, account_id, dict(plan), seed)
    secs = time.perf_counter() - start
    kpis = kpis_of(res)
    cons = plan_constraints(kpis, capacity_tolerance=capacity_tolerance)
    comp = float(res.composite)
    return PlanEvaluation(
        result=res,
        kpis=kpis,
        constraints=cons,
        n_passed=int(cons["passed"].sum()),
        composite=comp,
        composite_ok=composite_check(comp, threshold),
        threshold=threshold,
        seconds=secs,
    )
