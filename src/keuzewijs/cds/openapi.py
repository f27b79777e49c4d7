"""OpenAPI request bodies of the hook endpoints, whose handlers read the raw body themselves
(to bound it and to name the failing field in problem+json): stated here so that schema-driven
fuzzing (schemathesis) generates hook requests and checks the answers. The answers themselves
are documented in router.py (HOOK_RESPONSES).
"""

from __future__ import annotations

from typing import Any

from .hooks import Discovery, FeedbackRequest, HookRequest


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

    return inline(schema)  # type: ignore[no-any-return]


def _body(model: Any) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_of(model)}},
        }
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
