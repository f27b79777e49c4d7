"""Refreshing the committed expansions of the value sets (`keuzewijs valuesets expand`).

Three sources, in order of preference:

- a FHIR terminology server (Snowstorm, Ontoserver, tx.fhir.org): `ValueSet/$expand` with the
  value set's own `compose` (POSTed as a `valueSet` parameter, so the server needs no copy of it);
- an OMOP vocabulary folder (an Athena download, or a CDM that ships its vocabulary): SNOMED ECL
  `<<`/`<` focus concepts expanded through CONCEPT_ANCESTOR, or, where that table is empty, the
  transitive closure of 'Subsumes' in CONCEPT_RELATIONSHIP; `is-a` families of a classification
  by code prefix over CONCEPT;
- codes listed by hand in `compose` (always kept, marked `origin: hand`).

The result says which versions it came from (`used-codesystem`) and what changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from keuzewijs.errors import KeuzewijsError
from keuzewijs.packs.valuesets import (
    EXT_OMOP_ID,
    EXT_ORIGIN,
    EXT_SOURCE,
    Contains,
    Expansion,
    Extension,
    Parameter,
    ValueSetResource,
    exclusions,
    ext,
)

CodingKey = tuple[str, str]  # (system URI, code)


@dataclass
class Change:
    valueset: str
    added: list[CodingKey] = field(default_factory=list)
    removed: list[CodingKey] = field(default_factory=list)

    def line(self) -> str:
        def show(keys: list[CodingKey]) -> str:
            return ", ".join(code for _, code in keys[:8]) + (" …" if len(keys) > 8 else "")

        parts = []
        if self.added:
            parts.append(f"+{len(self.added)} ({show(self.added)})")
        if self.removed:
            parts.append(f"-{len(self.removed)} ({show(self.removed)})")
        return f"{self.valueset}: {' '.join(parts) or 'unchanged'}"


def _norm(code: str) -> str:
    return code.upper().replace(".", "").replace(" ", "")


def _contains(
    system: str, code: str, display: str, source: str, origin: str, concept_id: int | None = None
) -> Contains:
    extension = [
        Extension(url=EXT_SOURCE, valueString=source),
        Extension(url=EXT_ORIGIN, valueCode=origin),
    ]
    if concept_id is not None:  # lets the audit match *_concept_id without vocabulary tables
        extension.append(Extension(url=EXT_OMOP_ID, valueInteger=concept_id))
    return Contains(system=system, code=code, display=display, extension=extension)


def _hand(vs: ValueSetResource) -> list[Contains]:
    return [
        _contains(inc.system, c.code, c.display, ext(c.extension, EXT_SOURCE) or "", "hand")
        for inc in vs.compose.include
        if inc.system
        for c in inc.concept
    ]


def _merge(*groups: Iterable[Contains]) -> list[Contains]:
    """First occurrence of each (system, code) wins: server/OMOP codes before hand codes."""
    seen: dict[CodingKey, Contains] = {}
    for group in groups:
        for c in group:
            seen.setdefault((c.system, c.code), c)
    return sorted(seen.values(), key=lambda c: (c.system, c.code))


def _excluded(vs: ValueSetResource, items: list[Contains]) -> list[Contains]:
    rules = exclusions(vs)
    return [
        c for c in items if not any(s == c.system and p.search(_norm(c.code)) for s, p in rules)
    ]


def _flatten(
    vs: ValueSetResource, done: dict[str, list[Contains]], own: list[Contains]
) -> list[Contains]:
    """A value set's expansion holds the codes of the value sets it includes (FHIR)."""
    return _merge(own, *(done.get(other, []) for other in vs.includes()))


def _order(valuesets: dict[str, ValueSetResource]) -> list[str]:
    """Included value sets first."""
    out: list[str] = []

    def visit(vid: str, seen: frozenset[str]) -> None:
        if vid in out or vid not in valuesets:
            return
        if vid in seen:
            raise KeuzewijsError(f"value set '{vid}' includes itself", path=vid)
        for other in valuesets[vid].includes():
            visit(other, seen | {vid})
        out.append(vid)

    for vid in sorted(valuesets):
        visit(vid, frozenset())
    return out


