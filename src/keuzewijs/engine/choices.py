"""The options as this patient meets them, the facts that apply, and the phase.

From `advise_pack` (engine/advise.py): each option with only the texts and numbers whose
`when`/`unless` hold, marked provisional or advised against; the facts of this phase; and after
the treatment the choice left out (issue 17: every presenter alike)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.models import Option, SourceRef, Statement
from keuzewijs.rules.evaluate import Evaluation

from . import contract as c
from .outcomes import option_outcomes
from .run import Run

__all__ = [
    "cited_sources",
    "is_after_treatment",
    "kept_after_treatment",
    "open_exceptions",
    "options_for_patient",
    "phase_facts",
]


def cited_sources(refs: Iterable[SourceRef]) -> list[c.CitedSource]:
    """The contract's form of a statement's source references."""
    return [c.CitedSource.make(id=r.id, locator=r.locator) for r in refs]


def _cited(statement: Statement | None, lang: str) -> c.CitedText | None:
    if statement is None:
        return None
    return c.CitedText.make(text=statement.text.get(lang), sources=cited_sources(statement.sources))


def open_exceptions(run: Run, fields: list[str]) -> list[c.OpenException]:
    """The unanswered fields, each with its question in the advice's language."""
    lang = run.lang
    return [
        run.comp.once(
            ("open", name, lang),
            lambda name: c.OpenException.make(
                field=name, question=run.pack.fields[name].question.get(lang)
            ),
            name,
        )
        for name in fields
    ]


def _option_texts(option: Option, lang: str) -> dict[str, Any]:
    return dict(
        what_happens=_cited(option.what_happens, lang),
        pros=[_cited(s, lang) for s in option.pros],
        cons=[_cited(s, lang) for s in option.cons],
        recovery=_cited(option.recovery, lang),
        living_with=_cited(option.living_with, lang),
    )


def _shown(run: Run, statement: Statement | None) -> bool:
    """A text is shown unless its `when` is false or its `unless` true for this patient: an
    unanswered question never hides it."""
    if statement is None:
        return False
    holds = run.comp.text_conditions.get(id(statement))
    if holds is None:
        return True
    return holds(run.profile, Evaluation({}, set(), run.memo)) is not False


def _applicable_texts(run: Run, option: Option) -> dict[str, Any]:
    """The option's texts that hold for this patient (built once when none is conditional)."""
    lang, conditional = run.lang, run.comp.text_conditions
    statements: tuple[Statement | None, ...] = (
        option.what_happens,
        *option.pros,
        *option.cons,
        option.recovery,
        option.living_with,
    )
    if not any(id(st) in conditional for st in statements if st is not None):
        return run.comp.once(("option", option.id, lang), _option_texts, option, lang)
    return dict(
        what_happens=_cited(option.what_happens, lang),  # what it is: always said
        pros=[_cited(s, lang) for s in option.pros if _shown(run, s)],
        cons=[_cited(s, lang) for s in option.cons if _shown(run, s)],
        recovery=_cited(option.recovery, lang) if _shown(run, option.recovery) else None,
        living_with=_cited(option.living_with, lang) if _shown(run, option.living_with) else None,
    )


def options_for_patient(
    run: Run, urgent: list[c.Urgent], recommendations: list[c.Recommendation]
) -> tuple[list[c.OptionAdvice], list[c.OptionAdvice], list[c.ComparisonRow]]:
    """The options and the actions that apply (or may), with the texts and numbers that hold
    for this patient, and the comparison rows between the ones shown. An option that means
    waiting is left out while a red flag urges acting."""
    found = option_outcomes(run)
    options: list[c.OptionAdvice] = []
    actions: list[c.OptionAdvice] = []
    lang, comp = run.lang, run.comp
    urged = {u.about: u.id for u in urgent}
    waiting = run.pack.rules.waiting_options
    against = {r.about for r in recommendations if r.direction == "against"}
    for option, holds, cites in comp.options:
        applicable = run.check(option.id, "option", holds)
        if applicable is False:
            continue
        if urged:
            blocker = next((urged[a] for a in waiting.get(option.id, ()) if a in urged), None)
            if blocker is not None:  # an option that means waiting, while a red flag urges acting
                run.suppress(len(run.trace) - 1, blocker)
                continue
        advice = c.OptionAdvice.make(
            id=option.id,
            kind=option.kind,
            name=option.name.get(lang),
            **_applicable_texts(run, option),
            applicable=applicable,
            outcomes=found.per_option.get(option.id, []),
            figures=found.figures.get(option.id, []),
            advised_against=option.id in against,
            decided_by=open_exceptions(run, run.trace[-1].missing) if applicable is None else [],
        )
        run.cited.update(cites)
        (options if option.kind == "option" else actions).append(advice)
    shown = {o.id for o in (*options, *actions)}
    rows = [r for r in found.rows if r.intervention in shown and r.comparator in shown]
    return options, actions, rows


def phase_facts(run: Run, after: bool) -> list[c.FactText]:
    """The pack's facts for this patient in this phase: after the treatment the recovery facts
    the pack names for it, before it every other fact; each only when its `when`/`unless`
    allow."""
    spec = run.pack.meta.after_treatment
    recovery = list(spec.facts) if spec is not None else []
    by_id = {f.id: f for f in run.pack.meta.facts}
    chosen = (
        [by_id[i] for i in recovery if i in by_id]
        if after
        else [f for f in run.pack.meta.facts if f.id not in recovery]
    )
    out = []
    for fact in chosen:
        if not _shown(run, fact):
            continue
        run.cited.update(s.id for s in fact.sources)
        out.append(
            run.comp.once(
                ("fact", fact.id, run.lang),
                lambda fact: c.FactText.make(
                    id=fact.id, text=fact.text.get(run.lang), sources=cited_sources(fact.sources)
                ),
                fact,
            )
        )
    return out


def is_after_treatment(pack: Pack, profile: Mapping[str, Any]) -> bool:
    """True when the pack has an after-treatment phase and the profile says it has begun."""
    spec = pack.meta.after_treatment
    return spec is not None and profile.get(spec.field) is True


def kept_after_treatment(
    run: Run,
    recommendations: list[c.Recommendation],
    actions: list[c.OptionAdvice],
    rows: list[c.ComparisonRow],
) -> tuple[list[c.Recommendation], list[c.OptionAdvice], list[c.ComparisonRow]]:
    """After the treatment the choice is made: no options, no advice about them, no comparison;
    only the actions the pack keeps for this phase (all when it names none). What this leaves
    out is traced as suppressed by 'after_treatment'."""
    spec = run.pack.meta.after_treatment
    assert spec is not None
    option_ids = {o.id for o in run.pack.options_file.options if o.kind == "option"}
    keep = set(spec.actions)
    kept_actions = [a for a in actions if not keep or a.id in keep]
    dropped = {r.id for r in recommendations if r.about in option_ids}
    dropped |= option_ids | {a.id for a in actions if a not in kept_actions}
    for index, entry in enumerate(run.trace):
        kind = entry.kind in ("recommendation", "option")
        if kind and entry.rule in dropped and entry.suppressed_by is None:
            run.suppress(index, "after_treatment")
    return (
        [r for r in recommendations if r.id not in dropped],
        kept_actions,
        [r for r in rows if r.intervention not in option_ids and r.comparator not in option_ids],
    )
