"""Market share (SPEC §2.5). Shares are fractions in [0, 1]; indices are ×100.

Shares are always computed from summed numerators and denominators over the same universe and
period, never as a mean of shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kamlab.metrics import _checks as ck

__all__ = [
    "fair_share_index",
    "fair_share_of_shelf",
    "relative_share",
    "share_points_change",
    "value_share",
    "volume_share",
]


def _share_of_sums(ours: Any, category: Any, our_name: str, cat_name: str) -> float:
    o = ck.array(ours, our_name, nonneg=True, scalar_ok=True)
    c = ck.array(category, cat_name, nonneg=True, scalar_ok=True)
    ck.same_shape(o, c, our_name, cat_name)
    ck.not_more_than(o, c, our_name, cat_name)
    share = ck.ratio(float(o.sum()), float(c.sum()), cat_name, "the share")
    return min(share, 1.0)


def value_share(ours: Any, category: Any) -> float:
    """Value share ``= Σ our value / Σ category value`` (fraction; SPEC §2.5).

    Pass values incl. VAT at retail (same universe and period for both); arrays are summed
    first, so weeks or stores with larger categories weigh more — never a mean of shares.

    >>> value_share([20, 30], [100, 300])     # not (0.2 + 0.1) / 2
    0.125
    """
    return _share_of_sums(ours, category, "ours", "category")


def volume_share(ours: Any, category: Any) -> float:
    """Volume share ``= Σ our volume_eq / Σ category volume_eq`` (fraction; SPEC §2.5).

    >>> volume_share([150.0], [1000.0])
    0.15
    """
    return _share_of_sums(ours, category, "ours", "category")


def share_points_change(share_now: Any, share_year_ago: Any) -> Any:
    """Share-point change ``= share_t − share_{t−52w}`` (fraction; ×100 for points; SPEC §2.5).

    >>> round(share_points_change(0.182, 0.170), 4)      # +1.2 share points
    0.012
    """
    now = ck.fractions(share_now, "share_now")
    ago = ck.fractions(share_year_ago, "share_year_ago")
    ck.same_shape(now, ago, "share_now", "share_year_ago")
    out = now - ago
    return float(out[0]) if np.ndim(share_now) == 0 else ck.like(out, share_now)


def relative_share(our_share: float, largest_competitor_share: float) -> float:
    """Relative share ``= our share / largest competitor's share`` (multiple; SPEC §2.5).

    >>> relative_share(0.20, 0.25)
    0.8
    """
    ours = ck.fraction(our_share, "our_share")
    comp = ck.fraction(largest_competitor_share, "largest_competitor_share")
    return ck.ratio(ours, comp, "largest_competitor_share", "the relative share")


def fair_share_index(support_share: float, sales_share: float) -> float:
    """Fair-share index ``= share of support (display/shelf) / share of sales × 100`` (§2.5).

    100 = fair; above 100 = more support than sales justify.

    >>> round(fair_share_index(0.30, 0.20), 6)
    150.0
    """
    sup = ck.fraction(support_share, "support_share")
    sal = ck.fraction(sales_share, "sales_share")
    return 100.0 * ck.ratio(sup, sal, "sales_share", "the fair-share index")


def fair_share_of_shelf(shelf_share: float, value_share: float) -> float:
    """Fair share of shelf ``= share of shelf / value share × 100`` (SPEC §2.5).

    >>> round(fair_share_of_shelf(0.18, 0.20), 6)
    90.0
    """
    sos = ck.fraction(shelf_share, "shelf_share")
    vs = ck.fraction(value_share, "value_share")
    return 100.0 * ck.ratio(sos, vs, "value_share", "fair share of shelf")
