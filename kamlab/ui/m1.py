"""M1 scenario panels: waterfall explorer, five-indicator scorecard, list-to-pocket per SKU.

Each panel is a thin view over a pure model (tested on its own):

* :class:`WaterfallExplorer` → :func:`kamlab.analysis.m1_g2n.g2n_whatif`
* :class:`ScorecardPanel` → :func:`kamlab.analysis.m1_scorecard.scorecard_view`
* :class:`ListToPocket` → :func:`kamlab.analysis.m1_g2n.list_to_pocket`

>>> from kamlab.ui.m1 import WaterfallExplorer      # doctest: +SKIP
>>> WaterfallExplorer()                               # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from kamlab.analysis.m1_g2n import (
    PRICE_LEVELS,
    G2NScenario,
    PocketResult,
    g2n_context,
    g2n_whatif,
    list_to_pocket,
)
from kamlab.analysis.m1_scorecard import ScorecardView, period_keys, scorecard_view
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui._format import html_note, html_table, pct, signed_money
from kamlab.ui.base import Panel, register, table_html

__all__ = ["ListToPocket", "ScorecardPanel", "WaterfallExplorer"]


def _per_case(x: float) -> str:
    return f"¥{x:,.2f}"


def _account_options(ctx: Any) -> list[tuple[str, str]]:
    return [
        (f"{r.account_id} {r.account_name}", r.account_id)
        for r in ctx.accounts.itertuples(index=False)
    ]


# ---------------------------------------------------------------------------------------------
@register("M1", "waterfall_explorer")
class WaterfallExplorer(Panel):
    """Gross-to-net waterfall of an account × fiscal year with three trade-spend levers."""

    title_key = "m1.waterfall_title"
    parents = ("account", "fiscal_year")

    def build(self) -> None:
        self.ctx = g2n_context(self.world)
        self.control(
            "off_invoice_rate",
            W.FloatSlider(value=0.05, min=0.0, max=0.15, step=0.001, readout_format=".1%",
                          continuous_update=True),
            "m1.off_invoice_rate",
        )  # fmt: skip
        self.control(
            "rebate_rate",
            W.FloatSlider(value=0.02, min=0.0, max=0.10, step=0.001, readout_format=".1%",
                          continuous_update=True),
            "m1.rebate_rate",
        )  # fmt: skip
        self.control(
            "display_fees",
            W.FloatSlider(value=0.0, min=0.0, max=1_000_000, step=10_000, readout_format=",.0f",
                          continuous_update=False),
            "m1.display_fees",
        )  # fmt: skip
        self.control("account", W.Dropdown(options=_account_options(self.ctx)), "common.account")
        self.control(
            "fiscal_year",
            W.Dropdown(options=list(self.ctx.years), value=self.ctx.years[-1]),
            "common.fiscal_year",
        )
        for name in ("off_invoice_rate", "rebate_rate", "display_fees"):
            self.controls[name].layout = W.Layout(width="360px")
        self.reset = W.Button(description=t("m1.reset_actual"), icon="undo")
        self.reset.on_click(self._reset)
        self.kpis = W.HTML()
        self.note = W.HTML()
        self.fig = charts.figure(height=420)
        self.fig.add_trace(charts.waterfall(orientation="v"))
        self.fig.update_layout(showlegend=False, margin={"b": 110})
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["fiscal_year"], self.reset]),
                W.HBox([self.controls["off_invoice_rate"], self.controls["rebate_rate"]]),
                W.HBox([self.controls["display_fees"]]),
                self.kpis,
                self.fig,
                self.note,
            ]
        )
        self.update_options("account")

    def update_options(self, changed: str) -> None:
        """Set the levers to the selected account-year's actual values."""
        base = self.ctx.base(self.values["account"], self.values["fiscal_year"])
        fees = self.controls["display_fees"]
        top = max(1_000_000.0, 2.0 * base.display_fees)
        fees.max = float(-(-top // 100_000) * 100_000)
        # the exact actual values (the slider's step only applies when the trainee moves it)
        fees.value = base.display_fees
        self.controls["off_invoice_rate"].value = base.off_invoice_rate
        self.controls["rebate_rate"].value = base.rebate_rate

    def _reset(self, _b: Any = None) -> None:
        self.refresh("account")

    def compute(self) -> G2NScenario:
        v = self.values
        base = self.ctx.base(v["account"], v["fiscal_year"])

        def lever(name: str, actual: float) -> float | None:
            # the browser snaps a slider to its step; within half a step of the actual value
            # the lever *is* the actual (so "Reset to actual" shows ±0 in Lab and Voila too)
            value = float(v[name])
            half = float(self.controls[name].step) / 2
            return None if abs(value - actual) <= half + 1e-12 else value

        return g2n_whatif(
            base,
            off_invoice_rate=lever("off_invoice_rate", base.off_invoice_rate),
            rebate_rate=lever("rebate_rate", base.rebate_rate),
            display_fees=lever("display_fees", base.display_fees),
        )

    def render(self, r: G2NScenario) -> None:
        steps = r.steps
        keep = (steps["kind"] == "level") | (steps["amount"] != 0) | (steps["actual"] != 0)
        shown = steps.loc[keep]
        labels = [t(f"m1.step_{s}") for s in shown["step"]]
        measure = ["absolute" if i == 0 else ("total" if k == "level" else "relative")
                   for i, k in enumerate(shown["kind"])]  # fmt: skip
        with self.fig.batch_update():
            tr = self.fig.data[0]
            tr.x = labels
            tr.measure = measure
            tr.y = charts.money_values(shown["amount"])
            tr.text = [money(v) for v in shown["amount"]]
            self.fig.layout.title.text = t(
                "m1.waterfall_chart_title",
                account=self.ctx.account_label(r.base.account_id),
                year=r.base.fiscal_year,
            )
            charts.money_axis(self.fig)
        p, d = r.pnl, r.delta
        rows = [
            (t("m1.kpi_gs"), money(p.gs), "", ""),
            (t("m1.kpi_tts"), money(p.tts), pct(p.tts_rate), signed_money(d["tts"])),
            (t("m1.kpi_nr"), money(p.nr), "", signed_money(d["nr"])),
            (t("m1.kpi_gp"), money(p.gp), pct(p.gp_rate), signed_money(d["gp"])),
            (t("m1.kpi_cts"), money(p.cts), pct(p.cts_rate), signed_money(d["cts"])),
            (t("m1.kpi_cc"), money(p.cc), pct(p.cc_rate), signed_money(d["cc"])),
        ]
        head = (t("m1.col_measure"), t("m1.col_value"), t("m1.col_rate"), t("m1.col_vs_actual"))
        lev = r.levers
        self.kpis.value = html_table(head, rows) + html_note(
            t(
                "m1.levers_readout",
                off=pct(lev["off_invoice_rate"]),
                rebate=pct(lev["rebate_rate"]),
                fees=money(lev["display_fees"]),
                off_actual=pct(r.actual_levers["off_invoice_rate"], 2),
                rebate_actual=pct(r.actual_levers["rebate_rate"], 2),
                fees_actual=money(r.actual_levers["display_fees"]),
            )
        )
        self.note.value = (
            "<div style='font-size:12px;color:#57606a'>"
            + html.escape(t("m1.largest_step", step=t(f"m1.step_{r.largest_step}")))
            + " "
            + html.escape(t("m1.waterfall_note"))
            + "</div>"
        )

    def relabel(self) -> None:
        self.reset.description = t("m1.reset_actual")
        super().relabel()


# ---------------------------------------------------------------------------------------------
@register("M1", "five_indicator_scorecard")
class ScorecardPanel(Panel):
    """RAG scorecard of the five indicators for an account over a range of periods."""

    title_key = "m1.scorecard_title"

    def build(self) -> None:
        self.keys = period_keys(self.world)
        self.ctx = g2n_context(self.world)
        n = len(self.keys)
        self.control("account", W.Dropdown(options=_account_options(self.ctx)), "common.account")
        self.control(
            "periods",
            W.IntRangeSlider(value=(max(1, n - 11), n), min=1, max=n, step=1,
                             continuous_update=False),
            "m1.periods",
        )  # fmt: skip
        self.controls["periods"].layout = W.Layout(width="460px")
        self.control("basis", W.ToggleButtons(options=self._basis_options()), "m1.basis")
        self.option_labels["basis"] = self._basis_options
        self.range_label = W.HTML()
        self.headline = W.HTML()
        self.table = W.HTML()
        self.fig = charts.figure(height=300)
        self.fig.add_trace(go.Bar(orientation="h", textposition="auto", cliponaxis=False))
        self.fig.update_layout(
            showlegend=False,
            xaxis={"range": [0, 1.3], "tickformat": ".0%"},
            yaxis={"autorange": "reversed"},
            margin={"l": 140},
            shapes=[
                {"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "yref": "paper",
                 "line": {"color": c, "dash": "dot", "width": 1}}
                for x, c in ((1.0, "#0072B2"), (0.95, "#E69F00"))
            ],
        )  # fmt: skip
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["basis"]]),
                W.HBox([self.controls["periods"], self.range_label]),
                self.headline,
                self.fig,
                self.table,
            ]
        )

    def _basis_options(self) -> list[tuple[str, str]]:
        return [(t("m1.basis_sell_in"), "sell_in"), (t("m1.basis_sell_out"), "sell_out")]

    def compute(self) -> ScorecardView:
        v = self.values
        lo, hi = v["periods"]
        return scorecard_view(
            self.world, v["account"], int(lo), int(hi), v["basis"], keys=self.keys
        )

    def _fmt(self, indicator: str, x: float) -> str:
        if x != x:
            return "–"
        if indicator in ("profit", "revenue"):
            return money(x)
        return pct(x)

    def render(self, r: ScorecardView) -> None:
        iv = r.indicators
        self.range_label.value = html.escape(
            t("m1.period_range", start=r.period_from, end=r.period_to)
        )
        names = [t(f"common.{k}") for k in iv["indicator"]]
        rag_txt = [t(f"m1.rag_{x}") if isinstance(x, str) else t("m1.rag_none") for x in iv["rag"]]
        with self.fig.batch_update():
            tr = self.fig.data[0]
            tr.y = names
            tr.x = [0.0 if c != c else float(c) for c in iv["capped"]]
            tr.marker.color = [charts.rag_colour(x) for x in iv["rag"]]
            tr.text = [
                f"{pct(a, 0)} · {lab}" for a, lab in zip(iv["achievement"], rag_txt, strict=True)
            ]
            self.fig.layout.title.text = t(
                "m1.scorecard_chart_title", account=self.ctx.account_label(r.account_id)
            )
        comp_rag = t(f"m1.rag_{r.rag}") if r.rag else t("m1.rag_none")
        colour = charts.rag_colour(r.rag or "")
        missing = (
            " " + t("m1.missing", names=", ".join(t(f"common.{m}") for m in r.missing))
            if r.missing
            else ""
        )
        self.headline.value = (
            f"<div style='font-size:15px'><b>{html.escape(t('m1.composite'))}: "
            f"<span style='color:{colour}'>{r.composite:.3f} — {html.escape(comp_rag)}</span></b>"
            f" <span style='font-size:12px;color:#57606a'>"
            f"{html.escape(t('m1.composite_formula'))}{html.escape(missing)}</span></div>"
        )
        alongside = []
        for k, name, val in zip(
            iv["indicator"], iv["alongside_name"], iv["alongside"], strict=True
        ):
            if not isinstance(name, str) or val != val:
                alongside.append("")
            elif name == "gp":
                alongside.append(f"{t('m1.kpi_gp')} {money(val)}")
            elif name == "share_pts_vs_target":
                alongside.append(t("m1.share_pts", pts=f"{val * 100:+.2f}"))
            elif name == "n_audits":
                alongside.append(t("m1.n_audits", n=int(val)))
            elif name == "line_otif":
                alongside.append(f"{t('m1.line_otif')} {pct(val)}")
            else:  # pragma: no cover - future columns
                alongside.append(f"{k}: {val}")
        shown = pd.DataFrame(
            {
                t("m1.col_indicator"): names,
                t("m1.col_actual"): [
                    self._fmt(k, x) for k, x in zip(iv["indicator"], iv["actual"], strict=True)
                ],
                t("m1.col_target"): [
                    self._fmt(k, x) for k, x in zip(iv["indicator"], iv["target"], strict=True)
                ],
                t("m1.col_achievement"): [pct(x) for x in iv["achievement"]],
                t("m1.col_rag"): rag_txt,
                t("m1.col_weight"): [f"{w:.2f}" for w in iv["weight"]],
                t("m1.col_contribution"): [f"{c:.3f}" for c in iv["contribution"]],
                t("m1.col_alongside"): alongside,
            }
        )
        self.table.value = table_html(shown)


