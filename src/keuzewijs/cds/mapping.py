"""FHIR record -> a pack's patient profile, driven by `knowledge/_common/fhir-mapping.yaml`.

Nothing clinical is decided here: a field gets a value only when the record states it; a field
without data stays unknown, and the engine's three-valued rules ask for it instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from keuzewijs.packs.loader import Pack
from keuzewijs.packs.models import FieldType
from keuzewijs.rules.units import convert

from .config import Code, ConditionMapping, FhirMapping, FieldMapping
from .record import Record


def code_set(mapping: FhirMapping, codes: Iterable[Code]) -> frozenset[tuple[str, str]]:
    return frozenset((mapping.system(c.system), c.code) for c in codes)


def codings(concept: Any) -> set[tuple[str, str]]:
    return {(c.system or "", c.code or "") for c in (getattr(concept, "coding", None) or [])}


def _as_datetime(value: Any) -> dt.datetime | None:
    """A FHIR date/dateTime as an aware datetime; coarser than a day stays unknown."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def _when(resource: Any) -> dt.datetime | None:
    kind = resource.get_resource_type()
    if kind == "Condition":
        start = resource.onsetDateTime or (
            resource.onsetPeriod.start if resource.onsetPeriod else None
        )
        return _as_datetime(start)
    if kind == "Procedure":
        start = resource.performedDateTime or (
            resource.performedPeriod.start if resource.performedPeriod else None
        )
        return _as_datetime(start)
    if kind == "Observation":
        return _as_datetime(resource.effectiveDateTime or resource.issued)
    return None


def has_diagnosis(
    record: Record, mapping: FhirMapping, cmap: ConditionMapping, extra: Iterable[Any] = ()
) -> bool:
    """The record (or an order's reasonCode) carries one of the condition's diagnosis codes."""
    wanted = code_set(mapping, cmap.diagnosis)
    concepts = [c.code for c in record.conditions] + list(extra)
    return any(codings(concept) & wanted for concept in concepts)


class ProfileBuilder:
    def __init__(self, mapping: FhirMapping, pack: Pack, cmap: ConditionMapping):
        self.mapping, self.pack, self.cmap = mapping, pack, cmap
        self._codes = {id(fm): code_set(mapping, fm.codes) for fm in cmap.fields}
        self._present = code_set(mapping, mapping.presence.present)
        self._absent = code_set(mapping, mapping.presence.absent)

    def build(self, record: Record, now: dt.datetime) -> dict[str, Any]:
        # (value, when) candidates per field; the most recent statement wins.
        found: dict[str, list[tuple[Any, dt.datetime | None]]] = {}
        absent_false: set[str] = set()
        for fm in self.cmap.fields:
            hits = [
                r
                for r in record.of_type(fm.resource)
                if fm.resource == "Patient" or codings(r.code) & self._codes[id(fm)]
            ]
            values = [(v, _when(r)) for r in hits if (v := self._value(fm, r, now)) is not None]
            if values:
                found.setdefault(fm.field, []).extend(values)
            elif fm.absent is False:
                absent_false.add(fm.field)
        profile: dict[str, Any] = {name: False for name in absent_false}
        floor = dt.datetime.min.replace(tzinfo=dt.UTC)
        for name, values in found.items():
            spec = self.pack.fields[name]
            if spec.type == FieldType.set:
                profile[name] = sorted({v for v, _ in values})
            else:
                profile[name] = max(values, key=lambda pair: pair[1] or floor)[0]
        return profile

    def _value(self, fm: FieldMapping, resource: Any, now: dt.datetime) -> Any:
        spec = self.pack.fields[fm.field]
        kind = fm.value.kind
        if kind == "constant":
            return fm.value.value
        if kind == "age":
            born = resource.birthDate
            if not isinstance(born, dt.date):
                return None
            today = now.date()
            return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if kind == "elapsed":
            start = _when(resource)
            if start is None or start > now:
                return None
            hours = (now - start).total_seconds() / 3600
            return round(convert(hours, "hours", spec.unit or "hours"), 4)
        if kind == "quantity":
            if (
                getattr(resource, "valueInteger", None) is not None
            ):  # a score, e.g. a classification
                return int(resource.valueInteger)
            q = getattr(resource, "valueQuantity", None)
            if (
                q is None
                or q.value is None
                or (fm.value.unit and q.code != fm.value.unit and q.unit != fm.value.unit)
            ):
                return None  # a value in another unit is not converted by guesswork
            number = float(q.value)
            return int(number) if spec.type == FieldType.integer and number.is_integer() else number
        if kind == "coded":
            wanted = self.mapping.system(fm.value.system or "")
            for system, code in codings(getattr(resource, "valueCodeableConcept", None)):
                if system == wanted and code in spec.value_ids():
                    return code
            return None
        # boolean
        if getattr(resource, "valueBoolean", None) is not None:
            return bool(resource.valueBoolean)
        coded = codings(getattr(resource, "valueCodeableConcept", None))
        if coded & self._present:
            return True
        if coded & self._absent:
            return False
        return None
