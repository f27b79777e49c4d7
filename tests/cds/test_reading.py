"""Reading real EHR data safely: value sets, statuses, ranges, units, recency, plausibility."""

from __future__ import annotations

from typing import Any

import pytest

from keuzewijs.cds.config import load_cds_data
from keuzewijs.cds.mapping import ProfileBuilder
from keuzewijs.cds.record import build_record
from keuzewijs.engine.advise import advise
from keuzewijs.rules.interval import Interval

from . import requests as rq

PV = "/cds-services/keuzewijs-patient-view"
UCUM = "http://unitsofmeasure.org"


def mapped(library, condition_id: str, prefetch: dict[str, Any]):
    data = load_cds_data(library)
    builder = ProfileBuilder(
        data, library.pack(condition_id), data.mapping.conditions[condition_id]
    )
    return builder.build(build_record(rq.PATIENT, prefetch), rq.NOW)


def hip(**coding: str) -> dict[str, Any]:
    return rq.condition(
        "hip-x", coding["system"], coding["code"], "hip fracture", onset="2026-11-21T18:00:00Z"
    )


# ---------------------------------------------------------------- value sets
@pytest.mark.parametrize(
    ("system", "code", "fracture_type"),
    [
        (rq.SNOMED, "359817006", None),  # Synthea / DHD: hip fracture, type not stated
        ("http://hl7.org/fhir/sid/icd-10-cm", "S72.001A", "femoral_neck"),  # CM family of S72.0
        ("http://hl7.org/fhir/sid/icd-10-nl", "S72.1", "pertrochanteric"),  # Dutch release URI
        ("urn:oid:2.16.840.1.113883.6.3", "s72.2", "subtrochanteric"),  # OID, lower case
        (rq.ICD10, "S720", "femoral_neck"),  # without the dot
        # SNOMED CT concepts that name the type (IPS terminology): the type is read from them
        (rq.SNOMED, "359820003", "femoral_neck"),  # Closed fracture of neck of femur
        (rq.SNOMED, "127287001", "pertrochanteric"),  # Intertrochanteric fracture
        (rq.SNOMED, "263229001", "subtrochanteric"),  # Subtrochanteric fracture of femur
        # DHD Diagnosethesaurus concept ids, as Dutch hospitals record them
        ("urn:oid:2.16.840.1.113883.2.4.3.120.5.1", "0000050425", "femoral_neck"),
        ("urn:oid:2.16.840.1.113883.2.4.3.120.5.1", "0000105076", "pertrochanteric"),
        ("urn:oid:2.16.840.1.113883.2.4.3.120.5.1", "0000050607", "subtrochanteric"),
    ],
)
def test_hip_fracture_codes_in_every_system_are_found(library, system, code, fracture_type):
    got = mapped(
        library, "hip-fracture", rq.prefetch(rq.patient(), [hip(system=system, code=code)])
    )
    assert got.profile.get("fracture_type") == fracture_type
    data = load_cds_data(library)
    builder = ProfileBuilder(
        data, library.pack("hip-fracture"), data.mapping.conditions["hip-fracture"]
    )
    assert builder.diagnosis.coding(system, code)


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (rq.SNOMED, "23056005"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M54.31"),
        (rq.ICD10, "M543"),
        ("http://hl7.org/fhir/sid/icd-10-nl", "M54.4"),
    ],
)
def test_sciatica_codes_in_every_system_are_found(library, system, code):
    data = load_cds_data(library)
    builder = ProfileBuilder(
        data,
        library.pack("lumbar-disc-herniation"),
        data.mapping.conditions["lumbar-disc-herniation"],
    )
    assert builder.diagnosis.coding(system, code)


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("http://hl7.org/fhir/sid/icd-10-cm", "S72.001S"),  # sequela: history, not a fracture
        ("http://hl7.org/fhir/sid/icd-10-cm", "M51.14"),  # thoracic radiculopathy
        (rq.ICD10, "S73.0"),  # a neighbouring family
        (rq.LOINC, "359817006"),  # the right code in the wrong system
    ],
)
def test_codes_outside_the_value_sets_are_not_matched(library, system, code):
    data = load_cds_data(library)
    for cid in ("hip-fracture", "lumbar-disc-herniation"):
        builder = ProfileBuilder(data, library.pack(cid), data.mapping.conditions[cid])
        assert not builder.diagnosis.coding(system, code)


def test_a_refuted_or_entered_in_error_diagnosis_gives_no_card(client):
    for status in ("refuted", "entered-in-error"):
        body = rq.hip_patient_view()
        res = body["prefetch"]["conditions"]["entry"][0]["resource"]
        res["verificationStatus"]["coding"][0]["code"] = status
        assert client.post(PV, json=body).json() == {"cards": []}


