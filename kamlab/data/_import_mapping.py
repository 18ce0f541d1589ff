"""The mapping file ``kamlab-mapping.toml``: which source file and column feeds which table.

See ``docs/IMPORT.md`` for the format with a complete example. This module reads the TOML,
checks it against the schemas (unknown tables, columns and keys are typos the user must hear
about) and returns plain dataclasses. Problems are returned as ``(table, message key, params)``
triples so the importer can turn them into :class:`~kamlab.data.validate.Problem` sentences.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamlab.data.schemas import SCHEMAS

__all__ = [
    "MAPPING_FILE",
    "CalendarSpec",
    "ColumnSource",
    "Mapping",
    "TableSpec",
    "read_mapping",
]

MAPPING_FILE = "kamlab-mapping.toml"

#: inline-table kinds of a column source: {date = "…"}, {units = "…"}, {cases = "…"}, {days = "…"}
SOURCE_KINDS = ("column", "date", "units", "cases", "days")
_TABLE_KEYS = {
    "file",
    "sheet",
    "encoding",
    "header_row",
    "delimiter",
    "date_format",
    "aggregate",
    "columns",
    "constants",
    "values",
}
_CALENDAR_KEYS = {
    "type",
    "start",
    "end",
    "years",
    "first_month",
    "file",
    "sheet",
    "encoding",
    "header_row",
    "delimiter",
    "date_format",
    "columns",
}
_CALENDAR_COLUMNS = {"week_start", "period_start", "period_end", "fiscal_year", "fiscal_period"}
_TOP_KEYS = {"import", "calendar", "tables"}


@dataclass(frozen=True)
class ColumnSource:
    """Where one kamlab column comes from: a source column, read as ``kind``.

    ``kind`` is ``"column"`` (the value as is), ``"date"`` (a date, turned into the week id or
    period of the calendar), ``"units"`` (consumer units, divided by the SKU's
    ``units_per_case`` into cases), ``"cases"`` (cases, multiplied into units) or ``"days"``
    (a number of days, whole weeks = days // 7).
    """

    source: str
    kind: str = "column"


@dataclass
class TableSpec:
    """The mapping of one kamlab table."""

    name: str
    file: str
    sheet: str | None = None
    encoding: str | None = None
    header_row: int = 1
    delimiter: str | None = None
    date_format: str | None = None
    aggregate: bool = False
    columns: dict[str, ColumnSource] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class CalendarSpec:
    """``type`` is ``"4-4-5"``, ``"months"`` or ``"file"``; the rest as in docs/IMPORT.md."""

    type: str = "4-4-5"
    start: str | None = None
    end: str | None = None
    years: int | None = None
    first_month: int = 1
    table: TableSpec | None = None  # for type = "file": the calendar file and its columns


@dataclass
class Mapping:
    """The whole mapping file."""

    path: Path
    calendar: CalendarSpec
    tables: dict[str, TableSpec]
    info: dict[str, Any]


Issue = tuple[str, str, dict[str, Any]]  # (table or "", message key, params)


def _column_source(table: str, column: str, value: Any, issues: list[Issue]) -> ColumnSource | None:
    if isinstance(value, str):
        return ColumnSource(value, "column")
    if isinstance(value, dict) and len(value) == 1:
        ((kind, source),) = value.items()
        if kind in SOURCE_KINDS[1:] and isinstance(source, str):
            return ColumnSource(source, kind)
    issues.append((table, "map_bad_source", {"column": column, "value": repr(value)}))
    return None


def _table_spec(
    name: str, raw: Any, issues: list[Issue], *, calendar: bool = False
) -> TableSpec | None:
    where = "calendar" if calendar else f"tables.{name}"
    if not isinstance(raw, dict):
        issues.append((name, "map_not_a_section", {"section": where}))
        return None
    allowed = _CALENDAR_KEYS if calendar else _TABLE_KEYS
    for key in raw:
        if key not in allowed:
            issues.append(
                (
                    name,
                    "map_unknown_key",
                    {"section": where, "key": key, "allowed": ", ".join(sorted(allowed))},
                )
            )
    file = raw.get("file")
    if not isinstance(file, str) or not file:
        issues.append((name, "map_no_file", {"section": where}))
        return None
    spec = TableSpec(name=name, file=file)
    for key in ("sheet", "encoding", "delimiter", "date_format"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            issues.append(
                (name, "map_bad_value", {"section": where, "key": key, "expected": "text"})
            )
        elif value is not None:
            setattr(spec, key, value)
    header = raw.get("header_row", 1)
    if not isinstance(header, int) or header < 1:
        issues.append(
            (
                name,
                "map_bad_value",
                {"section": where, "key": "header_row", "expected": "a row number ≥ 1"},
            )
        )
    else:
        spec.header_row = header
    aggregate = raw.get("aggregate", False)
    if not isinstance(aggregate, bool):
        issues.append(
            (
                name,
                "map_bad_value",
                {"section": where, "key": "aggregate", "expected": "true or false"},
            )
        )
    else:
        spec.aggregate = aggregate

    known = _CALENDAR_COLUMNS if calendar else set(SCHEMAS[name].column_names)
    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        issues.append((name, "map_not_a_section", {"section": f"{where}.columns"}))
        columns = {}
    for column, value in columns.items():
        if column not in known:
            issues.append(
                (
                    name,
                    "map_unknown_column",
                    {
                        "section": f"{where}.columns",
                        "column": column,
                        "known": ", ".join(sorted(known)),
                    },
                )
            )
            continue
        src = _column_source(name, column, value, issues)
        if src is not None:
            spec.columns[column] = src
    constants = raw.get("constants", {})
    if not isinstance(constants, dict):
        issues.append((name, "map_not_a_section", {"section": f"{where}.constants"}))
        constants = {}
    for column, value in constants.items():
        if column not in known:
            issues.append(
                (
                    name,
                    "map_unknown_column",
                    {
                        "section": f"{where}.constants",
                        "column": column,
                        "known": ", ".join(sorted(known)),
                    },
                )
            )
        elif column in spec.columns:
            issues.append((name, "map_both", {"section": where, "column": column}))
        else:
            spec.constants[column] = value
    values = raw.get("values", {})
    if not isinstance(values, dict):
        issues.append((name, "map_not_a_section", {"section": f"{where}.values"}))
        values = {}
    for column, table in values.items():
        if column not in known:
            issues.append(
                (
                    name,
                    "map_unknown_column",
                    {
                        "section": f"{where}.values",
                        "column": column,
                        "known": ", ".join(sorted(known)),
                    },
                )
            )
        elif not isinstance(table, dict):
            issues.append((name, "map_not_a_section", {"section": f"{where}.values.{column}"}))
        else:
            spec.values[column] = {str(k).strip(): v for k, v in table.items()}
    return spec


def read_mapping(path: Path) -> tuple[Mapping | None, list[Issue]]:
    """Read and check the mapping file; ``(None, issues)`` when it cannot be used at all."""
    issues: list[Issue] = []
    if not path.is_file():
        return None, [("", "map_missing", {"name": path.name})]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return None, [("", "map_not_utf8", {})]
    except tomllib.TOMLDecodeError as exc:
        return None, [("", "map_syntax", {"error": str(exc)})]
    for key in raw:
        if key not in _TOP_KEYS:
            issues.append(("", "map_unknown_top", {"key": key}))
    info = raw.get("import", {}) if isinstance(raw.get("import"), dict) else {}

    cal_raw = raw.get("calendar", {"type": "4-4-5"})
    calendar = CalendarSpec()
    if not isinstance(cal_raw, dict):
        issues.append(("calendar", "map_not_a_section", {"section": "calendar"}))
    else:
        ctype = str(cal_raw.get("type", "4-4-5"))
        if ctype not in ("4-4-5", "months", "file"):
            issues.append(("calendar", "map_calendar_type", {"type": ctype}))
        calendar.type = ctype
        for key in ("start", "end"):
            value = cal_raw.get(key)
            if value is not None:
                setattr(calendar, key, str(value))
        years = cal_raw.get("years")
        if years is not None:
            if not isinstance(years, int) or years < 1:
                issues.append(
                    (
                        "calendar",
                        "map_bad_value",
                        {"section": "calendar", "key": "years", "expected": "a whole number ≥ 1"},
                    )
                )
            else:
                calendar.years = years
        first_month = cal_raw.get("first_month", 1)
        if not isinstance(first_month, int) or not 1 <= first_month <= 12:
            issues.append(
                (
                    "calendar",
                    "map_bad_value",
                    {
                        "section": "calendar",
                        "key": "first_month",
                        "expected": "a month number 1–12",
                    },
                )
            )
        else:
            calendar.first_month = first_month
        if ctype == "file":
            calendar.table = _table_spec("calendar", cal_raw, issues, calendar=True)
        else:
            for key in cal_raw:
                if key not in _CALENDAR_KEYS:
                    issues.append(
                        (
                            "calendar",
                            "map_unknown_key",
                            {
                                "section": "calendar",
                                "key": key,
                                "allowed": ", ".join(sorted(_CALENDAR_KEYS)),
                            },
                        )
                    )

    tables: dict[str, TableSpec] = {}
    raw_tables = raw.get("tables", {})
    if not isinstance(raw_tables, dict):
        issues.append(("", "map_not_a_section", {"section": "tables"}))
        raw_tables = {}
    for name, section in raw_tables.items():
        if name == "calendar":
            issues.append(("calendar", "map_calendar_in_tables", {}))
            continue
        if name not in SCHEMAS or SCHEMAS[name].layer != "public":
            public = sorted(
                n for n, s in SCHEMAS.items() if s.layer == "public" and n != "calendar"
            )
            issues.append((name, "map_unknown_table", {"table": name, "known": ", ".join(public)}))
            continue
        spec = _table_spec(name, section, issues)
        if spec is not None:
            tables[name] = spec
    return Mapping(path=path, calendar=calendar, tables=tables, info=info), issues
