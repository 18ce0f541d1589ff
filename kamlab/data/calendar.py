"""The fiscal calendar: Monday–Sunday weeks grouped into 4-4-5 periods or calendar months.

SPEC §0.2 / §1.1: the world runs on a weekly grain; ``week_id`` is 0-based; fiscal years have
52 weeks split into quarters of 4, 4 and 5 weeks (FY2023 starts 2023-01-02, FY2024 2024-01-01,
FY2025 2024-12-30). "Month" in the source system means fiscal period.

Two builders return the ``calendar`` table (conformed to its schema):

- :func:`fiscal_calendar` — ``n_weeks`` weeks of 52-week 4-4-5 fiscal years (the simulator's
  calendar; any number of weeks, so the simulator can look a quarter beyond the world's end).
- :func:`calendar_months` — fiscal periods are calendar months: each Monday-based week belongs
  to the month holding its **Thursday** (the ISO 8601 rule), so every month has 4 or 5 weeks;
  for companies that report by calendar month (used by the importer).

Trading events (SPEC §1.1: Spring Festival, Labour Day, 618, Dragon Boat, Mid-Autumn, National
Day, Double 11, Double 12) are marked on the week holding the date (``event_offset`` 0) and the
two weeks before and one after (offsets −2, −1, +1); where two events compete for a week, the
week closer to its event wins, ties going to the earlier event. :func:`event_weeks` gives the
event weeks of a calendar directly (the simulator's event multipliers use it, so two events
in one week — Mid-Autumn and National Day in 2023 — both act).

>>> cal = fiscal_calendar(104)
>>> len(cal), cal.period_key.iloc[0], cal.period_key.iloc[-1]
(104, 'FY2023-P01', 'FY2024-P12')
>>> cal.weeks_in_period.iloc[[0, 4, 8, 13]].tolist()
[4, 4, 5, 4]
>>> cal.loc[cal.event_offset == 0, "event_code"].astype(str).tolist()[:3]
['SPRING_FESTIVAL', 'LABOUR_DAY', 'E618']
>>> str(fiscal_calendar(1, start=date(2024, 12, 30)).period_key[0])
'FY2025-P01'
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from kamlab.data.schemas import EVENT_CODES, conform

__all__ = [
    "DEFAULT_START",
    "EVENT_DATES",
    "calendar_months",
    "event_dates",
    "event_weeks",
    "fiscal_calendar",
    "period_index",
    "week_of",
]

#: The first Monday of FY2023, the simulator's week 0.
DEFAULT_START = date(2023, 1, 2)

#: Lunar-calendar event dates (SPEC §1.1 gives 2023–2025; neighbouring years added).
_LUNAR: dict[str, tuple[str, ...]] = {
    "SPRING_FESTIVAL": (
        "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17",
        "2027-02-06",
    ),
    "DRAGON_BOAT": (
        "2021-06-14", "2022-06-03", "2023-06-22", "2024-06-10", "2025-05-31", "2026-06-19",
        "2027-06-09",
    ),
    "MID_AUTUMN": (
        "2021-09-21", "2022-09-10", "2023-09-29", "2024-09-17", "2025-10-06", "2026-09-25",
        "2027-09-15",
    ),
}  # fmt: skip
#: Fixed-date events (month, day).
_FIXED: dict[str, tuple[int, int]] = {
    "LABOUR_DAY": (5, 1),
    "E618": (6, 18),
    "NATIONAL_DAY": (10, 1),
    "D11": (11, 11),
    "D12": (12, 12),
}
#: Every event code with its dates, for reference (lunar events for 2021–2027 only).
EVENT_DATES: dict[str, tuple[str, ...]] = {
    **_LUNAR,
    **{
        code: tuple(f"{y}-{m:02d}-{d:02d}" for y in range(2021, 2028))
        for code, (m, d) in _FIXED.items()
    },
}


def event_dates(first_year: int, last_year: int) -> list[tuple[str, date]]:
    """Trading-event dates in calendar years ``first_year..last_year``, sorted by date.

    Lunar events are known for 2021–2027; outside those years only fixed-date events appear.

    >>> [(c, d.isoformat()) for c, d in event_dates(2023, 2023)][:2]
    [('SPRING_FESTIVAL', '2023-01-22'), ('LABOUR_DAY', '2023-05-01')]
    """
    out: list[tuple[str, date]] = []
    for code, dates in _LUNAR.items():
        out += [
            (code, date.fromisoformat(d)) for d in dates if first_year <= int(d[:4]) <= last_year
        ]
    for code, (m, d) in _FIXED.items():
        out += [(code, date(y, m, d)) for y in range(first_year, last_year + 1)]
    order = {c: i for i, c in enumerate(EVENT_CODES)}
    return sorted(out, key=lambda e: (e[1], order[e[0]]))


def _as_date(value: date | str | pd.Timestamp, name: str) -> date:
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as 2023-01-02; got {value!r}.") from None


def _finish(week_start: pd.DatetimeIndex, fy: np.ndarray, period: np.ndarray) -> pd.DataFrame:
    """The calendar table from week starts and each week's fiscal year and period."""
    n = len(week_start)
    fy = np.asarray(fy, dtype=np.int64)
    period = np.asarray(period, dtype=np.int64)
    new_period = np.r_[True, (fy[1:] != fy[:-1]) | (period[1:] != period[:-1])] if n else []
    run = np.cumsum(new_period) - 1
    run_start = np.flatnonzero(new_period)
    week_of_period = np.arange(n) - run_start[run] + 1 if n else np.zeros(0, np.int64)
    weeks_in_period = np.bincount(run)[run] if n else np.zeros(0, np.int64)
    new_year = np.r_[True, fy[1:] != fy[:-1]] if n else []
    year_run = np.cumsum(new_year) - 1
    week_of_year = np.arange(n) - np.flatnonzero(new_year)[year_run] + 1 if n else []
    codes: list[object] = [None] * n
    offsets: list[object] = [pd.NA] * n
    if n:
        first = week_start[0].date()
        priority = [9] * n
        for code, day in event_dates(first.year - 1, week_start[-1].year + 1):
            w = (day - first).days // 7
            for off in (0, -1, 1, -2):
                i = w + off
                if 0 <= i < n and abs(off) < priority[i]:
                    codes[i], offsets[i], priority[i] = code, off, abs(off)
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
            "is_period_last_week": np.asarray(week_of_period) == np.asarray(weeks_in_period),
            "week_of_year": week_of_year,
            "event_code": pd.Series(codes, dtype="object"),
            "event_offset": pd.array(offsets, dtype="Int8"),
        }
    )
    return conform(df, "calendar", sort=False)


