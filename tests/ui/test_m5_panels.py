"""M5 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from kamlab import i18n
from kamlab import metrics as km
from kamlab.analysis.m5_promo import post_event
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m5 import BudgetPanel, PostEventPanel, PromoWhatIfPanel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_the_three_panels_are_registered() -> None:
    assert {"M5/post_event", "M5/promo_whatif", "M5/budget_reallocation"} <= set(PANELS)


# --- post-event evaluation -----------------------------------------------------------------------
def test_post_event_controls(world) -> None:
    p = PostEventPanel(world=world)
    assert p.message.value == ""
    r0 = p.result
    # the method toggle switches the baseline between the two §2.3 methods
    p.controls["method"].value = "pre_period"
    r1 = p.result
    assert r1.method == "pre_period"
    assert r1.baseline == pytest.approx(post_event(world, r0.promo_id, "pre_period").baseline)
    assert r1.evaluation.roi == pytest.approx(r0.other_method_roi)
    # apparent uplift = Σ_promo A / (n × B) − 1 for the chosen baseline
    a = r1.actual[r1.promo]
    assert r1.evaluation.apparent_uplift == pytest.approx(a.sum() / (a.size * r1.baseline) - 1)
    # cannibalisation +10 pp lowers NIC by 10 % of the gross incremental
    gi = r1.evaluation.gross_incremental
    p.controls["cannibalisation"].value = 0.30
    r2 = p.result
    assert r1.evaluation.net_incremental - r2.evaluation.net_incremental == pytest.approx(
        0.10 * max(0.0, gi)
    )
    # revealing the truth adds the truth column and line
    assert "Truth" not in p.table.value and not p.fig.data[3].visible
    p.controls["show_truth"].value = True
    tp = world.truth_promo.set_index("promo_id").loc[r2.promo_id]
    assert "Truth" in p.table.value and p.fig.data[3].visible
    assert f"{tp.roi:.2f}" in p.table.value

    # another promotion of the account
    def ok(pid: str) -> bool:
        try:
            post_event(world, pid, "pre_period")
        except ValueError:
            return False
        return True

    other = next(v for _, v in p.controls["promo"].options if v != r2.promo_id and ok(v))
    p.controls["promo"].value = other
    assert p.result.promo_id == other
    # another account: the promotion list follows it
    p.controls["account"].value = "ACC003"
    assert p.result.account_id == "ACC003"
    pr = world.promotions.set_index("promo_id")
    assert {pr.loc[v, "account_id"] for _, v in p.controls["promo"].options} == {"ACC003"}


def test_post_event_error_is_a_message(world) -> None:
    p = PostEventPanel(world=world)
    for _, pid in p.controls["promo"].options:
        try:
            post_event(world, pid, "pre_period")
        except ValueError:
            p.controls["method"].value = "pre_period"
            p.controls["promo"].value = pid
            assert "pre+post" in p.message.value
            return
    pytest.skip("every promotion has a pre-period baseline")


# --- promo what-if ---------------------------------------------------------------------------------
def test_whatif_controls_follow_the_response_formula(world) -> None:
    p = PromoWhatIfPanel(world=world)
    r0 = p.result
    eps_plan = r0.plan.elasticity
    eps_true = r0.truth.elasticity
    p.controls["depth"].value = 0.30
    r1 = p.result
    assert r1.plan.multiplier / r0.plan.multiplier == pytest.approx((0.7 / 0.8) ** eps_plan)
    assert r1.truth.multiplier / r0.truth.multiplier == pytest.approx((0.7 / 0.8) ** eps_true)
    # break-even uplift m/(m − f) − 1
    m, f = r1.unit_margin, r1.funding_per_case
    assert r1.break_even_uplift == pytest.approx(km.break_even_uplift(m, f))
    p.controls["display"].value = "ENDCAP"
    r2 = p.result
    assert r2.plan.display_mult > 1 and r2.plan.multiplier == pytest.approx(
        r1.plan.multiplier * r2.plan.display_mult
    )
    p.controls["feature"].value = "DM"
    r3 = p.result
    assert r3.plan.multiplier == pytest.approx(r2.plan.multiplier * 1.2)
    p.controls["duration"].value = 4
    r4 = p.result
    assert r4.plan.promo_cases == pytest.approx(2 * r3.plan.promo_cases)
    p.controls["mechanic"].value = "BOGO"
    r5 = p.result
    assert r5.depth == 0.5 and r5.depth_fixed and "fixes the price cut" in p.note.value
    # a fixed-depth mechanic ignores the depth slider
    p.controls["depth"].value = 0.10
    assert p.result.plan.multiplier == pytest.approx(r5.plan.multiplier)
    p.controls["mechanic"].value = "TPR"
    sku = next(s for s in p.controls["sku"].options if s != p.values["sku"])
    p.controls["sku"].value = sku
    assert p.result.sku_id == sku
    p.controls["account"].value = "ACC005"
    assert p.result.account_id == "ACC005" and p.result.sku_id == p.controls["sku"].options[0]


# --- budget reallocation ---------------------------------------------------------------------------
def test_budget_controls_move_budget_as_the_curves_say(world) -> None:
    p = BudgetPanel(world=world)
    r0 = p.result
    assert r0.total_igp == pytest.approx(r0.total_igp0)
    t = r0.table
    hi = t.account_id[t.marginal0.idxmax()]
    p.controls[f"w_{hi}"].value = 150
    r1 = p.result
    w = np.where(t.account_id == hi, 1.5, 1.0)
    raw = w * t.spend0.to_numpy()
    s = raw * t.spend0.sum() / raw.sum()
    assert r1.total_igp == pytest.approx(float((t.c * s**t.beta).sum()))
    assert r1.total_igp > r0.total_igp
    p.controls["total_pct"].value = 80
    r2 = p.result
    assert r2.total_budget == pytest.approx(0.8 * r0.total_budget)
    assert r2.table.spend.sum() == pytest.approx(r2.total_budget)
    years = list(p.controls["fiscal_year"].options)
    if len(years) > 1:
        p.controls["fiscal_year"].value = years[0]
        assert p.result.fiscal_year == years[0]
    assert "费比" in p.table.value and "投入产出比" in p.table.value


def test_language_switch_keeps_the_chosen_options(world) -> None:
    p = PostEventPanel(world=world)
    p.controls["method"].value = "pre_period"
    q = PromoWhatIfPanel(world=world)
    q.controls["display"].value = "FLOOR_STACK"
    q.controls["mechanic"].value = "MULTIBUY"
    p._lang.value = "zh"
    q._lang.value = "zh"
    try:
        assert p.controls["method"].value == "pre_period" and p.result.method == "pre_period"
        assert q.controls["display"].value == "FLOOR_STACK"
        assert q.controls["mechanic"].value == "MULTIBUY"
        assert ("堆头", "FLOOR_STACK") in q.controls["display"].options
    finally:
        p._lang.value = "en"
        q._lang.value = "en"


def test_budget_sliders_keep_their_account_names_across_languages(world) -> None:
    p = BudgetPanel(world=world)
    name = next(n for n in p.controls if n.startswith("w_"))
    label = p.controls[name].description
    assert label.startswith(name[2:])
    p._lang.value = "zh"
    try:
        assert p.controls[name].description == label
        assert p.controls["total_pct"].description == i18n.t("m5.total_budget_pct", lang="zh")
    finally:
        p._lang.value = "en"


# --- all panels -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [PostEventPanel, PromoWhatIfPanel, BudgetPanel])
def test_every_control_recomputes_without_errors(world, cls) -> None:
    p = cls(world=world)
    seen = 0
    for _name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", p.message.value
        seen += 1
    assert seen >= len(p.controls)


@pytest.mark.parametrize("cls", [PostEventPanel, PromoWhatIfPanel, BudgetPanel])
def test_panels_render_in_chinese(world, cls) -> None:
    p = cls(world=world)
    p._lang.value = "zh"
    try:
        assert p._title.value and any("\u4e00" <= ch <= "\u9fff" for ch in p._title.value)
        assert p.message.value == ""
    finally:
        p._lang.value = "en"


def test_every_m5_message_used_by_the_views_exists() -> None:
    src = (ROOT / "kamlab/ui/m5.py").read_text(encoding="utf-8")
    cat = json.loads((ROOT / "kamlab/i18n/messages/m5.json").read_text(encoding="utf-8"))
    used = set(re.findall(r'"m5\.([a-z0-9_]+)"', src))
    assert used and used <= set(cat)
    for fam in ("method_", "mechanic_", "display_", "feature_"):
        assert any(k.startswith(fam) for k in cat)