# ---------------------------------------------------------------- observations
def egfr(
    value: float,
    *,
    comparator: str | None = None,
    code: str = "mL/min/{1.73_m2}",
    system: str = UCUM,
    status: str = "final",
    when: str = "2026-11-21T08:00:00Z",
) -> dict:
    q: dict[str, Any] = {"value": value, "unit": code, "system": system, "code": code}
    if comparator:
        q["comparator"] = comparator
    obs = rq.observation("egfr-x", rq.LOINC, "62238-1", "eGFR", valueQuantity=q)
    obs["status"], obs["effectiveDateTime"] = status, when
    return obs


def test_less_than_60_is_kept_as_a_range_never_as_60(library):
    got = mapped(
        library, "hip-fracture", rq.prefetch(None, [rq.HIP_NECK], [egfr(60, comparator="<")])
    )
    assert got.profile["egfr"] == Interval.of("<", 60)
    assert got.profile["egfr"] != 60 and str(got.profile["egfr"]) == "<60"


def test_less_than_60_decides_ge_60_false_and_leaves_lt_30_unknown():
    below = Interval.of("<", 60)
    assert below.compare("ge", 60) is False
    assert below.compare("lt", 60) is True
    assert below.compare("lt", 30) is None
    assert below.compare("ge", 30) is None
    assert Interval.of("<=", 60).compare("ge", 60) is None  # 60 itself is possible
    assert Interval.of(">", 90).compare("ge", 60) is True


def test_less_than_60_gives_the_advice_of_an_egfr_below_60_not_of_60(library):
    base = {"age": 75, "fracture_type": "femoral_neck", "displaced": True, "asa_class": 2}
    ranged = advise("hip-fracture", {**base, "egfr": Interval.of("<", 60)}, "en", library=library)
    at_60 = advise("hip-fracture", {**base, "egfr": 60}, "en", library=library)
    below = advise("hip-fracture", {**base, "egfr": 59}, "en", library=library)
    ids = lambda a: sorted(r.id for r in a.recommendations)  # noqa: E731
    assert ids(ranged) == ids(below) != ids(at_60)
    assert "egfr" not in [n.field for n in ranged.needs]  # the range decided every egfr rule


def test_a_range_that_cannot_decide_a_rule_leaves_it_open_and_asks():
    from keuzewijs.packs.conditions import Compare
    from keuzewijs.rules.evaluate import Evaluation, Evaluator

    ev = Evaluation()
    node = Compare(field="egfr", op="lt", value=30)
    assert Evaluator({}, {}).evaluate(node, {"egfr": Interval.of("<", 60)}, ev) is None
    assert ev.missing == {"egfr"}


def test_units_are_converted_by_ucum(library):
    per_second = egfr(1.2, code="mL/s/{1.73_m2}")
    got = mapped(library, "hip-fracture", rq.prefetch(None, [rq.HIP_NECK], [per_second]))
    assert got.profile["egfr"] == pytest.approx(72.0)


@pytest.mark.parametrize(
    ("obs", "reason"),
    [
        (egfr(70, code="mL/min"), "unit"),  # a clearance, not per 1.73 m2: annotations differ
        (egfr(70, code="mg/dL"), "unit"),
        (egfr(70, system="http://example.org/units", code="ml/min/1.73m2"), "unit"),
        (egfr(70, status="preliminary"), "status"),
        (egfr(70, status="entered-in-error"), "status"),
        (egfr(70, when="2016-05-01T08:00:00Z"), "too-old"),
        (egfr(70, comparator="ad"), "comparator"),
    ],
)
def test_what_does_not_fit_stays_unknown_with_a_reason(library, obs, reason):
    got = mapped(library, "hip-fracture", rq.prefetch(None, [rq.HIP_NECK], [obs]))
    assert "egfr" not in got.profile
    assert [(n.field, n.resource, n.reason) for n in got.notes] == [
        ("egfr", "Observation/egfr-x", reason)
    ]


def test_an_amended_recent_value_is_read(library):
    got = mapped(
        library, "hip-fracture", rq.prefetch(None, [rq.HIP_NECK], [egfr(55, status="amended")])
    )
    assert got.profile["egfr"] == 55


def test_the_reason_is_in_the_cards_trace(client):
    body = rq.request(
        "patient-view",
        rq.prefetch(rq.patient(), [rq.HIP_NECK], [egfr(70, when="2016-05-01T08:00:00Z")]),
    )
    card = client.post(PV, json=body).json()["cards"][0]
    assert card["extension"]["nl.keuzewijs.mapping-trace"] == [
        {"field": "egfr", "resource": "Observation/egfr-x", "reason": "too-old"}
    ]
    assert "te oud" in card["detail"]


