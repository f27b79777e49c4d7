"""PlanDefinition: one action per red flag and recommendation, its applicability a FHIRPath
expression generated from the rule's condition (read through the pack's implications)."""

from __future__ import annotations

from typing import Any

from keuzewijs import engine
from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Pack, get_library
from keuzewijs.packs.conditions import when_and_not_unless
from keuzewijs.packs.models import FieldType, Implication

from ..fhirpath import FhirPathTranslator, literal
from .common import (
    TERMINOLOGY,
    FhirVersion,
    canonical,
    cites,
    computable_name,
    concept,
    rule_coding,
    shareable,
)


class ImpliedTranslator(FhirPathTranslator):
    """FHIRPath that reads a field as the engine does after the pack's implications: an
    unanswered field that an implication settles takes the implied value.

    The engine applies implications in order, each to a still-unanswered field, each seeing the
    ones before it; so a field's value is `iif(answered, answer, iif(if_1, v_1, iif(if_2, ...)))`
    with if_i translated under the implications before i. An unknown `if` leaves it unknown.
    """

    def __init__(self, pack: Pack, implications: list[Implication] | None = None):
        super().__init__(pack)
        self.implications = list(pack.rules.implications) if implications is None else implications

    def value(self, field: str) -> str:
        base = super().value(field)
        targeting = [(i, imp) for i, imp in enumerate(self.implications) if imp.then.field == field]
        if not targeting:
            return base
        if self.pack.fields[field].type == FieldType.set:
            raise KnowledgeError(
                "an implication into a set field cannot be exported as FHIRPath",
                path=f"rules.implications.{targeting[0][1].id}",
            )
        fallback = ""
        for i, imp in reversed(targeting):
            cond = ImpliedTranslator(self.pack, self.implications[:i]).visit(imp.if_)
            rest = f", {fallback}" if fallback else ""
            fallback = f"iif({cond}, {literal(imp.then.value)}{rest})"
        return f"iif({self.item(field)}.exists(), {base}, {fallback})"


class SafeSideTranslator(ImpliedTranslator):
    """FHIRPath that reads a field as the engine reads red flags when answers contradict
    (engine/safety.py `contradictions`, `safe_side`): an answered field that an implication
    targets takes the implied value when the implication's `if` holds (read after all
    implications), whatever the answer; the last such implication wins, as in the engine's
    merge. An unanswered field reads as after the implications."""

    def value(self, field: str) -> str:
        implied = super().value(field)
        targeting = [imp for imp in self.implications if imp.then.field == field]
        if not targeting:
            return implied
        after_all = ImpliedTranslator(self.pack, self.implications)
        safe = FhirPathTranslator.value(self, field)
        for imp in targeting:  # the last one outermost: it wins where several hold
            safe = f"iif({after_all.visit(imp.if_)}, {literal(imp.then.value)}, {safe})"
        return f"iif({self.item(field)}.exists(), {safe}, {implied})"


def _condition(
    translator: FhirPathTranslator,
    when: Any,
    unless: Any,
    text: str,
    safe_side: FhirPathTranslator | None = None,
) -> list[dict[str, Any]]:
    """The rule's applicability: `when and not unless` (unknown while an exception is open).
    With `safe_side` (red flags), the rule holds when it holds on either reading of the answers,
    as the engine decides (the more alarming verdict: FHIRPath's `or` is Kleene's, as the
    engine's true > unknown > false)."""
    cond = when_and_not_unless(when, unless)
    if cond is None:
        return []
    read = translator.visit(cond)
    if safe_side is not None and (safer := safe_side.visit(cond)) != read:
        read = f"({read} or {safer})"
    expression = {"language": "text/fhirpath", "expression": read}
    if text:
        expression["description"] = text
    return [{"kind": "applicability", "expression": expression}]


def _with_exceptions(text: str | None, unless_text: str | None) -> str | None:
    """A rule's description with its exceptions ('tenzij ...' / 'unless ...') as a sentence."""
    if not unless_text:
        return text
    sentence = unless_text[:1].upper() + unless_text[1:] + "."
    return f"{text}\n\n{sentence}" if text else sentence


def _definition(pack: Pack, about: str) -> str | None:
    """The ActivityDefinition an action is about; none for advice about the decision as a whole."""
    return canonical("ActivityDefinition", f"{pack.id}-{about}") if about in pack.options else None


def plan_definition(pack: Pack, lang: str, version: FhirVersion = "R4") -> dict[str, Any]:
    tr = ImpliedTranslator(pack)
    safe = SafeSideTranslator(pack)
    comp = engine.compiled(get_library(pack.root.parent), pack)

    def condition_text(rule_id: str) -> str:
        parts = [comp.condition_text(rule_id, lang), comp.unless_text(rule_id, lang) or ""]
        return "; ".join(p for p in parts if p)

    actions: list[dict[str, Any]] = []
    for flag in pack.rules.red_flags:
        actions.append(
            {
                "id": flag.id,
                "title": flag.message.get(lang),
                "description": _with_exceptions(None, comp.unless_text(flag.id, lang)),
                "textEquivalent": flag.action.get(lang),
                "priority": "urgent",
                "code": [rule_coding("red-flag", "red flag")],
                "condition": _condition(
                    tr, flag.when, flag.unless, condition_text(flag.id), safe_side=safe
                ),
                "definitionCanonical": _definition(pack, flag.about),
                "documentation": cites(pack, flag.sources, version),
            }
        )
    for rec in pack.rules.recommendations:
        actions.append(
            {
                "id": rec.id,
                "title": rec.text.get(lang),
                "description": _with_exceptions(rec.why.get(lang), comp.unless_text(rec.id, lang)),
                "priority": "routine",
                "code": [
                    rule_coding(
                        f"{rec.direction.value}-{rec.strength.value}",
                        f"{rec.direction.value}, {rec.strength.value}",
                    )
                ],
                "condition": _condition(tr, rec.when, rec.unless, condition_text(rec.id)),
                "definitionCanonical": _definition(pack, rec.about),
                "documentation": cites(pack, rec.sources, version),
            }
        )
    return {
        **shareable(pack, "PlanDefinition", pack.id, computable_name(pack.id)),
        "title": pack.meta.name.get(lang),
        "type": concept(f"{TERMINOLOGY}/plan-definition-type", "eca-rule"),
        "description": pack.meta.summary.get(lang),
        "purpose": pack.meta.decision.text.get(lang),
        "relatedArtifact": cites(pack, pack.meta.decision.sources, version),
        "library": [canonical("Library", f"{pack.id}-logic")],
        "action": [{k: v for k, v in a.items() if v not in ([], None)} for a in actions],
    }
