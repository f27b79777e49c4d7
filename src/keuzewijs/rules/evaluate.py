"""Three-valued (Kleene) evaluation of a condition on one profile.

A field missing from the profile makes a comparison *unknown* (None), and the
field is reported as missing so the advice can say which answer it needs (only
fields of parts that are still unknown: a part already decided needs no answer).
`all` is false as soon as one part is false, `any` true as soon as one part is
true; otherwise unknown parts make the whole unknown. Every part is evaluated (no
short cut), so the trace lists every answer a condition read.

A condition is first translated into a `Predicate`, a Python function of (profile,
`Evaluation`) with the tree's constants resolved (time windows in the field's unit, the
operator chosen); the engine does that once per pack and rule (`engine.compiled`), so an
advise() call walks no tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, Op

from .interval import Interval
from .units import in_field_unit
from .visitor import COMPARISONS, ConditionVisitor


@dataclass(slots=True)
class Evaluation:
    """What one evaluation looked at: profile values used and fields it lacked."""

    used: dict[str, Any] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    # Definitions already evaluated on this same profile: name -> (result, used, missing). One
    # advise() shares it across its rules (a definition such as 'operated' is read by many).
    memo: dict[str, tuple[bool | None, dict[str, Any], frozenset[str]]] | None = None


Predicate = Callable[[Mapping[str, Any], Evaluation], bool | None]


class Evaluator:
    """Evaluates conditions of one pack; knows its definitions and field units."""

    def __init__(self, definitions: Mapping[str, Any], field_units: Mapping[str, str | None]):
        self._definitions = definitions
        self._units = field_units
        self._refs: dict[str, Predicate] = {}  # definition name -> its predicate, made once

    def compile(self, node: Any) -> Predicate:
        """The condition as a predicate: `predicate(profile, ev)` is `evaluate(node, profile,
        ev)`. Made once, called for many profiles."""
        return _Compile(self).visit(node)

    def evaluate(self, node: Any, profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
        return self.compile(node)(profile, ev)

    def definition(self, name: str) -> Predicate:
        hit = self._refs.get(name)
        if hit is None:
            hit = self._refs[name] = self.compile(self._definitions[name].when)
        return hit

    def unit(self, name: str) -> str | None:
        return self._units.get(name)


class _Compile(ConditionVisitor[Predicate]):
    """The translation of a condition tree into a `Predicate`."""

    __slots__ = ("_evaluator",)

    def __init__(self, evaluator: Evaluator):
        self._evaluator = evaluator

    def visit_all(self, node: AllOf) -> Predicate:
        return self._junction(node.all, decisive=False)

    def visit_any(self, node: AnyOf) -> Predicate:
        return self._junction(node.any, decisive=True)

    def _junction(self, children: list[Any], decisive: bool) -> Predicate:
        """`all` (a false part decides: `decisive` False) or `any` (a true part decides)."""
        # Only an unknown part can still change an unknown whole: the missing fields of parts
        # that are already decided are not questions worth asking. A comparison adds its field
        # only when it is unknown, so it needs no set of its own.
        parts = [(self.visit(child), isinstance(child, Compare)) for child in children]

        def junction(profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
            outer = ev.missing
            decided = unknown = False
            for part, simple in parts:  # every part, also after a decisive one: `used` is complete
                if simple:
                    result = part(profile, ev)
                else:
                    ev.missing = set()
                    result = part(profile, ev)
                    if result is None:
                        outer |= ev.missing
                    ev.missing = outer
                if result is None:
                    unknown = True
                elif result is decisive:
                    decided = True
            if decided:
                return decisive
            return None if unknown else not decisive

        return junction

    def not_of(self, part: Predicate) -> Predicate:
        def negation(profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
            result = part(profile, ev)
            return None if result is None else not result

        return negation

    def ref(self, name: str) -> Predicate:
        definition = self._evaluator.definition  # resolved on first use: any order of definitions

        def reference(profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
            memo = ev.memo
            if memo is None:
                return definition(name)(profile, ev)
            hit = memo.get(name)
            if hit is None:
                sub = Evaluation(memo=memo)
                result = definition(name)(profile, sub)
                hit = memo[name] = (result, sub.used, frozenset(sub.missing))
            ev.used.update(hit[1])
            if hit[0] is None:
                ev.missing |= hit[2]
            return hit[0]

        return reference

    def compare(self, node: Compare) -> Predicate:
        name, op = node.field, node.op
        if op is Op.is_true or op is Op.is_false:
            wanted = op is Op.is_true

            def flag(profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
                actual = profile.get(name)
                if actual is None:
                    ev.missing.add(name)
                    return None
                ev.used[name] = actual
                return actual is wanted

            return flag
        decide, ranged = self._decide(node)

        def comparison(profile: Mapping[str, Any], ev: Evaluation) -> bool | None:
            actual = profile.get(name)
            if actual is None:
                ev.missing.add(name)
                return None
            ev.used[name] = actual
            if isinstance(actual, Interval):  # e.g. "<60": decides a comparison only when it can
                decided = ranged(actual)
                if decided is None:
                    ev.missing.add(name)
                return decided
            return decide(actual)

        return comparison

    def _decide(
        self, node: Compare
    ) -> tuple[Callable[[Any], bool], Callable[[Interval], bool | None]]:
        """How a known value decides the comparison, and how a range (`Interval`) does. A time
        window is converted to the field's unit here, once; one that cannot be (a field without
        a unit) raises when a value is compared, as it always did."""
        op, value, unit = node.op, node.value, self._evaluator.unit(node.field)
        if isinstance(value, list):
            undecided: Callable[[Interval], bool | None] = lambda actual: None  # noqa: E731
            try:
                values = [in_field_unit(v, unit) for v in value]
            except ValueError as error:
                return _raises(error), undecided
            if op is Op.in_:
                return (lambda actual: actual in values), undecided
            if op is Op.not_in:
                return (lambda actual: actual not in values), undecided
            return (lambda actual: any(v in actual for v in values)), undecided  # contains_any
        try:
            target = in_field_unit(value, unit)
        except ValueError as error:
            return _raises(error), _raises(error)
        ranged: Callable[[Interval], bool | None] = lambda actual: actual.compare(  # noqa: E731
            op.value, target
        )
        comparison = COMPARISONS.get(op)
        if comparison is not None:
            apply = comparison.apply
            return (lambda actual: bool(apply(actual, target))), ranged
        return (lambda actual: bool(target in actual)), ranged  # contains


def _raises(error: ValueError) -> Callable[[Any], Any]:
    def fail(actual: Any) -> Any:
        raise error

    return fail
