"""Calibration and detection report (SPEC §3.14): ``python -m kamlab.sim.calibration --seeds 20``.

:func:`band_metrics` measures a world against the calibration bands of :data:`BANDS` with the
formulas of :mod:`kamlab.metrics`; :func:`detect` runs the default flags of SPEC §2.10–2.13
(stuffing: WOC rule or R13; month-end push: LWS/G* over trailing periods; diversion: the
composite; mix drift: TVD > 0.05) on every entity × period, and :func:`score_detection`
compares them with ``truth_scenario_labels``: recall over the labelled entities (and over the
labelled entity-periods where the labels are per period) for a world with scenarios, and the
share of entity-periods flagged for a clean world.

The report prints, per seed and as min / median / max over seeds, each band value and whether it
is inside its band, and the detection recall and false-positive rates.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab import metrics as km
from kamlab.data.world import World

__all__ = ["BANDS", "Detection", "band_metrics", "detect", "main", "run_report", "score_detection"]

#: SPEC §3.14 calibration bands (clean data); see datasets/DATACARD.md for any changes.
BANDS: dict[str, tuple[float, float]] = {
    "tts_rate": (0.15, 0.25),
    "gp_rate": (0.30, 0.45),
    "case_fill": (0.93, 0.98),
    "line_otif": (0.85, 0.95),
    "wmape_lag2_asw": (0.20, 0.40),
    "wmape_lag2_aperiod": (0.08, 0.20),
    "oos": (0.05, 0.10),
    "woc_HYPER": (2.0, 4.0),
    "woc_SUPER": (2.0, 4.0),
    "woc_CVS": (1.0, 2.5),
    "woc_EC": (2.0, 4.0),
    "woc_DIST": (3.0, 6.0),
    "value_share": (0.10, 0.30),
    "promo_share_mt": (0.15, 0.35),
    "roi_below_1": (0.50, 0.70),
}


# ---------------------------------------------------------------------------------------------
# helpers
def _account_week(world: World) -> pd.DataFrame:
    """Account × week sell-in, sell-out, closing stock and weeks of cover."""
    inv = world.customer_inventory
    aw = inv.groupby(["account_id", "week_id"], observed=True, sort=True)[
        ["closing_cases", "sell_out_cases", "receipts_cases"]
    ].sum()
    si = world.sell_in.groupby(["account_id", "week_id"], observed=True).cases_shipped.sum()
    aw["sell_in"] = si.reindex(aw.index, fill_value=0).astype(float)
    aw = aw.reset_index()
    aw["account_id"] = aw["account_id"].astype(str)
    wocs = []
    for _, g in aw.groupby("account_id", sort=True):
        wocs.append(
            pd.Series(
                km.weeks_of_cover(g.closing_cases.to_numpy(), g.sell_out_cases.to_numpy()),
                index=g.index,
            )
        )
    aw["woc"] = pd.concat(wocs).sort_index()
    cal = world.calendar.set_index("week_id")
    aw["period_key"] = aw.week_id.map(cal.period_key).astype(str)
    aw["weeks_in_period"] = aw.week_id.map(cal.weeks_in_period).astype(int)
    acc = world.accounts.set_index("account_id")
    aw["target_woc"] = aw.account_id.map(acc.target_woc).astype(float)
    aw["channel"] = aw.account_id.map(acc.channel.astype(str))
    aw["kam_id"] = aw.account_id.map(acc.kam_id.astype(str))
    return aw


def band_metrics(world: World) -> dict[str, float]:
    """The value of every calibration band of :data:`BANDS` for ``world`` (company level)."""
    out: dict[str, float] = {}
    si = world.sell_in
    prod = world.products.set_index("sku_id")
    cogs = float((si.cases_shipped * si.sku_id.map(prod.cogs_case).astype(float)).sum())
    gs = float(si.gross_sales.sum())
    ts = world.trade_spend
    oid = float(ts.loc[ts.on_invoice, "amount_rmb"].sum())
    off = float(ts.loc[~ts.on_invoice, "amount_rmb"].sum())
    pnl = km.account_pnl(gs, oid, off, cogs, 0.0)
    out["tts_rate"] = pnl.tts_rate
    out["gp_rate"] = pnl.gp_rate
    fr = km.fill_rates(world.order_lines)
    out["case_fill"] = fr.case_fill
    out["line_otif"] = fr.line_otif
    fc = world.forecasts
    f2 = fc[fc.lag_weeks == 2]
    ol = world.order_lines.groupby(
        ["account_id", "sku_id", "week_id"], observed=True
    ).cases_ordered.sum()
    act = ol.reindex(
        pd.MultiIndex.from_arrays([f2.account_id, f2.sku_id, f2.target_week_id]), fill_value=0
    ).to_numpy(dtype=float)
    out["wmape_lag2_asw"] = km.wmape(act, f2.forecast_cases.to_numpy())
    cal = world.calendar.set_index("week_id")
    per = f2.target_week_id.map(cal.period_key).astype(str).to_numpy()
    g = pd.DataFrame({"a": f2.account_id.astype(str).to_numpy(), "p": per, "A": act,
                      "F": f2.forecast_cases.to_numpy()}).groupby(["a", "p"]).sum()  # fmt: skip
    out["wmape_lag2_aperiod"] = km.wmape(g.A.to_numpy(), g.F.to_numpy())
    av = world.audit_visits
    out["oos"] = km.oos_rate(av.oos_n, av.listed_n)
    aw = _account_week(world)
    for ch in ("HYPER", "SUPER", "CVS", "EC", "DIST"):
        m = (aw.channel == ch) & (aw.week_id >= 4)
        if m.any():
            w = aw.loc[m, "woc"].to_numpy()
            out[f"woc_{ch}"] = float(np.median(w[np.isfinite(w)]))
    maw = world.market_account_week
    ours = maw.loc[maw.brand_owner == "OURS", "value_incl_vat"].sum()
    out["value_share"] = km.value_share(ours, maw.value_incl_vat.sum())
    so = world.sell_out
    ch = so.account_id.map(world.accounts.set_index("account_id").channel.astype(str))
    mt = so[ch.isin(["HYPER", "SUPER", "CVS"]).to_numpy()]
    out["promo_share_mt"] = float(mt.loc[mt.promo_flag, "cases_sold"].sum() / mt.cases_sold.sum())
    tp = world.truth_promo.merge(
        world.promotions[["promo_id", "status", "mechanic"]], on="promo_id"
    )
    tp = tp[tp.status == "EXECUTED"]
    ka = tp.mechanic != "TRADE_DEAL"  # retailer (consumer) promotions; trade deals reported apart
    out["roi_below_1"] = float((tp.loc[ka, "roi"] < 1.0).mean())
    out["roi_below_1_trade_deals"] = (
        float((tp.loc[~ka, "roi"] < 1.0).mean()) if (~ka).any() else np.nan
    )
    return out


# ---------------------------------------------------------------------------------------------
@dataclass
class Detection:
    """Flags of one detector: entity-periods flagged and the grid they were evaluated on."""

    name: str
    flagged: set[tuple[str, str]] = field(default_factory=set)
    grid: set[tuple[str, str]] = field(default_factory=set)

    @property
    def entities(self) -> set[str]:
        return {e for e, _ in self.flagged}


def _stuffing(aw: pd.DataFrame) -> Detection:
    det = Detection("stuffing")
    for acc, g in aw.groupby("account_id", sort=True):
        woc = np.nan_to_num(g.woc.to_numpy(), posinf=99.0)
        r13 = km.sell_in_sell_out_ratio(g.sell_in.to_numpy(), g.sell_out_cases.to_numpy(), 13)
        r13 = np.nan_to_num(np.asarray(r13, dtype=float), nan=0.0, posinf=0.0)
        r13[:12] = 0.0  # the 13-week ratio needs 13 weeks
        flags = km.stuffing_flags(woc, g.target_woc.to_numpy(), ratio=r13)
        pk = g.period_key.to_numpy()
        det.grid |= {(acc, p) for p in pk}
        det.flagged |= {(acc, p) for p in pk[np.asarray(flags, dtype=bool)]}
    return det


def _push(aw: pd.DataFrame, by: str) -> Detection:
    det = Detection(f"month_end_push_{by}")
    x = aw.groupby([by, "period_key", "week_id"], sort=True).sell_in.sum().reset_index()
    ev = km.evenness_frame(x, [by, "period_key"], value="sell_in", week="week_id", empty="drop")
    for ent, g in ev.groupby(by, sort=True):
        g = g.sort_values("period_key")
        flags = km.month_end_push_flag(
            g.lws.to_numpy(), g.gini_norm.to_numpy(), g.n.to_numpy(), trailing=6
        )
        pk = g.period_key.to_numpy()
        det.grid |= {(ent, p) for p in pk}
        det.flagged |= {(ent, p) for p in pk[np.asarray(flags, dtype=bool)]}
    return det


def _mix(world: World) -> tuple[Detection, Detection]:
    """Channel-mix TVD per region × period and pack-mix TVD per account × period vs plan.

    Actual mix is measured on volume sold (``volume_eq``, as the plan) over a trailing window ending with the period: the
    plan is annual while single periods carry channel- and pack-specific events (Double 11 on
    e-commerce, gift boxes at Spring Festival), so channels are compared over the last 26 weeks
    and packs over the last 52 weeks, each against the plans of the years in the window
    weighted by their weeks in it.
    """
    acc = world.accounts.set_index("account_id")
    so = world.sell_out
    cal = world.calendar.set_index("week_id")
    plan = world.mix_plan
    prod = world.products.set_index("sku_id")
    df = pd.DataFrame(
        {
            "account_id": so.account_id.astype(str).to_numpy(),
            "region": so.account_id.map(acc.hq_region_id).astype(str).to_numpy(),
            "channel": so.account_id.map(acc.channel.astype(str)).to_numpy(),
            "pack": so.sku_id.map(prod.pack_type.astype(str)).to_numpy(),
            "week_id": so.week_id.to_numpy(),
            "cases": (
                so.cases_sold * so.sku_id.map(prod.volume_eq_per_case).astype(float)
            ).to_numpy(),
        }
    )
    periods = cal.period_key.astype(str)
    last_week = cal.reset_index().groupby(periods.to_numpy()).week_id.max()
    det_c, det_p = Detection("channel_mix"), Detection("pack_mix")
    for scope, dim, key, det, window in (
        ("REGION", "CHANNEL", "region", det_c, 26),
        ("ACCOUNT", "PACK_TYPE", "account_id", det_p, 52),
    ):
        pl = plan[(plan.scope_type == scope) & (plan.dimension == dim)]
        vol = df.groupby(
            [key, df.columns[{"CHANNEL": 2, "PACK_TYPE": 3}[dim]], "week_id"]
        ).cases.sum()
        vol = vol.unstack(1, fill_value=0.0)
        for ent in sorted(pl.scope_id.astype(str).unique()):
            if ent not in vol.index.get_level_values(0):
                continue
            v = vol.loc[ent]
            for p, lw in last_week.items():
                if lw < window - 1:
                    continue
                win = v.loc[(v.index > lw - window) & (v.index <= lw)].sum()
                # the plan of the window: each year's plan weighted by its weeks in the window
                wks = np.arange(lw - window + 1, lw + 1)
                planned: dict[str, float] = {}
                for y, n_y in zip(
                    *np.unique(cal.fiscal_year.to_numpy()[wks], return_counts=True), strict=True
                ):
                    pp = pl[(pl.scope_id.astype(str) == ent) & (pl.fiscal_year == y)]
                    for mem, sh in zip(pp.member.astype(str), pp.planned_share, strict=True):
                        planned[mem] = planned.get(mem, 0.0) + sh * n_y / window
                actual = {k: float(x) for k, x in win.items() if x > 0 or k in planned}
                if not planned or sum(actual.values()) <= 0:
                    continue
                tvd = km.mix_deviation(actual, planned)
                det.grid.add((ent, p))
                if km.mix_drift_flag(tvd):
                    det.flagged.add((ent, p))
    return det_c, det_p


def _diversion(world: World) -> Detection:
    """Composite diversion flag per distributor × period of the second year (YoY needs LY)."""
    det = Detection("diversion")
    acc = world.accounts
    dists = acc[acc.channel == "DIST"]
    cal = world.calendar.set_index("week_id")
    prod = world.products.set_index("sku_id")
    so = world.sell_out
    so_d = so[so.account_id.isin(dists.account_id)]
    vol = so_d.cases_sold * so_d.sku_id.map(prod.volume_eq_per_case).astype(float)
    sec = pd.DataFrame({"a": so_d.account_id.astype(str).to_numpy(),
                        "p": so_d.week_id.map(cal.period_key).astype(str).to_numpy(),
                        "v": vol.to_numpy()}).groupby(["a", "p"]).v.sum()  # fmt: skip
    si = world.sell_in
    si_d = si[si.account_id.isin(dists.account_id)]
    sin = pd.DataFrame({"a": si_d.account_id.astype(str).to_numpy(),
                        "p": si_d.week_id.map(cal.period_key).astype(str).to_numpy(),
                        "v": si_d.volume_eq.to_numpy()}).groupby(["a", "p"]).v.sum()  # fmt: skip
    mrp = world.market_region_period
    tt = mrp[(mrp.channel_group == "TT")]
    off = (
        tt[tt.brand_owner == "OURS"]
        .groupby(["region_id", "period_key"], observed=True)
        .volume_eq.sum()
    )
    cat_v = tt.groupby(["region_id", "period_key"], observed=True).value_incl_vat.sum()
    pc = world.price_checks
    pc = pc[pc.channel_group == "TT"]
    pidx = pc.groupby(["region_id", "week_id"], observed=True).price_index.mean()
    ct = world.code_traces
    adj = world.region_adjacency
    reg_of = dists.set_index("account_id").hq_region_id.astype(str)
    fy = cal.fiscal_year
    years = sorted(fy.unique())
    if len(years) < 2:
        return det
    periods = [p for p in cal.period_key.astype(str).unique() if not p.startswith(f"FY{years[0]}-")]
    for d in sorted(reg_of.index):
        r = reg_of[d]
        in_r = reg_of[reg_of == r].index
        nbs = adj.loc[adj.region_a == r, "region_b"].astype(str).tolist()
        for p in periods:
            ly = p.replace(p[2:6], str(int(p[2:6]) - 1))
            secondary = sum(sec.get((x, p), 0.0) for x in in_r)
            offtake = off.get((r, p), 0.0)
            share_d = sec.get((d, p), 0.0) / secondary if secondary > 0 else 0.0
            ag = 1.0 - offtake / secondary if secondary > 0 else 0.0
            gg = 0.0
            if sin.get((d, ly), 0) > 0 and cat_v.get((r, ly), 0) > 0:
                gg = km.growth_gap(
                    sin.get((d, p), 0.0), sin[(d, ly)], cat_v.get((r, p), 0.0), cat_v[(r, ly)]
                )
            wk = cal.index[cal.period_key.astype(str) == p]
            own = np.array([pidx.get((r, w), 1.0) for w in wk])
            pe_sig = False
            for nb in nbs:
                nbp = np.array([pidx.get((nb, w), 1.0) for w in wk])
                pe = km.price_erosion(nbp, own)
                if km.sustained_price_erosion(pe):
                    pe_sig = True
            c = ct[(ct.period_key == p) & (ct.source_account_id == d)]
            found = c.n_packs.sum()
            outside = c.loc[c.found_region_id.astype(str) != r, "n_packs"].sum()
            tr = km.traced_share(outside, found) if found > 0 else 0.0
            flag = km.diversion_flag(max(0.0, ag) * (share_d > 0), gg, pe_sig, traced_share=tr)
            det.grid.add((d, p))
            if flag:
                det.flagged.add((d, p))
    return det


def detect(world: World) -> dict[str, Detection]:
    """Run every default flag on every entity × period of ``world``."""
    aw = _account_week(world)
    chan, pack = _mix(world)
    return {
        "stuffing": _stuffing(aw),
        "month_end_push": _push(aw, "account_id"),
        "month_end_push_kam": _push(aw, "kam_id"),
        "diversion": _diversion(world),
        "channel_mix": chan,
        "pack_mix": pack,
    }


#: detector → (scenario labels it should find, entity types of those labels)
_TARGETS = {
    "stuffing": ("STUFFING", ("ACCOUNT", "DISTRIBUTOR")),
    "month_end_push": ("MONTH_END_PUSH", ("ACCOUNT", "DISTRIBUTOR")),
    "month_end_push_kam": ("MONTH_END_PUSH", ("KAM",)),
    "diversion": ("DIVERSION", ("DISTRIBUTOR",)),
    "channel_mix": ("CHANNEL_MIX_DRIFT", ("REGION",)),
    "pack_mix": ("PACK_MIX_DRIFT", ("ACCOUNT",)),
}


def score_detection(
    world: World, dets: dict[str, Detection] | None = None
) -> dict[str, dict[str, Any]]:
    """Recall (entities, and entity-periods where labels are per period) and flag rate."""
    dets = dets or detect(world)
    lab = world.truth_scenario_labels
    out: dict[str, dict[str, Any]] = {}
    for name, det in dets.items():
        scen, types = _TARGETS[name]
        lb = lab[(lab.scenario == scen) & lab.entity_type.isin(types)]
        if name == "channel_mix":
            lb = lb[lb.severity >= 0.06 - 1e-9]  # periods where the drift is clearly above 0.05
        ents = set(lb.entity_id.astype(str))
        res: dict[str, Any] = {
            "flag_rate": len(det.flagged) / max(1, len(det.grid)),
            "n_grid": len(det.grid),
            "entities": sorted(ents),
        }
        if ents:
            res["recall_entities"] = len(ents & det.entities) / len(ents)
            per = lb.dropna(subset=["period_key"])
            if len(per):
                pairs = {
                    (str(e), str(p)) for e, p in zip(per.entity_id, per.period_key, strict=True)
                }
                pairs &= det.grid | pairs
                res["recall_entity_periods"] = len(pairs & det.flagged) / len(pairs)
                last = per.sort_values("period_key").groupby("entity_id", observed=True).tail(1)
                ends = {(str(e), str(p)) for e, p in zip(last.entity_id, last.period_key,
                                                          strict=True)}  # fmt: skip
                res["recall_last_period"] = len(ends & det.flagged) / len(ends)
            labelled = {e for e, _ in det.grid} & ents
            false = {(e, p) for e, p in det.flagged if e not in labelled}
            grid_other = {(e, p) for e, p in det.grid if e not in labelled}
            res["flag_rate_unlabelled"] = len(false) / max(1, len(grid_other))
        out[name] = res
    return out


# ---------------------------------------------------------------------------------------------
def run_report(seeds: list[int], preset: str = "default") -> str:
    """The calibration report as Markdown (bands on clean worlds, detection on both)."""
    from kamlab.sim import SimConfig, simulate

    band_rows, det_rows = [], []
    for seed in seeds:
        clean = simulate(SimConfig.preset(preset, seed=seed, scenarios="none"))
        b = band_metrics(clean)
        band_rows.append({"seed": seed, **b})
        fp = score_detection(clean)
        scen = simulate(SimConfig.preset(preset, seed=seed, scenarios="default"))
        rc = score_detection(scen)
        for name in fp:
            det_rows.append(
                {
                    "seed": seed,
                    "detector": name,
                    "flag_rate_clean": fp[name]["flag_rate"],
                    "recall_entities": rc[name].get("recall_entities", np.nan),
                    "recall_entity_periods": rc[name].get("recall_entity_periods", np.nan),
                    "recall_last_period": rc[name].get("recall_last_period", np.nan),
                    "flag_rate_unlabelled": rc[name].get("flag_rate_unlabelled", np.nan),
                }
            )
    bands = pd.DataFrame(band_rows).set_index("seed")
    lines = [f"# Calibration report — preset {preset}, seeds {', '.join(map(str, seeds))}", ""]
    lines += ["## Bands (clean worlds, scenarios='none')", ""]
    lines += [
        "| band | lo | hi | min | median | max | seeds inside |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for k, (lo, hi) in BANDS.items():
        if k not in bands:
            continue
        v = bands[k]
        inside = ((v >= lo - 1e-9) & (v <= hi + 1e-9)).sum()
        lines.append(f"| {k} | {lo:g} | {hi:g} | {v.min():.3f} | {v.median():.3f} | {v.max():.3f} "
                     f"| {inside}/{len(v)} |")  # fmt: skip
    det = pd.DataFrame(det_rows)
    lines += ["", "## Detection (default flags of kamlab.metrics)", ""]
    lines += ["| detector | clean flag rate (max) | recall entities (min) | recall entity-periods (min) "
              "| recall last labelled period (seeds) | unlabelled flag rate with scenarios (max) |",
              "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, g in det.groupby("detector", sort=False):
        last = g.recall_last_period.dropna()
        last_s = f"{(last >= 1 - 1e-9).sum()}/{len(last)}" if len(last) else "—"
        lines.append(
            f"| {name} | {g.flag_rate_clean.max():.3f} | {g.recall_entities.min():.2f} | "
            f"{g.recall_entity_periods.min():.2f} | {last_s} | {g.flag_rate_unlabelled.max():.3f} |"
        )
    lines += ["", "Per-seed band values:", "", "```", bands.round(4).T.to_string(), "```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20, help="number of seeds (from 20240601 on)")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--first-seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    seeds = [a.first_seed + i for i in range(a.seeds)]
    sys.stdout.write(run_report(seeds, a.preset) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
