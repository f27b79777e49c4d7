"""Fixtures for the web tests: app on SQLite or a throwaway PostgreSQL cluster
(tests/support/postgres.py), live uvicorn servers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keuzewijs.settings import Settings, load_settings
from tests.conftest import KNOWLEDGE, REPO
from tests.support.net import free_port
from tests.support.postgres import Cluster


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: Cluster) -> str:
    return postgres_cluster.database("keuzewijs", driver="postgresql+psycopg")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on both back ends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kw.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


# Tests save many decisions from one address; the save limits have tests of their own
# (test_bounded_writes.py).
TEST_SAVE_LIMITS = {"save_rate_per_minute": 10_000, "saves_per_day": 10_000_000}


def make_settings(database_url: str, **extra: object) -> Settings:
    return load_settings(
        database_url=database_url, **{"knowledge": KNOWLEDGE, **TEST_SAVE_LIMITS, **extra}
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite:///{tmp_path / 'kw.db'}")


@pytest.fixture
def client(settings: Settings):
    from fastapi.testclient import TestClient

    from keuzewijs.web.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


# ---------------------------------------------------------------- live server (uvicorn subprocess)
class LiveServer:
    def __init__(self, db_url: str, port: int, log: Path, env: dict[str, str] | None = None):
        self.db_url, self.port, self.log_path = db_url, port, log
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "KEUZEWIJS_DATABASE_URL": self.db_url,
            "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
            "KEUZEWIJS_LOOKUP_RATE_PER_MINUTE": "10000",
            "KEUZEWIJS_SAVE_RATE_PER_MINUTE": "10000",
            "KEUZEWIJS_SAVES_PER_DAY": "10000000",
            **self.extra_env,
        }
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "keuzewijs.cli", "serve", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError("server did not come up in 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc else None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    server = LiveServer(f"sqlite:///{root / 'kw.db'}", free_port(), root / "server.log").start()
    try:
        yield server
    finally:
        server.stop()
