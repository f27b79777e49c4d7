"""Errors of the hook endpoint as RFC 9457 problem+json: the status, one line and the field's path.

A 401 never echoes anything from the request (no patient data in an unauthenticated answer).
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import ValidationError

from keuzewijs.errors import PROBLEM_JSON, location_path, problem_body
from keuzewijs.errors import HookProblem as HookProblem

TITLES = {
    400: "Invalid hook request",
    401: "Unauthorized",
    404: "Not found",
    412: "Required data not available",
    413: "Request too large",
}


def from_validation(exc: ValidationError, prefix: str = "") -> HookProblem:
    err = exc.errors(include_url=False)[0]
    return HookProblem(400, str(err["msg"]), path=location_path(err["loc"], prefix))


def problem_response(problem: HookProblem) -> JSONResponse:
    secret = problem.status == 401  # nothing from an unauthenticated request is echoed
    body = problem_body(
        problem.status,
        TITLES.get(problem.status, "Error"),
        problem.message if secret else problem.one_line(),
        [{"path": problem.path, "detail": problem.message}]
        if problem.path and not secret
        else None,
    )
    headers = (
        {"WWW-Authenticate": 'Bearer error="invalid_token"'} if problem.status == 401 else None
    )
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)
