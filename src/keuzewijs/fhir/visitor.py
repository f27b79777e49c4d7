"""A generic visitor over the condition tree: one method per node kind, dispatched by type.

The evaluator (rules/evaluate.py) is the reference semantics; translations subclass this.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, NotOf, Ref

T = TypeVar("T")


class ConditionVisitor(Generic[T]):
    def visit(self, node: Any) -> T:
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, AllOf):
            return self.all_of([self.visit(child) for child in node.all])
        if isinstance(node, AnyOf):
            return self.any_of([self.visit(child) for child in node.any])
        if isinstance(node, NotOf):
            return self.not_of(self.visit(node.not_))
        if isinstance(node, Ref):
            return self.ref(node.ref)
        raise TypeError(f"not a condition node: {type(node).__name__}")  # the schema prevents this

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
