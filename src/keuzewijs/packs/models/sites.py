"""knowledge/_common texts (ui.yaml, web.yaml) and sites/*.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
    conditions: list[str] = Field(default_factory=list, description="packs this site offers")
    sources: list[SourceRef] = Field(default_factory=list)
    source_citation: str | None = None


class Phone(Strict):
    """A number to call (site configuration): 112, the GP out-of-hours service, the emergency
    department, the care team. `source` says where the number was taken from."""

    kind: Literal["emergency", "gp_out_of_hours", "emergency_department", "care_team"]
    label: Text
    number: str = Field(pattern=r"^[0-9 +()-]{3,20}$")
    when: Text | None = None
    source: str = Field(min_length=1)
