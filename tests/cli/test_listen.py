"""The listening sockets of `keuzewijs serve --workers N` (cli/listen.py): a taken port gives one
clear error, a claimed port refuses a second claim, and each worker binds a socket of its own in
the port's SO_REUSEPORT group that shares out the connections; the claim itself gets none."""

from __future__ import annotations

import pickle
import socket

import pytest

from keuzewijs.cli.listen import WorkerSocket, claim_port, reuseport_available
from keuzewijs.errors import KeuzewijsError
from tests.support.net import free_port

HOST = "127.0.0.1"


def test_a_port_something_listens_on_gives_one_line():
    with socket.socket() as other:
        other.bind((HOST, 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(KeuzewijsError) as err:
            claim_port(HOST, port, for_workers=True)
    assert err.value.one_line() == (
        f"cannot listen on {HOST}:{port}: Address already in use "
        "(is another server running on this port?)"
    )


def test_one_worker_needs_no_claim():
    assert claim_port(HOST, free_port(), for_workers=False) is None


@pytest.mark.skipif(not reuseport_available(), reason="SO_REUSEPORT groups are Linux only")
def test_workers_share_out_connections_and_the_claim_gets_none():
    port = free_port()
    claim = claim_port(HOST, port, for_workers=True)
    assert claim is not None
    workers: list[socket.socket] = []
    clients: list[socket.socket] = []
    try:
        # A second server is refused while only the claim holds the port, before any worker
        # listens: SO_REUSEPORT alone would let the same user bind the port twice.
        with pytest.raises(KeuzewijsError, match="Address already in use"):
            claim_port(HOST, port, for_workers=True)
        # What a worker process receives from the supervisor: it unpickles as a socket of its own.
        workers = [pickle.loads(pickle.dumps(WorkerSocket(HOST, port))) for _ in range(2)]
        for sock in workers:
            assert sock.getsockname() == (HOST, port)
            sock.listen(64)
            sock.setblocking(False)
        with pytest.raises(KeuzewijsError):
            claim_port(HOST, port, for_workers=True)
        clients = [socket.create_connection((HOST, port), timeout=5) for _ in range(40)]
        accepted = []
        for sock in workers:
            count = 0
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
            accepted.append(count)
        # Every connection reached a worker (none waits on the claim), and both workers got some
        # (all 40 on one of the two by the kernel's hash: a chance of 2 in 2**40).
        assert sum(accepted) == 40
        assert min(accepted) > 0
    finally:
        for s in [*clients, *workers, claim]:
            s.close()
