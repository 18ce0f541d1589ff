"""Calendars for imported worlds: 4-4-5, calendar months, or a company's own period table.

Every calendar is a run of Monday–Sunday weeks numbered ``week_id`` 0…T−1 and grouped into
fiscal periods (SPEC §1.1 ``calendar`` table). Three builders:

- :func:`calendar_445` — 52-week fiscal years of 4-4-5 periods (the simulator's default).
- :func:`calendar_months` — fiscal periods are calendar months: each Monday-based week belongs
  to the month that contains its **Thursday** (the ISO 8601 rule, so a week never straddles
  two periods and each month has 4 or 5 weeks).
- :func:`calendar_from_periods` / :func:`calendar_from_weeks` — the company's own table of
  periods (start and end dates) or weeks (week start → fiscal year and period).

Trading events (Spring Festival, 618, Double 11 …) are marked on the week holding the date
(``event_offset`` 0) and the two weeks before and one after (offsets −2, −1, +1).

>>> cal = calendar_months("2024-01-01", "2024-03-31")  # whole fiscal years: all of 2024
>>> cal.groupby("period_key").size().head(3).to_dict()
{'FY2024-P01': 4, 'FY2024-P02': 5, 'FY2024-P03': 4}
>>> cal.loc[0, ["week_start", "week_end"]].dt.strftime("%Y-%m-%d").tolist()
['2024-01-01', '2024-01-07']
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamlab.data.schemas import conform

__all__ = [
    "EVENT_DATES",
    "calendar_445",
    "calendar_from_periods",
    "calendar_from_weeks",
    "calendar_months",
    "week_of",
]

_LUNAR = {
    "SPRING_FESTIVAL": [
        "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17",
        "2027-02-06",
    ],
    "DRAGON_BOAT": [
        "2021-06-14", "2022-06-03", "2023-06-22", "2024-06-10", "2025-05-31", "2026-06-19",
        "2027-06-09",
    ],
    "MID_AUTUMN": [
        "2021-09-21", "2022-09-10", "2023-09-29", "2024-09-17", "2025-10-06", "2026-09-25",
        "2027-09-15",
    ],
}  # fmt: skip
_FIXED = {
    "LABOUR_DAY": (5, 1),
    "E618": (6, 18),
    "NATIONAL_DAY": (10, 1),
    "D11": (11, 11),
    "D12": (12, 12),
}


def EVENT_DATES(first_year: int, last_year: int) -> list[tuple[str, pd.Timestamp]]:  # noqa: N802
    """Chinese trading-event dates between two calendar years (lunar ones for 2021–2027)."""
    out: list[tuple[str, pd.Timestamp]] = []
    for code, dates in _LUNAR.items():
        out += [(code, pd.Timestamp(d)) for d in dates if first_year <= int(d[:4]) <= last_year]
    for code, (month, day) in _FIXED.items():
        out += [(code, pd.Timestamp(year, month, day)) for year in range(first_year, last_year + 1)]
    return sorted(out, key=lambda e: e[1])


def _monday(value: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value).normalize()
    return ts - pd.Timedelta(days=ts.day_of_week)


def _finish(week_start: pd.DatetimeIndex, fy: np.ndarray, period: np.ndarray) -> pd.DataFrame:
    """Build the calendar table from week starts and each week's fiscal year and period."""
    n = len(week_start)
    fy = np.asarray(fy, dtype="int64")
    period = np.asarray(period, dtype="int64")
    new_period = np.r_[True, (fy[1:] != fy[:-1]) | (period[1:] != period[:-1])]
    run = np.cumsum(new_period) - 1
    run_start = np.flatnonzero(new_period)
    week_of_period = np.arange(n) - run_start[run] + 1
    weeks_in_period = np.bincount(run)[run]
    new_year = np.r_[True, fy[1:] != fy[:-1]]
    year_run = np.cumsum(new_year) - 1
    week_of_year = np.arange(n) - np.flatnonzero(new_year)[year_run] + 1
    df = pd.DataFrame(
        {
            "week_id": np.arange(n),
            "week_start": week_start,
            "week_end": week_start + pd.Timedelta(days=6),
            "fiscal_year": fy,
            "fiscal_quarter": (period - 1) // 3 + 1,
            "fiscal_period": period,
            "period_key": [f"FY{y}-P{p:02d}" for y, p in zip(fy, period, strict=True)],
            "week_of_period": week_of_period,
            "weeks_in_period": weeks_in_period,
            "is_period_last_week": week_of_period == weeks_in_period,
            "week_of_year": week_of_year,
            "event_code": pd.Series([None] * n, dtype="object"),
            "event_offset": pd.array([pd.NA] * n, dtype="Int8"),
        }
    )
    if n:
        first, last = week_start[0], week_start[-1] + pd.Timedelta(days=6)
        codes = [None] * n
        offsets: list[object] = [pd.NA] * n
        priority = [9] * n  # lower = closer to the event week
        for code, date in EVENT_DATES(first.year - 1, last.year + 1):
            w = (date - first).days // 7
            for off in (0, -1, 1, -2):
                i = w + off
                if 0 <= i < n and abs(off) < priority[i]:
                    codes[i], offsets[i], priority[i] = code, off, abs(off)
        df["event_code"] = codes
        df["event_offset"] = pd.array(offsets, dtype="Int8")
    return conform(df, "calendar")


