"""M8 — Capstone: integrated account turnaround (SPEC §4 M8, items of §5.4).

The case is the account of the CAPSTONE scenario knob (SPEC §3.11): a tier-A hyper chain with
falling share, year-end stuffing, low OTIF and loss-making promotions. The grader finds it in
each world by its ``CAPSTONE`` truth label (outside the sandbox) and hands its id to the
trainee's functions, which return the capstone submission **as data** in the format of
:mod:`kamlab.analysis.m8_plan`:

=======  ==================  ==============================================================
item     kind                the trainee defines
=======  ==================  ==============================================================
M8-T1    CLASSIFICATION (6)  ``diagnose(world, account_id)`` → the ``diagnosis`` table
                             (``flag``, ``evidence_id``): macro-F1 over the flags against
                             the CAPSTONE component labels (:func:`compare_diagnosis`)
M8-T2    OPTIMIZATION (10)   ``turnaround_plan(world, account_id)`` → the plan tables
                             (``promotions``, ``terms``, ``shipments_policy``, ``budget`` and
                             the JBP/budget/actions tables): the six plan constraints of
                             :func:`kamlab.analysis.m8_constraints.plan_constraints` on the
                             :func:`kamlab.sim.simulate_plan` replay, points per constraint
M8-T3    OPTIMIZATION (6)    ``capstone_submission(world, account_id)`` → all eight tables:
                             the replay's five-indicator composite ≥ the threshold
M8-T4    MANUAL (5)          the business-review narrative (rubric ``assessments/rubrics/M8.md``)
=======  ==================  ==============================================================

Hidden cases: one secret-seeded **default-size** world per trainee (the small preset has the
CAPSTONE knob, but its hyper chain is so small that fixed costs make its customer
contribution negative and the replay's profit target degenerate, so M8 uses ``default``),
and for M8-T1 the same world with its account ids renamed.

**The reference plan** is the reference solution's own rule
(:func:`kamlab.assess.specs._m8_solution.turnaround_plan`, the code of the notebook's answer
cells), replayed with the same seed as the trainee's plan. M8-T2 scores only the constraints
that plan meets in that world (a constraint no reference plan meets — typically +5 % NR on a
last-year quarter inflated by a promotion blow-out — is not scored); M8-T3's threshold is
``min(0.95, 0.95 × the reference plan's composite)`` (:func:`composite_threshold`).

**The replay holds the customer to what it would accept** (:func:`replay_plan`): promotion
funding and fees follow the agreement's rules (a plan's ``funding_per_case`` and
``fixed_fee_rmb`` are ignored); a term paid to the customer can be cut by at most 20 % of its
current value; the customer's service KPIs cannot be lowered (deeper cuts are replayed at the
limit). The simulator itself would accept any value, so these levers would otherwise be free.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.plain import Unsupported
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind

__all__ = [
    "ASSESSMENT",
    "COMPONENT_FLAGS",
    "PLAN_REQUIRED",
    "SUBMISSION_REQUIRED",
    "capstone_account",
    "compare_composite",
    "compare_constraints",
    "compare_diagnosis",
    "composite_threshold",
    "ref_diagnosis",
    "ref_plan",
    "replay_plan",
    "week_period",
]

#: The CAPSTONE knob's components (SPEC §3.11) and the kind of evidence id scored for each.
COMPONENT_FLAGS = {
    "STUFFING": "period",
    "PROMO_OVERSPEND": "promo",
    "COMPETITOR_PUSH": "account",
    "SERVICE_DEPRIORITISED": "account",
}
#: Tables M8-T2 needs (the four simulate_plan tables; ``promotions`` may be empty).
PLAN_REQUIRED = ("promotions", "terms", "shipments_policy", "budget")
#: Tables of a complete submission (M8-T3).
SUBMISSION_REQUIRED = (
    "diagnosis",
    "promotions",
    "terms",
    "shipments_policy",
    "budget",
    "jbp_targets",
    "budget_allocation",
    "actions",
)
_SUBMISSION_TABLES = (*SUBMISSION_REQUIRED,)
#: Terms paid to the customer (rates of GS, fees): a plan may cut each by at most this share.
MAX_TERM_CUT = 0.20
_PAID_TERMS = (
    "on_invoice_discount_pct",
    "unconditional_rebate_pct",
    "ec_platform_fee_pct",
    "logistics_allowance_pct",
    "endcap_fee_per_store_period",
    "floorstack_fee_per_store_period",
    "dm_fee_per_issue",
    "festival_fee_annual",
    "anniversary_fee_annual",
    "listing_fee_per_sku_store",
    "otif_penalty_pct",
    "aged_stock_clearance_pct",
    "payment_terms_days",
)
#: The customer's service KPIs: a plan cannot lower them (they are the fill-rate target too).
_KPI_TERMS = ("case_fill_kpi", "otif_kpi")
#: Composite threshold of M8-T3: the §2.18 amber line, or 95 % of the reference plan.
AMBER = 0.95
SHARE_OF_REFERENCE = 0.95
#: Half credit in M8-T3 for a composite within this distance under the threshold.
NEAR_MISS = 0.05


# ------------------------------------------------------------------------------------------
# the worlds a comparator replays on
_WORLDS: OrderedDict[str, Any] = OrderedDict()
_MAX_WORLDS = 16


def _token(world: Any) -> str:
    """A stable, data-free name of a simulated world (a hash of its configuration)."""
    meta = getattr(world, "meta", None) or {}
    cfg = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(cfg, dict):
        raise ValueError(
            "world has no simulator configuration in its meta; M8 replays plans with "
            "kamlab.sim.simulate_plan, which needs a simulated world."
        )
    text = json.dumps(cfg, sort_keys=True, default=str)
    return "w" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _register(world: Any) -> str:
    """Keep ``world`` for the comparators of this process; return its token."""
    tok = _token(world)
    _WORLDS[tok] = world
    _WORLDS.move_to_end(tok)
    while len(_WORLDS) > _MAX_WORLDS:
        _WORLDS.popitem(last=False)
    return tok


def _world_of(token: str) -> Any:
    world = _WORLDS.get(token)
    if world is None:
        raise RuntimeError(
            "M8: the world of this case was not registered in this process; the case builders "
            "(visible/hidden) must run before the comparator."
        )
    return world


def _replay_seed(token: str) -> int:
    """The replay seed of a world: secret (derived from its configuration), fixed."""
    return int(hashlib.sha256(f"m8-replay|{token}".encode()).hexdigest()[:8], 16) % 100_000


def capstone_account(world: Any) -> str:
    """The account tagged ``CAPSTONE`` in ``truth_scenario_labels`` (outside the sandbox)."""
    lab = world.truth["truth_scenario_labels"]
    hit = lab[(lab["scenario"].astype(str) == "CAPSTONE") & (lab["tag"].astype(str) == "CAPSTONE")]
    if hit.empty:
        raise ValueError(
            "world has no CAPSTONE account; M8 worlds must be simulated with scenarios='default'."
        )
    return str(hit["entity_id"].iloc[0])


# ------------------------------------------------------------------------------------------
# M8-T1 diagnosis
def week_period(week: int) -> str:
    """The fiscal period of a week id (4-4-5 calendar, 52-week years from FY2023, SPEC §0.2).

    >>> week_period(46), week_period(47), week_period(52), week_period(103)
    ('FY2023-P11', 'FY2023-P12', 'FY2024-P01', 'FY2024-P12')
    """
    w = int(week)
    fy, r = 2023 + w // 52, w % 52
    q, x = divmod(r, 13)
    return f"FY{fy}-P{3 * q + (1 if x < 4 else 2 if x < 8 else 3):02d}"


_KINDS = (
    ("period", re.compile(r"^FY\d{4}-P\d{2}$")),
    ("week", re.compile(r"^W\d{1,4}$")),
    ("promo", re.compile(r"^PR\d+$")),
    ("account", re.compile(r"^ACC\d+$")),
    ("kam", re.compile(r"^KAM\d+$")),
    ("sku", re.compile(r"^SKU\d+$")),
)


def _kind(evidence: str) -> str:
    for name, rx in _KINDS:
        if rx.match(evidence):
            return name
    return "other"


def ref_diagnosis(world: Any, account_id: str) -> dict[str, Any]:
    """What M8-T1 is judged against (the CAPSTONE component labels of ``account_id``).

    ``flags``: flag → the evidence ids that prove it (STUFFING: the periods of the load and the
    overstock it left; PROMO_OVERSPEND: the review year's labelled price promotions with true
    ROI < 1; COMPETITOR_PUSH, SERVICE_DEPRIORITISED: the account). ``negatives``: labelled
    promotions with ROI ≥ 1 (a false positive when named). ``ignored``: the account's other
    promotions of the review year (not labelled, not scored). ``ignore_flags``: scenarios of
    other knobs that also touch the account or its KAM (neither rewarded nor penalised).
    """
    lab = world.truth["truth_scenario_labels"]
    tag = lab["tag"].astype(str) == "CAPSTONE"
    cap = lab[tag]
    stuffing = sorted(
        set(cap.loc[cap["scenario"].astype(str) == "STUFFING", "period_key"].astype(str))
    )
    promos = cap[
        (cap["scenario"].astype(str) == "PROMO_OVERSPEND")
        & (cap["entity_type"].astype(str) == "PROMO")
    ]
    loss = promos["severity"].astype(float) < 1.0
    positives = sorted(promos.loc[loss, "entity_id"].astype(str))
    negatives = sorted(promos.loc[~loss, "entity_id"].astype(str))
    acc = world.accounts
    kam = str(acc.loc[acc["account_id"].astype(str) == account_id, "kam_id"].iloc[0])
    other = lab[~tag]
    rel = other["related_ids"].astype("string").fillna("")
    touch = (
        other["entity_id"].astype(str).isin([account_id, kam])
        | rel.str.contains(account_id, regex=False)
        | rel.str.contains(kam, regex=False)
    )
    ignore_flags = sorted(set(other.loc[touch, "scenario"].astype(str)) - set(COMPONENT_FLAGS))
    cal = world.calendar
    review_fy = int(cal["fiscal_year"].astype(int).max())
    review = set(cal.loc[cal["fiscal_year"].astype(int) == review_fy, "week_id"].astype(int))
    pr = world.promotions
    mine = pr[
        (pr["account_id"].astype(str) == account_id) & pr["start_week"].astype(int).isin(review)
    ]
    ignored = sorted(set(mine["promo_id"].astype(str)) - set(positives) - set(negatives))
    return {
        "flags": {
            "STUFFING": stuffing,
            "PROMO_OVERSPEND": positives,
            "COMPETITOR_PUSH": [account_id],
            "SERVICE_DEPRIORITISED": [account_id],
        },
        "negatives": {"PROMO_OVERSPEND": negatives},
        "ignored": {"PROMO_OVERSPEND": ignored},
        "ignore_flags": ignore_flags,
    }


def _pairs(answer: Any) -> list[tuple[str, str]] | None:
    """``(flag, evidence_id)`` pairs from a diagnosis table (or a list of pairs / row dicts)."""
    if isinstance(answer, pd.DataFrame):
        cols = [str(c) for c in answer.columns]
        if "flag" not in cols or "evidence_id" not in cols:
            return None
        flags = answer[answer.columns[cols.index("flag")]].tolist()
        ids = answer[answer.columns[cols.index("evidence_id")]].tolist()
        rows = list(zip(flags, ids, strict=True))
    elif isinstance(answer, list):
        rows = []
        for r in answer:
            if isinstance(r, dict) and "flag" in r and "evidence_id" in r:
                rows.append((r["flag"], r["evidence_id"]))
            elif isinstance(r, (list, tuple)) and len(r) >= 2:
                rows.append((r[0], r[1]))
            else:
                return None
    else:
        return None
    out = []
    for f, e in rows:
        if f is None or e is None or isinstance(f, (Unsupported, dict, list)):
            continue
        if isinstance(e, (Unsupported, dict, list)):
            continue
        out.append((str(f).strip().upper(), str(e).strip().upper()))
    return out


def diagnosis_f1(
    answer: Any, expected: dict[str, Any]
) -> tuple[float, dict[str, float], list[str]]:
    """Macro-F1 of a diagnosis: the mean over flags (the four true ones and any false ones) of
    each flag's F1 on the evidence ids of its scored kind. Returns (score, per-flag F1, false
    flags); raises ``TypeError`` for an answer that is not a diagnosis table."""
    pairs = _pairs(answer)
    if pairs is None:
        raise TypeError("not a diagnosis table")
    # a component without any evidence in this world (say, no loss-making promotion) is not
    # part of the case: naming it is neither rewarded nor penalised
    truth = {f: set(ids) for f, ids in expected["flags"].items() if ids}
    negatives = {f: set(ids) for f, ids in expected.get("negatives", {}).items()}
    ignored = {f: set(ids) for f, ids in expected.get("ignored", {}).items()}
    ignore_flags = set(expected.get("ignore_flags", [])) | {
        f for f, ids in expected["flags"].items() if not ids
    }
    pred: dict[str, set[str]] = {}
    for flag, ev in pairs:
        kind = _kind(ev)
        pred.setdefault(flag, set())
        want = COMPONENT_FLAGS.get(flag)
        if want == "period" and kind == "week":
            ev, kind = week_period(int(ev[1:])), "period"
        if kind == want and ev not in ignored.get(flag, set()):
            pred[flag].add(ev)
    per_flag = {}
    for flag, ids in truth.items():
        a = pred.get(flag, set())
        per_flag[flag] = 2 * len(a & ids) / (len(a) + len(ids)) if a else 0.0
    false_flags = sorted(f for f in pred if f not in truth and f not in ignore_flags)
    n = len(truth) + len(false_flags)
    del negatives  # a named ROI >= 1 promotion is simply a false positive of its flag
    return (sum(per_flag.values()) / n if n else 0.0), per_flag, false_flags


def compare_diagnosis(answer: Any, expected: Any) -> cmp.Check:
    """M8-T1: credit 1 at macro-F1 ≥ 0.8, ½ at ≥ 0.6 (SPEC §4 classification bands)."""
    try:
        score, per_flag, false_flags = diagnosis_f1(answer, expected)
    except TypeError:
        return cmp.Check(
            0.0,
            "wrong_type",
            "expected a DataFrame with columns flag and evidence_id (the diagnosis table)",
        )
    detail = f"macro-F1 {score:.3f}: " + ", ".join(f"{f} {v:.2f}" for f, v in per_flag.items())
    if false_flags:
        detail += f"; flags that are not part of this case: {', '.join(false_flags)}"
    if score >= 0.8 - 1e-12:
        return cmp.Check(1.0, "ok", detail)
    if score >= 0.6 - 1e-12:
        return cmp.Check(0.5, "partly_right", detail)
    return cmp.Check(0.0, "wrong_value", detail)


def _t1_visible(world: Any) -> list[Case]:
    acc = capstone_account(world)
    return [Case.visible(world, acc, label=f"the shipped world's capstone account {acc}")]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    acc = capstone_account(w)
    renamed = ctx.relabel(w, "account_id")
    mapping = renamed.meta["relabelled"]["mapping"]

    def renamed_truth() -> dict[str, Any]:
        exp = ref_diagnosis(w, acc)
        exp["flags"] = {f: [mapping.get(x, x) for x in ids] for f, ids in exp["flags"].items()}
        return exp

    return [
        Case.fresh_world(w, acc, what="your capstone account"),
        Case.fresh_world(
            renamed, mapping[acc], what="the same account under another id", expected=renamed_truth
        ),
    ]


# ------------------------------------------------------------------------------------------
# M8-T2 / M8-T3: the plan, replayed
def composite_threshold(reference_composite: float) -> float:
    """M8-T3's threshold: the amber line 0.95, or 95 % of the reference plan's composite when
    that is lower (SPEC §4: ≥ 95 % of the reference).

    >>> composite_threshold(1.04), round(composite_threshold(0.9), 3)
    (0.95, 0.855)
    """
    from kamlab.analysis.m8_constraints import reference_threshold

    return min(AMBER, reference_threshold(reference_composite, SHARE_OF_REFERENCE))


def _current_terms(world: Any, account_id: str) -> dict[str, float]:
    tt = world.trade_terms
    row = tt[tt["account_id"].astype(str) == account_id].sort_values("fiscal_year").iloc[-1]
    return {c: float(row[c]) for c in (*_PAID_TERMS, *_KPI_TERMS)}


def _submission(answer: Any, account_id: str, required: tuple[str, ...]) -> Any:
    """The answer as a :class:`~kamlab.analysis.m8_plan.Submission`, or a failing Check."""
    from kamlab.analysis.m8_plan import SUBMISSION_TABLES, Submission

    if not isinstance(answer, dict):
        return cmp.Check(
            0.0, "wrong_type", f"expected a dict of tables, got {type(answer).__name__}"
        )
    keys = [k for k in answer if isinstance(k, str)]
    missing = [t for t in required if t not in keys]
    unknown = [k for k in answer if k not in SUBMISSION_TABLES]
    if missing or unknown:
        parts = [f"missing tables: {', '.join(missing)}"] if missing else []
        if unknown:
            parts.append(f"unknown tables: {', '.join(map(str, unknown))}")
        return cmp.Check(0.0, "wrong_keys", "; ".join(parts))
    tables = {}
    for name, v in answer.items():
        if isinstance(v, pd.DataFrame):
            v = v.copy()
            v.columns = [str(c) for c in v.columns]
        elif isinstance(v, pd.Series):
            v = v.to_frame().T
        elif not isinstance(v, (dict, list)):
            return cmp.Check(0.0, "wrong_type", f"table {name!r} is a {type(v).__name__}")
        tables[name] = v
    try:
        return Submission(account_id, tables)
    except (ValueError, TypeError) as exc:
        return cmp.Check(0.0, "wrong_shape", str(exc)[:300])


def _guarded_plan(sub: Any, terms_now: dict[str, float]) -> dict[str, pd.DataFrame]:
    """The plan the replay runs: the customer accepts at most a 20 % cut of what it is paid and
    no lower service KPIs; funding and fees of promotions follow the agreement's rules."""
    plan = sub.plan
    pr = sub.tables.get("promotions")
    if pr is not None:
        pr = plan.get("promotions", pr).drop(
            columns=["funding_per_case", "fixed_fee_rmb"], errors="ignore"
        )
        if pr.empty:  # an empty table means "no promotions" (a missing one: the current ones)
            pr = pd.DataFrame(columns=["sku_id", "start_week", "end_week", "depth_pct"])
        plan["promotions"] = pr
    te = plan.get("terms")
    if te is not None and len(te):
        te = te.copy()
        for c in te.columns:
            if c in terms_now and pd.notna(te.at[0, c]):
                now = terms_now[c]
                v = float(te.at[0, c])
                if c in _KPI_TERMS:
                    te.at[0, c] = max(v, now)
                elif c in _PAID_TERMS:
                    te.at[0, c] = max(v, (1.0 - MAX_TERM_CUT) * now)
        plan["terms"] = te
    return plan


