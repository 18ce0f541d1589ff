"""A hand-sized world for the §2.18 scorecard: three accounts, two SKUs, two fiscal periods.

Every number is chosen so that the scorecard of ACC001 in FY2024-P01 can be computed by hand
(see tests/capability/test_scorecard.py).
"""

from __future__ import annotations

import pandas as pd

WEEKS_P01 = [0, 1, 2, 3]
WEEKS_P02 = [4, 5, 6, 7]


def mini_world() -> dict[str, pd.DataFrame]:
    w: dict[str, pd.DataFrame] = {}
    w["calendar"] = pd.DataFrame(
        {
            "week_id": list(range(8)),
            "fiscal_year": 2024,
            "period_key": ["FY2024-P01"] * 4 + ["FY2024-P02"] * 4,
        }
    )
    w["accounts"] = pd.DataFrame(
        {
            "account_id": ["ACC001", "ACC002", "ACC003"],
            "account_name": ["HyperOne", "FreshMart", "Dist East"],
            "account_type": ["KA", "KA", "DISTRIBUTOR"],
            "channel": ["HYPER", "SUPER", "DIST"],
            "tier": ["A", "B", "B"],
            "hq_region_id": ["R1", "R1", "R2"],
            "kam_id": ["K1", "K1", "K2"],
            "payment_terms_days": [60, 45, 7],
            "price_factor": [1.0, 1.0, 1.0],
        }
    )
    w["products"] = pd.DataFrame(
        {"sku_id": ["SKU001", "SKU002"], "list_price_case": [60.0, 40.0], "cogs_case": [36.0, 20.0]}
    )
    w["kam"] = pd.DataFrame({"kam_id": ["K1", "K2"], "cost_rmb_year": [52_000.0, 26_000.0]})
    si, so, ts, cts = [], [], [], []
    for wk in WEEKS_P01 + WEEKS_P02:
        si += [
            ("ACC001", "SKU001", wk, 100, 6000.0),
            ("ACC001", "SKU002", wk, 50, 2000.0),
            ("ACC002", "SKU001", wk, 50, 3000.0),
            ("ACC003", "SKU002", wk, 200, 8000.0),
        ]
        so += [
            ("ACC001", "SKU001", wk, 80.0),
            ("ACC001", "SKU002", wk, 50.0),
            ("ACC002", "SKU001", wk, 50.0),
            ("ACC003", "SKU002", wk, 200.0),
        ]
        ts += [
            ("ACC001", wk, "OFF_INVOICE", True, False, 400.0),
            ("ACC002", wk, "UNCONDITIONAL_REBATE", False, False, 150.0),
            ("ACC003", wk, "OFF_INVOICE", True, False, 160.0),
        ]
        cts += [
            ("ACC001", wk, 1, 300.0, 300.0, 100.0),
            ("ACC002", wk, 1, 150.0, 250.0, 0.0),
            ("ACC003", wk, 1, 360.0, 400.0, 0.0),
        ]
    ts += [
        ("ACC001", 1, "PROMO_SCAN_BACK", False, False, 1000.0),
        ("ACC001", 2, "DISPLAY_FEE", False, True, 2000.0),
    ]
    w["sell_in"] = pd.DataFrame(
        si, columns=["account_id", "sku_id", "week_id", "cases_shipped", "gross_sales"]
    )
    w["sell_out"] = pd.DataFrame(so, columns=["account_id", "sku_id", "week_id", "cases_sold"])
    w["trade_spend"] = pd.DataFrame(
        ts, columns=["account_id", "week_id", "spend_type", "on_invoice", "is_fixed", "amount_rmb"]
    )
    w["cts_drivers"] = pd.DataFrame(
        cts,
        columns=[
            "account_id",
            "week_id",
            "n_orders",
            "freight_rmb",
            "order_handling_rmb",
            "merchandiser_cost_rmb",
        ],
    )
    w["trade_terms"] = pd.DataFrame(
        {
            "account_id": ["ACC001", "ACC002", "ACC003"],
            "fiscal_year": 2024,
            "payment_terms_days": [60, 45, 7],
            "case_fill_kpi": 0.95,
            "otif_kpi": 0.90,
        }
    )
    w["targets_annual"] = pd.DataFrame(
        {
            "account_id": ["ACC001", "ACC002", "ACC003"],
            "fiscal_year": 2024,
            "value_share_target": [0.25, 0.20, 0.20],
            "perfect_store_target": 0.75,
        }
    )
    w["targets_period"] = pd.DataFrame(
        {
            "account_id": ["ACC001", "ACC001", "ACC002", "ACC002", "ACC003", "ACC003"],
            "period_key": ["FY2024-P01", "FY2024-P02"] * 3,
            "fiscal_year": 2024,
            "nr_target": [28_000.0, 30_000.0, 11_000.0, 11_000.0, 30_000.0, 30_000.0],
            "gp_target": [9_000.0, 10_000.0, 4_000.0, 4_000.0, 15_000.0, 15_000.0],
            "cc_target": [3_000.0, 3_500.0, 1_000.0, 1_000.0, -500.0, 1_000.0],
        }
    )
    maw = []
    for wk in WEEKS_P01:
        maw += [("ACC001", wk, "OURS", 10_000.0), ("ACC001", wk, "COMP_A", 30_000.0)]
    for wk in WEEKS_P02:
        maw += [("ACC001", wk, "OURS", 12_000.0), ("ACC001", wk, "COMP_A", 28_000.0)]
    w["market_account_week"] = pd.DataFrame(
        maw, columns=["account_id", "week_id", "brand_owner", "value_incl_vat"]
    )
    w["market_region_period"] = pd.DataFrame(
        {
            "region_id": ["R2", "R2", "R2", "R1"],
            "channel_group": ["TT", "TT", "MT", "TT"],
            "period_key": ["FY2024-P01"] * 4,
            "brand_owner": ["OURS", "OTHERS", "OURS", "OURS"],
            "value_incl_vat": [5_000.0, 20_000.0, 99_999.0, 1_000.0],
        }
    )
    w["stores"] = pd.DataFrame({"store_id": ["S1", "S2"], "acv_rmb_k": [300.0, 100.0]})
    w["audit_visits"] = pd.DataFrame(
        {
            "visit_id": ["V1", "V2"],
            "store_id": ["S1", "S2"],
            "account_id": ["ACC001", "ACC001"],
            "week_id": [1, 2],
            "must_stock_n": [10, 10],
            "listed_n": [10, 10],
            "on_shelf_n": [9, 10],
            "oos_n": [1, 0],
            "facings_ours": [20, 30],
            "facings_category": [100, 100],
            "pog_checkpoints": [10, 10],
            "pog_compliant": [7, 10],
            "price_checks_n": [10, 10],
            "price_compliant_n": [10, 8],
            "contracted_displays_n": [2, 0],
            "displays_found_n": [1, 0],
        }
    )
    w["order_lines"] = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "O2", "O3"],
            "account_id": ["ACC001", "ACC001", "ACC001", "ACC001", "ACC001"],
            "week_id": [0, 0, 2, 2, 5],
            "cases_ordered": [100, 50, 100, 50, 10],
            "cases_shipped": [100, 50, 80, 50, 10],
            "days_late": [0, 0, 0, 1, 0],
        }
    )
    return w
