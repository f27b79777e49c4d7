"""Read and check OMOP CDM tables; rows that cannot be used are set aside and counted, never dropped
silently.

Tables are read from a folder (`<table>.parquet`, `<table>/` of Parquet parts, or `<table>.csv`, the
file name in any case, as OHDSI publishes it: `PERSON.csv`; macOS `__MACOSX/` and `._*` files are
ignored) or taken from a database the backend is connected to. Column names are read in any case.
Condition, procedure and observation rows become one event stream (person, domain, date, source
value, concept id, source concept id, visit) that indicators select from.

Optional tables are used when present: the CDM's own vocabulary (concept, concept_relationship,
concept_ancestor; see conceptsets.py), observation_period (events outside every observation period
of their person are set aside, as OHDSI cohort definitions do) and cdm_source (its
source_release_date is the extraction date when none is given).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
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
# Read when present; the audit works without them.
VOCABULARY = ("concept", "concept_relationship", "concept_ancestor")
OPTIONAL: dict[str, list[str]] = {
    "observation_period": [
        "person_id",
        "observation_period_start_date",
        "observation_period_end_date",
    ],
    "cdm_source": ["source_release_date"],
    "concept": ["concept_id", "vocabulary_id", "concept_code", "standard_concept"],
    "concept_relationship": ["concept_id_1", "concept_id_2", "relationship_id", "invalid_reason"],
    "concept_ancestor": ["ancestor_concept_id", "descendant_concept_id"],
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
    "outside_observation": "outside every observation period of the person",
}


@dataclass(frozen=True)
class OmopData:
    person: ir.Table  # person_id, birth_date
    visits: ir.Table  # visit_occurrence_id, visit_start_date, care_site_id
    events: ir.Table  # person_id, domain, event_date, code, concept_id, source_concept_id, visit
    set_aside: ir.Table  # table, reason, rows
    read: ir.Table  # table, rows: every row read from the tables the audit uses
    vocabulary: dict[str, ir.Table] = field(default_factory=dict)  # concept, ... when present
    concept_sets: tuple[str, ...] = ()  # names of the membership columns events carry (attached)
    concept_pairs: ir.Table | None = None  # (set_name, concept_id) resolved, once attached
    source_values: ir.Table | None = None  # code: every distinct *_source_value read


def _listing(folder: Path) -> dict[str, list[Path]]:
    """Lower-case table name -> candidate paths, ignoring macOS metadata (`__MACOSX/`, `._*`)."""
    out: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "__MACOSX":
            continue
        name = path.name.lower()
        for suffix in (".parquet", ".csv"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        else:
            if not path.is_dir():
                continue
        out.setdefault(name, []).append(path)
    return out


def table_files(
    folder: Path, name: str, listing: dict[str, list[Path]] | None = None
) -> tuple[str, Path] | None:
    found = (listing if listing is not None else _listing(folder)).get(name, [])
    for kind, test in (
        ("parquet", lambda p: p.suffix.lower() == ".parquet"),
        ("parquet", lambda p: p.is_dir()),
        ("csv", lambda p: p.suffix.lower() == ".csv"),
    ):
        hits = [p for p in found if test(p)]
        if len(hits) > 1:
            raise InputFormatError(
                f"table '{name}' is there twice: {', '.join(p.name for p in hits)}; keep one",
                path=str(folder),
            )
        if hits:
            return kind, hits[0]
    return None


def _lower_columns(t: ir.Table) -> ir.Table:
    renames = {c.lower(): c for c in t.columns if c != c.lower()}
    return t.rename(renames) if renames else t


def keep(con: Any, expr: ir.Table, label: str) -> ir.Table:
    """Materialise `expr` once as a temporary table of `con` (gone with the connection).

    Always on `con`: an expression of in-memory tables only (the concept sets without a
    vocabulary) would otherwise land in Ibis's default backend. Spark has no temporary tables in
    Ibis; there it becomes a temporary view.
    """
    name = f"kw_{label}_{uuid.uuid4().hex[:12]}"
    if con.name in ("duckdb", "postgres"):
        return con.create_table(name, expr, temp=True)
    return con.create_view(name, expr)


def _read(con: Any, kind: str, path: Path, name: str) -> ir.Table:
    target = str(path / "*.parquet") if path.is_dir() else str(path)
    if kind == "parquet":
        return _lower_columns(con.read_parquet(target, table_name=name))
    if con.name != "duckdb":
        return _lower_columns(con.read_csv(target, table_name=name))
    # Every CSV column as text: a type guessed from the first rows turns codes into numbers
    # (a source value 0123 loses its zero); the audit casts the columns it reads itself.
    t = _lower_columns(con.read_csv(target, table_name=f"{name}_csv", all_varchar=True))
    if name in VOCABULARY:
        return t  # read once, by the concept-set resolution
    # A CSV file is parsed again by every query over it; the audit runs one query per indicator.
    return keep(con, t, name)


def read_folder(con: Any, folder: Path) -> dict[str, ir.Table]:
    if not folder.is_dir():
        raise InputFormatError("not a folder of OMOP tables", path=str(folder))
    listing = _listing(folder)
    out = {}
    for name in REQUIRED:
        found = table_files(folder, name, listing)
        if found is None:
            raise InputFormatError(
                f"table '{name}' is missing; expected {name}.parquet, {name}/ (Parquet parts) or "
                f"{name}.csv (any case, e.g. {name.upper()}.csv)",
                path=str(folder),
            )
        out[name] = _read(con, *found, name)
    for name in OPTIONAL:
        found = table_files(folder, name, listing)
        if found is not None:
            out[name] = _read(con, *found, name)
    return out


def read_database(con: Any) -> dict[str, ir.Table]:
    present = {t.lower(): t for t in con.list_tables()}
    for name in REQUIRED:
        if name not in present:
            raise InputFormatError(
                f"table '{name}' is missing from the database; found: "
                f"{', '.join(sorted(present)) or '(none)'}",
                path=name,
            )
    return {
        name: _lower_columns(con.table(present[name]))
        for name in (*REQUIRED, *OPTIONAL)
        if name in present
    }


def _check_columns(tables: dict[str, ir.Table]) -> None:
    for name, columns in (*REQUIRED.items(), *OPTIONAL.items()):
        if name not in tables:
            continue
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

    periods = _periods(tables)
    streams, values = [], []
    read = [
        p.aggregate(rows=p.count()).mutate(table=ibis.literal("person")),
        v.aggregate(rows=v.count()).mutate(table=ibis.literal("visit_occurrence")),
    ]
    for domain, (name, date_col, code_col, concept_col) in DOMAINS.items():
        t = tables[name]
        source_col = concept_col.replace("_concept_id", "_source_concept_id")
        ev = t.select(
            person_id=t.person_id.cast("int64"),
            domain=ibis.literal(domain),
            event_date=_as_date(t, date_col, name),
            code=t[code_col].cast("string"),
            concept_id=t[concept_col].cast("int64"),
            source_concept_id=(
                t[source_col].cast("int64") if source_col in t.columns else ibis.null("int64")
            ),
            visit_occurrence_id=t.visit_occurrence_id.cast("int64"),
        )
        read.append(t.aggregate(rows=t.count()).mutate(table=ibis.literal(name)))
        values.append(ev.select("code"))
        j = ev.left_join(good_persons, "person_id")
        unmapped = (
            (j.code.isnull() | (j.code == ""))
            & (j.concept_id.isnull() | (j.concept_id == 0))
            & (j.source_concept_id.isnull() | (j.source_concept_id == 0))
        )
        reason = ibis.cases(
            (j.birth_date.isnull(), "unknown_person"),
            (j.event_date.isnull(), "missing_date"),
            (j.event_date > today, "future_date"),
            (j.event_date < j.birth_date, "before_birth"),
            (unmapped, "unmapped_code"),
            else_=ibis.null("string"),
        )
        j = j.mutate(reason=reason)
        columns = [
            "person_id",
            "domain",
            "event_date",
            "code",
            "concept_id",
            "source_concept_id",
            "visit_occurrence_id",
        ]
        good = j.filter(j.reason.isnull()).select(*columns)
        parts.append(j.filter(j.reason.notnull()).select(table=ibis.literal(name), reason="reason"))
        if periods is not None:
            inside = [
                good.person_id == periods.person_id,
                good.event_date >= periods.start,
                good.event_date <= periods.end,
            ]
            parts.append(
                good.anti_join(periods, inside).select(
                    table=ibis.literal(name), reason=ibis.literal("outside_observation")
                )
            )
            good = good.semi_join(periods, inside).select(*columns)
        streams.append(good)
    events = streams[0].union(*streams[1:])
    bad = parts[0].union(*parts[1:])
    set_aside = bad.group_by(["table", "reason"]).aggregate(rows=bad.count())
    vocabulary = {name: tables[name] for name in VOCABULARY if name in tables}
    return OmopData(
        person=good_persons,
        visits=visits,
        events=events,
        set_aside=set_aside,
        read=read[0].union(*read[1:]),
        vocabulary=vocabulary,
        source_values=values[0].union(*values[1:], distinct=True),
    )


def _periods(tables: dict[str, ir.Table]) -> ir.Table | None:
    """The observation periods (person_id, start, end), or None when the data has none."""
    if "observation_period" not in tables:
        return None
    o = tables["observation_period"]
    return o.select(
        person_id=o.person_id.cast("int64"),
        start=_as_date(o, "observation_period_start_date", "observation_period"),
        end=_as_date(o, "observation_period_end_date", "observation_period"),
    )


def release_date(con: Any, tables: dict[str, ir.Table]) -> dt.date | None:
    """cdm_source.source_release_date: the date the data were extracted, when the data say so."""
    if "cdm_source" not in tables:
        return None
    t = tables["cdm_source"]
    value = con.to_pyarrow(
        t.aggregate(day=_as_date(t, "source_release_date", "cdm_source").max())
    ).to_pylist()
    day = value[0]["day"] if value else None
    return day if isinstance(day, dt.date) else None
