"""The Panel base: controls drive the model, errors become messages, header works."""

from __future__ import annotations

import ipywidgets as W

from kamlab import i18n
from kamlab.data.world import World
from kamlab.ui.base import Panel
from kamlab.ui.exercise import alternative_values, exercise


class _Doubler(Panel):
    title_key = "common.profit"

    def build(self) -> None:
        self.control("x", W.FloatSlider(value=1.0, min=-1.0, max=5.0, step=0.5), "common.share")
        self.out = W.HTML()
        self.body = W.VBox([self.controls_box(), self.out])

    def compute(self) -> float:
        if self.values["x"] < 0:
            raise ValueError("x must not be negative")
        return 2 * self.values["x"]

    def render(self, result: float) -> None:
        self.out.value = i18n.money(result * 10_000)


def _panel() -> _Doubler:
    return _Doubler(world=World(public={}))


def test_control_change_recomputes_with_the_formula() -> None:
    p = _panel()
    assert p.result == 2.0
    p.controls["x"].value = 3.5
    assert p.result == 7.0 and p.out.value == "¥70,000"


def test_model_error_is_a_message_not_a_traceback() -> None:
    p = _panel()
    p.controls["x"].value = -1.0
    assert "must not be negative" in p.message.value
    assert p.result == 2.0  # last good result kept
    p.controls["x"].value = 1.5
    assert p.message.value == "" and p.result == 3.0


def test_header_switches_language_money_and_fullscreen() -> None:
    p = _panel()
    p._lang.value = "zh"
    try:
        assert p.controls["x"].description == "份额"
        assert "利润" in p._title.value
    finally:
        p._lang.value = "en"
    p._money.value = "wan"
    try:
        assert p.out.value == "2.00 万元"
    finally:
        p._money.value = "yuan"
    p._full.value = True
    assert "kamlab-fullscreen" in p.widget._dom_classes
    p._full.value = False
    assert "kamlab-fullscreen" not in p.widget._dom_classes


def test_exercise_visits_alternative_values() -> None:
    p = _panel()
    seen = [v for _, v, _ in exercise(p)]
    assert seen == alternative_values(p.controls["x"]) and -1.0 in seen
    assert p.controls["x"].value == 1.0


_ITEMS = {"fruit": ["apple", "pear"], "veg": ["leek", "kale", "okra"], "none": []}


class _Picker(Panel):
    """A parent (group) decides the options of a child (item); ``computes`` counts model calls."""

    parents = ("group",)

    def build(self) -> None:
        self.computes = 0
        self.control("group", W.Dropdown(options=list(_ITEMS), value="fruit"), "common.share")
        self.control("item", W.Dropdown(options=_ITEMS["fruit"]), "common.sku")
        self.control("unit", W.ToggleButtons(options=self._unit_options()), "common.profit")
        self.option_labels["unit"] = self._unit_options
        self.body = self.controls_box()

    @staticmethod
    def _unit_options() -> list[tuple[str, str]]:
        return [(i18n.t("common.share"), "share"), (i18n.t("common.profit"), "profit")]

    def update_options(self, changed: str) -> None:
        items = _ITEMS[self.values["group"]]
        if not items:
            raise ValueError("the group has no items")
        self.controls["item"].options = items
        self.controls["item"].value = items[-1]

    def compute(self) -> tuple[str, str]:
        self.computes += 1
        v = self.values
        assert v["item"] in _ITEMS[v["group"]], "the model never sees a stale child"
        return v["group"], v["item"]

    def render(self, result: tuple[str, str]) -> None:
        pass


def test_a_parent_change_resets_the_child_and_computes_once() -> None:
    p = _Picker(world=World(public={}))
    assert p.computes == 1 and p.result == ("fruit", "apple")
    p.controls["group"].value = "veg"
    assert list(p.controls["item"].options) == ["leek", "kale", "okra"]
    assert p.result == ("veg", "okra") and p.computes == 2  # exactly one more computation
    p.controls["item"].value = "leek"  # a child change is an ordinary change
    assert p.result == ("veg", "leek") and p.computes == 3
    with p.quietly():  # changes without a computation (nor an options reset) until a refresh
        p.controls["item"].value = "kale"
        p.controls["item"].value = "okra"
    assert p.computes == 3
    p.refresh()
    assert p.result == ("veg", "okra") and p.computes == 4


def test_a_parent_given_at_start_resets_its_child_before_the_first_computation() -> None:
    p = _Picker(world=World(public={}), group="veg")
    assert p.result == ("veg", "okra") and p.computes == 1
    q = _Picker(world=World(public={}), group="veg", item="kale")  # then the child's own value
    assert q.result == ("veg", "kale")


def test_an_error_while_resetting_the_child_is_a_message() -> None:
    p = _Picker(world=World(public={}))
    p.controls["group"].value = "none"
    assert "has no items" in p.message.value
    assert p.result == ("fruit", "apple") and p.computes == 1  # last good result kept
    p.controls["group"].value = "veg"
    assert p.message.value == "" and p.result == ("veg", "okra")


def test_relabel_translates_options_keeping_the_value_without_computing() -> None:
    p = _Picker(world=World(public={}))
    p.controls["unit"].value = "profit"
    n = p.computes
    p._lang.value = "zh"
    try:
        assert p.controls["unit"].options == (("份额", "share"), ("利润", "profit"))
        assert p.controls["unit"].value == "profit" and p.computes == n
    finally:
        p._lang.value = "en"
    assert p.controls["unit"].options == (("Share", "share"), ("Profit", "profit"))
