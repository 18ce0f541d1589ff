"""Excel export of an app's current view (openpyxl; one sheet per shown table, nothing else).

>>> import io
>>> data = view_workbook({"Levels": pd.DataFrame({"ID": ["P1"], "C1": [2]})})
>>> pd.read_excel(io.BytesIO(data), sheet_name=None)["Levels"].to_dict("list")
{'ID': ['P1'], 'C1': [2]}
"""

from __future__ import annotations

import io
import re

import pandas as pd

__all__ = ["view_workbook"]

_BAD = re.compile(r"[\[\]\*\?/\\:]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD.sub("_", str(name)).strip() or "Sheet"
    base = base[:31]
    out, k = base, 2
    while out in used:
        suffix = f" {k}"
        out = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(out)
    return out


def view_workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx file with one sheet per table (in order), header row frozen, columns sized."""
    if not sheets:
        raise ValueError("sheets is empty; pass at least one table to export.")
    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            sn = _sheet_name(name, used)
            out = df.copy()
            for c in out.columns:  # nullable dtypes → plain objects openpyxl understands
                if isinstance(out[c].dtype, pd.api.extensions.ExtensionDtype):
                    out[c] = out[c].astype(object).where(out[c].notna(), None)
            out.to_excel(xw, sheet_name=sn, index=False)
            ws = xw.sheets[sn]
            ws.freeze_panes = "A2"
            for k, col in enumerate(out.columns, start=1):
                width = max([len(str(col)), *(len(str(v)) for v in out[col].head(200))]) + 2
                ws.column_dimensions[ws.cell(row=1, column=k).column_letter].width = min(
                    60, max(6, width)
                )
    return buf.getvalue()
