"""M3 *Negotiation simulator*: a concession menu of linked gives and gets, against walk-away limits.

The model behind the M3 panel "Negotiation simulator" (SPEC §4 M3). In an annual negotiation
every concession ("give") should buy something back ("get"). Each item of :data:`CONCESSIONS`
is offered in one of three states: ``"none"`` (not offered), ``"give"`` (conceded with nothing
in return) or ``"give_get"`` (conceded against its linked get). The package is costed with
:func:`kamlab.analysis.m3_package.cost_package` on the account's base year at the planned
growth:

====================  ================================================  =======================================
item                  give (changes the agreement)                      linked get
====================  ================================================  =======================================
``display``           floor-stack fees for ``n = round(10 % × stores)   the floor stacks are guaranteed (audited):
                      × 4`` extra store-periods                         ``ΔGS = n × GS/(stores × 13) × 40 % ×
                                                                        (1.6 − 1)`` — the displayed SKUs carry
                                                                        40 % of a store-period's sales [conv]
                                                                        and a floor stack lifts them 1.6×
                                                                        (SPEC §2.4)
``payment_terms``     payment terms +15 days (financing cost            the customer counts OTIF with a 1-day
                      ``NR × 6 % × 15/365``)                            delivery window: fewer periods under the
                                                                        OTIF KPI, lower penalties (SPEC §2.7)
``on_invoice``        on-invoice discount +1 pp of GS                   a volume commitment: growth +3 pp
``listing``           listing fees for 2 new SKUs in every store        the listing happens in every store: the 2
                                                                        SKUs sell at half an average SKU's rate,
                                                                        half of it incremental
                                                                        ``ΔGS = 2 × GS / n_SKUs × 0.5 × 0.5``
====================  ================================================  =======================================

For each offered item (alone, on top of the current agreement): ``give cost = CC(current) −
CC(give only)``, ``get value = CC(give + get) − CC(give only)`` (0 when given without the get)
and ``net = get value − give cost``. The whole package is costed with every item at once:
``net value = CC(package) − CC(current)``; the difference from the sum of the items' nets is
their ``interaction`` (e.g. a volume commitment that crosses a retro growth threshold).

Walk-away limits: the package's TTS % must not exceed the account's
``targets_annual.tts_rate_cap`` of the base year, and its CC % must not fall below the CC %
floor; a breach means "do not sign this".

>>> import kamlab                                                           # doctest: +SKIP
>>> r = negotiate(kamlab.load_world(), "ACC001", 2024, {"on_invoice": "give_get"})  # doctest: +SKIP
>>> r.items[["concession", "give_cost", "get_value", "net"]]                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kamlab import metrics as km
from kamlab.analysis.m3_package import (
    PackageCost,
    TermsContext,
    TermsPackage,
    cost_package,
    terms_context,
)

__all__ = [
    "CONCESSIONS",
    "STATES",
    "NegotiationResult",
    "Scenario",
    "apply_concessions",
    "negotiate",
    "negotiate_context",
    "negotiation_accounts",
]

CONCESSIONS = ("display", "payment_terms", "on_invoice", "listing")
"""The concession menu, in display order."""

STATES = ("none", "give", "give_get")
"""Each item is not offered, given alone, or given against its linked get."""

DISPLAY_STORE_SHARE = 0.10  # share of the account's stores getting an extra floor stack
DISPLAY_PERIODS = 4  # periods each extra floor stack stands
DISPLAYED_SALES_SHARE = 0.40  # [conv] share of a store-period's sales on the displayed SKUs
FLOOR_STACK_MULT = 1.6  # SPEC §2.4 floor-stack multiplier
PAYMENT_DAYS = 15
OTIF_WINDOW_DAYS = 1
ON_INVOICE_PP = 0.01
VOLUME_COMMITMENT = 0.03
NEW_SKUS = 2
NPD_RATE = 0.5  # a new SKU sells at half an average SKU's rate in its first year [conv]
NPD_INCREMENTAL = 0.5  # half of that is incremental, the rest cannibalised [conv]
PERIODS_PER_YEAR = 13


@dataclass(frozen=True)
class Scenario:
    """What a set of concessions does: the agreement, growth, extra GS and OTIF window."""

    package: TermsPackage
    growth: float
    extra_gs: float = 0.0
    otif_tolerance_days: int = 0


def _display_store_periods(ctx: TermsContext) -> float:
    return float(max(1, round(DISPLAY_STORE_SHARE * ctx.store_count)) * DISPLAY_PERIODS)


def apply_concessions(
    ctx: TermsContext, choices: Mapping[str, str], growth: float = 0.0
) -> Scenario:
    """The scenario of a set of concessions (``item → state``) on the current agreement."""
    bad = sorted(set(choices) - set(CONCESSIONS))
    if bad:
        raise ValueError(
            f"choices: unknown concession(s) {bad}; the menu is {', '.join(CONCESSIONS)}."
        )
    for k, v in choices.items():
        if v not in STATES:
            raise ValueError(f"choices[{k!r}] must be one of {', '.join(STATES)}; got {v!r}.")
    pkg = ctx.terms
    g, extra, tol = float(growth), 0.0, 0
    on = {k: v for k, v in choices.items() if v != "none"}
    if "display" in on:
        n = _display_store_periods(ctx)
        pkg = pkg.replace(extra_floorstack_store_periods=pkg.extra_floorstack_store_periods + n)
        if on["display"] == "give_get":
            per_store_period = ctx.gs / (ctx.store_count * PERIODS_PER_YEAR)
            extra += n * per_store_period * DISPLAYED_SALES_SHARE * (FLOOR_STACK_MULT - 1.0)
    if "payment_terms" in on:
        pkg = pkg.replace(payment_terms_days=pkg.payment_terms_days + PAYMENT_DAYS)
        if on["payment_terms"] == "give_get":
            tol = OTIF_WINDOW_DAYS
    if "on_invoice" in on:
        pkg = pkg.replace(on_invoice_pct=pkg.on_invoice_pct + ON_INVOICE_PP)
        if on["on_invoice"] == "give_get":
            g += VOLUME_COMMITMENT
    if "listing" in on:
        pkg = pkg.replace(extra_listing_skus=pkg.extra_listing_skus + NEW_SKUS)
        if on["listing"] == "give_get":
            extra += NEW_SKUS * ctx.gs / max(ctx.n_skus, 1) * NPD_RATE * NPD_INCREMENTAL
    return Scenario(pkg, g, extra, tol)


def _cost(ctx: TermsContext, sc: Scenario) -> PackageCost:
    return cost_package(
        ctx,
        sc.package,
        sc.growth,
        extra_gs=sc.extra_gs,
        otif_tolerance_days=sc.otif_tolerance_days,
    )


@dataclass(frozen=True)
class NegotiationResult:
    """Result of :func:`negotiate`.

    ``current`` and ``package`` (:class:`PackageCost`); ``items`` (DataFrame: ``concession,
    state, give_cost, get_value, net``); ``net_value`` (CC change of the whole package, RMB),
    ``interaction``; the limits ``tts_rate_cap`` and ``cc_floor``; ``breaches`` (names of the
    limits broken: ``"tts_cap"``, ``"cc_floor"``) and ``walk_away`` (any breach).
    """

    current: PackageCost
    package: PackageCost
    items: pd.DataFrame
    net_value: float
    interaction: float
    tts_rate_cap: float
    cc_floor: float
    breaches: tuple[str, ...]

    @property
    def walk_away(self) -> bool:
        return bool(self.breaches)


def negotiate_context(
    ctx: TermsContext,
    choices: Mapping[str, str],
    *,
    growth: float = 0.0,
    cc_floor: float | None = None,
) -> NegotiationResult:
    """Cost a concession package on a :class:`TermsContext` (see the module docstring).

    ``cc_floor`` (fraction) defaults to the current agreement's CC % minus 1 pp.
    """
    current = _cost(ctx, Scenario(ctx.terms, float(growth)))
    floor = current.cc_rate - 0.01 if cc_floor is None else float(cc_floor)
    if not -1.0 <= floor <= 1.0:
        raise ValueError("cc_floor: the CC % floor is a fraction (0.25 = 25 %).")
    rows = []
    for item in CONCESSIONS:
        state = choices.get(item, "none")
        if state == "none":
            continue
        give = _cost(ctx, apply_concessions(ctx, {item: "give"}, growth))
        give_cost = current.cc - give.cc
        get_value = 0.0
        if state == "give_get":
            both = _cost(ctx, apply_concessions(ctx, {item: "give_get"}, growth))
            get_value = both.cc - give.cc
        rows.append(
            {
                "concession": item,
                "state": state,
                "give_cost": give_cost,
                "get_value": get_value,
                "net": get_value - give_cost,
            }
        )
    items = pd.DataFrame(rows, columns=["concession", "state", "give_cost", "get_value", "net"])
    package = _cost(ctx, apply_concessions(ctx, choices, growth))
    net_value = package.cc - current.cc
    breaches = []
    if km.above(package.tts_rate, ctx.tts_rate_cap):
        breaches.append("tts_cap")
    if not km.at_least(package.cc_rate, floor):
        breaches.append("cc_floor")
    return NegotiationResult(
        current=current,
        package=package,
        items=items,
        net_value=net_value,
        interaction=net_value - float(items["net"].sum()),
        tts_rate_cap=ctx.tts_rate_cap,
        cc_floor=floor,
        breaches=tuple(breaches),
    )


def negotiate(
    world: Any,
    account_id: str,
    fiscal_year: int,
    choices: Mapping[str, str],
    *,
    growth: float = 0.0,
    cc_floor: float | None = None,
) -> NegotiationResult:
    """:func:`negotiate_context` on an account's base year (context cached per world)."""
    return negotiate_context(
        terms_context(world, account_id, fiscal_year), choices, growth=growth, cc_floor=cc_floor
    )


def negotiation_accounts(world: Any) -> list[tuple[str, str]]:
    """``(account_id, account_name)`` of the key accounts with in-store displays (modern trade:
    hyper, super and convenience chains — the display item needs a floor-stack fee)."""
    acc = world["accounts"]
    mt = acc.loc[
        (acc["account_type"].astype(str) == "KA") & (acc["channel_group"].astype(str) == "MT")
    ]
    return list(zip(mt["account_id"].astype(str), mt["account_name"].astype(str), strict=True))
