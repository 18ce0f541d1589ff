"""M4 — Business reviews, execution and service (SPEC §4 M4, items of §5.4).

=======  ==================  ==============================================================
item     kind                the trainee defines
=======  ==================  ==============================================================
M4-T1    FUNCTION (4)        ``fill_rate_metrics(order_lines, tolerance_days=0)`` → dict
                             :data:`FILL_KEYS` (fractions; all None for no order lines)
M4-T2    FUNCTION (3)        ``distribution_metrics(audit_visits, audit_sku, stores)`` →
                             ``{sku_id: {"nd": …, "wd": …}}``
M4-T3    FUNCTION (4)        ``pvm_bridge(v0, p0, v1, p1)`` → ``{"volume", "mix", "price"}``
                             (RMB; the three add up to R1 − R0)
M4-T4    NUMERIC (2)         ``answer_m4_t4(world)`` → our value share in FY2024-Q2 at the key
                             account with the largest category POS value in FY2024 (atol 0.001)
M4-T5    CLASSIFICATION (4)  ``rank_actions(world, account_id, quarter, actions)`` → the five
                             action ids by expected NR impact, largest first (Spearman ≥ 0.8)
M4-T6    NUMERIC (2)         ``answer_m4_t6(world)`` → ``{"wmape", "bias"}`` of the lag-2
                             forecasts of the key account with the most ordered cases in FY2024
                             (atol 0.001 each)
=======  ==================  ==============================================================

Reference answers are kamlab's own code: :func:`kamlab.metrics.fill_rates`,
``numeric_distribution``/``weighted_distribution``, :func:`kamlab.metrics.pvm_bridge`,
``value_share``, ``wmape``/``forecast_bias`` and the review facts of
:mod:`kamlab.assess.specs._m4_review` (built from the same metrics). The curriculum's M4
self-checks use FY2023 periods, ACC003/ACC004/ACC007/ACC010 and a KAM; the practice cases here
use other accounts and FY2024, and the hidden cases draw accounts and quarters from the
trainee's own world.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind
from kamlab.assess.specs import _m4_review as rv

__all__ = ["ASSESSMENT", "FILL_KEYS", "PVM_KEYS"]

FILL_KEYS = ("case_fill", "line_fill", "order_fill", "on_time", "otif")
PVM_KEYS = ("volume", "mix", "price")
RATIO_TOL = 0.001


def _quarter_of_week(world: Any) -> pd.Series:
    cal = world.calendar
    key = (
        "FY"
        + cal["fiscal_year"].astype(int).astype(str)
        + "-Q"
        + cal["fiscal_quarter"].astype(int).astype(str)
    )
    return pd.Series(key.to_numpy(), index=cal["week_id"].astype(int).to_numpy())


def _ka(world: Any) -> list[str]:
    acc = world.accounts
    return sorted(acc.loc[acc["account_type"].astype(str) == "KA", "account_id"].astype(str))


def _num_or_none(a: Any, e: Any, atol: float) -> bool:
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return a is None or (type(a) is float and math.isnan(a))
    return type(a) in (int, float) and math.isfinite(a) and abs(float(a) - float(e)) <= atol


# ------------------------------------------------------------------------------------------
# M4-T1 fill rates and OTIF
def ref_fill_rates(order_lines: pd.DataFrame, tolerance_days: float = 0) -> dict[str, Any]:
    """:func:`kamlab.metrics.fill_rates` as a dict; no order lines → every rate None."""
    from kamlab import metrics as km

    if len(order_lines) == 0:
        return {k: None for k in FILL_KEYS}
    fr = km.fill_rates(order_lines, tolerance_days)
    return {k: float(getattr(fr, k)) for k in FILL_KEYS}


def compare_fill(answer: Any, expected: Any) -> cmp.Check:
    """The five rates, each within ±0.001 (None, or NaN, where the expected is None)."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", f"expected a dict, got {type(answer).__name__}")
    if set(answer) != set(FILL_KEYS):
        return cmp.Check(0.0, "wrong_keys", f"expected exactly the keys {list(FILL_KEYS)}")
    wrong = [k for k in FILL_KEYS if not _num_or_none(answer[k], expected[k], RATIO_TOL)]
    if wrong:
        return cmp.Check(
            0.0,
            "wrong_value",
            "; ".join(f"{k}: expected {expected[k]!r}, got {answer[k]!r}" for k in wrong),
        )
    return cmp.Check(1.0)


