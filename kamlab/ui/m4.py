"""M4 scenario panels: review dashboard, execution heatmap, service root cause.

Each panel is a thin view over a pure model (tested on its own):

* :class:`ReviewDashboard` → :func:`kamlab.analysis.m4_review.review`
* :class:`ExecutionHeatmap` → :func:`kamlab.analysis.m4_execution.execution_heatmap`
* :class:`ServiceRootCause` → :func:`kamlab.analysis.m4_service.service_root_cause`

>>> from kamlab.ui.m4 import ReviewDashboard      # doctest: +SKIP
>>> ReviewDashboard()                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from kamlab.analysis.m4_execution import (
    KPIS,
    HeatmapResult,
    execution_context,
    execution_heatmap,
)
from kamlab.analysis.m4_review import ReviewResult, review, review_context
from kamlab.analysis.m4_service import (
    CAUSES,
    MAX_TOLERANCE_DAYS,
    ServiceResult,
    scope_options,
    service_context,
    service_root_cause,
)
from kamlab.i18n import money, t
from kamlab.metrics.execution import PSS_WEIGHTS
from kamlab.ui import charts
from kamlab.ui._format import GREY, html_note, html_table, pct
from kamlab.ui.base import Panel, register

__all__ = ["ExecutionHeatmap", "ReviewDashboard", "ServiceRootCause"]

# low → high, colour-blind safe (vermillion → yellow → blue), always shown with the number
_SCALE = [[0.0, "#D55E00"], [0.5, "#F0E442"], [1.0, "#0072B2"]]
_CAUSE_COLOUR = dict(zip(CAUSES, (charts.PALETTE[5], charts.PALETTE[1], charts.PALETTE[6],
                                  charts.PALETTE[2]), strict=True))  # fmt: skip


def _pts(x: float) -> str:
    return "–" if x != x else f"{x * 100:+.1f} pts"


def _account_options(accounts: Any) -> list[tuple[str, str]]:
    return [(f"{a} {n}", a) for a, n in zip(accounts["account_id"], accounts["account_name"],
                                            strict=True)]  # fmt: skip


# ---------------------------------------------------------------------------------------------
def _compare_options() -> list[tuple[str, str]]:
    return [(t("m4.compare_ly"), "ly"), (t("m4.compare_pq"), "pq")]


def _level_options() -> list[tuple[str, str]]:
    return [(t(f"m4.level_{k}"), k) for k in ("brand", "category", "pack_type")]


def _category_options(cats: list[str]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(t("common.all"), "ALL"), *[(c, c) for c in cats]]


@register("M4", "review_dashboard")
class ReviewDashboard(Panel):
    """A key account's quarter: PVM bridge, value share trend, distribution, OOS, service."""

    title_key = "m4.review_title"

    def build(self) -> None:
        self.ctx = review_context(self.world)
        cats = sorted(self.ctx.share.index.get_level_values("category").unique().astype(str))
        self.control(
            "account", W.Dropdown(options=_account_options(self.ctx.accounts)), "common.account"
        )
        self.control(
            "quarter",
            W.Dropdown(options=self.ctx.quarters, value=self.ctx.quarters[-1]),
            "m4.quarter",
        )
        self.control("compare", W.ToggleButtons(options=_compare_options()), "m4.compare")
        self.control("level", W.Dropdown(options=_level_options()), "m4.level")
        self.control("category", W.Dropdown(options=_category_options(cats)()), "m4.share_category")
        self.option_labels.update(
            compare=_compare_options, level=_level_options, category=_category_options(cats)
        )
        self.kpis = W.HTML()
        self.items = W.HTML()
        self.fig_pvm = charts.figure(height=330)
        self.fig_pvm.add_trace(charts.waterfall(orientation="v"))
        self.fig_pvm.update_layout(showlegend=False)
        self.fig_share = charts.figure(height=300)
        self.fig_share.add_trace(
            go.Scatter(mode="lines+markers", line={"color": charts.PALETTE[0]})
        )
        self.fig_share.add_trace(
            go.Scatter(mode="markers", marker={"color": charts.PALETTE[1], "size": 12})
        )
        self.fig_share.add_trace(
            go.Scatter(mode="markers", marker={"color": GREY, "size": 10, "symbol": "circle-open"})
        )
        self.fig_share.update_layout(yaxis={"tickformat": ".0%"})
        self.fig_dist = charts.figure(height=320)
        self.fig_dist.add_trace(go.Bar(marker={"color": charts.PALETTE[0]}))
        self.fig_dist.add_trace(go.Bar(marker={"color": charts.PALETTE[2]}))
        self.fig_dist.update_layout(
            barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1.05]}
        )
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["quarter"], c["compare"]]),
                W.HBox([c["level"], c["category"]]),
                self.kpis,
                self.fig_pvm,
                self.items,
                self.fig_share,
                self.fig_dist,
            ]
        )

    def compute(self) -> ReviewResult:
        v = self.values
        return review(
            self.ctx,
            v["account"],
            v["quarter"],
            compare=v["compare"],
            level=v["level"],
            category=v["category"],
        )

    def render(self, r: ReviewResult) -> None:
        b = r.pvm
        names = [t("m4.step_r0", q=r.compare_quarter), t("m4.step_volume"), t("m4.step_mix"),
                 t("m4.step_price"), t("m4.step_r1", q=r.quarter)]  # fmt: skip
        vals = [b.r0, b.volume, b.mix, b.price, b.r1]
        with self.fig_pvm.batch_update():
            tr = self.fig_pvm.data[0]
            tr.x = names
            tr.measure = ["absolute", "relative", "relative", "relative", "total"]
            tr.y = charts.money_values(vals)
            tr.text = [
                money(x) if i in (0, 4) else ("+" if x >= 0 else "−") + money(abs(x))
                for i, x in enumerate(vals)
            ]
            self.fig_pvm.layout.title.text = t(
                "m4.pvm_title", level=t(f"m4.level_{r.level}"), account=r.account_id
            )
            charts.money_axis(self.fig_pvm)
        tr_ = r.share_trend
        with self.fig_share.batch_update():
            line, sel, cmp_ = self.fig_share.data
            line.x, line.y = list(tr_["period_key"]), list(tr_["value_share"])
            line.name = t("m4.value_share")
            s = tr_.loc[tr_["selected"]]
            sel.x, sel.y, sel.name = list(s["period_key"]), list(s["value_share"]), r.quarter
            c = tr_.loc[tr_["compared"]]
            cmp_.x, cmp_.y, cmp_.name = (
                list(c["period_key"]), list(c["value_share"]), r.compare_quarter
            )  # fmt: skip
            self.fig_share.layout.title.text = t(
                "m4.share_title", share=pct(r.share), change=_pts(r.share - r.share_compare)
            )
        d = r.distribution
        with self.fig_dist.batch_update():
            wd, nd = self.fig_dist.data
            wd.x, wd.y, wd.name = list(d["sku_name"]), list(d["wd"]), t("m4.wd")
            nd.x, nd.y, nd.name = list(d["sku_name"]), list(d["nd"]), t("m4.nd")
            self.fig_dist.layout.title.text = t(
                "m4.dist_title", stores=r.n_stores_audited, tdp=f"{r.tdp:.2f}", oos=pct(r.oos)
            )
        fmt: dict[str, Callable[[float], str]] = {
            "nr": money, "value_share": pct, "tdp": lambda x: f"{x:.2f}", "oos": pct,
            "case_fill": pct, "line_otif": pct, "wmape": pct, "bias": lambda x: pct(x),
        }  # fmt: skip
        rows = []
        for row in r.kpis.itertuples(index=False):
            f = fmt[row.kpi]
            if row.kpi == "nr":
                change = ("+" if row.change >= 0 else "−") + money(abs(row.change))
            elif row.kpi == "tdp":
                change = f"{row.change:+.2f}"
            else:
                change = _pts(row.change)
            rows.append((t(f"m4.kpi_{row.kpi}"), f(row.value), f(row.compare), change))
        self.kpis.value = html_table(
            (t("m4.col_kpi"), r.quarter, r.compare_quarter, t("m4.col_change")), rows
        ) + html_note(t("m4.review_note"))
        it = r.pvm_items.head(8)
        self.items.value = html_table(
            (t(f"m4.level_{r.level}"), t("m4.col_cases_0"), t("m4.col_price_0"),
             t("m4.col_cases_1"), t("m4.col_price_1"), t("m4.col_nr_change")),
            [
                (str(x.item), f"{x.v0:,.0f}", "–" if x.p0 != x.p0 else f"¥{x.p0:,.2f}",
                 f"{x.v1:,.0f}", "–" if x.p1 != x.p1 else f"¥{x.p1:,.2f}",
                 ("+" if x.change >= 0 else "−") + money(abs(x.change)))
                for x in it.itertuples(index=False)
            ],
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
def _sort_options() -> list[tuple[str, str]]:
    return [(t(f"m4.sort_{k}"), k) for k in ("pss", "acv", "store_id")]


@register("M4", "execution_heatmap")
class ExecutionHeatmap(Panel):
    """Store × KPI heatmap of an account's audits, with Perfect Store Score weight sliders."""

    title_key = "m4.heatmap_title"

    def build(self) -> None:
        self.ctx = execution_context(self.world)
        periods = [p for p in self.ctx.periods if any(k[1] == p for k in self.ctx.slices)]
        self.control(
            "account", W.Dropdown(options=_account_options(self.ctx.accounts)), "common.account"
        )
        self.control("period", W.Dropdown(options=periods, value=periods[-1]), "common.period")
        self.control("sort", W.Dropdown(options=_sort_options()), "m4.sort")
        self.option_labels["sort"] = _sort_options
        for k in KPIS:
            self.control(
                f"w_{k}",
                W.FloatSlider(value=PSS_WEIGHTS[k], min=0.0, max=1.0, step=0.05,
                              readout_format=".2f", continuous_update=False,
                              layout=W.Layout(width="300px")),
                f"m4.weight_{k}",
            )  # fmt: skip
        self.summary = W.HTML()
        self.fig = charts.figure(height=560)
        self.fig.add_trace(
            go.Heatmap(
                colorscale=_SCALE,
                zmin=0.0,
                zmax=1.0,
                texttemplate="%{text}",
                xgap=2,
                ygap=2,
                colorbar={"tickformat": ".0%"},
            )
        )
        self.fig.update_layout(yaxis={"autorange": "reversed", "type": "category"},
                               xaxis={"side": "top"}, margin={"l": 90, "t": 90})  # fmt: skip
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["period"], c["sort"]]),
                W.HBox([c[f"w_{k}"] for k in KPIS[:3]]),
                W.HBox([c[f"w_{k}"] for k in KPIS[3:]]),
                self.summary,
                self.fig,
            ]
        )

    def compute(self) -> HeatmapResult:
        v = self.values
        return execution_heatmap(
            self.ctx,
            v["account"],
            v["period"],
            weights={k: v[f"w_{k}"] for k in KPIS},
            sort=v["sort"],
        )

    def render(self, r: HeatmapResult) -> None:
        st = r.stores
        cols = [*KPIS, "pss"]
        z = st[cols].to_numpy(float)
        text = [[pct(x, 0) for x in row] for row in z]
        with self.fig.batch_update():
            hm = self.fig.data[0]
            hm.z = np.where(np.isnan(z), None, z).tolist()
            hm.text = text
            hm.x = [t(f"m4.kpi_name_{k}") for k in cols]
            hm.y = list(st["store_id"])
            self.fig.layout.title.text = t(
                "m4.heatmap_chart_title", account=r.account_id, period=r.period_key,
                pss=pct(r.account_pss),
            )  # fmt: skip
        rows = [(t(f"m4.kpi_name_{k}"), f"{r.weights[k]:.2f}", pct(r.kpi_means[k])) for k in KPIS]
        rows.append((t("m4.kpi_name_pss"), "1.00", pct(r.account_pss)))
        self.summary.value = html_table(
            (t("m4.col_kpi"), t("m4.col_weight"), t("m4.col_account_mean")), rows
        ) + html_note(t("m4.heatmap_note", n=r.n_stores))


