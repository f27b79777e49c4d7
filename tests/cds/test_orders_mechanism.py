"""The order hooks' rating machinery (PAMA pattern), on the hip-fracture pack's implant rules.

The order mapping here is test data (a local code for 'fixation with cannulated screws' in a copy of
knowledge/_common); the rules are the pack's own. The lumbar MRI and disc-operation orders of the
shipped cds.yaml are tested in test_orders_lumbar.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from keuzewijs.packs.loader import load_library

from ..conftest import KNOWLEDGE
from . import requests as rq
from .conftest import make_client

LOCAL = "http://example.org/test-orders"


@pytest.fixture(scope="module")
def orders_client(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("knowledge")
    shutil.copytree(KNOWLEDGE / "hip-fracture", root / "hip-fracture")
    shutil.copytree(KNOWLEDGE / "_common", root / "_common")
    cds = yaml.safe_load((root / "_common" / "cds.yaml").read_text())
    cds["orders"] = [
        {
            "condition": "hip-fracture",
            "action": "cannulated_screws",
            "hooks": ["order-select", "order-sign"],
            "codes": [
                {
                    "system": "local",
                    "code": "screws",
                    "display": "Fixation with cannulated screws",
                    "source": "local",
                }
            ],
            "inform": ["displaced-neck-fixation-possible-screws"],
        }
    ]
    (root / "_common" / "cds.yaml").write_text(yaml.safe_dump(cds, allow_unicode=True))
    mapping = yaml.safe_load((root / "_common" / "fhir-mapping.yaml").read_text())
    mapping["systems"]["local"] = LOCAL
    mapping["sources"]["local"] = "test data"
    mapping["conditions"]["hip-fracture"]["fields"] += [
        {
            "field": "displaced",
            "resource": "Condition",
            "codes": [
                {"system": "local", "code": "displaced", "display": "Displaced", "source": "local"}
            ],
            "value": {"kind": "constant", "value": True},
        },
        {
            "field": "displaced",
            "resource": "Condition",
            "codes": [
                {
                    "system": "local",
                    "code": "undisplaced",
                    "display": "Undisplaced",
                    "source": "local",
                }
            ],
            "value": {"kind": "constant", "value": False},
        },
        {
            "field": "chronically_immobile_with_dementia",
            "resource": "Observation",
            "codes": [
                {
                    "system": "local",
                    "code": "immobile-dementia",
                    "display": "Chronically immobile with dementia",
                    "source": "local",
                }
            ],
            "value": {"kind": "boolean"},
        },
        {
            "field": "asa_class",
            "resource": "Observation",
            "codes": [{"system": "local", "code": "asa", "display": "ASA", "source": "local"}],
            "value": {"kind": "quantity"},
        },
    ]
    (root / "_common" / "fhir-mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True))
    return make_client(load_library(root))


DISPLACED = rq.condition("disp-1", LOCAL, "displaced", "Displaced")
SCREWS = rq.service_request("sr-1", LOCAL, "screws", "Fixation with cannulated screws")
OTHER = rq.service_request("sr-2", rq.LOINC, "24627-2", "CT Chest")


def immobile(value: bool) -> dict:
    return rq.observation(
        "imm-1",
        LOCAL,
        "immobile-dementia",
        "Chronically immobile with dementia",
        valueBoolean=value,
    )


def sign(conditions, observations, orders=(SCREWS,)):
    return rq.request(
        "order-sign",
        rq.prefetch(rq.patient(), conditions, observations),
        draftOrders=rq.bundle(*orders),
    )


def rating(action: dict) -> str:
    ext = {e["url"]: e for e in action["resource"]["extension"]}
    return ext["http://fhir.org/argonaut/Extension/pama-rating"]["valueCodeableConcept"]["coding"][
        0
    ]["code"]


def test_order_against_a_firing_rule_is_not_appropriate_with_a_warning_to_delete_it(orders_client):
    body = sign([rq.HIP_NECK, DISPLACED], [rq.EGFR_70, immobile(False)], orders=(SCREWS, OTHER))
    out = orders_client.post("/cds-services/keuzewijs-order-sign", json=body).json()
    assert [rating(a) for a in out["systemActions"]] == ["not-appropriate"]
    action = out["systemActions"][0]
    assert action["type"] == "update" and action["resource"]["id"] == "sr-1"
    assert action["resource"]["code"] == SCREWS["code"]  # no semantic change to the order
    [card] = out["cards"]
    assert card["indicator"] == "warning"
    assert card["extension"]["nl.keuzewijs.order"] == "ServiceRequest/sr-1"
    assert card["extension"]["nl.keuzewijs.rule"] == "displaced-neck-against-screws"
    [suggestion] = card["suggestions"]
    assert suggestion["actions"] == [
        {
            "type": "delete",
            "description": suggestion["label"],
            "resourceId": "ServiceRequest/sr-1",
        }
    ]
    assert card["overrideReasons"] and card["selectionBehavior"] == "at-most-one"
    assert "nov-proximale" not in card["detail"] and "Proximale femurfracturen" in card["detail"]


def test_order_where_the_rule_cannot_be_decided_gets_no_rating_but_the_questions(orders_client):
    out = orders_client.post(
        "/cds-services/keuzewijs-order-sign", json=sign([rq.HIP_NECK, DISPLACED], [rq.EGFR_70])
    ).json()
    assert "systemActions" not in out
    [card] = out["cards"]
    assert (
        card["indicator"] == "info"
        and card["extension"]["nl.keuzewijs.order"] == "ServiceRequest/sr-1"
    )
    assert "dementie" in card["detail"]


def test_order_with_a_rule_for_it_is_appropriate_and_silent(orders_client):
    """Undisplaced femoral neck fracture: the pack recommends fixation with screws."""
    undisplaced = rq.condition("und-1", LOCAL, "undisplaced", "Undisplaced")
    out = orders_client.post(
        "/cds-services/keuzewijs-order-sign", json=sign([rq.HIP_NECK, undisplaced], [rq.EGFR_70])
    ).json()
    assert out["cards"] == []
    assert [rating(a) for a in out["systemActions"]] == ["appropriate"]


def test_missing_data_for_a_rule_against_is_asked_not_assumed(orders_client):
    """Displaced, 70 years, good kidneys, ASA class unknown: 'against screws' is undecided."""
    body = sign([rq.HIP_NECK, DISPLACED], [rq.EGFR_70, immobile(False)])
    body["prefetch"]["patient"]["birthDate"] = "1956-01-01"
    out = orders_client.post("/cds-services/keuzewijs-order-sign", json=body).json()
    assert "systemActions" not in out
    assert "ASA" in out["cards"][0]["detail"]


def test_order_for_a_patient_without_the_condition_has_no_criteria(orders_client):
    out = orders_client.post("/cds-services/keuzewijs-order-sign", json=sign([], [])).json()
    assert out["cards"] == [] and [rating(a) for a in out["systemActions"]] == ["no-criteria-apply"]


def test_order_select_rates_only_the_selected_orders(orders_client):
    body = rq.request(
        "order-select",
        rq.prefetch(rq.patient(), [rq.HIP_NECK, DISPLACED], [rq.EGFR_70, immobile(False)]),
        selections=["ServiceRequest/other"],
        draftOrders=rq.bundle(SCREWS),
    )
    assert orders_client.post("/cds-services/keuzewijs-order-select", json=body).json() == {
        "cards": []
    }
    body["context"]["selections"] = ["ServiceRequest/sr-1"]
    out = orders_client.post("/cds-services/keuzewijs-order-select", json=body).json()
    assert [rating(a) for a in out["systemActions"]] == ["not-appropriate"]


def test_override_feedback_must_use_a_reason_the_card_offered(orders_client):
    card = orders_client.post(
        "/cds-services/keuzewijs-order-sign",
        json=sign([rq.HIP_NECK, DISPLACED], [rq.EGFR_70, immobile(False)]),
    ).json()["cards"][0]
    offered = card["overrideReasons"][0]

    def fb(reason):
        return {
            "feedback": [
                {
                    "card": card["uuid"],
                    "outcome": "overridden",
                    "overrideReason": {"reason": reason, "userComment": "seen"},
                    "outcomeTimestamp": "2026-11-22T10:05:00+01:00",
                }
            ]
        }

    bad = orders_client.post(
        "/cds-services/keuzewijs-order-sign/feedback",
        json=fb({"code": "made-up", "system": offered["system"]}),
    )
    assert (
        bad.status_code == 400
        and bad.json()["errors"][0]["path"] == "feedback[0].overrideReason.reason.code"
    )
    good = orders_client.post("/cds-services/keuzewijs-order-sign/feedback", json=fb(offered))
    assert good.status_code == 200
    row = orders_client.feedback.rows[-1]
    assert (row.outcome, row.override_reason_code, row.rule, row.order_ref) == (
        "overridden",
        offered["code"],
        "displaced-neck-against-screws",
        "ServiceRequest/sr-1",
    )
    assert offered["code"] in row.offered_reasons


def test_an_inform_rule_adds_an_info_card_to_an_appropriate_order(orders_client):
    """Healthy 70-year-old, ASA 2, displaced: fixation may be considered (a rule listed under
    `inform`)."""
    asa = rq.observation("asa", LOCAL, "asa", "ASA", valueInteger=2)
    body = sign([rq.HIP_NECK, DISPLACED], [rq.EGFR_70, immobile(False), asa])
    body["prefetch"]["patient"]["birthDate"] = "1956-01-01"
    out = orders_client.post("/cds-services/keuzewijs-order-sign", json=body).json()
    assert [c["extension"]["nl.keuzewijs.rule"] for c in out["cards"]] == [
        "displaced-neck-fixation-possible-screws"
    ]
    assert out["cards"][0]["indicator"] == "info" and "suggestions" not in out["cards"][0]
