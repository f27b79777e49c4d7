"""A knowledge pack as FHIR resources: R4 (4.0.1, the default) or R4B (4.3.0).

Both versions
  Questionnaire       the profile fields (what the profile QuestionnaireResponse answers)
  Library (logic)     module-definition: declares the input parameter `profile`
                      (a QuestionnaireResponse to that Questionnaire) that every FHIRPath
                      condition reads as `%profile`; the PlanDefinition names it in `library`
  PlanDefinition      one action per red flag and recommendation, its applicability a FHIRPath
                      expression generated from the rule's condition
  ActivityDefinition  one per option/action, with its `kind` and `code`
                      (knowledge/_common/fhir-activities.yaml)
  ImplementationGuide the manifest of the export: its `fhirVersion` and every resource in it
R4 only (R4-native evidence and citations)
  EvidenceVariable    the population, each option (exposure) and each outcome
  EffectEvidenceSynthesis  one per relative estimate (RR/OR/HR with its 95% CI)
  RiskEvidenceSynthesis    one per observed proportion
  Library (sources)   asset-collection: every source as a `citation` RelatedArtifact; each
                      resource cites its sources the same way (R4 has no Citation resource)
R4B only
  Evidence            one per estimate;  Citation  one per source

R4 output is plain JSON (fhir.resources has no R4 models); tests/fhir validates every file against
HL7's official R4 JSON schema. R4B output goes through the fhir.resources R4B models.
"""

from __future__ import annotations

from typing import Any, Literal

from keuzewijs.engine.compiled import compiled
from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.conditions import when_and_not_unless
from keuzewijs.packs.loader import Pack, get_library
from keuzewijs.packs.models import (
    FieldType,
    Implication,
    ProportionEstimate,
    RelativeEstimate,
    SourceRef,
)

from .activities import activities_for, load_activities
from .fhirpath import FhirPathTranslator, literal
from .profile import BASE_URL, questionnaire, questionnaire_url
from .validate import validated

FhirVersion = Literal["R4", "R4B"]
FHIR_VERSIONS: dict[str, str] = {"R4": "4.0.1", "R4B": "4.3.0"}
PUBLISHER = "keuzewijs"
CORE = "http://hl7.org/fhir/StructureDefinition/"
# Core profiles the resources claim (the shareable ones need url, version, name, experimental,
# publisher and description, which every resource here carries); otherwise the base definition.
PROFILES = {
    "PlanDefinition": "shareableplandefinition",
    "ActivityDefinition": "shareableactivitydefinition",
    "Library": "shareablelibrary",
}
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
RULE_SYSTEM = f"{BASE_URL}/CodeSystem/rule"
CERTAINTY = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very-low"}
EFFECT_TYPE = {
    "RR": ("relative-RR", "relative risk"),
    "OR": ("relative-OR", "odds ratio"),
    "HR": ("relative-HR", "hazard ratio"),
}


def fid(*parts: str) -> str:
    """A FHIR id ([A-Za-z0-9.-], at most 64 characters) from pack ids, which may hold '_'."""
    return "-".join(parts).replace("_", "-")[:64]


def canonical(kind: str, rid: str) -> str:
    return f"{BASE_URL}/{kind}/{fid(rid)}"


def computable_name(*parts: str) -> str:
    """A name usable as an identifier (the shareable profiles' rule: [A-Z][A-Za-z0-9_]*)."""
    words = "-".join(parts).replace("_", "-").split("-")
    return "".join(w[:1].upper() + w[1:] for w in words if w)[:255]


def option_system(pack: Pack) -> str:
    return f"{BASE_URL}/CodeSystem/{pack.id}-option"


def _meta(kind: str) -> dict[str, Any]:
    return {"profile": [CORE + PROFILES.get(kind, kind)]}


# R4's evidence resources have no `experimental` element.
NO_EXPERIMENTAL = {"EvidenceVariable", "EffectEvidenceSynthesis", "RiskEvidenceSynthesis"}


