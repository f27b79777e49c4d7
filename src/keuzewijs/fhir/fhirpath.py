"""Rule conditions as FHIRPath over the profile QuestionnaireResponse (`%profile`).

FHIRPath's empty-collection propagation is the engine's three-valued logic: a missing answer
is `{}`, comparisons with `{}` are `{}`, `and`/`or` are Kleene, `not()` of `{}` is `{}`.
So each expression evaluates to [true], [false] or [] exactly where the engine says
true, false or unknown (tests/fhir/test_fhirpath_equivalence.py checks this on every vignette).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.conditions import Compare, Op, Quantity, when_and_not_unless
from keuzewijs.packs.models import FieldType
from keuzewijs.rules.units import in_field_unit
from keuzewijs.rules.visitor import COMPARISONS, ConditionVisitor

from .profile import ANSWER_TYPE


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")  # FHIRPath has no exponent notation
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise TypeError(f"no FHIRPath literal for {value!r}")


class FhirPathTranslator(ConditionVisitor[str]):
    def __init__(self, pack: Pack, variable: str = "%profile"):
        self.pack, self.variable = pack, variable

    def item(self, field: str) -> str:
        return f"{self.variable}.item.where(linkId={literal(field)})"

    def value(self, field: str) -> str:
        key, _ = ANSWER_TYPE[self.pack.fields[field].type]
        suffix = ".code" if key == "valueCoding" else ""
        return f"{self.item(field)}.answer.{key}{suffix}"

    def _literal(self, node: Compare, value: Any) -> str:
        converted = in_field_unit(value, self.pack.fields[node.field].unit)
        if isinstance(value, Quantity):
            # ignored below: a Quantity converts to a number (in_field_unit)
            converted = float(converted)  # type: ignore[arg-type]
        return literal(converted)

    def compare(self, node: Compare) -> str:
        op, field = node.op, node.field
        value = self.value(field)
        if op is Op.is_true:
            return f"({value} = true)"
        if op is Op.is_false:
            return f"({value} = false)"
        if op in COMPARISONS:
            return f"({value} {COMPARISONS[op].symbol} {self._literal(node, node.value)})"
        values = node.value if isinstance(node.value, list) else [node.value]
        lits = [self._literal(node, v) for v in values]
        if op in (Op.in_, Op.not_in):
            test = f"({value} in ({' | '.join(lits)}))"
            return test if op is Op.in_ else f"{test}.not()"
        # contains / contains_any on a set field: an answered item without answers is a known empty
        # set.
        assert self.pack.fields[field].type == FieldType.set
        held = " or ".join(f"({value} contains {lit})" for lit in lits)
        return f"iif({self.item(field)}.exists(), {held})"

    def all_of(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def any_of(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def not_of(self, part: str) -> str:
        return f"{part}.not()"

    def ref(self, name: str) -> str:
        # Inlined: a definition is written once in the pack and expanded here.
        return self.visit(self.pack.rules.definitions[name].when)


def pack_conditions(pack: Pack) -> dict[str, Any]:
    """Every condition of a pack by the id of what it governs (rules, options, estimates,
    definitions)."""
    out: dict[str, Any] = {f"definition:{k}": d.when for k, d in pack.rules.definitions.items()}
    out.update({f"implication:{i.id}": i.if_ for i in pack.rules.implications})
    # A rule with exceptions means `when and not unless` (unknown while an exception is open).
    out.update(
        {f"red_flag:{f.id}": when_and_not_unless(f.when, f.unless) for f in pack.rules.red_flags}
    )
    for r in pack.rules.recommendations:
        cond = when_and_not_unless(r.when, r.unless)
        if cond is not None:
            out[f"recommendation:{r.id}"] = cond
    out.update(
        {
            f"option:{o.id}": o.applies_when
            for o in pack.options_file.options
            if o.applies_when is not None
        }
    )
    out.update(
        {
            f"estimate:{e.id}": e.applies_when
            for e in pack.evidence.estimates
            if e.applies_when is not None
        }
    )
    return out
