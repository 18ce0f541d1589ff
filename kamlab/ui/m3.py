"""M3 scenario panels: rebate tier designer, package comparator, negotiation simulator.

Each panel is a thin view over a pure model (tested on its own):

* :class:`RebateTierDesigner` → :func:`kamlab.analysis.m3_rebates.rebate_for_account`
* :class:`PackageComparator` → :func:`kamlab.analysis.m3_package.compare_packages`
* :class:`NegotiationSimulator` → :func:`kamlab.analysis.m3_negotiation.negotiate`

>>> from kamlab.ui.m3 import RebateTierDesigner      # doctest: +SKIP
>>> RebateTierDesigner()                               # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from kamlab.analysis.m3_negotiation import (
    CONCESSIONS,
    STATES,
    NegotiationResult,
    negotiate_context,
    negotiation_accounts,
)
from kamlab.analysis.m3_package import (
    COST_LINES,
    PackageComparison,
    TermsPackage,
    compare_packages,
    package_accounts,
    terms_context,
)
from kamlab.analysis.m3_rebates import RebateDesign, rebate_accounts, rebate_for_account
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui._format import GREY, html_note, html_table, pct, signed_money
from kamlab.ui.base import Panel, register

__all__ = ["NegotiationSimulator", "PackageComparator", "RebateTierDesigner"]


def _slider(value: float, lo: float, hi: float, step: float, fmt: str = ".1%") -> W.FloatSlider:
    return W.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        readout_format=fmt,
        continuous_update=False,
        layout=W.Layout(width="340px"),
    )


def _agreement_controls(panel: Panel, accounts: list[tuple[str, str]]) -> None:
    """The account, the base year (an annual agreement's) and the plan growth controls."""
    years = sorted(int(y) for y in panel.world["trade_terms"]["fiscal_year"].unique())
    panel.control(
        "account", W.Dropdown(options=[(f"{a} {n}", a) for a, n in accounts]), "common.account"
    )
    panel.control("fiscal_year", W.Dropdown(options=years, value=years[-1]), "m3.base_year")
    panel.control("growth", _slider(0.0, -0.10, 0.30, 0.005), "m3.plan_growth")


def _mode_options() -> list[tuple[str, str]]:
    return [(t("m3.mode_retro"), "retro"), (t("m3.mode_marginal"), "marginal")]


# ---------------------------------------------------------------------------------------------
@register("M3", "rebate_tier_designer")
class RebateTierDesigner(Panel):
    """Edit a growth rebate's tiers and mode → rebate curve, cliffs, loading incentive."""

    title_key = "m3.designer_title"
    parents = ("account", "fiscal_year")

    def build(self) -> None:
        self.accs = rebate_accounts(self.world)
        ids = list(dict.fromkeys(a for a, _ in self.accs))
        names = {a: self.accs[(a, y)].account_name for a, y in self.accs}
        years = sorted({y for _, y in self.accs})
        self.control(
            "account", W.Dropdown(options=[(f"{a} {names[a]}", a) for a in ids]), "common.account"
        )
        self.control(
            "fiscal_year", W.Dropdown(options=years, value=years[-1]), "common.fiscal_year"
        )
        self.control("mode", W.ToggleButtons(options=_mode_options()), "m3.mode")
        self.option_labels["mode"] = _mode_options
        self.control("t1", _slider(0.05, 0.005, 0.20, 0.005), "m3.threshold_1")
        self.control("t2", _slider(0.10, 0.01, 0.30, 0.005), "m3.threshold_2")
        self.control("r1", _slider(0.01, 0.0, 0.06, 0.0005, ".2%"), "m3.rate_1")
        self.control("r2", _slider(0.02, 0.0, 0.06, 0.0005, ".2%"), "m3.rate_2")
        self.control("r3", _slider(0.03, 0.0, 0.06, 0.0005, ".2%"), "m3.rate_3")
        self.control("expected_growth", _slider(0.0, -0.10, 0.30, 0.001), "m3.expected_growth")
        self.summary = W.HTML()
        self.cliffs_html = W.HTML()
        self.fig = charts.figure(height=360)
        self.fig.add_trace(go.Scatter(mode="lines", line={"color": charts.PALETTE[0]}))
        self.fig.add_trace(
            go.Scatter(
                mode="markers+text",
                marker={"color": charts.PALETTE[5], "size": 10, "symbol": "triangle-up"},
                textposition="top left",
                cliponaxis=False,
            )
        )
        self.fig.add_trace(
            go.Scatter(mode="markers", marker={"color": charts.PALETTE[1], "size": 12})
        )
        self.fig.update_layout(showlegend=True, xaxis={"tickformat": ".0%"})
        self.fig_mc = charts.figure(height=260)
        self.fig_mc.add_trace(
            go.Scatter(mode="lines", line={"color": charts.PALETTE[3], "shape": "hv"})
        )
        self.fig_mc.update_layout(showlegend=False, xaxis={"tickformat": ".0%"})
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["fiscal_year"], c["mode"]]),
                W.HBox([c["t1"], c["t2"]]),
                W.HBox([c["r1"], c["r2"], c["r3"]]),
                W.HBox([c["expected_growth"]]),
                self.summary,
                self.fig,
                self.cliffs_html,
                self.fig_mc,
            ]
        )
        self.update_options("account")

    def update_options(self, changed: str) -> None:
        """Load the selected agreement's tiers, mode and actual growth into the levers."""
        v = self.values
        ra = self.accs[(v["account"], v["fiscal_year"])]
        tiers = ra.tiers
        c = self.controls
        if len(tiers) >= 3:
            c["t2"].value = float(tiers[2][0])
            c["t1"].value = float(tiers[1][0])
            c["r1"].value, c["r2"].value, c["r3"].value = (float(x[2]) for x in tiers[:3])
        c["mode"].value = ra.mode
        g = min(max(ra.growth, c["expected_growth"].min), c["expected_growth"].max)
        c["expected_growth"].value = round(g, 3)

    def compute(self) -> RebateDesign:
        v = self.values
        return rebate_for_account(
            self.world,
            v["account"],
            v["fiscal_year"],
            thresholds=[v["t1"], v["t2"]],
            rates=[v["r1"], v["r2"], v["r3"]],
            mode=v["mode"],
            expected_growth=v["expected_growth"],
        )

    def render(self, r: RebateDesign) -> None:
        pos = r.position
        cl = [c for c in r.cliffs if c.metric > 0]  # the 0 % bound: the base itself
        with self.fig.batch_update():
            curve, cliff_tr, pos_tr = self.fig.data
            curve.x, curve.y = r.growth, charts.money_values(r.rebate)
            curve.name = t("m3.curve_name", mode=t(f"m3.mode_{r.mode}"))
            cliff_tr.x = [c.metric for c in cl]
            cliff_tr.y = charts.money_values(
                [float(r.rebate[np.argmin(np.abs(r.growth - c.metric))]) for c in cl]
            )
            cliff_tr.text = [t("m3.cliff_label", cliff=money(c.cliff)) for c in cl]
            cliff_tr.name = t("m3.cliffs")
            pos_tr.x, pos_tr.y = [pos.growth], charts.money_values([pos.rebate])
            pos_tr.name = t("m3.expected_position")
            self.fig.layout.shapes = [
                {"type": "line", "x0": c.metric, "x1": c.metric, "y0": 0, "y1": 1,
                 "yref": "paper", "line": {"color": GREY, "dash": "dot", "width": 1}}
                for c in cl
            ]  # fmt: skip
            self.fig.layout.title.text = t("m3.curve_title", base=money(r.base))
            self.fig.layout.xaxis.title = t("m3.growth_axis")
            charts.money_axis(self.fig)
        with self.fig_mc.batch_update():
            self.fig_mc.data[0].x = r.growth
            self.fig_mc.data[0].y = r.marginal_cost_per_case
            self.fig_mc.layout.title.text = t("m3.mc_title", price=f"¥{r.gs_per_case:,.2f}")
            self.fig_mc.layout.xaxis.title = t("m3.growth_axis")
            self.fig_mc.layout.yaxis.title = t("m3.mc_axis")
        rows = [
            (t("m3.kpi_growth"), pct(pos.growth)),
            (t("m3.kpi_rebate"), money(pos.rebate)),
            (t("m3.kpi_rebate_rate"), pct(pos.rebate / pos.sales, 2)),
            (t("m3.kpi_mc_case"), f"¥{pos.marginal_cost_per_case:,.2f}"),
        ]
        if pos.next_threshold is not None:
            rows += [
                (t("m3.kpi_next_threshold"), pct(pos.next_threshold)),
                (t("m3.kpi_gap"), f"{money(pos.gap_sales)} ≈ {pos.gap_cases:,.0f} cs"),
                (t("m3.kpi_gain"), money(pos.gain)),
                (t("m3.kpi_gain_per_rmb"), pct(pos.gain_per_rmb, 0)),
            ]
            key = "m3.loading_warning" if pos.gain_per_rmb >= 0.05 else "m3.loading_small"
            note = t(
                key,
                gap=money(pos.gap_sales),
                cases=f"{pos.gap_cases:,.0f}",
                gain=money(pos.gain),
                per=pct(pos.gain_per_rmb, 0),
            )
        else:
            note = t("m3.loading_none")
        self.summary.value = html_table((t("m3.col_measure"), t("m3.col_value")), rows) + html_note(
            note
        )
        self.cliffs_html.value = html_table(
            (t("m3.col_threshold"), t("m3.col_sales"), t("m3.col_cliff")),
            [(pct(c.metric), money(c.sales), money(c.cliff)) for c in cl],
        ) + html_note(t("m3.cliff_note"))


