"""M2 — Customer planning and joint business planning (SPEC §4 M2, items of §5.4).

=======  =================  =================================================================
item     kind               the trainee defines
=======  =================  =================================================================
M2-T1    FUNCTION (4)       ``segment_accounts(df, weights, cutoffs)`` → ``{account_id: tier}``
                            by the portfolio rule of :mod:`kamlab.analysis.m2_portfolio`
M2-T2    NUMERIC (3)        ``answer_m2_t2(world)`` → the market-anchored FY2025 NR target
                            (SPEC §2.16) of the convenience (CVS) key account with the highest
                            FY2024 NR, at +1 share point and +1.5 % net price (rtol 0.005)
M2-T3    FUNCTION (3)       ``distribution_gain_value(delta_tdp, sales_per_point)`` → RMB;
                            ``delta_tdp`` a number or per-SKU WD changes (TDP = Σ_SKU WD)
M2-T4    OPTIMIZATION (6)   ``plan_quarter(planned, options, brief)`` → the quarter's promotion
                            table; replayed with :func:`kamlab.sim.simulate_plan` (NR within
                            ±2 % of target, spend ≤ budget, no capacity breach) — see
                            :mod:`kamlab.assess.specs._m2_plan`
M2-T5    CLASSIFICATION(3)  ``coverage_gaps(contacts, account_id, role)`` → the top-3
                            stakeholder coverage gaps (exact set)
=======  =================  =================================================================

Entities differ from the curriculum's self-checks (:mod:`kamlab.learn.exercises.m2`: ACC011,
ACC006, ACC003, ACC002, ACC004). References are kamlab's own code:
:func:`kamlab.analysis.m2_portfolio.segment`, :func:`kamlab.analysis.m2_jbp.jbp_base` with
:func:`kamlab.metrics.jbp_market_target` and :func:`kamlab.metrics.distribution_gain_value`,
and :func:`kamlab.sim.simulate_plan`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind
from kamlab.assess.specs import _m2_plan as plan

__all__ = [
    "ASSESSMENT",
    "ATTRACTIVENESS",
    "CRITERIA",
    "CUTOFF_EDGE",
    "DEFAULT_CUTOFFS",
    "DEFAULT_WEIGHTS",
    "POSITION",
    "T2_PRICE",
    "T2_SHARE_GAIN",
]

ATTRACTIVENESS = ("size", "growth", "profitability")
POSITION = ("share", "relationship", "execution")
CRITERIA = ATTRACTIVENESS + POSITION
DEFAULT_WEIGHTS = {
    "size": 0.5,
    "growth": 0.3,
    "profitability": 0.2,
    "share": 0.4,
    "relationship": 0.3,
    "execution": 0.3,
}
DEFAULT_CUTOFFS = (0.50, 0.35)


# ------------------------------------------------------------------------------------------
# M2-T1 portfolio tiers
def ref_segment(df: pd.DataFrame, weights: dict[str, float], cutoffs: Any) -> dict[str, str]:
    """``{account_id: tier}`` by :func:`kamlab.analysis.m2_portfolio.segment`."""
    from kamlab.analysis.m2_portfolio import segment

    t = segment(df, weights, tuple(cutoffs)).table
    return dict(zip(t["account_id"].astype(str), t["tier"].astype(str), strict=True))


def compare_tiers(answer: Any, expected: Any) -> cmp.Check:
    """Every account's tier letter (A/B/C; case and spaces ignored), no account missing."""
    if isinstance(answer, pd.Series):
        answer = dict(zip(answer.index, answer.tolist(), strict=True))
    if not isinstance(answer, dict):
        return cmp.Check(
            0.0, "wrong_type", f"expected a dict account_id → tier, got {type(answer).__name__}"
        )
    got = {str(k): v for k, v in answer.items()}
    if set(got) != set(expected):
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        return cmp.Check(0.0, "wrong_keys", f"missing accounts {missing}, unexpected {extra}")
    wrong = [
        f"{a}: expected {t!r}, got {got[a]!r}"
        for a, t in sorted(expected.items())
        if not (isinstance(got[a], str) and got[a].strip().upper() == t)
    ]
    if wrong:
        return cmp.Check(0.0, "wrong_value", "; ".join(wrong))
    return cmp.Check(1.0)


