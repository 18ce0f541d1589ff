"""Small formatters the panels share: percentages, signed money, an HTML table and a note.

>>> pct(0.1234), pct(0.5, 0), pct(float("nan")), pct(None)
('12.3%', '50%', '–', '–')
>>> signed_money(0.4)
'±0'
>>> html_table(["a", "b"], [["1", "<2>"]])
"<table class='kamlab-table'><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>&lt;2&gt;</td></tr></table>"
>>> html_note("x & y")
"<div style='font-size:12px;color:#57606a;margin-top:4px'>x &amp; y</div>"
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from kamlab.i18n import money

__all__ = ["GREY", "html_note", "html_table", "pct", "signed_money"]

#: the grey of notes and reference lines
GREY = "#57606a"


def pct(x: float | None, digits: int = 1) -> str:
    """``x`` (a fraction) as a percentage with ``digits`` decimals; ``–`` for None or NaN."""
    return "–" if x is None or x != x else f"{x * 100:.{digits}f}%"


def signed_money(x: float) -> str:
    """A money change with its sign (``+``/``−``); ``±0`` under half a yuan."""
    if abs(x) < 0.5:
        return "±0"
    return ("+" if x > 0 else "−") + money(abs(x))


def html_table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A ``kamlab-table`` with the header ``head`` and the (escaped) cells of ``rows``."""
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    b = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table class='kamlab-table'><tr>{h}</tr>{b}</table>"


def html_note(text: str) -> str:
    """A small grey note under a chart or table (escaped)."""
    return f"<div style='font-size:12px;color:{GREY};margin-top:4px'>{html.escape(text)}</div>"
