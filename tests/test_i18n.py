"""The message catalogue is complete in English and Simplified Chinese."""

from __future__ import annotations

import pytest

from kamlab import i18n


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for key, texts in i18n.catalogue().items():
        missing = [lang for lang in i18n.LANGUAGES if not texts.get(lang)]
        if missing:
            problems.append(f"{key}: missing {missing}")
            continue
        if i18n.placeholders(texts["en"]) != i18n.placeholders(texts["zh"]):
            problems.append(f"{key}: placeholders differ between en and zh")
        extra = set(texts) - set(i18n.LANGUAGES)
        if extra:
            problems.append(f"{key}: unknown language(s) {sorted(extra)}")
    assert not problems, "\n".join(problems)


def test_language_switch_is_per_trainee_and_persisted() -> None:
    assert i18n.get_language() == "en"
    assert i18n.t("common.profit") == "Profit"
    i18n.set_language("zh")
    try:
        assert i18n.t("common.profit") == "利润"
        i18n._state.clear()  # a new session reads the saved setting
        assert i18n.get_language() == "zh"
    finally:
        i18n.set_language("en")


def test_money_units() -> None:
    assert i18n.money(1_234_567.8, unit="yuan") == "¥1,234,568"
    assert i18n.money(1_234_567.8, unit="wan") == "123.46 万元"
    assert i18n.scale_money(50_000, unit="wan") == 5.0


def test_bad_language_and_unknown_key_are_clear() -> None:
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("fr")
    with pytest.raises(KeyError, match="not in the catalogue"):
        i18n.t("nowhere.nothing")
