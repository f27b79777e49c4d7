"""Issue 22 item 6: a database outage is answered as an outage (503 problem+json with
Retry-After, one log line, no stack trace) on every route that needs the database: saves,
look-ups, pages and the CDS hook path. `/ready` already said 503 (test_hardening.py)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keuzewijs.store.db import session_factory
from keuzewijs.web.app import create_app
from tests.cds import requests as rq
from tests.conftest import in_ci
from tests.support.postgres import Cluster, pg_bin, running_cluster

from .conftest import make_settings

PROBLEM = "application/problem+json"
DECISION = {"condition": "hip-fracture", "profile": {"age": 80}, "lang": "en"}
CODE = "aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh"


def feedback(card: str) -> dict[str, object]:
    at = "2026-11-22T10:05:00Z"
    return {"feedback": [{"card": card, "outcome": "accepted", "outcomeTimestamp": at}]}


def assert_outage(response, *, html: bool = False) -> None:
    assert response.status_code == 503, response.text[:300]
    assert int(response.headers["retry-after"]) > 0
    if html:
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 503


def assert_one_line_each(caplog: pytest.LogCaptureFixture, answered: int) -> None:
    lines = [r for r in caplog.records if r.name.startswith("keuzewijs")]
    outages = [r for r in lines if "database unavailable" in r.getMessage()]
    assert len(outages) == answered
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in outages)
    assert not [r for r in lines if r.levelno >= logging.ERROR]  # no 'internal error' + trace


@pytest.fixture
def stoppable_cluster() -> Iterator[Cluster]:
    """A cluster of its own: this test stops it, the session's cluster stays up."""
    bindir = pg_bin()
    if bindir is None:
        if in_ci():
            pytest.fail("PostgreSQL server binaries missing")
        pytest.skip("PostgreSQL server not installed (run scripts/setup-test-deps.sh)")
    with running_cluster(bindir) as cluster:
        yield cluster


def test_postgresql_stopped_is_503_on_every_database_route(
    stoppable_cluster: Cluster, monkeypatch, caplog
):
    monkeypatch.setenv("KEUZEWIJS_CDS_REQUIRE_AUTH", "false")
    settings = make_settings(stoppable_cluster.database("kw", driver="postgresql+psycopg"))
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        saved = c.post("/api/v1/decisions", json=DECISION)
        assert saved.status_code == 201
        code = saved.json()["code"]
        card = c.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view())
        card_uuid = card.json()["cards"][0]["uuid"]

        stoppable_cluster.stop()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            assert_outage(c.post("/api/v1/decisions", json=DECISION))
            assert_outage(c.get(f"/api/v1/decisions/{code}"))
            assert_outage(c.get(f"/en/d/{code}"), html=True)
            hook = c.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view())
            assert_outage(hook)
            assert_outage(
                c.post("/cds-services/keuzewijs-patient-view/feedback", json=feedback(card_uuid))
            )
            assert c.get("/ready").status_code == 503
            assert c.get("/health").status_code == 200  # the process itself is alive
        assert_one_line_each(caplog, answered=5)
    for engine in (app.state.engine, app.state.shared.engine):
        engine.dispose()  # closes the broken connections now, not in a later test's gc
    gc.collect()


def test_sqlite_that_cannot_be_opened_is_503(tmp_path: Path, caplog):
    """The same on SQLite: a database file that cannot be opened (its folder is gone)."""
    from sqlalchemy import create_engine

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'kw.db'}"))
    with TestClient(app, raise_server_exceptions=False) as c:
        broken = create_engine(f"sqlite:///{tmp_path / 'gone' / 'kw.db'}")
        app.state.ctx.store.sessions = session_factory(broken)
        app.state.shared.engine = broken
        with caplog.at_level(logging.INFO):
            assert_outage(c.post("/api/v1/decisions", json=DECISION))
            assert_outage(c.get(f"/api/v1/decisions/{CODE}"))
        assert_one_line_each(caplog, answered=2)
