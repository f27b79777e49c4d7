"""Value sets as FHIR R4 ValueSet resources (`knowledge/_common/valuesets/*.json`).

Each value set is defined intensionally in `compose` and ships its `expansion`, the way VSAC
expansions ship with eCQMs, so that matching works offline:

- `compose.include[].filter` with property `constraint` (op `=`): a SNOMED CT ECL expression
  (`<< 359817006`), expanded by a terminology server or from an OMOP vocabulary;
- `compose.include[].filter` with property `concept`, op `is-a`: an ICD-10 / ICD-10-CM /
  ICD-10-PCS / CPT family (`S72.0`). A classification's hierarchy is its code prefix, so the
  family is also matched offline, code by code, by prefix;
- `compose.include[].concept`: codes listed by hand (ICPC-1 NL, a SNOMED child not in the
  vocabulary at hand, an order code). In the expansion they carry the `origin` extension `hand`;
- `compose.include[].valueSet`: other value sets (by canonical URL);
- `compose.exclude[].filter` with property `code`, op `regex`: codes of a family that are not
  meant (ICD-10-CM sequela, 7th character S).

The expansion says where it came from (`used-codesystem` parameters with the terminology
version, the `origin` extension per code: `server`, `omop` or `hand`) and when (`timestamp`).
Every listed code cites a source alias (the `source` extension), as every code in the knowledge
does. This module reads, checks and rewrites them; it does not know any condition.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from keuzewijs.errors import KnowledgeError

from .files import parse_file

BASE = "https://keuzewijs.nl/fhir"
VS_BASE = f"{BASE}/ValueSet/"
EXT_SOURCE = f"{BASE}/StructureDefinition/code-source"
EXT_ORIGIN = f"{BASE}/StructureDefinition/expansion-origin"
EXT_OMOP_ID = f"{BASE}/StructureDefinition/omop-concept-id"
Origin = Literal["server", "omop", "hand"]
MAX_EXPANSION_AGE = dt.timedelta(days=365)


Normalise = Literal["exact", "icd10"]


class CodeSystemInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    aliases: list[str] = Field(default_factory=list, description="other URIs and urn:oid forms")
    normalise: Normalise = "exact"
    same_codes_as: str | None = None
    omop_vocabulary: str | None = Field(None, description="OMOP vocabulary_id of this system")
    source: str


class CodeSystemsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    systems: dict[str, CodeSystemInfo]
    sources: dict[str, str] = Field(description="what the value sets' code sources are")


def load_code_systems(common: Path) -> CodeSystemsFile:
    """`<knowledge>/_common/valuesets/code-systems.yaml`."""
    return parse_file(common / "valuesets" / "code-systems.yaml", CodeSystemsFile)


class _Fhir(BaseModel):
    """FHIR JSON: unknown elements are an error (a typo must not silently drop codes)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Extension(_Fhir):
    url: str
    valueString: str | None = None
    valueCode: str | None = None
    valueInteger: int | None = None


class Concept(_Fhir):
    code: str = Field(min_length=1)
    display: str
    extension: list[Extension] = Field(default_factory=list)


class Filter(_Fhir):
    property: Literal["constraint", "concept", "code"]
    op: Literal["=", "is-a", "regex"]
    value: str = Field(min_length=1)


class Include(_Fhir):
    system: str | None = None
    version: str | None = None
    concept: list[Concept] = Field(default_factory=list)
    filter: list[Filter] = Field(default_factory=list)
    valueSet: list[str] = Field(default_factory=list)
    extension: list[Extension] = Field(default_factory=list)


class Compose(_Fhir):
    include: list[Include] = Field(min_length=1)
    exclude: list[Include] = Field(default_factory=list)


class Parameter(_Fhir):
    name: str
    valueUri: str | None = None
    valueString: str | None = None


class Contains(_Fhir):
    system: str
    code: str = Field(min_length=1)
    display: str
    version: str | None = None
    extension: list[Extension] = Field(default_factory=list)


class Expansion(_Fhir):
    identifier: str | None = None
    timestamp: dt.datetime
    total: int | None = None
    parameter: list[Parameter] = Field(default_factory=list)
    contains: list[Contains] = Field(default_factory=list)