def _criteria(world: Any) -> pd.DataFrame:
    from kamlab.analysis.m2_portfolio import portfolio_criteria

    return portfolio_criteria(world)


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    for c in CRITERIA:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _plain_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.to_dict("records"):
        rec = {}
        for k, v in row.items():
            if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
                v = None
            rec[str(k)] = v.item() if isinstance(v, np.generic) else v
        out.append(rec)
    return out


#: a table whose first account scores exactly 0.5 in exact arithmetic but 0.49999999999999994
#: in floating point with these weights: tier A only with the §0.2 guard ``x >= 0.5 - 1e-9``
CUTOFF_EDGE = (
    {
        "account_id": ["ACC101", "ACC102", "ACC103", "ACC104"],
        "size": [42.0, 36.0, 36.0, 30.0],
        "growth": [0.01, 0.1, -0.02, 0.01],
        "profitability": [0.09, 0.18, 0.18, 0.06],
        "share": [0.16, 0.12, 0.2, 0.16],
        "relationship": [2.5, 3.5, 4.5, 3.0],
        "execution": [0.85, 0.75, 0.9, 0.7],
    },
    {
        "size": 0.2,
        "growth": 0.1,
        "profitability": 0.3,
        "share": 0.5,
        "relationship": 0.2,
        "execution": 0.4,
    },
)


def _t1_visible(world: Any) -> list[Case]:
    crit = _criteria(world)
    other = {"size": 1.0, "profitability": 1.0, "relationship": 1.0}
    return [
        Case.visible(
            crit, dict(DEFAULT_WEIGHTS), DEFAULT_CUTOFFS, label="the shipped world, default weights"
        ),
        Case.visible(
            crit, other, (0.55, 0.40), label="size, profitability, relationship; cut-offs 0.55/0.40"
        ),
    ]


def _random_weights(rng: np.random.Generator) -> dict[str, float]:
    while True:
        w = {c: float(rng.integers(0, 11)) / 10 for c in CRITERIA}
        if sum(w[c] for c in ATTRACTIVENESS) > 0 and sum(w[c] for c in POSITION) > 0:
            return w


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    records = ctx.memo("m2t1-criteria", lambda: _plain_records(_criteria(ctx.world)))
    crit = _frame(records)
    weights = _random_weights(ctx.rng)
    flat = crit.copy()
    flat["relationship"] = 3.0
    flat.loc[int(ctx.rng.integers(len(flat))), "growth"] = np.nan
    table, edge_w = CUTOFF_EDGE
    some = {"size": 2.0, "growth": 1.0, "share": 3.0}
    return [
        Case.fresh_world(crit, weights, DEFAULT_CUTOFFS, what="the key accounts of a fresh world"),
        Case.edge(
            flat,
            dict(DEFAULT_WEIGHTS),
            DEFAULT_CUTOFFS,
            what="a criterion equal for every account, and a missing value",
        ),
        Case.edge(
            pd.DataFrame(table), dict(edge_w), DEFAULT_CUTOFFS, what="a score exactly at a cut-off"
        ),
        Case.edge(crit, some, (0.6, 0.3), what="weights for some criteria only, other cut-offs"),
    ]


# ------------------------------------------------------------------------------------------
# M2-T2 market-anchored NR target
T2_SHARE_GAIN = 0.01  # +1 share point
T2_PRICE = 0.015  # +1.5 % net price


def _jbp_bases(world: Any) -> dict[str, Any]:
    from kamlab.analysis.m2_jbp import jbp_context

    return jbp_context(world).bases


def t2_account(world: Any) -> str:
    """The convenience (CVS) key account with the highest FY2024 NR."""
    bases = _jbp_bases(world)
    acc = world["accounts"]
    cvs = acc.loc[
        (acc["account_type"].astype(str) == "KA") & (acc["channel"].astype(str) == "CVS"),
        "account_id",
    ].astype(str)
    found = sorted((a for a in cvs if a in bases), key=lambda a: (-bases[a].nr_ly, a))
    if not found:
        raise ValueError("the world has no convenience key account with FY2024 sales")
    return found[0]


def ref_t2(world: Any) -> float:
    """``NR_LY × (1 + category growth) × (1 + 0.01 / share_LY) × 1.015`` (SPEC §2.16)."""
    from kamlab import metrics as km

    b = _jbp_bases(world)[t2_account(world)]
    return km.jbp_market_target(b.nr_ly, b.category_growth, b.share_ly, T2_SHARE_GAIN, T2_PRICE)


