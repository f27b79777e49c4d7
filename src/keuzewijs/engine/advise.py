"""advise(): apply one pack's rules and evidence to one patient's profile.

Order: the pack's implications fill unanswered fields that other answers settle; red flags
(they override everything else); recommendations (highest priority first), each *applies*
(`when` true, `unless` false) or *provisional* (`when` true, `unless` unknown: shown with the
open exceptions as questions); then the options with absolute risks.

Safety, enforced here and property-tested (tests/engine/test_properties.py):
- a fired red flag hides every recommendation *against* the action it urges or leaning to
  waiting with it (`delays`), and every option that means waiting with it (`waiting_options`);
  the advice then says that the elective choice comes after the urgent step ('urgent-first');
- every red flag that is still undecided is in `to_check` (with its action), which every
  presenter shows before the recommendations: a provisional 'not now' whose open exceptions are
  alarm questions is never shown without those questions;
- a shown rule hides the rules it `overrides` (the more specific one wins). The trace records
  every suppression.
- the invariants of issue 18 (engine/safety.py): under a fired red flag the elective advice and
  the option comparison move to `later`; advice a red flag `suspended_by` is never shown while
  that flag is fired or open; contradictory answers are asked about and the red flags are
  evaluated on the safe side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from keuzewijs.errors import KeuzewijsError, ProfileError
from keuzewijs.packs import Library, Pack, get_library, validate_profile
from keuzewijs.packs.conditions import Ref
from keuzewijs.packs.models import FieldType, Implication, Option, SourceRef, Statement
from keuzewijs.packs.models import Recommendation as Rule
from keuzewijs.rules.evaluate import Evaluation
from keuzewijs.rules.interval import Interval

from . import contract as c
from .compiled import LANGS, Compiled, compiled, fields_of
from .outcomes import option_outcomes
from .run import Run
from .safety import closed, contradictions, more_alarming, safe_side, urgent_care


def _sources(refs: Iterable[SourceRef]) -> list[c.CitedSource]:
    return [c.CitedSource.make(id=r.id, locator=r.locator) for r in refs]


def _cited(statement: Statement | None, lang: str) -> c.CitedText | None:
    if statement is None:
        return None
    return c.CitedText.make(text=statement.text.get(lang), sources=_sources(statement.sources))


def _implications(run: Run) -> dict[str, Any]:
    """Apply the pack's implications to unanswered fields, in order; each is traced."""
    profile = dict(run.profile)
    for imp, holds in run.comp.implications:
        run.profile = profile
        target = imp.then.field
        fills = None if target in profile else {target: imp.then.value}  # never overwrites
        # an implication only fills in; its own open fields are no question worth asking
        if run.check(imp.id, "implication", holds, ask=False, implies=fills) and fills:
            profile.update(fills)
    return profile


def _on_safe_side(
    run: Run, flag_id: str, holds: Any, fired: bool | None, safer: dict[str, Any]
) -> bool | None:
    """The flag again on the profile read on the safe side; the more alarming verdict (and its
    trace entry) stands."""
    first = run.trace.pop()
    profile, memo = run.profile, run.memo
    run.profile, run.memo = safer, {}
    try:
        other = run.check(flag_id, "red_flag", holds)
    finally:
        run.profile, run.memo = profile, memo
    if more_alarming(fired, other):
        return other
    run.trace[-1] = first
    return fired