def replay_plan(world: Any, account_id: str, sub: Any, seed: int) -> Any:
    """Replay a submission's plan (guarded, :func:`_guarded_plan`) with ``simulate_plan``;
    return the :class:`~kamlab.analysis.m8_constraints.PlanEvaluation`."""
    from kamlab.analysis.m8_constraints import evaluate_plan

    plan = _guarded_plan(sub, _current_terms(world, account_id))
    return evaluate_plan(world, account_id, plan, seed=seed)


_REF_MEMO: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()


def ref_plan(world: Any, account_id: str) -> dict[str, Any]:
    """What M8-T2/T3 compare with: the world's token and replay seed, the reference plan's
    constraint results (which constraints are scored) and its composite (the T3 threshold).

    The reference plan is the reference solution's rule
    (:func:`kamlab.assess.specs._m8_solution.turnaround_plan`).
    """
    from kamlab.analysis.m8_plan import Submission
    from kamlab.assess.specs._m8_solution import turnaround_plan

    tok = _register(world)
    key = (tok, account_id)
    if key not in _REF_MEMO:
        seed = _replay_seed(tok)
        sub = Submission(account_id, turnaround_plan(world, account_id))
        ev = replay_plan(world, account_id, sub, seed)
        cons = ev.constraints.set_index("constraint")
        _REF_MEMO[key] = {
            "world": tok,
            "account_id": account_id,
            "replay_seed": seed,
            "scored": {str(c): bool(cons.at[c, "passed"]) for c in cons.index},
            "reference_composite": float(ev.composite),
            "threshold": composite_threshold(float(ev.composite)),
        }
        while len(_REF_MEMO) > 64:
            _REF_MEMO.popitem(last=False)
    return dict(_REF_MEMO[key])


