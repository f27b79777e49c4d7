"""One save path (keuzewijs.web.decisions.save_decision) for the pages and the API: the same
decision is saved alike, and the same bad choice is refused by both, naming the field, with
nothing saved."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from keuzewijs.store.models import DecisionRow

CONDITION = "achilles-tendon-rupture"
PROFILE = {"age": 28, "activity_level": "competitive_athlete"}


def _rows(client) -> int:
    with client.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(DecisionRow)).scalar_one()


def _via_api(client, chosen: str | None, weights: dict[str, float]):
    body = {"condition": CONDITION, "profile": PROFILE, "lang": "en", "weights": weights}
    return client.post("/api/v1/decisions", json={**body, "chosen_option": chosen})


def _via_page(client, chosen: str | None, weights: dict[str, float]):
    html = client.get("/en/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    data = {"csrf": csrf, **{f"p.{k}": str(v) for k, v in PROFILE.items()}}
    data |= {f"w.{k}": str(v) for k, v in weights.items()}
    if chosen is not None:
        data["chosen"] = chosen
    return client.post(f"/en/c/{CONDITION}/save", data=data, follow_redirects=False)


def test_pages_and_api_save_the_same_decision(client):
    weights = {"rerupture": 7.0}
    api = _via_api(client, "surgery", weights)
    page = _via_page(client, "surgery", weights)
    assert api.status_code == 201 and page.status_code == 303
    code = re.search(r"/en/d/([^?]+)\?saved=1", page.headers["location"]).group(1)
    store = client.app.state.ctx.store
    by_api, by_page = store.get(api.json()["code"]), store.get(code)
    for name in ("condition", "knowledge_version", "lang", "profile", "advice", "weights"):
        assert getattr(by_api, name) == getattr(by_page, name), name
    assert by_api.chosen_option == by_page.chosen_option == "surgery"
    assert by_api.weights == weights


@pytest.mark.parametrize("chosen", ["magic", "a" * 100])
def test_a_choice_the_advice_does_not_offer_is_refused_by_both(client, chosen):
    api = _via_api(client, chosen, {})
    assert api.status_code == 422 and api.json()["errors"] == [
        {"path": "chosen_option", "detail": api.json()["errors"][0]["detail"]}
    ]
    assert "surgery" in api.json()["errors"][0]["detail"]  # it names what is allowed
    page = _via_page(client, chosen, {})
    assert page.status_code == 422
    error = re.search(r'id="chosen-error"[^>]*>([^<]+)<', page.text).group(1)
    assert "Have you made a choice yet?" in error  # the message names the field
    assert _rows(client) == 0  # nothing half-saved by either path


def test_not_chosen_yet_is_saved_by_both(client):
    assert _via_api(client, None, {}).status_code == 201
    assert _via_page(client, None, {}).status_code == 303
    assert _rows(client) == 2


def test_page_answers_round_trip_through_the_api_and_fhir(client, library):
    """SURE answers and 'afwegen' statements saved from the page come back, field by field,
    from GET /api/v1/decisions/{code} and in the FHIR decision export (issue 21 item 2)."""
    import dataclasses

    from keuzewijs.fhir.decision import decision_bundle
    from keuzewijs.store.repository import StoredDecision
    from keuzewijs.web.api import DecisionRecord
    from tests.fhir.r4_schema import r4_errors

    pack = library.pack(CONDITION)
    statement = pack.meta.values_statements[0].id
    html = client.get("/en/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    data = {"csrf": csrf, **{f"p.{k}": str(v) for k, v in PROFILE.items()}, "chosen": "surgery"}
    data |= {"sure.sure": "yes", "sure.informed": "no", f"v.{statement}": "yes"}
    page = client.post(f"/en/c/{CONDITION}/save", data=data, follow_redirects=False)
    assert page.status_code == 303, page.text
    code = re.search(r"/en/d/([^?]+)\?saved=1", page.headers["location"]).group(1)
    stored = client.app.state.ctx.store.get(code)
    expected = {"sure": {"sure": True, "informed": False}, "statements": {statement: "yes"}}
    assert stored.answers == expected

    # the API record has every field of the stored one, and each reads back the same
    assert set(DecisionRecord.model_fields) == {f.name for f in dataclasses.fields(StoredDecision)}
    api = client.get(f"/api/v1/decisions/{code}").json()
    for field in dataclasses.fields(StoredDecision):
        value = getattr(stored, field.name)
        if field.name in ("created_at", "updated_at"):
            value = value.isoformat().replace("+00:00", "Z")
            assert api[field.name].replace("+00:00", "Z") == value, field.name
        else:
            assert api[field.name] == value, field.name

    bundle = decision_bundle(library, stored)
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    asked = next(r for r in responses if any(i["linkId"].startswith("sure.") for i in r["item"]))
    items = {i["linkId"]: i["answer"][0]["valueBoolean"] for i in asked["item"]}
    assert items == {"sure.sure": True, "sure.informed": False, f"statement.{statement}": True}
    document = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    )
    assert {"reference": f"urn:uuid:{asked['id']}"} in document["context"]["related"]
    assert r4_errors(bundle) == []
    assert decision_bundle(library, stored, "R4B")["entry"][2]["resource"]["item"] == asked["item"]
