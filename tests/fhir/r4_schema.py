"""The official FHIR R4 (4.0.1) JSON schema as a validator (fixture: fixtures/README.md)."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

SCHEMA = Path(__file__).parent / "fixtures" / "fhir-r4.schema.json.gz"


@cache
def _schema() -> dict[str, Any]:
    with gzip.open(SCHEMA, "rt", encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


@cache
def _validator(resource_type: str) -> Draft6Validator:
    schema = _schema()
    if resource_type not in schema["definitions"]:
        raise KeyError(f"{resource_type} is not an R4 resource type")
    return Draft6Validator(
        {"$ref": f"#/definitions/{resource_type}", "definitions": schema["definitions"]}
    )


def r4_errors(resource: dict[str, Any]) -> list[str]:
    """Every violation of the R4 schema, as 'path: message' (empty when valid).

    A Bundle is checked as its shell plus each entry's resource against its own type: the same
    verdict as the schema's `oneOf` over all resource types (each type fixes `resourceType`),
    without trying 146 definitions per entry.
    """
    kind = resource.get("resourceType", "?")
    if kind == "Bundle" and isinstance(resource.get("entry"), list):
        entries = resource["entry"]
        shell = {
            **resource,
            "entry": [
                {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
                for e in entries
            ],
        }
        inner = [e["resource"] for e in entries if isinstance(e, dict) and "resource" in e]
        return _errors(kind, shell) + [m for r in inner for m in r4_errors(r)]
    return _errors(kind, resource)


def _errors(kind: str, resource: dict[str, Any]) -> list[str]:
    try:
        validator = _validator(kind)
    except KeyError as exc:
        return [str(exc.args[0])]
    return [
        f"{kind}/{resource.get('id', '')} {'.'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(resource)
    ]
