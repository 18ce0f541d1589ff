"""M3 panels without a kernel: every control changes the model output as the formula says."""

from __future__ import annotations

import numpy as np
import pytest

from kamlab import i18n
from kamlab import metrics as km
from kamlab.analysis.m3_package import terms_context
from kamlab.analysis.m3_rebates import rebate_accounts
from kamlab.ui.base import PANELS, default_world
from kamlab.ui.exercise import exercise
from kamlab.ui.m3 import NegotiationSimulator, PackageComparator, RebateTierDesigner


@pytest.fixture(scope="module")
def world():
    return default_world()


def test_m3_panels_are_registered() -> None:
    assert {
        "M3/rebate_tier_designer",
        "M3/package_comparator",
        "M3/negotiation_simulator",
    } <= set(PANELS)


# ---- rebate tier designer ----------------------------------------------------------------------


def _designer(world, growth: float = 0.07) -> RebateTierDesigner:
    p = RebateTierDesigner(world=world)
    p.controls["account"].value = "ACC004"
    p.controls["fiscal_year"].value = 2024
    p.controls["mode"].value = "retro"
    p.controls["expected_growth"].value = growth
    return p


def test_designer_starts_at_the_agreement(world) -> None:
    p = RebateTierDesigner(world=world)
    ra = rebate_accounts(world)[(p.values["account"], p.values["fiscal_year"])]
    v = p.values
    assert (v["t1"], v["t2"]) == pytest.approx((ra.tiers[1][0], ra.tiers[2][0]))
    assert (v["r1"], v["r2"], v["r3"]) == pytest.approx([r for _, _, r in ra.tiers])
    assert v["mode"] == ra.mode
    assert v["expected_growth"] == pytest.approx(min(max(ra.growth, -0.10), 0.30), abs=0.0005)
    assert p.message.value == ""


def test_raising_a_tier_rate_by_1pp_raises_the_retro_rebate_by_1pct_of_sales(world) -> None:
    p = _designer(world, growth=0.07)  # inside tier 2 ([5 %, 10 %))
    sales = p.result.position.sales
    assert sales == pytest.approx(p.result.base * 1.07)
    before, curve0 = p.result.position.rebate, p.result.rebate.copy()
    p.controls["r2"].value = p.values["r2"] + 0.01
    assert p.result.position.rebate - before == pytest.approx(0.01 * sales, rel=1e-9)
    g = p.result.growth
    inside = (g >= 0.05 + 1e-9) & (g < 0.10 - 1e-9)
    assert np.allclose(p.result.rebate[inside] - curve0[inside], 0.01 * p.result.sales[inside])
    outside = (g < 0.05 - 1e-9) | (g >= 0.10 + 1e-9)
    assert np.allclose(p.result.rebate[outside], curve0[outside])
    # tier 1 and tier 3 sliders act on their own tiers only
    p.controls["expected_growth"].value = 0.02
    r0 = p.result.position.rebate
    p.controls["r1"].value = p.values["r1"] + 0.005
    assert p.result.position.rebate - r0 == pytest.approx(0.005 * p.result.base * 1.02)
    p.controls["expected_growth"].value = 0.15
    r0 = p.result.position.rebate
    p.controls["r3"].value = p.values["r3"] - 0.005
    assert p.result.position.rebate - r0 == pytest.approx(-0.005 * p.result.base * 1.15)


def test_thresholds_move_the_cliffs(world) -> None:
    p = _designer(world)
    base = p.result.base
    p.controls["t2"].value = 0.12
    cliffs = {round(c.metric, 4): c for c in p.result.cliffs}
    assert cliffs[0.12].sales == pytest.approx(base * 1.12)
    r2, r3 = p.values["r2"], p.values["r3"]
    assert cliffs[0.12].cliff == pytest.approx(r3 * base * 1.12 - r2 * (base * 1.12 - 1), abs=0.01)
    p.controls["t1"].value = 0.03
    assert round(p.result.cliffs[1].metric, 4) == 0.03
    # the chart marks the cliffs (the 0 % bound is the base, not a threshold)
    assert list(p.fig.data[1].x) == pytest.approx([0.03, 0.12])
    assert i18n.money(cliffs[0.12].cliff) in p.fig.data[1].text[1]
    assert i18n.money(cliffs[0.12].cliff) in p.cliffs_html.value
    # an impossible design is a message, not a traceback
    p.controls["t1"].value = 0.15
    assert "higher than the one before" in p.message.value


