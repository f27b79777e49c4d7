"""The state several workers share (keuzewijs.store.shared) on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from keuzewijs.store.db import make_engine
from keuzewijs.store.migrate import upgrade
from keuzewijs.store.shared import WINDOW, SharedState

from .conftest import make_settings


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shared(database_url: str):
    engines = []

    def make(clock: Clock) -> SharedState:
        settings = make_settings(database_url)
        engines.append(make_engine(settings))
        upgrade(engines[-1])
        engines.append(make_engine(settings, synchronous="NORMAL"))
        return SharedState(engines[-1], clock)

    yield make
    for engine in engines:
        engine.dispose()


def test_a_jti_is_claimed_once_until_it_expires(shared):
    clock = Clock(1_000_000.0)
    state = shared(clock)
    assert state.claim_jti("https://ehr", "j1", clock.now + 300)
    assert not state.claim_jti("https://ehr", "j1", clock.now + 300)
    assert state.claim_jti("https://other-ehr", "j1", clock.now + 300)  # per issuer
    clock.now += 301
    assert state.claim_jti("https://ehr", "j1", clock.now + 300)  # expired entry reused
    assert not state.claim_jti("https://ehr", "j1", clock.now + 300)


def test_racing_workers_claim_a_jti_exactly_once(shared):
    clock = Clock(2_000_000.0)
    states = [shared(clock) for _ in range(2)]  # two engines: two "workers"

    def claim(i: int) -> bool:
        return states[i % 2].claim_jti("https://ehr", "race", clock.now + 60)

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(claim, range(16))) == [False] * 15 + [True]


def test_the_lookup_limit_slides_over_window_edges(shared):
    clock = Clock(WINDOW * 50_000 + WINDOW - 1)  # one second before a window edge
    state = shared(clock)
    assert [state.hit("lookup:1.2.3.4", 3) for _ in range(3)] == [None] * 3
    assert state.hit("lookup:1.2.3.4", 3) is not None
    assert state.hit("lookup:5.6.7.8", 3) is None  # per key
    clock.now += 2  # a new fixed window: the last minute still holds the earlier hits
    assert state.hit("lookup:1.2.3.4", 3) is not None
    clock.now += 2 * WINDOW
    assert state.hit("lookup:1.2.3.4", 3) is None


def test_the_app_keeps_its_shared_state_in_either_database(database_url):
    from fastapi.testclient import TestClient

    from keuzewijs.web.app import create_app

    app = create_app(make_settings(database_url, lookup_rate_per_minute=2))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/ready").status_code == 200
        codes = [client.get("/api/v1/decisions/" + "b" * 32).status_code for _ in range(3)]
    app.state.engine.dispose()
    app.state.shared.engine.dispose()
    assert codes == [404, 404, 429]


def test_a_card_issued_by_one_worker_is_known_to_another(database_url):
    from keuzewijs.cds.store import IssuedCard, SqlIssuedCards

    settings = make_settings(database_url)
    engines = [make_engine(settings), make_engine(settings)]
    upgrade(engines[0])
    one, other = SqlIssuedCards(engines[0]), SqlIssuedCards(engines[1])
    card = IssuedCard("keuzewijs-order-sign", "rule-1", "ServiceRequest/1", ("a", "b"))
    one.add_all([("c0ffee00-0000-4000-8000-000000000001", card)])
    one.add_all([("c0ffee00-0000-4000-8000-000000000001", card)])  # a repeat is harmless
    found = other.get_many(["c0ffee00-0000-4000-8000-000000000001", "unknown"])
    for engine in engines:
        engine.dispose()
    assert found == {"c0ffee00-0000-4000-8000-000000000001": card}
