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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from keuzewijs.errors import KeuzewijsError, ProfileError
from keuzewijs.packs import Library, Pack, get_library, validate_profile
from keuzewijs.packs.models import FieldType, Option, SourceRef, Statement
from keuzewijs.packs.models import Recommendation as Rule
from keuzewijs.rules.interval import Interval

from . import contract as c
from .compiled import LANGS, Compiled, compiled
from .outcomes import option_outcomes
from .run import Run


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


def _urgent(run: Run) -> tuple[list[c.Urgent], list[c.ToCheck]]:
    urgent, to_check = [], []
    for flag, holds in run.comp.flags:
        fired = run.check(flag.id, "red_flag", holds)
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
                    ),
                    flag,
                )
            )
        elif fired is None:
            to_check.append(
                c.ToCheck.make(
                    id=flag.id,
                    message=flag.message.get(run.lang),
                    action=flag.action.get(run.lang),
                    needs=run.trace[-1].missing,
                )
            )
    return urgent, to_check


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


def _recommendations(
    run: Run, urgent: list[c.Urgent], to_check: list[c.ToCheck]
) -> list[c.Recommendation]:
    """Recommendations by priority. Hidden: advice against, or leaning to waiting with, an action
    a fired red flag urges; and a rule that a more specific shown rule `overrides`. Such advice
    is at most provisional while a red flag about that action is undecided, even when the pack
    forgot to name the alarm in `unless`: its open questions become the open exceptions."""
    urged: dict[str, str] = {}
    for u in urgent:
        urged.setdefault(u.about, u.id)
    flags = run.comp.flag_about
    undecided: dict[str, list[str]] = {}
    for check in to_check:
        undecided.setdefault(flags[check.id], []).extend(check.needs)
    shown: list[tuple[Rule, str, list[str], int]] = []
    for rec, holds, withdrawn, waits in run.comp.by_priority:
        status, open_ = run.check_rule(rec, holds, withdrawn)
        if status is None:
            continue
        if urged:
            blocker = next((urged[a] for a in waits if a in urged), None)
            if blocker is not None:
                run.suppress(len(run.trace) - 1, blocker)
                continue
        alarm = {f for a in waits for f in undecided.get(a, ())} if undecided else set()
        if alarm - set(open_):
            status = "provisional"
            open_ = [f for f in run.pack.fields if f in alarm or f in open_]
            run.trace[-1] = run.trace[-1].model_copy(update={"status": status})
        shown.append((rec, status, open_, len(run.trace) - 1))
    ids = {rec.id for rec, *_ in shown}
    overridden = {s: rec.id for rec, *_ in shown for s in rec.overrides if s in ids}
    out = [_urgent_first(run, urgent)] if urgent else []
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


def _options(run: Run, urgent: list[c.Urgent]) -> tuple[list[c.OptionAdvice], list[c.OptionAdvice]]:
    effects = option_outcomes(run)
    options: list[c.OptionAdvice] = []
    actions: list[c.OptionAdvice] = []
    lang, comp = run.lang, run.comp
    urged = {u.about: u.id for u in urgent}
    waiting = run.pack.rules.waiting_options
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
            **comp.once(("option", option.id, lang), _option_texts, option, lang),
            applicable=applicable,
            outcomes=effects.get(option.id, []),
        )
        run.cited.update(cites)
        (options if option.kind == "option" else actions).append(advice)
    return options, actions


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
    urgent, to_check = _urgent(run)
    recommendations = _recommendations(run, urgent, to_check)
    options, actions = _options(run, urgent)
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
        needs=needs,
        trace=run.trace,
        sources=sources,
        profile=values,
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
