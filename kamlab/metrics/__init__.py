"""kamlab.metrics — the formula library of SPEC §2 (``from kamlab import metrics as km``).

Pure, vectorised functions: inputs are numbers, lists, numpy arrays or pandas Series (or
DataFrames with the spec's column names); results are floats, arrays or small frozen
dataclasses. Money is RMB ex-VAT, volumes are cases, ratios are fractions (SPEC §0.2). Bad
input (empty, mismatched lengths, NaN, negative volumes, a zero denominator) raises
``ValueError`` with a sentence naming the argument; thresholds use the guard
``x >= thr - 1e-9``. Every function's docstring carries the spec's worked example.

Account P&L (§2.1, §2.15) — :mod:`kamlab.metrics.pnl`
    account_pnl(gross_sales, on_invoice, off_invoice, cogs, cost_to_serve)
        TTS = OID + OFF; TTS% = TTS/GS; NR = GS − TTS; GP = NR − COGS; CC = GP − CTS; X% = X/NR
    cost_to_serve(freight, n_orders, drop_cost, kam_cost, net_revenue, payment_terms_days)
        CTS = freight + drop_cost × n_orders + merchandising + KAM + NR × r × days/365, r = 6%
    financing_cost(net_revenue, payment_terms_days, rate=0.06)   = NR × r × days / 365
    customer_contribution(gross_profit, cost_to_serve, net_revenue)   CC = GP − CTS; CC% = CC/NR
    pocket_price(net_revenue, cases)                              = NR / cases
    profitability_quadrant(net_revenue, cc_rate)
        x = NR share, y = CC%; protect / grow-margin / maintain / restructure at the medians

Spend and budgets (§2.2) — :mod:`kamlab.metrics.spend`
    spend_to_sales(trade_spend, sales)          费比 = TTS / GS
    input_output_ratio(sales, trade_spend)      投入产出比 = GS / TTS
    customer_budget(planned_gross_sales, planned_trade_rate, fixed_fee_budget=0)
        B = planned GS × planned trade rate + fixed fees
    budget_utilisation(accrued, committed, budget, elapsed=None)
        u = (accrued + committed) / B; flag u > 1 or u > elapsed + 10 pp

Promotions and price response (§2.3, §2.4) — :mod:`kamlab.metrics.promo`
    promo_evaluation(actual, baseline, promo, funding_per_case, fixed_fee, unit_margin,
                     cannibalised=0)
        uplift = ΣA/ΣB − 1 (promo wks); NIC = Σ_W(A − B) − cannib.; S = f × Σ_promo A + fee;
        ROI = NIC × m / S; net = NIC × m − S; cost/inc. case = S / NIC
    break_even_uplift(unit_margin, funding_per_case)          = m / (m − f) − 1
    break_even_volume_multiple(unit_margin, funding_per_case) = m / (m − f)
    base_unit_margin(list_price_case, cogs_case, off_invoice_rate, variable_rebate_rate)
        m = list × (1 − off − rebates) − cogs
    baseline_pre_period(sales, promo, start)     mean of 4 non-promo weeks before s − 1 (halo)
    baseline_pre_post(sales, promo, start, end)  median of non-promo wks in [s−8,s−2] ∪ [e+3,e+8]
    promo_response_multiplier(depth, elasticity, display_mult, feature_mult)
        = (1 − depth)^ε × display × feature
    arc_elasticity(q1, q2, p1, p2)   = [(Q2−Q1)/((Q1+Q2)/2)] / [(P2−P1)/((P1+P2)/2)]
    log_log_elasticity(quantity, price)   slope of ln Q = a + ε ln P

Share (§2.5) — :mod:`kamlab.metrics.share`
    value_share(ours, category)     = Σ ours / Σ category (never a mean of shares)
    volume_share(ours, category)    = Σ our volume_eq / Σ category volume_eq
    share_points_change(share_now, share_year_ago)   = share_t − share_{t−52w}
    relative_share(our_share, largest_competitor_share)   = ours / largest competitor
    fair_share_index(support_share, sales_share)     = support share / sales share × 100
    fair_share_of_shelf(shelf_share, value_share)    = share of shelf / value share × 100

Distribution (§2.6) — :mod:`kamlab.metrics.distribution`
    numeric_distribution(handling)          ND = #handling stores / #stores
    weighted_distribution(handling, acv)    WD = Σ ACV handling / Σ ACV
    distribution_efficiency(wd, nd)         = WD / ND
    total_distribution_points(wd_by_sku)    TDP = Σ_SKU WD
    average_skus_per_handling_store(nd_by_sku, nd_any)   = Σ_SKU ND / ND_any

Service (§2.7) — :mod:`kamlab.metrics.service`
    fill_rates(order_lines, tolerance_days=0)
        case fill = Σshipped/Σordered; line fill = lines in full / lines; order fill,
        on time (every line days_late ≤ tol), OTIF = orders OT and IF / orders; line OTIF
    otif_penalty(short_late_value, otif, kpi, penalty_pct=0.03)   = pct × value if OTIF < KPI

Forecast accuracy (§2.8) — :mod:`kamlab.metrics.forecast`, e = F − A
    wmape(actual, forecast)               = Σ|e| / ΣA
    mape(actual, forecast)                = mean(|e| / A) over A > 0
    forecast_bias(actual, forecast)       = Σe / ΣA
    forecast_accuracy(actual, forecast)   FA = max(0, 1 − WMAPE)
    tracking_signal(actual, forecast, window=13)   TS = Σe / MAD (rolling); |TS| > 4 biased

Inventory (§2.9) — :mod:`kamlab.metrics.inventory`
    weeks_of_cover(closing, sell_out, window=4)
        WOC_t = closing_t / mean(SO_{t−3..t}); ∞ with stock and no sales, 0 with neither
    forward_weeks_of_cover(stock, forecast)   weeks of forecast covered, fractional last week
    days_of_inventory(woc)      DOI = 7 × WOC
    stock_turn(woc)             = 52 / mean WOC
    fifo_age_profile(receipts, sell_out, opening_age_profile=None)   stock by age, FIFO
    fifo_age_buckets(receipts, sell_out, opening_age_profile=None, bucket_edges=(0,5,9,14,27))
        FIFO age buckets per week: 0–4, 5–8, 9–13, 14–26, 27+ weeks since receipt
    age_buckets(profile, bucket_edges)   by-age stock summed into buckets
    age_bucket_names(bucket_edges)      column names age_00_04 … age_27_plus
    aged_stock(cases_by_age, shelf_life_weeks)   cases with age > ⅓ shelf life
    clearance_liability(cases_by_age, shelf_life_weeks, list_price_case, clearance_pct=0.4)
        = cases aged > ½ shelf life × list price × clearance %

Stuffing signals (§2.10) — :mod:`kamlab.metrics.stuffing`
    pipeline_build(sell_in, sell_out)     ΔInv = ΣSI − ΣSO
    sell_in_sell_out_ratio(sell_in, sell_out, window=13)   R_k = Σ_k SI / Σ_k SO (rolling)
    stuffing_flags(woc, target_woc, margin=4, min_run=4, ratio=None)
        WOC > target + 4 for ≥ 4 consecutive weeks (or R_13 > 1.5 when ratio given)
    sell_in_spike(sell_in, sell_out, factor=2, trailing=8)
        SI_t > 2 × mean(SI_{t−8..t−1}) with flat sell-out
    digest_weeks(sell_in, min_run=3)      orders ≈ 0 for ≥ 3 consecutive weeks
    longest_run(flags)                    longest run of True weeks

Evenness 销售均衡 (§2.11) — :mod:`kamlab.metrics.evenness`
    evenness(weekly, target=None)
        LWS = x_n/Σx; G = ΣΣ|x_i − x_j| / (2n²x̄); G* = G × n/(n−1); EI = 1 − G*;
        CV = std_pop/mean; first-(n−1)-weeks attainment = Σ_{i<n} x_i / T
    gini(weekly)                          G
    evenness_frame(data, by, value, week)   the same for every group of a weekly table
    month_end_push_flag(lws_per_period, gstar_per_period, weeks_in_period, trailing=6)
        median LWS (6 periods) > 0.40 (4-wk) / 0.35 (5-wk) or median G* > 0.40

Mix (§2.12) — :mod:`kamlab.metrics.mix`
    mix_shares(volumes)                   s_c = vol_c / Σ vol
    mix_deviation(actual, planned)        TVD = ½ Σ|s_c − p_c|
    mix_deviation_table(actual, planned)  per member s_c, p_c, d_c = s_c − p_c
    mix_drift_flag(tvd, planned=None)     TVD > 0.05
    pvm_bridge(v0, p0, v1, p1)
        Volume = (V1 − V0) Σ s0 p0; Mix = V1 Σ (s1 − s0) p0; Price = Σ V1 (p1 − p0)

Diversion 窜货 (§2.13) — :mod:`kamlab.metrics.diversion`
    absorption_gap(in_region_offtake, reported_secondary)   AG = 1 − offtake / secondary
    yoy_growth(this_year, last_year)      = Σ TY / Σ LY − 1
    growth_gap(sell_in_ty, sell_in_ly, market_ty, market_ly)   = SI growth − market growth
    price_erosion(neighbour_price_index, own_price_index=1)   PE = 1 − PI_nb / PI_own
    sustained_price_erosion(pe_weekly, threshold=0.05, weeks=4)   PE > 5% for ≥ 4 weeks
    neighbour_decline(neighbour_sell_in_ty, neighbour_sell_in_ly, market_ty, market_ly)
        neighbour sell-in < −15% with a stable (±5%) market
    traced_share(packs_found_outside, packs_found)   = packs outside r / packs found
    diversion_signals(absorption_gap, growth_gap, price_erosion, traced_share=None)
    diversion_flag(...)   ≥ 2 of {AG > 0.3, growth gap > 25 pp, PE sustained} or traces > 0.2

Rebates (§2.14) — :mod:`kamlab.metrics.rebates`
    tiered_rebate(sales, base, tiers, mode="retro")
        retro = rate(tier(g)) × GS; marginal = Σ_k rate_k × max(0, min(GS, U_k) − L_k),
        g = GS/base − 1, L_k = base(1 + lower_k), U_k = base(1 + upper_k)
    tier_rate(metric, tiers)              rate of the tier holding g (lower incl., upper excl.)
    rebate_cliff(threshold_sales, base, tiers, mode="retro", epsilon=1)
        = rebate(threshold) − rebate(threshold − ε)
    rebate_cliffs(base, tiers, mode="retro")   cliff at every tier boundary
    rebate_accrual(weekly_eligible_sales, expected_rate)   cum. = rate × YTD GS; weekly = Δ
    rebate_true_up(final_rebate, accrued_to_date)   = final − accrued

JBP (§2.16) — :mod:`kamlab.metrics.planning`
    jbp_market_target(nr_ly, category_growth, share_ly, share_change, net_price_change=0)
        = NR_LY × (1 + g_cat) × (1 + Δshare/share_LY) × (1 + Δprice)
    sales_per_distribution_point(sales, tdp)     = sales / TDP
    distribution_gain_value(delta_tdp, sales_per_point)   = ΔTDP × sales per point
    jbp_bridge(nr_ly, base_momentum, delta_tdp, sales_per_point, promo_nic, promo_npc,
               npd_listings, npd_rate_of_sale, npd_weeks, price_mix)
        LY → momentum → distribution → Σ NIC × NPC → listings × ROS × weeks → price/mix → target
    retailer_margins(rsp_ex_vat, invoice_price, rebates_and_fees, purchases)
        front = (RSP − invoice)/RSP; back = (rebates + fees)/purchases;
        total = front + back × (1 − front)
    ex_vat(price_incl_vat, vat_rate=0.13)   = price / (1 + VAT)

Execution (§2.17) — :mod:`kamlab.metrics.execution`
    oos_rate(oos_n, listed_n)                      = Σ oos / Σ listed
    on_shelf_availability(oos_n, listed_n)         OSA = 1 − OOS
    share_of_shelf(facings_ours, facings_category) = Σ ours / Σ category facings
    planogram_compliance(pog_compliant, pog_checkpoints)        = Σ / Σ
    price_compliance(price_compliant_n, price_checks_n)         = Σ / Σ
    display_compliance(displays_found_n, contracted_displays_n) = Σ / Σ
    share_of_shelf_kpi(share_of_shelf, target)     = min(1, SoS / SoS target)
    perfect_store_score(kpis, weights=None)
        PSS = Σ w_k KPI_k; w = availability .35, share_of_shelf .20, planogram/price/display .15
    acv_weighted_mean(values, acv)                 = Σ ACV × v / Σ ACV

Scorecard (§2.18) — :mod:`kamlab.metrics.scorecard`
    five_indicator_score(actual, target, weights=None, cap=1.2)
        a_k = actual/target; composite = Σ w_k min(a_k, 1.2), w = .25/.25/.2/.15/.15;
        RAG green ≥ 1.0, amber ≥ 0.95
    rag_status(value, green=1.0, amber=0.95)

Organisation (§2.19) — :mod:`kamlab.metrics.org`
    workload_index(owner, nr, stores, promo_events)
        W_p = Σ_a [0.5 NR_a/mean + 0.2 stores_a/mean + 0.3 events_a/mean]; balanced max ≤ 1.2 mean
    span_of_control(manager_ids, low=5, high=8)    directs per manager vs 5–8
    vacancy_exposure(nr, owner_status, successor_active)
        = Σ NR of accounts whose owner left (RESIGNED/PROMOTED) without an ACTIVE successor

Threshold helpers (§0.2 guard, 1e-9): at_least(x, thr), above(x, thr).
"""

