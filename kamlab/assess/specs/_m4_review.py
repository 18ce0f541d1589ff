"""M4-T5 helpers: five business-review actions built from a world, and their NR impact.

A quarterly business review ends with actions. M4-T5 gives the trainee five of them for one
key account and fiscal quarter — one of each type below — and asks for the order of their
expected quarterly net-revenue impact (RMB), largest first. Each impact is a formula of the
account's quarter (:func:`review_facts`, kamlab's own metrics):

=============  ======================  ====================================================
type           parameter               expected NR impact (RMB per quarter)
=============  ======================  ====================================================
SERVICE        ``recover`` r           r × short cases × NR per case shipped
AVAILABILITY   ``oos_cut`` c           NR × c × OOS / (1 − OOS)
DISTRIBUTION   ``tdp_points`` x        x × NR / TDP   (sales per distribution point, §2.16)
SHARE          ``share_points`` d      NR × d / value share
PRICE          ``increase`` x,         NR × ((1 + x)^(1 + ε) − 1)
               ``elasticity`` ε
=============  ======================  ====================================================

with, for the account and the quarter's weeks: NR = Σ ``sell_in.gross_sales`` − Σ
``trade_spend.amount_rmb`` (accrual ``week_id``); NR per case = NR ÷ Σ
``sell_in.cases_shipped``; short cases = Σ (``cases_ordered − cases_shipped``) of its order
lines; OOS = Σ ``oos_n`` ÷ Σ ``listed_n`` of its audit visits; TDP = Σ over the audited SKUs of
their weighted distribution (a store handles a SKU when a visit of the quarter found it listed
and on shelf; universe = the stores audited; weights ``stores.acv_rmb_k``); value share = Σ our
``market_account_week.value_incl_vat`` ÷ Σ all brands'.

**Hidden actions are drawn so that any order is equally likely**: a random permutation puts
the five types on a ladder of impacts (each 1.6× the next) and each parameter is solved from
its impact, then rounded — so no type is "usually the biggest" and a fixed order of types
scores like a guess. The ids are shuffled labels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTION_TYPES",
    "action_impacts",
    "make_actions",
    "quarter_weeks",
    "rank_actions",
    "review_facts",
    "spearman",
]

ACTION_TYPES = ("SERVICE", "AVAILABILITY", "DISTRIBUTION", "SHARE", "PRICE")
LADDER = 1.6
TOP_SHARE = 0.06  # the largest impact is at most 6 % of the quarter's NR


def quarter_weeks(world: Any, quarter: str) -> np.ndarray:
    """The week ids of ``quarter`` (``"FY2024-Q3"``)."""
    cal = world.calendar
    key = (
        "FY"
        + cal["fiscal_year"].astype(int).astype(str)
        + "-Q"
        + cal["fiscal_quarter"].astype(int).astype(str)
    )
    weeks = cal.loc[key == quarter, "week_id"].astype(int).to_numpy()
    if weeks.size == 0:
        raise ValueError(f"quarter: {quarter!r} is not a fiscal quarter of this world")
    return weeks


def review_facts(world: Any, account_id: str, quarter: str) -> dict[str, float]:
    """The quarter's NR, cases, short cases, OOS, TDP and value share of one key account."""
    from kamlab import metrics as km

    a = str(account_id)
    weeks = quarter_weeks(world, quarter)
    si = world.sell_in
    si = si[(si["account_id"].astype(str) == a) & si["week_id"].astype(int).isin(weeks)]
    ts = world.trade_spend
    ts = ts[(ts["account_id"].astype(str) == a) & ts["week_id"].astype(int).isin(weeks)]
    gs = float(si["gross_sales"].sum())
    nr = gs - float(ts["amount_rmb"].sum())
    cases = float(si["cases_shipped"].sum())
    ol = world.order_lines
    ol = ol[(ol["account_id"].astype(str) == a) & ol["week_id"].astype(int).isin(weeks)]
    short = float((ol["cases_ordered"] - ol["cases_shipped"]).sum())
    av = world.audit_visits
    av = av[(av["account_id"].astype(str) == a) & av["week_id"].astype(int).isin(weeks)]
    oos = km.oos_rate(av["oos_n"], av["listed_n"]) if av["listed_n"].sum() > 0 else math.nan
    tdp = total_distribution_points(av, world.audit_sku, world.stores)
    maw = world.market_account_week
    maw = maw[(maw["account_id"].astype(str) == a) & maw["week_id"].astype(int).isin(weeks)]
    val = maw["value_incl_vat"].to_numpy(float)
    ours = np.where(maw["brand_owner"].astype(str).to_numpy() == "OURS", val, 0.0)
    share = km.value_share(ours, val) if len(maw) else math.nan
    return {
        "gs": gs,
        "nr": nr,
        "cases": cases,
        "short": short,
        "oos": float(oos),
        "tdp": float(tdp),
        "share": float(share),
    }


