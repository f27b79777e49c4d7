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
  ValueSet            the value sets the pack's CDS mapping and order codes use (the same files
                      the CDS service and the audit read), definition and expansion
  ImplementationGuide the manifest of the export: its `fhirVersion` and every resource in it
Every resource carries a generated narrative (`text`, dom-6).
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

from typing import Any

from keuzewijs.packs import Pack

from ..validate import validated
from .activity_definition import activity_definitions
from .common import CORE, FHIR_VERSIONS, FhirVersion, computable_name, fid, meta, shareable
from .evidence_r4 import evidence_syntheses, evidence_variables
from .evidence_r4b import citations, evidence
from .library import logic_library, sources_library
from .narrative import with_narrative
from .plan_definition import ImpliedTranslator, plan_definition
from .questionnaire import profile_questionnaire
from .valuesets import pack_valuesets

__all__ = [
    "CORE",
    "FHIR_VERSIONS",
    "FhirVersion",
    "ImpliedTranslator",
    "collection",
    "export_pack",
    "fid",
]


def manifest(
    pack: Pack, lang: str, version: FhirVersion, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ImplementationGuide that declares the FHIR version of the export and lists it."""
    return {
        **shareable(
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
        *pack_valuesets(pack),
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
    resources = [with_narrative(r) for r in resources]
    return [validated(r) for r in resources] if version == "R4B" else resources


def collection(resources: list[dict[str, Any]], version: FhirVersion = "R4") -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "meta": meta("Bundle"),
        "type": "collection",
        "entry": [
            {"fullUrl": r.get("url") or f"urn:uuid:{r['id']}", "resource": r} for r in resources
        ],
    }
    return validated(bundle) if version == "R4B" else bundle
