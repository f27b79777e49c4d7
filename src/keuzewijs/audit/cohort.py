"""One indicator over OMOP events: index event, eligibility, the profile at the index date, verdict.

Everything here is generic: concept sets come from the mapping, windows and field sources from the
indicator, and the verdict from the translated pack rule (translate.rule_verdict). The result is one
row per eligible patient with the profile columns the engine would receive, so the same row can be
handed to `keuzewijs.engine.advise` (tests/audit/test_consistency.py does exactly that).
"""

from __future__ import annotations

import functools
import operator
from typing import TYPE_CHECKING

from keuzewijs.packs import Criterion, FieldSource, Indicator, Window
from keuzewijs.packs.models import FieldType
from keuzewijs.rules.units import HOURS_PER

from .conceptsets import attach, column, matches
from .mapping import Mapping
from .omop import OmopData
from .translate import field_columns, member_column, rule_verdict

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from keuzewijs.packs import Pack


_matches = matches  # an event is in a concept set: see conceptsets.py


def _within(offset: ir.IntegerValue, window: Window) -> ir.BooleanValue:
    """offset = event date - index date, in days; the window is inclusive at both ends."""
    return (offset >= -window.before_days) & (offset <= window.after_days)


def _days_in(days: ir.NumericValue, unit: str) -> ir.NumericValue:
    # Same arithmetic, in the same order, as rules/units.convert: days * 24 / hours-per-unit.
    return days.cast("float64") * HOURS_PER["days"] / HOURS_PER[unit]


def index_events(data: OmopData, mapping: Mapping, ind: Indicator) -> ir.Table:
    """The first index event per person (after a qualifying `after` event, when the index needs
    one)."""
    data = attach(data, mapping)
    ev = data.events
    cand = ev.filter(_matches(mapping, ind.index.concepts, ev)).select(
        "person_id", "event_date", "visit_occurrence_id"
    )
    if ind.index.after is not None:
        after = ind.index.after
        prior = ev.filter(_matches(mapping, after.concepts, ev)).select(
            person_id="person_id", prior_date="event_date"
        )
        j = cand.join(prior, "person_id")
        offset = j.prior_date.delta(j.event_date, unit="day")
        # strictly before the index event, and no further back than the window allows
        j = j.filter((offset < 0) & _within(offset, after))
        cand = j.select("person_id", "event_date", "visit_occurrence_id").distinct()
    first = cand.group_by("person_id").aggregate(index_date=cand.event_date.min())
    back = cand.join(
        first, [cand.person_id == first.person_id, cand.event_date == first.index_date]
    )
    return back.group_by([back.person_id, back.index_date]).aggregate(
        visit_occurrence_id=back.visit_occurrence_id.min()
    )


def _source_aggregates(
    j: ir.Table, mapping: Mapping, ind: Indicator, sources: list[FieldSource]
) -> dict:
    offset = j.event_date.delta(j.index_date, unit="day")
    aggs: dict[str, ir.Value] = {}
    crits: list[tuple[str, Criterion]] = [
        (f"require_{i}", c) for i, c in enumerate(ind.denominator.require)
    ]
    crits += [(f"exclude_{i}", c) for i, c in enumerate(ind.denominator.exclude)]
    for name, crit in crits:
        aggs[name] = (_matches(mapping, crit.concepts, j) & _within(offset, crit)).any()
    for i, s in enumerate(sources):
        if s.kind == "present":
            aggs[f"src_{i}"] = (
                _matches(mapping, s.concepts or "", j) & _within(offset, s.window)
            ).any()
        elif s.kind == "elapsed":
            hit = _matches(mapping, s.concepts or "", j) & _within(offset, s.window)
            aggs[f"src_{i}"] = j.event_date.min(where=hit)
    return aggs


def _age(index_date: ir.DateValue, birth: ir.DateValue) -> ir.IntegerValue:
    import ibis

    years = index_date.year() - birth.year()
    before_birthday = (index_date.month() < birth.month()) | (
        (index_date.month() == birth.month()) & (index_date.day() < birth.day())
    )
    return (years - ibis.ifelse(before_birthday, 1, 0)).cast("int64")


