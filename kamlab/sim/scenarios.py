"""Scenario knobs (SPEC §3.11–3.12): defaults, entity selection, and the parameters they set.

A knob never patches outputs: :func:`resolve` turns the config's :class:`ScenarioSpec` list into
a :class:`Knobs` object of stage parameters — promotion-calendar changes, demand multipliers,
order-policy extras, supply capacity, allocation priority, forecast bias, a resignation — which
the stages read *before* they run. Entity selection is seed-driven (stream SCENARIO, one
sub-stream per knob) from eligible pools and recorded in ``truth_scenario_labels`` by
:mod:`kamlab.sim.labels`.

Default parameters per knob (override any of them in ``ScenarioSpec.params``):

==================== ===========================================================================
STUFFING             ``accounts`` (ids; default 2 KA tier A/B + 1 distributor), ``load_weeks``
                     (fiscal weeks 46–49 of ``fiscal_year`` 2023), ``extra_woc`` (12, 24, 12 by
                     entity), ``deal_pct`` 0.04
MONTH_END_PUSH       ``kam_id`` (a person owning ≥ 2 accounts), ``periods`` (4–12 of
                     ``fiscal_year`` 2024), ``push_share`` 0.65, ``deal_pct`` 0.02
DIVERSION            ``distributor`` (of the cheapest region), ``targets`` (its two dearest
                     neighbours), ``diverted_fraction`` 0.7, from ``start_period`` 3 of 2024
CHANNEL_MIX_DRIFT    ``region`` (seed-driven: a region with a ``channel`` account and other channels,
                     away from any DIVERSION source or target region, whose flows would hide or
                     fake the drift; SPEC §3.12 names R1), ``channel`` DIST, ``pp`` 0.08 by the
                     end of ``fiscal_year`` 2024
PACK_MIX_DRIFT       ``account_id``, ``pack_type`` MULTIPACK, ``pp`` 0.10 over ``fiscal_year`` 2024
PROMO_OVERSPEND      ``kam_id``, ``depth_add`` 0.10, ``freq_mult`` 1.5 in ``fiscal_year`` 2024
FORECAST_BIAS        ``kam_id``, ``bias`` +0.20 (−0.15 = sandbagging) in ``fiscal_year`` 2024
SUPPLY_SHOCK         ``skus`` (2 must-stock SKUs), fiscal ``weeks`` 30–33 of 2024, ``capacity_mult`` 0.4
PRICE_NONCOMPLIANCE  ``account_id``, ``weeks`` 6 from ``start_week``, ``price_gap`` −0.12
COMPETITOR_PUSH      ``account_id``, ``share_drop`` 0.03 (the push's full effect; realised erosion
                     ≈ 2–3 pts as our promotions fight back) over the last ``fiscal_year``
SERVICE_DEPRIORITISED ``account_id``, ``otif_gap`` 0.10 below the OTIF KPI in ``fiscal_year`` (last)
TALENT_EVENT         ``kam_id``, resigns at ``week`` 60, successor from ``successor_week`` 68
CAPSTONE             ``account_id`` (a tier-A HYPER chain): year-end stuffing ``extra_woc`` 12 in
                     weeks 47–50 of the year before the review year (``stuffing_fiscal_year``),
                     then in the review year (the last): promotion overspend by its owner,
                     competitor push (share −2–3 pts), service deprioritised (line OTIF ≈ 10 pts
                     under the KPI)
==================== ===========================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab.data.schemas import SCENARIOS
from kamlab.sim.config import ScenarioSpec, SimConfig, stage_rng
from kamlab.sim.master import Master
from kamlab.sim.people import People

__all__ = ["DEFAULT_PARAMS", "Knobs", "default_specs", "resolve"]

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "STUFFING": {"n_ka": 2, "n_dist": 1, "fiscal_year": 2023, "load_weeks": [46, 49],
                 "extra_woc": [12, 24, 12], "deal_pct": 0.04},
    "MONTH_END_PUSH": {"fiscal_year": 2024, "periods": [4, 12], "push_share": 0.65,
                       "deal_pct": 0.02},
    "DIVERSION": {"diverted_fraction": 0.7, "fiscal_year": 2024, "start_period": 3,
                  "n_targets": 2},
    "CHANNEL_MIX_DRIFT": {"region": None, "channel": "DIST", "pp": 0.08, "fiscal_year": 2024},
    "PACK_MIX_DRIFT": {"pack_type": "MULTIPACK", "pp": 0.10, "fiscal_year": 2024, "depth": 0.375,
                       "cadence": 4},
    "PROMO_OVERSPEND": {"depth_add": 0.10, "freq_mult": 1.5, "fiscal_year": 2024},
    "FORECAST_BIAS": {"bias": 0.20, "fiscal_year": 2024},
    "SUPPLY_SHOCK": {"n_skus": 2, "fiscal_year": 2024, "weeks": [30, 33], "capacity_mult": 0.4},
    "PRICE_NONCOMPLIANCE": {"n_weeks": 6, "price_gap": -0.12, "fiscal_year": 2024},
    "COMPETITOR_PUSH": {"share_drop": 0.03},
    "SERVICE_DEPRIORITISED": {"otif_gap": 0.10},
    "TALENT_EVENT": {"week": 60, "successor_week": 68},
    "CAPSTONE": {"extra_woc": 12, "load_weeks": [47, 50], "depth_add": 0.10, "freq_mult": 1.5,
                 "share_drop": 0.03, "otif_gap": 0.10, "deal_pct": 0.04},
}  # fmt: skip

_DEFAULT_SET = ["CAPSTONE", "STUFFING", "MONTH_END_PUSH", "DIVERSION", "CHANNEL_MIX_DRIFT",
                "PACK_MIX_DRIFT", "PROMO_OVERSPEND", "FORECAST_BIAS", "SUPPLY_SHOCK",
                "TALENT_EVENT"]  # fmt: skip
#: Resolution order: knobs that claim entities first, so later pools can exclude them.
_ORDER = ["CAPSTONE", "MONTH_END_PUSH", "DIVERSION", "STUFFING", "CHANNEL_MIX_DRIFT",
          "PACK_MIX_DRIFT", "PROMO_OVERSPEND", "FORECAST_BIAS", "SUPPLY_SHOCK",
          "PRICE_NONCOMPLIANCE", "COMPETITOR_PUSH", "SERVICE_DEPRIORITISED", "TALENT_EVENT"]  # fmt: skip


def default_specs() -> list[ScenarioSpec]:
    """The ``default`` scenario set (SPEC §3.12, plus the CAPSTONE account)."""
    return [ScenarioSpec(k, {}) for k in _DEFAULT_SET]


@dataclass
class Knobs:
    """Stage parameters set by the scenario knobs (identity values when no knob acts)."""

    A: int
    S: int
    T: int  # extended weeks
    # promotions stage
    overspend: dict[int, dict[str, float]] = field(default_factory=dict)
    pack_drift: dict[int, dict[str, Any]] = field(default_factory=dict)
    # demand stage
    channel_drift: list[dict[str, Any]] = field(default_factory=list)
    diversion: list[dict[str, Any]] = field(default_factory=list)
    comp_push: dict[int, dict[str, Any]] = field(default_factory=dict)
    price_gap: np.ndarray | None = None  # (A, T) shelf-price change (−0.12 = 12% below)
    # weekly loop
    stuffing: list[dict[str, Any]] = field(default_factory=list)
    push: dict[int, dict[str, Any]] = field(default_factory=dict)
    capacity_mult: np.ndarray | None = None  # (S, T)
    service: dict[int, dict[str, Any]] = field(default_factory=dict)
    fc_bias: np.ndarray | None = None  # (A, T) extra forecast bias b
    # people
    talent: dict[str, Any] | None = None
    # selections, for the labels stage
    picks: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.price_gap is None:
            self.price_gap = np.zeros((self.A, self.T))
        if self.capacity_mult is None:
            self.capacity_mult = np.ones((self.S, self.T))
        if self.fc_bias is None:
            self.fc_bias = np.zeros((self.A, self.T))

    @property
    def active(self) -> bool:
        return bool(self.picks)


def _weeks_of_fy(cal: pd.DataFrame, fy: int) -> np.ndarray:
    w = cal.week_id.to_numpy()[cal.fiscal_year.to_numpy() == fy]
    return w


def _fy_or_last(cal: pd.DataFrame, fy: int | None, n_weeks: int) -> int:
    years = sorted(set(cal.fiscal_year.to_numpy()[:n_weeks].tolist()))
    if fy is None or fy not in years:
        return years[-1]
    return fy


def _week_range(cal: pd.DataFrame, fy: int, lo: int, hi: int) -> list[int]:
    """week_ids of fiscal weeks ``lo..hi`` (1-based week_of_year) of year ``fy``."""
    m = (cal.fiscal_year.to_numpy() == fy) & (cal.week_of_year.to_numpy() >= lo)
    m &= cal.week_of_year.to_numpy() <= hi
    return cal.week_id.to_numpy()[m].tolist()


def _period_range(cal: pd.DataFrame, fy: int, lo: int, hi: int) -> list[str]:
    m = (cal.fiscal_year.to_numpy() == fy) & (cal.fiscal_period.to_numpy() >= lo)
    m &= cal.fiscal_period.to_numpy() <= hi
    return list(dict.fromkeys(cal.period_key.to_numpy()[m].tolist()))


class _Picker:
    """Entity pools with exclusions shared across knobs."""

    def __init__(self, master: Master, people: People) -> None:
        self.m = master
        self.p = people
        self.used_accounts: set[int] = set()
        self.used_people: set[int] = set()

    def acc_index(self, acc_id: str, what: str) -> int:
        ids = self.m.acc_ids.tolist()
        if acc_id not in ids:
            raise ValueError(
                f"{what}: unknown account {acc_id!r}; accounts are {ids[0]}…{ids[-1]}."
            )
        return ids.index(acc_id)

    def person_index(self, kam_id: str, what: str) -> int:
        if kam_id not in self.p.person_ids:
            raise ValueError(f"{what}: unknown person {kam_id!r}.")
        return self.p.person_ids.index(kam_id)

    def accounts_of(self, person: int) -> list[int]:
        return np.flatnonzero(self.p.owner == person).tolist()

    def pick(self, rng: np.random.Generator, pool: list[int], n: int, avoid: set[int]) -> list[int]:
        pref = [i for i in pool if i not in avoid]
        rest = [i for i in pool if i in avoid]
        out: list[int] = []
        for cand in (pref, rest):
            if len(out) >= n:
                break
            k = min(n - len(out), len(cand))
            if k:
                out += sorted(rng.choice(cand, size=k, replace=False).tolist())
        return out


def resolve(cfg: SimConfig, master: Master, people: People, cal: pd.DataFrame) -> Knobs:
    """Turn ``cfg``'s scenario set into stage parameters (stream SCENARIO)."""
    A, S, T = master.n_acc, master.n_sku, len(cal)
    knobs = Knobs(A=A, S=S, T=T)
    specs = default_specs() if cfg.scenarios is None else list(cfg.scenarios)
    if not specs:
        return knobs
    T_world = cfg.n_weeks
    pk = _Picker(master, people)
    acc = master.accounts
    is_ka = (acc.account_type == "KA").to_numpy()
    kinds = [s.kind for s in specs]
    order = sorted(range(len(specs)), key=lambda i: (_ORDER.index(specs[i].kind), i))
    for i in order:
        spec = specs[i]
        kind = spec.kind
        prm = {**DEFAULT_PARAMS[kind], **spec.params}
        rng = stage_rng(cfg.seed, "SCENARIO", SCENARIOS.index(kind), i)
        pick: dict[str, Any] = {"scenario": kind, "params": prm, "tag": None}
        if kind == "CAPSTONE":
            _capstone(cfg, knobs, pk, rng, prm, cal, pick, T_world)
        elif kind == "STUFFING":
            _stuffing(cfg, knobs, pk, rng, prm, cal, pick, is_ka, "CAPSTONE" in kinds)
        elif kind == "MONTH_END_PUSH":
            if "kam_id" in prm:
                person = pk.person_index(prm["kam_id"], "MONTH_END_PUSH kam_id")
            else:
                pool = [p for p in range(len(people.person_ids)) if len(pk.accounts_of(p)) >= 2]
                pool = [p for p in pool if p not in pk.used_people] or pool
                if not pool:
                    raise ValueError("MONTH_END_PUSH: no person owns two or more accounts.")
                person = int(rng.choice(pool))
            fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
            periods = _period_range(cal, fy, prm["periods"][0], prm["periods"][1])
            accs = pk.accounts_of(person)
            for a in accs:
                knobs.push[a] = {"periods": periods, "share": float(prm["push_share"]),
                                 "deal_pct": float(prm["deal_pct"])}  # fmt: skip
            pk.used_people.add(person)
            pk.used_accounts.update(accs)
            pick.update(person=person, accounts=accs, periods=periods)
        elif kind == "DIVERSION":
            _diversion(cfg, knobs, pk, rng, prm, cal, pick)
        elif kind == "CHANNEL_MIX_DRIFT":
            fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
            weeks = _weeks_of_fy(cal, fy)
            region = prm.get("region") or _drift_region(pk, rng, knobs, str(prm["channel"]))
            if region not in master.region_ids.tolist():
                raise ValueError(
                    f"CHANNEL_MIX_DRIFT region {region!r} is not a region of this world."
                )
            prm["region"] = region
            # later knobs prefer other accounts, so the region's mix moves by the drift only
            hq = master.accounts.hq_region_id.astype(str).to_numpy()
            pk.used_accounts.update(int(i) for i in np.flatnonzero(hq == region))
            knobs.channel_drift.append({"region": region, "channel": prm["channel"],
                                        "pp": float(prm["pp"]), "lo": int(weeks[0]),
                                        "hi": int(weeks[-1])})  # fmt: skip
            pick.update(region=region, lo=int(weeks[0]), hi=int(weeks[-1]), fy=fy)
        elif kind == "PACK_MIX_DRIFT":
            pack = prm["pack_type"]
            has = np.isin(master.sku_pack, [pack])
            if "account_id" in prm:
                a = pk.acc_index(prm["account_id"], "PACK_MIX_DRIFT account_id")
            else:
                pool = [i for i in range(A) if is_ka[i] and has.any()
                        and acc.at[i, "channel"] != "EC"]  # fmt: skip
                a = pk.pick(rng, pool, 1, pk.used_accounts)[0]
            fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
            weeks = _weeks_of_fy(cal, fy)
            knobs.pack_drift[a] = {"pack_type": pack, "pp": float(prm["pp"]),
                                   "depth": float(prm["depth"]), "cadence": int(prm["cadence"]),
                                   "lo": int(weeks[0]), "hi": int(weeks[-1])}  # fmt: skip
            pk.used_accounts.add(a)
            pick.update(account=a, lo=int(weeks[0]), hi=int(weeks[-1]), fy=fy)
        elif kind in ("PROMO_OVERSPEND", "FORECAST_BIAS", "TALENT_EVENT"):
            if "kam_id" in prm:
                person = pk.person_index(prm["kam_id"], f"{kind} kam_id")
            else:
                pool = [p for p in range(len(people.person_ids))
                        if any(is_ka[a] for a in pk.accounts_of(p))]  # fmt: skip
                person = pk.pick(rng, pool, 1, pk.used_people)[0]
            accs = pk.accounts_of(person)
            pk.used_people.add(person)
            if kind == "PROMO_OVERSPEND":
                fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
                weeks = _weeks_of_fy(cal, fy)
                for a in accs:
                    knobs.overspend[a] = {"depth_add": float(prm["depth_add"]),
                                          "freq_mult": float(prm["freq_mult"]),
                                          "lo": int(weeks[0]), "hi": int(weeks[-1])}  # fmt: skip
                pick.update(person=person, accounts=accs, lo=int(weeks[0]), hi=int(weeks[-1]))
            elif kind == "FORECAST_BIAS":
                fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
                weeks = _weeks_of_fy(cal, fy)
                for a in accs:
                    knobs.fc_bias[a, weeks[0] : weeks[-1] + 1] += float(prm["bias"])
                pick.update(person=person, accounts=accs, lo=int(weeks[0]), hi=int(weeks[-1]))
            else:
                wk, sw = int(prm["week"]), int(prm["successor_week"])
                if not 0 < wk < sw < T_world:
                    raise ValueError(
                        f"TALENT_EVENT needs 0 < week < successor_week < {T_world}; got {wk}, {sw}."
                    )
                knobs.talent = {"person": person, "week": wk, "successor_week": sw}
                pick.update(person=person, accounts=accs, lo=wk, hi=sw - 1)
        elif kind == "SUPPLY_SHOCK":
            if "skus" in prm:
                skus = [master.sku_ids.tolist().index(s) for s in prm["skus"]]
            else:
                pool = np.flatnonzero(master.sku_must & (master.sku_launch < 0)).tolist()
                skus = pk.pick(rng, pool, int(prm["n_skus"]), set())
            fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
            weeks = _week_range(cal, fy, prm["weeks"][0], prm["weeks"][1])
            for s in skus:
                knobs.capacity_mult[s, weeks] *= float(prm["capacity_mult"])
            pick.update(skus=skus, lo=weeks[0], hi=weeks[-1])
        elif kind == "PRICE_NONCOMPLIANCE":
            if "account_id" in prm:
                a = pk.acc_index(prm["account_id"], "PRICE_NONCOMPLIANCE account_id")
            else:
                pool = [i for i in range(A) if is_ka[i] and acc.at[i, "channel"] != "EC"]
                a = pk.pick(rng, pool, 1, pk.used_accounts)[0]
            fy = _fy_or_last(cal, prm["fiscal_year"], T_world)
            weeks = _weeks_of_fy(cal, fy)
            n = int(prm["n_weeks"])
            start = int(prm.get("start_week", int(rng.integers(weeks[0] + 4, weeks[-1] - n - 4))))
            knobs.price_gap[a, start : start + n] = float(prm["price_gap"])
            pk.used_accounts.add(a)
            pick.update(account=a, lo=start, hi=start + n - 1)
        elif kind == "COMPETITOR_PUSH":
            a = _account_param(pk, rng, prm, kind, is_ka, master, "HYPER")
            fy = _fy_or_last(cal, prm.get("fiscal_year"), T_world)
            weeks = _weeks_of_fy(cal, fy)
            knobs.comp_push[a] = {"share_drop": float(prm["share_drop"]), "lo": int(weeks[0]),
                                  "hi": int(weeks[-1])}  # fmt: skip
            pick.update(account=a, lo=int(weeks[0]), hi=int(weeks[-1]))
        elif kind == "SERVICE_DEPRIORITISED":
            a = _account_param(pk, rng, prm, kind, is_ka, master, None)
            fy = _fy_or_last(cal, prm.get("fiscal_year"), T_world)
            weeks = _weeks_of_fy(cal, fy)
            knobs.service[a] = {"otif_gap": float(prm["otif_gap"]), "lo": int(weeks[0]),
                                "hi": int(weeks[-1])}  # fmt: skip
            pick.update(account=a, lo=int(weeks[0]), hi=int(weeks[-1]))
        knobs.picks.append(pick)
    return knobs