# ------------------------------------------------------------------------------------------
# M2-T3 distribution gain
def ref_distribution_gain(delta_tdp: Any, sales_per_point: float) -> float:
    """``ΔTDP × sales per point`` with ``ΔTDP = Σ`` per-SKU WD changes when given per SKU."""
    from kamlab import metrics as km

    if isinstance(delta_tdp, dict):
        d = float(sum(float(v) for v in delta_tdp.values()))
    elif isinstance(delta_tdp, (list, tuple)):
        d = float(sum(float(v) for v in delta_tdp))
    else:
        d = float(delta_tdp)
    return km.distribution_gain_value(d, float(sales_per_point))


def _jbp_facts(world: Any) -> dict[str, Any]:
    """Per key account: must-stock WD by SKU and sales per point (plain data)."""
    out = {}
    for a, b in sorted(_jbp_bases(world).items()):
        if b.nr_ly > 0 and b.tdp_ly > 0 and b.wd_by_sku:
            out[a] = {
                "wd": {str(k): float(v) for k, v in sorted(b.wd_by_sku.items())},
                "spp": float(b.sales_per_point),
            }
    return out


def _gains(wd: dict[str, float], delta_wd: float) -> dict[str, float]:
    """Each SKU gains ``delta_wd``, none above 100 %."""
    return {s: min(v + delta_wd, 1.0) - v for s, v in wd.items()}


def _t3_visible(world: Any) -> list[Case]:
    facts = _jbp_facts(world)["ACC001"]
    return [
        Case.visible(0.25, 2_000_000.0, label="the SPEC §2.16 example (ΔTDP 0.25, 2 M per point)"),
        Case.visible(
            _gains(facts["wd"], 0.02),
            facts["spp"],
            label="ACC001: every must-stock SKU +2 WD points (per SKU)",
        ),
    ]


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    facts = ctx.memo("m2t3-jbp", lambda: _jbp_facts(ctx.world))
    ids = sorted(facts)
    a, b = (ids[int(i)] for i in ctx.rng.choice(len(ids), size=2, replace=len(ids) < 2))
    d1 = float(np.round(ctx.rng.uniform(0.01, 0.06), 3))
    d2 = float(np.round(ctx.rng.uniform(0.01, 0.06), 3))
    scalar = float(sum(_gains(facts[a]["wd"], d1).values()))
    per_sku = _gains(facts[b]["wd"], d2)
    loss = -float(np.round(ctx.rng.uniform(0.2, 0.9), 2))
    spp = float(np.round(ctx.rng.uniform(0.8e6, 3.0e6), -3))
    changes = [0.04, 0.03, -0.02, 0.05, 0.0]  # one SKU delisted in some stores
    return [
        Case.fresh_world(scalar, facts[a]["spp"], what="a key account's ΔTDP as one number"),
        Case.fresh_world(per_sku, facts[b]["spp"], what="WD changes given per SKU"),
        Case.edge(loss, spp, what="a distribution loss (negative ΔTDP)"),
        Case.edge(changes, spp, what="per-SKU changes as a list, with a loss"),
        Case.edge({}, spp, what="no SKU changes (an empty mapping)"),
        Case.edge(2, 1_250_000, what="whole-number inputs"),
    ]


# ------------------------------------------------------------------------------------------
# M2-T4 rolling 13-week plan
def _t4_cases(world: Any, account_id: str, rng_seed: int, n: int, memo: Any) -> list[dict]:
    """``n`` instances (menu + briefs) of one account, as plain data (memoised by the caller)."""

    def build() -> dict[str, Any]:
        rng = np.random.default_rng(rng_seed)
        menu = plan.make_menu(world, account_id, rng)
        briefs: list[dict[str, Any]] = []
        for _ in range(n):
            away = briefs[-1]["nr_target"] / menu["base"]["nr"] - 1 if briefs else None
            avoid = [b["witness"] for b in briefs]
            briefs.append(plan.make_brief(world, menu, rng, avoid=avoid, away_from=away))
        return {"menu": menu, "briefs": briefs}

    return memo(build)


