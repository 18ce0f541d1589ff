"""M5 scenario panels: post-event evaluation, promo what-if, budget reallocation.

Each panel is a thin view over a pure model (tested on its own):

* :class:`PostEventPanel` → :func:`kamlab.analysis.m5_promo.post_event`
* :class:`PromoWhatIfPanel` → :func:`kamlab.analysis.m5_whatif.promo_whatif`
* :class:`BudgetPanel` → :func:`kamlab.analysis.m5_budget.budget_reallocation`

>>> from kamlab.ui.m5 import PostEventPanel          # doctest: +SKIP
>>> PostEventPanel()                                  # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kamlab.analysis.m5_budget import BudgetResult, budget_reallocation, response_curves
from kamlab.analysis.m5_common import ka_accounts
from kamlab.analysis.m5_promo import (
    BASELINE_METHODS,
    PostEvent,
    eligible_promotions,
    post_event,
)
from kamlab.analysis.m5_whatif import (
    DISPLAYS,
    FEATURES,
    MECHANICS,
    WhatIf,
    promo_whatif,
    whatif_skus,
)
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui.base import Panel, register, table_html

__all__ = ["BudgetPanel", "PostEventPanel", "PromoWhatIfPanel"]

BLUE, ORANGE, SKY, GREEN, YELLOW, NAVY, VERMILLION, PURPLE = charts.PALETTE[:8]


def _pct(x: float | None, digits: int = 1) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x * 100:.{digits}f}%"


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def _ratio(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.2f}"


def _money(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else money(x)


def _account_options(world: Any) -> list[tuple[str, str]]:
    ka = ka_accounts(world)
    return [(f"{a} {n}", a) for a, n in zip(ka.account_id, ka.account_name, strict=True)]


# ---------------------------------------------------------------------------------------------
@register("M5", "post_event")
class PostEventPanel(Panel):
    """Post-event evaluation: pick a promotion, toggle the baseline method, reveal the truth."""

    title_key = "m5.post_event_title"
    parents = ("account",)

    def build(self) -> None:
        opts = _account_options(self.world)
        self.control("account", W.Dropdown(options=opts, value=opts[0][1]), "common.account")
        self.control("promo", W.Dropdown(options=self._promo_options(opts[0][1])), "m5.promo")
        self.control(
            "method",
            W.ToggleButtons(options=self._method_options(), value="pre_post"),
            "m5.baseline_method",
        )
        self.option_labels["method"] = self._method_options
        self.control(
            "cannibalisation",
            W.FloatSlider(value=0.20, min=0.0, max=0.5, step=0.05, readout_format=".0%"),
            "m5.cannibalisation",
        )
        self.control("show_truth", W.Checkbox(value=False), "m5.show_truth")
        self.controls["promo"].layout = W.Layout(width="460px")
        self._pick_default_promo()
        self.fig = charts.figure(height=360)
        self.fig.add_trace(go.Bar(name="actual", marker={"color": BLUE}))
        self.fig.add_trace(
            go.Scatter(name="baseline", mode="lines", line={"color": ORANGE, "width": 3})
        )
        self.fig.add_trace(
            go.Scatter(
                name="used", mode="markers", marker={"color": NAVY, "symbol": "circle-open",
                                                     "size": 11, "line": {"width": 2}},
            )
        )  # fmt: skip
        self.fig.add_trace(
            go.Scatter(name="truth", mode="lines", line={"color": GREEN, "dash": "dot", "width": 3})
        )
        self.fig.update_layout(barmode="overlay", xaxis={"title": t("m5.week")})
        self.table = W.HTML()
        self.note = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["promo"]]),
                W.HBox([self.controls["method"]]),
                W.HBox([self.controls["cannibalisation"], self.controls["show_truth"]]),
                self.fig,
                self.table,
                self.note,
            ]
        )

    @staticmethod
    def _method_options() -> list[tuple[str, str]]:
        return [(t(f"m5.method_{m}"), m) for m in BASELINE_METHODS]

    def _promo_options(self, account: str) -> list[tuple[str, str]]:
        el = eligible_promotions(self.world, account)
        return [(lab, pid) for lab, pid in zip(el.label, el.promo_id, strict=True)]

    def _pick_default_promo(self) -> None:
        """Start on a promotion that both baseline methods can evaluate (for the toggle)."""
        for _, pid in self.controls["promo"].options:
            try:
                post_event(self.world, pid, "pre_period")
            except ValueError:
                continue
            self.controls["promo"].value = pid
            return

    def update_options(self, changed: str) -> None:
        self.controls["promo"].options = self._promo_options(self.values["account"])
        self._pick_default_promo()

    def compute(self) -> PostEvent:
        v = self.values
        if v["promo"] is None:
            raise ValueError(t("m5.no_promo"))
        return post_event(self.world, v["promo"], v["method"], v["cannibalisation"])

    def render(self, r: PostEvent) -> None:
        show = bool(self.values["show_truth"])
        h = r.history_weeks
        colours = [ORANGE if (r.start_week <= w <= r.end_week) else
                   (SKY if p else BLUE) for w, p in zip(h, r.history_promo, strict=True)]  # fmt: skip
        with self.fig.batch_update():
            bar, base, used, truth = self.fig.data
            bar.x, bar.y = h, r.history_actual
            bar.marker.color = colours
            bar.name = t("m5.actual_sellout")
            base.x = r.window_weeks
            base.y = [r.baseline] * len(r.window_weeks)
            base.name = t("m5.your_baseline", method=t(f"m5.method_{r.method}"))
            used.x = h[r.history_used]
            used.y = r.history_actual[r.history_used]
            used.name = t("m5.weeks_used")
            truth.visible = show and r.truth is not None
            truth.x = h
            truth.y = r.history_true_baseline
            truth.name = t("m5.true_baseline")
            self.fig.layout.title.text = t(
                "m5.post_event_chart", promo=r.promo_id, sku=r.sku_id, account=r.account_id
            )
            self.fig.layout.yaxis.title = t("m5.cases_per_week")
            self.fig.layout.xaxis.title = t("m5.week")
        ev = r.evaluation
        rows = [
            ("m5.row_baseline", _num(r.baseline, 1)),
            ("m5.row_apparent_uplift", _pct(ev.apparent_uplift)),
            ("m5.row_gross_incremental", _num(ev.gross_incremental)),
            ("m5.row_cannibalised", _num(r.cannibalised)),
            ("m5.row_net_incremental", _num(ev.net_incremental)),
            ("m5.row_spend", _money(ev.spend)),
            ("m5.row_incremental_gp", _money(ev.incremental_gp)),
            ("m5.row_roi", _ratio(ev.roi)),
            ("m5.row_net_profit", _money(ev.net_profit)),
            ("m5.row_cost_per_case", _money(ev.cost_per_incremental_case)),
        ]
        cols = {
            t("m5.metric"): [t(k) for k, _ in rows],
            t("m5.your_estimate"): [v for _, v in rows],
        }
        if show and r.truth is not None:
            tr = r.truth
            tb = float(np.mean(tr.baseline[r.promo]))
            gross = float((r.actual[r.promo] - tr.baseline[r.promo]).sum())
            cols[t("m5.truth")] = [
                _num(tb, 1),
                _pct(tr.apparent_uplift),
                _num(gross),
                "",
                _num(tr.net_incremental),
                _money(tr.spend),
                _money(tr.incremental_gp),
                _ratio(tr.roi),
                _money(tr.incremental_gp - tr.spend),
                _money(tr.spend / tr.net_incremental) if tr.net_incremental else "–",
            ]
        self.table.value = table_html(pd.DataFrame(cols))
        other = BASELINE_METHODS[1 - BASELINE_METHODS.index(r.method)]
        parts = [
            t("m5.margin_note", m=f"{r.unit_margin:,.2f}", f=f"{r.funding_per_case:,.2f}",
              fee=money(r.fixed_fee)),
            t("m5.other_method_roi", method=t(f"m5.method_{other}"),
              roi=_ratio(r.other_method_roi) if r.other_method_roi is not None else t("m5.not_available")),
        ]  # fmt: skip
        self.note.value = "<br>".join(html.escape(p) for p in parts)


# ---------------------------------------------------------------------------------------------
@register("M5", "promo_whatif")
class PromoWhatIfPanel(Panel):
    """Promo what-if: mechanic, depth, display, feature, duration → lift, ROI, break-even."""

    title_key = "m5.whatif_title"
    parents = ("account",)

    def build(self) -> None:
        opts = _account_options(self.world)
        a0 = opts[0][1]
        self.control("account", W.Dropdown(options=opts, value=a0), "common.account")
        skus = whatif_skus(self.world, a0)
        self.control("sku", W.Dropdown(options=skus, value=skus[0]), "common.sku")
        self.control(
            "mechanic", W.Dropdown(options=self._mech_options(), value="TPR"), "m5.mechanic"
        )
        self.control(
            "depth",
            W.FloatSlider(value=0.20, min=0.05, max=0.50, step=0.01, readout_format=".0%"),
            "m5.depth",
        )
        self.control(
            "display", W.Dropdown(options=self._opts("display", DISPLAYS), value="NONE"),
            "m5.display",
        )  # fmt: skip
        self.control(
            "feature", W.Dropdown(options=self._opts("feature", FEATURES), value="NONE"),
            "m5.feature",
        )  # fmt: skip
        self.control("duration", W.IntSlider(value=2, min=1, max=4), "m5.duration")
        self.option_labels.update(
            display=lambda: self._opts("display", DISPLAYS),
            feature=lambda: self._opts("feature", FEATURES),
            mechanic=self._mech_options,
        )
        self.fig = charts.figure(height=380)
        self.fig.add_trace(
            go.Scatter(name="plan", mode="lines", line={"color": ORANGE, "width": 3})
        )
        self.fig.add_trace(go.Scatter(name="truth", mode="lines", line={"color": BLUE, "width": 3}))
        self.fig.add_trace(
            go.Scatter(name="be", mode="lines", line={"color": VERMILLION, "dash": "dash"})
        )
        self.fig.add_trace(
            go.Scatter(name="now", mode="markers+text", textposition="top center",
                       marker={"size": 12, "color": [ORANGE, BLUE],
                               "line": {"color": "black", "width": 1}}),
        )  # fmt: skip
        self.fig.update_layout(
            xaxis={"tickformat": ".0%"}, yaxis={"tickformat": ".0%", "rangemode": "tozero"}
        )
        self.table = W.HTML()
        self.note = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["sku"], self.controls["mechanic"]]),
                W.HBox([self.controls["depth"], self.controls["duration"]]),
                W.HBox([self.controls["display"], self.controls["feature"]]),
                self.fig,
                self.table,
                self.note,
            ]
        )

    @staticmethod
    def _opts(kind: str, codes: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(t(f"m5.{kind}_{c.lower()}"), c) for c in codes]

    @staticmethod
    def _mech_options() -> list[tuple[str, str]]:
        return [(t(f"m5.mechanic_{m.lower()}"), m) for m in MECHANICS]

    def update_options(self, changed: str) -> None:
        skus = whatif_skus(self.world, self.values["account"])
        self.controls["sku"].options = skus
        self.controls["sku"].value = skus[0]

    def compute(self) -> WhatIf:
        v = self.values
        return promo_whatif(
            self.world, v["account"], v["sku"], v["mechanic"], v["depth"], v["display"],
            v["feature"], v["duration"],
        )  # fmt: skip

    def render(self, r: WhatIf) -> None:
        with self.fig.batch_update():
            plan, truth, be, now = self.fig.data
            plan.x, plan.y = r.curve_depth, r.curve_plan_lift
            plan.name = t("m5.lift_plan")
            truth.visible = r.curve_truth_lift is not None
            truth.x = r.curve_depth
            truth.y = r.curve_truth_lift if r.curve_truth_lift is not None else []
            truth.name = t("m5.lift_truth")
            be.x, be.y = r.curve_depth, r.curve_break_even
            be.name = t("m5.break_even_curve")
            ys = [r.plan.lift, r.truth.lift if r.truth is not None else None]
            now.x = [r.depth, r.depth]
            now.y = ys
            now.text = [_pct(y, 0) for y in ys]
            now.name = t("m5.this_promo")
            self.fig.layout.title.text = t("m5.whatif_chart", sku=r.sku_id, account=r.account_id)
            self.fig.layout.xaxis.title = t("m5.depth")
            self.fig.layout.yaxis.title = t("m5.predicted_lift")
            top = np.nanmax(
                [
                    *r.curve_plan_lift,
                    *(r.curve_truth_lift if r.curve_truth_lift is not None else []),
                ]
            )
            self.fig.layout.yaxis.range = [0, float(min(top, 12.0)) * 1.05]
        sides = [("m5.plan_column", r.plan), ("m5.truth_column", r.truth)]
        metrics = [
            ("m5.row_elasticity", lambda c: f"{c.elasticity:.2f}"),
            ("m5.row_display_mult", lambda c: f"{c.display_mult:.3f}"),
            ("m5.row_feature_mult", lambda c: f"{c.feature_mult:.3f}"),
            ("m5.row_multiplier", lambda c: f"{c.multiplier:.3f}×"),
            ("m5.row_lift", lambda c: _pct(c.lift)),
            ("m5.row_promo_cases", lambda c: _num(c.promo_cases)),
            ("m5.row_net_incremental", lambda c: _num(c.evaluation.net_incremental) if c.evaluation else "–"),
            ("m5.row_spend", lambda c: _money(c.evaluation.spend) if c.evaluation else "–"),
            ("m5.row_incremental_gp", lambda c: _money(c.evaluation.incremental_gp) if c.evaluation else "–"),
            ("m5.row_roi", lambda c: _ratio(c.evaluation.roi) if c.evaluation else "–"),
        ]  # fmt: skip
        cols = {t("m5.metric"): [t(k) for k, _ in metrics]}
        for key, case in sides:
            if case is not None:
                cols[t(key)] = [fn(case) for _, fn in metrics]
        self.table.value = table_html(pd.DataFrame(cols))
        parts = [
            t("m5.whatif_inputs", base=_num(r.base_cases, 1), m=f"{r.unit_margin:,.2f}",
              f=f"{r.funding_per_case:,.2f}", fee=money(r.fixed_fee), stores=r.display_stores),
            t("m5.break_even_note", be=_pct(r.break_even_uplift))
            if r.break_even_uplift is not None else t("m5.break_even_none"),
        ]  # fmt: skip
        if r.depth_fixed:
            parts.append(t("m5.depth_fixed", depth=_pct(r.depth, 0)))
        self.note.value = "<br>".join(html.escape(p) for p in parts)


# ---------------------------------------------------------------------------------------------
@register("M5", "budget_reallocation")
class BudgetPanel(Panel):
    """Budget reallocation across key accounts with concave response curves from the world."""

    title_key = "m5.budget_title"

    def build(self) -> None:
        years = sorted(self._years())
        self.control(
            "fiscal_year", W.ToggleButtons(options=years, value=years[-1]), "common.fiscal_year"
        )
        self.control(
            "total_pct",
            W.IntSlider(value=100, min=50, max=150, step=5, readout_format="d"),
            "m5.total_budget_pct",
        )
        self._names: dict[str, str] = {}
        for a, n in zip(ka_accounts(self.world).account_id, ka_accounts(self.world).account_name,
                        strict=True):  # fmt: skip
            name = f"w_{a}"
            self.control(name, W.IntSlider(value=100, min=0, max=300, step=10), "m5.account_weight")
            self._names[name] = f"{a} {n}"
            self.controls[name].layout = W.Layout(width="340px")
        self._label_accounts()
        self.fig = charts.figure(height=380)
        for key, colour in (("current", SKY), ("yours", BLUE), ("optimum", GREEN)):
            self.fig.add_trace(go.Bar(name=key, marker={"color": colour}))
        self.fig.update_layout(barmode="group")
        self.fig_m = charts.figure(height=300)
        self.fig_m.add_trace(go.Bar(name="yours", marker={"color": BLUE}))
        self.fig_m.add_trace(go.Scatter(name="lambda", mode="lines",
                                        line={"color": GREEN, "dash": "dash", "width": 3}))  # fmt: skip
        self.summary = W.HTML()
        self.table = W.HTML()
        sliders = [n for n in self.controls if n.startswith("w_")]
        self.body = W.VBox(
            [
                W.HBox([self.controls["fiscal_year"], self.controls["total_pct"]]),
                self.controls_box(*sliders, columns=3),
                self.summary,
                self.fig,
                self.fig_m,
                self.table,
            ]
        )

    def _years(self) -> list[int]:
        out = []
        for y in sorted(int(v) for v in self.world.calendar.fiscal_year.unique()):
            try:
                response_curves(self.world, y)
            except ValueError:
                continue
            out.append(y)
        return out

    def _label_accounts(self) -> None:
        for name, label in self._names.items():
            self.controls[name].description = label

    def relabel(self) -> None:
        super().relabel()
        self._label_accounts()

    def compute(self) -> BudgetResult:
        v = self.values
        weights = {n[2:]: v[n] / 100.0 for n in self.controls if n.startswith("w_")}
        return budget_reallocation(self.world, weights, v["total_pct"] / 100.0, v["fiscal_year"])

    def render(self, r: BudgetResult) -> None:
        tb = r.table
        labels = list(tb.account_id)
        with self.fig.batch_update():
            cur, yours, opt = self.fig.data
            for tr, col, key in ((cur, "spend0", "m5.current"), (yours, "spend", "m5.yours"),
                                 (opt, "spend_opt", "m5.optimum")):  # fmt: skip
                tr.x, tr.y = labels, charts.money_values(tb[col])
                tr.name = t(key)
            self.fig.layout.title.text = t("m5.budget_chart", fy=r.fiscal_year)
            charts.money_axis(self.fig)
        with self.fig_m.batch_update():
            bar, lam = self.fig_m.data
            bar.x, bar.y = labels, np.minimum(tb.marginal.to_numpy(float), 5.0)
            bar.name = t("m5.marginal_yours")
            lam.x, lam.y = labels, [r.lambda_opt] * len(labels)
            lam.name = t("m5.marginal_optimum")
            self.fig_m.layout.title.text = t("m5.marginal_chart")
            self.fig_m.layout.yaxis.title = t("m5.marginal_axis")
        net = r.total_igp - r.total_budget
        self.summary.value = "<b>" + html.escape(t(
            "m5.budget_summary", budget=money(r.total_budget), igp0=money(r.total_igp0),
            igp=money(r.total_igp), opt=money(r.total_igp_opt), share=_pct(r.share_of_optimum),
            net=money(net),
        )) + "</b>"  # fmt: skip
        shown = pd.DataFrame(
            {
                t("common.account"): tb.account_id + " " + tb.account_name,
                t("m5.col_spend_to_sales0"): [_pct(x) for x in tb.spend_to_sales0],
                t("m5.col_spend_to_sales"): [_pct(x) for x in tb.spend_to_sales],
                t("m5.col_io0"): [_ratio(x) for x in tb.io_ratio0],
                t("m5.col_io"): [_ratio(x) for x in tb.io_ratio],
                t("m5.col_util0"): [_pct(x) for x in tb.utilisation0],
                t("m5.col_util"): [
                    _pct(x) + (" ⚠ " + t("m5.over_budget") if o else "")
                    for x, o in zip(tb.utilisation, tb.over_budget, strict=True)
                ],
            }
        )
        self.table.value = table_html(shown)
