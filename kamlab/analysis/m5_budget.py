"""M5 budget reallocation across key accounts (SPEC §2.2, §2.3; C5 level 4).

**Response curves derived from the world.** For each key account and fiscal year, take its
executed promotions with their ledger spend ``S_i`` and true incremental GP
``IGP_i = truth_promo.roi × S_i``. Ranked from the best ROI to the worst, the cumulative points
``(Σ S, Σ IGP)`` form the account's *promotion frontier*: a smaller budget drops the worst
promotions first, a larger one buys more promotions like the marginal ones. We fit a concave
power curve to the rising part of the frontier, ``IGP(S) = c × S^β`` (least squares on
``ln IGP = ln c + β ln S``, β clipped to [0.30, 0.95]), and anchor it on the account's actual
total, ``c = IGP₀ / S₀^β``, so today's allocation lies on the curve. The marginal return is
``dIGP/dS = β c S^(β−1)`` (RMB of incremental GP per extra RMB of promotion spend).

**Allocation.** The trainee sets a weight per account (% of its current promotion spend) and a
total budget (% of today's total); the allocation is ``S_k = w_k S₀_k × B / Σ_j w_j S₀_j``, so the
total stays at ``B`` and raising one account's weight moves budget to it from all the others.

**Optimum.** Total incremental GP ``Σ c_k S_k^β_k`` under ``Σ S_k = B`` is maximal where every
account's marginal return is equal to the same λ: ``S_k(λ) = (β_k c_k / λ)^(1/(1−β_k))``, with λ
found by bisection so that the budgets add up to ``B``.

**Spend ratios** per account for the fiscal year (SPEC §2.2): TTS from the ledger, GS from
sell-in; with the new promotion budget, ``TTS₁ = TTS₀ − S₀ + S`` and ``GS₁ = GS₀ + ΔNIC × GS per
case`` where ``ΔNIC = ΔIGP / m̄`` (m̄ = the account's spend-weighted average unit margin of its
promotions). 费比 ``= TTS / GS`` (:func:`kamlab.metrics.spend_to_sales`), 投入产出比 ``= GS / TTS``
(:func:`kamlab.metrics.input_output_ratio`), budget utilisation ``= TTS / trade budget``
(:func:`kamlab.metrics.budget_utilisation`, the whole year accrued).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m5_common import ka_accounts
from kamlab.analysis.m5_promo import promo_context

__all__ = [
    "BETA_RANGE",
    "BudgetResult",
    "ResponseCurves",
    "budget_reallocation",
    "igp_at",
    "marginal_return",
    "optimal_allocation",
    "response_curves",
]

BETA_RANGE = (0.30, 0.95)


@dataclass(frozen=True)
class ResponseCurves:
    """Per-account concave response curves ``IGP(S) = c × S^β`` for one fiscal year.

    ``table`` columns: ``account_id, account_name, n_promos, spend0, igp0, beta, c, unit_margin,
    gs0, cases0, tts0, trade_budget``; ``frontier`` maps account → (cumulative spend,
    cumulative IGP) arrays of the ROI-ranked promotions.
    """

    fiscal_year: int
    table: pd.DataFrame
    frontier: dict[str, tuple[np.ndarray, np.ndarray]]


def igp_at(spend: Any, c: Any, beta: Any) -> np.ndarray:
    """Incremental GP of a power response curve: ``c × S^β`` (RMB; S ≥ 0).

    >>> igp_at([0, 100, 400], 10, 0.5).tolist()
    [0.0, 100.0, 200.0]
    """
    s = np.asarray(spend, dtype=float)
    if (s < 0).any():
        raise ValueError("'spend' must not be negative.")
    return np.asarray(c, dtype=float) * np.power(s, np.asarray(beta, dtype=float))


def marginal_return(spend: Any, c: Any, beta: Any) -> np.ndarray:
    """Marginal return ``dIGP/dS = β c S^(β−1)`` (RMB of GP per RMB of spend; ∞ at S = 0).

    >>> marginal_return([100, 400], 10, 0.5).tolist()
    [0.5, 0.25]
    """
    s = np.asarray(spend, dtype=float)
    b = np.asarray(beta, dtype=float)
    cc = np.asarray(c, dtype=float)
    safe = np.where(s > 0, s, 1.0)
    return np.where(s > 0, b * cc * np.power(safe, b - 1.0), np.inf)


def optimal_allocation(total: float, c: Any, beta: Any) -> np.ndarray:
    """Budgets maximising ``Σ c_k S_k^β_k`` with ``Σ S_k = total`` (equal marginal returns).

    ``S_k(λ) = (β_k c_k / λ)^(1/(1−β_k))``; λ by bisection on a log scale. With one common β the
    answer is ``S_k ∝ c_k^(1/(1−β))``:

    >>> optimal_allocation(300.0, [1.0, 2.0], [0.5, 0.5]).round(6).tolist()
    [60.0, 240.0]
    """
    B = float(total)
    cc = np.asarray(c, dtype=float)
    bb = np.asarray(beta, dtype=float)
    if B < 0:
        raise ValueError("'total' must not be negative.")
    if cc.shape != bb.shape or cc.size == 0:
        raise ValueError("'c' and 'beta' must be non-empty and of the same length.")
    if ((bb <= 0) | (bb >= 1)).any():
        raise ValueError("'beta' must lie strictly between 0 and 1 (a concave curve).")
    if (cc <= 0).any():
        raise ValueError("'c' must be positive: every curve needs a positive return.")
    if B == 0:
        return np.zeros_like(cc)
    expo = 1.0 / (1.0 - bb)

    def spend(log_lam: float) -> np.ndarray:
        with np.errstate(over="ignore"):  # an overflow is +inf: "more than the budget"
            return np.exp(expo * (np.log(bb * cc) - log_lam))

    lo, hi = -60.0, 60.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if spend(mid).sum() > B:
            lo = mid
        else:
            hi = mid
    s = spend(0.5 * (lo + hi))
    return s * (B / s.sum())


def _fit_beta(spend: np.ndarray, igp: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    order = np.argsort(-(igp / np.maximum(spend, 1e-9)), kind="stable")
    X = np.cumsum(spend[order])
    Y = np.cumsum(igp[order])
    k = int(np.argmax(Y)) + 1
    x, y = X[:k], Y[:k]
    ok = (x > 0) & (y > 0)
    if ok.sum() >= 3:
        lx, ly = np.log(x[ok]), np.log(y[ok])
        dx = lx - lx.mean()
        beta = float((dx * (ly - ly.mean())).sum() / (dx * dx).sum()) if (dx * dx).sum() else 0.8
    else:
        beta = 0.8
    return float(np.clip(beta, *BETA_RANGE)), X, Y


def _build_curves(world: Any) -> dict[int, ResponseCurves]:
    pc = promo_context(world)
    pr = pc.promos
    ka = ka_accounts(world)
    names = ka.set_index(ka.account_id.astype(str)).account_name.astype(str)
    exe = pr[
        (pr.status == "EXECUTED")
        & (pr.channel != "DIST")
        & pr.ledger_spend.notna()
        & (pr.ledger_spend > 0)
        & pr.unit_margin.notna()
    ]
    if pc.truth is not None:
        exe = exe[exe.promo_id.isin(pc.truth.index)]
        roi = exe.promo_id.map(pc.truth.roi).astype(float)
    else:  # no truth: the promotions' own plan (a weaker, biased proxy)
        roi = (exe.planned_incremental_cases * exe.unit_margin / exe.planned_cost_rmb).astype(float)
    exe = exe.assign(igp=roi.to_numpy() * exe.ledger_spend.to_numpy())
    cal = world.calendar
    si = world.sell_in
    fy_w = cal.fiscal_year.to_numpy()
    si_fy = fy_w[np.clip(si.week_id.to_numpy(dtype=np.int64), 0, len(cal) - 1)]
    si = si.assign(fy=si_fy, account_id=si.account_id.astype(str))
    gs = si.groupby(["account_id", "fy"]).gross_sales.sum()
    cases = si.groupby(["account_id", "fy"]).cases_shipped.sum()
    ts = world.trade_spend
    tts = ts.groupby([ts.account_id.astype(str), ts.fiscal_year]).amount_rmb.sum()
    ta = world.targets_annual
    budget = ta.set_index([ta.account_id.astype(str), ta.fiscal_year]).trade_budget_rmb
    out = {}
    for fy in sorted(int(y) for y in cal.fiscal_year.unique()):
        rows, frontier = [], {}
        g_fy = exe[exe.fiscal_year == fy]
        for a, g in g_fy.groupby("account_id", sort=True):
            s0, igp0 = float(g.ledger_spend.sum()), float(g.igp.sum())
            if len(g) < 3 or s0 <= 0 or igp0 <= 0:
                continue
            beta, X, Y = _fit_beta(g.ledger_spend.to_numpy(float), g.igp.to_numpy(float))
            frontier[a] = (X, Y)
            rows.append(
                {
                    "account_id": a,
                    "account_name": names.get(a, a),
                    "n_promos": len(g),
                    "spend0": s0,
                    "igp0": igp0,
                    "beta": beta,
                    "c": igp0 / s0**beta,
                    "unit_margin": float(np.average(g.unit_margin, weights=g.ledger_spend)),
                    "gs0": float(gs.get((a, fy), 0.0)),
                    "cases0": float(cases.get((a, fy), 0.0)),
                    "tts0": float(tts.get((a, fy), 0.0)),
                    "trade_budget": float(budget.get((a, fy), np.nan)),
                }
            )
        if rows:
            out[fy] = ResponseCurves(fy, pd.DataFrame(rows), frontier)
    return out


def response_curves(world: Any, fiscal_year: int | None = None) -> ResponseCurves:
    """The accounts' response curves for ``fiscal_year`` (default: the last year with promos)."""
    tables = ("promotions", "trade_spend", "sell_in", "targets_annual", "calendar", "accounts")
    allc = per_world(world, "m5.budget", _build_curves, tables=tables)
    if not allc:
        raise ValueError("This world has no executed key-account promotions with spend.")
    fy = max(allc) if fiscal_year is None else int(fiscal_year)
    if fy not in allc:
        raise ValueError(
            f"There are no promotion response curves for FY{fy}: use one of {sorted(allc)}."
        )
    return allc[fy]


