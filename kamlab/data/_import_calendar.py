"""Calendars for imported worlds: 4-4-5, calendar months, or a company's own period table.

Every calendar is a run of Monday–Sunday weeks numbered ``week_id`` 0…T−1 and grouped into
fiscal periods (SPEC §1.1 ``calendar`` table). The 4-4-5 and calendar-month builders are the
simulator's (:mod:`kamlab.data.calendar`); this module adds the company's own tables:

- :func:`calendar_445` — ``years`` 52-week fiscal years of 4-4-5 periods
  (:func:`kamlab.data.calendar.fiscal_calendar`).
- :func:`calendar_months` — fiscal periods are calendar months: each Monday-based week belongs
  to the month that contains its **Thursday** (the ISO 8601 rule, so a week never straddles
  two periods and each month has 4 or 5 weeks).
- :func:`calendar_from_periods` / :func:`calendar_from_weeks` — the company's own table of
  periods (start and end dates) or weeks (week start → fiscal year and period).

Trading events (Spring Festival, 618, Double 11 …) are marked as in the simulator's calendar:
the week holding the date gets ``event_offset`` 0, the two weeks before and one after −2, −1,
+1, and where two events compete for a week the one closer to its event wins.

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

from kamlab.data.calendar import calendar_months, event_dates, fiscal_calendar, week_of
from kamlab.data.schemas import conform

__all__ = [
    "calendar_445",
    "calendar_from_periods",
    "calendar_from_weeks",
    "calendar_months",
    "week_of",
]


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
        for code, day in event_dates(first.year - 1, last.year + 1):
            w = (pd.Timestamp(day) - first).days // 7
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
    if not isinstance(years, int) or years < 1:
        raise ValueError(f"years must be a whole number of at least 1; got {years!r}.")
    return fiscal_calendar(52 * years, start=pd.Timestamp(start).date())


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