from __future__ import annotations

from kamlab.metrics._checks import GUARD, above, at_least
from kamlab.metrics.distribution import (
    average_skus_per_handling_store,
    distribution_efficiency,
    numeric_distribution,
    total_distribution_points,
    weighted_distribution,
)
from kamlab.metrics.diversion import (
    DiversionSignals,
    NeighbourDecline,
    absorption_gap,
    diversion_flag,
    diversion_signals,
    growth_gap,
    neighbour_decline,
    price_erosion,
    sustained_price_erosion,
    traced_share,
    yoy_growth,
)
from kamlab.metrics.evenness import (
    LWS_LIMITS,
    Evenness,
    evenness,
    evenness_frame,
    gini,
    month_end_push_flag,
)
from kamlab.metrics.execution import (
    PSS_WEIGHTS,
    acv_weighted_mean,
    display_compliance,
    on_shelf_availability,
    oos_rate,
    perfect_store_score,
    planogram_compliance,
    price_compliance,
    share_of_shelf,
    share_of_shelf_kpi,
)
from kamlab.metrics.forecast import (
    forecast_accuracy,
    forecast_bias,
    mape,
    tracking_signal,
    wmape,
)
from kamlab.metrics.inventory import (
    AGE_BUCKET_EDGES,
    age_bucket_names,
    age_buckets,
    aged_stock,
    clearance_liability,
    days_of_inventory,
    fifo_age_buckets,
    fifo_age_profile,
    forward_weeks_of_cover,
    stock_turn,
    weeks_of_cover,
)
from kamlab.metrics.mix import (
    PVMBridge,
    mix_deviation,
    mix_deviation_table,
    mix_drift_flag,
    mix_shares,
    pvm_bridge,
)
from kamlab.metrics.org import Workload, span_of_control, vacancy_exposure, workload_index
from kamlab.metrics.planning import (
    VAT_RATE,
    BridgeStep,
    JBPBridge,
    RetailerMargins,
    distribution_gain_value,
    ex_vat,
    jbp_bridge,
    jbp_market_target,
    retailer_margins,
    sales_per_distribution_point,
)
from kamlab.metrics.pnl import (
    FINANCING_RATE,
    AccountPnL,
    CostToServe,
    CustomerContribution,
    ProfitabilityQuadrants,
    account_pnl,
    cost_to_serve,
    customer_contribution,
    financing_cost,
    pocket_price,
    profitability_quadrant,
)
from kamlab.metrics.promo import (
    DISPLAY_MULTIPLIERS,
    FEATURE_MULTIPLIERS,
    PromoEvaluation,
    arc_elasticity,
    base_unit_margin,
    baseline_pre_period,
    baseline_pre_post,
    break_even_uplift,
    break_even_volume_multiple,
    log_log_elasticity,
    promo_evaluation,
    promo_response_multiplier,
)
from kamlab.metrics.rebates import (
    DEFAULT_GROWTH_TIERS,
    RebateAccrual,
    RebateCliff,
    rebate_accrual,
    rebate_cliff,
    rebate_cliffs,
    rebate_true_up,
    tier_rate,
    tiered_rebate,
)
from kamlab.metrics.scorecard import (
    FIVE_INDICATOR_WEIGHTS,
    FIVE_INDICATORS,
    FiveIndicatorScore,
    five_indicator_score,
    rag_status,
)
from kamlab.metrics.service import FillRates, fill_rates, otif_penalty
from kamlab.metrics.share import (
    fair_share_index,
    fair_share_of_shelf,
    relative_share,
    share_points_change,
    value_share,
    volume_share,
)
from kamlab.metrics.spend import (
    BudgetUtilisation,
    budget_utilisation,
    customer_budget,
    input_output_ratio,
    spend_to_sales,
)
from kamlab.metrics.stuffing import (
    digest_weeks,
    longest_run,
    pipeline_build,
    sell_in_sell_out_ratio,
    sell_in_spike,
    stuffing_flags,
)

