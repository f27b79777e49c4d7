"""The hook endpoint trusts only JWTs of configured EHRs (CDS Hooks 2.0 'Trusting CDS Clients')."""

from __future__ import annotations

import time

import httpx
import pytest

from keuzewijs.cds.settings import CdsSettings, TrustedIssuer

from . import requests as rq
from .conftest import BASE
from .jwt_keys import ISSUER, public_jwk, rsa_key, token

URL = "/cds-services/keuzewijs-patient-view"
AUD = BASE + URL


@pytest.fixture
def jwks_calls():
    return []


@pytest.fixture
def secured(client_factory, keys, jwks_calls):
    """JWKS served by the EHR at a URL (a local fixture transport), as the spec describes."""
    jwks = {
        "keys": [
            public_jwk(keys["RS384"], "rsa-1", "RS384"),
            public_jwk(keys["ES384"], "ec-1", "ES384"),
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        jwks_calls.append(request)
        assert str(request.url) == "https://ehr.example.org/.well-known/jwks.json"
        return httpx.Response(200, json=jwks)

    settings = CdsSettings(
        public_base_url=BASE,
        issuers=[
            TrustedIssuer(iss=ISSUER, jwks_url="https://ehr.example.org/.well-known/jwks.json")
        ],
    )
    return client_factory(settings=settings, jwks_transport=httpx.MockTransport(handler))


def call(client, bearer: str | None, url: str = URL):
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return client.post(url, json=rq.hip_patient_view(), headers=headers)


def assert_401_without_patient_data(response):
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" in response.headers
    text = response.text
    for leak in ("cards", rq.PATIENT, "hip", "heup", "profile"):
        assert leak not in text


@pytest.mark.parametrize(("alg", "kid"), [("RS384", "rsa-1"), ("ES384", "ec-1")])
def test_valid_token_is_accepted_and_keys_are_cached(secured, keys, jwks_calls, alg, kid):
    for _ in range(2):
        response = call(secured, token(keys[alg], kid, alg, AUD))
        assert response.status_code == 200
        assert response.json()["cards"]
    assert len(jwks_calls) == 1


def test_no_token_is_401(secured):
    assert_401_without_patient_data(call(secured, None))


def test_tampered_token_is_401(secured, keys):
    good = token(keys["RS384"], "rsa-1", "RS384", AUD)
    head, body, sig = good.split(".")
    tampered = ".".join((head, body, ("A" if sig[0] != "A" else "B") + sig[1:]))
    assert_401_without_patient_data(call(secured, tampered))


def test_token_signed_by_another_key_is_401(secured):
    assert_401_without_patient_data(call(secured, token(rsa_key(), "rsa-1", "RS384", AUD)))


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://evil.example.org"},
        {"aud": "https://other-service.example.org/cds-services/x"},
        {"exp": int(time.time()) - 120},
        {"exp": int(time.time()) + 3600},  # longer than the 5 minutes the spec asks for
        {"jti": None},
        {"iat": None},
    ],
)
def test_wrong_claims_are_401(secured, keys, claims):
    assert_401_without_patient_data(
        call(secured, token(keys["ES384"], "ec-1", "ES384", AUD, **claims))
    )


def test_replayed_jti_is_401(secured, keys):
    once = token(keys["ES384"], "ec-1", "ES384", AUD)
    assert call(secured, once).status_code == 200
    assert_401_without_patient_data(call(secured, once))


def test_weak_or_symmetric_algorithm_is_401(secured):
    import jwt as pyjwt

    hs = pyjwt.encode(
        {
            "iss": ISSUER,
            "aud": AUD,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": "x",
        },
        "secret" * 6,
        algorithm="HS256",
        headers={"kid": "rsa-1"},
    )
    assert_401_without_patient_data(call(secured, hs))


def test_audience_is_the_service_url(secured, keys):
    """A token for patient-view does not open order-sign."""
    other = BASE + "/cds-services/keuzewijs-order-sign"
    response = secured.post(
        other,
        json=rq.hip_patient_view(),
        headers={"Authorization": "Bearer " + token(keys["RS384"], "rsa-1", "RS384", AUD)},
    )
    assert_401_without_patient_data(response)


def test_static_jwks_is_accepted(client_factory, keys):
    jwks = {"keys": [public_jwk(keys["ES384"], "ec-1", "ES384")]}
    client = client_factory(
        settings=CdsSettings(public_base_url=BASE, issuers=[TrustedIssuer(iss=ISSUER, jwks=jwks)])
    )
    assert call(client, token(keys["ES384"], "ec-1", "ES384", AUD)).status_code == 200


def test_discovery_needs_no_token(secured):
    assert secured.get("/cds-services").status_code == 200


def test_the_bearer_scheme_is_case_insensitive(secured, keys):
    """RFC 7235: 'bearer' and 'BEARER' are the same scheme as 'Bearer'."""
    for scheme in ("bearer", "BEARER"):
        response = secured.post(
            URL,
            json=rq.hip_patient_view(),
            headers={"Authorization": f"{scheme} " + token(keys["RS384"], "rsa-1", "RS384", AUD)},
        )
        assert response.status_code == 200, (scheme, response.text)


@pytest.fixture
def one_key(client_factory, keys):
    """An EHR whose JWK set holds a single key."""
    jwks = {"keys": [public_jwk(keys["RS384"], "rsa-1", "RS384")]}
    settings = CdsSettings(
        public_base_url=BASE,
        issuers=[TrustedIssuer(iss=ISSUER, jwks_url="https://ehr.example.org/jwks")],
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=jwks))
    return client_factory(settings=settings, jwks_transport=transport)


@pytest.mark.hazard("H-021")
def test_hazard_a_signed_token_without_kid_is_refused_even_with_one_key(one_key, keys):
    """CDS Hooks requires `kid`; a token that names no key is not matched to 'the only one'."""
    import jwt

    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "c", "aud": AUD, "exp": now + 300, "iat": now, "jti": "j-1"}
    no_kid = jwt.encode(claims, keys["RS384"], algorithm="RS384", headers={"typ": "JWT"})
    response = one_key.post(
        URL, json=rq.hip_patient_view(), headers={"Authorization": f"Bearer {no_kid}"}
    )
    assert_401_without_patient_data(response)
    ok = token(keys["RS384"], "rsa-1", "RS384", AUD)
    assert call(one_key, ok).status_code == 200
