"""The one message catalogue: every user-facing string of widgets, apps and CLI messages.

Messages live in ``kamlab/i18n/messages/<area>.json``, one file per area of the product (``cli``,
``common``, ``m1`` ...). Each file maps a key to its English and Simplified Chinese text::

    {"opening": {"en": "Opening JupyterLab on {path}", "zh": "正在打开 JupyterLab：{path}"}}

and the message is addressed as ``"<area>.<key>"``, e.g. ``t("cli.opening", path=...)``.
Both languages are required for every key (a test checks it, placeholders included).

The language is chosen per trainee: :func:`set_language` (saved in the trainee's settings),
else the ``KAMLAB_LANG`` environment variable, else English. Money can be shown in 元 (yuan) or
万元 (ten-thousands of yuan): :func:`set_money_unit`, :func:`money`.

>>> t("common.yes", lang="zh")
'是'
>>> money(1234567.8, unit="wan", lang="en")
'123.46 万元'
>>> money(1234567.8, unit="yuan", lang="en")
'¥1,234,568'
"""

from __future__ import annotations

import json
import os
import string
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = [
    "LANGUAGES",
    "MONEY_UNITS",
    "catalogue",
    "get_language",
    "get_money_unit",
    "money",
    "set_language",
    "set_money_unit",
    "t",
]

Language = Literal["en", "zh"]
MoneyUnit = Literal["yuan", "wan"]
LANGUAGES: tuple[str, ...] = ("en", "zh")
MONEY_UNITS: tuple[str, ...] = ("yuan", "wan")

_MESSAGES_DIR = Path(__file__).parent / "messages"
_state: dict[str, str] = {}


def _settings_path() -> Path:
    home = os.environ.get("KAMLAB_HOME")
    return (Path(home) if home else Path.home() / ".kamlab") / "settings.json"


def _read_settings() -> dict:
    try:
        return json.loads(_settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_setting(key: str, value: str) -> None:
    path = _settings_path()
    settings = _read_settings()
    settings[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:  # read-only home (a Voila server, say): keep the choice in memory only
        pass


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, keyed ``"<area>.<key>"`` → ``{"en": ..., "zh": ...}``."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(_MESSAGES_DIR.glob("*.json")):
        area = path.stem
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            out[f"{area}.{key}"] = texts
    return out


def _saved(key: str) -> str | None:
    """A saved setting, read from disk once per process (``t()`` is on every render path)."""
    cache_key = f"saved:{key}"
    if cache_key not in _state:
        _state[cache_key] = _read_settings().get(key) or ""
    return _state[cache_key] or None


def get_language() -> str:
    """The current language code (``"en"`` or ``"zh"``)."""
    lang = _state.get("lang") or os.environ.get("KAMLAB_LANG") or _saved("lang")
    return lang if lang in LANGUAGES else "en"


def set_language(lang: str, *, persist: bool = True) -> None:
    """Switch the language (``"en"`` or ``"zh"``); ``persist`` saves it in the trainee's settings."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}.")
    _state["lang"] = lang
    if persist:
        _write_setting("lang", lang)


def get_money_unit() -> str:
    """The current money unit: ``"yuan"`` (元) or ``"wan"`` (万元)."""
    unit = _state.get("money_unit") or _saved("money_unit")
    return unit if unit in MONEY_UNITS else "yuan"


def set_money_unit(unit: str, *, persist: bool = True) -> None:
    """Show money in ``"yuan"`` (元) or ``"wan"`` (万元, ten thousand yuan)."""
    if unit not in MONEY_UNITS:
        raise ValueError(f"money unit must be one of {', '.join(MONEY_UNITS)}; got {unit!r}.")
    _state["money_unit"] = unit
    if persist:
        _write_setting("money_unit", unit)


def t(key: str, /, lang: str | None = None, **values: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language), formatted with ``values``."""
    try:
        texts = catalogue()[key]
    except KeyError:
        raise KeyError(f"message {key!r} is not in the catalogue (kamlab/i18n/messages/)") from None
    text = texts.get(lang or get_language()) or texts["en"]
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message (used by the catalogue-completeness test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def money(amount: float, unit: str | None = None, lang: str | None = None, digits: int = 2) -> str:
    """Format an RMB amount in 元 or 万元.

    ``unit="yuan"`` gives ``¥1,234,568``; ``unit="wan"`` gives ``123.46 万元`` (1 万 = 10,000 元).
    """
    unit = unit or get_money_unit()
    if unit == "wan":
        return f"{amount / 10_000:,.{digits}f} 万元"
    return f"¥{amount:,.0f}"


def money_axis_title(lang: str | None = None, unit: str | None = None) -> str:
    """A chart axis suffix for money in the current unit."""
    unit = unit or get_money_unit()
    return t("common.unit_wan" if unit == "wan" else "common.unit_yuan", lang=lang)


def scale_money(amount: float, unit: str | None = None) -> float:
    """The number to plot for ``amount`` RMB in the current money unit."""
    return amount / 10_000 if (unit or get_money_unit()) == "wan" else amount
