"""Hook requests shaped like the CDS Hooks specification's examples, for tests and for
docs/cds-hooks-examples.md.

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
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": copy.deepcopy(r)} for r in resources],
    }


def patient(birth: str = "1942-03-01") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": PATIENT, "birthDate": birth, "gender": "female"}


def condition(
    cid: str, system: str, code: str, display: str, onset: str | None = None, status: str = "active"
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
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


def service_request(
    sid: str, system: str, code: str, display: str, reason: dict[str, Any] | None = None
) -> dict[str, Any]:
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


def prefetch(
    pat: dict[str, Any] | None, conditions=(), observations=(), procedures=()
) -> dict[str, Any]:
    return {
        "patient": pat,
        "conditions": bundle(*conditions),
        "observations": bundle(*observations),
        "procedures": bundle(*procedures),
    }


# ---------------------------------------------------------------- hip fracture
HIP_NECK = condition(
    "hip-1", ICD10, "S72.0", "Fracture of neck of femur", onset="2026-11-21T18:00:00Z"
)
EGFR_70 = observation(
    "egfr-1",
    LOINC,
    "62238-1",
    "GFR/BSA.pred CKD-EPI",
    valueQuantity={
        "value": 70,
        "unit": "mL/min/1.73m2",
        "system": "http://unitsofmeasure.org",
        "code": "mL/min/{1.73_m2}",
    },
)
THR = procedure(
    "op-1", SNOMED, "52734007", "Total replacement of hip", performed="2026-11-18T09:00:00Z"
)
DYSPNEA = condition("sob-1", SNOMED, "267036007", "Dyspnea", onset="2026-11-22T06:00:00Z")
ACHILLES = condition(
    "ach-1", ICD10, "S86.0", "Injury of Achilles tendon", onset="2026-11-15T17:00:00Z"
)


def hip_patient_view() -> dict[str, Any]:
    return request("patient-view", prefetch(patient(), [HIP_NECK], [EGFR_70]))


def hip_urgent_patient_view() -> dict[str, Any]:
    return request("patient-view", prefetch(patient(), [HIP_NECK, DYSPNEA], [EGFR_70], [THR]))


def no_condition_patient_view() -> dict[str, Any]:
    other = condition("c-9", ICD10, "J45.9", "Asthma, unspecified")
    return request("patient-view", prefetch(patient(), [other]))


def hip_discharge() -> dict[str, Any]:
    return request(
        "encounter-discharge",
        prefetch(patient(), [HIP_NECK], [EGFR_70], [THR]),
        encounterId="enc-1",
    )


def hip_discharge_not_operated() -> dict[str, Any]:
    return request(
        "encounter-discharge", prefetch(patient(), [HIP_NECK], [EGFR_70]), encounterId="enc-1"
    )


def without_prefetch(body: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.pop("prefetch", None)
    return out


# ---------------------------------------------------------------- lumbar disc herniation
LUMBAR = "https://keuzewijs.nl/fhir/CodeSystem/lumbar-findings"
PARESIS = "https://keuzewijs.nl/fhir/CodeSystem/lumbar-disc-herniation-paresis"
MRI = service_request("mri-1", LOINC, "24968-0", "MR Lumbar spine")
DISCECTOMY = service_request("disc-1", SNOMED, "42515009", "Excision of intervertebral disc")


def sciatica(onset: str) -> dict[str, Any]:
    return condition("lrs-1", ICD10, "M54.4", "Lumbago with sciatica", onset=onset)


def finding(code: str, value: bool) -> dict[str, Any]:
    return observation(f"f-{code}", LUMBAR, code, code.replace("-", " "), valueBoolean=value)


def paresis(level: str) -> dict[str, Any]:
    return observation(
        "f-paresis",
        LUMBAR,
        "paresis",
        "Paresis",
        valueCodeableConcept={"coding": [{"system": PARESIS, "code": level}]},
    )


def no_alarm(**answers: bool) -> list[dict[str, Any]]:
    """The alarm and early-imaging questions answered 'no' unless given, plus any other answers."""
    base = {
        "saddle-anaesthesia": False,
        "bladder-dysfunction": False,
        "faecal-incontinence": False,
        "pain-not-relieved-by-opioids": False,
        "bedridden-despite-opioids": False,
        "suspected-underlying-disease": False,
    }
    base.update({k.replace("_", "-"): v for k, v in answers.items()})
    return [paresis("none")] + [finding(code, value) for code, value in base.items()]


def lumbar_order(
    hook: str, order: dict[str, Any], conditions, observations, procedures=()
) -> dict[str, Any]:
    extra: dict[str, Any] = {"draftOrders": bundle(order)}
    if hook == "order-select":
        extra["selections"] = [f"ServiceRequest/{order['id']}"]
    return request(
        hook, prefetch(patient("1981-05-10"), conditions, observations, procedures), **extra
    )


def mri_natural_recovery(hook: str = "order-select") -> dict[str, Any]:
    """Three weeks of sciatica, no alarm symptoms, no surgery so far: the MRI falls in the natural
    recovery."""
    return lumbar_order(hook, MRI, [sciatica("2026-11-01")], no_alarm(previous_disc_surgery=False))


def mri_with_cauda_equina() -> dict[str, Any]:
    return lumbar_order(
        "order-sign",
        MRI,
        [sciatica("2026-11-01")],
        no_alarm(saddle_anaesthesia=True, previous_disc_surgery=False),
    )


def mri_after_surgery_without_complaints() -> dict[str, Any]:
    op = procedure(
        "op-disc",
        SNOMED,
        "42515009",
        "Excision of intervertebral disc",
        performed="2026-06-01T09:00:00Z",
    )
    return lumbar_order(
        "order-sign",
        MRI,
        [sciatica("2026-01-10")],
        no_alarm(complaints_warranting_reoperation=False),
        [op],
    )


def mri_surgery_considered() -> dict[str, Any]:
    return lumbar_order(
        "order-sign",
        MRI,
        [sciatica("2026-09-10")],
        no_alarm(
            previous_disc_surgery=False, surgery_considered=True, insufficient_improvement=True
        ),
    )


def mri_alarm_unknown() -> dict[str, Any]:
    return lumbar_order(
        "order-sign", MRI, [sciatica("2026-11-01")], [finding("previous-disc-surgery", False)]
    )


def surgery_back_pain_only() -> dict[str, Any]:
    order = {
        **DISCECTOMY,
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": ICD10,
                        "code": "M51.1",
                        "display": "Lumbar disc disorder with radiculopathy",
                    }
                ]
            }
        ],
    }
    low_back = condition("lbp-1", ICD10, "M54.5", "Low back pain", onset="2026-08-01")
    return lumbar_order(
        "order-sign",
        order,
        [low_back],
        no_alarm(radiating_leg_pain=False, previous_disc_surgery=False),
    )


def surgery_leg_pain_3_weeks() -> dict[str, Any]:
    return lumbar_order(
        "order-sign",
        DISCECTOMY,
        [sciatica("2026-11-01")],
        no_alarm(previous_disc_surgery=False, insufficient_improvement=True),
    )


def pain_location(where: str) -> dict[str, Any]:
    return observation(
        "f-main-pain-location",
        LUMBAR,
        "main-pain-location",
        "Where the pain mainly is",
        valueCodeableConcept={"coding": [{"system": PAIN_LOCATION, "code": where}]},
    )


PAIN_LOCATION = "https://keuzewijs.nl/fhir/CodeSystem/lumbar-disc-herniation-pain-location"


def surgery_past_9_months() -> dict[str, Any]:
    # the pain is mainly in the leg: otherwise 'no surgery for mainly back pain' is undecided
    return lumbar_order(
        "order-sign",
        DISCECTOMY,
        [sciatica("2025-12-15")],
        [
            *no_alarm(
                previous_disc_surgery=False, insufficient_improvement=True, surgery_considered=True
            ),
            pain_location("mainly_leg"),
        ],
    )


def lumbar_patient_view_cauda_equina() -> dict[str, Any]:
    return request(
        "patient-view",
        prefetch(
            patient("1981-05-10"), [sciatica("2026-11-01")], no_alarm(bladder_dysfunction=True)
        ),
    )


def doc_examples() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (
            "order-select: a lumbar spine MRI during the natural recovery period",
            "keuzewijs-order-select",
            "Three weeks of sciatica, the alarm questions answered 'no', no disc surgery: the "
            "pack's 'no MRI during natural recovery' rule fires. The order is rated "
            "not-appropriate (systemActions) and a warning card suggests deleting it, citing the "
            "sources.",
            mri_natural_recovery(),
        ),
        (
            "order-sign: a lumbar spine MRI with the alarm questions unanswered",
            "keuzewijs-order-sign",
            "Three weeks of sciatica, no alarm answers in the record: the 'no MRI now' rule "
            "applies unless an early-imaging reason holds, which nobody has answered. A "
            "provisional warning card says so, lists what to check, and states the PAMA rating for "
            "that assumption; no rating is set on the order.",
            mri_alarm_unknown(),
        ),
        (
            "order-sign: a lumbar spine MRI with cauda equina signs",
            "keuzewijs-order-sign",
            "Saddle anaesthesia: a red flag; the MRI is appropriate. Only the rating, no card.",
            mri_with_cauda_equina(),
        ),
        (
            "order-sign: a disc operation for back pain only",
            "keuzewijs-order-sign",
            "Low back pain, no radiating leg pain, no alarm symptoms: 'do not operate for back "
            "pain alone'.",
            surgery_back_pain_only(),
        ),
        (
            "order-sign: a disc operation after more than 9 months",
            "keuzewijs-order-sign",
            "Persisting sciatica for 11 months: nothing against the operation (no-criteria-apply), "
            "and an info card with the pack's rule about not waiting beyond 9 months.",
            surgery_past_9_months(),
        ),
        (
            "patient-view: lumbar disc herniation with a red flag",
            "keuzewijs-patient-view",
            "New bladder dysfunction recorded: a critical card alone, which links to the "
            "decision aid for after the urgent step.",
            lumbar_patient_view_cauda_equina(),
        ),
    ]


def load_test_extra() -> dict[str, dict[str, Any]]:
    return {"keuzewijs-order-sign": mri_after_surgery_without_complaints()}
