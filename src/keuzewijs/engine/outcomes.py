"""Outcomes per option as GRADE summary-of-findings rows: choose the estimate that fits the
patient's subgroup, then compute absolute risks with `keuzewijs.evidence.absolute`.

Estimates for the same comparison (outcome + arms) are tried in file order; the first whose
`applies_when` is true and `unless` false wins, so subgroup estimates are listed before the
overall one. One whose subgroup is unknown is passed over, and its fields are reported as needed.

A comparison row has two arms: a relative effect (with the baseline risk it is applied to, or
the relative effect alone), or two observed proportions of one study and population that name
each other (`compared_with`). Each row carries its verdict: 'fewer' or 'more' only when the
interval of the difference excludes no effect. A proportion for one option alone is no
comparison: it goes to that option's `figures` (its description), never to the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keuzewijs.evidence import (
    Verdict,
    absolute_effect,
    newcombe_difference,
    observed_proportion,
    verdict_of_difference,
    verdict_of_ratio,
)
from keuzewijs.packs import Pack
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate

from . import contract as c

if TYPE_CHECKING:
    from .compiled import Compiled
    from .run import Run

_FLIP: dict[Verdict, Verdict] = {
    "fewer": "more",
    "more": "fewer",
    "little_or_no_difference": "little_or_no_difference",
    "no_interval": "no_interval",
}


def verdict_text(comp: Compiled, verdict: Verdict, option: str, versus: str, lang: str) -> str:
    names = comp.pack.options
    return comp.renderer.word(f"verdict.{verdict}", lang).format(
        option=names[option].name.get(lang),  # as the pack writes it: a name, not an id
        versus=names[versus].name.get(lang),
    )


def _common(pack: Pack, est: Any, lang: str) -> dict[str, Any]:
    outcome = pack.outcomes[est.outcome]
    timeframe = est.timeframe or outcome.timeframe
    return dict(
        id=outcome.id,
        name=outcome.name.get(lang),
        kind=outcome.kind,
        certainty=est.certainty.value if est.certainty else None,
        certainty_note=est.certainty_note.get(lang) if est.certainty_note else None,
        certainty_by=est.grading.by.value if est.grading else None,
        certainty_reasons=[r.get(lang) for r in est.grading.reasons] if est.grading else None,
        timeframe=timeframe.get(lang),
        evidence_id=est.id,
        studies=est.studies,
        randomised_studies=est.randomised_studies,
        patients=est.patients,
        design=est.design.get(lang) if est.design else None,
        note=est.note.get(lang) if est.note else None,
        sources=[c.CitedSource.make(id=s.id, locator=s.locator) for s in est.sources],
        population=_population(est, lang),
    )


def _population(est: Any, lang: str) -> str | None:
    if est.population is not None:
        return str(est.population.get(lang))
    baseline = getattr(est, "baseline", None)
    if baseline is not None and baseline.subgroup is not None:
        return str(baseline.subgroup.get(lang))
    return None


def _relative(
    comp: Compiled, est: RelativeEstimate, lang: str
) -> tuple[dict[str, c.OutcomeEffect], c.ComparisonRow]:
    pack = comp.pack
    rel = c.RelativeEffect.make(
        measure=est.measure,
        estimate=est.estimate,
        ci=est.ci,
        versus=pack.options[est.comparator].name.get(lang),
        i2=est.i2,
        p_value=est.p_value,
    )
    common = _common(pack, est, lang)
    verdict = verdict_of_ratio(est.estimate, est.ci)
    said = verdict_text(comp, verdict, est.intervention, est.comparator, lang)
    row = dict(
        outcome=common["id"],
        name=common["name"],
        kind=common["kind"],
        intervention=est.intervention,
        comparator=est.comparator,
        population=common["population"],
        timeframe=common["timeframe"],
        relative_effect=rel,
        verdict=verdict,
        verdict_text=said,
        certainty=common["certainty"],
        certainty_reasons=common["certainty_reasons"],
        evidence_ids=[est.id],
        sources=common["sources"],
    )
    if est.baseline is None:
        method = "relative effect only: no baseline risk to apply it to"
        arm = c.OutcomeEffect.make(
            **common,
            risk_per_1000=None,
            ci_per_1000=None,
            relative_effect=rel,
            role="intervention",
            method=method,
            versus=est.comparator,
            verdict=verdict,
            verdict_text=said,
        )
        return {est.intervention: arm}, c.ComparisonRow.make(
            **row,
            intervention_per_1000=None,
            intervention_ci_per_1000=None,
            comparator_per_1000=None,
            comparator_ci_per_1000=None,
            difference_per_1000=None,
            difference_ci_per_1000=None,
            baseline=None,
            method=method,
        )
    effect = absolute_effect(est.baseline.risk, est.measure, est.estimate, est.ci)  # type: ignore[arg-type]
    baseline = c.BaselineInfo.make(
        risk_per_1000=round(est.baseline.risk * 1000),
        derivation=est.baseline.derivation.get(lang),
        sources=[c.CitedSource.make(id=s.id, locator=s.locator) for s in est.baseline.sources],
        basis=est.baseline.basis,
        subgroup=est.baseline.subgroup.get(lang) if est.baseline.subgroup else None,
    )
    lo, hi = effect.risk_difference_ci
    arms = {
        est.intervention: c.OutcomeEffect.make(
            **common,
            risk_per_1000=effect.per_1000(),
            ci_per_1000=effect.ci_per_1000(),
            relative_effect=rel,
            role="intervention",
            method=effect.method,
            baseline=baseline,
            versus=est.comparator,
            verdict=verdict,
            verdict_text=said,
        ),
        est.comparator: c.OutcomeEffect.make(
            **common,
            risk_per_1000=baseline.risk_per_1000,
            ci_per_1000=None,
            relative_effect=None,
            role="comparator",
            method="baseline (control-group) risk the relative effect is applied to",
            baseline=baseline,
            versus=est.intervention,
            verdict=_FLIP[verdict],
            verdict_text=verdict_text(comp, _FLIP[verdict], est.comparator, est.intervention, lang),
        ),
    }
    return arms, c.ComparisonRow.make(
        **row,
        intervention_per_1000=effect.per_1000(),
        intervention_ci_per_1000=effect.ci_per_1000(),
        comparator_per_1000=baseline.risk_per_1000,
        comparator_ci_per_1000=None,
        difference_per_1000=round(effect.risk_difference * 1000),
        difference_ci_per_1000=(round(lo * 1000), round(hi * 1000)),
        baseline=baseline,
        method=effect.method,
    )


def _observed(
    comp: Compiled, est: ProportionEstimate, lang: str, versus: ProportionEstimate | None = None
) -> c.OutcomeEffect:
    prop = observed_proportion(est.events, est.total, est.proportion)
    extra: dict[str, Any] = {}
    if versus is not None:
        other = observed_proportion(versus.events, versus.total, versus.proportion)
        interval = newcombe_difference(prop, other)
        verdict = verdict_of_difference(prop.risk - other.risk, interval)
        extra = dict(
            versus=versus.option,
            verdict=verdict,
            verdict_text=verdict_text(comp, verdict, est.option, versus.option, lang),
        )
    return c.OutcomeEffect.make(
        **_common(comp.pack, est, lang),
        risk_per_1000=prop.per_1000(),
        ci_per_1000=prop.ci_per_1000(),
        relative_effect=None,
        role="observed",
        method=prop.method,
        **extra,
    )


def _paired_row(
    comp: Compiled, first: ProportionEstimate, second: ProportionEstimate, lang: str
) -> tuple[dict[str, c.OutcomeEffect], c.ComparisonRow]:
    a, b = _observed(comp, first, lang, second), _observed(comp, second, lang, first)
    pa = observed_proportion(first.events, first.total, first.proportion)
    pb = observed_proportion(second.events, second.total, second.proportion)
    interval = newcombe_difference(pa, pb)
    assert a.verdict is not None and a.verdict_text is not None  # set by _observed with versus
    row = c.ComparisonRow.make(
        outcome=a.id,
        name=a.name,
        kind=a.kind,
        intervention=first.option,
        comparator=second.option,
        population=a.population,
        timeframe=a.timeframe,
        intervention_per_1000=a.risk_per_1000,
        intervention_ci_per_1000=a.ci_per_1000,
        comparator_per_1000=b.risk_per_1000,
        comparator_ci_per_1000=b.ci_per_1000,
        difference_per_1000=round((pa.risk - pb.risk) * 1000),
        difference_ci_per_1000=(
            None if interval is None else (round(interval[0] * 1000), round(interval[1] * 1000))
        ),
        relative_effect=None,
        baseline=None,
        verdict=a.verdict,
        verdict_text=a.verdict_text,
        certainty=a.certainty,
        certainty_reasons=a.certainty_reasons,
        method="two observed arms; 95% interval of the difference by Newcombe's hybrid score method"
        if interval is not None
        else "two observed arms without counts: no interval for the difference",
        evidence_ids=[first.id, second.id],
        sources=[*a.sources, *(s for s in b.sources if s not in a.sources)],
    )
    return {first.option: a, second.option: b}, row


def _comparison(est: Any) -> tuple[str, ...]:
    if isinstance(est, RelativeEstimate):
        return (est.outcome, est.intervention, est.comparator)
    return (est.outcome, est.option)


class Outcomes:
    """What option_outcomes() found for one profile."""

    def __init__(self) -> None:
        self.per_option: dict[str, list[c.OutcomeEffect]] = {}
        self.figures: dict[str, list[c.OutcomeEffect]] = {}
        self.rows: list[c.ComparisonRow] = []
        self._seen: set[tuple[str, str]] = set()

    def add_row(self, arms: dict[str, c.OutcomeEffect], row: c.ComparisonRow) -> None:
        if any((option, row.outcome) in self._seen for option in arms):
            return  # the first estimate for an option's outcome wins
        self._seen.update((option, row.outcome) for option in arms)
        for option, effect in arms.items():
            self.per_option.setdefault(option, []).append(effect)
        self.rows.append(row)


def option_outcomes(run: Run) -> Outcomes:
    chosen: dict[tuple[str, ...], Any] = {}
    for est, holds, cites in run.comp.estimates:
        key = _comparison(est)
        if key in chosen:
            continue
        if run.check(est.id, "estimate", holds):
            chosen[key] = est
            run.cited.update(cites)
    by_id = {est.id: est for est in chosen.values()}
    found = Outcomes()
    comp, lang = run.comp, run.lang
    paired: set[str] = set()
    for est in chosen.values():
        if isinstance(est, RelativeEstimate):
            found.add_row(*comp.once(("row", est.id, lang), _relative, comp, est, lang))
            continue
        if est.id in paired:
            continue
        other = by_id.get(est.compared_with or "")
        if isinstance(other, ProportionEstimate) and other.compared_with == est.id:
            paired.update((est.id, other.id))
            found.add_row(
                *comp.once(("pair", est.id, other.id, lang), _paired_row, comp, est, other, lang)
            )
            continue
        figure = comp.once(("figure", est.id, lang), _observed, comp, est, lang)
        found.figures.setdefault(est.option, []).append(figure)
    return found
