"""The scenario-panel base class: controls → pure model → chart, with the shared header.

Every curriculum panel is a pure model function in :mod:`kamlab.analysis` (tested on its own)
plus a thin view built on :class:`Panel`::

    @register("M1", "waterfall_explorer")
    class WaterfallExplorer(Panel):
        title_key = "m1.waterfall_title"

        def build(self) -> None:
            self.control("account", W.Dropdown(options=...), "common.account")
            self.fig = charts.figure()
            self.body = W.VBox([self.controls_box(), self.fig])

        def compute(self):                      # no formula here: call the model
            return waterfall_model(self.world, **self.values)

        def render(self, result) -> None:       # draw the result
            charts.update_waterfall(self.fig, result.steps)

Dependent controls: a panel whose parent control (the account) decides the options or values
of child controls (its SKUs, the levers' actual values) names the parents and resets the
children in :meth:`Panel.update_options`; a parent change then costs one model computation::

    parents = ("account",)

    def update_options(self, changed: str) -> None:   # called quietly, before compute
        skus = listed_skus(self.world, self.values["account"])
        self.controls["sku"].options = skus
        self.controls["sku"].value = skus[0]

Options whose labels are translated are listed in ``self.option_labels`` (control name → a
function giving its ``(label, value)`` options); a language switch re-applies them, keeping
the values.

The header carries the panel title, a language switch (English / 简体中文), the money unit
(元 / 万元) and a full-screen button that works in JupyterLab and in Voila. A ``ValueError``
raised by the model is shown as a message in the panel, never as a traceback.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, ClassVar

import ipywidgets as W
import pandas as pd

from kamlab import i18n
from kamlab.data.world import World, load_world
from kamlab.i18n import t

__all__ = [
    "PANELS",
    "Panel",
    "PanelInfo",
    "default_world",
    "panels_for",
    "register",
    "table_html",
]

_CSS = """
<style>
.kamlab-panel { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.kamlab-panel-header { border-bottom: 1px solid #eaeef2; margin-bottom: 6px; }
.kamlab-fullscreen { position: fixed !important; top: 0; left: 0; right: 0; bottom: 0;
  z-index: 10000; background: white; overflow: auto; padding: 16px; border-radius: 0;
  width: 100vw !important; height: 100vh !important; }
.kamlab-message { color: #8a4b00; background: #fff8e6; padding: 4px 8px; border-radius: 4px; }
table.kamlab-table { border-collapse: collapse; font-size: 13px; }
table.kamlab-table th, table.kamlab-table td { padding: 3px 8px; border-bottom: 1px solid #eaeef2;
  text-align: right; }
table.kamlab-table th:first-child, table.kamlab-table td:first-child { text-align: left; }
</style>
"""


@cache
def default_world() -> World:
    """The shipped default world, loaded once per process and shared by every panel."""
    return load_world()


class PanelInfo:
    """A registered panel: the module it belongs to, its name and its class."""

    def __init__(self, module: str, name: str, cls: type[Panel]) -> None:
        self.module, self.name, self.cls = module, name, cls

    def __repr__(self) -> str:
        return f"<panel {self.module}/{self.name}: {self.cls.__name__}>"


PANELS: dict[str, PanelInfo] = {}


def register(module: str, name: str) -> Callable[[type[Panel]], type[Panel]]:
    """Class decorator: list a panel in :data:`PANELS` (tests and benchmarks iterate over it)."""

    def deco(cls: type[Panel]) -> type[Panel]:
        PANELS[f"{module}/{name}"] = PanelInfo(module, name, cls)
        cls.panel_id = f"{module}/{name}"
        return cls

    return deco


def panels_for(module: str) -> list[PanelInfo]:
    """The registered panels of one curriculum module (``"M1"`` …)."""
    return [p for p in PANELS.values() if p.module == module]


class Panel:
    """Base class of a scenario panel. Subclasses implement ``build``, ``compute``, ``render``.

    Keyword arguments set controls' start values (a parent among them resets its children as
    a change would).
    """

    title_key: ClassVar[str] = ""
    panel_id: ClassVar[str] = ""
    #: controls whose change resets other controls through :meth:`update_options`
    parents: ClassVar[tuple[str, ...]] = ()

    def __init__(self, world: World | None = None, **initial: Any) -> None:
        self.world = world if world is not None else default_world()
        self.controls: dict[str, W.ValueWidget] = {}
        self._label_keys: dict[str, str] = {}
        #: control name → its (label, value) options in the current language (see relabel)
        self.option_labels: dict[str, Callable[[], list[Any]]] = {}
        self._quiet = False
        self.result: Any = None
        self.last_update_ms: float = 0.0
        self.body: W.Widget = W.VBox()
        self.message = W.HTML()
        self.build()
        for name, value in initial.items():
            self.controls[name].value = value
            if name in self.parents:
                self.update_options(name)
        self._header = self._make_header()
        self.widget = W.VBox([W.HTML(_CSS), self._header, self.message, self.body])
        self.widget.add_class("kamlab-panel")
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        self.refresh()

    # -- for subclasses ----------------------------------------------------------------------
    def build(self) -> None:
        """Create the controls (with :meth:`control`), the outputs, and set ``self.body``."""
        raise NotImplementedError

    def compute(self) -> Any:
        """Call the pure model with the current control values and return its result."""
        raise NotImplementedError

    def render(self, result: Any) -> None:
        """Draw ``result`` into the outputs created in :meth:`build`."""
        raise NotImplementedError

    def update_options(self, changed: str) -> None:
        """Reset the controls that depend on the parent control ``changed`` (see ``parents``).

        Called inside :meth:`quietly` before the model runs, so the whole change costs one
        computation; a ``ValueError`` here is shown as a message like a model's.
        """

    def control(self, name: str, widget: W.ValueWidget, label_key: str) -> W.ValueWidget:
        """Register a control under ``name`` with its catalogue label."""
        widget.description = t(label_key)
        widget.style = {"description_width": "initial"}
        self.controls[name] = widget
        self._label_keys[name] = label_key
        return widget

    def controls_box(self, *names: str, columns: int = 3) -> W.Widget:
        """A grid of the named controls (all by default)."""
        items = [self.controls[n] for n in (names or self.controls)]
        rows = [W.HBox(items[i : i + columns]) for i in range(0, len(items), columns)]
        return W.VBox(rows)

    # -- behaviour ---------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """Current control values by name."""
        return {name: w.value for name, w in self.controls.items()}

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Change controls without recomputing on each change (refresh once afterwards)."""
        before = self._quiet
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = before

    def refresh(self, changed: str | None = None) -> None:
        """Recompute the model and redraw; a model ``ValueError`` becomes a message.

        ``changed`` names a parent control that has just changed: its dependants are reset
        (:meth:`update_options`, quietly) first, inside the same timing and error handling.
        """
        start = time.perf_counter()
        try:
            if changed is not None:
                with self.quietly():
                    self.update_options(changed)
            result = self.compute()
        except ValueError as exc:
            self.message.value = f'<div class="kamlab-message">{html.escape(str(exc))}</div>'
            self.last_update_ms = (time.perf_counter() - start) * 1000
            return
        self.message.value = ""
        self.result = result
        self.render(result)
        self.last_update_ms = (time.perf_counter() - start) * 1000

    def _on_change(self, change: dict) -> None:
        if self._quiet:
            return
        owner = change.get("owner")
        parent = next((n for n in self.parents if self.controls.get(n) is owner), None)
        self.refresh(parent)

    def relabel(self) -> None:
        """Re-apply every label (and ``option_labels``) in the current language and redraw."""
        with self.quietly():
            for name, options in self.option_labels.items():
                w = self.controls[name]
                value = w.value
                w.options = options()
                w.value = value
        for name, key in self._label_keys.items():
            self.controls[name].description = t(key)
        self._title.value = f"<h3 style='margin:4px 0'>{html.escape(self.title)}</h3>"
        self._lang.description = t("common.language")
        self._money.description = t("common.money_unit")
        self._full.description = t("common.fullscreen")
        if self.result is not None:
            self.render(self.result)

    @property
    def title(self) -> str:
        return t(self.title_key) if self.title_key else type(self).__name__

    def _make_header(self) -> W.Widget:
        self._title = W.HTML(f"<h3 style='margin:4px 0'>{html.escape(self.title)}</h3>")
        self._lang = W.ToggleButtons(
            options=[("English", "en"), ("简体中文", "zh")],
            value=i18n.get_language(),
            description=t("common.language"),
            style={"button_width": "72px", "description_width": "initial"},
        )
        self._money = W.ToggleButtons(
            options=[("元", "yuan"), ("万元", "wan")],
            value=i18n.get_money_unit(),
            description=t("common.money_unit"),
            style={"button_width": "52px", "description_width": "initial"},
        )
        self._full = W.ToggleButton(value=False, description=t("common.fullscreen"), icon="expand")
        self._lang.observe(self._on_language, names="value")
        self._money.observe(self._on_money, names="value")
        self._full.observe(self._on_fullscreen, names="value")
        header = W.HBox([self._title, self._lang, self._money, self._full])
        header.layout.flex_flow = "row wrap"
        header.layout.justify_content = "space-between"
        header.add_class("kamlab-panel-header")
        return header

    def _on_language(self, change: dict) -> None:
        i18n.set_language(change["new"])
        self.relabel()

    def _on_money(self, change: dict) -> None:
        i18n.set_money_unit(change["new"])
        if self.result is not None:
            self.render(self.result)

    def _on_fullscreen(self, change: dict) -> None:
        if change["new"]:
            self.widget.add_class("kamlab-fullscreen")
            self._full.description = t("common.exit_fullscreen")
            self._full.icon = "compress"
        else:
            self.widget.remove_class("kamlab-fullscreen")
            self._full.description = t("common.fullscreen")
            self._full.icon = "expand"

    def _ipython_display_(self) -> None:  # pragma: no cover - exercised in notebooks
        from IPython.display import display

        display(self.widget)


def table_html(df: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = False) -> str:
    """Render a small DataFrame as a styled HTML table; ``formats`` maps column → format spec."""
    formats = formats or {}
    shown = df.copy()
    for col, spec in formats.items():
        if col in shown.columns:
            shown[col] = shown[col].map(lambda v, s=spec: "" if pd.isna(v) else format(v, s))
    return shown.to_html(index=index, classes="kamlab-table", border=0, escape=True, na_rep="")
