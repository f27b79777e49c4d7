"""The app under load: only the CDS router, as the web app includes it (run by run.py via
uvicorn)."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from keuzewijs.cds import CdsService


def create() -> FastAPI:
    app = FastAPI()
    # settings from KEUZEWIJS_CDS_* (run.py sets issuer + JWKS)
    app.include_router(CdsService().router)
    # the knowledge is loaded and lives forever: keep it out of every GC pass (as `keuzewijs serve`
    # does)
    gc.freeze()
    return app
