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

from keuzewijs.errors import KeuzewijsError


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuseport_available() -> bool:
    # Linux spreads connections over a SO_REUSEPORT group of listening TCP sockets; BSD and
    # macOS have the option with other semantics, Windows not at all.
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def claim_port(host: str, port: int, *, for_workers: bool) -> socket.socket | None:
    """Fail with one line when `host:port` is taken; with `for_workers` and SO_REUSEPORT, return
    the claim socket to keep open while the server runs (None: workers share one socket)."""
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
    if not (for_workers and reuseport_available()):
        return None
    claim = socket.socket(_family(host), socket.SOCK_STREAM)
    claim.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        # Between the probe above and this bind another server could take the port: then this
        # bind fails (it conflicts with anything but a SO_REUSEPORT socket of this user), or, in
        # the microseconds only a second `keuzewijs serve` started at the same instant could
        # hit, both claims succeed.
        claim.bind((host, port))
    except OSError:
        claim.close()
        return None  # e.g. a TIME_WAIT connection of an older server: one shared socket then
    return claim


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