def _shareable(pack: Pack, kind: str, rid: str, name: str) -> dict[str, Any]:
    """The metadata every exported knowledge resource carries."""
    out = {
        "resourceType": kind,
        "id": fid(rid),
        "meta": _meta(kind),
        "url": canonical(kind, rid),
        "version": pack.meta.version,
        "name": name,
        "status": "active",
        "experimental": False,
        "date": pack.meta.produced.isoformat(),
        "publisher": PUBLISHER,
    }
    if kind in NO_EXPERIMENTAL:
        del out["experimental"]
    return out


def _cites(pack: Pack, refs: list[SourceRef], version: FhirVersion) -> list[dict[str, Any]]:
    out = []
    for ref in refs:
        source = pack.sources[ref.id]
        artifact: dict[str, Any] = {"type": "citation", "label": ref.locator}
        if version == "R4":
            artifact["citation"] = source.citation
            if source.url:
                artifact["url"] = source.url
        else:
            artifact["display"] = source.citation
            artifact["resource"] = canonical("Citation", f"{pack.id}-{source.id}")
        out.append(artifact)
    return out


class ImpliedTranslator(FhirPathTranslator):
    """FHIRPath that reads a field as the engine does after the pack's implications: an
    unanswered field that an implication settles takes the implied value.

    The engine applies implications in order, each to a still-unanswered field, each seeing the
    ones before it; so a field's value is `iif(answered, answer, iif(if_1, v_1, iif(if_2, ...)))`
    with if_i translated under the implications before i. An unknown `if` leaves it unknown.
    """

    def __init__(self, pack: Pack, implications: list[Implication] | None = None):
        super().__init__(pack)
        self.implications = list(pack.rules.implications) if implications is None else implications

    def value(self, field: str) -> str:
        base = super().value(field)
        targeting = [(i, imp) for i, imp in enumerate(self.implications) if imp.then.field == field]
        if not targeting:
            return base
        if self.pack.fields[field].type == FieldType.set:
            raise KnowledgeError(
                "an implication into a set field cannot be exported as FHIRPath",
                path=f"rules.implications.{targeting[0][1].id}",
            )
        fallback = ""
        for i, imp in reversed(targeting):
            cond = ImpliedTranslator(self.pack, self.implications[:i]).visit(imp.if_)
            rest = f", {fallback}" if fallback else ""
            fallback = f"iif({cond}, {literal(imp.then.value)}{rest})"
        return f"iif({self.item(field)}.exists(), {base}, {fallback})"


def _condition(
    translator: FhirPathTranslator, when: Any, unless: Any, text: str
) -> list[dict[str, Any]]:
    """The rule's applicability: `when and not unless` (unknown while an exception is open)."""
    cond = when_and_not_unless(when, unless)
    if cond is None:
        return []
    expression = {"language": "text/fhirpath", "expression": translator.visit(cond)}
    if text:
        expression["description"] = text
    return [{"kind": "applicability", "expression": expression}]


def _with_exceptions(text: str | None, unless_text: str | None) -> str | None:
    """A rule's description with its exceptions ('tenzij ...' / 'unless ...') as a sentence."""
    if not unless_text:
        return text
    sentence = unless_text[:1].upper() + unless_text[1:] + "."
    return f"{text}\n\n{sentence}" if text else sentence


