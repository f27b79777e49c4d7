"""Security baseline: headers (strict CSP, no inline script), CSRF double-submit, code look-up
limits,
and an access log that names the route template only (never a code or profile data)."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request

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
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; "
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


class SecurityMiddleware:
    """Pure ASGI (no per-request task overhead): adds headers, issues the CSRF cookie, logs
    routes."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith("/api/")
        new_token = None
        if not is_api:
            token = _cookie(scope, CSRF_COOKIE)
            if not token:
                token = new_token = secrets.token_urlsafe(32)
            scope.setdefault("state", {})["csrf"] = token
        started = time.perf_counter()
        status_holder = [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                csp = DOCS_CSP if path in DOCS_PATHS else CSP
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend(BASE_HEADERS)
                if not is_api and not path.startswith("/static/"):
                    # pages can show a profile: keep them out of shared caches and the back-forward
                    # cache
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
            if log.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", "-")
                ms = (time.perf_counter() - started) * 1000
                log.info("%s %s %s %.1fms", scope["method"], route, status_holder[0], ms)


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
    """Sliding one-minute window per client address, in process memory (one server process).

    Behind a reverse proxy every client shares the proxy's address; set the limit accordingly
    or run the proxy's own limiter in front.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, request: Request) -> None:
        key = request.client.host if request.client else "?"
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = max(1, int(60 - (now - hits[0])) + 1)
                raise HTTPException(
                    429,
                    "too many code look-ups; wait a minute",
                    headers={"Retry-After": str(retry)},
                )
            hits.append(now)
            if len(self._hits) > 10_000:  # bound memory: forget idle clients
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] > 60]:
                    del self._hits[k]