SPEC_LINES = pd.DataFrame(
    {
        "order_id": ["O1", "O1", "O2", "O2", "O3", "O4", "O4"],
        "sku_id": ["A", "B", "A", "C", "B", "A", "C"],
        "cases_ordered": [100, 50, 200, 80, 120, 60, 40],
        "cases_shipped": [100, 50, 200, 60, 120, 30, 40],
        "days_late": [0, 0, 2, 2, 0, 0, 0],
    }
)


def _lines_by_quarter(world: Any) -> pd.DataFrame:
    ol = world.order_lines
    q = _quarter_of_week(world)
    return ol.assign(_q=q.reindex(ol["week_id"].astype(int).to_numpy()).to_numpy())


def _t1_visible(world: Any) -> list[Case]:
    ol = _lines_by_quarter(world)
    shipped = ol[(ol["account_id"].astype(str) == "ACC002") & (ol["_q"] == "FY2024-Q2")]
    return [
        Case.visible(
            SPEC_LINES,
            kwargs={"tolerance_days": 2},
            label="the SPEC §2.7 example, 2 days' tolerance",
        ),
        Case.visible(shipped.drop(columns="_q").reset_index(drop=True), label="ACC002, FY2024-Q2"),
    ]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    ol = _lines_by_quarter(w)
    ka = set(_ka(w))
    ol = ol[ol["account_id"].astype(str).isin(ka)]
    pairs = sorted(set(zip(ol["account_id"].astype(str), ol["_q"], strict=True)))
    a1, q1 = pairs[int(ctx.rng.integers(len(pairs)))]
    tol = int(ctx.rng.integers(1, 3))
    # a quarter where the tolerance matters: some line is late by 1..tol days
    late = ol[(ol["days_late"] > 0) & (ol["days_late"] <= tol)]
    late_pairs = sorted(set(zip(late["account_id"].astype(str), late["_q"], strict=True)))
    a2, q2 = (late_pairs or pairs)[int(ctx.rng.integers(len(late_pairs or pairs)))]

    def sel(a: str, q: str) -> pd.DataFrame:
        d = ol[(ol["account_id"].astype(str) == a) & (ol["_q"] == q)]
        return d.drop(columns="_q").reset_index(drop=True)

    first, second = sel(a1, q1), sel(a2, q2)
    # shuffled rows (an order's lines apart) and lines late by exactly the tolerance
    shuffled = first.sample(frac=1.0, random_state=int(ctx.rng.integers(2**31))).reset_index(
        drop=True
    )
    edge_tol = 2
    hit = ctx.rng.choice(len(shuffled), size=min(3, len(shuffled)), replace=False)
    shuffled.loc[hit, "days_late"] = edge_tol
    shuffled["on_time"] = shuffled["days_late"] <= 0
    return [
        Case.fresh_world(first, what="one account's order lines over a quarter"),
        Case.edge(
            second,
            kwargs={"tolerance_days": tol},
            what="a delivery tolerance of one or more days",
        ),
        Case.edge(first.iloc[:0], what="no order lines at all"),
        Case.edge(
            shuffled,
            kwargs={"tolerance_days": edge_tol},
            what="an order's lines apart, and lines late by exactly the tolerance",
        ),
    ]


