"""Ages from FHIR birth dates: whole years, or the range a partial birth date ("1950",
"1950-06") allows, so that a rule decides only when both ends agree (issue 20)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from keuzewijs.rules.interval import Interval

__all__ = ["add_years", "age"]


def age(born: Any, today: dt.date) -> int | Interval | None:
    """Whole years on `today`. A partial birth date (FHIR allows "1950" and "1950-06") gives
    the two ages it allows as a range, so that a rule decides only when both agree."""
    if isinstance(born, dt.datetime):
        born = born.date()
    if isinstance(born, dt.date):
        return _years(born, today)
    if not isinstance(born, str):
        return None
    parts = born.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else None
    except ValueError:
        return None
    if not 1 <= year <= today.year or (month is not None and not 1 <= month <= 12):
        return None
    first = dt.date(year, month or 1, 1)
    if month is None or month == 12:
        last = dt.date(year, 12, 31)
    else:
        last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    if first > today:
        return None
    oldest, youngest = _years(first, today), max(_years(min(last, today), today), 0)
    if youngest == oldest:
        return oldest
    return Interval.between(youngest, oldest)


def _years(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def add_years(born: dt.date, years: int) -> dt.datetime:
    try:
        day = born.replace(year=born.year + years)
    except ValueError:  # 29 February
        day = born.replace(year=born.year + years, day=28)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
