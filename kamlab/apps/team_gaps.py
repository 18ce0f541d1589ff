"""The team capability-gaps app for KA managers and directors (``apps/team_gaps.ipynb``).

Three questions of a KA director, on one page (SPEC §5.5 outputs):

* **Where is my team below the capability its roles need?** Filters by team, role and region;
  the heatmap of people × competencies, each cell the achieved level and the gap to the role
  target (Okabe–Ito colours by gap, *always* with the number written in the cell), and the team
  footer: % of the assessed people at or above target and the critical gaps (≥ 50 % below).
* **What should each person learn next?** Selecting a person opens their gap report — target,
  achieved, gap, mastery per level, failed items, recommended modules, the next-level
  development action — and their capability over the grading runs, with a printable one-page
  report for the development conversation.
* **Who is ready to step in?** The bench/succession table and the 9-box (performance from the
  five-indicator composite of the accounts a person owns, or the roster's rating; where there is
  none the 9-box says so).

The view (the filtered heatmap and its footer, plus the selected person's report) exports to
Excel. Bench and 9-box follow the same filters: they are computed on the people shown.

The app is a widget tree built by :class:`TeamGapsApp` over a pure model :class:`TeamGaps`
(no widgets, tested on its own); the Voila notebook only calls :func:`serve`.

>>> from kamlab.capability.sources import demo_source
>>> app = TeamGapsApp(demo_source())
>>> app.team.value = "NATIONAL_KA"
>>> sorted(app.shown_people)[:3]
['KAM01', 'KAM02', 'KAM03']
"""

from __future__ import annotations

import datetime as dt
import html
import time
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from kamlab import i18n
from kamlab.apps._html import APP_CSS, alert, data_link, esc, line_chart_svg, table
from kamlab.capability import (
    GAP_COLOURS,
    GapReport,
    NineBox,
    Succession,
    TeamHeatmap,
    competency_levels,
    gap_report,
    levels_over_time,
    nine_box,
    succession_bench,
    team_heatmap,
)
from kamlab.capability.heatmap import CRITICAL_SHARE
from kamlab.capability.ninebox import BOX_KEYS
from kamlab.capability.sources import ScoreSource
from kamlab.i18n import t

__all__ = ["ALL", "TeamGaps", "TeamGapsApp", "build", "serve"]

#: Filter value meaning "no filter".
ALL = "__all__"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_NAMES: dict[tuple[int, str], tuple[Any, dict[str, str]]] = {}


def comp_names(fw: Any, lang: str) -> dict[str, str]:
    """Competency id → name in ``lang`` (cached per framework object and language)."""
    hit = _NAMES.get((id(fw), lang))
    if hit is None or hit[0] is not fw:
        hit = (fw, {c: fw.competency_name(c, lang) for c in fw.competency_ids})
        _NAMES[(id(fw), lang)] = hit
    return hit[1]


def _role_name(role: str, lang: str) -> str:
    try:
        return t(f"capability.role_{role}", lang=lang)
    except KeyError:
        return role


# ---------------------------------------------------------------------------------------------
# model (no widgets)


@dataclass(frozen=True)
class PersonHistory:
    """A person's levels after each grading run: ``levels`` (runs × competencies, ``<NA>`` =
    not assessed yet), ``index`` (capability index per run) and ``as_of`` (date of each run)."""

    levels: pd.DataFrame
    index: pd.Series
    as_of: pd.Series