def _urgent(
    run: Run, safer: dict[str, Any] | None = None
) -> tuple[list[c.Urgent], list[c.ToCheck]]:
    urgent, to_check = [], []
    word = run.comp.renderer.word
    for flag, holds in run.comp.flags:
        fired = run.check(flag.id, "red_flag", holds)
        if fired is not True and safer is not None:
            fired = _on_safe_side(run, flag.id, holds, fired, safer)
        if fired:
            run.cited.update(s.id for s in flag.sources)
            urgent.append(
                run.comp.once(
                    ("urgent", flag.id, run.lang),
                    lambda flag: c.Urgent.make(
                        id=flag.id,
                        about=flag.about,
                        message=flag.message.get(run.lang),
                        action=flag.action.get(run.lang),
                        why=run.comp.condition_text(flag.id, run.lang),
                        sources=_sources(flag.sources),
                        urgency=flag.urgency.value,
                    ),
                    flag,
                )
            )
        elif fired is None and all(closed(run.pack, run.profile, f) for f in run.trace[-1].missing):
            for name in run.trace[-1].missing:  # a question that does not apply is not needed
                waiting = [r for r in run.needs.get(name, []) if r != flag.id]
                if waiting:
                    run.needs[name] = waiting
                else:
                    run.needs.pop(name, None)
        elif fired is None:
            # the action is for those who have the alarm sign itself, not for every 'yes' to the
            # question (mild weakness answers 'less strength?' with yes, and is not urgent): a
            # flag defined by a named definition says so with its label, written for people
            action = flag.action.get(run.lang)
            if isinstance(flag.when, Ref):
                label = run.comp.renderer.definition_label(flag.when.ref, run.lang)
                action = f"{word('to_check.only_with', run.lang)} {label}: {action}"
            to_check.append(
                c.ToCheck.make(
                    id=flag.id,
                    message=flag.message.get(run.lang),
                    action=action,
                    needs=run.trace[-1].missing,
                    urgency=flag.urgency.value,
                )
            )
    return urgent, to_check


def _contradiction(run: Run, imp: Implication) -> c.ToCheck:
    word, lang = run.comp.renderer.word, run.lang
    asked = fields_of(run.pack, imp.if_)
    return c.ToCheck.make(
        id=imp.id,
        kind="contradiction",
        message=f"{word('contradiction.message', lang)} {imp.ground.get(lang)}",
        action=word("contradiction.action", lang),
        needs=[f for f in run.pack.fields if f == imp.then.field or f in asked],
    )


def _open(run: Run, fields: list[str]) -> list[c.OpenException]:
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


def _urgent_first(run: Run, urgent: list[c.Urgent]) -> c.Recommendation:
    """With a red flag, the advice says that the elective choice comes after the urgent step."""
    ui, lang, rules = run.comp.renderer.word, run.lang, run.pack.rules
    about = rules.decision.id if rules.decision is not None else urgent[0].about
    return c.Recommendation.make(
        id="urgent-first",
        about=about,
        direction="consider",
        strength="strong",
        status="applies",
        text=ui("urgent_first.text", lang),
        why=ui("urgent_first.why", lang),
        applies_because="; ".join(u.why for u in urgent),
        unless=None,
        unless_open=[],
        sources=[s for u in urgent for s in u.sources],
    )


def _recommendation(comp: Compiled, rec: Rule, lang: str) -> c.Recommendation:
    """A recommendation as it applies (the part that does not depend on the profile)."""
    return c.Recommendation.make(
        id=rec.id,
        about=rec.about,
        direction=rec.direction.value,
        strength=rec.strength.value,
        status="applies",
        text=rec.text.get(lang),
        why=rec.why.get(lang),
        applies_because=comp.condition_text(rec.id, lang),
        unless=comp.unless_text(rec.id, lang),
        unless_open=[],
        sources=_sources(rec.sources),
    )


@dataclass(frozen=True)
class _Alarms:
    """What the red flags of this patient mean for the recommendations."""

    urged: dict[str, str]  # action -> the first fired red flag that urges it
    undecided: dict[str, list[str]]  # action -> the open questions of its undecided red flags
    alarming: set[str]  # red flags fired or still open


_Shown = tuple[Rule, str, list[str], int]  # rule, status, open questions, its trace index


def _recommendations(
    run: Run, urgent: list[c.Urgent], to_check: list[c.ToCheck]
) -> tuple[list[c.Recommendation], list[c.Recommendation]]:
    """Recommendations by priority. Hidden: advice against, or leaning to waiting with, an action
    a fired red flag urges; and a rule that a more specific shown rule `overrides`. Such advice
    is at most provisional while a red flag about that action is undecided, even when the pack
    forgot to name the alarm in `unless`: its open questions become the open exceptions.
    Returns (now, later): with a fired red flag the elective advice is for later."""
    shown = _shown_rules(run, _alarms(run, urgent, to_check))
    out = [_urgent_first(run, urgent)] if urgent else []
    out += _made_recommendations(run, shown)
    if not urgent:
        return out, []
    keep = urgent_care(run.pack)
    return [r for r in out if r.id == "urgent-first" or r.id in keep], [
        r for r in out if r.id != "urgent-first" and r.id not in keep
    ]


