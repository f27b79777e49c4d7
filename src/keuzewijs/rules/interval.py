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
BETWEEN = "between"  # a closed range [bound, high], e.g. an age from a birth year


class Interval(BaseModel):
    """The values a number may have: one-sided, as a FHIR comparator states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    comparator: str
    bound: float
    high: float | None = None  # only for BETWEEN

    @classmethod
    def between(cls, low: float, high: float) -> Interval:
        """Every value from `low` to `high`, both included (a partial birth date gives an age
        that is one of two whole years)."""
        if high < low:
            raise ValueError("high must not be below low")
        return cls(comparator=BETWEEN, bound=float(low), high=float(high))

    @classmethod
    def of(cls, comparator: str, bound: float) -> Interval:
        if comparator not in COMPARATORS:
            raise ValueError(f"comparator must be one of {', '.join(COMPARATORS)}")
        return cls(comparator=comparator, bound=float(bound))

    def __str__(self) -> str:
        def show(x: float) -> str:
            return str(int(x)) if x.is_integer() else str(x)

        if self.comparator == BETWEEN and self.high is not None:
            return f"{show(self.bound)}..{show(self.high)}"
        return f"{self.comparator}{show(self.bound)}"

    @model_serializer
    def _as_text(self) -> str:
        return str(self)

    def compare(self, op: str, value: Any) -> bool | None:
        """`x <op> value` for every x in the interval: True, False, or None (depends on x)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if self.comparator == BETWEEN and self.high is not None:
            return self._compare_between(op, float(value), self.bound, self.high)
        if op in ("eq", "ne"):
            inside = self._contains(float(value))
            if inside:  # a single point inside a range of values: undecided
                return None
            return op == "ne"
        closed = self.comparator in ("<=", ">=")
        if self.comparator in ("<", "<="):  # the interval is (-inf, bound) or (-inf, bound]
            return _compare_below(op, self.bound, float(value), closed)
        return _compare_above(op, self.bound, float(value), closed)

    @staticmethod
    def _compare_between(op: str, v: float, low: float, high: float) -> bool | None:
        """`x <op> v` for every x in [low, high]: decided only when the whole range agrees."""
        if op in ("eq", "ne"):
            if low == high:
                return (low == v) == (op == "eq")
            if v < low or v > high:
                return op == "ne"
            return None
        all_true = {"lt": high < v, "le": high <= v, "gt": low > v, "ge": low >= v}
        all_false = {"lt": low >= v, "le": low > v, "gt": high <= v, "ge": high < v}
        if op not in all_true:
            return None
        if all_true[op]:
            return True
        if all_false[op]:
            return False
        return None

    def _contains(self, v: float) -> bool:
        if self.comparator == BETWEEN and self.high is not None:
            return self.bound <= v <= self.high
        return {
            "<": v < self.bound,
            "<=": v <= self.bound,
            ">": v > self.bound,
            ">=": v >= self.bound,
        }[self.comparator]


def _compare_below(op: str, b: float, v: float, closed: bool) -> bool | None:
    """`x <op> v` for every x in (-inf, b) (or (-inf, b] when closed)."""
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
    return results.get(op)


def _compare_above(op: str, b: float, v: float, closed: bool) -> bool | None:
    """`x <op> v` for every x in (b, inf) (or [b, inf) when closed)."""
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
