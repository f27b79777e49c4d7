"""fhirServer fetches (allowlist per issuer, byte cap, deadline), bounded prefetch templates, CORS,
OpenAPI, and the card checker itself."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from keuzewijs.cds.prefetch import allowed_server
from keuzewijs.cds.settings import CdsSettings, TrustedIssuer

from . import requests as rq
from .card_rules import check_card, check_response
from .conftest import BASE, FHIR_SERVER
from .jwt_keys import ISSUER, ec_key, public_jwk, token

PV = "/cds-services/keuzewijs-patient-view"


def with_server(body: dict, server: str = FHIR_SERVER) -> dict:
    body["fhirServer"] = server
    body["fhirAuthorization"] = {
        "access_token": "opaque-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-service",
    }
    return body


# ---------------------------------------------------------------- allowlist per issuer
@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ehr.example.org/fhir", True),
        ("https://ehr.example.org/fhir/", True),
        ("https://ehr.example.org/fhir/r4", True),
        ("https://EHR.example.org/fhir", True),
        ("https://ehr.example.org/fhirx", False),
        ("http://ehr.example.org/fhir", False),
        ("https://ehr.example.org.evil.test/fhir", False),
        ("https://ehr.example.org:8443/fhir", False),
        ("https://other.example.org/fhir", False),
    ],
)
def test_allowlist_matches_base_urls_at_segment_boundaries(url, ok):
    assert allowed_server(url, ["https://ehr.example.org/fhir"]) is ok


@pytest.fixture
def keyed():
    return ec_key()


def secured(client_factory, keyed, fhir_calls, fhir_servers):
    jwks = {"keys": [public_jwk(keyed, "ec-1", "ES384")]}
    settings = CdsSettings(
        public_base_url=BASE,
        issuers=[TrustedIssuer(iss=ISSUER, jwks=jwks, fhir_servers=fhir_servers)],
    )
    full = rq.hip_patient_view()["prefetch"]

    def handler(request: httpx.Request) -> httpx.Response:
        fhir_calls.append(request)
        kind = request.url.path.split("/")[2]
        key = {"Patient": "patient", "Condition": "conditions", "Observation": "observations"}
        return httpx.Response(200, json=full.get(key.get(kind, ""), rq.bundle()))

    return client_factory(settings=settings, fhir_transport=httpx.MockTransport(handler))


def test_a_trusted_ehr_may_only_have_its_own_fhir_servers_read(client_factory, keyed):
    calls: list[httpx.Request] = []
    client = secured(client_factory, keyed, calls, ["https://ehr.example.org/fhir"])
    auth = {"Authorization": "Bearer " + token(keyed, "ec-1", "ES384", BASE + PV)}
    body = with_server(rq.without_prefetch(rq.hip_patient_view()))
    assert client.post(PV, json=body, headers=auth).status_code == 200
    assert calls and all(c.url.host == "ehr.example.org" for c in calls)
    assert all(c.headers["authorization"] == "Bearer opaque-token" for c in calls)

    calls.clear()
    auth = {"Authorization": "Bearer " + token(keyed, "ec-1", "ES384", BASE + PV)}
    body = with_server(rq.without_prefetch(rq.hip_patient_view()), "https://attacker.test/fhir")
    got = client.post(PV, json=body, headers=auth)
    assert got.status_code == 412 and got.json()["errors"][0]["path"] == "fhirServer"
    assert calls == []  # the EHR's token never left for a server not on its list


def test_without_an_allowlist_nothing_is_fetched(client_factory, keyed):
    calls: list[httpx.Request] = []
    client = secured(client_factory, keyed, calls, [])
    auth = {"Authorization": "Bearer " + token(keyed, "ec-1", "ES384", BASE + PV)}
    body = with_server(rq.without_prefetch(rq.hip_patient_view()))
    assert client.post(PV, json=body, headers=auth).status_code == 412
    assert calls == []


# ---------------------------------------------------------------- size and time caps
def test_an_answer_over_the_byte_cap_is_412_and_reading_stops(client_factory):
    sent = {"bytes": 0}

    async def stream():
        chunk = b" " * 65_536
        for _ in range(1000):  # 64 MB if read to the end
            sent["bytes"] += len(chunk)
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream())

    settings = CdsSettings(
        require_auth=False,
        public_base_url=BASE,
        fhir_servers_without_auth=[FHIR_SERVER],
        fhir_max_response_bytes=200_000,
    )
    client = client_factory(settings=settings, fhir_transport=httpx.MockTransport(handler))
    got = client.post(PV, json=with_server(rq.without_prefetch(rq.hip_patient_view())))
    assert got.status_code == 412 and "exceeds 200000 bytes" in got.json()["detail"]
    assert sent["bytes"] < 4_000_000  # stopped soon after the cap, not after 64 MB


def test_a_slow_server_is_cut_off_at_the_deadline(client_factory):
    import asyncio

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    settings = CdsSettings(
        require_auth=False,
        public_base_url=BASE,
        fhir_servers_without_auth=[FHIR_SERVER],
        fhir_timeout_seconds=0.2,
    )
    client = client_factory(settings=settings, fhir_transport=httpx.MockTransport(handler))
    got = client.post(PV, json=with_server(rq.without_prefetch(rq.hip_patient_view())))
    assert got.status_code == 412 and got.json()["errors"][0]["path"] == "fhirServer"


# ---------------------------------------------------------------- bounded prefetch
def test_a_record_with_6000_observations_stays_within_the_limits(client_factory):
    """A FHIR server holding 6,000 observations (the issue's 413 case) answers the service's
    code-filtered, sorted, counted search with what the mapping reads."""
    other = [
        rq.observation(f"o{i}", rq.LOINC, "8867-4", "Heart rate", valueQuantity={"value": 70})
        for i in range(6000)
    ]
    record = [*other, rq.EGFR_70]
    queries: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(request.url)).query)
        kind = request.url.path.split("/")[2]
        if kind == "Observation":
            queries.append(query)
            wanted = {c.split("|", 1)[1] for c in query["code"][0].split(",")}
            hits = [o for o in record if o["code"]["coding"][0]["code"] in wanted]
            return httpx.Response(200, json=rq.bundle(*hits[: int(query["_count"][0])]))
        full = rq.hip_patient_view()["prefetch"]
        return httpx.Response(
            200, json=full["patient"] if kind == "Patient" else full["conditions"]
        )

    client = client_factory(fhir_transport=httpx.MockTransport(handler))
    body = with_server(rq.without_prefetch(rq.hip_patient_view()))
    response = client.post(PV, json=body)
    assert response.status_code == 200
    from keuzewijs.profile_link import read_profile_token

    link = response.json()["cards"][0]["links"][0]["url"]
    assert read_profile_token(link.split("profile=")[1])["egfr"] == 70
    (q,) = queries
    assert q["_sort"] == ["-date"] and q["_count"] == ["100"]
    assert "http://loinc.org|62238-1" in q["code"][0] and "8867-4" not in q["code"][0]


def test_discovery_prefetch_templates_filter_on_codes(client):
    services = client.get("/cds-services").json()["services"]
    templates = services[0]["prefetch"]
    assert "&code=" in templates["observations"]
    assert "http://loinc.org%7C62238-1" in templates["observations"]
    assert "_count=" in templates["observations"] and "_sort=-date" in templates["observations"]
    assert "clinical-status=active" in templates["conditions"]
    assert "{codes:" not in str(templates)


# ---------------------------------------------------------------- CORS and OpenAPI
def test_cors_is_off_by_default_and_configurable(client_factory):
    origin = "https://sandbox.cds-hooks.org"
    plain = client_factory()
    assert (
        "access-control-allow-origin"
        not in plain.get("/cds-services", headers={"Origin": origin}).headers
    )
    settings = CdsSettings(require_auth=False, public_base_url=BASE, cors_origins=[origin])
    client = client_factory(settings=settings)
    preflight = client.request(
        "OPTIONS",
        PV,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = client.post(PV, json=rq.hip_patient_view(), headers={"Origin": origin})
    assert answer.headers["access-control-allow-origin"] == origin
    other = client.post(PV, json=rq.hip_patient_view(), headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in other.headers


def test_openapi_documents_the_hook_answers_and_bearer_security(library):
    from keuzewijs.cds import CdsService

    app = FastAPI()
    app.include_router(CdsService(CdsSettings(public_base_url=BASE), library=library).router)
    spec = app.openapi()
    post = spec["paths"]["/cds-services/{service_id}"]["post"]
    assert {"200", "400", "401", "412", "413"} <= set(post["responses"])
    assert "application/problem+json" in post["responses"]["412"]["content"]
    # never returned (bad input is a 400 problem naming the field), so never documented
    assert "422" not in post["responses"]
    feedback = spec["paths"]["/cds-services/{service_id}/feedback"]["post"]
    assert "422" not in feedback["responses"]
    assert [p["name"] for p in post["parameters"]] == ["service_id"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    assert post["security"]


# ---------------------------------------------------------------- the card checker can fail
GOOD = {
    "uuid": "u",
    "summary": "s",
    "indicator": "info",
    "source": {"label": "keuzewijs"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"summary": "x" * 140}, "<140"),
        ({"indicator": "urgent"}, "indicator"),
        ({"source": {"url": "https://x.org"}}, "source.label"),
        ({"extension": {"keuzewijs-rule": "r"}}, "not namespaced"),
        ({"suggestions": [{"label": "l", "actions": []}]}, "selectionBehavior"),
        (
            {
                "selectionBehavior": "at-most-one",
                "suggestions": [
                    {
                        "label": "l",
                        "actions": [
                            {
                                "type": "delete",
                                "description": "d",
                                "resourceId": ["ServiceRequest/1"],
                            }
                        ],
                    }
                ],
            },
            "resourceId: a string",
        ),
        ({"links": [{"label": "l", "url": "/relative", "type": "absolute"}]}, "absolute URL"),
        ({"overrideReasons": [{"code": "c", "system": "s"}]}, "display"),
        ({"colour": "red"}, "not a Card attribute"),
    ],
)
def test_the_card_checker_catches_each_rule(change, message):
    assert check_card(GOOD) == []
    broken = check_card({**GOOD, **change})
    assert any(message in b for b in broken), broken


def test_the_checker_reads_system_actions_without_description():
    ok = {"cards": [], "systemActions": [{"type": "update", "resource": {"resourceType": "X"}}]}
    assert check_response(ok) == []
    assert check_response({"cards": {}}) != []
