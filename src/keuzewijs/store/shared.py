"""State that every worker process and machine must share, kept in the database.

- the CDS JWT replay cache: (iss, jti) until the token expires; a second use is refused;
- look-up counters: hits per key and minute, for the code look-up and save limits;
- daily counters (keys `day:...`, window = UTC day), for the quota on stored decisions.

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

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from .db import NO_FSYNC, bookkeeping

WINDOW = 60  # seconds per counting window
CLEANUP_EVERY = 200  # on average, one expiry sweep per this many writes

# (`minute`, not `window`: WINDOW is a reserved word in PostgreSQL.)
# Plain SQL that SQLite (3.35+) and PostgreSQL both run, built once: composing the same
# statements with the ORM cost ~20x the database work on every call (a replay check per hook).
_CLAIM_SQL = (
    "INSERT INTO jti_seen (iss, jti, expires_at) VALUES (:iss, :jti, :exp) "
    "ON CONFLICT (iss, jti) DO UPDATE SET expires_at = excluded.expires_at "
    "WHERE jti_seen.expires_at <= :now"  # an expired entry may be reused
)
_SWEEP_JTI_SQL = "DELETE FROM jti_seen WHERE expires_at <= :now"
_HIT = text(
    "INSERT INTO rate_windows (key, minute, hits) VALUES (:key, :minute, 1) "
    "ON CONFLICT (key, minute) DO UPDATE SET hits = rate_windows.hits + 1 RETURNING hits"
)
_PREVIOUS = text("SELECT hits FROM rate_windows WHERE key = :key AND minute = :minute")
_SWEEP_RATE = text("DELETE FROM rate_windows WHERE minute < :minute AND key NOT LIKE 'day:%'")
_SWEEP_DAYS = text("DELETE FROM rate_windows WHERE minute < :day AND key LIKE 'day:%'")
DAY = 86_400


class SharedState:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self.postgres = engine.dialect.name == "postgresql"

    def _begin(self, conn: Connection) -> None:
        if self.postgres:
            conn.execute(NO_FSYNC)

    def claim_jti(self, iss: str, jti: str, expires_at: float) -> bool:
        """True the first time (iss, jti) is seen before it expires; False for a replay."""
        now = self.clock()
        params = {"iss": iss, "jti": jti, "exp": expires_at, "now": now}
        sweep = random.random() < 1 / CLEANUP_EVERY
        with bookkeeping(self.engine) as cursor:  # once per CDS hook call
            claimed = cursor.execute(_CLAIM_SQL, params).rowcount == 1
            if sweep:
                cursor.execute(_SWEEP_JTI_SQL, {"now": now})
        return bool(claimed)

    def hit(self, key: str, per_window: int) -> int | None:
        """Count one hit for `key`; None when within the limit, else seconds to wait.

        A sliding window estimated from two fixed ones (the previous window's hits weighted by
        the part of it still inside the last minute), so a burst across a window edge does not
        double the limit. Refused hits count too: a client that keeps guessing stays refused.
        """
        now = self.clock()
        window = int(now // WINDOW)
        into = (now % WINDOW) / WINDOW
        with self.engine.begin() as conn:
            self._begin(conn)
            current = int(conn.execute(_HIT, {"key": key, "minute": window}).scalar_one())
            previous = conn.execute(
                _PREVIOUS, {"key": key, "minute": window - 1}
            ).scalar_one_or_none()
            if random.random() < 1 / CLEANUP_EVERY:
                conn.execute(_SWEEP_RATE, {"minute": window - 1})
        estimate = (previous or 0) * (1 - into) + current
        if estimate <= per_window:
            return None
        return max(1, math.ceil(WINDOW * (1 - into)))

    def hit_day(self, key: str, per_day: int) -> int | None:
        """Count one for `key` in the current UTC day; None within `per_day`, else seconds
        until the next day (a fixed window: a quota, not a rate)."""
        now = self.clock()
        day = int(now // DAY)
        with self.engine.begin() as conn:
            self._begin(conn)
            count = int(conn.execute(_HIT, {"key": "day:" + key, "minute": day}).scalar_one())
            if random.random() < 1 / CLEANUP_EVERY:
                conn.execute(_SWEEP_DAYS, {"day": day - 1})
        if count <= per_day:
            return None
        return max(1, math.ceil((day + 1) * DAY - now))

    def ping(self) -> None:
        """Raise when the database cannot be reached (for /ready)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
