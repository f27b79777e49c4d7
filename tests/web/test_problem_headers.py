"""problem+json keeps an HTTP error's headers, whatever their names (mypy found them passed as
keyword arguments, where a header named like a parameter, e.g. `errors`, replaced the body)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException

from keuzewijs.web.problems import PROBLEM, problem


def test_headers_named_like_parameters_stay_headers() -> None:
    got = problem(429, "wait", headers={"Retry-After": "7", "errors": "x", "detail": "y"})
    assert got.headers["retry-after"] == "7"
    assert got.headers["errors"] == "x"
    body = json.loads(bytes(got.body))
    assert body == {
        "type": "about:blank",
        "title": "Too many requests",
        "status": 429,
        "detail": "wait",
    }


def test_http_exception_headers_reach_the_api_client(client) -> None:
    app = client.app

    @app.get("/api/v1/_test-retry")
    def _limited() -> None:
        raise HTTPException(429, "too many", headers={"Retry-After": "5"})

    got = client.get("/api/v1/_test-retry")
    assert got.status_code == 429
    assert got.headers["content-type"] == PROBLEM
    assert got.headers["retry-after"] == "5"
    assert got.json()["detail"] == "too many"


def test_method_not_allowed_keeps_allow(client) -> None:
    got = client.delete("/api/v1/conditions")
    assert got.status_code == 405
    assert got.headers["content-type"] == PROBLEM
    assert "GET" in got.headers["allow"]
