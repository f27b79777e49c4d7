"""Engine and sessions; SQLite gets WAL and an explicit fsync policy, PostgreSQL its defaults."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, TextClause, create_engine, event, exc, text
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.orm import Session, sessionmaker

from keuzewijs.settings import Settings, SettingsError


def _outage_errors() -> tuple[type[Exception], ...]:
    """Errors that mean 'the database cannot be used right now' (down, unreachable, locked,
    out of connections), as opposed to a bug in a statement. SQLAlchemy wraps the driver's
    errors; the bookkeeping path uses sqlite3 directly, so its own errors are listed too."""
    errors: list[type[Exception]] = [
        exc.OperationalError,
        exc.InterfaceError,
        exc.DisconnectionError,
        exc.TimeoutError,  # no pooled connection came free in time
        sqlite3.OperationalError,
        sqlite3.InterfaceError,
    ]
    try:
        import psycopg

        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


# Answered 503 with Retry-After on every route (web/problems.py), never 500.
OUTAGE_ERRORS = _outage_errors()
OUTAGE_RETRY_AFTER_SECONDS = 10


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
    # connect_timeout: an unreachable server is an error in seconds, not a hang at start.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 10},
    )


def check_database(settings: Settings) -> None:
    """At start: the database can be opened and written, else SettingsError naming
    KEUZEWIJS_DATABASE_URL in one line (an unwritable SQLite path, a PostgreSQL server that
    does not answer), instead of a traceback from the first migration or request."""
    path = "KEUZEWIJS_DATABASE_URL"
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        file = Path(url.database).resolve()
        folder = next((p for p in (file.parent, *file.parent.parents) if p.exists()), None)
        # WAL mode writes -wal and -shm files beside the database: the folder must be writable.
        if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise SettingsError(f"cannot create or write the SQLite folder {folder}", path=path)
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            raise SettingsError(f"cannot write the SQLite file {file}", path=path)
    try:
        engine = make_engine(settings)
    except OSError as exc:
        raise SettingsError(
            f"cannot create the SQLite folder {Path(str(url.database)).parent} ({exc.strerror})",
            path=path,
        ) from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OUTAGE_ERRORS as exc:
        where = f"{url.host}:{url.port or 5432}" if url.host else url.database
        raise SettingsError(
            f"cannot connect to the database at {where} ({type(exc).__name__})", path=path
        ) from None
    finally:
        engine.dispose()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def bookkeeping(engine: Engine) -> Iterator[Any]:
    """One short write transaction of per-request bookkeeping (the JWT replay claim, the issued
    cards of a CDS hook call), for plain SQL in `:name` style. Yields something with
    `execute(sql, params)` and `executemany(sql, rows)`, committed on success.

    SQLite: a cursor of the driver's own connection (sqlite3); SQLAlchemy's Connection cost
    more than the database work on every hook call (figures in benchmarks/README.md).
    PostgreSQL: SQLAlchemy, with the commit's fsync skipped (a crash loses at most the last
    moments of bookkeeping)."""
    if engine.dialect.name == "sqlite":
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
        return
    with engine.begin() as sa_conn:
        if engine.dialect.name == "postgresql":
            sa_conn.execute(NO_FSYNC)
        yield _SqlWriter(sa_conn)


NO_FSYNC = text("SET LOCAL synchronous_commit TO OFF")  # PostgreSQL, this transaction only


class _SqlWriter:
    """The two cursor methods `bookkeeping` callers use, on a SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: dict[str, Any]) -> CursorResult[Any]:
        return self.conn.execute(_text(sql), params)

    def executemany(self, sql: str, rows: list[dict[str, Any]]) -> CursorResult[Any]:
        return self.conn.execute(_text(sql), rows)


@lru_cache(maxsize=64)
def _text(sql: str) -> TextClause:
    return text(sql)  # built once per statement