# ---------------------------------------------------------------------------------------------
@register("M1", "list_to_pocket")
class ListToPocket(Panel):
    """List → invoice → net → pocket price per case for an account's SKUs."""

    title_key = "m1.pocket_title"

    def build(self) -> None:
        self.ctx = g2n_context(self.world)
        self.control("account", W.Dropdown(options=_account_options(self.ctx)), "common.account")
        self.control(
            "fiscal_year",
            W.Dropdown(options=list(self.ctx.years), value=self.ctx.years[-1]),
            "common.fiscal_year",
        )
        self.control(
            "top_n",
            W.IntSlider(value=8, min=3, max=20, step=1, continuous_update=False),
            "m1.top_n",
        )
        self.control("sort_by", W.ToggleButtons(options=self._sort_options()), "m1.sort_by")
        self.control("view", W.ToggleButtons(options=self._view_options()), "m1.view")
        self.option_labels.update(sort_by=self._sort_options, view=self._view_options)
        self.fig = charts.figure(height=380)
        for i, level in enumerate(PRICE_LEVELS):
            self.fig.add_trace(
                go.Bar(name=level, marker={"color": charts.PALETTE[[0, 2, 1, 5][i]]})
            )
        self.fig.update_layout(
            barmode="group",
            xaxis={"tickangle": -30},
            legend={"orientation": "h", "y": 1.12, "x": 0},
        )
        self.summary = W.HTML()
        self.table = W.HTML()
        self.body = W.VBox(
            [
                W.HBox([self.controls["account"], self.controls["fiscal_year"]]),
                W.HBox([self.controls["top_n"], self.controls["sort_by"], self.controls["view"]]),
                self.summary,
                self.fig,
                self.table,
            ]
        )

    def _sort_options(self) -> list[tuple[str, str]]:
        return [(t("m1.sort_gs"), "gs"), (t("m1.sort_leakage"), "leakage")]

    def _view_options(self) -> list[tuple[str, str]]:
        return [(t("m1.view_rmb"), "rmb"), (t("m1.view_pct"), "pct")]

    def compute(self) -> PocketResult:
        v = self.values
        return list_to_pocket(self.ctx, v["account"], v["fiscal_year"], v["top_n"], v["sort_by"])

    def render(self, r: PocketResult) -> None:
        shown = r.shown
        as_pct = self.values["view"] == "pct"
        with self.fig.batch_update():
            for tr, level in zip(self.fig.data, PRICE_LEVELS, strict=True):
                tr.name = t(f"m1.level_{level}")
                tr.x = list(shown["sku_name"])
                vals = shown[level] / shown["list_price"] * 100 if as_pct else shown[level]
                tr.y = [float(x) for x in vals]
            self.fig.layout.yaxis.title = (
                t("m1.axis_pct_of_list") if as_pct else t("m1.axis_per_case")
            )
            self.fig.layout.title.text = t(
                "m1.pocket_chart_title",
                account=self.ctx.account_label(r.account_id),
                year=r.fiscal_year,
            )
        tot = r.total
        self.summary.value = html.escape(
            t(
                "m1.pocket_summary",
                list=_per_case(tot["list_price"]),
                invoice=_per_case(tot["invoice_price"]),
                net=_per_case(tot["net_price"]),
                pocket=_per_case(tot["pocket_price"]),
                leakage=pct(tot["leakage"]),
                nr=money(r.nr),
            )
        )
        tbl = pd.DataFrame(
            {
                t("common.sku"): shown["sku_id"] + " " + shown["sku_name"],
                t("m1.col_cases"): [f"{c:,.0f}" for c in shown["cases"]],
                **{t(f"m1.level_{lv}"): [_per_case(x) for x in shown[lv]] for lv in PRICE_LEVELS},
                t("m1.col_leakage"): [pct(x) for x in shown["leakage"]],
            }
        )
        self.table.value = table_html(tbl)
