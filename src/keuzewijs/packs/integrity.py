"""Cross-reference checks the per-file schemas cannot do: dangling ids, fields and
operators in conditions, values outside a field's vocabulary, reference cycles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from .conditions import ORDER_OPS, Compare, Op, Quantity, Ref, fields_read, walk
from .indicators import Indicator
from .models import FieldType, RecommendationRule, RedFlag, SourceRef
from .pack import Pack
from .problems import Problem
from .text_refs import check_clinician, check_grid, check_web_refs

ALLOWED_OPS: dict[FieldType, set[Op]] = {
    FieldType.boolean: {Op.is_true, Op.is_false, Op.eq, Op.ne},
    FieldType.integer: {Op.eq, Op.ne, *ORDER_OPS, Op.in_, Op.not_in},
    FieldType.number: {Op.eq, Op.ne, *ORDER_OPS},
    FieldType.duration: {Op.eq, Op.ne, *ORDER_OPS},
    FieldType.enum: {Op.eq, Op.ne, Op.in_, Op.not_in},
    FieldType.set: {Op.contains, Op.contains_any},
}


def _refs(value: Any, path: str) -> Iterator[tuple[str, SourceRef]]:
    """Every SourceRef anywhere inside a model, with its path."""
    if isinstance(value, SourceRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _refs(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _refs(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _refs(item, f"{path}.{key}")


def _check_value(pack: Pack, node: Compare, value: Any, where: str) -> Iterator[Problem]:
    spec = pack.fields[node.field]
    if isinstance(value, Quantity):
        if spec.type != FieldType.duration:
            yield Problem(
                where,
                f"a time span ({value.value:g} {value.unit}) needs a duration field; "
                f"'{node.field}' is {spec.type}",
            )
        return
    if spec.type in (FieldType.enum, FieldType.set):
        if value not in spec.value_ids():
            yield Problem(
                where,
                f"'{value}' is not a value of '{node.field}'; allowed: "
                f"{', '.join(spec.value_ids())}",
            )
    elif spec.type == FieldType.boolean:
        if not isinstance(value, bool):
            yield Problem(where, f"'{node.field}' is boolean; compare with true or false")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        yield Problem(where, f"'{node.field}' is {spec.type}; compare with a number")


def check_condition(pack: Pack, cond: Any, where: str) -> Iterator[Problem]:
    for node in walk(cond):
        if isinstance(node, Ref):
            if node.ref not in pack.rules.definitions:
                known = ", ".join(sorted(pack.rules.definitions)) or "(none)"
                yield Problem(where, f"unknown definition '{node.ref}'; known: {known}")
            continue
        if not isinstance(node, Compare):
            continue
        spec = pack.fields.get(node.field)
        if spec is None:
            yield Problem(where, f"unknown field '{node.field}'; allowed: {', '.join(pack.fields)}")
            continue
        if node.op not in ALLOWED_OPS[spec.type]:
            ops = ", ".join(sorted(o.value for o in ALLOWED_OPS[spec.type]))
            yield Problem(
                where,
                f"operator '{node.op.value}' does not apply to {spec.type} field '{node.field}'; "
                f"allowed: {ops}",
            )
            continue
        values = (
            node.value
            if isinstance(node.value, list)
            else ([] if node.value is None else [node.value])
        )
        for value in values:
            yield from _check_value(pack, node, value, where)


def _cycles(pack: Pack) -> Iterator[Problem]:
    defs = pack.rules.definitions

    def visit(name: str, stack: tuple[str, ...]) -> Iterator[Problem]:
        if name in stack:
            yield Problem(
                f"rules.yaml: definitions.{name}",
                "definition refers to itself: " + " -> ".join((*stack, name)),
            )
            return
        if name not in defs:
            return
        for node in walk(defs[name].when):
            if isinstance(node, Ref):
                yield from visit(node.ref, (*stack, name))

    for name in defs:
        yield from visit(name, ())


def _duplicates(ids: list[str], where: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            yield Problem(where, f"id '{ident}' is used twice")
        seen.add(ident)


def _unless_questions(pack: Pack, cond: Any, where: str) -> Iterator[Problem]:
    """An open exception is asked: every field of an `unless` needs a question text."""
    for name in sorted(fields_read(cond, pack.rules.definitions)):
        spec = pack.fields.get(name)
        if spec is not None and not (spec.question.nl.strip() and spec.question.en.strip()):
            yield Problem(
                where,
                f"field '{name}' is an exception (unless) but has no question text in "
                "profile.yaml; an open exception must be asked",
            )


def _implied_value(pack: Pack, field: str, value: Any, where: str) -> Iterator[Problem]:
    spec = pack.fields.get(field)
    if spec is None:
        yield Problem(where, f"unknown field '{field}'; allowed: {', '.join(pack.fields)}")
        return
    ok = {
        FieldType.boolean: isinstance(value, bool),
        FieldType.enum: value in spec.value_ids(),
        FieldType.integer: isinstance(value, int) and not isinstance(value, bool),
        FieldType.number: isinstance(value, (int, float)) and not isinstance(value, bool),
        FieldType.duration: isinstance(value, (int, float)) and not isinstance(value, bool),
        FieldType.set: False,  # a set is a list of answers; implying one is not supported
    }[spec.type]
    if not ok:
        yield Problem(where, f"value {value!r} does not fit {spec.type} field '{field}'")


def _rule_checks(pack: Pack) -> Iterator[Problem]:
    rules = pack.rules
    decision = rules.decision.id if rules.decision is not None else None
    if decision is not None and decision in pack.options:
        yield Problem("rules.yaml: decision.id", f"'{decision}' is already an option id")
    yield from _rule_conditions(pack, [*pack.options, *([decision] if decision else [])])
    for i, rec in enumerate(rules.recommendations):
        yield from _recommendation_refs(pack, f"rules.yaml: recommendations[{i}] ({rec.id})", rec)
    yield from _waiting_option_refs(pack)
    for i, imp in enumerate(rules.implications):
        where = f"rules.yaml: implications[{i}] ({imp.id})"
        yield from check_condition(pack, imp.if_, where + ".if")
        yield from _implied_value(pack, imp.then.field, imp.then.value, where + ".then")


def _rule_conditions(pack: Pack, abouts: list[str]) -> Iterator[Problem]:
    """Each red flag and recommendation is about an allowed option and its `when` and `unless`
    read the profile."""
    rules = pack.rules
    groups: list[tuple[str, list[RedFlag | RecommendationRule]]] = [
        ("red_flags", list(rules.red_flags)),
        ("recommendations", list(rules.recommendations)),
    ]
    for kind, items in groups:
        for i, rule in enumerate(items):
            where = f"rules.yaml: {kind}[{i}] ({rule.id})"
            allowed = abouts if kind == "recommendations" else list(pack.options)
            if rule.about not in allowed:
                yield Problem(
                    where, f"about '{rule.about}' is not allowed; allowed: {', '.join(allowed)}"
                )
            if rule.when is not None:
                yield from check_condition(pack, rule.when, where + ".when")
            if rule.unless is not None:
                yield from check_condition(pack, rule.unless, where + ".unless")
                yield from _unless_questions(pack, rule.unless, where + ".unless")


def _recommendation_refs(pack: Pack, where: str, rec: RecommendationRule) -> Iterator[Problem]:
    """A recommendation's overrides, suspended_by and delays name real rules, flags, options."""
    rules = pack.rules
    rec_ids = [r.id for r in rules.recommendations]
    for other in rec.overrides:
        if other not in rec_ids or other == rec.id:
            yield Problem(
                where + ".overrides",
                f"'{other}' is not another recommendation; known: {', '.join(rec_ids)}",
            )
    flag_ids = [f.id for f in rules.red_flags]
    for flag in rec.suspended_by:
        if flag not in flag_ids:
            yield Problem(
                where + ".suspended_by",
                f"'{flag}' is not a red flag; known: {', '.join(flag_ids) or 'none'}",
            )
    for action in rec.delays:
        if action not in pack.options:
            yield Problem(
                where + ".delays",
                f"'{action}' is not an option or action; allowed: {', '.join(pack.options)}",
            )


