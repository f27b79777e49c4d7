"""Observability without health data: JSON log lines with a request id, Prometheus metrics.

Logs and metrics name the route template (`/api/v1/decisions/{code}`), the method, the status
and the time taken; never a path with a code in it, a query string, a header or a body.
With several worker processes the metrics use prometheus-client's multi-process mode
(PROMETHEUS_MULTIPROC_DIR, set by `keuzewijs serve --workers N`), so one scrape sums them all.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hmac
import json
import logging
import os
import re
import traceback
import uuid

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

REQUESTS = Counter(
    "keuzewijs_http_requests_total",
    "HTTP requests by route template",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "keuzewijs_http_request_duration_seconds",
    "time to answer, by route template",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ADVICE = Counter("keuzewijs_advice_total", "advice answers by knowledge pack", ["pack"])


def new_request_id(offered: bytes | None) -> str:
    """The caller's X-Request-ID when it is a short plain token, else a fresh one."""
    if offered:
        text = offered.decode("latin-1")
        if _CLIENT_ID.match(text):
            return text
    return uuid.uuid4().hex


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, process id, extras."""

    EXTRA = ("method", "route", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "pid": record.process,
        }
        for key in self.EXTRA:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            # the exception type and where it happened; no locals, no request data
            line["error"] = record.exc_info[0].__name__
            # frames only: an exception's message may quote the input
            line["trace"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


router = APIRouter(include_in_schema=False)


def metrics_registry() -> CollectorRegistry:
    """What a scrape reports: every worker's files in multi-process mode, else this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        # ignored below: prometheus_client leaves this constructor unannotated
        prom_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """On the application port unless KEUZEWIJS_METRICS_PORT moves it (then 404 here, see
    `keuzewijs serve`); with KEUZEWIJS_METRICS_TOKEN only for `Authorization: Bearer <token>`."""
    settings = request.app.state.ctx.settings
    if settings.metrics_port is not None:
        raise HTTPException(404, "Not Found")
    if settings.metrics_token is not None:
        sent = request.headers.get("authorization", "")
        want = f"Bearer {settings.metrics_token}"
        if not hmac.compare_digest(sent.encode(), want.encode()):
            raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)
