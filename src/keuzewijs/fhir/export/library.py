"""Library resources: the logic library (the PlanDefinition's input `%profile`) and, in R4, the
pack's sources as an asset-collection of citations."""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack

from ..profile import questionnaire_url
from .common import TERMINOLOGY, computable_name, concept, shareable


def logic_library(pack: Pack, lang: str) -> dict[str, Any]:
    """The PlanDefinition's inputs: `%profile` is this library's parameter `profile`."""
    return {
        **shareable(pack, "Library", f"{pack.id}-logic", computable_name(pack.id, "logic")),
        "title": pack.meta.name.get(lang),
        "type": concept(f"{TERMINOLOGY}/library-type", "module-definition"),
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
        **shareable(pack, "Library", f"{pack.id}-sources", computable_name(pack.id, "sources")),
        "title": pack.meta.name.get(lang),
        "type": concept(f"{TERMINOLOGY}/library-type", "asset-collection"),
        "description": f"Sources of the keuzewijs knowledge pack {pack.id} {pack.meta.version}.",
        "relatedArtifact": artifacts,
    }