def _account_param(
    pk: _Picker,
    rng: np.random.Generator,
    prm: dict[str, Any],
    kind: str,
    is_ka: np.ndarray,
    master: Master,
    channel: str | None,
) -> int:
    if "account_id" in prm:
        return pk.acc_index(prm["account_id"], f"{kind} account_id")
    ch = master.accounts.channel.to_numpy()
    pool = [i for i in range(master.n_acc) if is_ka[i] and (channel is None or ch[i] == channel)]
    a = pk.pick(rng, pool, 1, pk.used_accounts)[0]
    pk.used_accounts.add(a)
    return a


def _drift_region(pk: _Picker, rng: np.random.Generator, knobs: Knobs, channel: str) -> str:
    """The CHANNEL_MIX_DRIFT region: drawn from the regions whose headquartered accounts include
    ``channel`` and another channel, preferring regions no DIVERSION touches (a diversion moves
    the source and target regions' channel mix by itself, which would hide or fake the drift),
    then those where the fewest accounts already carry another knob (a month-end push's stock-outs
    or a stuffing's load move the mix too)."""
    acc = pk.m.accounts
    ch = acc.channel.astype(str).to_numpy()
    hq = acc.hq_region_id.astype(str).to_numpy()
    pool = [
        r
        for r in pk.m.region_ids.tolist()
        if (ch[hq == r] == channel).any() and (ch[hq == r] != channel).any()
    ]
    if not pool:
        raise ValueError(
            f"CHANNEL_MIX_DRIFT: no region has both a {channel} account and other channels."
        )
    touched = set()
    for d in knobs.diversion:
        touched.add(str(acc.at[d["source"], "hq_region_id"]))
        touched.update(str(r) for r in d["targets"])
    free = [r for r in pool if r not in touched] or pool
    # prefer the regions where the fewest accounts already carry another knob
    busy = {r: sum(1 for i in np.flatnonzero(hq == r) if i in pk.used_accounts) for r in free}
    least = [r for r in free if busy[r] == min(busy.values())]
    return str(least[int(rng.integers(0, len(least)))])