def calendar_445(start: str | dt.date = "2023-01-02", years: int = 2) -> pd.DataFrame:
    """``years`` 52-week fiscal years of 4-4-5 periods from the Monday ``start``.

    A fiscal year is named after the calendar year of its first Thursday (FY2025 starts on
    2024-12-30). Periods have 4, 4, 5 weeks in every quarter.

    >>> cal = calendar_445("2023-01-02", years=1)
    >>> len(cal), cal.weeks_in_period.iloc[[0, 4, 8]].tolist(), cal.period_key.iloc[-1]
    (52, [4, 4, 5], 'FY2023-P12')
    """
    monday = pd.Timestamp(start).normalize()
    if monday.day_of_week != 0:
        raise ValueError(
            f"start must be a Monday (a 4-4-5 fiscal year starts on a Monday); "
            f"{monday.date()} is not. Use {_monday(monday).date()} instead."
        )
    if years < 1:
        raise ValueError(f"years must be at least 1; got {years}.")
    n = 52 * years
    week_start = pd.date_range(monday, periods=n, freq="7D")
    year_index = np.arange(n) // 52
    first_thursdays = [monday + pd.Timedelta(weeks=52 * y, days=3) for y in range(years)]
    fy = np.array([d.year for d in first_thursdays])[year_index]
    pattern = np.repeat(np.arange(1, 13), [4, 4, 5] * 4)
    period = np.tile(pattern, years)
    return _finish(week_start, fy, period)


def _fiscal_of_month(year: np.ndarray, month: np.ndarray, first_month: int) -> tuple:
    """Fiscal year and period of calendar (year, month) for a year starting in ``first_month``.

    The fiscal year is named after the calendar year in which it ends (April 2024 – March 2025
    is FY2025); with ``first_month=1`` it is simply the calendar year.
    """
    shifted = month - first_month  # 0-based months since fiscal-year start, may be negative
    period = shifted % 12 + 1
    fy = year + (month >= first_month).astype(int) * (1 if first_month > 1 else 0)
    return fy, period


def calendar_months(
    start: str | dt.date, end: str | dt.date, *, first_month: int = 1
) -> pd.DataFrame:
    """Fiscal periods = calendar months, covering whole fiscal years from ``start`` to ``end``.

    Weeks run Monday–Sunday; a week belongs to the month holding its Thursday, so every month
    has 4 or 5 weeks. The calendar spans whole fiscal years (so annual targets line up),
    starting with the year that contains ``start`` and ending with the one that contains
    ``end``. ``first_month`` (1–12) is the month a fiscal year starts in; a year starting in
    April 2024 ends in March 2025 and is called FY2025.

    >>> cal = calendar_months("2024-05-01", "2024-05-31", first_month=4)
    >>> cal.period_key.iloc[0], cal.period_key.iloc[-1], len(cal)
    ('FY2025-P01', 'FY2025-P12', 52)
    """
    if not 1 <= int(first_month) <= 12:
        raise ValueError(f"first_month must be between 1 and 12; got {first_month}.")
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if e < s:
        raise ValueError(f"the calendar end {e.date()} is before its start {s.date()}.")
    # first day of the fiscal year containing s, last day of the fiscal year containing e
    fy_start_year = s.year if s.month >= first_month else s.year - 1
    fy_first_day = pd.Timestamp(fy_start_year, first_month, 1)
    fy_end_year = e.year if e.month >= first_month else e.year - 1
    fy_last_day = pd.Timestamp(fy_end_year + 1, first_month, 1) - pd.Timedelta(days=1)
    # the first week is the one whose Thursday is on/after the first day of the fiscal year
    thursday0 = fy_first_day + pd.Timedelta(days=(3 - fy_first_day.day_of_week) % 7)
    first_monday = thursday0 - pd.Timedelta(days=3)
    thursdays = pd.date_range(thursday0, fy_last_day, freq="7D")
    week_start = pd.DatetimeIndex(thursdays - pd.Timedelta(days=3))
    assert week_start[0] == first_monday
    fy, period = _fiscal_of_month(
        thursdays.year.to_numpy(), thursdays.month.to_numpy(), int(first_month)
    )
    return _finish(week_start, fy, period)