__all__ = [
    "AGE_BUCKET_EDGES",
    "DEFAULT_GROWTH_TIERS",
    "DISPLAY_MULTIPLIERS",
    "FEATURE_MULTIPLIERS",
    "FINANCING_RATE",
    "FIVE_INDICATORS",
    "FIVE_INDICATOR_WEIGHTS",
    "GUARD",
    "LWS_LIMITS",
    "PSS_WEIGHTS",
    "VAT_RATE",
    "AccountPnL",
    "BridgeStep",
    "BudgetUtilisation",
    "CostToServe",
    "CustomerContribution",
    "DiversionSignals",
    "Evenness",
    "FillRates",
    "FiveIndicatorScore",
    "JBPBridge",
    "NeighbourDecline",
    "PVMBridge",
    "ProfitabilityQuadrants",
    "PromoEvaluation",
    "RebateAccrual",
    "RebateCliff",
    "RetailerMargins",
    "Workload",
    "above",
    "absorption_gap",
    "account_pnl",
    "acv_weighted_mean",
    "age_bucket_names",
    "age_buckets",
    "aged_stock",
    "arc_elasticity",
    "at_least",
    "average_skus_per_handling_store",
    "base_unit_margin",
    "baseline_pre_period",
    "baseline_pre_post",
    "break_even_uplift",
    "break_even_volume_multiple",
    "budget_utilisation",
    "clearance_liability",
    "cost_to_serve",
    "customer_budget",
    "customer_contribution",
    "days_of_inventory",
    "digest_weeks",
    "display_compliance",
    "distribution_efficiency",
    "distribution_gain_value",
    "diversion_flag",
    "diversion_signals",
    "evenness",
    "evenness_frame",
    "ex_vat",
    "fair_share_index",
    "fair_share_of_shelf",
    "fifo_age_buckets",
    "fifo_age_profile",
    "fill_rates",
    "financing_cost",
    "five_indicator_score",
    "forecast_accuracy",
    "forecast_bias",
    "forward_weeks_of_cover",
    "gini",
    "growth_gap",
    "input_output_ratio",
    "jbp_bridge",
    "jbp_market_target",
    "log_log_elasticity",
    "longest_run",
    "mape",
    "mix_deviation",
    "mix_deviation_table",
    "mix_drift_flag",
    "mix_shares",
    "month_end_push_flag",
    "neighbour_decline",
    "numeric_distribution",
    "on_shelf_availability",
    "oos_rate",
    "otif_penalty",
    "perfect_store_score",
    "pipeline_build",
    "planogram_compliance",
    "pocket_price",
    "price_compliance",
    "price_erosion",
    "profitability_quadrant",
    "promo_evaluation",
    "promo_response_multiplier",
    "pvm_bridge",
    "rag_status",
    "rebate_accrual",
    "rebate_cliff",
    "rebate_cliffs",
    "rebate_true_up",
    "relative_share",
    "retailer_margins",
    "sales_per_distribution_point",
    "sell_in_sell_out_ratio",
    "sell_in_spike",
    "share_of_shelf",
    "share_of_shelf_kpi",
    "share_points_change",
    "span_of_control",
    "spend_to_sales",
    "stock_turn",
    "stuffing_flags",
    "sustained_price_erosion",
    "tier_rate",
    "tiered_rebate",
    "total_distribution_points",
    "traced_share",
    "tracking_signal",
    "vacancy_exposure",
    "value_share",
    "volume_share",
    "weeks_of_cover",
    "weighted_distribution",
    "wmape",
    "workload_index",
    "yoy_growth",
]
