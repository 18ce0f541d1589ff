"""Scenario knobs: every knob writes labels, acts where it should, and 'none' is clean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import metrics as km
from kamlab.data.world import World
from kamlab.sim import ScenarioSpec, SimConfig, simulate
from kamlab.sim.calibration import _account_week
from kamlab.sim.scenarios import default_specs


def test_clean_worlds_have_no_labels(small_clean: World, default_clean: World) -> None:
    assert small_clean.truth_scenario_labels.empty
    assert default_clean.truth_scenario_labels.empty
    assert default_clean.truth_diversion.empty


def test_default_set_labels_every_knob(default_world: World) -> None:
    lab = default_world.truth_scenario_labels
    kinds = {s.kind for s in default_specs()}
    assert kinds <= set(lab.scenario.astype(str))
    # per-period labels for stuffing and month-end push
    for kind in ("STUFFING", "MONTH_END_PUSH"):
        rows = lab[lab.scenario == kind]
        assert rows.period_key.notna().all(), kind
        assert not rows.duplicated(["entity_type", "entity_id", "period_key"]).any()
    # capstone: one summary row and its components, all tagged
    cap = lab[lab.tag == "CAPSTONE"]
    assert set(cap.scenario.astype(str)) == {
        "CAPSTONE",
        "STUFFING",
        "PROMO_OVERSPEND",
        "COMPETITOR_PUSH",
        "SERVICE_DEPRIORITISED",
    }
    acc = cap[cap.scenario == "CAPSTONE"].entity_id.iloc[0]
    a = default_world.accounts.set_index("account_id").loc[acc]
    assert a.channel == "HYPER" and a.tier == "A"


def test_the_remaining_knobs_label_too() -> None:
    specs = [
        ScenarioSpec(k, {})
        for k in ("PRICE_NONCOMPLIANCE", "COMPETITOR_PUSH", "SERVICE_DEPRIORITISED")
    ]
    w = simulate(SimConfig.preset("small", seed=23, scenarios=specs))
    assert set(w.truth_scenario_labels.scenario.astype(str)) == {s.kind for s in specs}
    lab = w.truth_scenario_labels.set_index("scenario")
    acc = lab.loc["PRICE_NONCOMPLIANCE", "entity_id"]
    lo, hi = lab.loc["PRICE_NONCOMPLIANCE", ["start_week", "end_week"]]
    av = w.audit_visits
    v_in = av[(av.account_id == acc) & av.week_id.between(lo, hi)]
    v_out = av[(av.account_id == acc) & ~av.week_id.between(lo, hi)]
    if len(v_in):  # audits inside the 12%-below window fail the ±5% price check
        assert km.price_compliance(v_in.price_compliant_n, v_in.price_checks_n) < 0.2
    assert km.price_compliance(v_out.price_compliant_n, v_out.price_checks_n) > 0.9


def test_knobs_act_where_they_should(default_world: World, default_clean: World) -> None:
    w, lab = default_world, default_world.truth_scenario_labels
    aw = _account_week(w)
    # stuffing: stock far above the policy for weeks
    for e in lab[(lab.scenario == "STUFFING") & (lab.tag.isna())].entity_id.unique():
        g = aw[aw.account_id == e]
        assert km.longest_run(g.woc.to_numpy() > g.target_woc.iloc[0] + 4) >= 4, e
    # month-end push: last-week share ≈ push share
    pu = lab[(lab.scenario == "MONTH_END_PUSH") & (lab.entity_type != "KAM")]
    for e in pu.entity_id.unique():
        x = aw[(aw.account_id == e) & aw.period_key.isin(pu.period_key)]
        ev = km.evenness_frame(x, "period_key", value="sell_in", week="week_id", empty="drop")
        assert abs(ev.lws.median() - 0.65) < 0.08, e
    # diversion: the distributor's reported sales exceed in-region offtake by ≈ f
    d = lab[lab.scenario == "DIVERSION"].entity_id.iloc[0]
    assert w.truth_diversion.diverted_cases.sum() > 0
    assert set(w.truth_diversion.account_id.astype(str)) == {d}
    # capstone service: line OTIF 8–12 points under the 0.90 KPI
    svc = lab[(lab.scenario == "SERVICE_DEPRIORITISED")]
    assert 0.90 - 0.13 <= svc.severity.iloc[0] <= 0.90 - 0.07
    # talent event: a successor with successor_of
    kam = w.kam
    assert (kam.status == "RESIGNED").sum() == 1 and kam.successor_of.notna().sum() == 1
    # the knobs leave other accounts' promotions unchanged (per-account streams)
    touched = set(lab.entity_id.astype(str)) | set(
        "|".join(lab.related_ids.dropna().astype(str)).split("|")
    )
    p1, p0 = w.promotions, default_clean.promotions
    cols = ["account_id", "sku_id", "start_week", "end_week", "mechanic", "depth_pct"]
    for acc in sorted(set(p0.account_id.astype(str)) - touched):
        a = p1[p1.account_id == acc][cols].reset_index(drop=True)
        b = p0[p0.account_id == acc][cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=acc)


def test_bad_scenario_specs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="not a scenario"):
        ScenarioSpec("STUFFIN", {})
    with pytest.raises(ValueError, match="scenarios must be"):
        SimConfig.preset("small", scenarios="some")
    with pytest.raises(ValueError, match="unknown account"):
        simulate(
            SimConfig.preset(
                "small", scenarios=[ScenarioSpec("STUFFING", {"accounts": ["ACC999"]})]
            )
        )
    with pytest.raises(ValueError, match="preset must be"):
        SimConfig.preset("huge")
    assert np.isfinite(1.0)


def _region_channel_tvd(w: World, region: str, last_week: int, window: int = 26) -> float:
    """TVD of a region's channel mix (volume_eq sold, trailing ``window`` weeks) vs its plan."""
    acc = w.accounts.set_index("account_id")
    prod = w.products.set_index("sku_id")
    so = w.sell_out[w.sell_out.week_id.between(last_week - window + 1, last_week)]
    so = so[so.account_id.map(acc.hq_region_id).astype(str).to_numpy() == region]
    vol = (
        (so.cases_sold * so.sku_id.map(prod.volume_eq_per_case).astype(float))
        .groupby(so.account_id.map(acc.channel).astype(str).to_numpy())
        .sum()
    )
    fy = int(w.calendar.set_index("week_id").fiscal_year[last_week])
    pl = w.mix_plan
    pl = pl[(pl.scope_type == "REGION") & (pl.dimension == "CHANNEL") & (pl.scope_id == region)
            & (pl.fiscal_year == fy)]  # fmt: skip
    return km.mix_deviation(vol.to_dict(), dict(zip(pl.member.astype(str), pl.planned_share,
                                                    strict=True)))  # fmt: skip