def _waiting_option_refs(pack: Pack) -> Iterator[Problem]:
    for option, actions in pack.rules.waiting_options.items():
        for name in (option, *actions):
            if name not in pack.options:
                yield Problem(
                    f"rules.yaml: waiting_options.{option}",
                    f"'{name}' is not an option or action; allowed: {', '.join(pack.options)}",
                )


def _text_conditions(pack: Pack) -> Iterator[Problem]:
    """The `when`/`unless` of facts and option texts read fields the profile has (issue 17)."""
    texts: list[tuple[str, Any]] = [(f"pack.yaml: facts.{f.id}", f) for f in pack.meta.facts]
    for option in pack.options_file.options:
        for name in ("what_happens", "recovery", "living_with"):
            texts.append((f"options.yaml: {option.id}.{name}", getattr(option, name)))
        texts += [(f"options.yaml: {option.id}.pros[{i}]", s) for i, s in enumerate(option.pros)]
        texts += [(f"options.yaml: {option.id}.cons[{i}]", s) for i, s in enumerate(option.cons)]
    for where, statement in texts:
        if statement is None:
            continue
        if statement.when is not None:
            yield from check_condition(pack, statement.when, where + ".when")
        if statement.unless is not None:
            yield from check_condition(pack, statement.unless, where + ".unless")


