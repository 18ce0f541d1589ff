"""§2.18 five-indicator scorecard: hand calculation on a hand-sized world, and one account-period
of the shipped default world recomputed with plain pandas from the raw tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab.analysis.scorecard import account_scorecard, indicator_view
from tests.capability.scorecard_world import mini_world


def test_acc001_p01_by_hand() -> None:
    sc = account_scorecard(mini_world(), periods="FY2024-P01").set_index("account_id")
    r = sc.loc["ACC001"]
    gs = 4 * (100 * 60 + 50 * 40)  # 32,000
    tts = 4 * 400 + 1000 + 2000  # on-invoice 5 % + scan-back + display fee
    nr = gs - tts  # 27,400
    gp = nr - 4 * (100 * 36 + 50 * 20)  # 9,000
    # KAM cost: K1 (52,000/yr) split by FY NR share: ACC001 57,800 vs ACC002 22,800, × 4/52
    kam = 52_000 * 4 / 52 * 57_800 / (57_800 + 22_800)
    fin = nr * 0.06 * 60 / 365
    cts = 4 * 300 + 4 * 300 + 4 * 100 + kam + fin
    cc = gp - cts
    assert (r.gs, r.tts, r.nr, r.gp) == (gs, tts, nr, gp)
    assert r.cts_kam == pytest.approx(kam) and r.cts == pytest.approx(cts)
    assert r.cc == pytest.approx(cc)  # 3,061.27
    share = 4 * 10_000 / (4 * 40_000)  # 0.25
    assert r.value_share == pytest.approx(share)
    # PSS: V1 (ACV 300) .35·.9 + .2·min(1,.2/.25) + .15·.7 + .15·1 + .15·.5 = .805;
    # V2 (ACV 100) has no contracted display: (.35·1 + .2·1 + .15·1 + .15·.8)/.85
    v1 = 0.35 * 0.9 + 0.2 * 0.8 + 0.15 * 0.7 + 0.15 * 1 + 0.15 * 0.5
    v2 = (0.35 + 0.2 + 0.15 + 0.15 * 0.8) / 0.85
    pss = (300 * v1 + 100 * v2) / 400
    assert r.pss == pytest.approx(pss)
    # order lines of P01: 280 of 300 cases; line OTIF 2/4; order OTIF 1/2
    assert r.case_fill == pytest.approx(280 / 300)
    assert (r.line_otif, r.otif) == (0.5, 0.5)
    ach = {
        "profit": cc / 3_000,
        "revenue": nr / 28_000,
        "share": share / 0.25,
        "execution": pss / 0.75,
        "fill_rate": (280 / 300) / 0.95,
    }
    w = {"profit": 0.25, "revenue": 0.25, "share": 0.2, "execution": 0.15, "fill_rate": 0.15}
    for k, v in ach.items():
        assert r[f"ach_{k}"] == pytest.approx(v)
    composite = sum(w[k] * min(v, 1.2) for k, v in ach.items())
    assert r.composite == pytest.approx(composite)  # 1.0161
    assert r.rag == "green" and r.rag_revenue == "amber" and r.missing == ""


def test_missing_and_undefined_indicators_are_named_not_invented() -> None:
    sc = account_scorecard(mini_world(), periods="FY2024-P01").set_index("account_id")
    d = sc.loc["ACC003"]  # distributor: no audits, no orders, CC target −500
    assert d.missing == "profit|execution|fill_rate"
    assert np.isnan(d.ach_profit) and np.isnan(d.pss) and np.isnan(d.case_fill)
    # distributor share = our TT value share in its region (R2): 5,000 / 25,000
    assert d.value_share == pytest.approx(0.2)
    # composite renormalised over revenue (0.25) and share (0.2)
    rev = d.nr / 30_000
    assert d.composite == pytest.approx((0.25 * min(rev, 1.2) + 0.2 * 1.0) / 0.45)


def test_ranges_by_period_and_sell_out_basis() -> None:
    w = mini_world()
    fy = account_scorecard(w, fiscal_year=2024, accounts="ACC001").iloc[0]
    rng = account_scorecard(w, periods=("FY2024-P01", "FY2024-P02"), accounts="ACC001").iloc[0]
    assert fy.nr == rng.nr == 27_400 + 30_400
    assert fy.nr_target == 58_000 and fy.n_periods == 2
    assert fy.value_share == pytest.approx((40_000 + 48_000) / 320_000)  # Σ/Σ, not a mean
    bp = account_scorecard(w, fiscal_year=2024, by_period=True, accounts="ACC001")
    assert bp.period_from.tolist() == ["FY2024-P01", "FY2024-P02"]
    assert bp.nr.sum() == fy.nr
    # sell-out: ACC001 sold 80 (not 100) cases of SKU001 a week → GS 4·(80·60 + 50·40) = 27,200
    so = account_scorecard(w, periods="FY2024-P01", basis="sell_out", accounts="ACC001").iloc[0]
    assert so.gs == 27_200
    k = 27_200 / 32_000  # variable spend at the realised rate; the display fee stays
    assert so.tts == pytest.approx(1600 * k + 1000 * k + 2000)
    assert so.cogs == 4 * (80 * 36 + 50 * 20)
    assert so.value_share == 0.25 and so.case_fill == pytest.approx(280 / 300)


def test_indicator_view_and_errors() -> None:
    sc = account_scorecard(mini_world(), periods="FY2024-P01")
    v = indicator_view(sc, "ACC001").set_index("indicator")
    assert v.loc["fill_rate", "alongside_name"] == "line_otif"
    assert v.loc["profit", "alongside"] == 9_000  # GP beside CC
    assert v.loc["execution", "capped"] == pytest.approx(
        min(v.loc["execution", "achievement"], 1.2)
    )
    with pytest.raises(ValueError, match="basis must be"):
        account_scorecard(mini_world(), basis="pos")
    with pytest.raises(ValueError, match="FY2031-P01"):
        account_scorecard(mini_world(), periods="FY2031-P01")
    with pytest.raises(ValueError, match="fiscal_year 2019"):
        account_scorecard(mini_world(), fiscal_year=2019)


@pytest.fixture(scope="module")
def default_world():
    from kamlab.resources import default_world_dir

    if not (default_world_dir() / "public").is_dir():
        pytest.skip("the shipped default world (datasets/default) is not generated yet")
    import kamlab

    return kamlab.load_world()


def test_default_world_one_account_period_by_pandas(default_world) -> None:
    w = default_world
    acc = w.accounts.loc[w.accounts.account_type == "KA"].iloc[0]
    a = acc.account_id
    pk = "FY2024-P03"
    weeks = w.calendar.loc[w.calendar.period_key == pk, "week_id"]
    fy = 2024
    si = w.sell_in[(w.sell_in.account_id == a) & w.sell_in.week_id.isin(weeks)]
    gs = si.gross_sales.sum()
    ts = w.trade_spend[(w.trade_spend.account_id == a) & w.trade_spend.week_id.isin(weeks)]
    nr = gs - ts.amount_rmb.sum()
    cogs = (si.cases_shipped * si.sku_id.map(w.products.set_index("sku_id").cogs_case)).sum()
    maw = w.market_account_week[
        (w.market_account_week.account_id == a) & w.market_account_week.week_id.isin(weeks)
    ]
    share = maw.loc[maw.brand_owner == "OURS", "value_incl_vat"].sum() / maw.value_incl_vat.sum()
    ol = w.order_lines[(w.order_lines.account_id == a) & w.order_lines.week_id.isin(weeks)]
    case_fill = ol.cases_shipped.sum() / ol.cases_ordered.sum()
    tp = w.targets_period.set_index(["account_id", "period_key"]).loc[(a, pk)]
    ta = w.targets_annual.set_index(["account_id", "fiscal_year"]).loc[(a, fy)]
    kpi = w.trade_terms.set_index(["account_id", "fiscal_year"]).loc[(a, fy), "case_fill_kpi"]

    # CTS: cts_drivers + owner's KAM cost by FY NR share × weeks/52 + financing
    cd = w.cts_drivers[(w.cts_drivers.account_id == a) & w.cts_drivers.week_id.isin(weeks)]
    fy_weeks = w.calendar.loc[w.calendar.fiscal_year == fy, "week_id"]
    owner = acc.kam_id
    owned = w.accounts.loc[w.accounts.kam_id == owner, "account_id"]

    def fy_nr(acc_id: str) -> float:
        g = w.sell_in[(w.sell_in.account_id == acc_id) & w.sell_in.week_id.isin(fy_weeks)]
        t = w.trade_spend[
            (w.trade_spend.account_id == acc_id) & w.trade_spend.week_id.isin(fy_weeks)
        ]
        return g.gross_sales.sum() - t.amount_rmb.sum()

    nr_share = fy_nr(a) / sum(fy_nr(x) for x in owned)
    cost = w.kam.set_index("kam_id").loc[owner, "cost_rmb_year"]
    kam_cost = cost * len(weeks) / 52 * nr_share
    days = w.trade_terms.set_index(["account_id", "fiscal_year"]).loc[(a, fy), "payment_terms_days"]
    cts = (
        cd.freight_rmb.sum()
        + cd.order_handling_rmb.sum()
        + cd.merchandiser_cost_rmb.sum()
        + kam_cost
        + nr * 0.06 * days / 365
    )
    cc = nr - cogs - cts
    # PSS: per visit KPIs, a KPI with a zero denominator left out (weights renormalised),
    # store-ACV-weighted mean
    av = w.audit_visits[(w.audit_visits.account_id == a) & w.audit_visits.week_id.isin(weeks)]
    acv = av.store_id.map(w.stores.set_index("store_id").acv_rmb_k)

    def ratio(n: str, d: str) -> pd.Series:
        return (av[n] / av[d].where(av[d] > 0)).clip(upper=1.0)

    kpis = pd.DataFrame(
        {
            "availability": 1 - ratio("oos_n", "listed_n"),
            "share_of_shelf": (ratio("facings_ours", "facings_category") / share).clip(upper=1.0),
            "planogram": ratio("pog_compliant", "pog_checkpoints"),
            "price": ratio("price_compliant_n", "price_checks_n"),
            "display": ratio("displays_found_n", "contracted_displays_n"),
        }
    )
    wts = pd.Series(
        {
            "availability": 0.35,
            "share_of_shelf": 0.2,
            "planogram": 0.15,
            "price": 0.15,
            "display": 0.15,
        }
    )
    have = kpis.notna()
    pss_visit = (kpis.fillna(0) * wts).sum(axis=1) / (have * wts).sum(axis=1)
    pss = (pss_visit * acv).sum() / acv.sum()

    r = account_scorecard(w, periods=pk, accounts=a).iloc[0]
    assert r.gs == pytest.approx(gs)
    assert r.nr == pytest.approx(nr)
    assert r.gp == pytest.approx(nr - cogs)
    assert r.cts == pytest.approx(cts)
    assert r.cc == pytest.approx(cc)
    assert r.value_share == pytest.approx(share)
    assert r.pss == pytest.approx(pss)
    assert r.case_fill == pytest.approx(case_fill)
    assert r.ach_profit == pytest.approx(cc / tp.cc_target)
    assert r.ach_revenue == pytest.approx(nr / tp.nr_target)
    assert r.ach_share == pytest.approx(share / ta.value_share_target)
    assert r.ach_execution == pytest.approx(pss / ta.perfect_store_target)
    assert r.ach_fill_rate == pytest.approx(case_fill / kpi)
    ach = [
        cc / tp.cc_target,
        nr / tp.nr_target,
        share / ta.value_share_target,
        pss / ta.perfect_store_target,
        case_fill / kpi,
    ]
    composite = sum(
        wk * min(x, 1.2) for wk, x in zip([0.25, 0.25, 0.2, 0.15, 0.15], ach, strict=True)
    )
    assert r.composite == pytest.approx(composite)
    assert r.rag == ("green" if composite >= 1 else "amber" if composite >= 0.95 else "red")
