"""Read and check OMOP CDM tables; rows that cannot be used are set aside and counted, never dropped
silently.

Tables are read from a folder (`<table>.parquet`, `<table>/` of Parquet parts, or `<table>.csv`)
or taken from a database the backend is connected to. Condition, procedure and observation rows
become one event stream (person, domain, date, code, concept id, visit) that indicators select from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keuzewijs.errors import InputFormatError

if TYPE_CHECKING:
    import ibis.expr.types as ir

# The columns the audit reads (OMOP CDM v5.4 names); other columns may be present.
REQUIRED: dict[str, list[str]] = {
    "person": ["person_id", "year_of_birth", "month_of_birth", "day_of_birth"],
    "visit_occurrence": ["visit_occurrence_id", "person_id", "visit_start_date", "care_site_id"],
    "condition_occurrence": [
        "person_id",
        "condition_start_date",
        "condition_source_value",
        "condition_concept_id",
        "visit_occurrence_id",
    ],
    "procedure_occurrence": [
        "person_id",
        "procedure_date",
        "procedure_source_value",
        "procedure_concept_id",
        "visit_occurrence_id",
    ],
    "observation": [
        "person_id",
        "observation_date",
        "observation_source_value",
        "observation_concept_id",
        "visit_occurrence_id",
    ],
}
# domain -> (table, date column, code column, concept column)
DOMAINS = {
    "condition": (
        "condition_occurrence",
        "condition_start_date",
        "condition_source_value",
        "condition_concept_id",
    ),
    "procedure": (
        "procedure_occurrence",
        "procedure_date",
        "procedure_source_value",
        "procedure_concept_id",
    ),
    "observation": (
        "observation",
        "observation_date",
        "observation_source_value",
        "observation_concept_id",
    ),
}
REASONS = {
    "unknown_person": "person_id not in person",
    "missing_date": "date missing",
    "future_date": "date in the future",
    "before_birth": "event before birth",
    "unmapped_code": "no source code and no concept id (unmapped)",
    "missing_birth_year": "year of birth missing",
}


@dataclass(frozen=True)
class OmopData:
    person: ir.Table  # person_id, birth_date
    visits: ir.Table  # visit_occurrence_id, visit_start_date, care_site_id
    events: ir.Table  # person_id, domain, event_date, code, concept_id, visit_occurrence_id
    set_aside: ir.Table  # table, reason, rows


def table_files(folder: Path, name: str) -> tuple[str, Path] | None:
    for kind, path in (
        ("parquet", folder / f"{name}.parquet"),
        ("parquet", folder / name),
        ("csv", folder / f"{name}.csv"),
    ):
        if path.exists():
            return kind, path
    return None


def read_folder(con: Any, folder: Path) -> dict[str, ir.Table]:
    if not folder.is_dir():
        raise InputFormatError("not a folder of OMOP tables", path=str(folder))
    out = {}
    for name in REQUIRED:
        found = table_files(folder, name)
        if found is None:
            raise InputFormatError(
                f"table '{name}' is missing; expected {name}.parquet, {name}/ (Parquet parts) or "
                f"{name}.csv",
                path=str(folder),
            )
        kind, path = found
        target = str(path / "*.parquet") if path.is_dir() else str(path)
        out[name] = (
            con.read_parquet(target, table_name=name)
            if kind == "parquet"
            else con.read_csv(target, table_name=name)
        )
    return out


def read_database(con: Any) -> dict[str, ir.Table]:
    present = set(con.list_tables())
    for name in REQUIRED:
        if name not in present:
            raise InputFormatError(
                f"table '{name}' is missing from the database; found: "
                f"{', '.join(sorted(present)) or '(none)'}",
                path=name,
            )
    return {name: con.table(name) for name in REQUIRED}


def _check_columns(tables: dict[str, ir.Table]) -> None:
    for name, columns in REQUIRED.items():
        have = set(tables[name].columns)
        for column in columns:
            if column not in have:
                raise InputFormatError(
                    f"column '{column}' is missing; {name} needs {', '.join(columns)}",
                    path=f"{name}.{column}",
                )


def _as_date(table: ir.Table, column: str, name: str) -> ir.DateValue:
    value = table[column]
    if value.type().is_date():
        return value
    if value.type().is_timestamp() or value.type().is_string():
        return value.cast("date")
    raise InputFormatError(f"must be a date (got {value.type()})", path=f"{name}.{column}")


def prepare(tables: dict[str, ir.Table], as_of: dt.date) -> OmopData:
    """The usable rows of every table, and a count of the rows set aside by table and reason."""
    import ibis

    _check_columns(tables)
    today = ibis.literal(as_of, type="date")
    p = tables["person"]
    birth = ibis.date(
        p.year_of_birth.cast("int32"),
        p.month_of_birth.cast("int32").fill_null(1),
        p.day_of_birth.cast("int32").fill_null(1),
    )
    person_reason = ibis.cases(
        (p.year_of_birth.isnull(), "missing_birth_year"),
        (birth > today, "future_date"),
        else_=ibis.null("string"),
    )
    persons = p.select(person_id=p.person_id.cast("int64"), birth_date=birth, reason=person_reason)
    good_persons = persons.filter(persons.reason.isnull()).select("person_id", "birth_date")
    parts = [
        persons.filter(persons.reason.notnull()).select(
            table=ibis.literal("person"), reason="reason"
        )
    ]

    v = tables["visit_occurrence"]
    vdate = _as_date(v, "visit_start_date", "visit_occurrence")
    visits_all = v.select(
        visit_occurrence_id=v.visit_occurrence_id.cast("int64"),
        person_id=v.person_id.cast("int64"),
        visit_start_date=vdate,
        care_site_id=v.care_site_id.cast("int64"),
    )
    vj = visits_all.left_join(good_persons, "person_id")
    visit_reason = ibis.cases(
        (vj.birth_date.isnull(), "unknown_person"),
        (vj.visit_start_date.isnull(), "missing_date"),
        (vj.visit_start_date > today, "future_date"),
        (vj.visit_start_date < vj.birth_date, "before_birth"),
        else_=ibis.null("string"),
    )
    vj = vj.mutate(reason=visit_reason)
    visits = vj.filter(vj.reason.isnull()).select(
        "visit_occurrence_id", "visit_start_date", "care_site_id"
    )
    parts.append(
        vj.filter(vj.reason.notnull()).select(
            table=ibis.literal("visit_occurrence"), reason="reason"
        )
    )

    streams = []
    for domain, (name, date_col, code_col, concept_col) in DOMAINS.items():
        t = tables[name]
        ev = t.select(
            person_id=t.person_id.cast("int64"),
            domain=ibis.literal(domain),
            event_date=_as_date(t, date_col, name),
            code=t[code_col].cast("string"),
            concept_id=t[concept_col].cast("int64"),
            visit_occurrence_id=t.visit_occurrence_id.cast("int64"),
        )
        j = ev.left_join(good_persons, "person_id")
        reason = ibis.cases(
            (j.birth_date.isnull(), "unknown_person"),
            (j.event_date.isnull(), "missing_date"),
            (j.event_date > today, "future_date"),
            (j.event_date < j.birth_date, "before_birth"),
            (
                (j.code.isnull() | (j.code == "")) & (j.concept_id.isnull() | (j.concept_id == 0)),
                "unmapped_code",
            ),
            else_=ibis.null("string"),
        )
        j = j.mutate(reason=reason)
        streams.append(
            j.filter(j.reason.isnull()).select(
                "person_id", "domain", "event_date", "code", "concept_id", "visit_occurrence_id"
            )
        )
        parts.append(j.filter(j.reason.notnull()).select(table=ibis.literal(name), reason="reason"))
    events = streams[0].union(*streams[1:])
    bad = parts[0].union(*parts[1:])
    set_aside = bad.group_by(["table", "reason"]).aggregate(rows=bad.count())
    return OmopData(person=good_persons, visits=visits, events=events, set_aside=set_aside)