# ---------------------------------------------------------------- lenient, safe hooks
@pytest.mark.parametrize("birth", ["1900-01-01", "2030-05-05"])
def test_an_implausible_birth_date_makes_age_unknown_and_the_urgent_card_survives(client, birth):
    body = rq.hip_urgent_patient_view()
    body["prefetch"]["patient"]["birthDate"] = birth
    response = client.post(PV, json=body)
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert [c["indicator"] for c in cards] == ["critical"]  # no decision aid beside it (issue 18)
    trace = cards[0]["extension"]["nl.keuzewijs.mapping-trace"]
    assert [(t["field"], t["reason"]) for t in trace] == [("age", "implausible")]


def test_a_deceased_patient_gets_no_decision_aid(client):
    for deceased in ({"deceasedBoolean": True}, {"deceasedDateTime": "2026-11-21T10:00:00Z"}):
        body = rq.hip_patient_view()
        body["prefetch"]["patient"].update(deceased)
        assert client.post(PV, json=body).json() == {"cards": []}
    body = rq.hip_patient_view()
    body["prefetch"]["patient"]["deceasedBoolean"] = False
    assert len(client.post(PV, json=body).json()["cards"]) == 1


def test_resources_the_service_does_not_read_are_not_validated(client):
    body = rq.hip_patient_view()
    junk = {"resourceType": "Encounter", "status": "not-a-status", "class": "x"}
    body["prefetch"]["conditions"]["entry"].append({"resource": junk})
    body["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = "not a list"  # unread element
    del body["prefetch"]["conditions"]["type"]
    assert client.post(PV, json=body).status_code == 200


def test_synthea_urn_uuid_subject_references_are_this_patient(client):
    body = rq.hip_patient_view()
    body["prefetch"]["conditions"]["entry"][0]["resource"]["subject"]["reference"] = (
        f"urn:uuid:{rq.PATIENT}"
    )
    assert len(client.post(PV, json=body).json()["cards"]) == 1


# ---------------------------------------------------------------- draft orders
SELECT, SIGN = "/cds-services/keuzewijs-order-select", "/cds-services/keuzewijs-order-sign"


def test_a_draft_order_without_an_id_gets_its_card_but_no_delete_or_rating(client):
    body = rq.mri_natural_recovery("order-sign")
    del body["context"]["draftOrders"]["entry"][0]["resource"]["id"]
    out = client.post(SIGN, json=body).json()
    assert "systemActions" not in out  # nothing to update by reference
    card = out["cards"][0]
    assert card["indicator"] == "warning" and "suggestions" not in card
    assert "nl.keuzewijs.order" not in card["extension"]
    assert "None" not in str(out)


def test_a_draft_order_for_another_patient_is_not_rated(client):
    body = rq.mri_natural_recovery()
    body["context"]["draftOrders"]["entry"][0]["resource"]["subject"]["reference"] = "Patient/other"
    assert client.post(SELECT, json=body).json() == {"cards": []}


def test_an_unselected_order_is_not_rated_in_order_select(client):
    body = rq.mri_natural_recovery()
    body["context"]["selections"] = ["MedicationRequest/1"]
    assert client.post(SELECT, json=body).json() == {"cards": []}


def test_an_invalid_service_request_we_rate_is_400_naming_the_field(client):
    body = rq.mri_natural_recovery()
    body["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 7
    got = client.post(SELECT, json=body)
    assert got.status_code == 400
    assert got.json()["errors"][0]["path"] == "context.draftOrders.entry[0].resource.status"


def test_every_trace_reason_has_a_text_in_both_languages(library):
    from keuzewijs.cds.mapping import REASONS

    texts = load_cds_data(library).cds.texts
    for reason in REASONS:
        assert texts[f"trace.{reason}"].nl and texts[f"trace.{reason}"].en


# ---------------------------------------------------------------- prefetch of the wrong type
@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("patient", rq.HIP_NECK, "prefetch.patient.resourceType"),
        ("patient", rq.bundle(rq.patient()), "prefetch.patient.resourceType"),
        ("conditions", rq.EGFR_70, "prefetch.conditions.resourceType"),
        ("observations", rq.patient(), "prefetch.observations.resourceType"),
        ("patient", {**rq.patient(), "id": "someone-else"}, "prefetch.patient.id"),
    ],
)
def test_a_prefetch_of_the_wrong_resource_type_is_a_400_naming_the_key(client, key, value, path):
    body = rq.hip_patient_view()
    body["prefetch"][key] = value
    got = client.post(PV, json=body)
    assert got.status_code == 400 and got.json()["errors"][0]["path"] == path


def test_a_single_resource_for_a_search_key_is_read(client):
    body = rq.hip_patient_view()
    body["prefetch"]["conditions"] = rq.HIP_NECK  # the searched type itself, not a Bundle
    assert len(client.post(PV, json=body).json()["cards"]) == 1
