"""Cards are read by the clinician: they speak to the clinician, and their summary is a whole
sentence within the spec's 140 characters (issue 20, minor points)."""

from __future__ import annotations

import re

import pytest

from . import requests as rq

PV = "/cds-services/keuzewijs-patient-view"
SELECT = "/cds-services/keuzewijs-order-select"
# Dutch second person (the patient's voice): u, uw, bent u, heeft u ...
YOU = re.compile(r"\b(u|uw|U|Uw)\b")


def _cards(client, url, body):
    return client.post(url, json=body).json()["cards"]


@pytest.mark.parametrize(
    "body", [rq.lumbar_patient_view_cauda_equina(), rq.hip_urgent_patient_view()]
)
def test_critical_cards_address_the_clinician_and_quote_the_patient_advice(client, body):
    cards = _cards(client, PV, body)
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical
    for card in critical:
        assert not YOU.search(card["summary"]), card["summary"]
        assert card["summary"].startswith("Alarmsignaal")
        assert "**Zeg de patiënt:**" in card["detail"]  # the patient text, marked as such
        assert len(card["summary"]) < 140 and not card["summary"].endswith("…")


def test_the_decision_aid_card_lists_what_is_missing_as_labels_not_patient_questions(client):
    info = next(c for c in _cards(client, PV, rq.hip_patient_view()) if c["indicator"] == "info")
    needs = info["detail"].split("**Nog nodig voor een volledig advies**")[1].strip().splitlines()
    assert needs and all(line.startswith("- ") for line in needs)
    for line in needs:
        assert not YOU.search(line) and not line.endswith("?"), line


def test_the_provisional_summary_is_a_whole_sentence_that_fits(client):
    body = rq.lumbar_order(
        "order-select",
        rq.MRI,
        [rq.sciatica("2026-11-01")],
        [rq.finding("previous-disc-surgery", False)],
    )
    cards = _cards(client, SELECT, body)
    assert cards
    for card in cards:
        summary = card["summary"]
        assert len(summary) < 140 and summary.endswith(".") and "…" not in summary
        assert "tenzij" in summary  # the exception is announced, the questions are in the detail
