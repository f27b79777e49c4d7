"""ActivityDefinition: one per option or action, with its `kind` and `code`
(knowledge/_common/fhir-activities.yaml).

The code leads with the SNOMED CT procedure (what an EHR routes a ServiceRequest by), keeps the
pack's own option code second, then the other systems (CPT, LOINC). An option without a SNOMED
CT code (its `no_code_reason` says why) leads with the pack's code."""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack, get_library

from ..activities import PROCEDURE_SYSTEM, activities_for, load_activities
from .common import FhirVersion, cites, computable_name, option_system, shareable


def activity_definitions(
    pack: Pack, lang: str, version: FhirVersion = "R4"
) -> list[dict[str, Any]]:
    library = get_library(pack.root.parent)
    activities = activities_for(library, pack.id)
    systems = load_activities(library).systems
    out = []
    for opt in pack.options_file.options:
        activity = activities[opt.id]
        own = {"system": option_system(pack), "code": opt.id, "display": opt.name.get(lang)}
        coded = {
            lead: [
                {"system": systems[c.system], "code": c.code, "display": c.display}
                for c in activity.codes
                if (c.system == PROCEDURE_SYSTEM) == lead
            ]
            for lead in (True, False)
        }
        codings = [*coded[True], own, *coded[False]]
        out.append(
            {
                **shareable(
                    pack,
                    "ActivityDefinition",
                    f"{pack.id}-{opt.id}",
                    computable_name(pack.id, opt.id),
                ),
                "title": opt.name.get(lang),
                "description": opt.what_happens.text.get(lang),
                "relatedArtifact": cites(pack, opt.what_happens.sources, version),
                "kind": activity.kind,
                "code": {"coding": codings, "text": opt.name.get(lang)},
                "intent": "proposal",
            }
        )
    return out
