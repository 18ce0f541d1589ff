"""M3 *Rebate tier designer*: a growth-rebate design → rebate curve, cliffs, loading incentive.

The model behind the M3 panel "Rebate tier designer" (SPEC §4 M3, formulas §2.14). A KA growth
rebate pays a rate that depends on year-on-year growth ``g = GS_TY / base − 1`` of the
customer's gross sales (GS). Three tiers are edited as two thresholds and three rates::

    [0, t1) → r1,   [t1, t2) → r2,   ≥ t2 → r3          (lower bound inclusive, §0.2 guard)

- **RETRO** (back-to-dollar-one): ``rebate = rate(tier(g)) × GS_TY`` — reaching a threshold
  re-prices *all* of the year's sales, so the rebate jumps (a **cliff**).
- **MARGINAL** (stepped): each slice of sales between ``base × (1 + lower_k)`` and
  ``base × (1 + upper_k)`` earns its own rate; no jump.

Every number comes from :mod:`kamlab.metrics`: ``km.tiered_rebate`` (the curve),
``km.rebate_cliffs`` (the cliff at each threshold: ``rebate(threshold) − rebate(threshold −
1 RMB)``). On top of that the model reports:

- **marginal cost per extra case** ``= rebate(S + p) − rebate(S)`` with ``p`` the account's GS
  per case in the selected year: what the rebate adds when the customer buys one more case
  (inside a retro tier: ``rate × p``; one case short of a retro threshold: the whole cliff);
- the **year-end loading incentive** at an expected year-end growth ``g_e`` below the next
  threshold ``t``: the customer needs ``gap = base × (1 + t) − S_e`` more sales (``gap / p``
  cases) to earn ``gain = rebate(base × (1 + t)) − rebate(S_e)``; ``gain / gap`` is the rebate
  per RMB of loaded stock. Above 100 % (common under RETRO) the customer is *paid more than the
  stock costs* to order it in the last weeks — the root of year-end stuffing (SPEC §2.10, M6).

Worked example of §2.14 (base 5.5 M, default tiers 1 % / 2 % / 3 % at 0 / 5 % / 10 %, TY 6.0 M,
60 RMB per case):

>>> d = rebate_design(5_500_000, [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)],
...                   "retro", expected_growth=6_000_000 / 5_500_000 - 1, gs_per_case=60.0)
>>> round(d.position.rebate, 2), [round(c.cliff, 2) for c in d.cliffs]
(120000.0, [55000.0, 57750.01, 60500.02])
>>> li = d.position
>>> round(li.gap_sales, 2), round(li.gain, 2), round(li.gain_per_rmb, 3)
(50000.0, 61500.0, 1.23)
>>> round(li.marginal_cost_per_case, 2)                  # 2 % of 60 RMB inside the tier
1.2
>>> m = rebate_design(5_500_000, [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)],
...                   "marginal", expected_growth=6_000_000 / 5_500_000 - 1, gs_per_case=60.0)
>>> round(m.position.rebate, 2), round(m.position.gain, 2)  # 50,000 × 2 %
(7250.0, 1000.0)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world

__all__ = [
    "GROWTH_GRID",
    "LoadingIncentive",
    "RebateAccount",
    "RebateDesign",
    "rebate_accounts",
    "rebate_design",
    "rebate_for_account",
    "tiers_from_thresholds",
]

GROWTH_GRID = np.round(np.arange(-0.10, 0.3001, 0.001), 6)
"""Growth values (fractions) at which the rebate curve is drawn: −10 % … +30 % in 0.1 pp."""

Tiers = Sequence[tuple[float, float | None, float]]


def tiers_from_thresholds(thresholds: Sequence[float], rates: Sequence[float]) -> list[tuple]:
    """Growth tiers ``[(0, t1, r1), (t1, t2, r2), …, (t_last, None, r_last)]`` from the panel's
    thresholds (ascending growth fractions) and rates (one more rate than thresholds).

    >>> tiers_from_thresholds([0.05, 0.10], [0.01, 0.02, 0.03])
    [(0.0, 0.05, 0.01), (0.05, 0.1, 0.02), (0.1, None, 0.03)]
    """
    th = [float(x) for x in thresholds]
    rt = [float(x) for x in rates]
    if len(rt) != len(th) + 1:
        raise ValueError(
            f"rates: give one rate more than thresholds (got {len(rt)} rates for "
            f"{len(th)} thresholds)."
        )
    if any(x <= 0 for x in th):
        raise ValueError("thresholds: every growth threshold must be above 0 % growth.")
    if any(b <= a for a, b in itertools.pairwise(th)):
        raise ValueError(
            "thresholds: each tier threshold must be higher than the one before; "
            "raise the upper threshold or lower the first one."
        )
    if any(r < 0 or r > 1 for r in rt):
        raise ValueError("rates: each rate is a fraction of sales between 0 and 1 (0.02 = 2 %).")
    bounds = [0.0, *th]
    return [(bounds[k], th[k] if k < len(th) else None, rt[k]) for k in range(len(rt))]


@dataclass(frozen=True)
class LoadingIncentive:
    """Where the customer stands at an expected year-end growth, and what the next tier pays.

    ``growth``, ``sales`` and ``rebate`` at the position; ``marginal_cost_per_case`` (RMB, what
    one more case adds to the rebate); ``next_threshold`` (growth fraction, ``None`` above the
    last one) with ``threshold_sales``, ``gap_sales`` (RMB), ``gap_cases``,
    ``rebate_at_threshold``, ``gain`` (extra rebate for closing the gap, RMB), ``gain_per_rmb``
    (``gain / gap_sales``) and ``gain_per_case`` (``gain / gap_cases``).
    """

    growth: float
    sales: float
    rebate: float
    marginal_cost_per_case: float
    next_threshold: float | None
    threshold_sales: float
    gap_sales: float
    gap_cases: float
    rebate_at_threshold: float
    gain: float
    gain_per_rmb: float
    gain_per_case: float


@dataclass(frozen=True)
class RebateDesign:
    """Result of :func:`rebate_design`.

    ``growth`` / ``sales`` / ``rebate`` / ``rebate_rate`` (rebate ÷ sales) /
    ``marginal_cost_per_case`` are curves over :data:`GROWTH_GRID` (numpy arrays);
    ``cliffs`` the :class:`kamlab.metrics.RebateCliff` of every threshold; ``position`` the
    :class:`LoadingIncentive` at the expected growth.
    """

    base: float
    tiers: tuple[tuple[float, float | None, float], ...]
    mode: str
    gs_per_case: float
    growth: np.ndarray
    sales: np.ndarray
    rebate: np.ndarray
    rebate_rate: np.ndarray
    marginal_cost_per_case: np.ndarray
    cliffs: list[Any]
    position: LoadingIncentive

    def cliff_table(self) -> pd.DataFrame:
        """Thresholds with the sales that reach them and the cliff there (RMB)."""
        return pd.DataFrame(
            {
                "threshold": [c.metric for c in self.cliffs],
                "sales": [c.sales for c in self.cliffs],
                "cliff": [c.cliff for c in self.cliffs],
            }
        )


def _mode(mode: str) -> str:
    how = str(mode).lower()
    if how not in ("retro", "marginal"):
        raise ValueError(f"mode must be 'retro' or 'marginal' (RETRO / MARGINAL); got {mode!r}.")
    return how


def rebate_design(
    base: float,
    tiers: Tiers,
    mode: str = "retro",
    *,
    expected_growth: float = 0.0,
    gs_per_case: float = 60.0,
    grid: np.ndarray | None = None,
) -> RebateDesign:
    """Rebate curve, cliffs, marginal cost per extra case and the loading incentive.

    ``base`` is last year's eligible GS (RMB, ``trade_terms.growth_base_gs``), ``tiers`` the
    growth tiers ``[(lower, upper or None, rate), …]``, ``mode`` ``"retro"`` or ``"marginal"``,
    ``expected_growth`` the customer's expected year-end growth (fraction) and ``gs_per_case``
    the GS of one case (RMB). Formulas in the module docstring.
    """
    how = _mode(mode)
    if not np.isfinite(base) or base <= 0:
        raise ValueError("base: last year's eligible GS must be a positive amount of RMB.")
    p = float(gs_per_case)
    if not np.isfinite(p) or p <= 0:
        raise ValueError("gs_per_case: GS per case must be a positive amount of RMB.")
    g_e = float(expected_growth)
    if not np.isfinite(g_e) or g_e <= -1:
        raise ValueError("expected_growth: growth must be above −100 % (a fraction, 0.05 = 5 %).")
    tiers = tuple((float(lo), None if up is None else float(up), float(r)) for lo, up, r in tiers)
    g = GROWTH_GRID if grid is None else np.asarray(grid, dtype=float)
    sales = base * (1.0 + g)
    reb = np.asarray(km.tiered_rebate(sales, base, tiers, how), dtype=float)
    reb_next = np.asarray(km.tiered_rebate(sales + p, base, tiers, how), dtype=float)
    cliffs = km.rebate_cliffs(base, tiers, how)
    # the position at the expected growth
    s_e = base * (1.0 + g_e)
    r_e = float(km.tiered_rebate(s_e, base, tiers, how))
    mc_e = float(km.tiered_rebate(s_e + p, base, tiers, how)) - r_e
    nxt = [lo for lo, _, _ in tiers if km.above(lo, g_e)]  # §0.2 guard
    if nxt:
        t = min(nxt)
        s_t = base * (1.0 + t)
        r_t = float(km.tiered_rebate(s_t, base, tiers, how))
        gap = s_t - s_e
        gain = r_t - r_e
        pos = LoadingIncentive(
            growth=g_e, sales=s_e, rebate=r_e, marginal_cost_per_case=mc_e,
            next_threshold=t, threshold_sales=s_t, gap_sales=gap, gap_cases=gap / p,
            rebate_at_threshold=r_t, gain=gain, gain_per_rmb=gain / gap,
            gain_per_case=gain / (gap / p),
        )  # fmt: skip
    else:
        pos = LoadingIncentive(
            growth=g_e, sales=s_e, rebate=r_e, marginal_cost_per_case=mc_e,
            next_threshold=None, threshold_sales=float("nan"), gap_sales=0.0, gap_cases=0.0,
            rebate_at_threshold=r_e, gain=0.0, gain_per_rmb=0.0, gain_per_case=0.0,
        )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(sales > 0, reb / np.where(sales > 0, sales, 1.0), 0.0)
    return RebateDesign(
        base=float(base), tiers=tiers, mode=how, gs_per_case=p, growth=g, sales=sales,
        rebate=reb, rebate_rate=rate, marginal_cost_per_case=reb_next - reb, cliffs=cliffs,
        position=pos,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The accounts' agreements (defaults for the designer)


@dataclass(frozen=True)
class RebateAccount:
    """One KA account × fiscal year: the agreement's growth tiers and the year's actuals.

    ``base`` (``trade_terms.growth_base_gs``), ``tiers``, ``mode`` (lower case), ``gs`` (the
    year's GS from ``sell_in``), ``cases``, ``gs_per_case`` and ``growth`` (``gs / base − 1``).
    """

    account_id: str
    account_name: str
    fiscal_year: int
    base: float
    tiers: tuple[tuple[float, float | None, float], ...]
    mode: str
    gs: float
    cases: float
    gs_per_case: float
    growth: float


def rebate_accounts(world: Any) -> dict[tuple[str, int], RebateAccount]:
    """Every KA account × fiscal year with a GROWTH rebate, keyed ``(account_id, fiscal_year)``.

    Built once per world (cached while the world object lives).
    """
    return per_world(world, "m3.rebates", _build_accounts)


def _build_accounts(world: Any) -> dict[tuple[str, int], RebateAccount]:
    tt = world["trade_terms"]
    rt = world["rebate_tiers"]
    acc = world["accounts"].set_index(world["accounts"]["account_id"].astype(str))
    si = world["sell_in"]
    fy_of_week = world["calendar"].set_index("week_id")["fiscal_year"]
    agg = (
        pd.DataFrame(
            {
                "account_id": si["account_id"].astype(str).to_numpy(),
                "fiscal_year": fy_of_week.reindex(si["week_id"].to_numpy()).to_numpy(),
                "gs": si["gross_sales"].to_numpy(float),
                "cases": si["cases_shipped"].to_numpy(float),
            }
        )
        .groupby(["account_id", "fiscal_year"])
        .sum()
    )
    growth_rows = rt.loc[rt["rebate_type"].astype(str) == "GROWTH"]
    out: dict[tuple[str, int], RebateAccount] = {}
    for (a, fy), grp in growth_rows.groupby(
        [growth_rows["account_id"].astype(str), growth_rows["fiscal_year"].astype(int)]
    ):
        terms = tt.loc[(tt["account_id"].astype(str) == a) & (tt["fiscal_year"].astype(int) == fy)]
        if terms.empty or (a, fy) not in agg.index:
            continue
        g = grp.sort_values("tier_no")
        tiers = tuple(
            (float(lo), None if pd.isna(up) else float(up), float(r))
            for lo, up, r in zip(g["lower_bound"], g["upper_bound"], g["rate"], strict=True)
        )
        base = float(terms["growth_base_gs"].iloc[0])
        gs, cases = float(agg.at[(a, fy), "gs"]), float(agg.at[(a, fy), "cases"])
        out[(a, fy)] = RebateAccount(
            account_id=a, account_name=str(acc.at[a, "account_name"]), fiscal_year=fy,
            base=base, tiers=tiers, mode=str(terms["growth_rebate_mode"].iloc[0]).lower(),
            gs=gs, cases=cases, gs_per_case=gs / cases if cases > 0 else float("nan"),
            growth=gs / base - 1.0 if base > 0 else float("nan"),
        )  # fmt: skip
    return out


def rebate_for_account(
    world: Any,
    account_id: str,
    fiscal_year: int,
    *,
    thresholds: Sequence[float] | None = None,
    rates: Sequence[float] | None = None,
    mode: str | None = None,
    expected_growth: float | None = None,
) -> RebateDesign:
    """:func:`rebate_design` for an account's agreement, with any part of it overridden.

    Defaults: the agreement's tiers and mode, the year's actual growth as the expected growth,
    the year's GS per case. ``thresholds``/``rates`` replace the tiers (see
    :func:`tiers_from_thresholds`).
    """
    accs = rebate_accounts(world)
    key = (str(account_id), int(fiscal_year))
    if key not in accs:
        have = sorted({a for a, _ in accs})
        raise ValueError(
            f"account_id/fiscal_year: {account_id} {fiscal_year} has no growth rebate "
            f"agreement; choose a key account ({', '.join(have[:3])} …) and a year of the world."
        )
    ra = accs[key]
    if thresholds is None and rates is None:
        tiers: Tiers = ra.tiers
    else:
        th = thresholds if thresholds is not None else [lo for lo, _, _ in ra.tiers[1:]]
        rr = rates if rates is not None else [r for _, _, r in ra.tiers]
        tiers = tiers_from_thresholds(th, rr)
    return rebate_design(
        ra.base,
        tiers,
        mode if mode is not None else ra.mode,
        expected_growth=ra.growth if expected_growth is None else expected_growth,
        gs_per_case=ra.gs_per_case,
    )
