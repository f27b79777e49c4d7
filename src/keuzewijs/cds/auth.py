"""Verifying the EHR's JWT (CDS Hooks 2.0 'Trusting CDS Clients').

The token is signed RS384 or ES384 by a configured issuer; the key comes from that issuer's
JWKS (static, or fetched from its configured URL and cached). Checked: signature, iss, aud
(this service's URL), exp (and a bounded lifetime), iat, and jti against replay.
Every failure is the same 401 with a short reason and no request data: a token that is not
a JWT, whose header or claims have the wrong types, or whose alg does not fit its key, is
refused like a bad signature, never answered with a 500.

The replay cache is the database's (keuzewijs.store.shared) when the service runs in the web
app, so several workers or machines refuse a jti that any of them has seen; the in-memory
cache serves a process on its own (tests, a bare router).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

import httpx
import jwt
from jwt import PyJWK, PyJWKSet
from starlette.concurrency import run_in_threadpool

from .problems import HookProblem
from .settings import CdsSettings, TrustedIssuer

ALGORITHMS = ("RS384", "ES384")
KEY_TYPE = {"RS384": "RSA", "ES384": "EC"}  # the JWK kty each algorithm needs
JWKS_REFRESH_SECONDS = 60
MAX_TOKEN_CHARS = 8_000
MAX_ID_CHARS = 200  # jti and kid


class Replay(Protocol):
    def claim_jti(self, iss: str, jti: str, expires_at: float) -> bool: ...


def unauthorized(reason: str) -> HookProblem:
    return HookProblem(401, reason)


class ReplayCache:
    """Seen (iss, jti) until the token expires, in this process; bounded because lifetimes are."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}

    def claim_jti(self, iss: str, jti: str, expires_at: float) -> bool:
        return self.check_and_add(iss, jti, expires_at, time.time())

    def check_and_add(self, iss: str, jti: str, exp: float, now: float) -> bool:
        if len(self._seen) > 1000:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
        key = (iss, jti)
        if key in self._seen and self._seen[key] > now:
            return False
        self._seen[key] = exp
        return True


def _read_bearer(authorization: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The token of a Bearer header, with its header and claims read unverified."""
    # RFC 7235: the auth-scheme is case-insensitive ("bearer" is "Bearer").
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("a Bearer JWT is required")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise unauthorized("the token is too long")
    try:
        # Header and claims in one unverified read (each read re-decodes every segment);
        # nothing in them is trusted before the signed decode in verify().
        unverified_token = jwt.decode_complete(token, options={"verify_signature": False})
        return token, unverified_token["header"], unverified_token["payload"]
    except Exception:  # any failure to read it: not a JWT we can use
        raise unauthorized("the token is not a JWT") from None


class JwtVerifier:
    def __init__(
        self,
        settings: CdsSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        replay: Replay | None = None,
    ):
        self.settings = settings
        self.issuers: dict[str, TrustedIssuer] = {i.iss: i for i in settings.issuers}
        self.transport = transport
        self.replay: Replay = replay if replay is not None else ReplayCache()
        self._keys: dict[str, tuple[float, PyJWKSet]] = {}
        # Static key sets are parsed once: loading an EC/RSA key costs more than verifying with it.
        self._static = {
            i.iss: PyJWKSet.from_dict(i.jwks) for i in settings.issuers if i.jwks is not None
        }
        self._lock = asyncio.Lock()

    async def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        token, header, unverified = _read_bearer(authorization)
        alg, kid, iss = header.get("alg"), header.get("kid"), unverified.get("iss")
        if alg not in ALGORITHMS:
            raise unauthorized(f"alg must be one of {', '.join(ALGORITHMS)}")
        # CDS Hooks makes `kid` REQUIRED in the header: it names the key of the client's JWK
        # set. Without it the token is refused even when that set holds one key today: the set
        # may hold two tomorrow (key rotation), and a token must not depend on that.
        if kid is None:
            raise unauthorized("the JWT header has no kid")
        if not isinstance(kid, str) or len(kid) > MAX_ID_CHARS:
            raise unauthorized("kid must be a short string")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise unauthorized("unknown issuer")
        key = await self._key(self.issuers[iss], kid)
        if key.key_type != KEY_TYPE[alg]:
            raise unauthorized("alg does not fit the key of this kid")
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
        except Exception as exc:  # PyJWTError, and whatever a crafted token provokes beyond it
            raise unauthorized(f"invalid token ({type(exc).__name__})") from None
        exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
        # PyJWT accepts numeric strings ("exp": "1700000000"); RFC 7519 wants NumericDate numbers.
        for name, value in (("exp", exp), ("iat", iat)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise unauthorized(f"{name} must be a number (seconds since 1970)")
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_ID_CHARS:
            raise unauthorized(f"jti must be a string of 1 to {MAX_ID_CHARS} characters")
        now = time.time()
        if exp - now > self.settings.jwt_max_lifetime_seconds + leeway:
            raise unauthorized("token lifetime too long")
        expires = float(exp) + leeway
        if isinstance(self.replay, ReplayCache):
            claimed = self.replay.claim_jti(iss, jti, expires)
        else:  # a database round trip: keep it off the event loop
            claimed = await run_in_threadpool(self.replay.claim_jti, iss, jti, expires)
        if not claimed:
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
        if kid is not None and key.key_id == kid:
            return key
    raise unauthorized("no key with this kid")
