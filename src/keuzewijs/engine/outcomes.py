"""Outcomes per option: choose the estimate that fits the patient's subgroup, then compute
absolute risks with `keuzewijs.evidence.absolute` (the GRADE method).

Estimates for the same comparison (outcome + arms) are tried in file order; the first
whose `applies_when` is true wins, so subgroup estimates are listed before the overall one.
One whose subgroup is unknown is passed over, and its fields are reported as needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keuzewijs.evidence import absolute_effect, observed_proportion
from keuzewijs.packs import Pack
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate

from . import contract as c

if TYPE_CHECKING:
    from .compiled import Compiled
    from .run import Run


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
    )


def _relative(pack: Pack, est: RelativeEstimate, lang: str) -> dict[str, c.OutcomeEffect]:
    rel = c.RelativeEffect.make(
        measure=est.measure,
        estimate=est.estimate,
        ci=est.ci,
        versus=pack.options[est.comparator].name.get(lang),
        i2=est.i2,
        p_value=est.p_value,
    )
    common = _common(pack, est, lang)
    if est.baseline is None:
        return {
            est.intervention: c.OutcomeEffect.make(
                **common,
                risk_per_1000=None,
                ci_per_1000=None,
                relative_effect=rel,
                role="intervention",
                method="relative effect only: no baseline risk to apply it to",
            )
        }
    # ignored below: the model validator guarantees a baseline risk here
    effect = absolute_effect(est.baseline.risk, est.measure, est.estimate, est.ci)  # type: ignore[arg-type]
    baseline = c.BaselineInfo.make(
        risk_per_1000=round(est.baseline.risk * 1000),
        derivation=est.baseline.derivation.get(lang),
        sources=[c.CitedSource.make(id=s.id, locator=s.locator) for s in est.baseline.sources],
        basis=est.baseline.basis,
        subgroup=est.baseline.subgroup.get(lang) if est.baseline.subgroup else None,
    )
    return {
        est.intervention: c.OutcomeEffect.make(
            **common,
            risk_per_1000=effect.per_1000(),
            ci_per_1000=effect.ci_per_1000(),
            relative_effect=rel,
            role="intervention",
            method=effect.method,
            baseline=baseline,
        ),
        est.comparator: c.OutcomeEffect.make(
            **common,
            risk_per_1000=baseline.risk_per_1000,
            ci_per_1000=None,
            relative_effect=None,
            role="comparator",
            method="baseline (control-group) risk the relative effect is applied to",
            baseline=baseline,
        ),
    }


def _observed(pack: Pack, est: ProportionEstimate, lang: str) -> dict[str, c.OutcomeEffect]:
    prop = observed_proportion(est.events, est.total, est.proportion)
    return {
        est.option: c.OutcomeEffect.make(
            **_common(pack, est, lang),
            risk_per_1000=prop.per_1000(),
            ci_per_1000=prop.ci_per_1000(),
            relative_effect=None,
            role="observed",
            method=prop.method,
        )
    }


def effects_of(comp: Compiled, est: Any, lang: str) -> dict[str, c.OutcomeEffect]:
    """Outcome effects per option for one estimate (made once per pack: they do not depend on the
    profile)."""
    build = _relative if isinstance(est, RelativeEstimate) else _observed
    return comp.once(("effects", est.id, lang), build, comp.pack, est, lang)


def _comparison(est: Any) -> tuple[str, ...]:
    if isinstance(est, RelativeEstimate):
        return (est.outcome, est.intervention, est.comparator)
    return (est.outcome, est.option)


def option_outcomes(run: Run) -> dict[str, list[c.OutcomeEffect]]:
    chosen: dict[tuple[str, ...], Any] = {}
    for est, holds, cites in run.comp.estimates:
        key = _comparison(est)
        if key in chosen:
            continue
        if run.check(est.id, "estimate", holds):
            chosen[key] = est
            run.cited.update(cites)
    per_option: dict[str, list[c.OutcomeEffect]] = {}
    seen: set[tuple[str, str]] = set()
    for est in chosen.values():
        for option_id, effect in effects_of(run.comp, est, run.lang).items():
            if (option_id, effect.id) in seen:  # first estimate for an option's outcome wins
                continue
            seen.add((option_id, effect.id))
            per_option.setdefault(option_id, []).append(effect)
    return per_option
