"""M6 self-checks: the model answer passes, a wrong one fails with a hint, None is 'not yet'."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import metrics as km
from kamlab.learn import check
from kamlab.learn.checks import all_exercises
from kamlab.learn.exercises import m6
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _pair(world, account):
    sku = m6.practice_sku(world, account)
    inv = world.customer_inventory
    d = inv[(inv.account_id == account) & (inv.sku_id == sku)].sort_values("week_id")
    si = world.sell_in
    s = si[(si.account_id == account) & (si.sku_id == sku)].set_index("week_id").cases_shipped
    return d, s.reindex(d.week_id, fill_value=0).to_numpy(float)


def _answers(world) -> dict[str, object]:
    """Every answer by hand with pandas and kamlab.metrics (not through the panel models)."""
    d, _ = _pair(world, "ACC007")
    woc = km.weeks_of_cover(d.closing_cases.to_numpy(), d.sell_out_cases.to_numpy())[70]
    acc = world.accounts
    cal = world.calendar
    si = world.sell_in[world.sell_in.account_id.isin(acc.account_id[acc.kam_id == "KAM06"])]
    weekly = si.groupby("week_id").cases_shipped.sum()
    wk = cal.week_id[cal.period_key == "FY2023-P07"]
    ev = km.evenness(weekly.reindex(wk, fill_value=0).to_numpy(float))
    d1, s1 = _pair(world, "ACC001")
    r13 = km.sell_in_sell_out_ratio(s1, d1.sell_out_cases.to_numpy(), 13)[80]
    # channel TVD, R3, FY2024
    so = world.sell_out
    prod = world.products.set_index("sku_id")
    r3 = acc.account_id[acc.hq_region_id == "R3"]
    y = so[so.account_id.isin(r3) & so.week_id.isin(cal.week_id[cal.fiscal_year == 2024])]
    vol = (
        (y.cases_sold * y.sku_id.map(prod.volume_eq_per_case).astype(float))
        .groupby(y.account_id.map(acc.set_index("account_id").channel.astype(str)).to_numpy())
        .sum()
    )
    mp = world.mix_plan
    mp = mp[(mp.scope_type == "REGION") & (mp.scope_id == "R3") & (mp.dimension == "CHANNEL")]
    mp = mp[mp.fiscal_year == 2024]
    tvd = km.mix_deviation(vol.to_dict(), dict(zip(mp.member, mp.planned_share, strict=True)))
    # growth gap, ACC018, FY2024
    sin = world.sell_in[world.sell_in.account_id == "ACC018"]
    ty = sin[sin.week_id.isin(cal.week_id[cal.fiscal_year == 2024])].volume_eq.sum()
    ly = sin[sin.week_id.isin(cal.week_id[cal.fiscal_year == 2023])].volume_eq.sum()
    m = world.market_region_period
    m = m[(m.channel_group == "TT") & (m.region_id == "R5")]
    gg = km.growth_gap(
        ty,
        ly,
        m[m.period_key.str.startswith("FY2024")].value_incl_vat.sum(),
        m[m.period_key.str.startswith("FY2023")].value_incl_vat.sum(),
    )
    from kamlab.analysis.m6_inventory import inject_stuffing

    r = inject_stuffing(
        world, "ACC004", m6.practice_sku(world, "ACC004"), 12, m6.practice_load_week(world), 4
    )
    return {
        "M6-E1": woc,
        "M6-E2": (ev.lws, ev.gini_norm),
        "M6-E3": r13,
        "M6-E4": tvd,
        "M6-E5": gg,
        "M6-E6": r.digest_weeks,
    }


def test_practice_entities_are_clean(world) -> None:
    labelled = set(world.truth_scenario_labels.entity_id.astype(str))
    for ent in ("ACC007", "ACC001", "ACC004", "KAM06", "ACC018"):
        assert ent not in labelled


def test_model_answers_pass_and_wrong_ones_fail(world) -> None:
    answers = _answers(world)
    assert {e.exercise_id for e in all_exercises() if e.module == "M6"} == set(answers)
    for eid, ans in answers.items():
        assert check(eid, ans, world=world).passed, eid
        res = check(eid, None, world=world)
        assert not res.passed and res.hint, eid
    assert not check("M6-E1", answers["M6-E1"] * 1.05, world=world).passed
    lws, g = answers["M6-E2"]
    assert not check("M6-E2", (lws + 0.01, g), world=world).passed
    assert "fraction" in check("M6-E4", answers["M6-E4"] * 100, world=world).message
    assert not check("M6-E6", answers["M6-E6"] + 1, world=world).passed
    assert answers["M6-E6"] > 0 and np.isfinite(answers["M6-E3"])