def distribution_by_sku(
    audit_visits: pd.DataFrame, audit_sku: pd.DataFrame, stores: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """ND and WD per SKU over the stores of ``audit_visits`` (kamlab's distribution metrics)."""
    from kamlab import metrics as km

    visits = audit_visits[["visit_id", "store_id"]].astype(str)
    universe = sorted(set(visits["store_id"]))
    if not universe:
        return {}
    store_of = dict(zip(visits["visit_id"], visits["store_id"], strict=True))
    rows = audit_sku[audit_sku["visit_id"].astype(str).isin(store_of)]
    acv_of = dict(
        zip(stores["store_id"].astype(str), stores["acv_rmb_k"].astype(float), strict=True)
    )
    acv = np.array([acv_of[s] for s in universe], dtype=float)
    pos = {s: i for i, s in enumerate(universe)}
    handled = rows["listed"].astype(bool).to_numpy() & rows["on_shelf"].astype(bool).to_numpy()
    out: dict[str, dict[str, float]] = {}
    sku = rows["sku_id"].astype(str).to_numpy()
    st = rows["visit_id"].astype(str).map(store_of).to_numpy()
    for s in sorted(set(sku)):
        mask = np.zeros(len(universe), dtype=bool)
        for store in st[(sku == s) & handled]:
            mask[pos[store]] = True
        out[s] = {
            "nd": km.numeric_distribution(mask),
            "wd": km.weighted_distribution(mask, acv),
        }
    return out


def total_distribution_points(
    audit_visits: pd.DataFrame, audit_sku: pd.DataFrame, stores: pd.DataFrame
) -> float:
    """TDP = Σ_SKU WD over the SKUs audited in ``audit_visits``."""
    from kamlab import metrics as km

    dist = distribution_by_sku(audit_visits, audit_sku, stores)
    if not dist:
        return math.nan
    return km.total_distribution_points([d["wd"] for d in dist.values()])


def action_impacts(facts: dict[str, float], actions: list[dict[str, Any]]) -> dict[str, float]:
    """Expected quarterly NR impact (RMB) of each action (module docstring)."""
    nr = facts["nr"]
    out = {}
    for a in actions:
        t = a["type"]
        if t == "SERVICE":
            v = a["recover"] * facts["short"] * nr / facts["cases"]
        elif t == "AVAILABILITY":
            v = nr * a["oos_cut"] * facts["oos"] / (1.0 - facts["oos"])
        elif t == "DISTRIBUTION":
            v = a["tdp_points"] * nr / facts["tdp"]
        elif t == "SHARE":
            v = nr * a["share_points"] / facts["share"]
        elif t == "PRICE":
            v = nr * ((1.0 + a["increase"]) ** (1.0 + a["elasticity"]) - 1.0)
        else:
            raise ValueError(f"unknown action type {t!r}")
        out[str(a["id"])] = float(v)
    return out


def rank_actions(
    world: Any, account_id: str, quarter: str, actions: list[dict[str, Any]]
) -> list[str]:
    """The action ids by expected NR impact, largest first (ties by id)."""
    imp = action_impacts(review_facts(world, account_id, quarter), actions)
    return sorted(imp, key=lambda k: (-imp[k], k))


def headroom(facts: dict[str, float]) -> dict[str, float]:
    """The largest impact (share of NR) each capped action type can reach."""
    return {
        "SERVICE": facts["short"] / facts["cases"] if facts["cases"] > 0 else 0.0,
        "AVAILABILITY": facts["oos"] / (1.0 - facts["oos"]) if facts["oos"] < 1 else 0.0,
    }


def usable(facts: dict[str, float]) -> bool:
    """Every action type can take a clear place on the ladder at this account and quarter."""
    h = headroom(facts)
    return (
        all(math.isfinite(v) for v in facts.values())
        and facts["nr"] > 0
        and facts["share"] > 0
        and facts["tdp"] > 0
        and h["SERVICE"] >= 0.005
        and h["AVAILABILITY"] >= 0.01
    )


def _sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits (a parameter a person would write)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(np.round(x, digits - 1 - math.floor(math.log10(abs(x)))))


def make_actions(
    facts: dict[str, float], rng: np.random.Generator, ids: list[str]
) -> list[dict[str, Any]]:
    """Five actions, one per type, whose impacts follow a random order on the 1.6× ladder."""
    perm = rng.permutation(len(ACTION_TYPES))  # ladder position of each type (0 = smallest)
    ratio = LADDER ** np.arange(len(ACTION_TYPES))
    h = headroom(facts)
    scale = TOP_SHARE / ratio[-1]
    for i, t in enumerate(ACTION_TYPES):
        if t in h:
            scale = min(scale, 0.9 * h[t] / ratio[perm[i]])
    elasticity = float(np.round(rng.uniform(-0.9, -0.3), 2))
    out = []
    for i, t in enumerate(ACTION_TYPES):
        f = scale * ratio[perm[i]]  # target impact as a share of NR
        a: dict[str, Any] = {"id": ids[i], "type": t}
        if t == "SERVICE":
            a["recover"] = _sig(f / h["SERVICE"])
        elif t == "AVAILABILITY":
            a["oos_cut"] = _sig(f / h["AVAILABILITY"])
        elif t == "DISTRIBUTION":
            a["tdp_points"] = _sig(f * facts["tdp"])
        elif t == "SHARE":
            a["share_points"] = _sig(f * facts["share"])
        else:
            a["increase"] = _sig((1.0 + f) ** (1.0 / (1.0 + elasticity)) - 1.0)
            a["elasticity"] = elasticity
        out.append(a)
    order = rng.permutation(len(out))  # the list order says nothing about the answer
    return [out[i] for i in order]


def spearman(answer: list[str], expected: list[str]) -> float:
    """Spearman's ρ of two rankings of the same ids: ``1 − 6 Σ d² / (n (n² − 1))``."""
    n = len(expected)
    pos = {k: i for i, k in enumerate(expected)}
    d2 = sum((i - pos[k]) ** 2 for i, k in enumerate(answer))
    return 1.0 - 6.0 * d2 / (n * (n * n - 1)) if n > 1 else 1.0
