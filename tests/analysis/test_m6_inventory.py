"""M6 inventory monitor and stuffing replay against hand calculations (SPEC §2.9, §2.10, §3.11)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.analysis.m5_common import model_param
from kamlab.analysis.m6_inventory import (
    inject_stuffing,
    inventory_health,
    inventory_pairs,
    replay_pair,
)
from kamlab.sim import loop
from kamlab.ui.base import default_world

ACC = "ACC004"  # a clean supermarket chain (no injected scenario)


@pytest.fixture(scope="module")
def world():
    return default_world()


@pytest.fixture(scope="module")
def sku(world):
    """A steady, high-volume SKU at ACC004 (lowest recorded peak cover among the top five)."""
    top = inventory_pairs(world, ACC)[:5]
    return min(top, key=lambda s: inventory_health(world, ACC, s).peak_woc)


def _lam(world, sku):
    tb = world.truth_baseline
    upc = float(world.products.set_index("sku_id").loc[sku, "units_per_case"])
    d = tb[(tb.account_id == ACC) & (tb.sku_id == sku)].sort_values("week_id")
    return d.expected_baseline_units.to_numpy() / upc


def test_recorded_weeks_of_cover_by_hand(world, sku) -> None:
    v = inventory_health(world, ACC, sku)
    inv = world.customer_inventory
    d = inv[(inv.account_id == ACC) & (inv.sku_id == sku)].sort_values("week_id")
    cl, so = d.closing_cases.to_numpy(), d.sell_out_cases.to_numpy()
    for t in (0, 2, 10, 60):
        mean = so[max(0, t - 3) : t + 1].mean()
        assert v.woc[t] == pytest.approx(cl[t] / mean, rel=1e-12)
    si = world.sell_in
    s = si[(si.account_id == ACC) & (si.sku_id == sku)].set_index("week_id").cases_shipped
    assert v.sell_in[10] == s.get(10, 0)
    np.testing.assert_allclose(v.buckets.sum(axis=0), cl, rtol=1e-9, atol=1e-6)


def test_clean_replay_runs_the_worlds_order_policy(world, sku) -> None:
    """Week 0 of the replay, by hand with the spec's order-up-to rule (SPEC §3.6.1)."""
    r = replay_pair(world, ACC, sku)
    lam = _lam(world, sku)
    pr = world.promotions
    lift = np.ones(lam.size)
    for s, e, up in pr[(pr.account_id == ACC) & (pr.sku_id == sku) & (pr.status == "EXECUTED")][
        ["start_week", "end_week", "planned_uplift_pct"]
    ].itertuples(index=False):
        lift[s : e + 1] = 1 + up
    F = lam * lift
    inv = world.customer_inventory
    opening = inv[(inv.account_id == ACC) & (inv.sku_id == sku) & (inv.week_id == 0)].opening_cases
    woc = float(world.accounts.set_index("account_id").loc[ACC, "target_woc"])
    alpha = float(model_param(world, "order_alpha"))
    S = woc * F[1:4].mean()
    o0 = np.ceil(max(0.0, F[0] + alpha * (S - float(opening.iloc[0]))) - 1e-9)
    assert r.orders[0] == (0.0 if o0 < model_param(world, "moq_ka") else o0)
    # inventory balance and FIFO buckets of the replay
    opening_r = np.r_[float(opening.iloc[0]), r.closing[:-1]]
    np.testing.assert_allclose(r.closing, opening_r + r.orders - r.sell_out, atol=1e-9)
    np.testing.assert_allclose(r.buckets.sum(axis=0), r.closing, atol=1e-6)
    # the replay tracks the recorded world (same models, mean forecast, full supply)
    v = inventory_health(world, ACC, sku)
    assert abs(r.orders.mean() / v.sell_in.mean() - 1) < 0.05
    assert np.corrcoef(r.closing, v.closing)[0, 1] > 0.7


def test_a_one_week_load_raises_cover_by_the_injected_cases(world, sku) -> None:
    t, x = 30, 12.0
    r = inject_stuffing(world, ACC, sku, extra_woc=x, start_week=t, load_weeks=1)
    lam = _lam(world, sku)
    injected = np.ceil(x * lam[t] - 1e-9)
    assert r.injected_cases == injected
    assert r.loaded.closing[t] - r.clean.closing[t] == pytest.approx(injected, abs=1e-6)
    so = r.clean.sell_out[t - 3 : t + 1].mean()
    assert r.loaded.woc[t] - r.clean.woc[t] == pytest.approx(injected / so, rel=1e-9)
    assert r.woc_increase >= injected / so - 1e-9
    assert injected / so == pytest.approx(x * lam[t] / so, rel=0.01)


