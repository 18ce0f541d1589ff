"""Shared chart helpers: one look for every panel, colour-blind-safe colours, money axes.

Charts are plotly ``FigureWidget``s, updated in place (``batch_update``) so a control change
redraws in milliseconds. Colours come from the Okabe–Ito palette, which stays distinguishable
under the common colour-vision deficiencies; every RAG or gap colour is shown with its number
or label as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from kamlab.i18n import money_axis_title, scale_money

__all__ = [
    "GAP_COLOURS",
    "PALETTE",
    "RAG_COLOURS",
    "figure",
    "money_values",
    "rag_colour",
    "waterfall",
]

# Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple
PALETTE = ["#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#CC79A7", "#000000"]
RAG_COLOURS = {"green": "#0072B2", "amber": "#E69F00", "red": "#D55E00"}
# gap to target: ≤0 (at/above target) … 3+ levels below; sequential blue → vermillion, CVD-safe
GAP_COLOURS = ["#0072B2", "#F0E442", "#E69F00", "#D55E00"]


def rag_colour(rag: str) -> str:
    """The colour of a RAG status (``green``/``amber``/``red``; anything else grey)."""
    return RAG_COLOURS.get(str(rag).lower(), "#999999")


def figure(height: int = 360, title: str = "", **layout: object) -> go.FigureWidget:
    """An empty FigureWidget with kamlab's layout defaults."""
    fig = go.FigureWidget()
    fig.update_layout(
        height=height,
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        margin={"l": 60, "r": 20, "t": 48, "b": 40},
        template="plotly_white",
        colorway=PALETTE,
        legend={"orientation": "h", "y": -0.15},
        **layout,
    )
    return fig


def waterfall(**trace: object) -> go.Waterfall:
    """A waterfall trace in one look: rises green, falls vermillion, levels (totals) blue."""
    return go.Waterfall(
        connector={"line": {"color": "#8c959f", "width": 1}},
        increasing={"marker": {"color": PALETTE[3]}},
        decreasing={"marker": {"color": PALETTE[5]}},
        totals={"marker": {"color": PALETTE[0]}},
        textposition="outside",
        cliponaxis=False,
        **trace,
    )


def money_values(values: Sequence[float]) -> list[float]:
    """Scale RMB amounts to the current money unit (元 or 万元) for plotting."""
    return [scale_money(float(v)) for v in values]


def money_axis(fig: go.FigureWidget, axis: str = "yaxis") -> None:
    """Title a money axis in the current unit."""
    fig.layout[axis].title = money_axis_title()