def _evaluate(
    answer: Any, expected: dict[str, Any], required: tuple[str, ...], *, only: tuple[str, ...] = ()
) -> Any:
    """Validate and replay an answer: ``(submission, PlanEvaluation)``, or a failing Check.

    ``only``: validate just these tables (M8-T2 judges the plan, whatever else it carries)."""
    from kamlab.analysis.m8_plan import check_submission

    world = _world_of(expected["world"])
    acc = expected["account_id"]
    if only and isinstance(answer, dict):
        answer = {k: v for k, v in answer.items() if k in only or k not in _SUBMISSION_TABLES}
    sub = _submission(answer, acc, required)
    if isinstance(sub, cmp.Check):
        return sub
    T = len(world.calendar)
    problems = check_submission(sub, weeks=range(T, T + 13))
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        return cmp.Check(0.0, "wrong_shape", " ".join(problems[:3]) + more)
    try:
        return sub, replay_plan(world, acc, sub, int(expected["replay_seed"]))
    except ValueError as exc:
        return cmp.Check(0.0, "wrong_shape", f"simulate_plan refused the plan: {str(exc)[:240]}")


def compare_constraints(answer: Any, expected: Any) -> cmp.Check:
    """M8-T2: the share of the scored constraints the replayed plan meets."""
    got = _evaluate(answer, expected, PLAN_REQUIRED, only=PLAN_REQUIRED)
    if isinstance(got, cmp.Check):
        return got
    _sub, ev = got
    cons = ev.constraints.set_index("constraint")
    scored = [c for c, ok in expected["scored"].items() if ok] or list(cons.index)
    passed = [c for c in scored if bool(cons.at[c, "passed"])]
    failed = [c for c in scored if c not in passed]
    skipped = [c for c in cons.index if c not in scored]
    detail = (
        f"{len(passed)} of {len(scored)} constraints met"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + (f"; not scored in this world: {', '.join(skipped)}" if skipped else "")
        + "; "
        + ", ".join(
            f"{c} {float(cons.at[c, 'actual']):.4g} ({cons.at[c, 'relation']} "
            f"{float(cons.at[c, 'limit']):.4g})"
            for c in cons.index
        )
    )
    credit = len(passed) / len(scored)
    return cmp.Check(credit, "ok" if not failed else "constraint", detail)


