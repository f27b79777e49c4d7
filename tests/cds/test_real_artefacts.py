"""Requests nobody here wrote: the CDS Hooks spec's examples, the Argonaut PAMA connectathon
requests, and a Synthea R4 record (fixtures/README.md says where each came from)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx

from . import requests as rq

FIXTURES = Path(__file__).parent / "fixtures"
PV = "/cds-services/keuzewijs-patient-view"
SELECT = "/cds-services/keuzewijs-order-select"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def spec_order_select() -> dict[str, Any]:
    """The spec's R4 order-select example (context only) in the spec's request envelope."""
    envelope = load("spec-patient-view-request.json")
    return {
        "hookInstance": envelope["hookInstance"],
        "hook": "order-select",
        **load("spec-order-select-r4-context.json"),
    }


def test_the_specs_r4_order_select_example_answers_200(client):
    response = client.post(SELECT, json=spec_order_select())
    assert response.status_code == 200, response.text
    # A NutritionOrder and a MedicationRequest: nothing this service rates, so no card and no
    # rating, and no data fetched for them.
    assert response.json() == {"cards": []}


def test_the_specs_order_select_example_with_one_of_our_orders_added_is_rated(client):
    body = spec_order_select()
    mri = copy.deepcopy(rq.MRI)
    body["context"]["draftOrders"]["entry"].append({"resource": mri})
    body["context"]["selections"].append("ServiceRequest/mri-1")
    body["prefetch"] = rq.mri_natural_recovery()["prefetch"]
    out = client.post(SELECT, json=body).json()
    # the unused, invalid NutritionOrder does not stop the MRI from being rated
    assert [a["resource"]["id"] for a in out["systemActions"]] == ["mri-1"]


def test_pama_connectathon_requests_answer_200_without_fetching(client_factory):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    client = client_factory(fhir_transport=httpx.MockTransport(handler))
    for name in (
        "pama-scenario-01-outbound-request.json",
        "pama-scenario-02-outbound-request.json",
    ):
        response = client.post(SELECT, json=load(name))
        assert response.status_code == 200, (name, response.text)
        # CPT-coded CT orders: this service has no criteria for them, so no card and no rating,
        # and the response says they were not recognised (issue 20: not silently passed)
        out = response.json()
        assert out["cards"] == [] and "systemActions" not in out
        named = out["extension"]["nl.keuzewijs.unrecognised-orders"]
        assert named and all(
            u["codes"][0].startswith("http://www.ama-assn.org/go/cpt|") for u in named
        )
    assert calls == []  # nothing rated, so nothing fetched from hooks.smarthealthit.org


def test_pama_request_bundle_without_type_still_rates_an_mri(client):
    body = load("pama-scenario-01-outbound-request.json")
    order = body["context"]["draftOrders"]["entry"][0]["resource"]
    order["code"] = {"coding": [{"system": rq.LOINC, "code": "24968-0"}], "text": "MR Lumbar spine"}
    body["context"]["patientId"] = rq.PATIENT
    order["subject"]["reference"] = f"Patient/{rq.PATIENT}"
    body["prefetch"] = rq.mri_natural_recovery()["prefetch"]
    del body["fhirServer"]
    out = client.post(SELECT, json=body).json()
    assert "type" not in body["context"]["draftOrders"]
    assert [a["resource"]["id"] for a in out["systemActions"]] == ["example-MRI-59879846"]


def test_the_specs_patient_view_example_without_our_prefetch_is_412_and_fetches_nothing(
    client_factory,
):
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    client = client_factory(fhir_transport=httpx.MockTransport(record))
    response = client.post(PV, json=load("spec-patient-view-request.json"))
    # Its prefetch key is 'patientToGreet' (not ours) and its fhirServer is not on the allowlist:
    # the data cannot be had, which the spec answers with 412; the token is never sent anywhere.
    assert response.status_code == 412
    assert response.json()["errors"][0]["path"] == "fhirServer"
    assert calls == []


# ---------------------------------------------------------------- Synthea
SYNTHEA = "synthea-hip-fracture-admitted.json"


def as_prefetch(bundle: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What an EHR holding this record answers to the service's prefetch templates."""
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")

    def search(kind: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in resources if r["resourceType"] == kind],
        }

    return patient["id"], {
        "patient": patient,
        "conditions": search("Condition"),
        "observations": search("Observation"),
        "procedures": search("Procedure"),
    }


def synthea_patient_view(bundle: dict[str, Any]) -> dict[str, Any]:
    pid, prefetch = as_prefetch(bundle)
    body = rq.request("patient-view", prefetch)
    body["context"]["patientId"] = pid
    return body


def healed_years_ago(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same record with the fracture of 2019, ended as Synthea ends a condition."""
    out = copy.deepcopy(bundle)
    for e in out["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] == "359817006":
            r["clinicalStatus"]["coding"][0]["code"] = "resolved"
            r["onsetDateTime"] = "2019-03-02T16:12:40-05:00"
            r["recordedDate"] = "2019-03-02T16:12:40-05:00"
            r["abatementDateTime"] = "2019-05-27T16:12:40-04:00"
    return out


def test_synthea_record_admitted_yesterday_with_a_snomed_hip_fracture_gets_a_card(client):
    response = client.post(PV, json=synthea_patient_view(load(SYNTHEA)))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert [c["indicator"] for c in cards] == ["info"]
    assert cards[0]["links"][0]["url"].startswith("http://testserver/nl/c/hip-fracture?profile=")
    token = cards[0]["links"][0]["url"].split("profile=")[1]
    import base64

    profile = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    # age from birthDate 1950-10-24; eGFR 68.4 (MDRD, UCUM mL/min/{1.73_m2}); 'closed fracture of
    # hip' does not say which fracture, so the type stays a question
    assert profile == {"age": 76, "egfr": 68.4}


def test_the_same_synthea_record_with_the_fracture_healed_years_ago_gets_none(client):
    response = client.post(PV, json=synthea_patient_view(healed_years_ago(load(SYNTHEA))))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_a_healed_fracture_coded_active_but_abated_is_history_too(client):
    record = healed_years_ago(load(SYNTHEA))
    for e in record["entry"]:
        if e["resource"].get("abatementDateTime"):
            e["resource"]["clinicalStatus"]["coding"][0]["code"] = "active"
    assert client.post(PV, json=synthea_patient_view(record)).json() == {"cards": []}


def test_synthea_sciatica_of_3_weeks_and_an_mri_order_gets_the_provisional_card(client):
    """Sciatica as Synthea codes it (SNOMED 23056005, urn:uuid subject), onset 3 weeks before the
    clock, no alarm answers coded: 'not now, unless ...', no rating on the order."""
    record = load(SYNTHEA)
    for e in record["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] == "359817006":
            r["code"] = {
                "coding": [{"system": rq.SNOMED, "code": "23056005", "display": "Sciatica"}],
                "text": "Sciatica",
            }
            r["onsetDateTime"] = "2026-11-01T09:00:00-05:00"
    pid, prefetch = as_prefetch(record)
    order = copy.deepcopy(rq.MRI)
    order["subject"]["reference"] = f"Patient/{pid}"
    body = rq.request(
        "order-select",
        prefetch,
        draftOrders=rq.bundle(order),
        selections=["ServiceRequest/mri-1"],
    )
    body["context"]["patientId"] = pid
    out = client.post(SELECT, json=body).json()
    assert "systemActions" not in out
    [card] = out["cards"]
    assert card["extension"]["nl.keuzewijs.status"] == "provisional"
    assert card["extension"]["nl.keuzewijs.assumed-rating"] == "not-appropriate"
