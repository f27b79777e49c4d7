"""Issue 22 item 4: `serve --workers N` refuses a port another process holds, waits out TIME_WAIT
before claiming a SO_REUSEPORT group, only falls back to one shared socket loudly, and
`--shared-socket` gives a port that no other process of the same user can join."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from keuzewijs.cli.listen import claim_port, reuseport_available, time_wait_count
from keuzewijs.errors import KeuzewijsError
from tests.conftest import KNOWLEDGE, REPO
from tests.support.net import free_port

HOST = "127.0.0.1"
linux_only = pytest.mark.skipif(not reuseport_available(), reason="SO_REUSEPORT is Linux only")


@linux_only
def test_a_port_bound_by_another_process_is_refused_not_shared():
    """Bound but not listening: the probe (SO_REUSEADDR) passes beside it, the claim does not,
    and with no TIME_WAIT to wait for that means someone else holds the port."""
    port = free_port()
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind((HOST, port))
        with pytest.raises(KeuzewijsError, match="another process holds the port"):
            claim_port(HOST, port, for_workers=True, wait_seconds=1, sleep=lambda s: None)


def _time_wait_on(port: int) -> None:
    """Leave a connection in TIME_WAIT on `port`: the server side closes first."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, port))
        server.listen()
        client = socket.create_connection((HOST, port), timeout=5)
        conn, _ = server.accept()
        conn.close()  # active close: TIME_WAIT on the server's side, local port `port`
        time.sleep(0.05)
        client.close()
    time.sleep(0.05)


@linux_only
def test_time_wait_is_waited_out_then_the_fallback_is_loud(capsys):
    port = free_port()
    _time_wait_on(port)
    assert time_wait_count(port) >= 1
    slept: list[float] = []
    claim = claim_port(HOST, port, for_workers=True, wait_seconds=0.3, sleep=slept.append)
    err = capsys.readouterr().err
    if claim is not None:  # the kernel let the claim bind beside TIME_WAIT: nothing to wait for
        claim.close()
        pytest.skip("this kernel allows the claim beside TIME_WAIT")
    assert slept, "it waited before giving up"
    assert "waiting up to 0.3 s" in err
    assert "WARNING: keuzewijs: one shared socket for all workers" in err


def test_shared_socket_is_asked_for_no_claim_no_warning(capsys):
    assert claim_port(HOST, free_port(), for_workers=True, shared_socket=True) is None
    assert capsys.readouterr().err == ""


@linux_only
def test_with_shared_socket_no_other_process_can_join_the_port(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
        "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'kw.db'}",
    }
    cmd = [sys.executable, "-m", "keuzewijs.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--shared-socket"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{HOST}:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not come up")
        intruder = socket.socket()
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with intruder, pytest.raises(OSError):
            intruder.bind((HOST, port))  # a SO_REUSEPORT group would have let it in
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "WARNING" not in err  # asked for, so not a fallback