def test_mode_and_expected_growth(world) -> None:
    p = _designer(world, growth=0.08)
    base, (r1, r2) = p.result.base, (p.values["r1"], p.values["r2"])
    retro = p.result.position
    assert retro.gain == pytest.approx(p.values["r3"] * base * 1.10 - r2 * base * 1.08)
    assert retro.marginal_cost_per_case == pytest.approx(r2 * p.result.gs_per_case)
    p.controls["mode"].value = "marginal"
    m = p.result.position
    assert m.rebate == pytest.approx(r1 * base * 0.05 + r2 * base * 0.03)
    assert m.gain == pytest.approx(r2 * base * 0.02)
    assert m.gain_per_rmb < retro.gain_per_rmb
    p.controls["expected_growth"].value = 0.03
    assert p.result.position.sales == pytest.approx(base * 1.03)
    assert p.fig.data[2].x[0] == pytest.approx(0.03)


def test_designer_selection_reloads_the_agreement(world) -> None:
    p = _designer(world)
    p.controls["r3"].value = 0.05
    p.controls["account"].value = "ACC010"
    ra = rebate_accounts(world)[("ACC010", 2024)]
    assert p.values["r3"] == pytest.approx(ra.tiers[2][2])
    assert p.result.base == pytest.approx(ra.base)
    p.controls["fiscal_year"].value = 2023
    assert p.result.base == pytest.approx(rebate_accounts(world)[("ACC010", 2023)].base)


def test_designer_language_and_money(world) -> None:
    p = _designer(world)
    y = p.fig.data[0].y[-1]
    p._money.value = "wan"
    try:
        assert p.fig.data[0].y[-1] == pytest.approx(y / 10_000)
    finally:
        p._money.value = "yuan"
    p._lang.value = "zh"
    try:
        assert p.controls["mode"].options[0][0].startswith("追溯式")
        assert p.values["mode"] == "retro"
    finally:
        p._lang.value = "en"


def test_every_designer_control_changes_the_output(world) -> None:
    p = _designer(world)
    for name, _value, _ms in exercise(p, n=2):
        if p.message.value:  # an impossible tier order: shown as a message
            assert name in ("t1", "t2")
    assert p.message.value == ""


# ---- package comparator ------------------------------------------------------------------------


def test_package_comparator_defaults(world) -> None:
    p = PackageComparator(world=world)
    ctx = terms_context(world, p.values["account"], p.values["fiscal_year"])
    assert p.values["ask_on_invoice"] == pytest.approx(ctx.terms.on_invoice_pct + 0.01)
    assert p.values["offer_payment_days"] == int(ctx.terms.payment_terms_days)
    cur = p.result.costs["current"]
    assert cur.gs == pytest.approx(ctx.gs)
    assert p.result.tts_rate_cap == pytest.approx(ctx.tts_rate_cap)
    # the chart's top labels are the TTS % of each package; the cap line is drawn
    assert list(p.fig.data[-1].y) == pytest.approx(
        [p.result.costs[k].tts_rate for k in ("current", "ask", "offer")]
    )
    assert p.fig.layout.shapes[0].y0 == pytest.approx(ctx.tts_rate_cap)


def test_package_levers_move_the_costs_as_the_formula_says(world) -> None:
    p = PackageComparator(world=world)
    p.controls["growth"].value = 0.02
    gs = p.result.costs["ask"].gs
    assert gs == pytest.approx(p.result.costs["current"].gs)
    ask0 = p.result.costs["ask"]
    cur0 = p.result.costs["current"]
    p.controls["ask_on_invoice"].value = p.values["ask_on_invoice"] + 0.01
    ask = p.result.costs["ask"]
    assert ask.nr - ask0.nr == pytest.approx(-0.01 * gs)
    assert p.result.costs["current"].cc == pytest.approx(cur0.cc)
    ask0 = ask
    p.controls["ask_unconditional"].value = p.values["ask_unconditional"] + 0.005
    assert p.result.costs["ask"].nr - ask0.nr == pytest.approx(-0.005 * gs)
    ask0 = p.result.costs["ask"]
    p.controls["ask_growth_pp"].value = p.values["ask_growth_pp"] + 0.005
    ask = p.result.costs["ask"]
    assert ask.lines["growth_rebate"] - ask0.lines["growth_rebate"] == pytest.approx(0.005 * gs)
    ask0 = ask
    p.controls["ask_payment_days"].value = p.values["ask_payment_days"] + 15
    ask = p.result.costs["ask"]
    assert ask.nr == pytest.approx(ask0.nr)
    assert ask.cc - ask0.cc == pytest.approx(-ask0.nr * 0.06 * 15 / 365)
    off0 = p.result.costs["offer"]
    f0 = p.values["offer_fees"]
    p.controls["offer_fees"].value = f0 + 0.5
    off = p.result.costs["offer"]
    fees = ("display_fees", "dm_fees", "listing_fees", "festival_fee", "anniversary_fee")
    assert sum(off.lines[k] for k in fees) == pytest.approx(
        sum(off0.lines[k] for k in fees) * (1 + f0 + 0.5) / (1 + f0)
    )
    p.controls["growth"].value = 0.10
    ctx = terms_context(world, p.values["account"], p.values["fiscal_year"])
    assert p.result.costs["offer"].gs == pytest.approx(ctx.gs * 1.10)