def _t4_case(world: Any, menu: dict, brief: dict, kind: str, what: str, label: str) -> Case:
    planned, options = plan.frames(menu)
    token = plan.register(world)
    exp = plan.expected_of(token, menu["account_id"], brief)
    args = (planned, options, plan.brief_of(brief))
    if kind == "visible":
        return Case.visible(*args, label=label, expected=exp)
    return Case.fresh_world(*args, what=what, expected=exp)


T4_VISIBLE_ACCOUNT = "ACC001"


def _t4_visible(world: Any) -> list[Case]:
    data = _t4_cases(world, T4_VISIBLE_ACCOUNT, 2024, 1, lambda build: build())
    return [
        _t4_case(
            world,
            data["menu"],
            data["briefs"][0],
            "visible",
            "",
            f"{T4_VISIBLE_ACCOUNT}'s next 13 weeks",
        )
    ]


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    acc = w.accounts
    ka = acc.loc[
        (acc["account_type"].astype(str) == "KA") & (acc["channel"].astype(str) != "CVS"),
        "account_id",
    ].astype(str)
    ids = sorted(ka) or sorted(acc["account_id"].astype(str))
    first = int(ctx.rng.integers(len(ids)))
    seed = int(ctx.rng.integers(2**31))
    data = None
    for k in range(len(ids)):  # the drawn account, or the next one that has options to plan
        account = ids[(first + k) % len(ids)]
        try:
            data = _t4_cases(w, account, seed, 2, lambda b, a=account: ctx.memo(f"m2t4-{a}", b))
            break
        except ValueError:
            continue
    if data is None:
        raise ValueError("M2-T4: no key account of this world has promotion options to plan")
    menu, (b1, b2) = data["menu"], data["briefs"]
    return [
        _t4_case(w, menu, b1, "fresh", "a key account's next 13 weeks", ""),
        _t4_case(w, menu, b2, "fresh", "the same quarter with another target and budget", ""),
    ]


# ------------------------------------------------------------------------------------------
# M2-T5 stakeholder coverage gaps
ROLES = ("LISTING", "PROMO", "TERMS", "SUPPLY")


def _has_role(values: Any, role: str) -> np.ndarray:
    out = []
    for v in values:
        missing = v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
        out.append(not missing and role in str(v).split("|"))
    return np.array(out, dtype=bool)


def ref_coverage_gaps(contacts: pd.DataFrame, account_id: str, role: str) -> list[str]:
    """The top-3 coverage gaps of ``account_id`` on ``role`` (rule in the M2-T5 prompt)."""
    c = contacts.loc[contacts["account_id"].astype(str).to_numpy() == account_id]
    inf = c["influence"].to_numpy(float)
    rel = c["relationship_score"].to_numpy(float)
    ok = _has_role(c["decision_roles"].tolist(), role) & (inf >= 4) & (rel <= 2)
    q = pd.DataFrame(
        {
            "contact_id": c["contact_id"].astype(str).to_numpy()[ok],
            "gap": (inf - rel)[ok],
            "influence": inf[ok],
            "meetings": c["meetings_12m"].to_numpy(float)[ok],
        }
    )
    q = q.sort_values(
        ["gap", "influence", "meetings", "contact_id"], ascending=[False, False, True, True]
    )
    return q["contact_id"].head(3).tolist()


def _contacts_edge() -> pd.DataFrame:
    """Synthetic contacts: ties broken by influence, then meetings, then id (see tests)."""
    rows = [
        ("CT9001", "ACC901", "EXECUTIVE", 5, 1, 3, "TERMS"),
        ("CT9002", "ACC901", "BUYER", 5, 2, 1, "LISTING|TERMS"),
        ("CT9003", "ACC901", "FINANCE", 4, 1, 0, "TERMS|SUPPLY"),
        ("CT9004", "ACC901", "BUYER", 5, 2, 4, "PROMO|TERMS"),
        ("CT9005", "ACC901", "CATEGORY_MGR", 5, 2, 2, "TERMS"),
        ("CT9006", "ACC901", "EXECUTIVE", 5, 1, 0, "LISTING"),
        ("CT9007", "ACC901", "FINANCE", 3, 1, 1, "TERMS"),
        ("CT9008", "ACC901", "BUYER", 4, 3, 2, "TERMS"),
        ("CT9009", "ACC902", "EXECUTIVE", 5, 1, 1, "TERMS|PROMO"),
        ("CT9010", "ACC902", "CATEGORY_MGR", 4, 2, 6, "PROMO"),
        ("CT9011", "ACC902", "STORE_OPS", 2, 1, 2, "PROMO"),
        ("CT9012", "ACC902", "BUYER", 4, 3, 5, "PROMO|LISTING"),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "contact_id",
            "account_id",
            "function",
            "influence",
            "relationship_score",
            "meetings_12m",
            "decision_roles",
        ],
    )
    df["last_meeting_week"] = 100 - df["meetings_12m"]
    order = [7, 2, 10, 4, 0, 11, 8, 5, 1, 9, 3, 6]  # not sorted by id
    return df.iloc[order].reset_index(drop=True)


