"""UCUM unit conversion for observation values, by a UCUM library (ucumvert, on pint).

UCUM gives annotations (`{1.73_m2}`) no meaning, so `mL/min` and `mL/min/{1.73_m2}` would convert
into each other; clinically they differ (a measured clearance is not a body-surface-normalised
eGFR). Annotations must therefore be equal, and only the rest is converted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ANNOTATION = re.compile(r"\{[^}]*\}")


class UnitError(ValueError):
    """The value cannot be expressed in the wanted unit."""


@lru_cache(maxsize=1)
def _registry() -> Any:
    from ucumvert import PintUcumRegistry  # loads the UCUM grammar once (slow, so lazily)

    return PintUcumRegistry()


@lru_cache(maxsize=256)
def _factor(from_code: str, to_code: str) -> float:
    if sorted(_ANNOTATION.findall(from_code)) != sorted(_ANNOTATION.findall(to_code)):
        raise UnitError(f"annotations differ ({from_code} vs {to_code})")
    reg = _registry()
    try:
        source = reg.from_ucum(from_code)
        target = reg.from_ucum(to_code)
        return float((source / target).to("dimensionless").magnitude)
    except Exception as exc:  # the library raises parser and dimensionality errors of its own kinds
        raise UnitError(
            f"{from_code} cannot be converted to {to_code} ({type(exc).__name__})"
        ) from None


def convert(value: float, from_code: str, to_code: str) -> float:
    """`value` in UCUM unit `from_code` expressed in `to_code`; UnitError when not possible."""
    if from_code == to_code:
        return value
    return value * _factor(from_code, to_code)
