"""M6 scenario panels: inventory health, evenness, diversion map, mix monitor.

Each panel is a thin view over a pure model (tested on its own):

* :class:`InventoryHealthPanel` → :func:`kamlab.analysis.m6_inventory.inventory_health` and
  :func:`kamlab.analysis.m6_inventory.inject_stuffing` (the instructor's stuffing injector)
* :class:`EvennessPanel` → :func:`kamlab.analysis.m6_evenness.evenness_monitor`
* :class:`DiversionPanel` → :func:`kamlab.analysis.m6_diversion.diversion_map`
* :class:`MixPanel` → :func:`kamlab.analysis.m6_mix.mix_monitor`

>>> from kamlab.ui.m6 import InventoryHealthPanel      # doctest: +SKIP
>>> InventoryHealthPanel()                              # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kamlab import metrics as km
from kamlab.analysis.m6_common import periods
from kamlab.analysis.m6_diversion import DiversionView, distributors, diversion_map
from kamlab.analysis.m6_evenness import EvennessView, evenness_monitor
from kamlab.analysis.m6_inventory import (
    InventoryView,
    StuffingReplay,
    inject_stuffing,
    inventory_health,
    inventory_pairs,
)
from kamlab.analysis.m6_mix import DIMENSIONS, MixView, mix_monitor, mix_scopes
from kamlab.i18n import get_language, money, t
from kamlab.ui import charts
from kamlab.ui.base import Panel, register, table_html

__all__ = ["DiversionPanel", "EvennessPanel", "InventoryHealthPanel", "MixPanel"]

BLUE, ORANGE, SKY, GREEN, YELLOW, NAVY, VERMILLION, PURPLE = charts.PALETTE[:8]
AGE_COLOURS = [SKY, BLUE, YELLOW, ORANGE, VERMILLION]
#: sequential, colour-blind-safe scale (blue → yellow → vermillion); values are printed too
SEQ_SCALE = [[0.0, "#0072B2"], [0.35, "#56B4E9"], [0.55, "#F0E442"], [0.75, "#E69F00"],
             [1.0, "#D55E00"]]  # fmt: skip


def _pct(x: float | None, digits: int = 1) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    v = x * 100
    return f"{0.0 if abs(v) < 0.05 else v:.{digits}f}%"


def _num(x: float | None, digits: int = 1) -> str:
    if x is None or not np.isfinite(x):
        return "–" if x is None or np.isnan(x) else "∞"
    return f"{x:,.{digits}f}"


def _yes(flag: bool) -> str:
    return "⚑ " + t("common.yes") if flag else t("common.no")


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InventoryResult:
    """What the inventory panel draws: the recorded view and, when injected, the replay."""

    view: InventoryView
    replay: StuffingReplay | None


@register("M6", "inventory_health")
class InventoryHealthPanel(Panel):
    """Inventory health: SI vs SO, weeks of cover, age buckets; instructor stuffing injector."""

    title_key = "m6.inventory_title"
    parents = ("account",)

    def build(self) -> None:
        acc = self.world.accounts.sort_values("account_id")
        opts = [(f"{a} {n}", a) for a, n in zip(acc.account_id.astype(str),
                                                 acc.account_name.astype(str), strict=True)]  # fmt: skip
        self.control("account", W.Dropdown(options=opts, value=opts[0][1]), "common.account")
        skus = inventory_pairs(self.world, opts[0][1])
        self.control("sku", W.Dropdown(options=skus, value=skus[0]), "common.sku")
        T = len(self.world.calendar)
        self.control("inject", W.Checkbox(value=False), "m6.inject")
        self.control("extra_woc", W.IntSlider(value=12, min=0, max=30), "m6.extra_woc")
        self.control(
            "start_week", W.IntSlider(value=min(46, T - 8), min=4, max=T - 8), "m6.start_week"
        )
        self.control("load_weeks", W.IntSlider(value=4, min=1, max=6), "m6.load_weeks")
        self.fig = charts.figure(height=380)
        self.fig.add_trace(go.Bar(name="si", marker={"color": SKY}))
        self.fig.add_trace(go.Scatter(name="si_clean", mode="lines",
                                      line={"color": NAVY, "dash": "dot", "shape": "hv"}))  # fmt: skip
        self.fig.add_trace(go.Scatter(name="so", mode="lines", line={"color": BLUE, "width": 2}))
        self.fig.add_trace(
            go.Scatter(name="woc", mode="lines", yaxis="y2", line={"color": VERMILLION, "width": 3})
        )
        self.fig.add_trace(
            go.Scatter(name="woc_clean", mode="lines", yaxis="y2",
                       line={"color": VERMILLION, "dash": "dot", "width": 2})
        )  # fmt: skip
        self.fig.add_trace(
            go.Scatter(
                name="over", mode="lines", yaxis="y2", line={"color": ORANGE, "dash": "dash"}
            )
        )
        self.fig.add_trace(
            go.Scatter(name="digest", mode="markers", marker={"color": PURPLE, "symbol": "x",
                                                              "size": 8})
        )  # fmt: skip
        self.fig.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False},
            yaxis={"rangemode": "tozero"},
        )
        self.fig_age = charts.figure(height=300)
        for colour in AGE_COLOURS:
            self.fig_age.add_trace(
                go.Scatter(mode="lines", stackgroup="age", line={"width": 0.5, "color": colour})
            )
        self.table = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["sku"]]),
                W.HBox([self.controls["inject"], self.controls["extra_woc"]]),
                W.HBox([self.controls["start_week"], self.controls["load_weeks"]]),
                self.table,
                self.fig,
                self.fig_age,
            ]
        )

    def update_options(self, changed: str) -> None:
        skus = inventory_pairs(self.world, self.values["account"])
        self.controls["sku"].options = skus
        self.controls["sku"].value = skus[0]

    def compute(self) -> InventoryResult:
        v = self.values
        view = inventory_health(self.world, v["account"], v["sku"])
        rep = None
        if v["inject"]:
            rep = inject_stuffing(
                self.world, v["account"], v["sku"], v["extra_woc"], v["start_week"],
                v["load_weeks"],
            )  # fmt: skip
        return InventoryResult(view, rep)

    def render(self, r: InventoryResult) -> None:
        v, rep = r.view, r.replay
        w = v.weeks
        if rep is None:
            si, so, woc, buckets = v.sell_in, v.sell_out, v.woc, v.buckets
            digest = np.asarray(v.digest, dtype=bool)
        else:
            si, so, woc = rep.loaded.orders, rep.loaded.sell_out, rep.loaded.woc
            buckets = rep.loaded.buckets
            dl = np.asarray(km.digest_weeks(rep.loaded.orders), dtype=bool)
            dc = np.asarray(km.digest_weeks(rep.clean.orders), dtype=bool)
            digest = dl & ~dc & (w >= rep.load_weeks[0])
        woc_plot = np.where(np.isfinite(woc), woc, np.nan)
        with self.fig.batch_update():
            tr_si, tr_si0, tr_so, tr_woc, tr_woc0, tr_over, tr_dig = self.fig.data
            tr_si.x, tr_si.y = w, si
            tr_si.name = t("m6.sell_in") if rep is None else t("m6.sell_in_loaded")
            tr_so.x, tr_so.y = w, so
            tr_so.name = t("m6.sell_out")
            tr_woc.x, tr_woc.y = w, woc_plot
            tr_woc.name = t("m6.woc")
            tr_over.x, tr_over.y = w, [v.overstock_woc] * w.size
            tr_over.name = t("m6.overstock_line", target=_num(v.target_woc))
            tr_si0.visible = tr_woc0.visible = rep is not None
            if rep is not None:
                tr_si0.x, tr_si0.y = w, rep.clean.orders
                tr_si0.name = t("m6.sell_in_clean")
                tr_woc0.x = w
                tr_woc0.y = np.where(np.isfinite(rep.clean.woc), rep.clean.woc, np.nan)
                tr_woc0.name = t("m6.woc_clean")
            tr_dig.x, tr_dig.y = w[digest], np.zeros(int(digest.sum()))
            tr_dig.name = t("m6.digest_weeks")
            shapes = []
            if rep is not None:
                shapes.append({"type": "rect", "xref": "x", "yref": "paper",
                               "x0": rep.load_weeks[0] - 0.5, "x1": rep.load_weeks[-1] + 0.5,
                               "y0": 0, "y1": 1, "fillcolor": YELLOW, "opacity": 0.25,
                               "line": {"width": 0}})  # fmt: skip
            self.fig.layout.shapes = shapes
            src = t("m6.recorded") if rep is None else t("m6.replayed")
            self.fig.layout.title.text = t(
                "m6.inventory_chart", sku=v.sku_id, account=v.account_id, source=src
            )
            self.fig.layout.yaxis.title = t("m6.cases_per_week")
            self.fig.layout.yaxis2.title = t("m6.woc")
            self.fig.layout.xaxis.title = t("m6.week")
        with self.fig_age.batch_update():
            for k, tr in enumerate(self.fig_age.data):
                tr.x, tr.y = w, buckets[k]
                tr.name = t(f"m6.age_{k}")
            self.fig_age.layout.title.text = t("m6.age_chart", source=src)
            self.fig_age.layout.yaxis.title = t("m6.cases")
        if rep is None:
            rows = [
                (t("m6.row_peak_woc"), _num(v.peak_woc)),
                (t("m6.row_weeks_over"), str(v.weeks_overstocked)),
                (t("m6.row_longest_over"), str(v.longest_overstock_run)),
                (t("m6.row_stuffing_weeks"), str(int(np.asarray(v.stuffing).sum()))),
                (t("m6.row_r13"), _num(float(np.max(np.where(np.isfinite(v.ratio13), v.ratio13, 0))), 2)),
                (t("m6.row_digest"), str(int(np.asarray(v.digest).sum()))),
                (t("m6.row_aged_proxy"), _num(v.aged_peak, 0)),
            ]  # fmt: skip
            df = pd.DataFrame({t("m6.metric"): [a for a, _ in rows],
                               t("m6.recorded"): [b for _, b in rows]})  # fmt: skip
        else:
            rows = [
                (t("m6.row_injected"), "", _num(rep.injected_cases, 0)),
                (t("m6.row_peak_woc"), _num(rep.peak_woc_clean), _num(rep.peak_woc_loaded)),
                (t("m6.row_woc_increase"), "", _num(rep.woc_increase)),
                (t("m6.row_longest_over"), "", str(rep.overstock_run)),
                (t("m6.row_stuffing_weeks"), "", str(rep.stuffing_flagged_weeks)),
                (t("m6.row_digest"), "", str(rep.digest_weeks)),
                (t("m6.row_aged"), _num(rep.aged_peak_clean, 0), _num(rep.aged_peak_loaded, 0)),
                (t("m6.row_clearance"), money(rep.clearance_clean), money(rep.clearance_loaded)),
                (t("m6.row_clearance_extra"), "", money(rep.clearance_extra)),
            ]
            df = pd.DataFrame({t("m6.metric"): [a for a, _, _ in rows],
                               t("m6.clean_replay"): [b for _, b, _ in rows],
                               t("m6.loaded_replay"): [c for _, _, c in rows]})  # fmt: skip
        self.table.value = table_html(df)


# ---------------------------------------------------------------------------------------------
@register("M6", "evenness_monitor")
class EvennessPanel(Panel):
    """LWS / G* heatmap by KAM × period with a month-end push re-timing slider."""

    title_key = "m6.evenness_title"

    def build(self) -> None:
        base = evenness_monitor(self.world)
        self._kams = base.kams
        P = len(base.period_keys)
        self.control(
            "metric", W.ToggleButtons(options=self._metric_options(), value="lws"), "m6.metric"
        )
        self.option_labels["metric"] = self._metric_options
        kam_opts = [(f"{k} {n}", k) for k, n in zip(base.kams, base.kam_names, strict=True)]
        self.control("kam", W.Dropdown(options=kam_opts, value=base.kams[0]), "m6.kam")
        self.control(
            "push_share",
            W.FloatSlider(value=0.0, min=0.0, max=0.9, step=0.05, readout_format=".0%"),
            "m6.push_share",
        )
        per = periods(self.world)
        last = np.flatnonzero(per.years == per.years[-1])
        default = (int(last[min(3, len(last) - 1)]) + 1, P)
        self.control(
            "periods",
            W.IntRangeSlider(value=default, min=1, max=P, step=1),
            "m6.periods_retimed",
        )
        self.fig = charts.figure(height=460)
        self.fig.add_trace(
            go.Heatmap(colorscale=SEQ_SCALE, zmin=0, zmax=1, texttemplate="%{text}",
                       textfont={"size": 10}, xgap=1, ygap=1, colorbar={"tickformat": ".0%"})
        )  # fmt: skip
        self.fig.update_layout(yaxis={"autorange": "reversed"}, margin={"l": 120})
        self.fig_w = charts.figure(height=280)
        self.fig_w.add_trace(go.Bar(name="recorded", marker={"color": SKY}))
        self.fig_w.add_trace(go.Bar(name="shown", marker={"color": BLUE}))
        self.fig_w.update_layout(barmode="overlay")
        self.note = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["metric"], self.controls["kam"]]),
                W.HBox([self.controls["push_share"], self.controls["periods"]]),
                self.note,
                self.fig,
                self.fig_w,
            ]
        )

    @staticmethod
    def _metric_options() -> list[tuple[str, str]]:
        return [(t("m6.metric_lws"), "lws"), (t("m6.metric_gstar"), "gstar")]

    def compute(self) -> EvennessView:
        v = self.values
        return evenness_monitor(self.world, v["kam"], v["push_share"], tuple(v["periods"]))

    def render(self, r: EvennessView) -> None:
        metric = self.values["metric"]
        z = r.lws if metric == "lws" else r.gstar
        text = [
            [("–" if not np.isfinite(x) else f"{x * 100:.0f}") + (" ⚑" if f else "")
             for x, f in zip(zr, fr, strict=True)]
            for zr, fr in zip(z, r.flags, strict=True)
        ]  # fmt: skip
        ylabels = [f"{k} {n}" for k, n in zip(r.kams, r.kam_names, strict=True)]
        with self.fig.batch_update():
            hm = self.fig.data[0]
            hm.z = np.where(np.isfinite(z), z, np.nan)
            hm.x = r.period_keys
            hm.y = ylabels
            hm.text = text
            self.fig.layout.title.text = t("m6.evenness_chart", metric=t(f"m6.metric_{metric}"))
        with self.fig_w.batch_update():
            rec, shown = self.fig_w.data
            wk = np.arange(r.weekly_recorded.size)
            rec.x, rec.y = wk, r.weekly_recorded
            rec.name = t("m6.recorded")
            shown.visible = bool(r.retimed.any())
            shown.x, shown.y = wk, r.weekly_shown
            shown.name = t("m6.retimed")
            self.fig_w.layout.title.text = t("m6.kam_weekly", kam=r.kam_id)
            self.fig_w.layout.yaxis.title = t("m6.cases_per_week")
            self.fig_w.layout.xaxis.title = t("m6.week")
        flagged = [k for k, f in zip(r.kams, r.flags.any(axis=1), strict=True) if f]
        k = r.kams.index(r.kam_id)
        msg = [t("m6.flag_legend"), t("m6.flagged_kams", kams=", ".join(flagged) or "–")]
        if r.retimed.any():
            sel = r.retimed
            msg.append(
                t("m6.retimed_summary", kam=r.kam_id, n=int(sel.sum()),
                  lws=_pct(float(np.nanmean(r.lws[k][sel]))),
                  gstar=_pct(float(np.nanmean(r.gstar[k][sel]))))
            )  # fmt: skip
        self.note.value = "<br>".join(html.escape(m) for m in msg)


# ---------------------------------------------------------------------------------------------
@register("M6", "diversion_map")
class DiversionPanel(Panel):
    """Diversion map: regional TT price index, code-trace flows, growth and absorption gaps."""

    title_key = "m6.diversion_title"

    def build(self) -> None:
        years = sorted(int(y) for y in self.world.calendar.fiscal_year.unique())
        self.control(
            "fiscal_year", W.ToggleButtons(options=years, value=years[-1]), "common.fiscal_year"
        )
        d = distributors(self.world)
        opts = [(f"{a} {n} ({r})", a) for a, n, r in d.itertuples(index=False)]
        self.control("distributor", W.Dropdown(options=opts, value=opts[0][1]), "m6.distributor")
        self.fig = charts.figure(height=440)
        self.fig.add_trace(go.Scatter(name="links", mode="lines", hoverinfo="skip",
                                      line={"color": "#d0d7de", "width": 1}))  # fmt: skip
        self.fig.add_trace(
            go.Scatter(name="regions", mode="markers+text", textposition="bottom center",
                       marker={"size": 46,
                               "colorscale": [[0, "#D55E00"], [0.5, "#F0E442"], [1, "#0072B2"]],
                               "cmin": 0.85, "cmax": 1.05, "showscale": True,
                               "colorbar": {"title": {"text": "PI"}},
                               "line": {"color": "black", "width": 1}},
                       textfont={"size": 12})
        )  # fmt: skip
        self.fig.update_layout(
            xaxis={"visible": False, "range": [-0.1, 1.1]},
            yaxis={"visible": False, "range": [-0.15, 1.05]},
            showlegend=False,
        )
        self.fig_g = charts.figure(height=300)
        self.fig_g.add_trace(go.Bar(name="si", marker={"color": BLUE}))
        self.fig_g.add_trace(go.Bar(name="market", marker={"color": SKY}))
        self.fig_g.update_layout(barmode="group", yaxis={"tickformat": ".0%"})
        self.fig_t = charts.figure(height=280)
        self.fig_t.add_trace(
            go.Scatter(name="ag", mode="lines+markers", line={"color": VERMILLION})
        )
        self.fig_t.add_trace(go.Scatter(name="traced", mode="lines+markers", line={"color": BLUE}))
        self.fig_t.add_trace(go.Scatter(name="pe", mode="lines+markers", line={"color": ORANGE}))
        self.fig_t.update_layout(yaxis={"tickformat": ".0%"})
        self.table = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["fiscal_year"], self.controls["distributor"]]),
                self.fig,
                self.table,
                W.HBox([self.fig_g, self.fig_t]),
            ]
        )

    def compute(self) -> DiversionView:
        v = self.values
        return diversion_map(self.world, v["fiscal_year"], v["distributor"])

    def render(self, r: DiversionView) -> None:
        reg = r.regions
        zh = get_language() == "zh"
        xy = {a: (x, y) for a, x, y in zip(reg.region_id, reg.x, reg.y, strict=True)}
        focus_region = r.signals.set_index("account_id").region_id.get(r.distributor)
        lx: list[float | None] = []
        ly: list[float | None] = []
        seen = set()
        adj = self.world.region_adjacency
        for a, b in zip(adj.region_a.astype(str), adj.region_b.astype(str), strict=True):
            if (b, a) in seen or a not in xy or b not in xy:
                continue
            seen.add((a, b))
            lx += [xy[a][0], xy[b][0], None]
            ly += [xy[a][1], xy[b][1], None]
        labels = [
            f"{rid} {cn if zh else en}<br>PI {pi:.3f} · AG {_pct(ag, 0)}"
            for rid, en, cn, pi, ag in zip(reg.region_id, reg.name_en, reg.name_cn,
                                           reg.price_index, reg.absorption_gap, strict=True)
        ]  # fmt: skip
        total = max(1.0, float(r.flows.n_packs.sum())) if len(r.flows) else 1.0
        arrows = []
        for row in r.flows.itertuples(index=False):
            x0, y0 = xy[row.source_region_id]
            x1, y1 = xy[row.found_region_id]
            focus = row.source_account_id == r.distributor
            arrows.append({
                "x": x1, "y": y1, "ax": x0, "ay": y0, "xref": "x", "yref": "y", "axref": "x",
                "ayref": "y", "showarrow": True, "arrowhead": 3, "arrowsize": 1.2,
                "arrowwidth": 1.5 + 6.0 * float(row.n_packs) / total,
                "arrowcolor": VERMILLION if focus else ORANGE, "opacity": 0.9, "text": "",
                "standoff": 24, "startstandoff": 24,
            })  # fmt: skip
            arrows.append({
                "x": (x0 + x1) / 2, "y": (y0 + y1) / 2, "xref": "x", "yref": "y",
                "showarrow": False, "bgcolor": "white",
                "text": t("m6.packs", source=row.source_account_id, n=int(row.n_packs)),
                "font": {"size": 11},
            })  # fmt: skip
        with self.fig.batch_update():
            links, nodes = self.fig.data
            links.x, links.y = lx, ly
            nodes.x, nodes.y = list(reg.x), list(reg.y)
            nodes.text = labels
            nodes.marker.color = list(np.nan_to_num(reg.price_index.to_numpy(float), nan=1.0))
            nodes.marker.line.width = [4 if rid == focus_region else 1 for rid in reg.region_id]
            self.fig.layout.annotations = arrows
            self.fig.layout.title.text = t("m6.map_chart", fy=r.fiscal_year)
        s = r.signals
        with self.fig_g.batch_update():
            si, mk = self.fig_g.data
            si.x, si.y = list(s.account_id), list(np.nan_to_num(s.sell_in_growth.to_numpy(float)))
            si.name = t("m6.sell_in_growth")
            mk.x, mk.y = list(s.account_id), list(np.nan_to_num(s.market_growth.to_numpy(float)))
            mk.name = t("m6.market_growth")
            self.fig_g.layout.title.text = t("m6.growth_chart", fy=r.fiscal_year)
        tr = r.trend
        with self.fig_t.batch_update():
            ag, tc, pe = self.fig_t.data
            for trace, col, key in ((ag, "absorption_gap", "m6.absorption_gap"),
                                    (tc, "traced_share", "m6.traced_share"),
                                    (pe, "pe_max", "m6.price_erosion")):  # fmt: skip
                trace.x, trace.y = list(tr.period_key), list(tr[col].to_numpy(float))
                trace.name = t(key)
            self.fig_t.layout.title.text = t("m6.trend_chart", d=r.distributor)
        shown = pd.DataFrame(
            {
                t("m6.distributor"): s.account_id + " " + s.account_name,
                t("common.region"): s.region_id,
                t("m6.absorption_gap"): [_pct(x) for x in s.absorption_gap],
                t("m6.growth_gap"): [_pct(x) for x in s.growth_gap],
                t("m6.price_erosion_max"): [
                    _pct(x) + (" ⚑" if f else "") for x, f in zip(s.pe_max, s.price_signal, strict=True)
                ],
                t("m6.traced_share"): [_pct(x) for x in s.traced_share],
                t("m6.n_signals"): s.n_signals.astype(str),
                t("m6.flag"): [_yes(f) for f in s.flag],
                t("m6.est_diverted"): [_pct(x) if f else "–" for x, f in zip(s.estimated_diverted_share, s.flag, strict=True)],
            }
        )  # fmt: skip
        self.table.value = table_html(shown)


# ---------------------------------------------------------------------------------------------
@register("M6", "mix_monitor")
class MixPanel(Panel):
    """Mix monitor: plan vs actual channel / brand / pack mix and the TVD trend."""

    title_key = "m6.mix_title"
    parents = ("dimension",)

    def build(self) -> None:
        years = sorted(int(y) for y in self.world.calendar.fiscal_year.unique())
        self.control(
            "dimension", W.ToggleButtons(options=self._dim_options(), value="CHANNEL"),
            "m6.dimension",
        )  # fmt: skip
        scopes = mix_scopes(self.world, "CHANNEL")
        self.control("scope", W.Dropdown(options=scopes, value=scopes[0]), "m6.scope")
        self.control(
            "fiscal_year", W.ToggleButtons(options=years, value=years[-1]), "common.fiscal_year"
        )
        self.control("window", W.Dropdown(options=self._window_options(), value=13), "m6.window")
        self.option_labels.update(dimension=self._dim_options, window=self._window_options)
        self.fig = charts.figure(height=360)
        self.fig.add_trace(go.Bar(name="plan", marker={"color": SKY}))
        self.fig.add_trace(go.Bar(name="actual", marker={"color": BLUE}, textposition="outside"))
        self.fig.update_layout(barmode="group", yaxis={"tickformat": ".0%"})
        self.fig_t = charts.figure(height=300)
        self.fig_t.add_trace(go.Scatter(name="tvd", mode="lines+markers",
                                        line={"color": BLUE, "width": 3}))  # fmt: skip
        self.fig_t.add_trace(go.Scatter(name="limit", mode="lines",
                                        line={"color": VERMILLION, "dash": "dash"}))  # fmt: skip
        self.fig_t.update_layout(yaxis={"tickformat": ".0%", "rangemode": "tozero"})
        self.note = W.HTML()
        self.table = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["dimension"], self.controls["scope"]]),
                W.HBox([self.controls["fiscal_year"], self.controls["window"]]),
                self.note,
                W.HBox([self.fig, self.table]),
                self.fig_t,
            ]
        )

    @staticmethod
    def _dim_options() -> list[tuple[str, str]]:
        return [(t(f"m6.dim_{d.lower()}"), d) for d in DIMENSIONS]

    @staticmethod
    def _window_options() -> list[tuple[str, int]]:
        return [(t("m6.window_period"), 0), (t("m6.window_weeks", n=13), 13),
                (t("m6.window_weeks", n=26), 26), (t("m6.window_weeks", n=52), 52)]  # fmt: skip

    def update_options(self, changed: str) -> None:
        scopes = mix_scopes(self.world, self.values["dimension"])
        current = self.controls["scope"].value
        self.controls["scope"].options = scopes
        self.controls["scope"].value = current if current in scopes else scopes[0]

    def compute(self) -> MixView:
        v = self.values
        return mix_monitor(self.world, v["dimension"], v["scope"], v["fiscal_year"], v["window"])

    def render(self, r: MixView) -> None:
        tb = r.table
        with self.fig.batch_update():
            plan, act = self.fig.data
            plan.x, plan.y = list(tb.member), list(tb.planned_share)
            plan.name = t("m6.planned")
            act.x, act.y = list(tb.member), list(tb.actual_share)
            act.text = [f"{d * 100:+.1f} pp" for d in tb.deviation]
            act.name = t("m6.actual")
            self.fig.layout.title.text = t(
                "m6.mix_chart", dim=t(f"m6.dim_{r.dimension.lower()}"), scope=r.scope,
                fy=r.fiscal_year,
            )  # fmt: skip
        tr = r.trend
        with self.fig_t.batch_update():
            tvd, lim = self.fig_t.data
            tvd.x, tvd.y = list(tr.period_key), list(tr.tvd)
            tvd.marker.color = [VERMILLION if f else BLUE for f in tr.flag]
            tvd.marker.size = [12 if f else 7 for f in tr.flag]
            tvd.name = t("m6.tvd")
            lim.x, lim.y = list(tr.period_key), [0.05] * len(tr)
            lim.name = t("m6.tvd_limit")
            self.fig_t.layout.title.text = t("m6.tvd_chart")
        self.note.value = html.escape(
            t("m6.mix_summary", tvd=_pct(r.tvd), flag=_yes(r.flag),
              n=int(tr.flag.sum()), total=len(tr))
        )  # fmt: skip
        shown = pd.DataFrame(
            {
                t("m6.member"): tb.member,
                t("m6.planned"): [_pct(x) for x in tb.planned_share],
                t("m6.actual"): [_pct(x) for x in tb.actual_share],
                t("m6.deviation"): [f"{x * 100:+.1f} pp" for x in tb.deviation],
            }
        )
        self.table.value = table_html(shown)