def fiscal_calendar(
    n_weeks: int,
    start: date | str = DEFAULT_START,
    *,
    pattern: tuple[int, ...] = (4, 4, 5),
    first_fiscal_year: int | None = None,
) -> pd.DataFrame:
    """``n_weeks`` Monday–Sunday weeks of 52-week 4-4-5 fiscal years from the Monday ``start``.

    Each fiscal year has 52 weeks in 12 periods of ``pattern`` weeks (4, 4, 5 per quarter by
    default). A fiscal year is named after the calendar year of its first Thursday (FY2025
    starts on 2024-12-30) unless ``first_fiscal_year`` is given. ``n_weeks`` need not be a
    multiple of 52: the simulator builds a quarter more than the world it shows.

    >>> cal = fiscal_calendar(56)
    >>> cal.groupby("period_key").size().iloc[:3].tolist(), cal.period_key.iloc[-1]
    ([4, 4, 5], 'FY2024-P01')
    >>> bool(cal.is_period_last_week.iloc[3]), int(cal.week_of_year.iloc[55])
    (True, 4)
    """
    if not isinstance(n_weeks, int | np.integer) or n_weeks < 1:
        raise ValueError(f"n_weeks must be a positive whole number of weeks; got {n_weeks!r}.")
    pat = tuple(int(p) for p in pattern)
    if sum(pat) * 12 // len(pat) != 52 or 12 % len(pat) or any(p < 1 for p in pat):
        raise ValueError(
            f"pattern must split a quarter-structured 52-week year, e.g. (4, 4, 5); got {pattern!r}."
        )
    monday = _as_date(start, "start")
    if monday.weekday() != 0:
        fix = monday - timedelta(days=monday.weekday())
        raise ValueError(
            f"start must be a Monday (a fiscal week runs Monday–Sunday); {monday} is a "
            f"{monday.strftime('%A')}. Use {fix} instead."
        )
    n = int(n_weeks)
    week_start = pd.date_range(pd.Timestamp(monday), periods=n, freq="7D")
    year_index = np.arange(n) // 52
    n_years = int(year_index[-1]) + 1
    if first_fiscal_year is None:
        names = [(monday + timedelta(weeks=52 * y, days=3)).year for y in range(n_years)]
    else:
        names = [int(first_fiscal_year) + y for y in range(n_years)]
    fy = np.asarray(names)[year_index]
    per_year = np.repeat(np.arange(1, 13), list(pat) * (12 // len(pat)))
    period = per_year[np.arange(n) % 52]
    return _finish(week_start, fy, period)


def calendar_months(start: date | str, end: date | str, *, first_month: int = 1) -> pd.DataFrame:
    """Fiscal periods = calendar months, covering whole fiscal years from ``start`` to ``end``.

    Weeks run Monday–Sunday; a week belongs to the month holding its Thursday, so every month
    has 4 or 5 weeks and a year 52 or 53. The calendar spans whole fiscal years, from the year
    containing ``start`` to the one containing ``end``. ``first_month`` (1–12) is the month a
    fiscal year starts in; a year starting in April 2024 ends in March 2025 and is FY2025.

    >>> cal = calendar_months("2024-01-01", "2024-03-31")
    >>> cal.groupby("period_key").size().head(3).to_dict()
    {'FY2024-P01': 4, 'FY2024-P02': 5, 'FY2024-P03': 4}
    >>> len(cal)
    52
    """
    if not 1 <= int(first_month) <= 12:
        raise ValueError(f"first_month must be between 1 and 12; got {first_month}.")
    s, e = pd.Timestamp(_as_date(start, "start")), pd.Timestamp(_as_date(end, "end"))
    if e < s:
        raise ValueError(f"the calendar end {e.date()} is before its start {s.date()}.")
    fy_start_year = s.year if s.month >= first_month else s.year - 1
    fy_first_day = pd.Timestamp(fy_start_year, first_month, 1)
    fy_end_year = e.year if e.month >= first_month else e.year - 1
    fy_last_day = pd.Timestamp(fy_end_year + 1, first_month, 1) - pd.Timedelta(days=1)
    thursday0 = fy_first_day + pd.Timedelta(days=(3 - fy_first_day.day_of_week) % 7)
    thursdays = pd.date_range(thursday0, fy_last_day, freq="7D")
    month = thursdays.month.to_numpy()
    year = thursdays.year.to_numpy()
    period = (month - first_month) % 12 + 1
    fy = year + ((month >= first_month) & (first_month > 1)).astype(int)
    return _finish(pd.DatetimeIndex(thursdays - pd.Timedelta(days=3)), fy, period)


def event_weeks(calendar: pd.DataFrame) -> dict[str, np.ndarray]:
    """Week ids (offset 0) of every trading event inside ``calendar``, by event code.

    Unlike the ``event_code`` column (one code per week), this keeps both events when two fall
    in the same week.

    >>> ev = event_weeks(fiscal_calendar(104))
    >>> ev["D11"].tolist(), ev["MID_AUTUMN"].tolist(), ev["NATIONAL_DAY"].tolist()
    ([44, 97], [38, 89], [38, 91])
    """
    ws = pd.DatetimeIndex(calendar["week_start"])
    first = ws[0].date()
    n = len(ws)
    out: dict[str, list[int]] = {c: [] for c in EVENT_CODES}
    for code, day in event_dates(first.year - 1, ws[-1].year + 1):
        w = (day - first).days // 7
        if 0 <= w < n:
            out[code].append(w)
    return {c: np.asarray(v, dtype=np.int64) for c, v in out.items()}


def period_index(calendar: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """``(idx, keys)``: each week's 0-based period number and the period keys in order.

    >>> idx, keys = period_index(fiscal_calendar(13))
    >>> idx.tolist(), keys
    ([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2], ['FY2023-P01', 'FY2023-P02', 'FY2023-P03'])
    """
    pk = calendar["period_key"].astype(str).to_numpy()
    new = np.r_[True, pk[1:] != pk[:-1]]
    return np.cumsum(new) - 1, pk[new].tolist()


def week_of(dates: pd.Series, calendar: pd.DataFrame) -> pd.Series:
    """The ``week_id`` of each date (``<NA>`` outside the calendar).

    >>> cal = fiscal_calendar(52)
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
