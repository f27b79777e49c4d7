"""State that every worker process and machine must share, kept in the database.

- the CDS JWT replay cache: (iss, jti) until the token expires; a second use is refused;
- look-up counters: hits per key and minute, for the code look-up limit.

SQLite serves the workers of one machine (WAL, busy timeout); PostgreSQL serves several
machines. Both use one atomic statement per check (INSERT ... ON CONFLICT), so two workers
racing on the same jti or key cannot both win. These rows are short-lived bookkeeping: their
commits skip the fsync (SQLite synchronous=NORMAL on its own connection, PostgreSQL
synchronous_commit off for the transaction); a crash loses at most the last moments of it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .models import JtiSeen, RateWindow

WINDOW = 60  # seconds per counting window
CLEANUP_EVERY = 200  # on average, one expiry sweep per this many writes


class SharedState:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self.postgres = engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if self.postgres else sqlite.insert

    def _begin(self, conn: Connection) -> None:
        if self.postgres:
            conn.execute(text("SET LOCAL synchronous_commit TO OFF"))

    def claim_jti(self, iss: str, jti: str, expires_at: float) -> bool:
        """True the first time (iss, jti) is seen before it expires; False for a replay."""
        now = self.clock()
        stmt = self._insert(JtiSeen).values(iss=iss, jti=jti, expires_at=expires_at)
        # An expired entry may be reused (the token itself is refused as expired anyway).
        stmt = stmt.on_conflict_do_update(
            index_elements=["iss", "jti"],
            set_={"expires_at": stmt.excluded.expires_at},
            where=JtiSeen.expires_at <= now,
        )
        with self.engine.begin() as conn:
            self._begin(conn)
            claimed = conn.execute(stmt).rowcount == 1
            if random.random() < 1 / CLEANUP_EVERY:
                conn.execute(delete(JtiSeen).where(JtiSeen.expires_at <= now))
        return claimed

    def hit(self, key: str, per_window: int) -> int | None:
        """Count one hit for `key`; None when within the limit, else seconds to wait.

        A sliding window estimated from two fixed ones (the previous window's hits weighted by
        the part of it still inside the last minute), so a burst across a window edge does not
        double the limit. Refused hits count too: a client that keeps guessing stays refused.
        """
        now = self.clock()
        window = int(now // WINDOW)
        into = (now % WINDOW) / WINDOW
        stmt = self._insert(RateWindow).values(key=key, window=window, hits=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key", "window"], set_={"hits": RateWindow.hits + 1}
        ).returning(RateWindow.hits)
        with self.engine.begin() as conn:
            self._begin(conn)
            current = int(conn.execute(stmt).scalar_one())
            previous = conn.execute(
                select(RateWindow.hits).where(
                    RateWindow.key == key, RateWindow.window == window - 1
                )
            ).scalar_one_or_none()
            if random.random() < 1 / CLEANUP_EVERY:
                conn.execute(delete(RateWindow).where(RateWindow.window < window - 1))
        estimate = (previous or 0) * (1 - into) + current
        if estimate <= per_window:
            return None
        return max(1, math.ceil(WINDOW * (1 - into)))

    def ping(self) -> None:
        """Raise when the database cannot be reached (for /ready)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
