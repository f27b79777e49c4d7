"""Security baseline: headers (strict CSP, no inline script, HSTS over HTTPS, no-store), CSRF
double-submit, request limits, code look-up limits, and an access log that names the route
template only (never a code or profile data)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request

from keuzewijs.errors import PROBLEM_JSON, InputLimitError, problem_body
from keuzewijs.limits import CHECKED_SCOPE_KEY, JsonLimits
from keuzewijs.store.shared import SharedState

from .observe import new_request_id, observe, request_id

log = logging.getLogger("keuzewijs.web.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

CSRF_COOKIE = "kw_csrf"
CSRF_FIELD = "csrf"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The OpenAPI explorer page is FastAPI's Swagger UI (a CDN script plus one inline bootstrap);
# only that page, which shows no patient data, gets a CSP that allows them.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/api/v1/docs", "/api/v1/docs/oauth2-redirect")

BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The decision code sits in some URLs: never send it on to another site.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is the client's problem: ignore it
                return None
            if name in jar:
                return jar[name].value
    return None


HSTS = b"max-age=31536000; includeSubDomains"


class SecurityMiddleware:
    """Pure ASGI (no per-request task overhead): headers, CSRF cookie, request id, log, metrics.

    Every answer except static files gets `Cache-Control: no-store` (advice, stored decisions
    and CDS cards carry health data); HSTS is added when the request came over HTTPS (directly,
    or from a trusted proxy's X-Forwarded-Proto).
    """

    def __init__(self, app: ASGIApp, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith(("/api/", "/cds-services", "/metrics", "/health", "/ready"))
        new_token = None
        if not is_api:
            token = _cookie(scope, CSRF_COOKIE)
            if not token:
                token = new_token = secrets.token_urlsafe(32)
            scope.setdefault("state", {})["csrf"] = token
        rid = new_request_id(_header(scope, b"x-request-id"))
        reset = request_id.set(rid)
        https = scope.get("scheme") == "https"
        started = time.perf_counter()
        status_holder = [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                csp = DOCS_CSP if path in DOCS_PATHS else CSP
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend(BASE_HEADERS)
                headers.append((b"x-request-id", rid.encode()))
                if https:
                    headers.append((b"strict-transport-security", HSTS))
                if path.startswith("/static/"):
                    headers.extend(
                        h for h in message.get("headers", []) if h[0] == b"cache-control"
                    )
                else:
                    # advice, decisions, cards and pages can carry health data: never cache them
                    headers.append((b"cache-control", b"no-store"))
                if new_token:
                    attrs = "; Path=/; HttpOnly; SameSite=Strict" + (
                        "; Secure" if self.secure_cookies else ""
                    )
                    headers.append((b"set-cookie", f"{CSRF_COOKIE}={new_token}{attrs}".encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", "-")
            seconds = time.perf_counter() - started
            observe(scope["method"], route, status_holder[0], seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    route,
                    status_holder[0],
                    seconds * 1000,
                    extra={
                        "request_id": rid,
                        "method": scope["method"],
                        "route": route,
                        "status": status_holder[0],
                        "ms": round(seconds * 1000, 1),
                    },
                )
            request_id.reset(reset)


class LimitsMiddleware:
    """Bounds every request body before the app sees it: size (413), and for JSON bodies the
    nesting depth, string length and digits per number (400). Limits are per path prefix
    (the first matching prefix wins; "" is the default). The body is read in chunks and
    refused as soon as it is too large, so memory stays bounded whatever the client sends.
    """

    def __init__(self, app: ASGIApp, *, limits: list[tuple[str, JsonLimits]]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limits = next(lim for prefix, lim in self.limits if path.startswith(prefix))
        declared = _header(scope, b"content-length")
        try:
            if declared is not None and int(declared) > limits.max_bytes:
                raise InputLimitError(f"larger than {limits.max_bytes} bytes", status=413)
        except ValueError:
            await _problem(send, 400, "Content-Length is not a number")
            return
        except InputLimitError as exc:
            await _drain(scope, receive, 0)
            await _problem(send, exc.status, f"body: {exc.message}")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limits.max_bytes:
                if message.get("more_body", False):
                    await _drain(scope, receive, size)
                await _problem(send, 413, f"body: larger than {limits.max_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = (_header(scope, b"content-type") or b"").lower()
        if b"json" in content_type:
            try:
                limits.check(body)
            except InputLimitError as exc:
                await _problem(send, exc.status, f"body: {exc.message}")
                return
            scope.setdefault("state", {})[CHECKED_SCOPE_KEY] = limits
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            # ignored below: ASGI's receive is typed as returning Any
            return await receive()  # type: ignore[no-any-return]

        await self.app(scope, replay, send)


# After a 413, read and drop what the client is still sending, up to these bounds, before
# answering and closing: a client that writes its whole body before reading (curl, most
# libraries) then reads the 413 instead of a connection reset. Past the bounds: reset.
DRAIN_BYTES = 4_194_304
DRAIN_SECONDS = 2.0


async def _drain(scope: Scope, receive: Any, already: int) -> None:
    """Discard the rest of the body, at most DRAIN_BYTES more and DRAIN_SECONDS in all. Not
    when the client asked `Expect: 100-continue`: it waits for our answer and sends nothing."""
    if (_header(scope, b"expect") or b"").lower() == b"100-continue":
        return
    declared = _header(scope, b"content-length") or b""
    if declared.isdigit() and int(declared) - already > DRAIN_BYTES:
        return  # the rest is too much to read: close at once
    drained = 0

    async def drain() -> None:
        nonlocal drained
        while drained <= DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), DRAIN_SECONDS)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value  # type: ignore[no-any-return]  # a value from the ASGI message, typed Any
    return None


async def _problem(send: Any, status: int, detail: str) -> None:
    body = json.dumps(problem_body(status, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_token(request: Request) -> str:
    return str(request.scope.get("state", {}).get("csrf", ""))


def check_csrf(request: Request, submitted: object) -> None:
    """Double-submit check: the form's hidden token must equal the SameSite=Strict cookie."""
    cookie = _cookie(request.scope, CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not hmac.compare_digest(cookie, submitted):
        raise HTTPException(
            403, "the form has expired or did not come from this site; reload the page"
        )


class RateLimiter:
    """Code look-ups per client address and minute, counted in the database (SharedState), so
    the limit holds across worker processes and machines.

    The client address is the peer's, or the X-Forwarded-For of a trusted proxy
    (KEUZEWIJS_TRUSTED_PROXIES); behind a proxy that is not configured, every client shares
    the proxy's address.
    """

    def __init__(
        self,
        per_minute: int,
        shared: SharedState,
        kind: str = "lookup",
        message: str = "too many code look-ups; wait a minute",
    ) -> None:
        self.per_minute = per_minute
        self.shared = shared
        self.kind, self.message = kind, message

    def check(self, request: Request) -> None:
        key = request.client.host if request.client else "?"
        retry = self.shared.hit(f"{self.kind}:{key}", self.per_minute)
        if retry is not None:
            raise HTTPException(429, self.message, headers={"Retry-After": str(retry)})
