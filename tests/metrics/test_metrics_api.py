"""The fixed formula API of DESIGN.md: names, arguments, result fields, docs, exports."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import pytest

from kamlab import metrics as km

# DESIGN.md "Formula API": function → leading parameters (in order)
FIXED_SIGNATURES = {
    "account_pnl": ["gross_sales", "on_invoice", "off_invoice", "cogs", "cost_to_serve"],
    "promo_evaluation": [
        "actual",
        "baseline",
        "promo",
        "funding_per_case",
        "fixed_fee",
        "unit_margin",
        "cannibalised",
    ],
    "break_even_uplift": ["unit_margin", "funding_per_case"],
    "value_share": ["ours", "category"],
    "numeric_distribution": ["handling"],
    "weighted_distribution": ["handling", "acv"],
    "fill_rates": ["order_lines", "tolerance_days"],
    "wmape": ["actual", "forecast"],
    "mape": ["actual", "forecast"],
    "forecast_bias": ["actual", "forecast"],
    "weeks_of_cover": ["closing", "sell_out", "window"],
    "stuffing_flags": ["woc", "target_woc", "margin", "min_run"],
    "evenness": ["weekly"],
    "mix_deviation": ["actual", "planned"],
    "pvm_bridge": ["v0", "p0", "v1", "p1"],
    "absorption_gap": ["in_region_offtake", "reported_secondary"],
    "tiered_rebate": ["sales", "base", "tiers", "mode"],
    "perfect_store_score": ["kpis", "weights"],
    "five_indicator_score": ["actual", "target", "weights", "cap"],
}
FIXED_DEFAULTS = {
    ("promo_evaluation", "cannibalised"): 0.0,
    ("fill_rates", "tolerance_days"): 0,
    ("weeks_of_cover", "window"): 4,
    ("stuffing_flags", "margin"): 4,
    ("stuffing_flags", "min_run"): 4,
    ("tiered_rebate", "mode"): "retro",
    ("perfect_store_score", "weights"): None,
    ("five_indicator_score", "weights"): None,
    ("five_indicator_score", "cap"): 1.2,
}
FIXED_FIELDS = {
    km.AccountPnL: ["gs", "tts", "tts_rate", "nr", "gp", "gp_rate", "cc", "cc_rate"],
    km.PromoEvaluation: [
        "apparent_uplift",
        "gross_incremental",
        "net_incremental",
        "spend",
        "incremental_gp",
        "roi",
        "net_profit",
        "cost_per_incremental_case",
    ],
    km.FillRates: ["case_fill", "line_fill", "order_fill", "on_time", "otif", "line_otif"],
    km.Evenness: ["lws", "gini", "gini_norm", "cv"],
    km.PVMBridge: ["volume", "mix", "price"],
    km.FiveIndicatorScore: ["achievement", "composite", "rag"],
}
# the further functions the brief names
BRIEF_FUNCTIONS = [
    "sell_in_sell_out_ratio",
    "pipeline_build",
    "sell_in_spike",
    "digest_weeks",
    "month_end_push_flag",
    "growth_gap",
    "price_erosion",
    "neighbour_decline",
    "traced_share",
    "diversion_flag",
    "mix_drift_flag",
    "cost_to_serve",
    "customer_contribution",
    "spend_to_sales",
    "input_output_ratio",
    "budget_utilisation",
    "baseline_pre_period",
    "baseline_pre_post",
    "promo_response_multiplier",
    "arc_elasticity",
    "share_points_change",
    "relative_share",
    "fair_share_index",
    "fair_share_of_shelf",
    "distribution_efficiency",
    "total_distribution_points",
    "tracking_signal",
    "forecast_accuracy",
    "days_of_inventory",
    "stock_turn",
    "aged_stock",
    "clearance_liability",
    "fifo_age_buckets",
    "gini",
    "rebate_cliff",
    "rebate_accrual",
    "profitability_quadrant",
    "jbp_market_target",
    "jbp_bridge",
    "retailer_margins",
    "oos_rate",
    "share_of_shelf",
    "planogram_compliance",
    "price_compliance",
    "display_compliance",
    "workload_index",
    "span_of_control",
    "vacancy_exposure",
]

PUBLIC_FUNCTIONS = sorted(n for n in km.__all__ if inspect.isfunction(getattr(km, n)))


@pytest.mark.parametrize("name", sorted(FIXED_SIGNATURES))
def test_fixed_signatures(name):
    params = list(inspect.signature(getattr(km, name)).parameters.values())
    wanted = FIXED_SIGNATURES[name]
    assert [p.name for p in params[: len(wanted)]] == wanted
    for (fn, arg), default in FIXED_DEFAULTS.items():
        if fn == name:
            assert inspect.signature(getattr(km, name)).parameters[arg].default == default


def test_fill_rates_and_month_end_push_signatures():
    assert list(inspect.signature(km.month_end_push_flag).parameters)[:4] == [
        "lws_per_period",
        "gstar_per_period",
        "weeks_in_period",
        "trailing",
    ]
    sig = inspect.signature(km.fifo_age_buckets).parameters
    assert list(sig)[:4] == ["receipts", "sell_out", "opening_age_profile", "bucket_edges"]
    assert sig["bucket_edges"].default == (0, 5, 9, 14, 27)
    assert inspect.signature(km.sell_in_sell_out_ratio).parameters["window"].default == 13
    assert km.FINANCING_RATE == 0.06


@pytest.mark.parametrize("cls", list(FIXED_FIELDS), ids=lambda c: c.__name__)
def test_result_fields_and_frozen(cls):
    fields = [f.name for f in dataclasses.fields(cls)]
    assert fields[: len(FIXED_FIELDS[cls])] == FIXED_FIELDS[cls]
    assert cls.__dataclass_params__.frozen


def test_every_result_type_is_a_frozen_dataclass():
    for name in km.__all__:
        obj = getattr(km, name)
        if inspect.isclass(obj):
            assert dataclasses.is_dataclass(obj) and obj.__dataclass_params__.frozen, name


def test_brief_functions_exist():
    missing = [n for n in BRIEF_FUNCTIONS if n not in km.__all__]
    assert not missing


def test_all_is_complete_and_sorted_exports_resolve():
    for name in km.__all__:
        assert hasattr(km, name), name
    modules = [
        m
        for m in vars(km).values()
        if inspect.ismodule(m) and m.__name__.startswith("kamlab.metrics.")
    ]
    for mod in modules:
        for name in getattr(mod, "__all__", []):
            assert name in km.__all__, f"{mod.__name__}.{name} is not re-exported"


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_docs_state_formula_section_and_example(name):
    fn = getattr(km, name)
    doc = inspect.getdoc(fn) or ""
    assert ">>>" in doc, f"{name} has no doctest example"
    assert "§" in doc or "SPEC" in doc, f"{name} does not cite its spec section"
    assert f"{name}(" in km.__doc__, f"{name} missing from the package docstring"
    assert inspect.signature(fn).return_annotation is not inspect.Signature.empty


def test_metrics_imports_no_jupyter():
    code = (
        "import sys, kamlab.metrics; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('ipywidgets', 'IPython', 'nbgrader', 'jupyter_client', 'voila', 'plotly')]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
