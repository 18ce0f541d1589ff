"""M8 capstone panels: the evidence views and the control tower (SPEC §4 M8).

=======================  ======================================================================
panel                    model
=======================  ======================================================================
``M8/evidence``          :func:`kamlab.analysis.m8_capstone.evidence_view`
``M8/control_tower``     :func:`kamlab.analysis.m8_capstone.build_plan` → a
                         :class:`kamlab.analysis.m8_plan.Submission`; the **Simulate** button runs
                         :func:`kamlab.analysis.m8_constraints.evaluate_plan`
                         (:func:`kamlab.sim.simulate_plan` + the M8-T2 checks + the composite);
                         **Export** writes :func:`kamlab.analysis.m8_plan.save_submission`
=======================  ======================================================================

Moving a lever rebuilds the plan (milliseconds); the replay runs only when the trainee presses
*Simulate*, and the result is marked out of date as soon as a lever moves again.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from kamlab.analysis.m8_capstone import (
    ACTION_MENU,
    DISPLAY_KEEP,
    EVIDENCE_VIEWS,
    CapstoneContext,
    EvidenceView,
    actions_table,
    allocation_from_spend,
    build_plan,
    capstone_context,
    evidence_view,
    jbp_targets_table,
    submission_from,
)
from kamlab.analysis.m8_constraints import PlanEvaluation, evaluate_plan
from kamlab.analysis.m8_plan import DIAGNOSIS_FLAGS, Submission, check_submission, save_submission
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui.base import Panel, register, table_html

__all__ = ["ControlTower", "EvidencePanel"]

_RED = charts.RAG_COLOURS["red"]
_BLUE = charts.RAG_COLOURS["green"]


def _pct(x: Any, digits: int = 1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(v) else f"{v * 100:.{digits}f}%"


def _mark(ok: bool) -> str:
    colour = _BLUE if ok else _RED
    word = t("m8.pass") if ok else t("m8.fail")
    return f"<b style='color:{colour}'>{'✓' if ok else '✗'} {html.escape(word)}</b>"


# ---------------------------------------------------------------------------------------------
# 1. Evidence views


@register("M8", "evidence")
class EvidencePanel(Panel):
    """The capstone account's evidence: share trend, stock and ageing, service, promotion ROI."""

    title_key = "m8.evidence_title"

    def build(self) -> None:
        self.ctx: CapstoneContext = capstone_context(self.world)
        self.control(
            "view",
            W.ToggleButtons(options=self._view_options(), value="share"),
            "m8.view",
        )
        self.option_labels["view"] = self._view_options
        years = self.ctx.fiscal_years
        self.control(
            "fiscal_year",
            W.ToggleButtons(options=[(str(y), y) for y in years], value=years[-1]),
            "common.fiscal_year",
        )
        self.headline = W.HTML()
        self.ids = W.HTML()
        self.table = W.HTML()
        self.fig = charts.figure(height=340)
        self.fig.add_bar(x=[], y=[], name="a", marker={"color": charts.PALETTE[2]})
        self.fig.add_scatter(
            x=[], y=[], mode="lines+markers", name="b", line={"color": charts.PALETTE[0]}
        )
        self.fig.add_scatter(
            x=[],
            y=[],
            mode="lines",
            name="c",
            yaxis="y2",
            line={"color": charts.PALETTE[5], "dash": "dot"},
        )
        self.fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False})
        intro = W.HTML(f"<i>{html.escape(t('m8.evidence_intro', account=self._account()))}</i>")
        self.body = W.VBox(
            [intro, self.controls_box(columns=2), self.headline, self.fig, self.ids, self.table]
        )

    def _account(self) -> str:
        i = self.ctx.info
        return f"{i['account_name']} ({i['account_id']}, {i['channel']}, tier {i['tier']})"

    def _view_options(self) -> list[tuple[str, str]]:
        return [(t(f"m8.view_{v}"), v) for v in EVIDENCE_VIEWS]

    def compute(self) -> EvidenceView:
        return evidence_view(self.ctx, self.values["view"], self.values["fiscal_year"])

    def render(self, r: EvidenceView) -> None:
        tab = r.table
        shapes: list[dict] = []
        a, b, c = self.fig.data
        with self.fig.batch_update():
            self.fig.layout.yaxis.tickformat = ""
            self.fig.layout.yaxis2.title = ""
            if r.view == "share":
                a.x, a.y = tab["period_key"].tolist(), tab["value_share"].round(5).tolist()
                a.name = t("m8.value_share")
                b.x = tab["period_key"].tolist()
                b.y = (tab["value_share"] - tab["share_pts_vs_ly"]).round(5).tolist()
                b.name = t("m8.value_share_ly")
                shapes.append(self._hline(r.headline["value_share_target"], t("m8.target")))
                self.fig.layout.yaxis.tickformat = ".0%"
                title = t("m8.chart_share")
            elif r.view == "inventory":
                a.x, a.y = tab["week_id"].tolist(), tab["sell_in_cases"].tolist()
                a.name = t("m8.sell_in")
                b.x, b.y = tab["week_id"].tolist(), tab["sell_out_cases"].round(1).tolist()
                b.name = t("m8.sell_out")
                woc = tab["woc"].replace([np.inf, -np.inf], np.nan)
                c.x, c.y = tab["week_id"].tolist(), woc.round(3).tolist()
                c.name = t("m8.woc")
                self.fig.layout.yaxis2.title = t("m8.woc")
                shapes.append(self._hline(r.headline["stuffing_line"], t("m8.stuffing_line"), "y2"))
                title = t("m8.chart_inventory")
            elif r.view == "service":
                b.x, b.y = tab["period_key"].tolist(), tab["line_otif"].round(5).tolist()
                b.name = t("m8.line_otif")
                c.yaxis = "y"
                c.x, c.y = tab["period_key"].tolist(), tab["case_fill"].round(5).tolist()
                c.name = t("m8.case_fill")
                shapes.append(self._hline(r.headline["otif_kpi"], t("m8.otif_kpi")))
                shapes.append(self._hline(r.headline["case_fill_kpi"], t("m8.case_fill_kpi")))
                self.fig.layout.yaxis.tickformat = ".0%"
                title = t("m8.chart_service")
            else:
                a.x = tab["promo_id"].tolist() if len(tab) else []
                a.y = tab["roi"].round(4).tolist() if len(tab) else []
                a.name = t("m8.roi")
                b.x, b.y = [], []
                shapes.append(self._hline(1.0, t("m8.break_even")))
                title = t("m8.chart_promo_roi")
            if r.view != "service":
                c.yaxis = "y2"
            a.visible = r.view != "service"
            c.visible = r.view in ("inventory", "service")
            self.fig.layout.shapes = shapes
            self.fig.layout.title.text = title
        self.headline.value = self._headline(r)
        ids = r.evidence_ids
        self.ids.value = (
            f"<b>{html.escape(t('m8.evidence_ids'))}</b> "
            + html.escape(", ".join(ids[:40]) + (" …" if len(ids) > 40 else ""))
            if ids
            else f"<i>{html.escape(t('m8.no_evidence_ids'))}</i>"
        )
        shown = tab.head(12) if r.view == "promo_roi" else tab.tail(13)
        self.table.value = table_html(
            shown, {c: ".3f" for c in shown.columns if shown[c].dtype.kind == "f"}
        )

    @staticmethod
    def _hline(y: float, label: str, yref: str = "y") -> dict:
        return {
            "type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": yref, "y0": y, "y1": y,
            "line": {"color": _RED, "dash": "dash", "width": 2}, "name": label,
        }  # fmt: skip

    def _headline(self, r: EvidenceView) -> str:
        h = r.headline
        if r.view == "share":
            s = t(
                "m8.head_share",
                share=_pct(h["value_share_year"]),
                target=_pct(h["value_share_target"]),
                first=_pct(h["first_period"]),
                last=_pct(h["last_period"]),
                change=f"{h['change_pts'] * 100:+.1f}",
            )
        elif r.view == "inventory":
            s = t(
                "m8.head_inventory",
                target=f"{h['target_woc']:.1f}",
                line=f"{h['stuffing_line']:.1f}",
                max=f"{h['woc_max']:.1f}",
                now=f"{h['woc_now']:.1f}",
                flagged=int(h["weeks_flagged"]),
                aged=_pct(h["aged_share_now"]),
                ratio=f"{h['sell_in_over_sell_out']:.2f}",
            )
        elif r.view == "service":
            s = t(
                "m8.head_service",
                otif=_pct(h["line_otif_mean"]),
                kpi=_pct(h["otif_kpi"]),
                fill=_pct(h["case_fill_mean"]),
                fill_kpi=_pct(h["case_fill_kpi"]),
                below=int(h["periods_below_otif_kpi"]),
            )
        else:
            s = t(
                "m8.head_promo",
                n=int(h["promotions"]),
                below=_pct(h["share_roi_below_1"], 0),
                net=money(h["net_profit_total"]),
                depth=_pct(h["mean_depth"], 0),
            )
        return f"<div>{html.escape(s)}</div>"


