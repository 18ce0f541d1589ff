"""M6 — Sales quality and channel health (SPEC §4 M6, items of §5.4).

=======  ==================  ================================================================
item     kind                the trainee defines
=======  ==================  ================================================================
M6-T1    FUNCTION (4)        ``weeks_of_cover(closing, sell_out)`` → list of WOC per week and
                             ``stock_age_buckets(receipts, sell_out, opening_cases=0.0)`` →
                             DataFrame of the five FIFO age buckets per week (SPEC §2.9); the
                             grader calls both through the locked helper :data:`T1_TARGET`
M6-T2    FUNCTION (3)        ``evenness_metrics(sell_in, calendar)`` → DataFrame ``period_key,
                             lws, gstar, cv`` per fiscal period with sales (SPEC §2.11)
M6-T3    CLASSIFICATION (5)  ``flag_sales_quality(world)`` → list of ``(scenario, account_id,
                             period_key)``; F1 against ``truth_scenario_labels`` per scenario
                             (STUFFING, MONTH_END_PUSH; accounts and distributors), on the
                             trainee's world with its account ids permuted
M6-T4    CLASSIFICATION (5)  ``answer_m6_t4(world)`` → ``{"distributor", "target_regions",
                             "diverted_share"}`` of the cross-region diversion (share ± 0.10;
                             ½ when only the share is off); fresh and renamed world
=======  ==================  ================================================================

Hidden worlds are default-preset worlds whose diversion is drawn from the seed
(:mod:`kamlab.assess.specs._m6_world`). References: :func:`kamlab.metrics.weeks_of_cover`,
:func:`kamlab.metrics.fifo_age_buckets`, :func:`kamlab.metrics.evenness_frame` and the truth
labels (``truth_scenario_labels``; outside the sandbox only). The curriculum's self-checks
(:mod:`kamlab.learn.exercises.m6`: ACC007, ACC001, ACC004 inventory, KAM06 evenness, R3 mix,
ACC018 growth gap) use other entities than the visible cases here (ACC010, ACC009, ACC016).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.plain import is_number
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind
from kamlab.assess.specs._m6_world import make_world

__all__ = [
    "AGE_BUCKETS",
    "ASSESSMENT",
    "SCENARIOS",
    "SHARE_TOLERANCE",
    "T1_TARGET",
    "T4_PERIODS",
]

AGE_BUCKETS = ("age_00_04", "age_05_08", "age_09_13", "age_14_26", "age_27_plus")
#: the locked helper through which the grader calls the two M6-T1 functions
T1_TARGET = "m6_t1_inventory"
#: the two scenarios M6-T3 asks for (labels on accounts and distributors)
SCENARIOS = ("STUFFING", "MONTH_END_PUSH")
#: M6-T4: the fiscal periods whose absorption gap estimates the diverted share
T4_PERIODS = tuple(f"FY2024-P{p:02d}" for p in range(7, 13))
SHARE_TOLERANCE = 0.10

_VISIBLE_T1 = "ACC010"
_VISIBLE_T2 = ("ACC009", "ACC016")


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float).tolist()]


# ------------------------------------------------------------------------------------------
# M6-T1 weeks of cover and FIFO stock age
def ref_inventory(function: str, *args: Any) -> Any:
    """The reference of both M6-T1 functions (called like the locked helper)."""
    from kamlab import metrics as km

    if function == "weeks_of_cover":
        closing, sell_out = args
        return _floats(km.weeks_of_cover(_floats(closing), _floats(sell_out)))
    receipts, sell_out, *rest = args
    opening = float(rest[0]) if rest else 0.0
    profile = [opening] if opening > 0 else None
    out = km.fifo_age_buckets(_floats(receipts), _floats(sell_out), opening_age_profile=profile)
    return out.reset_index(drop=True)


def _numbers(x: Any) -> list[Any] | None:
    """A list of numbers from a list / tuple / array / Series answer (None if not one)."""
    if isinstance(x, pd.Series):
        x = list(x.values)
    if isinstance(x, pd.DataFrame) or not isinstance(x, list):
        return None
    return x


def _close(a: Any, e: float, rtol: float = 1e-6, atol: float = 1e-6) -> bool:
    if not is_number(a):
        return False
    a = float(a)
    if math.isinf(e):
        return a == e
    return math.isfinite(a) and abs(a - e) <= atol + rtol * abs(e)


def compare_woc(answer: Any, expected: Any) -> cmp.Check:
    """One WOC per week (∞ where the 4-week mean sell-out is 0 and there is stock)."""
    got = _numbers(answer)
    if got is None:
        return cmp.Check(0.0, "wrong_type", "expected a list of numbers, one per week")
    if len(got) != len(expected):
        return cmp.Check(0.0, "wrong_shape", f"expected {len(expected)} weeks, got {len(got)}")
    for t, (a, e) in enumerate(zip(got, expected, strict=True)):
        if not _close(a, float(e)):
            return cmp.Check(0.0, "wrong_value", f"week {t}: expected {e!r}, got {a!r}")
    return cmp.Check(1.0)


def compare_ages(answer: Any, expected: Any) -> cmp.Check:
    """A DataFrame with the five age-bucket columns, one row per week (cases, ± 1e-6)."""
    if not isinstance(answer, pd.DataFrame):
        return cmp.Check(0.0, "wrong_type", "expected a DataFrame with the age-bucket columns")
    missing = [c for c in AGE_BUCKETS if c not in list(answer.columns)]
    if missing:
        return cmp.Check(0.0, "wrong_keys", f"missing columns {missing}")
    if len(answer) != len(expected):
        return cmp.Check(0.0, "wrong_shape", f"expected {len(expected)} rows, got {len(answer)}")
    for col in AGE_BUCKETS:
        for t, (a, e) in enumerate(zip(answer[col], expected[col], strict=True)):
            if not _close(a, float(e)):
                return cmp.Check(0.0, "wrong_value", f"week {t}, {col}: expected {e!r}, got {a!r}")
    return cmp.Check(1.0)


def compare_inventory(answer: Any, expected: Any) -> cmp.Check:
    """WOC cases expect a list, age cases a table (the case decides which)."""
    if isinstance(expected, pd.DataFrame):
        return compare_ages(answer, expected)
    return compare_woc(answer, expected)


def _pair(world: Any, account: str, sku: str) -> dict[str, Any]:
    """Weekly closing, sell-out and receipts (cases) of one account × SKU, and week 0's opening."""
    inv = world.customer_inventory
    g = inv.loc[
        (inv["account_id"].astype(str) == account) & (inv["sku_id"].astype(str) == sku)
    ].sort_values("week_id")
    return {
        "closing": _floats(g["closing_cases"]),
        "sell_out": _floats(g["sell_out_cases"]),
        "receipts": _floats(g["receipts_cases"]),
        "opening": float(g["opening_cases"].iloc[0]),
    }


