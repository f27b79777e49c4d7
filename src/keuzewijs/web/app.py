"""The FastAPI app factory. Routers are a list, so another module adds its own with one line.

from keuzewijs.cds.router import router as cds_router
ROUTERS.append(cds_router)            # or create_app(settings, extra_routers=[cds_router])
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from keuzewijs.cds import create_cds_router
from keuzewijs.cds.router import CdsCors
from keuzewijs.settings import Settings, load_settings
from keuzewijs.store.db import make_engine, session_factory
from keuzewijs.store.migrate import upgrade
from keuzewijs.store.repository import DecisionStore

from . import api, pages, problems
from .context import WebContext
from .security import SecurityMiddleware

STATIC = Path(__file__).resolve().parent / "static"

# Every router the app serves. Add yours here (one line) or pass extra_routers to create_app.
# The pages router is not in the list: its /{lang}/... patterns are included last so that
# they never shadow another router's paths.
ROUTERS: list[APIRouter] = [api.router]


def create_app(
    settings: Settings | None = None, *, extra_routers: list[APIRouter] | None = None
) -> FastAPI:
    settings = settings or load_settings()
    engine = make_engine(settings)
    if settings.migrate_on_start:
        upgrade(engine)
    context = WebContext.build(settings, DecisionStore(session_factory(engine)))
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
    for router in (*ROUTERS, *(extra_routers or [])):
        app.include_router(router)
    app.include_router(create_cds_router(library=context.library))
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    problems.install(app)
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.https_only_cookies)
    app.add_middleware(CdsCors)  # KEUZEWIJS_CDS_CORS_ORIGINS; only /cds-services
    return app
