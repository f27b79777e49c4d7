"""A knowledge pack as FHIR R4B resources.

PlanDefinition   one action per red flag and recommendation, its applicability a FHIRPath
                 expression generated from the rule's condition (over the profile QuestionnaireResponse)
ActivityDefinition  one per option/action the rules speak about
Evidence         one per effect estimate (relative effect with CI, or observed proportion)
Citation         one per source; every other resource cites these
Questionnaire    the profile fields (what %profile answers)
"""

from __future__ import annotations

from typing import Any

from keuzewijs.packs.conditions import when_and_not_unless
from keuzewijs.packs.loader import Pack
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate, SourceRef

from .fhirpath import FhirPathTranslator
from .profile import BASE_URL, questionnaire
from .validate import validated

RULE_SYSTEM = f"{BASE_URL}/CodeSystem/rule"
CERTAINTY = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very-low"}


def fid(*parts: str) -> str:
    """A FHIR id ([A-Za-z0-9.-], at most 64 characters) from pack ids, which may hold '_'."""
    return "-".join(parts).replace("_", "-")[:64]


def canonical(kind: str, rid: str) -> str:
    return f"{BASE_URL}/{kind}/{fid(rid)}"


def _cites(pack: Pack, refs: list[SourceRef]) -> list[dict[str, Any]]:
    out = []
    for ref in refs:
        source = pack.sources[ref.id]
        out.append(
            {
                "type": "citation",
                "label": ref.locator,
                "display": source.citation,
                "resource": canonical("Citation", f"{pack.id}-{source.id}"),
            }
        )
    return out


def _condition(translator: FhirPathTranslator, cond: Any) -> list[dict[str, Any]]:
    if cond is None:
        return []
    return [
        {
            "kind": "applicability",
            "expression": {"language": "text/fhirpath", "expression": translator.visit(cond)},
        }
    ]


def _coding(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": RULE_SYSTEM, "code": code, "display": display}]}


def plan_definition(pack: Pack, lang: str) -> dict[str, Any]:
    tr = FhirPathTranslator(pack)
    actions: list[dict[str, Any]] = []
    for flag in pack.rules.red_flags:
        actions.append(
            {
                "id": flag.id,
                "title": flag.message.get(lang),
                "textEquivalent": flag.action.get(lang),
                "priority": "urgent",
                "code": [_coding("red-flag", "red flag")],
                "condition": _condition(tr, when_and_not_unless(flag.when, flag.unless)),
                "definitionCanonical": canonical("ActivityDefinition", f"{pack.id}-{flag.about}"),
                "documentation": _cites(pack, flag.sources),
            }
        )
    for rec in pack.rules.recommendations:
        # about the choice as a whole (the pack's decision id): no single activity to point to
        about = (
            {"definitionCanonical": canonical("ActivityDefinition", f"{pack.id}-{rec.about}")}
            if rec.about in pack.options
            else {}
        )
        actions.append(
            {
                "id": rec.id,
                "title": rec.text.get(lang),
                "description": rec.why.get(lang),
                "priority": "routine",
                "code": [
                    _coding(
                        f"{rec.direction.value}-{rec.strength.value}",
                        f"{rec.direction.value}, {rec.strength.value}",
                    )
                ],
                "condition": _condition(tr, when_and_not_unless(rec.when, rec.unless)),
                **about,
                "documentation": _cites(pack, rec.sources),
            }
        )
    return {
        "resourceType": "PlanDefinition",
        "id": pack.id,
        "url": canonical("PlanDefinition", pack.id),
        "version": pack.meta.version,
        "name": pack.id.replace("-", "_"),
        "title": pack.meta.name.get(lang),
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "eca-rule",
                }
            ]
        },
        "status": "active",
        "date": pack.meta.produced.isoformat(),
        "description": pack.meta.summary.get(lang),
        "purpose": pack.meta.decision.text.get(lang),
        "relatedArtifact": _cites(pack, pack.meta.decision.sources),
        "action": [{k: v for k, v in a.items() if v not in ([], None)} for a in actions],
    }


