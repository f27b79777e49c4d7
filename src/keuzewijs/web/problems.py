"""RFC 9457 problem details for the API; an HTML error page for browsers. Never a traceback.

Every user mistake has a 4xx here; only a bug reaches the 500 handler, which says nothing
about the request (and logs no profile data, only the route).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from keuzewijs.errors import (
    PROBLEM_JSON,
    PROBLEM_TITLES,
    InputFormatError,
    InputLimitError,
    KeuzewijsError,
    ProfileError,
    UnknownConditionError,
    problem_body,
)
from keuzewijs.store.repository import BadCode, DecisionNotFound

log = logging.getLogger("keuzewijs.web")
PROBLEM = PROBLEM_JSON


def pointer(path: str | tuple[Any, ...] | list[Any]) -> str:
    """'profile.symptoms[0]' or ('body', 'profile', 'age') -> '/profile/symptoms/0' (a JSON
    Pointer)."""
    if isinstance(path, str):
        parts = path.replace("[", ".").replace("]", "").split(".")
    else:
        items = list(path)
        if items and items[0] in ("body", "path", "query"):  # where FastAPI found it
            items = items[1:]
        parts = [str(p) for p in items]
    # a key may be client text: cut it, so that a reply never echoes a long input
    parts = [p[:100].replace("~", "~0").replace("/", "~1") for p in parts if p != ""]
    return "/" + "/".join(parts) if parts else ""


def _status(exc: KeuzewijsError) -> int:
    if isinstance(exc, (UnknownConditionError, DecisionNotFound)):
        return 404
    if isinstance(exc, (ProfileError, BadCode)):
        return 422
    if isinstance(exc, InputLimitError):
        return exc.status
    if isinstance(exc, InputFormatError):
        return 400
    return 422


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(status, PROBLEM_TITLES.get(status, "Error"), detail, errors)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM, headers=dict(headers) if headers else None
    )


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/cds-services", "/health", "/ready"))


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
        if wants_html(request):
            return error_page(request, status)
        pairs = exc.errors if isinstance(exc, ProfileError) else [(exc.path, exc.message)]
        errors = [{"pointer": pointer(p), "detail": m} for p, m in pairs]
        return problem(status, exc.one_line(), errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):
            return error_page(request, 400)
        errs = list(exc.errors())[:20]  # the reply stays small, however many fields are wrong
        malformed = any(e.get("type") == "json_invalid" for e in errs)
        errors = [
            {"pointer": pointer(tuple(e.get("loc", ()))), "detail": str(e.get("msg"))} for e in errs
        ]
        first = errors[0] if errors else {"pointer": "", "detail": "invalid request"}
        status = 400 if malformed else 422
        return problem(status, f"{first['pointer'] or 'body'}: {first['detail']}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if wants_html(request):
            return error_page(request, exc.status_code, headers=headers)
        return problem(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        route = getattr(request.scope.get("route"), "path", "?")
        log.error(
            "internal error on %s %s: %s", request.method, route, type(exc).__name__, exc_info=exc
        )
        if wants_html(request):
            return error_page(request, 500)
        return problem(500, "internal error; it has been logged")
