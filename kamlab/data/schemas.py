"""Table schemas: every column name, dtype, key and value range, declared once (SPEC §1).

The simulator's output, a loaded world and a company's imported extracts are all checked
against these declarations (:mod:`kamlab.data.validate`). Nothing else in kamlab spells a
dtype: use :func:`conform` to cast a frame to its schema.

Dtypes are pandas dtype names: ``int8/16/32/64``, ``float64``, ``bool``, ``string``
(``pd.StringDtype``, missing = ``<NA>``), ``category``, ``datetime64[ns]``, and the nullable
integers ``Int8/Int16/Int32``. A ``category`` column with ``categories`` declared has exactly
those categories, in that order, so that codes are stable across worlds.

>>> SCHEMAS["sell_in"].key
('account_id', 'sku_id', 'week_id')
>>> SCHEMAS["calendar"].column("fiscal_period").dtype
'int8'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "PUBLIC_TABLES",
    "SCHEMAS",
    "TRUTH_TABLES",
    "Column",
    "TableSchema",
    "conform",
    "empty_frame",
    "schema",
]

Layer = Literal["public", "truth", "assessment"]


@dataclass(frozen=True)
class Column:
    """One column: name, pandas dtype, meaning, and the values it may hold."""

    name: str
    dtype: str
    description: str = ""
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None
    unit: str = ""

    def pandas_dtype(self) -> object:
        """The dtype object to cast to."""
        if self.dtype == "string":
            return pd.StringDtype()
        if self.dtype == "category":
            if self.categories is not None:
                return pd.CategoricalDtype(list(self.categories), ordered=False)
            return "category"
        return self.dtype


@dataclass(frozen=True)
class TableSchema:
    """A table: its columns in order, primary key, layer, grain and meaning."""

    name: str
    layer: Layer
    grain: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    spec: str = ""
    optional_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


def _c(
    name: str,
    dtype: str,
    description: str = "",
    *,
    nullable: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    cats: Iterable[str] | None = None,
    unit: str = "",
) -> Column:
    return Column(
        name=name,
        dtype=dtype,
        description=description,
        nullable=nullable,
        min=lo,
        max=hi,
        categories=tuple(cats) if cats is not None else None,
        unit=unit,
    )


# ---------------------------------------------------------------------------------------------
# Shared vocabularies
CHANNELS = ("HYPER", "SUPER", "CVS", "EC", "DIST")
CHANNEL_GROUPS = ("MT", "EC", "TT")
CATEGORIES = ("WATER", "CSD", "RTD_TEA", "SNACKS")
BRAND_OWNERS = ("OURS", "COMP_A", "COMP_B", "PRIVATE_LABEL", "OTHERS")
EVENT_CODES = (
    "SPRING_FESTIVAL",
    "LABOUR_DAY",
    "E618",
    "DRAGON_BOAT",
    "MID_AUTUMN",
    "NATIONAL_DAY",
    "D11",
    "D12",
)
MECHANICS = ("TPR", "MULTIBUY", "BOGO", "GWP", "DISPLAY_ONLY", "EC_COUPON", "TRADE_DEAL")
SPEND_TYPES = (
    "OFF_INVOICE",
    "PROMO_SCAN_BACK",
    "PROMO_OFF_INVOICE",
    "PROMO_LUMP_SUM",
    "DISPLAY_FEE",
    "LISTING_FEE",
    "DM_FEE",
    "FESTIVAL_FEE",
    "ANNIVERSARY_FEE",
    "EC_PLATFORM_FEE",
    "UNCONDITIONAL_REBATE",
    "GROWTH_REBATE",
    "TARGET_REBATE",
    "LOGISTICS_ALLOWANCE",
    "OTIF_PENALTY",
    "AGED_STOCK_CLEARANCE",
    "PERIOD_END_DEAL",
)
ROLE_LEVELS = ("KAE", "KAM", "SKAM", "KAD", "RSM")
TEAMS = (
    "NATIONAL_KA",
    "REGIONAL_KA_R1",
    "REGIONAL_KA_R2",
    "REGIONAL_KA_R3",
    "REGIONAL_KA_R4",
    "REGIONAL_KA_R5",
    "DISTRIBUTOR_SALES",
    # the large preset's ten regions (appended so existing category codes stay stable)
    "REGIONAL_KA_R6",
    "REGIONAL_KA_R7",
    "REGIONAL_KA_R8",
    "REGIONAL_KA_R9",
    "REGIONAL_KA_R10",
)
COMPETENCIES = tuple(f"C{i}" for i in range(1, 11))
ITEM_TYPES = ("FUNCTION", "NUMERIC", "CHOICE", "CLASSIFICATION", "OPTIMIZATION", "MANUAL")
SCENARIOS = (
    "STUFFING",
    "MONTH_END_PUSH",
    "DIVERSION",
    "CHANNEL_MIX_DRIFT",
    "PACK_MIX_DRIFT",
    "PROMO_OVERSPEND",
    "FORECAST_BIAS",
    "SUPPLY_SHOCK",
    "PRICE_NONCOMPLIANCE",
    "CAPSTONE",
    "TALENT_EVENT",
    "COMPETITOR_PUSH",
    "SERVICE_DEPRIORITISED",
)

_ACC = _c("account_id", "string", "account (ACC001…)")
_SKU = _c("sku_id", "string", "product (SKU001…)")
_WEEK = _c("week_id", "int16", "0-based fiscal week", lo=0)
_REGION = _c("region_id", "string", "region (R1…)")
_FY = _c("fiscal_year", "int16", "fiscal year, e.g. 2024", lo=2000, hi=2100)
_PERIOD = _c("period_key", "string", "fiscal period, e.g. FY2024-P03")
_NONNEG = {"lo": 0.0}
_FRAC = {"lo": 0.0, "hi": 1.0}


def _money(name: str, description: str = "", **kw: object) -> Column:
    return _c(name, "float64", description, unit="RMB ex-VAT", lo=0.0, **kw)  # type: ignore[arg-type]


def _cases(name: str, description: str = "", dtype: str = "float64") -> Column:
    return _c(name, dtype, description, unit="cases", lo=0.0)


_TABLES: list[TableSchema] = []


def _table(
    name: str,
    layer: Layer,
    key: Iterable[str],
    grain: str,
    description: str,
    columns: Iterable[Column],
    spec: str = "",
    optional: Iterable[str] = (),
) -> None:
    _TABLES.append(
        TableSchema(
            name=name,
            layer=layer,
            grain=grain,
            description=description,
            columns=tuple(columns),
            key=tuple(key),
            spec=spec,
            optional_columns=frozenset(optional),
        )
    )


# ---------------------------------------------------------------------------------------------
# 1.1 Master data
_table(
    "calendar",
    "public",
    ["week_id"],
    "one row per fiscal week",
    "The 4-4-5 fiscal calendar (52-week years starting on Mondays) with the Chinese trading events.",
    [
        _WEEK,
        _c("week_start", "datetime64[ns]", "Monday"),
        _c("week_end", "datetime64[ns]", "Sunday"),
        _FY,
        _c("fiscal_quarter", "int8", "1–4", lo=1, hi=4),
        _c("fiscal_period", "int8", "1–12; weeks per period 4,4,5 repeating", lo=1, hi=12),
        _PERIOD,
        _c("week_of_period", "int8", "1..weeks_in_period", lo=1, hi=5),
        _c("weeks_in_period", "int8", "4 or 5", lo=4, hi=5),
        _c("is_period_last_week", "bool"),
        _c("week_of_year", "int8", "1–52 (fiscal)", lo=1, hi=53),
        _c(
            "event_code",
            "category",
            "trading event near this week",
            nullable=True,
            cats=EVENT_CODES,
        ),
        _c(
            "event_offset",
            "Int8",
            "weeks relative to the event week (−2..+1)",
            nullable=True,
            lo=-2,
            hi=1,
        ),
    ],
    "1.1",
)
_table(
    "regions",
    "public",
    ["region_id"],
    "one row per sales region",
    "Sales regions, with the distributor price-list factor whose gaps make diversion profitable.",
    [
        _REGION,
        _c("name_en", "string"),
        _c("name_cn", "string"),
        _c("population_m", "float64", "population, millions", lo=0),
        _c(
            "list_price_factor",
            "float64",
            "distributor price-list factor (1.00 = national list)",
            lo=0.5,
            hi=1.5,
        ),
    ],
    "1.1",
)
_table(
    "region_adjacency",
    "public",
    ["region_a", "region_b"],
    "one row per ordered pair of neighbouring regions (both directions)",
    "Which regions border each other, how far apart and what freight a diverted case costs.",
    [
        _c("region_a", "string"),
        _c("region_b", "string"),
        _c("distance_km", "int32", lo=0),
        _c("freight_per_case", "float64", unit="RMB", lo=0),
    ],
    "1.1",
)
_table(
    "channels",
    "public",
    ["channel"],
    "one row per channel",
    "Trade channels with their inventory policy and service/cost-to-serve parameters.",
    [
        _c("channel", "category", cats=CHANNELS),
        _c("channel_group", "category", cats=CHANNEL_GROUPS),
        _c("target_woc", "float64", "customer inventory policy, weeks of cover", lo=0),
        _c("freight_per_case", "float64", unit="RMB", lo=0),
        _c("drop_cost_per_order", "float64", unit="RMB", lo=0),
        _c("on_time_prob", "float64", **_FRAC),
    ],
    "1.1",
)
_table(
    "accounts",
    "public",
    ["account_id"],
    "one row per customer account",
    "Key accounts (chains, e-commerce platforms) and distributors.",
    [
        _ACC,
        _c("account_name", "string"),
        _c("banner", "string"),
        _c("account_type", "category", cats=("KA", "DISTRIBUTOR")),
        _c("channel", "category", cats=CHANNELS),
        _c("channel_group", "category", cats=CHANNEL_GROUPS),
        _c("scope", "category", cats=("NATIONAL", "REGIONAL")),
        _c("hq_region_id", "string"),
        _c("authorized_regions", "string", "pipe-separated region ids, e.g. R1|R2"),
        _c("tier", "category", cats=("A", "B", "C")),
        _c("store_count", "int32", lo=0),
        _c("acv_rmb_m", "float64", "annual all-commodity sales of the account", unit="RMB m", lo=0),
        _c("kam_id", "string", "owner"),
        _c("payment_terms_days", "int16", lo=0),
        _c("target_woc", "float64", "customer's inventory policy", lo=0),
        _c("order_weekday", "int8", "0 = Monday", lo=0, hi=6),
        _c("start_week", "int16", lo=0),
        _c(
            "price_factor",
            "float64",
            "price-list factor applied to list price in gross sales",
            lo=0.5,
            hi=1.5,
        ),
    ],
    "1.1",
)
_table(
    "stores",
    "public",
    ["store_id"],
    "one row per store (MT stores, EC hubs, TT panel outlets)",
    "Stores of the accounts plus the traditional-trade outlets of the audit panel.",
    [
        _c("store_id", "string"),
        _c(
            "account_id",
            "string",
            "owning account; for TT outlets the serving distributor",
            nullable=True,
        ),
        _REGION,
        _c("city_tier", "int8", lo=1, hi=4),
        _c("format", "category", cats=("HYPER", "SUPER", "CVS", "EC_HUB", "TT_OUTLET")),
        _c("acv_rmb_k", "float64", "annual store ACV", unit="RMB k", lo=0),
        _c("category_weight", "float64", "share of store ACV in our categories", **_FRAC),
        _c("open_week", "int16"),
        _c("is_audit_panel", "bool"),
    ],
    "1.1",
)
_table(
    "products",
    "public",
    ["sku_id"],
    "one row per SKU",
    "Our product range: brand, pack, prices, cost, shelf life and portfolio role.",
    [
        _SKU,
        _c("sku_name", "string"),
        _c("brand", "category", "open set: a company's own brands are kept as they are"),
        _c("category", "category", "open set (the simulated world: WATER, CSD, RTD_TEA, SNACKS)"),
        _c("segment", "category", cats=("VALUE", "MAINSTREAM", "PREMIUM")),
        _c("pack_type", "category", "open set (simulated: PET, CAN, BAG, MULTIPACK, GIFT_BOX)"),
        _c("pack_size", "float64", lo=0),
        _c("pack_unit", "category", "ml, L, g, kg, … (open set)"),
        _c("units_per_case", "int16", lo=1),
        _c("volume_eq_per_case", "float64", "litres or kg per case", lo=0),
        _c(
            "rsp_incl_vat",
            "float64",
            "recommended shelf price per unit",
            unit="RMB incl. VAT",
            lo=0,
        ),
        _c("list_price_case", "float64", unit="RMB ex-VAT", lo=0),
        _c("cogs_case", "float64", unit="RMB", lo=0),
        _c("shelf_life_weeks", "int16", lo=1),
        _c("launch_week", "int16", "−1 = pre-existing"),
        _c("status", "category", cats=("CORE", "NEW", "DELIST")),
        _c("is_must_stock", "bool"),
        _c("portfolio_role", "category", cats=("TRAFFIC", "PROFIT", "IMAGE", "SEASONAL")),
        _c("planning_elasticity", "float64", "the company's (biased) planning assumption", hi=0),
    ],
    "1.1",
)
_table(
    "competitors",
    "public",
    ["brand_owner"],
    "one row per brand owner in the category",
    "Us and the competing brand owners that market data reports.",
    [
        _c("brand_owner", "category", cats=BRAND_OWNERS),
        _c("name", "string"),
        _c("mt_only", "bool", "present in modern trade only (private label)"),
    ],
    "1.1",
)
_table(
    "kam",
    "public",
    ["kam_id"],
    "one row per person in the sales organisation",
    "KA managers, regional sales managers and KA directors.",
    [
        _c("kam_id", "string"),
        _c("name", "string"),
        _c("role_level", "category", cats=ROLE_LEVELS),
        _c(
            "team",
            "category",
            "sales team (open set; simulated: NATIONAL_KA, REGIONAL_KA_R1…, DISTRIBUTOR_SALES)",
        ),
        _c("region_id", "string", nullable=True),
        _c("manager_id", "string", nullable=True),
        _c("hire_week", "int16", "negative = before simulation start"),
        _c("status", "category", cats=("ACTIVE", "PROMOTED", "RESIGNED")),
        _c("status_week", "Int16", nullable=True),
        _c("successor_of", "string", nullable=True),
        _c("cost_rmb_year", "float64", unit="RMB", lo=0),
    ],
    "1.1",
)
_table(
    "customer_contacts",
    "public",
    ["contact_id"],
    "one row per customer contact",
    "The stakeholder map of each key account.",
    [
        _c("contact_id", "string"),
        _ACC,
        _c(
            "function",
            "category",
            cats=(
                "BUYER",
                "CATEGORY_MGR",
                "SUPPLY_CHAIN",
                "STORE_OPS",
                "FINANCE",
                "EXECUTIVE",
                "ECOMM_OPS",
            ),
        ),
        _c("influence", "int8", lo=1, hi=5),
        _c("relationship_score", "int8", lo=1, hi=5),
        _c("meetings_12m", "int16", lo=0),
        _c("last_meeting_week", "int16"),
        _c("decision_roles", "string", "subset of LISTING|PROMO|TERMS|SUPPLY, pipe-separated"),
    ],
    "1.1",
)

# 1.2 Plans and agreements
_TARGET_MONEY = [
    _c("volume_cases_target", "float64", unit="cases", lo=0),
    _money("gs_target"),
    _money("nr_target"),
    _c("gp_target", "float64", unit="RMB ex-VAT"),
]
_table(
    "targets_annual",
    "public",
    ["account_id", "fiscal_year"],
    "one row per account × fiscal year",
    "The annual account plan: volume, money, share, service and execution targets, trade budget.",
    [
        _ACC,
        _FY,
        *_TARGET_MONEY,
        _c("cc_target", "float64", "customer contribution target", unit="RMB ex-VAT"),
        _c("value_share_target", "float64", **_FRAC),
        _c("case_fill_target", "float64", **_FRAC),
        _c("otif_target", "float64", **_FRAC),
        _c("wd_target", "float64", **_FRAC),
        _c("perfect_store_target", "float64", **_FRAC),
        _c("tts_rate_cap", "float64", **_FRAC),
        _money("trade_budget_rmb"),
    ],
    "1.2",
)
_table(
    "targets_period",
    "public",
    ["account_id", "period_key"],
    "one row per account × fiscal period",
    "Annual targets phased by expected seasonality.",
    [
        _ACC,
        _PERIOD,
        _FY,
        _c("fiscal_period", "int8", lo=1, hi=12),
        *_TARGET_MONEY,
        _c("cc_target", "float64", unit="RMB ex-VAT"),
        _money("trade_budget_rmb"),
    ],
    "1.2",
)
_table(
    "mix_plan",
    "public",
    ["fiscal_year", "scope_type", "scope_id", "dimension", "member"],
    "one row per plan year × scope × dimension × member",
    "Planned channel, brand and pack mix (shares sum to 1 within scope × dimension).",
    [
        _FY,
        _c("scope_type", "category", cats=("COMPANY", "REGION", "ACCOUNT")),
        _c("scope_id", "string"),
        _c("dimension", "category", cats=("CHANNEL", "BRAND", "PACK_TYPE")),
        _c("member", "string"),
        _c("planned_share", "float64", **_FRAC),
    ],
    "1.2",
)
_table(
    "trade_terms",
    "public",
    ["account_id", "fiscal_year"],
    "one row per account × fiscal year",
    "The annual agreement (年度协议): discounts, rebates, fees, payment terms, service KPIs.",
    [
        _ACC,
        _FY,
        _c("on_invoice_discount_pct", "float64", **_FRAC),
        _c("unconditional_rebate_pct", "float64", **_FRAC),
        _c("growth_rebate_mode", "category", cats=("RETRO", "MARGINAL")),
        _money("growth_base_gs", "last year's eligible gross sales"),
        _money("listing_fee_per_sku_store"),
        _money("endcap_fee_per_store_period"),
        _money("floorstack_fee_per_store_period"),
        _money("dm_fee_per_issue"),
        _money("festival_fee_annual"),
        _money("anniversary_fee_annual"),
        _c("ec_platform_fee_pct", "float64", **_FRAC),
        _c("logistics_allowance_pct", "float64", **_FRAC),
        _c("payment_terms_days", "int16", lo=0),
        _c("case_fill_kpi", "float64", **_FRAC),
        _c("otif_kpi", "float64", **_FRAC),
        _c("otif_penalty_pct", "float64", **_FRAC),
        _c("aged_stock_clearance_pct", "float64", **_FRAC),
    ],
    "1.2",
)
_table(
    "rebate_tiers",
    "public",
    ["account_id", "fiscal_year", "rebate_type", "tier_no"],
    "one row per tier of a conditional rebate",
    "Growth (KA) and target-attainment (distributor) rebate tiers; lower bound inclusive.",
    [
        _ACC,
        _FY,
        _c("rebate_type", "category", cats=("GROWTH", "TARGET_ATTAINMENT", "VOLUME")),
        _c("tier_no", "int8", lo=1),
        _c("lower_bound", "float64"),
        _c("upper_bound", "float64", "exclusive; missing = no upper bound", nullable=True),
        _c("rate", "float64", **_FRAC),
    ],
    "1.2",
)
_table(
    "promotions",
    "public",
    ["promo_id"],
    "one row per promoted SKU of an event",
    "The promotion calendar with mechanics, funding, plan and status.",
    [
        _c("promo_id", "string"),
        _ACC,
        _SKU,
        _c("event_group_id", "string"),
        _c("start_week", "int16"),
        _c("end_week", "int16"),
        _c("duration_weeks", "int8", lo=1),
        _c("mechanic", "category", cats=MECHANICS),
        _c("depth_pct", "float64", "effective shelf-price reduction", lo=0, hi=0.9),
        _c("shelf_price_promo_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("display_type", "category", cats=("NONE", "ENDCAP", "FLOOR_STACK")),
        _c("feature", "category", cats=("NONE", "DM", "APP_BANNER")),
        _c("funding_mode", "category", cats=("SCAN_BACK", "OFF_INVOICE", "LUMP_SUM")),
        _c("funding_per_case", "float64", unit="RMB/case", lo=0),
        _money("fixed_fee_rmb", "display and DM fees attributed to the promotion"),
        _c("buy_window_start", "Int16", nullable=True),
        _c("buy_window_end", "Int16", nullable=True),
        _c("planned_uplift_pct", "float64", "KAM plan (optimistic)"),
        _c("planned_incremental_cases", "float64", unit="cases"),
        _money("planned_cost_rmb"),
        _c("event_code", "category", nullable=True, cats=EVENT_CODES),
        _c("created_week", "int16"),
        _c("status", "category", cats=("PLANNED", "EXECUTED", "CANCELLED")),
    ],
    "1.2",
)

# 1.3 Transactions
_table(
    "order_lines",
    "public",
    ["order_line_id"],
    "one row per order line",
    "Customer orders and what was shipped: the source of fill rate and OTIF.",
    [
        _c("order_line_id", "string"),
        _c("order_id", "string"),
        _ACC,
        _SKU,
        _WEEK,
        _c("order_date", "datetime64[ns]"),
        _c("requested_delivery_date", "datetime64[ns]"),
        _cases("cases_ordered", dtype="int32"),
        _cases("cases_shipped", dtype="int32"),
        _cases("cases_short", dtype="int32"),
        _c(
            "short_reason",
            "category",
            cats=("NONE", "SUPPLY_SHORTAGE", "ALLOCATION", "CREDIT_HOLD"),
        ),
        _c("delivery_date", "datetime64[ns]", "missing when nothing shipped", nullable=True),
        _c("days_late", "int16", lo=0),
        _c("on_time", "bool"),
        _c("in_full", "bool"),
        _c("invoice_price_case", "float64", unit="RMB ex-VAT", lo=0),
    ],
    "1.3",
)
_table(
    "sell_in",
    "public",
    ["account_id", "sku_id", "week_id"],
    "one row per account × SKU × week with shipments",
    "Shipments invoiced to the customer (sell-in), at list and invoice value.",
    [
        _ACC,
        _SKU,
        _WEEK,
        _cases("cases_shipped", dtype="int32"),
        _money("gross_sales", "cases × list price × account price factor"),
        _money("on_invoice_discount"),
        _money("invoice_sales"),
        _c("volume_eq", "float64", unit="litres or kg", lo=0),
    ],
    "1.3",
)
_table(
    "sell_out",
    "public",
    ["account_id", "sku_id", "week_id"],
    "one row per account × SKU × week",
    "Consumer sales (retailer POS) or distributor secondary sales (DMS).",
    [
        _ACC,
        _SKU,
        _WEEK,
        _c("units_sold", "int64", lo=0),
        _cases("cases_sold"),
        _c("retail_value_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("avg_shelf_price_incl_vat", "float64", unit="RMB incl. VAT", lo=0, nullable=True),
        _c("promo_flag", "bool"),
        _c("promo_id", "string", nullable=True),
        _c("display_flag", "bool"),
        _c("stores_selling", "int32", lo=0),
        _c("source", "category", cats=("RETAILER_POS", "DISTRIBUTOR_DMS")),
    ],
    "1.3",
)
_table(
    "customer_inventory",
    "public",
    ["account_id", "sku_id", "week_id"],
    "one row per account × SKU × week",
    "Customer stock: opening + receipts − sell-out = closing, with FIFO age buckets.",
    [
        _ACC,
        _SKU,
        _WEEK,
        _cases("opening_cases"),
        _cases("receipts_cases"),
        _cases("sell_out_cases"),
        _cases("closing_cases"),
        _cases("age_00_04", "weeks since receipt 0–4"),
        _cases("age_05_08"),
        _cases("age_09_13"),
        _cases("age_14_26"),
        _cases("age_27_plus"),
    ],
    "1.3",
)
_table(
    "trade_spend",
    "public",
    ["spend_id"],
    "one row per trade-spend accrual",
    "The trade-spend ledger: every discount, fee, rebate and penalty, as a positive amount.",
    [
        _c("spend_id", "string"),
        _ACC,
        _FY,
        _c("week_id", "int16", "accrual week", lo=0),
        _c("sku_id", "string", nullable=True),
        _c("promo_id", "string", nullable=True),
        _c("spend_type", "category", cats=SPEND_TYPES),
        _c("on_invoice", "bool"),
        _c("is_fixed", "bool"),
        _money("amount_rmb"),
        _c("status", "category", cats=("ACCRUED", "SETTLED")),
        _c("settle_week", "Int16", nullable=True),
    ],
    "1.3",
)
_table(
    "cts_drivers",
    "public",
    ["account_id", "week_id"],
    "one row per account × week",
    "Cost-to-serve drivers: orders, lines, freight, handling and merchandising.",
    [
        _ACC,
        _WEEK,
        _c("n_orders", "int32", lo=0),
        _c("n_lines", "int32", lo=0),
        _money("freight_rmb"),
        _money("order_handling_rmb"),
        _money("merchandiser_cost_rmb"),
    ],
    "1.3",
)
_table(
    "forecasts",
    "public",
    ["account_id", "sku_id", "target_week_id", "lag_weeks"],
    "one row per account × SKU × target week × lag",
    "The company's forecasts of unconstrained customer orders at lags 1, 2 and 4 weeks.",
    [
        _ACC,
        _SKU,
        _c("target_week_id", "int16", lo=0),
        _c("lag_weeks", "int8", cats=None, lo=1, hi=4),
        _cases("forecast_cases"),
        _c("created_week", "int16"),
    ],
    "1.3",
)
_table(
    "supply",
    "public",
    ["sku_id", "week_id"],
    "one row per SKU × week",
    "Production, capacity, available-to-promise and DC stock.",
    [
        _SKU,
        _WEEK,
        _cases("planned_production"),
        _cases("capacity"),
        _c("capacity_shock", "bool"),
        _cases("dc_opening"),
        _cases("atp"),
        _cases("orders_total"),
        _cases("shipped_total"),
        _cases("dc_closing"),
        _cases("dc_aged_cases"),
    ],
    "1.3",
)

# 1.4 Market and competition
_table(
    "market_account_week",
    "public",
    ["account_id", "category", "week_id", "brand_owner"],
    "one row per KA account × category × week × brand owner",
    "Retailer category POS data shared with us (KA accounts only).",
    [
        _ACC,
        _c("category", "category", "product category (open set)"),
        _WEEK,
        _c("brand_owner", "category", cats=BRAND_OWNERS),
        _c("value_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("volume_eq", "float64", unit="litres or kg", lo=0),
        _c("units", "float64", lo=0),
    ],
    "1.4",
)
_table(
    "market_region_period",
    "public",
    ["region_id", "channel_group", "category", "period_key", "brand_owner"],
    "one row per region × channel group × category × period × brand owner",
    "Syndicated retail audit; TT rows measure in-region consumer offtake.",
    [
        _REGION,
        _c("channel_group", "category", cats=CHANNEL_GROUPS),
        _c("category", "category", "product category (open set)"),
        _PERIOD,
        _c("brand_owner", "category", cats=BRAND_OWNERS),
        _c("value_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("volume_eq", "float64", unit="litres or kg", lo=0),
        _c("numeric_dist", "float64", "meaningful for OURS", nullable=True, **_FRAC),
        _c("weighted_dist", "float64", "meaningful for OURS", nullable=True, **_FRAC),
        _c("price_index", "float64", nullable=True, lo=0),
    ],
    "1.4",
)
_table(
    "price_checks",
    "public",
    ["region_id", "channel_group", "sku_id", "week_id"],
    "one row per region × channel group × SKU × week",
    "Shelf-price observations (traditional trade and modern trade).",
    [
        _REGION,
        _c("channel_group", "category", cats=CHANNEL_GROUPS),
        _SKU,
        _WEEK,
        _c("n_obs", "int32", lo=0),
        _c("avg_price_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("min_price_incl_vat", "float64", unit="RMB incl. VAT", lo=0),
        _c("price_index", "float64", "avg / recommended shelf price", lo=0),
    ],
    "1.4",
)
_table(
    "code_traces",
    "public",
    ["found_region_id", "period_key", "source_account_id"],
    "one row per region where packs were found × period × source distributor",
    "Batch-code sampling of packs found in traditional trade: where stock really came from.",
    [
        _c("found_region_id", "string"),
        _PERIOD,
        _c("source_account_id", "string"),
        _c("n_packs", "int32", lo=0),
    ],
    "1.4",
)

# 1.5 Execution
_AUDIT_COUNTS = [
    "must_stock_n",
    "listed_n",
    "on_shelf_n",
    "oos_n",
    "facings_ours",
    "facings_category",
    "pog_checkpoints",
    "pog_compliant",
    "price_checks_n",
    "price_compliant_n",
    "contracted_displays_n",
    "displays_found_n",
]
_table(
    "audit_visits",
    "public",
    ["visit_id"],
    "one row per store audit visit",
    "Store audits of the panel: availability, shelf, planogram, price and display compliance.",
    [
        _c("visit_id", "string"),
        _c("store_id", "string"),
        _c("account_id", "string", nullable=True),
        _WEEK,
        _c("auditor_kam_id", "string", nullable=True),
        *[_c(n, "int16", lo=0) for n in _AUDIT_COUNTS],
    ],
    "1.5",
)
_table(
    "audit_sku",
    "public",
    ["visit_id", "sku_id"],
    "one row per audit visit × must-stock SKU",
    "SKU-level audit findings.",
    [
        _c("visit_id", "string"),
        _SKU,
        _c("listed", "bool"),
        _c("on_shelf", "bool"),
        _c("facings", "int16", lo=0),
        _c("shelf_price_incl_vat", "float64", unit="RMB incl. VAT", nullable=True, lo=0),
        _c("price_ok", "bool", "|deviation| ≤ 5 % vs agreed price"),
    ],
    "1.5",
)

# 1.6 Assessment
_table(
    "assessment_items",
    "assessment",
    ["item_id"],
    "one row per graded item (= nbgrader grade_id)",
    "The item bank of the capability assessments.",
    [
        _c("item_id", "string"),
        _c("module", "string"),
        _c("assignment", "string"),
        _c("notebook", "string"),
        _c("max_points", "float64", lo=0),
        _c("level", "int8", lo=1, hi=4),
        _c("item_type", "category", cats=ITEM_TYPES),
    ],
    "1.6",
)
_table(
    "item_competency_map",
    "assessment",
    ["item_id", "competency_id"],
    "one row per item × competency",
    "Which competencies an item evidences (weights sum to 1 per item).",
    [
        _c("item_id", "string"),
        _c("competency_id", "string"),
        _c("weight", "float64", lo=0.0, hi=1.0),
    ],
    "1.6",
)
_table(
    "assessment_scores",
    "assessment",
    ["person_id", "item_id", "attempt"],
    "one row per person × item × grading run",
    "Per-item scores (nbgrader export, or the simulated KA team's scores).",
    [
        _c("person_id", "string"),
        _c("item_id", "string"),
        _c("attempt", "int16", lo=1),
        _c("score", "float64", lo=0),
        _c("max_score", "float64", lo=0),
        _c("graded_at", "datetime64[ns]"),
    ],
    "1.6",
)
_table(
    "role_targets",
    "assessment",
    ["role_level", "competency_id"],
    "one row per role × competency",
    "The proficiency level each role needs in each competency.",
    [
        _c("role_level", "string"),
        _c("competency_id", "string"),
        _c("target_level", "int8", lo=0, hi=4),
    ],
    "1.6",
)

# 1.7 Truth (hidden from trainees; graders and instructors only)
_table(
    "truth_scenario_labels",
    "truth",
    ["label_id"],
    "one row per injected scenario × entity (× period where the scenario is per period)",
    "Ground truth of every scenario knob: which entity, when, how strong, expected signal.",
    [
        _c("label_id", "string"),
        _c("scenario", "category", cats=SCENARIOS),
        _c(
            "entity_type",
            "category",
            cats=("ACCOUNT", "DISTRIBUTOR", "KAM", "REGION", "SKU", "PROMO"),
        ),
        _c("entity_id", "string"),
        _c("related_ids", "string", "pipe-separated related entities", nullable=True),
        _c("start_week", "int16"),
        _c("end_week", "int16"),
        _c("period_key", "string", "for per-period labels (month-end push)", nullable=True),
        _c("severity", "float64"),
        _c("params_json", "string"),
        _c("injected_cases", "float64", nullable=True),
        _c("expected_signal", "string"),
        _c("tag", "string", "e.g. CAPSTONE for the capstone's component labels", nullable=True),
    ],
    "1.7",
)
_table(
    "truth_baseline",
    "truth",
    ["account_id", "sku_id", "week_id"],
    "one row per account × SKU × week",
    "Expected and realised baseline demand, total demand and lost sales.",
    [
        _ACC,
        _SKU,
        _WEEK,
        _c("expected_baseline_units", "float64", "λ before noise", lo=0),
        _c("baseline_units", "int64", lo=0),
        _c("demand_units", "float64", lo=0),
        _c("lost_units", "float64", lo=0),
    ],
    "1.7",
)
_table(
    "truth_promo",
    "truth",
    ["promo_id"],
    "one row per promotion",
    "True incremental, dip and cannibalised cases and the true ROI of each promotion.",
    [
        _c("promo_id", "string"),
        _c("incremental_cases", "float64"),
        _c("dip_cases", "float64", lo=0),
        _c("cannibalized_cases", "float64", lo=0),
        _c("roi", "float64"),
    ],
    "1.7",
)
_table(
    "truth_diversion",
    "truth",
    ["account_id", "week_id", "target_region_id"],
    "one row per diverting distributor × week × target region",
    "Cases a distributor diverted into other regions.",
    [
        _ACC,
        _WEEK,
        _c("target_region_id", "string"),
        _cases("diverted_cases"),
    ],
    "1.7",
)
_table(
    "truth_elasticity",
    "truth",
    ["sku_id"],
    "one row per SKU",
    "True price elasticity and display/feature multipliers.",
    [
        _SKU,
        _c("elasticity", "float64", hi=0),
        _c("display_mult", "float64", "end-cap multiplier", lo=1),
        _c("floorstack_mult", "float64", lo=1),
        _c("feature_mult", "float64", lo=1),
    ],
    "1.7",
)
_table(
    "truth_kam_competency",
    "truth",
    ["kam_id", "competency_id"],
    "one row per person × competency",
    "Latent proficiency levels of the simulated sales team.",
    [
        _c("kam_id", "string"),
        _c("competency_id", "string"),
        _c("latent_level", "int8", lo=1, hi=4),
    ],
    "1.7",
)

SCHEMAS: dict[str, TableSchema] = {t.name: t for t in _TABLES}
PUBLIC_TABLES: tuple[str, ...] = tuple(t.name for t in _TABLES if t.layer == "public")
TRUTH_TABLES: tuple[str, ...] = tuple(t.name for t in _TABLES if t.layer == "truth")
ASSESSMENT_TABLES: tuple[str, ...] = tuple(t.name for t in _TABLES if t.layer == "assessment")


def schema(name: str) -> TableSchema:
    """The schema of table ``name``; a clear ``KeyError`` for an unknown table."""
    try:
        return SCHEMAS[name]
    except KeyError:
        raise KeyError(
            f"unknown table {name!r}; kamlab's tables are: {', '.join(sorted(SCHEMAS))}"
        ) from None


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with table ``name``'s columns and dtypes."""
    sch = schema(name)
    return pd.DataFrame({c.name: pd.Series([], dtype=c.pandas_dtype()) for c in sch.columns})


