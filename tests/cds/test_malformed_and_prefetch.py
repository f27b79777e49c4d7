"""Malformed hook requests get 400 problem+json naming the field; data that cannot be had gets
412."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from keuzewijs.cds.settings import CdsSettings

from . import requests as rq
from .conftest import BASE

URL = "/cds-services/keuzewijs-patient-view"


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hookInstance="not-a-uuid"), "hookInstance"),
        (lambda b: b.update(hook="order-sign"), "hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (lambda b: b.update(fhirServer="ftp://ehr"), "fhirServer"),
        (
            lambda b: b["prefetch"]["patient"].update(birthDate="1942-13-45"),
            "prefetch.patient.birthDate",
        ),
        (
            lambda b: b["prefetch"]["conditions"]["entry"][0]["resource"].update(
                onsetDateTime="yesterday"
            ),
            "prefetch.conditions.entry[0].resource.onsetDateTime",
        ),
        (lambda b: b["prefetch"].update(patient={"id": "x"}), "prefetch.patient"),
    ],
)
def test_invalid_request_is_400_naming_the_field(client, mutate, path):
    body = rq.hip_patient_view()
    mutate(body)
    got = problem(client.post(URL, json=body), 400)
    assert got["errors"][0]["path"] == path
    assert got["status"] == 400 and got["detail"]


def test_body_that_is_not_json_is_400(client):
    got = problem(
        client.post(URL, content=b"{not json", headers={"content-type": "application/json"}), 400
    )
    assert got["errors"][0]["path"] == "body"


def test_order_select_needs_its_selections(client):
    body = rq.request("order-select", rq.prefetch(rq.patient()), draftOrders=rq.bundle())
    got = problem(client.post("/cds-services/keuzewijs-order-select", json=body), 400)
    assert got["errors"][0]["path"] == "context.selections"


def test_unknown_service_is_404(client):
    problem(client.post("/cds-services/nope", json=rq.hip_patient_view()), 404)


def test_missing_prefetch_without_fhir_server_is_412(client):
    body = rq.without_prefetch(rq.hip_patient_view())
    got = problem(client.post(URL, json=body), 412)
    assert got["errors"][0]["path"].startswith("prefetch.")


def _fhir_server(calls: list[httpx.Request], *, status: int = 200, delay: float = 0.0):
    full = rq.hip_patient_view()["prefetch"]

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if delay:
            await asyncio.sleep(delay)
        if status != 200:
            return httpx.Response(status)
        path = request.url.path
        key = {
            "/fhir/Patient/1288992": "patient",
            "/fhir/Condition": "conditions",
            "/fhir/Observation": "observations",
            "/fhir/Procedure": "procedures",
        }[path]
        return httpx.Response(200, json=full[key])

    return httpx.MockTransport(handler)


def _with_server(body: dict) -> dict:
    body["fhirServer"] = "https://ehr.example.org/fhir"
    body["fhirAuthorization"] = {
        "access_token": "some-opaque-fhir-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-service",
    }
    return body


def test_missing_prefetch_is_fetched_from_the_fhir_server_with_its_token(client_factory):
    calls: list[httpx.Request] = []
    client = client_factory(fhir_transport=_fhir_server(calls))
    body = rq.hip_patient_view()
    del body["prefetch"]["conditions"], body["prefetch"]["observations"]
    response = client.post(URL, json=_with_server(body))
    assert response.status_code == 200
    assert [c["indicator"] for c in response.json()["cards"]] == ["info"]
    urls = sorted(str(c.url) for c in calls)
    assert [u.split("?")[0] for u in urls] == [
        "https://ehr.example.org/fhir/Condition",
        "https://ehr.example.org/fhir/Observation",
    ]
    # bounded searches: current conditions, only the observation codes the mapping reads
    assert "clinical-status=active" in urls[0] and "_count=100" in urls[0]
    assert "http://loinc.org%7C62238-1" in urls[1] and "_sort=-date" in urls[1]
    assert all(c.headers["authorization"] == "Bearer some-opaque-fhir-access-token" for c in calls)


@pytest.mark.parametrize("status", [401, 500, 503])
def test_fhir_server_error_is_412_never_a_guessed_card(client_factory, status):
    client = client_factory(fhir_transport=_fhir_server([], status=status))
    got = problem(
        client.post(URL, json=_with_server(rq.without_prefetch(rq.hip_patient_view()))), 412
    )
    assert "cards" not in got


def test_fhir_server_timeout_is_412(library, client_factory):
    settings = CdsSettings(require_auth=False, public_base_url=BASE, fhir_timeout_seconds=0.2)
    client = client_factory(settings=settings, fhir_transport=_fhir_server([], delay=5))
    got = problem(
        client.post(URL, json=_with_server(rq.without_prefetch(rq.hip_patient_view()))), 412
    )
    assert got["errors"][0]["path"] == "fhirServer"


def test_null_prefetch_means_no_data_not_missing(client):
    body = rq.hip_patient_view()
    body["prefetch"]["observations"] = None
    response = client.post(URL, json=body)
    assert response.status_code == 200
    token = response.json()["cards"][0]["links"][0]["url"].split("profile=")[1]
    import base64
    import json

    assert "egfr" not in json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_invalid_data_from_the_fhir_server_is_412_not_400(client_factory):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"resourceType": "Patient", "id": rq.PATIENT, "birthDate": "not-a-date"}
        )

    client = client_factory(fhir_transport=httpx.MockTransport(handler))
    body = rq.hip_patient_view()
    del body["prefetch"]["patient"]
    got = problem(client.post(URL, json=_with_server(body)), 412)
    assert got["errors"][0]["path"] == "prefetch.patient.birthDate"


def test_a_search_page_link_to_another_host_is_not_followed(client_factory):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            200,
            json={
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [],
                "link": [{"relation": "next", "url": "https://elsewhere.example.com/steal"}],
            },
        )

    client = client_factory(fhir_transport=httpx.MockTransport(handler))
    body = rq.hip_patient_view()
    del body["prefetch"]["conditions"]
    problem(client.post(URL, json=_with_server(body)), 412)
    assert all(c.url.host == "ehr.example.org" for c in calls)


def test_hazard_fhir_server_is_not_read_without_fhir_authorization(client_factory):
    """CDS Hooks 2.0: fhirServer without fhirAuthorization is no permission to read it."""
    calls: list[httpx.Request] = []
    client = client_factory(fhir_transport=_fhir_server(calls))
    body = _with_server(rq.without_prefetch(rq.hip_patient_view()))
    del body["fhirAuthorization"]
    got = problem(client.post(URL, json=body), 412)
    assert "fhirAuthorization" in got["detail"] + str(got.get("path", ""))
    assert calls == []  # not one request went out


def test_hazard_a_context_patient_the_fhir_server_does_not_know_is_412(client_factory):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/fhir/Patient/"):
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    client = client_factory(fhir_transport=httpx.MockTransport(handler))
    got = problem(
        client.post(URL, json=_with_server(rq.without_prefetch(rq.hip_patient_view()))), 412
    )
    assert "does not know this patient" in got["detail"]
