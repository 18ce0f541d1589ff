"""The demo team of the shipped default world, scored by the vectorised code and by a plain
Python transcription of SPEC §5.5 — they must agree on every person × competency."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlab import capability as cap


@pytest.fixture(scope="module")
def world():
    from kamlab.resources import default_world_dir

    if not (default_world_dir() / "public").is_dir():
        pytest.skip("the shipped default world (datasets/default) is not generated yet")
    import kamlab

    return kamlab.load_world()


def _reference_levels(scores: pd.DataFrame, fw: cap.Framework) -> dict[tuple[str, str], object]:
    """SPEC §5.5 steps 1–2, literally (every assessment of the demo team is submitted once)."""
    items = fw.assessment_items.set_index("item_id")
    wmap: dict[str, dict[str, float]] = {}
    for r in fw.item_competency_map.itertuples():
        wmap.setdefault(r.item_id, {})[r.competency_id] = r.weight
    out = {}
    for person, g in scores.groupby("person_id"):
        latest = g.sort_values("attempt").groupby("item_id").tail(1)
        f = dict(zip(latest.item_id, latest.score / latest.max_score, strict=True))
        for c in fw.competency_ids:
            E = {ell: 0.0 for ell in (1, 2, 3, 4)}
            N = {ell: 0.0 for ell in (1, 2, 3, 4)}
            for i, fi in f.items():
                w = wmap[i].get(c, 0.0)
                ell, m = int(items.loc[i, "level"]), float(items.loc[i, "max_points"])
                E[ell] += w * m
                N[ell] += w * m * fi
            M = {ell: (N[ell] / E[ell] if E[ell] > 0 else math.nan) for ell in E}
            ev = [ell for ell in E if E[ell] >= 2 - 1e-9]
            if not ev:
                out[(person, c)] = pd.NA
                continue
            L = 0
            for ell in ev:
                lower_ok = all(M[k] >= 0.5 - 1e-9 for k in ev if k < ell)
                if M[ell] >= 0.7 - 1e-9 and lower_ok:
                    L = max(L, ell)
            out[(person, c)] = L
    return out


def test_vectorised_scoring_matches_a_literal_transcription(world) -> None:
    fw = cap.load_framework()
    scores = cap.demo_scores(world)
    lv = cap.competency_levels(scores, fw)
    ref = _reference_levels(scores, fw)
    got = {(r.person_id, r.competency_id): r.level for r in lv.itertuples()}
    assert set(got) == set(ref)
    diff = [k for k in ref if not (got[k] is pd.NA and ref[k] is pd.NA) and got[k] != ref[k]]
    assert not diff, diff[:5]


def test_demo_team_views(world) -> None:
    roster = cap.roster_from_world(world)
    scores = cap.demo_scores(world)
    lv = cap.competency_levels(scores, roster=roster)
    active = world.kam.loc[world.kam.status == "ACTIVE", "kam_id"].tolist()
    gone = sorted(set(scores.person_id) - set(active))
    assert lv.attrs["excluded_persons"] == gone  # people who left are reported, not shown
    hm = cap.team_heatmap(lv, roster)
    assert sorted(hm.rows.person_id) == sorted(active)
    assert hm.level.shape == (len(active), 10)
    assert (hm.footer.n_at_target + hm.footer.n_below_target == hm.footer.n_assessed).all()
    b = cap.succession_bench(lv, roster, accounts=world.accounts)
    tier_a_owners = set(world.accounts.loc[world.accounts.tier == "A", "kam_id"]) & set(active)
    kads = set(
        world.kam.loc[(world.kam.role_level == "KAD") & (world.kam.status == "ACTIVE"), "kam_id"]
    )
    assert set(b.positions.position_id) == tier_a_owners | kads
    n_ready = (b.positions.n_ready_now > 0).sum()
    assert b.bench_strength == pytest.approx(n_ready / len(b.positions))
