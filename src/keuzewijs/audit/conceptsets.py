"""Concept sets resolved the OHDSI way, in the database: code, concept, standard, descendants.

A concept set (knowledge/_common/omop-mapping.yaml) lists codes with their vocabulary. An event
belongs to the set when

- its `*_concept_id` is one of the set's standard concepts or their descendants: each code is
  looked up in the CDM's own CONCEPT table (vocabulary_id + concept_code; codes of the
  `prefix_vocabularies` also match every code below them, in each vocabulary of their family:
  ICD10 S72.0 -> ICD10 S72.00 and ICD10CM S72.001A),
  non-standard concepts follow 'Maps to' (CONCEPT_RELATIONSHIP) to their standard concept, and
  CONCEPT_ANCESTOR adds the descendants ('include descendants');
- or its `*_source_concept_id` is one of those concepts (the source codes a site recorded);
- or its `*_source_value` is one of the codes (dots, spaces and case ignored; a prefix for the
  prefix vocabularies), which is all a site without vocabulary tables can offer; this string work
  is done once per distinct source value, not per event;
- or its concept id is one the mapping names explicitly (`concept_id`).

All of it is joins on small tables: the resolved (set, concept) pairs become one row per concept
with a boolean per set, joined once on concept_id and once on source_concept_id, and the matching
source values one row per value, joined on the value. No Python loop ever touches an event row.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from typing import TYPE_CHECKING, Any

from .mapping import Mapping
from .omop import OmopData, keep

if TYPE_CHECKING:
    import ibis.expr.types as ir


def column(name: str) -> str:
    """The boolean event column that says whether an event is in concept set `name`."""
    return f"cs__{name}"


def normalise(value: ir.StringValue) -> ir.StringValue:
    return value.strip().upper().replace(".", "").replace(" ", "")


def _norm(code: str) -> str:
    return code.strip().upper().replace(".", "").replace(" ", "")


def _nonempty(t: ir.Table | None) -> bool:
    # Used only to decide which joins to build; a one-row LIMIT, cheap even on a full vocabulary.
    return t is not None and bool(t.limit(1).count().execute())


def resolve(data: OmopData, mapping: Mapping) -> ir.Table:
    """(set_name, concept_id) for every concept an event may carry to be in a set."""
    import ibis

    family = mapping.prefix_vocabularies
    rows = [
        {
            "set_name": name,
            "vocabulary_id": vocabulary,
            "code": _norm(code.code),
            "prefix": code.vocabulary in family,
            "explicit": code.concept_id,
        }
        for name, cs in mapping.concept_sets.items()
        for code in cs.codes
        for vocabulary in family.get(code.vocabulary, [code.vocabulary])
    ]
    codes = ibis.memtable(
        rows,
        schema={
            "set_name": "string",
            "vocabulary_id": "string",
            "code": "string",
            "prefix": "boolean",
            "explicit": "int64",
        },
    )
    explicit = codes.filter(codes.explicit.notnull()).select("set_name", concept_id=codes.explicit)
    vocab = data.vocabulary
    if not _nonempty(vocab.get("concept")):
        return explicit.distinct()
    c = vocab["concept"]
    concept = c.select(
        concept_id=c.concept_id.cast("int64"),
        vocabulary_id=c.vocabulary_id.cast("string"),
        code=normalise(c.concept_code.cast("string")),
        standard=c.standard_concept.cast("string") == "S",
    )
    exact = codes.filter(~codes.prefix)
    exact = exact.join(
        concept, [exact.vocabulary_id == concept.vocabulary_id, exact.code == concept.code]
    ).select("set_name", "concept_id")
    pre = codes.filter(codes.prefix)
    pre = (
        pre.join(concept, pre.vocabulary_id == concept.vocabulary_id)
        .filter(lambda t: t.code_right.startswith(t.code))
        .select("set_name", "concept_id")
    )
    direct = exact.union(pre, explicit).distinct()
    found = direct.join(concept.select("concept_id", "standard"), "concept_id")
    standard = found.filter(found.standard).select("set_name", "concept_id")
    if _nonempty(vocab.get("concept_relationship")):
        r = vocab["concept_relationship"]
        maps_to = r.filter(
            (r.relationship_id.cast("string") == "Maps to")
            & (r.invalid_reason.isnull() | (r.invalid_reason.cast("string") == ""))
        ).select(source=r.concept_id_1.cast("int64"), target=r.concept_id_2.cast("int64"))
        mapped = direct.join(maps_to, direct.concept_id == maps_to.source).select(
            "set_name", concept_id="target"
        )
        standard = standard.union(mapped)
    out = direct.union(standard)
    if _nonempty(vocab.get("concept_ancestor")):
        a = vocab["concept_ancestor"]
        ancestry = a.select(
            ancestor=a.ancestor_concept_id.cast("int64"),
            descendant=a.descendant_concept_id.cast("int64"),
        )
        below = standard.join(ancestry, standard.concept_id == ancestry.ancestor).select(
            "set_name", concept_id="descendant"
        )
        out = out.union(below)
    return out.distinct()


def has_ancestry(data: OmopData) -> bool | None:
    """True/False whether descendants can be included; None when the data carry no vocabulary."""
    if not _nonempty(data.vocabulary.get("concept")):
        return None
    return _nonempty(data.vocabulary.get("concept_ancestor"))


def attach(data: OmopData, mapping: Mapping) -> OmopData:
    """The data with the events of the concept sets, one boolean column per set (idempotent)."""
    if data.concept_sets:
        return data
    import ibis

    names = sorted(mapping.concept_sets)
    con = ibis.get_backend(data.events)
    # Resolved once and kept (small temporary tables): every indicator query joins them, and the
    # vocabulary behind them (CONCEPT_RELATIONSHIP alone is millions of rows) is read only once.
    pairs = keep(con, resolve(data, mapping), "concept_pairs")
    wide = keep(
        con,
        pairs.group_by("concept_id").aggregate(
            **{column(n): (pairs.set_name == n).any() for n in names}
        ),
        "concept_sets",
    )
    by_source = wide.rename({f"src_{column(n)}": column(n) for n in names}).rename(
        source_key="concept_id"
    )
    ev = data.events
    # Source values: the string work (normalising, prefixes) is done once per distinct value, not
    # once per event, and only the values in some set are kept; events then join on the value.
    raw = data.source_values if data.source_values is not None else ev.select("code").distinct()
    # Kept first: the database would otherwise push the string tests below the DISTINCT, back
    # onto every event row.
    distinct = keep(con, raw.filter(raw.code.notnull()), "distinct_values")
    norm = normalise(distinct.code)
    flags: dict[str, ir.BooleanValue] = {}
    for n in names:
        cs = mapping.concept_sets[n]
        exact = [_norm(c.code) for c in cs.codes if c.vocabulary not in mapping.prefix_vocabularies]
        prefixes = [_norm(c.code) for c in cs.codes if c.vocabulary in mapping.prefix_vocabularies]
        tests = [norm.isin(exact)] if exact else []
        tests += [norm.startswith(p) for p in prefixes]
        flags[f"val_{column(n)}"] = functools.reduce(operator.or_, tests).fill_null(False)
    values = distinct.select(value_key="code", **flags)
    values = keep(
        con, values.filter(functools.reduce(operator.or_, [values[c] for c in flags])), "values"
    )
    j = (
        ev.left_join(wide, ev.concept_id == wide.concept_id)
        .left_join(by_source, ev.source_concept_id == by_source.source_key)
        .left_join(values, ev.code == values.value_key)
    )
    members = {
        column(n): j[column(n)].fill_null(False)
        | j[f"src_{column(n)}"].fill_null(False)
        | j[f"val_{column(n)}"].fill_null(False)
        for n in names
    }
    events = j.select(*ev.columns, **members)
    # Indicators read events only through their concept sets, so only the events in some set are
    # kept, once, as a small table: every indicator query then reads that table instead of
    # preparing and joining every event again (rows set aside are counted from the full stream).
    events = keep(
        con, events.filter(functools.reduce(operator.or_, [events[c] for c in members])), "events"
    )
    return dataclasses.replace(data, events=events, concept_sets=tuple(names), concept_pairs=pairs)


def matches(mapping: Mapping, name: str, events: ir.Table) -> ir.BooleanValue:
    cs = mapping.get(name, "indicators")
    return events.domain.isin(list(cs.domains)) & events[column(name)]


def coverage(data: OmopData, mapping: Mapping) -> ir.Table:
    """One row: per concept set the events and distinct persons it matches (in its domains)."""
    ev = data.events
    names = sorted(mapping.concept_sets)
    # Per person first (one hash aggregation), then totals: cheaper than a distinct count per set.
    per_person = ev.group_by("person_id").aggregate(
        **{f"e{i}": matches(mapping, n, ev).sum().cast("int64") for i, n in enumerate(names)}
    )
    aggs: dict[str, Any] = {}
    for i, n in enumerate(names):
        aggs[f"{n}__events"] = per_person[f"e{i}"].sum().cast("int64")
        aggs[f"{n}__persons"] = (per_person[f"e{i}"] > 0).sum().cast("int64")
    return per_person.aggregate(**aggs)


def resolved_counts(data: OmopData, mapping: Mapping) -> ir.Table:
    """Per concept set the number of concepts it resolved to in this CDM's vocabulary."""
    pairs = attach(data, mapping).concept_pairs
    assert pairs is not None
    return pairs.group_by("set_name").aggregate(concepts=pairs.concept_id.nunique())
