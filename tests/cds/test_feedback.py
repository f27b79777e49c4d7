"""Feedback: accept/override per card, with the override reasons the card offered, stored in the
database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from keuzewijs.cds.feedback import SqlFeedbackStore

from . import requests as rq

CARD = "ee6b8bd5-4f7c-4c23-9f3c-36b3e2b3a9b7"


def feedback(card: str, outcome: str = "accepted", **extra):
    return {
        "feedback": [
            {"card": card, "outcome": outcome, "outcomeTimestamp": "2026-11-22T10:05:00Z", **extra}
        ]
    }


def test_accepted_card_is_stored(client):
    card = client.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view()).json()[
        "cards"
    ][0]
    response = client.post(
        "/cds-services/keuzewijs-patient-view/feedback", json=feedback(card["uuid"])
    )
    assert response.status_code == 200
    rows = client.feedback.rows
    assert [(r.card_uuid, r.outcome, r.service_id) for r in rows] == [
        (card["uuid"], "accepted", "keuzewijs-patient-view")
    ]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"feedback": []}, "feedback"),
        (feedback("not-a-uuid"), "feedback[0].card"),
        (feedback(CARD, outcome="ignored"), "feedback[0].outcome"),
        (
            {"feedback": [{"card": CARD, "outcome": "accepted", "outcomeTimestamp": "yesterday"}]},
            "feedback[0].outcomeTimestamp",
        ),
        (feedback(CARD, overrideReason={"reason": {"code": "x"}}), "feedback[0].overrideReason"),
    ],
)
def test_malformed_feedback_is_400_naming_the_field(client, body, path):
    response = client.post("/cds-services/keuzewijs-order-sign/feedback", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


def test_feedback_goes_to_the_web_apps_database(tmp_path: Path, monkeypatch):
    """Through the real web app: create_app includes the CDS router and migrates cds_feedback."""
    from keuzewijs.settings import load_settings
    from keuzewijs.web.app import create_app

    monkeypatch.setenv("KEUZEWIJS_CDS_REQUIRE_AUTH", "false")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'kw.db'}")
    app = create_app(settings)

    async def go():
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as c:
            assert (await c.get("/cds-services")).status_code == 200
            cards = (
                await c.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view())
            ).json()["cards"]
            body = feedback(
                cards[0]["uuid"],
                outcome="overridden",
                overrideReason={"userComment": "discussed already"},
            )
            return await c.post("/cds-services/keuzewijs-patient-view/feedback", json=body)

    assert asyncio.run(go()).status_code == 200
    rows = SqlFeedbackStore(app.state.engine).all()
    assert [(r["outcome"], r["user_comment"], r["service_id"]) for r in rows] == [
        ("overridden", "discussed already", "keuzewijs-patient-view")
    ]