def _alarms(run: Run, urgent: list[c.Urgent], to_check: list[c.ToCheck]) -> _Alarms:
    urged: dict[str, str] = {}
    for u in urgent:
        urged.setdefault(u.about, u.id)
    flags = run.comp.flag_about
    undecided: dict[str, list[str]] = {}
    for check in to_check:
        if check.kind == "red_flag":
            undecided.setdefault(flags[check.id], []).extend(check.needs)
    alarming = {u.id for u in urgent} | {t.id for t in to_check if t.kind == "red_flag"}
    return _Alarms(urged, undecided, alarming)


def _shown_rules(run: Run, alarms: _Alarms) -> list[_Shown]:
    """The rules that hold and that no red flag hides, with their status (traced)."""
    shown: list[_Shown] = []
    for rec, holds, withdrawn, waits in run.comp.by_priority:
        status, open_ = run.check_rule(rec, holds, withdrawn)
        if status is None:
            continue
        blocker = _blocker(rec, waits, alarms)
        if blocker is not None:
            run.suppress(len(run.trace) - 1, blocker)
            continue
        status, open_ = _provisional_while_undecided(run, waits, status, open_, alarms)
        shown.append((rec, status, open_, len(run.trace) - 1))
    return shown


def _blocker(rec: Rule, waits: tuple[str, ...], alarms: _Alarms) -> str | None:
    """The red flag that hides this rule: one it is suspended by (fired or open), or a fired one
    urging an action this rule advises against or leans to waiting with."""
    unsafe = next((f for f in rec.suspended_by if f in alarms.alarming), None)
    if unsafe is not None:  # a red flag, fired or open, makes this advice unsafe
        return unsafe
    if alarms.urged:
        return next((alarms.urged[a] for a in waits if a in alarms.urged), None)
    return None


def _provisional_while_undecided(
    run: Run, waits: tuple[str, ...], status: str, open_: list[str], alarms: _Alarms
) -> tuple[str, list[str]]:
    """Advice waiting with an action is provisional while a red flag about it is undecided."""
    undecided = alarms.undecided
    alarm = {f for a in waits for f in undecided.get(a, ())} if undecided else set()
    if alarm - set(open_):
        status = "provisional"
        open_ = [f for f in run.pack.fields if f in alarm or f in open_]
        run.trace[-1] = run.trace[-1].model_copy(update={"status": status})
    return status, open_


def _made_recommendations(run: Run, shown: list[_Shown]) -> list[c.Recommendation]:
    """The shown rules as recommendations, less those a more specific shown rule overrides."""
    ids = {rec.id for rec, *_ in shown}
    overridden = {s: rec.id for rec, *_ in shown for s in rec.overrides if s in ids}
    out: list[c.Recommendation] = []
    lang = run.lang
    for rec, status, open_, index in shown:
        if rec.id in overridden:
            run.suppress(index, overridden[rec.id])
            continue
        run.cited.update(s.id for s in rec.sources)
        made = run.comp.once(("rec", rec.id, lang), _recommendation, run.comp, rec, lang)
        if status == "provisional":
            made = c.Recommendation.make(
                **{**made.__dict__, "status": status, "unless_open": _open(run, open_)}
            )
        out.append(made)
    return out


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


def _options(
    run: Run, urgent: list[c.Urgent], recommendations: list[c.Recommendation]
) -> tuple[list[c.OptionAdvice], list[c.OptionAdvice], list[c.ComparisonRow]]:
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
            decided_by=_open(run, run.trace[-1].missing) if applicable is None else [],
        )
        run.cited.update(cites)
        (options if option.kind == "option" else actions).append(advice)
    shown = {o.id for o in (*options, *actions)}
    rows = [r for r in found.rows if r.intervention in shown and r.comparator in shown]
    return options, actions, rows