# ---------------------------------------------------------------------------------------------
_PKG_FIELDS = ("on_invoice", "unconditional", "growth_pp", "fees", "payment_days")
_PKG_DEFAULT_DELTAS = {
    "ask": {"on_invoice": 0.01, "unconditional": 0.005, "growth_pp": 0.005, "fees": 0.2,
            "payment_days": 15},
    "offer": {"on_invoice": 0.0, "unconditional": 0.0, "growth_pp": 0.005, "fees": 0.1,
              "payment_days": 0},
}  # fmt: skip
_PACKAGES = ("current", "ask", "offer")


def _package_from(terms: TermsPackage, v: dict[str, Any], side: str) -> TermsPackage:
    base = terms.replace(
        on_invoice_pct=v[f"{side}_on_invoice"],
        unconditional_rebate_pct=v[f"{side}_unconditional"],
        payment_terms_days=float(v[f"{side}_payment_days"]),
    )
    return base.adjusted(growth_pp=v[f"{side}_growth_pp"], fees_change=v[f"{side}_fees"])


@register("M3", "package_comparator")
class PackageComparator(Panel):
    """The customer's ask vs our offer vs the current agreement, costed on the account."""

    title_key = "m3.package_title"
    parents = ("account", "fiscal_year")

    def build(self) -> None:
        _agreement_controls(self, package_accounts(self.world))
        for side in ("ask", "offer"):
            self.control(f"{side}_on_invoice", _slider(0.05, 0.0, 0.15, 0.001), "m3.on_invoice")
            self.control(
                f"{side}_unconditional", _slider(0.02, 0.0, 0.08, 0.001), "m3.unconditional"
            )
            self.control(
                f"{side}_growth_pp", _slider(0.0, -0.01, 0.03, 0.0005, ".2%"), "m3.growth_pp"
            )
            self.control(f"{side}_fees", _slider(0.0, -0.5, 1.0, 0.05, ".0%"), "m3.fees_change")
            self.control(
                f"{side}_payment_days",
                W.IntSlider(value=30, min=0, max=120, step=5, continuous_update=False,
                            layout=W.Layout(width="340px")),
                "m3.payment_days",
            )  # fmt: skip
        self.ask_head = W.HTML()
        self.offer_head = W.HTML()
        self.table = W.HTML()
        self.verdict = W.HTML()
        self.fig = charts.figure(height=380)
        lines = [*COST_LINES, "promotions", "otif_penalty"]
        for i, line in enumerate(lines):
            self.fig.add_trace(
                go.Bar(name=line, marker={"color": charts.PALETTE[i % len(charts.PALETTE)]})
            )
        self.fig.add_trace(
            go.Scatter(mode="text", textposition="top center", showlegend=False, cliponaxis=False)
        )
        self.fig.update_layout(barmode="stack", yaxis={"tickformat": ".0%"})
        self._lines = lines
        c = self.controls
        col = {
            side: W.VBox([head, *[c[f"{side}_{f}"] for f in _PKG_FIELDS]])
            for side, head in (("ask", self.ask_head), ("offer", self.offer_head))
        }
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["fiscal_year"], c["growth"]]),
                W.HBox([col["ask"], col["offer"]]),
                self.verdict,
                self.fig,
                self.table,
            ]
        )
        self.update_options("account")

    def update_options(self, changed: str) -> None:
        """Start both packages from the selected agreement plus the default deltas."""
        v = self.values
        ctx = terms_context(self.world, v["account"], v["fiscal_year"])
        cur = ctx.terms
        for side, d in _PKG_DEFAULT_DELTAS.items():
            c = self.controls
            c[f"{side}_on_invoice"].value = round(cur.on_invoice_pct + d["on_invoice"], 4)
            c[f"{side}_unconditional"].value = round(
                cur.unconditional_rebate_pct + d["unconditional"], 4
            )
            c[f"{side}_growth_pp"].value = d["growth_pp"]
            c[f"{side}_fees"].value = d["fees"]
            c[f"{side}_payment_days"].value = int(cur.payment_terms_days + d["payment_days"])

    def compute(self) -> PackageComparison:
        v = self.values
        ctx = terms_context(self.world, v["account"], v["fiscal_year"])
        packages = {
            "current": ctx.terms,
            "ask": _package_from(ctx.terms, v, "ask"),
            "offer": _package_from(ctx.terms, v, "offer"),
        }
        return compare_packages(ctx, packages, v["growth"])

    def render(self, r: PackageComparison) -> None:
        self.ask_head.value = f"<b>{html.escape(t('m3.pkg_ask'))}</b>"
        self.offer_head.value = f"<b>{html.escape(t('m3.pkg_offer'))}</b>"
        names = [t(f"m3.pkg_{k}") for k in _PACKAGES]
        with self.fig.batch_update():
            for tr, line in zip(self.fig.data[:-1], self._lines, strict=True):
                tr.x = names
                tr.y = [
                    (r.costs[k].lines[line] if line in COST_LINES else getattr(r.costs[k], line))
                    / r.costs[k].gs
                    for k in _PACKAGES
                ]
                tr.name = t(f"m3.line_{line}")
            top = self.fig.data[-1]
            top.x = names
            top.y = [r.costs[k].tts_rate for k in _PACKAGES]
            top.text = [
                f"{pct(r.costs[k].tts_rate)}{' ⚠' if r.over_cap()[k] else ''}" for k in _PACKAGES
            ]
            self.fig.layout.shapes = [
                {"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": r.tts_rate_cap,
                 "y1": r.tts_rate_cap, "line": {"color": charts.PALETTE[5], "dash": "dash"}}
            ]  # fmt: skip
            self.fig.layout.annotations = [
                {"x": 1, "xref": "paper", "xanchor": "right", "y": r.tts_rate_cap,
                 "text": t("m3.cap_label", cap=pct(r.tts_rate_cap)), "showarrow": False,
                 "yshift": 10, "font": {"color": charts.PALETTE[5]}}
            ]  # fmt: skip
            self.fig.layout.title.text = t("m3.package_chart_title")
            self.fig.layout.yaxis.title = t("m3.pct_of_gs")
        rows = []
        money_rows = [*COST_LINES, "terms_cost", "promotions", "otif_penalty", "tts", "nr", "gp",
                      "cts", "cc"]  # fmt: skip
        rate_rows = ["terms_rate", "tts_rate", "gp_rate", "cc_rate", "front_margin",
                     "back_margin", "total_margin"]  # fmt: skip
        for row in money_rows:
            rows.append([t(f"m3.line_{row}"), *[money(r.table.at[row, k]) for k in _PACKAGES]])
        for row in rate_rows:
            rows.append([t(f"m3.line_{row}"), *[pct(r.table.at[row, k], 2) for k in _PACKAGES]])
        self.table.value = html_table((t("m3.col_measure"), *names), rows) + html_note(
            t("m3.package_note")
        )
        over = r.over_cap()
        cur = r.costs["current"]
        parts = []
        for k in ("ask", "offer"):
            c = r.costs[k]
            parts.append(
                t(
                    "m3.package_verdict",
                    package=t(f"m3.pkg_{k}"),
                    tts=pct(c.tts_rate),
                    cap=pct(r.tts_rate_cap),
                    status=t("m3.over_cap") if over[k] else t("m3.within_cap"),
                    cc=signed_money(c.cc - cur.cc),
                    cc_rate=pct(c.cc_rate),
                )
            )
        self.verdict.value = "<br>".join(html.escape(p) for p in parts)


