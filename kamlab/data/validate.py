"""Check tables and whole worlds against the schemas and the invariants of SPEC §3.14.

Every problem is a :class:`Problem` whose ``str()`` is one sentence a user understands: which
table, which column, which row (by its primary key), what is wrong and, where it is obvious,
how to fix it. Problems of one kind in one column are capped (the first five rows are named,
then one line says how many more rows share the problem), so a broken 100k-row table still
gives a readable report.

>>> import pandas as pd
>>> from kamlab.data import conform
>>> regions = conform(pd.DataFrame({"region_id": ["R1", "R1"], "name_en": ["North", "N"],
...     "name_cn": ["华北", "华北"], "population_m": [100.0, -1.0],
...     "list_price_factor": [1.0, 1.0]}), "regions")
>>> for p in validate_table(regions, "regions", lang="en"):
...     print(p)
Table regions, row region_id=R1: the primary key (region_id=R1) appears 2 times; each key must be unique, so remove or add up the duplicate rows.
Table regions, column population_m, row region_id=R1: the value -1 is below the allowed minimum 0.

What :func:`validate_world` checks beyond each table's schema (only where the tables and
columns it needs exist and have numeric dtypes):

- ``customer_inventory``: ``closing = opening + receipts − sell_out`` and the age buckets sum to
  ``closing`` (tolerance ``1e-6 × max(1, |largest term|)``); ``opening_t = closing_{t−1}`` for
  consecutive weeks of one account × SKU.
- ``order_lines``: ``cases_shipped ≤ cases_ordered`` and ``cases_short = ordered − shipped``.
- ``sell_in``: ``invoice_sales = gross_sales − on_invoice_discount`` (the part of
  GS − TTS = NR that one table can show); ``trade_spend.amount_rmb > 0``.
- ``mix_plan``: planned shares sum to 1 (±1e-6) per fiscal year × scope × dimension;
  ``market_account_week`` / ``market_region_period``: our value share in [0, 1].
- referential integrity (``_REFERENCES``): SKUs, accounts, weeks, periods, regions, stores,
  visits, promotions and people exist in their master tables.
- ``promotions``: ``start_week ≤ end_week``, ``duration_weeks = end − start + 1``, and no two
  promotions (other than CANCELLED ones) of one SKU at one account overlap.
- ``calendar``: week ids 0…T−1 in order, Monday–Sunday weeks 7 days apart, each period's weeks
  counted 1…n with ``weeks_in_period = n``.

Non-negative quantities and fractions in [0, 1] are schema ranges, checked for every table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamlab.data.schemas import SCHEMAS, Column, schema
from kamlab.data.world import World, table_hash
from kamlab.i18n import t

__all__ = [
    "CORE_TABLES",
    "Problem",
    "format_report",
    "validate_table",
    "validate_world",
    "verify_hashes",
]

#: The tables a world needs before most of the curriculum works (an import must supply them).
CORE_TABLES: tuple[str, ...] = ("calendar", "accounts", "products", "sell_in")

#: How many rows of one problem (table × column × kind) are named before "and N more".
DEFAULT_CAP = 5

_AGE_BUCKETS = ("age_00_04", "age_05_08", "age_09_13", "age_14_26", "age_27_plus")

# (table, column, referenced table, referenced column): a value must exist in the master table.
_REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("region_adjacency", "region_a", "regions", "region_id"),
    ("region_adjacency", "region_b", "regions", "region_id"),
    ("accounts", "kam_id", "kam", "kam_id"),
    ("accounts", "hq_region_id", "regions", "region_id"),
    ("stores", "account_id", "accounts", "account_id"),
    ("stores", "region_id", "regions", "region_id"),
    ("kam", "manager_id", "kam", "kam_id"),
    ("kam", "successor_of", "kam", "kam_id"),
    ("kam", "region_id", "regions", "region_id"),
    ("customer_contacts", "account_id", "accounts", "account_id"),
    ("targets_annual", "account_id", "accounts", "account_id"),
    ("targets_period", "account_id", "accounts", "account_id"),
    ("targets_period", "period_key", "calendar", "period_key"),
    ("trade_terms", "account_id", "accounts", "account_id"),
    ("rebate_tiers", "account_id", "accounts", "account_id"),
    ("promotions", "account_id", "accounts", "account_id"),
    ("promotions", "sku_id", "products", "sku_id"),
    ("order_lines", "account_id", "accounts", "account_id"),
    ("order_lines", "sku_id", "products", "sku_id"),
    ("order_lines", "week_id", "calendar", "week_id"),
    ("sell_in", "account_id", "accounts", "account_id"),
    ("sell_in", "sku_id", "products", "sku_id"),
    ("sell_in", "week_id", "calendar", "week_id"),
    ("sell_out", "account_id", "accounts", "account_id"),
    ("sell_out", "sku_id", "products", "sku_id"),
    ("sell_out", "week_id", "calendar", "week_id"),
    ("sell_out", "promo_id", "promotions", "promo_id"),
    ("customer_inventory", "account_id", "accounts", "account_id"),
    ("customer_inventory", "sku_id", "products", "sku_id"),
    ("customer_inventory", "week_id", "calendar", "week_id"),
    ("trade_spend", "account_id", "accounts", "account_id"),
    ("trade_spend", "sku_id", "products", "sku_id"),
    ("trade_spend", "week_id", "calendar", "week_id"),
    ("trade_spend", "promo_id", "promotions", "promo_id"),
    ("cts_drivers", "account_id", "accounts", "account_id"),
    ("cts_drivers", "week_id", "calendar", "week_id"),
    ("forecasts", "account_id", "accounts", "account_id"),
    ("forecasts", "sku_id", "products", "sku_id"),
    ("forecasts", "target_week_id", "calendar", "week_id"),
    ("supply", "sku_id", "products", "sku_id"),
    ("supply", "week_id", "calendar", "week_id"),
    ("market_account_week", "account_id", "accounts", "account_id"),
    ("market_account_week", "week_id", "calendar", "week_id"),
    ("market_region_period", "region_id", "regions", "region_id"),
    ("market_region_period", "period_key", "calendar", "period_key"),
    ("price_checks", "region_id", "regions", "region_id"),
    ("price_checks", "sku_id", "products", "sku_id"),
    ("price_checks", "week_id", "calendar", "week_id"),
    ("code_traces", "found_region_id", "regions", "region_id"),
    ("code_traces", "period_key", "calendar", "period_key"),
    ("code_traces", "source_account_id", "accounts", "account_id"),
    ("audit_visits", "store_id", "stores", "store_id"),
    ("audit_visits", "account_id", "accounts", "account_id"),
    ("audit_visits", "week_id", "calendar", "week_id"),
    ("audit_visits", "auditor_kam_id", "kam", "kam_id"),
    ("audit_sku", "visit_id", "audit_visits", "visit_id"),
    ("audit_sku", "sku_id", "products", "sku_id"),
    ("truth_baseline", "account_id", "accounts", "account_id"),
    ("truth_baseline", "sku_id", "products", "sku_id"),
    ("truth_baseline", "week_id", "calendar", "week_id"),
    ("truth_promo", "promo_id", "promotions", "promo_id"),
    ("truth_diversion", "account_id", "accounts", "account_id"),
    ("truth_diversion", "week_id", "calendar", "week_id"),
    ("truth_diversion", "target_region_id", "regions", "region_id"),
    ("truth_elasticity", "sku_id", "products", "sku_id"),
    ("truth_kam_competency", "kam_id", "kam", "kam_id"),
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table.

    ``table`` and ``column`` name where (``column`` is ``None`` for table-level problems),
    ``row_key`` says which row by its primary key (``"account_id=ACC003, sku_id=SKU012,
    week_id=57"``) or is ``None``; ``message`` says what is wrong; ``kind`` is a stable code
    for programs and tests (``"dtype"``, ``"null"``, ``"duplicate_key"``, ``"below_min"``,
    ``"inventory_balance"``, ``"reference"``, ``"more_rows"`` …). Problems found in imported
    data also carry the source ``file``, its ``line`` (the row number a user sees in Excel or
    an editor, header = row 1) and the ``source_column`` name.

    >>> str(Problem("sell_in", "cases_shipped", "account_id=ACC003", "the value -3 is below "
    ...     "the allowed minimum 0.", kind="below_min", lang="en"))
    'Table sell_in, column cases_shipped, row account_id=ACC003: the value -3 is below the allowed minimum 0.'
    >>> str(Problem("sell_in", "cases_shipped", None, "the value -3 is below the allowed "
    ...     "minimum 0.", file="发货.csv", line=7, source_column="箱数", lang="en"))
    '发货.csv, row 7, column "箱数" (sell_in.cases_shipped): the value -3 is below the allowed minimum 0.'
    """

    table: str
    column: str | None
    row_key: str | None
    message: str
    kind: str = "other"
    file: str | None = None
    line: int | None = None
    source_column: str | None = None
    lang: str | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        lang = self.lang
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(t("data.part_line", lang=lang, n=self.line))
        if self.source_column:
            target = f"{self.table}.{self.column}" if self.column else self.table
            parts.append(
                t("data.part_source_column", lang=lang, source=self.source_column, target=target)
            )
        else:
            if self.table:
                first = "data.part_table" if parts else "data.part_table_first"
                parts.append(t(first, lang=lang, table=self.table))
            if self.column:
                parts.append(t("data.part_column", lang=lang, column=self.column))
        if self.row_key:
            key = "data.part_key_after_line" if self.line is not None else "data.part_key"
            parts.append(t(key, lang=lang, key=self.row_key))
        if not parts:
            return self.message[:1].upper() + self.message[1:]
        where = t("data.part_sep", lang=lang).join(parts)
        return t("data.problem", lang=lang, where=where, message=self.message)


