"""M2 scenario panels: portfolio matrix, JBP target builder, rolling 3-month planner.

Each panel is a thin view over a pure model (tested on its own):

* :class:`PortfolioMatrix` → :func:`kamlab.analysis.m2_portfolio.segment`
* :class:`JBPBuilder` → :func:`kamlab.analysis.m2_jbp.jbp_plan`
* :class:`RollingPlanner` → :func:`kamlab.analysis.m2_planner.run_plan` (the world's own
  models through :func:`kamlab.sim.simulate_plan`)
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from kamlab.analysis.m2_jbp import JBPPlan, jbp_context, jbp_plan
from kamlab.analysis.m2_planner import (
    DISPLAYS,
    FEATURES,
    HORIZON,
    MECHANICS,
    PlannerResult,
    PromoSlot,
    planner_context,
    run_plan,
)
from kamlab.analysis.m2_portfolio import (
    ATTRACTIVENESS,
    CRITERIA,
    DEFAULT_CUTOFFS,
    DEFAULT_WEIGHTS,
    PortfolioResult,
    portfolio_criteria,
    segment,
)
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui._format import pct
from kamlab.ui.base import Panel, register, table_html

__all__ = ["JBPBuilder", "PortfolioMatrix", "RollingPlanner"]

TIER_COLOURS = {"A": charts.PALETTE[0], "B": charts.PALETTE[1], "C": charts.PALETTE[2]}
_OK, _NO = "✓", "✗"


def _signed_pct(x: float, digits: int = 1) -> str:
    return "–" if x != x else f"{x * 100:+.{digits}f}%"


# ---------------------------------------------------------------------------------------------
@register("M2", "portfolio_matrix")
class PortfolioMatrix(Panel):
    """Attractiveness × our position of the key accounts; tiers from weighted criteria."""

    title_key = "m2.portfolio_title"

    def build(self) -> None:
        self.criteria = portfolio_criteria(self.world)
        for c in CRITERIA:
            self.control(
                c,
                W.FloatSlider(value=DEFAULT_WEIGHTS[c], min=0.0, max=1.0, step=0.05,
                              continuous_update=False, readout_format=".2f"),
                f"m2.w_{c}",
            )  # fmt: skip
        self.head_attr = W.HTML()
        self.head_pos = W.HTML()
        self.summary = W.HTML()
        self.table = W.HTML()
        self.fig = charts.figure(height=460)
        self.fig.add_trace(go.Scatter(mode="markers+text", textposition="top center"))
        self.fig.update_layout(
            showlegend=False,
            xaxis={"range": [-0.08, 1.08], "zeroline": False},
            yaxis={"range": [-0.08, 1.12], "zeroline": False},
            shapes=[
                {"type": "line", "x0": 0.5, "x1": 0.5, "y0": -0.08, "y1": 1.12,
                 "line": {"color": "#8c959f", "dash": "dot"}},
                {"type": "line", "x0": -0.08, "x1": 1.08, "y0": 0.5, "y1": 0.5,
                 "line": {"color": "#8c959f", "dash": "dot"}},
            ],
        )  # fmt: skip
        left = W.VBox([self.head_attr, *[self.controls[c] for c in ATTRACTIVENESS]])
        right = W.VBox(
            [self.head_pos, *[self.controls[c] for c in CRITERIA if c not in ATTRACTIVENESS]]
        )
        self.body = W.VBox([W.HBox([left, right]), self.summary, self.fig, self.table])

    def compute(self) -> PortfolioResult:
        return segment(self.criteria, weights=self.values, cutoffs=DEFAULT_CUTOFFS)

    def render(self, r: PortfolioResult) -> None:
        self.head_attr.value = f"<b>{html.escape(t('m2.axis_attractiveness'))}</b>"
        self.head_pos.value = f"<b>{html.escape(t('m2.axis_position'))}</b>"
        tb = r.table
        changed = tb["changed"].to_numpy(bool)
        with self.fig.batch_update():
            tr = self.fig.data[0]
            tr.x = [float(x) for x in tb["position"]]
            tr.y = [float(y) for y in tb["attractiveness"]]
            tr.text = [
                f"{a} · {tier}" for a, tier in zip(tb["account_id"], tb["tier"], strict=True)
            ]
            tr.marker.color = [TIER_COLOURS[x] for x in tb["tier"]]
            tr.marker.size = [18 if c else 13 for c in changed]
            tr.marker.symbol = ["diamond" if c else "circle" for c in changed]
            tr.marker.line.width = [3 if c else 1 for c in changed]
            tr.marker.line.color = "#000000"
            tr.hovertext = [
                f"{n}: {t('m2.tier_change', old=o, new=x)}" if c else f"{n}: {x}"
                for n, o, x, c in zip(
                    tb["account_name"], tb["current_tier"], tb["tier"], changed, strict=True
                )
            ]
            self.fig.layout.xaxis.title = t("m2.axis_position")
            self.fig.layout.yaxis.title = t("m2.axis_attractiveness")
            self.fig.layout.title.text = t("m2.portfolio_chart_title")
            self.fig.layout.annotations = [
                {"x": x, "y": y, "text": t(f"m2.quadrant_{q}"), "showarrow": False,
                 "font": {"color": "#57606a", "size": 12}, "xanchor": xa}
                for x, y, q, xa in ((1.06, 1.1, "key", "right"), (-0.06, 1.1, "develop", "left"),
                                    (1.06, -0.06, "maintain", "right"), (-0.06, -0.06, "serve", "left"))
            ]  # fmt: skip
        n = int(changed.sum())
        counts = tb["tier"].value_counts()
        self.summary.value = html.escape(
            t(
                "m2.portfolio_summary",
                n=n,
                a=int(counts.get("A", 0)),
                b=int(counts.get("B", 0)),
                c=int(counts.get("C", 0)),
                cut_a=f"{r.cutoffs[0]:.2f}",
                cut_b=f"{r.cutoffs[1]:.2f}",
            )
        )
        shown = pd.DataFrame(
            {
                t("common.account"): tb["account_id"] + " " + tb["account_name"],
                t("m2.col_attractiveness"): [f"{x:.2f}" for x in tb["attractiveness"]],
                t("m2.col_position"): [f"{x:.2f}" for x in tb["position"]],
                t("m2.col_score"): [f"{x:.3f}" for x in tb["score"]],
                t("m2.col_quadrant"): [t(f"m2.quadrant_{q}") for q in tb["quadrant"]],
                t("m2.col_tier"): [
                    f"{o} → {x} ◆" if c else x
                    for o, x, c in zip(tb["current_tier"], tb["tier"], changed, strict=True)
                ],
            }
        )
        self.table.value = table_html(shown)


# ---------------------------------------------------------------------------------------------
@register("M2", "jbp_target_builder")
class JBPBuilder(Panel):
    """Market-anchored target vs the initiative bridge, with our GP and the retailer's margins."""

    title_key = "m2.jbp_title"
    parents = ("account",)

    def build(self) -> None:
        self.ctx = jbp_context(self.world)
        opts = [(f"{b.account_id} {b.account_name}", a) for a, b in self.ctx.bases.items()]
        self.control("account", W.Dropdown(options=opts), "common.account")
        self.control(
            "delta_wd",
            W.FloatSlider(value=0.02, min=0.0, max=0.10, step=0.005, readout_format=".1%",
                          continuous_update=False),
            "m2.delta_wd",
        )  # fmt: skip
        self.control(
            "promo_events",
            W.IntSlider(value=12, min=0, max=40, step=1, continuous_update=False),
            "m2.promo_events",
        )
        self.control(
            "npd_listings",
            W.IntSlider(value=1, min=0, max=6, step=1, continuous_update=False),
            "m2.npd_listings",
        )
        self.control(
            "price_change",
            W.FloatSlider(value=0.01, min=-0.05, max=0.05, step=0.005, readout_format="+.1%",
                          continuous_update=False),
            "m2.price_change",
        )  # fmt: skip
        self.control(
            "share_gain",
            W.FloatSlider(value=0.005, min=-0.02, max=0.03, step=0.001, readout_format="+.1%",
                          continuous_update=False),
            "m2.share_gain",
        )  # fmt: skip
        for n in ("delta_wd", "promo_events", "npd_listings", "price_change", "share_gain"):
            self.controls[n].layout = W.Layout(width="380px")
        self.kpis = W.HTML()
        self.retailer = W.HTML()
        self.fig = charts.figure(height=400)
        self.fig.add_trace(charts.waterfall())
        self.fig.add_trace(
            go.Scatter(mode="lines", line={"color": charts.PALETTE[1], "dash": "dash", "width": 2})
        )
        self.fig.data[0].showlegend = False
        self.fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.08, "x": 0})
        self.body = W.VBox(
            [
                self.controls["account"],
                W.HBox([self.controls["delta_wd"], self.controls["promo_events"]]),
                W.HBox([self.controls["npd_listings"], self.controls["price_change"]]),
                self.controls["share_gain"],
                self.kpis,
                self.fig,
                self.retailer,
            ]
        )
        self.update_options("account")

    def update_options(self, changed: str) -> None:
        """Start the promotion-event lever at the account's last-year count."""
        b = self.ctx.base(self.values["account"])
        ev = self.controls["promo_events"]
        ev.max = max(40, 2 * b.promo_events_ly)
        ev.value = b.promo_events_ly

    def compute(self) -> JBPPlan:
        v = self.values
        return jbp_plan(
            self.ctx.base(v["account"]),
            delta_wd=v["delta_wd"],
            promo_events=v["promo_events"],
            npd_listings=v["npd_listings"],
            price_change=v["price_change"],
            share_gain=v["share_gain"],
        )

    def render(self, p: JBPPlan) -> None:
        steps = p.bridge.steps
        b = p.base
        with self.fig.batch_update():
            tr = self.fig.data[0]
            labels = [t(f"m2.bridge_{s.name}") for s in steps]
            tr.x = labels
            tr.measure = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
            tr.y = charts.money_values([s.value for s in steps])
            tr.text = [money(s.value) for s in steps]
            line = self.fig.data[1]
            line.x = [labels[0], labels[-1]]
            line.y = charts.money_values([p.market_target, p.market_target])
            line.name = t("m2.market_target_short", value=money(p.market_target))
            # zoom on the bridge: the steps are small next to last year's NR
            levels = [s.cumulative for s in steps] + [p.market_target]
            lo, hi = min(levels), max(levels)
            pad = 0.15 * max(hi - lo, 0.02 * hi)
            self.fig.layout.yaxis.range = charts.money_values([max(0.0, lo - 2 * pad), hi + pad])
            self.fig.layout.title.text = t(
                "m2.jbp_chart_title",
                account=f"{b.account_id} {b.account_name}",
                year=b.fiscal_year + 1,
            )
            charts.money_axis(self.fig)
        rows = [
            (t("m2.kpi_nr_ly", year=b.fiscal_year), money(b.nr_ly), ""),
            (t("m2.kpi_bridge_target"), money(p.bridge.target), _signed_pct(p.growth)),
            (t("m2.kpi_market_target"), money(p.market_target), _signed_pct(p.market_target / b.nr_ly - 1)),
            (t("m2.kpi_gap"), money(p.gap), t("m2.gap_hint") if p.gap > 0 else t("m2.gap_covered")),
            (t("m2.kpi_gp_target"), money(p.gp_target), t("m2.gp_rate", rate=pct(p.gp_rate_target), ly=pct(b.gp_ly / b.nr_ly))),
            (t("m2.kpi_category_growth"), _signed_pct(b.category_growth), ""),
            (t("m2.kpi_share"), pct(b.share_ly), t("m2.implied_share", share=pct(p.implied_share))),
            (t("m2.kpi_tdp"), f"{b.tdp_ly:.2f}", t("m2.delta_tdp", d=f"{p.delta_tdp:+.2f}", spp=money(b.sales_per_point))),
        ]  # fmt: skip
        self.kpis.value = table_html(
            pd.DataFrame(rows, columns=[t("m2.col_measure"), t("m2.col_value"), t("m2.col_note")])
        )
        m0, m1 = b.margins_ly, p.margins_target
        ret = pd.DataFrame(
            {
                t("m2.col_retailer"): [t("m2.front_margin"), t("m2.back_margin"), t("m2.total_margin")],
                t("m2.col_ly"): [pct(m0.front), pct(m0.back), pct(m0.total)],
                t("m2.col_target"): [pct(m1.front), pct(m1.back), pct(m1.total)],
            }
        )  # fmt: skip
        self.retailer.value = (
            f"<b>{html.escape(t('m2.retailer_view'))}</b>"
            + table_html(ret)
            + f"<div style='font-size:12px;color:#57606a'>{html.escape(t('m2.retailer_note'))}</div>"
        )


