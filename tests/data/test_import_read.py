"""Reading extracts: encodings, row numbers as a user sees them, delimiters, Excel cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlab.data._import_parse import parse_bool, parse_date, parse_number, parse_text
from kamlab.data._import_read import ReadError, decode_bytes, read_source


def test_row_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text('id,note\nA,"two\nlines"\n\nB,x\nC,y\n', encoding="utf-8")
    raw = read_source(f)
    assert raw.frame["id"].tolist() == ["A", "B", "C"]
    assert raw.lines.tolist() == [2, 5, 6]  # A starts on line 2, line 4 is blank


def test_fast_reader_row_numbers_with_blank_lines(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("id,qty\nA,1\n\nB,2\n,\nC,3\n", encoding="utf-8")
    raw = read_source(f)
    assert raw.frame["id"].tolist() == ["A", "B", "C"]
    assert raw.lines.tolist() == [2, 4, 6]


def test_header_row_semicolons_and_trailing_empty_column(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("Report of week 3\n\n客户;数量;\nC1;5;\nC2;6;\n", encoding="utf-8")
    raw = read_source(f, header_row=2)
    assert list(raw.frame.columns) == ["客户", "数量"]
    assert raw.lines.tolist() == [4, 5]


def test_gbk_and_bom_detection_and_undecodable_line(tmp_path: Path) -> None:
    assert decode_bytes("渠道".encode("gbk"))[1] == "gb18030"
    assert decode_bytes("渠道".encode())[1] == "utf-8"
    assert decode_bytes(b"\xef\xbb\xbfa")[1] == "utf-8-sig"
    with pytest.raises(ReadError) as err:
        decode_bytes("a\nb\n渠道".encode("gbk"), "utf-8")
    assert err.value.line == 3


def test_duplicate_header_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("id,qty,qty\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_source(f)
    assert err.value.code == "read_duplicate_header" and err.value.params == {"column": "qty"}


def test_excel_rows_numbers_and_dates(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["说明：2024 年数据"])
    ws.append([])
    ws.append(["客户编码", "日期", "数量"])
    ws.append([10023, dt.datetime(2024, 1, 5), 3])
    ws.append([None, None, None])
    ws.append(["C2", "2024/1/6", "4"])
    wb.save(tmp_path / "a.xlsx")
    raw = read_source(tmp_path / "a.xlsx", sheet="数据", header_row=3)
    assert raw.file == "a.xlsx [数据]"
    assert raw.lines.tolist() == [4, 6]
    assert parse_text(raw.frame["客户编码"]).tolist() == ["10023", "C2"]
    dates, bad = parse_date(raw.frame["日期"])
    assert dates.dt.day.tolist() == [5, 6] and not bad.any()
    assert parse_number(raw.frame["数量"])[0].tolist() == [3.0, 4.0]
    with pytest.raises(ReadError) as err:
        read_source(tmp_path / "a.xlsx", sheet="Sheet9")
    assert err.value.params["sheets"] == "数据"


def test_cell_parsers() -> None:
    v, bad = parse_number(pd.Series(["１２３", "¥8", " ", "1e3", "nan", "inf"], dtype=object))
    assert v[:2].tolist() == [123.0, 8.0] and v[3] == 1000.0
    assert bad.tolist() == [False, False, False, False, True, True]
    flags, missing, bad = parse_bool(pd.Series(["有", "无", "Y", None, "?"], dtype=object))
    assert flags.tolist()[:3] == [True, False, True]
    assert missing.tolist() == [False, False, False, True, False]
    assert bad.tolist() == [False, False, False, False, True]
    d, bad = parse_date(pd.Series(["05.01.2024"], dtype=object), "%d.%m.%Y")
    assert d.iat[0] == pd.Timestamp("2024-01-05") and not bad.any()
