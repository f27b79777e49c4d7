"""RFC 9457 problem details for the API; an HTML error page for browsers. Never a traceback.

Every user mistake has a 4xx here; only a bug reaches the 500 handler, which says nothing
about the request (and logs no profile data, only the route).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import starlette.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from keuzewijs.errors import (
    PROBLEM_JSON,
    InputFormatError,
    InputLimitError,
    KeuzewijsError,
    ProfileError,
    TooManyRequests,
    UnknownConditionError,
    location_path,
    problem_body,
)
from keuzewijs.store.db import OUTAGE_ERRORS, OUTAGE_RETRY_AFTER_SECONDS
from keuzewijs.store.repository import BadCode, DecisionNotFound

log = logging.getLogger("keuzewijs.web")
PROBLEM = PROBLEM_JSON


def _request_path(loc: tuple[Any, ...]) -> str:
    """A FastAPI error location as a path: ('body', 'profile', 'age') -> 'profile.age'; the
    whole body (or a missing one) is 'body', as in the CDS service."""
    inner = loc[1:] if loc and loc[0] in ("body", "path", "query") else loc
    return location_path(inner) or "body"


def _status(exc: KeuzewijsError) -> int:
    if isinstance(exc, (UnknownConditionError, DecisionNotFound)):
        return 404
    if isinstance(exc, (ProfileError, BadCode)):
        return 422
    if isinstance(exc, InputLimitError):
        return exc.status
    if isinstance(exc, TooManyRequests):
        return 429
    if isinstance(exc, InputFormatError):
        return 400
    return 422


def problem(
    status: int,
    detail: str,
    errors: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(status, detail, errors)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM, headers=dict(headers) if headers else None
    )


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(
        ("/api/", "/cds-services", "/health", "/ready", "/metrics")
    )


class ErrorPage(Protocol):
    def __call__(
        self, request: Request, status: int, headers: dict[str, str] | None = None
    ) -> Response: ...


def install(app: FastAPI, error_page: ErrorPage) -> None:
    """Problem+json for the API and CDS, `error_page` (an HTML page) for the pages; passed in
    by the app so that this module needs nothing from the page layer."""

    @app.exception_handler(KeuzewijsError)
    async def keuzewijs_error(request: Request, exc: KeuzewijsError) -> Response:
        status = _status(exc)
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        if wants_html(request):
            return error_page(request, status, headers=headers)
        pairs = exc.errors if isinstance(exc, ProfileError) else [(exc.path, exc.message)]
        return problem(status, exc.one_line(), pairs, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):
            return error_page(request, 400)
        errs = list(exc.errors())[:20]  # the reply stays small, however many fields are wrong
        malformed = any(e.get("type") == "json_invalid" for e in errs)
        errors = [(_request_path(tuple(e.get("loc", ()))), str(e.get("msg"))) for e in errs]
        path, message = errors[0] if errors else ("body", "invalid request")
        status = 400 if malformed else 422
        return problem(status, f"{path}: {message}", errors)

    # starlette's HTTPException, the base of FastAPI's: both are handled here
    @app.exception_handler(starlette.exceptions.HTTPException)
    async def http_error(request: Request, exc: starlette.exceptions.HTTPException) -> Response:
        headers = dict(exc.headers or {})
        if wants_html(request):
            return error_page(request, exc.status_code, headers=headers)
        return problem(exc.status_code, str(exc.detail), headers=headers)

    async def outage(request: Request, exc: Exception) -> Response:
        # An outage, not a bug: one line naming the route and the error class, no stack trace
        # (the driver's message can hold host names; never the request's data).
        route = getattr(request.scope.get("route"), "path", "?")
        log.warning(
            "database unavailable on %s %s: %s; answered 503",
            request.method,
            route,
            type(exc).__name__,
        )
        headers = {"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)}
        if wants_html(request):
            return error_page(request, 503, headers=headers)
        return problem(503, "the database is unavailable; try again shortly", headers=headers)

    for error in OUTAGE_ERRORS:
        app.add_exception_handler(error, outage)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        route = getattr(request.scope.get("route"), "path", "?")
        log.error(
            "internal error on %s %s: %s", request.method, route, type(exc).__name__, exc_info=exc
        )
        if wants_html(request):
            return error_page(request, 500)
        return problem(500, "internal error; it has been logged")