def _skus_by_sales(world: Any, account: str) -> list[str]:
    """The account's SKUs with opening stock and sales in each of weeks 0–3, best-selling first
    (so every hidden pair exercises the short window at the start and the opening stock)."""
    inv = world.customer_inventory
    g = inv.loc[inv["account_id"].astype(str) == account]
    sku = g["sku_id"].astype(str)
    tot = g.groupby(sku)["sell_out_cases"].sum()
    early = g.loc[g["week_id"].astype(int) < 4]
    sold_early = early.groupby(early["sku_id"].astype(str))["sell_out_cases"].min()
    first = g.loc[g["week_id"].astype(int) == 0]
    opening = first.groupby(first["sku_id"].astype(str))["opening_cases"].sum()
    ok = [
        s
        for s in tot.index
        if tot[s] > 0 and sold_early.get(s, 0.0) > 0 and opening.get(s, 0.0) > 0
    ]
    return sorted(ok, key=lambda s: (-float(tot[s]), s))


def _t1_visible(world: Any) -> list[Case]:
    sku = _skus_by_sales(world, _VISIBLE_T1)[0]
    p = _pair(world, _VISIBLE_T1, sku)
    label = f"{_VISIBLE_T1} × {sku}, weeks 0–{len(p['closing']) - 1}"
    return [
        Case.visible("weeks_of_cover", p["closing"], p["sell_out"], label=f"WOC of {label}"),
        Case.visible(
            "stock_age_buckets",
            p["receipts"],
            p["sell_out"],
            p["opening"],
            label=f"FIFO age buckets of {label}",
        ),
    ]