def _capstone(
    cfg: SimConfig,
    knobs: Knobs,
    pk: _Picker,
    rng: np.random.Generator,
    prm: dict[str, Any],
    cal: pd.DataFrame,
    pick: dict[str, Any],
    T_world: int,
) -> None:
    acc = pk.m.accounts
    if "account_id" in prm:
        a = pk.acc_index(prm["account_id"], "CAPSTONE account_id")
    else:
        pool = acc.index[(acc.channel == "HYPER") & (acc.tier == "A")].tolist()
        if not pool:
            raise ValueError("CAPSTONE needs a tier-A HYPER account; this world has none.")
        a = int(rng.choice(pool))
    fy = _fy_or_last(cal, None, T_world)
    weeks = _weeks_of_fy(cal, fy)
    lo, hi = int(weeks[0]), int(weeks[-1])
    # the year-end load happens at the end of the year before the review year, so the review
    # year carries its digest and the 13 weeks after the world start from normal stock
    fy_load = int(prm.get("stuffing_fiscal_year") or (fy - 1))
    load = _week_range(cal, fy_load, prm["load_weeks"][0], prm["load_weeks"][1])
    load = [w for w in load if w < T_world]
    knobs.stuffing.append({"account": a, "weeks": load, "extra_woc": float(prm["extra_woc"]),
                           "deal_pct": float(prm["deal_pct"]), "tag": "CAPSTONE"})  # fmt: skip
    owner = int(pk.p.owner[a])
    knobs.overspend[a] = {"depth_add": float(prm["depth_add"]), "freq_mult": float(prm["freq_mult"]),
                          "lo": lo, "hi": hi}  # fmt: skip
    knobs.comp_push[a] = {"share_drop": float(prm["share_drop"]), "lo": lo, "hi": hi}
    knobs.service[a] = {"otif_gap": float(prm["otif_gap"]), "lo": lo, "hi": hi}
    pk.used_accounts.add(a)
    pk.used_people.add(owner)
    pick.update(account=a, person=owner, lo=lo, hi=hi, load=load, fy=fy)