class Narrative(_Fhir):
    status: str
    div: str


class ValueSetResource(_Fhir):
    resourceType: Literal["ValueSet"]
    id: str = Field(pattern=r"^[A-Za-z0-9\-.]{1,64}$")
    url: str
    version: str
    name: str
    title: str
    status: Literal["draft", "active", "retired"]
    description: str
    text: Narrative | None = None
    compose: Compose
    expansion: Expansion | None = None

    def includes(self) -> list[str]:
        """Ids of the value sets this one includes."""
        out = []
        for inc in self.compose.include:
            for url in inc.valueSet:
                out.append(url.removeprefix(VS_BASE))
        return out


def ext(items: Iterable[Extension], url: str) -> str | None:
    for e in items:
        if e.url == url:
            return e.valueString or e.valueCode
    return None


def families(vs: ValueSetResource) -> list[tuple[str, str]]:
    """(system URI, code) of each `is-a` family filter: matched by code prefix."""
    return [
        (inc.system, f.value)
        for inc in vs.compose.include
        if inc.system
        for f in inc.filter
        if f.property == "concept" and f.op == "is-a"
    ]


def exclusions(vs: ValueSetResource) -> list[tuple[str, re.Pattern[str]]]:
    """(system URI, pattern on the normalised code) of each `exclude` regex filter."""
    return [
        (inc.system, re.compile(f.value))
        for inc in vs.compose.exclude
        if inc.system
        for f in inc.filter
        if f.property == "code" and f.op == "regex"
    ]


def load_valuesets(folder: Path) -> dict[str, ValueSetResource]:
    """Every `*.json` ValueSet in the folder, keyed by id (= file name)."""
    out: dict[str, ValueSetResource] = {}
    for path in sorted(folder.glob("*.json")):
        vs = parse_file(path, ValueSetResource)
        if vs.id != path.stem:
            raise KnowledgeError(f"id '{vs.id}' differs from the file name", path=str(path))
        if vs.url != VS_BASE + vs.id:
            raise KnowledgeError(f"url must be {VS_BASE}{vs.id}", path=str(path))
        try:
            exclusions(vs)  # compiles each exclude pattern: a bad regex fails here, at load
        except re.error as exc:
            raise KnowledgeError(
                f"exclude: not a regular expression: {exc}", path=str(path)
            ) from None
        out[vs.id] = vs
    return out


def problems(valuesets: dict[str, ValueSetResource], now: dt.datetime) -> list[tuple[str, str]]:
    """(value set, message): includes that do not exist, missing or stale expansions."""
    found: list[tuple[str, str]] = []
    for vid, vs in valuesets.items():
        for other in vs.includes():
            if other not in valuesets:
                found.append((vid, f"includes unknown value set '{other}'"))
        if vs.expansion is None:
            found.append((vid, "has no expansion; run `keuzewijs valuesets expand`"))
            continue
        for c in vs.expansion.contains:
            if ext(c.extension, EXT_SOURCE) is None:
                found.append((vid, f"expansion code {c.code} cites no source"))
            if ext(c.extension, EXT_ORIGIN) not in ("server", "omop", "hand"):
                found.append((vid, f"expansion code {c.code} does not say where it came from"))
    return found


def stale(valuesets: dict[str, ValueSetResource], now: dt.datetime) -> list[tuple[str, str]]:
    """(value set, message) for each expansion older than a year."""
    out = []
    for vid, vs in valuesets.items():
        if vs.expansion is not None:
            stamp = vs.expansion.timestamp
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            if now - stamp > MAX_EXPANSION_AGE:
                out.append((vid, f"expansion of {stamp.date()} is older than a year"))
    return out


def dump(vs: ValueSetResource) -> str:
    """The file text: FHIR JSON, stable key order as written, two-space indent."""
    data = vs.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return json.dumps(_prune(data), indent=2, ensure_ascii=False) + "\n"


def _prune(value: Any) -> Any:
    """FHIR forbids empty arrays and objects."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in ([], {}, None)}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
