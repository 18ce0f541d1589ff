"""Turn source cells (text from CSV, text/numbers/dates from Excel) into typed values.

Each parser returns ``(values, bad)``: the parsed values (missing where the cell was empty
or could not be read) and a boolean mask of the cells that held something unreadable, so the
importer can name every bad cell by file, row and column.

Numbers: ``1234``, ``1,234.50`` (thousands separators), ``12%`` (= 0.12), ``(12)``
(accounting negative), full-width digits ``１２３``. Booleans: ``1/0``, ``true/false``,
``yes/no``, ``y/n``, ``是/否``, ``有/无``, ``✓``. Dates: Excel dates, ``2024-01-05``,
``2024/1/5``, ``2024.1.5``, ``20240105``, ``2024年1月5日``, or the mapping's ``date_format``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["parse_bool", "parse_date", "parse_number", "parse_text"]

_TRUE = {"1", "true", "t", "yes", "y", "是", "有", "✓", "√", "x"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无", "×"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－％", "0123456789.,-%")


def _present(raw: pd.Series) -> np.ndarray:
    return raw.notna().to_numpy(dtype=bool)


def parse_number(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN = empty) and the mask of cells that are not numbers.

    >>> v, bad = parse_number(pd.Series(["1,234.5", "12%", "(3)", "abc", None, 7], dtype=object))
    >>> v.tolist()[:3], bad.tolist()
    ([1234.5, 0.12, -3.0], [False, False, False, True, False, False])
    """
    present = _present(raw)
    bad = np.zeros(len(raw), dtype=bool)
    values = raw.to_numpy(dtype=object)
    # fast path: plain numbers and plain numeric text; the rest cell by cell below
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "integer", "floating", "mixed-integer-float", "empty"):
        out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan, copy=True
        )
        out[~np.isfinite(out)] = np.nan
    else:
        out = np.full(len(raw), np.nan)
    for i in np.flatnonzero(present & np.isnan(out)):
        v = values[i]
        if isinstance(v, bool | np.bool_):
            out[i] = float(v)
            continue
        if isinstance(v, int | float | np.integer | np.floating):
            out[i] = float(v)
            continue
        if isinstance(v, dt.datetime | dt.date):
            bad[i] = True
            continue
        text = str(v).strip().translate(_FULLWIDTH).replace(",", "").replace(" ", "")
        if not text:
            continue  # a blank cell
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
        text = text.replace("¥", "").replace("￥", "")
        try:
            number = float(text) * scale
        except ValueError:
            bad[i] = True
            continue
        if np.isfinite(number):
            out[i] = number
        else:  # "nan", "inf" written as text are not quantities
            bad[i] = True
    return out, bad


def parse_bool(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(values, missing, bad)``: booleans, the empty cells, the cells that are not yes/no.

    >>> v, missing, bad = parse_bool(pd.Series(["是", "否", "maybe", None, 1], dtype=object))
    >>> v.tolist(), missing.tolist(), bad.tolist()
    ([True, False, False, False, True], [False, False, False, True, False], [False, False, True, False, False])
    """
    present = _present(raw)
    out = np.zeros(len(raw), dtype=bool)
    bad = np.zeros(len(raw), dtype=bool)
    values = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # CSV: all text
        low = pd.Series(pd.array(values, dtype="string")).str.strip().str.lower()
        yes = low.isin(list(_TRUE)).to_numpy(dtype=bool)
        no = low.isin(list(_FALSE)).to_numpy(dtype=bool)
        return yes, ~present, present & ~yes & ~no
    for i in np.flatnonzero(present):
        v = values[i]
        if isinstance(v, float | int | np.integer | np.floating | bool | np.bool_):
            if v in (0, 1):
                out[i] = bool(v)
            else:
                bad[i] = True
            continue
        text = str(v).strip().lower()
        if text in _TRUE:
            out[i] = True
        elif text not in _FALSE:
            bad[i] = True
    return out, ~present, bad


def parse_date(raw: pd.Series, date_format: str | None = None) -> tuple[pd.Series, np.ndarray]:
    """Dates (``NaT`` = empty) and the mask of cells that are not dates.

    >>> d, bad = parse_date(pd.Series(["2024/1/5", "2024年1月6日", "20240107", "soon"], dtype=object))
    >>> d.dt.strftime("%m-%d").tolist()[:3], bad.tolist()
    (['01-05', '01-06', '01-07'], [False, False, False, True])
    """
    present = _present(raw)
    n = len(raw)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    values = raw.to_numpy(dtype=object)
    text_pos: list[int] = []
    texts: list[str] = []
    for i in np.flatnonzero(present):
        v = values[i]
        if isinstance(v, dt.datetime | dt.date | pd.Timestamp):
            out[i] = np.datetime64(pd.Timestamp(v).as_unit("ns"))
        elif isinstance(v, int | float | np.integer | np.floating):
            text_pos.append(i)
            texts.append(str(int(v)) if float(v) == int(v) else str(v))
        else:
            text_pos.append(i)
            texts.append(str(v).strip())
    if texts:
        s = pd.Series(pd.array(texts, dtype="string"))
        if date_format:
            parsed = pd.to_datetime(s, format=date_format, errors="coerce")
        else:
            norm = (
                s.str.translate(_FULLWIDTH)
                .str.replace("年", "-", regex=False)
                .str.replace("月", "-", regex=False)
                .str.replace("日", "", regex=False)
                .str.replace("/", "-", regex=False)
                .str.replace(".", "-", regex=False)
                .str.strip()
            )
            parsed = pd.to_datetime(norm, format="%Y-%m-%d", errors="coerce")
            for fmt in ("%Y%m%d", "ISO8601"):
                todo = parsed.isna().to_numpy()
                if not todo.any():
                    break
                parsed[todo] = pd.to_datetime(norm[todo], format=fmt, errors="coerce")
        out[np.asarray(text_pos)] = parsed.to_numpy(dtype="datetime64[ns]")
    bad = present & np.isnat(out)
    return pd.Series(out, index=raw.index), bad


def parse_text(raw: pd.Series) -> pd.Series:
    """Text cells as strings; whole numbers from Excel lose their ``.0`` (``10023`` not ``10023.0``).

    >>> parse_text(pd.Series([10023.0, " ACC1 ", None], dtype=object)).tolist()
    ['10023', 'ACC1', <NA>]
    """
    values = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # CSV: all text
        text = pd.Series(pd.array(values, dtype="string"), index=raw.index).str.strip()
        return text.mask(text == "")
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(pd.NA)
        elif isinstance(v, float | np.floating) and float(v).is_integer():
            out.append(str(int(v)))
        elif isinstance(v, dt.datetime):
            out.append(
                v.strftime("%Y-%m-%d") if v == dt.datetime(v.year, v.month, v.day) else str(v)
            )
        else:
            text = str(v).strip()
            out.append(text if text else pd.NA)
    return pd.Series(pd.array(out, dtype="string"), index=raw.index)