def calendar_from_weeks(
    week_start: pd.Series, fiscal_year: pd.Series, fiscal_period: pd.Series
) -> pd.DataFrame:
    """A company calendar given one row per week (its Monday, fiscal year and period).

    Weeks must be Mondays, 7 days apart, without gaps; rows may come in any order.
    Raises ``ValueError`` naming the first offending week.
    """
    df = pd.DataFrame(
        {
            "week_start": pd.to_datetime(week_start).dt.normalize(),
            "fy": pd.to_numeric(fiscal_year),
            "p": pd.to_numeric(fiscal_period),
        }
    ).sort_values("week_start", kind="stable")
    ws = pd.DatetimeIndex(df["week_start"])
    bad = ws.day_of_week != 0
    if bad.any():
        d = ws[bad][0]
        raise ValueError(
            f"calendar week_start {d.date()} is not a Monday; list each week by its Monday."
        )
    step = np.diff(ws.to_numpy()) != np.timedelta64(7, "D")
    if step.any():
        i = int(np.flatnonzero(step)[0])
        raise ValueError(
            f"calendar weeks must follow each other without gaps or repeats; after "
            f"{ws[i].date()} comes {ws[i + 1].date()}."
        )
    return _finish(ws, df["fy"].to_numpy(), df["p"].to_numpy())


def calendar_from_periods(
    period_start: pd.Series,
    period_end: pd.Series,
    fiscal_year: pd.Series,
    fiscal_period: pd.Series,
) -> pd.DataFrame:
    """A company calendar given one row per fiscal period (first day, last day, FY, period).

    Each Monday-based week belongs to the period that contains its Thursday; weeks whose
    Thursday lies in no period are left out (only at the ends: a gap inside raises).
    """
    df = pd.DataFrame(
        {
            "s": pd.to_datetime(period_start).dt.normalize(),
            "e": pd.to_datetime(period_end).dt.normalize(),
            "fy": pd.to_numeric(fiscal_year),
            "p": pd.to_numeric(fiscal_period),
        }
    ).sort_values("s", kind="stable")
    if (df["e"] < df["s"]).any():
        row = df[df["e"] < df["s"]].iloc[0]
        raise ValueError(
            f"calendar period FY{row.fy} P{row.p} ends ({row.e.date()}) before it starts "
            f"({row.s.date()})."
        )
    nxt = df["s"].to_numpy()[1:]
    prev_end = df["e"].to_numpy()[:-1]
    jump = nxt != prev_end + np.timedelta64(1, "D")
    if jump.any():
        i = int(np.flatnonzero(jump)[0])
        raise ValueError(
            f"calendar periods must follow each other day by day; a period ends on "
            f"{pd.Timestamp(prev_end[i]).date()} but the next starts on "
            f"{pd.Timestamp(nxt[i]).date()}."
        )
    first_thu = df["s"].iloc[0] + pd.Timedelta(days=(3 - df["s"].iloc[0].day_of_week) % 7)
    thursdays = pd.date_range(first_thu, df["e"].iloc[-1], freq="7D")
    idx = np.searchsorted(df["s"].to_numpy(), thursdays.to_numpy(), side="right") - 1
    fy = df["fy"].to_numpy()[idx]
    period = df["p"].to_numpy()[idx]
    return _finish(pd.DatetimeIndex(thursdays - pd.Timedelta(days=3)), fy, period)


def week_of(dates: pd.Series, calendar: pd.DataFrame) -> pd.Series:
    """The ``week_id`` of each date (``<NA>`` outside the calendar).

    >>> cal = calendar_445("2023-01-02", years=1)
    >>> week_of(pd.Series(pd.to_datetime(["2023-01-02", "2023-01-15", "2022-12-31"])), cal).tolist()
    [0, 1, <NA>]
    """
    first = pd.Timestamp(calendar["week_start"].iloc[0])
    d = pd.to_datetime(dates).dt.normalize()
    days = (d - first).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    w = np.floor(days / 7)
    ok = (w >= 0) & (w < len(calendar))
    out = pd.array(np.where(ok, w, 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=dates.index)
