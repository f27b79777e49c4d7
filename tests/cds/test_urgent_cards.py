"""Issue 18: an urgent card never comes with elective advice or the option comparison beside it.

The property runs over generated profiles of every pack through the functions the hooks use to
make their cards (`CardMaker.condition_cards` for patient-view, `urgent_cards` and the discharge
card for encounter-discharge); the hook requests below check the same end to end.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from keuzewijs.cds.cards import CardMaker
from keuzewijs.cds.config import load_cds_data
from keuzewijs.cds.settings import CdsSettings
from keuzewijs.engine.advise import advise_pack

from ..engine.test_properties import LIB, case
from . import requests as rq
from .conftest import BASE

DATA = load_cds_data(LIB)
SETTINGS = CdsSettings(require_auth=False, public_base_url=BASE)
PV = "/cds-services/keuzewijs-patient-view"


def _maker(lang: str) -> CardMaker:
    return CardMaker(DATA.cds, SETTINGS, lang, LIB)


def _elective(card: Any, maker: CardMaker, advice: Any) -> list[str]:
    """What in a card is elective: a decision-aid or after-treatment card, or the text of advice
    the engine folded under 'later', or an option's name."""
    found = []
    summary = card.summary if hasattr(card, "summary") else card["summary"]
    detail = card.detail if hasattr(card, "detail") else card["detail"]
    for key in ("decision_aid.summary", "after_treatment.summary"):
        if summary == maker.t(key, condition=advice.condition_name):
            found.append(key)
    found += [r.id for r in advice.later if r.text in detail]
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
@pytest.mark.hazard("H-001", "H-003")
def test_no_urgent_response_contains_an_elective_card(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    maker = _maker(lang)
    for living in (True, False):
        cards = maker.condition_cards(advice, [], living)
        if not advice.urgent:
            assert [c.indicator for c in cards] == (["info"] if living else [])
            continue
        assert [c.indicator for c in cards] == ["critical"] * len(advice.urgent)
        for card in cards:
            assert not _elective(card, maker, advice), card.summary
            # the decision aid is reached only through the 'after the urgent step' link
            assert [link.label for link in card.links or []] == [maker.t("urgent.later_link")]
    # encounter-discharge: the urgent cards, then at most the alarm signs to watch for at home
    for rule in (r for r in DATA.cds.discharge if r.condition == pack.id):
        cards = [*maker.urgent_cards(advice), maker.discharge_card(advice, pack, rule)]
        for card in cards:
            assert not _elective(card, maker, advice), card.summary


@pytest.mark.hazard("H-003")
def test_lumbar_cauda_equina_in_the_record_gives_the_urgent_card_alone(client):
    cards = client.post(PV, json=rq.lumbar_patient_view_cauda_equina()).json()["cards"]
    assert [c["indicator"] for c in cards] == ["critical"]
    (link,) = cards[0]["links"]
    assert link["label"] == "Keuzehulp: pas na de spoedstap"
    assert "/c/lumbar-disc-herniation" in link["url"]


@pytest.mark.hazard("H-001")
def test_hip_urgent_patient_view_has_no_decision_aid_card_beside_the_urgent_card(client):
    cards = client.post(PV, json=rq.hip_urgent_patient_view()).json()["cards"]
    assert cards and all(c["indicator"] == "critical" for c in cards)
    assert not any("Keuzehulp:" in c["summary"] for c in cards)
