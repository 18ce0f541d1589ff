"""Bench and succession (SPEC §5.5 outputs).

* **Critical positions** follow the framework's ``critical_positions.csv`` rules — shipped:
  owners of tier-A accounts (``ACCOUNT_TIER = A``) and holders of the KAD role. A position is
  its incumbent (one row per person, all matching rules listed in ``reasons``).
* **Candidates** are the ACTIVE people (other than the incumbent) whose role rank on the
  framework's role ladder is the position's rank or one lower ("same or one lower role"; RSM
  shares KAM's rank).
* Against the position's role targets (capped at the item bank's highest evidenced level,
  SPEC §5.5.4): ``gap_c = max(0, target_c − L_c)``, ``gap_sum = Σ_c gap_c``. A competency with
  ``L_c = <NA>`` counts as 0 for the gap (so nobody looks ready on missing evidence) and is
  listed in ``not_assessed`` so a manager is not misled: the person may simply not have taken
  the assessment.
* ``READY_NOW`` if ``gap_sum ≤ 1``; ``READY_1_2Y`` if ``gap_sum ≤ 3`` and no single gap ≥ 2;
  else ``NOT_READY``.
* Ranking per position: ``fit = Σ_c min(L_c, target_c) / Σ_c target_c`` plus 0.1 if the
  candidate is in the incumbent's region or works the same channel (shares a channel among the
  accounts they own); ties by smaller gap_sum, then person_id.
* **Bench strength** ``= positions with ≥ 1 READY_NOW candidate / critical positions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.capability.roster import owned_accounts
from kamlab.capability.scoring import _fw
from kamlab.data.framework import Framework, capped_role_targets
from kamlab.i18n import t

__all__ = [
    "NOT_READY",
    "READY_1_2Y",
    "READY_NOW",
    "Succession",
    "critical_positions",
    "readiness",
    "succession_bench",
]

READY_NOW = "READY_NOW"
READY_1_2Y = "READY_1_2Y"
NOT_READY = "NOT_READY"
SAME_REGION_OR_CHANNEL_BONUS = 0.1


def readiness(gap_sum: float, max_gap: float) -> str:
    """Readiness class from the gap sum and the largest single gap (SPEC §5.5).

    >>> readiness(1, 1), readiness(3, 1), readiness(2, 2), readiness(4, 1)
    ('READY_NOW', 'READY_1_2Y', 'NOT_READY', 'NOT_READY')
    """
    if gap_sum <= 1:
        return READY_NOW
    if gap_sum <= 3 and max_gap < 2:
        return READY_1_2Y
    return NOT_READY


@dataclass(frozen=True, eq=False)
class Succession:
    """Critical positions, ranked candidates and bench strength.

    ``positions``: ``position_id`` (= incumbent person_id), ``name, role_level, region_id,
    reasons, accounts, n_candidates, n_ready_now, n_ready_1_2y``. ``candidates``: one row per
    position × candidate with ``gap_sum, max_gap, readiness, fit, same_region_or_channel, rank,
    not_assessed`` (competencies without a level, counted as 0) and per-competency gaps
    ``gap_C1 …``. ``bench_strength`` is ``None`` when there are no critical positions.
    """

    positions: pd.DataFrame
    candidates: pd.DataFrame
    bench_strength: float | None
    messages: list[str] = field(default_factory=list)

    def ready_now(self, position_id: str) -> list[str]:
        """The READY_NOW candidates of a position, best first."""
        c = self.candidates
        c = c.loc[(c["position_id"] == position_id) & (c["readiness"] == READY_NOW)]
        return c.sort_values("rank")["candidate_id"].astype(str).tolist()


def _accounts_frame(accounts: pd.DataFrame | None) -> pd.DataFrame | None:
    if accounts is None:
        return None
    need = {"account_id", "tier"}
    if not need <= set(accounts.columns):
        raise ValueError("accounts needs columns account_id and tier (the world's accounts table).")
    return accounts


def _ownership(roster: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """person_id, account_id: from the roster's owned_accounts, else accounts.kam_id."""
    own = (
        owned_accounts(roster)
        if "owned_accounts" in roster.columns
        else pd.DataFrame(columns=["person_id", "account_id"])
    )
    if own.empty and accounts is not None and "kam_id" in accounts.columns:
        own = pd.DataFrame(
            {
                "person_id": accounts["kam_id"].astype("string"),
                "account_id": accounts["account_id"].astype("string"),
            }
        ).dropna()
    return own.astype("string")


