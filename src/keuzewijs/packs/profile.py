"""A pack's profile schema becomes a pydantic model: validation, JSON Schema and error paths for
free.

Every field is optional: a missing answer means 'unknown', which the three-valued
rule evaluation handles. Unknown keys are rejected so a typo never passes silently.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    create_model,
)
from pydantic.json_schema import JsonDict
from pydantic_core import ErrorDetails

from keuzewijs.errors import ProfileError, brief

from .models import FieldType, ProfileField, ProfileSchema

MAX_ERRORS = 20

# Accept 6 and 5.9; never "6", true, NaN or Infinity. One type (not a union), so that the JSON
# Schema states the field's `minimum` and `maximum` where every consumer looks for them.
_NUMBER = Annotated[float, Strict(), AllowInfNan(False)]
_INTEGER = Annotated[int, Strict()]


def _annotation(spec: ProfileField) -> Any:
    if spec.type == FieldType.boolean:
        return StrictBool
    if spec.type == FieldType.integer:
        return _INTEGER
    if spec.type in (FieldType.number, FieldType.duration):
        return _NUMBER
    choices: Any = Literal[tuple(spec.value_ids())]
    return choices if spec.type == FieldType.enum else list[choices]


def _field(spec: ProfileField) -> Any:
    lower = (
        spec.minimum
        if spec.minimum is not None
        else (0 if spec.type == FieldType.duration else None)
    )
    extra: JsonDict = {"x-label": spec.label.model_dump(), "x-question": spec.question.model_dump()}
    if spec.unit:
        extra["x-unit"] = spec.unit
    if spec.values:
        extra["x-value-labels"] = {v.id: v.label.model_dump() for v in spec.values}
    return Field(
        None,
        ge=lower,
        le=spec.maximum,
        title=spec.question.en,
        description=spec.help.en if spec.help else None,
        json_schema_extra=extra,
    )


def build_profile_model(condition_id: str, schema: ProfileSchema) -> type[BaseModel]:
    fields = {spec.name: (_annotation(spec) | None, _field(spec)) for spec in schema.fields}
    # ignored below: field definitions built at run time from profile.yaml
    model = create_model(  # type: ignore[call-overload]
        "Profile_" + condition_id.replace("-", "_"),
        __config__=ConfigDict(extra="forbid", frozen=True),
        **fields,
    )
    model.__doc__ = f"Patient profile for {condition_id}; every field optional (missing = unknown)."
    return model


def _explain(error: ErrorDetails, allowed_fields: list[str]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    got = brief(error.get("input"))  # name the input, never echo a large one whole
    if kind == "extra_forbidden":
        return f"unknown field; allowed fields: {', '.join(allowed_fields)}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be <= {ctx.get('le', ctx.get('lt'))} (got {got})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be >= {ctx.get('ge', ctx.get('gt'))} (got {got})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {got})"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {got})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number (got {got})"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number (got {got})"
    if kind == "finite_number":
        return f"must be a finite number (got {got})"
    if kind == "list_type":
        return f"must be a list (got {got})"
    if kind == "model_type":
        return "the profile must be a JSON object of field: value"
    return error["msg"]


def _location(loc: tuple[Any, ...]) -> str:
    # Union members add their type name to the location (e.g. `float`); the user only needs the
    # field.
    parts = [
        str(p) for p in loc if not (isinstance(p, str) and p in {"float", "int", "constrained-int"})
    ]
    path = "profile"
    for part in (p if len(p) <= 60 else p[:59] + "…" for p in parts):  # a key may be long input
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def validate_profile(model: type[BaseModel], data: Any) -> dict[str, Any]:
    """Validate raw profile data; return the known (non-missing) values as a plain dict."""
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        allowed = list(model.model_fields)
        seen: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            if len(seen) == MAX_ERRORS:  # the reply stays small, however many fields are wrong
                seen["profile"] = f"more errors; the first {MAX_ERRORS} are listed"
                break
            seen.setdefault(_location(err["loc"]), _explain(err, allowed))
        raise ProfileError(list(seen.items())) from None
    return {k: v for k, v in validated.__dict__.items() if v is not None}
