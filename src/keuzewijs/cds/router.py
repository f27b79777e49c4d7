"""The CDS Hooks endpoints as a FastAPI router: discovery, one POST per service, feedback.

`create_cds_router(...)` is included by the web app (`app.include_router(...)`) or by any
FastAPI app; everything it needs is passed in or read from KEUZEWIJS_CDS_* settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from keuzewijs.errors import InputFormatError, InputLimitError
from keuzewijs.limits import CDS as CDS_LIMITS
from keuzewijs.limits import CHECKED_SCOPE_KEY
from keuzewijs.packs.loader import Library, get_library

from . import openapi as cds_openapi
from .auth import JwtVerifier, Replay
from .cards import EXT
from .config import load_cds_data
from .hooks import (
    CONTEXT_FIELDS,
    Discovery,
    FeedbackRequest,
    HookRequest,
    HookResponse,
    ServiceDescription,
)
from .prefetch import Fetcher
from .problems import TITLES, HookProblem, from_validation, problem_response
from .record import build_record
from .services import HookLogic
from .settings import CdsSettings
from .store import (
    FeedbackRow,
    FeedbackStore,
    IssuedCard,
    IssuedCards,
    IssuedCardStore,
    MemoryFeedbackStore,
)

Clock = Callable[[], dt.datetime]

# OpenAPI: the JWT the EHR sends (verified by auth.py; this only documents the scheme).
BEARER = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="CDS Hooks 2.0 client JWT, signed by a trusted EHR (issuer with its JWKS)",
)
_PROBLEM = {
    "application/problem+json": {
        "schema": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"path": {"type": "string"}, "detail": {"type": "string"}},
                    },
                },
            },
            "required": ["title", "status", "detail"],
        }
    }
}
HOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Cards (and system actions) for the hook",
        "content": {"application/json": {"schema": cds_openapi.schema_of(HookResponse)}},
    },
    **{
        status: {"description": TITLES[status], "content": _PROBLEM}
        for status in (400, 401, 404, 412, 413)
    },
}


class CdsCors:
    """CORS for the CDS endpoints only (CDS Hooks 2.0 'Cross-Origin Resource Sharing'), by
    Starlette's CORSMiddleware, for the origins in KEUZEWIJS_CDS_CORS_ORIGINS (none: no headers).
    Browser clients such as the CDS Hooks sandbox need it; the rest of the app is unaffected."""

    def __init__(
        self, app: ASGIApp, origins: list[str] | None = None, prefix: str = "/cds-services"
    ):
        self.app, self.prefix = app, prefix
        origins = CdsSettings().cors_origins if origins is None else origins
        self.cors: ASGIApp | None = (
            CORSMiddleware(
                app,
                allow_origins=origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
            if origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.cors is not None
            and scope["type"] == "http"
            and scope["path"].startswith(self.prefix)
        ):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_cds_router(
    settings: CdsSettings | None = None,
    *,
    library: Library | None = None,
    clock: Clock = _utcnow,
    fhir_transport: httpx.AsyncBaseTransport | None = None,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
    feedback_store: FeedbackStore | None = None,
    replay: Replay | None = None,
    issued_cards: IssuedCardStore | None = None,
) -> APIRouter:
    settings = settings or CdsSettings()
    data = load_cds_data(library or get_library())
    logic = HookLogic(data, settings)
    fetcher = Fetcher(
        settings.fhir_timeout_seconds,
        settings.fhir_max_pages,
        fhir_transport,
        settings.fhir_max_response_bytes,
    )
    verifier = JwtVerifier(settings, jwks_transport, replay)
    body_limits = dataclasses.replace(CDS_LIMITS, max_bytes=settings.max_body_bytes)
    memory = MemoryFeedbackStore()
    sql_stores: dict[Any, FeedbackStore] = {}  # by the app's SQLAlchemy engine

    def store_for(request: Request) -> FeedbackStore:
        """The given store; else the app's database (the web app sets app.state.engine); else
        memory."""
        if feedback_store is not None:
            return feedback_store
        engine = getattr(request.app.state, "engine", None)
        if engine is None:
            return memory
        if engine not in sql_stores:
            from .feedback import SqlFeedbackStore

            sql_stores[engine] = SqlFeedbackStore(engine)
        return sql_stores[engine]

    issued: IssuedCardStore = issued_cards if issued_cards is not None else IssuedCards()

    async def off_loop(func: Callable[..., Any], *args: Any) -> Any:
        """A database-backed store runs in a thread; the memory one needs no hop."""
        return await run_in_threadpool(func, *args) if issued.blocking else func(*args)

    router = APIRouter(tags=["CDS Hooks"])
    router.memory_feedback = memory  # type: ignore[attr-defined]  # reachable for tests
    lang = settings.lang
    discovery = Discovery(
        services=[
            ServiceDescription(
                id=s.id,
                hook=s.hook,
                title=s.title.get(lang),
                description=s.description.get(lang),
                prefetch=data.prefetch[s.id],
            )
            for s in data.cds.services
        ]
    ).dump()

    def audience(request: Request) -> str:
        return settings.public_base_url.rstrip("/") + request.url.path

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        # the web app's middleware may have checked these bytes with the same limits already
        checked = request.scope.get("state", {}).get(CHECKED_SCOPE_KEY) == body_limits
        try:  # size, nesting depth, string length and digits are bounded before parsing
            return body_limits.loads(raw, checked=checked)
        except InputLimitError as exc:
            raise HookProblem(exc.status, exc.message, path="body") from None
        except InputFormatError as exc:
            raise HookProblem(
                400, f"the body is not valid JSON ({exc.message})", path="body"
            ) from None

    async def authenticate(request: Request) -> list[str]:
        """Verify the EHR's JWT; the FHIR servers this EHR may have the service fetch from."""
        if not settings.require_auth:
            return settings.fhir_servers_without_auth
        claims = await verifier.verify(request.headers.get("authorization"), audience(request))
        issuer = next((i for i in settings.issuers if i.iss == claims.get("iss")), None)
        return issuer.fhir_servers if issuer else []

    @router.get("/cds-services", openapi_extra=cds_openapi.discovery())
    async def discover() -> JSONResponse:
        return JSONResponse(discovery)

    @router.post(
        "/cds-services/{service_id}",
        responses=HOOK_RESPONSES,
        dependencies=[Security(BEARER)],
        openapi_extra=cds_openapi.hook_call(),
    )
    async def call_hook(service_id: str, request: Request) -> Response:
        """Call a CDS service (CDS Hooks 2.0). Resources the service does not read are ignored."""
        try:
            service = data.cds.service(service_id)
            if service is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            allowlist = await authenticate(request)
            hook = _validated_request(await body_of(request), service.hook)
            now = clock()
            handler = logic.handlers[service.hook]
            drafts = []
            if handler.rates_orders:
                drafts = logic.draft_orders(service.hook, hook.context)
                if not drafts:  # no order this service rates: no data needed, no card
                    return JSONResponse(HookResponse(cards=[]).dump())
            templates = data.prefetch[service.id]
            prefetched = await fetcher.resolve(templates, hook, allowlist)
            patient_id = hook.context["patientId"]
            fetched = frozenset(prefetched) - frozenset(hook.prefetch or {})
            record = build_record(patient_id, prefetched, fetched, templates)
            outcome = handler.run(record, now, drafts)
        except HookProblem as problem:
            return problem_response(problem)
        reasons = tuple(r.code for r in data.cds.override_reasons.reasons)
        cards = [
            (
                card.uuid,
                IssuedCard(
                    service_id,
                    (card.extension or {}).get(f"{EXT}.rule"),
                    (card.extension or {}).get(f"{EXT}.order"),
                    reasons if card.overrideReasons else (),
                ),
            )
            for card in outcome.cards
        ]
        await off_loop(issued.add_all, cards)
        response = HookResponse(cards=outcome.cards, systemActions=outcome.system_actions or None)
        return JSONResponse(response.dump())

    @router.post(
        "/cds-services/{service_id}/feedback",
        # CDS Hooks 2.0: 200 OK, any body is ignored; ours is empty, so no media type is claimed.
        response_class=Response,
        responses={
            200: {"description": "feedback stored (empty body)"},
            **{s: HOOK_RESPONSES[s] for s in (400, 401, 404, 413)},
        },
        dependencies=[Security(BEARER)],
        openapi_extra=cds_openapi.feedback_call(),
    )
    async def feedback(service_id: str, request: Request) -> Response:
        try:
            if data.cds.service(service_id) is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            await authenticate(request)
            try:
                body = FeedbackRequest.model_validate(await body_of(request))
            except ValidationError as exc:
                raise from_validation(exc) from None
            known = await off_loop(issued.get_many, [str(item.card) for item in body.feedback])
            rows = [_row(service_id, i, item, known) for i, item in enumerate(body.feedback)]
        except HookProblem as problem:
            return problem_response(problem)
        await run_in_threadpool(
            store_for(request).save, rows
        )  # a database write must not block the loop
        return Response(status_code=200)

    return router