def _pick_pair(ctx: CaseContext, account_type: str) -> dict[str, Any]:
    w = ctx.world
    acc = w.accounts
    pool = sorted(
        acc.loc[acc["account_type"].astype(str) == account_type, "account_id"].astype(str)
    )
    a = pool[int(ctx.rng.integers(len(pool)))]
    skus = _skus_by_sales(w, a)
    s = skus[int(ctx.rng.integers(len(skus)))]
    return _pair(w, a, s)


def _woc_zero_sales(rng: np.random.Generator) -> tuple[list[float], list[float]]:
    """20 weeks: no sell-out in weeks 6–9 with stock (∞ in week 9) and in 14–19, stock gone
    from week 17 (WOC 0), and an empty shelf in week 3 while sales go on (WOC 0)."""
    so = rng.integers(20, 61, size=20).astype(float)
    so[6:10] = 0.0
    so[14:20] = 0.0
    closing = np.round(rng.uniform(40, 160, size=20), 1)
    closing[3] = 0.0
    closing[17:20] = 0.0
    return _floats(closing), _floats(so)


def _ages_idle(rng: np.random.Generator) -> tuple[list[float], list[float], float]:
    """40 weeks: two receipts, then 30 weeks without a sale (the stock reaches 27+ weeks)."""
    n = 40
    rec = np.zeros(n)
    rec[0], rec[2] = float(rng.integers(50, 120)), float(rng.integers(20, 60))
    so = np.zeros(n)
    so[0] = float(rng.integers(5, 15))
    so[33:] = float(rng.integers(3, 8))
    return _floats(rec), _floats(so), 0.0


def _ages_boundaries(rng: np.random.Generator) -> tuple[list[float], list[float], float]:
    """32 weeks: cohorts received in weeks 0, 4, 8, 13 and 26 and a slow, steady sell-out, so
    every cohort crosses the bucket boundaries 4/5, 8/9, 13/14 and 26/27 weeks."""
    n = 32
    rec = np.zeros(n)
    for t in (0, 4, 8, 13, 26):
        rec[t] = float(rng.integers(70, 120))
    so = np.full(n, float(rng.integers(1, 3)))  # ≤ 64 cases: week 0's cohort is never sold out
    return _floats(rec), _floats(so), float(rng.integers(5, 12))


def _ages_same_week(rng: np.random.Generator) -> tuple[list[float], list[float], float]:
    """12 weeks of fractional cases: stock received and sold out in the same week, cohorts
    partly sold, and an opening stock the first week's sales run past."""
    opening = float(np.round(rng.uniform(3, 6), 2))
    rec = [12.5, 0.0, 7.25, 9.75, 0.0, 4.5, 0.0, 0.0, 15.25, 0.0, 3.0, 0.0]
    so = [opening + 12.5, 0.0, 3.5, 6.25, 4.0, 1.75, 2.5, 0.5, 6.0, 3.125, 4.0, 2.0]
    return _floats(rec), _floats(so), opening


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    ka = _pick_pair(ctx, "KA")
    dist = _pick_pair(ctx, "DISTRIBUTOR")
    closing0, so0 = _woc_zero_sales(ctx.rng)
    short_closing = _floats(np.round(ctx.rng.uniform(50, 150, size=3), 1))
    short_so = _floats(ctx.rng.integers(10, 60, size=3))
    ages = _pick_pair(ctx, "KA")
    idle = _ages_idle(ctx.rng)
    bounds = _ages_boundaries(ctx.rng)
    same = _ages_same_week(ctx.rng)
    woc, fifo = "weeks_of_cover", "stock_age_buckets"
    return [
        Case.fresh_world(woc, ka["closing"], ka["sell_out"], what="WOC of a key account's SKU"),
        Case.fresh_world(woc, dist["closing"], dist["sell_out"], what="WOC of a distributor's SKU"),
        Case.edge(woc, closing0, so0, what="WOC: weeks without sell-out, with and without stock"),
        Case.edge(woc, short_closing, short_so, what="WOC: fewer weeks than the 4-week window"),
        Case.fresh_world(
            fifo,
            ages["receipts"],
            ages["sell_out"],
            ages["opening"],
            what="age buckets, opening stock",
        ),
        Case.edge(fifo, *idle, what="ages: stock that sells nothing for 30 weeks"),
        Case.edge(fifo, *bounds, what="ages: cohorts crossing every bucket boundary"),
        Case.edge(fifo, *same, what="ages: stock received and sold in the same week"),
    ]