# ---------------------------------------------------------------------------------------------
@register("M2", "rolling_planner")
class RollingPlanner(Panel):
    """Add promotion slots to the next 13 weeks; see orders vs capacity and spend vs budget."""

    title_key = "m2.planner_title"
    parents = ("account",)

    def build(self) -> None:
        self.ctx = planner_context(self.world)
        self.slots: dict[str, list[PromoSlot]] = {}
        jb = jbp_context(self.world)  # key accounts (the planner replays key accounts)
        opts = [(f"{b.account_id} {b.account_name}", a) for a, b in jb.bases.items()]
        self.control("account", W.Dropdown(options=opts), "common.account")
        self.control("sku", W.Dropdown(options=self._sku_options(opts[0][1])), "common.sku")
        self.control(
            "start",
            W.IntSlider(value=5, min=1, max=HORIZON, continuous_update=False),
            "m2.start_week",
        )
        self.control(
            "weeks", W.IntSlider(value=2, min=1, max=4, continuous_update=False), "m2.weeks"
        )
        self.control(
            "depth",
            W.FloatSlider(value=0.2, min=0.0, max=0.5, step=0.05, readout_format=".0%",
                          continuous_update=False),
            "m2.depth",
        )  # fmt: skip
        self.control(
            "mechanic", W.Dropdown(options=list(MECHANICS[:5]), value="TPR"), "m2.mechanic"
        )
        self.control("display", W.Dropdown(options=list(DISPLAYS), value="NONE"), "m2.display")
        self.control("feature", W.Dropdown(options=list(FEATURES), value="NONE"), "m2.feature")
        self.control("include_planned", W.Checkbox(value=True), "m2.include_planned")
        self.control("preview", W.Checkbox(value=True), "m2.preview")
        self.add = W.Button(description=t("m2.add_slot"), icon="plus", button_style="primary")
        self.remove = W.Button(description=t("m2.remove_slot"), icon="minus")
        self.clear = W.Button(description=t("m2.clear_slots"), icon="trash")
        self.add.on_click(self._add)
        self.remove.on_click(self._remove)
        self.clear.on_click(self._clear)
        self.kpis = W.HTML()
        self.slot_table = W.HTML()
        self.fig = charts.figure(height=330)
        self.fig.add_trace(go.Bar(marker={"color": charts.PALETTE[2]}))  # ordered
        self.fig.add_trace(go.Bar(marker={"color": charts.PALETTE[5]}))  # short
        self.fig.add_trace(go.Scatter(mode="lines+markers", line={"color": charts.PALETTE[0]}))
        self.fig.add_trace(
            go.Scatter(mode="lines", line={"color": charts.PALETTE[7], "dash": "dash"})
        )
        self.fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.25})
        self.fig2 = charts.figure(height=280)
        self.fig2.add_trace(go.Bar(marker={"color": charts.PALETTE[1]}))  # promo spend
        self.fig2.add_trace(go.Scatter(mode="lines+markers", line={"color": charts.PALETTE[0]}))
        self.fig2.add_trace(
            go.Scatter(mode="lines", line={"color": charts.PALETTE[5], "dash": "dash"})
        )
        self.fig2.update_layout(legend={"orientation": "h", "y": -0.3})
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["include_planned"]]),
                W.HTML(f"<b>{html.escape(t('m2.draft_slot'))}</b>"),
                W.HBox([c["sku"], c["mechanic"], c["display"], c["feature"]]),
                W.HBox([c["start"], c["weeks"], c["depth"]]),
                W.HBox([c["preview"], self.add, self.remove, self.clear]),
                self.kpis,
                self.fig,
                self.fig2,
                self.slot_table,
            ]
        )
        self.update_options("account")

    def _sku_options(self, account_id: str) -> list[tuple[str, str]]:
        names = self.ctx.products.set_index("sku_id")["sku_name"]
        return [(f"{s} {names.get(s, '')}", s) for s in self.ctx.listed(account_id)]

    def update_options(self, changed: str) -> None:
        """The account's listed SKUs; the draft starts on the first one without a promotion."""
        acc = self.values["account"]
        sku = self.controls["sku"]
        sku.options = self._sku_options(acc)
        busy = set(self.ctx.planned(acc)["sku_id"])
        free = [s for _, s in sku.options if s not in busy]
        sku.value = free[0] if free else sku.options[0][1]

    def draft(self) -> PromoSlot:
        """The slot the controls describe."""
        v = self.values
        return PromoSlot(v["sku"], int(v["start"]), int(v["weeks"]), float(v["depth"]),
                         v["mechanic"], v["display"], v["feature"])  # fmt: skip

    def plan_slots(self) -> list[PromoSlot]:
        """The committed slots of the current account, plus the draft when previewed."""
        mine = list(self.slots.get(self.values["account"], []))
        return [*mine, self.draft()] if self.values["preview"] else mine

    def _add(self, _b: Any = None) -> None:
        self.slots.setdefault(self.values["account"], []).append(self.draft())
        self.controls["preview"].value = False  # the draft is now part of the plan
        self.refresh()

    def _remove(self, _b: Any = None) -> None:
        lst = self.slots.get(self.values["account"], [])
        if lst:
            lst.pop()
        self.refresh()

    def _clear(self, _b: Any = None) -> None:
        self.slots[self.values["account"]] = []
        self.refresh()

    def compute(self) -> PlannerResult:
        v = self.values
        return run_plan(
            self.ctx, v["account"], self.plan_slots(), include_planned=bool(v["include_planned"])
        )

    def render(self, r: PlannerResult) -> None:
        wk = r.weekly
        x = [f"{w}" for w in wk["week"]]
        with self.fig.batch_update():
            f = self.fig.data
            f[0].x, f[0].y, f[0].name = x, list(wk["shipped"]), t("m2.shipped")
            f[1].x, f[1].y, f[1].name = x, list(wk["short"]), t("m2.short")
            f[1].text = [f"−{s:,.0f}" if s > 0.5 else "" for s in wk["short"]]
            f[2].x, f[2].y, f[2].name = x, list(wk["ordered"]), t("m2.ordered")
            f[3].x, f[3].y, f[3].name = x, list(wk["ordered_base"]), t("m2.ordered_base")
            self.fig.layout.title.text = t("m2.capacity_chart_title", account=r.account_id)
            self.fig.layout.xaxis.title = t("m2.plan_week")
            self.fig.layout.yaxis.title = t("m2.cases")
        with self.fig2.batch_update():
            g = self.fig2.data
            g[0].x, g[0].y, g[0].name = (
                x,
                charts.money_values(wk["promo_spend"]),
                t("m2.promo_spend"),
            )
            g[1].x, g[1].y, g[1].name = x, charts.money_values(wk["cum_spend"]), t("m2.cum_spend")
            g[2].x, g[2].y, g[2].name = x, charts.money_values(wk["budget"]), t("m2.budget")
            self.fig2.layout.title.text = t("m2.budget_chart_title")
            self.fig2.layout.xaxis.title = t("m2.plan_week")
            charts.money_axis(self.fig2)
        k = r.kpis
        lo, hi = k["woc_band"]
        checks = [
            (t("m2.kpi_nr_vs_ly"), f"{money(k['nr'])} ({_signed_pct(k['nr_growth'])})", k["nr_growth"] >= 0),
            (t("m2.kpi_tts"), t("m2.vs_cap", rate=pct(k["tts_rate"]), cap=pct(k["tts_rate_cap"])), k["tts_rate"] <= k["tts_rate_cap"] + 1e-9),
            (t("m2.kpi_budget"), t("m2.budget_use", used=pct(k["budget_used"]), budget=money(k["budget"])), k["budget_used"] <= 1 + 1e-9),
            (t("m2.kpi_capacity"), t("m2.short_cases", cases=f"{k['capacity_short_cases']:,.0f}", weeks=k["short_weeks"]), k["capacity_short_cases"] <= 0.5),
            (t("m2.kpi_cc"), t("m2.vs_ly", rate=pct(k["cc_rate"]), ly=pct(k["cc_rate_ly"])), k["cc_rate"] >= k["cc_rate_ly"] - 1e-9),
            (t("m2.kpi_woc"), t("m2.woc", woc=f"{k['woc_end']:.1f}", lo=lo, hi=hi), lo - 1e-9 <= k["woc_end"] <= hi + 1e-9),
            (t("m2.kpi_lws"), pct(k["lws_max"]), k["lws_max"] <= 0.35 + 1e-9),
        ]  # fmt: skip
        composite = t("m2.composite", value=f"{k['composite']:.3f}", rag=t(f"m1.rag_{k['rag']}"))
        body = "".join(
            f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
            f"<td style='color:{charts.RAG_COLOURS['green' if ok else 'red']}'>"
            f"{_OK if ok else _NO} {html.escape(t('m2.ok' if ok else 'm2.not_ok'))}</td></tr>"
            for a, b, ok in checks
        )
        self.kpis.value = (
            f"<table class='kamlab-table'><tr><th>{html.escape(t('m2.col_measure'))}</th>"
            f"<th>{html.escape(t('m2.col_value'))}</th><th>{html.escape(t('m2.col_check'))}</th></tr>"
            f"{body}</table><div>{html.escape(composite)}</div>"
        )
        pr = r.promotions
        names = self.ctx.products.set_index("sku_id")["sku_name"]
        T = self.ctx.T
        shown = pd.DataFrame(
            {
                t("m2.col_source"): [t(f"m2.source_{s}") for s in pr["source"]],
                t("common.sku"): [f"{s} {names.get(s, '')}" for s in pr["sku_id"]],
                t("m2.col_weeks"): [f"{a - T + 1}–{b - T + 1}" for a, b in zip(pr["start_week"], pr["end_week"], strict=True)],
                t("m2.depth"): [pct(d, 0) for d in pr["depth_pct"]],
                t("m2.mechanic"): list(pr["mechanic"]),
                t("m2.display"): list(pr["display_type"]),
            }
        )  # fmt: skip
        self.slot_table.value = (
            f"<b>{html.escape(t('m2.plan_rows', n=len(pr)))}</b>" + table_html(shown)
            if len(pr)
            else html.escape(t("m2.no_rows"))
        )

    def relabel(self) -> None:
        self.add.description = t("m2.add_slot")
        self.remove.description = t("m2.remove_slot")
        self.clear.description = t("m2.clear_slots")
        super().relabel()