def _plain_str_categories(s: pd.Series) -> pd.Series:
    """An open-set category column's categories as pandas' default ``str`` dtype, whatever
    string dtype the source had (parquet, CSV import and the simulator then agree).

    >>> s = pd.Series(["B", "A"], dtype="string").astype("category")
    >>> _plain_str_categories(s).cat.categories.dtype == pd.Series(["x"]).dtype
    True
    """
    cats = s.cat.categories
    if cats.dtype == object or not pd.api.types.is_string_dtype(cats.dtype):
        return s
    plain = cats.astype("str")
    return s if plain.dtype == cats.dtype else s.cat.rename_categories(plain)


def conform(df: pd.DataFrame, name: str, *, sort: bool = True) -> pd.DataFrame:
    """Return ``df`` with table ``name``'s columns in schema order, cast to the schema dtypes.

    Columns not in the schema are dropped, missing columns raise ``ValueError``. Rows are sorted
    by the primary key (SPEC §0.2) and the index reset. Casting errors name the column.
    """
    sch = schema(name)
    missing = [c for c in sch.column_names if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} is missing column(s): {', '.join(missing)}")
    out = {}
    for col in sch.columns:
        s = df[col.name]
        try:
            if col.dtype.startswith("int") and s.dtype.kind == "f":
                if s.isna().any():
                    raise ValueError("it has missing values but the column is not nullable")
                s = pd.Series(np.round(s.to_numpy()), index=df.index)
            s = s.astype(col.pandas_dtype())
            if col.dtype == "category" and col.categories is None:
                s = _plain_str_categories(s)
            out[col.name] = s
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"table {name!r}, column {col.name!r}: cannot cast to {col.dtype}: {exc}"
            ) from exc
    frame = pd.DataFrame(out, copy=False)  # no block consolidation: large tables build fast
    if sort:
        frame = frame.sort_values(list(sch.key), kind="mergesort").reset_index(drop=True)
    return frame
