"""The OpenAPI document tied to the knowledge packs, so that what the schema allows is what the
service accepts (issue 22 item 10; schemathesis checks it).

FastAPI documents the routes as written: a free-form `profile`, any `chosen_option`, any `hook`
for any service. The service is stricter, from the packs: each condition has its own profile
fields (unknown keys refused), its own options, and each CDS service answers one hook. So the
document is rewritten once, at the first request for it:
- `POST /api/v1/conditions/{condition_id}/advice` becomes one path per condition, each with
  that condition's profile schema (the path parameter cannot choose a body schema);
- `POST /api/v1/decisions` takes `oneOf` one variant per condition, told apart by `condition`
  (a `const` and a discriminator), each with its profile schema and `chosen_option` an `enum`
  of the condition's option and action ids;
- `POST /cds-services/{service_id}` becomes one path per service, `hook` a `const`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

from keuzewijs.cds.shapes import CONTEXT_FIELDS
from keuzewijs.engine import advise_pack
from keuzewijs.packs import Library

from .weighing import MAX_WEIGHT, MIN_WEIGHT, numbered_outcomes

ADVICE = "/api/v1/conditions/{condition_id}/advice"
DECISIONS = "/api/v1/decisions"
HOOK = "/cds-services/{service_id}"
FEEDBACK = "/cds-services/{service_id}/feedback"
# keuzewijs.cds.inbound.feedback_row: only an overridden card has an override reason.
_ONLY_OVERRIDDEN_HAS_A_REASON = {
    "if": {"properties": {"outcome": {"const": "accepted"}}, "required": ["outcome"]},
    "then": {"not": {"required": ["overrideReason"]}},
}


def _profile_schema(pack: Any) -> dict[str, Any]:
    schema: dict[str, Any] = pack.profile_model.model_json_schema()
    schema.pop("$defs", None)  # flat models: none expected
    schema["additionalProperties"] = False
    return schema


def _weights_schema(library: Library, pack: Any) -> dict[str, Any]:
    """Weights for the outcomes the advice gives numbers for (the advice for an empty profile:
    the numbers do not depend on the answers), each MIN_WEIGHT-MAX_WEIGHT."""
    outcomes = [o for o, _ in numbered_outcomes(advise_pack(library, pack, {}, "nl"))]
    weight = {"type": "number", "minimum": MIN_WEIGHT, "maximum": MAX_WEIGHT}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {outcome: weight for outcome in outcomes},
        "description": "outcome id: weight; only the outcomes the advice has numbers for",
    }


_CONTEXT_TYPES: dict[type, dict[str, Any]] = {
    str: {"type": "string", "minLength": 1},
    list: {"type": "array", "items": {"type": "string"}},
    dict: {
        "type": "object",
        "properties": {"entry": {"type": "array", "items": {"type": "object"}}},
    },
}


def _context_schema(hook: str) -> dict[str, Any]:
    """The context fields the hook must carry (keuzewijs.cds.inbound checks the same)."""
    fields = CONTEXT_FIELDS.get(hook, {})
    return {
        "type": "object",
        "required": list(fields),
        "properties": {name: _CONTEXT_TYPES[kind] for name, kind in fields.items()},
    }


def _without_param(operation: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(operation)
    out["parameters"] = [p for p in out.get("parameters", []) if p.get("name") != name]
    if not out["parameters"]:
        del out["parameters"]
    return out


def _suffix(value: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in value)


def tie_to_packs(doc: dict[str, Any], library: Library, hooks: Mapping[str, str]) -> dict[str, Any]:
    """Rewrite `doc` in place (see the module doc); `hooks` maps CDS service ids to hooks."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    lang = {"type": "string", "enum": ["nl", "en"], "default": "nl"}
    paths = doc["paths"]
    advice = paths.pop(ADVICE, None)
    variants: list[dict[str, Any]] = []
    mapping: dict[str, str] = {}
    for pack in library.packs.values():
        profile_name = "Profile_" + _suffix(pack.id)
        schemas[profile_name] = _profile_schema(pack)
        profile_ref = {"$ref": f"#/components/schemas/{profile_name}"}
        if advice is not None:
            post = _without_param(advice["post"], "condition_id")
            post["operationId"] = f"{post.get('operationId', 'advice')}_{_suffix(pack.id)}"
            post["requestBody"]["content"]["application/json"]["schema"] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {"profile": profile_ref, "lang": lang},
            }
            paths[ADVICE.replace("{condition_id}", pack.id)] = {"post": post}
        choices = [o.id for o in pack.options_file.options]
        variant_name = "DecisionRequest_" + _suffix(pack.id)
        schemas[variant_name] = {
            "type": "object",
            "additionalProperties": False,
            "required": ["condition"],
            "properties": {
                "condition": {"type": "string", "const": pack.id},
                "profile": profile_ref,
                "lang": lang,
                "weights": _weights_schema(library, pack),
                "chosen_option": {
                    "anyOf": [{"type": "string", "enum": choices}, {"type": "null"}],
                    "description": "an option or action id of this condition that the advice "
                    "for this profile offers (422 naming chosen_option otherwise)",
                },
            },
        }
        ref = f"#/components/schemas/{variant_name}"
        variants.append({"$ref": ref})
        mapping[pack.id] = ref
    decisions = paths.get(DECISIONS, {}).get("post")
    if decisions is not None and variants:
        decisions["requestBody"]["content"]["application/json"]["schema"] = {
            "oneOf": variants,
            "discriminator": {"propertyName": "condition", "mapping": mapping},
        }
    feedback = paths.get(FEEDBACK, {}).get("post")
    if feedback is not None:
        body = feedback["requestBody"]["content"]["application/json"]["schema"]
        items = body.get("properties", {}).get("feedback", {}).get("items")
        if isinstance(items, dict):
            items.update(_ONLY_OVERRIDDEN_HAS_A_REASON)
    hook = paths.pop(HOOK, None)
    if hook is not None:
        for service_id, hook_name in hooks.items():
            post = _without_param(hook["post"], "service_id")
            post["operationId"] = f"{post.get('operationId', 'hook')}_{_suffix(service_id)}"
            body = post["requestBody"]["content"]["application/json"]["schema"]
            body["properties"]["hook"] = {"type": "string", "const": hook_name}
            body["properties"]["context"] = _context_schema(hook_name)
            paths[HOOK.replace("{service_id}", service_id)] = {"post": post}
    return doc


def install(app: FastAPI, library: Library, hooks: Mapping[str, str]) -> None:
    """Serve the rewritten document at the app's openapi_url (built once, then cached)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            tie_to_packs(build(), library, hooks)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
