"""Durability: a burst of concurrent saves, the server SIGKILLed halfway, restarted on the same
database; every save that was acknowledged with 201 must be readable and intact."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.net import free_port
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow

WORKERS = 8
KILL_AFTER = 150  # acknowledged saves before the kill; the burst goes on while it happens
MAX_SECONDS = 60
PROFILES = [
    {"age": 20 + i, "activity_level": level, "chronic_rupture": i % 2 == 0}
    for i, level in enumerate(
        ["competitive_athlete", "recreational", "normally_active", "sedentary"] * 5
    )
]


def _burst(server: LiveServer, acked: list[dict], stop: threading.Event, worker: int) -> int:
    errors = 0
    with httpx.Client(base_url=server.url, timeout=10) as http:
        n = 0
        while not stop.is_set():
            profile = PROFILES[(worker + n) % len(PROFILES)]
            body = {
                "condition": "achilles-tendon-rupture",
                "profile": profile,
                "lang": "nl",
                "weights": {"rerupture": (worker + n) % 11},
                "chosen_option": None,
            }
            n += 1
            try:
                r = http.post("/api/v1/decisions", json=body)
            except httpx.HTTPError:
                errors += 1
                if errors > 50:
                    return errors
                time.sleep(0.05)
                continue
            if r.status_code == 201:
                acked.append({"request": body, "response": r.json()})
    return errors


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_saves_survive_sigkill(request, tmp_path: Path, backend: str):
    url = (
        f"sqlite:///{tmp_path / 'durable.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("database_url_pg")
    )
    server = LiveServer(url, free_port(), tmp_path / "server.log").start()
    acked: list[dict] = []
    stop = threading.Event()
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            futures = [pool.submit(_burst, server, acked, stop, w) for w in range(WORKERS)]
            while len(acked) < KILL_AFTER and time.monotonic() - started < MAX_SECONDS:
                time.sleep(0.01)
            server.kill()  # SIGKILL while the workers are still saving
            time.sleep(0.5)
            stop.set()
            for f in futures:
                f.result()
    finally:
        stop.set()
        server.kill()
    assert len(acked) >= KILL_AFTER, "the burst did not reach the kill point"
    restarted = LiveServer(url, free_port(), tmp_path / "server2.log").start()
    try:
        with httpx.Client(base_url=restarted.url, timeout=10) as http:
            for item in acked:
                saved = item["response"]
                got = http.get(f"/api/v1/decisions/{saved['code']}")
                assert got.status_code == 200, saved["code"]
                assert got.json() == saved  # intact: every field as acknowledged
                assert got.json()["weights"] == {
                    k: float(v) for k, v in item["request"]["weights"].items()
                }
    finally:
        restarted.stop()
    report = {"backend": backend, "acknowledged": len(acked), "all_readable_after_restart": True}
    out = Path(__file__).resolve().parents[2] / "build" / f"durability-{backend}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report))


@pytest.fixture
def database_url_pg(postgres_url: str) -> str:
    from tests.web.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    return postgres_url