class TeamGaps:
    """Levels of every person of a source, computed once, and the views of a selection.

    ``levels`` = :func:`kamlab.capability.competency_levels` of the source's scores (latest run
    per assessment) with the roster's targets.
    """

    def __init__(self, source: ScoreSource, *, theta: float = 0.7, gate: float = 0.5) -> None:
        if source.roster is None:
            raise ValueError(t("apps.err_roster_needed", source=source.label))
        self.source = source
        self.fw = source.framework
        self.roster = source.roster
        self.theta, self.gate = theta, gate
        self.levels = competency_levels(source.scores, self.fw, theta, gate, roster=self.roster)
        self._views: dict[tuple, TeamHeatmap] = {}
        self.full = team_heatmap(self.levels, self.roster, framework=self.fw)
        self._names = dict(
            zip(self.roster["person_id"].astype(str), self.roster["name"].astype(str), strict=True)
        )

    @property
    def messages(self) -> list[str]:
        """Warnings of the source and of scoring, without repeats."""
        msgs = [*self.source.messages, *self.levels.attrs.get("messages", [])]
        return list(dict.fromkeys(msgs))

    def options(self, column: str) -> list[str]:
        """The values a filter on ``column`` (team, role_level, region_id) can take, sorted."""
        if column not in self.roster.columns:
            return []
        vals = self.roster[column].dropna().astype(str).unique().tolist()
        if column == "role_level":
            rank = self.fw.role_rank
            return sorted(vals, key=lambda r: (-rank.get(r, 0), r))
        return sorted(vals)

    def view(self, team: str = ALL, role: str = ALL, region: str = ALL) -> TeamHeatmap:
        """The heatmap of the people matching the filters (``ALL`` = no filter).

        The same as :func:`kamlab.capability.team_heatmap` with these filters (a test checks
        it), but cut from the whole team's heatmap computed once: rows keep their order and the
        footer is recomputed over the people shown — a filter change costs milliseconds.
        """
        key = (team, role, region)
        hit = self._views.get(key)
        if hit is None:
            rows = self.full.rows
            mask = np.ones(len(rows), dtype=bool)
            for col, val in (("team", team), ("role_level", role), ("region_id", region)):
                if val != ALL:
                    mask &= (rows[col].astype("string") == val).fillna(False).to_numpy(bool)
            hit = subset_heatmap(self.full, mask, self.fw)
            if len(self._views) > 256:
                self._views.clear()
            self._views[key] = hit
        return hit

    def person(self, person_id: str) -> dict[str, Any]:
        """The roster row of ``person_id`` as a dict."""
        r = self.roster.loc[self.roster["person_id"] == person_id]
        if r.empty:
            raise ValueError(f"person_id {person_id!r} is not in the roster of this view.")
        return {k: (None if pd.isna(v) else v) for k, v in r.iloc[0].to_dict().items()}

    def report(self, person_id: str, lang: str | None = None) -> GapReport:
        """The gap report of ``person_id`` (SPEC §5.5)."""
        sc = self.source.scores
        return gap_report(
            person_id, self.levels, sc.loc[sc["person_id"] == person_id], self.fw, lang=lang
        )

    def history(self, person_id: str) -> PersonHistory | None:
        """Levels of ``person_id`` after each grading run; ``None`` without scores."""
        sc = self.source.scores
        sc = sc.loc[sc["person_id"] == person_id]
        if sc.empty:
            return None
        r = self.roster.loc[self.roster["person_id"] == person_id, ["person_id", "role_level"]]
        ot = levels_over_time(sc, self.fw, self.theta, self.gate, roster=r)
        lv = ot.pivot(index="run", columns="competency_id", values="level")
        lv = lv.reindex(columns=list(self.fw.competency_ids))
        idx = ot.groupby("run")["capability_index"].first()
        as_of = ot.groupby("run")["as_of"].first()
        return PersonHistory(levels=lv, index=idx, as_of=as_of)

    def bench(self, people: list[str]) -> Succession:
        """Bench and succession among ``people`` (critical positions and candidates)."""
        ros = self.roster.loc[self.roster["person_id"].isin(people)]
        lv = self.levels.loc[self.levels["person_id"].isin(people)]
        acc = self.source.accounts
        return succession_bench(lv, ros, self.fw, accounts=acc)

    def ninebox(self, people: list[str], lang: str | None = None) -> NineBox | None:
        """The 9-box of ``people``; ``None`` when the source has no performance data at all."""
        how = self.source.performance_source()
        if how is None:
            return None
        ros = self.roster.loc[self.roster["person_id"].isin(people)]
        lv = self.levels.loc[self.levels["person_id"].isin(people)]
        if how == "rating":
            return nine_box(lv, ros, source="rating", lang=lang)
        acc = self.source.account_scores()
        if acc is None:
            return None
        return nine_box(lv, ros, account_scores=acc, source="accounts", lang=lang)


def subset_heatmap(full: TeamHeatmap, mask: np.ndarray, fw: Any) -> TeamHeatmap:
    """The rows of ``full`` where ``mask`` holds, with the footer over those rows.

    Footer definitions as :mod:`kamlab.capability.heatmap`: per competency ``n_assessed``
    (people with a level), ``n_at_target`` (level ≥ capped target), ``pct_at_target =
    n_at_target / n_assessed`` (``<NA>`` when nobody is assessed), ``critical_gap`` when
    ``pct_below_target ≥ 0.5``.
    """
    if mask.all():
        return full
    rows = full.rows.loc[mask].reset_index(drop=True)
    ids = rows["person_id"].astype(str).tolist()
    level = full.level.loc[ids]
    gap = full.gap.loc[ids]
    target = full.target.loc[ids]
    index = full.index.loc[ids]
    cells = full.cells.loc[full.cells["person_id"].isin(ids)].reset_index(drop=True)
    lv = level.to_numpy(dtype=float, na_value=np.nan)
    tg = target.to_numpy(dtype=float, na_value=np.nan)
    assessed = ~np.isnan(lv)
    with np.errstate(invalid="ignore"):
        at = assessed & ~np.isnan(tg) & (lv >= tg)
    n = len(ids)
    n_ass = assessed.sum(axis=0)
    n_at = at.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n_ass > 0, n_at / np.maximum(n_ass, 1), np.nan)
    comps = list(level.columns)
    footer = pd.DataFrame(
        {
            "competency_id": comps,
            "competency": full.footer["competency"].to_numpy(),
            "n_people": n,
            "n_assessed": n_ass,
            "n_not_assessed": n - n_ass,
            "n_at_target": n_at,
            "n_below_target": n_ass - n_at,
            "pct_at_target": pd.array(pct, dtype="Float64"),
            "pct_below_target": pd.array(1 - pct, dtype="Float64"),
        }
    )
    footer["critical_gap"] = (
        (footer["pct_below_target"] >= CRITICAL_SHARE - 1e-9).fillna(False).astype(bool)
    )
    none = t("capability.msg_no_people")
    msgs = [m for m in full.messages if m != none]
    if not ids:
        msgs.append(none)
    return TeamHeatmap(
        rows=rows,
        level=level,
        gap=gap,
        target=target,
        index=index,
        footer=footer,
        cells=cells,
        messages=msgs,
    )