# ---------------------------------------------------------------------------------------------
# formatting helpers


def _fmt(value: Any, lang: str | None = None) -> str:
    """A value as a user reads it: integers without ``.0``, floats to 10 significant digits."""
    if value is None or value is pd.NA or value is pd.NaT:
        return t("data.empty_value", lang=lang)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if np.isnan(v):
            return t("data.empty_value", lang=lang)
        if np.isfinite(v) and v == round(v) and abs(v) < 1e15:
            return str(round(v))
        return f"{v:.10g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)


def _row_key(df: pd.DataFrame, pos: int, key: Iterable[str], lang: str | None) -> str:
    cols = [c for c in key if c in df.columns]
    if not cols:
        return t("data.row_number", lang=lang, n=pos + 1)
    return ", ".join(f"{c}={_fmt(df[c].iat[pos], lang)}" for c in cols)


#: ``df.attrs`` key under which the importer records where a table's rows came from:
#: ``{"file": str, "lines": array of row numbers, "columns": {kamlab column: source column}}``.
SOURCE_ATTR = "kamlab_source"


def _source(df: pd.DataFrame) -> dict[str, Any] | None:
    src = df.attrs.get(SOURCE_ATTR) if hasattr(df, "attrs") else None
    return src if isinstance(src, dict) else None


