"""M2 self-checks accept the right answer (computed by hand from the tables), reject others."""

from __future__ import annotations

import numpy as np
import pytest

import kamlab
from kamlab.analysis.m2_planner import PLAN_SEED, planner_context
from kamlab.learn import check, hint
from kamlab.learn.checks import all_exercises
from kamlab.sim import simulate_plan


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


def _fy_weeks(world: kamlab.World, fy: int) -> set[int]:
    cal = world.calendar
    return set(cal.loc[cal["fiscal_year"] == fy, "week_id"])


def test_m2_exercises_are_registered_with_hints(world: kamlab.World) -> None:
    ids = {e.exercise_id for e in all_exercises() if e.module == "M2"}
    assert ids == {f"M2-E{i}" for i in range(1, 8)}
    for i in range(1, 8):
        assert hint(f"M2-E{i}")
        r = check(f"M2-E{i}", None, world=world)
        assert not r.passed and "None" in r.message


def test_e1_tier(world: kamlab.World) -> None:
    from kamlab.analysis.m2_portfolio import portfolio_criteria

    c = portfolio_criteria(world)
    s = {
        k: (c[k] - c[k].min()) / (c[k].max() - c[k].min())
        for k in ("size", "growth", "share", "execution")
    }
    score = ((s["size"] + s["growth"]) / 2 + (s["share"] + s["execution"]) / 2) / 2
    i = list(c["account_id"]).index("ACC011")
    tier = "A" if score[i] >= 0.5 - 1e-9 else "B" if score[i] >= 0.35 - 1e-9 else "C"
    assert check("M2-E1", tier, world=world)
    assert check("M2-E1", tier.lower(), world=world)
    assert not check("M2-E1", next(x for x in "ABC" if x != tier), world=world)
    assert "letter" in check("M2-E1", "top", world=world).message


def test_e2_market_target(world: kamlab.World) -> None:
    ty, ly = _fy_weeks(world, 2024), _fy_weeks(world, 2023)
    si, ts = world.sell_in, world.trade_spend
    nr = (
        si.loc[(si["account_id"] == "ACC006") & si["week_id"].isin(ty), "gross_sales"].sum()
        - ts.loc[(ts["account_id"] == "ACC006") & ts["week_id"].isin(ty), "amount_rmb"].sum()
    )
    m = world.market_account_week
    m = m.loc[m["account_id"] == "ACC006"]
    cat_ty = m.loc[m["week_id"].isin(ty), "value_incl_vat"].sum()
    cat_ly = m.loc[m["week_id"].isin(ly), "value_incl_vat"].sum()
    ours = m.loc[m["week_id"].isin(ty) & (m["brand_owner"] == "OURS"), "value_incl_vat"].sum()
    share = ours / cat_ty
    target = nr * (cat_ty / cat_ly) * (1 + 0.005 / share) * 1.01
    assert check("M2-E2", target, world=world)
    assert not check("M2-E2", nr * (cat_ty / cat_ly) * (1 + 0.5 / share) * 1.01, world=world)


def test_e3_distribution_gain(world: kamlab.World) -> None:
    from kamlab.analysis.m2_jbp import jbp_base

    b = jbp_base(world, "ACC006")
    wd = np.array(list(b.wd_by_sku.values()))
    gain = (np.minimum(wd + 0.03, 1).sum() - wd.sum()) * b.nr_ly / wd.sum()
    assert check("M2-E3", gain, world=world)
    assert not check("M2-E3", gain * 1.1, world=world)


def test_e4_stakeholder_gaps(world: kamlab.World) -> None:
    c = world.customer_contacts
    c = c.loc[c["account_id"] == "ACC003"]
    gaps = [
        r.contact_id
        for r in c.itertuples()
        if r.influence >= 4
        and r.relationship_score <= 2
        and isinstance(r.decision_roles, str)
        and r.decision_roles
    ]
    assert check("M2-E4", gaps, world=world)
    assert check("M2-E4", [g.lower() for g in reversed(gaps)], world=world)
    others = [x for x in c["contact_id"] if x not in gaps]
    assert not check("M2-E4", [*gaps, others[0]], world=world)
    assert "list" in check("M2-E4", "CT0001", world=world).message


def test_e5_front_margin(world: kamlab.World) -> None:
    ty = _fy_weeks(world, 2024)
    so = world.sell_out
    so = so.loc[(so["account_id"] == "ACC002") & so["week_id"].isin(ty)]
    rsp = so["retail_value_incl_vat"].sum() / 1.13 / so["cases_sold"].sum()
    si = world.sell_in
    si = si.loc[(si["account_id"] == "ACC002") & si["week_id"].isin(ty)]
    ts = world.trade_spend
    on = ts.loc[
        (ts["account_id"] == "ACC002") & ts["week_id"].isin(ty) & ts["on_invoice"], "amount_rmb"
    ].sum()
    inv = (si["gross_sales"].sum() - on) / si["cases_shipped"].sum()
    front = (rsp - inv) / rsp
    assert check("M2-E5", front, world=world)
    assert not check("M2-E5", front + 0.02, world=world)
    assert "fraction" in check("M2-E5", front * 100, world=world).message


def test_e6_budget_use(world: kamlab.World) -> None:
    ctx = planner_context(world)
    plan = {"promotions": ctx.planned("ACC004").drop(columns="source")}
    r = simulate_plan(world, "ACC004", plan, seed=PLAN_SEED)
    used = r.kpis["tts"] / r.kpis["budget"]
    assert check("M2-E6", used, world=world)
    assert not check("M2-E6", used + 0.02, world=world)


def test_e7_quadrant(world: kamlab.World) -> None:
    assert check("M2-E7", "develop", world=world)
    assert check("M2-E7", "Develop", world=world)
    assert not check("M2-E7", "key", world=world)
    assert not check("M2-E7", 3, world=world)