def _coding(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": RULE_SYSTEM, "code": code, "display": display}]}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def logic_library(pack: Pack, lang: str) -> dict[str, Any]:
    """The PlanDefinition's inputs: `%profile` is this library's parameter `profile`."""
    return {
        **_shareable(pack, "Library", f"{pack.id}-logic", computable_name(pack.id, "logic")),
        "title": pack.meta.name.get(lang),
        "type": _concept(f"{TERMINOLOGY}/library-type", "module-definition"),
        "description": (
            "Inputs of the PlanDefinition's FHIRPath conditions: the parameter `profile` "
            f"(%profile), a QuestionnaireResponse to {questionnaire_url(pack)}."
        ),
        "relatedArtifact": [{"type": "depends-on", "resource": questionnaire_url(pack)}],
        "parameter": [
            {
                "name": "profile",
                "use": "in",
                "min": 1,
                "max": "1",
                "documentation": (
                    f"The patient profile: answers to {questionnaire_url(pack)}; "
                    "an unanswered question is a missing item (unknown)."
                ),
                "type": "QuestionnaireResponse",
            }
        ],
        "dataRequirement": [{"type": "QuestionnaireResponse"}],
    }


def profile_questionnaire(pack: Pack, lang: str) -> dict[str, Any]:
    q = questionnaire(pack, lang)
    q.update(
        meta=_meta("Questionnaire"),
        name=computable_name(pack.id, "profile"),
        experimental=False,
        date=pack.meta.produced.isoformat(),
        publisher=PUBLISHER,
        description=pack.meta.summary.get(lang),
    )
    return q


def _definition(pack: Pack, about: str) -> str | None:
    """The ActivityDefinition an action is about; none for advice about the decision as a whole."""
    return canonical("ActivityDefinition", f"{pack.id}-{about}") if about in pack.options else None


def plan_definition(pack: Pack, lang: str, version: FhirVersion = "R4") -> dict[str, Any]:
    tr = ImpliedTranslator(pack)
    comp = compiled(get_library(pack.root.parent), pack)

    def condition_text(rule_id: str) -> str:
        parts = [comp.condition_text(rule_id, lang), comp.unless_text(rule_id, lang) or ""]
        return "; ".join(p for p in parts if p)

    actions: list[dict[str, Any]] = []
    for flag in pack.rules.red_flags:
        actions.append(
            {
                "id": flag.id,
                "title": flag.message.get(lang),
                "description": _with_exceptions(None, comp.unless_text(flag.id, lang)),
                "textEquivalent": flag.action.get(lang),
                "priority": "urgent",
                "code": [_coding("red-flag", "red flag")],
                "condition": _condition(tr, flag.when, flag.unless, condition_text(flag.id)),
                "definitionCanonical": _definition(pack, flag.about),
                "documentation": _cites(pack, flag.sources, version),
            }
        )
    for rec in pack.rules.recommendations:
        actions.append(
            {
                "id": rec.id,
                "title": rec.text.get(lang),
                "description": _with_exceptions(rec.why.get(lang), comp.unless_text(rec.id, lang)),
                "priority": "routine",
                "code": [
                    _coding(
                        f"{rec.direction.value}-{rec.strength.value}",
                        f"{rec.direction.value}, {rec.strength.value}",
                    )
                ],
                "condition": _condition(tr, rec.when, rec.unless, condition_text(rec.id)),
                "definitionCanonical": _definition(pack, rec.about),
                "documentation": _cites(pack, rec.sources, version),
            }
        )
    return {
        **_shareable(pack, "PlanDefinition", pack.id, computable_name(pack.id)),
        "title": pack.meta.name.get(lang),
        "type": _concept(f"{TERMINOLOGY}/plan-definition-type", "eca-rule"),
        "description": pack.meta.summary.get(lang),
        "purpose": pack.meta.decision.text.get(lang),
        "relatedArtifact": _cites(pack, pack.meta.decision.sources, version),
        "library": [canonical("Library", f"{pack.id}-logic")],
        "action": [{k: v for k, v in a.items() if v not in ([], None)} for a in actions],
    }


def activity_definitions(
    pack: Pack, lang: str, version: FhirVersion = "R4"
) -> list[dict[str, Any]]:
    library = get_library(pack.root.parent)
    activities = activities_for(library, pack.id)
    systems = load_activities(library).systems
    out = []
    for opt in pack.options_file.options:
        activity = activities[opt.id]
        codings = [
            {"system": option_system(pack), "code": opt.id, "display": opt.name.get(lang)},
            *(
                {"system": systems[c.system], "code": c.code, "display": c.display}
                for c in activity.codes
            ),
        ]
        out.append(
            {
                **_shareable(
                    pack,
                    "ActivityDefinition",
                    f"{pack.id}-{opt.id}",
                    computable_name(pack.id, opt.id),
                ),
                "title": opt.name.get(lang),
                "description": opt.what_happens.text.get(lang),
                "relatedArtifact": _cites(pack, opt.what_happens.sources, version),
                "kind": activity.kind,
                "code": {"coding": codings, "text": opt.name.get(lang)},
                "intent": "proposal",
            }
        )
    return out


# ------------------------------------------------------------------ R4 evidence
def _variable_ref(pack: Pack, role: str, item: str = "") -> dict[str, Any]:
    rid = fid(pack.id, role, item) if item else fid(pack.id, role)
    return {"reference": f"EvidenceVariable/{rid}"}


def evidence_variables(pack: Pack, lang: str) -> list[dict[str, Any]]:
    """R4: what EffectEvidenceSynthesis and RiskEvidenceSynthesis compare (population, exposure,
    outcome) are EvidenceVariables."""

    def variable(role: str, item: str, title: str, description: str) -> dict[str, Any]:
        rid = f"{pack.id}-{role}-{item}" if item else f"{pack.id}-{role}"
        out = _shareable(pack, "EvidenceVariable", rid, computable_name(pack.id, role, item))
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
        "rating": [_concept(f"{TERMINOLOGY}/evidence-quality", CERTAINTY[est.certainty.value])]
    }
    if est.certainty_note is not None:
        item["note"] = [{"text": est.certainty_note.get(lang)}]
    return [item]


