"""A throwaway PostgreSQL cluster for the tests that need one: the decision store on both back
ends (tests/web) and the audit's PostgreSQL backend (tests/audit).

Debian's server binaries (scripts/setup-test-deps.sh installs them): a cluster initdb'ed into a
temp dir as the `postgres` user on a loopback port, one per test session, removed afterwards.
Each user creates its own database in it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .net import free_port

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def pg_bin() -> Path | None:
    """The newest installed server's bin folder, or None without one."""

    def version(path: str) -> int:
        name = Path(path).parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob(PG_BIN_GLOB), key=version)
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root; as root we become the Debian `postgres` user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(as_postgres(args), check=True, capture_output=True, timeout=120)


@dataclass(frozen=True)
class Cluster:
    bindir: Path
    port: int
    data: Path | None = None  # the cluster's data folder, for stop()/start()

    def database(self, name: str, driver: str = "postgresql") -> str:
        """Create database `name`; its URL for SQLAlchemy (`driver`, e.g. postgresql+psycopg)."""
        host = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        _run([str(self.bindir / "createdb"), *host, name])
        return f"{driver}://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server (an outage); `running_cluster` still removes it afterwards."""
        assert self.data is not None
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])


@contextmanager
def running_cluster(bindir: Path) -> Iterator[Cluster]:
    """Start a cluster with no durability (fsync off: it lives for one session), stop and delete
    it on the way out."""
    root = Path(tempfile.mkdtemp(prefix="kw-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    _run([*initdb, "-E", "UTF8", "--no-sync"])
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    _run([*pg_ctl, "-l", str(root / "log"), "-w", "-t", "60", "-o", options, "start"])
    try:
        yield Cluster(bindir, port, data)
    finally:
        subprocess.run(
            as_postgres([*pg_ctl, "-m", "immediate", "stop"]), capture_output=True, timeout=60
        )
        shutil.rmtree(root, ignore_errors=True)
