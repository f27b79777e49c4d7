"""FHIR record -> a pack's patient profile, driven by `knowledge/_common/fhir-mapping.yaml`.

Nothing clinical is decided here: a field gets a value only when the record states it, in a form
that fits. Everything that does not fit (a status that is not final, a value too old, a unit that
cannot be converted, an implausible derived value) leaves the field unknown and says why in the
mapping trace; the engine's three-valued rules then ask for it instead of guessing. A value stated
as a range ("<60") stays a range (`Interval`), never becomes the number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from keuzewijs.packs import Pack
from keuzewijs.packs.models import FieldType
from keuzewijs.rules.interval import COMPARATORS, Interval
from keuzewijs.rules.units import convert

from .ages import add_years, age
from .config import CdsData, ConditionMapping, FieldMapping, MaxAge, Reading
from .record import Record
from .terminology import Entry, Matcher, Terminology
from .ucum import UnitError
from .ucum import convert as ucum_convert

# Every reason a statement is not used; cds.yaml has a text `trace.<reason>` for each (checked).
REASONS = (
    "verification-status",
    "clinical-status",
    "abated",
    "status",
    "too-old",
    "no-date",
    "future",
    "unit",
    "comparator",
    "no-value",
    "implausible",
    "not-integer",
)


@dataclass(frozen=True)
class Note:
    """Why a statement in the record was not used for a field (the mapping trace)."""

    field: str
    resource: str
    reason: str
    detail: str = ""

    def __post_init__(self) -> None:
        assert self.reason in REASONS, self.reason  # a programming error, caught by the tests

    def dump(self) -> dict[str, str]:
        out = {"field": self.field, "resource": self.resource, "reason": self.reason}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Mapped:
    profile: dict[str, Any]
    notes: list[Note] = field(default_factory=list)


def _as_datetime(value: Any) -> dt.datetime | None:
    """A FHIR date/dateTime as an aware datetime; coarser than a day stays unknown."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def ref(resource: Any) -> str:
    return f"{resource.get_resource_type()}/{resource.id or '?'}"


def _codes(concept: Any) -> set[str]:
    return {c.code for c in (getattr(concept, "coding", None) or []) if c.code}


def when(resource: Any) -> dt.datetime | None:
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
        effective = (
            resource.effectiveDateTime
            or resource.effectiveInstant
            or (
                resource.effectivePeriod.end or resource.effectivePeriod.start
                if resource.effectivePeriod
                else None
            )
            or resource.issued
        )
        return _as_datetime(effective)
    return None


def why_not_current(resource: Any, reading: Reading, now: dt.datetime) -> str | None:
    """None when the resource is part of today's record; else the reason (a short code)."""
    kind = resource.get_resource_type()
    if kind == "Condition":
        if _codes(resource.verificationStatus) & set(reading.condition_ignored_verification):
            return "verification-status"
        clinical = _codes(resource.clinicalStatus)
        if clinical and not clinical & set(reading.condition_current):
            return "clinical-status"
        abated = resource.abatementDateTime or (
            resource.abatementPeriod.end if resource.abatementPeriod else None
        )
        abated_at = _as_datetime(abated)
        if abated_at is not None and abated_at <= now:
            return "abated"
        if resource.abatementString or resource.abatementAge or resource.abatementRange:
            return "abated"
        return None
    if kind == "Observation":
        return None if resource.status in reading.observation_status else "status"
    if kind == "Procedure":
        return None if resource.status in reading.procedure_status else "status"
    return None


def has_diagnosis(
    record: Record,
    data: CdsData,
    matcher: Matcher,
    now: dt.datetime,
    extra: Iterable[Any] = (),
) -> bool:
    """The record holds a current condition with one of the diagnosis codes, or an order's
    reasonCode (`extra`) names one. A condition that is history (resolved, abated, refuted, or,
    for an acute condition, begun or recorded before its recency window) does not count: a
    fracture healed years ago is not today's decision."""
    if any(matcher.concept(concept) for concept in extra):
        return True
    reading = data.mapping.reading
    recency = matcher.recency if isinstance(matcher, DiagnosisMatcher) else None
    return any(
        matcher.concept(c.code)
        and why_not_current(c, reading, now) is None
        and not _before_window(c, recency, now)
        for c in record.conditions
    )


