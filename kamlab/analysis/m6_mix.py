"""M6 mix monitor 渠道/品牌/包装结构 (SPEC §2.12): plan vs actual mix and the TVD trend.

Actual mix = shares of volume sold (``sell_out.cases_sold`` × ``products.volume_eq_per_case``,
the plan's unit) by channel, brand or pack type, within a scope of ``mix_plan``: the company,
a region (accounts grouped by headquarters region, as the plan is) or one account (brand and
pack only). Planned mix = ``mix_plan.planned_share`` of that fiscal year.

* Year view: per member, planned share, actual share over the fiscal year and the deviation
  ``d_c = s_c − p_c`` (:func:`kamlab.metrics.mix_deviation_table`), and the total mix
  deviation ``TVD = ½ Σ |s_c − p_c|`` (:func:`kamlab.metrics.mix_deviation`).
* Trend: TVD per fiscal period over a trailing window of ``window`` weeks ending with the
  period (``window = 0``: the period's own weeks), against the plan of the period's year, and
  the drift flag TVD > 0.05 (:func:`kamlab.metrics.mix_drift_flag`). A single period is noisy
  (Double 11 lifts e-commerce, Spring Festival lifts gift packs); a 13- or 26-week window shows
  structural drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m6_common import pair_matrix, periods

__all__ = ["DIMENSIONS", "MixView", "mix_monitor", "mix_scopes"]

DIMENSIONS = ("CHANNEL", "BRAND", "PACK_TYPE")


@dataclass
class _Ctx:
    members: dict[str, list[str]]  # dimension → members
    vol: dict[str, np.ndarray]  # dimension → (A, M, T) volume_eq
    accounts: list[str]
    region_of: dict[str, str]
    plan: pd.DataFrame


def _build(world: Any) -> _Ctx:
    T = len(world.calendar)
    acc = world.accounts.sort_values("account_id")
    accounts = acc.account_id.astype(str).tolist()
    arow = {a: i for i, a in enumerate(accounts)}
    prod = world.products.set_index(world.products.sku_id.astype(str))
    so = world.sell_out
    sku = so.sku_id.astype(str)
    v = so.cases_sold.to_numpy(float) * sku.map(prod.volume_eq_per_case).to_numpy(float)
    a_i = so.account_id.astype(str).map(arow).to_numpy()
    chan = dict(zip(acc.account_id.astype(str), acc.channel.astype(str), strict=True))
    attrs = {
        "CHANNEL": so.account_id.astype(str).map(chan).to_numpy(),
        "BRAND": sku.map(prod.brand.astype(str)).to_numpy(),
        "PACK_TYPE": sku.map(prod.pack_type.astype(str)).to_numpy(),
    }
    plan = world.mix_plan
    members, vol = {}, {}
    for dim, lab in attrs.items():
        planned = plan.loc[plan.dimension.astype(str) == dim, "member"].astype(str)
        mem = sorted(set(lab.tolist()) | set(planned))
        mrow = {m: i for i, m in enumerate(mem)}
        code = a_i * len(mem) + pd.Series(lab).map(mrow).to_numpy()
        flat = pair_matrix(
            pd.DataFrame({"week_id": so.week_id.to_numpy(), "v": v}),
            code,
            "v",
            len(accounts) * len(mem),
            T,
        )
        members[dim] = mem
        vol[dim] = flat.reshape(len(accounts), len(mem), T)
    region_of = dict(zip(acc.account_id.astype(str), acc.hq_region_id.astype(str), strict=True))
    pl = plan.assign(
        scope_type=plan.scope_type.astype(str),
        scope_id=plan.scope_id.astype(str),
        dimension=plan.dimension.astype(str),
        member=plan.member.astype(str),
    )
    return _Ctx(members, vol, accounts, region_of, pl)


def _ctx(world: Any) -> _Ctx:
    tables = ("calendar", "accounts", "products", "sell_out", "mix_plan")
    return per_world(world, "m6.mix", _build, tables=tables)


def mix_scopes(world: Any, dimension: str) -> list[str]:
    """Scopes of ``mix_plan`` with a plan for ``dimension``, as ``"COMPANY:ALL"``,
    ``"REGION:R1"``, ``"ACCOUNT:ACC001"`` (company first, then regions, then accounts)."""
    pl = _ctx(world).plan
    sub = pl[pl.dimension == dimension][["scope_type", "scope_id"]].drop_duplicates()
    order = {"COMPANY": 0, "REGION": 1, "ACCOUNT": 2}
    sub = sub.assign(o=sub.scope_type.map(order)).sort_values(["o", "scope_id"])
    return [f"{t}:{i}" for t, i in zip(sub.scope_type, sub.scope_id, strict=True)]


@dataclass(frozen=True)
class MixView:
    """Result of :func:`mix_monitor`.

    ``table``: member, planned_share, actual_share, deviation (year view); ``tvd`` the year's
    total mix deviation and ``flag`` its drift flag; ``trend``: period_key, tvd, flag per
    period of the year.
    """

    dimension: str
    scope: str
    fiscal_year: int
    window: int
    table: pd.DataFrame
    tvd: float
    flag: bool
    trend: pd.DataFrame


def mix_monitor(
    world: Any,
    dimension: str = "CHANNEL",
    scope: str = "COMPANY:ALL",
    fiscal_year: int | None = None,
    window: int = 13,
) -> MixView:
    """Plan vs actual mix of ``dimension`` in ``scope`` for ``fiscal_year`` and the TVD trend."""
    c = _ctx(world)
    per = periods(world)
    if dimension not in DIMENSIONS:
        raise ValueError(f"'dimension' must be one of {', '.join(DIMENSIONS)}; got {dimension!r}.")
    years = sorted(set(per.years.tolist()))
    fy = years[-1] if fiscal_year is None else int(fiscal_year)
    if fy not in years:
        raise ValueError(f"'fiscal_year' {fy} is not in the calendar ({years[0]}–{years[-1]}).")
    w = int(window)
    if w < 0 or w > len(per.week_year):
        raise ValueError(f"'window' must be 0 (the period) to {len(per.week_year)} weeks; got {w}.")
    stype, _, sid = str(scope).partition(":")
    if stype == "COMPANY":
        rows = np.arange(len(c.accounts))
    elif stype == "REGION":
        rows = np.array([i for i, a in enumerate(c.accounts) if c.region_of[a] == sid])
    elif stype == "ACCOUNT":
        rows = np.array([i for i, a in enumerate(c.accounts) if a == sid])
    else:
        rows = np.array([], dtype=int)
    plan_all = c.plan[
        (c.plan.scope_type == stype) & (c.plan.scope_id == sid) & (c.plan.dimension == dimension)
    ]
    if rows.size == 0 or plan_all.empty:
        raise ValueError(
            f"There is no {dimension.lower()} mix plan for scope {scope!r}: pick one of "
            f"{', '.join(mix_scopes(world, dimension)[:6])} …"
        )
    mem = c.members[dimension]
    vol = c.vol[dimension][rows].sum(axis=0)  # (M, T)

    def plan_of(year: int) -> dict[str, float]:
        p = plan_all[plan_all.fiscal_year == year]
        return dict(zip(p.member, p.planned_share.astype(float), strict=True))

    planned = plan_of(fy)
    if not planned:
        raise ValueError(f"There is no mix plan for {scope} in FY{fy}.")
    yr = per.week_year == fy
    actual = {m: float(x) for m, x in zip(mem, vol[:, yr].sum(axis=1), strict=True)}
    actual = {m: x for m, x in actual.items() if x > 0 or m in planned}
    table = km.mix_deviation_table(actual, planned)
    tvd = km.mix_deviation(actual, planned)
    cum = np.concatenate([np.zeros((len(mem), 1)), np.cumsum(vol, axis=1)], axis=1)
    trend = []
    for p in np.flatnonzero(per.years == fy):
        end = int(per.first_week[p] + per.n_weeks[p])
        start = int(per.first_week[p]) if w == 0 else max(0, end - w)
        win = cum[:, end] - cum[:, start]
        act = {m: float(x) for m, x in zip(mem, win, strict=True) if x > 0 or m in planned}
        t = km.mix_deviation(act, planned) if sum(act.values()) > 0 else np.nan
        trend.append({"period_key": per.keys[p], "tvd": t})
    trend_df = pd.DataFrame(trend)
    ok = trend_df.tvd.notna()
    trend_df["flag"] = False
    if ok.any():
        trend_df.loc[ok, "flag"] = km.mix_drift_flag(trend_df.tvd[ok].to_numpy())
    return MixView(
        dimension=dimension,
        scope=str(scope),
        fiscal_year=fy,
        window=w,
        table=table,
        tvd=float(tvd),
        flag=bool(km.mix_drift_flag(tvd)),
        trend=trend_df,
    )
