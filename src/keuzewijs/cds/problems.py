"""Errors of the hook endpoint as RFC 9457 problem+json: the status, one line and the field's path.

A 401 never echoes anything from the request (no patient data in an unauthenticated answer).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ValidationError

from keuzewijs.errors import KeuzewijsError

TITLES = {
    400: "Invalid hook request",
    401: "Unauthorized",
    404: "Not found",
    412: "Required data not available",
    413: "Request too large",
}


class HookProblem(KeuzewijsError):
    def __init__(self, status: int, message: str, *, path: str = "") -> None:
        super().__init__(message, path=path)
        self.status = status


def dotted(loc: tuple[Any, ...] | list[Any], prefix: str = "") -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_validation(exc: ValidationError, prefix: str = "") -> HookProblem:
    err = exc.errors(include_url=False)[0]
    return HookProblem(400, str(err["msg"]), path=dotted(err["loc"], prefix))


def problem_response(problem: HookProblem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.one_line() if problem.status != 401 else problem.message,
    }
    if problem.path and problem.status != 401:
        body["errors"] = [{"path": problem.path, "detail": problem.message}]
    headers = (
        {"WWW-Authenticate": 'Bearer error="invalid_token"'} if problem.status == 401 else None
    )
    return JSONResponse(
        body, status_code=problem.status, media_type="application/problem+json", headers=headers
    )
