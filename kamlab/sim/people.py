"""Stage 4 — people: the sales organisation, account ownership, latent competencies (SPEC §3.10).

Latent level per person × competency: ``clip(round(N(μ_role, 0.8)), 1, 4)`` with μ KAE 1.6,
KAM 2.3, SKAM 3.0, KAD 3.3, RSM 2.3. The levels drive behaviour elsewhere: C3 → terms
generosity, C5 → promotion depth, C6 → forecast noise and on-time delivery, C7 → OOS,
planogram and display compliance (:func:`account_levels` gives each account's owner's level
per week, so a vacancy shows up as a dip).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.master import Master

__all__ = ["ROLE_MU", "People", "account_levels", "build_contacts", "build_people"]

ROLE_MU = {"KAE": 1.6, "KAM": 2.3, "SKAM": 3.0, "KAD": 3.3, "RSM": 2.3}
_COST = {"KAE": 250_000.0, "KAM": 400_000.0, "SKAM": 550_000.0, "KAD": 900_000.0, "RSM": 380_000.0}
_SURNAMES = ["Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu",
             "Sun", "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo"]  # fmt: skip
_GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Tao", "Ling", "Qiang",
          "Xin", "Bo", "Yu", "Hao", "Ting", "Jie", "Na", "Peng", "Mei", "Chao", "Li"]  # fmt: skip


@dataclass
class People:
    """The organisation: the ``kam`` table, owners, and latent levels (P × 10)."""

    kam: pd.DataFrame
    levels: np.ndarray  # (P, 10) int
    owner: np.ndarray  # (A,) person index owning each account
    person_ids: list[str]
    roles: list[str]
    # successor bookkeeping (TALENT_EVENT): account-week owner index, filled by apply_talent
    owner_week: np.ndarray | None = None  # (A, T_ext)
    interim: np.ndarray | None = None  # (A, T_ext) bool: owner's seat vacant
    extra: dict[str, object] = field(default_factory=dict)


def _name(rng: np.random.Generator, used: set[str]) -> str:
    for _ in range(200):
        n = f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"
        if n not in used:
            used.add(n)
            return n
    n = f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)} {len(used)}"
    used.add(n)
    return n


def build_people(cfg: SimConfig, master: Master) -> People:
    """Stage 4: people, ownership and latent levels (stream PEOPLE)."""
    rng = stage_rng(cfg.seed, "PEOPLE")
    acc = master.accounts
    A = len(acc)
    ka = acc.index[acc.account_type == "KA"].tolist()
    dist = acc.index[acc.account_type == "DISTRIBUTOR"].tolist()
    # KA account groups: tier-C regional accounts of one region share an owner
    groups: list[list[int]] = []
    c_by_region: dict[str, list[int]] = {}
    for i in ka:
        if acc.at[i, "tier"] == "C" and acc.at[i, "scope"] == "REGIONAL":
            c_by_region.setdefault(acc.at[i, "hq_region_id"], []).append(i)
        else:
            groups.append([i])
    groups += list(c_by_region.values())
    groups.sort(key=lambda g: g[0])
    n_staff = cfg.n_ka_staff
    staff_accounts: list[list[int]] = [[] for _ in range(n_staff)]
    for k, g in enumerate(groups):
        staff_accounts[k % n_staff] += g
    # distributor groups: one RSM per region, or per distributor when there are enough
    rsm_accounts: list[list[int]] = [[] for _ in range(cfg.n_rsm)]
    if cfg.n_rsm >= len(dist):
        for k, i in enumerate(dist):
            rsm_accounts[k].append(i)
    else:
        regions = sorted({acc.at[i, "hq_region_id"] for i in dist}, key=lambda r: int(r[1:]))
        for k, r in enumerate(regions):
            rsm_accounts[k % cfg.n_rsm] += [i for i in dist if acc.at[i, "hq_region_id"] == r]
    rows = []
    used: set[str] = set()
    owner = np.full(A, -1, dtype=np.int64)
    u_role = rng.random(n_staff)
    for k, accs in enumerate(staff_accounts):
        if accs:
            tiers = {acc.at[i, "tier"] for i in accs}
            if "A" in tiers:
                role = "SKAM" if u_role[k] < 0.5 else "KAM"
            elif "B" in tiers:
                role = "KAM"
            else:
                role = "KAM" if u_role[k] < 0.5 else "KAE"
            first = accs[0]
            scope = acc.at[first, "scope"]
            region = acc.at[first, "hq_region_id"]
            team = "NATIONAL_KA" if scope == "NATIONAL" else f"REGIONAL_KA_{region}"
        else:
            role, team, region = "KAE", "NATIONAL_KA", None
        rows.append({"role_level": role, "team": team, "region_id": region, "_acc": accs})
    for accs in rsm_accounts:
        region = acc.at[accs[0], "hq_region_id"] if accs else None
        rows.append({"role_level": "RSM", "team": "DISTRIBUTOR_SALES", "region_id": region,
                     "_acc": accs})  # fmt: skip
    for k in range(cfg.n_kad):
        rows.append({"role_level": "KAD", "team": "NATIONAL_KA", "region_id": f"R{k % cfg.n_regions + 1}",
                     "_acc": []})  # fmt: skip
    P = len(rows)
    width = 2 if P < 100 else 3
    ids = [f"KAM{i + 1:0{width}d}" for i in range(P)]
    kad_ids = ids[P - cfg.n_kad :]
    teams_sorted = sorted({r["team"] for r in rows[: P - cfg.n_kad]})
    for i, r in enumerate(rows):
        r["kam_id"] = ids[i]
        r["name"] = _name(rng, used)
        if r["role_level"] == "KAD":
            r["manager_id"] = None
        else:
            r["manager_id"] = kad_ids[teams_sorted.index(r["team"]) % cfg.n_kad]
        for a in r["_acc"]:
            owner[a] = i
    hire = -rng.integers(10, 500, size=P)
    cost = rng.uniform(0.9, 1.1, size=P)
    kam = pd.DataFrame(rows).drop(columns=["_acc"])
    kam["hire_week"] = hire
    kam["status"] = "ACTIVE"
    kam["status_week"] = pd.array([pd.NA] * P, dtype="Int16")
    kam["successor_of"] = None
    kam["cost_rmb_year"] = np.round(
        [_COST[r] * c for r, c in zip(kam.role_level, cost, strict=True)], 0
    )
    mu = np.array([ROLE_MU[r] for r in kam.role_level])
    levels = np.clip(np.round(rng.normal(mu[:, None], 0.8, size=(P, 10))), 1, 4).astype(np.int64)
    return People(
        kam=kam, levels=levels, owner=owner, person_ids=ids, roles=kam.role_level.tolist()
    )


def apply_talent(cfg: SimConfig, people: People, talent: dict | None, n_weeks_ext: int) -> None:
    """TALENT_EVENT (SPEC §3.11): a person resigns at ``week``; a successor starts at ``successor_week``.

    Adds the successor row to ``kam`` (and a row of latent levels), fills ``owner_week`` and
    ``interim`` (the vacancy weeks, during which the account's C7 counts one level lower).
    """
    A = len(people.owner)
    people.owner_week = np.repeat(people.owner[:, None], n_weeks_ext, axis=1)
    people.interim = np.zeros((A, n_weeks_ext), dtype=bool)
    if not talent:
        return
    p = int(talent["person"])
    wk, succ_wk = int(talent["week"]), int(talent["successor_week"])
    rng = stage_rng(cfg.seed, "PEOPLE", 1)
    kam = people.kam
    P = len(kam)
    width = 2 if P + 1 < 100 else 3
    new_id = f"KAM{P + 1:0{width}d}"
    old = kam.iloc[p]
    kam.loc[p, "status"] = "RESIGNED"
    kam.loc[p, "status_week"] = wk
    row = {
        "kam_id": new_id,
        "name": f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}",
        "role_level": old.role_level,
        "team": old.team,
        "region_id": old.region_id,
        "manager_id": old.manager_id,
        "hire_week": succ_wk,
        "status": "ACTIVE",
        "status_week": pd.NA,
        "successor_of": old.kam_id,
        "cost_rmb_year": float(old.cost_rmb_year),
    }
    people.kam = pd.concat([kam, pd.DataFrame([row])], ignore_index=True)
    people.kam["status_week"] = people.kam["status_week"].astype("Int16")
    mu = ROLE_MU[str(old.role_level)]
    lv = np.clip(np.round(rng.normal(mu, 0.8, size=10)), 1, 4).astype(np.int64)
    people.levels = np.vstack([people.levels, lv])
    people.person_ids.append(new_id)
    people.roles.append(str(old.role_level))
    mine = people.owner == p
    people.owner_week[mine, succ_wk:] = P
    people.interim[mine, wk:succ_wk] = True
    people.owner[mine] = P  # the current owner is the successor
    people.extra["talent"] = {"resigned": old.kam_id, "successor": new_id, "week": wk,
                              "successor_week": succ_wk}  # fmt: skip


def account_levels(people: People, competency: int) -> np.ndarray:
    """(A, T_ext) latent level of each account's owner in competency ``competency`` (1–10).

    During a vacancy (``interim``) the departed owner's level minus one applies (SPEC §3.11
    TALENT_EVENT: C7 −1 for the interim weeks), floored at 1.
    """
    assert people.owner_week is not None and people.interim is not None
    lv = people.levels[:, competency - 1][people.owner_week]
    return np.where(people.interim, np.maximum(1, lv - 1), lv)


def build_contacts(cfg: SimConfig, master: Master, people: People, n_weeks: int) -> pd.DataFrame:
    """customer_contacts: ~8 stakeholders per KA account (stream CONTACTS)."""
    rng = stage_rng(cfg.seed, "CONTACTS")
    acc = master.accounts
    base_fn = ["BUYER", "CATEGORY_MGR", "SUPPLY_CHAIN", "STORE_OPS", "FINANCE", "EXECUTIVE"]
    roles = {
        "BUYER": ["LISTING", "PROMO", "TERMS"],
        "CATEGORY_MGR": ["LISTING", "PROMO"],
        "SUPPLY_CHAIN": ["SUPPLY"],
        "STORE_OPS": ["PROMO"],
        "FINANCE": ["TERMS"],
        "EXECUTIVE": ["LISTING", "PROMO", "TERMS", "SUPPLY"],
        "ECOMM_OPS": ["PROMO", "LISTING"],
    }
    influence_mu = {"BUYER": 4.3, "CATEGORY_MGR": 3.8, "SUPPLY_CHAIN": 2.8, "STORE_OPS": 2.2,
                    "FINANCE": 3.0, "EXECUTIVE": 4.8, "ECOMM_OPS": 3.5}  # fmt: skip
    rows = []
    talent = people.extra.get("talent")
    for a, row in acc.iterrows():
        if row.account_type != "KA":
            continue
        fns = list(base_fn)
        if row.channel == "EC":
            fns[fns.index("STORE_OPS")] = "ECOMM_OPS"
        extra = rng.choice(["BUYER", "CATEGORY_MGR", "SUPPLY_CHAIN", "STORE_OPS"], size=2)
        fns += [
            ("ECOMM_OPS" if (f == "STORE_OPS" and row.channel == "EC") else str(f)) for f in extra
        ]
        c9 = people.levels[people.owner[a], 8]
        for fn in fns:
            infl = int(np.clip(round(rng.normal(influence_mu[fn], 0.6)), 1, 5))
            rel = int(np.clip(round(rng.normal(1.4 + 0.55 * c9, 0.9)), 1, 5))
            if talent and acc.at[a, "kam_id"] == talent["successor"]:
                rel = max(1, rel - 1)  # relationships reset when the owner changed
            meetings = int(rng.poisson(0.8 * rel * infl / 2 + 0.5))
            last = int(n_weeks - 1 - min(n_weeks - 1, rng.geometric(0.15)))
            r = roles[fn]
            k = int(rng.integers(1, len(r) + 1))
            chosen = sorted(rng.choice(r, size=k, replace=False).tolist(),
                            key=["LISTING", "PROMO", "TERMS", "SUPPLY"].index)  # fmt: skip
            rows.append(
                {
                    "account_id": row.account_id,
                    "function": fn,
                    "influence": infl,
                    "relationship_score": rel,
                    "meetings_12m": meetings,
                    "last_meeting_week": last,
                    "decision_roles": "|".join(chosen),
                }
            )
    df = pd.DataFrame(rows)
    df.insert(0, "contact_id", [f"CT{i + 1:04d}" for i in range(len(df))])
    return df
