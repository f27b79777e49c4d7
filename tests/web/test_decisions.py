"""One save path (keuzewijs.web.decisions.save_decision) for the pages and the API: the same
decision is saved alike, and the same bad choice is refused by both, naming the field, with
nothing saved."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from keuzewijs.store.models import Decision

CONDITION = "achilles-tendon-rupture"
PROFILE = {"age": 28, "activity_level": "competitive_athlete"}


def _rows(client) -> int:
    with client.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Decision)).scalar_one()


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