# ---------------------------------------------------------------------------------------------
# 2. Control tower


@register("M8", "control_tower")
class ControlTower(Panel):
    """Build the capstone submission as data, simulate it, check it, export it."""

    title_key = "m8.tower_title"

    def build(self) -> None:
        self.ctx: CapstoneContext = capstone_context(self.world)
        ctx = self.ctx
        info = ctx.info
        terms = ctx.terms.iloc[0]
        self.control(
            "keep_events",
            W.SelectMultiple(
                options=self._event_options(),
                value=tuple(ctx.events),
                rows=min(6, max(2, len(ctx.events))),
            ),
            "m8.keep_events",
        )
        self.control(
            "depth_cap",
            W.FloatSlider(value=0.5, min=0.05, max=0.5, step=0.05, readout_format=".0%"),
            "m8.depth_cap",
        )
        self.control(
            "display", W.Dropdown(options=self._display_options(), value=DISPLAY_KEEP), "m8.display"
        )
        self.control(
            "on_invoice",
            W.FloatSlider(
                value=round(float(terms["on_invoice_discount_pct"]), 4),
                min=0.0,
                max=0.12,
                step=0.0025,
                readout_format=".2%",
            ),
            "m8.on_invoice",
        )
        self.control(
            "rebate",
            W.FloatSlider(
                value=round(float(terms["unconditional_rebate_pct"]), 4),
                min=0.0,
                max=0.06,
                step=0.0025,
                readout_format=".2%",
            ),
            "m8.rebate",
        )
        self.control(
            "target_woc",
            W.FloatSlider(value=info["target_woc"], min=1.0, max=6.0, step=0.25),
            "m8.target_woc",
        )
        b0 = float(round(ctx.default_budget, -4))
        self.control(
            "budget",
            W.FloatSlider(value=b0, min=0.0, max=3 * b0, step=10_000.0, readout_format=",.0f"),
            "m8.budget",
        )
        self.control(
            "nr_growth",
            W.FloatSlider(value=0.05, min=0.0, max=0.2, step=0.01, readout_format=".0%"),
            "m8.nr_growth",
        )
        self.control(
            "share_target",
            W.FloatSlider(
                value=round(info["value_share_target"], 3),
                min=0.05,
                max=0.40,
                step=0.005,
                readout_format=".1%",
            ),
            "m8.share_target",
        )
        self.control(
            "otif_target",
            W.FloatSlider(
                value=info["otif_kpi"], min=0.7, max=1.0, step=0.01, readout_format=".0%"
            ),
            "m8.otif_target",
        )
        self.control(
            "actions",
            W.SelectMultiple(options=self._action_options(), value=(), rows=5),
            "m8.actions",
        )
        self.option_labels.update(
            display=self._display_options,
            actions=self._action_options,
            keep_events=self._event_options,
        )
        # diagnosis: a finding = one flag + its evidence ids (panel state, added with a button)
        self.diagnosis = pd.DataFrame({"flag": [], "evidence_id": [], "note": []})
        self.flag = W.Dropdown(options=list(DIAGNOSIS_FLAGS), description=t("m8.flag"))
        self.evidence = W.SelectMultiple(
            options=self._evidence_options(), rows=6, description=t("m8.evidence")
        )
        self.note = W.Text(description=t("m8.note"))
        self.add_btn = W.Button(description=t("m8.add_finding"), icon="plus")
        self.clear_btn = W.Button(description=t("m8.clear_findings"), icon="trash")
        self.add_btn.on_click(lambda _b: self.add_finding())
        self.clear_btn.on_click(lambda _b: self.clear_findings())
        self.diag_table = W.HTML()
        # simulate / export
        self.seed = W.IntText(value=1, description=t("m8.seed"))
        self.sim_btn = W.Button(description=t("m8.simulate"), icon="play", button_style="primary")
        self.sim_btn.on_click(lambda _b: self.simulate())
        self.path = W.Text(value="m8_submission.json", description=t("m8.file"))
        self.export_btn = W.Button(description=t("m8.export"), icon="download")
        self.export_btn.on_click(lambda _b: self.export())
        self.plan_view = W.HTML()
        self.sim_view = W.HTML()
        self.export_msg = W.HTML()
        self.evaluation: PlanEvaluation | None = None
        self.baseline: dict[int, PlanEvaluation] = {}  # current practice per seed
        self._sim_key: str | None = None
        self._sim_seed = 0
        self.fig = charts.figure(height=300)
        self.fig.add_bar(x=[], y=[], name="nr", marker={"color": charts.PALETTE[2]})
        self.fig.add_scatter(
            x=[],
            y=[],
            mode="lines+markers",
            name="woc",
            yaxis="y2",
            line={"color": charts.PALETTE[5]},
        )
        self.fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False})
        c = self.controls
        diag_box = W.VBox(
            [
                W.HBox([self.flag, self.note]),
                self.evidence,
                W.HBox([self.add_btn, self.clear_btn]),
                self.diag_table,
            ]
        )
        plan_box = W.VBox(
            [
                c["keep_events"],
                W.HBox([c["depth_cap"], c["display"]]),
                W.HBox([c["on_invoice"], c["rebate"]]),
                W.HBox([c["target_woc"], c["budget"]]),
            ]
        )
        jbp_box = W.VBox([c["nr_growth"], c["share_target"], c["otif_target"], c["actions"]])
        run_box = W.VBox(
            [
                W.HBox([self.seed, self.sim_btn]),
                self.sim_view,
                self.fig,
                W.HBox([self.path, self.export_btn]),
                self.export_msg,
            ]
        )
        self.tabs = W.Tab(children=[diag_box, plan_box, jbp_box, run_box])
        self._tab_titles()
        intro = W.HTML(f"<i>{html.escape(t('m8.tower_intro'))}</i>")
        self.body = W.VBox([intro, self.tabs, self.plan_view])

    # -- options and labels -------------------------------------------------------------------
    def _event_options(self) -> list[tuple[str, str]]:
        pl = self.ctx.planned
        out = []
        for ev, g in pl.groupby("event_group_id", sort=False):
            r = g.iloc[0]
            out.append(
                (
                    t(
                        "m8.event_label",
                        event=str(ev),
                        start=int(g.start_week.min()),
                        end=int(g.end_week.max()),
                        mechanic=str(r.mechanic),
                        depth=_pct(g.depth_pct.max(), 0),
                        n=len(g),
                    ),
                    str(ev),
                )
            )
        return out

    def _display_options(self) -> list[tuple[str, str]]:
        return [(t(f"m8.display_{d}"), d) for d in (DISPLAY_KEEP, "NONE", "ENDCAP", "FLOOR_STACK")]

    def _action_options(self) -> list[tuple[str, str]]:
        return [(f"{a} · {t(f'm8.action_{a}')}", a) for a in ACTION_MENU]

    def _evidence_options(self) -> list[str]:
        ids: list[str] = [self.ctx.account_id, self.ctx.info["kam_id"]]
        for y in self.ctx.fiscal_years:
            for v in EVIDENCE_VIEWS:
                ids += evidence_view(self.ctx, v, y).evidence_ids
        return list(dict.fromkeys(ids))

    def _tab_titles(self) -> None:
        for i, key in enumerate(("m8.tab_diagnosis", "m8.tab_plan", "m8.tab_jbp", "m8.tab_run")):
            self.tabs.set_title(i, t(key))

    def relabel(self) -> None:
        self._tab_titles()
        for w, key in ((self.flag, "m8.flag"), (self.evidence, "m8.evidence"),
                       (self.note, "m8.note"), (self.seed, "m8.seed"), (self.path, "m8.file")):  # fmt: skip
            w.description = t(key)
        for b, key in ((self.add_btn, "m8.add_finding"), (self.clear_btn, "m8.clear_findings"),
                       (self.sim_btn, "m8.simulate"), (self.export_btn, "m8.export")):  # fmt: skip
            b.description = t(key)
        super().relabel()

    # -- the diagnosis state ------------------------------------------------------------------
    def add_finding(
        self, flag: str | None = None, evidence_ids: Any = None, note: str = ""
    ) -> None:
        """Add one finding: ``flag`` with each of ``evidence_ids`` (default: the widgets')."""
        flag = flag or self.flag.value
        ids = list(evidence_ids if evidence_ids is not None else self.evidence.value)
        note = note or self.note.value
        if not ids:
            self.message.value = (
                f'<div class="kamlab-message">{html.escape(t("m8.pick_evidence"))}</div>'
            )
            return
        rows = pd.DataFrame(
            {"flag": [flag] * len(ids), "evidence_id": ids, "note": [note] * len(ids)}
        )
        self.diagnosis = (
            pd.concat([self.diagnosis, rows], ignore_index=True)
            .drop_duplicates(["flag", "evidence_id"])
            .reset_index(drop=True)
        )
        self.refresh()

    def clear_findings(self) -> None:
        """Remove every finding."""
        self.diagnosis = self.diagnosis.iloc[0:0]
        self.refresh()

    # -- model ----------------------------------------------------------------------------------
    def compute(self) -> Submission:
        v = self.values
        plan = build_plan(
            self.ctx,
            keep_events=v["keep_events"],
            depth_cap=v["depth_cap"],
            display=v["display"],
            on_invoice_discount_pct=v["on_invoice"],
            unconditional_rebate_pct=v["rebate"],
            target_woc=v["target_woc"],
            trade_budget_rmb=v["budget"],
        )
        jbp = jbp_targets_table(
            self.ctx,
            nr_growth_vs_ly=v["nr_growth"],
            value_share_target=v["share_target"],
            line_otif_target=v["otif_target"],
            woc_target=v["target_woc"],
        )
        sub = submission_from(
            self.ctx,
            plan,
            diagnosis=self.diagnosis if len(self.diagnosis) else None,
            jbp_targets=jbp,
            actions=actions_table(v["actions"], due_week=self.ctx.plan_weeks.start + 4)
            if v["actions"]
            else None,
        )
        if self.evaluation is not None and self._sim_key == self._plan_key(sub):
            sub.tables["budget_allocation"] = allocation_from_spend(
                self.evaluation.result.spend, float(v["budget"])
            )
            sub = Submission(sub.account_id, sub.tables, sub.meta)
        return sub

    @property
    def submission(self) -> Submission:
        """The submission the panel shows (the last computed one)."""
        return self.result

    @staticmethod
    def _plan_key(sub: Submission) -> str:
        return Submission(sub.account_id, sub.plan).to_json(indent=None)

    def render(self, sub: Submission) -> None:
        problems = check_submission(sub, weeks=self.ctx.plan_weeks, skus=set(self.ctx.skus))
        pr = sub.tables["promotions"]
        n_ev = len(self.values["keep_events"])
        parts = [
            f"<b>{html.escape(t('m8.plan_summary'))}</b>",
            html.escape(
                t(
                    "m8.plan_line",
                    events=n_ev,
                    rows=len(pr),
                    depth=_pct(pr["depth_pct"].mean(), 0) if len(pr) else "–",
                    on_invoice=_pct(self.values["on_invoice"], 2),
                    rebate=_pct(self.values["rebate"], 2),
                    woc=f"{self.values['target_woc']:.2f}",
                    budget=money(self.values["budget"]),
                )
            ),
            html.escape(
                t(
                    "m8.jbp_line",
                    nr=money(float(sub.tables["jbp_targets"].at[0, "nr_target"])),
                    ly=money(self.ctx.ly["nr_13w"]),
                    growth=_pct(self.values["nr_growth"], 0),
                )
            ),
            html.escape(
                t(
                    "m8.diag_line",
                    n=len(self.diagnosis),
                    flags=", ".join(dict.fromkeys(self.diagnosis["flag"].astype(str))) or "–",
                )
            ),
        ]
        if problems:
            parts.append(
                f"<span style='color:{_RED}'>"
                + "<br>".join(html.escape(p) for p in problems[:8])
                + "</span>"
            )
        self.plan_view.value = "<div>" + "<br>".join(parts) + "</div>"
        if len(self.diagnosis):
            self.diag_table.value = table_html(self.diagnosis)
        else:
            self.diag_table.value = f"<i>{html.escape(t('m8.no_findings'))}</i>"
        self._render_sim(sub)

    # -- simulate -----------------------------------------------------------------------------
    def simulate(self) -> PlanEvaluation | None:
        """Replay the current plan (runs :func:`kamlab.sim.simulate_plan`; about 0.1–1 s)."""
        sub = self.result if self.result is not None else self.compute()
        seed = int(self.seed.value)
        try:
            ev = evaluate_plan(self.world, self.ctx.account_id, sub.plan, seed=seed)
            if seed not in self.baseline:  # the world's own plan, for comparison
                self.baseline[seed] = evaluate_plan(self.world, self.ctx.account_id, {}, seed=seed)
        except ValueError as exc:
            self.message.value = f'<div class="kamlab-message">{html.escape(str(exc))}</div>'
            return None
        self.message.value = ""
        self.evaluation = ev
        self._sim_key = self._plan_key(sub)
        self._sim_seed = seed
        self.refresh()
        return ev

    def _render_sim(self, sub: Submission) -> None:
        ev = self.evaluation
        if ev is None:
            self.sim_view.value = f"<i>{html.escape(t('m8.not_simulated'))}</i>"
            return
        stale = self._sim_key != self._plan_key(sub)
        k = ev.kpis
        sc = ev.result.scorecard
        rows = [
            f"<tr><td>{html.escape(t(f'common.{r.indicator}'))}</td><td>{self._fmt(r.indicator, r.actual)}</td>"
            f"<td>{self._fmt(r.indicator, r.target)}</td><td>{r.achievement:.2f}</td></tr>"
            for r in sc.itertuples(index=False)
        ]
        score = (
            f"<table class='kamlab-table'><tr><th>{html.escape(t('m8.indicator'))}</th>"
            f"<th>{html.escape(t('m8.actual'))}</th><th>{html.escape(t('m8.target'))}</th>"
            f"<th>{html.escape(t('m8.achievement'))}</th></tr>" + "".join(rows) + "</table>"
        )
        cons_rows = []
        for r in ev.constraints.itertuples(index=False):
            cons_rows.append(
                f"<tr><td>{html.escape(t(f'm8.c_{r.constraint}'))}</td><td>{self._cfmt(r.constraint, r.actual)}</td>"
                f"<td>{self._limit(r)}</td><td>{_mark(bool(r.passed))}</td></tr>"
            )
        cons = (
            f"<table class='kamlab-table'><tr><th>{html.escape(t('m8.constraint'))}</th>"
            f"<th>{html.escape(t('m8.actual'))}</th><th>{html.escape(t('m8.limit'))}</th><th></th></tr>"
            + "".join(cons_rows)
            + "</table>"
        )
        head = html.escape(
            t(
                "m8.sim_head",
                tts=_pct(k["tts_rate"]),
                cc=_pct(k["cc_rate"]),
                woc=f"{k['woc_end']:.2f}",
                lws=f"{k['lws_max']:.2f}",
                nr=money(k["nr"]),
                secs=f"{ev.seconds:.2f}",
                n=ev.n_passed,
                total=len(ev.constraints),
            )
        )
        comp = (
            f"{html.escape(t('m8.composite', composite=f'{ev.composite:.3f}', threshold=f'{ev.threshold:.2f}', rag=ev.result.rag))} "
            + _mark(ev.composite_ok)
        )
        base = self.baseline.get(self._sim_seed)
        if base is not None:
            comp += "<br>" + html.escape(
                t(
                    "m8.current_practice",
                    composite=f"{base.composite:.3f}",
                    n=base.n_passed,
                    total=len(base.constraints),
                )
            )
        warn = f"<div class='kamlab-message'>{html.escape(t('m8.stale'))}</div>" if stale else ""
        self.sim_view.value = f"{warn}<div>{head}<br>{comp}</div>{score}<br>{cons}"
        aw = ev.result.account_weekly
        with self.fig.batch_update():
            self.fig.data[0].x = aw["week_id"].tolist()
            self.fig.data[0].y = charts.money_values(aw["net_revenue"])
            self.fig.data[0].name = t("m8.nr_weekly")
            self.fig.data[1].x = aw["week_id"].tolist()
            self.fig.data[1].y = aw["weeks_of_cover"].round(3).tolist()
            self.fig.data[1].name = t("m8.woc")
            self.fig.layout.title.text = t("m8.sim_chart")
            charts.money_axis(self.fig)
            self.fig.layout.yaxis2.title = t("m8.woc")

    @staticmethod
    def _fmt(indicator: str, v: float) -> str:
        return money(v) if indicator in ("profit", "revenue") else _pct(v)

    @staticmethod
    def _cfmt(name: str, v: float) -> str:
        if name == "nr_growth":
            return money(v)
        if name in ("cc_rate", "tts_cap"):
            return _pct(v)
        if name == "capacity":
            return f"{v:,.0f}"
        return f"{v:.2f}"

    def _limit(self, r: Any) -> str:
        if r.constraint == "woc_band":
            return f"{r.limit:g}–{r.upper:g}"
        if r.constraint == "nr_growth":
            return "≥ " + money(r.limit)
        if r.constraint in ("cc_rate",):
            return "≥ " + _pct(r.limit)
        if r.constraint == "tts_cap":
            return "≤ " + _pct(r.limit)
        if r.constraint == "capacity":
            return f"≤ {r.limit:,.0f}"
        return f"≤ {r.limit:.2f}"

    # -- export -------------------------------------------------------------------------------
    def export(self, path: str | Path | None = None) -> Path | None:
        """Write the current submission (:func:`kamlab.analysis.m8_plan.save_submission`)."""
        sub = self.result if self.result is not None else self.compute()
        problems = check_submission(sub, weeks=self.ctx.plan_weeks, skus=set(self.ctx.skus))
        if problems:
            self.export_msg.value = f"<span style='color:{_RED}'>{html.escape(t('m8.export_problems', n=len(problems)))}</span>"
            return None
        p = save_submission(sub, path or self.path.value)
        note = "" if "budget_allocation" in sub.tables else " " + t("m8.export_no_allocation")
        self.export_msg.value = html.escape(t("m8.exported", path=str(p)) + note)
        return p
