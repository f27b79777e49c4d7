"""The FastAPI app factory. Routers are a list, so another module adds its own with one line.

from keuzewijs.cds.router import router as cds_router
ROUTERS.append(cds_router)            # or create_app(settings, extra_routers=[cds_router])
"""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from keuzewijs.cds import CdsService
from keuzewijs.cds.router import CdsCors
from keuzewijs.cds.settings import CdsSettings
from keuzewijs.cds.store import SqlIssuedCards
from keuzewijs.limits import CDS as CDS_LIMITS
from keuzewijs.limits import DEFAULT as DEFAULT_LIMITS
from keuzewijs.settings import Settings, load_settings, read_settings
from keuzewijs.store.db import make_engine, session_factory
from keuzewijs.store.migrate import upgrade
from keuzewijs.store.repository import DecisionStore
from keuzewijs.store.shared import SharedState

from . import api, observe, ops, pages, problems
from .context import WebContext
from .pages_render import error_page
from .security import LimitsMiddleware, SecurityMiddleware

STATIC = Path(__file__).resolve().parent / "static"

# Every router the app serves. Add yours here (one line) or pass extra_routers to create_app.
# The pages router is not in the list: its /{lang}/... patterns are included last so that
# they never shadow another router's paths.
ROUTERS: list[APIRouter] = [api.router]


def create_app(
    settings: Settings | None = None, *, extra_routers: list[APIRouter] | None = None
) -> FastAPI:
    settings = settings or load_settings()
    cds_settings = read_settings(CdsSettings)
    engine = make_engine(settings)
    if settings.migrate_on_start:
        upgrade(engine)
    # Shared state (replay cache, look-up counters) commits without fsync: its own engine.
    shared = SharedState(make_engine(settings, synchronous="NORMAL", one_writer=True))
    context = WebContext.build(settings, DecisionStore(session_factory(engine)), shared)
    app = FastAPI(
        title="keuzewijs",
        summary="Evidence-based shared decision-making: advice, profile schemas, stored decisions.",
        version="1",
        debug=settings.debug,
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.ctx = context
    app.state.engine = engine
    app.state.shared = shared
    for router in (*ROUTERS, *(extra_routers or [])):
        app.include_router(router)
    app.include_router(
        CdsService(
            cds_settings,
            library=context.library,
            replay=shared,
            issued_cards=SqlIssuedCards(shared.engine),
        ).router
    )
    app.include_router(ops.router)
    app.include_router(observe.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    problems.install(app, error_page)
    body = settings.max_body_bytes
    app.add_middleware(
        LimitsMiddleware,
        limits=[
            (
                "/cds-services",
                dataclasses.replace(CDS_LIMITS, max_bytes=cds_settings.max_body_bytes),
            ),
            ("", dataclasses.replace(DEFAULT_LIMITS, max_bytes=body)),
        ],
    )
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.https_only_cookies)
    # KEUZEWIJS_CDS_CORS_ORIGINS; only /cds-services
    app.add_middleware(CdsCors, origins=cds_settings.cors_origins)
    if settings.proxy_list:
        # X-Forwarded-For/-Proto only from the configured proxies (uvicorn's own proxy handling
        # is switched off by `keuzewijs serve`, so nobody else can claim another address).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_list)
    return app


def create_worker_app() -> FastAPI:
    """One worker of `keuzewijs serve --workers N` (uvicorn's factory): settings from the
    environment, JSON logs, long-lived objects frozen out of the garbage collector."""
    observe.configure_logging()
    app = create_app()
    freeze_long_lived()
    return app


def freeze_long_lived() -> None:
    """The knowledge, templates and compiled rules live as long as the process: move them out
    of the collector's reach so full collections during requests do not walk them every time."""
    gc.collect()
    gc.freeze()