class DiagnosisMatcher(Matcher):
    """The diagnosis codes of one condition, with its recency window (fhir-mapping.yaml)."""

    def __init__(self, terminology: Terminology, entries: list[Entry], recency: MaxAge | None):
        super().__init__(terminology, entries)
        self.recency = recency


def _before_window(condition: Any, recency: MaxAge | None, now: dt.datetime) -> bool:
    """An acute condition whose onset or recorded date lies before the window. Without any date
    it is not called old: the status rules above decide."""
    if recency is None:
        return False
    dates = [d for d in (when(condition), _as_datetime(condition.recordedDate)) if d is not None]
    if not dates:
        return False
    hours = (now - min(dates)).total_seconds() / 3600
    return hours > convert(recency.value, recency.unit, "hours")


class ProfileBuilder:
    def __init__(self, data: CdsData, pack: Pack, cmap: ConditionMapping, where: str = ""):
        self.data, self.pack, self.cmap = data, pack, cmap
        self.terms = data.terminology
        self.reading = data.mapping.reading
        self._matchers = [  # by position in cmap.fields
            data.matcher(fm.codes, f"{where}.fields[{i}]") for i, fm in enumerate(cmap.fields)
        ]
        self.diagnosis = DiagnosisMatcher(
            data.terminology,
            data.terminology.entries(cmap.diagnosis, f"{where}.diagnosis"),
            cmap.recency,
        )
        self._born: Any = None  # the patient's birth date, while a record is read
        self._present = data.matcher(data.mapping.presence.present)
        self._absent = data.matcher(data.mapping.presence.absent)

    def build(self, record: Record, now: dt.datetime) -> Mapped:
        notes: list[Note] = []
        self._born = record.patient.birthDate if record.patient is not None else None
        # (value, when) candidates per field; the most recent statement wins.
        found: dict[str, list[tuple[Any, dt.datetime | None]]] = {}
        absent_false: set[str] = set()
        for fm, codes in zip(self.cmap.fields, self._matchers, strict=True):
            values = []
            for r in record.of_type(fm.resource):
                if fm.resource != "Patient" and not codes.concept(r.code):
                    continue
                reason = why_not_current(r, self.reading, now)
                if reason is None:
                    reason = self._too_old(fm, r, now)
                if reason is not None:
                    notes.append(Note(fm.field, ref(r), reason))
                    continue
                got = self._value(fm, r, now, notes)
                if got is not None:
                    values.append((got, when(r)))
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
        return Mapped(self._plausible(profile, notes), notes)

    def _too_old(self, fm: FieldMapping, resource: Any, now: dt.datetime) -> str | None:
        if fm.max_age is None:
            return None
        at = when(resource)
        if at is None:
            return "no-date"
        age_hours = (now - at).total_seconds() / 3600
        if age_hours > convert(fm.max_age.value, fm.max_age.unit, "hours"):
            return "too-old"
        return None

    def _plausible(self, profile: dict[str, Any], notes: list[Note]) -> dict[str, Any]:
        """Each value checked against the pack's own field schema (range, type): one implausible
        derived value (an age from birth date 1900-01-01) makes that field unknown, never fails
        the hook."""
        model = self.pack.profile_model
        out: dict[str, Any] = {}
        for name, value in profile.items():
            if isinstance(value, Interval):
                out[name] = value
                continue
            try:
                model.model_validate({name: value})
            except ValidationError as exc:
                notes.append(Note(name, "", "implausible", f"{value!r}: {exc.errors()[0]['msg']}"))
                continue
            out[name] = value
        return out

    def _value(self, fm: FieldMapping, resource: Any, now: dt.datetime, notes: list[Note]) -> Any:
        spec = self.pack.fields[fm.field]
        kind = fm.value.kind
        if kind == "constant":
            return fm.value.value
        if kind == "age":
            return age(resource.birthDate, now.date())
        if kind == "elapsed":
            start = when(resource)
            if start is None:
                return self._elapsed_range(fm, resource, now, notes)
            if start > now:
                notes.append(Note(fm.field, ref(resource), "future"))
                return None
            hours = (now - start).total_seconds() / 3600
            return round(convert(hours, "hours", spec.unit or "hours"), 4)
        if kind == "quantity":
            return self._quantity(fm, resource, notes)
        if kind == "coded":
            wanted = self.terms.uri(fm.value.system or "")
            concept = getattr(resource, "valueCodeableConcept", None)
            for c in getattr(concept, "coding", None) or []:
                if c.system and self.terms.uri(c.system) == wanted and c.code in spec.value_ids():
                    return c.code
            notes.append(Note(fm.field, ref(resource), "no-value"))
            return None
        # boolean
        if getattr(resource, "valueBoolean", None) is not None:
            return bool(resource.valueBoolean)
        coded = getattr(resource, "valueCodeableConcept", None)
        if self._present.concept(coded):
            return True
        if self._absent.concept(coded):
            return False
        notes.append(Note(fm.field, ref(resource), "no-value"))
        return None

    def _elapsed_range(
        self, fm: FieldMapping, resource: Any, now: dt.datetime, notes: list[Note]
    ) -> Any:
        """No onset date: what the record does say about it, as a range. `onsetAge` with a full
        birth date puts the onset within that year of life; `recordedDate` says it began on or
        before that day (so at least that long ago). Neither: unknown."""
        unit = self.pack.fields[fm.field].unit or "hours"

        def since(at: dt.datetime) -> float:
            return round(convert((now - at).total_seconds() / 3600, "hours", unit), 4)

        onset_age = getattr(resource, "onsetAge", None)
        born = self._born
        if onset_age is not None and onset_age.value is not None and isinstance(born, dt.date):
            years = float(onset_age.value)
            if onset_age.code in ("a", None) and years.is_integer():
                first = add_years(born, int(years))
                last = add_years(born, int(years) + 1)
                if first <= now:
                    return Interval.between(max(since(min(last, now)), 0.0), since(first))
        recorded = _as_datetime(getattr(resource, "recordedDate", None))
        if recorded is not None and recorded <= now:
            return Interval.of(">=", since(recorded))
        notes.append(Note(fm.field, ref(resource), "no-date"))
        return None

    def _quantity(self, fm: FieldMapping, resource: Any, notes: list[Note]) -> Any:
        spec = self.pack.fields[fm.field]
        where = ref(resource)
        if getattr(resource, "valueInteger", None) is not None:  # a score, e.g. a classification
            return int(resource.valueInteger)
        q = getattr(resource, "valueQuantity", None)
        if q is None or q.value is None:
            notes.append(Note(fm.field, where, "no-value"))
            return None
        number = float(q.value)
        wanted = fm.value.unit
        if wanted:
            if q.code == wanted or (q.code is None and q.unit == wanted):
                pass
            elif q.code is None or self.terms.uri(q.system or "") != self.terms.uri("ucum"):
                notes.append(Note(fm.field, where, "unit", f"not a UCUM code: {q.unit or q.code}"))
                return None
            else:
                try:
                    number = ucum_convert(number, q.code, wanted)
                except UnitError as exc:
                    notes.append(Note(fm.field, where, "unit", str(exc)))
                    return None
        if q.comparator is not None:
            if q.comparator not in COMPARATORS:  # 'ad': sufficient to achieve, not a bound
                notes.append(Note(fm.field, where, "comparator", q.comparator))
                return None
            return Interval.of(q.comparator, round(number, 6))
        if spec.type == FieldType.integer:
            if not float(number).is_integer():
                notes.append(Note(fm.field, where, "not-integer", str(number)))
                return None
            return int(number)
        return round(number, 6)
