"""Dates the record states only in part: a partial birth date, onsetAge, recordedDate; and the
recency window of an acute condition (issue 20 item 4, issue 18 item 4)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from keuzewijs.cds.mapping import age
from keuzewijs.rules.interval import Interval

from . import requests as rq

PV = "/cds-services/keuzewijs-patient-view"
TODAY = rq.NOW.date()


def profile_of(card: dict[str, Any]) -> dict[str, Any]:
    token = card["links"][0]["url"].split("profile=")[1].split("&")[0]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        ("1950-06-03", 76),
        ("1950-06", 76),  # June 1950: 76 on 22 November 2026 whatever the day
        ("1950-11", Interval.between(75, 76)),  # born before or after the 22nd
        ("1950", Interval.between(75, 76)),
        ("2026", 0),
        ("19x0", None),
        ("2030", None),
    ],
)
def test_partial_birth_date_gives_the_ages_it_allows(born, expected):
    assert age(born, TODAY) == expected


def test_an_age_range_decides_a_threshold_only_when_both_ages_agree():
    between = Interval.between(75, 76)
    assert between.compare("ge", 70) is True
    assert between.compare("lt", 70) is False
    assert between.compare("ge", 76) is None  # straddles: three-valued, asked not guessed
    assert between.compare("ge", 77) is False
    assert between.compare("eq", 80) is False and between.compare("eq", 75) is None
    assert str(between) == "75..76"


def test_a_partial_birth_date_no_longer_drops_the_age(client):
    body = rq.request("patient-view", rq.prefetch(rq.patient("1942-03"), [rq.HIP_NECK]))
    cards = client.post(PV, json=body).json()["cards"]
    assert profile_of(cards[0])["age"] == 84


def _sciatica_without_onset(**dates: Any) -> dict[str, Any]:
    cond = rq.condition("lrs-1", rq.ICD10, "M54.4", "Lumbago with sciatica")
    cond.update(dates)
    return cond


def _lumbar_profile(client, cond: dict[str, Any]) -> dict[str, Any]:
    body = rq.request("patient-view", rq.prefetch(rq.patient("1981-05-10"), [cond]))
    cards = client.post(PV, json=body).json()["cards"]
    return profile_of(next(c for c in cards if c["indicator"] == "info"))


def test_onset_period_is_read_as_the_onset(client):
    cond = _sciatica_without_onset(onsetPeriod={"start": "2026-11-01T00:00:00Z"})
    assert _lumbar_profile(client, cond)["leg_pain_weeks"] == pytest.approx(3.0595, abs=1e-3)


def test_recorded_date_without_onset_is_a_lower_bound(client, library):
    from keuzewijs.cds.config import load_cds_data
    from keuzewijs.cds.mapping import ProfileBuilder
    from keuzewijs.cds.record import build_record

    data = load_cds_data(library)
    pack = library.packs["lumbar-disc-herniation"]
    builder = ProfileBuilder(data, pack, data.mapping.conditions[pack.id])
    cond = _sciatica_without_onset(recordedDate="2026-09-01")
    record = build_record(rq.PATIENT, rq.prefetch(rq.patient("1981-05-10"), [cond]))
    weeks = builder.build(record, rq.NOW).profile["leg_pain_weeks"]
    assert isinstance(weeks, Interval) and weeks.comparator == ">="
    assert weeks.compare("ge", 6) is True  # begun at least 11 weeks ago: past 6 weeks
    assert weeks.compare("ge", 52) is None


def test_onset_age_with_a_full_birth_date_is_a_year_of_life(client, library):
    from keuzewijs.cds.config import load_cds_data
    from keuzewijs.cds.mapping import ProfileBuilder
    from keuzewijs.cds.record import build_record

    data = load_cds_data(library)
    pack = library.packs["lumbar-disc-herniation"]
    builder = ProfileBuilder(data, pack, data.mapping.conditions[pack.id])
    cond = _sciatica_without_onset(
        onsetAge={"value": 44, "unit": "a", "code": "a", "system": "http://unitsofmeasure.org"}
    )
    record = build_record(rq.PATIENT, rq.prefetch(rq.patient("1981-05-10"), [cond]))
    weeks = builder.build(record, rq.NOW).profile["leg_pain_weeks"]
    # 44th year of life: 2025-05-10 .. 2026-05-10, i.e. between about 28 and 80 weeks ago
    assert isinstance(weeks, Interval) and weeks.compare("ge", 6) is True
    assert weeks.compare("ge", 52) is None


# ---------------------------------------------------------------- recency window (acute)
def _hip(onset: str | None, recorded: str | None = None) -> dict[str, Any]:
    cond = rq.condition("hip-1", rq.ICD10, "S72.0", "Fracture of neck of femur", onset=onset)
    if recorded:
        cond["recordedDate"] = recorded
    return rq.request("patient-view", rq.prefetch(rq.patient(), [cond]))


@pytest.mark.hazard("H-015")
def test_hazard_a_hip_fracture_coded_active_since_2024_gets_no_acute_card(client):
    assert client.post(PV, json=_hip("2024-03-02T10:00:00Z")).json() == {"cards": []}


@pytest.mark.hazard("H-015")
def test_hazard_a_hip_fracture_recorded_in_2024_without_onset_gets_no_acute_card(client):
    assert client.post(PV, json=_hip(None, "2024-03-02")).json() == {"cards": []}


def test_a_hip_fracture_of_yesterday_gets_the_card_and_one_without_dates_too(client):
    assert len(client.post(PV, json=_hip("2026-11-21T18:00:00Z")).json()["cards"]) == 1
    assert len(client.post(PV, json=_hip(None)).json()["cards"]) == 1


@pytest.mark.hazard("H-015")
def test_the_window_edge_is_four_weeks(client):
    inside = (rq.NOW - dt.timedelta(weeks=4) + dt.timedelta(hours=1)).isoformat()
    outside = (rq.NOW - dt.timedelta(weeks=4) - dt.timedelta(hours=1)).isoformat()
    assert len(client.post(PV, json=_hip(inside)).json()["cards"]) == 1
    assert client.post(PV, json=_hip(outside)).json() == {"cards": []}