def activity_definitions(pack: Pack, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "ActivityDefinition",
            "id": fid(pack.id, opt.id),
            "url": canonical("ActivityDefinition", f"{pack.id}-{opt.id}"),
            "version": pack.meta.version,
            "name": opt.id,
            "title": opt.name.get(lang),
            "status": "active",
            "description": opt.what_happens.text.get(lang),
            "relatedArtifact": _cites(pack, opt.what_happens.sources),
        }
        for opt in pack.options_file.options
    ]


def _variable(role: str, description: str) -> dict[str, Any]:
    return {
        "variableRole": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/variable-role", "code": role}
            ]
        },
        "description": description,
    }


def evidence(pack: Pack, lang: str) -> list[dict[str, Any]]:
    out = []
    for est in pack.evidence.estimates:
        outcome = pack.outcomes[est.outcome]
        variables = [_variable("measuredVariable", outcome.name.get(lang))]
        statistic: dict[str, Any]
        if isinstance(est, RelativeEstimate):
            variables.append(_variable("exposure", pack.options[est.intervention].name.get(lang)))
            variables.append(
                _variable("referenceExposure", pack.options[est.comparator].name.get(lang))
            )
            statistic = {
                "statisticType": {"text": est.measure},
                "quantity": {"value": est.estimate},
                "attributeEstimate": [
                    {
                        "description": "95% CI",
                        "level": 0.95,
                        "range": {"low": {"value": est.ci[0]}, "high": {"value": est.ci[1]}},
                    }
                ],
            }
        else:
            assert isinstance(est, ProportionEstimate)
            variables.append(_variable("exposure", pack.options[est.option].name.get(lang)))
            value = est.proportion if est.proportion is not None else est.events / est.total  # type: ignore[operator]
            statistic = {
                "statisticType": {"text": "proportion"},
                "quantity": {"value": round(value, 6)},
            }
            if est.events is not None:
                statistic["numberOfEvents"] = est.events
        size = {
            k: v
            for k, v in (("numberOfStudies", est.studies), ("numberOfParticipants", est.patients))
            if v is not None
        }
        if size:
            statistic["sampleSize"] = size
        resource: dict[str, Any] = {
            "resourceType": "Evidence",
            "id": fid(pack.id, est.id),
            "url": canonical("Evidence", f"{pack.id}-{est.id}"),
            "version": pack.meta.version,
            "title": outcome.name.get(lang),
            "status": "active",
            "description": (est.note or outcome.timeframe).get(lang),
            "variableDefinition": variables,
            "statistic": [statistic],
            "relatedArtifact": _cites(pack, est.sources),
        }
        if est.certainty is not None:
            resource["certainty"] = [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/certainty-type",
                                "code": "Overall",
                            }
                        ]
                    },
                    "rating": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/certainty-rating",
                                "code": CERTAINTY[est.certainty.value],
                            }
                        ]
                    },
                }
            ]
        out.append(resource)
    return out


def citations(pack: Pack) -> list[dict[str, Any]]:
    out = []
    for source in pack.sources_file.sources:
        artifact: dict[str, Any] = {"title": [{"text": source.citation}]}
        if source.url:
            artifact["webLocation"] = [{"url": source.url}]
        out.append(
            {
                "resourceType": "Citation",
                "id": fid(pack.id, source.id),
                "url": canonical("Citation", f"{pack.id}-{source.id}"),
                "status": "active",
                "title": source.citation[:250],
                "summary": [{"text": source.citation}],
                "citedArtifact": artifact,
            }
        )
    return out


def export_pack(pack: Pack, lang: str = "nl") -> list[dict[str, Any]]:
    """All resources of one pack, each validated by its R4B model."""
    resources = [
        questionnaire(pack, lang),
        plan_definition(pack, lang),
        *activity_definitions(pack, lang),
        *evidence(pack, lang),
        *citations(pack),
    ]
    return [validated(r) for r in resources]


def collection(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": r.get("url") or f"urn:uuid:{r['id']}", "resource": r} for r in resources
            ],
        }
    )
