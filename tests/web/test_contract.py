"""Issue 22 item 10: the OpenAPI document says what the service accepts (schemathesis checks it
broadly in test_schema_fuzz.py with positive_data_acceptance; these are the five places it
disagreed before)."""

from __future__ import annotations

import re

import pytest

from keuzewijs.cds.shapes import INSTANT


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    from fastapi.testclient import TestClient

    from keuzewijs.web.app import create_app

    from .conftest import make_settings

    db = tmp_path_factory.mktemp("contract") / "kw.db"
    with TestClient(create_app(make_settings(f"sqlite:///{db}"))) as c:
        return c.get("/api/v1/openapi.json").json()


def test_each_condition_has_its_profile_schema(doc, library):
    schemas = doc["components"]["schemas"]
    for pack in library.packs.values():
        body = doc["paths"][f"/api/v1/conditions/{pack.id}/advice"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert schema["additionalProperties"] is False
        profile = schemas[schema["properties"]["profile"]["$ref"].rsplit("/", 1)[1]]
        assert profile["additionalProperties"] is False  # unknown keys are refused: say so
        assert set(profile["properties"]) == {f.name for f in pack.profile.fields}
    assert "/api/v1/conditions/{condition_id}/advice" not in doc["paths"]


def test_decisions_are_one_of_the_conditions_with_an_enum_of_choices(doc, library):
    body = doc["paths"]["/api/v1/decisions"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["discriminator"]["propertyName"] == "condition"
    assert set(schema["discriminator"]["mapping"]) == set(library.packs)
    for pack in library.packs.values():
        variant = doc["components"]["schemas"][
            schema["discriminator"]["mapping"][pack.id].rsplit("/", 1)[1]
        ]
        assert variant["properties"]["condition"]["const"] == pack.id
        chosen = variant["properties"]["chosen_option"]["anyOf"][0]
        assert chosen["enum"] == [o.id for o in pack.options_file.options]


def test_each_cds_service_is_tied_to_its_hook(doc, library):
    from keuzewijs.cds.config import load_cds_data

    for service in load_cds_data(library).cds.services:
        body = doc["paths"][f"/cds-services/{service.id}"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert schema["properties"]["hook"]["const"] == service.hook
        assert "patientId" in schema["properties"]["context"]["required"]


@pytest.mark.parametrize("raw", [b"1e2", b"100.0", b"100", b"8.0e1"])
def test_integers_written_as_json_numbers_are_accepted(client, raw):
    body = b'{"profile": {"age": ' + raw + b"}}"
    r = client.post(
        "/api/v1/conditions/hip-fracture/advice",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200, r.text[:200]
    assert r.json()["profile"]["age"] == int(float(raw))


@pytest.mark.parametrize("raw", [b"80.5", b"true", b'"80"'])
def test_non_integers_stay_refused(client, raw):
    body = b'{"profile": {"age": ' + raw + b"}}"
    r = client.post(
        "/api/v1/conditions/hip-fracture/advice",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "profile.age"


@pytest.mark.parametrize(
    ("stamp", "real"),
    [
        ("2026-11-22T10:05:00Z", True),
        ("2024-02-29T10:05+01:00", True),
        ("2000-02-29T00:00:00.5Z", True),
        ("2026-02-29T10:05Z", False),
        ("1900-02-29T10:05Z", False),
        ("2026-04-31T10:05Z", False),
        ("0000-01-01T00:00Z", False),
        ("2026-01-01T24:00Z", False),
    ],
)
def test_feedback_timestamps_the_schema_allows_are_accepted(stamp, real):
    """The pattern in the schema is the whole check: what it admits is a real instant."""
    from datetime import datetime

    from keuzewijs.cds.shapes import FeedbackItem

    assert bool(re.match(INSTANT, stamp)) is real
    if real:
        datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        item = {"card": "ee6b8bd5-4f7c-4c23-9f3c-36b3e2b3a9b7", "outcome": "accepted"}
        FeedbackItem.model_validate({**item, "outcomeTimestamp": stamp})


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


def test_schema_patterns_mean_the_same_in_json_schema_and_in_the_service(doc):
    r"""JSON Schema reads a pattern as ECMA-262; pydantic reads it with Rust's regex. Their `\s`,
    `\d`, `\w` and `\b` are different sets (U+0085 is white space to one, not to the other), and
    schemathesis found a fhirServer the schema allowed and the service refused (CI, stop 17)."""
    patterns = _patterns(doc)
    assert len(patterns) >= 5  # the walk reaches the schemas
    unicode_classes = re.compile(r"(?<!\\)(\\\\)*\\[sSdDwWbB]")
    assert [p for p in patterns if unicode_classes.search(p)] == []


@pytest.mark.parametrize(
    ("server", "valid"),
    [
        ("https://fhir.example.org/r4", True),
        ("http://[::1]:8080", True),
        ("http://", False),
        ("http://\u0085", False),
        ("http://\ufeffhost", False),
        ("http://user@host", False),
        ("ftp://host", False),
    ],
)
def test_a_fhir_server_is_a_scheme_and_a_host(server, valid):
    from pydantic import ValidationError

    from keuzewijs.cds.shapes import HookRequest

    body = {"hook": "patient-view", "hookInstance": "733611da-7593-1e8d-baa0-c8cd4792c102"}
    try:
        HookRequest.model_validate({**body, "context": {}, "fhirServer": server})
    except ValidationError as error:
        assert not valid and error.errors()[0]["loc"] == ("fhirServer",)
    else:
        assert valid
