"""Issue 22 items 3, 9 and 11 on a live server (127.0.0.1 only, bounded in count and time):
slow request heads are timed out and do not starve /health; a head arriving whole in one read
cannot overshoot the head limit; an early 413 drains the body so the client reads it; /metrics
can move to a port of its own or require a bearer token."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from keuzewijs.web.app import create_app
from tests.support.net import free_port

from .conftest import LiveServer, make_settings

HEAD_TIMEOUT = 5.0
SLOW = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("conn")
    metrics_port = free_port()
    env = {
        "KEUZEWIJS_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
        "KEUZEWIJS_METRICS_PORT": str(metrics_port),
    }
    live = LiveServer(f"sqlite:///{root / 'kw.db'}", free_port(), root / "server.log", env)
    live.metrics_port = metrics_port  # type: ignore[attr-defined]
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _slow_head(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
    return s


def test_500_slow_heads_do_not_starve_health_and_are_timed_out(server):
    slow: list[socket.socket] = []
    try:
        slow = [_slow_head(server.port) for _ in range(SLOW)]
        started = time.monotonic()
        for s in slow:  # one more header line each, as a slowloris client does
            with contextlib.suppress(OSError):
                s.sendall(b"X-Wait: 1\r\n")

        with httpx.Client(timeout=2) as probe:  # a fresh connection each: the kind that starved
            statuses = [
                probe.get(server.url + "/health", headers={"Connection": "close"}).status_code
                for _ in range(20)
            ]
        assert statuses == [200] * 20
        assert time.monotonic() - started < HEAD_TIMEOUT  # probed while all 500 were open

        # Every slow head is answered 408 and closed once the head timeout has passed.
        deadline = time.monotonic() + HEAD_TIMEOUT + 8
        answers = []
        for s in slow:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                answers.append(s.recv(200))
            except OSError:
                answers.append(b"(no answer)")
        timed_out = sum(a.startswith(b"HTTP/1.1 408") for a in answers)
        assert timed_out == SLOW, f"{timed_out} of {SLOW} slow heads answered 408"
    finally:
        for s in slow:
            s.close()
    assert httpx.get(server.url + "/health", timeout=2).status_code == 200


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)  # the whole request first, like curl and most libraries
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        return answer


def test_a_head_arriving_whole_in_one_read_cannot_overshoot_the_limit(server):
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    assert _exchange(server.port, head).startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_early_413_is_read_by_a_client_that_writes_the_whole_body_first(server, declared):
    body = b" " * 2_000_000  # over the 1 MB limit, under the drain bound
    if declared:
        framing = b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        payload = body
    else:
        framing = b"Transfer-Encoding: chunked\r\n\r\n"
        payload = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    request = (
        b"POST /api/v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + framing
    )
    answers = [_exchange(server.port, request + payload) for _ in range(5)]
    assert all(a.startswith(b"HTTP/1.1 413") for a in answers), [a[:40] for a in answers]


def test_a_client_that_half_closes_after_its_request_still_reads_the_answer(server):
    # The CI failure of stop 23: uvicorn closed the connection at the client's end-of-file,
    # before a POST that waits on the app was answered, and the client read b"".
    body = b'{"condition": "no-such-condition"}'
    request = (
        b"POST /api/v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    answers = [_exchange(server.port, request) for _ in range(5)]
    assert all(a.startswith(b"HTTP/1.1 4") for a in answers), [a[:40] for a in answers]
    assert all(b"application/problem+json" in a for a in answers)


def test_a_client_that_half_closes_inside_its_body_is_disconnected_at_once(server):
    request = (
        b"POST /api/v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    started = time.monotonic()
    answer = _exchange(server.port, request)  # the body can never be complete
    assert time.monotonic() - started < HEAD_TIMEOUT
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:40]


def test_metrics_on_their_own_port_only(server):
    assert httpx.get(server.url + "/metrics", timeout=5).status_code == 404
    scraped = httpx.get(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5)
    assert scraped.status_code == 200 and "keuzewijs_http_requests_total" in scraped.text


def test_metrics_behind_a_bearer_token(tmp_path):
    token = "s3cret-metrics-token-0123456789"
    settings = make_settings(f"sqlite:///{tmp_path / 'kw.db'}", metrics_token=token)
    with TestClient(create_app(settings)) as c:
        refused = c.get("/metrics")
        wrong = c.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"})
        scraped = c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert refused.headers["content-type"] == "application/problem+json"
    assert wrong.status_code == 401
    assert scraped.status_code == 200 and "keuzewijs_http_requests_total" in scraped.text


def test_metrics_open_on_the_app_port_by_default(client):
    assert client.get("/metrics").status_code == 200
