"""Per-pack work done once: evaluator, renderer, the rendered text of every condition, every
condition as a predicate and the rules in the order advise() reads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, TypeVarTuple

from keuzewijs.packs import Library, Pack
from keuzewijs.packs.conditions import fields_read, when_and_not_unless
from keuzewijs.packs.models import (
    Direction,
    Estimate,
    Implication,
    Option,
    RecommendationRule,
    RedFlag,
    RelativeEstimate,
    Statement,
)
from keuzewijs.rules.evaluate import Evaluation, Evaluator, Predicate
from keuzewijs.rules.render import Renderer

LANGS = ("nl", "en")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class Ranked(NamedTuple):
    """A recommendation ready for advise()."""

    rule: RecommendationRule
    holds: Predicate | None  # its `when`
    withdrawn: Predicate | None  # its `unless`
    waits: tuple[str, ...]  # the actions it advises against or leans to waiting with


@dataclass(frozen=True)
class Compiled:
    pack: Pack
    evaluator: Evaluator
    renderer: Renderer
    texts: dict[tuple[str, str], str]  # (rule id, lang) -> rendered condition
    unless_texts: dict[tuple[str, str], str]  # (rule id, lang) -> "tenzij ..." / "unless ..."
    flag_conditions: dict[str, Any]  # red flag id -> `when and not unless`
    # Every condition advise() evaluates, as a predicate (None: always), beside what it belongs
    # to, in the order advise() reads them: translating the tree per call was a third of its time.
    implications: tuple[tuple[Implication, Predicate | None], ...]
    flags: tuple[tuple[RedFlag, Predicate | None], ...]  # `when and not unless`
    by_priority: tuple[Ranked, ...]  # the recommendations, highest priority first
    options: tuple[tuple[Option, Predicate | None, frozenset[str]], ...]  # + source ids it cites
    estimates: tuple[tuple[Estimate, Predicate | None, frozenset[str]], ...]
    flag_about: dict[str, str]  # red flag id -> the action it urges
    # id() of a pack text (a pro, a con, a fact) with `when`/`unless` -> `when and not unless`
    text_conditions: dict[int, Predicate]
    # (recommendation id, lang) -> its condition with its exceptions, as the trace shows it
    trace_texts: dict[tuple[str, str], str]
    # Output objects that do not depend on the profile (a recommendation's text and sources, an
    # option's pros and cons), built once per language: they are frozen, so every Advice can share
    # them, and building them anew was most of advise()'s time.
    static: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def condition_text(self, rule_id: str, lang: str) -> str:
        return self.texts.get((rule_id, lang), "")

    def unless_text(self, rule_id: str, lang: str) -> str | None:
        return self.unless_texts.get((rule_id, lang))

    def holds(self, cond: Any, profile: Mapping[str, Any]) -> bool | None:
        """Whether a condition over this pack's profile fields holds for `profile` (validated, as
        `Advice.profile`): True, False, or None while an answer it needs is missing."""
        return self.evaluator.evaluate(cond, profile, Evaluation())

    def once(self, key: tuple[str, ...], build: Callable[[*Ts], T], *args: *Ts) -> T:
        """`build(*args)`, made once per key (the arguments are what the key names)."""
        hit = self.static.get(key)
        if hit is None:
            hit = self.static[key] = build(*args)
        return hit


def _conditions(pack: Pack) -> dict[str, Any]:
    rules = pack.rules
    out: dict[str, Any] = {}
    for rule in rules.rules:
        out[rule.id] = rule.when
    for implication in rules.implications:
        out[implication.id] = implication.if_
    for option in pack.options_file.options:
        out[option.id] = option.applies_when
    for est in pack.evidence.estimates:
        out[est.id] = when_and_not_unless(est.applies_when, est.unless)
    return out


def fields_of(pack: Pack, cond: Any) -> frozenset[str]:
    """Every profile field a condition reads, following definitions."""
    return fields_read(cond, pack.rules.definitions)


def compiled(library: Library, pack: Pack) -> Compiled:
    """The pack's compiled form, built once and kept on the pack (`Pack.derive`)."""
    return pack.derive("engine.compiled", lambda: _compile(library, pack))