def _field_value(pack: Pack, s: FieldSource, i: int, t: ir.Table) -> ir.Value:
    import ibis

    spec = pack.fields[s.field]
    unit = s.unit or spec.unit
    if s.kind == "age":
        return _age(t.index_date, t.birth_date)
    if s.kind == "constant":
        kind = next(iter(field_columns(spec).values())) if spec.type != FieldType.set else "boolean"
        return ibis.literal(s.value, type=kind)
    if s.kind == "present":
        seen = t[f"src_{i}"].fill_null(False)
        if spec.type == FieldType.enum:
            otherwise = (
                ibis.literal(s.otherwise, type="string") if s.otherwise else ibis.null("string")
            )
            return ibis.ifelse(seen, ibis.literal(s.member, type="string"), otherwise)
        return seen if s.absent == "false" else ibis.ifelse(seen, True, ibis.null("boolean"))
    days = t.index_date.delta(
        t[f"src_{i}"] if s.kind == "elapsed" else t.visit_start_date, unit="day"
    )
    if spec.type == FieldType.integer and unit in (None, "days"):
        return days.cast("int64")  # calendar days, as the field asks
    return _days_in(days, unit or "days")


def _features(
    data: OmopData, mapping: Mapping, ind: Indicator, sources: list[FieldSource], idx: ir.Table
) -> ir.Table:
    """Per index event, the aggregates of the related events each field source reads."""
    names = {c.concepts for c in (*ind.denominator.require, *ind.denominator.exclude)}
    names |= {s.concepts for s in sources if s.concepts}
    ev = data.events
    if names:
        rel = ev.filter(
            functools.reduce(operator.or_, [_matches(mapping, n, ev) for n in sorted(names)])
        )
        j = idx.left_join(
            rel.select(
                "person_id", "domain", "event_date", *[column(n) for n in data.concept_sets]
            ),
            "person_id",
        )
        aggs = _source_aggregates(j, mapping, ind, sources)
        return (
            j.group_by(["person_id", "index_date", "visit_occurrence_id"]).aggregate(**aggs)
            if aggs
            else idx
        )
    return idx


def _profile_columns(pack: Pack, sources: list[FieldSource], t: ir.Table) -> dict[str, ir.Value]:
    """Every profile column: from its source where the indicator has one, else unknown."""
    import ibis

    columns: dict[str, ir.Value] = {}
    for spec in pack.profile.fields:
        for col, kind in field_columns(spec).items():
            columns[col] = ibis.null(kind)
    for i, s in enumerate(sources):
        col = (
            member_column(s.field, s.member)
            if s.member and pack.fields[s.field].type == FieldType.set
            else s.field
        )
        columns[col] = _field_value(pack, s, i, t)
    for spec in pack.profile.fields:
        if spec.type == FieldType.set:
            # A set is known only when every member is: the engine has no 'partly known' set.
            members = [member_column(spec.name, v) for v in spec.value_ids()]
            known = functools.reduce(operator.and_, [columns[m].notnull() for m in members])
            for m in members:
                columns[m] = ibis.ifelse(known, columns[m], ibis.null("boolean"))
    return columns


def profile_table(
    data: OmopData, mapping: Mapping, pack: Pack, ind: Indicator, variant: str
) -> ir.Table:
    """One row per patient in the denominator: profile columns at the index date, provider, period,
    verdict."""

    data = attach(data, mapping)
    sources = ind.builder(variant)
    idx = index_events(data, mapping, ind)
    feats = _features(data, mapping, ind, sources, idx)
    t = feats.join(data.person, "person_id").left_join(data.visits, "visit_occurrence_id")
    eligible = [t[f"require_{i}"].fill_null(False) for i in range(len(ind.denominator.require))]
    eligible += [~t[f"exclude_{i}"].fill_null(False) for i in range(len(ind.denominator.exclude))]
    if eligible:
        t = t.filter(functools.reduce(operator.and_, eligible))

    columns = _profile_columns(pack, sources, t)
    prof = t.select(
        person_id=t.person_id,
        index_date=t.index_date,
        provider=t.care_site_id,
        period=t.index_date.year().cast("int64"),
        **columns,
    )
    return prof.mutate(verdict=rule_verdict(pack, ind.rule, prof))
