"""Checks of what the pages show: the ids and fields that after-treatment texts, 'afwegen'
statements, derived and conditional questions, the Option Grid (grid.yaml) and the clinician's
lines (clinician.yaml) refer to. Part of `check_pack` (packs/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

from .models import GRID_MAX_WORDS, FieldType, ProfileField
from .pack import Pack
from .problems import Problem


def check_web_refs(pack: Pack) -> Iterator[Problem]:
    """The web's pack data (after-treatment phase, 'afwegen' statements, show_if) names real
    fields, facts and options."""
    yield from _after_treatment_refs(pack)
    yield from _values_statement_refs(pack)
    for f in pack.profile.fields:
        yield from _derived_from_ref(pack, f)
        yield from _show_if_refs(pack, f)


def _after_treatment_refs(pack: Pack) -> Iterator[Problem]:
    fields = pack.fields
    after = pack.meta.after_treatment
    if after is None:
        return
    where = "pack.yaml: after_treatment"
    spec = fields.get(after.field)
    if spec is None or spec.type != FieldType.boolean:
        yield Problem(where, f"field '{after.field}' must be a boolean profile field")
    facts = {f.id for f in pack.meta.facts}
    for fact in after.facts:
        if fact not in facts:
            yield Problem(where, f"unknown fact '{fact}'; known: {', '.join(sorted(facts))}")
    for action in after.actions:
        if action not in pack.options:
            yield Problem(where, f"unknown action '{action}'; known: {', '.join(pack.options)}")
    if after.alarm_field is not None:
        alarm = fields.get(after.alarm_field)
        if alarm is None or alarm.type != FieldType.set:
            yield Problem(where, f"alarm_field '{after.alarm_field}' must be a set field")


def _values_statement_refs(pack: Pack) -> Iterator[Problem]:
    # A statement weighs options against each other: it names choices (not actions) and leaves
    # at least one out, or agreeing with it would favour nothing.
    choices = [o.id for o in pack.options.values() if o.kind == "option"]
    for i, st in enumerate(pack.meta.values_statements):
        where = f"pack.yaml: values_statements[{i}] ({st.id}).leans_to"
        for oid in st.leans_to:
            if oid not in choices:
                yield Problem(where, f"'{oid}' is not an option; allowed: {', '.join(choices)}")
        if set(choices) <= set(st.leans_to):
            yield Problem(where, "leans to every option, so it favours none; leave one out")


def _derived_from_ref(pack: Pack, f: ProfileField) -> Iterator[Problem]:
    derived = f.derived_from
    if derived is None:
        return
    source = pack.fields.get(derived.field)
    if source is None or source.type != FieldType.duration or source.unit != "hours":
        yield Problem(
            f"profile.yaml: {f.name}.derived_from",
            f"'{derived.field}' must be a duration field in hours",
        )


def _show_if_refs(pack: Pack, f: ProfileField) -> Iterator[Problem]:
    if f.show_if is None:
        return
    where = f"profile.yaml: {f.name}.show_if"
    parent = pack.fields.get(f.show_if.field)
    if parent is None or parent.name == f.name:
        yield Problem(where, f"unknown field '{f.show_if.field}'")
        return
    allowed = ["true", "false"] if parent.type == FieldType.boolean else parent.value_ids() or []
    for v in f.show_if.values:
        if v not in allowed:
            yield Problem(where, f"'{v}' is not a value of '{parent.name}'; allowed: {allowed}")


def check_grid(pack: Pack) -> Iterator[Problem]:
    """grid.yaml: every answer is for a real option, every option (not action) of the pack is
    answered once per question, at most 25 words per language, and every source exists."""
    if pack.grid is None:
        return
    options = [o.id for o in pack.options_file.options if o.kind == "option"]
    for ref in pack.grid.choice.sources:
        if ref.id not in pack.sources:
            yield Problem("grid.yaml: choice", f"unknown source '{ref.id}'")
    for i, q in enumerate(pack.grid.questions):
        where = f"grid.yaml: questions[{i}] ({q.id})"
        given = [a.option for a in q.answers]
        for oid in given:
            if oid not in options:
                yield Problem(where, f"'{oid}' is not an option; allowed: {', '.join(options)}")
        missing = [o for o in options if o not in given]
        if missing or len(given) != len(set(given)):
            yield Problem(where, f"answer every option once; missing: {missing or 'none'}")
        for a in q.answers:
            for lang in ("nl", "en"):
                words = len(a.text.get(lang).split())
                if words > GRID_MAX_WORDS:
                    yield Problem(
                        f"{where}.{a.option}.{lang}",
                        f"{words} words; an Option Grid answer has at most {GRID_MAX_WORDS}",
                    )
            for ref in a.sources:
                if ref.id not in pack.sources:
                    yield Problem(f"{where}.{a.option}", f"unknown source '{ref.id}'")


def check_clinician(pack: Pack) -> Iterator[Problem]:
    """clinician.yaml: every rule has one clinician text (the clinician view speaks in the
    clinician's voice); texts and referrals name rules of the pack; referrals cite known
    sources."""
    rule_ids = [r.id for r in pack.rules.rules]
    clinician = pack.clinician
    texts = clinician.texts if clinician is not None else []
    given = [c.rule for c in texts]
    for rule in rule_ids:
        if rule not in given:
            yield Problem("clinician.yaml: texts", f"rule '{rule}' has no clinician text")
    for i, c in enumerate(texts):
        where = f"clinician.yaml: texts[{i}]"
        if c.rule not in rule_ids:
            yield Problem(where, f"unknown rule '{c.rule}'")
        elif given.count(c.rule) > 1 and given.index(c.rule) != i:
            yield Problem(where, f"rule '{c.rule}' has more than one clinician text")
    if clinician is None:
        return
    for i, referral in enumerate(clinician.referrals):
        where = f"clinician.yaml: referrals[{i}]"
        if referral.rule not in rule_ids:
            yield Problem(where, f"unknown rule '{referral.rule}'")
        for ref in referral.sources:
            if ref.id not in pack.sources:
                yield Problem(where, f"unknown source '{ref.id}'")
