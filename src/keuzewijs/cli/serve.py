"""`keuzewijs serve`: the web decision aid and API on one uvicorn server (what `make run` calls)."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import user_errors


@user_errors
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="address to listen on (default: $KEUZEWIJS_HOST or 127.0.0.1)"),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="port (default: $KEUZEWIJS_PORT or 8000)")
    ] = None,
) -> None:
    """Serve the decision aid at http://127.0.0.1:8000 (SQLite database created on first start)."""
    import gc
    import logging
    import signal
    import sys

    import uvicorn

    from keuzewijs.settings import load_settings
    from keuzewijs.web.app import create_app

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = load_settings(**overrides)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    # The knowledge, templates and compiled rules live as long as the process: move them out of
    # the collector's reach so full collections during requests do not walk them every time.
    gc.collect()
    gc.freeze()
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(
        f"keuzewijs: serving the decision aid at http://{shown}:{settings.port}/  (Ctrl-C stops)",
        flush=True,
    )
    # access_log off: uvicorn would log full paths (decision codes); our middleware logs route
    # templates.
    # uvicorn handles SIGINT/SIGTERM itself (finishes open requests), then re-raises the signal
    # to the previous handler: make that previous handler a clean exit 0 for SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="info",
        server_header=False,
    )
