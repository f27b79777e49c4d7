"""Liveness and readiness for load balancers and orchestrators (no patient data, no auth).

/health: the process answers (liveness). /ready: the database answers a query and the
knowledge packs are loaded (readiness; 503 otherwise, so a balancer sends no traffic here).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .context import ctx

log = logging.getLogger("keuzewijs.web")
router = APIRouter(include_in_schema=False)


@router.get("/health")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(request.app.state.shared.ping)
        checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it means: not ready
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        checks["database"] = "unreachable"
    packs = len(ctx(request).library.packs)
    checks["knowledge"] = f"{packs} packs" if packs else "no packs loaded"
    ok = checks["database"] == "ok" and packs > 0
    return JSONResponse(
        {"status": "ok" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
    )
