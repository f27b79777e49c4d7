"""OpenAPI documentation of the hook endpoints, whose handlers read the raw body themselves
(to bound it and to name the failing field in problem+json): the request body and every
answer are stated here, so that schema-driven fuzzing (schemathesis) exercises and checks them.
"""

from __future__ import annotations

from typing import Any

from .hooks import Discovery, FeedbackRequest, HookRequest, HookResponse

PROBLEM = "application/problem+json"
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_ERRORS = {
    "400": "malformed hook request (errors[].path names the field)",
    "401": "missing or invalid JWT (nothing from the request is echoed)",
    "404": "unknown service",
    "412": "required data not available",
    "413": "body over KEUZEWIJS_CDS_MAX_BODY_BYTES",
}


def _schema(model: Any) -> dict[str, Any]:
    """The model's JSON Schema with its $defs inlined: self-contained inside an OpenAPI path."""
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

    return inline(schema)  # type: ignore[no-any-return]


def _errors() -> dict[str, Any]:
    return {
        code: {"description": text, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}
        for code, text in _ERRORS.items()
    }


def hook_call() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _schema(HookRequest)}},
        },
        "responses": {
            "200": {
                "description": "cards and system actions",
                "content": {"application/json": {"schema": _schema(HookResponse)}},
            },
            **_errors(),
        },
    }


def feedback_call() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _schema(FeedbackRequest)}},
        },
        "responses": {"200": {"description": "feedback stored"}, **_errors()},
    }


def discovery() -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": "the services of this CDS service",
                "content": {"application/json": {"schema": _schema(Discovery)}},
            }
        }
    }