def _t5_visible(world: Any) -> list[Case]:
    c = world.customer_contacts
    return [
        Case.visible(c, "ACC011", "LISTING", label="ACC011, LISTING"),
        Case.visible(c, "ACC009", "TERMS", label="ACC009, TERMS"),
    ]


def _t5_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    c = w.customer_contacts
    acc = w.accounts
    ka = sorted(acc.loc[acc["account_type"].astype(str) == "KA", "account_id"].astype(str))
    pairs = [(a, r) for a in ka for r in ROLES]
    n = {p: len(ref_coverage_gaps(c, *p)) for p in pairs}
    order = [pairs[i] for i in ctx.rng.permutation(len(pairs))]
    order.sort(key=lambda p: -min(n[p], 2))  # pairs with ≥ 2 gaps first (stable: rng order)
    chosen = order[:3]
    # missing decision roles: blank some of an account's contacts (one of them a gap, if any)
    a_na, r_na = order[3] if len(order) > 3 else order[0]
    blanked = c.copy()
    mine = np.flatnonzero(blanked["account_id"].astype(str).to_numpy() == a_na)
    pick = ctx.rng.choice(mine, size=max(1, len(mine) // 3), replace=False) if len(mine) else []
    col = blanked["decision_roles"].astype(object).copy()
    col.iloc[list(pick)] = None
    blanked["decision_roles"] = col
    edge = _contacts_edge()
    return [
        *(Case.fresh_world(c, a, r, what="an account and a decision role") for a, r in chosen),
        Case.edge(blanked, a_na, r_na, what="contacts without decision roles"),
        Case.edge(edge, "ACC901", "TERMS", what="ties on the gap, rows not sorted"),
        Case.edge(edge, "ACC902", "PROMO", what="fewer than three gaps"),
    ]


ASSESSMENT = Assessment(
    id="M2",
    notebook="M2_assessment",
    title="Customer planning and joint business planning",
    items=(
        Item(
            "M2-T1",
            Kind.FUNCTION,
            target="segment_accounts",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_segment,
            compare=compare_tiers,
            scoring=cmp.proportional(step=1.0),
            title="Portfolio tiers from weighted attractiveness and position",
        ),
        Item(
            "M2-T2",
            Kind.NUMERIC,
            target="answer_m2_t2",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=lambda ctx: [Case.fresh_world(ctx.world)],
            reference=ref_t2,
            compare=cmp.number(rtol=0.005),
            scoring=cmp.all_or_nothing(),
            title="Market-anchored NR target of the top convenience account",
        ),
        Item(
            "M2-T3",
            Kind.FUNCTION,
            target="distribution_gain_value",
            visible=_t3_visible,
            hidden=_t3_hidden,
            reference=ref_distribution_gain,
            compare=cmp.number(rtol=1e-6, atol=0.01),
            scoring=cmp.proportional(step=0.5),
            title="Distribution gain of a JBP (ΔTDP × sales per point)",
        ),
        Item(
            "M2-T4",
            Kind.OPTIMIZATION,
            target="plan_quarter",
            visible=_t4_visible,
            hidden=_t4_hidden,
            compare=plan.compare_plan,
            scoring=cmp.proportional(step=0.5),
            timeout=20.0,
            title="Rolling 13-week plan: target, budget and capacity",
        ),
        Item(
            "M2-T5",
            Kind.CLASSIFICATION,
            target="coverage_gaps",
            visible=_t5_visible,
            hidden=_t5_hidden,
            reference=ref_coverage_gaps,
            compare=cmp.same_set(),
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            title="Top-3 stakeholder coverage gaps on a decision role",
        ),
    ),
)
