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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keuzewijs.errors import KeuzewijsError, ProfileError
from keuzewijs.packs import Library, Pack, get_library, validate_profile
from keuzewijs.packs.conditions import Ref
from keuzewijs.packs.models import FieldType, Implication, RecommendationRule
from keuzewijs.rules.interval import Interval

from . import contract as c
from .choices import (
    cited_sources,
    is_after_treatment,
    kept_after_treatment,
    open_exceptions,
    options_for_patient,
    phase_facts,
)
from .compiled import LANGS, Compiled, compiled, fields_of
from .run import Run
from .safety import closed, contradictions, more_alarming, safe_side, urgent_care


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
                        sources=cited_sources(flag.sources),
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


def _recommendation(comp: Compiled, rec: RecommendationRule, lang: str) -> c.Recommendation:
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
        sources=cited_sources(rec.sources),
    )


@dataclass(frozen=True)
class _Alarms:
    """What the red flags of this patient mean for the recommendations."""

    urged: dict[str, str]  # action -> the first fired red flag that urges it
    undecided: dict[str, list[str]]  # action -> the open questions of its undecided red flags
    alarming: set[str]  # red flags fired or still open


# rule, status, open questions, its trace index
_Shown = tuple[RecommendationRule, str, list[str], int]


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


def _blocker(rec: RecommendationRule, waits: tuple[str, ...], alarms: _Alarms) -> str | None:
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
                **{**made.__dict__, "status": status, "unless_open": open_exceptions(run, open_)}
            )
        out.append(made)
    return out


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
    options, actions, rows = options_for_patient(run, urgent, recommendations)
    after = is_after_treatment(pack, run.profile)
    if after:
        kept, actions, rows = kept_after_treatment(run, recommendations + later, actions, rows)
        kept_ids = {r.id for r in kept}
        recommendations = [r for r in recommendations if r.id in kept_ids]
        later = [r for r in later if r.id in kept_ids]
        options = []
    facts = phase_facts(run, after)
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
