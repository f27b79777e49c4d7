"""Issue 13, D1/D6: any malformed token or hostile body is a 4xx problem, never a 500."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keuzewijs.cds.settings import CdsSettings, TrustedIssuer
from tests.conftest import fuzz_examples

from . import requests as rq
from .conftest import BASE
from .jwt_keys import ISSUER, public_jwk, token

URL = "/cds-services/keuzewijs-patient-view"
AUD = BASE + URL


@pytest.fixture
def secured(client_factory, keys):
    jwks = {
        "keys": [
            public_jwk(keys["RS384"], "rsa-1", "RS384"),
            public_jwk(keys["ES384"], "ec-1", "ES384"),
        ]
    }
    settings = CdsSettings(public_base_url=BASE, issuers=[TrustedIssuer(iss=ISSUER, jwks=jwks)])
    return client_factory(settings=settings)


def b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUD, "exp": now + 60, "iat": now, "jti": "j-" + str(now)}
    return {**base, **overrides}


def call(client, bearer: str):
    return client.post(URL, json=rq.hip_patient_view(), headers={"Authorization": bearer})


def assert_401_problem(response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("header", "kid"),
    [({"alg": "ES384", "kid": "rsa-1"}, "rsa-1"), ({"alg": "RS384", "kid": "ec-1"}, "ec-1")],
)
def test_unsigned_token_whose_alg_does_not_fit_the_kid_is_401(secured, header, kid):
    forged = b64(header) + "." + b64(claims()) + "." + b64({"sig": 1})
    assert_401_problem(call(secured, "Bearer " + forged))


@pytest.mark.parametrize(
    "bearer",
    [
        "Bearer ",
        "Bearer a.b.c",
        "Bearer " + b64([1, 2]) + "." + b64({}) + ".x",
        "Bearer " + b64({"alg": "ES384", "kid": {"a": 1}}) + "." + b64(claims()) + ".x",
        "Bearer " + b64({"alg": "ES384", "kid": "ec-1"}) + "." + b64([1]) + ".x",
        "Bearer " + b64({"alg": "ES384", "kid": "ec-1"}) + ".%%%." + "x",
        "Bearer " + "a" * 20_000,
        "Bearer " + b64({"alg": "none"}) + "." + b64(claims()) + ".",
    ],
    ids=["empty", "abc", "header-list", "kid-object", "claims-list", "bad-b64", "huge", "none"],
)
def test_malformed_tokens_are_401(secured, bearer):
    assert_401_problem(call(secured, bearer))


@pytest.mark.parametrize(
    "override",
    [
        {"exp": "9999999999"},
        {"exp": str(int(time.time()) + 60)},
        {"iat": "0"},
        {"exp": True},
        {"jti": 12345},
        {"jti": {"a": 1}},
        {"jti": "x" * 500},
        {"exp": 1e308},
    ],
    ids=[
        "exp-far-string",
        "exp-string",
        "iat-string",
        "exp-bool",
        "jti-int",
        "jti-obj",
        "jti-long",
        "exp-huge",
    ],
)
def test_signed_token_with_wrongly_typed_claims_is_401(secured, keys, override):
    signed = token(keys["ES384"], "ec-1", "ES384", AUD, **override)
    assert_401_problem(call(secured, "Bearer " + signed))


@pytest.mark.parametrize(
    "body",
    [
        b'{"hook": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b"[" * 5_000 + b"]" * 5_000,
        b'{"hook": "patient-view", "hookInstance": ' + b"1" * 5000 + b"}",
        b'{"hook": NaN}',
        b"\xff\xfe",
    ],
    ids=["deep-object", "deep-list", "5000-digits", "nan", "not-utf8"],
)
def test_hostile_bodies_are_400(client, body):
    r = client.post(URL, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert len(r.content) < 1000


@settings(
    max_examples=fuzz_examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "jku"]),
        st.one_of(
            st.sampled_from(["RS384", "ES384", "rsa-1", "ec-1", "none"]), st.integers(), st.none()
        ),
    ),
    payload=st.dictionaries(
        st.sampled_from(["iss", "aud", "exp", "iat", "jti", "nbf"]),
        st.one_of(
            st.just(ISSUER),
            st.just(AUD),
            st.integers(),
            st.text(max_size=12),
            st.floats(),
            st.none(),
        ),
    ),
    signature=st.binary(max_size=64),
)
def test_any_forged_token_is_401(secured, header, payload, signature):
    forged = ".".join(
        [b64(header), b64(payload), base64.urlsafe_b64encode(signature).decode().rstrip("=")]
    )
    assert_401_problem(call(secured, "Bearer " + forged))


def test_a_valid_token_still_passes(secured, keys):
    assert call(secured, "Bearer " + token(keys["RS384"], "rsa-1", "RS384", AUD)).status_code == 200


def test_feedback_with_an_impossible_timestamp_is_400(client):
    """Found by schemathesis: the pattern admitted 0000-00-00T00:00Z, and storing it was a 500."""
    body = {
        "feedback": [
            {
                "card": "e3e70682-c209-1cac-a29f-6fbed82c07cd",
                "outcome": "accepted",
                "outcomeTimestamp": "0000-00-00T00:00Z",
            }
        ]
    }
    r = client.post("/cds-services/keuzewijs-encounter-discharge/feedback", json=body)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
