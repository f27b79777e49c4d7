"""OpenAPI request bodies of the hook endpoints, whose handlers read the raw body themselves
(to bound it and to name the failing field in problem+json): stated here so that schema-driven
fuzzing (schemathesis) generates hook requests and checks the answers. The answers themselves
are documented here too (HOOK_RESPONSES), with the bearer scheme.
"""

from __future__ import annotations

from typing import Any

from fastapi.security import HTTPBearer

from .problems import TITLES
from .shapes import Discovery, FeedbackRequest, HookRequest, HookResponse


def schema_of(model: Any) -> dict[str, Any]:
    """The model's JSON Schema with its $defs inlined: self-contained inside an OpenAPI path
    (a `#/$defs/...` reference would point at the OpenAPI document's root, where none is)."""
    schema: dict[str, Any] = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.rsplit("/", 1)[1]
                if name in seen:  # a recursive model: stop at any object
                    return {"type": "object"}
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {**inline(defs[name], (*seen, name)), **inline(rest, seen)}
            return {k: inline(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v, seen) for v in node]
        return node

    # ignored below: inline walks JSON (Any) and returns the same dict shape
    return inline(schema)  # type: ignore[no-any-return]


SERVICE_ID = {
    "name": "service_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "the id of a service from the discovery endpoint",
}


def _body(model: Any) -> dict[str, Any]:
    return {
        "parameters": [SERVICE_ID],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_of(model)}},
        },
    }


def hook_call() -> dict[str, Any]:
    return _body(HookRequest)


def feedback_call() -> dict[str, Any]:
    return _body(FeedbackRequest)


def discovery() -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": "the services of this CDS service",
                "content": {"application/json": {"schema": schema_of(Discovery)}},
            }
        }
    }


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
        "content": {"application/json": {"schema": schema_of(HookResponse)}},
    },
    **{
        status: {"description": TITLES[status], "content": _PROBLEM}
        for status in (400, 401, 404, 412, 413)
    },
}
