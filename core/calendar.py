"""Swedish business days (weekdays minus Swedish public holidays), used for promised
delivery dates, service levels and rent rules."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> frozenset[dt.date]:
    # Only true public holidays; Sundays listed by `holidays` are weekends anyway.
    return frozenset(holidays.Sweden(years=year, include_sundays=False).keys())


def is_weekday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def add_weekdays(start: dt.date, days: int) -> dt.date:
    """The date `days` Swedish weekdays after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_weekday(day):
            remaining -= 1
    return day


def weekdays_between(start: dt.date, end: dt.date) -> int:
    """Number of Swedish weekdays in (start, end]."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_weekday(day):
            count += 1
    return count


def next_weekday(day: dt.date) -> dt.date:
    while not is_weekday(day):
        day += dt.timedelta(days=1)
    return day
