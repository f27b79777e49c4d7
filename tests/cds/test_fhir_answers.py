"""Issue 22 item 5: a FHIR server's answer passes the same byte, depth and string limits as a
request body (412 on violation, never 500), and `fhirServer` is normalised (`..`, encoded
dots, default ports, user info) before the allowlist decides whether the EHR's token is sent."""

from __future__ import annotations

import httpx
import pytest

from keuzewijs.cds.prefetch import allowed_server, normalise_url
from keuzewijs.cds.settings import CdsSettings

from . import requests as rq
from .conftest import BASE, FHIR_SERVER
from .test_fetch_and_http import with_server

PV = "/cds-services/keuzewijs-patient-view"


# ------------------------------------------------------------------ normalisation + allowlist
@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ehr.example.org/fhir/fhir/../../other", False),  # the reported escape
        ("https://ehr.example.org/fhir/..", False),
        ("https://ehr.example.org/fhir/%2e%2e/other", False),
        ("https://ehr.example.org/fhir/%2E%2e/other", False),
        ("https://ehr.example.org/fhir/.%2E/other", False),
        ("https://ehr.example.org/fhir%2f..%2fother", False),  # encoded slash: refused
        ("https://ehr.example.org/fhir/..\\other", False),
        ("https://ehr.example.org@evil.test/fhir", False),  # user info names another host
        ("https://user@ehr.example.org/fhir", False),
        ("https://ehr.example.org/fhir?x=/../other", False),
        ("https://ehr.example.org:99999/fhir", False),
        ("ftp://ehr.example.org/fhir", False),
        ("https://ehr.example.org:443/fhir", True),  # the default port is the same server
        ("HTTPS://EHR.example.ORG/fhir", True),
        ("https://ehr.example.org/fhir/./r4", True),
        ("https://ehr.example.org/fhir/r4/../r4", True),
        ("https://ehr.example.org/fhir/%72%34", True),  # %72%34 is 'r4'
        ("https://ehr.example.org:8443/fhir", False),
    ],
)
def test_fhir_server_is_normalised_before_the_allowlist(url, ok):
    assert allowed_server(url, ["https://ehr.example.org/fhir"]) is ok


def test_allowlist_entries_are_normalised_too():
    assert allowed_server("https://ehr.example.org/fhir", ["https://EHR.example.org:443/fhir/"])
    assert normalise_url("http://h:80/a/./b/../c/") == "http://h/a/c/"
    assert normalise_url("http://[::1]:8080/fhir") == "http://[::1]:8080/fhir"


def client_with(client_factory, handler, **extra):
    settings = CdsSettings(
        require_auth=False,
        public_base_url=BASE,
        fhir_servers_without_auth=[FHIR_SERVER],
        **extra,
    )
    return client_factory(settings=settings, fhir_transport=httpx.MockTransport(handler))


def test_a_path_escaping_the_allowed_base_gets_no_token(client_factory):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=rq.bundle())

    client = client_with(client_factory, handler)
    server = FHIR_SERVER + "/fhir/../../other"
    got = client.post(PV, json=with_server(rq.without_prefetch(rq.hip_patient_view()), server))
    assert got.status_code == 412 and got.json()["errors"][0]["path"] == "fhirServer"
    assert calls == []  # nothing was sent anywhere, so neither was the token


def test_a_next_link_climbing_out_of_the_base_is_refused(client_factory):
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        page = rq.bundle()
        page["link"] = [{"relation": "next", "url": FHIR_SERVER + "/../other/Condition?p=2"}]
        if request.url.path.endswith("Patient/" + request.url.path.rsplit("/", 1)[-1]):
            return httpx.Response(200, json=rq.hip_patient_view()["prefetch"]["patient"])
        return httpx.Response(200, json=page)

    client = client_with(client_factory, handler)
    got = client.post(PV, json=with_server(rq.without_prefetch(rq.hip_patient_view())))
    assert got.status_code == 412 and "outside fhirServer" in got.json()["detail"]
    assert not [c for c in calls if "/other/" in c]


# ------------------------------------------------------------------ answers through the limits
NESTED = b'{"resourceType": "Patient", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
LONG_STRING = b'{"resourceType": "Patient", "x": "' + b'\\"' * 600_000 + b'"}'
DIGITS = b'{"resourceType": "Patient", "x": ' + b"9" * 5_000 + b"}"


@pytest.mark.parametrize(
    ("answer", "needle"),
    [(NESTED, "nested deeper"), (LONG_STRING, "string"), (DIGITS, "digits")],
    ids=["deep", "long-escaped-string", "digits"],
)
def test_a_hostile_fhir_answer_is_412_never_500(client_factory, answer, needle):
    client = client_with(client_factory, lambda request: httpx.Response(200, content=answer))
    got = client.post(PV, json=with_server(rq.without_prefetch(rq.hip_patient_view())))
    assert got.status_code == 412, got.text[:300]
    assert got.json()["errors"][0]["path"] == "fhirServer"
    assert needle in got.json()["detail"]