# ---------------------------------------------------------------------------------------------
# tables shown (one frame per view, used by the HTML *and* the Excel export)


def heatmap_frame(hm: TeamHeatmap, lang: str, value: str = "level") -> pd.DataFrame:
    """The heatmap as shown: ID, name, role, team, region, C1 … C10 (``level`` or ``gap``),
    capability index; headers in ``lang``."""
    rows = hm.rows
    src = hm.level if value == "level" else hm.gap
    out = pd.DataFrame(
        {
            t("apps.col_id", lang=lang): rows["person_id"].astype(str).to_numpy(),
            t("apps.col_name", lang=lang): rows["name"].astype(str).to_numpy(),
            t("apps.col_role", lang=lang): rows["role_level"].astype(str).to_numpy(),
            t("apps.col_team", lang=lang): rows["team"].astype(str).to_numpy(),
            t("apps.col_region", lang=lang): rows["region_id"].astype("string").to_numpy(),
        }
    )
    for c in src.columns:
        out[c] = src[c].astype("Int64").to_numpy()
    out[t("capability.capability_index", lang=lang)] = (
        rows["capability_index"].astype("Float64").round(3).to_numpy()
    )
    return out


def footer_frame(hm: TeamHeatmap, fw: Any, lang: str) -> pd.DataFrame:
    """Per competency: assessed, at target, % at target, critical gap (as shown)."""
    f = hm.footer
    return pd.DataFrame(
        {
            t("apps.col_competency_id", lang=lang): f["competency_id"].astype(str),
            t("capability.col_competency", lang=lang): [
                comp_names(fw, lang).get(str(c), str(c)) for c in f["competency_id"]
            ],
            t("apps.col_n_assessed", lang=lang): f["n_assessed"].astype(int),
            t("apps.col_n_at_target", lang=lang): f["n_at_target"].astype(int),
            t("capability.pct_at_target", lang=lang): f["pct_at_target"].astype("Float64").round(3),
            t("capability.critical_gap", lang=lang): [
                t("common.yes", lang=lang) if x else t("common.no", lang=lang)
                for x in f["critical_gap"]
            ],
        }
    )


