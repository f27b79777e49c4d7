"""The listening sockets of `keuzewijs serve`: a clear error when the port is taken, and with
several workers one SO_REUSEPORT socket per worker (Linux).

Why a socket per worker: uvicorn's workers share one listening socket and whichever wakes first
accepts, so the keep-alive connections a client opens in a burst split unevenly over the workers
(32 connections in `benchmarks/cds_load`: 28/4, 20/12, even 32/0), one worker queues while the
other idles, and p99 depends on that luck. Each worker with a socket of its own in one
SO_REUSEPORT group lets the kernel spread new connections over the workers by a hash of the
address pair instead (figures: benchmarks/README.md).

Two traps of SO_REUSEPORT this module avoids:
- Every listening socket of the group gets its share of the connections. A copy that nobody
  accepts on (the supervisor's, or that of a dead worker kept open by the supervisor) leaves its
  share hanging. So the supervisor never holds a worker's socket: each worker binds its own, as it
  unpickles its arguments (`WorkerSocket`), and its socket dies with it.
- The same user may bind a port twice with SO_REUSEPORT, so a second `keuzewijs serve` on the
  port would silently join the group. `claim_port` first binds as uvicorn does, without
  SO_REUSEPORT, which fails while anything listens on the port or holds a claim; the claim it then
  keeps (SO_REUSEPORT without SO_REUSEADDR, bound, never listening, so it gets no connections)
  lets this server's workers bind beside it but makes that first bind of any later server fail,
  also before our workers listen.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from keuzewijs.errors import KeuzewijsError

TIME_WAIT_SECONDS = 70  # Linux keeps a closed connection in TIME_WAIT for 60 s
_TIME_WAIT = "06"  # the `st` column of /proc/net/tcp for TIME_WAIT


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuseport_available() -> bool:
    # Linux spreads connections over a SO_REUSEPORT group of listening TCP sockets; BSD and
    # macOS have the option with other semantics, Windows not at all.
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def time_wait_count(port: int) -> int:
    """Connections on local `port` in TIME_WAIT (Linux /proc; 0 where it cannot be read)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == _TIME_WAIT:
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                count += local_port == port
    return count


def _port_in_use(host: str, port: int) -> KeuzewijsError:
    return KeuzewijsError(
        f"cannot listen on {host}:{port}: another process holds the port "
        "(is another server running on this port?)"
    )


def claim_port(
    host: str,
    port: int,
    *,
    for_workers: bool,
    shared_socket: bool = False,
    wait_seconds: float = TIME_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> socket.socket | None:
    """Fail with one line when `host:port` is taken; with `for_workers` and SO_REUSEPORT, return
    the claim socket to keep open while the server runs (None: workers share one socket).

    A claim that fails while connections of an earlier server are in TIME_WAIT is retried
    until they are gone (at most `wait_seconds`); one that fails for any other reason means
    another process holds the port, and the server refuses to start. Falling back to one
    shared socket is only ever done loudly (a warning on stderr), and `shared_socket` asks
    for it: no SO_REUSEPORT group that another process of the same user could join."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        # As uvicorn binds: SO_REUSEADDR, so that connections of a stopped server still in
        # TIME_WAIT do not block a restart.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise KeuzewijsError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(is another server running on this port?)"
        ) from None
    finally:
        probe.close()
    if not for_workers or shared_socket:
        return None
    if not reuseport_available():
        _warn_shared(host, port, "this system has no SO_REUSEPORT")
        return None
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        claim = socket.socket(_family(host), socket.SOCK_STREAM)
        claim.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            # Between the probe above and this bind another server could take the port: then
            # this bind fails (it conflicts with anything but a SO_REUSEPORT socket of this
            # user), or, in the microseconds only a second `keuzewijs serve` started at the
            # same instant could hit, both claims succeed.
            claim.bind((host, port))
            return claim
        except OSError:
            claim.close()
        waiting = time_wait_count(port)
        if not waiting:
            raise _port_in_use(host, port)
        if time.monotonic() >= deadline:
            _warn_shared(host, port, f"{waiting} connections still in TIME_WAIT")
            return None
        if not told:
            print(
                f"keuzewijs: waiting up to {wait_seconds:g} s for {waiting} connections of an "
                f"earlier server on port {port} to leave TIME_WAIT",
                file=sys.stderr,
                flush=True,
            )
            told = True
        sleep(0.5)


def _warn_shared(host: str, port: int, why: str) -> None:
    print(
        f"WARNING: keuzewijs: one shared socket for all workers on {host}:{port} ({why}); "
        "connections may spread unevenly over the workers",
        file=sys.stderr,
        flush=True,
    )


def bind_worker_socket(host: str, port: int) -> socket.socket:
    """In a worker process: a socket of its own in the port's SO_REUSEPORT group, bound like
    uvicorn's `Config.bind_socket` (uvicorn listens on it with its backlog when its app has
    started, so no connection reaches a worker that cannot answer yet)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        from uvicorn.config import STARTUP_FAILURE

        print(f"error: worker cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        # This exit code makes uvicorn's supervisor stop instead of starting the worker again
        # and again.
        sys.exit(STARTUP_FAILURE)
    sock.set_inheritable(True)
    return sock


class WorkerSocket:
    """Stands in for the listening socket uvicorn's supervisor hands each worker. uvicorn spawns
    its workers and pickles their arguments; this unpickles, in the worker, as a new socket from
    `bind_worker_socket`. So every worker, also one the supervisor starts again (after a crash,
    SIGHUP, SIGTTIN), gets its own socket, and the supervisor holds none."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        return bind_worker_socket, (self.host, self.port)