def _compile(library: Library, pack: Pack) -> Compiled:
    evaluator = Evaluator(pack.rules.definitions, {f.name: f.unit for f in pack.profile.fields})
    renderer = Renderer(pack.fields, pack.rules.definitions, library.ui)
    texts = _condition_texts(pack, renderer)
    unless_texts = _unless_texts(pack, renderer)
    flags = {f.id: when_and_not_unless(f.when, f.unless) for f in pack.rules.red_flags}

    def predicate(cond: Any) -> Predicate | None:
        return None if cond is None else evaluator.compile(cond)

    rules = pack.rules
    recommendations = sorted(  # highest priority first; the file's order among equals
        enumerate(rules.recommendations), key=lambda pair: (-pair[1].priority, pair[0])
    )
    trace_texts = _trace_texts(pack, texts, unless_texts)
    return Compiled(
        pack,
        evaluator,
        renderer,
        texts,
        unless_texts,
        flags,
        implications=tuple((imp, predicate(imp.if_)) for imp in rules.implications),
        flags=tuple((flag, predicate(flags[flag.id])) for flag in rules.red_flags),
        by_priority=tuple(
            Ranked(rec, predicate(rec.when), predicate(rec.unless), _waits(rec))
            for _, rec in recommendations
        ),
        options=tuple(
            (o, predicate(o.applies_when), _option_cites(o)) for o in pack.options_file.options
        ),
        estimates=tuple(
            (e, predicate(when_and_not_unless(e.applies_when, e.unless)), _estimate_cites(e))
            for e in pack.evidence.estimates
        ),
        flag_about={f.id: f.about for f in rules.red_flags},
        text_conditions={
            id(st): evaluator.compile(when_and_not_unless(st.when, st.unless))
            for st in _texts(pack)
            if st.when is not None or st.unless is not None
        },
        trace_texts=trace_texts,
    )


def _condition_texts(pack: Pack, renderer: Renderer) -> dict[tuple[str, str], str]:
    """(rule id, lang) -> its `when` in words."""
    return {
        (rule_id, lang): renderer.render(cond, lang)
        for rule_id, cond in _conditions(pack).items()
        if cond is not None
        for lang in LANGS
    }


def _unless_texts(pack: Pack, renderer: Renderer) -> dict[tuple[str, str], str]:
    """(rule id, lang) -> 'unless' and its `unless` in words."""
    return {
        (
            rule.id,
            lang,
        ): f"{renderer.word('word.unless', lang)} {renderer.render(rule.unless, lang)}"
        for rule in pack.rules.rules
        if rule.unless is not None
        for lang in LANGS
    }


def _trace_texts(
    pack: Pack,
    texts: dict[tuple[str, str], str],
    unless_texts: dict[tuple[str, str], str],
) -> dict[tuple[str, str], str]:
    """(recommendation id, lang) -> its `when` and `unless` in words, for the trace."""
    trace_texts = {}
    for rec in pack.rules.recommendations:
        for lang in LANGS:
            condition = texts.get((rec.id, lang), "")
            unless_text = unless_texts.get((rec.id, lang))
            if unless_text:
                condition = f"{condition}; {unless_text}" if condition else unless_text
            trace_texts[rec.id, lang] = condition
    return trace_texts


def _texts(pack: Pack) -> list[Statement]:
    """Every pack text that may carry `when`/`unless`: option texts and facts."""
    out: list[Statement] = list(pack.meta.facts)
    for option in pack.options_file.options:
        out.extend(
            st
            for st in (
                option.what_happens,
                *option.pros,
                *option.cons,
                option.recovery,
                option.living_with,
            )
            if st is not None
        )
    return out


def _option_cites(option: Option) -> frozenset[str]:
    statements = (
        option.what_happens,
        *option.pros,
        *option.cons,
        option.recovery,
        option.living_with,
    )
    return frozenset(s.id for st in statements if st is not None for s in st.sources)


def _estimate_cites(est: Estimate) -> frozenset[str]:
    """The sources of an estimate and of the baseline risk it is applied to."""
    baseline = est.baseline if isinstance(est, RelativeEstimate) else None
    return frozenset(
        s.id for s in (*est.sources, *(baseline.sources if baseline is not None else ()))
    )


def _waits(rec: RecommendationRule) -> tuple[str, ...]:
    against = (rec.about,) if rec.direction is Direction.against else ()
    return (*against, *rec.delays)
