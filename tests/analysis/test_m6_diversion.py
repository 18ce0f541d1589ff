"""M6 diversion map against hand calculations (SPEC §2.13) and the world's truth labels."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import metrics as km
from kamlab.analysis.m6_diversion import distributors, diversion_map
from kamlab.ui.base import default_world


@pytest.fixture(scope="module")
def world():
    return default_world()


def _year_weeks(world, fy):
    cal = world.calendar
    return set(cal.week_id[cal.fiscal_year == fy])


def _secondary(world, accounts, fy):
    so = world.sell_out
    veq = world.products.set_index("sku_id").volume_eq_per_case
    d = so[so.account_id.isin(accounts) & so.week_id.isin(_year_weeks(world, fy))]
    return float((d.cases_sold * d.sku_id.map(veq).astype(float)).sum())


def _tt(world, region, fy, ours=True):
    m = world.market_region_period
    m = m[
        (m.channel_group == "TT") & (m.region_id == region) & m.period_key.str.startswith(f"FY{fy}")
    ]
    return m[m.brand_owner == "OURS"].volume_eq.sum() if ours else m.value_incl_vat.sum()


@pytest.mark.parametrize("fy", [2023, 2024])
def test_absorption_gap_by_hand(world, fy) -> None:
    v = diversion_map(world, fy)
    d = distributors(world)
    for region in d.region_id.unique():
        accs = d.account_id[d.region_id == region]
        ag = 1 - _tt(world, region, fy) / _secondary(world, accs, fy)
        row = v.regions.set_index("region_id").loc[region]
        assert row.absorption_gap == pytest.approx(ag, abs=1e-9)
        for a in accs:
            got = v.signals.set_index("account_id").loc[a, "absorption_gap"]
            assert got == pytest.approx(ag, abs=1e-9)


def test_growth_gap_and_traced_share_by_hand(world) -> None:
    v = diversion_map(world, 2024)
    s = v.signals.set_index("account_id")
    d = distributors(world).set_index("account_id")
    si = world.sell_in
    for a in d.index:
        r = d.loc[a, "region_id"]
        ty = si[(si.account_id == a) & si.week_id.isin(_year_weeks(world, 2024))].volume_eq.sum()
        ly = si[(si.account_id == a) & si.week_id.isin(_year_weeks(world, 2023))].volume_eq.sum()
        g = ty / ly - 1 - (_tt(world, r, 2024, False) / _tt(world, r, 2023, False) - 1)
        assert s.loc[a, "growth_gap"] == pytest.approx(g, rel=1e-9)
        ct = world.code_traces
        mine = ct[(ct.source_account_id == a) & ct.period_key.str.startswith("FY2024")]
        share = mine[mine.found_region_id != r].n_packs.sum() / mine.n_packs.sum()
        assert s.loc[a, "traced_share"] == pytest.approx(share)
    assert diversion_map(world, 2023).signals.growth_gap.isna().all()


def test_composite_flag_is_the_metrics_rule(world) -> None:
    v = diversion_map(world, 2024)
    for row in v.signals.itertuples(index=False):
        sig = km.diversion_signals(
            row.absorption_gap, row.growth_gap, row.price_signal, row.traced_share
        )
        assert row.flag == sig.flag and row.n_signals == sig.n_signals


def test_the_labelled_diverter_is_flagged_with_its_share(world) -> None:
    lab = world.truth_scenario_labels
    lab = lab[lab.scenario == "DIVERSION"]
    if lab.empty:
        pytest.skip("this world has no diversion scenario")
    d = str(lab.entity_id.iloc[0])
    v = diversion_map(world, 2024, d)
    s = v.signals.set_index("account_id")
    assert s.loc[d, "flag"]
    assert s.loc[d, "estimated_diverted_share"] == pytest.approx(lab.severity.iloc[0], abs=0.1)
    assert set(v.flows.source_account_id) == {d}
    assert (v.flows.found_region_id != v.flows.source_region_id).all()
    others = s.drop(index=d)
    assert not others.flag.any()
    assert (v.trend.absorption_gap.to_numpy()[-6:] > 0.3).all()


def test_bad_inputs_raise_readable_errors(world) -> None:
    with pytest.raises(ValueError, match="not in the calendar"):
        diversion_map(world, 1999)
    with pytest.raises(ValueError, match="not a distributor"):
        diversion_map(world, 2024, "ACC001")
    assert np.isfinite(diversion_map(world).regions.price_index).all()
