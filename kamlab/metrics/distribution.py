"""Distribution (SPEC §2.6): numeric and weighted (ACV) distribution, efficiency, TDP.

Distribution is a fraction (0.55 = 55% ACV). ND and WD are **not** additive across SKUs,
markets or periods; TDP (Σ over SKUs of WD) is.
"""

from __future__ import annotations

from typing import Any

from kamlab.metrics import _checks as ck

__all__ = [
    "average_skus_per_handling_store",
    "distribution_efficiency",
    "numeric_distribution",
    "total_distribution_points",
    "weighted_distribution",
]


def numeric_distribution(handling: Any) -> float:
    """Numeric distribution ``ND = #stores handling the SKU / #stores in the universe`` (§2.6).

    ``handling``: one True/False per store of the universe ("handling" = listed and found on
    shelf or scanned ≥ 1 in the period).

    Worked example of §2.6 (SKU in stores 1, 2 and 5 of 5):

    >>> numeric_distribution([True, True, False, False, True])
    0.6
    """
    h = ck.mask(handling, "handling")
    return float(h.sum()) / h.size


def weighted_distribution(handling: Any, acv: Any) -> float:
    """Weighted distribution ``WD (%ACV) = Σ ACV of handling stores / Σ ACV of all stores``.

    SPEC §2.6; pass category sales as ``acv`` for the category-weighted variant.

    Worked example: ACV [20, 10, 40, 5, 25], SKU in stores 1, 2 and 5:

    >>> weighted_distribution([True, True, False, False, True], [20, 10, 40, 5, 25])
    0.55
    """
    h = ck.mask(handling, "handling")
    w = ck.array(acv, "acv", nonneg=True)
    ck.same_shape(h, w, "handling", "acv")
    wd = ck.ratio(float(w[h].sum()), float(w.sum()), "acv", "weighted distribution")
    return min(1.0, wd)  # a subset's float sum can exceed the total's by one ulp


def distribution_efficiency(wd: float, nd: float) -> float:
    """Distribution efficiency ``= WD / ND`` (> 1: the SKU is in the bigger stores; §2.6).

    >>> round(distribution_efficiency(0.55, 0.60), 3)
    0.917
    """
    w = ck.fraction(wd, "wd")
    n = ck.fraction(nd, "nd")
    return ck.ratio(w, n, "nd", "distribution efficiency")


def total_distribution_points(wd_by_sku: Any) -> float:
    """Total distribution points ``TDP = Σ_SKU WD`` (fractions summed; ×100 for points; §2.6).

    >>> round(total_distribution_points([0.55, 0.80, 0.30]), 6)
    1.65
    """
    return float(ck.fractions(wd_by_sku, "wd_by_sku").sum())


def average_skus_per_handling_store(nd_by_sku: Any, nd_any: float) -> float:
    """Average SKUs per handling store ``= Σ_SKU ND / ND_any`` (§2.6).

    ``nd_any`` = share of stores handling at least one of the SKUs.

    >>> round(average_skus_per_handling_store([0.6, 0.4, 0.2], 0.8), 6)
    1.5
    """
    nd = ck.fractions(nd_by_sku, "nd_by_sku")
    any_ = ck.fraction(nd_any, "nd_any")
    return ck.ratio(float(nd.sum()), any_, "nd_any", "SKUs per handling store")
