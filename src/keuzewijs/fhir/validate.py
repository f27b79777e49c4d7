"""Every exported resource goes through its `fhir.resources` R4B model before it is written."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from keuzewijs.errors import FhirExportError as FhirExportError


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as its R4B model serialises it; raises naming the failing element."""
    kind = resource.get("resourceType", "?")
    try:
        model = get_fhir_model_class(kind).model_validate(resource)
    except (ValidationError, KeyError) as exc:
        detail = (
            exc.errors(include_url=False)[0]
            if isinstance(exc, ValidationError)
            else {"msg": str(exc), "loc": ()}
        )
        where = ".".join(str(p) for p in detail["loc"])
        raise FhirExportError(
            str(detail["msg"]), path=f"{kind}/{resource.get('id', '')} {where}".strip()
        ) from None
    return json.loads(model.model_dump_json(exclude_none=True, by_alias=True))