def heatmap_html(hm: TeamHeatmap, fw: Any, lang: str) -> str:
    """The heatmap table: a row per person (``data-person``), grouped by team; coloured cells
    with the level and gap written in; footer rows with % at target and critical gaps."""
    frame = heatmap_frame(hm, lang)
    comps = list(hm.level.columns)
    info_cols = list(frame.columns[:5])
    idx_col = frame.columns[-1]
    lv = hm.level.to_numpy(dtype=float, na_value=np.nan)
    gp = hm.gap.to_numpy(dtype=float, na_value=np.nan)
    na = esc(t("capability.not_assessed_short", lang=lang))
    names = comp_names(fw, lang)
    head = "".join(f'<th class="l">{esc(c)}</th>' for c in info_cols)
    head += "".join(f'<th title="{esc(names[c])}">{esc(c)}</th>' for c in comps)
    head += f"<th>{esc(idx_col)}</th>"
    out = [f'<table class="kamlab-t kamlab-heatmap"><thead><tr>{head}</tr></thead><tbody>']
    ncol = len(info_cols) + len(comps) + 1
    team_col = info_cols[3]
    last_team = None
    role_tips = {r: esc(_role_name(r, lang)) for r in frame.iloc[:, 2].astype(str).unique()}
    # one class per gap (colours in APP_CSS): short HTML, so 200 people render fast
    cls = np.where(np.isnan(lv), "na", np.where(np.isnan(gp) | (gp <= 0), "g0",
                   np.where(gp == 1, "g1", np.where(gp == 2, "g2", "g3"))))  # fmt: skip
    for i, rec in enumerate(frame.itertuples(index=False, name=None)):
        team = rec[3]
        if team != last_team:
            out.append(
                f'<tr class="kamlab-team"><th colspan="{ncol}">{esc(team_col)}: {esc(str(team))}'
                "</th></tr>"
            )
            last_team = team
        pid = rec[0]
        role = str(rec[2])
        cells = [
            f'<td class="l">{esc(str(rec[0]))}</td>',
            f'<td class="l">{esc(str(rec[1]))}</td>',
            f'<td class="l" title="{role_tips[role]}">{esc(role)}</td>',
            f'<td class="l">{esc(str(rec[3]))}</td>',
            f'<td class="l">{"" if pd.isna(rec[4]) else esc(str(rec[4]))}</td>',
        ]
        for k in range(len(comps)):
            lvl, gap = lv[i, k], gp[i, k]
            if np.isnan(lvl):
                txt = na
            elif np.isnan(gap) or gap <= 0:
                txt = f"{int(lvl)}"
            else:
                txt = f"{int(lvl)} (−{int(gap)})"
            cells.append(f'<td class="{cls[i, k]}">{txt}</td>')
        ci = rec[-1]
        cells.append(f"<td>{'' if pd.isna(ci) else f'{float(ci):.0%}'}</td>")
        out.append(f'<tr data-person="{esc(str(pid))}">{"".join(cells)}</tr>')
    out.append("</tbody><tfoot>")
    f = hm.footer
    pct = [
        "" if pd.isna(p) else f"{float(p):.0%} ({int(a)}/{int(n)})"
        for p, a, n in zip(f["pct_at_target"], f["n_at_target"], f["n_assessed"], strict=True)
    ]
    crit = [f"⚠ {t('capability.critical_gap', lang=lang)}" if x else "" for x in f["critical_gap"]]
    span = len(info_cols)
    out.append(
        f'<tr class="kamlab-footer-pct"><th class="l" colspan="{span}">'
        f"{esc(t('capability.pct_at_target', lang=lang))}</th>"
        + "".join(f"<td>{esc(x)}</td>" for x in pct)
        + "<td></td></tr>"
    )
    out.append(
        f'<tr class="kamlab-footer-critical"><th class="l" colspan="{span}">'
        f"{esc(t('capability.critical_gap', lang=lang))} (≥ 50 %)</th>"
        + "".join(f'<td class="{"g3" if x else ""}">{esc(x)}</td>' for x in crit)
        + "<td></td></tr>"
    )
    out.append("</tfoot></table>")
    return "".join(out)


def legend_html(fw: Any, lang: str) -> str:
    """Colour legend (always with the number convention) and the competency names."""
    sw = [
        ("at_target", t("apps.legend_at_target", lang=lang)),
        ("gap_1", t("apps.legend_gap", lang=lang, n=1)),
        ("gap_2", t("apps.legend_gap", lang=lang, n=2)),
        ("gap_3", t("apps.legend_gap3", lang=lang)),
        ("not_assessed", t("apps.legend_not_assessed", lang=lang)),
    ]
    parts = [
        f'<span class="kamlab-swatch" style="background:{GAP_COLOURS[k]}">{esc(lab)}</span>'
        for k, lab in sw
    ]
    comps = " · ".join(f"<b>{esc(c)}</b> {esc(n)}" for c, n in comp_names(fw, lang).items())
    return (
        f'<div class="kamlab-note">{"".join(parts)}<br>{esc(t("apps.legend_cells", lang=lang))}'
        f"<br>{comps}</div>"
    )


def report_frame(rep: GapReport, lang: str) -> pd.DataFrame:
    """The gap report table as shown (translated headers and texts)."""
    d = rep.display(lang)
    lvl_cols = [t(f"capability.col_m_l{k}", lang=lang) for k in (1, 2, 3, 4)]
    for c in lvl_cols:
        d[c] = d[c].astype("Float64").round(2)
    d.insert(0, t("apps.col_competency_id", lang=lang), rep.summary["competency_id"].to_numpy())
    return d


def history_frame(h: PersonHistory, fw: Any, lang: str) -> pd.DataFrame:
    """Levels per grading run as shown: run, date, C1 … C10, capability index."""
    out = pd.DataFrame(
        {
            t("apps.col_run", lang=lang): h.levels.index.astype(int),
            t("apps.col_as_of", lang=lang): [
                "" if pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d") for x in h.as_of
            ],
        }
    )
    for c in h.levels.columns:
        out[c] = h.levels[c].astype("Int64").to_numpy()
    out[t("capability.capability_index", lang=lang)] = h.index.astype("Float64").round(3).to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# the widget app


