"""Numbers and times as a Dutch or English reader expects them: 0,32 and 13.478 in Dutch,
0.32 and 13,478 in English; times in Europe/Amsterdam (the database keeps UTC)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")


def format_number(value: float | int, lang: str, decimals: int | None = None) -> str:
    """1234.5 -> '1.234,5' (nl) or '1,234.5' (en); `decimals` fixes the number of decimals."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif isinstance(value, float) and not value.is_integer():
        # the shortest repr's digits, also when repr writes 1e-05 (hypothesis found an answer of
        # 0.00001 that raised IndexError here); Decimal, because rounding the float to as many
        # decimals can give another float (2**-24 -> ...062 where repr has ...063)
        text = f"{Decimal(repr(value)):,f}"
    else:
        text = f"{int(value):,d}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def local_time(value: dt.datetime, with_time: bool = True) -> str:
    """'2 december 2026, 10:41' style without locale data: day-month-year and 24-hour time."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(LOCAL)
    return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")
