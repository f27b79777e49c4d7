"""Errors of the hook endpoint as RFC 9457 problem+json: the status, one line and the field's path.

A 401 never echoes anything from the request (no patient data in an unauthenticated answer).
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import ValidationError

from keuzewijs.errors import PROBLEM_JSON, PROBLEM_TITLES, location_path, problem_body
from keuzewijs.errors import HookProblem as HookProblem

# The statuses a hook endpoint answers with a problem; titles are the web app's (one table).
TITLES = {status: PROBLEM_TITLES[status] for status in (400, 401, 404, 412, 413)}


def from_validation(exc: ValidationError, prefix: str = "") -> HookProblem:
    err = exc.errors(include_url=False)[0]
    return HookProblem(400, str(err["msg"]), path=location_path(err["loc"], prefix))


def problem_response(problem: HookProblem) -> JSONResponse:
    secret = problem.status == 401  # nothing from an unauthenticated request is echoed
    body = problem_body(
        problem.status,
        problem.message if secret else problem.one_line(),
        () if secret else [(problem.path, problem.message)],
    )
    headers = (
        {"WWW-Authenticate": 'Bearer error="invalid_token"'} if problem.status == 401 else None
    )
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)
