"""The printable one-page development report of one person (HTML with print CSS).

A manager downloads it from the team-gaps app and prints it (or saves it as PDF from the
browser) for a development conversation. It is self-contained — inline styles, no scripts, no
fonts or images from anywhere — and carries **only that person's data**: their role, team and
region, capability index, the gap report (target, achieved, gap, mastery per level, items below
half marks, recommended modules, next-level development action), their levels over the grading
runs, and empty space for the agreed actions. No manager, colleague, ranking or 9-box position
appears on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from kamlab.apps._html import esc, line_chart_svg
from kamlab.capability import GAP_COLOURS, GapReport, gap_colour
from kamlab.i18n import t

__all__ = ["person_report_html"]

_PRINT_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC",
  "Microsoft YaHei", sans-serif; font-size: 10pt; color: #000; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 11pt; margin: 4mm 0 1.5mm; border-bottom: 1px solid #999; }
.meta { color: #333; margin-bottom: 2mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; }
td.n { text-align: center; white-space: nowrap; }
.notes { border: 1px solid #999; height: 28mm; margin-top: 1mm; }
.sign { display: flex; gap: 20mm; margin-top: 6mm; }
.sign div { border-top: 1px solid #000; flex: 1; padding-top: 1mm; font-size: 8.5pt; }
.small { font-size: 8pt; color: #333; }
@media print { .noprint { display: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def _cell(v: object, fmt: str = "") -> str:
    if v is None or pd.isna(v):
        return ""
    return format(v, fmt) if fmt else str(v)


def person_report_html(
    *,
    person: dict[str, Any],
    report: GapReport,
    history: Any,
    framework: Any,
    lang: str,
    generated: dt.datetime | None = None,
) -> str:
    """The one-page report as an HTML document (UTF-8 text).

    ``person`` is the roster row (``person_id, name, role_level, team, region_id``);
    ``history`` a :class:`~kamlab.apps.team_gaps.PersonHistory` or ``None``.
    """
    when = (generated or dt.datetime.now()).strftime("%Y-%m-%d")
    pid = str(person["person_id"])
    name = str(person.get("name") or pid)
    role = str(person.get("role_level") or "")
    try:
        role_txt = t(f"capability.role_{role}", lang=lang)
    except KeyError:
        role_txt = role
    ci = "–" if report.capability_index is None else f"{report.capability_index:.0%}"
    disp = report.display(lang)
    sm = report.summary
    heads = [
        t("capability.col_competency", lang=lang),
        t("capability.col_target", lang=lang),
        t("capability.col_level", lang=lang),
        t("capability.col_gap", lang=lang),
        t("apps.col_mastery", lang=lang),
        t("capability.col_failed_items", lang=lang),
        t("capability.col_recommended_modules", lang=lang),
        t("capability.col_development_action", lang=lang),
    ]
    rows = []
    for i, r in enumerate(sm.itertuples(index=False)):
        gap = r.gap
        colour = gap_colour(None if pd.isna(gap) else int(gap))
        if pd.isna(r.level):
            colour = GAP_COLOURS["not_assessed"]
        mastery = " ".join(
            f"L{k}:{float(getattr(r, f'M_L{k}')):.0%}"
            for k in (1, 2, 3, 4)
            if not pd.isna(getattr(r, f"M_L{k}"))
        )
        rows.append(
            "<tr>"
            f"<td>{esc(r.competency_id)} {esc(disp.iloc[i, 0])}</td>"
            f'<td class="n">{_cell(r.target_capped)}</td>'
            f'<td class="n" style="background:{colour}">'
            f"{esc(_cell(r.level) or t('capability.not_assessed_short', lang=lang))}</td>"
            f'<td class="n">{_cell(gap)}</td>'
            f"<td>{esc(mastery)}</td>"
            f"<td>{esc(str(r.failed_items or ''))}</td>"
            f"<td>{esc(str(r.recommended_modules or ''))}</td>"
            f"<td>{esc(str(disp.iloc[i, 10]))}</td>"
            "</tr>"
        )
    gap_table = (
        "<table><thead><tr>"
        + "".join(f"<th>{esc(h)}</th>" for h in heads)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    hist_html = ""
    if history is not None and len(history.levels):
        runs = history.levels.index.tolist()
        labels = [
            f"#{r} " + ("" if pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d"))
            for r, d in zip(runs, history.as_of, strict=True)
        ]
        comps = list(history.levels.columns)
        head = "<th>#</th>" + "".join(f"<th>{esc(c)}</th>" for c in comps)
        trs = [
            f"<tr><td>{esc(lab)}</td>"
            + "".join(f'<td class="n">{_cell(history.levels.loc[r, c])}</td>' for c in comps)
            + "</tr>"
            for r, lab in zip(runs, labels, strict=True)
        ]
        body = "".join(trs[-6:])  # keep the page to one sheet: the latest six runs
        chart = line_chart_svg(
            labels[-6:],
            [None if pd.isna(v) else float(v) for v in history.index.tolist()[-6:]],
            width=420,
            height=120,
            colour="#0072B2",
            title=t("capability.capability_index", lang=lang),
        )
        hist_html = (
            f"<h2>{esc(t('apps.over_time_title', lang=lang))}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{chart}"
        )
    failed = report.failed_items
    failed_html = ""
    if len(failed):
        items = ", ".join(
            f"{r.item_id} ({r.module}, L{_cell(r.level)}: {float(r.score):g}/{float(r.max_score):g})"
            for r in failed.itertuples(index=False)
        )
        failed_html = (
            f"<h2>{esc(t('capability.col_failed_items', lang=lang))}</h2>"
            f'<div class="small">{esc(items)}</div>'
        )
    legend = " · ".join(
        [
            t("apps.legend_at_target", lang=lang),
            t("apps.legend_gap", lang=lang, n=1),
            t("apps.legend_gap", lang=lang, n=2),
            t("apps.legend_gap3", lang=lang),
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{esc(t('apps.report_title', lang=lang))} — {esc(name)}</title>"
        f"<style>{_PRINT_CSS}</style></head><body>"
        f"<h1>{esc(t('apps.report_title', lang=lang))}: {esc(name)}</h1>"
        f'<div class="meta">{esc(pid)} · {esc(role_txt)} ({esc(role)}) · '
        f"{esc(str(person.get('team') or ''))} · {esc(str(person.get('region_id') or ''))} · "
        f"{esc(t('capability.capability_index', lang=lang))}: {ci} · "
        f"{esc(t('apps.report_date', lang=lang))}: {when}</div>"
        f"<h2>{esc(t('capability.gap_report_title', lang=lang))}</h2>{gap_table}"
        f'<div class="small">{esc(legend)}. {esc(t("apps.report_levels_note", lang=lang))}</div>'
        f"{failed_html}{hist_html}"
        f"<h2>{esc(t('apps.report_agreed', lang=lang))}</h2><div class='notes'></div>"
        f'<div class="sign"><div>{esc(t("apps.report_sign_person", lang=lang))}</div>'
        f"<div>{esc(t('apps.report_sign_manager', lang=lang))}</div>"
        f"<div>{esc(t('apps.report_date', lang=lang))}</div></div>"
        f'<p class="small noprint">{esc(t("apps.report_print_hint", lang=lang))}</p>'
        "</body></html>\n"
    )
