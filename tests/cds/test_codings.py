"""The 13 real-world codings of issue 20 that got no card, each in a real-shaped record
(fixtures/README.md says where each record's shape and code came from), and the red flags and
operations of issue 18 item 4 read from codes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from . import requests as rq
from .test_orders_lumbar import rating
from .test_real_artefacts import SYNTHEA, load, synthea_patient_view

FIXTURES = Path(__file__).parent / "fixtures"
PV = "/cds-services/keuzewijs-patient-view"
SELECT = "/cds-services/keuzewijs-order-select"
SIGN = "/cds-services/keuzewijs-order-sign"
DISCHARGE = "/cds-services/keuzewijs-encounter-discharge"
CPT = "http://www.ama-assn.org/go/cpt"
ICPC_URI = "http://hl7.org/fhir/sid/icpc-1-nl"
ICPC_OID = "urn:oid:2.16.840.1.113883.2.4.4.31.1"
CM = "http://hl7.org/fhir/sid/icd-10-cm"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
DHD = "urn:oid:2.16.840.1.113883.2.4.3.120.5.1"  # DHD Diagnosethesaurus concept ids


def recoded(bundle: dict[str, Any], system: str, code: str, display: str) -> dict[str, Any]:
    """The record with its (one diagnosis) Condition coded otherwise, everything else as is."""
    out = copy.deepcopy(bundle)
    for e in out["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] not in ("15777000",):
            r["code"] = {"coding": [{"system": system, "code": code, "display": display}]}
    return out


def card_for(client, bundle: dict[str, Any]) -> list[str]:
    """The pack each decision-aid card links to."""
    cards = client.post(PV, json=synthea_patient_view(bundle)).json()["cards"]
    return [c["source"]["url"].rsplit("/", 1)[1] for c in cards if c["indicator"] == "info"]


SNOMED_HIP_CHILDREN = [
    ("359820003", "Closed fracture of neck of femur"),
    ("263229001", "Subtrochanteric fracture of femur"),
]


@pytest.mark.hazard("H-014")
@pytest.mark.parametrize(("code", "display"), SNOMED_HIP_CHILDREN)
def test_snomed_children_of_closed_fracture_of_hip_give_the_hip_card(client, code, display):
    record = recoded(load(SYNTHEA), rq.SNOMED, code, display)
    assert card_for(client, record) == ["hip-fracture"]


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("128196005", "Lumbar radiculopathy"),
        ("202735001", "Lumbar disc prolapse with radiculopathy"),
    ],
)
def test_snomed_lumbar_radiculopathy_and_disc_displacement_give_the_lumbar_card(
    client, code, display
):
    record = recoded(load(SYNTHEA), rq.SNOMED, code, display)
    assert card_for(client, record) == ["lumbar-disc-herniation"]


@pytest.mark.parametrize("code", ["429513001", "275335003"])
def test_snomed_achilles_rupture_gives_the_achilles_card(client, code):
    record = recoded(load("nl-hospital-problem-snomed-achilles.json"), rq.SNOMED, code, "x")
    assert card_for(client, record) == ["achilles-tendon-rupture"]


def test_the_dutch_hospital_record_as_published_gives_the_achilles_card(client):
    assert card_for(client, load("nl-hospital-problem-snomed-achilles.json")) == [
        "achilles-tendon-rupture"
    ]


# DHD Diagnosethesaurus concept ids (public source: fixtures/README.md, code-systems.yaml)
@pytest.mark.parametrize(
    ("fixture", "code", "display", "card"),
    [
        (
            "nl-hospital-problem-snomed-achilles.json",
            "0000038222",
            "ruptuur van achillespees",
            "achilles-tendon-rupture",
        ),
        (
            "nl-gp-problem-icpc-l86.json",
            "0000013599",
            "lumbosacraal radiculair syndroom",
            "lumbar-disc-herniation",
        ),
        (SYNTHEA, "0000050425", "mediale collumfractuur", "hip-fracture"),
        (SYNTHEA, "0000050509", "pertrochantaire femurfractuur", "hip-fracture"),
    ],
)
def test_a_dhd_diagnosethesaurus_code_gives_the_card(client, fixture, code, display, card):
    record = recoded(load(fixture), DHD, code, display)
    assert card_for(client, record) == [card]


def test_a_dhd_code_for_another_diagnosis_gives_no_card(client):
    # 0000008648 tendinitis van achillespees: an Achilles code, but not a rupture
    record = recoded(load("nl-hospital-problem-snomed-achilles.json"), DHD, "0000008648", "x")
    assert card_for(client, record) == []


@pytest.mark.parametrize("system", [ICPC_OID, ICPC_URI])
def test_icpc_1_nl_l86_gives_the_lumbar_card_in_oid_and_uri_form(client, system):
    record = recoded(load("nl-gp-problem-icpc-l86.json"), system, "L86", "LRS")
    assert card_for(client, record) == ["lumbar-disc-herniation"]


@pytest.mark.parametrize("code", ["M54.16", "M5416", "M54.17", "m54.17"])
def test_icd10cm_lumbar_radiculopathy_dotted_or_not_gives_the_lumbar_card(client, code):
    record = recoded(load("us-core-problem-icd10cm-m5416.json"), CM, code, "Radiculopathy")
    assert card_for(client, record) == ["lumbar-disc-herniation"]


@pytest.mark.hazard("H-014")
def test_icd10cm_thoracic_radiculopathy_gives_no_lumbar_card(client):
    """M54.14 is the thoracic region: the value set lists the lumbar codes only."""
    record = recoded(load("us-core-problem-icd10cm-m5416.json"), CM, "M54.14", "Thoracic")
    assert card_for(client, record) == []


@pytest.mark.parametrize("code", ["72148", "72158"])
def test_cpt_lumbar_mri_orders_are_rated(client, code):
    order = rq.service_request("mri-1", CPT, code, "MRI lumbar spine")
    body = rq.lumbar_order(
        "order-select",
        order,
        [rq.sciatica("2026-11-01")],
        rq.no_alarm(previous_disc_surgery=False),
    )
    assert rating(client.post(SELECT, json=body).json()) == ["not-appropriate"]


# ---------------------------------------------------------------- issue 18 item 4: red flags
def _lumbar_mri_sign(*conditions: dict[str, Any]) -> dict[str, Any]:
    """An MRI order at signing for 3 weeks of sciatica, the alarm questions not coded as
    findings: only the coded conditions can say there is a red flag."""
    return rq.lumbar_order("order-sign", rq.MRI, [rq.sciatica("2026-11-01"), *conditions], [])


RED_FLAGS = [
    (rq.SNOMED, "192970008", "Cauda equina syndrome"),
    (rq.ICD10, "G83.4", "Cauda equina syndrome"),
    (rq.SNOMED, "267064002", "Retention of urine"),
    (CM, "R33.9", "Retention of urine, unspecified"),
    (rq.SNOMED, "249945007", "Monoparesis of lower limb"),
    (rq.ICD10, "G83.1", "Monoplegia of lower limb"),
]


@pytest.mark.hazard("H-016")
@pytest.mark.parametrize(("system", "code", "display"), RED_FLAGS)
def test_hazard_coded_red_flag_gives_a_critical_card_and_no_warning_against_the_mri(
    client, system, code, display
):
    flag = rq.condition("rf-1", system, code, display, onset="2026-11-21T08:00:00Z")
    out = client.post(SIGN, json=_lumbar_mri_sign(flag)).json()
    assert rating(out) == ["appropriate"]
    assert [c["indicator"] for c in out["cards"]] == []  # no 'remove the MRI' warning
    pv = rq.request(
        "patient-view", rq.prefetch(rq.patient("1981-05-10"), [rq.sciatica("2026-11-01"), flag])
    )
    cards = client.post(PV, json=pv).json()["cards"]
    assert cards[0]["indicator"] == "critical"


@pytest.mark.hazard("H-016")
def test_hazard_a_resolved_coded_red_flag_is_history_and_the_mri_is_still_asked_about(client):
    flag = rq.condition("rf-1", rq.SNOMED, "192970008", "Cauda equina", status="resolved")
    out = client.post(SIGN, json=_lumbar_mri_sign(flag)).json()
    assert rating(out) != ["appropriate"]


# ---------------------------------------------------------------- operated: every operation
OPERATIONS = [
    (rq.SNOMED, "52734007", "Total replacement of hip"),
    (rq.SNOMED, "386649003", "Partial hip replacement by prosthesis"),
    (
        rq.SNOMED,
        "265132005",
        "Primary open reduction and internal fixation of proximal femoral fracture with "
        "screw/nail and plate device",
    ),
    (PCS, "0QS604Z", "Reposition Right Upper Femur with Internal Fixation Device, Open"),
    (PCS, "0QS736Z", "Reposition Left Upper Femur with Intramedullary Fixation Device, Perc"),
    (PCS, "0SRR0J9", "Replacement of Right Hip Joint, Femoral Surface (hemiarthroplasty)"),
    (PCS, "0SR9019", "Replacement of Right Hip Joint with Metal Synthetic, Cemented"),
    (CPT, "27235", "Percutaneous skeletal fixation of femoral neck fracture"),
    (CPT, "27236", "Open treatment of femoral neck fracture, internal fixation or prosthesis"),
    (CPT, "27244", "Intertrochanteric fracture, plate/screw implant (sliding hip screw)"),
    (CPT, "27245", "Intertrochanteric fracture, intramedullary implant (nail)"),
    (CPT, "27125", "Hemiarthroplasty, hip, partial"),
]


@pytest.mark.hazard("H-017")
@pytest.mark.parametrize(("system", "code", "display"), OPERATIONS)
def test_hazard_discharge_after_every_hip_fracture_operation_gives_the_alarm_sign_card(
    client, system, code, display
):
    op = rq.procedure("op-1", system, code, display, performed="2026-11-18T09:00:00Z")
    body = rq.request(
        "encounter-discharge",
        rq.prefetch(rq.patient(), [rq.HIP_NECK], [rq.EGFR_70], [op]),
        encounterId="enc-1",
    )
    cards = client.post(DISCHARGE, json=body).json()["cards"]
    assert [c["indicator"] for c in cards] == ["info"], (code, cards)


@pytest.mark.hazard("H-017")
def test_an_operation_on_another_joint_is_not_read_as_operated(client):
    knee = rq.procedure("op-1", CPT, "27447", "Total knee arthroplasty", "2026-11-18T09:00:00Z")
    body = rq.request(
        "encounter-discharge",
        rq.prefetch(rq.patient(), [rq.HIP_NECK], [rq.EGFR_70], [knee]),
        encounterId="enc-1",
    )
    assert client.post(DISCHARGE, json=body).json()["cards"] == []


# ---------------------------------------------------------------- unrecognised orders
def _unrecognised_count(hook: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value("keuzewijs_cds_unrecognised_orders_total", {"hook": hook})
    return value or 0.0


def test_an_order_no_value_set_knows_gets_no_rating_and_the_response_says_so(client):
    knee = rq.service_request("mri-knee", CPT, "73721", "MRI lower extremity joint")
    body = rq.lumbar_order("order-select", knee, [rq.sciatica("2026-11-01")], rq.no_alarm())
    before = _unrecognised_count("order-select")
    out = client.post(SELECT, json=body).json()
    assert out["cards"] == [] and "systemActions" not in out  # no rating
    assert out["extension"]["nl.keuzewijs.unrecognised-orders"] == [
        {"order": "ServiceRequest/mri-knee", "codes": [f"{CPT}|73721"]}
    ]
    assert _unrecognised_count("order-select") == before + 1  # counted in /metrics


def test_a_known_order_next_to_an_unknown_one_is_rated_and_the_unknown_named(client):
    knee = rq.service_request("mri-knee", CPT, "73721", "MRI lower extremity joint")
    body = rq.lumbar_order(
        "order-sign", rq.MRI, [rq.sciatica("2026-11-01")], rq.no_alarm(previous_disc_surgery=False)
    )
    body["context"]["draftOrders"]["entry"].append({"resource": knee})
    out = client.post(SIGN, json=body).json()
    assert rating(out) == ["not-appropriate"]
    assert [u["order"] for u in out["extension"]["nl.keuzewijs.unrecognised-orders"]] == [
        "ServiceRequest/mri-knee"
    ]


def test_a_discectomy_at_order_select_is_known_just_not_rated_there(client):
    body = rq.lumbar_order("order-select", rq.DISCECTOMY, [rq.sciatica("2026-11-01")], [])
    assert client.post(SELECT, json=body).json() == {"cards": []}
