"""Engine and sessions; SQLite gets WAL and an explicit fsync policy, PostgreSQL its defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from keuzewijs.settings import Settings


def _sqlite_pragmas(synchronous: str):
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets readers run beside the one writer; synchronous decides when a commit is on disk.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return on_connect


def make_engine(
    settings: Settings, *, synchronous: str | None = None, one_writer: bool = False
) -> Engine:
    """`synchronous` overrides KEUZEWIJS_SQLITE_SYNCHRONOUS (bookkeeping that needs no fsync).

    `one_writer`: for an engine that only runs short write transactions (the shared state), one
    SQLite connection per process. SQLite admits one writer at a time; threads of one process
    on separate connections collide, and a collision makes SQLite's busy handler sleep 1, 2, 5,
    10 ... ms. Waiting for the pool's one connection instead wakes as soon as it is free.
    """
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30} if one_writer else {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas(synchronous or settings.sqlite_synchronous))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def sqlite_transaction(engine: Engine) -> Iterator[Any]:
    """A cursor of the driver's own connection (sqlite3) for one short write transaction,
    committed on success, rolled back on error. For the per-request bookkeeping writes (a JWT
    replay check and the issued cards of every CDS hook call), where SQLAlchemy's Connection
    cost more than the database work (figures in benchmarks/README.md). Statements use sqlite3's
    named style (`:name`), as text() does."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        yield cursor
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()  # back to the pool
