"""Two worker processes behave as one server: state they must agree on lives in the database.

`keuzewijs serve --workers 2` on one SQLite file. A CDS JWT used once is refused when replayed,
whichever worker answers; the code look-up limit counts the look-ups of both workers. The JSON
access log (request id + process id) shows that both workers really answered, so the test
cannot pass by one worker taking all the traffic.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.cds import requests as rq
from tests.cds.jwt_keys import ISSUER, ec_key, public_jwk, token
from tests.conftest import KNOWLEDGE, REPO
from tests.support.net import free_port
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow

HOOK = "/cds-services/keuzewijs-patient-view"
LOOKUP_LIMIT = 5


@pytest.fixture(scope="module")
def key():
    return ec_key()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory, key):
    root = tmp_path_factory.mktemp("workers")
    port = free_port()
    jwks = {"keys": [public_jwk(key, "ec-1", "ES384")]}
    env = {
        "KEUZEWIJS_WORKERS": "2",
        "KEUZEWIJS_CDS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "KEUZEWIJS_CDS_ISSUERS": json.dumps([{"iss": ISSUER, "jwks": jwks}]),
        "KEUZEWIJS_LOOKUP_RATE_PER_MINUTE": str(LOOKUP_LIMIT),
    }
    server = LiveServer(f"sqlite:///{root / 'kw.db'}", port, root / "server.log", env)
    server.start()
    try:
        yield server
    finally:
        assert server.stop() == 0


def _read_pids(log: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "keuzewijs.web.access":
                out[entry["request_id"]] = entry["pid"]
    return out


def pids_by_request(log: Path, request_ids: list[str]) -> dict[str, int]:
    """The worker pid of each request. A worker writes its access-log line after it has sent
    the answer, so the last lines can arrive a moment after the client has its answers: wait
    for them (bounded) rather than read a log that is still being written."""
    deadline = time.monotonic() + 30
    while True:
        pids = _read_pids(log)
        missing = [rid for rid in request_ids if rid not in pids]
        if not missing or time.monotonic() > deadline:
            assert not missing, f"{len(missing)} requests never reached the access log"
            return pids
        time.sleep(0.05)


def test_a_jti_replayed_on_the_other_worker_is_refused(two_workers, key):
    aud = two_workers.url + HOOK
    body = rq.hip_patient_view()

    def first_and_replay(_: int) -> tuple[tuple[str, int], tuple[str, int]]:
        bearer = {"Authorization": "Bearer " + token(key, "ec-1", "ES384", aud)}
        answers = []
        for _attempt in range(2):  # a new connection each time: either worker may take it
            rid = uuid.uuid4().hex
            r = httpx.post(aud, json=body, headers={**bearer, "X-Request-ID": rid}, timeout=60)
            answers.append((rid, r.status_code))
        return answers[0], answers[1]

    with ThreadPoolExecutor(8) as pool:
        pairs = list(pool.map(first_and_replay, range(32)))
    assert [first[1] for first, _ in pairs] == [200] * 32
    assert [replay[1] for _, replay in pairs] == [401] * 32
    pid = pids_by_request(two_workers.log_path, [rid for pair in pairs for rid, _ in pair])
    crossed = [p for p in pairs if pid[p[0][0]] != pid[p[1][0]]]
    assert len(set(pid.values())) == 2, "both workers must have answered"
    assert crossed, "no replay reached the other worker; the test proves nothing"


def test_the_lookup_limit_holds_across_workers(two_workers):
    def look_up(_: int) -> tuple[str, int]:
        rid = uuid.uuid4().hex
        code = "a" * 32
        r = httpx.get(
            f"{two_workers.url}/api/v1/decisions/{code}", headers={"X-Request-ID": rid}, timeout=60
        )
        return rid, r.status_code

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(look_up, range(4 * LOOKUP_LIMIT)))
    statuses = sorted(status for _, status in answers)
    assert statuses == [404] * LOOKUP_LIMIT + [429] * (3 * LOOKUP_LIMIT)
    pid = pids_by_request(two_workers.log_path, [rid for rid, _ in answers])
    assert len({pid[rid] for rid, _ in answers}) == 2, "both workers must have answered"


def test_feedback_on_any_worker_knows_the_card_another_issued(two_workers, key):
    """The override reasons a card offered are checked whichever worker gets the feedback."""
    bodies = {
        "keuzewijs-patient-view": rq.hip_patient_view(),
        "keuzewijs-encounter-discharge": rq.hip_discharge(),
        **rq.load_test_extra(),
    }
    issued: list[tuple[str, dict]] = []
    for service, body in bodies.items():
        url = f"{two_workers.url}/cds-services/{service}"
        bearer = {"Authorization": "Bearer " + token(key, "ec-1", "ES384", url)}
        cards = httpx.post(url, json=body, headers=bearer, timeout=60).json()["cards"]
        issued += [(service, c) for c in cards if c.get("overrideReasons")]
    assert issued, "no card offered override reasons; the test needs one"
    service, card = issued[0]
    url = f"{two_workers.url}/cds-services/{service}/feedback"
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-22T10:05:00Z",
                "overrideReason": {"reason": {"code": "not-a-reason-it-offered"}},
            }
        ]
    }

    def send(_: int) -> tuple[str, int]:
        rid = uuid.uuid4().hex
        bearer = {"Authorization": "Bearer " + token(key, "ec-1", "ES384", url)}
        r = httpx.post(url, json=body, headers={**bearer, "X-Request-ID": rid}, timeout=60)
        return rid, r.status_code

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))
    assert [status for _, status in answers] == [400] * 16
    pid = pids_by_request(two_workers.log_path, [rid for rid, _ in answers])
    assert len({pid[rid] for rid, _ in answers}) == 2, "both workers must have answered"


def test_a_second_server_on_the_port_fails_with_one_line(two_workers, tmp_path):
    """Each worker listens on its own SO_REUSEPORT socket, and the same user may bind such a port
    again: a second `keuzewijs serve` must still be refused, not join the running one."""
    for workers in ("2", "1"):
        out = subprocess.run(
            [sys.executable, "-m", "keuzewijs.cli", "serve", "--port", str(two_workers.port)],
            cwd=REPO,
            env={
                **os.environ,
                "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
                "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'second.db'}",
                "KEUZEWIJS_WORKERS": workers,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 2, out.stderr
        assert out.stderr.strip().splitlines() == [
            f"error: cannot listen on 127.0.0.1:{two_workers.port}: Address already in use "
            "(is another server running on this port?)"
        ]
    assert httpx.get(two_workers.url + "/api/v1/health", timeout=10).status_code == 200


def _descendants(pid: int) -> set[int]:
    """The processes below `pid` (Linux /proc): uvicorn's workers and multiprocessing's helper."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        # A process may end while we read: its stat is gone or empty.
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        above = todo.pop()
        below = {child for child, parent in parents.items() if parent == above}
        todo += below - found
        found |= below
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_stops_every_worker(two_workers):
    """Last in this module: it stops the shared server."""
    assert two_workers.proc is not None
    workers = _descendants(two_workers.proc.pid)
    assert len(workers) >= 2
    assert two_workers.stop() == 0
    deadline = time.monotonic() + 10
    while (alive := {p for p in workers if Path(f"/proc/{p}").exists()}) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert not alive, f"processes left running after SIGTERM: {sorted(alive)}"
