"""M7 models against hand calculations (SPEC §2.19 org metrics, §5.5 capability, §3.11 TALENT_EVENT)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlab
from kamlab import capability as cap
from kamlab import metrics as km
from kamlab.analysis.m7_capability import ALL, capability_context, heatmap_view
from kamlab.analysis.m7_org import (
    account_contributions,
    is_region_consistent,
    org_context,
    org_design,
)
from kamlab.analysis.m7_succession import (
    EXTERNAL,
    execution_kpis,
    oos_at_level,
    positions,
    succession_context,
    succession_whatif,
    successor_options,
)
from kamlab.analysis.scorecard import account_scorecard
from kamlab.sim.people import ROLE_MU


@pytest.fixture(scope="module")
def world() -> kamlab.World:
    return kamlab.load_world()


@pytest.fixture(scope="module")
def octx(world):
    return org_context(world)


# ---------------------------------------------------------------------------------------------
# org designer


def _hand_contribution(acc: pd.DataFrame, a: str) -> float:
    r = acc.set_index("account_id").loc[a]
    return (
        0.5 * r.nr / acc["nr"].mean()
        + 0.2 * r.stores / acc["stores"].mean()
        + 0.3 * r.events / acc["events"].mean()
    )


def test_context_inputs_are_the_documented_ones(world, octx) -> None:
    acc = octx.accounts
    assert octx.fiscal_year == 2024
    assert set(acc["account_id"]) == set(
        world.accounts.loc[world.accounts.account_type == "KA", "account_id"]
    )
    sc = account_scorecard(world, fiscal_year=2024).set_index("account_id")
    r = acc.set_index("account_id").loc["ACC005"]
    assert r.nr == pytest.approx(sc.at["ACC005", "nr"])
    assert r.stores == world.accounts.set_index("account_id").at["ACC005", "store_count"]
    p = world.promotions
    live = p[(p.account_id == "ACC005") & (p.status != "CANCELLED")]
    live = live[(live.start_week >= 52) & (live.start_week <= 103)]
    assert r.events == live["event_group_id"].nunique()
    # owners: ACTIVE KAE/KAM/SKAM only (no director, no RSM, not the person who resigned)
    assert set(octx.owners["role_level"]) <= {"KAE", "KAM", "SKAM"}
    assert "KAM09" not in set(octx.owners["person_id"])
    assert "KAM12" in set(octx.owners["person_id"])


def test_contributions_follow_the_formula_and_sum_to_the_number_of_accounts(octx) -> None:
    acc = octx.accounts
    for a in ("ACC001", "ACC008", "ACC012"):
        assert octx.contributions[a] == pytest.approx(_hand_contribution(acc, a), rel=1e-12)
    assert octx.contributions.sum() == pytest.approx(len(acc))  # Σ(x/mean) = n for each part


def test_todays_organisation(octx) -> None:
    d = org_design(octx)
    bp = d.by_person.set_index("person_id")
    # KAM11 owns ACC011 and ACC012: the sum of both contributions
    c = octx.contributions
    assert bp.at["KAM11", "workload_index"] == pytest.approx(c["ACC011"] + c["ACC012"])
    assert bp.at["KAM12", "workload_index"] == 0.0 and bp.at["KAM12", "n_accounts"] == 0
    # mean over the 11 people who own accounts: Σ c = 12 → 12/11
    assert d.mean == pytest.approx(12 / 11)
    assert d.limit == pytest.approx(1.2 * 12 / 11)
    assert d.max == pytest.approx(bp["workload_index"].max())
    assert d.balanced is (d.max <= 1.2 * d.mean + 1e-9)
    over = [p for p, w in bp["workload_index"].items() if w > 1.2 * 12 / 11 + 1e-9]
    assert bp.loc[bp["over_limit"]].index.tolist() == over
    assert "KAM11" in over  # two regional chains in one hand
    assert d.region_consistent and d.moved == []


def test_moving_an_account_shifts_exactly_its_contribution(octx) -> None:
    d0 = org_design(octx).by_person.set_index("person_id")["workload_index"]
    d1 = org_design(octx, {"ACC012": "KAM06"})
    w1 = d1.by_person.set_index("person_id")["workload_index"]
    c = _hand_contribution(octx.accounts, "ACC012")
    assert w1["KAM11"] == pytest.approx(d0["KAM11"] - c)
    assert w1["KAM06"] == pytest.approx(d0["KAM06"] + c)
    unchanged = [p for p in d0.index if p not in ("KAM11", "KAM06")]
    assert np.allclose(w1[unchanged], d0[unchanged])
    assert d1.mean == pytest.approx(12 / 11)  # still 11 owners
    assert d1.moved == ["ACC012"]
    # ACC012 is a regional R5 chain; KAM06 works R3
    assert d1.inconsistent == ["ACC012"] and not d1.region_consistent


def test_giving_the_unassigned_kae_an_account_changes_the_mean(octx) -> None:
    d = org_design(octx, {"ACC011": "KAM12"})
    assert d.mean == pytest.approx(12 / 12)  # 12 owners now
    bp = d.by_person.set_index("person_id")
    assert bp.at["KAM12", "workload_index"] == pytest.approx(octx.contributions["ACC011"])
    # a regional R5 account with a national KAE without a region: not region-consistent
    assert d.inconsistent == ["ACC011"]


def test_balance_flag_uses_the_1_2_rule(octx) -> None:
    # an assignment that piles everything on one person is unbalanced; check the rule by hand
    d = org_design(octx, {a: "KAM01" for a in octx.accounts["account_id"] if a != "ACC002"})
    w = d.by_person.set_index("person_id")["workload_index"]
    owners = w[w > 0]
    assert d.mean == pytest.approx(owners.mean())
    assert d.balanced is bool(owners.max() <= 1.2 * owners.mean() + 1e-9)
    assert d.balanced is False


def test_region_rule() -> None:
    assert is_region_consistent("NATIONAL", "R1", "NATIONAL_KA", None)
    assert not is_region_consistent("NATIONAL", "R1", "REGIONAL_KA_R1", "R1")
    assert is_region_consistent("REGIONAL", "R4", "REGIONAL_KA_R4", "R4")
    assert is_region_consistent("REGIONAL", "R4", "NATIONAL_KA", "R4")
    assert not is_region_consistent("REGIONAL", "R4", "NATIONAL_KA", None)


def test_span_of_control_is_the_world_structure(world, octx) -> None:
    d = org_design(octx)
    active = world.kam[world.kam.status == "ACTIVE"]
    expected = active["manager_id"].dropna().value_counts()
    got = d.span.set_index("manager_id")["directs"]
    assert got.to_dict() == expected.to_dict()
    assert d.span.set_index("manager_id").at["KAM19", "status"] == (
        "wide" if expected["KAM19"] > 8 else "ok" if expected["KAM19"] >= 5 else "narrow"
    )


def test_bad_assignments_are_readable(octx) -> None:
    with pytest.raises(ValueError, match="not a key account"):
        org_design(octx, {"ACC013": "KAM01"})
    with pytest.raises(ValueError, match="cannot own"):
        org_design(octx, {"ACC001": "KAM18"})  # a director
    with pytest.raises(ValueError, match="cannot own"):
        org_design(octx, {"ACC001": "KAM09"})  # resigned


def test_account_contributions_small_example() -> None:
    a = pd.DataFrame(
        {"account_id": ["A", "B", "C"], "nr": [2.0, 1.0, 3.0], "stores": [1, 1, 1],
         "events": [0, 3, 3]}
    )  # fmt: skip
    c = account_contributions(a)
    assert c["A"] == pytest.approx(0.5 * 2 / 2 + 0.2 + 0.0)
    assert c["C"] == pytest.approx(0.5 * 3 / 2 + 0.2 + 0.3 * 3 / 2)


# ---------------------------------------------------------------------------------------------
# capability heatmap


@pytest.fixture(scope="module")
def cctx(world):
    return capability_context(world)


def test_heatmap_levels_are_kamlab_capability(world, cctx) -> None:
    roster = cap.roster_from_world(world)
    lv = cap.competency_levels(cap.demo_scores(world), roster=roster)
    hm = heatmap_view(cctx)
    expected = cap.wide(lv, "level")
    for pid in ("KAM02", "KAM14"):
        assert hm.level.loc[pid].astype(float).tolist() == expected.loc[pid].astype(float).tolist()
    assert len(hm.rows) == len(roster)


@pytest.mark.parametrize("team", ["NATIONAL_KA", "DISTRIBUTOR_SALES", "REGIONAL_KA_R5"])
def test_team_filter_shows_exactly_that_team(cctx, team) -> None:
    hm = heatmap_view(cctx, team=team)
    r = cctx.roster
    assert sorted(hm.rows["person_id"]) == sorted(r.loc[r.team == team, "person_id"])
    assert sorted(hm.level.index) == sorted(hm.rows["person_id"])


def test_role_and_team_filters_combine(cctx) -> None:
    hm = heatmap_view(cctx, team="NATIONAL_KA", role="SKAM")
    r = cctx.roster
    want = r.loc[(r.team == "NATIONAL_KA") & (r.role_level == "SKAM"), "person_id"]
    assert sorted(hm.rows["person_id"]) == sorted(want)


def test_footer_counts_the_shown_people(cctx) -> None:
    hm = heatmap_view(cctx, role="RSM")
    lv = hm.level.astype("Float64")
    tg = hm.target.astype("Float64")
    for c in ("C1", "C6", "C10"):
        assessed = lv[c].notna()
        at = ((lv[c] >= tg[c]) & assessed).sum()
        row = hm.footer.set_index("competency_id").loc[c]
        assert row.n_at_target == at
        assert row.pct_at_target == pytest.approx(at / assessed.sum())
        assert bool(row.critical_gap) is bool(1 - at / assessed.sum() >= 0.5 - 1e-9)


def test_bad_filters_are_readable(cctx) -> None:
    with pytest.raises(ValueError, match="not in the roster"):
        heatmap_view(cctx, team="MARKETING")
    with pytest.raises(ValueError, match="not in the roster"):
        heatmap_view(cctx, role="CEO")
    assert len(heatmap_view(cctx, ALL, ALL).rows) == len(cctx.roster)


# ---------------------------------------------------------------------------------------------
# succession what-if


@pytest.fixture(scope="module")
def sctx(world):
    return succession_context(world)


def test_oos_and_execution_kpis_are_the_world_rules() -> None:
    assert float(oos_at_level(0.07, 2, 3)) == pytest.approx(0.08)
    assert float(oos_at_level(0.03, 4, 1)) == pytest.approx(0.02)  # clipped at 0.02
    assert float(oos_at_level(0.19, 1, 3)) == pytest.approx(0.20)  # clipped at 0.20
    k = execution_kpis(1, 0.1)
    assert k["availability"] == pytest.approx(0.9)
    assert k["share_of_shelf"] == pytest.approx(0.9)
    assert k["planogram"] == pytest.approx(0.65)
    assert k["display"] == pytest.approx(0.82)


def test_positions_are_critical_positions_with_accounts(world, sctx) -> None:
    pos = positions(sctx)
    acc = world.accounts
    owners_a = set(acc.loc[acc.tier == "A", "kam_id"])  # tier-A owners (directors own none)
    assert set(pos["position_id"]) == owners_a
    opts = successor_options(sctx, "KAM02")
    bench = sctx.capability.bench.candidates
    assert opts["candidate_id"].tolist() == (
        bench.loc[bench.position_id == "KAM02"].sort_values("rank")["candidate_id"].tolist()
    )


def _hand_dip(sctx, position: str, c7_inc: float, c7_succ: float, k: int, h: int = 26) -> float:
    acc = sctx.accounts.set_index("account_id").loc[
        positions(sctx).set_index("position_id").at[position, "accounts"].split("|")
    ]
    total = 0.0
    for _, r in acc.iterrows():
        o_int = min(0.20, max(0.02, r.oos - 0.01 * (max(1, c7_inc - 1) - c7_inc)))
        o_suc = min(0.20, max(0.02, r.oos - 0.01 * (c7_succ - c7_inc)))
        total += r.nr_week * (
            k * (1 - (1 - o_int) / (1 - r.oos)) + (h - k) * (1 - (1 - o_suc) / (1 - r.oos))
        )
    return total


def test_external_hire_dip_and_exposure_by_hand(sctx) -> None:
    r = succession_whatif(sctx, "KAM02", EXTERNAL, interim_weeks=8)
    c7_inc = float(sctx.level_matrix.at["KAM02", "C7"])
    c7_new = float(np.clip(np.round(ROLE_MU["SKAM"]), 1, 4))
    assert r.incumbent_levels["C7"] == c7_inc and r.successor_levels["C7"] == c7_new
    assert r.nr_dip == pytest.approx(_hand_dip(sctx, "KAM02", c7_inc, c7_new, 8), rel=1e-9)
    nr_fy = sctx.accounts.set_index("account_id").at["ACC002", "nr_fy"]
    assert r.vacancy_exposure == pytest.approx(km.vacancy_exposure([nr_fy], ["RESIGNED"], [False]))
    wk = r.weekly
    assert (wk.loc[wk.week < 8, "exposure"] == nr_fy).all()
    assert (wk.loc[wk.week >= 8, "exposure"] == 0).all()
    assert r.nr_at_risk == pytest.approx(8 * nr_fy / 52)
    # interim: the departed owner's C7 minus one; relationships one point lower
    assert (wk.loc[wk.week < 8, "c7"] == max(1, c7_inc - 1)).all()
    rel = sctx.accounts.set_index("account_id").at["ACC002", "relationship"]
    assert wk.loc[0, "relationship"] == pytest.approx(max(1, rel - 1))
    assert wk.loc[8, "relationship"] == pytest.approx(rel)


def test_interim_length_changes_the_dip_by_the_weekly_difference(sctx) -> None:
    r8 = succession_whatif(sctx, "KAM02", "KAM01", interim_weeks=8)
    r4 = succession_whatif(sctx, "KAM02", "KAM01", interim_weeks=4)
    per_week_interim = r8.weekly.loc[0, "nr_loss"]
    per_week_succ = r8.weekly.loc[25, "nr_loss"]
    assert r8.nr_dip - r4.nr_dip == pytest.approx(4 * (per_week_interim - per_week_succ))
    assert r4.vacancy_exposure == r8.vacancy_exposure  # the same NR, for fewer weeks
    assert r4.nr_at_risk == pytest.approx(r8.nr_at_risk / 2)
    r0 = succession_whatif(sctx, "KAM02", "KAM01", interim_weeks=0)
    assert r0.vacancy_exposure == 0.0 and r0.nr_at_risk == 0.0


def test_promotion_counts_like_a_resignation(sctx) -> None:
    a = succession_whatif(sctx, "KAM07", "KAM02", interim_weeks=6, event="RESIGNED")
    b = succession_whatif(sctx, "KAM07", "KAM02", interim_weeks=6, event="PROMOTED")
    assert a.nr_dip == b.nr_dip and a.vacancy_exposure == b.vacancy_exposure
    assert b.event == "PROMOTED"


def test_internal_successor_opens_a_backfill(sctx) -> None:
    r = succession_whatif(sctx, "KAM07", "KAM02")
    assert r.backfill_accounts == ["ACC002"]
    assert r.backfill_nr == pytest.approx(
        sctx.accounts.set_index("account_id").at["ACC002", "nr_fy"]
    )
    c = sctx.capability.bench.candidates
    row = c[(c.position_id == "KAM07") & (c.candidate_id == "KAM02")].iloc[0]
    assert (r.readiness, r.gap_sum, r.fit) == (row.readiness, row.gap_sum, row.fit)


@pytest.fixture(scope="module")
def ready_world(world):
    """The default world with KAM13 scoring full marks everywhere (READY_NOW for KAM20's seat)
    and KAM15 scoring nothing (NOT_READY)."""
    s = cap.demo_scores(world).copy()
    s.loc[s.person_id == "KAM13", "score"] = s.loc[s.person_id == "KAM13", "max_score"]
    s.loc[s.person_id == "KAM15", "score"] = 0.0
    capc = capability_context(world, scores=s)
    return succession_context(world, capability=capc)


def test_ready_now_vs_not_ready_successor_changes_the_dip_as_the_model_says(ready_world) -> None:
    ctx = ready_world
    opts = successor_options(ctx, "KAM20").set_index("candidate_id")
    assert opts.at["KAM13", "readiness"] == "READY_NOW"
    assert opts.at["KAM15", "readiness"] == "NOT_READY"
    good = succession_whatif(ctx, "KAM20", "KAM13", interim_weeks=8)
    poor = succession_whatif(ctx, "KAM20", "KAM15", interim_weeks=8)
    c7_inc = float(ctx.level_matrix.at["KAM20", "C7"])
    c7_good = float(ctx.level_matrix.at["KAM13", "C7"])
    c7_poor = float(ctx.level_matrix.at["KAM15", "C7"])
    assert c7_good > c7_poor == 1.0
    assert good.nr_dip == pytest.approx(_hand_dip(ctx, "KAM20", c7_inc, c7_good, 8), rel=1e-9)
    assert poor.nr_dip == pytest.approx(_hand_dip(ctx, "KAM20", c7_inc, c7_poor, 8), rel=1e-9)
    # from the handover on, each week differs by NR_week × 0.01 × ΔC7 / (1 − oos) (no clipping)
    r = ctx.accounts.set_index("account_id").loc["ACC009"]
    per_week = r.nr_week * 0.01 * (c7_good - c7_poor) / (1 - r.oos)
    assert poor.nr_dip - good.nr_dip == pytest.approx(18 * per_week, rel=1e-9)
    # the interim weeks are the same whoever follows
    assert good.weekly.loc[:7, "nr"].tolist() == poor.weekly.loc[:7, "nr"].tolist()
    assert good.readiness == "READY_NOW" and poor.readiness == "NOT_READY"
    # Perfect Store Score after the handover: the C7-driven KPIs
    d_pss = km.perfect_store_score(execution_kpis(c7_good, float(good.weekly.loc[10, "oos"])))
    d_pss -= km.perfect_store_score(execution_kpis(c7_poor, float(poor.weekly.loc[10, "oos"])))
    assert good.weekly.loc[10, "pss"] - poor.weekly.loc[10, "pss"] == pytest.approx(d_pss)


def test_bad_inputs_are_readable(sctx) -> None:
    with pytest.raises(ValueError, match="not a critical position"):
        succession_whatif(sctx, "KAM12")
    with pytest.raises(ValueError, match="not a bench candidate"):
        succession_whatif(sctx, "KAM02", "KAM02")
    with pytest.raises(ValueError, match="interim_weeks"):
        succession_whatif(sctx, "KAM02", interim_weeks=40)
    with pytest.raises(ValueError, match="event"):
        succession_whatif(sctx, "KAM02", event="FIRED")
