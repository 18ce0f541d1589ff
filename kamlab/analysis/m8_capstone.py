"""M8 capstone control tower: the account's evidence views and the plan builder (pure models).

The capstone account (SPEC §3.11 CAPSTONE: a tier-A hyper chain with falling share, year-end
stuffing, low OTIF and loss-making promotions) is found by its ``CAPSTONE`` tag in
``truth_scenario_labels`` (only its id is read there; the diagnosis is the trainee's job), or
passed explicitly. :func:`capstone_context` pre-aggregates everything the views need once.

**Evidence views** (:func:`evidence_view`), each a small table plus headline numbers, all from
public tables and :mod:`kamlab.metrics`:

* ``share`` — value share per fiscal period at the account (retailer POS, ``market_account_week``;
  Σ ours / Σ category, :func:`kamlab.metrics.value_share`) and the change in points vs the same
  period last year;
* ``inventory`` — weekly sell-in vs sell-out cases, customer stock and backward weeks of cover
  (:func:`kamlab.metrics.weeks_of_cover`), the stuffing rule ``WOC > target + 4 for ≥ 4 weeks``
  (:func:`kamlab.metrics.stuffing_flags`) and the aged share of stock (age ≥ 14 weeks);
* ``service`` — per period case fill and line-level OTIF from ``order_lines``
  (:func:`kamlab.metrics.fill_rates`) against the customer's KPIs, and the short-shipped cases by
  reason;
* ``promo_roi`` — every executed promotion of the year: pre+post baseline
  (:func:`kamlab.metrics.baseline_pre_post` on the SKU's sell-out with all promo weeks masked),
  :func:`kamlab.metrics.promo_evaluation` with the promotion's funding and fixed fee (plus any
  gift lump sum of the ledger), 20 % cannibalisation, and the base unit margin of the agreement
  (:func:`kamlab.metrics.base_unit_margin`: list × price factor × (1 − on-invoice − unconditional
  rebate) − COGS). An *estimate* (the trainee's view), not the world's truth; promotions without
  any spend (ROI undefined) or without a positive baseline are left out.

**Plan builder** (:func:`build_plan`): from the world's current practice for the 13 weeks after
the data (the PLANNED promotions of the account in those weeks, the latest trade terms, the
customer's target weeks of cover, the simulator's default budget) and a few levers — which
promotion events to keep, a cap on depth, the display of the kept events, the on-invoice
discount and unconditional rebate, the target weeks of cover and the trade budget — it writes the
plan tables of :mod:`kamlab.analysis.m8_plan` (``promotions``, ``terms``, ``shipments_policy``,
``budget``) that :func:`kamlab.sim.simulate_plan` replays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m8_plan import Submission
from kamlab.analysis.scorecard import account_scorecard

__all__ = [
    "ACTION_MENU",
    "CANNIBALISATION",
    "DISPLAY_KEEP",
    "EVIDENCE_VIEWS",
    "HORIZON",
    "SPEND_BUCKET",
    "WOC_BANDS",
    "CapstoneContext",
    "EvidenceView",
    "actions_table",
    "allocation_from_spend",
    "build_plan",
    "capstone_account",
    "capstone_context",
    "evidence_view",
    "jbp_targets_table",
    "planned_uplift",
    "submission_from",
]

#: Weeks a plan covers (the rolling 3-month plan: 13 weeks after the world).
HORIZON = 13
#: Channel health bands of weeks of cover (SPEC §3.14).
WOC_BANDS = {"HYPER": (2.0, 4.0), "SUPER": (2.0, 4.0), "CVS": (1.0, 2.5), "EC": (2.0, 4.0),
             "DIST": (3.0, 6.0)}  # fmt: skip
#: The evidence views.
EVIDENCE_VIEWS = ("share", "inventory", "service", "promo_roi")
#: Assumed share of gross incremental cases taken from sister SKUs (SPEC §3.4: 20 %).
CANNIBALISATION = 0.20
#: Display choice "keep each promotion's own display".
DISPLAY_KEEP = "KEEP"


def capstone_account(world: Any) -> str:
    """The id of the account tagged ``CAPSTONE`` in ``truth_scenario_labels``.

    A world without truth tables (a trainee copy) has no tag: pass the account id instead.
    """
    try:
        lab = world["truth_scenario_labels"]
    except (KeyError, TypeError):
        raise ValueError(
            "the world has no truth_scenario_labels, so the capstone account cannot be found; "
            "pass account_id (the tier-A hyper chain your trainer named)."
        ) from None
    hit = lab.loc[
        (lab["tag"].astype("string") == "CAPSTONE")
        & (lab["entity_type"].astype(str) == "ACCOUNT")
        & (lab["scenario"].astype(str) == "CAPSTONE")
    ]
    if hit.empty:
        raise ValueError(
            "no account is tagged CAPSTONE in truth_scenario_labels; generate the world with the "
            "default scenarios (kamlab data generate --scenarios default)."
        )
    return str(hit["entity_id"].iloc[0])


@dataclass(frozen=True, eq=False)
class CapstoneContext:
    """Everything the control tower needs about the capstone account, built once.

    ``info``: account facts (``account_id, account_name, channel, tier, kam_id, target_woc,
    woc_band, tts_rate_cap, case_fill_kpi, otif_kpi, value_share_target``). ``weekly``: one row
    per week (sell-in, sell-out, closing stock, aged cases, WOC). ``periods``: one row per fiscal
    period (share and service). ``promos``: executed promotions with the ROI estimate.
    ``planned``: the PLANNED promotions in the plan weeks. ``terms``: the latest agreement (one
    row). ``plan_weeks``: the 13 week ids after the world. ``ly``: last-year numbers
    (``fiscal_year``, ``nr_fy``, ``tts_rate_fy``, ``cc_rate_fy``, ``nr_13w`` = NR of the same 13
    weeks one year before the plan). ``default_budget``: the simulator's default quarter budget.
    ``skus``: SKUs listed at the account.
    """

    info: dict[str, Any]
    weekly: pd.DataFrame
    periods: pd.DataFrame
    promos: pd.DataFrame
    planned: pd.DataFrame
    terms: pd.DataFrame
    plan_weeks: range
    ly: dict[str, float]
    default_budget: float
    skus: list[str]
    fiscal_years: list[int] = field(default_factory=list)
    planning_elasticity: dict[str, float] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return str(self.info["account_id"])

    @property
    def events(self) -> list[str]:
        """Event ids of the planned promotions (one event = several SKUs)."""
        return list(dict.fromkeys(self.planned["event_group_id"].astype(str)))


def capstone_context(world: Any, account_id: str | None = None) -> CapstoneContext:
    """Build (and cache per world and account) the capstone context."""
    acc_id = account_id or capstone_account(world)
    return per_world(world, ("m8.capstone", acc_id), lambda w: _build(w, acc_id))


def _build(world: Any, acc_id: str) -> CapstoneContext:
    acc = world["accounts"].set_index(world["accounts"]["account_id"].astype(str))
    if acc_id not in acc.index:
        raise ValueError(f"account_id {acc_id!r} is not an account of this world.")
    a = acc.loc[acc_id]
    cal = world["calendar"]
    T = len(cal)
    fys = sorted(cal["fiscal_year"].astype(int).unique())
    full = [y for y in fys if (cal["fiscal_year"].astype(int) == y).sum() >= 52]  # complete years
    fy = full[-1]
    week_period = cal.set_index("week_id")["period_key"].astype(str)
    week_fy = cal.set_index("week_id")["fiscal_year"].astype(int)
    tt = world["trade_terms"]
    tt = tt.loc[tt["account_id"].astype(str) == acc_id].sort_values("fiscal_year")
    terms = tt.iloc[[-1]].reset_index(drop=True)
    ta = world["targets_annual"]
    ta = ta.loc[ta["account_id"].astype(str) == acc_id].sort_values("fiscal_year").iloc[-1]
    channel = str(a["channel"])
    info = {
        "account_id": acc_id,
        "account_name": str(a["account_name"]),
        "channel": channel,
        "tier": str(a["tier"]),
        "kam_id": str(a["kam_id"]),
        "store_count": int(a["store_count"]),
        "target_woc": float(a["target_woc"]),
        "woc_band": WOC_BANDS.get(channel, (2.0, 4.0)),
        "tts_rate_cap": float(ta["tts_rate_cap"]),
        "case_fill_kpi": float(terms.at[0, "case_fill_kpi"]),
        "otif_kpi": float(terms.at[0, "otif_kpi"]),
        "value_share_target": float(ta["value_share_target"]),
        "price_factor": float(a["price_factor"]) if "price_factor" in a.index else 1.0,
    }
    # -- weekly inventory ------------------------------------------------------------------------
    inv = world["customer_inventory"]
    inv = inv.loc[inv["account_id"].astype(str) == acc_id]
    wk = inv.groupby("week_id")[
        ["receipts_cases", "sell_out_cases", "closing_cases", "age_14_26", "age_27_plus"]
    ].sum()
    si = world["sell_in"]
    si = si.loc[si["account_id"].astype(str) == acc_id]
    weeks = np.arange(T)
    weekly = pd.DataFrame({"week_id": weeks})
    weekly["period_key"] = week_period.reindex(weeks).to_numpy()
    weekly["fiscal_year"] = week_fy.reindex(weeks).to_numpy()
    weekly["sell_in_cases"] = (
        si.groupby("week_id")["cases_shipped"].sum().reindex(weeks).fillna(0.0).to_numpy(float)
    )
    weekly["sell_out_cases"] = wk["sell_out_cases"].reindex(weeks).fillna(0.0).to_numpy(float)
    weekly["closing_cases"] = wk["closing_cases"].reindex(weeks).fillna(0.0).to_numpy(float)
    aged = (wk["age_14_26"] + wk["age_27_plus"]).reindex(weeks).fillna(0.0).to_numpy(float)
    weekly["aged_cases"] = aged
    weekly["aged_share"] = np.divide(
        aged,
        weekly["closing_cases"].to_numpy(),
        out=np.zeros(T),
        where=weekly["closing_cases"].to_numpy() > 0,
    )
    weekly["woc"] = km.weeks_of_cover(
        weekly["closing_cases"].to_numpy(), weekly["sell_out_cases"].to_numpy()
    )
    weekly["stuffing_flag"] = km.stuffing_flags(weekly["woc"].to_numpy(), info["target_woc"])
    # -- periods: share and service --------------------------------------------------------------
    pkeys = list(dict.fromkeys(cal["period_key"].astype(str)))
    maw = world["market_account_week"]
    maw = maw.loc[maw["account_id"].astype(str) == acc_id]
    mp = maw.assign(period_key=maw["week_id"].map(week_period).to_numpy())
    ours = (
        mp.loc[mp["brand_owner"].astype(str) == "OURS"]
        .groupby("period_key")["value_incl_vat"]
        .sum()
    )
    cat = mp.groupby("period_key")["value_incl_vat"].sum()
    per = pd.DataFrame({"period_key": pkeys})
    per["fiscal_year"] = [int(k[2:6]) for k in pkeys]
    per["ours_value"] = ours.reindex(pkeys).fillna(0.0).to_numpy(float)
    per["category_value"] = cat.reindex(pkeys).fillna(0.0).to_numpy(float)
    per["value_share"] = [
        km.value_share([o], [c]) if c > 0 else np.nan
        for o, c in zip(per["ours_value"], per["category_value"], strict=True)
    ]
    per["share_pts_vs_ly"] = per["value_share"] - per["value_share"].shift(12)
    ol = world["order_lines"]
    ol = ol.loc[ol["account_id"].astype(str) == acc_id]
    ol = ol.assign(period_key=ol["week_id"].map(week_period).to_numpy())
    fill = {}
    for k, g in ol.groupby("period_key", sort=False):
        fr = km.fill_rates(g[["order_id", "cases_ordered", "cases_shipped", "days_late"]])
        fill[k] = (fr.case_fill, fr.line_otif)
    per["case_fill"] = [fill.get(k, (np.nan, np.nan))[0] for k in pkeys]
    per["line_otif"] = [fill.get(k, (np.nan, np.nan))[1] for k in pkeys]
    short = ol.assign(short=(ol["cases_ordered"] - ol["cases_shipped"]).astype(float))
    by_reason = short.pivot_table(
        index="period_key",
        columns=short["short_reason"].astype(str),
        values="short",
        aggfunc="sum",
        fill_value=0.0,
    )
    for r in ("SUPPLY_SHORTAGE", "ALLOCATION", "CREDIT_HOLD"):
        per[f"short_{r.lower()}"] = (
            by_reason[r].reindex(pkeys).fillna(0.0).to_numpy(float) if r in by_reason else 0.0
        )
    # -- promotions: executed with ROI estimate; planned -----------------------------------------
    promos = _promo_roi(world, acc_id, info, terms, T)
    pr = world["promotions"]
    planned = pr.loc[
        (pr["account_id"].astype(str) == acc_id)
        & (pr["status"].astype(str) == "PLANNED")
        & (pr["start_week"] >= T)
        & (pr["start_week"] < T + HORIZON)
    ].copy()
    planned["end_week"] = np.minimum(planned["end_week"], T + HORIZON - 1)
    planned = planned.sort_values(["start_week", "event_group_id", "sku_id"]).reset_index(drop=True)
    # -- last year -------------------------------------------------------------------------------
    sc = account_scorecard(world, fiscal_year=fy, accounts=acc_id).iloc[0]
    ly_keys = week_period.reindex(range(T - 52, T - 52 + HORIZON)).dropna().unique().tolist()
    sc13 = account_scorecard(world, periods=ly_keys, accounts=acc_id).iloc[0]
    ly = {
        "fiscal_year": float(fy),
        "nr_fy": float(sc["nr"]),
        "gs_fy": float(sc["gs"]),
        "tts_rate_fy": float(sc["tts_rate"]),
        "cc_rate_fy": float(sc["cc_rate"]),
        "nr_13w": float(sc13["nr"]),
        "cc_rate_13w": float(sc13["cc_rate"]),
    }
    tp = world["targets_period"]
    budget = float(tp.loc[tp["account_id"].astype(str) == acc_id, "trade_budget_rmb"].tail(3).sum())
    skus = sorted(si["sku_id"].astype(str).unique())
    return CapstoneContext(
        info=info,
        weekly=weekly,
        periods=per,
        promos=promos,
        planned=planned,
        terms=terms,
        plan_weeks=range(T, T + HORIZON),
        ly=ly,
        default_budget=budget,
        skus=skus,
        fiscal_years=full,
        planning_elasticity=dict(
            zip(
                world["products"]["sku_id"].astype(str),
                world["products"]["planning_elasticity"].astype(float),
                strict=True,
            )
        ),
    )


def _promo_roi(world: Any, acc_id: str, info: dict, terms: pd.DataFrame, T: int) -> pd.DataFrame:
    pr = world["promotions"]
    pr = pr.loc[(pr["account_id"].astype(str) == acc_id) & (pr["status"].astype(str) == "EXECUTED")]
    so = world["sell_out"]
    so = so.loc[so["account_id"].astype(str) == acc_id]
    prod = world["products"].set_index(world["products"]["sku_id"].astype(str))
    skus = sorted(set(pr["sku_id"].astype(str)))
    series = (
        so.pivot_table(index="sku_id", columns="week_id", values="cases_sold", aggfunc="sum")
        .reindex(index=skus, columns=range(T))
        .fillna(0.0)
    )
    mask = np.zeros((len(skus), T), dtype=bool)
    pos = {s: i for i, s in enumerate(skus)}
    for s, a, b in zip(pr["sku_id"].astype(str), pr["start_week"], pr["end_week"], strict=True):
        mask[pos[s], int(a) : int(b) + 1] = True
    ts = world["trade_spend"]
    lump = (
        ts.loc[
            (ts["account_id"].astype(str) == acc_id)
            & (ts["spend_type"].astype(str) == "PROMO_LUMP_SUM")
            & ts["promo_id"].notna()
        ]
        .groupby(ts["promo_id"].astype(str))["amount_rmb"]
        .sum()
    )
    off = float(terms.at[0, "on_invoice_discount_pct"])
    reb = float(terms.at[0, "unconditional_rebate_pct"])
    cal = world["calendar"].set_index("week_id")
    rows = []
    for r in pr.itertuples(index=False):
        i = pos[str(r.sku_id)]
        s, e = int(r.start_week), int(r.end_week)
        A = series.iloc[i].to_numpy(float)
        try:
            B = km.baseline_pre_post(A, mask[i], start=s, end=e)
        except ValueError:
            continue
        if not B > 0:
            continue
        lo, hi = max(0, s - 1), min(T - 1, e + 2)
        w = np.arange(lo, hi + 1)
        this = (w >= s) & (w <= e)
        gross = float((A[w][this] - B).sum())
        fixed = float(r.fixed_fee_rmb) + float(lump.get(str(r.promo_id), 0.0))
        if float(r.funding_per_case) <= 0 and fixed <= 0:
            continue  # no spend: ROI undefined (a display-only event without fees)
        m = km.base_unit_margin(
            float(prod.at[str(r.sku_id), "list_price_case"]) * info["price_factor"],
            float(prod.at[str(r.sku_id), "cogs_case"]),
            off_invoice_rate=off,
            variable_rebate_rate=reb,
        )
        ev = km.promo_evaluation(
            A[w],
            B,
            this,
            funding_per_case=float(r.funding_per_case),
            fixed_fee=fixed,
            unit_margin=m,
            cannibalised=CANNIBALISATION * max(0.0, gross),
        )
        rows.append(
            {
                "promo_id": str(r.promo_id),
                "event_group_id": str(r.event_group_id),
                "sku_id": str(r.sku_id),
                "start_week": s,
                "end_week": e,
                "fiscal_year": int(cal.at[s, "fiscal_year"]),
                "mechanic": str(r.mechanic),
                "depth_pct": float(r.depth_pct),
                "baseline": B,
                "apparent_uplift": ev.apparent_uplift,
                "net_incremental": ev.net_incremental,
                "spend": ev.spend,
                "incremental_gp": ev.incremental_gp,
                "roi": ev.roi,
                "net_profit": ev.net_profit,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# evidence views


@dataclass(frozen=True, eq=False)
class EvidenceView:
    """One evidence view: ``table`` (rows to chart/show), ``headline`` (numbers with names) and
    ``evidence_ids`` (ids a trainee may cite for this view: periods, weeks as ``W###``, promo
    ids)."""

    view: str
    fiscal_year: int
    table: pd.DataFrame
    headline: dict[str, float]
    evidence_ids: list[str]


def evidence_view(ctx: CapstoneContext, view: str, fiscal_year: int | None = None) -> EvidenceView:
    """The ``view`` (one of :data:`EVIDENCE_VIEWS`) for ``fiscal_year`` (default: the last one)."""
    if view not in EVIDENCE_VIEWS:
        raise ValueError(f"view must be one of {', '.join(EVIDENCE_VIEWS)}; got {view!r}.")
    fy = int(fiscal_year) if fiscal_year is not None else ctx.fiscal_years[-1]
    if fy not in ctx.fiscal_years:
        raise ValueError(
            f"fiscal_year {fy} is not a complete year of this world; choose one of "
            f"{', '.join(map(str, ctx.fiscal_years))}."
        )
    info = ctx.info
    if view == "share":
        per = ctx.periods.loc[ctx.periods["fiscal_year"] == fy]
        tab = per[["period_key", "value_share", "share_pts_vs_ly"]].reset_index(drop=True)
        first, last = tab["value_share"].iloc[0], tab["value_share"].iloc[-1]
        head = {
            "value_share_year": km.value_share(per["ours_value"], per["category_value"]),
            "value_share_target": info["value_share_target"],
            "first_period": float(first),
            "last_period": float(last),
            "change_pts": float(last - first),
        }
        ids = tab.loc[tab["share_pts_vs_ly"] < 0, "period_key"].tolist()
        return EvidenceView(view, fy, tab, head, ids)
    if view == "inventory":
        w = ctx.weekly.loc[ctx.weekly["fiscal_year"] == fy]
        tab = w[
            [
                "week_id",
                "period_key",
                "sell_in_cases",
                "sell_out_cases",
                "closing_cases",
                "woc",
                "aged_share",
                "stuffing_flag",
            ]
        ].reset_index(drop=True)
        last = ctx.weekly.iloc[-1]
        head = {
            "target_woc": info["target_woc"],
            "stuffing_line": info["target_woc"] + 4.0,
            "woc_max": float(np.nanmax(np.where(np.isfinite(w["woc"]), w["woc"], np.nan))),
            "woc_now": float(last["woc"]),
            "aged_share_now": float(last["aged_share"]),
            "weeks_flagged": float(w["stuffing_flag"].sum()),
            "sell_in_over_sell_out": float(w["sell_in_cases"].sum() / w["sell_out_cases"].sum()),
        }
        ids = [f"W{int(x):03d}" for x in tab.loc[tab["stuffing_flag"], "week_id"]]
        return EvidenceView(view, fy, tab, head, ids)
    if view == "service":
        per = ctx.periods.loc[ctx.periods["fiscal_year"] == fy]
        tab = per[
            [
                "period_key",
                "case_fill",
                "line_otif",
                "short_supply_shortage",
                "short_allocation",
                "short_credit_hold",
            ]
        ].reset_index(drop=True)
        head = {
            "case_fill_kpi": info["case_fill_kpi"],
            "otif_kpi": info["otif_kpi"],
            "line_otif_mean": float(tab["line_otif"].mean()),
            "case_fill_mean": float(tab["case_fill"].mean()),
            "periods_below_otif_kpi": float((tab["line_otif"] < info["otif_kpi"] - 1e-9).sum()),
        }
        ids = tab.loc[tab["line_otif"] < info["otif_kpi"] - 1e-9, "period_key"].tolist()
        return EvidenceView(view, fy, tab, head, ids)
    pr = ctx.promos.loc[ctx.promos["fiscal_year"] == fy] if len(ctx.promos) else ctx.promos
    tab = pr.sort_values("roi").reset_index(drop=True) if len(pr) else pr
    head = {
        "promotions": float(len(tab)),
        "share_roi_below_1": float((tab["roi"] < 1).mean()) if len(tab) else np.nan,
        "net_profit_total": float(tab["net_profit"].sum()) if len(tab) else 0.0,
        "mean_depth": float(tab["depth_pct"].mean()) if len(tab) else np.nan,
    }
    ids = tab.loc[tab["roi"] < 1, "promo_id"].tolist() if len(tab) else []
    return EvidenceView(view, fy, tab, head, ids)


# ---------------------------------------------------------------------------------------------
# plan builder


def planned_uplift(
    planned: Any,
    old_depth: Any,
    new_depth: Any,
    old_display: Any,
    new_display: Any,
    feature: Any,
    elasticity: Any,
) -> np.ndarray:
    """The KAM's planned uplift carried to a new depth/display with the company's planning model.

    ``planned × (M(new) − 1) / (M(old) − 1)`` with ``M = (1 − depth)^ε × display × feature``
    (:func:`kamlab.metrics.promo_response_multiplier`, ε = ``products.planning_elasticity``);
    the planned uplift is kept where ``M(old) ≤ 1`` (nothing to scale).

    >>> round(float(planned_uplift(1.0, 0.3, 0.2, "NONE", "NONE", "NONE", -2.0)[0]), 4)
    0.5404
    """
    p = np.atleast_1d(np.asarray(planned, dtype=float))
    if p.size == 0:
        return p
    disp = km.DISPLAY_MULTIPLIERS
    feat = km.FEATURE_MULTIPLIERS
    f = np.array([feat.get(str(x), 1.0) for x in np.atleast_1d(feature)])
    d_old = np.array([disp.get(str(x), 1.0) for x in np.atleast_1d(old_display)])
    d_new = np.array([disp.get(str(x), 1.0) for x in np.atleast_1d(new_display)])
    eps = np.atleast_1d(np.asarray(elasticity, dtype=float))
    m_old = km.promo_response_multiplier(np.atleast_1d(old_depth), eps, d_old, f)
    m_new = km.promo_response_multiplier(np.atleast_1d(new_depth), eps, d_new, f)
    ok = m_old > 1.0 + 1e-12
    ratio = np.divide(m_new - 1.0, m_old - 1.0, out=np.ones_like(m_old), where=ok)
    return np.maximum(0.0, p * ratio)


def build_plan(
    ctx: CapstoneContext,
    *,
    keep_events: Iterable[str] | None = None,
    depth_cap: float = 0.5,
    display: str = DISPLAY_KEEP,
    on_invoice_discount_pct: float | None = None,
    unconditional_rebate_pct: float | None = None,
    target_woc: float | None = None,
    trade_budget_rmb: float | None = None,
) -> dict[str, pd.DataFrame]:
    """The four simulate_plan tables from the current practice and the levers.

    * ``promotions``: the PLANNED promotion rows of the events in ``keep_events`` (default all),
      each depth capped at ``depth_cap`` (``min(depth, cap)``), display set to ``display``
      (``"KEEP"``, ``"NONE"``, ``"ENDCAP"``, ``"FLOOR_STACK"``). Funding follows the simulator's
      scan-back rule (80 % of the price cut); fixed fees are the planned ones while the display
      is kept, else the simulator's fee rule; ``planned_uplift_pct`` (what the retailer orders
      for) is the KAM's planned uplift rescaled by :func:`planned_uplift`, so the KAM's optimism
      carries over to the new depth and display;
    * ``terms``: one row with the current on-invoice discount and unconditional rebate, or the
      given ones;
    * ``shipments_policy``: ``target_woc`` (default the customer's own policy);
    * ``budget``: ``trade_budget_rmb`` (default the simulator's default for the quarter).

    >>> import kamlab                                                     # doctest: +SKIP
    >>> ctx = capstone_context(kamlab.load_world())                       # doctest: +SKIP
    >>> plan = build_plan(ctx, depth_cap=0.2, target_woc=2.5)             # doctest: +SKIP
    """
    if not 0.0 <= depth_cap <= 0.5:
        raise ValueError(f"depth_cap must be a fraction between 0 and 0.5; got {depth_cap!r}.")
    if display not in (DISPLAY_KEEP, "NONE", "ENDCAP", "FLOOR_STACK"):
        raise ValueError(f"display must be KEEP, NONE, ENDCAP or FLOOR_STACK; got {display!r}.")
    pl = ctx.planned
    events = ctx.events if keep_events is None else [str(e) for e in keep_events]
    unknown = sorted(set(events) - set(ctx.events))
    if unknown:
        raise ValueError(
            f"keep_events: {', '.join(unknown)} are not planned events of {ctx.account_id} "
            f"(planned: {', '.join(ctx.events)})."
        )
    kept = pl.loc[pl["event_group_id"].astype(str).isin(events)]
    old_depth = kept["depth_pct"].to_numpy(float)
    new_depth = np.minimum(old_depth, depth_cap)
    old_disp = kept["display_type"].astype(str).to_numpy()
    new_disp = old_disp if display == DISPLAY_KEEP else np.full(len(kept), display, dtype=object)
    feat = kept["feature"].astype(str).to_numpy()
    eps = kept["sku_id"].astype(str).map(ctx.planning_elasticity).to_numpy(float)
    promos = pd.DataFrame(
        {
            "sku_id": kept["sku_id"].astype(str).to_numpy(),
            "start_week": kept["start_week"].astype(int).to_numpy(),
            "end_week": kept["end_week"].astype(int).to_numpy(),
            "depth_pct": new_depth,
            "mechanic": kept["mechanic"].astype(str).to_numpy(),
            "display_type": new_disp,
            "feature": feat,
            "planned_uplift_pct": planned_uplift(
                kept["planned_uplift_pct"].to_numpy(float),
                old_depth,
                new_depth,
                old_disp,
                new_disp,
                feat,
                eps,
            ),
        }
    )
    if display == DISPLAY_KEEP:
        promos["fixed_fee_rmb"] = kept["fixed_fee_rmb"].to_numpy(float)
    t = ctx.terms
    terms = pd.DataFrame(
        {
            "on_invoice_discount_pct": [
                float(t.at[0, "on_invoice_discount_pct"])
                if on_invoice_discount_pct is None
                else float(on_invoice_discount_pct)
            ],
            "unconditional_rebate_pct": [
                float(t.at[0, "unconditional_rebate_pct"])
                if unconditional_rebate_pct is None
                else float(unconditional_rebate_pct)
            ],
        }
    )
    for name, v in (("on_invoice_discount_pct", terms.iat[0, 0]),
                    ("unconditional_rebate_pct", terms.iat[0, 1])):  # fmt: skip
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be a fraction of GS between 0 and 1; got {v!r}.")
    woc = ctx.info["target_woc"] if target_woc is None else float(target_woc)
    if woc <= 0:
        raise ValueError(f"target_woc must be a positive number of weeks; got {target_woc!r}.")
    budget = ctx.default_budget if trade_budget_rmb is None else float(trade_budget_rmb)
    if budget < 0:
        raise ValueError(f"trade_budget_rmb must be ≥ 0; got {trade_budget_rmb!r}.")
    return {
        "promotions": promos,
        "terms": terms,
        "shipments_policy": pd.DataFrame({"target_woc": [woc]}),
        "budget": pd.DataFrame({"trade_budget_rmb": [budget]}),
    }


def submission_from(
    ctx: CapstoneContext,
    plan: dict[str, pd.DataFrame],
    *,
    diagnosis: pd.DataFrame | None = None,
    jbp_targets: pd.DataFrame | None = None,
    budget_allocation: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    meta: dict | None = None,
) -> Submission:
    """A :class:`~kamlab.analysis.m8_plan.Submission` of the capstone account from its parts."""
    tables: dict[str, Any] = dict(plan)
    for k, v in (("diagnosis", diagnosis), ("jbp_targets", jbp_targets),
                 ("budget_allocation", budget_allocation), ("actions", actions)):  # fmt: skip
        if v is not None:
            tables[k] = v
    return Submission(ctx.account_id, tables, dict(meta or {}))


SPEND_BUCKET = {
    "OFF_INVOICE": "ON_INVOICE",
    "PROMO_OFF_INVOICE": "PROMOTION_FUNDING",
    "PROMO_SCAN_BACK": "PROMOTION_FUNDING",
    "PROMO_LUMP_SUM": "PROMOTION_FUNDING",
    "DISPLAY_FEE": "DISPLAY_AND_FEATURE",
    "DM_FEE": "DISPLAY_AND_FEATURE",
    "UNCONDITIONAL_REBATE": "REBATES",
    "GROWTH_REBATE": "REBATES",
    "TARGET_REBATE": "REBATES",
    "LISTING_FEE": "LISTING_AND_FEES",
    "FESTIVAL_FEE": "LISTING_AND_FEES",
    "ANNIVERSARY_FEE": "LISTING_AND_FEES",
    "EC_PLATFORM_FEE": "LISTING_AND_FEES",
    "LOGISTICS_ALLOWANCE": "LISTING_AND_FEES",
    "OTIF_PENALTY": "LISTING_AND_FEES",
    "AGED_STOCK_CLEARANCE": "AGED_STOCK_CLEARANCE",
}
"""Which budget bucket each trade-spend type of a replay falls in."""


def allocation_from_spend(spend: pd.DataFrame, budget: float) -> pd.DataFrame:
    """``budget_allocation`` rows from a replay's spend ledger (``spend_type`` columns × weeks,
    as :func:`kamlab.sim.simulate_plan` returns it): the spend per bucket, and the rest of the
    budget as ``RESERVE`` (0 when the plan spends more than the budget).

    >>> sp = pd.DataFrame({"week_id": [104, 105], "OFF_INVOICE": [10.0, 10.0],
    ...                    "PROMO_SCAN_BACK": [5.0, 0.0]})
    >>> allocation_from_spend(sp, 50.0).set_index("bucket")["amount_rmb"].to_dict()
    {'ON_INVOICE': 20.0, 'PROMOTION_FUNDING': 5.0, 'RESERVE': 25.0}
    """
    cols = [c for c in spend.columns if c in SPEND_BUCKET]
    unknown = [c for c in spend.columns if c not in SPEND_BUCKET and c != "week_id"]
    if unknown:
        raise ValueError(f"spend has unknown spend type(s) {', '.join(unknown)}.")
    totals: dict[str, float] = {}
    for c in cols:
        b = SPEND_BUCKET[c]
        totals[b] = totals.get(b, 0.0) + float(spend[c].sum())
    totals = {k: v for k, v in totals.items() if v != 0.0}
    totals["RESERVE"] = max(0.0, float(budget) - sum(totals.values()))
    return pd.DataFrame({"bucket": list(totals), "amount_rmb": list(totals.values())})


#: The execution/service action menu of the control tower: id → (area, KPI it moves, English
#: text). The simulator does not replay actions; they are graded with the business review (M8-T4).
ACTION_MENU: dict[str, tuple[str, str, str]] = {
    "A1": ("SUPPLY", "line_otif",
           "Restore the account's priority in supply allocation (S&OP escalation)"),
    "A2": ("SERVICE", "line_otif",
           "Weekly order and forecast review with the customer's supply chain (CPFR)"),
    "A3": ("INVENTORY", "woc",
           "No period-end deals: ship to the customer's sell-out, no loading"),
    "A4": ("INVENTORY", "aged_share",
           "Clear aged stock with the customer before any new load"),
    "A5": ("EXECUTION", "perfect_store",
           "Display-compliance audit in the top stores every period"),
    "A6": ("EXECUTION", "value_share",
           "Planogram and shelf-share reset against the competitor's push"),
    "A7": ("PRICING", "promo_roi",
           "Post-evaluate every promotion; drop mechanics with ROI below 1"),
    "A8": ("RELATIONSHIP", "composite",
           "Quarterly business review with the buyer and the supply-chain director"),
}  # fmt: skip


def actions_table(action_ids: Iterable[str], due_week: int | None = None) -> pd.DataFrame:
    """The ``actions`` table for chosen menu ids (:data:`ACTION_MENU`).

    >>> actions_table(["A3"], due_week=108)[["area", "kpi", "due_week"]].values.tolist()
    [['INVENTORY', 'woc', 108]]
    """
    ids = list(action_ids)
    bad = [a for a in ids if a not in ACTION_MENU]
    if bad:
        raise ValueError(f"unknown action id(s) {', '.join(bad)}; use {', '.join(ACTION_MENU)}.")
    return pd.DataFrame(
        {
            "area": [ACTION_MENU[a][0] for a in ids],
            "action": [ACTION_MENU[a][2] for a in ids],
            "owner": ["KAM"] * len(ids),
            "kpi": [ACTION_MENU[a][1] for a in ids],
            "due_week": pd.array([due_week] * len(ids), dtype="Int64"),
        }
    )


def jbp_targets_table(
    ctx: CapstoneContext,
    *,
    nr_growth_vs_ly: float = 0.05,
    value_share_target: float | None = None,
    line_otif_target: float | None = None,
    woc_target: float | None = None,
    tts_rate_target: float | None = None,
) -> pd.DataFrame:
    """The ``jbp_targets`` row: NR target = NR of the same 13 weeks last year × (1 + growth);
    other targets default to the account's own (share target, OTIF KPI, target WOC, TTS cap).

    >>> import kamlab                                                        # doctest: +SKIP
    >>> jbp_targets_table(capstone_context(kamlab.load_world()), nr_growth_vs_ly=0.08)  # doctest: +SKIP
    """
    info = ctx.info
    return pd.DataFrame(
        {
            "nr_target": [ctx.ly["nr_13w"] * (1.0 + float(nr_growth_vs_ly))],
            "nr_growth_vs_ly": [float(nr_growth_vs_ly)],
            "value_share_target": [
                info["value_share_target"] if value_share_target is None else value_share_target
            ],
            "case_fill_target": [info["case_fill_kpi"]],
            "line_otif_target": [
                info["otif_kpi"] if line_otif_target is None else line_otif_target
            ],
            "tts_rate_target": [
                info["tts_rate_cap"] if tts_rate_target is None else tts_rate_target
            ],
            "woc_target": [info["target_woc"] if woc_target is None else woc_target],
        }
    )
