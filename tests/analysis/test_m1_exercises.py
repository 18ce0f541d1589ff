"""M1 self-checks accept the right answer (computed by hand from the tables), reject others."""

from __future__ import annotations

import pytest

import kamlab
from kamlab.learn import check, hint
from kamlab.learn.checks import all_exercises


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


def _fy(world: kamlab.World, table: str, account: str, fy: int) -> object:
    cal = world.calendar
    weeks = set(cal.loc[cal["fiscal_year"] == fy, "week_id"])
    df = world[table]
    return df.loc[(df["account_id"] == account) & df["week_id"].isin(weeks)]


def _gs_tts(world: kamlab.World, account: str, fy: int) -> tuple[float, float, float, float]:
    si = _fy(world, "sell_in", account, fy)
    ts = _fy(world, "trade_spend", account, fy)
    cogs = (
        si["cases_shipped"] * si["sku_id"].map(world.products.set_index("sku_id")["cogs_case"])
    ).sum()
    return (
        float(si["gross_sales"].sum()),
        float(ts["amount_rmb"].sum()),
        float(cogs),
        float(si["cases_shipped"].sum()),
    )


def test_m1_exercises_are_registered() -> None:
    ids = {e.exercise_id for e in all_exercises() if e.module == "M1"}
    assert ids == {f"M1-E{i}" for i in range(1, 9)}
    for i in range(1, 9):
        assert hint(f"M1-E{i}")  # every exercise has at least one hint


def test_empty_answers_say_not_yet(world: kamlab.World) -> None:
    for i in range(1, 9):
        r = check(f"M1-E{i}", None, world=world)
        assert not r.passed and "None" in r.message and r.hint


def test_e1_tts_rate(world: kamlab.World) -> None:
    gs, tts, _, _ = _gs_tts(world, "ACC005", 2023)
    assert check("M1-E1", tts / gs, world=world)
    assert check("M1-E1", tts / gs + 0.0004, world=world)
    assert not check("M1-E1", tts / gs + 0.002, world=world)
    pct = check("M1-E1", tts / gs * 100, world=world)
    assert not pct and "fraction" in pct.message


def test_e2_gp_rate(world: kamlab.World) -> None:
    gs, tts, cogs, _ = _gs_tts(world, "ACC007", 2023)
    nr = gs - tts
    assert check("M1-E2", (nr - cogs) / nr, world=world)
    assert not check("M1-E2", (nr - cogs) / gs, world=world)  # GP over GS is the classic slip


def test_e3_largest_step(world: kamlab.World) -> None:
    ts = _fy(world, "trade_spend", "ACC005", 2024)
    by_type = ts.groupby(ts["spend_type"].astype(str))["amount_rmb"].sum()
    steps = {
        "off_invoice_discount": by_type.get("OFF_INVOICE", 0.0),
        "promotions": by_type.get("PROMO_SCAN_BACK", 0.0) + by_type.get("PROMO_LUMP_SUM", 0.0),
        "display_fees": by_type.get("DISPLAY_FEE", 0.0),
        "unconditional_rebate": by_type.get("UNCONDITIONAL_REBATE", 0.0),
        "conditional_rebates": by_type.get("GROWTH_REBATE", 0.0)
        + by_type.get("TARGET_REBATE", 0.0),
    }
    largest = max(steps, key=steps.get)
    assert check("M1-E3", largest, world=world)
    assert check("M1-E3", largest.replace("_", " ").upper(), world=world)
    wrong = next(s for s in steps if s != largest)
    assert not check("M1-E3", wrong, world=world)
    assert "one of" in check("M1-E3", "bananas", world=world).message


def test_e4_pocket_price(world: kamlab.World) -> None:
    gs, tts, _, cases = _gs_tts(world, "ACC012", 2023)
    assert check("M1-E4", (gs - tts) / cases, world=world)
    assert not check("M1-E4", gs / cases, world=world)


def test_e5_cc_change(world: kamlab.World) -> None:
    gs, _, _, _ = _gs_tts(world, "ACC005", 2023)
    days = float(
        world.trade_terms.set_index(["account_id", "fiscal_year"]).loc[
            ("ACC005", 2023), "payment_terms_days"
        ]
    )
    expected = -0.01 * gs * (1 - 0.06 * days / 365)
    assert check("M1-E5", expected, world=world)
    assert not check("M1-E5", -0.01 * gs * 1.2, world=world)
    assert "sign" in check("M1-E5", -expected, world=world).message


def test_e6_composite() -> None:
    expected = 0.25 * 1.2 + 0.25 * 0.97 + 0.20 * 0.90 + 0.15 * 1.05 + 0.15 * 0.99
    assert check("M1-E6", expected, world=None)
    uncapped = 0.25 * 1.3 + 0.25 * 0.97 + 0.20 * 0.90 + 0.15 * 1.05 + 0.15 * 0.99
    assert not check("M1-E6", uncapped, world=None)


def test_e7_red_indicators(world: kamlab.World) -> None:
    from kamlab.analysis.m1_scorecard import scorecard_view

    v = scorecard_view(world, "ACC006", 1, 6)
    iv = v.indicators
    red = [
        k
        for k, a in zip(iv["indicator"], iv["actual"] / iv["target"], strict=True)
        if a < 0.95 - 1e-9
    ]
    assert check("M1-E7", red, world=world)
    assert check("M1-E7", tuple(reversed(red)), world=world)
    others = [k for k in iv["indicator"] if k not in red]
    wrong = [*red, others[0]] if others else red[1:]
    assert not check("M1-E7", wrong, world=world)
    assert "list" in check("M1-E7", "profit", world=world).message


def test_e8_contra_revenue(world: kamlab.World) -> None:
    assert check("M1-E8", True, world=world)
    assert not check("M1-E8", False, world=world)
    assert "True or False" in check("M1-E8", "yes", world=world).message
