"""Render a condition as readable Dutch or English, from the pack's own labels.

Connecting words ('and', 'less than', units) come from the shared interface texts
in `knowledge/_common/ui.yaml`, so no sentence fragment lives in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keuzewijs.packs.conditions import AllOf, AnyOf, Compare, NotOf, Op, Quantity, Ref
from keuzewijs.packs.models import Definition, FieldType, ProfileField, Text


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
        if isinstance(node, Compare):
            return self._compare(node, lang)
        if isinstance(node, Ref):
            return self._definitions[node.ref].label.get(lang)
        if isinstance(node, NotOf):
            inner = node.not_
            if isinstance(inner, Ref):
                return f"{self.word('word.no', lang)} {self.render(inner, lang)}"
            return f"{self.word('word.not', lang)} ({self.render(inner, lang)})"
        if isinstance(node, (AllOf, AnyOf)):
            children = node.all if isinstance(node, AllOf) else node.any
            joiner = self.word("word.and" if isinstance(node, AllOf) else "word.or", lang)
            parts = [self._grouped(child, lang) for child in children]
            if len(parts) == 1:
                return parts[0]
            return f"{', '.join(parts[:-1])} {joiner} {parts[-1]}"
        raise TypeError(f"not a condition node: {type(node).__name__}")

    def _grouped(self, node: Any, lang: str) -> str:
        text = self.render(node, lang)
        return f"({text})" if isinstance(node, (AllOf, AnyOf)) else text

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

    def _compare(self, node: Compare, lang: str) -> str:
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