_KIND_TEXT: dict[type, str] = {str: "a non-empty string", list: "a list", dict: "a FHIR Bundle"}


def _validated_request(body: Any, hook_name: str) -> HookRequest:
    try:
        hook = HookRequest.model_validate(body)
    except ValidationError as exc:
        raise from_validation(exc) from None
    if hook.hook != hook_name:
        raise HookProblem(
            400, f"this service answers the '{hook_name}' hook (got {hook.hook!r})", path="hook"
        )
    for name, kind in CONTEXT_FIELDS[hook_name].items():
        value = hook.context.get(name)
        if not isinstance(value, kind) or (kind is str and not value):
            what = _KIND_TEXT[kind]
            raise HookProblem(
                400, f"required for {hook_name}, must be {what}", path=f"context.{name}"
            )
    if "selections" in CONTEXT_FIELDS[hook_name] and not all(
        isinstance(s, str) for s in hook.context["selections"]
    ):
        raise HookProblem(
            400, "must be a list of references like 'ServiceRequest/123'", path="context.selections"
        )
    if "draftOrders" in CONTEXT_FIELDS[hook_name] and not isinstance(
        hook.context["draftOrders"].get("entry", []), list
    ):
        raise HookProblem(400, "must be a list", path="context.draftOrders.entry")
    # The draftOrders Bundle itself is not validated (a Bundle without `type`, as in the Argonaut
    # PAMA requests, is still read); only the ServiceRequests the service rates are (services.py).
    return hook