def _quiet_stretch(world, weeks: int) -> tuple[str, int]:
    """A top SKU at ACC004 and a start week with no promotion for ``weeks`` weeks after it."""
    pr = world.promotions
    pr = pr[(pr.account_id == ACC) & (pr.status == "EXECUTED")]
    T = len(world.calendar)
    for s in inventory_pairs(world, ACC)[:10]:
        busy = np.zeros(T, dtype=bool)
        for a, b in pr[pr.sku_id == s][["start_week", "end_week"]].itertuples(index=False):
            busy[max(0, a - 3) : b + 3] = True
        for t0 in range(8, T - weeks):
            if not busy[t0 : t0 + weeks].any():
                return s, t0
    raise AssertionError("no promotion-free stretch found")


@pytest.mark.parametrize("x", [12, 24])
def test_a_four_week_load_gives_about_the_injected_cover_and_a_digest(world, x) -> None:
    sku, t0 = _quiet_stretch(world, x + 8)
    r = inject_stuffing(world, ACC, sku, extra_woc=x, start_week=t0, load_weeks=4)
    lam = _lam(world, sku)[t0 : t0 + 4].mean()
    so = r.clean.sell_out[t0 : t0 + 4].mean()
    expected = x * lam / so
    # the customer's policy trims its regular orders during the 4 load weeks (α × excess)
    assert expected - 4.5 <= r.woc_increase <= expected * 1.1
    win = slice(t0, t0 + x + 4)
    peak_rise = r.loaded.woc[win].max() - r.clean.woc[win].max()
    assert expected - 4.5 <= peak_rise <= expected * 1.1
    # digest: zero orders after the load, for roughly the cover not yet worked off
    after = r.loaded.orders[t0 + 4 :]
    run = int(np.argmax(after > 0))
    assert run >= x / 2 - 2 and r.digest_run >= x / 2 - 2
    assert after[:run].max(initial=0.0) == 0.0
    # the load borrows from future orders: over the horizon it nets out to the stock left at
    # the end plus any extra sales (inventory balance), far less than the injected cases
    d_orders = r.loaded.orders.sum() - r.clean.orders.sum()
    d_sales = r.loaded.sell_out.sum() - r.clean.sell_out.sum()
    d_close = r.loaded.closing[-1] - r.clean.closing[-1]
    assert d_orders == pytest.approx(d_close + d_sales, abs=1e-6)
    assert abs(d_orders) < 0.25 * r.injected_cases
    assert r.overstock_run >= 4 and r.stuffing_flagged_weeks >= 4


def test_a_big_load_ages_past_half_shelf_life_and_costs_clearance(world) -> None:
    snack = next(
        s
        for s in inventory_pairs(world, ACC)
        if world.products.set_index("sku_id").loc[s, "category"] == "SNACKS"
    )
    small = inject_stuffing(world, ACC, snack, extra_woc=4, start_week=20)
    big = inject_stuffing(world, ACC, snack, extra_woc=30, start_week=20)
    assert big.clearance_extra > small.clearance_extra >= 0
    assert big.aged_peak_loaded > big.aged_peak_clean
    prod = world.products.set_index("sku_id").loc[snack]
    pct = world.trade_terms.set_index(["account_id", "fiscal_year"]).loc[
        (ACC, 2024), "aged_stock_clearance_pct"
    ]
    price = prod.list_price_case * world.accounts.set_index("account_id").loc[ACC, "price_factor"]
    assert big.clearance_loaded == pytest.approx(big.loaded.crossing.sum() * price * pct)


def test_no_load_is_the_clean_replay(world, sku) -> None:
    r = inject_stuffing(world, ACC, sku, extra_woc=0)
    assert r.injected_cases == 0 and r.woc_increase == 0 and r.clearance_extra == 0
    assert r.digest_weeks == 0


def test_the_replay_uses_the_sim_stage_functions(world, sku, monkeypatch) -> None:
    """The injector calls the world's own loop functions (patched here to count calls)."""
    from kamlab.analysis import m6_inventory as mod

    calls = {"order": 0, "fifo": 0}
    real_order, real_fifo = loop.retailer_order, loop.fifo_step

    def order(*a, **k):
        calls["order"] += 1
        return real_order(*a, **k)

    def fifo(*a, **k):
        calls["fifo"] += 1
        return real_fifo(*a, **k)

    monkeypatch.setattr(mod, "retailer_order", order)
    monkeypatch.setattr(mod, "fifo_step", fifo)
    replay_pair(world, ACC, sku)
    assert calls == {"order": len(world.calendar), "fifo": len(world.calendar)}


def test_bad_inputs_raise_readable_errors(world, sku) -> None:
    with pytest.raises(ValueError, match="no inventory data"):
        inventory_health(world, ACC, "SKU999")
    with pytest.raises(ValueError, match="must lie inside weeks"):
        inject_stuffing(world, ACC, sku, start_week=102, load_weeks=4)
    with pytest.raises(ValueError, match="'extra_woc'"):
        inject_stuffing(world, ACC, sku, extra_woc=-1)
