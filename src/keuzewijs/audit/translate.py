"""Rule conditions as Ibis boolean expressions over a table with one column per profile field.

SQL's three-valued logic is the engine's (rules/evaluate.py): a NULL column is an unknown answer,
comparisons with NULL are NULL, AND/OR are Kleene, NOT NULL is NULL and `x IN (...)` / `NOT IN`
with a NULL x is NULL (the value lists never hold NULL: the schema forbids it). So each expression
is TRUE, FALSE or NULL exactly where the engine says true, false or unknown
(tests/audit/test_translate_equivalence.py checks this on random profiles).

A set field (e.g. symptoms) is one boolean column per allowed value, `<field>__<value>`: all NULL
when the set is unknown, TRUE/FALSE when it is known. `contains` reads one column and
`contains_any` ORs them, which is the engine's verdict in both cases.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keuzewijs.packs.conditions import Compare, Op, Quantity, when_and_not_unless
from keuzewijs.packs.models import FieldType, ProfileField
from keuzewijs.rules.units import in_field_unit
from keuzewijs.rules.visitor import COMPARISONS, ConditionVisitor

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from keuzewijs.packs import Pack


def member_column(field: str, value: str) -> str:
    """The boolean column that says whether set field `field` holds `value`."""
    return f"{field}__{value}"


def field_columns(spec: ProfileField) -> dict[str, str]:
    """Column name -> Ibis type of one profile field in a profile table."""
    if spec.type == FieldType.set:
        return {member_column(spec.name, v): "boolean" for v in spec.value_ids()}
    kind = {
        FieldType.boolean: "boolean",
        FieldType.integer: "int64",
        FieldType.number: "float64",
        FieldType.duration: "float64",
        FieldType.enum: "string",
    }[spec.type]
    return {spec.name: kind}


def profile_columns(pack: Pack) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in pack.profile.fields:
        out.update(field_columns(spec))
    return out


class IbisTranslator(ConditionVisitor["ir.BooleanValue"]):
    """Translates one pack's conditions against `table` (columns as in `profile_columns`)."""

    def __init__(
        self, pack: Pack, table: ir.Table, *, implications: bool = False, safe_side: bool = False
    ):
        self.pack, self.table = pack, table
        self._implied: dict[str, ir.Value] = {}
        if implications:
            self._apply_implications()
        if safe_side:
            self._read_on_the_safe_side()

    def _read_on_the_safe_side(self) -> None:
        """An answer that an implication contradicts takes the implied value, as advise() reads
        the red flags on the safe side (engine/safety.py)."""
        import ibis

        holds = [
            (imp, self.visit(imp.if_).fill_null(False)) for imp in self.pack.rules.implications
        ]
        for imp, cond in holds:
            name = imp.then.field
            literal = self._literal(
                Compare(field=name, op=Op.eq, value=imp.then.value), imp.then.value
            )
            self._implied[name] = ibis.cases((cond, literal), else_=self.column(name))

    def _apply_implications(self) -> None:
        """A column left NULL takes the value an implication of the pack gives it, in order, as
        `advise()` fills an unanswered field before evaluating (an answer is never overwritten)."""
        import ibis

        for imp in self.pack.rules.implications:
            name = imp.then.field
            spec = self.pack.fields[name]
            literal = self._literal(
                Compare(field=name, op=Op.eq, value=imp.then.value), imp.then.value
            )
            implied = ibis.cases((self.visit(imp.if_), literal), else_=ibis.null(literal.type()))
            self._implied[name] = ibis.coalesce(self.column(spec.name), implied)

    def column(self, name: str) -> ir.Value:
        return self._implied.get(name, self.table[name])

    def _literal(self, node: Compare, value: Any) -> ir.Value:
        import ibis

        spec = self.pack.fields[node.field]
        converted = in_field_unit(value, spec.unit)
        # Typed literals: a bare 39.13 may become a DECIMAL in SQL and round differently.
        if spec.type in (FieldType.number, FieldType.duration) or isinstance(value, Quantity):
            # ignored below: ibis is read as Any; its literal() types are wider
            return ibis.literal(float(converted), type="float64")  # type: ignore[arg-type]
        if spec.type == FieldType.integer:
            return ibis.literal(
                converted, type="float64" if isinstance(converted, float) else "int64"
            )
        if spec.type == FieldType.boolean:
            return ibis.literal(bool(converted), type="boolean")
        return ibis.literal(str(converted), type="string")

    def compare(self, node: Compare) -> ir.BooleanValue:
        op, spec = node.op, self.pack.fields[node.field]
        if spec.type == FieldType.set:
            values = node.value if isinstance(node.value, list) else [node.value]
            members = [self.table[member_column(node.field, str(v))] for v in values]
            return functools.reduce(operator.or_, members)
        column = self.column(node.field)
        if op is Op.is_true:
            return column == True  # noqa: E712 - an Ibis expression, not a Python comparison
        if op is Op.is_false:
            return column == False  # noqa: E712
        if op in COMPARISONS:
            return COMPARISONS[op].apply(column, self._literal(node, node.value))
        # ignored below: an 'in' comparison's value is a list (validated)
        values = [self._literal(node, v) for v in node.value]  # type: ignore[union-attr]
        inside = column.isin(values)
        return inside if op is Op.in_ else ~inside

    def all_of(self, parts: list[ir.BooleanValue]) -> ir.BooleanValue:
        return functools.reduce(operator.and_, parts)

    def any_of(self, parts: list[ir.BooleanValue]) -> ir.BooleanValue:
        return functools.reduce(operator.or_, parts)

    def not_of(self, part: ir.BooleanValue) -> ir.BooleanValue:
        return ~part

    def ref(self, name: str) -> ir.BooleanValue:
        # Inlined: a definition is written once in the pack and expanded here.
        return self.visit(self.pack.rules.definitions[name].when)