def _stuffing(
    cfg: SimConfig,
    knobs: Knobs,
    pk: _Picker,
    rng: np.random.Generator,
    prm: dict[str, Any],
    cal: pd.DataFrame,
    pick: dict[str, Any],
    is_ka: np.ndarray,
    has_capstone: bool,
) -> None:
    acc = pk.m.accounts
    if "accounts" in prm:
        accs = [pk.acc_index(x, "STUFFING accounts") for x in prm["accounts"]]
    else:
        tier = acc.tier.to_numpy()
        ka_pool = [i for i in range(len(acc)) if is_ka[i] and tier[i] in ("A", "B")
                   and acc.at[i, "channel"] != "EC"]  # fmt: skip
        ka_free = [i for i in ka_pool if i not in pk.used_accounts]
        n_ka = min(int(prm["n_ka"]), len(ka_free)) or min(int(prm["n_ka"]), 1)
        accs = pk.pick(rng, ka_pool, n_ka, pk.used_accounts)
        d_pool = [i for i in range(len(acc)) if not is_ka[i]]
        accs += pk.pick(rng, d_pool, int(prm["n_dist"]), pk.used_accounts)
    fy = _fy_or_last(cal, prm["fiscal_year"], cfg.n_weeks)
    load = _week_range(cal, fy, prm["load_weeks"][0], prm["load_weeks"][1])
    extra = (
        list(prm["extra_woc"]) if isinstance(prm["extra_woc"], list | tuple) else [prm["extra_woc"]]
    )
    for k, a in enumerate(accs):
        knobs.stuffing.append({"account": a, "weeks": load, "extra_woc": float(extra[k % len(extra)]),
                               "deal_pct": float(prm["deal_pct"]), "tag": None})  # fmt: skip
    pk.used_accounts.update(accs)
    pick.update(accounts=accs, load=load)
    del has_capstone


