"""M2 model: the rolling 3-month plan (滚动三个月市场计划) replayed on the world's own models.

A KA manager drafts the next 13 weeks' promotion slots for an account; :func:`run_plan` hands
them to :func:`kamlab.sim.simulate_plan` (the simulator's demand, promotion response, order
policy, capacity allocation, delivery and trade-spend rules, called for one account and one
quarter — not a second model) and returns, week by week:

* **forecast vs capacity** — the cases the customer orders (demand on us) and the cases we can
  ship within the account's share of capacity; ``short = ordered − shipped``;
* **budget** — trade spend accrued week by week against the quarter's trade budget;
* the plan's headline KPIs: NR vs the same weeks last year, TTS % vs the account's cap,
  CC % vs last year, budget use, capacity shortfall, last-week share (LWS) and weeks of cover.

A slot is (SKU, start week 1–13 of the plan, duration, depth, mechanic, display, feature).
With ``include_planned=True`` the world's own PLANNED promotions for those weeks stay in the
plan and the slots are added on top (one promotion at a time per SKU — an overlap is a
``ValueError`` naming the rows); with ``False`` only the slots run. Planned rows keep the
world's funding and fees; slots are costed by the simulator's default rules
(:func:`slot_costs`). The replay seed is fixed
(:data:`PLAN_SEED`), so the same plan always gives the same numbers.

Speed: the big tables are cut to the account once (:class:`PlannerContext`); the replay reads
only that account's rows, so the result is identical to replaying on the whole world.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab.analysis._cache import per_world
from kamlab.data.world import World
from kamlab.sim import PlanResult, SimConfig, simulate_plan

__all__ = [
    "DISPLAYS",
    "FEATURES",
    "HORIZON",
    "MECHANICS",
    "PLAN_SEED",
    "PlannerContext",
    "PlannerResult",
    "PromoSlot",
    "planner_context",
    "run_plan",
    "slot_costs",
    "slots_frame",
]

HORIZON = 13
PLAN_SEED = 1
"""The replay seed of the planner (and of the M2 planner self-check)."""
MECHANICS: tuple[str, ...] = (
    "TPR",
    "MULTIBUY",
    "BOGO",
    "GWP",
    "DISPLAY_ONLY",
    "EC_COUPON",
    "TRADE_DEAL",
)
DISPLAYS: tuple[str, ...] = ("NONE", "ENDCAP", "FLOOR_STACK")
FEATURES: tuple[str, ...] = ("NONE", "DM", "APP_BANNER")
_ACCOUNT_TABLES = (
    "sell_in",
    "sell_out",
    "customer_inventory",
    "trade_spend",
    "market_account_week",
    "audit_visits",
    "cts_drivers",
    "order_lines",
    "forecasts",
    "promotions",
)


@dataclass(frozen=True)
class PromoSlot:
    """One promotion slot of the plan: ``start`` is the plan week (1 = the first week after the
    world), ``weeks`` its duration; ``depth`` the price cut (0–0.5)."""

    sku_id: str
    start: int
    weeks: int = 2
    depth: float = 0.2
    mechanic: str = "TPR"
    display: str = "NONE"
    feature: str = "NONE"

    def check(self) -> None:
        """ValueError if a field is out of range (the simulator checks the rest)."""
        if not 1 <= int(self.start) <= HORIZON:
            raise ValueError(
                f"slot {self.sku_id}: start week must be 1–{HORIZON}; got {self.start}."
            )
        if int(self.weeks) < 1 or int(self.start) + int(self.weeks) - 1 > HORIZON:
            raise ValueError(
                f"slot {self.sku_id}: {self.weeks} week(s) from week {self.start} run past week "
                f"{HORIZON}; shorten it or start earlier."
            )
        if not 0.0 <= float(self.depth) <= 0.5:
            raise ValueError(f"slot {self.sku_id}: depth must be 0–0.5; got {self.depth}.")
        for name, value, allowed in (
            ("mechanic", self.mechanic, MECHANICS),
            ("display", self.display, DISPLAYS),
            ("feature", self.feature, FEATURES),
        ):
            if value not in allowed:
                raise ValueError(f"slot {self.sku_id}: {name} {value!r} is not one of {allowed}.")


@dataclass
class PlannerContext:
    """A world cut per account for fast replays, with the listed SKUs and PLANNED promotions."""

    world: World
    T: int
    week_labels: list[str]
    accounts: pd.DataFrame
    products: pd.DataFrame
    params: Any = None
    list_price: pd.Series | None = None
    _info: dict[str, dict] = field(default_factory=dict)
    _slim: dict[str, World] = field(default_factory=dict)
    _listed: dict[str, list[str]] = field(default_factory=dict)
    _planned: dict[str, pd.DataFrame] = field(default_factory=dict)
    _cache: dict[tuple, PlanResult] = field(default_factory=dict)

    def slim(self, account_id: str) -> World:
        """The world with its account-level tables cut to ``account_id`` (same replay)."""
        if account_id not in set(self.accounts["account_id"]):
            raise ValueError(f"account_id {account_id!r} is not in this world.")
        if account_id not in self._slim:
            pub = {}
            for name, df in self.world.public.items():
                if name in _ACCOUNT_TABLES and "account_id" in df.columns:
                    df = df.loc[df["account_id"].astype(str).to_numpy() == account_id]
                pub[name] = df
            self._slim[account_id] = World(public=pub, truth={}, meta=self.world.meta)
        return self._slim[account_id]

    def account_info(self, account_id: str) -> dict:
        """Channel, store count, price factor and current (last FY) terms of an account."""
        if account_id not in self._info:
            w = self.slim(account_id)
            acc = w.public["accounts"]
            row = acc.loc[acc["account_id"].astype(str) == account_id].iloc[0]
            tt = w.public["trade_terms"]
            tt = tt.loc[tt["account_id"].astype(str) == account_id].sort_values("fiscal_year")
            self._info[account_id] = {
                "channel": str(row["channel"]),
                "stores": float(row["store_count"]),
                "price_factor": float(row["price_factor"]) if "price_factor" in acc else 1.0,
                "terms": tt.iloc[-1].to_dict(),
            }
        return self._info[account_id]

    def listed(self, account_id: str) -> list[str]:
        """SKUs listed at the account (those with sell-out rows), sorted."""
        if account_id not in self._listed:
            so = self.slim(account_id).public["sell_out"]
            self._listed[account_id] = sorted(set(so["sku_id"].astype(str)))
        return self._listed[account_id]

    def planned(self, account_id: str) -> pd.DataFrame:
        """The world's PLANNED promotions of the account in the 13 plan weeks (plan format)."""
        if account_id not in self._planned:
            self._planned[account_id] = self._planned_rows(account_id)
        return self._planned[account_id].copy()

    def _planned_rows(self, account_id: str) -> pd.DataFrame:
        pr = self.slim(account_id).public["promotions"]
        T = self.T
        pr = pr.loc[
            (pr["status"].astype(str).to_numpy() == "PLANNED")
            & (pr["start_week"].to_numpy(int) >= T)
            & (pr["start_week"].to_numpy(int) <= T + HORIZON - 1)
        ]
        out = pd.DataFrame(
            {
                "sku_id": pr["sku_id"].astype(str).to_numpy(),
                "start_week": pr["start_week"].to_numpy(int),
                "end_week": np.minimum(pr["end_week"].to_numpy(int), T + HORIZON - 1),
                "depth_pct": pr["depth_pct"].to_numpy(float),
                "mechanic": pr["mechanic"].astype(str).to_numpy(),
                "display_type": pr["display_type"].astype(str).to_numpy(),
                "feature": pr["feature"].astype(str).to_numpy(),
                "funding_per_case": pr["funding_per_case"].to_numpy(float),
                "fixed_fee_rmb": pr["fixed_fee_rmb"].to_numpy(float),
                "source": "planned",
            }
        )
        return out.reset_index(drop=True)