def check_pack(pack: Pack) -> list[Problem]:
    rules = pack.rules
    problems: list[Problem] = [*_duplicate_ids(pack), *_unknown_sources(pack)]
    add = problems.extend
    for name, definition in rules.definitions.items():
        add(check_condition(pack, definition.when, f"rules.yaml: definitions.{name}.when"))
    add(_rule_checks(pack))
    for i, option in enumerate(pack.options_file.options):
        if option.applies_when is not None:
            add(
                check_condition(
                    pack,
                    option.applies_when,
                    f"options.yaml: options[{i}] ({option.id}).applies_when",
                )
            )
    add(_estimate_checks(pack))
    add(_text_conditions(pack))
    add(_cycles(pack))
    add(check_web_refs(pack))
    add(check_grid(pack))
    add(check_clinician(pack))
    return problems


def _duplicate_ids(pack: Pack) -> Iterator[Problem]:
    rules = pack.rules
    yield from _duplicates([o.id for o in pack.options_file.options], "options.yaml")
    yield from _duplicates([o.id for o in pack.outcomes_file.outcomes], "outcomes.yaml")
    yield from _duplicates([e.id for e in pack.evidence.estimates], "evidence.yaml")
    yield from _duplicates(
        [i.id for i in rules.implications] + [r.id for r in rules.rules],
        "rules.yaml",
    )
    yield from _duplicates([s.id for s in pack.sources_file.sources], "sources.yaml")
    yield from _duplicates([f.name for f in pack.profile.fields], "profile.yaml")


def _unknown_sources(pack: Pack) -> Iterator[Problem]:
    for fname, model in (
        ("pack.yaml", pack.meta),
        ("profile.yaml", pack.profile),
        ("options.yaml", pack.options_file),
        ("evidence.yaml", pack.evidence),
        ("rules.yaml", pack.rules),
    ):
        for path, ref in _refs(model, fname):
            if ref.id not in pack.sources:
                yield Problem(path, f"unknown source '{ref.id}'; known: {', '.join(pack.sources)}")


def _estimate_checks(pack: Pack) -> Iterator[Problem]:
    """Each estimate names a real outcome and real options; its conditions read the profile."""
    for i, est in enumerate(pack.evidence.estimates):
        where = f"evidence.yaml: estimates[{i}] ({est.id})"
        if est.outcome not in pack.outcomes:
            yield Problem(
                where, f"unknown outcome '{est.outcome}'; known: {', '.join(pack.outcomes)}"
            )
        arms = [est.intervention, est.comparator] if est.kind == "relative" else [est.option]
        for arm in arms:
            if arm not in pack.options:
                yield Problem(where, f"unknown option '{arm}'; known: {', '.join(pack.options)}")
        if est.applies_when is not None:
            yield from check_condition(pack, est.applies_when, where + ".applies_when")
        if est.unless is not None:
            yield from check_condition(pack, est.unless, where + ".unless")


def check_indicators(pack: Pack, indicators: list[Indicator], path: str) -> list[Problem]:
    """An indicator refers to a rule, sources and fields of its own pack; a dangling id is a
    problem."""
    problems: list[Problem] = []
    rule_ids = [r.id for r in pack.rules.rules]
    for i, ind in enumerate(indicators):
        where = f"{path}: indicators[{i}]"
        if ind.rule not in rule_ids:
            problems.append(
                Problem(f"{where}.rule", f"unknown rule '{ind.rule}'; known: {', '.join(rule_ids)}")
            )
        known = {*pack.sources, *(r.id for r in ind.references)}
        for ref in ind.sources:
            if ref.id not in known:
                problems.append(
                    Problem(
                        f"{where}.sources",
                        f"unknown source '{ref.id}'; known: {', '.join(sorted(known))}",
                    )
                )
        for source in [*ind.profile, *(s for v in ind.variants for s in v.profile)]:
            spec = pack.fields.get(source.field)
            if spec is None:
                problems.append(
                    Problem(
                        where, f"unknown field '{source.field}'; allowed: {', '.join(pack.fields)}"
                    )
                )
                continue
            for value in (source.member, source.otherwise):
                if value is not None and value not in spec.value_ids():
                    problems.append(Problem(where, f"'{value}' is not a value of '{source.field}'"))
    return problems