def _diversion(
    cfg: SimConfig,
    knobs: Knobs,
    pk: _Picker,
    rng: np.random.Generator,
    prm: dict[str, Any],
    cal: pd.DataFrame,
    pick: dict[str, Any],
) -> None:
    m = pk.m
    acc = m.accounts
    rids = m.region_ids.tolist()
    price = dict(zip(rids, m.region_price, strict=True))
    if "distributor" in prm:
        d = pk.acc_index(prm["distributor"], "DIVERSION distributor")
    else:
        dists = acc.index[acc.channel == "DIST"].tolist()
        cheapest = min(price[acc.at[i, "hq_region_id"]] for i in dists)
        pool = [i for i in dists if price[acc.at[i, "hq_region_id"]] == cheapest]
        d = int(rng.choice(pool))
    src = acc.at[d, "hq_region_id"]
    if "targets" in prm:
        targets = list(prm["targets"])
    else:
        nb = sorted(m.adjacency[src], key=lambda r: (-price[r], int(r[1:])))
        nb = [r for r in nb if price[r] > price[src]]
        targets = sorted(nb[: int(prm["n_targets"])], key=lambda r: int(r[1:]))
    if not targets:
        raise ValueError(f"DIVERSION: region {src} has no dearer neighbour to divert into.")
    fy = _fy_or_last(cal, prm["fiscal_year"], cfg.n_weeks)
    m_start = (cal.fiscal_year.to_numpy() == fy) & (
        cal.fiscal_period.to_numpy() >= prm["start_period"]
    )
    start = int(cal.week_id.to_numpy()[m_start][0])
    tgt_acc = [i for i in acc.index if acc.at[i, "channel"] == "DIST"
               and acc.at[i, "hq_region_id"] in targets]  # fmt: skip
    knobs.diversion.append({"source": d, "targets": targets, "target_accounts": tgt_acc,
                            "f": float(prm["diverted_fraction"]), "start": start})  # fmt: skip
    pk.used_accounts.add(d)
    pick.update(account=d, targets=targets, target_accounts=tgt_acc, lo=start)


def params_json(prm: dict[str, Any]) -> str:
    """Canonical JSON of a knob's parameters (for ``truth_scenario_labels.params_json``)."""
    return json.dumps(
        prm, sort_keys=True, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)
    )
