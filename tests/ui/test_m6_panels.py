"""M6 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from kamlab.analysis.m6_inventory import inventory_pairs
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m6 import DiversionPanel, EvennessPanel, InventoryHealthPanel, MixPanel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_the_four_panels_are_registered() -> None:
    names = {"M6/inventory_health", "M6/evenness_monitor", "M6/diversion_map", "M6/mix_monitor"}
    assert names <= set(PANELS)


# --- inventory health -------------------------------------------------------------------------------
def test_inventory_panel_and_the_stuffing_injector(world) -> None:
    p = InventoryHealthPanel(world=world, account="ACC004")
    r0 = p.result
    assert r0.replay is None and r0.view.account_id == "ACC004"
    assert r0.view.sku_id == inventory_pairs(world, "ACC004")[0]
    # the recorded view: WOC = closing / mean of the last 4 weeks' sell-out
    v = r0.view
    assert v.woc[20] == pytest.approx(v.closing[20] / v.sell_out[17:21].mean())
    # instructor toggle: the replay with a load of 12 weeks of cover
    p.controls["load_weeks"].value = 1
    p.controls["start_week"].value = 30
    p.controls["inject"].value = True
    r1 = p.result.replay
    assert r1 is not None and list(r1.load_weeks) == [30]
    so = r1.clean.sell_out[27:31].mean()
    assert r1.loaded.woc[30] - r1.clean.woc[30] == pytest.approx(r1.injected_cases / so)
    assert "With the load" in p.table.value and p.fig.data[1].visible
    # a bigger load: the injected cases scale with the size (up to whole-case rounding)
    p.controls["extra_woc"].value = 24
    r2 = p.result.replay
    assert r2.injected_cases == pytest.approx(2 * r1.injected_cases, abs=1)
    assert r2.woc_increase > r1.woc_increase
    # timing moves the load; spreading it over 4 weeks keeps the injected cover
    p.controls["start_week"].value = 60
    assert list(p.result.replay.load_weeks) == [60]
    p.controls["load_weeks"].value = 4
    r3 = p.result.replay
    assert list(r3.load_weeks) == [60, 61, 62, 63] and r3.digest_weeks > 0
    # switching the toggle off shows the recorded world again
    p.controls["inject"].value = False
    assert p.result.replay is None and "recorded" in p.fig.layout.title.text
    sku = p.controls["sku"].options[1]
    p.controls["sku"].value = sku
    assert p.result.view.sku_id == sku
    p.controls["account"].value = "ACC013"
    assert p.result.view.account_id == "ACC013"
    assert p.result.view.sku_id == inventory_pairs(world, "ACC013")[0]


# --- evenness -------------------------------------------------------------------------------------------
def test_evenness_push_slider_retimes_the_chosen_kam(world) -> None:
    p = EvennessPanel(world=world)
    p.controls["kam"].value = "KAM04"
    lo, hi = p.controls["periods"].value
    p.controls["push_share"].value = 0.7
    r = p.result
    k = r.kams.index("KAM04")
    sel = np.zeros(len(r.period_keys), dtype=bool)
    sel[lo - 1 : hi] = True
    assert (r.retimed == sel).all()
    np.testing.assert_allclose(r.lws[k, sel], 0.7, atol=1e-12)
    z = np.asarray(p.fig.data[0].z, dtype=float)
    np.testing.assert_allclose(z[k, sel], 0.7, atol=1e-12)
    # the G* view: 0.6 on 4-week periods, 0.625 on 5-week ones
    p.controls["metric"].value = "gstar"
    z = np.asarray(p.fig.data[0].z, dtype=float)
    n = r.weeks_in_period[sel]
    np.testing.assert_allclose(z[k, sel], np.where(n == 4, 0.6, 0.625), atol=1e-12)
    # pushed periods carry the flag mark in the heatmap text
    assert "⚑" in "".join(p.fig.data[0].text[k])
    # a narrower range re-times fewer periods
    p.controls["periods"].value = (hi - 1, hi)
    assert p.result.retimed.sum() == 2
    p.controls["push_share"].value = 0.0
    assert not p.result.retimed.any()


# --- diversion ---------------------------------------------------------------------------------------------
def test_diversion_panel_controls(world) -> None:
    p = DiversionPanel(world=world)
    r = p.result
    assert r.fiscal_year == max(p.controls["fiscal_year"].options)
    lab = world.truth_scenario_labels
    lab = lab[lab.scenario == "DIVERSION"]
    if not lab.empty:
        d = str(lab.entity_id.iloc[0])
        p.controls["distributor"].value = d
        assert p.result.distributor == d
        assert len(p.fig.layout.annotations) >= 2  # code-trace arrows and their labels
        assert list(p.fig_t.data[0].x) == p.result.period_keys
    p.controls["fiscal_year"].value = min(p.controls["fiscal_year"].options)
    r0 = p.result
    assert r0.signals.growth_gap.isna().all() and len(p.fig.layout.annotations) == 0
    assert "Diversion flag" in p.table.value


# --- mix ---------------------------------------------------------------------------------------------------
def test_mix_panel_controls(world) -> None:
    p = MixPanel(world=world)
    r = p.result
    assert r.dimension == "CHANNEL" and r.scope == "COMPANY:ALL" and r.window == 13
    t = r.table
    assert r.tvd == pytest.approx(0.5 * np.abs(t.actual_share - t.planned_share).sum())
    p.controls["window"].value = 0
    assert p.result.window == 0
    p.controls["dimension"].value = "PACK_TYPE"
    opts = list(p.controls["scope"].options)
    assert any(o.startswith("ACCOUNT:") for o in opts)
    p.controls["scope"].value = "ACCOUNT:ACC006"
    r2 = p.result
    assert r2.dimension == "PACK_TYPE" and r2.scope == "ACCOUNT:ACC006"
    p.controls["dimension"].value = "CHANNEL"
    assert p.result.scope == "COMPANY:ALL"
    p.controls["fiscal_year"].value = min(p.controls["fiscal_year"].options)
    assert p.result.fiscal_year == min(p.controls["fiscal_year"].options)
    limit = list(p.fig_t.data[1].y)
    assert limit and set(limit) == {0.05}


# --- all panels --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [InventoryHealthPanel, EvennessPanel, DiversionPanel, MixPanel])
def test_every_control_recomputes_without_errors(world, cls) -> None:
    p = cls(world=world)
    if "inject" in p.controls:
        p.controls["inject"].value = True
    seen = 0
    for _name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", p.message.value
        seen += 1
    assert seen >= len(p.controls)


@pytest.mark.parametrize("cls", [InventoryHealthPanel, EvennessPanel, DiversionPanel, MixPanel])
def test_panels_render_in_chinese(world, cls) -> None:
    p = cls(world=world)
    p._lang.value = "zh"
    try:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p._title.value)
        assert p.message.value == ""
    finally:
        p._lang.value = "en"


def test_every_m6_message_used_by_the_views_exists() -> None:
    src = (ROOT / "kamlab/ui/m6.py").read_text(encoding="utf-8")
    cat = json.loads((ROOT / "kamlab/i18n/messages/m6.json").read_text(encoding="utf-8"))
    used = set(re.findall(r'"m6\.([a-z0-9_]+)"', src))
    assert used and used <= set(cat)
    for k in range(5):
        assert f"age_{k}" in cat
    for d in ("channel", "brand", "pack_type"):
        assert f"dim_{d}" in cat
