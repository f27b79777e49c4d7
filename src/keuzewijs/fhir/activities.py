"""`knowledge/_common/fhir-activities.yaml`: each option's ActivityDefinition kind and codes.

Checked against the library when loaded (every entry names a pack's option, every code a known
system and source) and when a pack is exported (every option of that pack has an entry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Library
from keuzewijs.packs.models import Strict

# R4 request-resource-types (the binding of ActivityDefinition.kind) that an option can be.
RequestKind = Literal[
    "Appointment",
    "CarePlan",
    "CommunicationRequest",
    "DeviceRequest",
    "MedicationRequest",
    "NutritionOrder",
    "ServiceRequest",
    "Task",
]


class ActivityCode(Strict):
    system: str
    code: str
    display: str
    source: str


class Activity(Strict):
    kind: RequestKind
    codes: list[ActivityCode] = Field(default_factory=list)
    no_code_reason: str | None = Field(
        None, description="why there is no SNOMED CT procedure code (not a procedure, unverified)"
    )


class ActivitiesFile(Strict):
    systems: dict[str, str]
    sources: dict[str, str]
    activities: dict[str, dict[str, Activity]]


FILE = "fhir-activities.yaml"
# The system alias whose code an ActivityDefinition leads with: EHRs route a ServiceRequest by it.
PROCEDURE_SYSTEM = "snomed"


def _check(data: ActivitiesFile, library: Library, path: Path) -> None:
    for pack_id, listed in data.activities.items():
        if pack_id not in library.packs:
            raise KnowledgeError(
                f"not a pack (allowed: {', '.join(sorted(library.packs))})",
                path=f"{path}: activities.{pack_id}",
            )
        options = library.packs[pack_id].options
        for option_id, activity in listed.items():
            where = f"{path}: activities.{pack_id}.{option_id}"
            if option_id not in options:
                raise KnowledgeError(
                    f"not an option of {pack_id} (allowed: {', '.join(options)})", path=where
                )
            for code in activity.codes:
                if code.system not in data.systems:
                    raise KnowledgeError(f"unknown system '{code.system}'", path=where)
                if code.source not in data.sources:
                    raise KnowledgeError(f"unknown source '{code.source}'", path=where)
            procedure = [c for c in activity.codes if c.system == PROCEDURE_SYSTEM]
            if len(procedure) > 1:
                raise KnowledgeError(
                    f"more than one {PROCEDURE_SYSTEM} code: give the one procedure it is",
                    path=where,
                )
            if not procedure and not activity.no_code_reason:
                raise KnowledgeError(
                    f"no {PROCEDURE_SYSTEM} code and no no_code_reason: give the verified code "
                    "or say why there is none",
                    path=where,
                )
            if procedure and activity.no_code_reason:
                raise KnowledgeError(
                    f"has a {PROCEDURE_SYSTEM} code and a no_code_reason: keep one", path=where
                )


def load_activities(library: Library) -> ActivitiesFile:
    """The activities of this library, loaded and checked once (kept on the library)."""

    def load() -> ActivitiesFile:
        data = library.common(FILE, ActivitiesFile)
        _check(data, library, library.root / "_common" / FILE)
        return data

    return library.derive("fhir.activities", load)


def activities_for(library: Library, pack_id: str) -> dict[str, Activity]:
    """The activity of every option of one pack; a pack not (fully) listed is refused."""
    data = load_activities(library)
    listed = data.activities.get(pack_id, {})
    missing = [o for o in library.pack(pack_id).options if o not in listed]
    if missing:
        raise KnowledgeError(
            f"no activity for option(s) {', '.join(missing)}",
            path=f"{FILE}: activities.{pack_id}",
        )
    return listed