def compare_composite(answer: Any, expected: Any) -> cmp.Check:
    """M8-T3: a complete, valid submission whose replayed composite reaches the threshold
    (credit 1), or comes within 0.05 of it (½)."""
    got = _evaluate(answer, expected, SUBMISSION_REQUIRED)
    if isinstance(got, cmp.Check):
        return got
    sub, ev = got
    for name in ("diagnosis", "jbp_targets", "budget_allocation", "actions"):
        if len(sub.tables[name]) == 0:
            return cmp.Check(0.0, "wrong_shape", f"the {name} table is empty")
    thr = float(expected["threshold"])
    comp = float(ev.composite)
    detail = (
        f"composite {comp:.3f} (threshold {thr:.3f}; the reference plan reaches "
        f"{float(expected['reference_composite']):.3f})"
    )
    if np.isfinite(comp) and comp >= thr - 1e-9:
        return cmp.Check(1.0, "ok", detail)
    if np.isfinite(comp) and comp >= thr - NEAR_MISS - 1e-9:
        return cmp.Check(0.5, "below_optimum", detail)
    return cmp.Check(0.0, "below_optimum", detail)


def _plan_visible(world: Any) -> list[Case]:
    _register(world)
    acc = capstone_account(world)
    return [Case.visible(world, acc, label=f"the shipped world's capstone account {acc}")]


def _plan_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    _register(w)
    return [Case.fresh_world(w, capstone_account(w), what="your capstone account")]


ASSESSMENT = Assessment(
    id="M8",
    notebook="M8_assessment",
    title="Capstone: integrated account turnaround",
    world_preset="default",
    items=(
        Item(
            "M8-T1",
            Kind.CLASSIFICATION,
            target="diagnose",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_diagnosis,
            compare=compare_diagnosis,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=30.0,
            title="Diagnosis flags with evidence ids",
        ),
        Item(
            "M8-T2",
            Kind.OPTIMIZATION,
            target="turnaround_plan",
            visible=_plan_visible,
            hidden=_plan_hidden,
            reference=ref_plan,
            compare=compare_constraints,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=30.0,
            title="Rolling 13-week turnaround plan: the six plan constraints",
        ),
        Item(
            "M8-T3",
            Kind.OPTIMIZATION,
            target="capstone_submission",
            visible=_plan_visible,
            hidden=_plan_hidden,
            reference=ref_plan,
            compare=compare_composite,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=60.0,
            title="Complete submission: five-indicator composite of the replay",
        ),
        Item("M8-T4", Kind.MANUAL, title="Business-review narrative"),
    ),
)