# ---------------------------------------------------------------------------------------------
@register("M4", "service_root_cause")
class ServiceRootCause(Panel):
    """Fill-rate and OTIF shortfall split by cause, with a delivery-window tolerance."""

    title_key = "m4.service_title"

    def build(self) -> None:
        self.ctx = service_context(self.world)
        prod = self.world["products"]
        self._sku_names = dict(zip(prod["sku_id"].astype(str), prod["sku_name"].astype(str),
                                   strict=True))  # fmt: skip
        scopes = scope_options(self.ctx)
        self.control(
            "account",
            W.Dropdown(options=self._account_opts()),
            "common.account",
        )
        self.option_labels["account"] = self._account_opts
        self.control("scope", W.Dropdown(options=scopes, value=scopes[0]), "m4.scope")
        self.control(
            "tolerance_days",
            W.IntSlider(value=0, min=0, max=min(5, MAX_TOLERANCE_DAYS), step=1,
                        continuous_update=False),
            "m4.tolerance_days",
        )  # fmt: skip
        self.kpis = W.HTML()
        self.top = W.HTML()
        self.fig = charts.figure(height=320)
        for cause in CAUSES:
            self.fig.add_trace(
                go.Bar(orientation="h", marker={"color": _CAUSE_COLOUR[cause]},
                       texttemplate="%{x:.1%}", textposition="inside")
            )  # fmt: skip
        self.fig.update_layout(barmode="stack", xaxis={"tickformat": ".1%"}, margin={"l": 150})
        self.fig_trend = charts.figure(height=300)
        self.fig_trend.add_trace(
            go.Scatter(mode="lines+markers", line={"color": charts.PALETTE[0]})
        )
        self.fig_trend.add_trace(
            go.Scatter(mode="lines+markers", line={"color": charts.PALETTE[1]})
        )
        self.fig_trend.update_layout(yaxis={"tickformat": ".0%"})
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["scope"], c["tolerance_days"]]),
                self.kpis,
                self.fig,
                self.fig_trend,
                self.top,
            ]
        )

    def _account_opts(self) -> list[tuple[str, str]]:
        acc = self.ctx.accounts
        acc = acc.loc[acc["account_id"].isin(list(self.ctx.by_account))]
        return [(t("common.all"), "ALL"), *_account_options(acc)]

    def compute(self) -> ServiceResult:
        v = self.values
        return service_root_cause(self.ctx, v["account"], v["scope"], v["tolerance_days"])

    def _kpi(self, which: str) -> float:
        v = self.values
        fy = int(str(v["scope"])[2:6])
        table = self.ctx.otif_kpi if which == "otif" else self.ctx.case_fill_kpi
        if v["account"] == "ALL":
            vals = [k for (a, y), k in table.items() if y == fy]
            return float(np.mean(vals)) if vals else float("nan")
        return table.get((v["account"], fy), float("nan"))

    def render(self, r: ServiceResult) -> None:
        f = r.fill
        cf_kpi, otif_kpi = self._kpi("case_fill"), self._kpi("otif")
        rows = [
            (t("m4.kpi_case_fill"), pct(f.case_fill, 2), pct(cf_kpi, 0)),
            (t("m4.kpi_line_fill"), pct(f.line_fill, 2), ""),
            (t("m4.kpi_order_fill"), pct(f.order_fill, 2), ""),
            (t("m4.kpi_on_time"), pct(f.on_time, 2), ""),
            (t("m4.kpi_otif"), pct(f.otif, 2), ""),
            (t("m4.kpi_line_otif"), pct(f.line_otif, 2), pct(otif_kpi, 0)),
        ]
        self.kpis.value = html_table(
            (t("m4.col_kpi"), t("m4.col_value"), t("m4.col_target")), rows
        ) + html_note(
            t("m4.service_note", tol=int(r.tolerance_days), lines=f.n_lines, orders=f.n_orders)
        )
        groups = [t("m4.case_fill_gap"), t("m4.line_otif_gap")]
        with self.fig.batch_update():
            for tr, cause in zip(self.fig.data, CAUSES, strict=True):
                tr.y = groups
                tr.x = [float(r.case_gap[cause]), float(r.line_gap[cause])]
                tr.name = t(f"m4.cause_{cause}")
            self.fig.layout.title.text = t(
                "m4.cause_title",
                case_gap=pct(1 - f.case_fill, 2),
                line_gap=pct(1 - f.line_otif, 2),
            )
        bp = r.by_period
        with self.fig_trend.batch_update():
            a, b = self.fig_trend.data
            a.x, a.y, a.name = list(bp["period_key"]), list(bp["case_fill"]), t("m4.kpi_case_fill")
            b.x, b.y, b.name = list(bp["period_key"]), list(bp["line_otif"]), t("m4.kpi_line_otif")
            shapes = []
            for k, col in ((cf_kpi, charts.PALETTE[0]), (otif_kpi, charts.PALETTE[1])):
                if k == k:
                    shapes.append({"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": k,
                                   "y1": k, "line": {"color": col, "dash": "dot", "width": 1}})  # fmt: skip
            self.fig_trend.layout.shapes = shapes
            self.fig_trend.layout.title.text = t("m4.trend_title", tol=int(r.tolerance_days))
        names = self._sku_names
        self.top.value = html_table(
            (t("m4.col_sku"), t("m4.col_cases_short"), t("m4.col_share_short")),
            [
                (f"{x.sku_id} {names.get(x.sku_id, '')}", f"{x.cases_short:,.0f}",
                 pct(x.cases_short / x.cases_ordered))
                for x in r.top_skus.itertuples(index=False)
            ],
        ) if len(r.top_skus) else ""  # fmt: skip
