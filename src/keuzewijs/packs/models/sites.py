"""Common interface texts and sites (sites/*.yaml): hospital numbers by condition and hour."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .common import ID_PATTERN, SourceRef, Strict, Text


class UiTexts(Strict):
    """Interface wording shared by all packs (headings, disclaimer): data, not code."""

    texts: dict[str, Text]


class Site(Strict):
    """Hospital-specific facts: site configuration, not clinical knowledge."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    country: str
    surgery_locations: list[str] = Field(default_factory=list)
    follow_up_locations: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    contact: Text
    costs: Text | None = None
    ombudsman_url: str | None = None
    phones: list[Phone] = Field(
        default_factory=list, description="numbers an urgent page shows, in this order"
    )
    time_zone: str = Field("Europe/Amsterdam", description="the zone of the phones' hours")
    conditions: list[str] = Field(default_factory=list, description="packs this site offers")
    sources: list[SourceRef] = Field(default_factory=list)
    source_citation: str | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


class Hours(Strict):
    """When a number is answered: on these days, from `start` up to (not including) `end`, in the
    site's time zone. A span past midnight is two entries (e.g. 17:00-24:00 and 00:00-08:00)."""

    days: list[Weekday] = Field(min_length=1)
    start: str = Field(pattern=CLOCK_PATTERN)
    end: str = Field(pattern=CLOCK_PATTERN)

    @model_validator(mode="after")
    def _start_before_end(self) -> Hours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} is not before end {self.end}")
        return self


class Phone(Strict):
    """A number to call (site configuration): 112, the GP out-of-hours service, the emergency
    department, the ward or outpatient clinic of a department, the switchboard. `source` says
    where the number was taken from. A number the site could not find is listed without one:
    `ask` then names whom to ask instead, and `source` says where it was looked for."""

    kind: Literal[
        "emergency",
        "gp_out_of_hours",
        "emergency_department",
        "care_team",
        "ward",
        "outpatient_clinic",
        "switchboard",
    ]
    label: Text
    number: str | None = Field(None, pattern=r"^[0-9 +()-]{3,20}$")
    ask: Text | None = Field(None, description="whom to ask when the site has no number")
    when: Text | None = None
    hours: list[Hours] = Field(
        default_factory=list, description="when it is answered; empty: day and night"
    )
    conditions: list[str] = Field(
        default_factory=list,
        description="the conditions (departments) this number is for; empty: every condition",
    )
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _number_or_whom_to_ask(self) -> Phone:
        if self.number is None and self.ask is None:
            raise ValueError("a phone without a number needs `ask` (whom to ask instead)")
        return self
