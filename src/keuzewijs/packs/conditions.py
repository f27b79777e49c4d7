"""The rule-condition language: a declarative tree, validated by pydantic.

A condition is one of
  {field, op, value}        a comparison on one profile field
  {all: [...]}, {any: [...]}, {not: ...}
  {ref: name}               a named definition of the pack (e.g. `alarm_symptoms`)

Because it is data and not code, the same tree is evaluated on one profile
(three-valued), rendered as Dutch/English text, and translated to FHIRPath or
dataframe expressions by visitors in `keuzewijs.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator


class Op(StrEnum):
    eq = "eq"
    ne = "ne"
    lt = "lt"
    le = "le"
    gt = "gt"
    ge = "ge"
    in_ = "in"
    not_in = "not_in"
    is_true = "is_true"
    is_false = "is_false"
    contains = "contains"  # a set field holds this value
    contains_any = "contains_any"  # a set field holds at least one of these values


UNARY_OPS = {Op.is_true, Op.is_false}
ORDER_OPS = {Op.lt, Op.le, Op.gt, Op.ge}
LIST_VALUE_OPS = {Op.in_, Op.not_in, Op.contains_any}

DurationUnit = Literal["hours", "days", "weeks", "months", "years"]


class Quantity(BaseModel):
    """A time span in a condition, e.g. `{value: 9, unit: months}`.

    Kept as written so the rendered text says '9 months'; converted to the
    field's own unit when compared (see `keuzewijs.rules.units`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float = Field(ge=0)
    unit: DurationUnit


Scalar = bool | int | float | str | Quantity


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Compare(_Node):
    field: str
    op: Op
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Compare:
        if self.op in UNARY_OPS:
            if self.value is not None:
                raise ValueError(f"operator '{self.op}' takes no value")
        elif self.value is None:
            raise ValueError(f"operator '{self.op}' needs a value")
        elif self.op in LIST_VALUE_OPS and not isinstance(self.value, list):
            raise ValueError(f"operator '{self.op}' needs a list of values")
        elif self.op not in LIST_VALUE_OPS and isinstance(self.value, list):
            raise ValueError(f"operator '{self.op}' needs a single value, not a list")
        return self


class AllOf(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Node):
    not_: Condition = Field(alias="not")


class Ref(_Node):
    ref: str


def _tag(raw: Any) -> str | None:
    if isinstance(raw, BaseModel):
        return {Compare: "compare", AllOf: "all", AnyOf: "any", NotOf: "not", Ref: "ref"}.get(
            type(raw)
        )
    if not isinstance(raw, dict):
        return None
    for key in ("all", "any", "not", "ref"):
        if key in raw:
            return key
    if "field" in raw or "op" in raw:
        return "compare"
    return None


Condition = Annotated[
    Annotated[Compare, Tag("compare")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Ref, Tag("ref")],
    Discriminator(
        _tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is {field, op, value}, {all: [...]}, {any: [...]}, {not: ...} or {ref: "
            "name}"
        ),
    ),
]

for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


def fields_read(cond: Any, definitions: Mapping[str, Any]) -> frozenset[str]:
    """Every profile field a condition reads, following `{ref: name}` into `definitions`."""
    out: set[str] = set()
    stack = [cond]
    while stack:
        for node in walk(stack.pop()):
            if isinstance(node, Compare):
                out.add(node.field)
            elif isinstance(node, Ref):
                stack.append(definitions[node.ref].when)
    return frozenset(out)


def walk(node: Any) -> Iterator[Any]:
    """Yield every node of a condition tree, depth first (refs are not followed)."""
    yield node
    if isinstance(node, AllOf):
        for child in node.all:
            yield from walk(child)
    elif isinstance(node, AnyOf):
        for child in node.any:
            yield from walk(child)
    elif isinstance(node, NotOf):
        yield from walk(node.not_)


def when_and_not_unless(when: Any, unless: Any) -> Any:
    """The meaning of a rule with exceptions as one condition: `when and not unless`.

    Three-valued, this is exactly the rule as it was written before exceptions had their own
    place (`all: [..., {not: ...}]`): unknown when an exception is open. Translations (FHIRPath,
    the audit's SQL) use it; the engine evaluates `when` and `unless` apart to tell *applies*
    from *provisional*. None means 'always'.
    """
    if unless is None:
        return when
    negated = NotOf.model_validate({"not": unless})
    if when is None:
        return negated
    return AllOf.model_validate({"all": [when, negated]})
