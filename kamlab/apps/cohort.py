"""The cohort-progress app for trainers (``apps/cohort.ipynb``).

A trainer's questions: how far is my cohort, which items are too hard, who needs help.

* **Progress** per assessment: submitted / graded / needs manual grading / not submitted, and a
  trainee × assessment table with the state written out (and the score when graded);
* **Score distributions**: a histogram of the score % per assessment, with n, mean and median;
* **Item analysis**: difficulty and discrimination per item with flags
  (:func:`kamlab.apps.cohort_stats.item_analysis`);
* **Trainees below a threshold** (a slider): overall score % and weakest assessment.

Numbers come from :mod:`kamlab.apps.cohort_stats` over the source's current grades.

>>> from kamlab.capability.sources import demo_source
>>> app = CohortApp(demo_source())
>>> app.summary_frame()["assignment"].tolist()[:3]
['M1', 'M2', 'M3']
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as W
import pandas as pd

from kamlab import i18n
from kamlab.apps import cohort_stats as cs
from kamlab.apps._html import APP_CSS, alert, bar_chart_svg, esc, table
from kamlab.apps.team_gaps import ErrorApp
from kamlab.capability.sources import ScoreSource
from kamlab.i18n import t

__all__ = ["ALL", "CohortApp", "build", "serve"]

ALL = "__all__"
_STATE_MARK = {"GRADED": "✓", "NEEDS_MANUAL": "✎", "SUBMITTED": "⧗", "NOT_SUBMITTED": "–"}


class CohortApp:
    """Widget app: header with language switch, alerts, assessment filter, threshold slider and
    four tabs (progress, distributions, item analysis, below threshold)."""

    def __init__(
        self, source: ScoreSource, *, lang: str | None = None, threshold: float = 0.6
    ) -> None:
        self.lang = lang or i18n.get_language()
        i18n.set_language(self.lang, persist=False)
        self.source = source
        self.latest = source.latest()
        self.totals = cs.assessment_totals(self.latest)
        st = source.status
        if source.roster is not None:
            people = source.roster["person_id"].astype(str).tolist()
        else:
            people = sorted(set(st["person_id"].astype(str)) | set(self.latest["person_id"]))
        self.people = people
        self.assignments = sorted(
            set(st["assignment"].astype(str)) | set(self.latest["assignment"].astype(str))
        )
        self.items = cs.item_analysis(self.latest)
        self.last_render_ms = 0.0

        self.title = W.HTML()
        self.lang_toggle = W.ToggleButtons(
            options=[("English", "en"), ("简体中文", "zh")],
            value=self.lang,
            style={"button_width": "76px"},
        )
        self.alert = W.HTML()
        self.assessment = W.Dropdown(
            layout={"width": "260px"}, style={"description_width": "initial"}
        )
        self.threshold = W.FloatSlider(
            value=threshold,
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".0%",
            continuous_update=False,
            layout={"width": "360px"},
            style={"description_width": "initial"},
        )
        self.progress_html = W.HTML()
        self.dist_html = W.HTML()
        self.items_html = W.HTML()
        self.below_html = W.HTML()
        self.tabs = W.Tab(
            children=[self.progress_html, self.dist_html, self.items_html, self.below_html]
        )
        header = W.HBox([self.title, self.lang_toggle])
        header.layout.justify_content = "space-between"
        header.layout.flex_flow = "row wrap"
        controls = W.HBox([self.assessment, self.threshold])
        controls.layout.flex_flow = "row wrap"
        self.widget = W.VBox([W.HTML(APP_CSS), header, self.alert, controls, self.tabs])
        self.widget.add_class("kamlab-app")
        self.widget.add_class("kamlab-cohort")
        self._fill()
        self.assessment.observe(lambda _c: self.refresh(), names="value")
        self.threshold.observe(lambda _c: self.render_below(), names="value")
        self.lang_toggle.observe(self._on_lang, names="value")
        self.refresh()

    # -- labels -----------------------------------------------------------------------------
    def _fill(self) -> None:
        lang = self.lang
        old = self.assessment.value
        opts = [(t("apps.all", lang=lang), ALL)] + [(a, a) for a in self.assignments]
        self.assessment.options = opts
        self.assessment.value = old if old in {o[1] for o in opts} else ALL
        self.assessment.description = t("apps.filter_assessment", lang=lang)
        self.threshold.description = t("apps.threshold", lang=lang)
        self.title.value = (
            f"<h2>{esc(t('apps.cohort_title', lang=lang))}</h2>"
            f'<div class="kamlab-note">{esc(t("apps.source", lang=lang))}: '
            f"{esc(self.source.describe(lang))} · {esc(t('apps.n_trainees', lang=lang, n=len(self.people)))}"
            "</div>"
        )
        for i, key in enumerate(
            ("apps.tab_progress", "apps.tab_distributions", "apps.tab_items", "apps.tab_below")
        ):
            self.tabs.set_title(i, t(key, lang=lang))

    @property
    def selected(self) -> list[str]:
        """The assessments in view."""
        a = self.assessment.value
        return self.assignments if a in (None, ALL) else [a]

    def _name(self, pid: str) -> str:
        return self.source.name_of(pid)

    # -- frames shown -------------------------------------------------------------------------
    def summary_frame(self) -> pd.DataFrame:
        """Progress per assessment (the summary table of the progress tab)."""
        return cs.progress_summary(self.source.status, self.people, self.selected)

    def matrix_frame(self) -> pd.DataFrame:
        """Trainee × assessment states as shown (mark, word, score %)."""
        lang = self.lang
        m = cs.progress_matrix(self.source.status, self.totals, self.people, self.selected)
        out = pd.DataFrame(
            {
                t("apps.col_id", lang=lang): m["person_id"],
                t("apps.col_name", lang=lang): [self._name(p) for p in m["person_id"]],
            }
        )
        for a in self.selected:
            out[a] = [
                f"{_STATE_MARK[s]} {t(f'apps.state_{s.lower()}', lang=lang)}"
                + ("" if pd.isna(f) else f" {f:.0%}")
                for s, f in zip(m[a], m[f"{a}_fraction"], strict=True)
            ]
        return out

    def items_frame(self) -> pd.DataFrame:
        """Item analysis rows of the assessments in view, as shown."""
        lang = self.lang
        ia = self.items.loc[self.items["assignment"].isin(self.selected)]
        return pd.DataFrame(
            {
                t("apps.col_assessment", lang=lang): ia["assignment"],
                t("apps.col_item", lang=lang): ia["item_id"],
                "n": ia["n"],
                t("apps.col_max_points", lang=lang): ia["max_score"],
                t("apps.col_difficulty", lang=lang): ia["difficulty"],
                t("apps.col_discrimination", lang=lang): ia["discrimination"],
                t("apps.col_upper_lower", lang=lang): ia["upper_lower"],
                t("apps.col_flags", lang=lang): [
                    ", ".join(t(f"apps.flag_{f.lower()}", lang=lang) for f in fl.split("|") if f)
                    for fl in ia["flags"]
                ],
            }
        )

    def below_frame(self) -> pd.DataFrame:
        """Trainees below the threshold (on the assessments in view), as shown."""
        lang = self.lang
        tot = self.totals.loc[self.totals["assignment"].isin(self.selected)]
        b = cs.below_threshold(tot, float(self.threshold.value), self.people)
        return pd.DataFrame(
            {
                t("apps.col_id", lang=lang): b["person_id"],
                t("apps.col_name", lang=lang): [self._name(p) for p in b["person_id"]],
                t("apps.col_overall", lang=lang): b["overall"],
                t("apps.col_n_graded", lang=lang): b["n_graded"],
                t("apps.col_weakest", lang=lang): b["weakest"],
                t("apps.col_weakest_pct", lang=lang): b["weakest_fraction"],
            }
        )

    # -- rendering --------------------------------------------------------------------------
    def refresh(self) -> None:
        start = time.perf_counter()
        self.alert.value = alert(self.source.messages)
        self.render_progress()
        self.render_distributions()
        self.render_items()
        self.render_below()
        self.last_render_ms = (time.perf_counter() - start) * 1000

    def render_progress(self) -> None:
        lang = self.lang
        s = self.summary_frame()
        shown = pd.DataFrame(
            {
                t("apps.col_assessment", lang=lang): s["assignment"],
                t("apps.col_n_people", lang=lang): s["n_people"],
                t("apps.col_submitted", lang=lang): s["submitted"],
                t("apps.col_graded", lang=lang): s["graded"],
                t("apps.col_needs_manual", lang=lang): s["needs_manual_grade"],
                t("apps.col_not_submitted", lang=lang): s["not_submitted"],
            }
        )
        m = self.matrix_frame()
        legend = " · ".join(
            f"{mark} {t(f'apps.state_{k.lower()}', lang=lang)}" for k, mark in _STATE_MARK.items()
        )
        self.progress_html.value = (
            f"<h3>{esc(t('apps.tab_progress', lang=lang))}</h3>"
            + table(shown, left=[shown.columns[0]], css="kamlab-t kamlab-progress")
            + f'<div class="kamlab-note">{esc(legend)}</div>'
            + table(m, left=list(m.columns), css="kamlab-t kamlab-matrix")
        )

    def render_distributions(self) -> None:
        lang = self.lang
        parts = [f"<h3>{esc(t('apps.tab_distributions', lang=lang))}</h3>"]
        for a in self.selected:
            f = self.totals.loc[self.totals["assignment"] == a, "fraction"].dropna()
            if f.empty:
                parts.append(
                    f'<div class="kamlab-note">{esc(a)}: {esc(t("apps.no_graded", lang=lang))}</div>'
                )
                continue
            labels, counts = cs.histogram(f, bins=10)
            title = t(
                "apps.dist_title",
                lang=lang,
                assessment=a,
                n=len(f),
                mean=f"{f.mean():.0%}",
                median=f"{f.median():.0%}",
            )
            parts.append(
                f'<div style="display:inline-block;margin:4px 12px 4px 0" data-assessment="{esc(a)}">'
                + bar_chart_svg(
                    [x.replace("%", "") for x in labels], counts, title=title, width=380
                )
                + "</div>"
            )
        self.dist_html.value = "".join(parts)

    def render_items(self) -> None:
        lang = self.lang
        f = self.items_frame()
        cols = list(f.columns)
        self.items_html.value = (
            f"<h3>{esc(t('apps.tab_items', lang=lang))}</h3>"
            f'<div class="kamlab-note">{esc(t("apps.items_help", lang=lang))}</div>'
            + table(
                f,
                formats={cols[3]: "g", cols[4]: ".2f", cols[5]: ".2f", cols[6]: ".2f"},
                left=[cols[0], cols[1], cols[7]],
                css="kamlab-t kamlab-items",
            )
        )

    def render_below(self) -> None:
        lang = self.lang
        f = self.below_frame()
        cols = list(f.columns)
        head = t("apps.below_title", lang=lang, pct=f"{float(self.threshold.value):.0%}", n=len(f))
        body = (
            table(
                f,
                formats={cols[2]: ".0%", cols[5]: ".0%"},
                left=[cols[0], cols[1], cols[4]],
                css="kamlab-t kamlab-below",
            )
            if len(f)
            else f'<div class="kamlab-note">{esc(t("apps.none_below", lang=lang))}</div>'
        )
        self.below_html.value = f"<h3>{esc(head)}</h3>" + body

    def _on_lang(self, change: dict) -> None:
        self.lang = change["new"]
        i18n.set_language(self.lang, persist=False)
        self._fill()
        self.refresh()

    def _ipython_display_(self) -> None:  # pragma: no cover - notebooks
        from IPython.display import display

        display(self.widget)


def build(config: Any = None) -> CohortApp | ErrorApp:
    """Build the cohort app from a config (default: this kernel's); bad input → ErrorApp."""
    from kamlab.apps.config import AppConfig, load_config

    try:
        cfg = config if isinstance(config, AppConfig) else load_config(config)
    except (OSError, ValueError) as exc:
        return ErrorApp(t("apps.err_config", reason=str(exc)), "apps.cohort_title")
    if cfg.lang in i18n.LANGUAGES:
        i18n.set_language(cfg.lang, persist=False)
    try:
        src = cfg.open_source(need_roster=False)
        return CohortApp(src, lang=cfg.lang, threshold=cfg.threshold)
    except ValueError as exc:
        return ErrorApp(str(exc), "apps.cohort_title")
    except Exception as exc:  # never a traceback on a trainer's screen
        return ErrorApp(
            t("apps.err_unexpected", kind=type(exc).__name__, reason=str(exc)), "apps.cohort_title"
        )


_KEEP: list[Any] = []


def serve(config: Any = None) -> None:
    """Build and display the app (the one cell of ``apps/cohort.ipynb``)."""
    from IPython.display import display

    app = build(config)
    _KEEP.append(app)
    display(app.widget)
