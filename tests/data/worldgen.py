"""A small, internally consistent synthetic world for validation tests and the benchmark.

Not the simulator: numbers are random but every SPEC §3.14 invariant holds (inventory
balances week to week, age buckets add up, shipped ≤ ordered, invoice = GS − discount, mix
shares sum to 1, promotions do not overlap, every reference resolves). Tests inject one error
at a time and check that validation names it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.data import conform
from kamlab.data._import_calendar import calendar_445
from kamlab.data.schemas import CHANNELS


def _ids(prefix: str, n: int, width: int) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def make_world(
    n_accounts: int = 4,
    n_skus: int = 5,
    years: int = 1,
    *,
    audit_visits: int = 40,
    skus_per_visit: int = 5,
    order_lines: int = 500,
    spend_rows: int = 200,
    forecasts: bool = False,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Tables by name, each conformed to its schema."""
    rng = np.random.default_rng(seed)
    cal = calendar_445("2023-01-02", years=years)
    T = len(cal)
    accounts = _ids("ACC", n_accounts, 3)
    skus = _ids("SKU", n_skus, 3)
    kams = _ids("KAM", max(2, n_accounts // 2), 2)
    regions = ["R1", "R2", "R3"]
    out: dict[str, pd.DataFrame] = {"calendar": cal}

    out["regions"] = pd.DataFrame(
        {
            "region_id": regions,
            "name_en": ["North", "East", "South"],
            "name_cn": ["华北", "华东", "华南"],
            "population_m": [100.0, 200.0, 150.0],
            "list_price_factor": [1.0, 1.0, 0.95],
        }
    )
    out["channels"] = pd.DataFrame(
        {
            "channel": list(CHANNELS),
            "channel_group": ["MT", "MT", "MT", "EC", "TT"],
            "target_woc": [2.5, 2.0, 1.5, 3.0, 4.0],
            "freight_per_case": [2.5, 2.8, 3.5, 3.0, 1.8],
            "drop_cost_per_order": [300.0, 250.0, 150.0, 200.0, 400.0],
            "on_time_prob": [0.95, 0.94, 0.96, 0.97, 0.97],
        }
    )
    out["kam"] = pd.DataFrame(
        {
            "kam_id": kams,
            "name": [f"Person {k}" for k in kams],
            "role_level": ["KAM"] * len(kams),
            "team": ["NATIONAL_KA"] * len(kams),
            "region_id": ["R1"] * len(kams),
            "manager_id": [None] + [kams[0]] * (len(kams) - 1),
            "hire_week": [-100] * len(kams),
            "status": ["ACTIVE"] * len(kams),
            "status_week": pd.array([pd.NA] * len(kams), dtype="Int16"),
            "successor_of": [None] * len(kams),
            "cost_rmb_year": [300_000.0] * len(kams),
        }
    )
    ch = [("HYPER", "MT"), ("SUPER", "MT"), ("EC", "EC"), ("DIST", "TT")]
    acc_ch = [ch[i % len(ch)] for i in range(n_accounts)]
    out["accounts"] = pd.DataFrame(
        {
            "account_id": accounts,
            "account_name": [f"Chain {a}" for a in accounts],
            "banner": [f"Chain {a}" for a in accounts],
            "account_type": ["DISTRIBUTOR" if c == "DIST" else "KA" for c, _ in acc_ch],
            "channel": [c for c, _ in acc_ch],
            "channel_group": [g for _, g in acc_ch],
            "scope": ["REGIONAL"] * n_accounts,
            "hq_region_id": [regions[i % 3] for i in range(n_accounts)],
            "authorized_regions": [regions[i % 3] for i in range(n_accounts)],
            "tier": [("A", "B", "C")[i % 3] for i in range(n_accounts)],
            "store_count": [100] * n_accounts,
            "acv_rmb_m": [500.0] * n_accounts,
            "kam_id": [kams[i % len(kams)] for i in range(n_accounts)],
            "payment_terms_days": [45] * n_accounts,
            "target_woc": [2.5] * n_accounts,
            "order_weekday": [0] * n_accounts,
            "start_week": [0] * n_accounts,
            "price_factor": [1.0] * n_accounts,
        }
    )
    upc = rng.choice([6, 12, 24], n_skus)
    list_price = rng.uniform(20, 80, n_skus).round(2)
    out["products"] = pd.DataFrame(
        {
            "sku_id": skus,
            "sku_name": [f"Product {s}" for s in skus],
            "brand": [
                ("AquaPure", "FizzUp", "LeafTea", "CrunchMate")[i % 4] for i in range(n_skus)
            ],
            "category": [("WATER", "CSD", "RTD_TEA", "SNACKS")[i % 4] for i in range(n_skus)],
            "segment": ["MAINSTREAM"] * n_skus,
            "pack_type": [("PET", "CAN", "PET", "BAG")[i % 4] for i in range(n_skus)],
            "pack_size": [(550.0, 330.0, 500.0, 70.0)[i % 4] for i in range(n_skus)],
            "pack_unit": [("ml", "ml", "ml", "g")[i % 4] for i in range(n_skus)],
            "units_per_case": upc,
            "volume_eq_per_case": upc * 0.5,
            "rsp_incl_vat": (list_price / upc * 1.45).round(2),
            "list_price_case": list_price,
            "cogs_case": (list_price * 0.5).round(2),
            "shelf_life_weeks": [39] * n_skus,
            "launch_week": [-1] * n_skus,
            "status": ["CORE"] * n_skus,
            "is_must_stock": [True] * n_skus,
            "portfolio_role": ["PROFIT"] * n_skus,
            "planning_elasticity": [-1.5] * n_skus,
        }
    )

    # ---- account × SKU × week panel --------------------------------------------------------
    A, S = n_accounts, n_skus
    a_idx = np.repeat(np.arange(A), S * T)
    s_idx = np.tile(np.repeat(np.arange(S), T), A)
    w_idx = np.tile(np.arange(T), A * S)
    n = A * S * T
    sell = rng.poisson(20, n).astype("float64") / 2.0  # cases sold, halves allowed
    receipts = rng.poisson(20, n).astype("int64")
    opening = np.zeros(n)
    closing = np.zeros(n)
    series = (a_idx * S + s_idx).reshape(A * S, T)
    rec = receipts.reshape(A * S, T).astype("float64")
    so = sell.reshape(A * S, T)
    inv = np.full(A * S, 30.0)
    op_m = np.zeros((A * S, T))
    cl_m = np.zeros((A * S, T))
    for t in range(T):
        op_m[:, t] = inv
        so[:, t] = np.minimum(so[:, t], inv + rec[:, t])
        inv = inv + rec[:, t] - so[:, t]
        cl_m[:, t] = inv
    del series
    opening, closing, sell = op_m.ravel(), cl_m.ravel(), so.ravel()
    ages = np.zeros((n, 5))
    ages[:, 0] = closing * 0.6
    ages[:, 1] = closing * 0.3
    ages[:, 4] = closing - ages[:, 0] - ages[:, 1]
    key = {
        "account_id": np.array(accounts)[a_idx],
        "sku_id": np.array(skus)[s_idx],
        "week_id": w_idx,
    }
    out["customer_inventory"] = pd.DataFrame(
        key
        | {
            "opening_cases": opening,
            "receipts_cases": receipts.astype("float64"),
            "sell_out_cases": sell,
            "closing_cases": closing,
            "age_00_04": ages[:, 0],
            "age_05_08": ages[:, 1],
            "age_09_13": ages[:, 2],
            "age_14_26": ages[:, 3],
            "age_27_plus": ages[:, 4],
        }
    )
    gs = receipts * list_price[s_idx]
    disc = gs * 0.05
    out["sell_in"] = pd.DataFrame(
        key
        | {
            "cases_shipped": receipts,
            "gross_sales": gs,
            "on_invoice_discount": disc,
            "invoice_sales": gs - disc,
            "volume_eq": receipts * upc[s_idx] * 0.5,
        }
    )
    units = (sell * upc[s_idx]).round().astype("int64")
    price = (list_price[s_idx] / upc[s_idx] * 1.45).round(2)
    out["sell_out"] = pd.DataFrame(
        key
        | {
            "units_sold": units,
            "cases_sold": units / upc[s_idx],
            "retail_value_incl_vat": units * price,
            "avg_shelf_price_incl_vat": price,
            "promo_flag": False,
            "promo_id": pd.array([None] * n, dtype="string"),
            "display_flag": False,
            "stores_selling": np.full(n, 50),
            "source": np.where(
                np.array([c for c, _ in acc_ch])[a_idx] == "DIST", "DISTRIBUTOR_DMS", "RETAILER_POS"
            ),
        }
    )
    out["truth_baseline"] = pd.DataFrame(
        key
        | {
            "expected_baseline_units": units * 1.0,
            "baseline_units": units,
            "demand_units": units * 1.0,
            "lost_units": np.zeros(n),
        }
    )
    if forecasts:
        lags = np.repeat([[1, 2, 4]], n, axis=0).ravel()
        out["forecasts"] = pd.DataFrame(
            {
                "account_id": np.repeat(key["account_id"], 3),
                "sku_id": np.repeat(key["sku_id"], 3),
                "target_week_id": np.repeat(w_idx, 3),
                "lag_weeks": lags,
                "forecast_cases": np.repeat(receipts, 3) * 1.05,
                "created_week": np.repeat(w_idx, 3) - lags,
            }
        )

    # ---- promotions: on a 4-week grid per account × SKU, never overlapping -------------------
    rows = []
    pid = 0
    for a in range(A):
        for s in range(S):
            for start in range(2, T - 2, 8):
                pid += 1
                rows.append((f"PR{pid:05d}", accounts[a], skus[s], start, start + 1))
    pr = pd.DataFrame(rows, columns=["promo_id", "account_id", "sku_id", "start_week", "end_week"])
    m = len(pr)
    out["promotions"] = pr.assign(
        event_group_id=[f"EG{i:05d}" for i in range(m)],
        duration_weeks=2,
        mechanic="TPR",
        depth_pct=0.2,
        shelf_price_promo_incl_vat=5.0,
        display_type="NONE",
        feature="NONE",
        funding_mode="SCAN_BACK",
        funding_per_case=3.0,
        fixed_fee_rmb=0.0,
        buy_window_start=pd.array([pd.NA] * m, dtype="Int16"),
        buy_window_end=pd.array([pd.NA] * m, dtype="Int16"),
        planned_uplift_pct=0.5,
        planned_incremental_cases=10.0,
        planned_cost_rmb=100.0,
        event_code=None,
        created_week=0,
        status="EXECUTED",
    )

    # ---- order lines -------------------------------------------------------------------------
    k = order_lines
    ordered = rng.integers(1, 50, k)
    shipped = np.minimum(ordered, rng.integers(0, 55, k))
    week = rng.integers(0, T, k)
    order_date = cal["week_start"].to_numpy()[week]
    late = rng.integers(0, 3, k)
    out["order_lines"] = pd.DataFrame(
        {
            "order_line_id": _ids("OL", k, 7),
            "order_id": [f"O{i // 10:06d}" for i in range(k)],
            "account_id": np.array(accounts)[rng.integers(0, A, k)],
            "sku_id": np.array(skus)[rng.integers(0, S, k)],
            "week_id": week,
            "order_date": order_date,
            "requested_delivery_date": order_date + np.timedelta64(2, "D"),
            "cases_ordered": ordered,
            "cases_shipped": shipped,
            "cases_short": ordered - shipped,
            "short_reason": np.where(shipped < ordered, "SUPPLY_SHORTAGE", "NONE"),
            "delivery_date": order_date + (2 + late).astype("timedelta64[D]"),
            "days_late": late,
            "on_time": late == 0,
            "in_full": shipped == ordered,
            "invoice_price_case": 30.0,
        }
    )

    # ---- trade spend ledger ------------------------------------------------------------------
    k = spend_rows
    wk = rng.integers(0, T, k)
    out["trade_spend"] = pd.DataFrame(
        {
            "spend_id": _ids("SP", k, 6),
            "account_id": np.array(accounts)[rng.integers(0, A, k)],
            "fiscal_year": cal["fiscal_year"].to_numpy()[wk],
            "week_id": wk,
            "sku_id": pd.array([None] * k, dtype="string"),
            "promo_id": pd.array([None] * k, dtype="string"),
            "spend_type": "UNCONDITIONAL_REBATE",
            "on_invoice": False,
            "is_fixed": False,
            "amount_rmb": rng.uniform(10, 1000, k),
            "status": "ACCRUED",
            "settle_week": pd.array([pd.NA] * k, dtype="Int16"),
        }
    )

    # ---- mix plan (shares sum to 1) ----------------------------------------------------------
    out["mix_plan"] = pd.DataFrame(
        {
            "fiscal_year": 2023,
            "scope_type": "COMPANY",
            "scope_id": "ALL",
            "dimension": "CHANNEL",
            "member": ["HYPER", "SUPER", "EC", "DIST"],
            "planned_share": [0.4, 0.3, 0.2, 0.1],
        }
    )

    # ---- market data -------------------------------------------------------------------------
    owners = ["OURS", "COMP_A", "COMP_B", "PRIVATE_LABEL", "OTHERS"]
    cats = sorted({("WATER", "CSD", "RTD_TEA", "SNACKS")[i % 4] for i in range(S)})
    grid = pd.MultiIndex.from_product(
        [accounts, cats, range(T), owners],
        names=["account_id", "category", "week_id", "brand_owner"],
    ).to_frame(index=False)
    g = len(grid)
    out["market_account_week"] = grid.assign(
        value_incl_vat=rng.uniform(1000, 5000, g),
        volume_eq=rng.uniform(100, 500, g),
        units=rng.uniform(100, 500, g).round(),
    )

    # ---- stores and audits -------------------------------------------------------------------
    n_stores = max(1, audit_visits // 4)
    stores = _ids("ST", n_stores, 5)
    out["stores"] = pd.DataFrame(
        {
            "store_id": stores,
            "account_id": np.array(accounts)[np.arange(n_stores) % A],
            "region_id": "R1",
            "city_tier": 1,
            "format": "HYPER",
            "acv_rmb_k": 1000.0,
            "category_weight": 0.1,
            "open_week": 0,
            "is_audit_panel": True,
        }
    )
    v = audit_visits
    visits = _ids("V", v, 6)
    counts = {
        c: rng.integers(0, 10, v)
        for c in (
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
        )
    }
    store_of = np.arange(v) % n_stores
    out["audit_visits"] = pd.DataFrame(
        {
            "visit_id": visits,
            "store_id": np.array(stores)[store_of],
            "account_id": np.array(accounts)[store_of % A],
            "week_id": rng.integers(0, T, v),
            "auditor_kam_id": kams[0],
        }
        | counts
    )
    per = min(skus_per_visit, S) if skus_per_visit <= S else skus_per_visit
    sku_pool = np.array(skus if per <= S else _ids("SKU", per, 3))
    vs = np.repeat(np.array(visits), per)
    out["audit_sku"] = pd.DataFrame(
        {
            "visit_id": vs,
            "sku_id": np.tile(sku_pool[:per], v),
            "listed": True,
            "on_shelf": rng.random(v * per) > 0.1,
            "facings": rng.integers(0, 6, v * per),
            "shelf_price_incl_vat": rng.uniform(2, 8, v * per),
            "price_ok": True,
        }
    )
    if per > S:  # a benchmark-sized audit needs as many SKUs in products
        extra = out["products"].iloc[[0] * (per - S)].copy()
        extra["sku_id"] = sku_pool[S:per]
        out["products"] = pd.concat([out["products"], extra], ignore_index=True)

    return {name: conform(df, name) for name, df in out.items()}


def default_scale_world(seed: int = 0) -> dict[str, pd.DataFrame]:
    """About the default preset's size: 18 × 40 × 104 panel (74,880 rows), 160k audit SKUs."""
    return make_world(
        18,
        40,
        2,
        audit_visits=10_500,
        skus_per_visit=15,
        order_lines=60_000,
        spend_rows=25_000,
        forecasts=True,
        seed=seed,
    )
