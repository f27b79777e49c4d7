"""The CDS Hooks endpoints: discovery, one POST per service, feedback.

`CdsService(...)` holds what the endpoints share; its `router` (an APIRouter whose routes are the
service's methods) is included by the web app (`app.include_router(...)`) or by any FastAPI app;
everything it needs is passed in or read from KEUZEWIJS_CDS_* settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from keuzewijs.errors import InputFormatError, InputLimitError
from keuzewijs.limits import CDS as CDS_LIMITS
from keuzewijs.limits import CHECKED_SCOPE_KEY
from keuzewijs.packs import Library, get_library

from . import openapi as cds_openapi
from .auth import JwtVerifier, Replay
from .cards import EXT
from .config import load_cds_data
from .hooks import HookLogic
from .inbound import feedback_row, validated_request
from .metrics import count_unrecognised
from .openapi import BEARER, HOOK_RESPONSES
from .prefetch import Fetcher
from .problems import HookProblem, from_validation, problem_response
from .record import build_record
from .settings import CdsSettings
from .shapes import Discovery, FeedbackRequest, HookResponse, ServiceDescription
from .store import (
    FeedbackStore,
    IssuedCard,
    IssuedCards,
    IssuedCardStore,
    MemoryFeedbackStore,
)

Clock = Callable[[], dt.datetime]


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


class CdsService:
    """The CDS Hooks service: `router` has discovery, the hook calls and feedback as routes.

    Feedback goes to `feedback_store` when given; else to the app's database (the web app sets
    app.state.engine); else to memory."""

    def __init__(
        self,
        settings: CdsSettings | None = None,
        *,
        library: Library | None = None,
        clock: Clock = _utcnow,
        fhir_transport: httpx.AsyncBaseTransport | None = None,
        jwks_transport: httpx.AsyncBaseTransport | None = None,
        feedback_store: FeedbackStore | None = None,
        replay: Replay | None = None,
        issued_cards: IssuedCardStore | None = None,
    ):
        self.settings = settings = settings or CdsSettings()
        self.data = data = load_cds_data(library or get_library())
        self.logic = HookLogic(data, settings)
        self.clock = clock
        self.fetcher = Fetcher(
            settings.fhir_timeout_seconds,
            settings.fhir_max_pages,
            fhir_transport,
            settings.fhir_max_response_bytes,
        )
        self.verifier = JwtVerifier(settings, jwks_transport, replay)
        self.body_limits = dataclasses.replace(CDS_LIMITS, max_bytes=settings.max_body_bytes)
        self.feedback_store = feedback_store
        self._memory = MemoryFeedbackStore()
        self._sql_stores: dict[Any, FeedbackStore] = {}  # by the app's SQLAlchemy engine
        self.issued: IssuedCardStore = issued_cards if issued_cards is not None else IssuedCards()
        lang = settings.lang
        self.discovery = Discovery(
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
        self.router = self._routes()

    def _routes(self) -> APIRouter:
        router = APIRouter(tags=["CDS Hooks"])
        router.add_api_route(
            "/cds-services", self.discover, methods=["GET"], openapi_extra=cds_openapi.discovery()
        )
        router.add_api_route(
            "/cds-services/{service_id}",
            self.call_hook,
            methods=["POST"],
            responses=HOOK_RESPONSES,
            dependencies=[Security(BEARER)],
            openapi_extra=cds_openapi.hook_call(),
        )
        router.add_api_route(
            "/cds-services/{service_id}/feedback",
            self.feedback,
            methods=["POST"],
            # CDS Hooks 2.0: 200 OK, any body is ignored; ours is empty, so no media type is
            # claimed.
            response_class=Response,
            responses={
                200: {"description": "feedback stored (empty body)"},
                **{s: HOOK_RESPONSES[s] for s in (400, 401, 404, 413)},
            },
            dependencies=[Security(BEARER)],
            openapi_extra=cds_openapi.feedback_call(),
        )
        return router

    # ------------------------------------------------------------ routes
    async def discover(self) -> JSONResponse:
        return JSONResponse(self.discovery)

    async def call_hook(self, request: Request) -> Response:
        """Call a CDS service (CDS Hooks 2.0). Resources the service does not read are ignored."""
        # The path parameter is read from the request, not declared: a declared one makes FastAPI
        # document a 422 this route never answers (an unknown service is a 404 problem).
        service_id = str(request.path_params["service_id"])
        data, logic = self.data, self.logic
        try:
            service = data.cds.service(service_id)
            if service is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            allowlist = await self._authenticate(request)
            hook = validated_request(await self._body_of(request), service.hook)
            now = self.clock()
            handler = logic.handlers[service.hook]
            drafts: list[Any] = []
            unrecognised: list[dict[str, Any]] = []
            if handler.rates_orders:
                drafts, unrecognised = logic.sort_orders(service.hook, hook.context)
                count_unrecognised(service.hook, len(unrecognised))
                if not drafts:  # no order this service rates: no data needed, no card
                    return JSONResponse(HookResponse(cards=[], extension=_ext(unrecognised)).dump())
            templates = data.prefetch[service.id]
            prefetched = await self.fetcher.resolve(templates, hook, allowlist)
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
        await self._off_loop(self.issued.add_all, cards)
        response = HookResponse(
            cards=outcome.cards,
            systemActions=outcome.system_actions or None,
            extension=_ext(unrecognised),
        )
        return JSONResponse(response.dump())

    async def feedback(self, request: Request) -> Response:
        service_id = str(request.path_params["service_id"])
        try:
            if self.data.cds.service(service_id) is None:
                raise HookProblem(404, f"unknown service '{service_id}'", path="service")
            await self._authenticate(request)
            try:
                body = FeedbackRequest.model_validate(await self._body_of(request))
            except ValidationError as exc:
                raise from_validation(exc) from None
            cards = [str(item.card) for item in body.feedback]
            known = await self._off_loop(self.issued.get_many, cards)
            rows = [
                feedback_row(service_id, i, item, known) for i, item in enumerate(body.feedback)
            ]
        except HookProblem as problem:
            return problem_response(problem)
        # a database write must not block the loop
        await run_in_threadpool(self._store_for(request).save, rows)
        return Response(status_code=200)

    # ------------------------------------------------------------ helpers
    def _store_for(self, request: Request) -> FeedbackStore:
        """The given store; else the app's database (the web app sets app.state.engine); else
        memory."""
        if self.feedback_store is not None:
            return self.feedback_store
        engine = getattr(request.app.state, "engine", None)
        if engine is None:
            return self._memory
        if engine not in self._sql_stores:
            from .feedback import SqlFeedbackStore

            self._sql_stores[engine] = SqlFeedbackStore(engine)
        return self._sql_stores[engine]

    async def _off_loop(self, func: Callable[..., Any], *args: Any) -> Any:
        """A database-backed store runs in a thread; the memory one needs no hop."""
        return await run_in_threadpool(func, *args) if self.issued.blocking else func(*args)

    def _audience(self, request: Request) -> str:
        return self.settings.public_base_url.rstrip("/") + request.url.path

    async def _body_of(self, request: Request) -> Any:
        raw = await request.body()
        limits = self.body_limits
        # the web app's middleware may have checked these bytes with the same limits already
        checked = request.scope.get("state", {}).get(CHECKED_SCOPE_KEY) == limits
        try:  # size, nesting depth, string length and digits are bounded before parsing
            return limits.loads(raw, checked=checked)
        except InputLimitError as exc:
            raise HookProblem(exc.status, exc.message, path="body") from None
        except InputFormatError as exc:
            raise HookProblem(
                400, f"the body is not valid JSON ({exc.message})", path="body"
            ) from None

    async def _authenticate(self, request: Request) -> list[str]:
        """Verify the EHR's JWT; the FHIR servers this EHR may have the service fetch from."""
        settings = self.settings
        if not settings.require_auth:
            return settings.fhir_servers_without_auth
        claims = await self.verifier.verify(
            request.headers.get("authorization"), self._audience(request)
        )
        issuer = next((i for i in settings.issuers if i.iss == claims.get("iss")), None)
        return issuer.fhir_servers if issuer else []


def _ext(unrecognised: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The response extension that names the orders given no rating because no order value set
    knows their code (absent when there are none)."""
    return {f"{EXT}.unrecognised-orders": unrecognised} if unrecognised else None