def _sample_size(est: RelativeEstimate | ProportionEstimate) -> dict[str, Any]:
    return {
        k: v
        for k, v in (("numberOfStudies", est.studies), ("numberOfParticipants", est.patients))
        if v is not None
    }


def evidence_syntheses(pack: Pack, lang: str) -> list[dict[str, Any]]:
    out = []
    for est in pack.evidence.estimates:
        outcome = pack.outcomes[est.outcome]
        kind = (
            "EffectEvidenceSynthesis"
            if isinstance(est, RelativeEstimate)
            else "RiskEvidenceSynthesis"
        )
        resource = _shareable(pack, kind, f"{pack.id}-{est.id}", computable_name(pack.id, est.id))
        resource.update(
            title=outcome.name.get(lang),
            description=(est.note or est.timeframe or outcome.timeframe).get(lang),
            relatedArtifact=_cites(pack, est.sources, "R4"),
            population=_variable_ref(pack, "population"),
            outcome=_variable_ref(pack, "outcome", outcome.id),
        )
        size = _sample_size(est)
        if size:
            resource["sampleSize"] = size
        if isinstance(est, RelativeEstimate):
            code, display = EFFECT_TYPE[est.measure]
            resource.update(
                exposure=_variable_ref(pack, "exposure", est.intervention),
                exposureAlternative=_variable_ref(pack, "exposure", est.comparator),
                effectEstimate=[
                    {
                        "type": _concept(f"{TERMINOLOGY}/effect-estimate-type", code, display),
                        "value": est.estimate,
                        "precisionEstimate": [
                            {
                                "type": _concept(
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
            value = est.proportion if est.proportion is not None else est.events / est.total  # type: ignore[operator]
            risk: dict[str, Any] = {
                "type": _concept(f"{TERMINOLOGY}/risk-estimate-type", "proportion", "proportion"),
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


def sources_library(pack: Pack, lang: str) -> dict[str, Any]:
    """R4: the pack's sources as one asset-collection Library of `citation` RelatedArtifacts."""
    artifacts = []
    for source in pack.sources_file.sources:
        artifact: dict[str, Any] = {
            "type": "citation",
            "label": source.id,
            "citation": source.citation,
        }
        if source.url:
            artifact["url"] = source.url
        artifacts.append(artifact)
    return {
        **_shareable(pack, "Library", f"{pack.id}-sources", computable_name(pack.id, "sources")),
        "title": pack.meta.name.get(lang),
        "type": _concept(f"{TERMINOLOGY}/library-type", "asset-collection"),
        "description": f"Sources of the keuzewijs knowledge pack {pack.id} {pack.meta.version}.",
        "relatedArtifact": artifacts,
    }


# ------------------------------------------------------------------ R4B evidence
def _variable(role: str, description: str) -> dict[str, Any]:
    return {
        "variableRole": _concept(f"{TERMINOLOGY}/variable-role", role),
        "description": description,
    }


def evidence(pack: Pack, lang: str) -> list[dict[str, Any]]:
    """R4B Evidence, one per estimate."""
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
            variables.append(_variable("exposure", pack.options[est.option].name.get(lang)))
            value = est.proportion if est.proportion is not None else est.events / est.total  # type: ignore[operator]
            statistic = {
                "statisticType": {"text": "proportion"},
                "quantity": {"value": round(value, 6)},
            }
            if est.events is not None:
                statistic["numberOfEvents"] = est.events
        size = _sample_size(est)
        if size:
            statistic["sampleSize"] = size
        resource: dict[str, Any] = {
            "resourceType": "Evidence",
            "id": fid(pack.id, est.id),
            "meta": _meta("Evidence"),
            "url": canonical("Evidence", f"{pack.id}-{est.id}"),
            "version": pack.meta.version,
            "title": outcome.name.get(lang),
            "status": "active",
            "publisher": PUBLISHER,
            "description": (est.note or outcome.timeframe).get(lang),
            "variableDefinition": variables,
            "statistic": [statistic],
            "relatedArtifact": _cites(pack, est.sources, "R4B"),
        }
        if est.certainty is not None:
            resource["certainty"] = [
                {
                    "type": _concept(f"{TERMINOLOGY}/certainty-type", "Overall"),
                    "rating": _concept(
                        f"{TERMINOLOGY}/certainty-rating", CERTAINTY[est.certainty.value]
                    ),
                }
            ]
        out.append(resource)
    return out


def citations(pack: Pack) -> list[dict[str, Any]]:
    """R4B Citation, one per source."""
    out = []
    for source in pack.sources_file.sources:
        artifact: dict[str, Any] = {"title": [{"text": source.citation}]}
        if source.url:
            artifact["webLocation"] = [{"url": source.url}]
        out.append(
            {
                "resourceType": "Citation",
                "id": fid(pack.id, source.id),
                "meta": _meta("Citation"),
                "url": canonical("Citation", f"{pack.id}-{source.id}"),
                "status": "active",
                "publisher": PUBLISHER,
                "title": source.citation[:250],
                "summary": [{"text": source.citation}],
                "citedArtifact": artifact,
            }
        )
    return out


# ------------------------------------------------------------------ the export
def manifest(
    pack: Pack, lang: str, version: FhirVersion, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ImplementationGuide that declares the FHIR version of the export and lists it."""
    return {
        **_shareable(
            pack, "ImplementationGuide", f"{pack.id}-export", computable_name(pack.id, "export")
        ),
        "title": pack.meta.name.get(lang),
        "description": pack.meta.summary.get(lang),
        "packageId": f"nl.keuzewijs.{pack.id}",
        "fhirVersion": [FHIR_VERSIONS[version]],
        "definition": {
            "resource": [
                {
                    "reference": {"reference": f"{r['resourceType']}/{r['id']}"},
                    "name": r.get("title") or r["id"],
                }
                for r in resources
            ]
        },
    }


def export_pack(pack: Pack, lang: str = "nl", version: FhirVersion = "R4") -> list[dict[str, Any]]:
    """All resources of one pack in FHIR `version`; R4B ones validated by their R4B model."""
    if version not in FHIR_VERSIONS:
        raise ValueError(f"FHIR version must be one of {', '.join(FHIR_VERSIONS)}")
    resources = [
        profile_questionnaire(pack, lang),
        logic_library(pack, lang),
        plan_definition(pack, lang, version),
        *activity_definitions(pack, lang, version),
    ]
    if version == "R4":
        resources += [
            *evidence_variables(pack, lang),
            *evidence_syntheses(pack, lang),
            sources_library(pack, lang),
        ]
    else:
        resources += [*evidence(pack, lang), *citations(pack)]
    resources.append(manifest(pack, lang, version, resources))
    return [validated(r) for r in resources] if version == "R4B" else resources


def collection(resources: list[dict[str, Any]], version: FhirVersion = "R4") -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "meta": _meta("Bundle"),
        "type": "collection",
        "entry": [
            {"fullUrl": r.get("url") or f"urn:uuid:{r['id']}", "resource": r} for r in resources
        ],
    }
    return validated(bundle) if version == "R4B" else bundle
