"""Render a condition as readable Dutch or English, from the pack's own labels.

Connecting words ('and', 'less than', units) come from the shared interface texts
in `knowledge/_common/ui.yaml`, so no sentence fragment lives in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, NotOf, Op, Quantity, Ref
from keuzewijs.packs.models import Definition, FieldType, ProfileField, Text

from .visitor import ConditionVisitor


def _number(value: float) -> str:
    return f"{value:g}"


class Renderer:
    def __init__(
        self,
        fields: Mapping[str, ProfileField],
        definitions: Mapping[str, Definition],
        ui: Mapping[str, Text],
    ):
        self._fields = fields
        self._definitions = definitions
        self._ui = ui

    def word(self, key: str, lang: str) -> str:
        return self._ui[key].get(lang)

    def render(self, node: Any, lang: str) -> str:
        return _Text(self, lang).visit(node)

    def definition_label(self, name: str, lang: str) -> str:
        return self._definitions[name].label.get(lang)

    def _value(self, spec: ProfileField, value: Any, lang: str) -> str:
        if isinstance(value, Quantity):
            return f"{_number(value.value)} {self._unit(value.unit, value.value, lang)}"
        if isinstance(value, bool):
            return self.word("word.yes" if value else "word.no_answer", lang)
        if spec.values and isinstance(value, str):
            for option in spec.values:
                if option.id == value:
                    return option.label.get(lang)
        if isinstance(value, (int, float)):
            unit = f" {self._unit(spec.unit, value, lang)}" if spec.unit else ""
            return f"{_number(value)}{unit}"
        return str(value)

    def _unit(self, unit: str, amount: float, lang: str) -> str:
        singular = f"unit.{unit}.one"
        return self.word(singular if amount == 1 and singular in self._ui else f"unit.{unit}", lang)

    def compare_text(self, node: Compare, lang: str) -> str:
        spec = self._fields[node.field]
        label = spec.label.get(lang)
        if node.op is Op.is_true:
            return label
        if node.op is Op.is_false:
            if spec.label_false is not None:
                return spec.label_false.get(lang)
            return f"{self.word('word.no', lang)} {label}"
        if isinstance(node.value, list):
            values = [self._value(spec, v, lang) for v in node.value]
            listed = f" {self.word('word.or', lang)} ".join(values)
            return f"{label} {self.word('op.' + node.op.value, lang)} {listed}"
        if spec.type == FieldType.set and node.op is Op.contains:
            return f"{label} {self.word('op.contains', lang)} {self._value(spec, node.value, lang)}"
        op = self.word("op." + node.op.value, lang)
        return f"{label} {op} {self._value(spec, node.value, lang)}"


class _Text(ConditionVisitor[str]):
    """One rendering, in one language."""

    __slots__ = ("_lang", "_r")

    def __init__(self, renderer: Renderer, lang: str):
        self._r, self._lang = renderer, lang

    def compare(self, node: Compare) -> str:
        return self._r.compare_text(node, self._lang)

    def ref(self, name: str) -> str:
        return self._r.definition_label(name, self._lang)

    def visit_not(self, node: NotOf) -> str:
        inner, word = node.not_, self._r.word
        if isinstance(inner, Ref):
            return f"{word('word.no', self._lang)} {self.visit(inner)}"
        return f"{word('word.not', self._lang)} ({self.visit(inner)})"

    def visit_all(self, node: AllOf) -> str:
        return self._joined(node.all, "word.and")

    def visit_any(self, node: AnyOf) -> str:
        return self._joined(node.any, "word.or")

    def _joined(self, children: list[Any], joiner: str) -> str:
        parts = [self._grouped(child) for child in children]
        if len(parts) == 1:
            return parts[0]
        return f"{', '.join(parts[:-1])} {self._r.word(joiner, self._lang)} {parts[-1]}"

    def _grouped(self, node: Any) -> str:
        text = self.visit(node)
        return f"({text})" if isinstance(node, (AllOf, AnyOf)) else text