# ------------------------------------------------------------------------------------------
# M4-T2 numeric and weighted distribution
def ref_distribution(
    audit_visits: pd.DataFrame, audit_sku: pd.DataFrame, stores: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """ND and WD per audited SKU (kamlab's ``numeric_distribution`` / ``weighted_distribution``)."""
    return rv.distribution_by_sku(audit_visits, audit_sku, stores)


def compare_distribution(answer: Any, expected: Any) -> cmp.Check:
    """Every audited SKU with ``nd`` and ``wd`` within ±0.001; half credit if one measure is right."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", f"expected a dict, got {type(answer).__name__}")
    if set(answer) != set(expected):
        return cmp.Check(0.0, "wrong_keys", f"expected one entry per SKU: {sorted(expected)}")
    right = {"nd": True, "wd": True}
    for sku, e in expected.items():
        a = answer[sku]
        if not isinstance(a, dict) or not {"nd", "wd"} <= set(a):
            return cmp.Check(0.0, "wrong_keys", f"{sku}: expected a dict with 'nd' and 'wd'")
        for k in right:
            right[k] &= _num_or_none(a[k], e[k], RATIO_TOL)
    if all(right.values()):
        return cmp.Check(1.0)
    wrong = [k for k, ok in right.items() if not ok]
    credit = 0.5 if any(right.values()) else 0.0
    return cmp.Check(credit, "partly_right" if credit else "wrong_value", f"wrong: {wrong}")


def _visits_by_period(world: Any) -> pd.DataFrame:
    av = world.audit_visits
    cal = world.calendar
    p = pd.Series(cal["period_key"].astype(str).to_numpy(), index=cal["week_id"].astype(int))
    q = _quarter_of_week(world)
    wk = av["week_id"].astype(int).to_numpy()
    return av.assign(_p=p.reindex(wk).to_numpy(), _q=q.reindex(wk).to_numpy())


def _spec_audit() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SPEC §2.6 example: ACV [20, 10, 40, 5, 25], the SKU in stores 1, 2, 5 → ND 0.6, WD 0.55."""
    stores = pd.DataFrame(
        {"store_id": [f"S{i}" for i in range(1, 6)], "acv_rmb_k": [20.0, 10.0, 40.0, 5.0, 25.0]}
    )
    visits = pd.DataFrame(
        {"visit_id": [f"V{i}" for i in range(1, 6)], "store_id": stores["store_id"]}
    )
    found = [True, True, False, False, True]
    sku = pd.DataFrame(
        {
            "visit_id": visits["visit_id"],
            "sku_id": "SKU001",
            "listed": True,
            "on_shelf": found,
        }
    )
    return visits, sku, stores


def _t2_visible(world: Any) -> list[Case]:
    av = _visits_by_period(world)
    sel = av[(av["account_id"].astype(str) == "ACC005") & (av["_p"] == "FY2024-P05")]
    sel = sel.drop(columns=["_p", "_q"]).reset_index(drop=True)
    return [
        Case.visible(*_spec_audit(), label="the SPEC §2.6 example (5 stores)"),
        Case.visible(sel, world.audit_sku, world.stores, label="ACC005, FY2024-P05"),
    ]


def _t2_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    av = _visits_by_period(w)
    av = av[av["account_id"].astype(str).isin(set(_ka(w)))]
    periods = sorted(set(zip(av["account_id"].astype(str), av["_p"], strict=True)))
    a1, p1 = periods[int(ctx.rng.integers(len(periods)))]
    quarters = sorted(
        {(a, q) for a, q in zip(av["account_id"].astype(str), av["_q"], strict=True) if a != a1}
    ) or sorted(set(zip(av["account_id"].astype(str), av["_q"], strict=True)))
    a2, q2 = quarters[int(ctx.rng.integers(len(quarters)))]
    cols = [c for c in av.columns if c not in ("_p", "_q")]
    v1 = av[(av["account_id"].astype(str) == a1) & (av["_p"] == p1)][cols].reset_index(drop=True)
    v2 = av[(av["account_id"].astype(str) == a2) & (av["_q"] == q2)][cols].reset_index(drop=True)
    edge_v, edge_s = _hand_made_audit(v1, w.audit_sku, ctx.rng)
    return [
        Case.fresh_world(v1, w.audit_sku, w.stores, what="one account's audits in one period"),
        Case.edge(
            v2,
            w.audit_sku,
            w.stores,
            what="several visits to the same store (a quarter's audits)",
        ),
        Case.edge(
            edge_v,
            edge_s,
            w.stores,
            what="SKUs listed but off shelf, a store visited twice, rows of other visits",
        ),
    ]


def _hand_made_audit(
    visits: pd.DataFrame, audit_sku: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five of the visits, one store visited twice, hand-set shelf findings, stray rows."""
    k = min(5, len(visits))
    pick = visits.iloc[np.sort(rng.choice(len(visits), size=k, replace=False))].reset_index(
        drop=True
    )
    again = pick.iloc[[min(1, k - 1)]].copy()
    again["visit_id"] = "V9900001"
    again["week_id"] = again["week_id"] + 1
    v = pd.concat([pick, again], ignore_index=True)
    skus = sorted(audit_sku["sku_id"].astype(str).unique())[:3]
    rows = []
    for i, vid in enumerate(v["visit_id"].astype(str)):
        for j, s in enumerate(skus):
            if j == 2 and i == 3:
                continue  # no row at all: not handled
            listed = not (j == 1 and i == 2)  # SKU 2 not listed in one store
            on_shelf = bool(rng.random() < 0.75)
            if j == 0:
                on_shelf = i in (0, 4, 5)  # SKU 1 found in stores 1 and 5 and on the revisit
            rows.append(
                {"visit_id": vid, "sku_id": s, "listed": listed, "on_shelf": on_shelf and listed}
            )
    # a visit of another round (not in audit_visits): its rows must be ignored
    other = sorted(set(audit_sku["visit_id"].astype(str)) - set(v["visit_id"].astype(str)))[0]
    rows += [{"visit_id": other, "sku_id": s, "listed": True, "on_shelf": True} for s in skus]
    sku = pd.DataFrame(rows)
    sku["facings"] = np.where(sku["on_shelf"], 3, 0).astype("int16")
    return v, sku


# ------------------------------------------------------------------------------------------
# M4-T3 price-volume-mix bridge
def ref_pvm(v0: dict, p0: dict, v1: dict, p1: dict) -> dict[str, float]:
    """:func:`kamlab.metrics.pvm_bridge` on mappings, with R1 − R0 as ``total``."""
    from kamlab import metrics as km

    b = km.pvm_bridge(v0, p0, v1, p1)
    return {"volume": b.volume, "mix": b.mix, "price": b.price, "total": b.total}


def compare_pvm(answer: Any, expected: Any) -> cmp.Check:
    """Volume, mix, price each within ±1 RMB or 1e-6, and adding up to R1 − R0 (±1 RMB)."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", f"expected a dict, got {type(answer).__name__}")
    missing = [k for k in PVM_KEYS if k not in answer]
    if missing:
        return cmp.Check(0.0, "wrong_keys", f"missing keys {missing}")
    if not all(type(answer[k]) in (int, float) and math.isfinite(answer[k]) for k in PVM_KEYS):
        return cmp.Check(0.0, "wrong_type", "volume, mix and price must be numbers")
    tol = 1.0 + 1e-6 * sum(abs(float(expected[k])) for k in PVM_KEYS)
    wrong = [k for k in PVM_KEYS if abs(float(answer[k]) - float(expected[k])) > tol]
    if wrong:
        return cmp.Check(
            0.0,
            "wrong_value",
            "; ".join(f"{k}: expected {expected[k]:,.2f}, got {answer[k]!r}" for k in wrong),
        )
    if abs(sum(float(answer[k]) for k in PVM_KEYS) - float(expected["total"])) > tol:
        return cmp.Check(0.0, "wrong_value", "volume + mix + price must equal R1 − R0")
    return cmp.Check(1.0)


SPEC_PVM = (
    {"A": 100.0, "B": 100.0},
    {"A": 50.0, "B": 30.0},
    {"A": 90.0, "B": 150.0},
    {"A": 52.0, "B": 30.0},
)


def pvm_inputs(world: Any, account_id: str, q0: str, q1: str, level: str = "sku_id") -> list[dict]:
    """``[v0, p0, v1, p1]``: cases and invoice price per case (invoice sales ÷ cases) by item."""
    si = world.sell_in
    q = _quarter_of_week(world)
    si = si[si["account_id"].astype(str) == str(account_id)]
    si = si.assign(_q=q.reindex(si["week_id"].astype(int).to_numpy()).to_numpy())
    if level != "sku_id":
        attr = dict(
            zip(
                world.products["sku_id"].astype(str), world.products[level].astype(str), strict=True
            )
        )
        si = si.assign(_item=si["sku_id"].astype(str).map(attr))
    else:
        si = si.assign(_item=si["sku_id"].astype(str))
    out: list[dict] = []
    for quarter in (q0, q1):
        g = si[si["_q"] == quarter].groupby("_item")[["cases_shipped", "invoice_sales"]].sum()
        g = g[g["cases_shipped"] > 0]
        out.append({str(k): float(v) for k, v in g["cases_shipped"].items()})
        out.append(
            {
                str(k): float(np.round(r, 4))
                for k, r in (g["invoice_sales"] / g["cases_shipped"]).items()
            }
        )
    return out


def _t3_visible(world: Any) -> list[Case]:
    return [
        Case.visible(*SPEC_PVM, label="the SPEC §2.12 example"),
        Case.visible(
            *pvm_inputs(world, "ACC006", "FY2023-Q3", "FY2024-Q3", "brand"),
            label="ACC006 by brand, FY2023-Q3 → FY2024-Q3",
        ),
    ]


def _drop(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    ka = _ka(w)
    a = ka[int(ctx.rng.integers(len(ka)))]
    k = int(ctx.rng.integers(1, 5))
    q0, q1 = f"FY2023-Q{k}", f"FY2024-Q{k}"
    v0, p0, v1, p1 = pvm_inputs(w, a, q0, q1)
    both = sorted(set(v0) & set(v1))
    v0, p0 = {i: v0[i] for i in both}, {i: p0[i] for i in both}
    v1, p1 = {i: v1[i] for i in both}, {i: p1[i] for i in both}
    new = both[int(ctx.rng.integers(len(both)))]
    gone = both[int(ctx.rng.integers(len(both)))]
    b = ka[int(ctx.rng.integers(len(ka)))]
    bv0, bp0, bv1, bp1 = pvm_inputs(w, b, q0, q1, "brand")
    order = [list(bv1)[i] for i in ctx.rng.permutation(len(bv1))]
    bv1 = {i: bv1[i] for i in order}
    bp1 = {i: bp1[i] for i in reversed(order)}
    return [
        Case.fresh_world(v0, p0, v1, p1, what="an account's SKUs, same quarter last year"),
        Case.edge(_drop(v0, new), _drop(p0, new), v1, p1, what="an item sold only in year 1"),
        Case.edge(v0, p0, _drop(v1, gone), _drop(p1, gone), what="an item not sold in year 1"),
        Case.edge(bv0, bp0, bv1, bp1, what="brands as items, year-1 items in another order"),
    ]


# ------------------------------------------------------------------------------------------
# M4-T4 value share of the largest retailer in a quarter
def ref_t4(world: Any) -> float:
    """Σ our value ÷ Σ category value, FY2024-Q2, at the KA with the largest FY2024 category value."""
    from kamlab import metrics as km

    maw = world.market_account_week
    q = _quarter_of_week(world).reindex(maw["week_id"].astype(int).to_numpy()).to_numpy()
    fy = np.array([s[:6] for s in q])
    yr = maw[fy == "FY2024"]
    tot = yr.groupby(yr["account_id"].astype(str))["value_incl_vat"].sum()
    tot = tot[tot.index.isin(set(_ka(world)))]
    top = sorted(tot.index, key=lambda a: (-tot[a], a))[0]
    sel = maw[(maw["account_id"].astype(str) == top) & (q == "FY2024-Q2")]
    val = sel["value_incl_vat"].to_numpy(float)
    ours = np.where(sel["brand_owner"].astype(str).to_numpy() == "OURS", val, 0.0)
    return km.value_share(ours, val)


# ------------------------------------------------------------------------------------------
# M4-T5 rank review actions by expected NR impact
def ref_rank(world: Any, account_id: str, quarter: str, actions: list[dict]) -> list[str]:
    return rv.rank_actions(world, account_id, quarter, actions)


def compare_rank(answer: Any, expected: Any) -> cmp.Check:
    """A ranking of exactly the given ids; credit 1 when Spearman's ρ ≥ 0.8."""
    if isinstance(answer, pd.Series):
        answer = answer.tolist()
    if not isinstance(answer, list | tuple) or not all(type(x) is str for x in answer):
        return cmp.Check(0.0, "wrong_type", "expected a list of action ids")
    ans = [x.strip() for x in answer]
    if sorted(ans) != sorted(expected):
        return cmp.Check(0.0, "wrong_shape", f"expected each of {sorted(expected)} exactly once")
    rho = rv.spearman(ans, list(expected))
    detail = f"Spearman ρ = {rho:.2f} (expected order {list(expected)})"
    return cmp.Check(
        1.0 if rho >= 0.8 - 1e-9 else 0.0, "ok" if rho >= 0.8 - 1e-9 else "wrong_value", detail
    )


def _t5_visible(world: Any) -> list[Case]:
    """ACC004 in FY2024-Q3 (or the first usable key account of the shipped world)."""
    q = "FY2024-Q3"
    for a in ["ACC004", *_ka(world)]:
        try:
            facts = rv.review_facts(world, a, q)
        except ValueError:
            continue
        if rv.usable(facts):
            break
    else:
        return []
    actions = rv.make_actions(facts, np.random.default_rng(45), [f"A{i}" for i in range(1, 6)])
    return [Case.visible(world, a, q, actions, label=f"{a}, {q}")]


def _t5_pick(world: Any, seed: int) -> list[list]:
    """Two usable (account, quarter, facts): one in FY2024, one in FY2023 at another account."""
    rng = np.random.default_rng(seed)
    accounts = _ka(world)
    out: list[list] = []
    for fy in (2024, 2023):
        pairs = [(a, f"FY{fy}-Q{k}") for a in accounts for k in range(1, 5)]
        pairs = [pairs[i] for i in rng.permutation(len(pairs))]
        pairs.sort(key=lambda p: any(p[0] == o[0] for o in out))  # another account first
        for a, q in pairs:
            try:
                f = rv.review_facts(world, a, q)
            except (ValueError, ZeroDivisionError):
                continue
            if rv.usable(f):
                out.append([a, q, f])
                break
    return out


def _t5_hidden(ctx: CaseContext) -> list[Case]:
    seed = int(ctx.rng.integers(2**31))
    picked = ctx.memo("t5-pick", lambda: _t5_pick(ctx.world, seed))
    cases = []
    for a, q, facts in picked:
        ids = [f"R{i}" for i in ctx.rng.permutation(np.arange(1, 6))]
        actions = rv.make_actions(facts, ctx.rng, ids)
        cases.append(
            Case.fresh_world(ctx.world, a, q, actions, what="an account's quarter and five actions")
        )
    return cases


# ------------------------------------------------------------------------------------------
# M4-T6 forecast accuracy of the largest account
def ref_t6(world: Any) -> dict[str, float]:
    """WMAPE and bias of lag-2 forecasts, FY2024, account × SKU × week, of the KA with the most
    ordered cases in FY2024 (actual = Σ cases_ordered of the week, 0 when none)."""
    from kamlab import metrics as km

    ol = world.order_lines
    ol = ol[(ol["week_id"].astype(int) // 52 == 1) & ol["account_id"].astype(str).isin(_ka(world))]
    tot = ol.groupby(ol["account_id"].astype(str))["cases_ordered"].sum()
    top = sorted(tot.index, key=lambda a: (-tot[a], a))[0]
    fc = world.forecasts
    fc = fc[
        (fc["account_id"].astype(str) == top)
        & (fc["lag_weeks"].astype(int) == 2)
        & (fc["target_week_id"].astype(int) // 52 == 1)
    ]
    mine = ol[ol["account_id"].astype(str) == top]
    act = mine.groupby([mine["sku_id"].astype(str), mine["week_id"].astype(int)])[
        "cases_ordered"
    ].sum()
    key = pd.MultiIndex.from_arrays([fc["sku_id"].astype(str), fc["target_week_id"].astype(int)])
    a = act.reindex(key).fillna(0.0).to_numpy(float)
    f = fc["forecast_cases"].to_numpy(float)
    return {"wmape": km.wmape(a, f), "bias": km.forecast_bias(a, f)}


def compare_t6(answer: Any, expected: Any) -> cmp.Check:
    """Half credit per measure within ±0.001."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", f"expected a dict, got {type(answer).__name__}")
    if set(answer) != {"wmape", "bias"}:
        return cmp.Check(0.0, "wrong_keys", "expected the keys 'wmape' and 'bias'")
    right = [k for k in ("wmape", "bias") if _num_or_none(answer[k], expected[k], RATIO_TOL)]
    credit = len(right) / 2
    detail = "; ".join(
        f"{k}: expected {expected[k]:.4f}, got {answer[k]!r}"
        for k in ("wmape", "bias")
        if k not in right
    )
    return cmp.Check(
        credit, "ok" if credit == 1 else "partly_right" if credit else "wrong_value", detail
    )


ASSESSMENT = Assessment(
    id="M4",
    notebook="M4_assessment",
    title="Business reviews, execution and service",
    items=(
        Item(
            "M4-T1",
            Kind.FUNCTION,
            target="fill_rate_metrics",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_fill_rates,
            compare=compare_fill,
            scoring=cmp.proportional(step=1.0),
            title="Case, line and order fill, on-time and OTIF",
        ),
        Item(
            "M4-T2",
            Kind.FUNCTION,
            target="distribution_metrics",
            visible=_t2_visible,
            hidden=_t2_hidden,
            reference=ref_distribution,
            compare=compare_distribution,
            scoring=cmp.proportional(step=0.5),
            title="Numeric and weighted distribution per SKU",
        ),
        Item(
            "M4-T3",
            Kind.FUNCTION,
            target="pvm_bridge",
            visible=_t3_visible,
            hidden=_t3_hidden,
            reference=ref_pvm,
            compare=compare_pvm,
            scoring=cmp.proportional(step=1.0),
            title="Price-volume-mix bridge",
        ),
        Item(
            "M4-T4",
            Kind.NUMERIC,
            target="answer_m4_t4",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=lambda ctx: [Case.fresh_world(ctx.world)],
            reference=ref_t4,
            compare=cmp.number(atol=RATIO_TOL),
            scoring=cmp.all_or_nothing(),
            title="Value share of the largest retailer in FY2024-Q2",
        ),
        Item(
            "M4-T5",
            Kind.CLASSIFICATION,
            target="rank_actions",
            visible=_t5_visible,
            hidden=_t5_hidden,
            reference=ref_rank,
            compare=compare_rank,
            scoring=cmp.proportional(step=1.0),
            title="Rank five review actions by expected NR impact",
        ),
        Item(
            "M4-T6",
            Kind.NUMERIC,
            target="answer_m4_t6",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=lambda ctx: [Case.fresh_world(ctx.world)],
            reference=ref_t6,
            compare=compare_t6,
            scoring=cmp.proportional(step=1.0),
            title="Forecast WMAPE and bias of the largest account",
        ),
    ),
)
