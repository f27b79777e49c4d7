"""The patient's FHIR data of one hook call, parsed and validated by `fhir.resources` (R4B models).

R4B is wire-compatible with R4 for Patient, Condition, Observation, Procedure, ServiceRequest
and Bundle; fhir.resources 8 ships no pydantic-2 R4 package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from .problems import HookProblem, dotted

KEPT_TYPES = ("Patient", "Condition", "Observation", "Procedure")
# Statuses that make a resource part of the current record; others (refuted, entered-in-error,
# cancelled...) are ignored rather than read as the opposite.
LIVE_CONDITION = {"active", "recurrence", "relapse"}
DEAD_VERIFICATION = {"refuted", "entered-in-error"}
LIVE_OBSERVATION = {"final", "amended", "corrected", "preliminary"}


@dataclass
class Record:
    patient_id: str
    patient: Any | None = None
    conditions: list[Any] = field(default_factory=list)
    observations: list[Any] = field(default_factory=list)
    procedures: list[Any] = field(default_factory=list)

    def of_type(self, resource_type: str) -> list[Any]:
        if resource_type == "Patient":
            return [self.patient] if self.patient is not None else []
        return {
            "Condition": self.conditions,
            "Observation": self.observations,
            "Procedure": self.procedures,
        }[resource_type]


def parse_resource(raw: Any, path: str, status: int = 400) -> Any:
    """One FHIR resource validated by its R4B model; a problem names the field's path."""
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        raise HookProblem(
            status, "must be a FHIR resource (a JSON object with resourceType)", path=path
        )
    try:
        model = get_fhir_model_class(raw["resourceType"])
    except KeyError:
        raise HookProblem(
            status,
            f"unknown FHIR resourceType {raw['resourceType']!r}",
            path=f"{path}.resourceType",
        ) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise HookProblem(status, str(err["msg"]), path=dotted(err["loc"], path)) from None


def flatten(resource: Any) -> Iterable[Any]:
    if resource is None:
        return
    if resource.get_resource_type() == "Bundle":
        for entry in resource.entry or []:
            if entry.resource is not None:
                yield from flatten(entry.resource)
    else:
        yield resource


def _for_patient(resource: Any, patient_id: str) -> bool:
    subject = getattr(resource, "subject", None)
    ref = getattr(subject, "reference", None) or ""
    return ref == f"Patient/{patient_id}" or ref.endswith(f"/Patient/{patient_id}")


def _codes(concept: Any) -> set[str]:
    return {c.code for c in (getattr(concept, "coding", None) or []) if c.code}


def _live(resource: Any) -> bool:
    kind = resource.get_resource_type()
    if kind == "Condition":
        clinical = _codes(resource.clinicalStatus)
        if clinical and not clinical & LIVE_CONDITION:
            return False
        return not _codes(resource.verificationStatus) & DEAD_VERIFICATION
    if kind == "Observation":
        return resource.status in LIVE_OBSERVATION
    if kind == "Procedure":
        return resource.status == "completed"
    return True


def build_record(
    patient_id: str, data: Mapping[str, Any], fetched: frozenset[str] = frozenset()
) -> Record:
    """Parse every prefetch value; keep this patient's live resources, by type.

    Invalid data the EHR sent is the client's mistake (400); invalid data read from its FHIR
    server (`fetched` keys) is data we cannot have (412).
    """
    record = Record(patient_id=patient_id)
    for key, raw in data.items():
        if raw is None:  # the EHR found nothing for this template
            continue
        parsed = parse_resource(raw, f"prefetch.{key}", 412 if key in fetched else 400)
        for res in flatten(parsed):
            kind = res.get_resource_type()
            if kind == "Patient":
                if res.id == patient_id:
                    record.patient = res
            elif kind in KEPT_TYPES and _for_patient(res, patient_id) and _live(res):
                record.of_type(kind).append(res)
    return record
