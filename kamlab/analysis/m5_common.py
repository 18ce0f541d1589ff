"""Shared helpers of the M5 models: a per-world cache, unit margins and parameter look-ups.

The M5 panels (post-event evaluation, promo what-if, budget reallocation) read the same
tables over and over; each builds its pre-aggregated context once per world object through
:func:`kamlab.analysis._cache.per_world`, so a slider move never re-scans a 67k-row table.

Unit margin (SPEC §2.3): ``m = NPC_base − cogs_case`` with
``NPC_base = list × price factor × (1 − off_invoice − variable rebate rates)``, where, from the
account's annual agreement (``trade_terms``, ``rebate_tiers``) of the fiscal year:

* ``off_invoice`` = ``on_invoice_discount_pct`` (the base discount on every invoice);
* variable rebate rates = ``unconditional_rebate_pct`` + ``ec_platform_fee_pct`` +
  ``logistics_allowance_pct`` + the first growth-rebate tier's rate (key accounts; the rate the
  ledger accrues at when growth is not yet known) or the 100 %-attainment tier's rate
  (distributors).

This is the margin the world's own ``truth_promo.roi`` uses, so ROI estimated with it can be
compared with the truth one-to-one (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.sim.config import ModelParams

__all__ = [
    "cached",
    "fiscal_year_of_week",
    "ka_accounts",
    "model_param",
    "unit_margin",
    "unit_margin_rates",
]

T = TypeVar("T")


def cached(world: Any, key: str, tables: Sequence[str], build: Callable[[Any], T]) -> T:
    """``build(world)`` once per world object and set of tables (replacing a table rebuilds).

    The per-world memo :func:`kamlab.analysis._cache.per_world` under another signature: it
    holds a weak reference to the world, so a dropped world frees its contexts.
    """
    return per_world(world, key, build, tables=tables)


def model_param(world: Any, name: str) -> Any:
    """A model parameter of the world's simulator config (``meta.json``), else the default."""
    params = {}
    cfg = getattr(world, "meta", {}).get("config") if hasattr(world, "meta") else None
    if isinstance(cfg, dict):
        params = cfg.get("params", {}) or {}
    if name in params:
        return params[name]
    return getattr(ModelParams(), name)


def ka_accounts(world: Any) -> pd.DataFrame:
    """Key accounts (not distributors), sorted by id, with name, channel, tier and owner."""
    acc = world.accounts
    ka = acc[acc.channel.astype(str) != "DIST"]
    return ka.sort_values("account_id").reset_index(drop=True)


def fiscal_year_of_week(world: Any, week: int) -> int:
    """The fiscal year of ``week`` (weeks after the calendar's end belong to its last year)."""
    cal = world.calendar
    w = int(np.clip(week, 0, len(cal) - 1))
    return int(cal.fiscal_year.to_numpy()[w])


def _rates_table(world: Any) -> pd.DataFrame:
    tt = world.trade_terms.copy()
    tt["account_id"] = tt.account_id.astype(str)
    rt = world.rebate_tiers
    rt = rt.assign(account_id=rt.account_id.astype(str), rebate_type=rt.rebate_type.astype(str))
    growth = rt[(rt.rebate_type == "GROWTH") & (rt.tier_no == 1)]
    target = rt[(rt.rebate_type == "TARGET_ATTAINMENT") & (rt.tier_no == 2)]
    tier = pd.concat([growth, target]).drop_duplicates(["account_id", "fiscal_year"])
    tier = tier.set_index(["account_id", "fiscal_year"]).rate
    key = pd.MultiIndex.from_frame(tt[["account_id", "fiscal_year"]])
    tt["tier_rate"] = tier.reindex(key).fillna(0.0).to_numpy()
    tt["variable_rate"] = (
        tt.unconditional_rebate_pct
        + tt.ec_platform_fee_pct
        + tt.logistics_allowance_pct
        + tt.tier_rate
    )
    return tt.set_index(["account_id", "fiscal_year"])[
        ["on_invoice_discount_pct", "variable_rate", "aged_stock_clearance_pct"]
    ]


def unit_margin_rates(world: Any) -> pd.DataFrame:
    """Per account × fiscal year: ``on_invoice_discount_pct`` and the variable rebate rate."""
    return per_world(world, "m5.rates", _rates_table, tables=("trade_terms", "rebate_tiers"))


def unit_margin(world: Any, account_id: str, sku_id: str, fiscal_year: int) -> float:
    """Base unit margin ``m`` (RMB/case) of a SKU at an account in a fiscal year (SPEC §2.3).

    ``m = list_price_case × price_factor × (1 − on-invoice − variable rebates) − cogs_case``
    via :func:`kamlab.metrics.base_unit_margin` (rates as described in the module docstring).

    >>> import kamlab                                                         # doctest: +SKIP
    >>> unit_margin(kamlab.load_world(), "ACC001", "SKU001", 2024)  # RMB/case  # doctest: +SKIP
    """
    rates = unit_margin_rates(world)
    key = (str(account_id), int(fiscal_year))
    if key not in rates.index:
        raise ValueError(
            f"There is no trade agreement for account {account_id!r} in FY{fiscal_year}: "
            "pick an account and year present in trade_terms."
        )
    prod = world.products.set_index("sku_id")
    if sku_id not in prod.index:
        raise ValueError(f"'sku_id' {sku_id!r} is not in the products table.")
    acc = world.accounts.set_index("account_id")
    pf = float(acc.at[account_id, "price_factor"]) if "price_factor" in acc.columns else 1.0
    r = rates.loc[key]
    return km.base_unit_margin(
        float(prod.at[sku_id, "list_price_case"]) * pf,
        float(prod.at[sku_id, "cogs_case"]),
        off_invoice_rate=float(r.on_invoice_discount_pct),
        variable_rebate_rate=float(r.variable_rate),
    )