# ------------------------------------------------------------------------------------------
# M6-T2 evenness
def ref_evenness(sell_in: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """LWS, G* and CV per fiscal period of the summed weekly sell-in (weeks without rows = 0)."""
    from kamlab import metrics as km

    cal = calendar.sort_values("week_id")
    weekly = sell_in.groupby(sell_in["week_id"].astype(int))["cases_shipped"].sum()
    df = pd.DataFrame(
        {
            "period_key": cal["period_key"].astype(str).to_numpy(),
            "week_id": cal["week_id"].astype(int).to_numpy(),
        }
    )
    df["cases_shipped"] = df["week_id"].map(weekly).fillna(0.0).astype(float)
    ev = km.evenness_frame(df, "period_key", empty="drop")
    out = ev.rename(columns={"gini_norm": "gstar"})[["period_key", "lws", "gstar", "cv"]]
    return out.sort_values("period_key").reset_index(drop=True)


_evenness_frame = cmp.frame(key=["period_key"], columns=["lws", "gstar", "cv"], atol=0.001)


def compare_evenness(answer: Any, expected: Any) -> cmp.Check:
    """One row per period with sales (periods without any are left out), ± 0.001."""
    if isinstance(answer, pd.DataFrame) and "period_key" not in answer.columns:
        answer = answer.reset_index().rename(columns={"index": "period_key"})  # periods as index
    return _evenness_frame(answer, expected)


def _rows_of(world: Any, accounts: list[str]) -> pd.DataFrame:
    si = world.sell_in
    return si.loc[si["account_id"].astype(str).isin(accounts)].reset_index(drop=True)


def _t2_visible(world: Any) -> list[Case]:
    return [
        Case.visible(_rows_of(world, [a]), world.calendar, label=f"sell-in of {a}")
        for a in _VISIBLE_T2
    ]


def _t2_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    acc = w.accounts
    ka = sorted(acc.loc[acc["account_type"].astype(str) == "KA", "account_id"].astype(str))
    one = ka[int(ctx.rng.integers(len(ka)))]
    ka_rows = acc.loc[acc["account_type"].astype(str) == "KA"]
    n_owned = ka_rows.groupby(ka_rows["kam_id"].astype(str)).size()
    multi = sorted(str(k) for k, n in n_owned.items() if n >= 2)
    if multi:
        kam = multi[int(ctx.rng.integers(len(multi)))]
        group = sorted(acc.loc[acc["kam_id"].astype(str) == kam, "account_id"].astype(str))
    else:
        group = sorted(ctx.rng.choice(ka, size=2, replace=False).tolist())
    gappy_acc = ka[int(ctx.rng.integers(len(ka)))]
    rows = _rows_of(w, [gappy_acc])
    cal = w.calendar
    periods = sorted(cal["period_key"].astype(str).unique())
    gone = periods[int(ctx.rng.integers(1, len(periods)))]
    gone_weeks = set(cal.loc[cal["period_key"].astype(str) == gone, "week_id"].astype(int))
    drop_weeks = set(ctx.rng.choice(sorted(set(rows["week_id"].astype(int))), size=6).tolist())
    gappy = rows.loc[~rows["week_id"].astype(int).isin(gone_weeks | drop_weeks)]
    return [
        Case.fresh_world(_rows_of(w, [one]), w.calendar, what="one key account"),
        Case.fresh_world(_rows_of(w, group), w.calendar, what="all accounts of one KA manager"),
        Case.edge(
            gappy.reset_index(drop=True),
            w.calendar,
            what="weeks without shipments and a period without any",
        ),
    ]


# ------------------------------------------------------------------------------------------
# M6-T3 stuffing and month-end push flags
def truth_flags(world: Any, scenario: str) -> list[list[str]]:
    """The labelled (account_id, period_key) pairs of ``scenario`` (accounts and distributors)."""
    lab = world.truth["truth_scenario_labels"]
    lab = lab.loc[
        (lab["scenario"].astype(str) == scenario)
        & lab["entity_type"].astype(str).isin(["ACCOUNT", "DISTRIBUTOR"])
        & lab["period_key"].notna()
    ]
    pairs = {(str(e), str(p)) for e, p in zip(lab["entity_id"], lab["period_key"], strict=True)}
    return [list(p) for p in sorted(pairs)]


def _triples(answer: Any) -> set[tuple[str, str, str]] | None:
    if isinstance(answer, pd.DataFrame):
        cols = ["scenario", "account_id", "period_key"]
        if not set(cols) <= set(answer.columns):
            return None
        rows = answer[cols].itertuples(index=False, name=None)
    elif isinstance(answer, (list, frozenset)):
        rows = answer
    else:
        return None
    out = set()
    for r in rows:
        if not isinstance(r, (list, tuple)) or len(r) != 3 or not all(type(x) is str for x in r):
            return None
        out.add((r[0].strip().upper(), r[1].strip(), r[2].strip()))
    return out


_f1 = cmp.f1(full=0.8, half=0.6)


def compare_flags(answer: Any, expected: Any) -> cmp.Check:
    """F1 of the answer's (account, period) pairs of one scenario against its truth labels."""
    got = _triples(answer)
    if got is None:
        return cmp.Check(
            0.0, "wrong_type", "expected a list of (scenario, account_id, period_key) triples"
        )
    scenario = expected["scenario"]
    mine = [(a, p) for s, a, p in got if s == scenario]
    return _f1(mine, [tuple(x) for x in expected["labels"]])


def _flag_cases(world: Any, case: Any, **kw: Any) -> list[Case]:
    return [
        case(
            world,
            expected={"scenario": s, "labels": truth_flags(world, s)},
            **{k: f"{v} ({s})" for k, v in kw.items()},
        )
        for s in SCENARIOS
    ]


def _t3_visible(world: Any) -> list[Case]:
    return _flag_cases(world, Case.visible, label="the shipped world")


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    """The trainee's world with its account ids permuted: the pushed accounts are often the
    same positions of the preset (the one manager with two key accounts), so the ids must not
    give them away. The truth labels are the base world's, renamed."""
    w = ctx.world
    renamed = ctx.relabel(w, "account_id")
    mapping = renamed.meta["relabelled"]["mapping"]

    def expected(s: str) -> dict[str, Any]:
        labels = [[mapping.get(a, a), p] for a, p in truth_flags(w, s)]
        return {"scenario": s, "labels": sorted(labels)}

    return [
        Case.fresh_world(renamed, what=f"{s} labels", expected=lambda s=s: expected(s))
        for s in SCENARIOS
    ]


def ref_flags(world: Any) -> list[list[str]]:
    """All labelled triples (for display only; cases carry their expected answers)."""
    return [[s, a, p] for s in SCENARIOS for a, p in truth_flags(world, s)]


# ------------------------------------------------------------------------------------------
# M6-T4 diversion
def ref_diversion(world: Any) -> dict[str, Any]:
    """The DIVERSION label: its distributor, target regions and diverted fraction."""
    lab = world.truth["truth_scenario_labels"]
    lab = lab.loc[lab["scenario"].astype(str) == "DIVERSION"]
    if lab.empty:
        raise ValueError("the world has no DIVERSION label")
    return {
        "distributor": str(lab["entity_id"].iloc[0]),
        "target_regions": sorted(lab["related_ids"].astype(str).unique()),
        "diverted_share": float(lab["severity"].iloc[0]),
    }


def compare_diversion(answer: Any, expected: Any) -> cmp.Check:
    """Full credit for the distributor, the exact set of target regions and the share ± 0.10;
    half when the distributor and the regions are right but the share is not; else 0 (a
    distributor or a share alone is too easy to guess)."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", "expected a dict")
    need = ("distributor", "target_regions", "diverted_share")
    if any(k not in answer for k in need):
        return cmp.Check(0.0, "wrong_keys", f"the dict needs the keys {list(need)}")
    d = answer["distributor"]
    d_ok = type(d) is str and d.strip().upper() == expected["distributor"].upper()
    regions = answer["target_regions"]
    if type(regions) is str:
        regions = [regions]
    r_ok = (
        isinstance(regions, (list, frozenset))
        and all(type(r) is str for r in regions)
        and {r.strip().upper() for r in regions} == {r.upper() for r in expected["target_regions"]}
    )
    share = answer["diverted_share"]
    s_ok = is_number(share) and _close(
        share, float(expected["diverted_share"]), rtol=0.0, atol=SHARE_TOLERANCE + 1e-9
    )
    detail = (
        f"distributor {'ok' if d_ok else 'wrong'}, target regions {'ok' if r_ok else 'wrong'}, "
        f"diverted share {'ok' if s_ok else 'wrong'} (expected {expected})"
    )
    if d_ok and r_ok and s_ok:
        return cmp.Check(1.0, "ok", detail)
    if d_ok and r_ok:
        return cmp.Check(0.5, "partly_right", detail)
    return cmp.Check(0.0, "wrong_value", detail)


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    renamed = ctx.relabel(ctx.world, "account_id")
    mapping = renamed.meta["relabelled"]["mapping"]

    def mapped() -> dict[str, Any]:
        e = ref_diversion(ctx.world)
        return {**e, "distributor": mapping.get(e["distributor"], e["distributor"])}

    return [
        Case.fresh_world(ctx.world),
        Case.fresh_world(renamed, what="accounts renamed", expected=mapped),
    ]


ASSESSMENT = Assessment(
    id="M6",
    notebook="M6_assessment",
    title="Sales quality and channel health",
    world_preset="default",
    make_world=make_world,
    items=(
        Item(
            "M6-T1",
            Kind.FUNCTION,
            target=T1_TARGET,
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_inventory,
            compare=compare_inventory,
            scoring=cmp.proportional(step=0.5),
            title="Weeks of cover and FIFO stock age",
        ),
        Item(
            "M6-T2",
            Kind.FUNCTION,
            target="evenness_metrics",
            visible=_t2_visible,
            hidden=_t2_hidden,
            reference=ref_evenness,
            compare=compare_evenness,
            scoring=cmp.proportional(step=0.5),
            title="Sales evenness per fiscal period",
        ),
        Item(
            "M6-T3",
            Kind.CLASSIFICATION,
            target="flag_sales_quality",
            visible=_t3_visible,
            hidden=_t3_hidden,
            reference=ref_flags,
            compare=compare_flags,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=30.0,
            title="Flag stuffing and month-end push per account × period",
        ),
        Item(
            "M6-T4",
            Kind.CLASSIFICATION,
            target="answer_m6_t4",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=_t4_hidden,
            reference=ref_diversion,
            compare=compare_diversion,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=30.0,
            title="The diverting distributor, its target regions and the diverted share",
        ),
    ),
)
