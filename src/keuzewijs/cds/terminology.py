"""Value sets as data (`knowledge/_common/valuesets/*.yaml`) and matching codings against them.

A coding matches when its system is the entry's system, one of that system's aliases or OIDs, or a
release that uses the same codes (`same_codes_as`, e.g. ICD-10-NL for WHO ICD-10), and its code,
normalised the way the system says (ICD-10: upper case, no dots), equals the entry's code or, for
`match: prefix`, starts with it (an ICD-10 family: S72.0 matches S72.001A) without matching the
entry's `exclude` pattern (e.g. ICD-10-CM sequela codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import parse_file
from keuzewijs.packs.models import Strict

Normalise = Literal["exact", "icd10"]


class CodeSystemInfo(Strict):
    aliases: list[str] = Field(default_factory=list, description="other URIs and urn:oid forms")
    normalise: Normalise = "exact"
    same_codes_as: str | None = None
    source: str


class CodeSystemsFile(Strict):
    systems: dict[str, CodeSystemInfo]


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
    title: str
    include: list[str] = Field(default_factory=list, description="other value sets, by id")
    codes: list[Code] = Field(default_factory=list)


class ValueSetFile(Strict):
    valuesets: dict[str, ValueSet]


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
    ):
        self.canonical, self.systems, self.valuesets = canonical, systems, valuesets
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


def load_terminology(folder: Path, canonical: dict[str, str]) -> Terminology:
    base = folder / "valuesets"
    systems = parse_file(base / "code-systems.yaml", CodeSystemsFile).systems
    valuesets: dict[str, ValueSet] = {}
    for path in sorted(base.glob("*.yaml")):
        if path.name == "code-systems.yaml":
            continue
        for vid, vs in parse_file(path, ValueSetFile).valuesets.items():
            if vid in valuesets:
                raise KnowledgeError(f"value set '{vid}' is defined twice", path=str(path))
            valuesets[vid] = vs
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
    return Terminology(canonical, systems, valuesets)