def _facts(run: Run, after: bool) -> list[c.FactText]:
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
                    id=fact.id, text=fact.text.get(run.lang), sources=_sources(fact.sources)
                ),
                fact,
            )
        )
    return out


def _after_treatment(pack: Pack, profile: Mapping[str, Any]) -> bool:
    spec = pack.meta.after_treatment
    return spec is not None and profile.get(spec.field) is True


def _phase_applied(
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


def _validated(pack: Pack, profile: Mapping[str, Any]) -> dict[str, Any]:
    """The profile validated by the pack's model; a numeric field may instead hold an `Interval`
    (a value the record states only as a range, e.g. eGFR "<60"), which the evaluator compares
    three-valued."""
    ranges = (
        {k: v for k, v in profile.items() if isinstance(v, Interval)}
        if isinstance(profile, Mapping)
        else {}
    )
    if not ranges:
        return validate_profile(pack.profile_model, profile)
    values = validate_profile(
        pack.profile_model, {k: v for k, v in profile.items() if k not in ranges}
    )
    for name in ranges:
        spec = pack.fields.get(name)
        if spec is None or spec.type not in (FieldType.number, FieldType.integer):
            raise ProfileError([(f"profile.{name}", "only a numeric field can hold a range")])
    return {**values, **ranges}


def advise_pack(
    library: Library, pack: Pack, profile: Mapping[str, Any], lang: str = "nl"
) -> c.Advice:
    if lang not in LANGS:
        raise KeuzewijsError(f"must be one of {', '.join(LANGS)} (got {lang!r})", path="lang")
    values = _validated(pack, profile)
    run = Run(compiled(library, pack), values, lang)
    run.profile = _implications(run)
    run.memo = {}
    contradicted = contradictions(run.comp, values, run.profile)
    safer = safe_side(run.profile, contradicted) if contradicted else None
    urgent, to_check = _urgent(run, safer)
    to_check += [_contradiction(run, imp) for imp in contradicted]
    recommendations, later = _recommendations(run, urgent, to_check)
    options, actions, rows = _options(run, urgent, recommendations)
    after = _after_treatment(pack, run.profile)
    if after:
        kept, actions, rows = _phase_applied(run, recommendations + later, actions, rows)
        kept_ids = {r.id for r in kept}
        recommendations = [r for r in recommendations if r.id in kept_ids]
        later = [r for r in later if r.id in kept_ids]
        options = []
    facts = _facts(run, after)
    needs = [
        c.Need.make(field=name, question=pack.fields[name].question.get(lang), affects=rules)
        for name, rules in run.needs.items()
    ]
    run.cited.update(s.id for s in pack.meta.description.sources)
    sources = run.comp.once(
        ("sources", *sorted(run.cited)),
        lambda: [
            c.SourceInfo.make(
                id=s.id,
                citation=s.citation,
                url=s.url,
                kind=s.kind.value,
                verification=s.verification,
            )
            for s in pack.sources_file.sources
            if s.id in run.cited
        ],
    )
    disclaimer = pack.meta.disclaimer or library.ui["disclaimer"]
    return c.Advice.make(
        contract_version=c.CONTRACT_VERSION,
        condition=pack.id,
        condition_name=pack.meta.name.get(lang),
        knowledge_version=pack.knowledge_version,
        lang=lang,
        disclaimer=disclaimer.get(lang),
        urgent=urgent,
        to_check=to_check,
        recommendations=recommendations,
        options=options,
        actions=actions,
        later=later,
        comparison_later=bool(urgent),  # the comparison is for after the urgent step
        needs=needs,
        trace=run.trace,
        sources=sources,
        profile=values,
        phase="after_treatment" if after else "choice",
        facts=facts,
        comparisons=rows,
    )


def advise(
    condition_id: str,
    profile: Mapping[str, Any],
    lang: str = "nl",
    *,
    library: Library | None = None,
) -> c.Advice:
    """Advice for one patient: a pure function of the knowledge version and these inputs."""
    lib = library or get_library()
    return advise_pack(lib, lib.pack(condition_id), profile, lang)
