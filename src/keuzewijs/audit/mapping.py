"""The code mapping of the audit (knowledge/_common/omop-mapping.yaml): concept sets as data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Library, Pack
from keuzewijs.packs.models import Strict

Domain = Literal["condition", "procedure", "observation"]


class ConceptCode(Strict):
    vocabulary: str
    code: str = Field(min_length=1)
    display: str
    source: str
    concept_id: int | None = Field(None, gt=0, description="OMOP standard concept id, when known")


class ConceptSet(Strict):
    description: str
    domains: list[Domain] = Field(min_length=1)
    codes: list[ConceptCode] = Field(min_length=1)

    def source_values(self) -> list[str]:
        return [c.code for c in self.codes]

    def concept_ids(self) -> list[int]:
        return [c.concept_id for c in self.codes if c.concept_id is not None]


class Mapping(Strict):
    sources: dict[str, str]
    prefix_vocabularies: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "vocabulary_id -> the vocabularies in which its codes also match the codes below them"
        ),
    )
    concept_sets: dict[str, ConceptSet]

    @model_validator(mode="after")
    def _sources_known(self) -> Mapping:
        for name, cs in self.concept_sets.items():
            for code in cs.codes:
                if code.source not in self.sources:
                    raise ValueError(
                        f"concept set '{name}': code {code.code} cites unknown source "
                        f"'{code.source}'"
                    )
        return self

    def get(self, name: str, where: str) -> ConceptSet:
        try:
            return self.concept_sets[name]
        except KeyError:
            raise KnowledgeError(
                f"unknown concept set '{name}'; known: {', '.join(sorted(self.concept_sets))}",
                path=where,
            ) from None


def load_mapping(library: Library) -> Mapping:
    return library.common("omop-mapping.yaml", Mapping)


def check_pack_sets(pack: Pack, mapping: Mapping) -> None:
    """Every concept set an indicator names exists (a typo is an error, never an empty set)."""
    where = str(pack.root / "indicators.yaml")
    for ind in pack.indicators:
        names = [
            ind.index.concepts,
            *(c.concepts for c in (*ind.denominator.require, *ind.denominator.exclude)),
        ]
        if ind.index.after:
            names.append(ind.index.after.concepts)
        names += [s.concepts for s in ind.profile if s.concepts]
        names += [s.concepts for v in ind.variants for s in v.profile if s.concepts]
        for name in names:
            mapping.get(name, f"{where}: {ind.id}")
