"""Read a company's extract (CSV in UTF-8/GBK, or an Excel sheet) keeping the row numbers.

Every cell is read as the source wrote it (text from CSV; text, numbers or dates from Excel)
so that the importer can say *which* cell it could not understand. ``RawTable.lines`` holds,
for every data row, the row number the user sees: in an editor (CSV line) or in Excel (sheet
row), counting the header row as written in the file.

Encoding of CSV files: an explicit ``encoding`` wins; otherwise UTF-8 (with or without a byte
order mark) is tried first and GB18030 (a superset of GBK and GB2312, what most Chinese ERP
exports use) second.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RawTable", "ReadError", "decode_bytes", "read_source"]


class ReadError(Exception):
    """A file cannot be read at all; ``code`` is a ``data.*`` message key, ``params`` its values."""

    def __init__(self, code: str, line: int | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.line = line
        self.params = params


@dataclass
class RawTable:
    """A source table: cells as objects, the header names, the user-visible row numbers."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray
    encoding: str | None = None


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding used)``.

    >>> decode_bytes("客户".encode("gbk"))[1], decode_bytes("客户".encode("utf-8-sig"))[1]
    ('gb18030', 'utf-8-sig')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise ReadError("read_bad_encoding_name", encoding=encoding) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ReadError("read_decode", line=line, encoding=encoding) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ReadError("read_decode", line=line, encoding="utf-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError("read_decode", line=line, encoding="UTF-8 / GB18030") from None


def _frame(header: list[object], rows: list[list[object]], lines: list[int]) -> pd.DataFrame:
    names = _check_header(header)
    width = len(names)
    data = [(r + [None] * width)[:width] for r in rows]
    frame = pd.DataFrame(data, columns=names, dtype=object)
    return _drop_unnamed(frame)


def _is_blank(row: list[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _check_header(header: list[object]) -> list[str]:
    names = ["" if h is None else str(h).strip() for h in header]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise ReadError("read_duplicate_header", column=name)
        seen.add(name)
    return names


def _read_csv(path: Path, encoding: str | None, header_row: int, delimiter: str | None) -> RawTable:
    text, used = decode_bytes(path.read_bytes(), encoding)
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()  # the newline that ends the last line
    head = header_row - 1
    while head < len(physical) and not physical[head].strip(" \t\r,;|"):
        head += 1  # blank lines above the header
    if head >= len(physical):
        raise ReadError("read_empty")
    if delimiter is None:
        sample = "\n".join(physical[head : head + 50])
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    header = next(csv.reader([physical[head].rstrip("\r")], delimiter=delimiter))
    names = _check_header(list(header))
    fast = _read_csv_fast(text, head, delimiter, names, len(physical))
    if fast is not None:
        frame, lines = fast
        return RawTable(path.name, _drop_unnamed(frame), lines, used)
    return _read_csv_records(path, text, used, head, delimiter, names)


def _drop_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unnamed columns that hold nothing (trailing commas, empty Excel columns)."""
    drop = [i for i, c in enumerate(frame.columns) if c == "" and frame.iloc[:, i].isna().all()]
    keep = [i for i in range(frame.shape[1]) if i not in drop]
    return frame.iloc[:, keep]


def _read_csv_fast(
    text: str, head: int, delimiter: str, names: list[str], n_physical: int
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """pandas' C reader when every record is one physical line (the usual case); else None."""
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            skiprows=head + 1,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
            names=range(len(names)),
        )
    except (pd.errors.ParserError, ValueError):
        return None
    if len(df) != n_physical - head - 1:
        return None  # quoted line breaks: count records the slow way
    lines = np.arange(head + 2, head + 2 + len(df), dtype="int64")
    values = df.to_numpy(dtype=object)
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        values, lines = values[~blank], lines[~blank]
    frame = pd.DataFrame(values, columns=names, dtype=object)
    return frame, lines


def _read_csv_records(
    path: Path, text: str, used: str, head: int, delimiter: str, names: list[str]
) -> RawTable:
    """The csv module, record by record, tracking the line each record starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    lines: list[int] = []
    record_start = 1
    width = len(names)
    for record in reader:
        line = record_start
        record_start = reader.line_num + 1
        if line <= head + 1:
            continue
        values: list[object] = [None if v.strip() == "" else v for v in record]
        if _is_blank(values):
            continue
        rows.append((values + [None] * width)[:width])
        lines.append(line)
    frame = (
        pd.DataFrame(rows, columns=names, dtype=object)
        if rows
        else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    )
    return RawTable(path.name, _drop_unnamed(frame), np.asarray(lines, dtype="int64"), used)


def _read_excel(path: Path, sheet: str | None, header_row: int) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a zip / not xlsx: say so in one sentence
        raise ReadError("read_not_excel", error=f"{type(exc).__name__}: {exc}") from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise ReadError("read_no_sheet", sheet=sheet, sheets=", ".join(wb.sheetnames))
        header: list[object] | None = None
        rows: list[list[object]] = []
        lines: list[int] = []
        for number, record in enumerate(ws.iter_rows(values_only=True), start=1):
            if number < header_row:
                continue
            values = [v.strip() if isinstance(v, str) else v for v in record]
            values = [None if (isinstance(v, str) and v == "") else v for v in values]
            if header is None:
                if _is_blank(values):
                    continue
                header = values
                continue
            if _is_blank(values):
                continue
            rows.append(values)
            lines.append(number)
    finally:
        wb.close()
    if header is None:
        raise ReadError("read_empty")
    label = f"{path.name} [{ws.title}]"
    return RawTable(label, _frame(header, rows, lines), np.asarray(lines, dtype="int64"))


def read_source(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    header_row: int = 1,
    delimiter: str | None = None,
) -> RawTable:
    """Read a ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm`` file into a :class:`RawTable`.

    ``header_row`` is the 1-based row holding the column names (blank rows before it are
    skipped); blank data rows are skipped but keep their numbers. Raises :class:`ReadError`.
    """
    if not path.is_file():
        raise ReadError("read_missing_file")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_excel(path, sheet, header_row)
    if suffix == ".xls":
        raise ReadError("read_xls")
    return _read_csv(path, encoding, header_row, delimiter)
