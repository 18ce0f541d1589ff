"""simulate_plan: deterministic replays, plan validation, and the world's models at work."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlab.data.world import World
from kamlab.sim import simulate_plan


def _plan(T: int, depth: float = 0.25) -> dict:
    return {
        "promotions": pd.DataFrame(
            {
                "sku_id": ["SKU001", "SKU003"],
                "start_week": [T + 2, T + 5],
                "end_week": [T + 3, T + 6],
                "depth_pct": [depth, 0.15],
                "display_type": ["ENDCAP", "NONE"],
            }
        ),
        "terms": pd.DataFrame({"on_invoice_discount_pct": [0.05]}),
        "shipments_policy": pd.DataFrame({"target_woc": [2.5]}),
        "budget": pd.DataFrame({"trade_budget_rmb": [3_000_000.0]}),
    }


def test_same_inputs_same_output_and_seed_matters(small_clean: World) -> None:
    T = len(small_clean.calendar)
    r1 = simulate_plan(small_clean, "ACC001", _plan(T), seed=7)
    r2 = simulate_plan(small_clean, "ACC001", _plan(T), seed=7)
    pd.testing.assert_frame_equal(r1.weekly, r2.weekly)
    pd.testing.assert_frame_equal(r1.account_weekly, r2.account_weekly)
    assert r1.kpis["tts_rate"] == r2.kpis["tts_rate"]
    r3 = simulate_plan(small_clean, "ACC001", _plan(T), seed=8)
    assert not r1.weekly.sell_out_units.equals(r3.weekly.sell_out_units)


def test_result_has_thirteen_weeks_and_a_consistent_pnl(small_clean: World) -> None:
    T = len(small_clean.calendar)
    r = simulate_plan(small_clean, "ACC001", _plan(T), seed=1)
    aw = r.account_weekly
    assert aw.week_id.tolist() == list(range(T, T + 13))
    assert (aw.net_revenue - (aw.gross_sales - aw.trade_spend)).abs().max() < 1e-6
    assert abs(r.kpis["tts_rate"] - aw.trade_spend.sum() / aw.gross_sales.sum()) < 1e-12
    assert set(r.scorecard.indicator) == {"profit", "revenue", "share", "execution", "fill_rate"}
    assert r.rag in ("green", "amber", "red")
    # inventory balance inside the replay
    wk = r.weekly
    assert (wk.shipped_cases <= wk.orders_cases).all()
    assert len(r.kpis["lws"]) == 3


def test_a_promotion_lifts_the_promoted_sku(small_clean: World) -> None:
    T = len(small_clean.calendar)
    base = simulate_plan(small_clean, "ACC001", {"promotions": pd.DataFrame(
        columns=["sku_id", "start_week", "end_week", "depth_pct"])}, seed=3)  # fmt: skip
    promo = simulate_plan(
        small_clean, "ACC001", {"promotions": _plan(T, depth=0.3)["promotions"]}, seed=3
    )
    sel = lambda r: r.weekly[(r.weekly.sku_id == "SKU001") & r.weekly.week_id.between(T + 2, T + 3)]  # noqa: E731
    assert sel(promo).sell_out_units.sum() > 1.5 * sel(base).sell_out_units.sum()
    assert promo.kpis["tts"] > base.kpis["tts"]


def test_explicit_sell_in_is_shipped_within_capacity(small_clean: World) -> None:
    T = len(small_clean.calendar)
    plan = {"shipments_policy": pd.DataFrame({"week_id": [T, T + 1], "cases": [500.0, 1e7]})}
    r = simulate_plan(small_clean, "ACC001", plan, seed=1)
    assert r.account_weekly.cases_ordered.iloc[0] == pytest.approx(500, abs=8)
    assert r.kpis["capacity_short_cases"] > 1e6  # ten million cases cannot be supplied


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"promotions": pd.DataFrame({"sku_id": ["SKU999"], "start_week": [104], "end_week": [105],
                                      "depth_pct": [0.2]})}, "row 0 .*unknown SKU"),
        ({"promotions": pd.DataFrame({"sku_id": ["SKU001", "SKU001"], "start_week": [104, 105],
                                      "end_week": [106, 107], "depth_pct": [0.2, 0.2]})}, "row 1 .*overlaps row 0"),
        ({"promotions": pd.DataFrame({"sku_id": ["SKU001"], "start_week": [104], "end_week": [105],
                                      "depth_pct": [0.6]})}, "row 0 .*depth_pct 0.6 is outside 0–0.5"),
        ({"promotions": pd.DataFrame({"sku_id": ["SKU001"], "start_week": [104], "end_week": [105],
                                      "depth_pct": [0.2], "funding_per_case": [-1.0]})}, "row 0 .*funding_per_case"),
        ({"budget": pd.DataFrame({"trade_budget_rmb": [-5.0]})}, "budget.*row 0"),
        ({"promotions": pd.DataFrame({"sku_id": ["SKU001"], "start_week": [90], "end_week": [91],
                                      "depth_pct": [0.2]})}, "13 weeks after the world"),
        ({"prices": pd.DataFrame()}, "unknown key"),
    ],
)  # fmt: skip
def test_bad_plans_raise_value_errors_naming_the_row(
    small_clean: World, change: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_plan(small_clean, "ACC001", change, seed=1)


def test_unknown_account_and_imported_worlds_are_refused(small_clean: World) -> None:
    with pytest.raises(ValueError, match="not an account"):
        simulate_plan(small_clean, "ACC999", {}, seed=1)
    bare = World(public=dict(small_clean.public), truth={}, meta={})
    with pytest.raises(ValueError, match="imported, not simulated"):
        simulate_plan(bare, "ACC001", {}, seed=1)