@dataclass(frozen=True)
class BudgetResult:
    """Result of :func:`budget_reallocation`.

    ``table`` per account: ``spend0, spend, spend_opt, igp0, igp, igp_opt, marginal,
    marginal_opt, beta, c, gs0, gs, tts0, tts, spend_to_sales0, spend_to_sales, io_ratio0,
    io_ratio, trade_budget, utilisation0, utilisation, over_budget``. Totals in RMB;
    ``lambda_opt`` the common marginal return at the optimum; ``share_of_optimum`` = your total
    IGP / the optimum's.
    """

    fiscal_year: int
    table: pd.DataFrame
    total_budget: float
    total_spend0: float
    total_igp0: float
    total_igp: float
    total_igp_opt: float
    lambda_opt: float
    share_of_optimum: float


def budget_reallocation(
    world: Any,
    weights: Mapping[str, float] | None = None,
    total_pct: float = 1.0,
    fiscal_year: int | None = None,
) -> BudgetResult:
    """Reallocate the key accounts' promotion budget and compare with the optimum.

    ``weights`` maps account → multiple of its current promotion spend (1.0 = unchanged; missing
    accounts keep 1.0); ``total_pct`` scales the total budget (1.0 = today's total). See the
    module docstring for the formulas.

    >>> import kamlab                                                             # doctest: +SKIP
    >>> r = budget_reallocation(kamlab.load_world(), {"ACC011": 1.5})             # doctest: +SKIP
    >>> r.total_igp > r.total_igp0                                                # doctest: +SKIP
    True
    """
    curves = response_curves(world, fiscal_year)
    t = curves.table
    w = np.ones(len(t))
    for k, a in enumerate(t.account_id):
        if weights is not None and a in weights:
            v = float(weights[a])
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"The weight of {a} must be a non-negative number; got {v!r}.")
            w[k] = v
    tp = float(total_pct)
    if not np.isfinite(tp) or tp < 0:
        raise ValueError(f"'total_pct' must be a non-negative fraction (1.0 = today); got {tp!r}.")
    s0 = t.spend0.to_numpy(float)
    raw = w * s0
    B = tp * float(s0.sum())
    if raw.sum() <= 0:
        raise ValueError("Every account's weight is 0: give at least one account some budget.")
    spend = raw * (B / raw.sum())
    c, beta = t.c.to_numpy(float), t.beta.to_numpy(float)
    igp = igp_at(spend, c, beta)
    igp0 = t.igp0.to_numpy(float)
    opt = optimal_allocation(B, c, beta)
    igp_opt = igp_at(opt, c, beta)
    lam = float(np.median(marginal_return(opt, c, beta))) if B > 0 else float("inf")
    m_bar = t.unit_margin.to_numpy(float)
    d_cases = np.divide(igp - igp0, m_bar, out=np.zeros_like(igp), where=m_bar > 0)
    cases0 = t.cases0.to_numpy(float)
    gs0 = t.gs0.to_numpy(float)
    gs_per_case = np.divide(gs0, cases0, out=np.zeros_like(gs0), where=cases0 > 0)
    gs1 = gs0 + d_cases * gs_per_case
    tts0 = t.tts0.to_numpy(float)
    tts1 = tts0 - s0 + spend
    budget = t.trade_budget.to_numpy(float)

    def ratios(gs: np.ndarray, tts: np.ndarray) -> tuple[list, list, list, list]:
        sts, io, util, over = [], [], [], []
        for g, x, b in zip(gs, tts, budget, strict=True):
            sts.append(km.spend_to_sales(x, g) if g > 0 else np.nan)
            io.append(km.input_output_ratio(g, x) if x > 0 else np.nan)
            if np.isfinite(b) and b > 0:
                u = km.budget_utilisation(accrued=x, committed=0.0, budget=b)
                util.append(u.utilisation)
                over.append(u.over_budget)
            else:
                util.append(np.nan)
                over.append(False)
        return sts, io, util, over

    sts0, io0, util0, _ = ratios(gs0, tts0)
    sts1, io1, util1, over1 = ratios(gs1, tts1)
    table = pd.DataFrame(
        {
            "account_id": t.account_id,
            "account_name": t.account_name,
            "weight": w,
            "spend0": s0,
            "spend": spend,
            "spend_opt": opt,
            "igp0": igp0,
            "igp": igp,
            "igp_opt": igp_opt,
            "marginal0": marginal_return(s0, c, beta),
            "marginal": marginal_return(spend, c, beta),
            "marginal_opt": marginal_return(opt, c, beta),
            "beta": beta,
            "c": c,
            "gs0": gs0,
            "gs": gs1,
            "tts0": tts0,
            "tts": tts1,
            "spend_to_sales0": sts0,
            "spend_to_sales": sts1,
            "io_ratio0": io0,
            "io_ratio": io1,
            "trade_budget": budget,
            "utilisation0": util0,
            "utilisation": util1,
            "over_budget": over1,
        }
    )
    tot, tot_opt = float(igp.sum()), float(igp_opt.sum())
    return BudgetResult(
        fiscal_year=curves.fiscal_year,
        table=table,
        total_budget=B,
        total_spend0=float(s0.sum()),
        total_igp0=float(igp0.sum()),
        total_igp=tot,
        total_igp_opt=tot_opt,
        lambda_opt=lam,
        share_of_optimum=tot / tot_opt if tot_opt > 0 else float("nan"),
    )