def test_package_selection_and_language(world) -> None:
    p = PackageComparator(world=world)
    p.controls["account"].value = "ACC009"
    ctx = terms_context(world, "ACC009", p.values["fiscal_year"])
    assert p.values["offer_on_invoice"] == pytest.approx(ctx.terms.on_invoice_pct, abs=1e-4)
    assert p.result.costs["current"].lines["ec_platform_fee"] == pytest.approx(
        ctx.terms.ec_platform_fee_pct * ctx.gs
    )
    p._lang.value = "zh"
    try:
        assert "客户要求" in p.ask_head.value
        assert p.fig.data[0].name == "票面折扣"
    finally:
        p._lang.value = "en"


def test_every_package_control_changes_the_output(world) -> None:
    p = PackageComparator(world=world)
    seen = []
    for name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", (name, p.message.value)
        seen.append(name)
    assert set(seen) == set(p.controls)


# ---- negotiation simulator ---------------------------------------------------------------------


def test_negotiation_give_and_get(world) -> None:
    p = NegotiationSimulator(world=world)
    acc, fy = p.values["account"], p.values["fiscal_year"]
    ctx = terms_context(world, acc, fy)
    # it opens on the customer's ask given for nothing: display, payment terms, on-invoice
    assert list(p.result.items["concession"]) == ["display", "payment_terms", "on_invoice"]
    assert (p.result.items["state"] == "give").all()
    assert (p.result.items["get_value"] == 0).all() and p.result.net_value < 0
    for item in ("display", "payment_terms", "on_invoice", "listing"):
        p.controls[item].value = "none"
    assert p.result.items.empty and p.result.net_value == 0.0
    assert p.values["cc_floor"] == pytest.approx(
        round(max(0.0, p.result.current.cc_rate - 0.01), 3)
    )
    p.controls["payment_terms"].value = "give"
    nr = p.result.current.nr
    assert p.result.net_value == pytest.approx(-nr * 0.06 * 15 / 365)
    assert p.fig.data[2].x[-1] == pytest.approx(p.result.net_value)
    p.controls["payment_terms"].value = "none"
    p.controls["on_invoice"].value = "give_get"
    assert p.result.package.gs == pytest.approx(ctx.gs * 1.03)
    days = ctx.terms.payment_terms_days
    give = p.result.items.set_index("concession").loc["on_invoice", "give_cost"]
    assert give == pytest.approx(0.01 * ctx.gs * (1 - 0.06 * days / 365))
    p.controls["on_invoice"].value = "give"
    assert p.result.package.gs == pytest.approx(ctx.gs)
    p.controls["display"].value = "give_get"
    p.controls["listing"].value = "give_get"
    assert set(p.result.items["concession"]) == {"on_invoice", "display", "listing"}
    assert p.result.net_value == pytest.approx(p.result.package.cc - p.result.current.cc)


def test_negotiation_limits(world) -> None:
    p = NegotiationSimulator(world=world)
    p.controls["on_invoice"].value = "give"
    p.controls["cc_floor"].value = 0.5
    assert "cc_floor" in p.result.breaches
    assert i18n.t("m3.walk_away") in p.verdict.value
    p.controls["cc_floor"].value = 0.0
    over = km.above(p.result.package.tts_rate, p.result.tts_rate_cap)
    assert ("tts_cap" in p.result.breaches) == over
    p.controls["growth"].value = 0.05
    ctx = terms_context(world, p.values["account"], p.values["fiscal_year"])
    assert p.result.current.gs == pytest.approx(ctx.gs * 1.05)


def test_negotiation_selection_resets_the_floor(world) -> None:
    p = NegotiationSimulator(world=world)
    p.controls["cc_floor"].value = 0.45
    p.controls["account"].value = "ACC011"
    assert p.values["cc_floor"] == pytest.approx(
        round(max(0.0, p.result.current.cc_rate - 0.01), 3)
    )
    p._lang.value = "zh"
    try:
        assert p.controls["display"].options[0][0] == "不让步"
    finally:
        p._lang.value = "en"


def test_every_negotiation_control_changes_the_output(world) -> None:
    p = NegotiationSimulator(world=world)
    seen = set()
    for name, _value, _ms in exercise(p, n=2):
        assert p.message.value == "", (name, p.message.value)
        seen.add(name)
    assert seen == set(p.controls)
