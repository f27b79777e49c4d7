"""Issue 22 item 8: every numeric profile field has a plausible maximum; validate reports one
without; absurd numbers are refused at the API with the field's path."""

from __future__ import annotations

import pytest

from keuzewijs.validation.bounds import NUMERIC, unbounded_numbers
from tests.web.conftest import make_settings


def test_every_numeric_field_of_the_packs_has_a_maximum(library):
    for pack in library.packs.values():
        numeric = [f for f in pack.profile.fields if f.type in NUMERIC]
        assert numeric and all(f.maximum is not None for f in numeric), pack.id
        assert list(unbounded_numbers(pack)) == []


def test_a_numeric_field_without_a_maximum_is_a_finding(library):
    pack = library.pack("hip-fracture")
    fields = [
        f.model_copy(update={"maximum": None}) if f.name == "egfr" else f
        for f in pack.profile.fields
    ]
    stripped = pack.profile.model_copy(update={"fields": fields})
    found = list(unbounded_numbers(type("P", (), {"profile": stripped})()))  # type: ignore[arg-type]
    assert [p.path for p in found] == [f"profile.yaml: fields[{_index(pack, 'egfr')}] (egfr)"]
    assert "plausible `maximum`" in found[0].message


def _index(pack, name: str) -> int:
    return [f.name for f in pack.profile.fields].index(name)


@pytest.mark.parametrize(
    ("field", "value"),
    [("egfr", 1e308), ("admission_calendar_day", 10**29), ("hours_since_admission", 1e12)],
)
def test_absurd_numbers_are_422_naming_the_field(tmp_path, field, value):
    from fastapi.testclient import TestClient

    from keuzewijs.web.app import create_app

    with TestClient(create_app(make_settings(f"sqlite:///{tmp_path / 'kw.db'}"))) as c:
        r = c.post("/api/v1/conditions/hip-fracture/advice", json={"profile": {field: value}})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["errors"][0]["path"] == f"profile.{field}"
