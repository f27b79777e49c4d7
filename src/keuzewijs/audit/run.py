"""Run every indicator of every pack over one OMOP data set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keuzewijs.packs.loader import Library

from .backends import fetch
from .cohort import profile_table
from .mapping import Mapping, check_pack_sets
from .omop import OmopData, prepare, read_database, read_folder
from .results import AuditResult, Row


def load(con: Any, source: Path | None, as_of: dt.date) -> OmopData:
    tables = read_folder(con, source) if source is not None else read_database(con)
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
    result.set_aside = sorted(fetch(con, data.set_aside), key=lambda r: (r["table"], r["reason"]))
    for pack in library.packs.values():
        check_pack_sets(pack, mapping)
        for ind in pack.indicators:
            if only and ind.id not in only:
                continue
            for variant in ind.variant_ids():
                prof = profile_table(data, mapping, pack, ind, variant)
                if by:  # several groupings of the same patients: compute the profiles once
                    prof = prof.cache()
                for group_by in [None, *(by or [])]:
                    for r in fetch(con, counts(prof, group_by)):
                        group = (
                            "all"
                            if group_by is None
                            else ("unknown" if r[group_by] is None else str(r[group_by]))
                        )
                        result.rows.append(
                            Row(
                                ind.id,
                                pack.id,
                                variant,
                                group_by or "overall",
                                group,
                                int(r["eligible"]),
                                int(r["denominator"] or 0),
                                int(r["numerator"] or 0),
                                int(r["undetermined"] or 0),
                            )
                        )
                if step:
                    step(f"{ind.id}/{variant}")
    return result
