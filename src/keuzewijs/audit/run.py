"""Run every indicator of every pack over one OMOP data set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keuzewijs.packs import Indicator, Library, Pack

from .backends import fetch
from .cohort import profile_table
from .conceptsets import attach, coverage, has_ancestry, resolved_counts
from .mapping import Mapping, check_pack_sets
from .omop import OmopData, prepare, read_database, read_folder, release_date
from .results import AuditResult, ConceptSetCount, EligibilityWarning, Row


def load(con: Any, source: Path | None, as_of: dt.date | None) -> OmopData:
    """The prepared data; the extraction date defaults to cdm_source's release date, else today."""
    tables = read_folder(con, source) if source is not None else read_database(con)
    if as_of is None:
        as_of = release_date(con, tables) or dt.date.today()
    return prepare(tables, as_of)


def counts(prof: Any, by: str | None) -> Any:
    import ibis

    keys = [] if by is None else [prof[by]]
    v = prof.verdict
    return (
        prof.group_by(keys).aggregate(
            eligible=prof.count(),
            denominator=v.notnull().sum().cast("int64"),
            numerator=(v == True).fill_null(False).sum().cast("int64"),  # noqa: E712
            undetermined=v.isnull().sum().cast("int64"),
        )
        if keys
        else prof.aggregate(
            eligible=prof.count(),
            denominator=v.notnull().sum().cast("int64"),
            numerator=ibis.ifelse(v == True, 1, 0).sum().cast("int64"),  # noqa: E712
            undetermined=v.isnull().sum().cast("int64"),
        )
    )


def run_audit(
    con: Any,
    data: OmopData,
    library: Library,
    mapping: Mapping,
    *,
    by: list[str] | None = None,
    only: list[str] | None = None,
    step: Callable[[str], None] | None = None,
) -> AuditResult:
    result = AuditResult(
        backend=con.name, knowledge={p.id: p.knowledge_version for p in library.packs.values()}
    )
    for pack in library.packs.values():
        check_pack_sets(pack, mapping)
    data = attach(data, mapping)
    result.set_aside = sorted(fetch(con, data.set_aside), key=lambda r: (r["table"], r["reason"]))
    result.rows_read = {r["table"]: int(r["rows"]) for r in fetch(con, data.read)}
    result.concept_sets = concept_set_summary(con, data, mapping)
    result.vocabulary = vocabulary_note(data)
    persons = {c.name: c.persons for c in result.concept_sets}
    for pack in library.packs.values():
        for ind in pack.indicators:
            if only and ind.id not in only:
                continue
            first = len(result.rows)
            for variant in ind.variant_ids():
                prof = profile_table(data, mapping, pack, ind, variant)
                if by:  # several groupings of the same patients: compute the profiles once
                    prof = prof.cache()
                for group_by in [None, *(by or [])]:
                    result.rows += _rows(
                        fetch(con, counts(prof, group_by)), ind, pack, variant, group_by
                    )
                if step:
                    step(f"{ind.id}/{variant}")
            if not any(r.eligible for r in result.rows[first:] if r.by == "overall"):
                result.warnings.append(no_eligible_warning(ind, persons))
    return result


def _group(r: dict[str, Any], group_by: str | None) -> str:
    if group_by is None:
        return "all"
    return "unknown" if r[group_by] is None else str(r[group_by])


def _rows(
    fetched: list[dict[str, Any]], ind: Indicator, pack: Pack, variant: str, group_by: str | None
) -> list[Row]:
    """One result row per group of the counts query."""
    return [
        Row(
            ind.id,
            pack.id,
            variant,
            group_by or "overall",
            _group(r, group_by),
            int(r["eligible"]),
            int(r["denominator"] or 0),
            int(r["numerator"] or 0),
            int(r["undetermined"] or 0),
        )
        for r in fetched
    ]


def eligibility_sets(ind: Indicator) -> list[tuple[str, str]]:
    """(role, concept set) of every set a patient must be in to be eligible for an indicator."""
    out = [("index", ind.index.concepts)]
    if ind.index.after is not None:
        out.append(("after", ind.index.after.concepts))
    out += [("required", c.concepts) for c in ind.denominator.require]
    return out


def no_eligible_warning(ind: Indicator, persons: dict[str, int]) -> EligibilityWarning:
    return EligibilityWarning(
        ind.id, [(role, name, persons.get(name, 0)) for role, name in eligibility_sets(ind)]
    )


def concept_set_summary(con: Any, data: OmopData, mapping: Mapping) -> list[ConceptSetCount]:
    """Per concept set: persons and events it matches, and the concepts it resolved to."""
    cov = fetch(con, coverage(data, mapping))[0]
    resolved = (
        {r["set_name"]: int(r["concepts"]) for r in fetch(con, resolved_counts(data, mapping))}
        if data.vocabulary
        else {}
    )
    return [
        ConceptSetCount(
            name,
            int(cov[f"{name}__persons"] or 0),
            int(cov[f"{name}__events"] or 0),
            resolved.get(name, 0) if data.vocabulary else None,
        )
        for name in sorted(mapping.concept_sets)
    ]


def vocabulary_note(data: OmopData) -> str:
    """Which matching the data allow: none (codes only), no_ancestry or ancestry."""
    ancestry = has_ancestry(data)
    return "none" if ancestry is None else "ancestry" if ancestry else "no_ancestry"
