"""Keys and tokens for the JWT tests: generated per run (cryptography), never stored."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://ehr.example.org"


def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP384R1())


def public_jwk(private: Any, kid: str, alg: str) -> dict[str, Any]:
    algo = RSAAlgorithm if alg == "RS384" else ECAlgorithm
    jwk = json.loads(algo.to_jwk(private.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


def token(private: Any, kid: str, alg: str, audience: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "client-id",
        "aud": audience,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, private, algorithm=alg, headers={"kid": kid, "typ": "JWT"})
