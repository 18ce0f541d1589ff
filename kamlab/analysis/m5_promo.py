"""M5 post-event evaluation of a promotion (SPEC §2.3): baseline method → uplift, NIC, ROI.

For one executed key-account promotion (one promoted SKU at one account):

* **actual** ``A_t`` = the SKU's weekly sell-out at the account (``sell_out.cases_sold``);
* **baseline** ``B`` (cases/week) by the chosen method, on the weekly series with every promo
  week of that account × SKU masked: ``"pre_period"`` = mean of the 4 non-promo weeks before the
  event excluding 1 halo week (:func:`kamlab.metrics.baseline_pre_period`); ``"pre_post"`` =
  median of the non-promo weeks in ``[s−8, s−2] ∪ [e+3, e+8]``
  (:func:`kamlab.metrics.baseline_pre_post`, the default);
* **event window** ``W`` = 1 pre-week + promo weeks + 2 post-weeks (clipped to the data);
* **cannibalised cases** = the assumed cannibalisation rate × gross incremental
  ``Σ_promo (A − B)`` (0 when that is negative) — a planning assumption the trainee sets; the
  world's promotions take 20 % of their incremental units from sister SKUs;
* **funding** ``f`` = ``promotions.funding_per_case`` (scan-back funds every promo-week case) and
  **fixed fee** = ``promotions.fixed_fee_rmb`` (display + DM) + any gift lump sum booked in the
  ledger (``trade_spend`` ``PROMO_LUMP_SUM`` of the promotion);
* **unit margin** ``m`` from the account's agreement (:func:`kamlab.analysis.m5_common.unit_margin`).

Everything then comes from :func:`kamlab.metrics.promo_evaluation`: apparent uplift, gross and
net incremental cases, spend, incremental GP, ROI, net profit, cost per incremental case.

The truth (``truth_promo``, ``truth_baseline``) is attached for the reveal: the world's expected
baseline (λ before noise) over the window, the true net incremental cases and the true ROI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m5_common import unit_margin_rates

__all__ = [
    "BASELINE_METHODS",
    "PostEvent",
    "PromoContext",
    "PromoTruth",
    "baseline_weeks",
    "eligible_promotions",
    "post_event",
    "promo_context",
]

BASELINE_METHODS = ("pre_period", "pre_post")
"""Baseline methods of SPEC §2.3: (a) pre-period, (b) pre+post excluding halo (default)."""

_TABLES = (
    "calendar",
    "accounts",
    "products",
    "promotions",
    "sell_out",
    "trade_spend",
    "trade_terms",
    "rebate_tiers",
)


@dataclass
class PromoContext:
    """Pre-aggregated tables for promotion evaluation on one world (built once, cached).

    ``actual`` (pairs × weeks) sell-out cases, ``promo_mask`` (pairs × weeks) weeks on any
    executed promotion, ``true_baseline`` (pairs × weeks) expected baseline cases (NaN when the
    world has no truth), ``pair_of`` maps (account, sku) → row, ``promos`` the promotions with
    pair index, fiscal year, fixed fee incl. lump sums, ledger spend and unit margin.
    """

    actual: np.ndarray
    promo_mask: np.ndarray
    true_baseline: np.ndarray
    pair_of: dict[tuple[str, str], int]
    promos: pd.DataFrame
    truth: pd.DataFrame | None
    n_weeks: int


def _pair_matrix(df: pd.DataFrame, value: str, pair_of: dict, T: int, scale=None) -> np.ndarray:
    out = np.full((len(pair_of), T), np.nan)
    a = df.account_id.astype(str).to_numpy()
    s = df.sku_id.astype(str).to_numpy()
    rows = np.fromiter((pair_of.get((x, y), -1) for x, y in zip(a, s, strict=True)), np.int64)
    wk = df.week_id.to_numpy(dtype=np.int64)
    ok = (rows >= 0) & (wk >= 0) & (wk < T)
    v = df[value].to_numpy(dtype=float)
    if scale is not None:
        v = v / scale
    out[rows[ok], wk[ok]] = v[ok]
    return out


def _build(world: Any) -> PromoContext:
    T = len(world.calendar)
    so = world.sell_out
    keys = (
        so[["account_id", "sku_id"]]
        .astype(str)
        .drop_duplicates()
        .sort_values(["account_id", "sku_id"])
        .itertuples(index=False, name=None)
    )
    pair_of = {k: i for i, k in enumerate(keys)}
    actual = np.nan_to_num(_pair_matrix(so, "cases_sold", pair_of, T), nan=0.0)
    pr = world.promotions.copy()
    for c in ("promo_id", "account_id", "sku_id"):
        pr[c] = pr[c].astype(str)
    pr["status"] = pr.status.astype(str)
    pr["pair"] = [pair_of.get(k, -1) for k in zip(pr.account_id, pr.sku_id, strict=True)]
    mask = np.zeros((len(pair_of), T), dtype=bool)
    exe = pr[(pr.status == "EXECUTED") & (pr.pair >= 0)]
    for n, s, e in zip(exe.pair, exe.start_week, exe.end_week, strict=True):
        mask[n, max(0, int(s)) : min(T, int(e) + 1)] = True
    ts = world.trade_spend
    ts = ts[ts.promo_id.notna()]
    ledger = ts.groupby(ts.promo_id.astype(str)).amount_rmb.sum()
    lump = ts[ts.spend_type.astype(str) == "PROMO_LUMP_SUM"]
    lump = lump.groupby(lump.promo_id.astype(str)).amount_rmb.sum()
    pr["ledger_spend"] = pr.promo_id.map(ledger).astype(float)
    pr["fixed_fee"] = pr.fixed_fee_rmb.astype(float) + pr.promo_id.map(lump).fillna(0.0)
    fy = world.calendar.fiscal_year.to_numpy()
    pr["fiscal_year"] = fy[np.clip(pr.start_week.to_numpy(dtype=np.int64), 0, T - 1)]
    # unit margin per row, vectorised over km.base_unit_margin's formula inputs
    rates = unit_margin_rates(world)
    key = pd.MultiIndex.from_arrays([pr.account_id, pr.fiscal_year])
    r = rates.reindex(key)
    prod = world.products.assign(sku_id=world.products.sku_id.astype(str)).set_index("sku_id")
    acc = world.accounts.assign(account_id=world.accounts.account_id.astype(str))
    acc = acc.set_index("account_id")
    pf = acc.price_factor if "price_factor" in acc.columns else pd.Series(1.0, index=acc.index)
    margins = []
    for lp, cogs, off, var in zip(
        pr.sku_id.map(prod.list_price_case).to_numpy(dtype=float)
        * pr.account_id.map(pf).to_numpy(dtype=float),
        pr.sku_id.map(prod.cogs_case).to_numpy(dtype=float),
        r.on_invoice_discount_pct.to_numpy(dtype=float),
        r.variable_rate.to_numpy(dtype=float),
        strict=True,
    ):
        margins.append(
            np.nan
            if np.isnan(off)
            else km.base_unit_margin(lp, cogs, off_invoice_rate=off, variable_rebate_rate=var)
        )
    pr["unit_margin"] = margins
    pr["channel"] = pr.account_id.map(acc.channel.astype(str))
    truth = None
    tb = np.full((len(pair_of), T), np.nan)
    if "truth_baseline" in world and "truth_promo" in world:
        upc = world.products.set_index(world.products.sku_id.astype(str)).units_per_case
        tbl = world.truth_baseline
        tb = _pair_matrix(
            tbl,
            "expected_baseline_units",
            pair_of,
            T,
            scale=tbl.sku_id.astype(str).map(upc).to_numpy(dtype=float),
        )
        truth = world.truth_promo.assign(promo_id=world.truth_promo.promo_id.astype(str))
        truth = truth.set_index("promo_id")
    pr = pr.set_index("promo_id", drop=False)
    pr["evaluable"] = [_evaluable(r, actual, mask, T) for r in pr.itertuples()]
    return PromoContext(actual, mask, tb, pair_of, pr, truth, T)


def _evaluable(row: Any, actual: np.ndarray, mask: np.ndarray, T: int) -> bool:
    """True when the default (pre+post) baseline of an executed KA promotion is positive."""
    if row.status != "EXECUTED" or row.pair < 0 or row.end_week >= T or row.channel == "DIST":
        return False
    if not np.isfinite(row.unit_margin):
        return False
    n = int(row.pair)
    try:
        b = km.baseline_pre_post(
            actual[n], mask[n], start=int(row.start_week), end=int(row.end_week)
        )
    except ValueError:
        return False
    return b > 0


def promo_context(world: Any) -> PromoContext:
    """The cached :class:`PromoContext` of ``world`` (about half a second to build once)."""
    tables = (*_TABLES, *(["truth_baseline", "truth_promo"] if "truth_promo" in world else []))
    return per_world(world, "m5.promo", _build, tables=tables)


def eligible_promotions(world: Any, account_id: str | None = None) -> pd.DataFrame:
    """Executed key-account promotions that can be evaluated (inside the data, positive
    pre+post baseline).

    Columns ``promo_id, account_id, sku_id, start_week, end_week, mechanic, depth_pct, label``;
    ``account_id`` filters to one account. Distributor trade deals are left out: they fund
    buy-window sell-in off invoice, not sell-out, so the sell-out ROI of §2.3 does not apply.
    """
    ctx = promo_context(world)
    pr = ctx.promos
    out = pr.loc[pr.evaluable]
    if account_id is not None:
        out = out[out.account_id == str(account_id)]
    label = (
        out.promo_id
        + " · "
        + out.sku_id
        + " · wk "
        + out.start_week.astype(str)
        + "–"
        + out.end_week.astype(str)
        + " · "
        + out.mechanic.astype(str)
        + " "
        + (out.depth_pct * 100).round().astype(int).astype(str)
        + "%"
    )
    cols = ["promo_id", "account_id", "sku_id", "start_week", "end_week", "mechanic", "depth_pct"]
    return out[cols].assign(label=label.to_numpy()).reset_index(drop=True)


def baseline_weeks(promo_mask: np.ndarray, start: int, end: int, method: str) -> np.ndarray:
    """The weeks a baseline method averages (boolean mask over the series), for display.

    ``pre_period``: the last 4 non-promo weeks before ``start − 1`` (the halo week);
    ``pre_post``: the non-promo weeks of ``[start − 8, start − 2] ∪ [end + 3, end + 8]`` — the
    same selection as :func:`kamlab.metrics.baseline_pre_period` / ``baseline_pre_post``.
    """
    p = np.asarray(promo_mask, dtype=bool)
    n = p.size
    used = np.zeros(n, dtype=bool)
    if method == "pre_period":
        cand = np.flatnonzero(~p[: max(0, start - 1)])[-4:]
        used[cand] = True
    elif method == "pre_post":
        used[max(0, start - 8) : max(0, start - 1)] = True
        used[min(n, end + 3) : min(n, end + 9)] = True
        used &= ~p
    else:
        raise ValueError(f"'method' must be one of {', '.join(BASELINE_METHODS)}; got {method!r}.")
    return used


@dataclass(frozen=True)
class PromoTruth:
    """What the world knows (truth tables): the expected baseline and the true result."""

    baseline: np.ndarray  # expected baseline cases per window week
    apparent_uplift: float  # Σ_promo A / Σ_promo true B − 1
    net_incremental: float  # truth_promo.incremental_cases (after dips and cannibalisation)
    roi: float  # truth_promo.roi
    spend: float  # the ledger's spend on the promotion
    incremental_gp: float  # roi × spend


@dataclass(frozen=True)
class PostEvent:
    """Result of :func:`post_event` (volumes in cases, money in RMB)."""

    promo_id: str
    account_id: str
    sku_id: str
    mechanic: str
    depth: float
    start_week: int
    end_week: int
    method: str
    baseline: float
    window_weeks: np.ndarray
    actual: np.ndarray  # sell-out over the window
    promo: np.ndarray  # promo weeks of this promotion within the window
    unit_margin: float
    funding_per_case: float
    fixed_fee: float
    cannibalised: float
    evaluation: km.PromoEvaluation
    other_method_roi: float | None
    history_weeks: np.ndarray  # context weeks around the event (chart)
    history_actual: np.ndarray
    history_promo: np.ndarray  # any promotion of the pair
    history_used: np.ndarray  # weeks the baseline method used
    history_true_baseline: np.ndarray
    truth: PromoTruth | None


def _baseline(actual: np.ndarray, mask: np.ndarray, s: int, e: int, method: str) -> float:
    if method == "pre_period":
        return km.baseline_pre_period(actual, mask, start=s)
    if method == "pre_post":
        return km.baseline_pre_post(actual, mask, start=s, end=e)
    raise ValueError(f"'method' must be one of {', '.join(BASELINE_METHODS)}; got {method!r}.")


def _evaluate(
    row: pd.Series, A: np.ndarray, mask: np.ndarray, method: str, cannibalisation: float
) -> tuple[float, np.ndarray, np.ndarray, float, km.PromoEvaluation]:
    s, e = int(row.start_week), int(row.end_week)
    B = _baseline(A, mask, s, e, method)
    lo, hi = max(0, s - 1), min(len(A) - 1, e + 2)
    weeks = np.arange(lo, hi + 1)
    this = (weeks >= s) & (weeks <= e)
    gross = float((A[weeks][this] - B).sum())
    cann = cannibalisation * max(0.0, gross)
    ev = km.promo_evaluation(
        A[weeks],
        B,
        this,
        funding_per_case=float(row.funding_per_case),
        fixed_fee=float(row.fixed_fee),
        unit_margin=float(row.unit_margin),
        cannibalised=cann,
    )
    return B, weeks, this, cann, ev


def post_event(
    world: Any,
    promo_id: str,
    method: str = "pre_post",
    cannibalisation: float = 0.20,
    context_weeks: int = 10,
) -> PostEvent:
    """Evaluate promotion ``promo_id`` with a baseline ``method`` (SPEC §2.3).

    ``cannibalisation`` is the assumed share of the gross incremental cases taken from sister
    SKUs (0–1). Returns a :class:`PostEvent` whose ``evaluation`` is the
    :class:`kamlab.metrics.PromoEvaluation` and whose ``truth`` holds the world's true values
    (``None`` in a world without truth tables).

    >>> import kamlab                                                     # doctest: +SKIP
    >>> pe = post_event(kamlab.load_world(), "PR00010", method="pre_post")  # doctest: +SKIP
    >>> round(pe.evaluation.roi, 2), round(pe.truth.roi, 2)               # doctest: +SKIP
    """
    if method not in BASELINE_METHODS:
        raise ValueError(f"'method' must be one of {', '.join(BASELINE_METHODS)}; got {method!r}.")
    if not 0.0 <= float(cannibalisation) <= 1.0:
        raise ValueError(
            f"'cannibalisation' must be a fraction between 0 and 1; got {cannibalisation!r}."
        )
    ctx = promo_context(world)
    pid = str(promo_id)
    if pid not in ctx.promos.index:
        raise ValueError(f"'promo_id' {pid!r} is not in the promotions table.")
    row = ctx.promos.loc[pid]
    if row.status != "EXECUTED" or row.pair < 0 or int(row.end_week) >= ctx.n_weeks:
        raise ValueError(
            f"Promotion {pid} was not executed inside the data (status {row.status}, weeks "
            f"{row.start_week}–{row.end_week}): pick an executed promotion."
        )
    if row.channel == "DIST":
        raise ValueError(
            f"Promotion {pid} is a distributor trade deal: it funds sell-in off invoice, so the "
            "sell-out evaluation does not apply. Pick a key-account promotion."
        )
    n = int(row.pair)
    A, mask = ctx.actual[n], ctx.promo_mask[n]
    B, weeks, this, cann, ev = _evaluate(row, A, mask, method, float(cannibalisation))
    other = BASELINE_METHODS[1 - BASELINE_METHODS.index(method)]
    try:
        other_roi: float | None = _evaluate(row, A, mask, other, float(cannibalisation))[4].roi
    except ValueError:
        other_roi = None
    s, e = int(row.start_week), int(row.end_week)
    h = np.arange(max(0, s - context_weeks), min(ctx.n_weeks, e + context_weeks + 1))
    used = baseline_weeks(mask, s, e, method)
    truth = None
    if ctx.truth is not None and pid in ctx.truth.index:
        tr = ctx.truth.loc[pid]
        tb = ctx.true_baseline[n]
        tb_promo = float(tb[s : e + 1].sum())
        spend = float(row.ledger_spend) if pd.notna(row.ledger_spend) else ev.spend
        truth = PromoTruth(
            baseline=tb[weeks],
            apparent_uplift=float(A[s : e + 1].sum()) / tb_promo - 1.0 if tb_promo > 0 else np.nan,
            net_incremental=float(tr.incremental_cases),
            roi=float(tr.roi),
            spend=spend,
            incremental_gp=float(tr.roi) * spend,
        )
    return PostEvent(
        promo_id=pid,
        account_id=str(row.account_id),
        sku_id=str(row.sku_id),
        mechanic=str(row.mechanic),
        depth=float(row.depth_pct),
        start_week=s,
        end_week=e,
        method=method,
        baseline=B,
        window_weeks=weeks,
        actual=A[weeks],
        promo=this,
        unit_margin=float(row.unit_margin),
        funding_per_case=float(row.funding_per_case),
        fixed_fee=float(row.fixed_fee),
        cannibalised=cann,
        evaluation=ev,
        other_method_roi=other_roi,
        history_weeks=h,
        history_actual=A[h],
        history_promo=mask[h],
        history_used=used[h],
        history_true_baseline=ctx.true_baseline[n][h],
        truth=truth,
    )
