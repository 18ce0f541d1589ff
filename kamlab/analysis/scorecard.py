"""The five-indicator scorecard per account × period (SPEC §2.18), from a world's tables.

For each account and a selection of fiscal periods (one period, a range, a fiscal year):

=============  =============================================  ======================================
indicator      actual                                         target
=============  =============================================  ======================================
profit         customer contribution CC (SPEC §2.1; GP        Σ ``targets_period.cc_target``
               alongside)
revenue        net revenue NR                                 Σ ``targets_period.nr_target``
share          value share = Σ our value / Σ category value   ``targets_annual.value_share_target``
               (SPEC §2.5)
execution      Perfect Store Score: store-ACV-weighted mean   ``targets_annual.perfect_store_target``
               of the audited visits' PSS (SPEC §2.17)
fill_rate      case fill = Σ shipped / Σ ordered (SPEC §2.7;  ``trade_terms.case_fill_kpi``
               line-level OTIF and order OTIF alongside)
=============  =============================================  ======================================

Achievement ``a_k = actual/target``, capped at 1.2, composite ``Σ w_k min(a_k, 1.2)`` with the
default weights 0.25/0.25/0.2/0.15/0.15 and RAG (green ≥ 1.0, amber ≥ 0.95) — all from
:func:`kamlab.metrics.five_indicator_score`. Every formula is a :mod:`kamlab.metrics` call
(``account_pnl``, ``cost_to_serve``, ``value_share``, ``share_of_shelf_kpi``,
``perfect_store_score``, ``acv_weighted_mean``, ``fill_rates``, ``five_indicator_score``,
``rag_status``); this module only selects and sums the raw tables.

Decisions where the spec leaves room (documented so a trainee can reproduce every number):

* **Money**: GS = Σ ``sell_in.gross_sales``; trade spend from the ``trade_spend`` ledger by
  accrual week (``on_invoice`` rows are on-invoice, the rest off-invoice); COGS = Σ cases
  shipped × ``products.cogs_case``; CTS = freight + order handling (``cts_drivers``) +
  merchandising + KAM cost + financing (NR × 6 % × ``trade_terms.payment_terms_days`` / 365). The
  KAM cost of an owner (``kam.cost_rmb_year``, owner = ``accounts.kam_id``) is allocated to the
  accounts they own by net-revenue share within the fiscal year, and to periods by weeks
  (``cost × weeks / 52``).
* **Share** of a key account comes from the retailer POS data (``market_account_week``, all
  categories); a distributor has no account POS, so its share is our value share of traditional
  trade in its region (``market_region_period``, channel group TT) — the market it serves.
* **Execution**: per visit, KPIs availability ``1 − oos_n/listed_n``, share-of-shelf KPI
  ``min(1, SoS / the account's value share in that period)``, planogram, price and display
  compliance; a KPI whose denominator is 0 in a visit (no contracted display, say) is left out of
  that visit's PSS and the remaining weights are renormalised (``perfect_store_score`` does this).
* **Targets over a range**: money targets are summed over the selected periods; rate targets
  (share, PSS, case-fill KPI) are the fiscal year's, averaged over the selected periods when a
  range spans two years.
* **Missing or undefined indicators** (no audits, no orders, no POS, a target ≤ 0): the
  achievement is ``NaN``, the indicator is named in ``missing``, and the composite uses the
  remaining indicators with their weights renormalised; with none left, composite and RAG are
  empty. Nothing is invented.
* **basis="sell_out"** values the period's consumer offtake (``sell_out.cases_sold``) at our
  prices: GS at each SKU's account price, COGS per case, on-invoice and variable off-invoice spend
  at the range's realised rates of GS, fixed spend and CTS as incurred. It shows what revenue and
  profit look like without pipeline fill (loading); share, execution and fill are unchanged.

Speed: the first call on a world builds a per account × period aggregate (cached for that world
object, about a second on the default world); later calls answer from it (one account and a
period range in a few ms). Replace a table (``world.public["sell_in"] = …``) to invalidate the
cache; editing a table in place is not detected.

>>> import kamlab                                                     # doctest: +SKIP
>>> sc = account_scorecard(kamlab.load_world(), fiscal_year=2024)     # doctest: +SKIP
>>> sc[["account_id", "composite", "rag"]].head(3)                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import forget, per_world
from kamlab.metrics.execution import PSS_WEIGHTS
from kamlab.metrics.scorecard import FIVE_INDICATOR_WEIGHTS, FIVE_INDICATORS

__all__ = [
    "INDICATORS",
    "account_scorecard",
    "clear_cache",
    "indicator_view",
]

INDICATORS = FIVE_INDICATORS
_BASES = ("sell_in", "sell_out")
_FIN_RATE = 0.06


def _tbl(world: Any, name: str) -> pd.DataFrame:
    try:
        return world[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"world has no {name!r} table; the scorecard needs sell_in, trade_spend, products, "
            "cts_drivers, accounts, kam, trade_terms, targets_annual, targets_period, "
            "market_account_week, market_region_period, audit_visits, stores, order_lines, "
            "sell_out and calendar."
        ) from None


# ---------------------------------------------------------------------------------------------
# The per account × period aggregate (built once per world)


_MONEY = (
    "gs", "cases", "cogs", "gs_so", "cogs_so", "cases_so", "oid", "off_var", "off_fixed",
    "oid_fixed", "freight", "n_orders", "handling", "merch", "kam_cost",
)  # fmt: skip
_TARGETS_P = ("nr_target", "cc_target", "gp_target")
_TARGETS_FY = (
    "value_share_target", "perfect_store_target", "case_fill_kpi", "otif_kpi", "payment_terms_days",
)  # fmt: skip


@dataclass
class _Cache:
    """Dense per account × period arrays (A accounts, P periods, Y fiscal years)."""

    fingerprint: tuple
    periods: pd.DataFrame  # pidx, period_key, fiscal_year, n_weeks
    accounts: pd.DataFrame  # account_id, account_name, tier, channel, account_type, kam_id, …
    acc_pos: dict[str, int]
    fy_pos: np.ndarray  # (P,) fiscal-year index of each period
    years: list[int]
    money: np.ndarray  # (A, P, len(_MONEY)) sums
    share: np.ndarray  # (A, P, 2) ours, category
    targets_p: np.ndarray  # (A, P, 3), NaN = no target row
    targets_fy: np.ndarray  # (A, Y, 5), NaN = no row
    visits: pd.DataFrame  # per visit: account_id, pidx, pss, acv (sorted)
    visit_slices: dict[tuple[str, int], tuple[int, int]]
    lines: pd.DataFrame  # order lines: account_id, pidx, order_id, cases_*, days_late (sorted)
    line_slices: dict[tuple[str, int], tuple[int, int]]


_KEY = "scorecard"
_TABLES = (
    "calendar",
    "accounts",
    "products",
    "sell_in",
    "sell_out",
    "trade_spend",
    "cts_drivers",
    "kam",
    "trade_terms",
    "targets_annual",
    "targets_period",
    "market_account_week",
    "market_region_period",
    "audit_visits",
    "stores",
    "order_lines",
)


def _fingerprint(world: Any) -> tuple:
    return tuple((n, id(_tbl(world, n)), len(_tbl(world, n))) for n in _TABLES)


def clear_cache() -> None:
    """Forget every cached scorecard aggregate."""
    forget(_KEY)


def _get_cache(world: Any) -> _Cache:
    # a missing table: a ValueError naming the tables the scorecard needs (before the look-up)
    fp = _fingerprint(world)
    # rebuilt when one of _TABLES is replaced or changes its row count (the same fingerprint);
    # a plain dict of tables is not cached
    return per_world(world, _KEY, lambda w: _build(w, fp), tables=_TABLES)


def _build(world: Any, fp: tuple) -> _Cache:
    cal = _tbl(world, "calendar")
    per = (
        cal.groupby(cal["period_key"].astype(str), sort=False)
        .agg(
            fiscal_year=("fiscal_year", "first"),
            n_weeks=("week_id", "size"),
            first=("week_id", "min"),
        )
        .sort_values("first")
        .reset_index()
    )
    per["pidx"] = np.arange(len(per))
    pidx_of_key = dict(zip(per["period_key"], per["pidx"], strict=True))
    week_p = pd.Series(
        cal["period_key"].astype(str).map(pidx_of_key).to_numpy(), index=cal["week_id"].to_numpy()
    )
    fy_of_p = per.set_index("pidx")["fiscal_year"].astype(int)

    acc = _tbl(world, "accounts").copy()
    acc["account_id"] = acc["account_id"].astype(str)
    prod = _tbl(world, "products")
    cogs_case = pd.Series(prod["cogs_case"].to_numpy(float), index=prod["sku_id"].astype(str))

    def _wk(df: pd.DataFrame, col: str = "week_id") -> np.ndarray:
        return week_p.reindex(df[col].to_numpy()).to_numpy()

    key = ["account_id", "pidx"]

    # -- money: sell-in, trade spend, CTS drivers ----------------------------------------------
    si = _tbl(world, "sell_in")
    si_f = pd.DataFrame(
        {
            "account_id": si["account_id"].astype(str).to_numpy(),
            "pidx": _wk(si),
            "gs": si["gross_sales"].to_numpy(float),
            "cases": si["cases_shipped"].to_numpy(float),
            "cogs": si["cases_shipped"].to_numpy(float)
            * si["sku_id"].astype(str).map(cogs_case).to_numpy(float),
        }
    )
    money = si_f.groupby(key).sum()
    # SKU gross price per case at the account (for the sell-out basis)
    price = acc.set_index("account_id")["price_factor"] if "price_factor" in acc.columns else None
    so = _tbl(world, "sell_out")
    so_sku = so["sku_id"].astype(str)
    lp = pd.Series(prod["list_price_case"].to_numpy(float), index=prod["sku_id"].astype(str))
    factor = so["account_id"].astype(str).map(price).to_numpy(float) if price is not None else 1.0
    cs = so["cases_sold"].to_numpy(float)
    so_f = pd.DataFrame(
        {
            "account_id": so["account_id"].astype(str).to_numpy(),
            "pidx": _wk(so),
            "gs_so": cs * so_sku.map(lp).to_numpy(float) * factor,
            "cogs_so": cs * so_sku.map(cogs_case).to_numpy(float),
            "cases_so": cs,
        }
    )
    money = money.join(so_f.groupby(key).sum(), how="outer")
    ts = _tbl(world, "trade_spend")
    on_inv = ts["on_invoice"].to_numpy(bool)
    fixed = ts["is_fixed"].to_numpy(bool)
    amt = ts["amount_rmb"].to_numpy(float)
    ts_f = pd.DataFrame(
        {
            "account_id": ts["account_id"].astype(str).to_numpy(),
            "pidx": _wk(ts),
            "oid": np.where(on_inv, amt, 0.0),
            "off_var": np.where(~on_inv & ~fixed, amt, 0.0),
            "off_fixed": np.where(~on_inv & fixed, amt, 0.0),
            "oid_fixed": np.where(on_inv & fixed, amt, 0.0),
        }
    )
    money = money.join(ts_f.groupby(key).sum(), how="outer")
    cts = _tbl(world, "cts_drivers")
    cts_f = pd.DataFrame(
        {
            "account_id": cts["account_id"].astype(str).to_numpy(),
            "pidx": _wk(cts),
            "freight": cts["freight_rmb"].to_numpy(float),
            "n_orders": cts["n_orders"].to_numpy(float),
            "handling": cts["order_handling_rmb"].to_numpy(float),
            "merch": cts["merchandiser_cost_rmb"].to_numpy(float),
        }
    )
    money = money.join(cts_f.groupby(key).sum(), how="outer").fillna(0.0)
    money = money.reset_index()
    money = money.loc[money["pidx"].notna()]
    money["pidx"] = money["pidx"].astype(int)
    money["fiscal_year"] = money["pidx"].map(fy_of_p).to_numpy()
    # KAM cost: owner's annual cost by NR share within the FY, × weeks / 52
    kam = _tbl(world, "kam")
    cost = pd.Series(kam["cost_rmb_year"].to_numpy(float), index=kam["kam_id"].astype(str))
    owner = acc.set_index("account_id")["kam_id"].astype(str)
    money["owner"] = money["account_id"].map(owner)
    money["nr_est"] = money["gs"] - money["oid"] - money["off_var"] - money["off_fixed"]
    nr_fy = money.groupby(["account_id", "fiscal_year"])["nr_est"].sum().clip(lower=0)
    nr_fy = nr_fy.reset_index()
    nr_fy["owner"] = nr_fy["account_id"].map(owner)
    tot = nr_fy.groupby(["owner", "fiscal_year"])["nr_est"].transform("sum")
    n_acc = nr_fy.groupby(["owner", "fiscal_year"])["nr_est"].transform("size")
    nr_fy["share"] = np.where(tot > 0, nr_fy["nr_est"] / tot.where(tot > 0, 1), 1.0 / n_acc)
    share_fy = nr_fy.set_index(["account_id", "fiscal_year"])["share"]
    weeks = money["pidx"].map(per.set_index("pidx")["n_weeks"]).to_numpy(float)
    sh = share_fy.reindex(
        pd.MultiIndex.from_arrays([money["account_id"], money["fiscal_year"]])
    ).to_numpy()
    money["kam_cost"] = (
        money["owner"].map(cost).fillna(0.0).to_numpy() * np.nan_to_num(sh) * weeks / 52.0
    )
    money = money.drop(columns=["owner", "nr_est"]).set_index(key).sort_index()

    # -- share ---------------------------------------------------------------------------------
    maw = _tbl(world, "market_account_week")
    ours = maw["brand_owner"].astype(str).to_numpy() == "OURS"
    val = maw["value_incl_vat"].to_numpy(float)
    sh_ka = (
        pd.DataFrame(
            {
                "account_id": maw["account_id"].astype(str).to_numpy(),
                "pidx": _wk(maw),
                "ours": np.where(ours, val, 0.0),
                "category": val,
            }
        )
        .groupby(key)
        .sum()
    )
    mrp = _tbl(world, "market_region_period")
    tt = mrp.loc[mrp["channel_group"].astype(str) == "TT"]
    tt_val = tt["value_incl_vat"].to_numpy(float)
    tt_ours = tt["brand_owner"].astype(str).to_numpy() == "OURS"
    tt_f = (
        pd.DataFrame(
            {
                "region_id": tt["region_id"].astype(str).to_numpy(),
                "pidx": tt["period_key"].astype(str).map(pidx_of_key).to_numpy(),
                "ours": np.where(tt_ours, tt_val, 0.0),
                "category": tt_val,
            }
        )
        .groupby(["region_id", "pidx"])
        .sum()
        .reset_index()
    )
    dist = acc.loc[acc["account_type"].astype(str) == "DISTRIBUTOR", ["account_id", "hq_region_id"]]
    sh_d = dist.merge(tt_f, left_on=dist["hq_region_id"].astype(str), right_on="region_id")
    sh_d = sh_d[["account_id", "pidx", "ours", "category"]].set_index(key)
    share = pd.concat([sh_ka, sh_d]).sort_index()

    # -- execution: PSS per visit ----------------------------------------------------------------
    av = _tbl(world, "audit_visits")
    av = av.loc[av["account_id"].notna()]
    stores = _tbl(world, "stores")
    acv = pd.Series(stores["acv_rmb_k"].to_numpy(float), index=stores["store_id"].astype(str))
    v = pd.DataFrame(
        {
            "account_id": av["account_id"].astype(str).to_numpy(),
            "pidx": _wk(av),
            "acv": av["store_id"].astype(str).map(acv).to_numpy(float),
        }
    )
    share_p = share["ours"] / share["category"].where(share["category"] > 0)
    sos_target = share_p.reindex(pd.MultiIndex.from_arrays([v["account_id"], v["pidx"]])).to_numpy()

    def _ratio(num: str, den: str) -> np.ndarray:
        n = av[num].to_numpy(float)
        d = av[den].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d > 0, np.minimum(n / np.where(d > 0, d, 1), 1.0), np.nan)

    kpis = pd.DataFrame(
        {
            "availability": 1.0 - _ratio("oos_n", "listed_n"),
            "planogram": _ratio("pog_compliant", "pog_checkpoints"),
            "price": _ratio("price_compliant_n", "price_checks_n"),
            "display": _ratio("displays_found_n", "contracted_displays_n"),
        }
    )
    sos = _ratio("facings_ours", "facings_category")
    ok_sos = ~np.isnan(sos) & ~np.isnan(sos_target) & (np.nan_to_num(sos_target) > 0)
    sos_kpi = np.full(len(av), np.nan)
    if ok_sos.any():
        sos_kpi[ok_sos] = km.share_of_shelf_kpi(sos[ok_sos], sos_target[ok_sos])
    kpis.insert(1, "share_of_shelf", sos_kpi)
    pss = np.full(len(av), np.nan)
    avail = kpis.notna().to_numpy()
    patterns = pd.Series([row.tobytes() for row in avail])
    for _, idx in patterns.groupby(patterns).groups.items():
        rows = np.asarray(idx)
        cols = [c for c, ok in zip(kpis.columns, avail[rows[0]], strict=True) if ok]
        if not cols:
            continue
        w = {c: PSS_WEIGHTS[c] for c in cols}
        if sum(w.values()) <= 0:
            continue
        pss[rows] = np.asarray(
            km.perfect_store_score(kpis.iloc[rows][cols].reset_index(drop=True), w)
        )
    v["pss"] = pss
    v = v.loc[~np.isnan(pss) & ~np.isnan(v["acv"].to_numpy()) & v["pidx"].notna()]
    v["pidx"] = v["pidx"].astype(int)
    visits = v.sort_values(key, kind="mergesort").reset_index(drop=True)

    # -- order lines -----------------------------------------------------------------------------
    ol = _tbl(world, "order_lines")
    lines = pd.DataFrame(
        {
            "account_id": ol["account_id"].astype(str).to_numpy(),
            "pidx": _wk(ol),
            "order_id": ol["order_id"].astype(str).to_numpy(),
            "cases_ordered": ol["cases_ordered"].to_numpy(float),
            "cases_shipped": ol["cases_shipped"].to_numpy(float),
            "days_late": ol["days_late"].to_numpy(float),
        }
    )
    lines = lines.loc[lines["pidx"].notna()]
    lines["pidx"] = lines["pidx"].astype(int)
    lines = lines.sort_values(key, kind="mergesort").reset_index(drop=True)
    grp = lines.groupby(key, sort=False).indices
    line_slices = {(str(a), int(p)): (int(ix[0]), int(ix[-1]) + 1) for (a, p), ix in grp.items()}

    # -- targets ---------------------------------------------------------------------------------
    tp = _tbl(world, "targets_period")
    targets_p = (
        pd.DataFrame(
            {
                "account_id": tp["account_id"].astype(str).to_numpy(),
                "pidx": tp["period_key"].astype(str).map(pidx_of_key).to_numpy(),
                "nr_target": tp["nr_target"].to_numpy(float),
                "cc_target": tp["cc_target"].to_numpy(float),
                "gp_target": tp["gp_target"].to_numpy(float),
            }
        )
        .set_index(key)
        .sort_index()
    )
    ta = _tbl(world, "targets_annual")
    tt_ = _tbl(world, "trade_terms")
    targets_fy = (
        pd.DataFrame(
            {
                "account_id": ta["account_id"].astype(str).to_numpy(),
                "fiscal_year": ta["fiscal_year"].to_numpy(int),
                "value_share_target": ta["value_share_target"].to_numpy(float),
                "perfect_store_target": ta["perfect_store_target"].to_numpy(float),
            }
        )
        .merge(
            pd.DataFrame(
                {
                    "account_id": tt_["account_id"].astype(str).to_numpy(),
                    "fiscal_year": tt_["fiscal_year"].to_numpy(int),
                    "case_fill_kpi": tt_["case_fill_kpi"].to_numpy(float),
                    "otif_kpi": tt_["otif_kpi"].to_numpy(float),
                    "payment_terms_days": tt_["payment_terms_days"].to_numpy(float),
                }
            ),
            on=["account_id", "fiscal_year"],
            how="outer",
        )
        .set_index(["account_id", "fiscal_year"])
        .sort_index()
    )
    info_cols = [c for c in ("account_id", "account_name", "account_type", "channel", "tier", "hq_region_id", "kam_id", "payment_terms_days") if c in acc.columns]  # fmt: skip
    acc_ids = acc["account_id"].astype(str).tolist()
    acc_pos = {x: i for i, x in enumerate(acc_ids)}
    years = sorted(per["fiscal_year"].astype(int).unique().tolist())
    y_pos = {y: i for i, y in enumerate(years)}
    n_acc, n_per = len(acc_ids), len(per)

    def _dense(
        df: pd.DataFrame,
        fields: tuple[str, ...],
        fill: float,
        second: str = "pidx",
        n2: int = n_per,
        pos2: dict | None = None,
    ) -> np.ndarray:
        out = np.full((n_acc, n2, len(fields)), fill)
        d = df.reset_index()
        ai = d["account_id"].astype(str).map(acc_pos)
        bi = d[second].map(pos2) if pos2 is not None else d[second]
        ok = (ai.notna() & bi.notna()).to_numpy()
        ai_, bi_ = ai[ok].astype(int).to_numpy(), bi[ok].astype(int).to_numpy()
        for k, f in enumerate(fields):
            out[ai_, bi_, k] = d.loc[ok, f].to_numpy(float)
        return out

    visit_slices = {
        (str(x), int(p)): (int(ix[0]), int(ix[-1]) + 1)
        for (x, p), ix in visits.groupby(key, sort=False).indices.items()
    }
    tp_ok = targets_p.loc[targets_p.index.get_level_values(1).notna()]
    return _Cache(
        fingerprint=fp,
        periods=per[["pidx", "period_key", "fiscal_year", "n_weeks"]],
        accounts=acc[info_cols].reset_index(drop=True),
        acc_pos=acc_pos,
        fy_pos=per["fiscal_year"].astype(int).map(y_pos).to_numpy(),
        years=years,
        money=_dense(money, _MONEY, 0.0),
        share=_dense(share.groupby(level=[0, 1]).sum(), ("ours", "category"), 0.0),
        targets_p=_dense(tp_ok, _TARGETS_P, np.nan),
        targets_fy=_dense(targets_fy, _TARGETS_FY, np.nan, "fiscal_year", len(years), y_pos),
        visits=visits,
        visit_slices=visit_slices,
        lines=lines,
        line_slices=line_slices,
    )


# ---------------------------------------------------------------------------------------------
# Queries


def _select_periods(
    c: _Cache, fiscal_year: int | None, periods: str | Iterable[str] | tuple[str, str] | None
) -> list[int]:
    per = c.periods
    keys = per["period_key"].tolist()
    sel = per
    if fiscal_year is not None:
        fys = sorted(per["fiscal_year"].astype(int).unique())
        if int(fiscal_year) not in fys:
            raise ValueError(f"fiscal_year {fiscal_year!r} is not in this world; it has {fys}.")
        sel = sel.loc[sel["fiscal_year"].astype(int) == int(fiscal_year)]
    if periods is not None:
        if isinstance(periods, str):
            wanted = [periods]
        elif isinstance(periods, tuple) and len(periods) == 2:
            lo, hi = periods
            for k in (lo, hi):
                if k not in keys:
                    raise ValueError(
                        f"periods: {k!r} is not a period of this world (e.g. {keys[0]} … {keys[-1]})."
                    )
            i, j = keys.index(lo), keys.index(hi)
            if i > j:
                raise ValueError(
                    f"periods: the range starts ({lo}) after it ends ({hi}); swap them."
                )
            wanted = keys[i : j + 1]
        else:
            wanted = list(periods)
        bad = [k for k in wanted if k not in keys]
        if bad:
            raise ValueError(
                f"periods: {', '.join(map(str, bad))} not in this world (e.g. {keys[0]} … {keys[-1]})."
            )
        sel = sel.loc[sel["period_key"].isin(wanted)]
    if sel.empty:
        raise ValueError("the selection of fiscal_year and periods contains no period; widen it.")
    return sel["pidx"].astype(int).tolist()


def _rows_for(frame: pd.DataFrame, slices: dict, account: str, pidx: list[int]) -> pd.DataFrame:
    parts = sorted(sl for p in pidx if (sl := slices.get((account, p))) is not None)
    if not parts:
        return frame.iloc[0:0]
    if all(parts[k][1] == parts[k + 1][0] for k in range(len(parts) - 1)):
        return frame.iloc[parts[0][0] : parts[-1][1]]  # one contiguous block (a period range)
    return frame.iloc[np.concatenate([np.arange(lo, hi) for lo, hi in parts])]


def _money_row(c: _Cache, a: int, pidx: list[int], basis: str) -> dict[str, Any]:
    """P&L of account index ``a`` over ``pidx`` via ``km.account_pnl`` and ``km.cost_to_serve``."""
    col = {f: k for k, f in enumerate(_MONEY)}
    mp = c.money[a, pidx, :]  # (n, F)
    tot = mp.sum(axis=0)
    gs_in = tot[col["gs"]]
    if basis == "sell_out":
        gs_col = col["gs_so"]
        k = tot[col["gs_so"]] / gs_in if gs_in > 0 else np.nan
        gs = tot[col["gs_so"]] if np.isfinite(k) else 0.0
        oid = (tot[col["oid"]] - tot[col["oid_fixed"]]) * k + tot[col["oid_fixed"]]
        off = tot[col["off_var"]] * k + tot[col["off_fixed"]]
        cogs, cases = tot[col["cogs_so"]], tot[col["cases_so"]]
    else:
        gs_col = col["gs"]
        gs = gs_in
        oid, off = tot[col["oid"]], tot[col["off_var"]] + tot[col["off_fixed"]]
        cogs, cases = tot[col["cogs"]], tot[col["cases"]]
    if not gs > 0:
        return {"gs": float(gs), "nr": np.nan, "gp": np.nan, "cc": np.nan}
    base = km.account_pnl(gs, oid, off, cogs, 0.0)
    # CTS per fiscal-year part (payment terms may differ by year); NR split by gross sales
    fys = c.fy_pos[pidx]
    parts = dict.fromkeys(("freight", "handling", "merch", "kam", "fin", "total"), 0.0)
    for y in np.unique(fys):
        sub = mp[fys == y].sum(axis=0)
        nr_part = base.nr * (sub[gs_col] / gs)
        days = c.targets_fy[a, y, _TARGETS_FY.index("payment_terms_days")]
        if not np.isfinite(days):
            acc_days = c.accounts.get("payment_terms_days")
            days = float(acc_days.iloc[a]) if acc_days is not None else 0.0
        n_orders = float(sub[col["n_orders"]])
        ct = km.cost_to_serve(
            freight=float(sub[col["freight"]]),
            n_orders=n_orders,
            # cts_drivers records handling = n_orders × the channel's drop cost per order
            drop_cost=float(sub[col["handling"]]) / n_orders if n_orders > 0 else 0.0,
            kam_cost=float(sub[col["kam_cost"]]),
            net_revenue=max(float(nr_part), 0.0),
            payment_terms_days=float(days),
            merchandising=float(sub[col["merch"]]),
        )
        parts["freight"] += ct.freight
        parts["handling"] += ct.order_handling
        parts["merch"] += ct.merchandising
        parts["kam"] += ct.kam_cost
        parts["fin"] += ct.financing
        parts["total"] += ct.total
    pnl = km.account_pnl(gs, oid, off, cogs, parts["total"], cases=cases if cases > 0 else None)
    return {
        "gs": pnl.gs, "tts": pnl.tts, "tts_rate": pnl.tts_rate, "nr": pnl.nr, "cogs": pnl.cogs,
        "gp": pnl.gp, "gp_rate": pnl.gp_rate, "cts_freight": parts["freight"],
        "cts_order_handling": parts["handling"], "cts_merchandising": parts["merch"],
        "cts_kam": parts["kam"], "cts_financing": parts["fin"], "cts": pnl.cts, "cc": pnl.cc,
        "cc_rate": pnl.cc_rate, "cases": float(cases),
    }  # fmt: skip


def _one(
    c: _Cache,
    account: str,
    pidx: list[int],
    basis: str,
    weights: Mapping[str, float] | None,
) -> dict[str, Any]:
    a = c.acc_pos[account]
    row: dict[str, Any] = _money_row(c, a, pidx, basis)
    tp = c.targets_p[a, pidx, :]
    for k, f in enumerate(_TARGETS_P):
        vals = tp[:, k]
        row[f] = float(np.nansum(vals)) if np.isfinite(vals).any() else np.nan
    # share: Σ ours / Σ category
    sh = c.share[a, pidx, :].sum(axis=0)
    row["value_share"] = km.value_share(sh[0], sh[1]) if sh[1] > 0 else np.nan
    tfy = c.targets_fy[a, c.fy_pos[pidx], :]  # one row per selected period

    def _rate(name: str) -> float:
        vals = tfy[:, _TARGETS_FY.index(name)]
        return float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan

    row["value_share_target"] = _rate("value_share_target")
    row["share_pts_vs_target"] = row["value_share"] - row["value_share_target"]
    # execution: store-ACV-weighted mean of the visits' PSS
    va = _rows_for(c.visits, c.visit_slices, account, pidx)
    ok_v = len(va) > 0 and float(va["acv"].sum()) > 0
    row["pss"] = km.acv_weighted_mean(va["pss"], va["acv"]) if ok_v else np.nan
    row["n_audits"] = len(va)
    row["perfect_store_target"] = _rate("perfect_store_target")
    # service
    ln = _rows_for(c.lines, c.line_slices, account, pidx)
    if len(ln) and ln["cases_ordered"].sum() > 0:
        fr = km.fill_rates(ln)
        row.update(
            case_fill=fr.case_fill, line_otif=fr.line_otif, otif=fr.otif, on_time=fr.on_time,
            n_order_lines=fr.n_lines,
        )  # fmt: skip
    else:
        row.update(
            case_fill=np.nan, line_otif=np.nan, otif=np.nan, on_time=np.nan, n_order_lines=len(ln)
        )
    row["case_fill_kpi"] = _rate("case_fill_kpi")
    row["otif_kpi"] = _rate("otif_kpi")
    row.update(_five(row, weights))
    return row


def _five(row: Mapping[str, Any], weights: Mapping[str, float] | None) -> dict[str, Any]:
    """Achievements, composite and RAG via ``km.five_indicator_score``, over the indicators
    that have an actual and a positive target (weights renormalised over those)."""
    actual = {
        "profit": row["cc"], "revenue": row["nr"], "share": row["value_share"],
        "execution": row["pss"], "fill_rate": row["case_fill"],
    }  # fmt: skip
    target = {
        "profit": row["cc_target"], "revenue": row["nr_target"], "share": row["value_share_target"],
        "execution": row["perfect_store_target"], "fill_rate": row["case_fill_kpi"],
    }  # fmt: skip
    w = dict(FIVE_INDICATOR_WEIGHTS if weights is None else weights)
    ok = {
        k: bool(np.isfinite(actual[k]) and np.isfinite(target[k]) and target[k] > 0)
        for k in INDICATORS
    }
    out: dict[str, Any] = {
        "missing": "|".join(k for k in INDICATORS if not ok[k] and w.get(k, 0) > 0)
    }
    w_ok = {k: (w.get(k, 0.0) if ok[k] else 0.0) for k in INDICATORS}
    total_w = sum(w.get(k, 0.0) for k in INDICATORS)
    avail_w = sum(w_ok.values())
    if avail_w <= 0:
        out.update({f"ach_{k}": np.nan for k in INDICATORS})
        out.update({f"rag_{k}": None for k in INDICATORS})
        out.update(composite=np.nan, rag=None)
        return out
    scale = total_w / avail_w  # renormalise over the available indicators
    res = km.five_indicator_score(
        {k: actual[k] if ok[k] else 1.0 for k in INDICATORS},
        {k: target[k] if ok[k] else 1.0 for k in INDICATORS},
        weights={k: v * scale for k, v in w_ok.items()},
    )
    for k in INDICATORS:
        out[f"ach_{k}"] = res.achievement[k] if ok[k] else np.nan
        out[f"rag_{k}"] = km.rag_status(res.achievement[k]) if ok[k] else None
    out.update(composite=res.composite, rag=res.rag)
    return out


_OUT_COLS = [
    "account_id", "account_name", "account_type", "channel", "tier", "kam_id",
    "fiscal_year", "period_from", "period_to", "n_periods", "basis",
    "gs", "tts", "tts_rate", "nr", "cogs", "gp", "gp_rate",
    "cts_freight", "cts_order_handling", "cts_merchandising", "cts_kam", "cts_financing", "cts",
    "cc", "cc_rate", "cases",
    "nr_target", "gp_target", "cc_target",
    "value_share", "value_share_target", "share_pts_vs_target",
    "pss", "perfect_store_target", "n_audits",
    "case_fill", "case_fill_kpi", "line_otif", "otif", "on_time", "otif_kpi", "n_order_lines",
    *[f"ach_{k}" for k in INDICATORS], *[f"rag_{k}" for k in INDICATORS],
    "composite", "rag", "missing",
]  # fmt: skip


def account_scorecard(
    world: Any,
    fiscal_year: int | None = None,
    periods: str | Iterable[str] | tuple[str, str] | None = None,
    basis: str = "sell_in",
    *,
    accounts: str | Iterable[str] | None = None,
    by_period: bool = False,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Five-indicator scorecard per account (definitions in the module docstring).

    Selection: ``fiscal_year`` (e.g. 2024) and/or ``periods`` — one period key
    (``"FY2024-P03"``), a list of keys, or an inclusive range ``("FY2024-P01", "FY2024-P06")``.
    With neither, one row per account × fiscal year; with a selection, one row per account
    aggregated over it; ``by_period=True`` gives one row per account × period of the selection.
    ``accounts`` restricts the accounts; ``basis`` is ``"sell_in"`` (default) or ``"sell_out"``;
    ``weights`` overrides the composite weights (keys ``profit, revenue, share, execution,
    fill_rate``).

    Columns: account info; ``fiscal_year`` (``<NA>`` for a range across years), ``period_from``,
    ``period_to``, ``n_periods``; the P&L (``gs, tts, tts_rate, nr, cogs, gp, gp_rate``, CTS
    parts, ``cts, cc, cc_rate, cases``); targets; ``value_share`` and target, ``pss`` and
    target, ``case_fill``, ``case_fill_kpi``, ``line_otif``, ``otif``; achievements
    ``ach_<indicator>`` (uncapped; the composite caps them at 1.2) and ``rag_<indicator>``;
    ``composite``, ``rag``; ``missing`` (indicators left out, pipe-separated).
    """
    if basis not in _BASES:
        raise ValueError(f"basis must be 'sell_in' or 'sell_out'; got {basis!r}.")
    if weights is not None:
        bad = sorted(set(weights) - set(INDICATORS))
        if bad:
            raise ValueError(f"weights has unknown key(s) {bad}; use {', '.join(INDICATORS)}.")
    c = _get_cache(world)
    accs = c.accounts
    if accounts is not None:
        wanted = [accounts] if isinstance(accounts, str) else list(accounts)
        bad = [a for a in wanted if a not in set(accs["account_id"])]
        if bad:
            raise ValueError(f"accounts: {', '.join(bad)} not in this world.")
        accs = accs.loc[accs["account_id"].isin(wanted)]
    per = c.periods.set_index("pidx")
    if fiscal_year is None and periods is None and not by_period:
        groups = [
            (g["pidx"].astype(int).tolist()) for _, g in c.periods.groupby("fiscal_year", sort=True)
        ]
    else:
        sel = (
            _select_periods(c, fiscal_year, periods)
            if (fiscal_year is not None or periods is not None)
            else c.periods["pidx"].astype(int).tolist()
        )
        groups = [[p] for p in sel] if by_period else [sel]
    rows = []
    for pidx in groups:
        fys = per.loc[pidx, "fiscal_year"].astype(int).unique()
        info = {
            "fiscal_year": int(fys[0]) if len(fys) == 1 else pd.NA,
            "period_from": per.loc[pidx[0], "period_key"],
            "period_to": per.loc[pidx[-1], "period_key"],
            "n_periods": len(pidx),
            "basis": basis,
        }
        for a in accs.itertuples(index=False):
            r = _one(c, str(a.account_id), pidx, basis, weights)
            rows.append({**a._asdict(), **info, **r})
    out = pd.DataFrame(rows)
    for col in _OUT_COLS:
        if col not in out.columns:
            out[col] = np.nan
    out = out[_OUT_COLS]
    out["fiscal_year"] = out["fiscal_year"].astype("Int16")
    for col in ("n_periods", "n_audits", "n_order_lines"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in (
        "account_id",
        "account_name",
        "period_from",
        "period_to",
        "basis",
        "missing",
        "rag",
        *[f"rag_{k}" for k in INDICATORS],
    ):
        out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def indicator_view(scorecard: pd.DataFrame, account_id: str, row: int = 0) -> pd.DataFrame:
    """The five indicators of one account as rows (for a scorecard panel).

    Columns ``indicator, actual, target, achievement, capped, rag, alongside_name, alongside``
    (GP beside profit, line-level OTIF beside order fill).
    """
    sc = scorecard.loc[scorecard["account_id"] == account_id]
    if sc.empty:
        raise ValueError(f"account_id {account_id!r} is not in the scorecard.")
    r = sc.iloc[row]
    spec = [
        ("profit", "cc", "cc_target", "gp", r["gp"]),
        ("revenue", "nr", "nr_target", None, np.nan),
        (
            "share",
            "value_share",
            "value_share_target",
            "share_pts_vs_target",
            r["share_pts_vs_target"],
        ),
        ("execution", "pss", "perfect_store_target", "n_audits", r["n_audits"]),
        ("fill_rate", "case_fill", "case_fill_kpi", "line_otif", r["line_otif"]),
    ]
    rows = []
    for key, a, tcol, alt_name, alt in spec:
        ach = r[f"ach_{key}"]
        rows.append(
            {
                "indicator": key,
                "actual": r[a],
                "target": r[tcol],
                "achievement": ach,
                "capped": min(ach, 1.2) if pd.notna(ach) else np.nan,
                "weight": FIVE_INDICATOR_WEIGHTS[key],
                "rag": r[f"rag_{key}"],
                "alongside_name": alt_name,
                "alongside": alt,
            }
        )
    return pd.DataFrame(rows)
