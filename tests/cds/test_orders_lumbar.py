"""order-select / order-sign for lumbar spine MRI and the disc operation, with the lumbar pack's own
rules."""

from __future__ import annotations

from . import requests as rq

SELECT, SIGN = "/cds-services/keuzewijs-order-select", "/cds-services/keuzewijs-order-sign"


def rating(out: dict) -> list[str]:
    codes = []
    for action in out.get("systemActions", []):
        ext = {e["url"]: e for e in action["resource"]["extension"]}
        codes.append(
            ext["http://fhir.org/argonaut/Extension/pama-rating"]["valueCodeableConcept"]["coding"][
                0
            ]["code"]
        )
    return codes


def rules(out: dict) -> list[str]:
    return [c["extension"].get("nl.keuzewijs.rule") for c in out["cards"]]


def test_mri_in_the_natural_recovery_period_gets_a_warning_to_delete_it(client, library):
    for hook_url, hook in ((SELECT, "order-select"), (SIGN, "order-sign")):
        out = client.post(hook_url, json=rq.mri_natural_recovery(hook)).json()
        assert rating(out) == ["not-appropriate"]
        assert rules(out) == ["no-mri-during-natural-recovery"]
        card = out["cards"][0]
        assert card["indicator"] == "warning" and len(card["summary"]) <= 140
        assert card["suggestions"][0]["actions"][0] == {
            "type": "delete",
            "description": card["suggestions"][0]["label"],
            "resourceId": "ServiceRequest/mri-1",
        }
        rec = next(
            r
            for r in library.pack("lumbar-disc-herniation").rules.recommendations
            if r.id == "no-mri-during-natural-recovery"
        )
        assert rec.text.nl in card["detail"] and rec.why.nl in card["detail"]
        assert "Verstandig" in card["detail"]  # the source is cited


def test_mri_with_a_red_flag_is_appropriate_and_silent(client):
    out = client.post(SIGN, json=rq.mri_with_cauda_equina()).json()
    assert rating(out) == ["appropriate"] and out["cards"] == []


def test_mri_when_surgery_is_considered_is_appropriate_and_silent(client):
    out = client.post(SIGN, json=rq.mri_surgery_considered()).json()
    assert rating(out) == ["appropriate"] and out["cards"] == []


def test_mri_after_surgery_without_complaints_warranting_reoperation(client):
    out = client.post(SIGN, json=rq.mri_after_surgery_without_complaints()).json()
    assert rating(out) == ["not-appropriate"] and rules(out) == ["no-routine-mri-after-surgery"]


def test_mri_for_3_weeks_sciatica_without_alarm_answers_gets_a_provisional_card(client, library):
    """Issue 9 item 6: not silence, but 'not now, unless alarm symptoms: check ...', with the
    PAMA rating stated for that assumption and none set on the order."""
    out = client.post(SIGN, json=rq.mri_alarm_unknown()).json()
    assert rating(out) == []  # undecided: no rating on the order
    [card] = out["cards"]
    ext = card["extension"]
    assert card["indicator"] == "warning"
    assert ext["nl.keuzewijs.order"] == "ServiceRequest/mri-1"
    assert ext["nl.keuzewijs.rule"] == "no-mri-during-natural-recovery"
    assert ext["nl.keuzewijs.status"] == "provisional"
    assert ext["nl.keuzewijs.assumed-rating"] == "not-appropriate"
    assert card["summary"].startswith("Laat nu geen MRI-scan maken, tenzij ")
    assert "not-appropriate" in card["detail"] and "Controleer eerst" in card["detail"]
    pack = library.pack("lumbar-disc-herniation")
    assert pack.fields["saddle_anaesthesia"].question.nl in card["detail"]
    assert "suggestions" not in card  # no delete offered on an assumption


def test_answering_the_alarm_questions_turns_the_provisional_card_into_a_rating(client):
    out = client.post(SIGN, json=rq.mri_natural_recovery("order-sign")).json()
    assert rating(out) == ["not-appropriate"]
    assert "nl.keuzewijs.status" not in out["cards"][0]["extension"]


def test_disc_operation_for_back_pain_only(client):
    out = client.post(SIGN, json=rq.surgery_back_pain_only()).json()
    assert rating(out) == ["not-appropriate"] and rules(out) == ["no-surgery-back-pain-only"]
    assert out["cards"][0]["suggestions"][0]["actions"][0]["resourceId"] == "ServiceRequest/disc-1"


def test_disc_operation_with_leg_pain_under_6_weeks(client):
    out = client.post(SIGN, json=rq.surgery_leg_pain_3_weeks()).json()
    assert rating(out) == ["not-appropriate"] and rules(out) == ["no-surgery-before-6-weeks"]


def test_disc_operation_past_the_9_month_window_gets_an_info_card(client):
    out = client.post(SIGN, json=rq.surgery_past_9_months()).json()
    assert rating(out) == ["no-criteria-apply"]
    assert rules(out) == ["do-not-wait-beyond-9-months"] and out["cards"][0]["indicator"] == "info"


def test_disc_operation_is_not_rated_by_order_select(client):
    body = rq.surgery_leg_pain_3_weeks()
    body["hook"] = "order-select"
    body["context"]["selections"] = ["ServiceRequest/disc-1"]
    assert client.post(SELECT, json=body).json() == {"cards": []}


def test_patient_view_red_flag_is_critical(client):
    cards = client.post(
        "/cds-services/keuzewijs-patient-view", json=rq.lumbar_patient_view_cauda_equina()
    ).json()["cards"]
    # issue 18: the decision aid is not beside the urgent card; the card links to it for later
    assert [c["indicator"] for c in cards] == ["critical"]
    assert cards[0]["extension"]["nl.keuzewijs.rule"] == "cauda-equina-syndrome"
