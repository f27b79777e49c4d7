"""`keuzewijs serve`: the web decision aid, API and CDS service on uvicorn (what `make run` calls).

`--workers N` starts N processes on one port. Everything they must agree on lives in the
database (stored decisions, CDS feedback, the JWT replay cache, look-up counters), so N
workers, or N machines on one PostgreSQL database, behave as one server. On Linux each worker
listens on a socket of its own, so the kernel spreads the connections evenly (`listen.py`).
"""

from __future__ import annotations

import os
import socket
from typing import Annotated, Any, cast

import typer

from .errors import user_errors
from .listen import WorkerSocket, claim_port


def _uvicorn_options(settings: Any) -> dict[str, Any]:
    try:
        import httptools  # noqa: F401

        http: str = "keuzewijs.web.http_limits:BoundedHttpToolsProtocol"
        extra: dict[str, Any] = {}
    except ImportError:  # pure-Python parser: it has its own bound on an incomplete head
        http, extra = "h11", {"h11_max_incomplete_event_size": settings.max_header_bytes}
    return {
        "host": settings.host,
        "port": settings.port,
        "http": http,
        # access_log off: uvicorn would log full paths (decision codes); our middleware logs
        # route templates. Forwarded headers: only from KEUZEWIJS_TRUSTED_PROXIES, which the
        # app handles itself; uvicorn's default would believe any local process.
        "access_log": False,
        "proxy_headers": False,
        "log_level": "info",
        "log_config": None,
        "server_header": False,
        # Per worker: above this many connections + running requests, answer 503 at once.
        "limit_concurrency": settings.limit_concurrency,
        **extra,
    }


def _raise_open_file_limit() -> None:
    """Each connection is a file descriptor; the usual soft limit of 1024 let 2,600 slow
    connections starve /health. Raise the soft limit to the hard one (capped)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _serve_metrics(settings: Any) -> None:
    """KEUZEWIJS_METRICS_PORT: /metrics on a port of its own (a thread of this process; with
    several workers it sums their files), and no longer on the application port."""
    if settings.metrics_port is None:
        return
    from prometheus_client import start_http_server

    from keuzewijs.errors import KeuzewijsError
    from keuzewijs.web.observe import metrics_registry

    try:
        start_http_server(
            settings.metrics_port, addr=settings.metrics_host, registry=metrics_registry()
        )
    except OSError as exc:
        raise KeuzewijsError(
            f"cannot serve metrics on {settings.metrics_host}:{settings.metrics_port}: "
            f"{exc.strerror or exc}",
            path="KEUZEWIJS_METRICS_PORT",
        ) from None


@user_errors
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="address to listen on (default: $KEUZEWIJS_HOST or 127.0.0.1)"),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="port (default: $KEUZEWIJS_PORT or 8000)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes (default: $KEUZEWIJS_WORKERS or 1)", min=1, max=64),
    ] = None,
    shared_socket: Annotated[
        bool | None,
        typer.Option(
            "--shared-socket/--socket-per-worker",
            help="workers share one listening socket instead of a SO_REUSEPORT socket each, "
            "which any process of the same user could join (default: "
            "$KEUZEWIJS_SHARED_SOCKET or a socket per worker)",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="serve /metrics on this port only (default: $KEUZEWIJS_METRICS_PORT, else "
            "/metrics on the application port)",
            min=1,
            max=65535,
        ),
    ] = None,
) -> None:
    """Serve the decision aid at http://127.0.0.1:8000 (SQLite database created on first start)."""
    import signal
    import sys
    import tempfile

    import uvicorn

    from keuzewijs.cds.settings import CdsSettings
    from keuzewijs.packs import get_library
    from keuzewijs.settings import load_settings, read_settings
    from keuzewijs.store.db import check_database
    from keuzewijs.web.app import freeze_long_lived
    from keuzewijs.web.observe import configure_logging

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if workers is not None:
        overrides["workers"] = workers
    if shared_socket is not None:
        overrides["shared_socket"] = shared_socket
    if metrics_port is not None:
        overrides["metrics_port"] = metrics_port
    settings = load_settings(**overrides)
    read_settings(CdsSettings)  # a bad KEUZEWIJS_CDS_* value stops us here, in one line
    check_database(settings)  # unwritable SQLite path, PostgreSQL not answering: one line
    os.environ["KEUZEWIJS_MAX_HEADER_BYTES"] = str(settings.max_header_bytes)
    os.environ["KEUZEWIJS_HEAD_TIMEOUT_SECONDS"] = str(settings.head_timeout_seconds)
    _raise_open_file_limit()
    configure_logging()
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    banner = f"keuzewijs: serving the decision aid at http://{shown}:{settings.port}/"
    # uvicorn handles SIGINT/SIGTERM itself (finishes open requests), then re-raises the signal
    # to the previous handler: make that previous handler a clean exit 0 for SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    claim = claim_port(
        settings.host,
        settings.port,
        for_workers=settings.workers > 1,
        shared_socket=settings.shared_socket,
    )
    if settings.workers == 1:
        from keuzewijs.web.app import create_app, freeze_long_lived

        app = create_app(settings)
        freeze_long_lived()
        _serve_metrics(settings)
        print(f"{banner}  (Ctrl-C stops)", flush=True)
        uvicorn.run(app, **_uvicorn_options(settings))
        return

    # Several workers: check the knowledge and migrate once here, then every worker builds its
    # app from the same environment (uvicorn spawns fresh interpreters).
    from keuzewijs.store.db import make_engine
    from keuzewijs.store.migrate import upgrade

    get_library(settings.knowledge)
    engine = make_engine(settings)
    if settings.migrate_on_start:
        upgrade(engine)
    engine.dispose()
    for name, value in overrides.items():
        os.environ["KEUZEWIJS_" + name.upper()] = str(value)
    os.environ["KEUZEWIJS_MIGRATE_ON_START"] = "false"
    with tempfile.TemporaryDirectory(prefix="keuzewijs-metrics-") as metrics_dir:
        # prometheus-client multi-process mode: each worker writes its own files, a scrape of
        # /metrics on any worker sums them all.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        _serve_metrics(settings)
        print(f"{banner}  ({settings.workers} workers; Ctrl-C stops)", flush=True)
        options = _uvicorn_options(settings)
        app_factory = "keuzewijs.web.app:create_worker_app"
        if claim is None:  # no SO_REUSEPORT here: uvicorn's one socket, shared by the workers
            uvicorn.run(app_factory, factory=True, workers=settings.workers, **options)
            return
        # What uvicorn.run does for workers > 1, with a socket of its own per worker (listen.py).
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(app_factory, factory=True, workers=settings.workers, **options)
        placeholder = cast(socket.socket, WorkerSocket(settings.host, settings.port))
        with claim:
            Multiprocess(config, sockets=[placeholder]).run()
