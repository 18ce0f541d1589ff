"""M6 mix monitor against hand calculations (SPEC §2.12)."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab.analysis.m6_mix import mix_monitor, mix_scopes
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _volume(world, accounts, weeks, by):
    so = world.sell_out
    prod = world.products.set_index("sku_id")
    acc = world.accounts.set_index("account_id")
    d = so[so.account_id.isin(accounts) & so.week_id.isin(weeks)]
    v = d.cases_sold * d.sku_id.map(prod.volume_eq_per_case).astype(float)
    key = {
        "CHANNEL": d.account_id.map(acc.channel.astype(str)),
        "BRAND": d.sku_id.map(prod.brand.astype(str)),
        "PACK_TYPE": d.sku_id.map(prod.pack_type.astype(str)),
    }[by]
    return v.groupby(key.to_numpy()).sum()


def _plan(world, scope_type, scope_id, dim, fy):
    p = world.mix_plan
    p = p[(p.scope_type == scope_type) & (p.scope_id == scope_id) & (p.dimension == dim)]
    p = p[p.fiscal_year == fy]
    return dict(zip(p.member.astype(str), p.planned_share, strict=True))


def _tvd(vol, plan):
    members = set(plan) | set(vol.index)
    s = vol / vol.sum()
    tot = sum(plan.values())
    return 0.5 * sum(abs(s.get(m, 0.0) - plan.get(m, 0.0) / tot) for m in members)


@pytest.mark.parametrize(
    ("dim", "scope"), [("CHANNEL", "REGION:R3"), ("PACK_TYPE", "ACCOUNT:ACC006")]
)
def test_year_mix_and_tvd_by_hand(world, dim, scope) -> None:
    st, _, sid = scope.partition(":")
    acc = world.accounts
    accounts = acc.account_id[acc.hq_region_id == sid] if st == "REGION" else [sid]
    cal = world.calendar
    vol = _volume(world, accounts, cal.week_id[cal.fiscal_year == 2024], dim)
    plan = _plan(world, st, sid, dim, 2024)
    v = mix_monitor(world, dim, scope, 2024)
    assert v.tvd == pytest.approx(_tvd(vol, plan), abs=1e-12)
    t = v.table.set_index("member")
    for m, x in vol.items():
        assert t.loc[m, "actual_share"] == pytest.approx(x / vol.sum())
    assert t.deviation.sum() == pytest.approx(0.0, abs=1e-12)


def test_trend_windows_by_hand(world) -> None:
    cal = world.calendar
    keys = cal.period_key[cal.fiscal_year == 2024].unique()
    p = keys[5]
    weeks = cal.week_id[cal.period_key == p]
    plan = _plan(world, "COMPANY", "ALL", "CHANNEL", 2024)
    acc = world.accounts.account_id
    v0 = mix_monitor(world, "CHANNEL", "COMPANY:ALL", 2024, window=0)
    got = v0.trend.set_index("period_key").tvd[p]
    assert got == pytest.approx(_tvd(_volume(world, acc, weeks, "CHANNEL"), plan), abs=1e-12)
    v13 = mix_monitor(world, "CHANNEL", "COMPANY:ALL", 2024, window=13)
    end = int(weeks.max())
    trail = range(end - 12, end + 1)
    got13 = v13.trend.set_index("period_key").tvd[p]
    assert got13 == pytest.approx(_tvd(_volume(world, acc, trail, "CHANNEL"), plan), abs=1e-12)
    assert (v13.trend.flag == (v13.trend.tvd > 0.05 + 1e-9)).all()


def test_the_labelled_pack_drift_account_is_flagged(world) -> None:
    lab = world.truth_scenario_labels
    lab = lab[lab.scenario == "PACK_MIX_DRIFT"]
    if lab.empty:
        pytest.skip("no pack-mix drift in this world")
    a = str(lab.entity_id.iloc[0])
    v = mix_monitor(world, "PACK_TYPE", f"ACCOUNT:{a}", 2024, window=26)
    assert v.flag and v.trend.flag.iloc[-6:].all()


def test_scopes_and_errors(world) -> None:
    ch = mix_scopes(world, "CHANNEL")
    assert ch[0] == "COMPANY:ALL" and not any(s.startswith("ACCOUNT:") for s in ch)
    assert any(s.startswith("ACCOUNT:") for s in mix_scopes(world, "BRAND"))
    with pytest.raises(ValueError, match="no channel mix plan"):
        mix_monitor(world, "CHANNEL", "ACCOUNT:ACC001")
    with pytest.raises(ValueError, match="'dimension'"):
        mix_monitor(world, "SIZE")
    with pytest.raises(ValueError, match="'window'"):
        mix_monitor(world, window=-1)
    assert np.isfinite(mix_monitor(world).trend.tvd).all()
