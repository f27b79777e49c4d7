"""The CDS Hooks endpoints as a FastAPI router: discovery, one POST per service, feedback.

`create_cds_router(...)` is included by the web app (`app.include_router(...)`) or by any
FastAPI app; everything it needs is passed in or read from KEUZEWIJS_CDS_* settings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from keuzewijs.packs.loader import Library, get_library

from .auth import JwtVerifier
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
from .problems import HookProblem, from_validation, problem_response
from .record import build_record
from .services import HookLogic
from .settings import CdsSettings
from .store import FeedbackRow, FeedbackStore, IssuedCard, IssuedCards, MemoryFeedbackStore

Clock = Callable[[], dt.datetime]


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
) -> APIRouter:
    settings = settings or CdsSettings()
    data = load_cds_data(library or get_library())
    logic = HookLogic(data, settings)
    fetcher = Fetcher(settings.fhir_timeout_seconds, settings.fhir_max_pages, fhir_transport)
    verifier = JwtVerifier(settings, jwks_transport)
    memory = MemoryFeedbackStore()
    sql_stores: dict[int, FeedbackStore] = {}

    def store_for(request: Request) -> FeedbackStore:
        """The given store; else the app's database (the web app sets app.state.engine); else
        memory."""
        if feedback_store is not None:
            return feedback_store
        engine = getattr(request.app.state, "engine", None)
        if engine is None:
            return memory
        if id(engine) not in sql_stores:
            from .feedback import SqlFeedbackStore

            sql_stores[id(engine)] = SqlFeedbackStore(engine)
        return sql_stores[id(engine)]

    issued = IssuedCards()
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
                prefetch=s.prefetch,
            )
            for s in data.cds.services
        ]
    ).dump()

    def audience(request: Request) -> str:
        return settings.public_base_url.rstrip("/") + request.url.path

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > settings.max_body_bytes:
            raise HookProblem(413, f"the body exceeds {settings.max_body_bytes} bytes")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HookProblem(400, f"the body is not valid JSON ({exc})", path="body") from None

    async def authenticate(request: Request) -> None:
        if settings.require_auth:
            await verifier.verify(request.headers.get("authorization"), audience(request))

    @router.get("/cds-services")
    async def discover() -> JSONResponse:
        return JSONResponse(discovery)

    @router.post("/cds-services/{service_id}")
    async def call_hook(service_id: str, request: Request) -> Response:
        try:
            service = data.cds.service(service_id)
            if service is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            await authenticate(request)
            hook = _validated_request(await body_of(request), service.hook)
            prefetched = await fetcher.resolve(service.prefetch, hook)
            now = clock()
            patient_id = hook.context["patientId"]
            fetched = frozenset(prefetched) - frozenset(hook.prefetch or {})
            record = build_record(patient_id, prefetched, fetched)
            if service.hook == "patient-view":
                outcome = logic.patient_view(record, now)
            elif service.hook == "encounter-discharge":
                outcome = logic.discharge(record, now)
            else:
                outcome = logic.orders_hook(service.hook, hook.context, record, now)
        except HookProblem as problem:
            return problem_response(problem)
        reasons = tuple(r.code for r in data.cds.override_reasons.reasons)
        for card in outcome.cards:
            ext = card.extension or {}
            issued.add(
                card.uuid,
                IssuedCard(
                    service_id,
                    ext.get("keuzewijs-rule"),
                    ext.get("keuzewijs-order"),
                    reasons if card.overrideReasons else (),
                ),
            )
        response = HookResponse(cards=outcome.cards, systemActions=outcome.system_actions or None)
        return JSONResponse(response.dump())

    @router.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> Response:
        try:
            if data.cds.service(service_id) is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            await authenticate(request)
            try:
                body = FeedbackRequest.model_validate(await body_of(request))
            except ValidationError as exc:
                raise from_validation(exc) from None
            rows = [_row(service_id, i, item, issued) for i, item in enumerate(body.feedback)]
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
    return hook


def _row(service_id: str, index: int, item: Any, issued: IssuedCards) -> FeedbackRow:
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
