"""Stored decisions on SQLite and PostgreSQL: migrations, round trip, concurrency, no codes at
rest."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pytest
from sqlalchemy import inspect, text

from keuzewijs.store.db import make_engine, session_factory
from keuzewijs.store.migrate import current_head, upgrade
from keuzewijs.store.repository import (
    BadCode,
    DecisionNotFound,
    DecisionStore,
    code_hash,
    normalise_code,
)
from tests.web.conftest import make_settings


@pytest.fixture
def store(database_url):
    engine = make_engine(make_settings(database_url))
    upgrade(engine)
    yield DecisionStore(session_factory(engine))
    engine.dispose()


def _save(store: DecisionStore, n: int = 0):
    return store.save(
        condition="achilles-tendon-rupture",
        knowledge_version="v@1",
        lang="nl",
        profile={"age": 30 + n, "symptoms": ["a", "b"]},
        advice={"options": [{"id": "x", "n": n}]},
        weights={"rerupture": 7.0},
        chosen_option=None,
    )


def test_migrations_reach_head_and_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from keuzewijs.store.models import Base, DecisionRow

    mine = {DecisionRow.__tablename__}  # other modules' tables are their tests' business

    def only_mine(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in mine

    engine = make_engine(make_settings(database_url))
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent: a restart migrates nothing
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == current_head()
            context = MigrationContext.configure(conn, opts={"include_object": only_mine})
            assert compare_metadata(context, Base.metadata) == []
            assert "decisions" in inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_round_trip_keeps_every_field(store):
    saved = _save(store, 1)
    got = store.get(saved.code)
    assert got == saved
    assert got.profile == {"age": 31, "symptoms": ["a", "b"]}
    assert got.created_at.tzinfo is not None and abs(
        got.created_at - dt.datetime.now(dt.UTC)
    ) < dt.timedelta(minutes=5)


def test_codes_are_unguessable_and_only_hashed_at_rest(store):
    codes = {_save(store, i).code for i in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(normalise_code(code).replace("-", "")) * 5 >= 128
    with store.sessions() as session:
        keys = set(session.execute(text("SELECT code_hash FROM decisions")).scalars())
    assert keys == {code_hash(c) for c in codes}
    assert not keys & {c.replace("-", "") for c in codes} and not keys & codes


def test_missing_and_malformed_codes(store):
    with pytest.raises(DecisionNotFound):
        store.get("a" * 32)
    for bad in ("", "abc", "1" * 32, "a" * 33):
        with pytest.raises(BadCode):
            store.get(bad)


def test_concurrent_saves_are_all_readable(store):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        saved = list(pool.map(lambda n: _save(store, n), range(64)))
    for item in saved:
        assert store.get(item.code).advice == item.advice


def test_sqlite_runs_in_wal_with_full_sync(tmp_path):
    engine = make_engine(make_settings(f"sqlite:///{tmp_path / 'w.db'}"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()
