"""Pydantic model of a pack's `indicators.yaml`: quality indicators that *refer to* pack rules.

An indicator never restates a rule. It says which care act is audited (the index event), who is
eligible (the denominator), how each profile field the rule reads is computed at the index date
from OMOP events (the profile builder), and which rule of `rules.yaml` decides the numerator:
a patient counts when the engine would show that rule for their profile at the index date.
Variants ('sensitive', 'specific') differ only in how the profile is built, e.g. which codes
count as red flags and how far back they are looked for.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .conditions import DurationUnit
from .models import ID_PATTERN, Cited, Source, Strict, Text


class Window(Strict):
    """Days before and after the index date (both inclusive) in which an event counts."""

    before_days: int = Field(0, ge=0)
    after_days: int = Field(0, ge=0)


class Criterion(Window):
    """An event of a concept set (omop-mapping.yaml) within a window around the index date."""

    concepts: str


class FieldSource(Strict):
    """How one profile field is computed at the index date.

    kinds
      age              whole years from the person's birth date to the index date
      elapsed          time from the first event of `concepts` in the window to the index date,
                       in the field's unit (or `unit` for a field without one)
      present          true when an event of `concepts` is in the window; when there is none,
                       `absent` says whether that means false (claims data: not coded = not there)
                       or unknown; for a set field `member` names the value it adds; for an enum
                       field `member` is the value when present and `otherwise` the value when
                       absent
      since_admission  time from the start of the index event's visit (admission) to the index
                       date, in calendar days or `unit`
      constant         always `value` (e.g. 'not yet operated' at the moment of the operation)
    """

    field: str
    kind: Literal["age", "elapsed", "present", "since_admission", "constant"]
    concepts: str | None = None
    window: Window = Window()
    unit: DurationUnit | None = None
    absent: Literal["false", "unknown"] = "unknown"
    member: str | None = None
    otherwise: str | None = None
    value: bool | int | float | str | None = None

    @model_validator(mode="after")
    def _needs(self) -> FieldSource:
        if self.kind in ("elapsed", "present") and not self.concepts:
            raise ValueError(f"kind '{self.kind}' needs `concepts`")
        if self.kind == "constant" and self.value is None:
            raise ValueError("kind 'constant' needs `value`")
        return self

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.field, self.member)


class Index(Strict):
    """The audited care act: the first event of `concepts` per patient (after `after`, if given)."""

    concepts: str
    after: Criterion | None = Field(
        None,
        description="only events following an event of this set count (e.g. MRI after surgery)",
    )


class Denominator(Strict):
    require: list[Criterion] = Field(default_factory=list)
    exclude: list[Criterion] = Field(default_factory=list)


class Variant(Strict):
    id: str = Field(pattern=ID_PATTERN)
    description: Text
    profile: list[FieldSource] = Field(
        description="replaces the sources of the same field (and member)"
    )

    @field_validator("profile", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        # A YAML alias of a shared list of sources (e.g. `- *alarms-broad`) nests one level: flatten
        # it.
        if isinstance(value, list):
            return [item for part in value for item in (part if isinstance(part, list) else [part])]
        return value


class SyntheticTiming(Strict):
    """How `keuzewijs synth` draws a source's event time: days before the index date, log-normal."""

    median_days: float = Field(gt=0)
    sigma: float = Field(ge=0)


class Synthetic(Strict):
    """Parameters of the synthetic population for this indicator (not clinical facts)."""

    share: float = Field(
        gt=0, le=1, description="share of synthetic patients given this index event"
    )
    timing: dict[str, SyntheticTiming] = Field(default_factory=dict, description="by field name")
    present: dict[str, float] = Field(
        default_factory=dict,
        description="chance a present-source event is planted, by field (or field.member)",
    )
    exclude: float = Field(0.0, ge=0, le=1, description="chance an exclusion event is planted")
    after_days: SyntheticTiming | None = None


class Indicator(Cited):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    description: Text
    rule: str = Field(description="id of a red flag or recommendation in this pack's rules.yaml")
    index: Index
    denominator: Denominator = Denominator()
    profile: list[FieldSource] = Field(min_length=1)
    red_flag_exclusion: Text = Field(description="how red flags are excluded, in words")
    variants: list[Variant] = Field(default_factory=list)
    references: list[Source] = Field(
        default_factory=list,
        description="sources beyond the pack's sources.yaml (e.g. the measure's publication)",
    )
    synthetic: Synthetic | None = None

    def variant_ids(self) -> list[str]:
        return [v.id for v in self.variants] or ["main"]

    def builder(self, variant: str = "main") -> list[FieldSource]:
        """The profile builder of one variant: the base sources with the variant's replacements."""
        chosen = next((v for v in self.variants if v.id == variant), None)
        if chosen is None:
            return list(self.profile)
        replaced = {s.key for s in chosen.profile}
        return [s for s in self.profile if s.key not in replaced] + list(chosen.profile)


class IndicatorsFile(Strict):
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _drop_anchor_holders(cls, data: Any) -> Any:
        # Top-level `x-...` keys only hold YAML anchors (shared sources, texts) used below.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("x-")}
        return data