class TeamGapsApp:
    """The team-gaps app: header with language switch, alerts, filters, and four tabs
    (heatmap, person, bench & succession, 9-box). ``widget`` is the root to display."""

    def __init__(
        self, source: ScoreSource, *, lang: str | None = None, model: TeamGaps | None = None
    ) -> None:
        self.lang = lang or i18n.get_language()
        i18n.set_language(self.lang, persist=False)
        self.model = model or TeamGaps(source)
        self.source = source
        self.last_render_ms = 0.0
        self._bench_key: tuple | None = None
        self._box_key: tuple | None = None
        self._hold = False

        self.title = W.HTML()
        self.lang_toggle = W.ToggleButtons(
            options=[("English", "en"), ("简体中文", "zh")],
            value=self.lang,
            style={"button_width": "76px"},
        )
        self.alert = W.HTML()
        self.team = W.Dropdown(layout={"width": "260px"})
        self.role = W.Dropdown(layout={"width": "220px"})
        self.region = W.Dropdown(layout={"width": "200px"})
        self.person = W.Dropdown(layout={"width": "320px"})
        for w in (self.team, self.role, self.region, self.person):
            w.style = {"description_width": "initial"}
        self.summary = W.HTML()
        self.heatmap = W.HTML()
        self.legend = W.HTML()
        self.export_button = W.Button(layout={"width": "auto"})
        self.export_link = W.HTML()
        self.report_head = W.HTML()
        self.report_table = W.HTML()
        self.history_html = W.HTML()
        self.report_button = W.Button(layout={"width": "auto"})
        self.report_link = W.HTML()
        self.bench_html = W.HTML()
        self.ninebox_html = W.HTML()

        heat_tab = W.VBox(
            [
                W.HBox([self.export_button, self.export_link]),
                self.summary,
                self.heatmap,
                self.legend,
            ]
        )
        person_tab = W.VBox(
            [
                self.report_head,
                W.HBox([self.report_button, self.report_link]),
                self.report_table,
                self.history_html,
            ]
        )
        self.tabs = W.Tab(children=[heat_tab, person_tab, self.bench_html, self.ninebox_html])
        filters = W.HBox([self.team, self.role, self.region, self.person])
        filters.layout.flex_flow = "row wrap"
        header = W.HBox([self.title, self.lang_toggle])
        header.layout.justify_content = "space-between"
        header.layout.flex_flow = "row wrap"
        self.widget = W.VBox([W.HTML(APP_CSS), header, self.alert, filters, self.tabs])
        self.widget.add_class("kamlab-app")
        self.widget.add_class("kamlab-team-gaps")

        self._fill_filters()
        self._label()
        for w in (self.team, self.role, self.region):
            w.observe(self._on_filter, names="value")
        self.person.observe(self._on_person, names="value")
        self.lang_toggle.observe(self._on_lang, names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.export_button.on_click(lambda _b: self.export_excel())
        self.report_button.on_click(lambda _b: self.make_report())
        self.refresh()

    # -- state ------------------------------------------------------------------------------
    @property
    def filters(self) -> tuple[str, str, str]:
        return (self.team.value, self.role.value, self.region.value)

    @property
    def current(self) -> TeamHeatmap:
        """The heatmap of the current filters."""
        return self.model.view(*self.filters)

    @property
    def shown_people(self) -> list[str]:
        """Person ids of the heatmap rows, in display order."""
        return self.current.rows["person_id"].astype(str).tolist()

    # -- labels -----------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        self._hold = True
        try:
            for w, col in (
                (self.team, "team"),
                (self.role, "role_level"),
                (self.region, "region_id"),
            ):
                old = w.value
                vals = self.model.options(col)
                opts = [(t("apps.all", lang=self.lang), ALL)]
                if col == "role_level":
                    opts += [(f"{v} — {_role_name(v, self.lang)}", v) for v in vals]
                else:
                    opts += [(v, v) for v in vals]
                w.options = opts
                w.value = old if old in {o[1] for o in opts} else ALL
        finally:
            self._hold = False

    def _label(self) -> None:
        lang = self.lang
        who = ""
        if self.source.manager_id:
            who = " · " + t(
                "apps.scoped_to",
                lang=lang,
                name=self.source.name_of(self.source.manager_id),
                id=self.source.manager_id,
            )
        self.title.value = (
            f"<h2>{esc(t('apps.team_gaps_title', lang=lang))}</h2>"
            f'<div class="kamlab-note">{esc(t("apps.source", lang=lang))}: '
            f"{esc(self.source.describe(lang))}{esc(who)}</div>"
        )
        self.team.description = t("apps.filter_team", lang=lang)
        self.role.description = t("apps.filter_role", lang=lang)
        self.region.description = t("apps.filter_region", lang=lang)
        self.person.description = t("apps.select_person", lang=lang)
        self.export_button.description = t("apps.export_excel", lang=lang)
        self.report_button.description = t("apps.make_report", lang=lang)
        for i, key in enumerate(
            ("apps.tab_heatmap", "apps.tab_person", "apps.tab_bench", "apps.tab_ninebox")
        ):
            self.tabs.set_title(i, t(key, lang=lang))
        self.legend.value = legend_html(self.model.fw, lang)

    # -- rendering --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the heatmap and everything that depends on the filters."""
        start = time.perf_counter()
        hm = self.current
        lang = self.lang
        self.alert.value = alert([*self.model.messages, *hm.messages])
        self.heatmap.value = heatmap_html(hm, self.model.fw, lang) if len(hm.rows) else ""
        n_crit = int(hm.footer["critical_gap"].sum())
        self.summary.value = (
            '<div class="kamlab-note">'
            + esc(
                t(
                    "apps.heatmap_summary",
                    lang=lang,
                    n=len(hm.rows),
                    assessed=int((hm.rows["n_assessed"].fillna(0) > 0).sum()),
                    critical=n_crit,
                )
            )
            + "</div>"
        )
        self.export_link.value = ""
        self._update_person_options()
        self._bench_key = self._box_key = None
        if self.tabs.selected_index == 2:
            self.render_bench()
        elif self.tabs.selected_index == 3:
            self.render_ninebox()
        self.last_render_ms = (time.perf_counter() - start) * 1000

    def _update_person_options(self) -> None:
        rows = self.current.rows
        opts = [(t("apps.choose", lang=self.lang), "")] + [
            (f"{n} ({p})", p)
            for p, n in zip(rows["person_id"].astype(str), rows["name"].astype(str), strict=True)
        ]
        old = self.person.value
        self._hold = True
        try:
            self.person.options = opts
            self.person.value = old if old in {o[1] for o in opts} else ""
        finally:
            self._hold = False
        if self.person.value != old:
            self.render_person()

    def render_person(self) -> None:
        """Fill the person tab with the selected person's gap report and history."""
        pid = self.person.value
        lang = self.lang
        self.report_link.value = ""
        if not pid:
            self.report_head.value = (
                f'<div class="kamlab-note">{esc(t("apps.pick_person_hint", lang=lang))}</div>'
            )
            self.report_table.value = self.history_html.value = ""
            self.report_button.disabled = True
            return
        self.report_button.disabled = False
        p = self.model.person(pid)
        rep = self.model.report(pid, lang=lang)
        ci = "–" if rep.capability_index is None else f"{rep.capability_index:.0%}"
        self.report_head.value = (
            f'<h3 data-person-report="{esc(pid)}">{esc(str(p["name"]))} ({esc(pid)})</h3>'
            f'<div class="kamlab-note">{esc(_role_name(str(p["role_level"]), lang))} · '
            f"{esc(str(p.get('team') or ''))} · {esc(str(p.get('region_id') or ''))} · "
            f"{esc(t('capability.capability_index', lang=lang))}: {ci}</div>"
        )
        frame = report_frame(rep, lang)
        text_cols = [frame.columns[i] for i in (0, 1, 9, 10, 11, 12) if i < len(frame.columns)]
        self.report_table.value = table(
            frame, formats={c: ".2f" for c in frame.columns[5:9]}, left=text_cols
        )
        self.history_html.value = self._history_block(pid)

    def _history_block(self, pid: str) -> str:
        lang = self.lang
        h = self.model.history(pid)
        title = f"<h3>{esc(t('apps.over_time_title', lang=lang))}</h3>"
        if h is None:
            return title + f'<div class="kamlab-note">{esc(t("apps.no_history", lang=lang))}</div>'
        frame = history_frame(h, self.model.fw, lang)
        labels = [
            f"#{r} {d}".strip() for r, d in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True)
        ]
        chart = line_chart_svg(
            labels,
            [None if pd.isna(v) else float(v) for v in h.index],
            title=t("capability.capability_index", lang=lang),
            width=max(420, 70 * len(labels)),
        )
        note = ""
        if not self.source.scores.loc[self.source.scores["person_id"] == pid, "recorded"].all():
            note = f'<div class="kamlab-note">{esc(t("apps.unrecorded_run", lang=lang))}</div>'
        return (
            title
            + chart
            + table(frame, formats={frame.columns[-1]: ".0%"}, left=[frame.columns[1]])
            + note
        )

    def render_bench(self) -> None:
        """Fill the bench tab (computed for the people shown)."""
        key = (*self.filters, self.lang)
        if self._bench_key == key:
            return
        lang = self.lang
        b = self.model.bench(self.shown_people)
        parts = [f"<h3>{esc(t('capability.succession_title', lang=lang))}</h3>"]
        parts.append(alert(b.messages))
        strength = "–" if b.bench_strength is None else f"{b.bench_strength:.0%}"
        parts.append(
            f"<div><b>{esc(t('capability.bench_strength', lang=lang))}: {strength}</b> "
            f'<span class="kamlab-note">{esc(t("apps.bench_strength_def", lang=lang))}</span></div>'
        )
        pos = b.positions
        if len(pos):
            shown = pd.DataFrame(
                {
                    t("apps.col_position", lang=lang): pos["position_id"].astype(str),
                    t("apps.col_name", lang=lang): pos["name"].astype(str),
                    t("apps.col_role", lang=lang): pos["role_level"].astype(str),
                    t("apps.col_reasons", lang=lang): pos["reasons"].astype(str),
                    t("apps.col_accounts", lang=lang): pos["accounts"].astype(str),
                    t("apps.col_n_candidates", lang=lang): pos["n_candidates"],
                    t("capability.readiness_ready_now", lang=lang): pos["n_ready_now"],
                    t("capability.readiness_ready_1_2y", lang=lang): pos["n_ready_1_2y"],
                }
            )
            parts.append(table(shown, left=list(shown.columns[:5])))
            c = b.candidates
            c = c.loc[c["rank"] <= 3]
            cand = pd.DataFrame(
                {
                    t("apps.col_position", lang=lang): c["position_id"].astype(str),
                    "#": c["rank"].astype(int),
                    t("apps.col_candidate", lang=lang): (
                        c["candidate_name"].astype(str) + " (" + c["candidate_id"].astype(str) + ")"
                    ),
                    t("apps.col_role", lang=lang): c["candidate_role"].astype(str),
                    t("capability.col_readiness", lang=lang): [
                        _readiness(r, lang) for r in c["readiness"].astype(str)
                    ],
                    t("capability.col_gap_sum", lang=lang): c["gap_sum"].astype(float),
                    t("capability.col_fit", lang=lang): c["fit"].astype(float),
                    t("capability.not_assessed", lang=lang): c["not_assessed"].astype(str),
                }
            )
            parts.append(f"<h3>{esc(t('apps.top_candidates', lang=lang))}</h3>")
            cols = list(cand.columns)
            parts.append(
                table(
                    cand,
                    formats={cols[5]: ".0f", cols[6]: ".2f"},
                    left=[cols[0], cols[2], cols[3], cols[4], cols[7]],
                )
            )
        self.bench_html.value = "".join(parts)
        self._bench_key = key

    def render_ninebox(self) -> None:
        """Fill the 9-box tab (computed for the people shown), or say why it cannot be drawn."""
        key = (*self.filters, self.lang)
        if self._box_key == key:
            return
        lang = self.lang
        parts = [f"<h3>{esc(t('capability.ninebox_title', lang=lang))}</h3>"]
        box = self.model.ninebox(self.shown_people, lang=lang)
        if box is None:
            parts.append(alert([t("apps.ninebox_no_performance", lang=lang)]))
            self.ninebox_html.value = "".join(parts)
            self._box_key = key
            return
        src = t(f"apps.performance_from_{box.source}", lang=lang)
        parts.append(f'<div class="kamlab-note">{esc(src)}</div>')
        parts.append(alert(box.messages))
        ppl = box.people
        placed = ppl.loc[ppl["status"] == "OK"]
        rows = []
        perf = t("capability.performance", lang=lang)
        capl = t("capability.capability", lang=lang)
        band = {
            1: t("apps.band_low", lang=lang),
            2: t("apps.band_mid", lang=lang),
            3: t("apps.band_high", lang=lang),
        }
        for pb in (3, 2, 1):
            cells = [f'<th class="l">{esc(perf)}: {esc(band[pb])}</th>']
            for cb in (1, 2, 3):
                who = placed.loc[
                    (placed["performance_band"] == pb) & (placed["capability_band"] == cb)
                ]
                names = ", ".join(
                    f"{n} ({p})"
                    for n, p in zip(who["name"].astype(str), who["person_id"], strict=True)
                )
                cells.append(
                    f'<td data-box="P{pb}-C{cb}"><b>{esc(t(f"capability.{BOX_KEYS[(pb, cb)]}", lang=lang))}'
                    f"</b> · {len(who)}<br><span class='kamlab-note'>{esc(names)}</span></td>"
                )
            rows.append("<tr>" + "".join(cells) + "</tr>")
        foot = (
            "<tr><th></th>"
            + "".join(f"<th>{esc(capl)}: {esc(band[cb])}</th>" for cb in (1, 2, 3))
            + "</tr>"
        )
        parts.append(f'<table class="kamlab-t kamlab-ninebox">{"".join(rows)}{foot}</table>')
        unplaced = ppl.loc[ppl["status"] != "OK"]
        if len(unplaced):
            lst = ", ".join(
                f"{n} ({p}): {s}"
                for n, p, s in zip(
                    unplaced["name"].astype(str),
                    unplaced["person_id"],
                    unplaced["box_name"].astype(str),
                    strict=True,
                )
            )
            parts.append(
                f'<div class="kamlab-note">{esc(t("apps.not_placed", lang=lang))}: {esc(lst)}</div>'
            )
        self.ninebox_html.value = "".join(parts)
        self._box_key = key

    # -- actions ----------------------------------------------------------------------------
    def excel_bytes(self) -> bytes:
        """The current view as an .xlsx file (only what the view shows)."""
        from kamlab.apps.export import view_workbook

        hm = self.current
        lang = self.lang
        sheets = {
            t("apps.sheet_levels", lang=lang): heatmap_frame(hm, lang, "level"),
            t("apps.sheet_gaps", lang=lang): heatmap_frame(hm, lang, "gap"),
            t("apps.sheet_footer", lang=lang): footer_frame(hm, self.model.fw, lang),
        }
        pid = self.person.value
        if pid:
            sheets[t("apps.sheet_person", lang=lang, id=pid)] = report_frame(
                self.model.report(pid, lang=lang), lang
            )
        return view_workbook(sheets)

    def export_excel(self) -> bytes:
        """Make the Excel file of the current view and show its download link."""
        data = self.excel_bytes()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        self.export_link.value = data_link(
            data,
            f"team_gaps_{stamp}.xlsx",
            _XLSX,
            t("apps.download_excel", lang=self.lang),
            "kamlab-excel-link",
        )
        return data

    def report_html(self, person_id: str | None = None) -> str:
        """The printable one-page report of ``person_id`` (default: the selected person)."""
        from kamlab.apps.report import person_report_html

        pid = person_id or self.person.value
        if not pid:
            raise ValueError("person_id: choose a person first.")
        return person_report_html(
            person=self.model.person(pid),
            report=self.model.report(pid, lang=self.lang),
            history=self.model.history(pid),
            framework=self.model.fw,
            lang=self.lang,
        )

    def make_report(self) -> str:
        """Make the selected person's one-page report and show its download link."""
        pid = self.person.value
        doc = self.report_html(pid)
        self.report_link.value = data_link(
            doc.encode("utf-8"),
            f"development_report_{pid}.html",
            "text/html;charset=utf-8",
            t("apps.download_report", lang=self.lang),
            "kamlab-report-link",
        )
        return doc

    # -- events -----------------------------------------------------------------------------
    def _on_filter(self, _change: dict) -> None:
        if not self._hold:
            self.refresh()

    def _on_person(self, change: dict) -> None:
        if self._hold:
            return
        self.render_person()
        if change["new"]:
            self.tabs.selected_index = 1

    def _on_tab(self, change: dict) -> None:
        if change["new"] == 2:
            self.render_bench()
        elif change["new"] == 3:
            self.render_ninebox()

    def _on_lang(self, change: dict) -> None:
        self.lang = change["new"]
        i18n.set_language(self.lang, persist=False)
        self._fill_filters()
        self._label()
        self.refresh()
        self.render_person()

    def _ipython_display_(self) -> None:  # pragma: no cover - notebooks
        from IPython.display import display

        display(self.widget)


