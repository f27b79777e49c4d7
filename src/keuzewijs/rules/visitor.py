"""The rule-tree toolkit: one visitor over the condition tree and one table of comparisons.

Every use of a condition is a translation of the same tree: the three-valued evaluation
(`evaluate.py`, the reference semantics), the text (`render.py`), FHIRPath (`fhir/fhirpath.py`)
and the audit's Ibis expressions (`audit/translate.py`). Each subclasses `ConditionVisitor`:

- `visit(node)` dispatches by node type to `visit_compare`, `visit_all`, `visit_any`,
  `visit_not` or `visit_ref`;
- by default those fold the children first and hand the results to `compare`, `all_of`,
  `any_of`, `not_of` and `ref`, which a translation implements. A translation that needs the
  child nodes themselves (the evaluator tracks missing fields per child, the renderer groups
  sub-clauses in brackets) overrides the `visit_*` method instead.

`COMPARISONS` is the one operator table: the ordered comparisons as a Python operator (which
also builds Ibis expressions) and as the symbol FHIRPath and SQL write.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, NotOf, Op, Ref

T = TypeVar("T")


class Comparison(NamedTuple):
    apply: Callable[[Any, Any], Any]  # `apply(actual, target)`, e.g. operator.lt
    symbol: str  # as FHIRPath (and SQL) writes it


COMPARISONS: dict[Op, Comparison] = {
    Op.eq: Comparison(operator.eq, "="),
    Op.ne: Comparison(operator.ne, "!="),
    Op.lt: Comparison(operator.lt, "<"),
    Op.le: Comparison(operator.le, "<="),
    Op.gt: Comparison(operator.gt, ">"),
    Op.ge: Comparison(operator.ge, ">="),
}

_METHODS: dict[type, str] = {
    Compare: "visit_compare",
    AllOf: "visit_all",
    AnyOf: "visit_any",
    NotOf: "visit_not",
    Ref: "visit_ref",
}


class ConditionVisitor(Generic[T]):
    """A translation of the condition tree into values of type T."""

    __slots__ = ()

    # type of node -> the `visit_*` function of this class, resolved once per class
    _dispatch: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._dispatch = {kind: getattr(cls, name) for kind, name in _METHODS.items()}

    def visit(self, node: Any) -> T:
        visit = self._dispatch.get(type(node))
        if visit is None:  # the schema prevents this
            raise TypeError(f"not a condition node: {type(node).__name__}")
        result: T = visit(self, node)
        return result

    def visit_compare(self, node: Compare) -> T:
        return self.compare(node)

    def visit_all(self, node: AllOf) -> T:
        return self.all_of([self.visit(child) for child in node.all])

    def visit_any(self, node: AnyOf) -> T:
        return self.any_of([self.visit(child) for child in node.any])

    def visit_not(self, node: NotOf) -> T:
        return self.not_of(self.visit(node.not_))

    def visit_ref(self, node: Ref) -> T:
        return self.ref(node.ref)

    def compare(self, node: Compare) -> T:
        raise NotImplementedError

    def all_of(self, parts: list[T]) -> T:
        raise NotImplementedError

    def any_of(self, parts: list[T]) -> T:
        raise NotImplementedError

    def not_of(self, part: T) -> T:
        raise NotImplementedError

    def ref(self, name: str) -> T:
        raise NotImplementedError
