"""A loaded pack and the library of all packs: validated, indexed, versioned (see loader.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from keuzewijs.errors import UnknownConditionError

from .files import parse_file
from .indicators import Indicator
from .models import (
    ClinicianFile,
    EvidenceFile,
    GridFile,
    Option,
    OptionsFile,
    Outcome,
    OutcomesFile,
    PackMeta,
    ProfileField,
    ProfileSchema,
    RulesFile,
    Source,
    SourcesFile,
    Text,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _derive(store: dict[str, Any], name: str, build: Callable[[], T]) -> T:
    hit = store.get(name)
    if hit is None:  # two threads may both build it: the same value, one of them kept
        hit = store.setdefault(name, build())
    return cast(T, hit)


@dataclass(frozen=True)
class Pack:
    """One condition's knowledge, validated and indexed."""

    root: Path
    meta: PackMeta
    profile: ProfileSchema
    options_file: OptionsFile
    outcomes_file: OutcomesFile
    evidence: EvidenceFile
    rules: RulesFile
    sources_file: SourcesFile
    digest: str
    profile_model: type[BaseModel] = field(repr=False)
    # Optional indicators.yaml: population-audit indicators that refer to this pack's rules.
    indicators: list[Indicator] = field(default_factory=list)
    # Estimates pooled from study-level CSVs (studydata.py): per-estimate results for forest
    # plots, and where computed and published numbers differ beyond rounding.
    study_results: dict[str, Any] = field(default_factory=dict, repr=False)
    study_gaps: list[Any] = field(default_factory=list)
    # Optional grid.yaml: the Option Grid, a few patient questions answered per option.
    grid: GridFile | None = None
    # clinician.yaml: the clinician text of every rule, and referral lines (clinician view).
    clinician: ClinicianFile | None = None
    # Data derived from the pack by higher layers (its compiled rules), kept on it: it lives and
    # dies with the pack, and `dataclasses.replace` starts a new store (not an init field).
    # Keys are `layer.name`, e.g. `engine.compiled`.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derive(self, name: str, build: Callable[[], T]) -> T:
        """`build()` once per pack: data a higher layer derives from it."""
        return _derive(self.derived, name, build)

    def __repr__(self) -> str:
        # Short on purpose: field by field a pack prints as ~50 kB, which hypothesis warns about
        # when it prints a failing example (an error under pytest's filterwarnings); the property
        # tests over packs then reported FlakyStrategyDefinition instead of their counter-example.
        return f"Pack({self.knowledge_version!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """The pretty-printer protocol (IPython, hypothesis): the short repr, not every field."""
        printer.text(repr(self))

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def knowledge_version(self) -> str:
        return f"{self.meta.id}@{self.meta.version}+{self.digest[:12]}"

    @functools.cached_property
    def fields(self) -> dict[str, ProfileField]:
        return {f.name: f for f in self.profile.fields}

    @functools.cached_property
    def options(self) -> dict[str, Option]:
        return {o.id: o for o in self.options_file.options}

    @functools.cached_property
    def outcomes(self) -> dict[str, Outcome]:
        return {o.id: o for o in self.outcomes_file.outcomes}

    @functools.cached_property
    def sources(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources_file.sources}


@dataclass(frozen=True)
class Library:
    """All packs under one knowledge root, with the shared interface texts."""

    root: Path
    packs: dict[str, Pack]
    ui: dict[str, Text]
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derive(self, name: str, build: Callable[[], T]) -> T:
        """`build()` once per library: data a higher layer derives from it (its CDS data)."""
        return _derive(self.derived, name, build)

    def common(self, name: str, model: type[M]) -> M:
        """A shared data file of this knowledge root (`_common/<name>`), validated.

        Every knowledge root carries its own `_common/`: there is no fallback to a source
        checkout, which an installed wheel does not have."""
        return parse_file(self.root / "_common" / name, model)

    def pack(self, condition_id: str) -> Pack:
        try:
            return self.packs[condition_id]
        except KeyError:
            allowed = ", ".join(sorted(self.packs)) or "(none)"
            raise UnknownConditionError(
                f"unknown condition '{condition_id}'; allowed: {allowed}", path="condition"
            ) from None
