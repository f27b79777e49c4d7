"""Value sets (FHIR ValueSets in `knowledge/_common/valuesets/*.json`, see
`keuzewijs.packs.valuesets`) and matching codings against them.

A value set contributes its committed expansion (exact codes) and its `is-a` families (matched by
prefix: a classification's hierarchy is its code). A coding matches when its system is the
entry's system, one of that system's aliases or OIDs, or a release that uses the same codes
(`same_codes_as`, e.g. ICD-10-NL for WHO ICD-10), and its code, normalised the way the system says
(ICD-10: upper case, no dots), equals the entry's code or, for a family, starts with it (S72.0
matches S72.001A) without matching the value set's `exclude` pattern (ICD-10-CM sequela codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.models import Strict
from keuzewijs.packs.valuesets import (
    EXT_SOURCE,
    CodeSystemInfo,
    Normalise,
    ValueSetResource,
    exclusions,
    ext,
    load_code_systems,
    load_valuesets,
)


class Code(Strict):
    system: str
    code: str
    display: str
    source: str
    match: Literal["exact", "prefix"] = "exact"
    exclude: str | None = Field(None, description="regex on the normalised code: not a match")

    @field_validator("exclude")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class ValueSet(Strict):
    """A value set as the matcher needs it: the codes of its expansion, its families."""

    title: str
    include: list[str] = Field(default_factory=list, description="other value sets, by id")
    codes: list[Code] = Field(default_factory=list)
    resource: ValueSetResource | None = None


class ValueSetRef(Strict):
    valueset: str


def normalise(code: str, how: Normalise) -> str:
    code = code.strip()
    if how == "icd10":
        return code.upper().replace(".", "").replace(" ", "")
    return code


@dataclass(frozen=True)
class Entry:
    system: str  # canonical URI
    code: str  # normalised
    prefix: bool
    exclude: re.Pattern[str] | None


class Terminology:
    """Canonical system URIs (from fhir-mapping.yaml `systems`) plus aliases and value sets."""

    def __init__(
        self,
        canonical: dict[str, str],
        systems: dict[str, CodeSystemInfo],
        valuesets: dict[str, ValueSet],
        sources: dict[str, str] | None = None,
    ):
        self.canonical, self.systems, self.valuesets = canonical, systems, valuesets
        self.sources = sources or {}
        self._uri_of: dict[str, str] = {}  # any spelling -> canonical URI
        self._how: dict[str, Normalise] = {}
        self._also: dict[str, set[str]] = {}  # canonical URI -> URIs sharing its codes
        for alias, uri in canonical.items():
            info = systems.get(alias)
            self._uri_of[uri] = uri
            self._uri_of[uri.rstrip("/")] = uri
            self._how[uri] = info.normalise if info else "exact"
            for other in info.aliases if info else ():
                self._uri_of[other] = uri
                self._uri_of[other.lower()] = uri
            self._also.setdefault(uri, {uri})
        for alias, info in systems.items():
            if info.same_codes_as and alias in canonical:
                base = canonical[info.same_codes_as]
                self._also.setdefault(base, {base}).add(canonical[alias])

    def uri(self, system: str) -> str:
        """The canonical URI of a system alias, URI, alias URI or OID; unknown ones as given."""
        if system in self.canonical:
            return self.canonical[system]
        return self._uri_of.get(system) or self._uri_of.get(system.lower()) or system

    def entries(self, codes: Iterable[Code | ValueSetRef], where: str = "") -> list[Entry]:
        out: list[Entry] = []
        for item in codes:
            if isinstance(item, ValueSetRef):
                out += self.expand(item.valueset, where)
                continue
            uri = self.uri(item.system)
            for target in self._also.get(uri, {uri}):
                out.append(
                    Entry(
                        target,
                        normalise(item.code, self._how.get(uri, "exact")),
                        item.match == "prefix",
                        re.compile(item.exclude) if item.exclude else None,
                    )
                )
        return out

    def expand(
        self, valueset_id: str, where: str = "", _seen: frozenset[str] = frozenset()
    ) -> list[Entry]:
        vs = self.valuesets.get(valueset_id)
        if vs is None:
            raise KnowledgeError(f"unknown value set '{valueset_id}'", path=where)
        if valueset_id in _seen:
            raise KnowledgeError(f"value set '{valueset_id}' includes itself", path=where)
        out = self.entries(vs.codes, where)
        for other in vs.include:
            out += self.expand(other, where, _seen | {valueset_id})
        return out

    def codes_of(self, codes: Iterable[Code | ValueSetRef]) -> list[Code]:
        """The listed codes (value sets expanded), for prefetch templates and documentation."""
        out: list[Code] = []
        for item in codes:
            if isinstance(item, ValueSetRef):
                vs = self.valuesets[item.valueset]
                out += self.codes_of(vs.codes)
                out += self.codes_of(ValueSetRef(valueset=v) for v in vs.include)
            else:
                out.append(item)
        return out


MEMO_SIZE = 4096  # codes remembered per matcher


class Matcher:
    """Does a coding fall in a set of entries? Exact codes by lookup, families by prefix."""

    def __init__(self, terminology: Terminology, entries: list[Entry]):
        self.terminology = terminology
        self.exact = {(e.system, e.code) for e in entries if not e.prefix}
        self.prefixes: dict[str, list[Entry]] = {}
        for e in entries:
            if e.prefix:
                self.prefixes.setdefault(e.system, []).append(e)
        # (system, code) as sent -> answer: a pure function of the knowledge, asked dozens of
        # times per hook call for the same few codes. Bounded; holds bare codes, no patient link.
        self._answers: dict[tuple[str, str], bool] = {}

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def coding(self, system: str | None, code: str | None) -> bool:
        if not system or not code:
            return False
        if not (isinstance(system, str) and isinstance(code, str)):
            return self._match(system, code)
        key = (system, code)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._match(system, code)
            if len(self._answers) >= MEMO_SIZE:
                self._answers.clear()
            self._answers[key] = answer
        return answer

    def _match(self, system: Any, code: Any) -> bool:
        uri = self.terminology.uri(system)
        norm = normalise(code, self.terminology._how.get(uri, "exact"))
        if (uri, norm) in self.exact:
            return True
        return any(
            norm.startswith(e.code) and not (e.exclude and e.exclude.search(norm))
            for e in self.prefixes.get(uri, ())
        )

    def concept(self, concept: Any) -> bool:
        """A CodeableConcept (model or dict) with at least one matching coding."""
        return any(self.coding(system, code) for system, code in _codings(concept))


def _codings(concept: Any) -> list[tuple[str | None, str | None]]:
    if concept is None:
        return []
    if isinstance(concept, dict):
        raw = concept.get("coding") or []
        return [(c.get("system"), c.get("code")) for c in raw if isinstance(c, dict)]
    return [(c.system, c.code) for c in (getattr(concept, "coding", None) or [])]


def _as_valueset(vs: ValueSetResource, alias_of: dict[str, str], where: str) -> ValueSet:
    """The matcher's view: expansion codes exact, `is-a` families by prefix (with the value
    set's exclusions on that system)."""
    codes: list[Code] = []

    def alias(system: str) -> str:
        if system not in alias_of:
            raise KnowledgeError(f"system {system} has no alias in fhir-mapping.yaml", path=where)
        return alias_of[system]

    for c in vs.expansion.contains if vs.expansion else ():
        source = ext(c.extension, EXT_SOURCE) or ""
        codes.append(Code(system=alias(c.system), code=c.code, display=c.display, source=source))
    excluded = exclusions(vs)
    for inc in vs.compose.include:
        if not inc.system:
            continue
        source = ext(inc.extension, EXT_SOURCE) or ""
        for f in inc.filter:
            if f.property == "concept" and f.op == "is-a":
                pattern = "|".join(p.pattern for s, p in excluded if s == inc.system) or None
                codes.append(
                    Code(
                        system=alias(inc.system),
                        code=f.value,
                        display=f"{f.value} and below",
                        source=source,
                        match="prefix",
                        exclude=pattern,
                    )
                )
    return ValueSet(title=vs.title, include=vs.includes(), codes=codes, resource=vs)


def load_terminology(folder: Path, canonical: dict[str, str]) -> Terminology:
    base = folder / "valuesets"
    code_systems = load_code_systems(folder)
    systems = code_systems.systems
    alias_of = {uri: alias for alias, uri in canonical.items()}
    valuesets = {
        vid: _as_valueset(vs, alias_of, str(base / f"{vid}.json"))
        for vid, vs in load_valuesets(base).items()
    }
    for alias, info in systems.items():
        if alias not in canonical:
            raise KnowledgeError(
                f"system '{alias}' has no canonical URI in fhir-mapping.yaml `systems`",
                path="valuesets/code-systems.yaml",
            )
        if info.same_codes_as and info.same_codes_as not in canonical:
            raise KnowledgeError(
                f"same_codes_as: unknown system '{info.same_codes_as}'",
                path=f"valuesets/code-systems.yaml: systems.{alias}",
            )
    return Terminology(canonical, systems, valuesets, code_systems.sources)
