"""Numbers and times as a Dutch or English reader expects them: 0,32 and 13.478 in Dutch,
0.32 and 13,478 in English; times in Europe/Amsterdam (the database keeps UTC)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")


def format_number(value: float | int, lang: str, decimals: int | None = None) -> str:
    """1234.5 -> '1.234,5' (nl) or '1,234.5' (en); `decimals` fixes the number of decimals."""
    if decimals is None:
        if isinstance(value, float) and not value.is_integer():
            decimals = len(repr(value).split(".")[1])
        else:
            decimals, value = 0, int(value)
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def local_time(value: dt.datetime, with_time: bool = True) -> str:
    """'2 december 2026, 10:41' style without locale data: day-month-year and 24-hour time."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(LOCAL)
    return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")
