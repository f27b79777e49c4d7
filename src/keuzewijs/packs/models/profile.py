"""profile.yaml: the fields a patient profile may have (the pack's vocabulary)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from ..conditions import DurationUnit
from .common import ID_PATTERN, SourceRef, Strict, Text


class FieldType(StrEnum):
    integer = "integer"
    number = "number"
    boolean = "boolean"
    enum = "enum"
    set = "set"  # several values of a controlled list, e.g. symptoms
    duration = "duration"  # a time span in `unit`, e.g. weeks since onset


class EnumValue(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: Text
    help: Text | None = None


class ProfileField(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    label: Text = Field(description="noun phrase used when a rule is rendered as text")
    label_false: Text | None = Field(
        None, description="phrase for `is_false` when 'no <label>' reads badly"
    )
    question: Text = Field(description="how the decision aid asks for it")
    help: Text | None = None
    unit: DurationUnit | Literal["years"] | None = None
    minimum: float | None = None
    maximum: float | None = None
    values: list[EnumValue] | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    asked_of: Literal["patient", "clinician"] = Field(
        "patient", description="clinician: asked in the clinician part of the form or from the EHR"
    )
    show_if: ShowIf | None = Field(None, description="a follow-up question: asked only when ...")
    derived_from: DerivedFrom | None = Field(
        None, description="not asked on the web form: computed from another answer and the clock"
    )

    @model_validator(mode="after")
    def _type_needs(self) -> ProfileField:
        if self.type in (FieldType.enum, FieldType.set) and not self.values:
            raise ValueError(f"field '{self.name}' of type {self.type} needs `values`")
        if self.type not in (FieldType.enum, FieldType.set) and self.values:
            raise ValueError(f"field '{self.name}' of type {self.type} cannot have `values`")
        if self.type == FieldType.duration and self.unit is None:
            raise ValueError(f"duration field '{self.name}' needs a `unit`")
        return self

    def value_ids(self) -> list[str]:
        return [v.id for v in self.values or []]


class DerivedFrom(Strict):
    """One question instead of two (issue 19): the form asks `field` (hours ago) and computes this
    one when the answers are sent. calendar_days_since: the calendar days between then and now in
    the site's time zone (0 = the same day). The CLI, API and EHR may still give it directly."""

    field: str
    kind: Literal["calendar_days_since"]


class ShowIf(Strict):
    """Progressive disclosure: the field is asked only when `field` has one of `values`
    ('true'/'false' for a boolean, value ids for an enum or a set)."""

    field: str
    values: list[str] = Field(min_length=1)


class ProfileSchema(Strict):
    fields: list[ProfileField] = Field(min_length=1)
