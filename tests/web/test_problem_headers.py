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


def test_web_api_and_cds_service_name_errors_alike(settings, monkeypatch) -> None:
    """One builder: a wrong field is `errors[].path` with a `detail`, and the title is the
    status in words, whether the web API or a CDS hook refuses it."""
    from fastapi.testclient import TestClient

    from keuzewijs.errors import PROBLEM_TITLES
    from keuzewijs.web.app import create_app

    monkeypatch.setenv("KEUZEWIJS_CDS_REQUIRE_AUTH", "false")  # a 401 names no field
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    api = client.post("/api/v1/conditions/hip-fracture/advice", json={"profile": {"age": "old"}})
    hook = client.post("/cds-services/keuzewijs-patient-view", json={"hook": "patient-view"})
    for got, status in ((api, 422), (hook, 400)):
        assert got.status_code == status and got.headers["content-type"] == PROBLEM
        body = got.json()
        assert body["title"] == PROBLEM_TITLES[status]
        assert set(body) == {"type", "title", "status", "detail", "errors"}
        assert all(set(e) == {"path", "detail"} for e in body["errors"])
    assert api.json()["errors"][0]["path"] == "profile.age"
    assert hook.json()["errors"][0]["path"] == "hookInstance"
