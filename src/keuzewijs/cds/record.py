"""The patient's FHIR data of one hook call, read leniently: only what the service uses is checked.

Each prefetch value is walked as JSON. Resources of a type the service does not read (Encounter,
CarePlan, NutritionOrder ...) are skipped unvalidated, and so is a Bundle's own envelope (a Bundle
without `type` still gives its entries). Of a resource the service does read, only the elements it
reads are validated, by the `fhir.resources` R4B model (wire-compatible with R4 for these types), so
a problem names the field's path and an unrelated element can never fail the hook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from keuzewijs.errors import location_path

from .problems import HookProblem

# The elements read per resource type; everything else is never validated.
READ_ELEMENTS: dict[str, tuple[str, ...]] = {
    "Patient": ("id", "birthDate", "deceasedBoolean", "deceasedDateTime"),
    "Condition": (
        "id",
        "subject",
        "code",
        "clinicalStatus",
        "verificationStatus",
        "onsetDateTime",
        "onsetPeriod",
        "onsetAge",
        "recordedDate",
        "abatementDateTime",
        "abatementPeriod",
        "abatementString",
        "abatementAge",
        "abatementRange",
    ),
    "Observation": (
        "id",
        "status",
        "code",
        "subject",
        "effectiveDateTime",
        "effectivePeriod",
        "effectiveInstant",
        "issued",
        "valueQuantity",
        "valueInteger",
        "valueBoolean",
        "valueCodeableConcept",
    ),
    "Procedure": ("id", "status", "code", "subject", "performedDateTime", "performedPeriod"),
    "ServiceRequest": ("id", "status", "intent", "code", "subject", "reasonCode"),
}
KEPT_TYPES = ("Patient", "Condition", "Observation", "Procedure")


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

    def deceased(self, now: dt.datetime) -> bool:
        p = self.patient
        if p is None:
            return False
        if p.deceasedBoolean is True:
            return True
        when = p.deceasedDateTime
        if isinstance(when, dt.datetime):
            return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)) <= now
        return isinstance(when, dt.date) and when <= now.date()


def parse_resource(raw: Any, path: str, status: int = 400) -> Any:
    """The elements this service reads of one resource, validated by its R4B model."""
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        raise HookProblem(
            status, "must be a FHIR resource (a JSON object with resourceType)", path=path
        )
    kind = raw["resourceType"]
    try:
        model = get_fhir_model_class(kind)
    except KeyError:
        raise HookProblem(
            status, f"unknown FHIR resourceType {kind!r}", path=f"{path}.resourceType"
        ) from None
    keep = READ_ELEMENTS.get(kind)
    data = raw if keep is None else {k: raw[k] for k in ("resourceType", *keep) if k in raw}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise HookProblem(status, str(err["msg"]), path=location_path(err["loc"], path)) from None


def raw_resources(raw: Any, path: str, status: int) -> Iterable[tuple[dict[str, Any], str]]:
    """Each resource in a prefetch value (a Bundle's entries, recursively) with its path."""
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        raise HookProblem(
            status, "must be a FHIR resource (a JSON object with resourceType)", path=path
        )
    if raw["resourceType"] != "Bundle":
        yield raw, path
        return
    entries = raw.get("entry", [])
    if not isinstance(entries, list):
        raise HookProblem(status, "must be a list", path=f"{path}.entry")
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict):
            yield from raw_resources(res, f"{path}.entry[{i}].resource", status)


def references_patient(ref: str | None, patient_id: str) -> bool:
    """A reference to this patient: relative, absolute, or Synthea's urn:uuid form."""
    ref = ref or ""
    return (
        ref == f"Patient/{patient_id}"
        or ref.endswith(f"/Patient/{patient_id}")
        or ref == f"urn:uuid:{patient_id}"
    )


def expected_type(template: str) -> tuple[str, bool]:
    """The resource type a prefetch template asks for, and whether it is a search (a Bundle)."""
    path = template.split("?", 1)[0]
    return path.split("/", 1)[0], "?" in template or "/" not in path


def _check_type(raw: Any, key: str, template: str, patient_id: str, status: int) -> None:
    """A prefetch value must be what its template asks for: a read gives that resource (of this
    patient, for Patient), a search a Bundle. Anything else is refused, naming the key, rather
    than silently ignored (which would read as 'no data')."""
    kind, search = expected_type(template)
    got = raw.get("resourceType") if isinstance(raw, dict) else None
    allowed = {"Bundle", kind} if search else {kind}
    if got not in allowed:
        raise HookProblem(
            status,
            f"must be {' or '.join(sorted(allowed))} (prefetch template {template!r}), got {got!r}",
            path=f"prefetch.{key}.resourceType",
        )
    if got == "Patient" and raw.get("id") != patient_id:
        raise HookProblem(
            status, "is not the Patient of context.patientId", path=f"prefetch.{key}.id"
        )


def build_record(
    patient_id: str,
    data: Mapping[str, Any],
    fetched: frozenset[str] = frozenset(),
    templates: Mapping[str, str] | None = None,
) -> Record:
    """This patient's Patient, Condition, Observation and Procedure resources, by type.

    Invalid data the EHR sent is the client's mistake (400); invalid data read from its FHIR
    server (`fetched` keys) is data we cannot have (412). Which of them are current is decided
    when they are read (mapping.py), so the trace can say why one was not used.
    """
    record = Record(patient_id=patient_id)
    for key, raw in data.items():
        if raw is None:  # the EHR found nothing for this template
            continue
        status = 412 if key in fetched else 400
        if templates and key in templates and isinstance(raw, dict) and "resourceType" in raw:
            _check_type(raw, key, templates[key], patient_id, status)
        for res, path in raw_resources(raw, f"prefetch.{key}", status):
            kind = res["resourceType"]
            if kind not in KEPT_TYPES:
                continue
            if kind == "Patient":
                if res.get("id") == patient_id:
                    record.patient = parse_resource(res, path, status)
                continue
            subject = res.get("subject")
            ref = subject.get("reference") if isinstance(subject, dict) else None
            if not references_patient(ref if isinstance(ref, str) else None, patient_id):
                continue
            record.of_type(kind).append(parse_resource(res, path, status))
    return record
