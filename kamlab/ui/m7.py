"""M7 scenario panels: org designer, capability heatmap, succession what-if (SPEC §4 M7).

Each panel is a thin view over a pure model in :mod:`kamlab.analysis`:

=========================  ==================================================================
panel                      model
=========================  ==================================================================
``M7/org_designer``        :func:`kamlab.analysis.m7_org.org_design`
``M7/capability_heatmap``  :func:`kamlab.analysis.m7_capability.heatmap_view`
``M7/succession_whatif``   :func:`kamlab.analysis.m7_succession.succession_whatif`
=========================  ==================================================================

>>> from kamlab.ui.m7 import OrgDesigner     # doctest: +SKIP
>>> OrgDesigner()                             # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pandas as pd

from kamlab.analysis.m7_capability import ALL, capability_context, heatmap_view
from kamlab.analysis.m7_org import OrgDesign, org_context, org_design
from kamlab.analysis.m7_succession import (
    EVENTS,
    EXTERNAL,
    SuccessionWhatIf,
    positions,
    succession_context,
    succession_whatif,
    successor_options,
)
from kamlab.capability import TeamHeatmap, gap_colour
from kamlab.capability.heatmap import GAP_COLOURS
from kamlab.i18n import money, t
from kamlab.ui import charts
from kamlab.ui.base import Panel, register, table_html

__all__ = ["CapabilityHeatmap", "OrgDesigner", "SuccessionWhatIfPanel"]

_OVER = charts.RAG_COLOURS["red"]
_OK = charts.RAG_COLOURS["green"]


def _flag(ok: bool, yes_key: str, no_key: str) -> str:
    colour = _OK if ok else _OVER
    mark = "✓" if ok else "✗"
    return f"<b style='color:{colour}'>{mark} {html.escape(t(yes_key if ok else no_key))}</b>"


def _role(role: str) -> str:
    key = f"capability.role_{role}"
    try:
        return t(key)
    except KeyError:
        return role


# ---------------------------------------------------------------------------------------------
# 1. Org designer


@register("M7", "org_designer")
class OrgDesigner(Panel):
    """Reassign key accounts between KA people → workload index, balance, span, region fit."""

    title_key = "m7.org_title"

    def build(self) -> None:
        self.ctx = org_context(self.world)
        owners = self.ctx.owners
        self._owner_options = [
            (f"{r.name} ({r.person_id}, {r.role_level}, {r.region_id or '–'})", r.person_id)
            for r in owners.itertuples(index=False)
        ]
        self._acc_names: dict[str, str] = {}
        for r in self.ctx.accounts.itertuples(index=False):
            name = f"acc_{r.account_id}"
            self.control(
                name,
                W.Dropdown(options=self._owner_options, value=r.kam_id, layout={"width": "420px"}),
                "m7.account_owner",
            )
            self._acc_names[name] = (
                f"{r.account_id} {r.account_name} ({r.scope[0]}·{r.hq_region_id})"
            )
        self._label_accounts()
        self.reset = W.Button(description=t("m7.reset"), icon="undo")
        self.reset.on_click(lambda _b: self.reset_to_current())
        self.summary = W.HTML()
        self.fig = charts.figure(height=340)
        self.fig.add_bar(x=[], y=[], text=[], textposition="outside", name="W")
        self.people_table = W.HTML()
        self.span_table = W.HTML()
        self.body = W.VBox(
            [
                W.HTML(f"<i>{html.escape(t('m7.org_intro'))}</i>"),
                self.controls_box(columns=2),
                self.reset,
                self.summary,
                self.fig,
                self.people_table,
                self.span_table,
            ]
        )

    def _label_accounts(self) -> None:
        for name, label in self._acc_names.items():
            self.controls[name].description = label

    def relabel(self) -> None:
        super().relabel()
        self._label_accounts()
        self.reset.description = t("m7.reset")

    def reset_to_current(self) -> None:
        """Put every account back with its owner in the world."""
        with self.quietly():
            for a, p in self.ctx.current.items():
                self.controls[f"acc_{a}"].value = p
        self.refresh()

    @property
    def assignment(self) -> dict[str, str]:
        """The assignment the controls show: account_id → person_id."""
        return {k[4:]: v for k, v in self.values.items() if k.startswith("acc_")}

    def compute(self) -> OrgDesign:
        return org_design(self.ctx, self.assignment)

    def render(self, result: OrgDesign) -> None:
        bp = result.by_person
        colours = [_OVER if o else _OK for o in bp["over_limit"]]
        labels = [
            f"{x:.2f}" + (" ▲" if o else "")
            for x, o in zip(bp["workload_index"], bp["over_limit"], strict=True)
        ]
        with self.fig.batch_update():
            bar = self.fig.data[0]
            bar.x = [f"{n} ({p})" for n, p in zip(bp["name"], bp["person_id"], strict=True)]
            bar.y = bp["workload_index"].round(4).tolist()
            bar.text = labels
            bar.marker.color = colours
            self.fig.layout.shapes = [
                {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y,
                 "line": {"color": c, "dash": d, "width": 2}}
                for y, c, d in ((result.mean, "#000000", "dot"), (result.limit, _OVER, "dash"))
            ]  # fmt: skip
            self.fig.layout.title.text = t(
                "m7.org_chart_title", mean=f"{result.mean:.2f}", limit=f"{result.limit:.2f}"
            )
            self.fig.layout.yaxis.title = t("m7.workload_index")
        parts = [
            _flag(result.balanced, "m7.balanced", "m7.unbalanced"),
            t(
                "m7.balance_detail",
                max=f"{result.max:.2f}",
                limit=f"{result.limit:.2f}",
                mean=f"{result.mean:.2f}",
            ),
            _flag(result.region_consistent, "m7.region_ok", "m7.region_bad"),
        ]
        if result.inconsistent:
            parts.append(html.escape(", ".join(result.inconsistent)))
        if result.moved:
            parts.append(html.escape(t("m7.moved", accounts=", ".join(result.moved))))
        self.summary.value = "<div>" + " &nbsp;·&nbsp; ".join(parts) + "</div>"
        shown = bp.assign(
            role_level=bp["role_level"].map(_role),
            over_limit=bp["over_limit"].map(lambda o: t("common.yes") if o else t("common.no")),
        )[
            [
                "person_id",
                "name",
                "role_level",
                "team",
                "n_accounts",
                "accounts",
                "workload_index",
                "over_limit",
            ]
        ]
        shown.columns = [t(f"m7.col_{c}") for c in shown.columns]
        self.people_table.value = table_html(shown, {t("m7.col_workload_index"): ".2f"})
        sp = result.span.assign(status=result.span["status"].map(lambda s: t(f"m7.span_{s}")))
        sp.columns = [t(f"m7.col_{c}") for c in sp.columns]
        self.span_table.value = f"<b>{html.escape(t('m7.span_title'))}</b>" + table_html(sp)


# ---------------------------------------------------------------------------------------------
# 2. Capability heatmap


def heatmap_html(hm: TeamHeatmap) -> str:
    """The heatmap as an HTML table: each cell coloured by gap AND showing ``level (−gap)``;
    footer rows with % at target and the critical-gap flag."""
    text = hm.cell_text().to_numpy(dtype=object)
    gaps = hm.gap.to_numpy(dtype=object, na_value=None)
    comps = list(hm.level.columns)
    esc = html.escape
    head = "".join(
        f"<th title='{esc(t(f'capability.competency_{c}'))}'>{esc(c)}</th>" for c in comps
    )
    info = hm.rows.set_index("person_id").reindex(hm.level.index)
    names = info["name"].astype(str).tolist() if "name" in info else list(hm.level.index)
    teams = info["team"].astype(str).tolist() if "team" in info else [""] * len(names)
    roles = [_role(str(r)) for r in info.get("role_level", pd.Series([""] * len(names)))]
    cis = info.get("capability_index", pd.Series([pd.NA] * len(names))).tolist()
    white = GAP_COLOURS["gap_3"]
    rows = []
    for i, pid in enumerate(hm.level.index):
        cells = []
        for j in range(len(comps)):
            bg = gap_colour(gaps[i, j])
            fg = "#FFFFFF" if bg == white else "#000000"
            cells.append(
                f"<td style='background:{bg};color:{fg};text-align:center'>{esc(str(text[i, j]))}</td>"
            )
        ci = "" if pd.isna(cis[i]) else f"{float(cis[i]):.2f}"
        rows.append(
            f"<tr><td>{esc(names[i])} ({esc(str(pid))})</td><td>{esc(teams[i])}</td>"
            f"<td>{esc(roles[i])}</td>{''.join(cells)}<td>{ci}</td></tr>"
        )
    ft = hm.footer
    pct_vals = ft["pct_at_target"].tolist()
    pct = "".join(
        f"<td style='text-align:center'>{'–' if pd.isna(v) else format(float(v), '.0%')}</td>"
        for v in pct_vals
    )
    flag = f"<b style='color:{_OVER}'>⚠ {esc(t('m7.critical'))}</b>"
    crit = "".join(
        f"<td style='text-align:center'>{flag if c else ''}</td>" for c in ft["critical_gap"]
    )
    legend = " ".join(
        f"<span style='background:{col};padding:1px 6px;margin-right:4px;"
        f"color:{'#FFFFFF' if col == white else '#000000'}'>{esc(t(f'm7.legend_{key}'))}</span>"
        for key, col in GAP_COLOURS.items()
    )
    return (
        "<table class='kamlab-table'><thead><tr>"
        f"<th>{esc(t('m7.col_person'))}</th><th>{esc(t('common.team'))}</th>"
        f"<th>{esc(t('common.role'))}</th>{head}<th>{esc(t('m7.col_capability_index'))}</th>"
        "</tr></thead><tbody>"
        + "".join(rows)
        + f"<tr><td colspan='3'><b>{esc(t('m7.pct_at_target'))}</b></td>{pct}<td></td></tr>"
        + f"<tr><td colspan='3'><b>{esc(t('m7.critical_gap'))}</b></td>{crit}<td></td></tr>"
        + "</tbody></table>"
        + f"<div style='margin-top:6px'>{legend}</div>"
    )


@register("M7", "capability_heatmap")
class CapabilityHeatmap(Panel):
    """Team × competency heatmap of achieved levels and gaps, filtered by team and role."""

    title_key = "m7.heatmap_title"

    def build(self) -> None:
        self.ctx = capability_context(self.world)
        ctx = self.ctx

        def teams() -> list[tuple[str, str]]:
            return [(t("common.all"), ALL), *[(x, x) for x in ctx.teams]]

        def roles() -> list[tuple[str, str]]:
            return [(t("common.all"), ALL), *[(_role(x), x) for x in ctx.roles]]

        self.control("team", W.Dropdown(options=teams(), value=ALL), "common.team")
        self.control("role", W.Dropdown(options=roles(), value=ALL), "common.role")
        self.option_labels.update(team=teams, role=roles)
        self.table = W.HTML()
        self.notes = W.HTML()
        self.fig = charts.figure(height=280)
        self.fig.add_bar(x=[], y=[], text=[], textposition="outside")
        self.body = W.VBox(
            [
                W.HTML(f"<i>{html.escape(t('m7.heatmap_intro'))}</i>"),
                self.controls_box(),
                self.table,
                self.notes,
                self.fig,
            ]
        )

    def compute(self) -> TeamHeatmap:
        return heatmap_view(self.ctx, team=self.values["team"], role=self.values["role"])

    def render(self, result: TeamHeatmap) -> None:
        self.table.value = heatmap_html(result)
        crit = result.footer.loc[result.footer["critical_gap"], "competency_id"].tolist()
        msg = [t("m7.heatmap_people", n=len(result.rows))]
        msg.append(t("m7.critical_list", comps=", ".join(crit)) if crit else t("m7.no_critical"))
        msg += result.messages
        self.notes.value = "<div>" + "<br>".join(html.escape(m) for m in msg) + "</div>"
        ft = result.footer
        pct = ft["pct_at_target"].astype("Float64").fillna(0).astype(float)
        with self.fig.batch_update():
            bar = self.fig.data[0]
            bar.x = ft["competency_id"].tolist()
            bar.y = pct.round(4).tolist()
            bar.text = [
                f"{p:.0%}" + (" ⚠" if c else "")
                for p, c in zip(pct, ft["critical_gap"], strict=True)
            ]
            bar.marker.color = [_OVER if c else _OK for c in ft["critical_gap"]]
            self.fig.layout.title.text = t("m7.pct_at_target")
            self.fig.layout.yaxis.tickformat = ".0%"
            self.fig.layout.yaxis.range = [0, 1.15]


# ---------------------------------------------------------------------------------------------
# 3. Succession what-if


@register("M7", "succession_whatif")
class SuccessionWhatIfPanel(Panel):
    """A key-account owner leaves or is promoted: pick a successor, see the dip and exposure."""

    title_key = "m7.succession_title"
    parents = ("position",)

    def build(self) -> None:
        self.ctx = succession_context(self.world)
        pos = positions(self.ctx)
        if pos.empty:
            raise ValueError("the world has no critical position that owns accounts.")
        self.control(
            "position",
            W.Dropdown(
                options=[
                    (f"{r.name} ({r.position_id}, {r.role_level}: {r.accounts})", r.position_id)
                    for r in pos.itertuples(index=False)
                ],
                value=pos["position_id"].iloc[0],
            ),
            "m7.position",
        )
        self.control(
            "successor",
            W.Dropdown(options=self._successor_options(pos["position_id"].iloc[0]), value=EXTERNAL),
            "m7.successor",
        )
        self.control(
            "event",
            W.ToggleButtons(options=self._event_options(), value=EVENTS[0]),
            "m7.event",
        )
        self.option_labels.update(
            successor=lambda: self._successor_options(self.values["position"]),
            event=self._event_options,
        )
        self.control(
            "interim_weeks", W.IntSlider(value=8, min=0, max=20, step=1), "m7.interim_weeks"
        )
        self.summary = W.HTML()
        self.fig = charts.figure(height=320)
        self.fig.add_scatter(
            x=[], y=[], mode="lines", name="base", line={"dash": "dot", "color": "#000000"}
        )
        self.fig.add_scatter(
            x=[], y=[], mode="lines", name="scenario", line={"color": charts.PALETTE[0]}
        )
        self.fig_exec = charts.figure(height=260)
        self.fig_exec.add_scatter(
            x=[], y=[], mode="lines", name="pss", line={"color": charts.PALETTE[1]}
        )
        self.fig_exec.add_scatter(
            x=[], y=[], mode="lines", name="otif", line={"color": charts.PALETTE[3]}
        )
        self.body = W.VBox(
            [
                W.HTML(f"<i>{html.escape(t('m7.succession_intro'))}</i>"),
                self.controls_box(columns=2),
                self.summary,
                self.fig,
                self.fig_exec,
            ]
        )

    def _successor_options(self, position_id: str) -> list[tuple[str, str]]:
        opts = successor_options(self.ctx, position_id)
        out = [(t("m7.external_hire"), EXTERNAL)]
        for r in opts.itertuples(index=False):
            out.append(
                (
                    t(
                        "m7.candidate_label",
                        name=r.candidate_name,
                        id=r.candidate_id,
                        readiness=t(f"m7.readiness_{r.readiness}"),
                        gap=f"{r.gap_sum:g}",
                        fit=f"{r.fit:.2f}",
                    ),
                    str(r.candidate_id),
                )
            )
        return out

    @staticmethod
    def _event_options() -> list[tuple[str, str]]:
        return [(t(f"m7.event_{e}"), e) for e in EVENTS]

    def update_options(self, changed: str) -> None:
        """The new position's candidates; the successor starts as an external hire."""
        w = self.controls["successor"]
        w.options = self._successor_options(self.values["position"])
        w.value = EXTERNAL

    def compute(self) -> SuccessionWhatIf:
        v = self.values
        return succession_whatif(
            self.ctx,
            v["position"],
            v["successor"],
            interim_weeks=v["interim_weeks"],
            event=v["event"],
        )

    def render(self, r: SuccessionWhatIf) -> None:
        wk = r.weekly
        x = wk["week"].tolist()
        shapes = []
        if r.interim_weeks > 0:
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": -0.5,
                    "x1": r.interim_weeks - 0.5,
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": "#E69F00",
                    "opacity": 0.15,
                    "line": {"width": 0},
                }
            )
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = x, charts.money_values(wk["nr_base"])
            self.fig.data[0].name = t("m7.nr_base")
            self.fig.data[1].x, self.fig.data[1].y = x, charts.money_values(wk["nr"])
            self.fig.data[1].name = t("m7.nr_scenario")
            self.fig.layout.shapes = shapes
            self.fig.layout.title.text = t("m7.nr_chart_title")
            self.fig.layout.xaxis.title = t("m7.weeks_after_event")
            charts.money_axis(self.fig)
        with self.fig_exec.batch_update():
            self.fig_exec.data[0].x, self.fig_exec.data[0].y = x, wk["pss"].round(5).tolist()
            self.fig_exec.data[0].name = t("m7.pss")
            self.fig_exec.data[1].x, self.fig_exec.data[1].y = x, wk["otif"].round(5).tolist()
            self.fig_exec.data[1].name = t("m7.otif")
            self.fig_exec.layout.shapes = shapes
            self.fig_exec.layout.title.text = t("m7.exec_chart_title")
            self.fig_exec.layout.yaxis.tickformat = ".0%"
            self.fig_exec.layout.xaxis.title = t("m7.weeks_after_event")
        succ = t("m7.external_hire") if r.successor_id == EXTERNAL else r.successor_id
        lines = [
            t("m7.dip_line", dip=money(r.nr_dip), pct=f"{r.nr_dip_pct:.2%}", weeks=len(wk)),
            t(
                "m7.exposure_line",
                exposure=money(r.vacancy_exposure),
                weeks=r.interim_weeks,
                event=t(f"m7.event_{r.event}"),
                at_risk=money(r.nr_at_risk),
            ),
            t("m7.pss_line", base=f"{r.pss_base:.1%}", low=f"{r.pss_min:.1%}"),
            t(
                "m7.levels_line",
                succ=succ,
                c7_inc=f"{r.incumbent_levels['C7']:g}",
                c7_succ=f"{r.successor_levels['C7']:g}",
                c6_inc=f"{r.incumbent_levels['C6']:g}",
                c6_succ=f"{r.successor_levels['C6']:g}",
            ),
        ]
        if r.readiness is not None:
            lines.append(
                t(
                    "m7.readiness_line",
                    readiness=t(f"m7.readiness_{r.readiness}"),
                    gap=f"{r.gap_sum:g}",
                    fit=f"{r.fit:.2f}",
                )
            )
        if r.backfill_accounts:
            lines.append(
                t(
                    "m7.backfill_line",
                    accounts=", ".join(r.backfill_accounts),
                    nr=money(r.backfill_nr),
                )
            )
        self.summary.value = "<div>" + "<br>".join(html.escape(s) for s in lines) + "</div>"

    # for tests: the options currently offered
    @property
    def successor_choices(self) -> list[Any]:
        return [o[1] for o in self.controls["successor"].options]