def planner_context(world: World) -> PlannerContext:
    """Build (or fetch from the per-world cache) the :class:`PlannerContext` of ``world``."""
    return per_world(world, "m2.planner", _build)


def _build(world: World) -> PlannerContext:
    cal = world["calendar"]
    T = len(cal)
    # label the plan weeks with the fiscal calendar continued (4-4-5, 52-week years)
    from kamlab.data.calendar import fiscal_calendar

    ext = fiscal_calendar(T + HORIZON)
    labels = [
        f"{r.period_key} W{int(r.week_of_period)}"
        for r in ext.iloc[T : T + HORIZON].itertuples(index=False)
    ]
    acc = world["accounts"]
    prod = world["products"]
    cfg = world.meta.get("config") if isinstance(world.meta, dict) else None
    if not isinstance(cfg, dict):
        raise ValueError(
            "world has no simulator configuration in its meta (it was imported, not simulated); "
            "the planner replays plans on a simulated world only."
        )
    ctx = PlannerContext(
        world=world,
        T=T,
        week_labels=labels,
        accounts=pd.DataFrame(
            {
                "account_id": acc["account_id"].astype(str).to_numpy(),
                "account_name": acc["account_name"].astype(str).to_numpy(),
                "channel": acc["channel"].astype(str).to_numpy(),
            }
        ),
        products=pd.DataFrame(
            {
                "sku_id": prod["sku_id"].astype(str).to_numpy(),
                "sku_name": prod["sku_name"].astype(str).to_numpy(),
            }
        ),
        params=SimConfig.from_dict(cfg).params,
        list_price=pd.Series(
            prod["list_price_case"].to_numpy(float), index=prod["sku_id"].astype(str).to_numpy()
        ),
    )
    return ctx


