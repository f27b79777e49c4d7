"""Three-valued (Kleene) evaluation of a condition on one profile.

A field missing from the profile makes a comparison *unknown* (None), and the
field is reported as missing so the advice can say which answer it needs (only
fields of parts that are still unknown: a part already decided needs no answer).
`all` is false as soon as one part is false, `any` true as soon as one part is
true; otherwise unknown parts make the whole unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, Op

from .interval import Interval
from .units import in_field_unit
from .visitor import COMPARISONS, ConditionVisitor


@dataclass
class Evaluation:
    """What one evaluation looked at: profile values used and fields it lacked."""

    used: dict[str, Any] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    # Definitions already evaluated on this same profile: name -> (result, used, missing). One
    # advise() shares it across its rules (a definition such as 'operated' is read by many).
    memo: dict[str, tuple[bool | None, dict[str, Any], frozenset[str]]] | None = None


class Evaluator:
    """Evaluates conditions of one pack; knows its definitions and field units."""

    def __init__(self, definitions: Mapping[str, Any], field_units: Mapping[str, str | None]):
        self._definitions = definitions
        self._units = field_units

    def evaluate(self, node: Any, profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
        return _Kleene(self._definitions, self._units, profile, ev).visit(node)


class _Kleene(ConditionVisitor["bool | None"]):
    """One evaluation: the profile it reads and the `Evaluation` it records into."""

    __slots__ = ("_definitions", "_ev", "_profile", "_units")

    def __init__(
        self,
        definitions: Mapping[str, Any],
        units: Mapping[str, str | None],
        profile: Mapping[str, Any],
        ev: Evaluation,
    ):
        self._definitions, self._units, self._profile, self._ev = definitions, units, profile, ev

    def visit_all(self, node: AllOf) -> bool | None:
        return self.all_of(self._children(node.all))

    def visit_any(self, node: AnyOf) -> bool | None:
        return self.any_of(self._children(node.any))

    def all_of(self, parts: list[bool | None]) -> bool | None:
        if False in parts:
            return False
        return True if all(r is True for r in parts) else None

    def any_of(self, parts: list[bool | None]) -> bool | None:
        if True in parts:
            return True
        return False if all(r is False for r in parts) else None

    def not_of(self, part: bool | None) -> bool | None:
        return None if part is None else not part

    def ref(self, name: str) -> bool | None:
        ev = self._ev
        memo = ev.memo
        if memo is None:
            return self.visit(self._definitions[name].when)
        hit = memo.get(name)
        if hit is None:
            sub = Evaluation(memo=memo)
            result = _Kleene(self._definitions, self._units, self._profile, sub).visit(
                self._definitions[name].when
            )
            hit = memo[name] = (result, sub.used, frozenset(sub.missing))
        ev.used.update(hit[1])
        if hit[0] is None:
            ev.missing |= hit[2]
        return hit[0]

    def _children(self, children: list[Any]) -> list[bool | None]:
        # Only an unknown part can still change an unknown whole: the missing fields of parts
        # that are already decided are not questions worth asking.
        ev = self._ev
        outer, results = ev.missing, []
        for child in children:
            if isinstance(child, Compare):  # adds its field only when it is unknown
                results.append(self.visit_compare(child))
                continue
            ev.missing = set()
            result = self.visit(child)
            if result is None:
                outer |= ev.missing
            results.append(result)
            ev.missing = outer
        return results

    def visit_compare(self, node: Compare) -> bool | None:  # the hot path: no detour via compare
        ev = self._ev
        actual = self._profile.get(node.field)
        if actual is None:
            ev.missing.add(node.field)
            return None
        ev.used[node.field] = actual
        op = node.op
        if op is Op.is_true:
            return actual is True
        if op is Op.is_false:
            return actual is False
        unit = self._units.get(node.field)
        value = node.value
        if isinstance(actual, Interval):  # e.g. "<60": decides a comparison only when it can
            decided = (
                None
                if isinstance(value, list)
                else actual.compare(op.value, in_field_unit(value, unit))
            )
            if decided is None:
                ev.missing.add(node.field)
            return decided
        if isinstance(value, list):
            values = [in_field_unit(v, unit) for v in value]
            if op is Op.in_:
                return actual in values
            if op is Op.not_in:
                return actual not in values
            return any(v in actual for v in values)  # contains_any
        target: Any = in_field_unit(value, unit)  # a time window in the field's unit
        comparison = COMPARISONS.get(op)
        if comparison is not None:
            return bool(comparison.apply(actual, target))
        return bool(target in actual)  # contains

    compare = visit_compare
