"""Joint business plan targets and retailer metrics (SPEC §2.16). Money in RMB ex-VAT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kamlab.metrics import _checks as ck

__all__ = [
    "VAT_RATE",
    "BridgeStep",
    "JBPBridge",
    "RetailerMargins",
    "distribution_gain_value",
    "ex_vat",
    "jbp_bridge",
    "jbp_market_target",
    "retailer_margins",
    "sales_per_distribution_point",
]

VAT_RATE = 0.13
"""China VAT on goods (SPEC §0.2, config ``vat_rate``)."""


def ex_vat(price_incl_vat: Any, vat_rate: float = VAT_RATE) -> float:
    """Price without VAT ``= price incl. VAT / (1 + vat_rate)`` (SPEC §0.2).

    >>> round(ex_vat(3.39), 6)
    3.0
    """
    p = ck.scalar(price_incl_vat, "price_incl_vat", nonneg=True)
    return p / (1.0 + ck.fraction(vat_rate, "vat_rate"))


def jbp_market_target(
    nr_ly: float,
    category_growth: float,
    share_ly: float,
    share_change: float,
    net_price_change: float = 0.0,
) -> float:
    """Market-anchored NR target (SPEC §2.16), RMB.

    ``NR_target = NR_LY × (1 + category growth) × (1 + Δshare / share_LY) × (1 + net price
    change)``; growths and share as fractions (Δshare = +0.01 for one share point).

    >>> round(jbp_market_target(10_000_000, 0.05, 0.20, 0.01, 0.02), 2)
    11245500.0
    """
    nr = ck.scalar(nr_ly, "nr_ly", nonneg=True)
    g = ck.scalar(category_growth, "category_growth")
    s = ck.fraction(share_ly, "share_ly")
    ds = ck.scalar(share_change, "share_change")
    p = ck.scalar(net_price_change, "net_price_change")
    if s == 0:
        raise ValueError("'share_ly' is 0, so the relative share change is undefined.")
    if min(1 + g, 1 + ds / s, 1 + p) < 0:
        raise ValueError(
            "'category_growth', 'share_change' or 'net_price_change' is below −100%, which makes "
            "the target negative: pass growths as fractions (−0.05 for −5%)."
        )
    return nr * (1 + g) * (1 + ds / s) * (1 + p)


def sales_per_distribution_point(sales: Any, tdp: float) -> float:
    """Sales per distribution point ``= sales / TDP`` (RMB per point of TDP; SPEC §2.16).

    >>> sales_per_distribution_point(9_000_000, 4.5)
    2000000.0
    """
    s = ck.total(sales, "sales")
    return ck.ratio(s, ck.scalar(tdp, "tdp", nonneg=True), "tdp", "sales per point")


def distribution_gain_value(delta_tdp: float, sales_per_point: float) -> float:
    """Distribution gain ``= ΔTDP × sales per distribution point`` (RMB; SPEC §2.16, M2-T3).

    >>> distribution_gain_value(0.25, 2_000_000)
    500000.0
    """
    d = ck.scalar(delta_tdp, "delta_tdp")
    return d * ck.scalar(sales_per_point, "sales_per_point", nonneg=True)


@dataclass(frozen=True)
class BridgeStep:
    """One step of the JBP bridge: its ``name``, ``value`` (RMB) and running ``cumulative``."""

    name: str
    value: float
    cumulative: float


@dataclass(frozen=True)
class JBPBridge:
    """The JBP initiative bridge (SPEC §2.16): ordered ``steps`` from LY to ``target`` (RMB).

    Steps: ``ly``, ``base_momentum``, ``distribution``, ``promotions``, ``npd``,
    ``price_mix``, ``target`` (the first and last are levels, the others increments).
    """

    steps: tuple[BridgeStep, ...]
    target: float

    def as_dict(self) -> dict[str, float]:
        """Step name → value."""
        return {s.name: s.value for s in self.steps}


def jbp_bridge(
    nr_ly: float,
    base_momentum: float = 0.0,
    delta_tdp: float = 0.0,
    sales_per_point: float = 0.0,
    promo_nic: Any = 0.0,
    promo_npc: Any = 0.0,
    npd_listings: float = 0.0,
    npd_rate_of_sale: float = 0.0,
    npd_weeks: float = 0.0,
    price_mix: float = 0.0,
) -> JBPBridge:
    """JBP initiative bridge LY → target (SPEC §2.16), RMB.

    LY → base momentum (``nr_ly × base_momentum``, a growth fraction) → distribution gain
    (``ΔTDP × sales per point``) → promotions (``Σ planned NIC × NPC``, arrays over events) →
    NPD (``listings × rate of sale × weeks``, rate of sale in RMB NR per listing per week) →
    price/mix (``price_mix`` × the subtotal so far, a fraction) → target.

    >>> b = jbp_bridge(10_000_000, base_momentum=0.03, delta_tdp=0.25, sales_per_point=2_000_000,
    ...                promo_nic=[2_000, 3_000], promo_npc=[50, 50], npd_listings=400,
    ...                npd_rate_of_sale=25, npd_weeks=26, price_mix=0.01)
    >>> [(s.name, round(s.value)) for s in b.steps]     # doctest: +NORMALIZE_WHITESPACE
    [('ly', 10000000), ('base_momentum', 300000), ('distribution', 500000),
     ('promotions', 250000), ('npd', 260000), ('price_mix', 113100), ('target', 11423100)]
    """
    ly = ck.scalar(nr_ly, "nr_ly", nonneg=True)
    momentum = ly * ck.scalar(base_momentum, "base_momentum")
    dist = distribution_gain_value(delta_tdp, sales_per_point)
    nic = ck.array(promo_nic, "promo_nic", scalar_ok=True)
    npc = ck.broadcast(promo_npc, nic, "promo_npc", "promo_nic", nonneg=True)
    promos = float((nic * npc).sum())
    npd = (
        ck.scalar(npd_listings, "npd_listings", nonneg=True)
        * ck.scalar(npd_rate_of_sale, "npd_rate_of_sale", nonneg=True)
        * ck.scalar(npd_weeks, "npd_weeks", nonneg=True)
    )
    subtotal = ly + momentum + dist + promos + npd
    pm = subtotal * ck.scalar(price_mix, "price_mix")
    target = subtotal + pm
    steps, running = [], 0.0
    for name, value in (
        ("ly", ly),
        ("base_momentum", momentum),
        ("distribution", dist),
        ("promotions", promos),
        ("npd", npd),
        ("price_mix", pm),
    ):
        running += value
        steps.append(BridgeStep(name, value, running))
    steps.append(BridgeStep("target", target, target))
    return JBPBridge(tuple(steps), target)


@dataclass(frozen=True)
class RetailerMargins:
    """Retailer margins (fractions; SPEC §2.16): ``front`` on shelf price, ``back`` on
    purchases, ``total`` = all retailer income per unit / shelf price ex-VAT."""

    front: float
    back: float
    total: float


def retailer_margins(
    rsp_ex_vat: float, invoice_price: float, rebates_and_fees: Any, purchases: Any
) -> RetailerMargins:
    """Retailer front, back and total margin (SPEC §2.16).

    Front ``= (RSP_exVAT − invoice price) / RSP_exVAT``; back ``= (rebates + fees) /
    purchases``; total ``= front + back × (1 − front)`` = (RSP − invoice + back money per unit)
    / RSP, the retailer's whole margin on its selling price. Use :func:`ex_vat` on shelf prices
    incl. VAT; prices per unit or per case, consistently.

    >>> m = retailer_margins(rsp_ex_vat=3.0, invoice_price=2.34, rebates_and_fees=80_000,
    ...                      purchases=1_000_000)
    >>> round(m.front, 4), round(m.back, 4), round(m.total, 4)
    (0.22, 0.08, 0.2824)
    """
    rsp = ck.scalar(rsp_ex_vat, "rsp_ex_vat", positive=True)
    inv = ck.scalar(invoice_price, "invoice_price", nonneg=True)
    money = ck.total(rebates_and_fees, "rebates_and_fees")
    buys = ck.total(purchases, "purchases")
    front = (rsp - inv) / rsp
    back = ck.ratio(money, buys, "purchases", "the back margin")
    return RetailerMargins(front=front, back=back, total=front + back * (1.0 - front))
