"""A number known only as a range, e.g. a lab result reported as "<60".

An EHR may state an eGFR as `<60` (FHIR `valueQuantity.comparator`). Reading it as 60 would be
wrong; reading it as unknown loses what it does say. An `Interval` keeps exactly what is known:
`<60` decides `ge 60` (false) and `lt 60` (true) but leaves `lt 30` unknown.

The evaluator compares an interval three-valued (`compare`); everything else in the engine
treats it as an opaque profile value. It serialises as its FHIR form (`"<60"`), so a trace shows
what the record said.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer

COMPARATORS = ("<", "<=", ">=", ">")


class Interval(BaseModel):
    """The values a number may have: one-sided, as a FHIR comparator states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    comparator: str
    bound: float

    @classmethod
    def of(cls, comparator: str, bound: float) -> Interval:
        if comparator not in COMPARATORS:
            raise ValueError(f"comparator must be one of {', '.join(COMPARATORS)}")
        return cls(comparator=comparator, bound=float(bound))

    def __str__(self) -> str:
        bound = int(self.bound) if self.bound.is_integer() else self.bound
        return f"{self.comparator}{bound}"

    @model_serializer
    def _as_text(self) -> str:
        return str(self)

    def compare(self, op: str, value: Any) -> bool | None:
        """`x <op> value` for every x in the interval: True, False, or None (depends on x)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if op in ("eq", "ne"):
            inside = self._contains(float(value))
            if inside:  # a single point inside a range of values: undecided
                return None
            return op == "ne"
        below = self.comparator in ("<", "<=")  # the interval is (-inf, bound) or (-inf, bound]
        closed = self.comparator in ("<=", ">=")
        b, v = self.bound, float(value)
        if below:
            # every x satisfies `x < v` when the interval lies wholly below v
            all_lt = b < v or (b == v and not closed)
            all_le = b <= v
            none_gt = b <= v  # no x exceeds v
            none_ge = b < v or (b == v and not closed)
            results = {
                "lt": True if all_lt else None,
                "le": True if all_le else None,
                "gt": False if none_gt else None,
                "ge": False if none_ge else None,
            }
        else:
            all_gt = b > v or (b == v and not closed)
            all_ge = b >= v
            none_lt = b >= v
            none_le = b > v or (b == v and not closed)
            results = {
                "gt": True if all_gt else None,
                "ge": True if all_ge else None,
                "lt": False if none_lt else None,
                "le": False if none_le else None,
            }
        return results.get(op)

    def _contains(self, v: float) -> bool:
        return {
            "<": v < self.bound,
            "<=": v <= self.bound,
            ">": v > self.bound,
            ">=": v >= self.bound,
        }[self.comparator]
