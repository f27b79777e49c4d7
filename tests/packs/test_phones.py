"""The number to call now: from the site's data, by condition and by the time of day in the
site's time zone (Europe/Amsterdam unless the site says otherwise)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from keuzewijs.packs.loader import load_sites
from keuzewijs.packs.models import Hours, Phone
from keuzewijs.packs.phones import missing, phones_now
from tests.conftest import KNOWLEDGE, REPO

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = dt.date(2026, 12, 7)  # a Monday
SATURDAY = dt.date(2026, 12, 12)


@pytest.fixture(scope="module")
def site():
    return load_sites(KNOWLEDGE, REPO / "tests" / "fixtures" / "sites")["testziekenhuis"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), AMS)


@pytest.mark.parametrize(
    ("moment", "kind"),
    [
        (at(MONDAY, 14), "ward"),  # weekday afternoon: the ward
        (at(MONDAY, 8), "ward"),  # opens at 08:00
        (at(MONDAY, 7, 59), "gp_out_of_hours"),  # one minute earlier: out of hours
        (at(MONDAY, 16, 59), "ward"),
        (at(MONDAY, 17), "gp_out_of_hours"),  # the ward closes at 17:00
        (at(MONDAY, 23), "gp_out_of_hours"),  # at night
        (at(SATURDAY, 14), "gp_out_of_hours"),  # weekend afternoon
    ],
)
def test_the_number_to_call_now_follows_the_clock(site, moment, kind):
    phones = phones_now(site, "hip-fracture", moment)
    assert phones.call_now is not None and phones.call_now.kind == kind
    assert [p.number for p in phones.emergency] == ["112"]  # always there


def test_the_clock_is_read_in_the_sites_time_zone(site):
    # 13:00 UTC on a winter Monday is 14:00 in Amsterdam (ward); 16:30 UTC is 17:30 (closed)
    assert phones_now(site, "hip-fracture", at(MONDAY, 14).astimezone(dt.UTC)).call_now.kind == (
        "ward"
    )
    late = dt.datetime.combine(MONDAY, dt.time(16, 30), dt.UTC)
    assert phones_now(site, "hip-fracture", late).call_now.kind == "gp_out_of_hours"


def test_only_the_conditions_own_numbers(site):
    hip = phones_now(site, "hip-fracture", at(MONDAY, 14))
    achilles = phones_now(site, "achilles-tendon-rupture", at(MONDAY, 14))
    assert hip.call_now.label.nl == "Afdeling Traumachirurgie"
    assert achilles.call_now.label.nl == "Polikliniek Orthopedie"
    assert "0000 100 200" not in [p.number for p in achilles.shown]
    # a condition the site does not serve gets none of its numbers
    assert phones_now(site, "some-other-condition", at(MONDAY, 14)).shown == []


def test_the_example_site_names_whom_to_ask_for_the_ward():
    zas = load_sites(KNOWLEDGE)["zas"]
    phones = phones_now(zas, "hip-fracture", at(MONDAY, 14))
    assert [p.kind for p in phones.ask] == ["ward"] and phones.ask[0].ask is not None
    assert phones_now(zas, "lumbar-disc-herniation", at(MONDAY, 14)).shown == []
    assert missing(zas) == []  # every kind has a number or whom to ask


def test_a_phone_without_number_must_say_whom_to_ask():
    with pytest.raises(ValidationError, match="needs `ask`"):
        Phone.model_validate({"kind": "ward", "label": {"nl": "a", "en": "a"}, "source": "x"})
    with pytest.raises(ValidationError, match="not before"):
        Hours.model_validate({"days": ["mon"], "start": "17:00", "end": "08:00"})
