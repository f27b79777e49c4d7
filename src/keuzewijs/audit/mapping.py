"""The code mapping of the audit (knowledge/_common/omop-mapping.yaml): concept sets as data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import Library, Pack, parse_file, read_yaml
from keuzewijs.packs.models import Strict
from keuzewijs.packs.valuesets import (
    EXT_OMOP_ID,
    ValueSetResource,
    load_code_systems,
    load_valuesets,
)

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
    valuesets: list[str] = Field(
        default_factory=list,
        description="value sets (knowledge/_common/valuesets/) whose codes the set holds, the ones "
        "the CDS mapping uses: their expansion and is-a families, in the OMOP vocabulary of "
        "their system (code-systems.yaml `omop_vocabulary`)",
    )
    codes: list[ConceptCode] = Field(
        default_factory=list, description="further codes (e.g. OPCS-4)"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> ConceptSet:
        if not (self.codes or self.valuesets):
            raise ValueError("a concept set needs codes or value sets")
        return self

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


VALUESET_SOURCE = "valueset"


def load_mapping(knowledge: Library | Path) -> Mapping:
    """The concept sets, each value set it names resolved into OMOP vocabulary codes (of a
    library, or of a knowledge root before any pack loads: `keuzewijs valuesets`)."""
    root = knowledge.root if isinstance(knowledge, Library) else knowledge
    common = root / "_common"
    mapping = parse_file(common / "omop-mapping.yaml", Mapping)
    if not any(cs.valuesets for cs in mapping.concept_sets.values()):
        return mapping
    valuesets = load_valuesets(common / "valuesets")
    systems = load_code_systems(common).systems
    canonical = _canonical(common)
    vocab_of = {
        canonical[alias]: info.omop_vocabulary
        for alias, info in systems.items()
        if info.omop_vocabulary and alias in canonical
    }
    sets = {}
    for name, cs in mapping.concept_sets.items():
        codes = list(cs.codes)
        for vid in cs.valuesets:
            codes += _valueset_codes(vid, valuesets, vocab_of, f"omop-mapping.yaml: {name}")
        sets[name] = cs.model_copy(update={"codes": codes})
    return mapping.model_copy(
        update={
            "concept_sets": sets,
            "sources": {**mapping.sources, VALUESET_SOURCE: "a value set of valuesets/"},
        }
    )


def _canonical(common: Path) -> dict[str, str]:
    """alias -> system URI, from fhir-mapping.yaml `systems` (the one list of URIs)."""
    data = read_yaml(common / "fhir-mapping.yaml")
    systems = data.get("systems") if isinstance(data, dict) else None
    if not isinstance(systems, dict):
        raise KnowledgeError("no `systems`", path=str(common / "fhir-mapping.yaml"))
    return {str(k): str(v) for k, v in systems.items()}


def _valueset_codes(
    vid: str,
    valuesets: dict[str, ValueSetResource],
    vocab_of: dict[str, str],
    where: str,
    seen: frozenset[str] = frozenset(),
) -> list[ConceptCode]:
    vs = valuesets.get(vid)
    if vs is None:
        raise KnowledgeError(f"unknown value set '{vid}'", path=where)
    if vs.expansion is None:
        raise KnowledgeError(f"value set '{vid}' has no expansion", path=where)
    out: list[ConceptCode] = []
    for c in vs.expansion.contains:
        if c.system in vocab_of:
            out.append(
                ConceptCode(
                    vocabulary=vocab_of[c.system],
                    code=c.code,
                    display=c.display,
                    source=VALUESET_SOURCE,
                    concept_id=next(
                        (e.valueInteger for e in c.extension if e.url == EXT_OMOP_ID), None
                    ),
                )
            )
    # is-a families: the prefix vocabularies match the codes below them
    for inc in vs.compose.include:
        for f in inc.filter:
            if inc.system in vocab_of and f.property == "concept" and f.op == "is-a":
                out.append(
                    ConceptCode(
                        vocabulary=vocab_of[inc.system],
                        code=f.value,
                        display=f"{f.value} and below",
                        source=VALUESET_SOURCE,
                    )
                )
    for other in vs.includes():
        if other not in seen:
            out += _valueset_codes(other, valuesets, vocab_of, where, seen | {vid})
    return out


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