def slot_costs(ctx: PlannerContext, account_id: str, slot: PromoSlot) -> tuple[float, float]:
    """The funding per case and fixed fee (RMB) the simulator charges a slot by default.

    The rules of :func:`kamlab.sim.simulate_plan` for a row without costs (SPEC §3.4, the
    world's configuration): funding = scan-back share × price cut × list price × the account's
    price factor (a TRADE_DEAL funds its whole depth off invoice; GWP and DISPLAY_ONLY none);
    fixed fee = the terms' end-cap or floor-stack fee per store-period × the stores taking a
    display (the channel's display share × store count) × started 4-week periods, plus one DM
    issue when the slot is featured. They are passed explicitly because the world's PLANNED
    rows carry their own costs (an event's fees split over its SKUs) and a plan's rows must
    all say how they are paid. A test checks these against the simulator's own defaults.
    """
    info = ctx.account_info(account_id)
    params = ctx.params
    list_pf = float(ctx.list_price[slot.sku_id]) * info["price_factor"]
    d = float(slot.depth)
    if slot.mechanic == "TRADE_DEAL":
        funding = d * list_pf
    elif slot.mechanic in ("GWP", "DISPLAY_ONLY"):
        funding = 0.0
    else:
        funding = float(params.scanback_share) * d * list_pf
    terms = info["terms"]
    share = {
        "HYPER": params.display_share_hyper,
        "SUPER": params.display_share_super,
        "CVS": params.display_share_cvs,
    }.get(info["channel"], 0.0)
    fee = {
        "ENDCAP": float(terms["endcap_fee_per_store_period"]),
        "FLOOR_STACK": float(terms["floorstack_fee_per_store_period"]),
    }.get(slot.display, 0.0)
    periods = int(np.ceil(int(slot.weeks) / 4))
    fixed = fee * round(share * info["stores"]) * periods
    if slot.feature != "NONE":
        fixed += float(terms["dm_fee_per_issue"])
    return funding, fixed