def _where(df: pd.DataFrame | None, pos: int | None, column: str | None) -> dict[str, Any]:
    """Source file, line and column of row ``pos`` of an imported table (empty otherwise)."""
    src = _source(df) if df is not None else None
    if not src:
        return {}
    out: dict[str, Any] = {"file": src.get("file")}
    lines = src.get("lines")
    if pos is not None and lines is not None and 0 <= pos < len(lines):
        out["line"] = int(lines[pos])
    if column is not None:
        out["source_column"] = (src.get("columns") or {}).get(column)
    return out


class _Report:
    """Collects problems, naming at most ``cap`` rows per (table, column, kind)."""

    def __init__(self, cap: int, lang: str | None) -> None:
        self.cap = max(1, int(cap))
        self.lang = lang
        self.problems: list[Problem] = []

    def add(
        self,
        table: str,
        column: str | None,
        row_key: str | None,
        kind: str,
        code: str | None = None,
        /,
        where: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        message = t(f"data.{code or kind}", lang=self.lang, **params)
        self.problems.append(
            Problem(table, column, row_key, message, kind, lang=self.lang, **(where or {}))
        )

    def rows(
        self,
        df: pd.DataFrame,
        table: str,
        column: str | None,
        kind: str,
        mask: np.ndarray,
        params: Callable[[int], dict[str, Any]],
        key: Iterable[str] | None = None,
    ) -> None:
        """One problem per flagged row of ``df`` (``mask``), capped; ``params(pos)`` fills it."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        key = tuple(key) if key is not None else schema(table).key
        for pos in positions[: self.cap]:
            p = int(pos)
            row = _row_key(df, p, key, self.lang)
            self.add(table, column, row, kind, where=_where(df, p, column), **params(p))
        self.more(table, column, kind, positions.size - self.cap, "data.more_rows", df)

    def more(
        self,
        table: str,
        column: str | None,
        kind: str,
        n: int,
        code: str,
        df: pd.DataFrame | None = None,
    ) -> None:
        if n > 0:
            what = t(f"data.what_{kind}", lang=self.lang)
            where = _where(df, None, column)
            self.add(
                table,
                column,
                None,
                "more_rows",
                code.removeprefix("data."),
                where=where,
                n=n,
                what=what,
            )


# ---------------------------------------------------------------------------------------------
# one table against its schema


def _describe(col: Column) -> str:
    return f", {col.description}" if col.description else ""


def _numeric_values(s: pd.Series) -> np.ndarray | None:
    """``s`` as float64 (missing → NaN) when it has a numeric, non-bool dtype; else ``None``."""
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        return None
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _check_column(df: pd.DataFrame, name: str, col: Column, rep: _Report) -> None:
    s = df[col.name]
    lang = rep.lang
    found = str(s.dtype)
    dtype_ok = found == col.dtype
    if not dtype_ok:
        rep.add(
            name,
            col.name,
            None,
            "dtype",
            where=_where(df, None, col.name),
            found=found,
            expected=col.dtype,
            table=name,
        )
    isna = s.isna().to_numpy(dtype=bool)
    if not col.nullable:
        rep.rows(df, name, col.name, "null", isna, lambda p: {})

    # value ranges (numeric columns only; a text column of a numeric field is a dtype problem)
    if col.min is not None or col.max is not None or col.dtype == "float64":
        values = _numeric_values(s)
        if values is not None:
            with np.errstate(invalid="ignore"):
                if s.dtype.kind == "f":
                    rep.rows(
                        df,
                        name,
                        col.name,
                        "not_finite",
                        np.isinf(values),
                        lambda p: {"value": _fmt(values[p], lang)},
                    )
                if col.min is not None:
                    rep.rows(
                        df,
                        name,
                        col.name,
                        "below_min",
                        values < col.min - 1e-9,
                        lambda p: {"value": _fmt(values[p], lang), "min": _fmt(col.min, lang)},
                    )
                if col.max is not None:
                    rep.rows(
                        df,
                        name,
                        col.name,
                        "above_max",
                        (values > col.max + 1e-9) & np.isfinite(values),
                        lambda p: {"value": _fmt(values[p], lang), "max": _fmt(col.max, lang)},
                    )

    # categories
    if col.categories is not None:
        allowed = list(col.categories)
        allowed_txt = ", ".join(allowed)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            bad_codes = np.flatnonzero(~cats.isin(allowed))
            if bad_codes.size:
                mask = np.isin(s.cat.codes.to_numpy(), bad_codes)
            else:
                mask = np.zeros(len(s), dtype=bool)
                if dtype_ok and list(cats) != allowed:
                    rep.add(
                        name,
                        col.name,
                        None,
                        "dtype",
                        "category_list",
                        found="[" + ", ".join(map(str, cats)) + "]",
                        expected="[" + allowed_txt + "]",
                        table=name,
                    )
        else:
            mask = (~s.isin(allowed).to_numpy(dtype=bool)) & ~isna
        rep.rows(
            df,
            name,
            col.name,
            "category",
            mask,
            lambda p: {"value": _fmt(s.iat[p], lang), "allowed": allowed_txt},
        )


def _check_key(df: pd.DataFrame, name: str, key: tuple[str, ...], rep: _Report) -> None:
    if not key or any(k not in df.columns for k in key) or len(df) < 2:
        return
    dup = df.duplicated(subset=list(key), keep=False).to_numpy()
    if not dup.any():
        return
    dup_pos = np.flatnonzero(dup)
    group = df.iloc[dup_pos].groupby(list(key), sort=False, dropna=False, observed=True).ngroup()
    group = group.to_numpy()
    counts = np.bincount(group)
    _, first = np.unique(group, return_index=True)  # first row of each duplicated key
    first = np.sort(first)
    src = _source(df)
    for pos in dup_pos[first[: rep.cap]]:
        p = int(pos)
        row = _row_key(df, p, key, rep.lang)
        g = group[np.searchsorted(dup_pos, p)]
        n = int(counts[g])
        if src is None:
            rep.add(name, None, row, "duplicate_key", key=row, n=n)
            continue
        where = _where(df, p, None)
        cols = src.get("columns") or {}
        where["source_column"] = ", ".join(str(cols.get(k, k)) for k in key)
        members = dup_pos[group == g][:10]
        lines = ", ".join(str(int(src["lines"][m])) for m in members)
        rep.add(
            name,
            None,
            row,
            "duplicate_key",
            "duplicate_key_lines",
            where=where,
            key=row,
            n=n,
            lines=lines,
        )
    rep.more(name, None, "duplicate_key", len(first) - rep.cap, "data.more_values")


def validate_table(
    df: pd.DataFrame, name: str, *, cap: int = DEFAULT_CAP, lang: str | None = None
) -> list[Problem]:
    """Check one table against its schema; return the problems (empty list = valid).

    Checks, in order: missing and extra columns, dtypes (expected vs found), empty values in
    non-nullable columns, duplicate primary keys (naming the key values), values outside the
    declared min/max (and infinite floats), values outside the declared categories. At most
    ``cap`` rows are named per column and kind. ``lang`` fixes the message language (default:
    the current kamlab language). An unknown table name raises ``KeyError``.

    >>> from kamlab.data import empty_frame
    >>> validate_table(empty_frame("sell_in"), "sell_in")
    []
    >>> [p.kind for p in validate_table(pd.DataFrame({"region_id": ["R1"]}), "regions")]
    ['missing_column', 'missing_column', 'missing_column', 'missing_column', 'dtype']
    """
    rep = _Report(cap, lang)
    _validate_table_into(df, name, rep)
    return rep.problems


def _validate_table_into(df: pd.DataFrame, name: str, rep: _Report) -> None:
    sch = schema(name)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table {name!r} must be a pandas DataFrame, got {type(df).__name__}")
    for col in sch.columns:
        if col.name not in df.columns and col.name not in sch.optional_columns:
            rep.add(
                name,
                col.name,
                None,
                "missing_column",
                dtype=col.dtype,
                description=_describe(col),
            )
    declared = set(sch.column_names)
    for extra in (c for c in df.columns if c not in declared):
        rep.add(name, str(extra), None, "extra_column", columns=", ".join(sch.column_names))
    _check_key(df, name, sch.key, rep)
    for col in sch.columns:
        if col.name in df.columns:
            _check_column(df, name, col, rep)


# ---------------------------------------------------------------------------------------------
# invariants across rows and tables


def _nums(df: pd.DataFrame, cols: Iterable[str]) -> list[np.ndarray] | None:
    """Float arrays of ``cols`` when all exist with numeric dtypes; else ``None`` (skip check)."""
    out = []
    for c in cols:
        if c not in df.columns:
            return None
        v = _numeric_values(df[c])
        if v is None:
            return None
        out.append(v)
    return out


def _tol(*arrays: np.ndarray) -> np.ndarray:
    """``1e-6 × max(1, |largest term|)`` row by row."""
    scale = np.ones_like(arrays[0])
    for a in arrays:
        scale = np.fmax(scale, np.abs(a))
    return 1e-6 * scale


def _sorted_by(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Positions that sort ``df`` by ``cols`` (stable), via factorised codes (fast on strings)."""
    keys = []
    for c in reversed(cols):
        s = df[c]
        if pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            keys.append(s.to_numpy(dtype="float64", na_value=np.inf))
        else:
            codes, _ = pd.factorize(s, sort=True)
            keys.append(codes)
    return np.lexsort(keys)


def _check_inventory(df: pd.DataFrame, rep: _Report) -> None:
    name = "customer_inventory"
    lang = rep.lang
    cols = _nums(df, ["opening_cases", "receipts_cases", "sell_out_cases", "closing_cases"])
    if cols is not None:
        op, rc, so, cl = cols
        expected = op + rc - so
        with np.errstate(invalid="ignore"):
            bad = np.abs(cl - expected) > _tol(op, rc, so, cl)
        rep.rows(
            df,
            name,
            "closing_cases",
            "inventory_balance",
            bad,
            lambda p: {
                "closing": _fmt(cl[p], lang),
                "opening": _fmt(op[p], lang),
                "receipts": _fmt(rc[p], lang),
                "sell_out": _fmt(so[p], lang),
                "expected": _fmt(expected[p], lang),
            },
        )
        key = ["account_id", "sku_id", "week_id"]
        week = _nums(df, ["week_id"])
        if all(k in df.columns for k in key) and week is not None and len(df) > 1:
            order = _sorted_by(df, key)
            a = pd.factorize(df["account_id"])[0][order]
            s = pd.factorize(df["sku_id"])[0][order]
            w = week[0][order]
            o, c = op[order], cl[order]
            consecutive = (a[1:] == a[:-1]) & (s[1:] == s[:-1]) & (w[1:] == w[:-1] + 1)
            with np.errstate(invalid="ignore"):
                diff = np.abs(o[1:] - c[:-1]) > _tol(o[1:], c[:-1])
            flagged = np.zeros(len(df), dtype=bool)
            flagged[order[1:][consecutive & diff]] = True
            prev = np.full(len(df), np.nan)
            prev[order[1:]] = c[:-1]
            prev_week = np.full(len(df), np.nan)
            prev_week[order[1:]] = w[:-1]
            rep.rows(
                df,
                name,
                "opening_cases",
                "inventory_opening",
                flagged,
                lambda p: {
                    "opening": _fmt(op[p], lang),
                    "previous": _fmt(prev[p], lang),
                    "week": _fmt(prev_week[p], lang),
                },
            )
    ages = _nums(df, [*_AGE_BUCKETS, "closing_cases"])
    if ages is not None:
        *buckets, cl = ages
        total = np.sum(buckets, axis=0)
        with np.errstate(invalid="ignore"):
            bad = np.abs(total - cl) > _tol(total, cl)
        rep.rows(
            df,
            name,
            "closing_cases",
            "inventory_age",
            bad,
            lambda p: {"total": _fmt(total[p], lang), "closing": _fmt(cl[p], lang)},
        )


def _check_order_lines(df: pd.DataFrame, rep: _Report) -> None:
    lang = rep.lang
    cols = _nums(df, ["cases_ordered", "cases_shipped"])
    if cols is None:
        return
    ordered, shipped = cols
    rep.rows(
        df,
        "order_lines",
        "cases_shipped",
        "shipped_over_ordered",
        shipped > ordered + 1e-9,
        lambda p: {"shipped": _fmt(shipped[p], lang), "ordered": _fmt(ordered[p], lang)},
    )
    short = _nums(df, ["cases_short"])
    if short is not None:
        sh = short[0]
        expected = ordered - shipped
        rep.rows(
            df,
            "order_lines",
            "cases_short",
            "cases_short",
            np.abs(sh - expected) > 1e-9,
            lambda p: {
                "short": _fmt(sh[p], lang),
                "ordered": _fmt(ordered[p], lang),
                "shipped": _fmt(shipped[p], lang),
                "expected": _fmt(expected[p], lang),
            },
        )


def _check_sell_in(df: pd.DataFrame, rep: _Report) -> None:
    lang = rep.lang
    cols = _nums(df, ["gross_sales", "on_invoice_discount", "invoice_sales"])
    if cols is None:
        return
    gs, disc, inv = cols
    expected = gs - disc
    with np.errstate(invalid="ignore"):
        bad = np.abs(inv - expected) > _tol(gs, disc, inv)
    rep.rows(
        df,
        "sell_in",
        "invoice_sales",
        "invoice_sales",
        bad,
        lambda p: {
            "invoice": _fmt(inv[p], lang),
            "gross": _fmt(gs[p], lang),
            "discount": _fmt(disc[p], lang),
            "expected": _fmt(expected[p], lang),
        },
    )


def _check_trade_spend(df: pd.DataFrame, rep: _Report) -> None:
    cols = _nums(df, ["amount_rmb"])
    if cols is None:
        return
    amount = cols[0]
    rep.rows(
        df,
        "trade_spend",
        "amount_rmb",
        "amount_positive",
        amount == 0,
        lambda p: {"value": _fmt(amount[p], rep.lang)},
    )


def _check_mix_plan(df: pd.DataFrame, rep: _Report) -> None:
    group = ["fiscal_year", "scope_type", "scope_id", "dimension"]
    cols = _nums(df, ["planned_share"])
    if cols is None or any(g not in df.columns for g in group) or df.empty:
        return
    sums = (
        pd.DataFrame({g: df[g] for g in group} | {"planned_share": cols[0]})
        .groupby(group, observed=True, dropna=False, sort=True)["planned_share"]
        .sum()
        .reset_index()
    )
    total = sums["planned_share"].to_numpy()
    rep.rows(
        sums,
        "mix_plan",
        "planned_share",
        "mix_sum",
        np.abs(total - 1.0) > 1e-6,
        lambda p: {"total": _fmt(total[p], rep.lang)},
        key=group,
    )


def _check_market_share(df: pd.DataFrame, table: str, group: list[str], rep: _Report) -> None:
    cols = _nums(df, ["value_incl_vat"])
    if cols is None or "brand_owner" not in df.columns or any(g not in df.columns for g in group):
        return
    if df.empty:
        return
    value = cols[0]
    ours = np.where(df["brand_owner"].astype("string").to_numpy() == "OURS", value, 0.0)
    frame = pd.DataFrame({g: df[g] for g in group} | {"ours": ours, "total": value})
    sums = frame.groupby(group, observed=True, dropna=False, sort=True)[["ours", "total"]].sum()
    sums = sums.reset_index()
    o, tot = sums["ours"].to_numpy(), sums["total"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot != 0, o / np.where(tot != 0, tot, 1.0), 0.0)
    bad = (share < -1e-9) | (share > 1 + 1e-9) | ((tot == 0) & (o != 0))
    rep.rows(
        sums,
        table,
        "value_incl_vat",
        "share_range",
        bad,
        lambda p: {"share": _fmt(share[p], rep.lang)},
        key=group,
    )


def _check_promotions(df: pd.DataFrame, rep: _Report) -> None:
    lang = rep.lang
    cols = _nums(df, ["start_week", "end_week"])
    if cols is None:
        return
    start, end = cols
    rep.rows(
        df,
        "promotions",
        "start_week",
        "promo_dates",
        start > end,
        lambda p: {"start": _fmt(start[p], lang), "end": _fmt(end[p], lang)},
    )
    dur = _nums(df, ["duration_weeks"])
    if dur is not None:
        d = dur[0]
        expected = end - start + 1
        rep.rows(
            df,
            "promotions",
            "duration_weeks",
            "promo_duration",
            (d != expected) & (start <= end),
            lambda p: {"duration": _fmt(d[p], lang), "expected": _fmt(expected[p], lang)},
        )
    if not all(c in df.columns for c in ("account_id", "sku_id", "promo_id")) or len(df) < 2:
        return
    live = np.ones(len(df), dtype=bool)
    if "status" in df.columns:
        live = df["status"].astype("string").to_numpy() != "CANCELLED"
    idx = np.flatnonzero(live & (start <= end))
    if idx.size < 2:
        return
    sub = df.iloc[idx]
    order = idx[_sorted_by(sub.assign(_s=start[idx]), ["account_id", "sku_id", "_s"])]
    a = pd.factorize(df["account_id"])[0][order]
    s = pd.factorize(df["sku_id"])[0][order]
    st, en = start[order], end[order]
    same = np.r_[False, (a[1:] == a[:-1]) & (s[1:] == s[:-1])]
    # running maximum of end weeks within each account × SKU, and which promo holds it
    group_id = np.cumsum(~same)
    run_end = pd.Series(en).groupby(group_id).cummax().to_numpy()
    holder = np.arange(len(order))
    holder = pd.Series(np.where(en >= run_end, holder, -1)).replace(-1, np.nan)
    holder = holder.groupby(group_id).ffill().to_numpy()
    prev_end = np.r_[-np.inf, run_end[:-1]]
    prev_holder = np.r_[np.nan, holder[:-1]]
    overlap = same & (st <= prev_end)
    flagged = np.zeros(len(df), dtype=bool)
    other = np.full(len(df), -1)
    flagged[order[overlap]] = True
    other[order[overlap]] = order[prev_holder[overlap].astype(int)]
    promo = df["promo_id"]
    rep.rows(
        df,
        "promotions",
        "start_week",
        "promo_overlap",
        flagged,
        lambda p: {
            "start": _fmt(start[p], lang),
            "end": _fmt(end[p], lang),
            "other": _fmt(promo.iat[other[p]], lang),
            "other_start": _fmt(start[other[p]], lang),
            "other_end": _fmt(end[other[p]], lang),
        },
    )


def _check_calendar(df: pd.DataFrame, rep: _Report) -> None:
    lang = rep.lang
    name = "calendar"
    if df.empty or "week_id" not in df.columns:
        return
    week = _nums(df, ["week_id"])
    if week is None:
        return
    order = np.argsort(week[0], kind="stable")
    w = week[0][order]
    expected = np.arange(len(w), dtype="float64")
    bad = np.zeros(len(df), dtype=bool)
    bad[order[w != expected]] = True
    exp_at = np.empty(len(df))
    exp_at[order] = expected
    rep.rows(
        df,
        name,
        "week_id",
        "calendar",
        bad,
        lambda p: {"found": _fmt(week[0][p], lang), "expected": _fmt(exp_at[p], lang)},
        key=("week_id",),
    )
    # the codes below are all reported under the one "calendar" kind (capped together)
    if "week_start" in df.columns and pd.api.types.is_datetime64_any_dtype(df["week_start"]):
        start = pd.DatetimeIndex(df["week_start"])
        dow = start.day_of_week.to_numpy()
        bad = (dow != 0) & ~pd.isna(start)
        for pos in np.flatnonzero(bad)[: rep.cap]:
            rep.add(
                name,
                "week_start",
                _row_key(df, int(pos), ("week_id",), lang),
                "calendar",
                "calendar_monday",
                date=_fmt(start[pos], lang),
                weekday=t(f"data.weekday_{dow[pos]}", lang=lang),
            )
        if "week_end" in df.columns and pd.api.types.is_datetime64_any_dtype(df["week_end"]):
            end = pd.DatetimeIndex(df["week_end"])
            bad = (end - start) != pd.Timedelta(days=6)
            bad = np.asarray(bad) & ~pd.isna(start) & ~pd.isna(end)
            for pos in np.flatnonzero(bad)[: rep.cap]:
                rep.add(
                    name,
                    "week_end",
                    _row_key(df, int(pos), ("week_id",), lang),
                    "calendar",
                    "calendar_end",
                    end=_fmt(end[pos], lang),
                    start=_fmt(start[pos], lang),
                )
        sorted_start = start[order]
        steps = np.asarray(sorted_start[1:] - sorted_start[:-1]) != np.timedelta64(7, "D")
        for i in np.flatnonzero(steps)[: rep.cap]:
            pos = int(order[i + 1])
            rep.add(
                name,
                "week_start",
                _row_key(df, pos, ("week_id",), lang),
                "calendar",
                "calendar_step",
                start=_fmt(sorted_start[i + 1], lang),
                previous=_fmt(sorted_start[i], lang),
            )
    period_cols = ["period_key", "week_of_period", "weeks_in_period", "is_period_last_week"]
    nums = _nums(df, ["week_of_period", "weeks_in_period"])
    if nums is None or any(c not in df.columns for c in period_cols):
        return
    wop, wip = nums[0][order], nums[1][order]
    last = df["is_period_last_week"].to_numpy(dtype=bool, na_value=False)[order]
    codes = pd.factorize(df["period_key"].iloc[order])[0]
    new_period = np.r_[True, codes[1:] != codes[:-1]]
    run_id = np.cumsum(new_period)
    position = np.arange(len(codes)) - np.flatnonzero(new_period)[run_id - 1] + 1
    size = np.bincount(run_id)[run_id]
    bad_row = (wop != position) | (wip != size) | (last != (position == size))
    bad_runs = np.unique(run_id[bad_row])
    for r in bad_runs[: rep.cap]:
        i = int(np.flatnonzero(run_id == r)[0])
        rep.add(
            name,
            "period_key",
            None,
            "calendar",
            "calendar_period",
            period=_fmt(df["period_key"].iat[int(order[i])], lang),
            n=int(size[i]),
            declared=_fmt(wip[i], lang),
        )


def _check_references(tables: Mapping[str, pd.DataFrame], rep: _Report) -> None:
    lang = rep.lang
    for table, column, ref_table, ref_column in _REFERENCES:
        df = tables.get(table)
        ref = tables.get(ref_table)
        if df is None or ref is None or column not in df.columns or ref_column not in ref.columns:
            continue
        if df.empty:
            continue
        values = df[column]
        ref_values = ref[ref_column]
        if _numeric_values(values) is not None and _numeric_values(ref_values) is not None:
            known = np.isin(values.to_numpy(dtype="float64", na_value=np.nan), ref_values)
        else:
            known = values.astype("string").isin(ref_values.astype("string")).to_numpy(bool)
        bad = ~known & ~values.isna().to_numpy(dtype=bool)
        if not bad.any():
            continue
        bad_pos = np.flatnonzero(bad)
        bad_vals = values.iloc[bad_pos].astype("string")
        uniq, first, counts = np.unique(
            bad_vals.to_numpy(dtype=object), return_index=True, return_counts=True
        )
        order = np.argsort(first, kind="stable")
        key = schema(table).key
        for j in order[: rep.cap]:
            pos = int(bad_pos[first[j]])
            rep.add(
                table,
                column,
                None,
                "reference",
                where=_where(df, pos, column),
                value=_fmt(uniq[j], lang),
                n=int(counts[j]),
                first=_row_key(df, pos, key, lang),
                ref_table=ref_table,
                ref_column=ref_column,
            )
        rep.more(table, column, "reference", len(uniq) - rep.cap, "data.more_values", df)


def _invariants(tables: Mapping[str, pd.DataFrame], rep: _Report) -> None:
    if "calendar" in tables:
        _check_calendar(tables["calendar"], rep)
    if "customer_inventory" in tables:
        _check_inventory(tables["customer_inventory"], rep)
    if "order_lines" in tables:
        _check_order_lines(tables["order_lines"], rep)
    if "sell_in" in tables:
        _check_sell_in(tables["sell_in"], rep)
    if "trade_spend" in tables:
        _check_trade_spend(tables["trade_spend"], rep)
    if "mix_plan" in tables:
        _check_mix_plan(tables["mix_plan"], rep)
    if "market_account_week" in tables:
        _check_market_share(
            tables["market_account_week"],
            "market_account_week",
            ["account_id", "category", "week_id"],
            rep,
        )
    if "market_region_period" in tables:
        _check_market_share(
            tables["market_region_period"],
            "market_region_period",
            ["region_id", "channel_group", "category", "period_key"],
            rep,
        )
    if "promotions" in tables:
        _check_promotions(tables["promotions"], rep)
    _check_references(tables, rep)


def _tables_of(world: World | Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    if isinstance(world, World):
        return {**world.public, **world.truth}
    if isinstance(world, Mapping):
        return dict(world)
    raise TypeError(
        f"world must be a kamlab World or a mapping of table name → DataFrame, "
        f"got {type(world).__name__}"
    )


def validate_world(
    world: World | Mapping[str, pd.DataFrame],
    *,
    invariants: bool = True,
    required: Iterable[str] = (),
    cap: int = DEFAULT_CAP,
    lang: str | None = None,
) -> list[Problem]:
    """Check every known table of ``world`` against its schema, then the SPEC §3.14 invariants.

    ``world`` is a :class:`~kamlab.data.World` (public and truth tables) or a mapping of table
    name → DataFrame. Tables whose names kamlab does not know are allowed and not checked.
    Tables in ``required`` that are absent are reported (``kind="missing_table"``); pass
    :data:`CORE_TABLES` to insist on the core. ``invariants=False`` checks schemas only.
    Invariants are checked only where the tables and columns they need exist with numeric
    dtypes (a missing column is already a schema problem). Returns the problems in table
    order; an empty list means the world is valid.

    >>> validate_world({})
    []
    >>> [p.kind for p in validate_world({}, required=["sell_in"])]
    ['missing_table']
    """
    tables = _tables_of(world)
    rep = _Report(cap, lang)
    for name in required:
        if name not in tables:
            schema(name)  # unknown required table names are a programming error
            rep.add(name, None, None, "missing_table")
    for name in [n for n in SCHEMAS if n in tables]:
        _validate_table_into(tables[name], name, rep)
    if invariants:
        _invariants(tables, rep)
    order = {name: i for i, name in enumerate(SCHEMAS)}
    return sorted(rep.problems, key=lambda p: order.get(p.table, len(order)))


def verify_hashes(world: World, *, lang: str | None = None) -> list[Problem]:
    """Compare each table with the hash ``World.save`` recorded in ``meta["table_hashes"]``.

    A world without recorded hashes has nothing to compare (empty list).
    """
    recorded = world.meta.get("table_hashes") or {}
    rep = _Report(DEFAULT_CAP, lang)
    for layer, tables in (("public", world.public), ("truth", world.truth)):
        for name, df in tables.items():
            want = recorded.get(f"{layer}/{name}")
            if want is not None and want != table_hash(df):
                rep.add(name, None, None, "hash_mismatch")
    return rep.problems


def format_report(problems: Iterable[Problem]) -> str:
    """Problems as text grouped by table: a header per table, one sentence per line."""
    by_table: dict[str, list[Problem]] = {}
    for p in problems:
        by_table.setdefault(p.table, []).append(p)
    lines: list[str] = []
    for table, items in by_table.items():
        lang = items[0].lang
        name = table or t("data.general", lang=lang)
        lines.append(t("data.validate_table_header", lang=lang, table=name, n=len(items)))
        lines.extend(f"  - {p}" for p in items)
    return "\n".join(lines)