# ---------------------------------------------------------------------------------------------
# the panel opens on the customer's typical ask, conceded with nothing in return
_START_STATES = {
    "display": "give",
    "payment_terms": "give",
    "on_invoice": "give",
    "listing": "none",
}


def _state_options() -> list[tuple[str, str]]:
    return [(t(f"m3.state_{s}"), s) for s in STATES]


@register("M3", "negotiation_simulator")
class NegotiationSimulator(Panel):
    """A give-get concession menu against the walk-away limits (TTS cap, CC % floor)."""

    title_key = "m3.negotiation_title"
    parents = ("account", "fiscal_year")

    def build(self) -> None:
        _agreement_controls(self, negotiation_accounts(self.world))
        self.control("cc_floor", _slider(0.25, 0.0, 0.50, 0.005), "m3.cc_floor")
        for item in CONCESSIONS:
            self.control(
                item,
                W.Dropdown(options=_state_options(), value=_START_STATES[item],
                           layout=W.Layout(width="420px")),
                f"m3.item_{item}",
            )  # fmt: skip
            self.option_labels[item] = _state_options
        self.menu_help = W.HTML()
        self.verdict = W.HTML()
        self.table = W.HTML()
        self.fig = charts.figure(height=340)
        self.fig.add_trace(go.Bar(orientation="h", marker={"color": charts.PALETTE[5]}))
        self.fig.add_trace(go.Bar(orientation="h", marker={"color": charts.PALETTE[0]}))
        self.fig.add_trace(
            go.Scatter(
                mode="markers+text",
                marker={"color": "#000000", "size": 11, "symbol": "diamond"},
                textposition="middle right",
                cliponaxis=False,
            )
        )
        self.fig.update_layout(barmode="relative", yaxis={"autorange": "reversed"},
                               margin={"l": 180})  # fmt: skip
        c = self.controls
        self.body = W.VBox(
            [
                W.HBox([c["account"], c["fiscal_year"]]),
                W.HBox([c["growth"], c["cc_floor"]]),
                W.VBox([c[i] for i in CONCESSIONS]),
                self.menu_help,
                self.verdict,
                self.fig,
                self.table,
            ]
        )
        self.update_options("account")

    def update_options(self, changed: str) -> None:
        """Start the CC % floor one point below the current agreement's."""
        v = self.values
        ctx = terms_context(self.world, v["account"], v["fiscal_year"])
        cur = negotiate_context(ctx, {}, growth=v["growth"])
        self.controls["cc_floor"].value = round(max(0.0, cur.current.cc_rate - 0.01), 3)

    def compute(self) -> NegotiationResult:
        v = self.values
        ctx = terms_context(self.world, v["account"], v["fiscal_year"])
        return negotiate_context(
            ctx, {i: v[i] for i in CONCESSIONS}, growth=v["growth"], cc_floor=v["cc_floor"]
        )

    def render(self, r: NegotiationResult) -> None:
        self.menu_help.value = "".join(
            html_note(f"{t(f'm3.item_{i}')}: {t(f'm3.get_{i}')}") for i in CONCESSIONS
        )
        items = r.items
        labels = [t(f"m3.item_{i}") for i in items["concession"]]
        total_label = t("m3.whole_package")
        with self.fig.batch_update():
            give, get, net = self.fig.data
            give.y = labels
            give.x = charts.money_values(-items["give_cost"])
            give.name = t("m3.give_cost")
            get.y = labels
            get.x = charts.money_values(items["get_value"])
            get.name = t("m3.get_value")
            net.y = [*labels, total_label]
            net.x = charts.money_values([*items["net"], r.net_value])
            net.text = [signed_money(x) for x in [*items["net"], r.net_value]]
            net.name = t("m3.net")
            self.fig.layout.title.text = t("m3.negotiation_chart_title")
            charts.money_axis(self.fig, "xaxis")
        p, cur = r.package, r.current
        tts_ok = "tts_cap" not in r.breaches
        cc_ok = "cc_floor" not in r.breaches
        mark = {True: "✓", False: "✗"}
        rows = [
            (t("m3.line_tts_rate"), pct(cur.tts_rate, 2), pct(p.tts_rate, 2),
             f"{mark[tts_ok]} ≤ {pct(r.tts_rate_cap, 1)}"),
            (t("m3.line_cc_rate"), pct(cur.cc_rate, 2), pct(p.cc_rate, 2),
             f"{mark[cc_ok]} ≥ {pct(r.cc_floor, 1)}"),
            (t("m3.line_cc"), money(cur.cc), money(p.cc), signed_money(r.net_value)),
            (t("m3.line_nr"), money(cur.nr), money(p.nr), signed_money(p.nr - cur.nr)),
        ]  # fmt: skip
        head = (t("m3.col_measure"), t("m3.pkg_current"), t("m3.pkg_package"), t("m3.col_limit"))
        colour = charts.RAG_COLOURS["red"] if r.walk_away else charts.RAG_COLOURS["green"]
        status = t("m3.walk_away") if r.walk_away else t("m3.within_limits")
        self.verdict.value = (
            f"<div style='border-left:4px solid {colour};padding:4px 8px'><b>"
            + html.escape(f"{'✗' if r.walk_away else '✓'} {status}")
            + "</b> "
            + html.escape(
                t("m3.net_value", value=signed_money(r.net_value),
                  interaction=signed_money(r.interaction))
            )
            + "</div>"
            + html_table(head, rows)
        )  # fmt: skip
        item_rows = [
            (t(f"m3.item_{i}"), t(f"m3.state_{s}"), money(g), money(v), signed_money(n))
            for i, s, g, v, n in items.itertuples(index=False)
        ]
        self.table.value = html_table(
            (t("m3.col_item"), t("m3.col_state"), t("m3.give_cost"), t("m3.get_value"),
             t("m3.net")),
            item_rows,
        ) + html_note(t("m3.negotiation_note"))  # fmt: skip
