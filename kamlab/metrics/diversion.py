"""Cross-region diversion 窜货 signals (SPEC §2.13) for a distributor d in region r.

Distributor SI/SO stays ≈ 1 under diversion (goods flow on to wholesalers), so these signals
compare d's reports with the in-region market, neighbour prices and batch-code traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kamlab.metrics import _checks as ck
from kamlab.metrics._series import longest_run

__all__ = [
    "DiversionSignals",
    "NeighbourDecline",
    "absorption_gap",
    "diversion_flag",
    "diversion_signals",
    "growth_gap",
    "neighbour_decline",
    "price_erosion",
    "sustained_price_erosion",
    "traced_share",
    "yoy_growth",
]


def absorption_gap(in_region_offtake: Any, reported_secondary: Any) -> float:
    """Absorption gap ``AG = 1 − in-region TT offtake / d's reported secondary sales`` (§2.13).

    Offtake from ``market_region_period`` (TT rows, our brand), secondary sales from the
    distributor's DMS (``sell_out``); arrays are summed. AG > 0.3 is suspicious, and AG
    estimates the diverted share.

    Worked example: in-region offtake 20,000 vs secondary 65,000 cases/period:

    >>> round(absorption_gap(20_000, 65_000), 4)
    0.6923
    """
    off = ck.total(in_region_offtake, "in_region_offtake")
    sec = ck.total(reported_secondary, "reported_secondary")
    return 1.0 - ck.ratio(off, sec, "reported_secondary", "the absorption gap")


def yoy_growth(this_year: Any, last_year: Any) -> float:
    """Year-on-year growth ``= Σ this year / Σ last year − 1`` (fraction; §2.13, §2.14).

    >>> round(yoy_growth(1_300, 1_000), 6)
    0.3
    """
    ty = ck.total(this_year, "this_year")
    return ck.ratio(ty, ck.total(last_year, "last_year"), "last_year", "growth") - 1.0


def growth_gap(sell_in_ty: Any, sell_in_ly: Any, market_ty: Any, market_ly: Any) -> float:
    """Growth gap ``= d's YoY sell-in growth − region TT category growth`` (fraction; §2.13).

    > +0.25 (25 pp) is a diversion signal.

    >>> round(growth_gap(1_400, 1_000, 1_030, 1_000), 6)     # +40% vs +3%
    0.37
    """
    return yoy_growth(sell_in_ty, sell_in_ly) - yoy_growth(market_ty, market_ly)


def price_erosion(neighbour_price_index: Any, own_price_index: Any = 1.0) -> Any:
    """Neighbour price erosion ``PE = 1 − price_index(neighbour TT) / price_index(own region)``.

    SPEC §2.13; price indices from ``price_checks`` (avg price / RSP). Elementwise over weeks:
    a number gives a float, arrays give an array. > 5% sustained 4 weeks is a signal.

    >>> round(price_erosion(0.92, 1.0), 6)
    0.08
    >>> price_erosion([0.99, 0.93], [1.0, 1.0]).round(2).tolist()
    [0.01, 0.07]
    """
    nb = ck.array(neighbour_price_index, "neighbour_price_index", nonneg=True, scalar_ok=True)
    own = ck.broadcast(own_price_index, nb, "own_price_index", "neighbour_price_index", nonneg=True)
    if (own == 0).any():
        raise ValueError("'own_price_index' has 0 values, so price erosion is undefined.")
    with np.errstate(over="ignore"):
        out = 1.0 - nb / own
    return (
        float(out[0])
        if np.ndim(neighbour_price_index) == 0
        else ck.like(out, neighbour_price_index, "pe")
    )


def sustained_price_erosion(pe_weekly: Any, threshold: float = 0.05, weeks: int = 4) -> bool:
    """True when weekly price erosion exceeds 5% for ≥ 4 consecutive weeks (SPEC §2.13).

    >>> sustained_price_erosion([0.02, 0.06, 0.07, 0.08, 0.06, 0.01])
    True
    >>> sustained_price_erosion([0.06, 0.07, 0.02, 0.08, 0.09])
    False
    """
    pe = ck.array(pe_weekly, "pe_weekly", scalar_ok=True)
    thr = ck.scalar(threshold, "threshold")
    run = ck.integer(weeks, "weeks")
    return longest_run(np.asarray(ck.above(pe, thr), dtype=bool).reshape(pe.shape)) >= run


@dataclass(frozen=True)
class NeighbourDecline:
    """Neighbour-decline signal (SPEC §2.13 item 4): growths as fractions and the flag."""

    sell_in_growth: float
    market_growth: float
    flag: bool


def neighbour_decline(
    neighbour_sell_in_ty: Any,
    neighbour_sell_in_ly: Any,
    market_ty: Any,
    market_ly: Any,
    decline: float = 0.15,
    stable_band: float = 0.05,
) -> NeighbourDecline:
    """Neighbour distributors' sell-in down > 15% while their market is stable (SPEC §2.13).

    "Stable" = neighbour market growth within ±5% (kamlab convention, ``stable_band``).

    >>> d = neighbour_decline(800, 1_000, 1_010, 1_000)
    >>> round(d.sell_in_growth, 6), round(d.market_growth, 6), d.flag
    (-0.2, 0.01, True)
    """
    g = yoy_growth(neighbour_sell_in_ty, neighbour_sell_in_ly)
    m = yoy_growth(market_ty, market_ly)
    d = ck.fraction(decline, "decline")
    band = ck.fraction(stable_band, "stable_band")
    flag = bool(ck.below(g, -d)) and bool(ck.at_most(abs(m), band))
    return NeighbourDecline(g, m, flag)


def traced_share(packs_found_outside: Any, packs_found: Any) -> float:
    """Code traces: ``share_traced = packs from d found outside r / packs from d found`` (§2.13).

    > 0.2 flags diversion on its own.

    >>> traced_share(18, 60)
    0.3
    """
    out = ck.array(packs_found_outside, "packs_found_outside", nonneg=True, scalar_ok=True)
    tot = ck.array(packs_found, "packs_found", nonneg=True, scalar_ok=True)
    ck.same_shape(out, tot, "packs_found_outside", "packs_found")
    ck.not_more_than(out, tot, "packs_found_outside", "packs_found")
    return min(1.0, ck.ratio(float(out.sum()), float(tot.sum()), "packs_found", "the traced share"))


@dataclass(frozen=True)
class DiversionSignals:
    """The composite diversion test of SPEC §2.13.

    Individual signals ``absorption`` (AG > 0.3), ``growth`` (gap > 25 pp), ``price``
    (PE > 5% sustained 4 weeks) and ``traces`` (traced share > 0.2); ``n_signals`` counts the
    first three; ``flag`` = ≥ 2 of them or ``traces``; ``estimated_diverted_share`` ≈ AG.
    """

    absorption: bool
    growth: bool
    price: bool
    traces: bool
    n_signals: int
    flag: bool
    estimated_diverted_share: float


def diversion_signals(
    absorption_gap: float,
    growth_gap: float,
    price_erosion: Any,
    traced_share: float | None = None,
    *,
    ag_limit: float = 0.3,
    growth_limit: float = 0.25,
    pe_limit: float = 0.05,
    pe_weeks: int = 4,
    trace_limit: float = 0.2,
) -> DiversionSignals:
    """Composite diversion flag with its evidence (SPEC §2.13).

    Flag when ≥ 2 of {AG > 0.3, growth gap > 25 pp, PE > 5% sustained 4 weeks} or traced share
    > 0.2. ``price_erosion`` is either the weekly PE series (tested with
    :func:`sustained_price_erosion`) or an already-computed True/False.

    >>> s = diversion_signals(0.69, 0.37, [0.06, 0.07, 0.08, 0.09], traced_share=0.1)
    >>> s.n_signals, s.flag, s.estimated_diverted_share
    (3, True, 0.69)
    """
    ag = ck.scalar(absorption_gap, "absorption_gap")
    gg = ck.scalar(growth_gap, "growth_gap")
    if isinstance(price_erosion, (bool, np.bool_)):
        pe_sig = bool(price_erosion)
    else:
        pe_sig = sustained_price_erosion(price_erosion, pe_limit, pe_weeks)
    ag_sig = bool(ck.above(ag, ag_limit))
    g_sig = bool(ck.above(gg, growth_limit))
    tr_sig = False
    if traced_share is not None:
        tr_sig = bool(ck.above(ck.fraction(traced_share, "traced_share"), trace_limit))
    n = int(ag_sig) + int(g_sig) + int(pe_sig)
    return DiversionSignals(
        absorption=ag_sig,
        growth=g_sig,
        price=pe_sig,
        traces=tr_sig,
        n_signals=n,
        flag=n >= 2 or tr_sig,
        estimated_diverted_share=max(0.0, ag),
    )


def diversion_flag(
    absorption_gap: float,
    growth_gap: float,
    price_erosion: Any,
    traced_share: float | None = None,
    **limits: Any,
) -> bool:
    """Composite diversion flag (SPEC §2.13): ``diversion_signals(...).flag``.

    >>> diversion_flag(0.05, 0.02, False, traced_share=0.35)     # traces alone suffice
    True
    >>> diversion_flag(0.45, 0.02, [0.01, 0.02])                  # one signal only
    False
    """
    return diversion_signals(absorption_gap, growth_gap, price_erosion, traced_share, **limits).flag