def _readiness(code: str, lang: str) -> str:
    mark = {"READY_NOW": "●", "READY_1_2Y": "◐", "NOT_READY": "○"}.get(code, "")
    return f"{mark} {t(f'capability.readiness_{code.lower()}', lang=lang)}"


# ---------------------------------------------------------------------------------------------
# entry points


class ErrorApp:
    """What an app shows when its input is unusable: the reason in an alert box, no traceback."""

    def __init__(self, message: str, title_key: str = "apps.team_gaps_title") -> None:
        self.message = message
        head = W.HTML(f"<h2>{html.escape(t(title_key))}</h2>")
        self.alert = W.HTML(alert([message], error=True))
        self.widget = W.VBox([W.HTML(APP_CSS), head, self.alert])
        self.widget.add_class("kamlab-app")

    def _ipython_display_(self) -> None:  # pragma: no cover - notebooks
        from IPython.display import display

        display(self.widget)


def build(config: Any = None) -> TeamGapsApp | ErrorApp:
    """Build the app from a config (:class:`~kamlab.apps.config.AppConfig`, default: this
    kernel's config). Bad input gives an :class:`ErrorApp` with a readable message."""
    from kamlab.apps.config import AppConfig, load_config

    try:
        cfg = config if isinstance(config, AppConfig) else load_config(config)
    except (OSError, ValueError) as exc:
        return ErrorApp(t("apps.err_config", reason=str(exc)))
    if cfg.lang in i18n.LANGUAGES:
        i18n.set_language(cfg.lang, persist=False)
    try:
        src = cfg.open_source(need_roster=True)
        return TeamGapsApp(src, lang=cfg.lang)
    except ValueError as exc:  # SourceError, RosterError, FrameworkError are ValueErrors
        return ErrorApp(str(exc))
    except Exception as exc:  # never a traceback on a manager's screen
        return ErrorApp(t("apps.err_unexpected", kind=type(exc).__name__, reason=str(exc)))


_KEEP: list[Any] = []


def serve(config: Any = None) -> None:
    """Build and display the app (the one cell of ``apps/team_gaps.ipynb``)."""
    from IPython.display import display

    app = build(config)
    _KEEP.append(app)
    display(app.widget)
