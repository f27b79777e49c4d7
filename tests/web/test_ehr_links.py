"""The links an EHR card opens (CDS Hooks) land on this patient's advice, and the print link on
the printable patient version: the card and the page come from the same engine call."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import urlsplit

from keuzewijs.engine.advise import advise
from tests.cds import requests as rq
from tests.cds.conftest import make_client


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _token(profile: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(profile).encode()).decode().rstrip("=")


def test_patient_view_card_opens_the_advice_for_that_patient(client, library):
    cds = make_client(library)
    card = cds.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view()).json()[
        "cards"
    ][0]
    page = client.get(_path(card["links"][0]["url"]))
    assert page.status_code == 200
    expected = advise(
        "hip-fracture", {"age": 84, "egfr": 70, "fracture_type": "femoral_neck"}, "nl"
    )
    text = html.unescape(page.text)
    # displacement is not in the record: every option is shown, and the page asks what it needs
    # (4 implants, and non-operative care while 'lives in a nursing home' is unknown at 84)
    assert len(expected.options) == 5 and expected.needs
    for option in expected.options:
        assert option.name in text
    # 'Nog nodig' lists what the form asks now (issue 19: no question the form derives, such as
    # the calendar day from the hours since admission)
    from keuzewijs.web.forms import needs_to_ask

    asked = needs_to_ask(library.pack("hip-fracture"), dict(expected.profile), expected.needs)
    assert asked
    for need in asked:
        assert need.question in text
    # the profile travels on in the page's state, so the next steps keep the situation
    from keuzewijs.profile_link import read_profile_token

    state = re.search(r'name="profile" value="([^"]+)"', page.text).group(1)
    assert read_profile_token(state)["fracture_type"] == "femoral_neck"


def test_discharge_card_print_link_gives_the_printable_alarm_signs(client, library):
    cds = make_client(library)
    card = cds.post("/cds-services/keuzewijs-encounter-discharge", json=rq.hip_discharge()).json()[
        "cards"
    ][0]
    page = client.get(_path(card["links"][0]["url"]))
    assert page.status_code == 200
    assert 'class="handout"' in page.text and "/static/print.css" in page.text
    # after the operation: recovery and the alarm signs, no 'best fit' nobody asked for
    assert "Past het best" not in page.text
    text = html.unescape(page.text)
    pack = library.pack("hip-fracture")
    after = pack.meta.after_treatment
    assert after is not None and after.alarm_field
    for value in pack.fields[after.alarm_field].values or []:
        assert value.label.nl in text


def test_red_flag_in_the_link_shows_the_urgent_warning_first(client, library):
    profile = {"leg_pain": True, "leg_pain_weeks": 2, "bladder_dysfunction": True}
    page = client.get(f"/en/c/lumbar-disc-herniation?profile={_token(profile)}")
    assert page.status_code == 200
    urgent = advise("lumbar-disc-herniation", profile, "en").urgent
    assert urgent
    text = html.unescape(page.text)
    assert text.index(urgent[0].message) < text.index("The options side by side")


def test_broken_link_falls_back_to_the_empty_form(client):
    for token in ("%%%", _token([1, 2]), base64.urlsafe_b64encode(b"{not json").decode()):
        page = client.get(f"/en/c/lumbar-disc-herniation?profile={token}")
        assert page.status_code == 400
        assert "The link from the health record was incomplete" in page.text
        assert 'name="p.leg_pain"' in page.text


def test_link_with_an_impossible_value_names_the_field(client):
    page = client.get(f"/en/c/lumbar-disc-herniation?profile={_token({'age': 250})}")
    assert page.status_code == 422
    assert 'id="e-age"' in page.text and 'value="250"' in page.text