def test_the_channel_drift_is_visible_and_away_from_diversion(
    default_world: World, default_clean: World
) -> None:
    lab = default_world.truth_scenario_labels
    region = str(lab.loc[lab.scenario == "CHANNEL_MIX_DRIFT", "entity_id"].iloc[0])
    div = lab[lab.scenario == "DIVERSION"]
    src = default_world.accounts.set_index("account_id").hq_region_id.astype(str)
    touched = {src[str(d)] for d in div.entity_id} | set(div.related_ids.astype(str))
    assert region not in touched
    T = len(default_world.calendar)
    assert _region_channel_tvd(default_world, region, T - 1) > 0.05  # the default flag fires
    # the same region of the clean world, and every region there, sits on its plan
    for r in default_clean.regions.region_id.astype(str):
        assert _region_channel_tvd(default_clean, r, T - 1) < 0.05, r


def test_sku_level_overstock_after_promotions_stays_out_of_account_level_detection(
    default_clean: World,
) -> None:
    """Retailers order for the optimistic planned lift, so after a big promotion a promoted SKU
    can sit above target + 4 weeks of cover for several weeks (DATACARD: realistic); at the
    level the curriculum measures — account × fiscal period — a clean world stays quiet."""
    from kamlab.sim.calibration import score_detection

    inv = default_clean.customer_inventory
    acc = default_clean.accounts.set_index("account_id")
    sku_flagged = 0
    for (a, _s), g in inv.groupby(["account_id", "sku_id"], observed=True):
        woc = np.nan_to_num(
            np.asarray(km.weeks_of_cover(g.closing_cases.to_numpy(), g.sell_out_cases.to_numpy()),
                       dtype=float), posinf=99.0)  # fmt: skip
        tgt = np.full(len(woc), float(acc.target_woc[a]))
        sku_flagged += bool(np.asarray(km.stuffing_flags(woc, tgt)).any())
    assert sku_flagged > 0  # it happens at SKU level …
    det = score_detection(default_clean)
    assert det["stuffing"]["flag_rate"] <= 0.02  # … not at account × period
