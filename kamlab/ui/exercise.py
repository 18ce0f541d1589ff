"""Drive a panel's controls without a kernel: used by the panel tests and benchmarks.

ipywidgets work in plain Python: setting ``.value`` fires the observers, so a panel can be
exercised control by control and its model output compared with the formula.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as W

__all__ = ["alternative_values", "exercise"]


def _options(widget: W.Widget) -> list[Any]:
    opts = list(widget.options)
    return [o[1] if isinstance(o, tuple) else o for o in opts]


def alternative_values(widget: W.ValueWidget, n: int = 3) -> list[Any]:
    """Up to ``n`` values different from the widget's current one, within its allowed range."""
    value = widget.value
    if isinstance(widget, (W.Dropdown, W.ToggleButtons, W.RadioButtons, W.Select)):
        return [o for o in _options(widget) if o != value][:n]
    if isinstance(widget, (W.SelectMultiple,)):
        opts = _options(widget)
        return [
            tuple(opts[: i + 1]) for i in range(min(n, len(opts))) if tuple(opts[: i + 1]) != value
        ]
    if isinstance(widget, (W.Checkbox, W.ToggleButton)):
        return [not value]
    if isinstance(widget, (W.IntRangeSlider, W.FloatRangeSlider, W.SelectionRangeSlider)):
        lo, hi = widget.min, widget.max
        span = hi - lo
        cands = [(lo, lo + span / 2), (lo + span / 4, hi), (lo, hi)]
        if isinstance(widget, W.IntRangeSlider):
            cands = [(int(a), int(b)) for a, b in cands]
        return [c for c in cands if tuple(c) != tuple(value)][:n]
    if hasattr(widget, "min") and hasattr(widget, "max"):
        lo, hi = widget.min, widget.max
        step = getattr(widget, "step", None) or (hi - lo) / 10
        cands = [lo, hi, lo + round((hi - lo) / 2 / step) * step]
        if isinstance(value, int) and not isinstance(value, bool):
            cands = [int(c) for c in cands]
        return [c for c in dict.fromkeys(cands) if c != value][:n]
    if isinstance(widget, W.Text):
        return []
    return []


def exercise(panel: Any, n: int = 3) -> Iterator[tuple[str, Any, float]]:
    """Change every control of ``panel`` to each alternative value; yield (name, value, ms)."""
    for name, widget in list(panel.controls.items()):
        original = widget.value
        for value in alternative_values(widget, n):
            widget.value = value
            yield name, value, panel.last_update_ms
        widget.value = original
