"""patient-view, encounter-discharge and discovery against requests shaped like the spec's
examples."""

from __future__ import annotations

from . import requests as rq

SERVICES = {
    "keuzewijs-patient-view",
    "keuzewijs-order-select",
    "keuzewijs-order-sign",
    "keuzewijs-encounter-discharge",
}


def test_discovery_lists_every_service_with_hook_and_prefetch(client):
    body = client.get("/cds-services").json()
    by_id = {s["id"]: s for s in body["services"]}
    assert set(by_id) == SERVICES
    assert by_id["keuzewijs-order-sign"]["hook"] == "order-sign"
    for service in body["services"]:
        assert service["title"] and service["description"]
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_patient_with_hip_fracture_gets_a_prefilled_decision_aid_link(client):
    response = client.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view())
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert [c["indicator"] for c in cards] == ["info"]
    card = cards[0]
    assert len(card["summary"]) <= 140 and card["uuid"]
    assert card["source"]["url"] == "http://testserver/nl/c/hip-fracture"
    link = card["links"][0]
    assert link["type"] == "absolute" and link["url"].startswith(
        "http://testserver/nl/c/hip-fracture?profile="
    )
    token = link["url"].split("profile=")[1].split("&")[0]
    import base64
    import json

    profile = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert profile == {"age": 84, "egfr": 70, "fracture_type": "femoral_neck"}


def test_urgent_red_flag_becomes_a_critical_card(client):
    cards = client.post(
        "/cds-services/keuzewijs-patient-view", json=rq.hip_urgent_patient_view()
    ).json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert [c["extension"]["nl.keuzewijs.rule"] for c in critical] == ["breathless-or-chest-pain"]
    assert "**" in critical[0]["detail"] and "zas" in critical[0]["detail"].lower()


def test_no_card_for_a_patient_without_one_of_the_conditions(client):
    response = client.post(
        "/cds-services/keuzewijs-patient-view", json=rq.no_condition_patient_view()
    )
    assert response.json() == {"cards": []}


def test_refuted_or_other_patients_conditions_are_ignored(client):
    body = rq.hip_patient_view()
    body["prefetch"]["conditions"]["entry"][0]["resource"]["verificationStatus"]["coding"][0][
        "code"
    ] = "refuted"
    assert client.post("/cds-services/keuzewijs-patient-view", json=body).json() == {"cards": []}
    body = rq.hip_patient_view()
    body["prefetch"]["conditions"]["entry"][0]["resource"]["subject"]["reference"] = (
        "Patient/someone-else"
    )
    assert client.post("/cds-services/keuzewijs-patient-view", json=body).json() == {"cards": []}


def test_discharge_after_hip_operation_lists_the_alarm_signs_and_the_handout(client, library):
    cards = client.post(
        "/cds-services/keuzewijs-encounter-discharge", json=rq.hip_discharge()
    ).json()["cards"]
    assert [c["indicator"] for c in cards] == ["info"]
    card = cards[0]
    pack = library.pack("hip-fracture")
    for flag in pack.rules.red_flags:
        if flag.about == "contact_care_team":
            assert flag.message.nl in card["detail"]
    assert card["links"][0]["url"].startswith("http://testserver/nl/c/hip-fracture?profile=")
    assert card["links"][0]["url"].endswith("&print=1")


def test_no_discharge_card_when_the_operation_is_not_in_the_record(client):
    cards = client.post(
        "/cds-services/keuzewijs-encounter-discharge", json=rq.hip_discharge_not_operated()
    ).json()["cards"]
    assert cards == []


def test_an_operated_hip_patient_gets_no_decision_card_but_the_after_treatment_card(client):
    """Issue 17: the engine's phase decides for CDS as for the page: after the operation (a total
    hip replacement in the record) the card offers no choice and gives the recovery facts."""
    operated = rq.request(
        "patient-view", rq.prefetch(rq.patient(), [rq.HIP_NECK], [rq.EGFR_70], [rq.THR])
    )
    cards = client.post("/cds-services/keuzewijs-patient-view", json=operated).json()["cards"]
    info = [c for c in cards if c["indicator"] == "info"]
    assert len(info) == 1
    assert info[0]["summary"].startswith("Na de behandeling")
    assert "keuze" in info[0]["detail"] and "\n- " in info[0]["detail"]
    before = client.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view())
    assert before.json()["cards"][0]["summary"].startswith("Keuzehulp")
