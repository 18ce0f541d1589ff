"""Stage 5 — the promotion calendar (SPEC §3.4).

Events per account-year: HYPER 14, SUPER 12, CVS 8, EC 12 (incl. E618, D11, D12), DIST 4
quarterly trade deals. Each event promotes 2–6 listed SKUs of one brand, drawn with
probability ∝ velocity, on a 4-week grid with ±1 week jitter; a SKU is never promoted twice at
once at one account (promotion weeks plus two post weeks are kept free). Mechanic mix (MT):
TPR 50%, MULTIBUY 20%, BOGO 10%, GWP 10%, DISPLAY_ONLY 10%; depth U(0.10, 0.30), +0.10 when
the owner's C5 level is 1 (and +``depth_add`` under PROMO_OVERSPEND, whose ``freq_mult`` also
multiplies the event count). Events are drawn on a sub-stream per account and fiscal year, so
a knob at one account leaves every other account's calendar unchanged.

:func:`promo_response` is the response model shared with :func:`kamlab.sim.simulate_plan`:
``M = (1 − depth)^ε × display_mult × feature_mult``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.master import CHANNELS, Master
from kamlab.sim.people import People
from kamlab.sim.scenarios import Knobs
from kamlab.sim.spend import consumer_depth, event_display_fee, event_dm_fee, funding_per_case

__all__ = [
    "EVENTS_PER_YEAR",
    "PromoCalendar",
    "build_promotions",
    "consumer_depth",
    "promo_response",
]

EVENTS_PER_YEAR = {"HYPER": 14, "SUPER": 12, "CVS": 8, "EC": 12, "DIST": 4}
_MECH_MT = (["TPR", "MULTIBUY", "BOGO", "GWP", "DISPLAY_ONLY"], [0.5, 0.2, 0.1, 0.1, 0.1])
_DISPLAY_CODES = ["NONE", "ENDCAP", "FLOOR_STACK"]
_FEATURE_CODES = ["NONE", "DM", "APP_BANNER"]
MAX_DEPTH = 0.5


def promo_response(
    depth: np.ndarray | float,
    elasticity: np.ndarray | float,
    display: np.ndarray | float = 1.0,
    feature: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Promotion volume multiplier ``(1 − depth)^ε × display × feature`` (SPEC §2.4).

    >>> round(float(promo_response(0.2, -2.5)), 3), round(float(promo_response(0.2, -2.5, 1.35)), 3)
    (1.747, 2.358)
    """
    d = np.asarray(depth, dtype=float)
    if np.any((d < 0) | (d >= 1)):
        raise ValueError("depth must be a fraction in [0, 1); e.g. 0.2 for a 20% price cut.")
    return np.power(1.0 - d, np.asarray(elasticity, dtype=float)) * display * feature


@dataclass
class PromoCalendar:
    """The promotion rows (one per promoted SKU of an event) as columns, before planning fields."""

    rows: pd.DataFrame  # account (idx), sku (idx), event, start, end, mechanic, depth, display, ...
    rho: np.ndarray  # post-dip share ρ per row
    fwd_buy: np.ndarray  # DIST forward-buy multiple per row
    plan_bias: np.ndarray  # optimism factor per row


