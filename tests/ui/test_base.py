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
