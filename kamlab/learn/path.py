"""The learning path: what each module teaches, how long it takes, what it assumes.

``00_start_here.ipynb`` shows it with the trainee's progress (:func:`path_html`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from kamlab.i18n import t
from kamlab.learn.progress import progress_table

__all__ = ["MODULES", "Module", "learning_path", "path_html"]


@dataclass(frozen=True)
class Module:
    """One curriculum module."""

    module: str
    notebook: str
    hours: float
    assumes: tuple[str, ...]
    assessment: str

    @property
    def title(self) -> str:
        return t(f"learn.title_{self.module.lower()}")

    @property
    def teaches(self) -> str:
        return t(f"learn.teaches_{self.module.lower()}")


MODULES: tuple[Module, ...] = (
    Module("M1", "M1_kpi_foundations.ipynb", 2.0, (), "M1"),
    Module("M2", "M2_customer_planning_jbp.ipynb", 2.5, ("M1",), "M2"),
    Module("M3", "M3_annual_agreements.ipynb", 2.0, ("M1",), "M3"),
    Module("M4", "M4_business_reviews.ipynb", 2.5, ("M1",), "M4"),
    Module("M5", "M5_trade_investment_and_promo_roi.ipynb", 2.5, ("M1", "M3"), "M5"),
    Module("M6", "M6_sales_quality_and_channel_health.ipynb", 2.5, ("M1", "M4"), "M6"),
    Module("M7", "M7_org_development.ipynb", 2.0, ("M1",), "M7"),
    Module("M8", "M8_capstone_turnaround.ipynb", 3.0, ("M1", "M2", "M3", "M4", "M5", "M6"), "M8"),
)


def learning_path() -> pd.DataFrame:
    """The modules with what they teach, hours, prerequisites and the trainee's progress."""
    prog = progress_table().set_index("module")
    rows = []
    for m in MODULES:
        done = prog["done"].get(m.module, 0.0) if not prog.empty else 0.0
        passed = int(prog["passed"].get(m.module, 0)) if not prog.empty else 0
        total = int(prog["exercises"].get(m.module, 0)) if not prog.empty else 0
        rows.append(
            {
                "module": m.module,
                "title": m.title,
                "teaches": m.teaches,
                "hours": m.hours,
                "assumes": ", ".join(m.assumes) or "—",
                "notebook": m.notebook,
                "assessment": m.assessment,
                "exercises_passed": passed,
                "exercises": total,
                "done": float(done),
            }
        )
    return pd.DataFrame(rows)


def path_html() -> str:
    """The learning path as an HTML table with a progress bar per module."""
    df = learning_path()
    head = "".join(
        f"<th>{html.escape(t(k))}</th>"
        for k in ("learn.module", "learn.what", "learn.hours", "learn.assumes", "learn.progress")
    )
    body = []
    for r in df.itertuples():
        pct = round(100 * r.done)
        bar = (
            f"<div style='background:#eaeef2;width:140px;height:12px;display:inline-block'>"
            f"<div style='background:#0072B2;width:{pct}%;height:12px'></div></div> "
            f"{r.exercises_passed}/{r.exercises}"
        )
        link = f"<a href='{html.escape(r.notebook)}'>{html.escape(r.module)} · {html.escape(r.title)}</a>"
        body.append(
            f"<tr><td style='text-align:left'>{link}</td><td style='text-align:left'>"
            f"{html.escape(r.teaches)}</td><td>{r.hours:g}</td><td>{html.escape(r.assumes)}</td>"
            f"<td style='text-align:left'>{bar}</td></tr>"
        )
    return f"<table class='kamlab-table'><tr>{head}</tr>{''.join(body)}</table>"
