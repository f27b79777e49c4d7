"""advise(): apply one pack's rules and evidence to one patient's profile.

Order of precedence: red flags first (they override everything else), then
recommendations (highest priority first), then the options with absolute risks.
A recommendation *against* an action that a fired red flag urges is suppressed,
and the trace says so: urgent advice is never accompanied by 'wait'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keuzewijs.errors import KeuzewijsError, ProfileError
from keuzewijs.packs.loader import Library, Pack, get_library
from keuzewijs.packs.models import Direction, FieldType, Statement
from keuzewijs.packs.profile import validate_profile
from keuzewijs.rules.evaluate import Evaluation
from keuzewijs.rules.interval import Interval

from . import contract as c
from .compiled import LANGS, Compiled, compiled
from .outcomes import option_outcomes


def _sources(refs) -> list[c.CitedSource]:
    return [c.CitedSource.make(id=r.id, locator=r.locator) for r in refs]


def _cited(statement: Statement | None, lang: str) -> c.CitedText | None:
    if statement is None:
        return None
    return c.CitedText.make(text=statement.text.get(lang), sources=_sources(statement.sources))


class _Run:
    """The state of one advise() call: profile, trace and what is still unknown."""

    def __init__(self, comp: Compiled, profile: Mapping[str, Any], lang: str):
        self.comp, self.pack, self.profile, self.lang = comp, comp.pack, profile, lang
        self.trace: list[c.TraceEntry] = []
        self.needs: dict[str, list[str]] = {}
        self.cited: set[str] = set()

    def check(self, rule_id: str, kind: str, cond: Any) -> bool | None:
        if cond is None:
            self.trace.append(
                c.TraceEntry.make(
                    rule=rule_id, kind=kind, fired=True, condition="", used={}, missing=[]
                )
            )
            return True
        ev = Evaluation()
        fired = self.comp.evaluator.evaluate(cond, self.profile, ev)
        missing = sorted(ev.missing) if fired is None else []
        for name in missing:
            self.needs.setdefault(name, []).append(rule_id)
        self.trace.append(
            c.TraceEntry.make(
                rule=rule_id,
                kind=kind,
                fired=fired,
                condition=self.comp.condition_text(rule_id, self.lang),
                used=dict(ev.used),
                missing=missing,
            )
        )
        return fired


def _urgent(run: _Run) -> tuple[list[c.Urgent], list[c.ToCheck]]:
    urgent, to_check = [], []
    for flag in run.pack.rules.red_flags:
        fired = run.check(flag.id, "red_flag", flag.when)
        if fired:
            run.cited.update(s.id for s in flag.sources)
            urgent.append(
                run.comp.once(
                    ("urgent", flag.id, run.lang),
                    lambda flag=flag: c.Urgent.make(
                        id=flag.id,
                        about=flag.about,
                        message=flag.message.get(run.lang),
                        action=flag.action.get(run.lang),
                        why=run.comp.condition_text(flag.id, run.lang),
                        sources=_sources(flag.sources),
                    ),
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


def _recommendations(run: _Run, urgent: list[c.Urgent]) -> list[c.Recommendation]:
    urged = {u.about: u.id for u in urgent}
    out = []
    rules = sorted(
        enumerate(run.pack.rules.recommendations), key=lambda pair: (-pair[1].priority, pair[0])
    )
    for _, rec in rules:
        fired = run.check(rec.id, "recommendation", rec.when)
        if not fired:
            continue
        if rec.direction is Direction.against and rec.about in urged:
            run.trace[-1] = run.trace[-1].model_copy(update={"suppressed_by": urged[rec.about]})
            continue
        run.cited.update(s.id for s in rec.sources)
        out.append(
            run.comp.once(
                ("rec", rec.id, run.lang),
                lambda rec=rec: c.Recommendation.make(
                    id=rec.id,
                    about=rec.about,
                    direction=rec.direction.value,
                    strength=rec.strength.value,
                    text=rec.text.get(run.lang),
                    why=rec.why.get(run.lang),
                    applies_because=run.comp.condition_text(rec.id, run.lang),
                    sources=_sources(rec.sources),
                ),
            )
        )
    return out


def _options(run: _Run) -> tuple[list[c.OptionAdvice], list[c.OptionAdvice]]:
    effects = option_outcomes(run)
    options, actions = [], []
    lang = run.lang
    for option in run.pack.options_file.options:
        applicable = run.check(option.id, "option", option.applies_when)
        if applicable is False:
            continue
        texts = run.comp.once(
            ("option", option.id, lang),
            lambda option=option: dict(
                what_happens=_cited(option.what_happens, lang),
                pros=[_cited(s, lang) for s in option.pros],
                cons=[_cited(s, lang) for s in option.cons],
                recovery=_cited(option.recovery, lang),
                living_with=_cited(option.living_with, lang),
            ),
        )
        advice = c.OptionAdvice.make(
            id=option.id,
            kind=option.kind,
            name=option.name.get(lang),
            **texts,
            applicable=applicable,
            outcomes=effects.get(option.id, []),
        )
        run.cited.update(
            run.comp.once(
                ("option-sources", option.id),
                lambda option=option: frozenset(
                    s.id
                    for statement in (
                        option.what_happens,
                        *option.pros,
                        *option.cons,
                        option.recovery,
                        option.living_with,
                    )
                    if statement is not None
                    for s in statement.sources
                ),
            )
        )
        (options if option.kind == "option" else actions).append(advice)
    return options, actions


def _validated(pack: Pack, profile: Mapping[str, Any]) -> dict[str, Any]:
    """The profile validated by the pack's model; a numeric field may instead hold an `Interval`
    (a value the record states only as a range, e.g. eGFR "<60"), which the evaluator compares
    three-valued."""
    ranges = {k: v for k, v in profile.items() if isinstance(v, Interval)} if profile else {}
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
    run = _Run(compiled(library, pack), values, lang)
    urgent, to_check = _urgent(run)
    recommendations = _recommendations(run, urgent)
    options, actions = _options(run)
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