def slots_frame(
    slots: Iterable[PromoSlot], T: int, costs: Sequence[tuple[float, float]] | None = None
) -> pd.DataFrame:
    """Slots as simulate_plan promotion rows (``start_week = T + start − 1``), with their
    ``(funding_per_case, fixed_fee_rmb)`` when ``costs`` is given (else NaN)."""
    rows = []
    slots = list(slots)
    costs = list(costs) if costs is not None else [(np.nan, np.nan)] * len(slots)
    for s, (fund, fixed) in zip(slots, costs, strict=True):
        s.check()
        a = T + int(s.start) - 1
        rows.append(
            {
                "sku_id": s.sku_id,
                "start_week": a,
                "end_week": a + int(s.weeks) - 1,
                "depth_pct": float(s.depth),
                "mechanic": s.mechanic,
                "display_type": s.display,
                "feature": s.feature,
                "funding_per_case": fund,
                "fixed_fee_rmb": fixed,
                "source": "slot",
            }
        )
    cols = ["sku_id", "start_week", "end_week", "depth_pct", "mechanic", "display_type",
            "feature", "funding_per_case", "fixed_fee_rmb", "source"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class PlannerResult:
    """A replayed 13-week plan.

    ``weekly``: per plan week ``week`` (1–13), ``week_id``, ``label``, ``ordered`` (the
    forecast of the customer's orders, cases), ``ordered_base`` (the same without the slots),
    ``shipped``, ``short`` (= ordered − shipped, ≥ 0), ``sold`` (sell-out cases),
    ``promo_spend`` (promotion funding + display/DM fees of the week), ``trade_spend`` (all of
    it), ``cum_spend``, ``budget``; ``promotions``: the plan's promotion rows (``source`` =
    ``planned`` or ``slot``); ``kpis``: ``nr, nr_ly, nr_growth, tts_rate, tts_rate_cap, cc_rate,
    cc_rate_ly, budget, budget_used, capacity_short_cases, short_weeks, lws_max, woc_end,
    woc_band, composite, rag``; ``plan``: the :class:`kamlab.sim.PlanResult`.
    """

    account_id: str
    weekly: pd.DataFrame
    promotions: pd.DataFrame
    kpis: dict[str, Any]
    plan: PlanResult


_PROMO_SPEND = ("PROMO_SCAN_BACK", "PROMO_OFF_INVOICE", "PROMO_LUMP_SUM", "DISPLAY_FEE", "DM_FEE")


def _replay(
    ctx: PlannerContext, account_id: str, promos: pd.DataFrame, budget: float | None
) -> PlanResult:
    key = (account_id, promos.drop(columns="source").to_csv(index=False), budget)
    hit = ctx._cache.get(key)
    if hit is not None:
        return hit
    plan: dict[str, Any] = {"promotions": promos.drop(columns="source")}
    if budget is not None:
        plan["budget"] = pd.DataFrame({"trade_budget_rmb": [float(budget)]})
    res = simulate_plan(ctx.slim(account_id), account_id, plan, seed=PLAN_SEED)
    if len(ctx._cache) > 64:
        ctx._cache.clear()
    ctx._cache[key] = res
    return res


def _check_overlaps(promos: pd.DataFrame, T: int) -> None:
    """One promotion at a time per SKU: a readable ValueError naming both rows' weeks."""
    for sku, g in promos.groupby("sku_id", sort=True):
        g = g.sort_values(["start_week", "end_week"], kind="mergesort")
        a, b, src = (g[c].to_numpy() for c in ("start_week", "end_week", "source"))
        for i in range(1, len(g)):
            if a[i] <= b[:i].max():
                j = int(np.argmax(b[:i]))
                raise ValueError(
                    f"{sku} is promoted twice at once: weeks {a[j] - T + 1}–{b[j] - T + 1} "
                    f"({src[j]}) and {a[i] - T + 1}–{b[i] - T + 1} ({src[i]}). Move one of "
                    "them, pick another SKU, or drop the planned promotions."
                )


def run_plan(
    world_or_ctx: Any,
    account_id: str,
    slots: Sequence[PromoSlot] = (),
    *,
    include_planned: bool = True,
    budget: float | None = None,
) -> PlannerResult:
    """Replay ``account_id``'s next 13 weeks with the promotion ``slots`` (see module doc).

    ``budget``: the quarter's trade budget in RMB (default: simulate_plan's — the account's
    budget for the same periods last year × 1.05).
    """
    ctx = (
        world_or_ctx if isinstance(world_or_ctx, PlannerContext) else planner_context(world_or_ctx)
    )
    if budget is not None and (not np.isfinite(float(budget)) or float(budget) < 0):
        raise ValueError(f"budget must be an amount ≥ 0 in RMB; got {budget!r}.")
    listed = ctx.listed(account_id)
    for s in slots:
        if s.sku_id not in listed:
            raise ValueError(
                f"SKU {s.sku_id} is not listed at {account_id}; choose one of its listed SKUs."
            )
    base_rows = ctx.planned(account_id) if include_planned else slots_frame([], ctx.T)
    mine = slots_frame(slots, ctx.T, [slot_costs(ctx, account_id, s) for s in slots])
    promos = pd.concat([base_rows, mine], ignore_index=True) if len(mine) else base_rows
    _check_overlaps(promos, ctx.T)
    res = _replay(ctx, account_id, promos, budget)
    base = res if not len(mine) else _replay(ctx, account_id, base_rows, budget)
    aw = res.account_weekly
    sp = res.spend.set_index("week_id")
    promo_spend = sum(
        (sp[c].to_numpy(float) for c in _PROMO_SPEND if c in sp.columns), np.zeros(len(sp))
    )
    tts_w = aw["trade_spend"].to_numpy(float)
    ordered = aw["cases_ordered"].to_numpy(float)
    shipped = aw["cases_shipped"].to_numpy(float)
    k = res.kpis
    weekly = pd.DataFrame(
        {
            "week": np.arange(1, len(aw) + 1),
            "week_id": aw["week_id"].to_numpy(int),
            "label": ctx.week_labels[: len(aw)],
            "ordered": ordered,
            "ordered_base": base.account_weekly["cases_ordered"].to_numpy(float),
            "shipped": shipped,
            "short": np.maximum(ordered - shipped, 0.0),
            "sold": aw["cases_sold"].to_numpy(float),
            "promo_spend": promo_spend,
            "trade_spend": tts_w,
            "cum_spend": np.cumsum(tts_w),
            "budget": np.full(len(aw), float(k["budget"])),
        }
    )
    nr_ly = float(k["nr_ly"])
    kpis = {
        "nr": float(k["nr"]),
        "nr_ly": nr_ly,
        "nr_growth": float(k["nr"]) / nr_ly - 1.0 if nr_ly > 0 else float("nan"),
        "tts_rate": float(k["tts_rate"]),
        "tts_rate_cap": float(k["tts_rate_cap"]),
        "cc_rate": float(k["cc_rate"]),
        "cc_rate_ly": float(k["cc_rate_ly"]),
        "budget": float(k["budget"]),
        "budget_used": float(k["budget_used"]),
        "capacity_short_cases": float(k["capacity_short_cases"]),
        "short_weeks": int((weekly["short"] > 0.5).sum()),
        "lws_max": float(k["lws_max"]),
        "woc_end": float(k["woc_end"]),
        "woc_band": tuple(k["woc_band"]),
        "composite": float(res.composite),
        "rag": str(res.rag),
    }
    return PlannerResult(
        account_id=account_id, weekly=weekly, promotions=promos, kpis=kpis, plan=res
    )
