"""Self-checks: verdicts, hints, and the local progress record."""

from __future__ import annotations

from kamlab.learn import checks, progress


def _register() -> None:
    @checks.exercise("T0-E1", module="T0", hints=("common.yes", "common.no"))
    def _t0(answer: float, world: object) -> tuple[bool, str]:
        return checks.close(answer, 0.25, atol=0.001)


def test_pass_is_recorded_and_progress_counts_it() -> None:
    _register()
    assert not checks.check("T0-E1", 0.3, world=object())
    assert "T0-E1" not in progress.passed()
    res = checks.check("T0-E1", 0.2504, world=object())
    assert res.passed and "✓" in res._repr_html_()
    assert "T0-E1" in progress.passed()
    table = progress.progress_table().set_index("module")
    assert table.loc["T0", "passed"] == 1 and table.loc["T0", "done"] == 1.0


def test_miss_shows_first_hint_then_hint_cycles() -> None:
    _register()
    res = checks.check("T0-E1", "not a number", world=object())
    assert not res.passed and res.hint == "yes"
    assert "not a number" in res.message
    assert checks.hint("T0-E1") == "no"
    assert checks.hint("T0-E1") == "yes"


def test_close_tolerances_and_shapes() -> None:
    assert checks.close([1.0, 2.0], [1.0, 2.0005], atol=0.001)[0]
    assert not checks.close([1.0], [1.0, 2.0])[0]
    assert checks.close(101.0, 100.0, rtol=0.01)[0]