def expand_all(
    valuesets: dict[str, ValueSetResource],
    own: Callable[[ValueSetResource], tuple[list[Contains], list[Parameter]]],
    now: dt.datetime,
) -> tuple[dict[str, ValueSetResource], list[Change]]:
    done: dict[str, list[Contains]] = {}
    out: dict[str, ValueSetResource] = {}
    changes: list[Change] = []
    for vid in _order(valuesets):
        vs = valuesets[vid]
        found, params = own(vs)
        items = _flatten(vs, done, _excluded(vs, _merge(found, _hand(vs))))
        done[vid] = items
        before = {(c.system, c.code) for c in (vs.expansion.contains if vs.expansion else [])}
        after = {(c.system, c.code) for c in items}
        changes.append(Change(vid, sorted(after - before), sorted(before - after)))
        expansion = Expansion(
            identifier=f"urn:uuid:{uuid.uuid4()}",
            timestamp=now.replace(microsecond=0),
            total=len(items),
            parameter=params,
            contains=items,
        )
        out[vid] = vs.model_copy(update={"expansion": expansion})
    return out, changes


# --- OMOP vocabulary -------------------------------------------------------------------------


def _table(folder: Path, name: str) -> Path | None:
    for candidate in (name.upper(), name.lower()):
        for suffix in (".csv", ".CSV"):
            path = folder / f"{candidate}{suffix}"
            if path.exists():
                return path
    return None


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        sample = handle.readline()
        handle.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        yield from csv.DictReader(handle, delimiter=delimiter)


_FOCUS = re.compile(r"(<<|<)?\s*(\d{6,18})(?:\s*\|[^|]*\|)?")


class OmopVocabulary:
    """The few tables an expansion needs, read once (CONCEPT_RELATIONSHIP only its 'Subsumes'
    rows, and only when CONCEPT_ANCESTOR is empty)."""

    def __init__(self, folder: Path, systems: dict[str, str]):
        """`systems`: system URI -> OMOP vocabulary_id."""
        concept = _table(folder, "CONCEPT")
        if concept is None:
            raise KeuzewijsError("no CONCEPT table (CONCEPT.csv)", path=str(folder))
        self.systems = systems
        self.by_code: dict[tuple[str, str], tuple[int, str]] = {}  # (vocab, code) -> id, name
        self.by_id: dict[int, tuple[str, str, str]] = {}  # id -> vocab, code, name
        for row in _rows(concept):
            cid = int(row["concept_id"])
            vocab, code, name = row["vocabulary_id"], row["concept_code"], row["concept_name"]
            self.by_code[(vocab, code)] = (cid, name)
            self.by_id[cid] = (vocab, code, name)
        self.children: dict[int, set[int]] = {}
        self.closure: dict[int, set[int]] = {}
        ancestor = _table(folder, "CONCEPT_ANCESTOR")
        for row in _rows(ancestor) if ancestor else ():
            a, d = int(row["ancestor_concept_id"]), int(row["descendant_concept_id"])
            self.closure.setdefault(a, set()).add(d)
        self.hierarchy = "CONCEPT_ANCESTOR" if self.closure else "CONCEPT_RELATIONSHIP"
        if not self.closure:
            relationship = _table(folder, "CONCEPT_RELATIONSHIP")
            for row in _rows(relationship) if relationship else ():
                if row["relationship_id"] == "Subsumes" and not row.get("invalid_reason"):
                    p, c = int(row["concept_id_1"]), int(row["concept_id_2"])
                    self.children.setdefault(p, set()).add(c)
        self.version = self._version(folder)

    @staticmethod
    def _version(folder: Path) -> str:
        table = _table(folder, "VOCABULARY")
        versions = sorted(
            {r.get("vocabulary_version", "").strip() for r in _rows(table)} - {""}
            if table
            else set()
        )
        return "; ".join(versions) or "unknown"

    def descendants(self, cid: int) -> set[int]:
        if self.closure:
            return self.closure.get(cid, set()) - {cid}
        out: set[int] = set()
        todo = [cid]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def expand(self, vs: ValueSetResource) -> tuple[list[Contains], list[Parameter]]:
        found: list[Contains] = []
        used: set[str] = set()
        for inc in vs.compose.include:
            vocab = self.systems.get(inc.system or "")
            if vocab is None:
                continue
            for f in inc.filter:
                if f.property == "constraint":
                    ids = self._ecl(vocab, f.value)
                elif f.property == "concept" and f.op == "is-a":
                    prefix = _norm(f.value)
                    ids = {
                        cid
                        for (v, code), (cid, _) in self.by_code.items()
                        if v == vocab and _norm(code).startswith(prefix)
                    }
                else:
                    continue
                for cid in ids:
                    if cid not in self.by_id:  # a descendant this vocabulary subset lacks
                        continue
                    v, code, name = self.by_id[cid]
                    if v == vocab:
                        found.append(
                            _contains(inc.system or "", code, name, "omop-vocabulary", "omop", cid)
                        )
                        used.add(inc.system or "")
        params = [
            # system|version, the version a token (a uri has no spaces)
            Parameter(name="used-codesystem", valueUri=f"{system}|omop:{_token(self.version)}")
            for system in sorted(used)
        ]
        params.append(Parameter(name="hierarchy", valueString=self.hierarchy))
        return found, params

    def _ecl(self, vocab: str, expression: str) -> set[int]:
        """The subset of ECL value sets use here: focus concepts with `<<`, `<` or none, joined
        by OR. Anything else is refused, never half-expanded."""
        ids: set[int] = set()
        for part in re.split(r"\bOR\b", expression):
            m = _FOCUS.fullmatch(part.strip())
            if m is None:
                raise KeuzewijsError(f"ECL not supported offline: {part.strip()}", path=expression)
            op, code = m.group(1), m.group(2)
            hit = self.by_code.get((vocab, code))
            if hit is None:
                continue  # not in this vocabulary: only the hand-listed codes stand for it
            cid = hit[0]
            if op in (None, "<<"):
                ids.add(cid)
            if op in ("<", "<<"):
                ids |= self.descendants(cid)
        return ids


