"""REST API: the Advice contract, problem+json with field paths, stored decisions, limits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import Library
from keuzewijs.validation.vignettes import load_vignettes
from tests.conftest import KNOWLEDGE

PROBLEM = "application/problem+json"


def demo_profile(library: Library, condition: str) -> dict:
    cases = load_vignettes(library, condition)
    return next((v for v in cases if v.demo), cases[0]).profile


def test_conditions_lists_every_pack(client, library):
    body = client.get("/api/v1/conditions").json()
    assert {c["id"] for c in body} == set(library.packs)
    assert all(c["name"]["nl"] and c["summary"]["en"] for c in body)


def test_profile_schema_is_the_packs_model(client, library):
    for pack in library.packs.values():
        schema = client.get(f"/api/v1/conditions/{pack.id}/profile-schema").json()
        assert set(schema["properties"]) == set(pack.fields)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_advice_is_the_engine_contract(client, library, lang):
    for pack in library.packs.values():
        profile = demo_profile(library, pack.id)
        got = client.post(
            f"/api/v1/conditions/{pack.id}/advice", json={"profile": profile, "lang": lang}
        )
        assert got.status_code == 200
        expected = advise(pack.id, profile, lang, library=library)
        assert got.json() == expected.model_dump(mode="json")


def test_invalid_profile_names_each_field(client):
    r = client.post(
        "/api/v1/conditions/achilles-tendon-rupture/advice",
        json={"profile": {"age": "old", "activity_level": "couch", "nonsense": 1}},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 422 and body["title"]
    paths = {e["path"]: e["detail"] for e in body["errors"]}
    assert set(paths) == {"profile.age", "profile.activity_level", "profile.nonsense"}
    assert "whole number" in paths["profile.age"]
    assert "competitive_athlete" in paths["profile.activity_level"]


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        (b"{not json", 400, None),
        (b"[1, 2]", 422, "body"),
        (b'{"profile": [], "lang": "nl"}', 422, "profile"),
        (b'{"profile": {}, "lang": "fr"}', 422, "lang"),
        (b'{"profile": {}, "extra": 1}', 422, "extra"),
        (b'{"profile": {"age": 1e999}}', 422, "profile.age"),
    ],
)
def test_malformed_requests_are_4xx_problems(client, body, status, path):
    r = client.post(
        "/api/v1/conditions/achilles-tendon-rupture/advice",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == status
    assert r.headers["content-type"] == PROBLEM
    if path is not None:
        assert path in [e["path"] for e in r.json()["errors"]]


def test_unknown_condition_is_404_problem(client):
    r = client.post("/api/v1/conditions/flu/advice", json={"profile": {}})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert "achilles-tendon-rupture" in r.json()["detail"]


def test_stored_decision_round_trip(client, library):
    profile = demo_profile(library, "achilles-tendon-rupture")
    r = client.post(
        "/api/v1/decisions",
        json={
            "condition": "achilles-tendon-rupture",
            "profile": profile,
            "lang": "en",
            "weights": {"rerupture": 9, "complications": 2},
            "chosen_option": "conservative",
        },
    )
    assert r.status_code == 201
    saved = r.json()
    assert r.headers["location"] == f"/api/v1/decisions/{saved['code']}"
    assert len(saved["code"].replace("-", "")) * 5 >= 128
    again = client.get(f"/api/v1/decisions/{saved['code'].upper().replace('-', '')}")
    assert again.status_code == 200
    read = again.json()
    assert read == saved
    assert read["advice"] == advise(
        "achilles-tendon-rupture", profile, "en", library=library
    ).model_dump(mode="json")
    assert read["knowledge_version"] == library.pack("achilles-tendon-rupture").knowledge_version
    assert read["weights"] == {"rerupture": 9.0, "complications": 2.0}


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"weights": {"rerupture": 11}}, "weights.rerupture"),
        ({"weights": {"happiness": 3}}, "weights.happiness"),
        ({"chosen_option": "magic"}, "chosen_option"),
        ({"profile": {"age": -1}}, "profile.age"),
    ],
)
def test_bad_decisions_name_the_field(client, extra, path):
    body = {"condition": "achilles-tendon-rupture", "profile": {}, **extra}
    r = client.post("/api/v1/decisions", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert path in [e["path"] for e in r.json()["errors"]]


def test_unknown_and_malformed_codes(client):
    assert client.get("/api/v1/decisions/" + "a" * 32).status_code == 404
    bad = client.get("/api/v1/decisions/short")
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "code"


def test_code_lookups_are_rate_limited(tmp_path):
    from fastapi.testclient import TestClient

    from keuzewijs.web.app import create_app
    from tests.web.conftest import make_settings

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'kw.db'}", lookup_rate_per_minute=3))
    with TestClient(app) as c:
        codes = [c.get("/api/v1/decisions/" + "a" * 32).status_code for _ in range(5)]
        assert codes == [404, 404, 404, 429, 429]
        limited = c.get("/api/v1/decisions/" + "a" * 32)
        assert (
            int(limited.headers["retry-after"]) >= 1 and limited.headers["content-type"] == PROBLEM
        )
        assert c.get("/nl/d/" + "a" * 32).status_code == 429  # pages share the limit


def test_security_headers_everywhere(client):
    for path in (
        "/nl/",
        "/api/v1/conditions",
        "/static/style.css",
        "/nl/c/achilles-tendon-rupture",
    ):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp
        )
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


def test_openapi_documents_the_api(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/conditions",
        "/api/v1/conditions/{condition_id}/advice",
        "/api/v1/decisions",
        "/api/v1/decisions/{code}",
    } <= set(spec["paths"])
    assert not any(p.startswith("/{lang}") for p in spec["paths"])  # pages are not API


def test_knowledge_root_is_the_checkout(library):
    assert library.root == KNOWLEDGE.resolve()


def test_advice_cache_returns_the_engine_result_and_never_caches_errors(library):
    from keuzewijs.errors import ProfileError
    from keuzewijs.web.advice_cache import AdviceCache

    cache = AdviceCache(library, size=2)
    profile = demo_profile(library, "achilles-tendon-rupture")
    expected = advise("achilles-tendon-rupture", profile, "en", library=library)
    assert cache.advice("achilles-tendon-rupture", profile, "en") == expected  # miss
    reordered = dict(reversed(list(profile.items())))
    assert cache.advice("achilles-tendon-rupture", reordered, "en") == expected  # hit, from bytes
    assert (
        cache.get("achilles-tendon-rupture", profile, "en") == expected.model_dump_json().encode()
    )
    assert (cache.hits, cache.misses) == (2, 1)
    for _ in range(2):
        with pytest.raises(ProfileError):
            cache.get("achilles-tendon-rupture", {"age": -5}, "en")
    assert len(cache) == 1
    with pytest.raises(ProfileError):  # not plain JSON (inf): goes to the engine uncached
        cache.get("achilles-tendon-rupture", {"age": float("inf")}, "en")
    for age in (1, 2, 3):
        cache.get("achilles-tendon-rupture", {"age": age}, "en")
    assert len(cache) == 2  # bounded


def test_advice_cache_page_hits_reuse_the_object_and_validate_bytes_once(library, monkeypatch):
    from keuzewijs.web import advice_cache

    monkeypatch.setattr(advice_cache, "RECENT", 1)
    cache = advice_cache.AdviceCache(library)
    cid = "achilles-tendon-rupture"
    profile = demo_profile(library, cid)
    first = cache.advice(cid, profile, "en")  # miss: the engine's object is kept
    assert cache.advice(cid, profile, "en") is first  # hit: no validation of the bytes
    cache.advice(cid, {"age": 40}, "en")  # pushes the first one out of the recent objects
    again = cache.advice(cid, profile, "en")  # hit on bytes: validated once ...
    assert again == first and again is not first
    assert cache.advice(cid, profile, "en") is again  # ... and then reused
    assert (cache.hits, cache.misses) == (3, 2)
    cache.get(cid, {"age": 50}, "en")  # an API miss keeps the bytes only ...
    assert cache.advice(cid, profile, "en") is again  # ... so the page's object stays
    assert (cache.hits, cache.misses) == (4, 3)


def _containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


# A named function, not a lambda: hypothesis checks by reading its source that `extend` uses its
# argument, and a multi-line lambda's source was once not found (a deprecation warning, an error).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    _containers,
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    profile=st.dictionaries(
        st.sampled_from(["age", "activity_level", "chronic_rupture", "weeks_since_injury", "x"]),
        json_values,
        max_size=4,
    ),
    body=json_values,
)
def test_no_client_input_gives_a_500(client, profile, body):
    for payload in ({"profile": profile}, body):
        r = client.post("/api/v1/conditions/achilles-tendon-rupture/advice", json=payload)
        assert r.status_code in (200, 400, 422), r.text
        assert r.status_code == 200 or r.headers["content-type"] == PROBLEM
    r = client.post(
        "/api/v1/decisions",
        json={
            "condition": "achilles-tendon-rupture",
            "profile": profile,
            "weights": body if isinstance(body, dict) else {},
        },
    )
    assert r.status_code in (201, 400, 404, 422), r.text


def test_an_operated_hip_patient_gets_no_implant_choice(client, library):
    """Issue 17: the phase is in Advice, so the API (like the CLI and the page) shows an operated
    patient no choice of implants."""
    profile = {
        "age": 80,
        "fracture_type": "femoral_neck",
        "displaced": True,
        "post_operative": True,
    }
    body = client.post(
        "/api/v1/conditions/hip-fracture/advice", json={"profile": profile, "lang": "nl"}
    ).json()
    assert body["phase"] == "after_treatment"
    assert body["options"] == [] and body["comparisons"] == []
    implants = {
        o.id for o in library.pack("hip-fracture").options_file.options if o.kind == "option"
    }
    assert not {r["about"] for r in body["recommendations"]} & implants
    before = client.post(
        "/api/v1/conditions/hip-fracture/advice",
        json={"profile": {**profile, "post_operative": False}, "lang": "nl"},
    ).json()
    assert before["phase"] == "choice" and before["options"]