def _row(service_id: str, index: int, item: Any, issued: dict[str, IssuedCard]) -> FeedbackRow:
    card = issued.get(str(item.card))
    reason = item.overrideReason.reason if item.overrideReason else None
    if (
        item.outcome == "overridden"
        and reason is not None
        and card is not None
        and card.offered_reasons
    ) and reason.code not in card.offered_reasons:
        raise HookProblem(
            400,
            f"not a reason this card offered (allowed: {', '.join(card.offered_reasons)})",
            path=f"feedback[{index}].overrideReason.reason.code",
        )
    if item.outcome == "accepted" and item.overrideReason is not None:
        raise HookProblem(
            400,
            "only an overridden card has an override reason",
            path=f"feedback[{index}].overrideReason",
        )
    return FeedbackRow(
        service_id=service_id,
        card_uuid=str(item.card),
        outcome=item.outcome,
        override_reason_system=reason.system if reason else None,
        override_reason_code=reason.code if reason else None,
        user_comment=item.overrideReason.userComment if item.overrideReason else None,
        accepted_suggestions=[s.id for s in item.acceptedSuggestions or []],
        offered_reasons=list(card.offered_reasons) if card else None,
        rule=card.rule if card else None,
        order_ref=card.order if card else None,
        outcome_timestamp=item.outcomeTimestamp,
    )
