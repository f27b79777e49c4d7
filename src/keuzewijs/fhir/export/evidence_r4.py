"""R4 evidence: EvidenceVariable (population, each option as exposure, each outcome),
EffectEvidenceSynthesis per relative estimate, RiskEvidenceSynthesis per observed proportion."""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate

from .common import (
    CERTAINTY,
    EFFECT_TYPE,
    TERMINOLOGY,
    canonical,
    cites,
    computable_name,
    concept,
    fid,
    sample_size,
    shareable,
)


def _variable_ref(pack: Pack, role: str, item: str = "") -> dict[str, Any]:
    rid = fid(pack.id, role, item) if item else fid(pack.id, role)
    return {"reference": f"EvidenceVariable/{rid}"}


def evidence_variables(pack: Pack, lang: str) -> list[dict[str, Any]]:
    """R4: what EffectEvidenceSynthesis and RiskEvidenceSynthesis compare (population, exposure,
    outcome) are EvidenceVariables."""

    def variable(role: str, item: str, title: str, description: str) -> dict[str, Any]:
        rid = f"{pack.id}-{role}-{item}" if item else f"{pack.id}-{role}"
        out = shareable(pack, "EvidenceVariable", rid, computable_name(pack.id, role, item))
        out.update(title=title, description=description, type="dichotomous")
        return out

    name = pack.meta.name.get(lang)
    population = variable("population", "", name, pack.meta.description.text.get(lang))
    population["characteristic"] = [{"definitionCodeableConcept": {"text": name}}]
    out = [population]
    for opt in pack.options_file.options:
        v = variable("exposure", opt.id, opt.name.get(lang), opt.what_happens.text.get(lang))
        v["characteristic"] = [
            {"definitionCanonical": canonical("ActivityDefinition", f"{pack.id}-{opt.id}")}
        ]
        out.append(v)
    for outcome in pack.outcomes_file.outcomes:
        text = (outcome.description or outcome.timeframe).get(lang)
        v = variable("outcome", outcome.id, outcome.name.get(lang), text)
        v["characteristic"] = [
            {
                "description": outcome.timeframe.get(lang),
                "definitionCodeableConcept": {"text": outcome.name.get(lang)},
            }
        ]
        out.append(v)
    return out


def _certainty(est: RelativeEstimate | ProportionEstimate, lang: str) -> list[dict[str, Any]]:
    if est.certainty is None:
        return []
    item: dict[str, Any] = {
        "rating": [concept(f"{TERMINOLOGY}/evidence-quality", CERTAINTY[est.certainty.value])]
    }
    if est.certainty_note is not None:
        item["note"] = [{"text": est.certainty_note.get(lang)}]
    return [item]


def evidence_syntheses(pack: Pack, lang: str) -> list[dict[str, Any]]:
    out = []
    for est in pack.evidence.estimates:
        outcome = pack.outcomes[est.outcome]
        kind = (
            "EffectEvidenceSynthesis"
            if isinstance(est, RelativeEstimate)
            else "RiskEvidenceSynthesis"
        )
        resource = shareable(pack, kind, f"{pack.id}-{est.id}", computable_name(pack.id, est.id))
        resource.update(
            title=outcome.name.get(lang),
            description=(est.note or est.timeframe or outcome.timeframe).get(lang),
            relatedArtifact=cites(pack, est.sources, "R4"),
            population=_variable_ref(pack, "population"),
            outcome=_variable_ref(pack, "outcome", outcome.id),
        )
        size = sample_size(est)
        if size:
            resource["sampleSize"] = size
        if isinstance(est, RelativeEstimate):
            code, display = EFFECT_TYPE[est.measure]
            resource.update(
                exposure=_variable_ref(pack, "exposure", est.intervention),
                exposureAlternative=_variable_ref(pack, "exposure", est.comparator),
                effectEstimate=[
                    {
                        "type": concept(f"{TERMINOLOGY}/effect-estimate-type", code, display),
                        "value": est.estimate,
                        "precisionEstimate": [
                            {
                                "type": concept(
                                    f"{TERMINOLOGY}/precision-estimate-type",
                                    "CI",
                                    "confidence interval",
                                ),
                                "level": 0.95,
                                "from": est.ci[0],
                                "to": est.ci[1],
                            }
                        ],
                    }
                ],
            )
        else:
            # ignored below: without a proportion the model requires events and total
            value = est.proportion if est.proportion is not None else est.events / est.total  # type: ignore[operator]
            risk: dict[str, Any] = {
                "type": concept(f"{TERMINOLOGY}/risk-estimate-type", "proportion", "proportion"),
                "value": round(value, 6),
            }
            if est.events is not None and est.total is not None:
                risk.update(numeratorCount=est.events, denominatorCount=est.total)
            resource.update(exposure=_variable_ref(pack, "exposure", est.option), riskEstimate=risk)
        certainty = _certainty(est, lang)
        if certainty:
            resource["certainty"] = certainty
        out.append(resource)
    return out
