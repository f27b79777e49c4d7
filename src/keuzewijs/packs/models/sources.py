"""sources.yaml: the bibliography every fact cites (`{id, locator}`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from .common import ID_PATTERN, Strict


class SourceKind(StrEnum):
    systematic_review = "systematic_review"
    narrative_review = "narrative_review"  # a review its authors call narrative (no pooling)
    guideline = "guideline"
    trial = "trial"
    cohort = "cohort"
    registry = "registry"
    recommendation_list = "recommendation_list"
    patient_information = "patient_information"


class Source(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: SourceKind
    citation: str = Field(min_length=1)
    year: int | None = None
    url: str | None = None
    seed: str | None = Field(
        None, description="file name in shared/seeds when the source is a seed"
    )
    verification: Literal["verbatim", "secondary"] = Field(
        "verbatim",
        description="verbatim: the figures were seen in the primary source; "
        "secondary: only in a secondary source (shown to clinicians as such)",
    )
    note: str | None = None


class SourcesFile(Strict):
    sources: list[Source] = Field(min_length=1)