def rule_conditions(pack: Pack) -> Mapping[str, Any]:
    """The condition of every red flag and recommendation of a pack, by rule id: `when and not
    unless`, so a rule whose exception is not coded stays unknown (undetermined), as before
    exceptions had their own place in the rule."""
    return {r.id: when_and_not_unless(r.when, r.unless) for r in pack.rules.rules}


def rule_verdict(pack: Pack, rule_id: str, table: ir.Table) -> ir.BooleanValue:
    """Whether the engine would show rule `rule_id` for the profile in each row.

    Mirrors engine/advise.py: a recommendation *against* an action, or leaning to waiting with it
    (`delays`), is suppressed when a red flag about that action fired (TRUE, not unknown), and a
    rule is suppressed when a shown rule `overrides` it; a suppressed rule counts as not shown. An
    unknown verdict stays NULL, and `when and not unless` is unknown while an exception is open
    (the engine's *provisional*): the audit reports it as undetermined, never as followed or not.
    """
    import ibis

    from keuzewijs.packs.models import Direction

    translator = IbisTranslator(pack, table, implications=True)
    conds = rule_conditions(pack)

    def verdict(rid: str) -> ir.BooleanValue:
        cond = conds[rid]
        return ibis.literal(True) if cond is None else translator.visit(cond)

    flags = {f.id: f for f in pack.rules.red_flags}
    safer = IbisTranslator(pack, table, implications=True, safe_side=True)

    def flag_verdict(fid: str) -> ir.BooleanValue:
        """The more alarming of the two readings (SQL's OR is Kleene: TRUE > NULL > FALSE)."""
        cond = conds[fid]
        return translator.visit(cond) | safer.visit(cond)

    if rule_id in flags:
        return flag_verdict(rule_id)

    def urged_against(rec: Any) -> list[ir.BooleanValue]:
        """A fired red flag urging what the rule advises against or leans to waiting with."""
        waits_for = {rec.about} if rec.direction is Direction.against else set()
        waits_for |= set(rec.delays)
        return [flag_verdict(f.id).fill_null(False) for f in flags.values() if f.about in waits_for]

    rec = next(r for r in pack.rules.recommendations if r.id == rule_id)
    fired = verdict(rule_id)
    blockers = urged_against(rec)
    # advice a red flag makes unsafe is hidden while that flag is fired or still open (issue 18)
    for fid in rec.suspended_by:
        flag = flag_verdict(fid)
        blockers.append(flag.isnull() | flag.fill_null(False))
    # after the treatment (issue 17, the pack's `after_treatment` field true after the
    # implications) the choice is made: advice about an option is not shown (engine/advise.py
    # _phase_applied)
    phase = pack.meta.after_treatment
    if phase is not None and rec.about in {
        o.id for o in pack.options_file.options if o.kind == "option"
    }:
        done = translator.visit(Compare(field=phase.field, op=Op.is_true))
        blockers.append(done.fill_null(False))
    # A shown rule (`when` true and `unless` not true: applies or provisional, and not hidden by a
    # red flag) that overrides this one.
    for other in pack.rules.recommendations:
        if rule_id in other.overrides:
            when = ibis.literal(True) if other.when is None else translator.visit(other.when)
            unless = ibis.literal(False) if other.unless is None else translator.visit(other.unless)
            shown = when.fill_null(False) & ~unless.fill_null(False)
            for hidden in urged_against(other):
                shown = shown & ~hidden
            blockers.append(shown)
    if not blockers:
        return fired
    suppressed = functools.reduce(operator.or_, blockers)
    return ibis.cases((fired.isnull(), ibis.null("boolean")), (suppressed, False), else_=fired)