def critical_positions(
    roster: pd.DataFrame,
    framework: Framework | None = None,
    *,
    accounts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Critical positions by the framework's rules: ``position_id, role_level, reasons, accounts``.

    ``accounts`` (the world's ``accounts`` table: ``account_id, tier``, optionally ``channel``,
    ``kam_id``) is needed for ``ACCOUNT_TIER`` rules; ownership comes from the roster's
    ``owned_accounts`` (else ``accounts.kam_id``).
    """
    fw = _fw(framework)
    acc = _accounts_frame(accounts)
    active = roster.loc[
        roster.get("status", pd.Series("ACTIVE", index=roster.index)).fillna("ACTIVE") == "ACTIVE"
    ]
    own = _ownership(active, acc)
    reasons: dict[str, list[str]] = {}
    accs: dict[str, list[str]] = {}
    for rule in fw.critical_positions.itertuples(index=False):
        if rule.rule_type == "ROLE":
            for pid in active.loc[active["role_level"] == rule.value, "person_id"].astype(str):
                reasons.setdefault(pid, []).append(rule.rule_id)
        elif rule.rule_type == "ACCOUNT_TIER" and acc is not None:
            tier = acc.set_index(acc["account_id"].astype(str))["tier"].astype(str)
            hit = own.loc[own["account_id"].astype(str).map(tier) == str(rule.value)]
            hit = hit.loc[hit["person_id"].isin(active["person_id"])]
            for pid, grp in hit.groupby("person_id", sort=True):
                reasons.setdefault(str(pid), []).append(rule.rule_id)
                accs.setdefault(str(pid), []).extend(grp["account_id"].astype(str))
    info = active.set_index(active["person_id"].astype(str))
    rows = [
        {
            "position_id": pid,
            "name": info.loc[pid, "name"] if "name" in info.columns else pid,
            "role_level": info.loc[pid, "role_level"],
            "region_id": info.loc[pid, "region_id"] if "region_id" in info.columns else pd.NA,
            "reasons": "|".join(dict.fromkeys(rs)),
            "accounts": "|".join(sorted(set(accs.get(pid, [])))),
        }
        for pid, rs in sorted(reasons.items())
    ]
    cols = ["position_id", "name", "role_level", "region_id", "reasons", "accounts"]
    return pd.DataFrame(rows, columns=cols).astype("string")


def succession_bench(
    levels: pd.DataFrame,
    roster: pd.DataFrame,
    framework: Framework | None = None,
    *,
    accounts: pd.DataFrame | None = None,
) -> Succession:
    """Critical positions, candidates with readiness and fit, and bench strength (module doc).

    ``levels`` from :func:`~kamlab.capability.competency_levels` (only ``person_id,
    competency_id, level`` are used); ``roster`` validated; ``accounts`` the world's
    ``accounts`` table (tier, channel) — without it only role rules apply (a message says so).
    """
    fw = _fw(framework)
    messages: list[str] = []
    acc = _accounts_frame(accounts)
    if acc is None and (fw.critical_positions["rule_type"] == "ACCOUNT_TIER").any():
        messages.append(t("capability.msg_no_accounts_for_tier_rule"))
    pos = critical_positions(roster, fw, accounts=acc)
    comps = list(fw.competency_ids)
    rank = fw.role_rank
    status = (
        roster["status"].fillna("ACTIVE")
        if "status" in roster.columns
        else pd.Series("ACTIVE", index=roster.index)
    )
    active = roster.loc[status == "ACTIVE"].copy()
    active["person_id"] = active["person_id"].astype(str)
    active["_rank"] = active["role_level"].map(rank)

    # achieved levels, people × competencies (NA = not assessed)
    lv = levels.loc[levels["person_id"].astype(str).isin(active["person_id"])]
    L = lv.pivot(index="person_id", columns="competency_id", values="level")
    L.index = L.index.astype(str)
    L = L.reindex(index=active["person_id"].tolist(), columns=comps).astype("Float64")
    not_assessed = L.isna()
    Lz = L.fillna(0).to_numpy(float)

    ct = capped_role_targets(fw)
    tgt = ct.pivot(index="role_level", columns="competency_id", values="target_capped").reindex(
        columns=comps
    )

    own = _ownership(active, acc)
    chan: dict[str, set[str]] = {}
    if acc is not None and "channel" in acc.columns and not own.empty:
        ch = dict(zip(acc["account_id"].astype(str), acc["channel"].astype(str), strict=True))
        for pid, a in zip(own["person_id"].astype(str), own["account_id"].astype(str), strict=True):
            if a in ch:
                chan.setdefault(pid, set()).add(ch[a])
    ids = active["person_id"].to_numpy(dtype=object)
    names = (active["name"] if "name" in active.columns else active["person_id"]).to_numpy(
        dtype=object
    )
    cand_roles = active["role_level"].to_numpy(dtype=object)
    ranks = active["_rank"].to_numpy(dtype=float)
    regions = (
        active["region_id"].astype(object).where(active["region_id"].notna(), None).to_numpy()
        if "region_id" in active.columns
        else np.full(len(active), None, dtype=object)
    )
    region_of = dict(zip(ids, regions, strict=True))
    na_all = not_assessed.to_numpy()
    comps_arr = np.array(comps, dtype=object)

    parts: dict[str, list] = {k: [] for k in ("pos", "prole", "cid", "cname", "crole", "gap_sum",
                                               "max_gap", "fit", "bonus", "rank", "na", "gaps")}  # fmt: skip
    for p in pos.itertuples(index=False):
        prank = rank.get(str(p.role_level))
        if prank is None:
            continue
        target = tgt.loc[str(p.role_level)].astype("Float64")
        valid = target.notna().to_numpy()
        tv = target.fillna(0).to_numpy(float)
        idx = np.flatnonzero(((ranks == prank) | (ranks == prank - 1)) & (ids != p.position_id))
        if not len(idx):
            continue
        lz = Lz[idx]
        gaps = np.where(valid, np.maximum(0.0, tv - lz), 0.0)
        gap_sum = gaps.sum(axis=1)
        max_gap = gaps.max(axis=1)
        denom = tv[valid].sum()
        fit = np.minimum(lz, tv)[:, valid].sum(axis=1) / denom if denom > 0 else np.zeros(len(idx))
        p_region = region_of.get(p.position_id)
        p_chan = chan.get(str(p.position_id), set())
        bonus = np.array(
            [
                (p_region is not None and regions[k] == p_region)
                or bool(p_chan & chan.get(ids[k], set()))
                for k in idx
            ],
            dtype=bool,
        )
        fit = fit + SAME_REGION_OR_CHANNEL_BONUS * bonus
        order = np.lexsort((ids[idx].astype(str), gap_sum, -fit))
        ranking = np.empty(len(idx), dtype=np.int64)
        ranking[order] = np.arange(1, len(idx) + 1)
        na = na_all[idx] & valid
        parts["pos"].append(np.full(len(idx), p.position_id, dtype=object))
        parts["prole"].append(np.full(len(idx), p.role_level, dtype=object))
        parts["cid"].append(ids[idx])
        parts["cname"].append(names[idx])
        parts["crole"].append(cand_roles[idx])
        parts["gap_sum"].append(gap_sum)
        parts["max_gap"].append(max_gap)
        parts["fit"].append(fit)
        parts["bonus"].append(bonus)
        parts["rank"].append(ranking)
        parts["na"].append(["|".join(comps_arr[row]) for row in na])
        parts["gaps"].append(gaps)
    if parts["pos"]:
        cat = {k: np.concatenate(v) for k, v in parts.items() if k not in ("na", "gaps")}
        gsum, mgap = cat["gap_sum"], cat["max_gap"]
        cands = pd.DataFrame(
            {
                "position_id": cat["pos"],
                "position_role": cat["prole"],
                "candidate_id": cat["cid"],
                "candidate_name": cat["cname"],
                "candidate_role": cat["crole"],
                "gap_sum": gsum,
                "max_gap": mgap,
                "readiness": np.where(
                    gsum <= 1, READY_NOW, np.where((gsum <= 3) & (mgap < 2), READY_1_2Y, NOT_READY)
                ),
                "fit": cat["fit"],
                "same_region_or_channel": cat["bonus"],
                "rank": cat["rank"],
                "not_assessed": [x for v in parts["na"] for x in v],
            }
        )
        g = np.vstack(parts["gaps"])
        for k, c in enumerate(comps):
            cands[f"gap_{c}"] = g[:, k]
        cands = cands.sort_values(["position_id", "rank"], kind="mergesort").reset_index(drop=True)
        for col in (
            "position_id",
            "position_role",
            "candidate_id",
            "candidate_name",
            "candidate_role",
            "not_assessed",
        ):
            cands[col] = cands[col].astype("string")
    else:
        cands = None
    cand_cols = [
        "position_id", "position_role", "candidate_id", "candidate_name", "candidate_role",
        "gap_sum", "max_gap", "readiness", "fit", "same_region_or_channel", "rank", "not_assessed",
        *[f"gap_{c}" for c in comps],
    ]  # fmt: skip
    if cands is None:
        cands = pd.DataFrame(columns=cand_cols)
    cands = cands[cand_cols]
    cands["readiness"] = pd.Categorical(
        cands["readiness"], categories=[READY_NOW, READY_1_2Y, NOT_READY]
    )
    counts = (
        cands.groupby("position_id", observed=True)["readiness"]
        .value_counts()
        .unstack(fill_value=0)
    )
    counts = counts.reindex(columns=[READY_NOW, READY_1_2Y, NOT_READY], fill_value=0)
    pos = pos.merge(
        pd.DataFrame(
            {
                "n_candidates": cands.groupby("position_id").size(),
                "n_ready_now": counts[READY_NOW],
                "n_ready_1_2y": counts[READY_1_2Y],
            }
        ),
        left_on="position_id",
        right_index=True,
        how="left",
    )
    for c in ("n_candidates", "n_ready_now", "n_ready_1_2y"):
        pos[c] = pos[c].fillna(0).astype("int64")
    if len(pos):
        strength: float | None = float((pos["n_ready_now"] > 0).sum() / len(pos))
    else:
        strength = None
        messages.append(t("capability.msg_no_critical_positions"))
    if cands["not_assessed"].astype(str).ne("").any():
        messages.append(t("capability.msg_not_assessed_counted_zero"))
    return Succession(
        positions=pos.reset_index(drop=True),
        candidates=cands,
        bench_strength=strength,
        messages=messages,
    )