def _slots(y0: int, n_weeks: int, rng: np.random.Generator, n: int) -> np.ndarray:
    grid = y0 + 4 * np.arange(max(1, n_weeks // 4)) + 1
    return grid[rng.integers(0, len(grid), size=n)] + rng.integers(-1, 2, size=n)


def build_promotions(
    cfg: SimConfig,
    master: Master,
    people: People,
    cal: pd.DataFrame,
    listed: np.ndarray,
    ev_weeks: dict[str, np.ndarray],
    terms_fees: dict[str, np.ndarray],
    knobs: Knobs,
) -> PromoCalendar:
    """Stage 5: every account's promotion calendar over the extended horizon (stream PROMO).

    ``listed`` is the (A, S) assortment; ``terms_fees`` the per-account fee rates of the trade
    terms (``endcap``, ``floorstack``, ``dm``; RMB). Promotions starting at or after the
    world's last week are PLANNED (the rolling plan beyond the world).
    """
    p = cfg.params
    T = len(cal)
    fy = cal.fiscal_year.to_numpy()
    years = list(dict.fromkeys(fy.tolist()))
    c5 = people.levels[:, 4]
    dshare = master.display_share(p)
    rows: list[dict] = []
    for a in range(master.n_acc):
        ch = CHANNELS[master.acc_channel[a]]
        skus_listed = np.flatnonzero(listed[a])
        if len(skus_listed) == 0:
            continue
        owner = int(people.owner[a])
        occupied = np.zeros((master.n_sku, T + 8), dtype=bool)  # across years: no overlaps
        for yi, year in enumerate(years):
            wk = np.flatnonzero(fy == year)
            y0, y1 = int(wk[0]), int(wk[-1]) + 1
            rng = stage_rng(cfg.seed, "PROMO", a, yi)
            frac = (y1 - y0) / 52.0
            n_ev = EVENTS_PER_YEAR[ch] * frac
            over = knobs.overspend.get(a)
            over_on = over is not None and over["lo"] <= y0 < over["hi"] + 1
            if over_on:
                n_ev *= over["freq_mult"]
            n_ev = round(n_ev)
            events: list[dict] = []
            drift = knobs.pack_drift.get(a)
            if drift is not None and drift["lo"] <= y0 <= drift["hi"]:
                events += _pack_drift_events(master, skus_listed, drift, y0, y1, rng)
            if ch == "EC":
                for code, dur in (("E618", 1), ("D11", 1), ("D12", 1)):
                    for w in ev_weeks.get(code, []):
                        if y0 <= w < y1:
                            events.append({"start": int(w), "dur": dur, "event_code": code,
                                           "tied": True})  # fmt: skip
            if ch in ("HYPER", "SUPER", "CVS"):
                for w in ev_weeks.get("SPRING_FESTIVAL", []):
                    if y0 <= w < y1 and w >= 3:
                        dur = int(rng.integers(3, 5))
                        events.append({"start": int(w) - dur + 1, "dur": dur,
                                       "event_code": "SPRING_FESTIVAL", "tied": True,
                                       "packs": ("GIFT_BOX", "MULTIPACK")})  # fmt: skip
            if ch == "DIST":
                for q in range(round(4 * frac)):
                    s = y0 + 13 * q + int(rng.integers(2, 9))
                    events.append(
                        {"start": s, "dur": p.deal_weeks, "event_code": None, "tied": False}
                    )
            n_free = max(0, n_ev - len([e for e in events if not e.get("drift")]))
            dur_reg = 1 if ch == "EC" else p.mt_promo_weeks
            starts = _slots(y0, y1 - y0, rng, n_free)
            for s in starts:
                events.append({"start": int(s), "dur": dur_reg, "event_code": None, "tied": False})
            # per-event draws, fixed count per event so the stream does not depend on data
            for e in events:
                u = rng.random(12)
                e["u"] = u
                e["n_sku"] = (
                    int(rng.integers(p.event_skus_lo, p.event_skus_hi + 1)) if ch != "DIST" else 99
                )
                e["sku_u"] = rng.random(len(skus_listed))
                e["z"] = float(rng.standard_normal())
            for e in events:
                s0 = max(0, e["start"])
                s1 = min(T, e["start"] + e["dur"]) - 1
                if s1 < s0:
                    continue
                u = e["u"]
                vel = master.sku_vel[skus_listed]
                brands = master.sku_brand[skus_listed]
                if e.get("drift"):
                    cand = e["skus"]
                else:
                    if e.get("packs"):
                        packs = master.sku_pack[skus_listed]
                        okp = np.isin(packs, e["packs"])
                        if not okp.any():
                            okp = np.ones(len(skus_listed), dtype=bool)
                    else:
                        okp = np.ones(len(skus_listed), dtype=bool)
                    bw = np.bincount(brands[okp], weights=vel[okp], minlength=4)
                    if bw.sum() <= 0:
                        continue
                    b = int(np.searchsorted(np.cumsum(bw / bw.sum()), u[0] * 0.999999))
                    in_b = okp & (brands == b)
                    # weighted draw without replacement: Efraimidis–Spirakis keys
                    keys = np.where(
                        in_b,
                        np.log(np.maximum(e["sku_u"], 1e-300)) / np.maximum(vel, 1e-9),
                        -np.inf,
                    )
                    order = np.argsort(-keys, kind="mergesort")
                    cand = [
                        int(skus_listed[i]) for i in order[: e["n_sku"]] if np.isfinite(keys[i])
                    ]
                free = [s for s in cand if not occupied[s, s0 : s1 + 3].any()]
                if not free:
                    continue
                for s in free:
                    occupied[s, max(0, s0 - 1) : s1 + 3] = True
                e.update(skus_final=free, s0=s0, s1=s1)
                # mechanic and depth
                if e.get("drift"):
                    mech, depth = "TPR", e["depth"]
                elif ch == "DIST":
                    mech, depth = "TRADE_DEAL", 0.03 + 0.03 * u[1]
                elif ch == "EC":
                    mech = "EC_COUPON" if u[1] < 0.7 else "TPR"
                    depth = p.depth_lo + (p.depth_hi - p.depth_lo) * u[2]
                else:
                    names, probs = _MECH_MT
                    mech = names[int(np.searchsorted(np.cumsum(probs), u[1] * 0.999999))]
                    depth = {
                        "TPR": p.depth_lo + (p.depth_hi - p.depth_lo) * u[2],
                        "MULTIBUY": 0.25,
                        "BOGO": 0.50,
                        "GWP": 0.10 + 0.10 * u[2],
                        "DISPLAY_ONLY": 0.0,
                    }[mech]
                extra = 0.0
                if mech in ("TPR", "EC_COUPON") and not e.get("drift"):
                    if c5[owner] <= 1:
                        depth += 0.10
                    if over_on:
                        extra = max(0.0, min(over["depth_add"], MAX_DEPTH - depth))
                        depth += extra
                depth = float(min(MAX_DEPTH, depth))
                display = "NONE"
                if ch in ("HYPER", "SUPER") and not e.get("drift"):
                    if mech == "DISPLAY_ONLY" or u[3] < p.display_prob:
                        display = "ENDCAP" if u[4] < p.display_endcap_share else "FLOOR_STACK"
                elif ch == "CVS" and (mech == "DISPLAY_ONLY" or u[3] < 0.2):
                    display = "ENDCAP"
                feature = "NONE"
                if ch in ("HYPER", "SUPER", "CVS") and u[5] < p.feature_prob and not e.get("drift"):
                    feature = "DM"
                elif ch == "EC" and (e.get("tied") or u[5] < 0.6):
                    feature = "APP_BANNER"
                cancelled = (not e.get("tied")) and u[6] < 0.02 and e["start"] < cfg.n_weeks
                e.update(mech=mech, depth_v=depth, display=display, feature=feature, extra=extra,
                         cancelled=cancelled, rho=0.10 + 0.20 * u[7],
                         fwd=0.5 + 1.0 * u[8],
                         bias=float(np.exp(p.plan_optimism_mu + p.plan_optimism_sd * e["z"])),
                         created=int(e["start"] - 4 - int(u[10] * 9)))  # fmt: skip
            for e in events:
                if "skus_final" not in e:
                    continue
                n_s = len(e["skus_final"])
                # the event's fees (one rule, kamlab.sim.spend), split over its SKUs' rows
                fee = float(event_display_fee(
                    e["display"], terms_fees["endcap"][a], terms_fees["floorstack"][a],
                    float(master.acc_outlets[a]), dshare[a], e["dur"]))  # fmt: skip
                dm_fee = float(event_dm_fee(e["feature"], terms_fees["dm"][a]))
                ev_code = e.get("event_code")
                if ev_code is None:
                    for code, ws in ev_weeks.items():
                        if any(e["s0"] <= w <= e["s1"] for w in ws):
                            ev_code = code
                            break
                for s in e["skus_final"]:
                    rows.append(
                        {
                            "a": a, "s": s, "start": e["s0"], "end": e["s1"],
                            "mechanic": e["mech"], "depth": e["depth_v"],
                            "display": e["display"], "feature": e["feature"],
                            "display_fee": fee / n_s, "dm_fee": dm_fee / n_s,
                            "event_code": ev_code, "created": e["created"],
                            "cancelled": e["cancelled"], "rho": e["rho"], "fwd": e["fwd"],
                            "bias": e["bias"], "extra": e["extra"],
                            "ev_key": (a, e["s0"], e["mech"], e["skus_final"][0]),
                        }
                    )  # fmt: skip
    df = pd.DataFrame(rows)
    if df.empty:
        df = pd.DataFrame(columns=["a", "s", "start", "end", "mechanic", "depth", "display",
                                   "feature", "display_fee", "dm_fee", "event_code", "created",
                                   "cancelled", "rho", "fwd", "bias", "extra", "ev_key"])  # fmt: skip
    df = df.sort_values(["a", "start", "s"], kind="mergesort").reset_index(drop=True)
    # event groups numbered in order of first appearance
    keys = df["ev_key"].tolist()
    gid: dict[object, int] = {}
    for k in keys:
        gid.setdefault(k, len(gid) + 1)
    df["event_group"] = [gid[k] for k in keys]
    df = df.drop(columns=["ev_key"])
    return PromoCalendar(
        rows=df,
        rho=df["rho"].to_numpy(dtype=float),
        fwd_buy=df["fwd"].to_numpy(dtype=float),
        plan_bias=df["bias"].to_numpy(dtype=float),
    )


def _pack_drift_events(
    master: Master,
    skus_listed: np.ndarray,
    drift: dict,
    y0: int,
    y1: int,
    rng: np.random.Generator,
) -> list[dict]:
    """PACK_MIX_DRIFT: deep TPRs on the drifting pack type, 2 weeks in every ``cadence``."""
    del rng
    skus = [int(s) for s in skus_listed if master.sku_pack[s] == drift["pack_type"]]
    if not skus:
        return []
    cadence = int(drift.get("cadence", 4))
    depth = float(drift.get("depth", 0.35))
    out = []
    for s in range(max(y0, drift["lo"]) + 1, min(y1, drift["hi"] + 1) - 2, cadence):
        out.append({"start": s, "dur": 2, "event_code": None, "tied": True, "drift": True,
                    "skus": skus, "depth": depth})  # fmt: skip
    return out


@dataclass
class PromoPlan:
    """Per promotion row: the KAM's plan figures (SPEC §1.2 promotions, §3.4)."""

    true_uplift: np.ndarray  # M − 1 (expected, before dips and cannibalisation)
    planned_uplift: np.ndarray  # optimistic: true × LogNormal(0.15, 0.20)
    base_cases: np.ndarray  # expected baseline cases over the promotion weeks
    funding_per_case: np.ndarray
    fixed_fee: np.ndarray
    lump_sum: np.ndarray  # GWP gift funding
    planned_cost: np.ndarray


def row_multiplier(master: Master, rows: pd.DataFrame, params: object) -> np.ndarray:
    """M per promotion row: ``(1 − consumer depth)^ε × display × feature`` (display on the
    account's share of stores taking a display, :meth:`Master.display_share`)."""
    if len(rows) == 0:
        return np.zeros(0)
    s = rows["s"].to_numpy(dtype=np.int64)
    display_share = master.display_share(params)[rows["a"].to_numpy(dtype=np.int64)]
    mech = rows["mechanic"].to_numpy()
    cd = consumer_depth(mech, rows["depth"].to_numpy(dtype=float))
    disp = rows["display"].to_numpy()
    d = np.where(
        disp == "ENDCAP",
        1 + display_share * (master.sku_endcap[s] - 1),
        np.where(disp == "FLOOR_STACK", 1 + display_share * (master.sku_floorstack[s] - 1), 1.0),
    )
    f = np.where(rows["feature"].to_numpy() != "NONE", master.sku_feature[s], 1.0)
    return promo_response(cd, master.sku_elasticity[s]) * d * f


def promo_plan(
    master: Master,
    params: object,
    promos: PromoCalendar,
    lam_cases: np.ndarray,
    pair_index: np.ndarray,
) -> PromoPlan:
    """Plan figures of every promotion row from expected baseline cases ``lam_cases`` (N, T).

    Funding: scan-back ``scanback_share × consumer depth × list × price factor`` per case;
    distributor trade deals ``deal × list × price factor`` off invoice; GWP a lump sum of the
    same value on the planned cases; DISPLAY_ONLY fees only. Planned cost = funding × planned
    cases + fixed fees (+ lump sum).
    """
    rows = promos.rows
    n = len(rows)
    if n == 0:
        z = np.zeros(0)
        return PromoPlan(z, z, z, z, z, z, z)
    a = rows["a"].to_numpy(dtype=np.int64)
    s = rows["s"].to_numpy(dtype=np.int64)
    start = rows["start"].to_numpy(dtype=np.int64)
    end = np.minimum(rows["end"].to_numpy(dtype=np.int64), lam_cases.shape[1] - 1)
    pair = pair_index[a, s]
    cum = np.cumsum(np.pad(lam_cases, ((0, 0), (1, 0))), axis=1)
    base = np.where(
        pair >= 0, cum[np.maximum(pair, 0), end + 1] - cum[np.maximum(pair, 0), start], 0.0
    )
    true_up = row_multiplier(master, rows, params) - 1.0
    planned_up = true_up * promos.plan_bias
    mech = rows["mechanic"].to_numpy()
    depth = rows["depth"].to_numpy(dtype=float)
    list_pf = master.sku_list[s] * master.acc_price_factor[a]
    share = params.scanback_share  # type: ignore[attr-defined]
    # a PROMO_OVERSPEND's extra depth is funded in full by the manufacturer (the KAM's overspend)
    extra = rows["extra"].to_numpy(dtype=float) if "extra" in rows else np.zeros(n)
    fund = funding_per_case(mech, depth, list_pf, share, extra)
    fixed = rows["display_fee"].to_numpy(dtype=float) + rows["dm_fee"].to_numpy(dtype=float)
    lump = np.where(mech == "GWP", share * depth * list_pf * (1 + planned_up) * base, 0.0)
    cost = fund * (1 + planned_up) * base + fixed + lump
    return PromoPlan(true_up, planned_up, base, fund, fixed, lump, cost)


def promo_arrays(
    promos: PromoCalendar,
    pair_index: np.ndarray,
    n_pairs: int,
    T: int,
) -> dict[str, np.ndarray]:
    """Per pair × week arrays: the active promotion row (−1 if none), depth, display, feature.

    ``pair_index`` is the (A, S) map from account × SKU to pair number (−1 = not listed).
    Cancelled promotions do not act.
    """
    idx = np.full((n_pairs, T), -1, dtype=np.int64)
    df = promos.rows
    for r in range(len(df)):
        if df.at[r, "cancelled"]:
            continue
        n = pair_index[df.at[r, "a"], df.at[r, "s"]]
        if n < 0:
            continue
        idx[n, int(df.at[r, "start"]) : int(df.at[r, "end"]) + 1] = r
    return {"row": idx}
