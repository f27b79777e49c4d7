"""Verifying the EHR's JWT (CDS Hooks 2.0 'Trusting CDS Clients').

The token is signed RS384 or ES384 by a configured issuer; the key comes from that issuer's
JWKS (static, or fetched from its configured URL and cached). Checked: signature, iss, aud
(this service's URL), exp (and a bounded lifetime), iat, and jti against replay.
Every failure is the same 401 with a short reason and no request data.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from .problems import HookProblem
from .settings import CdsSettings, TrustedIssuer

ALGORITHMS = ("RS384", "ES384")
JWKS_REFRESH_SECONDS = 60


def unauthorized(reason: str) -> HookProblem:
    return HookProblem(401, reason)


class ReplayCache:
    """Seen (iss, jti) until the token expires; bounded because lifetimes are bounded."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}

    def check_and_add(self, iss: str, jti: str, exp: float, now: float) -> bool:
        if len(self._seen) > 1000:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
        key = (iss, jti)
        if key in self._seen and self._seen[key] > now:
            return False
        self._seen[key] = exp
        return True


class JwtVerifier:
    def __init__(self, settings: CdsSettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.issuers: dict[str, TrustedIssuer] = {i.iss: i for i in settings.issuers}
        self.transport = transport
        self.replay = ReplayCache()
        self._keys: dict[str, tuple[float, PyJWKSet]] = {}
        # Static key sets are parsed once: loading an EC/RSA key costs more than verifying with it.
        self._static = {
            i.iss: PyJWKSet.from_dict(i.jwks) for i in settings.issuers if i.jwks is not None
        }
        self._lock = asyncio.Lock()

    async def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise unauthorized("a Bearer JWT is required")
        token = authorization[len("Bearer ") :].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise unauthorized("the token is not a JWT") from None
        alg, kid, iss = header.get("alg"), header.get("kid"), unverified.get("iss")
        if alg not in ALGORITHMS:
            raise unauthorized(f"alg must be one of {', '.join(ALGORITHMS)}")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise unauthorized("unknown issuer")
        key = await self._key(self.issuers[iss], kid)
        leeway = self.settings.jwt_leeway_seconds
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience,
                issuer=iss,
                leeway=leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token ({type(exc).__name__})") from None
        now = time.time()
        if claims["exp"] - now > self.settings.jwt_max_lifetime_seconds + leeway:
            raise unauthorized("token lifetime too long")
        if not self.replay.check_and_add(
            iss, str(claims["jti"]), float(claims["exp"]) + leeway, now
        ):
            raise unauthorized("token already used (jti)")
        return claims

    async def _key(self, issuer: TrustedIssuer, kid: Any) -> PyJWK:
        if issuer.iss in self._static:
            return _pick(self._static[issuer.iss], kid)
        cached = self._keys.get(issuer.iss)
        if cached is not None:
            try:
                return _pick(cached[1], kid)
            except HookProblem:
                if time.monotonic() - cached[0] < JWKS_REFRESH_SECONDS:
                    raise  # an unknown kid does not make us hammer the issuer
        async with self._lock:
            keys = await self._fetch(issuer)
            self._keys[issuer.iss] = (time.monotonic(), keys)
        return _pick(keys, kid)

    async def _fetch(self, issuer: TrustedIssuer) -> PyJWKSet:
        assert issuer.jwks_url is not None
        try:
            async with httpx.AsyncClient(
                timeout=self.settings.fhir_timeout_seconds, transport=self.transport
            ) as client:
                response = await client.get(issuer.jwks_url)
            response.raise_for_status()
            return PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            raise unauthorized("the issuer's keys could not be read") from None


def _pick(keys: PyJWKSet, kid: Any) -> PyJWK:
    for key in keys.keys:
        if key.key_id == kid or (kid is None and len(keys.keys) == 1):
            return key
    raise unauthorized("no key with this kid")
