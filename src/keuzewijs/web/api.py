"""REST API under /api/v1: conditions, profile schema, advice (the Advice contract), stored
decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field

from keuzewijs.engine.contract import Advice
from keuzewijs.packs.models import ID_PATTERN
from keuzewijs.store.repository import CODE_BYTES, StoredDecision

from .context import ctx
from .decisions import save_decision
from .observe import ADVICE
from .problems import PROBLEM

router = APIRouter(prefix="/api/v1", tags=["api"])

_PROBLEM_DOC: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {PROBLEM: {}}}
    for code, text in (
        (400, "malformed request"),
        (404, "unknown condition or code"),
        (422, "invalid field (see errors[].path)"),
        (413, "body over the size limit (1 MB by default)"),
        (429, "too many look-ups or saves (see Retry-After)"),
        (503, "the database is unavailable (see Retry-After)"),
    )
}


class Bilingual(BaseModel):
    nl: str
    en: str


class ConditionInfo(BaseModel):
    id: str
    name: Bilingual
    summary: Bilingual
    knowledge_version: str
    produced: dt.date
    review_due: dt.date


class AdviceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: dict[str, Any] = Field(
        default_factory=dict, description="field: value; see the profile schema"
    )
    lang: Literal["nl", "en"] = "nl"


ConditionId = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=100, description="a condition id from /conditions")
]
# The code as handed out (groups of four joined by dashes), or without dashes, any case.
_CODE_CHARS = CODE_BYTES * 8 // 5
DecisionCode = Annotated[
    str,
    Path(
        pattern=rf"^[ -]*([A-Za-z2-7][ -]*){{{_CODE_CHARS}}}$",
        min_length=_CODE_CHARS,
        max_length=2 * _CODE_CHARS,
        description=f"the decision code: {_CODE_CHARS} letters a-z and digits 2-7, dashes optional",
    ),
]


class DecisionRequest(AdviceRequest):
    condition: str = Field(pattern=ID_PATTERN, max_length=100)
    weights: dict[str, Annotated[float, AllowInfNan(False)]] = Field(
        default_factory=dict, description="outcome id: weight 0-10"
    )
    chosen_option: str | None = Field(
        None,
        pattern=ID_PATTERN,
        max_length=100,
        description="an option id of the advice, if the patient chose",
    )


class DecisionRecord(BaseModel):
    """A stored decision as the API returns it: read from the stored record by attribute, so a
    field added there is one added here (or a test fails), never silently left out."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="keep it: the only way to reopen this record")
    condition: str
    knowledge_version: str
    lang: str
    profile: dict[str, Any]
    advice: dict[str, Any]
    weights: dict[str, Any]
    chosen_option: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    answers: dict[str, Any] | None = Field(
        default=None,
        description="what the pages asked beside the profile: `sure` (the SURE test, item -> "
        "yes/no) and `statements` (values statement id -> 'yes'/'no'); null when none",
    )


def _record(d: StoredDecision) -> DecisionRecord:
    return DecisionRecord.model_validate(d, from_attributes=True)


@router.get("/health", summary="No-op liveness check (also the load benchmark's floor)")
async def health() -> dict[str, bool]:
    return {"ok": True}


@router.get(
    "/conditions", response_model=list[ConditionInfo], summary="The conditions the knowledge covers"
)
def conditions(request: Request) -> list[ConditionInfo]:
    return [
        ConditionInfo(
            id=p.id,
            name=Bilingual(**p.meta.name.model_dump()),
            summary=Bilingual(**p.meta.summary.model_dump()),
            knowledge_version=p.knowledge_version,
            produced=p.meta.produced,
            review_due=p.meta.review_due,
        )
        for p in ctx(request).library.packs.values()
    ]


@router.get(
    "/conditions/{condition_id}/profile-schema",
    responses=_PROBLEM_DOC,
    summary="JSON Schema of the patient profile",
)
def profile_schema(request: Request, condition_id: ConditionId) -> dict[str, Any]:
    # ignored below: the profile model is built at run time (create_model)
    return ctx(request).library.pack(condition_id).profile_model.model_json_schema()  # type: ignore[no-any-return]


@router.post(
    "/conditions/{condition_id}/advice",
    response_model=Advice,
    responses=_PROBLEM_DOC,
    summary="Advice for one profile",
)
async def advice(request: Request, condition_id: ConditionId, body: AdviceRequest) -> Response:
    # async + a pre-serialised body: advise() is pure CPU and shorter than a thread hop and
    # FastAPI's re-validation of the response model (figures in benchmarks/README.md).
    payload = ctx(request).advice.get(condition_id, body.profile, body.lang)
    ADVICE.labels(condition_id).inc()  # a known pack: an unknown one raised above
    return Response(payload, media_type="application/json")


@router.post(
    "/decisions",
    status_code=201,
    response_model=DecisionRecord,
    responses=_PROBLEM_DOC,
    summary="Store a decision summary; the answer holds its code",
)
def create_decision(request: Request, body: DecisionRequest) -> JSONResponse:
    c = ctx(request)
    c.save_limiter.check(request)  # before any work: a flood is refused cheaply
    pack = c.library.pack(body.condition)
    result = c.advice.advice(pack.id, body.profile, body.lang)
    saved = save_decision(c.store, result, weights=body.weights, chosen_option=body.chosen_option)
    ADVICE.labels(pack.id).inc()
    record = _record(saved)
    return JSONResponse(
        record.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/decisions/{saved.code}", "Cache-Control": "no-store"},
    )


@router.get(
    "/decisions/{code}",
    response_model=DecisionRecord,
    responses=_PROBLEM_DOC,
    summary="Read a stored decision by its code",
)
def read_decision(request: Request, code: DecisionCode) -> JSONResponse:
    c = ctx(request)
    c.limiter.check(request)
    record = _record(c.store.get(code))
    return JSONResponse(record.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


@router.delete(
    "/decisions/{code}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "deleted"}, **_PROBLEM_DOC},
    summary="Delete a stored decision by its code (the patient's right to erasure)",
)
def delete_decision(request: Request, code: DecisionCode) -> Response:
    c = ctx(request)
    c.limiter.check(request)  # a code guess like a look-up
    c.store.delete(code)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
