"""What every exported resource shares: ids, canonical URLs, computable names, the shareable
metadata, and citations of the pack's sources."""

from __future__ import annotations

from typing import Any, Literal

from keuzewijs.packs import Pack
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate, SourceRef

from ..profile import BASE_URL

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
    "ValueSet": "shareablevalueset",
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


def meta(kind: str) -> dict[str, Any]:
    return {"profile": [CORE + PROFILES.get(kind, kind)]}


# R4's evidence resources have no `experimental` element.
NO_EXPERIMENTAL = {"EvidenceVariable", "EffectEvidenceSynthesis", "RiskEvidenceSynthesis"}


def shareable(pack: Pack, kind: str, rid: str, name: str) -> dict[str, Any]:
    """The metadata every exported knowledge resource carries."""
    out = {
        "resourceType": kind,
        "id": fid(rid),
        "meta": meta(kind),
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


def cites(pack: Pack, refs: list[SourceRef], version: FhirVersion) -> list[dict[str, Any]]:
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


def rule_coding(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": RULE_SYSTEM, "code": code, "display": display}]}


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def sample_size(est: RelativeEstimate | ProportionEstimate) -> dict[str, Any]:
    return {
        k: v
        for k, v in (("numberOfStudies", est.studies), ("numberOfParticipants", est.patients))
        if v is not None
    }
