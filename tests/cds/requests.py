"""Hook requests shaped like the CDS Hooks specification's examples, for tests and for docs/cds-hooks.md.

One fixed clock (NOW) so durations computed from onset dates are the same in every run.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
PATIENT = "1288992"
USER = "Practitioner/example"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": copy.deepcopy(r)} for r in resources]}


def patient(birth: str = "1942-03-01") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": PATIENT, "birthDate": birth, "gender": "female"}


def condition(cid: str, system: str, code: str, display: str, onset: str | None = None, status: str = "active") -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{PATIENT}"},
    }
    if onset:
        res["onsetDateTime"] = onset
    return res


def observation(oid: str, system: str, code: str, display: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "effectiveDateTime": "2026-11-21T08:00:00Z",
        **value,
    }


def procedure(pid: str, system: str, code: str, display: str, performed: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": pid,
        "status": "completed",
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "performedDateTime": performed,
    }


def service_request(sid: str, system: str, code: str, display: str, reason: dict[str, Any] | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": sid,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{PATIENT}"},
    }
    if reason:
        res["reasonCode"] = [reason]
    return res


def request(hook: str, prefetch: dict[str, Any] | None, **context: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hookInstance": HOOK_INSTANCE,
        "hook": hook,
        "context": {"userId": USER, "patientId": PATIENT, **context},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def prefetch(pat: dict[str, Any] | None, conditions=(), observations=(), procedures=()) -> dict[str, Any]:
    return {
        "patient": pat,
        "conditions": bundle(*conditions),
        "observations": bundle(*observations),
        "procedures": bundle(*procedures),
    }


# ---------------------------------------------------------------- hip fracture
HIP_NECK = condition("hip-1", ICD10, "S72.0", "Fracture of neck of femur", onset="2026-11-21T18:00:00Z")
EGFR_70 = observation(
    "egfr-1", LOINC, "62238-1", "GFR/BSA.pred CKD-EPI",
    valueQuantity={"value": 70, "unit": "mL/min/1.73m2", "system": "http://unitsofmeasure.org", "code": "mL/min/{1.73_m2}"},
)
THR = procedure("op-1", SNOMED, "52734007", "Total replacement of hip", performed="2026-11-18T09:00:00Z")
DYSPNEA = condition("sob-1", SNOMED, "267036007", "Dyspnea", onset="2026-11-22T06:00:00Z")
ACHILLES = condition("ach-1", ICD10, "S86.0", "Injury of Achilles tendon", onset="2026-11-15T17:00:00Z")


def hip_patient_view() -> dict[str, Any]:
    return request("patient-view", prefetch(patient(), [HIP_NECK], [EGFR_70]))


def hip_urgent_patient_view() -> dict[str, Any]:
    return request("patient-view", prefetch(patient(), [HIP_NECK, DYSPNEA], [EGFR_70], [THR]))


def no_condition_patient_view() -> dict[str, Any]:
    other = condition("c-9", ICD10, "J45.9", "Asthma, unspecified")
    return request("patient-view", prefetch(patient(), [other]))


def hip_discharge() -> dict[str, Any]:
    return request("encounter-discharge", prefetch(patient(), [HIP_NECK], [EGFR_70], [THR]), encounterId="enc-1")


def hip_discharge_not_operated() -> dict[str, Any]:
    return request("encounter-discharge", prefetch(patient(), [HIP_NECK], [EGFR_70]), encounterId="enc-1")


def without_prefetch(body: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.pop("prefetch", None)
    return out
