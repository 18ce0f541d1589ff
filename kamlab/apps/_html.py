"""Small HTML pieces shared by the apps: styles, alerts, download links, inline SVG charts.

Everything is plain HTML/SVG strings with inline styles — no external asset, no JavaScript —
so an app renders fast in Voila, prints, and works with no network.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kamlab.capability.heatmap import GAP_COLOURS

__all__ = [
    "APP_CSS",
    "alert",
    "bar_chart_svg",
    "data_link",
    "esc",
    "line_chart_svg",
    "table",
]

esc = html.escape

#: Styles of both apps (one <style> element at the top of each app); the heatmap's cell classes
#: g0 (at target), g1, g2, g3 (levels below) and na take the colour-blind-safe GAP_COLOURS.
APP_CSS = """
<style>
.kamlab-app {{ font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC",
  "Microsoft YaHei", sans-serif; font-size: 13px; color: #1f2328; }}
.kamlab-app h2 {{ margin: 4px 0; font-size: 20px; }}
.kamlab-app h3 {{ margin: 10px 0 4px; font-size: 15px; }}
.kamlab-alert {{ border-left: 4px solid #E69F00; background: #fff8e6; padding: 6px 10px;
  margin: 4px 0; border-radius: 3px; }}
.kamlab-alert.kamlab-error {{ border-left-color: #D55E00; background: #fdecea; }}
.kamlab-note {{ color: #57606a; font-size: 12px; }}
table.kamlab-t {{ border-collapse: collapse; font-size: 12.5px; margin: 4px 0; }}
table.kamlab-t th, table.kamlab-t td {{ padding: 3px 7px; border-bottom: 1px solid #eaeef2;
  text-align: right; vertical-align: top; }}
table.kamlab-t th.l, table.kamlab-t td.l {{ text-align: left; }}
table.kamlab-t thead th {{ background: #f6f8fa; position: sticky; top: 0; }}
table.kamlab-heatmap td.l {{ white-space: nowrap; }}
.kamlab-app .lm-TabBar-tab {{ min-width: 150px; }}
table.kamlab-heatmap td.g0, table.kamlab-heatmap td.g1, table.kamlab-heatmap td.g2,
table.kamlab-heatmap td.g3, table.kamlab-heatmap td.na {{ text-align: center; min-width: 46px;
  font-variant-numeric: tabular-nums; color: #000; border: 1px solid #fff; }}
table.kamlab-heatmap td.g0 {{ background: {at_target}; }}
table.kamlab-heatmap td.g1 {{ background: {gap_1}; }}
table.kamlab-heatmap td.g2 {{ background: {gap_2}; }}
table.kamlab-heatmap td.g3 {{ background: {gap_3}; }}
table.kamlab-heatmap td.na {{ background: {not_assessed}; }}
table.kamlab-heatmap tr.kamlab-team th {{ text-align: left; background: #eef1f4; }}
table.kamlab-heatmap tfoot th, table.kamlab-heatmap tfoot td {{ background: #f6f8fa;
  font-weight: 600; }}
.kamlab-swatch {{ display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px;
  color: #000; font-size: 12px; }}
a.kamlab-download {{ display: inline-block; padding: 4px 10px; border: 1px solid #0072B2;
  border-radius: 4px; color: #0072B2; text-decoration: none; margin: 4px 6px 4px 0; }}
table.kamlab-ninebox td {{ width: 210px; height: 86px; border: 1px solid #d0d7de;
  vertical-align: top; text-align: left; padding: 4px 6px; }}
</style>
""".format(**GAP_COLOURS)


def alert(messages: Sequence[str], *, error: bool = False) -> str:
    """An alert box (``role="alert"``) listing ``messages``; empty string when there are none."""
    msgs = [m for m in messages if m]
    if not msgs:
        return ""
    cls = "kamlab-alert kamlab-error" if error else "kamlab-alert"
    body = "<br>".join(esc(m).replace("\n", "<br>") for m in msgs)
    return f'<div class="{cls}" role="alert">{body}</div>'


def data_link(data: bytes, filename: str, mime: str, label: str, css_id: str = "") -> str:
    """A download link carrying ``data`` inline (a ``data:`` URL: nothing leaves the machine)."""
    b64 = base64.b64encode(data).decode("ascii")
    ident = f' id="{esc(css_id)}"' if css_id else ""
    return (
        f'<a class="kamlab-download"{ident} download="{esc(filename)}" '
        f'href="data:{mime};base64,{b64}">⬇ {esc(label)}</a>'
    )


def table(
    df: pd.DataFrame,
    *,
    formats: dict[str, str] | None = None,
    left: Sequence[str] = (),
    css: str = "kamlab-t",
    row_attr: str | None = None,
) -> str:
    """A DataFrame as a compact HTML table; ``formats`` maps column → format spec, ``left`` are
    left-aligned columns, ``row_attr`` a column whose value goes into ``data-key`` of each row."""
    formats = formats or {}
    cols = [c for c in df.columns if c != row_attr]
    head = "".join(f'<th class="{"l" if c in left else ""}">{esc(str(c))}</th>' for c in cols)
    out = [f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>']
    for rec in df.itertuples(index=False, name=None):
        row = dict(zip(df.columns, rec, strict=True))
        attr = f' data-key="{esc(str(row[row_attr]))}"' if row_attr else ""
        cells = []
        for c in cols:
            v = row[c]
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                txt = ""
            elif c in formats:
                txt = format(v, formats[c])
            elif isinstance(v, float | np.floating):
                txt = format(float(v), "g")
            else:
                txt = str(v)
            cells.append(f'<td class="{"l" if c in left else ""}">{esc(txt)}</td>')
        out.append(f"<tr{attr}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 360,
    height: int = 150,
    colour: str = "#0072B2",
    title: str = "",
) -> str:
    """A small vertical bar chart (counts) with the value written above each bar."""
    n = max(1, len(values))
    top = max([*values, 1])
    pad_l, pad_b, pad_t = 6, 28, 18
    bw = (width - pad_l * 2) / n
    h = height - pad_b - pad_t
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(title)}">'
    ]
    if title:
        parts.append(
            f'<text x="{pad_l}" y="12" font-size="12" font-weight="600">{esc(title)}</text>'
        )
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        bh = 0 if top == 0 else h * float(v) / top
        x = pad_l + i * bw
        y = pad_t + h - bh
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{bh:.1f}" '
            f'fill="{colour}"><title>{esc(str(lab))}: {v:g}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{y - 2:.1f}" font-size="10" text-anchor="middle">'
            f"{v:g}</text>"
        )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{height - pad_b + 12:.1f}" font-size="9" '
            f'text-anchor="middle">{esc(str(lab))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 420,
    height: int = 160,
    ymax: float = 1.0,
    colour: str = "#0072B2",
    title: str = "",
    fmt: str = ".0%",
) -> str:
    """A small line chart with a labelled point per value (e.g. capability index per run)."""
    n = len(values)
    pad_l, pad_r, pad_b, pad_t = 34, 16, 30, 20
    w = width - pad_l - pad_r
    h = height - pad_b - pad_t
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(title)}">'
    ]
    if title:
        parts.append(f'<text x="4" y="13" font-size="12" font-weight="600">{esc(title)}</text>')
    for frac in (0, 0.5, 1):
        y = pad_t + h * (1 - frac)
        parts.append(
            f'<line x1="{pad_l}" x2="{pad_l + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
            f'<text x="{pad_l - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">'
            f"{format(frac * ymax, fmt)}</text>"
        )
    pts = []
    for i, v in enumerate(values):
        x = pad_l + (w * i / (n - 1) if n > 1 else w / 2)
        vv = 0.0 if v is None or pd.isna(v) else float(v)
        y = pad_t + h * (1 - min(max(vv / ymax, 0.0), 1.0))
        pts.append((x, y, v, labels[i]))
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for x, y, v, lab in pts:
        txt = "" if v is None or pd.isna(v) else format(float(v), fmt)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
            f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" text-anchor="middle">{txt}</text>'
            f'<text x="{x:.1f}" y="{height - pad_b + 14:.1f}" font-size="9" '
            f'text-anchor="middle">{esc(str(lab))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
