"""M6 diversion map 窜货 (SPEC §2.13): regional prices, code-trace flows, distributor vs market
growth, absorption gap — and the composite flag per distributor.

For a fiscal year (or one of its periods), per distributor d in region r (``hq_region_id``) with
neighbours N(r) (``region_adjacency``):

1. **Absorption gap** ``AG = 1 − in-region TT offtake / reported secondary``
   (:func:`kamlab.metrics.absorption_gap`): offtake = our brand's traditional-trade volume in r
   (``market_region_period``, channel group TT, ``volume_eq``); secondary = the DMS sell-out of
   *all* distributors of r (``sell_out.cases_sold`` × ``products.volume_eq_per_case``), because
   the market data cannot tell two distributors of one region apart. A negative AG means the
   region consumes more of our product than its own distributors report — the receiving end.
2. **Growth gap** = d's sell-in growth (volume_eq, vs the same weeks last year) − r's TT category
   value growth (all brand owners) (:func:`kamlab.metrics.growth_gap`); undefined in the first
   year.
3. **Neighbour price erosion** ``PE_t = 1 − price_index(neighbour TT) / price_index(r TT)`` per
   week (``price_checks``, mean over SKUs; :func:`kamlab.metrics.price_erosion`); the signal is
   PE > 5 % for 4 weeks running in any neighbour (:func:`kamlab.metrics.sustained_price_erosion`).
4. **Code traces**: share of d's packs found outside r (``code_traces``;
   :func:`kamlab.metrics.traced_share`).

:func:`kamlab.metrics.diversion_signals` combines them (≥ 2 of {1, 2, 3}, or traces > 0.2) and
estimates the diverted share ≈ AG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.analysis._cache import per_world
from kamlab.analysis.m6_common import pair_matrix, periods

__all__ = ["REGION_XY", "DiversionView", "distributors", "diversion_map"]

#: schematic map positions of the default regions (x east, y north); others go on a circle
REGION_XY = {
    "R1": (0.55, 0.88),
    "R2": (0.9, 0.52),
    "R3": (0.62, 0.08),
    "R4": (0.55, 0.48),
    "R5": (0.12, 0.55),
}


@dataclass
class _Ctx:
    dists: pd.DataFrame  # account_id, account_name, region_id
    regions: pd.DataFrame  # region_id, name_en, name_cn, list_price_factor, x, y
    adjacency: dict[str, list[str]]
    secondary: np.ndarray  # (D, P) volume_eq
    sell_in: np.ndarray  # (D, P) volume_eq
    offtake: np.ndarray  # (R, P) OURS TT volume_eq
    category: np.ndarray  # (R, P) TT category value (all owners)
    price: np.ndarray  # (R, T) TT mean price index (NaN = no check)
    packs: np.ndarray  # (D, R, P) traced packs of distributor d found in region r, period p


def _xy(region_ids: list[str]) -> list[tuple[float, float]]:
    out = []
    others = [r for r in region_ids if r not in REGION_XY]
    for r in region_ids:
        if r in REGION_XY:
            out.append(REGION_XY[r])
        else:
            k = others.index(r)
            ang = 2 * np.pi * k / max(1, len(others))
            out.append((0.5 + 0.45 * np.cos(ang), 0.5 + 0.45 * np.sin(ang)))
    return out


def _build(world: Any) -> _Ctx:
    per = periods(world)
    P, T = len(per.keys), len(world.calendar)
    acc = world.accounts
    d = acc[acc.channel.astype(str) == "DIST"].sort_values("account_id")
    dists = pd.DataFrame(
        {
            "account_id": d.account_id.astype(str).to_numpy(),
            "account_name": d.account_name.astype(str).to_numpy(),
            "region_id": d.hq_region_id.astype(str).to_numpy(),
        }
    )
    reg = world.regions.sort_values("region_id")
    rid = reg.region_id.astype(str).tolist()
    xy = _xy(rid)
    regions = pd.DataFrame(
        {
            "region_id": rid,
            "name_en": reg.name_en.astype(str).to_numpy(),
            "name_cn": reg.name_cn.astype(str).to_numpy(),
            "list_price_factor": reg.list_price_factor.to_numpy(dtype=float),
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
        }
    )
    adj: dict[str, list[str]] = {r: [] for r in rid}
    ra = world.region_adjacency
    for a, b in zip(ra.region_a.astype(str), ra.region_b.astype(str), strict=True):
        if b not in adj.setdefault(a, []):
            adj[a].append(b)
        if a not in adj.setdefault(b, []):
            adj[b].append(a)
    drow = {a: i for i, a in enumerate(dists.account_id)}
    veq = world.products.set_index(world.products.sku_id.astype(str)).volume_eq_per_case
    so = world.sell_out
    so = so[so.account_id.astype(str).isin(drow)]
    so = so.assign(v=so.cases_sold.to_numpy(float) * so.sku_id.astype(str).map(veq).to_numpy(float))
    sec_w = pair_matrix(so, so.account_id.astype(str).map(drow), "v", len(dists), T)
    si = world.sell_in
    si = si[si.account_id.astype(str).isin(drow)]
    si_w = pair_matrix(si, si.account_id.astype(str).map(drow), "volume_eq", len(dists), T)

    def by_period(x: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0], P))
        for p in range(P):
            out[:, p] = x[:, per.first_week[p] : per.first_week[p] + per.n_weeks[p]].sum(axis=1)
        return out

    rrow = {r: i for i, r in enumerate(rid)}
    prow = {k: i for i, k in enumerate(per.keys)}
    mrp = world.market_region_period
    tt = mrp[mrp.channel_group.astype(str) == "TT"]
    offtake = np.zeros((len(rid), P))
    category = np.zeros((len(rid), P))
    r_i = tt.region_id.astype(str).map(rrow).to_numpy()
    p_i = tt.period_key.astype(str).map(prow).to_numpy()
    ok = ~(pd.isna(r_i) | pd.isna(p_i))
    r_i, p_i = r_i[ok].astype(int), p_i[ok].astype(int)
    ours = tt.brand_owner.astype(str).to_numpy()[ok] == "OURS"
    np.add.at(offtake, (r_i[ours], p_i[ours]), tt.volume_eq.to_numpy(float)[ok][ours])
    np.add.at(category, (r_i, p_i), tt.value_incl_vat.to_numpy(float)[ok])
    pc = world.price_checks
    pc = pc[pc.channel_group.astype(str) == "TT"]
    g = pc.groupby([pc.region_id.astype(str), pc.week_id]).price_index.mean().reset_index()
    price = np.full((len(rid), T), np.nan)
    gr = g.region_id.map(rrow).to_numpy()
    gw = g.week_id.to_numpy(dtype=np.int64)
    okp = ~pd.isna(gr) & (gw >= 0) & (gw < T)
    price[gr[okp].astype(int), gw[okp]] = g.price_index.to_numpy(float)[okp]
    ct = world.code_traces
    packs = np.zeros((len(dists), len(rid), P))
    ci = ct.source_account_id.astype(str).map(drow).to_numpy()
    cr = ct.found_region_id.astype(str).map(rrow).to_numpy()
    cp = ct.period_key.astype(str).map(prow).to_numpy()
    okc = ~(pd.isna(ci) | pd.isna(cr) | pd.isna(cp))
    np.add.at(
        packs,
        (ci[okc].astype(int), cr[okc].astype(int), cp[okc].astype(int)),
        ct.n_packs.to_numpy(dtype=float)[okc],
    )
    return _Ctx(
        dists, regions, adj, by_period(sec_w), by_period(si_w), offtake, category, price, packs
    )


def _ctx(world: Any) -> _Ctx:
    tables = ("calendar", "accounts", "regions", "region_adjacency", "products", "sell_out",
              "sell_in", "market_region_period", "price_checks", "code_traces")  # fmt: skip
    return per_world(world, "m6.diversion", _build, tables=tables)


def distributors(world: Any) -> pd.DataFrame:
    """The distributors: ``account_id, account_name, region_id``."""
    return _ctx(world).dists.copy()


@dataclass(frozen=True)
class DiversionView:
    """Result of :func:`diversion_map`.

    ``regions``: region_id, names, x, y, ``price_index`` (TT mean), ``offtake`` and ``secondary``
    (volume_eq), ``absorption_gap`` (region level). ``flows``: source_region_id,
    found_region_id, source_account_id, n_packs (traced packs found outside their distributor's
    region). ``signals``: one row per distributor with ``absorption_gap, growth_gap,
    sell_in_growth, market_growth, pe_max, price_signal, traced_share, n_signals, flag,
    estimated_diverted_share``. ``trend``: the focused distributor per period
    (``period_key, absorption_gap, traced_share, pe_max``).
    """

    fiscal_year: int
    period_keys: list[str]
    distributor: str
    regions: pd.DataFrame
    flows: pd.DataFrame
    signals: pd.DataFrame
    trend: pd.DataFrame


def _ag(off: float, sec: float) -> float:
    return km.absorption_gap(off, sec) if sec > 0 else float("nan")


def diversion_map(
    world: Any, fiscal_year: int | None = None, distributor: str | None = None
) -> DiversionView:
    """Diversion signals of every distributor for ``fiscal_year`` (default: the last year)."""
    c = _ctx(world)
    per = periods(world)
    years = sorted(set(per.years.tolist()))
    fy = years[-1] if fiscal_year is None else int(fiscal_year)
    if fy not in years:
        raise ValueError(f"'fiscal_year' {fy} is not in the calendar ({years[0]}–{years[-1]}).")
    if c.dists.empty:
        raise ValueError("This world has no distributors, so there is no diversion to map.")
    focus = c.dists.account_id.iloc[0] if distributor is None else str(distributor)
    if focus not in set(c.dists.account_id):
        raise ValueError(f"'distributor' {focus!r} is not a distributor of this world.")
    ps = np.flatnonzero(per.years == fy)
    ly = np.flatnonzero(per.years == fy - 1)
    weeks = np.flatnonzero(per.week_year == fy)
    rid = c.regions.region_id.tolist()
    rrow = {r: i for i, r in enumerate(rid)}
    # region level
    sec_r = np.zeros((len(rid), per.first_week.size))
    for i, r in enumerate(c.dists.region_id):
        sec_r[rrow[r]] += c.secondary[i]
    regions = c.regions.copy()
    pr = c.price[:, weeks]
    regions["price_index"] = [float(np.nanmean(x)) if np.isfinite(x).any() else np.nan for x in pr]
    regions["offtake"] = c.offtake[:, ps].sum(axis=1)
    regions["secondary"] = sec_r[:, ps].sum(axis=1)
    regions["absorption_gap"] = [
        _ag(o, s) for o, s in zip(regions.offtake, regions.secondary, strict=True)
    ]
    # flows: packs of each distributor found outside its region over the year
    year_packs = c.packs[:, :, ps].sum(axis=2)  # (D, R)
    home_r = np.array([rrow[r] for r in c.dists.region_id], dtype=int)
    flow_rows = [
        (c.dists.account_id.iloc[d], rid[home_r[d]], rid[r], float(year_packs[d, r]))
        for d, r in zip(*np.nonzero(year_packs), strict=True)
        if r != home_r[d]
    ]
    flows = pd.DataFrame(
        flow_rows, columns=["source_account_id", "source_region_id", "found_region_id", "n_packs"]
    )
    # per distributor
    rows = []
    for i, (a, name, r) in enumerate(
        c.dists[["account_id", "account_name", "region_id"]].itertuples(index=False)
    ):
        ag = regions.absorption_gap.iloc[rrow[r]]
        gg = sg = mg = np.nan
        if ly.size == ps.size and c.sell_in[i, ly].sum() > 0 and c.category[rrow[r], ly].sum() > 0:
            sig, siy = c.sell_in[i, ps].sum(), c.sell_in[i, ly].sum()
            mty, mly = c.category[rrow[r], ps].sum(), c.category[rrow[r], ly].sum()
            gg = km.growth_gap(sig, siy, mty, mly)
            sg, mg = km.yoy_growth(sig, siy), km.yoy_growth(mty, mly)
        own = c.price[rrow[r], weeks]
        pe_max, pe_sig = 0.0, False
        for nb in c.adjacency.get(r, []):
            nbp = c.price[rrow[nb], weeks]
            ok = np.isfinite(nbp) & np.isfinite(own) & (own > 0)
            if ok.sum() == 0:
                continue
            pe = km.price_erosion(nbp[ok], own[ok])
            pe_max = max(pe_max, float(np.max(pe)))
            pe_sig = pe_sig or km.sustained_price_erosion(pe)
        found = float(year_packs[i].sum())
        outside = found - float(year_packs[i, rrow[r]])
        ts = km.traced_share(outside, found) if found > 0 else np.nan
        s = km.diversion_signals(
            ag if np.isfinite(ag) else 0.0,
            gg if np.isfinite(gg) else 0.0,
            pe_sig,
            None if not np.isfinite(ts) else ts,
        )
        rows.append(
            {
                "account_id": a,
                "account_name": name,
                "region_id": r,
                "absorption_gap": ag,
                "sell_in_growth": sg,
                "market_growth": mg,
                "growth_gap": gg,
                "pe_max": pe_max,
                "price_signal": pe_sig,
                "traced_share": ts,
                "n_signals": s.n_signals,
                "flag": s.flag,
                "estimated_diverted_share": s.estimated_diverted_share if s.flag else 0.0,
            }
        )
    signals = pd.DataFrame(rows)
    # trend of the focused distributor
    i = int(np.flatnonzero(c.dists.account_id == focus)[0])
    r = c.dists.region_id.iloc[i]
    trend_rows = []
    for p in ps:
        found = float(c.packs[i, :, p].sum())
        outside = found - float(c.packs[i, rrow[r], p])
        wk = np.arange(per.first_week[p], per.first_week[p] + per.n_weeks[p])
        own = c.price[rrow[r], wk]
        pe_p = 0.0
        for nb in c.adjacency.get(r, []):
            nbp = c.price[rrow[nb], wk]
            ok = np.isfinite(nbp) & np.isfinite(own) & (own > 0)
            if ok.any():
                pe_p = max(pe_p, float(np.mean(km.price_erosion(nbp[ok], own[ok]))))
        trend_rows.append(
            {
                "period_key": per.keys[p],
                "absorption_gap": _ag(c.offtake[rrow[r], p], sec_r[rrow[r], p]),
                "traced_share": km.traced_share(outside, found) if found > 0 else np.nan,
                "pe_max": pe_p,
            }
        )
    return DiversionView(
        fiscal_year=fy,
        period_keys=[per.keys[p] for p in ps],
        distributor=focus,
        regions=regions,
        flows=flows,
        signals=signals,
        trend=pd.DataFrame(trend_rows),
    )
