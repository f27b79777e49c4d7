"""Server-rendered pages without a browser: forms, CSRF, errors, stored decisions, PDF, logs."""

from __future__ import annotations

import logging
import re

import pytest

from keuzewijs.engine.advise import advise
from tests.web.browser_helpers import pdf_text


def csrf(client, path="/nl/") -> str:
    html = client.get(path).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_start_page_lists_every_condition(client, library):
    html = client.get("/en/").text
    for pack in library.packs.values():
        assert pack.meta.name.en in html and pack.meta.summary.en in html


def test_form_is_generated_from_the_profile_schema(client, library):
    for pack in library.packs.values():
        html = client.get(f"/nl/c/{pack.id}").text
        for field in pack.profile.fields:
            assert f'name="p.{field.name}"' in html
            assert field.question.nl.replace("'", "&#39;") in html
            if field.help:
                assert f'id="h-{field.name}"' in html


def test_invalid_answer_shows_message_next_to_field(client):
    token = csrf(client)
    r = client.post(
        "/en/c/achilles-tendon-rupture",
        data={"csrf": token, "p.age": "200", "p.weeks_since_injury": "x"},
    )
    assert r.status_code == 422
    assert re.search(r'id="e-age">[^<]*must be &lt;= 120', r.text)
    assert re.search(r'id="e-weeks_since_injury">[^<]*must be a number', r.text)
    assert 'value="200"' in r.text  # the answer is kept for correction
    dutch = client.post("/nl/c/achilles-tendon-rupture", data={"csrf": token, "p.age": "200"}).text
    assert re.search(
        r'id="e-age">Fout: Vul een heel getal in, zonder komma. '
        r"Het getal ligt tussen 0 en 120.</p>",
        dutch,
    )


def test_post_without_csrf_token_is_refused(client):
    client.get("/nl/")
    r = client.post("/nl/c/achilles-tendon-rupture", data={"p.age": "30"})
    assert r.status_code == 403 and "<html" in r.text
    r = client.post("/nl/c/achilles-tendon-rupture", data={"csrf": "forged", "p.age": "30"})
    assert r.status_code == 403


def test_per_toggle_and_weights_change_the_page(client, library):
    token = csrf(client)
    form = {
        "csrf": token,
        "p.age": "28",
        "p.activity_level": "competitive_athlete",
        "p.functional_rehab_available": "false",
    }
    per100 = client.post("/en/c/achilles-tendon-rupture", data=form).text
    assert "out of 100<" in per100
    per1000 = client.post("/en/c/achilles-tendon-rupture", data={**form, "per": "1000"}).text
    assert "out of 1000<" in per1000 and "out of 100<" not in per1000
    result = advise(
        "achilles-tendon-rupture",
        {"age": 28, "activity_level": "competitive_athlete", "functional_rehab_available": False},
        "en",
        library=library,
    )
    outcomes = {e.id for o in result.options for e in o.outcomes if e.risk_per_1000 is not None}
    harms_surgery = {w: "10" if w != "rerupture" else "0" for w in outcomes}
    fit = client.post(
        "/en/c/achilles-tendon-rupture",
        data={**form, **{f"w.{k}": v for k, v in harms_surgery.items()}},
    ).text
    assert re.search(r'class="best"><th scope="row">Conservative', fit)
    fit2 = client.post(
        "/en/c/achilles-tendon-rupture",
        data={**form, **{f"w.{k}": ("10" if k == "rerupture" else "0") for k in outcomes}},
    ).text
    assert re.search(r'class="best"><th scope="row">Surgery', fit2)
    bad = client.post("/en/c/achilles-tendon-rupture", data={**form, "w.rerupture": "99"})
    assert bad.status_code == 422 and "must be a number from 0 to 10" in bad.text


def test_set_field_none_of_these_differs_from_unknown(client, library):
    pack = library.pack("hip-fracture")
    set_field = next(f for f in pack.profile.fields if f.type.value == "set")
    token = csrf(client)
    base = {"csrf": token, "p.age": "80", "p.post_operative": "true"}
    unknown = client.post("/en/c/hip-fracture", data=base).text
    none = client.post("/en/c/hip-fracture", data={**base, f"p.{set_field.name}": "__none__"}).text
    assert 'class="to-check"' in unknown  # red flags that cannot be ruled out yet
    assert 'class="to-check"' not in none


def test_save_reopen_and_pdf(client, library):
    token = csrf(client)
    data = {
        "csrf": token,
        "p.age": "28",
        "p.activity_level": "competitive_athlete",
        "w.rerupture": "8",
        "chosen": "surgery",
    }
    r = client.post("/nl/c/achilles-tendon-rupture/save", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    code = re.search(r'id="decision-code">([^<]+)<', page).group(1)
    assert "Operatie — <strong>uw keuze</strong>" in page
    english = client.get(f"/en/d/{code}").text
    assert (
        "Surgery — <strong>your choice</strong>" in english
    )  # same knowledge version, other language
    pdf = client.get(f"/nl/d/{code}/handout.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    version = library.pack("achilles-tendon-rupture").knowledge_version
    assert version in text.replace(" ", "")
    assert "Wat zijn mijn mogelijkheden?" in text and "van de 100" in text


@pytest.mark.parametrize(("code", "status"), [("nonsense", 422), ("a" * 32, 404)])
def test_open_with_a_bad_code(client, code, status):
    r = client.post("/en/open", data={"csrf": csrf(client, "/en/"), "code": code})
    assert r.status_code == status and 'id="code-error"' in r.text


def test_html_errors_are_pages_not_tracebacks(client):
    for path, status in (
        ("/nl/c/unknown", 404),
        ("/xx/", 404),
        ("/nl/d/short", 422),
        ("/nl/d/" + "b" * 32, 404),
    ):
        r = client.get(path)
        assert r.status_code == status and "<html" in r.text and "Traceback" not in r.text


def test_logs_hold_routes_not_profiles_or_codes(client, caplog):
    caplog.set_level(logging.INFO, logger="keuzewijs")
    token = csrf(client)
    r = client.post(
        "/nl/c/achilles-tendon-rupture/save",
        data={"csrf": token, "p.age": "87", "p.activity_level": "sedentary"},
        follow_redirects=False,
    )
    code = r.headers["location"].split("/")[3].split("?")[0]
    client.get(f"/nl/d/{code}")
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/{lang}/d/{code}" in logged and "POST /{lang}/c/{condition_id}/save 303" in logged
    assert code not in logged and "87" not in logged and "sedentary" not in logged


def test_clinician_view_from_the_form(client, library):
    token = csrf(client)
    html = client.post(
        "/en/c/achilles-tendon-rupture/clinician", data={"csrf": token, "p.age": "40"}
    ).text
    result = advise("achilles-tendon-rupture", {"age": 40}, "en", library=library)
    for source in result.sources:
        assert f'id="src-{source.id}"' in html
    for option in result.options:
        for statement in option.pros:
            assert (
                f"[{statement.sources[0].id}, {statement.sources[0].locator}]".replace("'", "&#39;")
                in html
            )
    rel = [e for o in result.options for e in o.outcomes if e.relative_effect]
    assert rel and 'class="forest"' in html
    assert f"{rel[0].relative_effect.measure} {rel[0].relative_effect.estimate}" in html
