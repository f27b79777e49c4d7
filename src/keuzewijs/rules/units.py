"""Time windows are first-class: a condition may say `{value: 9, unit: months}` for a field in
weeks.

Conversion uses calendar definitions (a Gregorian year is 365.2425 days, a month a
twelfth of it), not clinical figures.
"""

from __future__ import annotations

from keuzewijs.packs.conditions import Quantity

HOURS_PER = {
    "hours": 1.0,
    "days": 24.0,
    "weeks": 7 * 24.0,
    "months": 365.2425 * 24.0 / 12,
    "years": 365.2425 * 24.0,
}


def convert(value: float, from_unit: str, to_unit: str) -> float:
    return value * HOURS_PER[from_unit] / HOURS_PER[to_unit]


def in_field_unit(value: object, field_unit: str | None) -> object:
    """A condition value expressed in the unit of the profile field it is compared with."""
    if isinstance(value, Quantity):
        if field_unit is None:
            raise ValueError("a time span can only be compared with a duration field")
        return convert(value.value, value.unit, field_unit)
    return value