# --- FHIR terminology server -----------------------------------------------------------------


def server_expander(
    base: str, client: httpx.Client
) -> Callable[[ValueSetResource], tuple[list[Contains], list[Parameter]]]:
    def expand(vs: ValueSetResource) -> tuple[list[Contains], list[Parameter]]:
        definition = vs.model_dump(mode="json", exclude_none=True, exclude={"expansion", "text"})
        body = {
            "resourceType": "Parameters",
            "parameter": [{"name": "valueSet", "resource": definition}],
        }
        try:
            response = client.post(
                f"{base.rstrip('/')}/ValueSet/$expand",
                json=body,
                headers={"Accept": "application/fhir+json"},
            )
        except httpx.HTTPError as exc:
            raise KeuzewijsError(f"terminology server unreachable: {exc}", path=base) from None
        if response.status_code != 200:
            raise KeuzewijsError(f"$expand of {vs.id} answered {response.status_code}", path=base)
        data: dict[str, Any] = response.json()
        expansion = data.get("expansion") or {}
        found = [
            _contains(
                c["system"], c["code"], c.get("display", c["code"]), "terminology-server", "server"
            )
            for c in _walk(expansion.get("contains") or [])
            if c.get("system") and c.get("code") and not c.get("abstract")
        ]
        params = [
            Parameter(name=p["name"], valueUri=p.get("valueUri") or str(p.get("valueString", "")))
            for p in expansion.get("parameter") or []
            if p.get("name") in ("used-codesystem", "version")
        ]
        params.append(Parameter(name="server", valueUri=base))
        return found, params

    return expand


def _walk(items: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for item in items:
        yield item
        yield from _walk(item.get("contains") or [])


def _token(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip())


def hand_only(vs: ValueSetResource) -> tuple[list[Contains], list[Parameter]]:
    """No server and no vocabulary: the expansion is the hand-listed codes."""
    return [], [Parameter(name="used-codesystem", valueString="hand-maintained codes only")]
